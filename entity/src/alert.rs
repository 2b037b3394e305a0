//! A clinical alert about a client: SAFETY, WORSENING, DISENGAGEMENT, MISSED_HOMEWORK.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "alert")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub practice_id: Uuid,
    pub client_id: Uuid,
    pub kind: String,
    /// Higher is more severe (lists sort by it, then oldest first).
    pub severity: i32,
    /// `OPEN`, `ACKNOWLEDGED` or `RESOLVED`.
    pub status: String,
    /// The client's local date while unresolved; `None` once resolved.
    pub open_day: Option<Date>,
    /// Why it was raised, generated from the data (never the client's own words).
    pub reason: String,
    pub measure_id: Option<Uuid>,
    pub raised_at: DateTimeUtc,
    pub acknowledged_at: Option<DateTimeUtc>,
    pub acknowledged_by: Option<Uuid>,
    pub resolved_at: Option<DateTimeUtc>,
    pub resolved_by: Option<Uuid>,
    pub resolution_note: Option<String>,
    pub version: i32,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
