//! Clients and their care teams: the roster, and the scope every clinical domain builds on
//! (`service::visible`).

pub mod domain;
pub mod resolvers;
pub mod service;
pub mod types;
