//! The GraphQL side of briefs: its types and resolvers. The rules and SQL are
//! `momentum_core::briefs`, re-exported here.

pub use momentum_core::briefs::{domain, figures, service};

pub mod resolvers;
pub mod types;
