//! Check-ins between sessions: the care team schedules a prompt (once or recurring), the
//! client answers with text and, optionally, their mood. A check-in is PENDING until
//! answered, and MISSED a day after it was due without an answer.

pub mod domain;
pub mod service;
