//! One version of an automation rule, as it stood after a change (creation included).
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "automation_rule_version")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub rule_id: Uuid,
    pub practice_id: Uuid,
    pub version: i32,
    pub name: String,
    pub trigger: String,
    pub conditions: Json,
    pub actions: Json,
    pub enabled: bool,
    pub archived: bool,
    pub changed_by: Uuid,
    pub changed_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
