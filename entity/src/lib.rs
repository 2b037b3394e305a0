//! SeaORM models, one file per table. This crate knows nothing of GraphQL or HTTP.

pub mod api_credential;
pub mod app_user;
pub mod audit_log;
pub mod care_team;
pub mod client;
pub mod event;
pub mod invitation;
pub mod practice;
pub mod refresh_token;
