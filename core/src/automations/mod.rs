//! Automation rules: a practice says once "when this happens, and this holds of the client, do
//! that" instead of watching dashboards. `domain` holds the rules as data (triggers,
//! conditions on the client's figures, actions), their checks and their evaluation. The
//! storage, the versions, the job that fires them once per event, the dry run and the GraphQL
//! side are still to come (issue 18, item 3).

pub mod domain;
