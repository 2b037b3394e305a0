//! Clinical alerts: SAFETY (a PHQ-9 item 9 answer at or above the practice's threshold),
//! WORSENING (reliable deterioration), and later DISENGAGEMENT and MISSED_HOMEWORK.
//! OPEN → ACKNOWLEDGED → RESOLVED; at most one unresolved alert of a kind per client and
//! local day. For the care team and integrators only: clients never see alert records.

pub mod domain;
pub mod service;
