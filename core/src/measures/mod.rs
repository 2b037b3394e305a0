//! Standardised measures (measurement-based care): PHQ-9 and GAD-7 with their items,
//! scoring, severity bands, reliable change, response and remission (the numbers and
//! their sources are in `domain`), assignments every N days, per-practice thresholds,
//! and the SAFETY and WORSENING alerts a submission can raise.

pub mod domain;
pub mod service;
