//! Integration tests for Momentum live in `tests/graphql/`.
