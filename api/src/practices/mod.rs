//! The GraphQL side of practices: its types and resolvers. The rules and SQL are
//! `momentum_core::practices`, re-exported here.

pub use momentum_core::practices::{domain, service};

pub mod resolvers;
pub mod types;
