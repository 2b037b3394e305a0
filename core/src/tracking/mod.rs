//! Self-monitoring between sessions: trackers (the built-in MOOD and ANXIETY, and custom
//! ones the care team or the client add), their entries (one at a time, or in batches for
//! offline sync), thought records, and trends computed in SQL in the client's local time.
//!
//! PRIVATE entries and thought records are the client's alone: everyone else sees that
//! they exist (dates and counts), never their values or words.

pub mod domain;
pub mod service;
pub mod thoughts;
pub mod trends;
