//! clients tests.
