//! The GraphQL side of programmes: the library, enrolments and their progress. The rules and
//! SQL are `momentum_core::programs`, re-exported here.

pub use momentum_core::programs::{domain, job, service, starter};

pub mod client;
pub mod resolvers;
pub mod types;
