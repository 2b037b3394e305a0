//! integrations tests.
