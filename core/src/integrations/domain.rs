//! Integration values.

use crate::{auth::Scope, error::ServiceError, values::DisplayName};

/// A new API credential, parsed.
pub struct NewCredential {
    pub name: DisplayName,
    pub scopes: Vec<Scope>,
}

impl NewCredential {
    /// At least one scope; duplicates are folded.
    pub fn new(
        name: DisplayName,
        mut scopes: Vec<Scope>,
        field: &str,
    ) -> Result<Self, ServiceError> {
        scopes.sort();
        scopes.dedup();
        if scopes.is_empty() {
            return Err(ServiceError::bad_input(field, "give at least one scope"));
        }
        Ok(Self { name, scopes })
    }
}
