//! The audit log: every read and write of a client's record leaves a row with who, role,
//! operation, ids, outcome and request id. Never free text, never variables.

use chrono::Utc;
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait as _, Set,
    SqliteTransactionMode, TransactionOptions, TransactionTrait as _,
};
use uuid::Uuid;

use crate::{auth::Viewer, error::ServiceError};

/// Which records an operation touched.
#[derive(Debug, Clone, Default)]
pub struct Target {
    pub client_id: Option<Uuid>,
    pub entity_ids: Vec<Uuid>,
}

impl Target {
    /// One client's record.
    pub fn client(id: Uuid) -> Self {
        Self {
            client_id: Some(id),
            entity_ids: Vec::new(),
        }
    }

    /// Several records, none of them singled out as "the" client.
    pub fn many(ids: Vec<Uuid>) -> Self {
        Self {
            client_id: None,
            entity_ids: ids,
        }
    }

    /// Adds an entity id.
    pub fn with(mut self, id: Uuid) -> Self {
        self.entity_ids.push(id);
        self
    }
}

fn outcome(result: Result<(), &ServiceError>) -> &'static str {
    match result {
        Ok(()) => "SUCCESS",
        Err(e) => match e {
            ServiceError::NotFound => "NOT_FOUND",
            ServiceError::Forbidden(_) | ServiceError::Unauthenticated => "FORBIDDEN",
            ServiceError::BadInput { .. } => "BAD_USER_INPUT",
            ServiceError::Conflict(_) => "CONFLICT",
            ServiceError::RateLimited => "RATE_LIMITED",
            ServiceError::Database(_) | ServiceError::Internal(_) => "ERROR",
        },
    }
}

/// Appends one audit row through `conn`.
pub async fn record(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    operation: &str,
    target: &Target,
    result: Result<(), &ServiceError>,
) -> Result<(), DbErr> {
    entity::audit_log::Entity::insert(entity::audit_log::ActiveModel {
        id: Set(Uuid::now_v7()),
        practice_id: Set(viewer.practice_id),
        actor_id: Set(viewer.id),
        actor_role: Set(viewer.role.as_str().to_owned()),
        operation: Set(operation.to_owned()),
        client_id: Set(target.client_id),
        entity_ids: Set(serde_json::json!(target.entity_ids)),
        outcome: Set(outcome(result).to_owned()),
        request_id: Set(viewer.request_id.clone()),
        created_at: Set(Utc::now()),
    })
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// Runs a write in one transaction. On success the audit row commits with the change;
/// on failure the change rolls back and a failure row (against `requested`) is written.
pub async fn write<T>(
    db: &DatabaseConnection,
    viewer: &Viewer,
    operation: &'static str,
    requested: Target,
    f: impl AsyncFnOnce(&DatabaseTransaction) -> Result<(T, Target), ServiceError>,
) -> Result<T, ServiceError> {
    let txn = begin_write(db).await?;
    match f(&txn).await {
        Ok((value, target)) => {
            record(&txn, viewer, operation, &target, Ok(())).await?;
            txn.commit().await?;
            crate::events::bus::notify();
            Ok(value)
        }
        Err(e) => {
            txn.rollback().await.ok();
            failed(db, viewer, operation, &requested, &e).await;
            Err(e)
        }
    }
}

/// Starts a transaction that will write. On SQLite it takes the write lock at `BEGIN`
/// (`IMMEDIATE`), waiting its turn under the busy timeout: a deferred transaction that read
/// first would fail outright if another writer committed before its first write.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

/// Runs a read, then records it (successful or not).
pub async fn read<T>(
    db: &DatabaseConnection,
    viewer: &Viewer,
    operation: &'static str,
    requested: Target,
    f: impl AsyncFnOnce(&DatabaseConnection) -> Result<(T, Target), ServiceError>,
) -> Result<T, ServiceError> {
    match f(db).await {
        Ok((value, target)) => {
            record(db, viewer, operation, &target, Ok(())).await?;
            Ok(value)
        }
        Err(e) => {
            failed(db, viewer, operation, &requested, &e).await;
            Err(e)
        }
    }
}

async fn failed(
    db: &DatabaseConnection,
    viewer: &Viewer,
    operation: &'static str,
    target: &Target,
    e: &ServiceError,
) {
    // The caller already gets the original error; a failed audit write is logged, not raised.
    if let Err(audit_err) = record(db, viewer, operation, target, Err(e)).await {
        tracing::error!(error = %audit_err, operation, "could not write audit row");
    }
}
