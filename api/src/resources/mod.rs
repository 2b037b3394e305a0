//! The GraphQL side of resources: its types and resolvers. The rules and SQL are
//! `momentum_core::resources`, re-exported here.

pub use momentum_core::resources::{domain, service};

pub mod client;
pub mod resolvers;
pub mod types;
