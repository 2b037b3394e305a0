//! A practice's own measure thresholds (absent: the published defaults).
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "measure_setting")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub practice_id: Uuid,
    pub phq9_reliable_change: i32,
    pub gad7_reliable_change: i32,
    pub safety_item_threshold: i32,
    pub updated_by: Uuid,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
