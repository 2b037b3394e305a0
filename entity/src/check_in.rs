//! A check-in between sessions: a prompt due at a time, and the client's answer.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "check_in")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub practice_id: Uuid,
    pub client_id: Uuid,
    /// Check-ins scheduled together (a recurrence) share it.
    pub series_id: Uuid,
    pub prompt: String,
    pub due_at: DateTimeUtc,
    pub response_text: Option<String>,
    /// Mood 0-10 with the answer, when given.
    pub mood: Option<i32>,
    pub responded_at: Option<DateTimeUtc>,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
