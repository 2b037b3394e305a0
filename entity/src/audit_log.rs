//! Append-only record of every read and write of a client's record: ids only, never free text.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub practice_id: Uuid,
    pub actor_id: Uuid,
    pub actor_role: String,
    /// The GraphQL operation (field) name, e.g. `updateClient`.
    pub operation: String,
    pub client_id: Option<Uuid>,
    /// JSON array of the other ids touched (e.g. every client on a returned page).
    pub entity_ids: Json,
    /// `SUCCESS`, `NOT_FOUND`, `FORBIDDEN`, `BAD_USER_INPUT`, `CONFLICT` or `ERROR`.
    pub outcome: String,
    pub request_id: String,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
