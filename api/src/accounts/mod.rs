//! The GraphQL side of accounts: its types and resolvers. The rules and SQL are
//! `momentum_core::accounts`, re-exported here.

pub use momentum_core::accounts::{domain, service};

pub mod resolvers;
pub mod types;
