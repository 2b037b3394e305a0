//! Who may see which client, in SQL: the one place every visibility rule lives. Scope is a
//! `WHERE` clause ([`visible`]), never a filter applied to rows after loading; what the
//! viewer may not see is `NOT_FOUND`. Every clinical domain builds on [`records_of_visible`]
//! and [`find_visible`]. This module imports only the entities, the viewer and the errors.

use crate::auth::ViewerKind;
use sea_orm::{
    ColumnTrait as _, Condition, ConnectionTrait, DatabaseConnection, EntityTrait as _,
    QueryFilter as _, QuerySelect as _, sea_query::Query,
};
use uuid::Uuid;

use crate::{
    auth::{Scope, Viewer},
    error::ServiceError,
};
use entity::{care_team, client};

/// Whether a read needs roster access or clinical access .
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Roster fields: name, status, care team. Practice admins see every client's.
    Roster,
    /// Clinical detail: only the care team, the client themself, and integrators with
    /// `CLINICAL_READ`.
    Clinical,
    /// Writing clinical records: the care team, the client themself, and integrators with
    /// `CLINICAL_WRITE`.
    ClinicalWrite,
}

/// The clients on `user_id`'s care teams, as a subquery.
pub fn care_team_of(user_id: Uuid) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(care_team::Column::ClientId)
        .from(care_team::Entity)
        .and_where(care_team::Column::UserId.eq(user_id))
        .to_owned()
}

/// The clients `viewer` may read with `access`, as a condition on the `client` table.
/// Every domain that reads a client's records joins through this.
pub fn visible(viewer: &Viewer, access: Access) -> Result<Condition, ServiceError> {
    let practice = Condition::all().add(client::Column::PracticeId.eq(viewer.practice_id));
    Ok(match &viewer.kind {
        ViewerKind::Client { client_id } => practice.add(client::Column::Id.eq(*client_id)),
        ViewerKind::Therapist => {
            practice.add(client::Column::Id.in_subquery(care_team_of(viewer.id)))
        }
        ViewerKind::PracticeAdmin => match access {
            Access::Roster => practice,
            Access::Clinical | Access::ClinicalWrite => {
                practice.add(client::Column::Id.in_subquery(care_team_of(viewer.id)))
            }
        },
        ViewerKind::Integrator { .. } => {
            viewer.require_scope(match access {
                Access::Roster => Scope::ClientsRead,
                Access::Clinical => Scope::ClinicalRead,
                Access::ClinicalWrite => Scope::ClinicalWrite,
            })?;
            practice
        }
    })
}

/// The ids of the clients `viewer` may reach with `access`, as a subquery for other
/// domains' `WHERE client_id IN (…)`.
pub fn visible_ids(
    viewer: &Viewer,
    access: Access,
) -> Result<sea_orm::sea_query::SelectStatement, ServiceError> {
    Ok(Query::select()
        .column((client::Entity, client::Column::Id))
        .from(client::Entity)
        .cond_where(visible(viewer, access)?)
        .to_owned())
}

/// Scope for a table of client records: `practice = viewer's AND client IN (visible)`.
/// Every clinical domain filters its rows with this.
pub fn records_of_visible<C: sea_orm::ColumnTrait>(
    viewer: &Viewer,
    access: Access,
    practice_col: C,
    client_col: C,
) -> Result<Condition, ServiceError> {
    Ok(Condition::all()
        .add(practice_col.eq(viewer.practice_id))
        .add(client_col.in_subquery(visible_ids(viewer, access)?)))
}

/// One client the viewer may reach with `access`, or `NOT_FOUND`.
pub async fn find_visible(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    access: Access,
    id: Uuid,
) -> Result<client::Model, ServiceError> {
    find_in(conn, visible(viewer, access)?, id).await
}

/// One client within `scope`, or `NOT_FOUND`.
pub async fn find_in(
    conn: &impl ConnectionTrait,
    scope: Condition,
    id: Uuid,
) -> Result<client::Model, ServiceError> {
    client::Entity::find_by_id(id)
        .filter(scope)
        .one(conn)
        .await?
        .ok_or(ServiceError::NotFound)
}

/// Which of `client_ids` the viewer may read clinically (one statement, for loaders).
pub async fn clinically_visible(
    db: &DatabaseConnection,
    viewer: &Viewer,
    client_ids: &[Uuid],
) -> Result<Vec<Uuid>, ServiceError> {
    Ok(client::Entity::find()
        .select_only()
        .column(client::Column::Id)
        .filter(visible(viewer, Access::Clinical)?)
        .filter(client::Column::Id.is_in(client_ids.to_vec()))
        .into_tuple()
        .all(db)
        .await?)
}

/// Whether `user_id` is on `client_id`'s care team.
pub async fn on_care_team(
    conn: &impl ConnectionTrait,
    client_id: Uuid,
    user_id: Uuid,
) -> Result<bool, ServiceError> {
    Ok(care_team::Entity::find_by_id((client_id, user_id))
        .one(conn)
        .await?
        .is_some())
}
