//! argon2id password hashing, off the async executor.

use std::sync::OnceLock;

use argon2::{
    Argon2, PasswordHash, PasswordHasher as _, PasswordVerifier as _,
    password_hash::{SaltString, rand_core::OsRng},
};

use crate::error::ServiceError;

/// Hashes a password with argon2id (the crate's defaults: OWASP's m=19 MiB, t=2, p=1).
pub async fn hash(password: String) -> Result<String, ServiceError> {
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .map_err(|e| ServiceError::Internal(format!("hash task: {e}")))?
}

/// Synchronous [`hash`], for seeding.
pub fn hash_blocking(password: &str) -> Result<String, ServiceError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ServiceError::Internal(format!("argon2: {e}")))
}

/// Whether `password` matches `hash`. With no hash (unknown account) a dummy hash is
/// checked instead, so both failures take the same time.
pub async fn verify(password: String, hash: Option<String>) -> Result<bool, ServiceError> {
    tokio::task::spawn_blocking(move || {
        let dummy;
        let phc = match &hash {
            Some(h) => h.as_str(),
            None => {
                dummy = dummy_hash();
                dummy
            }
        };
        let parsed = PasswordHash::new(phc)
            .map_err(|e| ServiceError::Internal(format!("stored hash: {e}")))?;
        let ok = Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        Ok(ok && hash.is_some())
    })
    .await
    .map_err(|e| ServiceError::Internal(format!("verify task: {e}")))?
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        hash_blocking("momentum-dummy-password").unwrap_or_else(|_| {
            // A fixed valid PHC string; only reached if the RNG fails.
            "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$4r4L0YkLr+3qv2v5wFJmE1o6V3nqZ0sQm8Hq2yq3b3Q".to_owned()
        })
    })
}
