//! Practices: the tenant. Created from the command line; read by anyone signed in to it.

pub mod domain;
pub mod service;
