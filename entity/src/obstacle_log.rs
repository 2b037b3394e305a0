//! An obstacle met while working a plan, and whether the coping plan was used and helped.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "obstacle_log")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub practice_id: Uuid,
    pub client_id: Uuid,
    pub plan_id: Uuid,
    /// The anticipated obstacle of the plan, when it was one.
    pub obstacle_id: Option<Uuid>,
    /// `LACK_OF_TIME`, `OVERWHELM`, `FEAR_OF_FAILURE`, `NEGATIVE_SELF_TALK` or `OTHER`.
    pub kind: String,
    pub occurred_at: DateTimeUtc,
    pub coping_used: bool,
    /// How much the coping helped, 0-10.
    pub helped: Option<i32>,
    pub note: Option<String>,
    pub recorded_by: Uuid,
    pub recorded_by_role: String,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
