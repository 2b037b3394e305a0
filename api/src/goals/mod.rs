//! The GraphQL side of goals: its types and resolvers. The rules and SQL are
//! `momentum_core::goals`, re-exported here.

pub use momentum_core::goals::{domain, service, steps};

pub mod client;
pub mod resolvers;
pub mod types;
