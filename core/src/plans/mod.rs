//! Action plans for goals: what the client will do, when, where and for how long, the
//! obstacles they expect with an if-then coping plan for each, and a log of obstacles met.
//! Every version of a plan is kept as a revision with who changed what, when and why.

pub mod domain;
pub mod service;
