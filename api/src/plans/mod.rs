//! The GraphQL side of plans: its types and resolvers. The rules and SQL are
//! `momentum_core::plans`, re-exported here.

pub use momentum_core::plans::{domain, service};

pub mod client;
pub mod resolvers;
pub mod types;
