//! A rule's firing for one event: unique per rule and event (a rule fires once for an event),
//! with the reason (from the client's figures) and what its actions did, or the error and
//! when it is tried again.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "automation_firing")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub practice_id: Uuid,
    pub rule_id: Uuid,
    /// The rule's version that fired (its actions are the ones applied, on retries too).
    pub rule_version: i32,
    pub client_id: Uuid,
    /// The triggering event's id.
    pub event_id: Uuid,
    pub event_kind: String,
    pub event_at: DateTimeUtc,
    /// The automation depth of the events its actions append (the triggering event's + 1).
    pub depth: i32,
    /// `APPLIED`, `FAILED` (tried again at `next_attempt_at`) or `GAVE_UP`.
    pub status: String,
    /// Why it fired, from the figures (never the client's words).
    pub reason: String,
    /// What each action did, in order (JSON).
    pub outcome: Json,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub next_attempt_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
