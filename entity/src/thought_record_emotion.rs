//! An emotion of a thought record, with its intensity before and after (0-100).
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "thought_record_emotion")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub thought_record_id: Uuid,
    pub position: i32,
    pub name: String,
    pub intensity_before: i32,
    pub intensity_after: i32,
}

impl ActiveModelBehavior for ActiveModel {}
