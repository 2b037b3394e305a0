//! A reminder the reminder job decided: sent (a `REMINDER_DUE` event) or held back by the
//! back-off. Unique per kind and what it is about, so each reminder fires once.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reminder_fired")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub practice_id: Uuid,
    pub client_id: Uuid,
    /// The reminder kind (`HOMEWORK_DUE`, `CHECK_IN_DUE`, ...).
    pub kind: String,
    /// The homework occurrence or check-in it is about.
    pub about_id: Uuid,
    /// The homework, or the check-ins' series: the back-off counts within it.
    pub series_id: Uuid,
    pub due_at: DateTimeUtc,
    pub fire_at: DateTimeUtc,
    /// `SENT` or `HELD_BACK`.
    pub outcome: String,
    /// Reminders of the series the client had let pass in a row before this one.
    pub ignored: i32,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
