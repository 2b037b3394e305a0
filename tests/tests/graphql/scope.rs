//! scope tests.
