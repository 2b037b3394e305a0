//! An action plan for a goal: actions (what, when, where/cue, how long) and anticipated
//! obstacles with if-then coping plans, stored as JSON documents of the plans domain.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "action_plan")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub practice_id: Uuid,
    pub client_id: Uuid,
    pub goal_id: Uuid,
    pub title: String,
    pub actions: Json,
    pub obstacles: Json,
    pub review_on: Option<Date>,
    pub version: i32,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
