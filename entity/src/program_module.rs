//! One module of a programme: the work it assigns when it opens, and its unlock rule.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "program_module")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub program_id: Uuid,
    pub practice_id: Uuid,
    /// 1, 2, ... in order.
    pub position: i32,
    pub title: String,
    pub summary: String,
    /// `PREVIOUS_DONE`, `AFTER_DAYS` or `BY_THERAPIST`.
    pub unlock_rule: String,
    /// For `AFTER_DAYS`: days after the previous module opened.
    pub unlock_after_days: Option<i32>,
    /// JSON array of homework to assign: title, kind, instructions, purpose,
    /// estimatedMinutes, dueInDays.
    pub homework: Json,
    /// JSON array of check-ins to schedule: prompt, dueInDays.
    pub check_ins: Json,
    /// JSON array of library resource ids to share.
    pub resource_ids: Json,
    /// The measure to assign (`PHQ9`, `GAD7`), if any.
    pub measure: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
