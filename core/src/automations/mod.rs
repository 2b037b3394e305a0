//! Automation rules: a practice says once "when this happens, and this holds of the client, do
//! that" instead of watching dashboards. `domain` holds the rules as data (triggers,
//! conditions on the client's figures, actions), their checks and their evaluation; `facts`
//! loads the figures for many clients at once; `service` manages rules, their versions, the
//! practice's setting and the dry run, and applies a firing's actions; `job` tails the event
//! feed and fires rules once per event.

pub mod domain;
pub mod facts;
pub mod job;
pub mod service;
