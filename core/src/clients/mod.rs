//! Clients and their care teams: the roster, care-team changes and invitations. Who may see
//! which client is `crate::scope`.

pub mod domain;
pub mod service;
