//! Integrations: API credentials of EHR vendors, exchanged for INTEGRATOR tokens.

pub mod domain;
pub mod service;
