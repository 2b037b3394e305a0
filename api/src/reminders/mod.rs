//! The GraphQL side of reminders: a client's preferences and their upcoming reminders. The
//! rules and SQL are `momentum_core::reminders`, re-exported here.

pub use momentum_core::reminders::{domain, job, service};

pub mod client;
pub mod resolvers;
pub mod types;
