//! Insights: the momentum (engagement) score, the caseload dashboard and the engagement
//! alerts (DISENGAGEMENT, MISSED_HOMEWORK) that an evaluator raises from them.
//!
//! `domain` holds the score and the rules; `facts` reads what a window held for many
//! clients at once; `projection` keeps each client's momentum row from those facts;
//! `caseload` reads the projection; `evaluation` raises the alerts, which `worker` runs.

pub mod caseload;
pub mod domain;
pub mod evaluation;
pub mod facts;
pub mod projection;
pub mod worker;
