//! The GraphQL side of measures: its types and resolvers. The rules and SQL are
//! `momentum_core::measures`, re-exported here.

pub use momentum_core::measures::{domain, service};

pub mod client;
pub mod resolvers;
pub mod types;
