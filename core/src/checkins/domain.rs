//! Check-in values.

use chrono::{DateTime, TimeDelta, Utc};

/// Where a check-in stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CheckInStatus {
    /// Not answered, and not yet a day past due.
    Pending,
    /// Answered.
    Answered,
    /// Not answered a day after it was due.
    Missed,
}

/// How long after it is due an unanswered check-in still counts as pending.
pub const GRACE: TimeDelta = TimeDelta::hours(24);
/// Limits.
pub const PROMPT_MAX: usize = 500;
pub const RESPONSE_MAX: usize = 2000;
/// A recurring check-in has at most this many occurrences.
pub const OCCURRENCES_MAX: usize = 92;

/// The status of a check-in at `now`.
pub fn status(
    due_at: DateTime<Utc>,
    responded_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> CheckInStatus {
    if responded_at.is_some() {
        CheckInStatus::Answered
    } else if due_at + GRACE < now {
        CheckInStatus::Missed
    } else {
        CheckInStatus::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_check_in_is_missed_a_day_after_it_was_due() {
        let now = Utc::now();
        assert_eq!(
            status(now - TimeDelta::hours(23), None, now),
            CheckInStatus::Pending
        );
        assert_eq!(
            status(now - TimeDelta::hours(25), None, now),
            CheckInStatus::Missed
        );
        assert_eq!(
            status(now - TimeDelta::hours(25), Some(now), now),
            CheckInStatus::Answered
        );
    }
}
