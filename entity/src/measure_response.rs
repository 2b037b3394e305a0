//! A completed standardised measure (PHQ-9, GAD-7), scored when submitted.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "measure_response")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub practice_id: Uuid,
    pub client_id: Uuid,
    /// `PHQ9` or `GAD7`.
    pub instrument: String,
    /// Item answers in order.
    pub answers: Json,
    pub total: i32,
    pub severity: String,
    pub safety_flag: bool,
    pub change_from_baseline: Option<i32>,
    pub change_from_previous: Option<i32>,
    pub reliable_change: Option<String>,
    pub response: Option<bool>,
    pub remission: Option<bool>,
    pub administered_at: DateTimeUtc,
    pub submitted_by: Uuid,
    pub submitted_by_role: String,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
