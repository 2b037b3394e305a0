//! The integration suite: every test gets its own server on a real port and its own
//! database — SQLite by default, PostgreSQL when `MOMENTUM_TEST_DATABASE_URL` is set.
#![allow(clippy::unwrap_used, clippy::expect_used)]

// Shared by every test file: the app under test, its clients and tokens (`helpers`),
// fixtures several domains use (`fixtures`), and a past written straight to the database
// (`history`).
mod fixtures;
mod helpers;
mod history;

mod accounts;
mod automations;
mod briefs;
mod checkins;
mod clients;
mod cost;
mod db;
mod feed;
mod fhir;
mod goals;
mod homework;
mod http;
mod inputs;
mod insights;
mod integrations;
mod measures;
mod nested;
mod plans;
mod programs;
mod realtime;
mod reminders;
mod reports;
mod resources;
mod roles;
mod schema;
mod scope;
mod sessions;
mod tracking;
mod webhooks;
