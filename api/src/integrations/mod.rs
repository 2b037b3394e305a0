//! Integrations: API credentials of EHR vendors, exchanged for INTEGRATOR tokens.

pub mod domain;
pub mod resolvers;
pub mod service;
pub mod types;
