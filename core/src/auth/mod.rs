//! Authentication and authorization primitives: claims, tokens, passwords, the viewer.
//! The operations that use them (login, refresh, invitations) live in `accounts`.

pub mod claims;
pub mod password;
pub mod tokens;
pub mod viewer;

pub use claims::{Role, Scope};
pub use viewer::{Principal, Viewer, ViewerKind};
