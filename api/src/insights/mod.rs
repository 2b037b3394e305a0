//! Insights: the momentum score, and (to come with issue 7) the pre-session brief,
//! disengagement alerts, the caseload dashboard, practice reports and the FHIR export.

pub mod domain;
