//! Throttling of credential guessing (login, invitations, token exchange), per key, counted
//! in the database so the limit holds across every replica: N replicas allow what one does.
//!
//! Each attempt is one statement: an upsert of the key's counter for the current minute
//! that returns the new count. Keys are stored as SHA-256 hashes (no email in the table).
//! Windows are whole minutes, so a key can make up to twice its quota across a minute's
//! boundary, never more. Counters older than two minutes are deleted now and then.

use std::sync::atomic::{AtomicU32, Ordering};

use chrono::Utc;
use entity::attempt_counter;
use sea_orm::{
    ColumnTrait as _, ConnectionTrait, EntityTrait as _, QueryFilter as _,
    sea_query::{Expr, ExprTrait as _, OnConflict, Query},
};

use crate::{auth::tokens::hash_secret, error::ServiceError};

/// Deletes stale counters once in this many attempts.
const SWEEP_EVERY: u32 = 256;

/// A keyed limiter: `per_minute` attempts per key and minute, across replicas.
pub struct AttemptLimiter {
    per_minute: u32,
    since_sweep: AtomicU32,
}

impl AttemptLimiter {
    /// A limiter allowing `per_minute` attempts per key.
    pub fn new(per_minute: u32) -> Self {
        Self {
            per_minute: Ord::max(per_minute, 1),
            since_sweep: AtomicU32::new(0),
        }
    }

    /// Counts an attempt for `key`; `RATE_LIMITED` once it is over the quota of the
    /// current minute.
    pub async fn check(&self, db: &impl ConnectionTrait, key: &str) -> Result<(), ServiceError> {
        let minute = Utc::now().timestamp().div_euclid(60);
        let key_hash = hash_secret(key);
        let upsert = Query::insert()
            .into_table(attempt_counter::Entity)
            .columns([
                attempt_counter::Column::KeyHash,
                attempt_counter::Column::Minute,
                attempt_counter::Column::Attempts,
            ])
            .values_panic([key_hash.into(), minute.into(), 1.into()])
            .on_conflict(
                OnConflict::columns([
                    attempt_counter::Column::KeyHash,
                    attempt_counter::Column::Minute,
                ])
                .value(
                    attempt_counter::Column::Attempts,
                    Expr::col((attempt_counter::Entity, attempt_counter::Column::Attempts)).add(1),
                )
                .to_owned(),
            )
            .returning_col(attempt_counter::Column::Attempts)
            .to_owned();
        let row = db
            .query_one(&upsert)
            .await?
            .ok_or_else(|| ServiceError::Internal("attempt counter returned nothing".into()))?;
        let attempts: i32 = row.try_get("", "attempts")?;
        if self.since_sweep.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            attempt_counter::Entity::delete_many()
                .filter(attempt_counter::Column::Minute.lt(minute - 1))
                .exec(db)
                .await?;
        }
        if u32::try_from(attempts).unwrap_or(u32::MAX) > self.per_minute {
            Err(ServiceError::RateLimited)
        } else {
            Ok(())
        }
    }
}
