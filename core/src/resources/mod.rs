//! Resources and support: the practice's library of articles, books, websites, groups and
//! crisis lines; resources shared with a client (and whether they opened them); and the
//! client's own support network.

pub mod domain;
pub mod service;
