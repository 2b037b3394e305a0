//! The GraphQL side of realtime: its types and resolvers. The rules and SQL are
//! `momentum_core::realtime`, re-exported here.

pub use momentum_core::realtime::{domain, hub, service};

pub mod resolvers;
pub mod types;
