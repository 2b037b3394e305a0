//! An automation rule of a practice: when an event of `trigger` happens to a client (any of
//! the practice's, or the one `client_id` names) and every condition holds, do the actions.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "automation_rule")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub practice_id: Uuid,
    /// The one client it is for; `None` for every client of the practice.
    pub client_id: Option<Uuid>,
    pub name: String,
    /// The event kind that triggers it, e.g. `MEASURE_SUBMITTED`.
    pub trigger: String,
    /// Tagged JSON conditions (`automations::domain::Condition`).
    pub conditions: Json,
    /// Tagged JSON actions (`automations::domain::Action`).
    pub actions: Json,
    pub enabled: bool,
    pub created_by: Uuid,
    /// Bumped by every change; each version is kept in `automation_rule_version`.
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub archived_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
