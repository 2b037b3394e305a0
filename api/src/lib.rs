//! Momentum: a GraphQL API that keeps therapy clients moving between sessions.
//! See `DESIGN.md` for the architecture; every feature lives in the module named after it.

pub mod accounts;
pub mod alerts;
pub mod audit;
pub mod auth;
pub mod checkins;
pub mod cli;
pub mod clients;
pub mod concurrency;
pub mod config;
pub mod db;
pub mod demo;
pub mod error;
pub mod events;
pub mod goals;
pub mod graphql;
pub mod homework;
pub mod http;
pub mod insights;
pub mod integrations;
pub mod measures;
pub mod pagination;
pub mod plans;
pub mod practices;
pub mod ratelimit;
pub mod realtime;
pub mod recurrence;
pub mod reports;
pub mod resources;
pub mod sessions;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod tracking;
pub mod values;
pub mod webhooks;
