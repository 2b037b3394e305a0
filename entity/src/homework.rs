//! Homework assigned to a client, from a template or written for them.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "homework")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub practice_id: Uuid,
    pub client_id: Uuid,
    pub template_id: Option<Uuid>,
    pub kind: String,
    pub title: String,
    pub instructions: String,
    pub purpose: Option<String>,
    /// The goal it serves, and the action of one of the goal's plans.
    pub goal_id: Option<Uuid>,
    pub action_id: Option<Uuid>,
    /// When it is due; for recurring homework, the last occurrence.
    pub due_at: DateTimeUtc,
    /// For recurring homework: `{ recurrence, startsOn, until, timeOfDay }`.
    pub recurrence: Option<Json>,
    /// `ASSIGNED`, `IN_PROGRESS`, `COMPLETED`, `PARTIAL`, `NOT_DONE` or `REVIEWED`.
    pub status: String,
    pub assigned_by: Uuid,
    pub assigned_in_session_id: Option<Uuid>,
    pub started_at: Option<DateTimeUtc>,
    /// When the last open occurrence was submitted.
    pub submitted_at: Option<DateTimeUtc>,
    pub review_notes: Option<String>,
    /// Private review notes never reach the client.
    pub review_notes_private: bool,
    pub reviewed_at: Option<DateTimeUtc>,
    pub reviewed_by: Option<Uuid>,
    pub reviewed_in_session_id: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
