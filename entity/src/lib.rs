//! SeaORM models, one file per table. This crate knows nothing of GraphQL or HTTP.

pub mod action_plan;
pub mod action_plan_revision;
pub mod api_credential;
pub mod app_user;
pub mod audit_log;
pub mod care_team;
pub mod check_in;
pub mod client;
pub mod event;
pub mod goal;
pub mod goal_progress;
pub mod goal_step;
pub mod homework;
pub mod homework_occurrence;
pub mod homework_template;
pub mod invitation;
pub mod obstacle_log;
pub mod practice;
pub mod refresh_token;
pub mod resource;
pub mod resource_share;
pub mod support_contact;
pub mod therapy_session;
