//! One value recorded on a tracker. The local date, day number and minute are the
//! client's at the time of recording; trends group by them.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "tracker_entry")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub practice_id: Uuid,
    pub client_id: Uuid,
    pub tracker_id: Uuid,
    pub recorded_at: DateTimeUtc,
    pub local_date: Date,
    /// Days since 1970-01-01 of `local_date`.
    pub local_day: i32,
    /// Minutes since local midnight, 0-1439.
    pub local_minute: i32,
    pub value: f64,
    /// What was going on (trigger, place, company).
    pub context: Option<String>,
    pub note: Option<String>,
    /// `SHARED` or `PRIVATE` (the client's alone).
    pub visibility: String,
    pub created_by: Uuid,
    pub created_by_role: String,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
