//! A homework template in a practice's library.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "homework_template")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub practice_id: Uuid,
    pub title: String,
    /// `THOUGHT_RECORD`, `EXPOSURE`, `BEHAVIORAL_ACTIVATION`, `JOURNALING`, `SKILL_PRACTICE`,
    /// `READING` or `OTHER`.
    pub kind: String,
    pub instructions: String,
    pub purpose: String,
    pub estimated_minutes: Option<i32>,
    /// Whether it came with the practice (the starter set).
    pub starter: bool,
    pub archived_at: Option<DateTimeUtc>,
    /// Null for the starter set.
    pub created_by: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
