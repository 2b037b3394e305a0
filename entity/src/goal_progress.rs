//! A recorded value of a goal's measure (append-only).
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "goal_progress")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub practice_id: Uuid,
    pub client_id: Uuid,
    pub goal_id: Uuid,
    pub value: f64,
    pub note: Option<String>,
    pub recorded_at: DateTimeUtc,
    pub recorded_by: Uuid,
    pub recorded_by_role: String,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
