//! GraphQL types of reminders.

use async_graphql::{Enum, ID, InputObject, SimpleObject};
use chrono::{DateTime, NaiveTime, Utc};

use super::{domain, service::Stored};
use crate::error::ServiceError;

/// What a reminder is about.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "super::domain::ReminderKind")]
pub enum ReminderKindValue {
    /// A homework occurrence is due.
    HomeworkDue,
    /// A check-in is due.
    CheckInDue,
    /// An action of an action plan is planned for now.
    ActionTime,
    /// A measure (PHQ-9, GAD-7) is due.
    MeasureDue,
    /// A tracker's prompt time, on a day the client has not logged it yet.
    TrackingNudge,
}

/// Why a reminder fires when it does.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "super::domain::Reason")]
pub enum ReminderReasonValue {
    /// At one of the client's preferred times, at least an hour before it is due.
    PreferredTime,
    /// An hour before it is due (no preferred time fitted).
    BeforeDue,
    /// At the time the action was planned for.
    PlannedTime,
    /// Moved to the end of the client's quiet hours.
    AfterQuietHours,
}

fn hhmm(t: NaiveTime) -> String {
    t.format("%H:%M").to_string()
}

/// Local times when nothing fires; a reminder that would is moved to their end.
#[derive(SimpleObject, Clone)]
pub struct QuietHoursValue {
    /// Local `HH:MM` they start.
    pub start: String,
    /// Local `HH:MM` they end; before the start when they span midnight.
    pub end: String,
}

/// A client's reminder preferences (the defaults until set).
#[derive(SimpleObject, Clone)]
pub struct ReminderPreferences {
    /// Nothing fires inside them; none when null.
    pub quiet_hours: Option<QuietHoursValue>,
    /// Local `HH:MM` times reminders prefer, sorted (at most 4).
    pub preferred_times: Vec<String>,
    /// The kinds of reminder the client wants.
    pub kinds: Vec<ReminderKindValue>,
    /// Nothing fires before this instant.
    pub paused_until: Option<DateTime<Utc>>,
    /// Whether the client lets the care team change these.
    pub care_team_may_edit: bool,
    /// When they were last set; null while they are the defaults.
    pub updated_at: Option<DateTime<Utc>>,
}

impl From<Stored> for ReminderPreferences {
    fn from(s: Stored) -> Self {
        let p = s.preferences;
        Self {
            quiet_hours: p.quiet_hours.map(|q| QuietHoursValue {
                start: hhmm(q.start),
                end: hhmm(q.end),
            }),
            preferred_times: p.preferred_times.into_iter().map(hhmm).collect(),
            kinds: p.kinds.into_iter().map(Into::into).collect(),
            paused_until: p.paused_until,
            care_team_may_edit: s.care_team_may_edit,
            updated_at: s.updated_at,
        }
    }
}

/// A reminder on a client's schedule, for an app to schedule as a local notification.
#[derive(SimpleObject)]
pub struct UpcomingReminder {
    /// What it is about.
    pub kind: ReminderKindValue,
    /// The homework occurrence or check-in it is about; for an action's day, a measure's due
    /// date or a tracker's prompt, a stable id (UUID v5) of that occasion.
    pub about_id: ID,
    /// When it fires.
    pub fire_at: DateTime<Utc>,
    /// When it fires, in the client's time zone (ISO 8601 with the offset then).
    pub fire_at_local: String,
    /// When what it is about is due.
    pub due_at: DateTime<Utc>,
    /// Why it fires when it does.
    pub reason: ReminderReasonValue,
}

impl UpcomingReminder {
    /// `r` with its local time in `tz`.
    pub fn new(r: domain::Reminder, tz: &str) -> Self {
        let fire_at_local = domain::local_rfc3339(r.fire_at, tz);
        Self {
            kind: r.kind.into(),
            about_id: ID(r.about.to_string()),
            fire_at: r.fire_at,
            fire_at_local,
            due_at: r.due_at,
            reason: r.reason.into(),
        }
    }
}

/// Quiet hours to set.
#[derive(InputObject)]
pub struct QuietHoursInput {
    /// Local `HH:MM` they start.
    pub start: String,
    /// Local `HH:MM` they end (before the start to span midnight; not equal to it).
    pub end: String,
}

/// A client's reminder preferences, set whole.
#[derive(InputObject)]
pub struct SetReminderPreferencesInput {
    /// The client.
    pub client_id: ID,
    /// Nothing fires inside them; none when omitted.
    pub quiet_hours: Option<QuietHoursInput>,
    /// Local `HH:MM` times reminders prefer (at most 4).
    pub preferred_times: Vec<String>,
    /// The kinds of reminder wanted; none turns reminders off.
    pub kinds: Vec<ReminderKindValue>,
    /// Nothing fires before this instant.
    pub paused_until: Option<DateTime<Utc>>,
    /// The client only: whether the care team may change these (unchanged when omitted).
    pub care_team_may_edit: Option<bool>,
}

/// A local time of day, `HH:MM`; errors name `field`.
pub fn local_time(s: &str, field: &str) -> Result<NaiveTime, ServiceError> {
    NaiveTime::parse_from_str(s.trim(), "%H:%M")
        .map_err(|_| ServiceError::bad_input(field, "must be a 24-hour time, HH:MM"))
}

/// The preferences as set.
#[derive(SimpleObject)]
pub struct ReminderPreferencesPayload {
    /// The client's preferences now.
    pub preferences: ReminderPreferences,
}
