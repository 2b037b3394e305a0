//! Secrets the server must read back (webhook signing secrets) are kept encrypted at rest:
//! AES-256-GCM with the data key (`MOMENTUM_DATA_KEY`), bound to the row they belong to
//! (its id is the associated data, so a sealed value copied to another row does not open).
//!
//! A sealed value reads `enc:v1:<key id>:<base64 of nonce and ciphertext>`; the key id is
//! the first 8 hex digits of the key's SHA-256, so a value sealed with the previous key
//! (`MOMENTUM_DATA_KEY_PREVIOUS`) still opens during a rotation. A value without the prefix
//! is one stored before encryption existed; the server seals it at start ([`reseal`]
//! callers), as it reseals values of the previous key.

use aes_gcm::{
    Aes256Gcm, Key, Nonce,
    aead::{Aead as _, KeyInit as _, Payload},
};
use base64::Engine as _;
use rand::RngCore as _;
use sha2::{Digest as _, Sha256};

use crate::error::ServiceError;

const PREFIX: &str = "enc:v1:";

/// One 256-bit key and its id.
struct DataKey {
    id: String,
    cipher: Aes256Gcm,
}

impl DataKey {
    fn new(key: &[u8; 32]) -> Self {
        let digest = Sha256::digest(key);
        Self {
            id: digest.iter().take(4).map(|b| format!("{b:02x}")).collect(),
            cipher: Aes256Gcm::new(&Key::<Aes256Gcm>::from(*key)),
        }
    }
}

/// The current data key, and the previous one during a rotation.
pub struct DataKeys {
    current: DataKey,
    previous: Option<DataKey>,
}

impl std::fmt::Debug for DataKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataKeys")
            .field("current", &self.current.id)
            .field("previous", &self.previous.as_ref().map(|k| &k.id))
            .finish()
    }
}

/// A key from its configured form: 32 bytes, base64 (standard or URL-safe, padded or not).
pub fn parse_key(raw: &str, var: &str) -> anyhow::Result<[u8; 32]> {
    let raw = raw.trim();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(raw)
        .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(raw))
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(raw))
        .map_err(|_| anyhow::anyhow!("{var}: not base64"))?;
    <[u8; 32]>::try_from(bytes.as_slice())
        .map_err(|_| anyhow::anyhow!("{var}: must be 32 bytes (base64 of 32 random bytes)"))
}

/// A new random key, base64.
pub fn new_key() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

impl DataKeys {
    pub fn new(current: &[u8; 32], previous: Option<&[u8; 32]>) -> Self {
        Self {
            current: DataKey::new(current),
            previous: previous.map(DataKey::new),
        }
    }

    /// Seals `plaintext` for the row `context` (e.g. `webhook:<id>`) with the current key.
    pub fn seal(&self, plaintext: &str, context: &str) -> Result<String, ServiceError> {
        let mut nonce = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = self
            .current
            .cipher
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| ServiceError::Internal("sealing a secret failed".into()))?;
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        Ok(format!(
            "{PREFIX}{}:{}",
            self.current.id,
            base64::engine::general_purpose::STANDARD_NO_PAD.encode(bytes)
        ))
    }

    /// The plaintext of a stored value of the row `context`: opened with the key it names,
    /// or returned as-is when it was stored before encryption.
    pub fn open(&self, stored: &str, context: &str) -> Result<String, ServiceError> {
        let Some(rest) = stored.strip_prefix(PREFIX) else {
            return Ok(stored.to_owned());
        };
        let fail = |why: &str| ServiceError::Internal(format!("sealed secret: {why}"));
        let (id, body) = rest.split_once(':').ok_or_else(|| fail("malformed"))?;
        let key = [Some(&self.current), self.previous.as_ref()]
            .into_iter()
            .flatten()
            .find(|k| k.id == id)
            .ok_or_else(|| fail("sealed with a key this server does not have"))?;
        let bytes = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(body)
            .map_err(|_| fail("malformed"))?;
        if bytes.len() < 12 {
            return Err(fail("malformed"));
        }
        let (nonce, sealed) = bytes.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().map_err(|_| fail("malformed"))?;
        let plain = key
            .cipher
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: sealed,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| fail("does not open (wrong key or row)"))?;
        String::from_utf8(plain).map_err(|_| fail("not text"))
    }

    /// Whether `stored` is sealed with the current key (else [`Self::open`] and
    /// [`Self::seal`] it again).
    pub fn is_current(&self, stored: &str) -> bool {
        stored
            .strip_prefix(PREFIX)
            .and_then(|rest| rest.split_once(':'))
            .is_some_and(|(id, _)| id == self.current.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_for_its_row_only_and_across_a_rotation() {
        let (a, b) = ([1u8; 32], [2u8; 32]);
        let old = DataKeys::new(&a, None);
        let sealed = old.seal("whsec_abc", "webhook:1").unwrap();
        assert!(sealed.starts_with("enc:v1:") && !sealed.contains("whsec_abc"));
        assert_eq!(old.open(&sealed, "webhook:1").unwrap(), "whsec_abc");
        assert!(old.open(&sealed, "webhook:2").is_err());
        // Rotated: the new key current, the old one previous.
        let rotated = DataKeys::new(&b, Some(&a));
        assert!(!rotated.is_current(&sealed));
        assert_eq!(rotated.open(&sealed, "webhook:1").unwrap(), "whsec_abc");
        let resealed = rotated.seal("whsec_abc", "webhook:1").unwrap();
        assert!(rotated.is_current(&resealed));
        // Without the old key the old value does not open; plaintext passes through.
        assert!(DataKeys::new(&b, None).open(&sealed, "webhook:1").is_err());
        assert_eq!(old.open("whsec_plain", "webhook:1").unwrap(), "whsec_plain");
    }
}
