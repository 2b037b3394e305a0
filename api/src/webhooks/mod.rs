//! The GraphQL side of webhooks: its types and resolvers. The rules and SQL are
//! `momentum_core::webhooks`, re-exported here.

pub use momentum_core::webhooks::{domain, service, worker};

pub mod resolvers;
pub mod types;
