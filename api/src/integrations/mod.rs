//! The GraphQL side of integrations: its types and resolvers. The rules and SQL are
//! `momentum_core::integrations`, re-exported here.

pub use momentum_core::integrations::{domain, service};

pub mod resolvers;
pub mod types;
