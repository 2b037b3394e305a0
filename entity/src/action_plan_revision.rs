//! Every version of an action plan, with who changed what, when and why (append-only).
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "action_plan_revision")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub practice_id: Uuid,
    pub plan_id: Uuid,
    pub version: i32,
    pub title: String,
    pub actions: Json,
    pub obstacles: Json,
    pub review_on: Option<Date>,
    /// Why it changed; null for the first version.
    pub reason: Option<String>,
    /// JSON array of the changed field names.
    pub changed_fields: Json,
    pub changed_by: Uuid,
    pub changed_by_role: String,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
