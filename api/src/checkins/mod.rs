//! The GraphQL side of checkins: its types and resolvers. The rules and SQL are
//! `momentum_core::checkins`, re-exported here.

pub use momentum_core::checkins::{domain, service};

pub mod client;
pub mod resolvers;
pub mod types;
