//! The GraphQL side of alerts: its types and resolvers. The rules and SQL are
//! `momentum_core::alerts`, re-exported here.

pub use momentum_core::alerts::{domain, service};

pub mod client;
pub mod resolvers;
pub mod types;
