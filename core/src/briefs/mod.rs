//! The pre-session brief: what happened since the last session (homework, goals, trackers,
//! thought records, measures, obstacles, check-ins, alerts) and a suggested agenda, for the
//! care team before a session. Computed in SQL in a fixed number of statements.

pub mod domain;
pub mod figures;
pub mod service;
