//! What a new practice needs.

use crate::values::{DisplayName, Email, NewPassword};

/// A practice with its first administrator, as `momentum practice create` makes it.
pub struct NewPractice {
    pub name: DisplayName,
    pub admin_email: Email,
    pub admin_name: DisplayName,
    pub admin_password: NewPassword,
}
