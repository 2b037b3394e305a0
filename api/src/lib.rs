//! Momentum's API: the GraphQL schema over `momentum-core`, the HTTP and WebSocket server,
//! configuration, startup and the `momentum` command. See `docs/architecture.md`.
//!
//! Each domain module here holds that domain's GraphQL types and resolvers and re-exports
//! its core half (`domain`, `service`), so `crate::goals::service` names the same module in
//! both crates. The kernel modules below are the core's, re-exported for the same reason.

// The merged query root nests one level per domain; its resolver outgrows the default 128.
#![recursion_limit = "256"]

pub use momentum_core::{
    audit, auth, batch, concurrency, demo, events, jobs, pagination, ratelimit, recurrence, scope,
    secrets, sql,
};

pub mod accounts;
pub mod alerts;
pub mod automations;
pub mod briefs;
pub mod checkins;
pub mod cli;
pub mod clients;
pub mod config;
pub mod db;
pub mod error;
pub mod fhir;
pub mod goals;
pub mod graphql;
pub mod homework;
pub mod http;
pub mod insights;
pub mod integrations;
pub mod measures;
pub mod plans;
pub mod practices;
pub mod programs;
pub mod realtime;
pub mod reminders;
pub mod reports;
pub mod resources;
pub mod schema;
pub mod sessions;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod tracking;
pub mod values;
pub mod webhooks;
