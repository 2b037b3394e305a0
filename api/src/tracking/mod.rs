//! The GraphQL side of tracking: its types and resolvers. The rules and SQL are
//! `momentum_core::tracking`, re-exported here.

pub use momentum_core::tracking::{domain, service, thoughts, trends};

pub mod client;
pub mod resolvers;
pub mod types;
