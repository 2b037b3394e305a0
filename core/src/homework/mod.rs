//! Homework: the practice's template library (with a starter set every new practice gets).
//! Assignments, occurrences, submissions and review in the next session build on it.

pub mod domain;
pub mod library;
pub mod service;
