//! The GraphQL side of reports: its types and resolvers. The rules and SQL are
//! `momentum_core::reports`, re-exported here.

pub use momentum_core::reports::{domain, service};

pub mod resolvers;
pub mod types;
