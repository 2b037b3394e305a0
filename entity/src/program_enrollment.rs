//! A client's enrolment in a programme.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "program_enrollment")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub practice_id: Uuid,
    pub client_id: Uuid,
    pub program_id: Uuid,
    /// `ACTIVE`, `PAUSED`, `LEFT` or `COMPLETED`.
    pub status: String,
    pub enrolled_by: Uuid,
    pub enrolled_at: DateTimeUtc,
    pub paused_at: Option<DateTimeUtc>,
    /// When it was left or completed.
    pub ended_at: Option<DateTimeUtc>,
    pub version: i32,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
