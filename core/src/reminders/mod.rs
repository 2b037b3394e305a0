//! Reminders between sessions: a client's preferences (quiet hours, preferred times, which
//! kinds, a pause) and the schedule they give the work that is due (homework, check-ins,
//! action-plan actions, measures, a tracking nudge). `domain` holds the rules, computed in the
//! client's time zone; storing the preferences, `Client.upcomingReminders` and the job that
//! raises `REMINDER_DUE` events build on it (issue 18).

pub mod domain;
