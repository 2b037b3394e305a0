//! Optimistic concurrency: every mutable clinical row carries `version`; an update applies
//! only if the row is still at the version the caller read, else `CONFLICT`.

use sea_orm::{
    ActiveModelTrait, ColumnTrait as _, ConnectionTrait, EntityTrait, PrimaryKeyTrait,
    QueryFilter as _,
};
use uuid::Uuid;

use crate::error::ServiceError;

/// `CONFLICT` unless `expected` (when given) is the `current` version.
pub fn expect_version(expected: Option<i32>, current: i32, what: &str) -> Result<(), ServiceError> {
    match expected {
        Some(v) if v != current => Err(ServiceError::Conflict(format!(
            "the {what} was changed meanwhile: expectedVersion {v}, current version {current}"
        ))),
        _ => Ok(()),
    }
}

/// Applies `changes` to the row `id` if it is still at `current`, bumping its version, and
/// returns the row as it now is.
pub async fn update_versioned<E>(
    conn: &impl ConnectionTrait,
    id_col: E::Column,
    version_col: E::Column,
    id: Uuid,
    current: i32,
    mut changes: E::ActiveModel,
    what: &str,
) -> Result<E::Model, ServiceError>
where
    E: EntityTrait,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
    <E::PrimaryKey as PrimaryKeyTrait>::ValueType: From<Uuid>,
{
    changes.set(version_col, (current + 1).into());
    let res = E::update_many()
        .set(changes)
        .filter(id_col.eq(id))
        .filter(version_col.eq(current))
        .exec(conn)
        .await?;
    if res.rows_affected != 1 {
        return Err(ServiceError::Conflict(format!(
            "the {what} was changed meanwhile; reload it and retry"
        )));
    }
    E::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(ServiceError::NotFound)
}
