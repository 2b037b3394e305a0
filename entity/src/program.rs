//! A programme of the practice's library: ordered modules (`program_module`).
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "program")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub practice_id: Uuid,
    pub title: String,
    /// What it is for and who it suits (for the care team).
    pub description: String,
    /// Archived programmes take no new enrolments.
    pub archived_at: Option<DateTimeUtc>,
    /// Who added it; null for the starter programmes.
    pub created_by: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
