//! Momentum's core: the rules and the data of every domain, and the kernel they share
//! (errors, auth and the viewer, the scope rule, input values, pagination, audit, events,
//! background jobs). See `docs/architecture.md`.
//!
//! This crate knows nothing of GraphQL or HTTP (it does not depend on async-graphql or
//! actix): `momentum-api` adapts it. Each domain has a `domain.rs` (pure rules and parsed
//! inputs) and a `service.rs` (the scoped SQL), and sometimes a background worker.

pub mod accounts;
pub mod alerts;
pub mod audit;
pub mod auth;
pub mod automations;
pub mod batch;
pub mod briefs;
pub mod checkins;
pub mod clients;
pub mod concurrency;
pub mod demo;
pub mod error;
pub mod events;
pub mod fhir;
pub mod goals;
pub mod homework;
pub mod insights;
pub mod integrations;
pub mod jobs;
pub mod measures;
pub mod pagination;
pub mod plans;
pub mod practices;
pub mod programs;
pub mod ratelimit;
pub mod realtime;
pub mod recurrence;
pub mod reminders;
pub mod reports;
pub mod resources;
pub mod scope;
pub mod secrets;
pub mod sessions;
pub mod sql;
pub mod telemetry;
pub mod tracking;
pub mod values;
pub mod webhooks;
