//! The GraphQL side of automation rules: managing them, their versions and firings, the
//! practice's setting and the dry run. The rules, SQL and job are
//! `momentum_core::automations`, re-exported here.

pub use momentum_core::automations::{domain, facts, job, service};

pub mod resolvers;
pub mod types;
