//! The GraphQL side of clients: its types and resolvers. The rules and SQL are
//! `momentum_core::clients`, re-exported here.

pub use momentum_core::clients::{domain, service};

pub mod resolvers;
pub mod types;
