//! Session values.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::error::ServiceError;

/// Where a session stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SessionStatus {
    Scheduled,
    Completed,
    Cancelled,
}

impl SessionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Scheduled => "SCHEDULED",
            Self::Completed => "COMPLETED",
            Self::Cancelled => "CANCELLED",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "SCHEDULED" => Self::Scheduled,
            "COMPLETED" => Self::Completed,
            "CANCELLED" => Self::Cancelled,
            _ => return None,
        })
    }
}

/// Limits of session fields.
pub const FOCUS_MAX: usize = 500;
pub const REASON_MAX: usize = 1000;
/// A session lasts 5 minutes to 8 hours (intensive formats included).
pub const DURATION_RANGE: std::ops::RangeInclusive<i32> = 5..=480;

/// Checks a session length in minutes.
pub fn duration(minutes: i32, field: &str) -> Result<i32, ServiceError> {
    if DURATION_RANGE.contains(&minutes) {
        Ok(minutes)
    } else {
        Err(ServiceError::bad_input(field, "must be 5 to 480 minutes"))
    }
}

/// A session to schedule (or, with an external reference, to upsert), parsed.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub client_id: Uuid,
    pub scheduled_at: DateTime<Utc>,
    pub duration_minutes: i32,
    pub focus: Option<String>,
    /// Defaults to the scheduling therapist; must be on the client's care team.
    pub therapist_id: Option<Uuid>,
    pub external_ref: Option<String>,
}
