//! Reminders between sessions: a client's preferences (quiet hours, preferred times, which
//! kinds, a pause) and the schedule they give the work that is due. `domain` holds the rules,
//! computed in the client's time zone; `sources` loads what reminders are about (homework, check-ins,
//! measures, action times, tracker prompts); `service` stores the preferences and computes
//! `Client.upcomingReminders`; `job` fires them as `REMINDER_DUE` events. See `docs/reminders.md`.

pub mod domain;
pub mod job;
pub mod service;
pub mod sources;
