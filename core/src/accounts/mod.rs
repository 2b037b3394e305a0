//! Accounts: logins and sessions (login, refresh, logout), invitations, therapists, and
//! disabling users.

pub mod domain;
pub mod service;
