//! Account values and results.

use chrono::{DateTime, Utc};

use crate::auth::{Viewer, tokens::AccessToken};

/// A signed-in session: a short-lived access token and a single-use refresh token.
pub struct Session {
    pub access: AccessToken,
    /// Shown once; only its hash is stored.
    pub refresh_token: String,
    pub viewer: Viewer,
}

/// A freshly created invitation. The code is shown once; only its hash is stored.
pub struct IssuedInvitation {
    pub code: String,
    pub expires_at: DateTime<Utc>,
}

/// The longest password or secret accepted at sign-in (longer ones cannot match).
pub const MAX_SECRET_CHARS: usize = 1024;
