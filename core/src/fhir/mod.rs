//! The FHIR R4 export: a client's goals, plans, homework, self-monitoring and measures as
//! one FHIR `Bundle` (`Client.fhirBundle`) for an EHR to import. The mapping lives in
//! `domain`, the loading (scope, audit, a fixed number of statements) in `service`.

pub mod domain;
pub mod service;
