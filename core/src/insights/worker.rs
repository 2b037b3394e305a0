//! The engagement-alert evaluator: every `MOMENTUM_ALERT_EVALUATION_SECONDS` each server
//! process tries to take the evaluator lock (a `job_cursor` row locked `FOR UPDATE SKIP
//! LOCKED` on PostgreSQL; the write lock on SQLite). The one that gets it evaluates every
//! practice unless another finished a round less than an interval ago; the others skip
//! the round. `evaluateAlerts` takes the same lock, waiting for it.

use std::time::Duration;

use chrono::{TimeDelta, Utc};
use sea_orm::DatabaseConnection;
use tokio::sync::watch;

use super::{
    evaluation::{self, Evaluated},
    facts::Windows,
};
use crate::{audit::begin_write, error::ServiceError};

/// Runs a round every `every` (the first one `every` after start) until `shutdown` turns
/// `true`.
pub async fn run(
    db: DatabaseConnection,
    every: Duration,
    window_days: i64,
    shutdown: watch::Receiver<bool>,
) {
    crate::jobs::every(every, shutdown, || async {
        match crate::jobs::pass("alerts.evaluate", round(&db, every, window_days)).await {
            Ok(Some(done)) if done.disengagement + done.missed_homework > 0 => {
                tracing::info!(
                    clients = done.clients,
                    disengagement = done.disengagement,
                    missed_homework = done.missed_homework,
                    "engagement alerts raised"
                );
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = ?e, "engagement-alert evaluation failed; trying again later")
            }
        }
    })
    .await;
}

/// One periodic round: `None` when another process holds the lock or finished a round
/// less than `every` ago.
pub async fn round(
    db: &DatabaseConnection,
    every: Duration,
    window_days: i64,
) -> Result<Option<Evaluated>, ServiceError> {
    let txn = begin_write(db).await?;
    let now = Utc::now();
    let last = match evaluation::lock(&txn, false).await? {
        None => {
            txn.commit().await?;
            return Ok(None);
        }
        Some(last) => last,
    };
    // A little slack, so that rounds of replicas started together do not skip each other's
    // turn by a few milliseconds.
    let slack = TimeDelta::from_std(every).unwrap_or_default() * 9 / 10;
    if last.is_some_and(|t| now - t < slack) {
        txn.commit().await?;
        return Ok(None);
    }
    let mut done = Evaluated::default();
    for practice in evaluation::practices_with_clients(&txn).await? {
        done += evaluation::evaluate_practice(&txn, practice, None, Windows::new(now, window_days))
            .await?;
    }
    evaluation::finish_round(&txn, Utc::now()).await?;
    txn.commit().await?;
    crate::events::bus::committed();
    Ok(Some(done))
}
