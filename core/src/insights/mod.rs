//! Insights: the momentum (engagement) score, the caseload dashboard and the engagement
//! alerts (DISENGAGEMENT, MISSED_HOMEWORK) that an evaluator raises from them.

pub mod domain;
pub mod projection;
pub mod service;
pub mod worker;
