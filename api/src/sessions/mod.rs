//! The GraphQL side of sessions: its types and resolvers. The rules and SQL are
//! `momentum_core::sessions`, re-exported here.

pub use momentum_core::sessions::{domain, service};

pub mod client;
pub mod resolvers;
pub mod types;
