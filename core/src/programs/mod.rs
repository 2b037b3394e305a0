//! Programmes: a practice's library of structured courses of ordered modules, and clients'
//! enrolments. A module opens by its rule (the previous module's homework done, some days after
//! the previous one opened, or by the therapist) and assigns its work as ordinary homework,
//! check-ins, shared resources and measures, so the rest of the product sees it. `domain`
//! holds the rules, `starter` the demo's programmes, `service` the SQL and `job` the
//! background pass that opens modules. See `docs/programs.md`.

pub mod domain;
pub mod job;
pub mod service;
pub mod starter;
