//! The GraphQL side of homework: its types and resolvers. The rules and SQL are
//! `momentum_core::homework`, re-exported here.

pub use momentum_core::homework::{domain, library, service};

pub mod client;
pub mod resolvers;
pub mod types;
