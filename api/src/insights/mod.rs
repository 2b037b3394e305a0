//! The GraphQL side of insights: its types and resolvers. The rules and SQL are
//! `momentum_core::insights`, re-exported here.

pub use momentum_core::insights::{caseload, domain, evaluation, facts, projection, worker};

pub mod client;
pub mod resolvers;
pub mod types;
