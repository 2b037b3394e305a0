//! Therapy sessions: appointments between a client and their therapist (not login
//! sessions). Integrators keep them in step with the EHR's calendar by upserting on the
//! EHR's appointment id, so a sync never makes duplicates.

pub mod domain;
pub mod service;
