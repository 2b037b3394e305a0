//! Practice reports: aggregate figures of a practice over a period, grouped by therapist or
//! by month, for practice admins and integrators with `REPORTS_READ`; also as CSV. Counted
//! by one SQL statement (never per client); rows hold counts and rates, never a client.

pub mod domain;
pub mod service;
