//! Access JWTs (HS256, pinned) and opaque secrets (refresh tokens, invitation codes,
//! API secrets), which are stored only as SHA-256 hashes.

use base64::Engine as _;
use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore as _;
use secrecy::{ExposeSecret as _, SecretString};
use sha2::{Digest as _, Sha256};
use uuid::Uuid;

use super::claims::{Claims, Role, Scope};

/// Who signs access tokens for whom, and for how long (from the server's configuration).
#[derive(Debug, Clone)]
pub struct TokenSettings {
    /// The `iss` claim written and required.
    pub issuer: String,
    /// The `aud` claim written and required.
    pub audience: String,
    /// How long an access token lives.
    pub access_ttl: std::time::Duration,
}

/// Signs and checks access tokens.
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    access_ttl: chrono::Duration,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenKeys")
            .field("issuer", &self.issuer)
            .finish_non_exhaustive()
    }
}

/// A freshly signed access token.
#[derive(Debug, Clone)]
pub struct AccessToken {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// Who an access token is for.
#[derive(Debug, Clone)]
pub struct Subject {
    pub id: Uuid,
    pub role: Role,
    pub practice_id: Uuid,
    pub client_id: Option<Uuid>,
    pub scopes: Vec<Scope>,
}

impl TokenKeys {
    /// Keys from the resolved secret and the token settings.
    pub fn new(secret: &SecretString, settings: &TokenSettings) -> Self {
        let key = secret.expose_secret().as_bytes();
        // One algorithm, pinned; exp/iss/aud/sub required even though jsonwebtoken
        // would otherwise check them only when present (docs/architecture.md, "Security").
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.set_issuer(&[settings.issuer.as_str()]);
        validation.set_audience(&[settings.audience.as_str()]);
        validation.validate_nbf = true;
        validation.leeway = 30;
        Self {
            encoding: EncodingKey::from_secret(key),
            decoding: DecodingKey::from_secret(key),
            validation,
            issuer: settings.issuer.clone(),
            audience: settings.audience.clone(),
            access_ttl: chrono::Duration::from_std(settings.access_ttl)
                .unwrap_or(chrono::Duration::minutes(15)),
        }
    }

    /// Signs an access token for `subject`.
    pub fn issue(&self, subject: &Subject) -> Result<AccessToken, jsonwebtoken::errors::Error> {
        self.issue_at(subject, Utc::now(), self.access_ttl)
    }

    /// Signs an access token with an explicit issue time and lifetime.
    pub fn issue_at(
        &self,
        subject: &Subject,
        now: DateTime<Utc>,
        ttl: chrono::Duration,
    ) -> Result<AccessToken, jsonwebtoken::errors::Error> {
        let expires_at = now + ttl;
        let claims = Claims {
            sub: subject.id.to_string(),
            role: subject.role,
            pid: subject.practice_id,
            cid: subject.client_id,
            scopes: subject.scopes.clone(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat: now.timestamp(),
            nbf: now.timestamp(),
            exp: expires_at.timestamp(),
            jti: Uuid::now_v7(),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)?;
        Ok(AccessToken { token, expires_at })
    }

    /// Checks signature, algorithm, expiry, not-before, issuer and audience, and that the
    /// token lives no longer than the configured access-token lifetime (from its `iat`,
    /// which may not lie in the future): a token signed with the right key but for a longer
    /// life, by a tool or an earlier configuration, is refused.
    pub fn verify(&self, token: &str) -> Option<Claims> {
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .ok()?
            .claims;
        let leeway = i64::try_from(self.validation.leeway).unwrap_or(0);
        let now = Utc::now().timestamp();
        let lifetime = claims.exp.checked_sub(claims.iat)?;
        (claims.iat <= now + leeway && lifetime <= self.access_ttl.num_seconds() + leeway)
            .then_some(claims)
    }
}

/// A new high-entropy secret with a recognisable prefix (`mrt_`, `inv_`, `msk_`).
pub fn new_secret(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!(
        "{prefix}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// The stored form of a secret: SHA-256, hex.
pub fn hash_secret(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A new random JWT signing key, for the embedded SQLite setup.
pub fn new_signing_key() -> String {
    let mut bytes = [0u8; 48];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}
