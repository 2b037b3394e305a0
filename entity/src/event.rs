//! The outbox: an append-only log of domain events, written in the same transaction as the change.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "event")]
pub struct Model {
    /// Monotonic position in the log; subscribers resume from it.
    #[sea_orm(primary_key)]
    pub sequence: i64,
    pub id: Uuid,
    pub practice_id: Uuid,
    pub client_id: Option<Uuid>,
    /// E.g. `CLIENT_CREATED`.
    pub kind: String,
    pub entity_id: Uuid,
    /// Small JSON object of ids and enum values; never free text.
    pub payload: Json,
    pub actor_id: Option<Uuid>,
    pub actor_role: Option<String>,
    pub created_at: DateTimeUtc,
    /// PostgreSQL: the writing transaction's id (for gap-free feeds); `None` on SQLite.
    pub tx_id: Option<i64>,
    /// The automation firing whose actions appended it; `None` for everything else.
    pub automation_firing_id: Option<Uuid>,
    /// 0 for events people and jobs cause; a firing's actions append events one deeper than
    /// the event that triggered it (rules act on events of depth 0 and 1 only).
    pub automation_depth: i32,
}

impl ActiveModelBehavior for ActiveModel {}
