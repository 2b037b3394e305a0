//! SMART goals of a client, their ordered steps and recorded progress. Therapists and
//! clients both work on them; a client's own goal is a proposal the care team accepts or
//! declines. Scope is the client's (clinical access).

pub mod domain;
pub mod service;
pub mod steps;
