//! A client's reminder preferences; no row means the defaults.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "reminder_preference")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub client_id: Uuid,
    pub practice_id: Uuid,
    /// Local `HH:MM` the quiet hours start; null (with `quiet_end`) for none.
    pub quiet_start: Option<String>,
    /// Local `HH:MM` they end (may be before the start: they span midnight).
    pub quiet_end: Option<String>,
    /// JSON array of local `HH:MM` times, sorted.
    pub preferred_times: Json,
    /// JSON array of the reminder kinds wanted.
    pub kinds: Json,
    pub paused_until: Option<DateTimeUtc>,
    /// Whether the client lets the care team change these.
    pub care_team_may_edit: bool,
    pub updated_by: Uuid,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
