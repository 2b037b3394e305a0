//! GraphQL types of check-ins.

use async_graphql::{Enum, ID, InputObject, SimpleObject};
use chrono::{DateTime, Utc};

use crate::graphql::recurrence::RepeatInput;

/// Where a check-in stands.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "super::domain::CheckInStatus")]
pub enum CheckInStatusValue {
    /// Not answered, and not yet a day past due.
    Pending,
    /// Answered.
    Answered,
    /// Not answered a day after it was due.
    Missed,
}

/// A check-in between sessions.
#[derive(SimpleObject)]
pub struct CheckIn {
    /// The check-in's id.
    pub id: ID,
    /// Check-ins scheduled together share it.
    pub series_id: ID,
    /// What the client is asked, e.g. "How did the breathing practice go today?".
    pub prompt: String,
    /// When it is due.
    pub due_at: DateTime<Utc>,
    /// Where it stands now.
    pub status: CheckInStatusValue,
    /// The client's answer.
    pub response: Option<String>,
    /// The client's mood with the answer, 0 to 10.
    pub mood: Option<i32>,
    /// When the client answered.
    pub responded_at: Option<DateTime<Utc>>,
}

impl From<entity::check_in::Model> for CheckIn {
    fn from(c: entity::check_in::Model) -> Self {
        Self {
            id: ID(c.id.to_string()),
            series_id: ID(c.series_id.to_string()),
            status: super::domain::status(c.due_at, c.responded_at, Utc::now()).into(),
            prompt: c.prompt,
            due_at: c.due_at,
            response: c.response_text,
            mood: c.mood,
            responded_at: c.responded_at,
        }
    }
}

/// Schedule a check-in, once (`dueAt`) or recurring (`recurrence`).
#[derive(InputObject)]
pub struct ScheduleCheckInInput {
    /// The client.
    pub client_id: ID,
    /// What to ask (1 to 500 characters).
    pub prompt: String,
    /// When a single check-in is due (not in the past).
    pub due_at: Option<DateTime<Utc>>,
    /// For a series instead of `dueAt` (at most 92).
    pub recurrence: Option<RepeatInput>,
}

/// Answer a check-in.
#[derive(InputObject)]
pub struct RespondToCheckInInput {
    /// The check-in.
    pub check_in_id: ID,
    /// The answer (1 to 2,000 characters).
    pub text: String,
    /// Mood right now, 0 to 10.
    pub mood: Option<i32>,
}

/// The scheduled check-ins.
#[derive(SimpleObject)]
pub struct ScheduleCheckInPayload {
    /// The check-ins, by due time.
    pub check_ins: Vec<CheckIn>,
}

/// The answered check-in.
#[derive(SimpleObject)]
pub struct CheckInPayload {
    /// The check-in as it now is.
    pub check_in: CheckIn,
}
