//! The GraphQL side of fhir: its types and resolvers. The rules and SQL are
//! `momentum_core::fhir`, re-exported here.

pub use momentum_core::fhir::{domain, service};

pub mod client;
pub mod resolvers;
pub mod types;
