//! Throttling of credential guessing (login, token exchange), per key, in memory.
//! Each replica counts on its own, which bounds guessing per replica.

use std::num::NonZeroU32;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::ServiceError;

/// A keyed limiter: `per_minute` attempts per key, refilled evenly.
pub struct AttemptLimiter {
    inner: DefaultKeyedRateLimiter<String>,
}

impl AttemptLimiter {
    /// A limiter allowing `per_minute` attempts per key.
    pub fn new(per_minute: u32) -> Self {
        let n = NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN);
        Self {
            inner: RateLimiter::keyed(Quota::per_minute(n)),
        }
    }

    /// `RATE_LIMITED` once `key` has used up its attempts.
    pub fn check(&self, key: &str) -> Result<(), ServiceError> {
        self.inner
            .check_key(&key.to_owned())
            .map_err(|_| ServiceError::RateLimited)?;
        if self.inner.len() > 100_000 {
            self.inner.retain_recent();
        }
        Ok(())
    }
}
