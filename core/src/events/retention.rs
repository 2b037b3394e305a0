//! Event retention: events older than `MOMENTUM_EVENT_RETENTION_DAYS` (90 by default, at
//! least 30) are deleted by a job in every server process, with webhook deliveries queued
//! as long ago (an active endpoint's are delivered or given up within a day or so). Events
//! a stored reader (a `job_cursor` row the caller names, such as the webhook dispatcher's)
//! has not read yet are kept. The
//! highest position deleted is remembered, so a subscriber resuming from a cursor behind
//! it is told so instead of silently missing events.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::{
    ColumnTrait as _, Condition, ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr,
    EntityTrait as _, QueryFilter as _, QueryOrder as _, QuerySelect as _, QueryTrait as _, Set,
    sea_query::{Expr, Func, OnConflict},
};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use super::feed::Cursor;
use entity::{event, job_cursor, webhook_attempt, webhook_delivery};

/// The `job_cursor` row that remembers how far events were deleted.
const HORIZON: &str = "events_pruned";
/// Rows one delete statement removes at most (short transactions, no long locks).
const BATCH: u64 = 5_000;
/// How often the job runs.
pub const EVERY: Duration = Duration::from_secs(3600);

/// The highest sequence and transaction id deleted so far.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
struct Horizon {
    seq: i64,
    tx: i64,
}

/// What one run deleted.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pruned {
    pub events: u64,
    pub deliveries: u64,
}

/// Runs [`prune`] now and then every [`EVERY`] until `shutdown` turns `true`.
pub async fn run(
    db: DatabaseConnection,
    keep: Duration,
    readers: &'static [&'static str],
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        match crate::jobs::pass("events.retention", prune(&db, keep, readers, Utc::now())).await {
            Ok(p) if p != Pruned::default() => {
                tracing::info!(
                    events = p.events,
                    deliveries = p.deliveries,
                    "pruned old events"
                );
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "event pruning failed; trying again later"),
        }
        tokio::select! {
            () = tokio::time::sleep(EVERY) => {}
            _ = shutdown.changed() => {}
        }
        if *shutdown.borrow() {
            return;
        }
    }
}

/// Deletes events recorded before `now - keep` (but none that a reader named in `readers`,
/// by its `job_cursor` row, has yet to read) and webhook deliveries queued before then.
pub async fn prune(
    db: &DatabaseConnection,
    keep: Duration,
    readers: &[&str],
    now: DateTime<Utc>,
) -> Result<Pruned, DbErr> {
    let cutoff = now - TimeDelta::from_std(keep).unwrap_or(TimeDelta::MAX);
    let mut done = Pruned::default();
    loop {
        let deleted = prune_events(db, cutoff, readers).await?;
        done.events += deleted;
        if deleted < BATCH {
            break;
        }
    }
    loop {
        let deleted = prune_deliveries(db, cutoff).await?;
        done.deliveries += deleted;
        if deleted < BATCH {
            break;
        }
    }
    Ok(done)
}

/// One batch of old events, and the horizon moved past them, in one transaction.
async fn prune_events(
    db: &DatabaseConnection,
    cutoff: DateTime<Utc>,
    readers: &[&str],
) -> Result<u64, DbErr> {
    let txn = crate::audit::begin_write(db).await?;
    let mut old = Condition::all().add(event::Column::CreatedAt.lt(cutoff));
    // Whatever a stored reader has not read yet stays until it has.
    let positions = job_cursor::Entity::find()
        .filter(job_cursor::Column::Name.is_in(readers.iter().copied()))
        .all(&txn)
        .await?;
    for at in positions
        .iter()
        .filter_map(|row| serde_json::from_str::<Cursor>(&row.position).ok())
    {
        old = old.add(match txn.get_database_backend() {
            // Behind the window, or in it up to the sequence read.
            DatabaseBackend::Postgres => Condition::any()
                .add(event::Column::TxId.is_null())
                .add(event::Column::TxId.lt(at.from))
                .add(
                    Condition::all()
                        .add(event::Column::TxId.lt(at.to))
                        .add(event::Column::Sequence.lte(at.seq)),
                ),
            _ => Condition::all().add(event::Column::Sequence.lte(at.seq)),
        });
    }
    let batch = event::Entity::find()
        .select_only()
        .column(event::Column::Sequence)
        .filter(old)
        .order_by_asc(event::Column::Sequence)
        .limit(BATCH);
    let last: Option<(Option<i64>, Option<i64>)> = event::Entity::find()
        .select_only()
        .expr(Func::max(Expr::col(event::Column::Sequence)))
        .expr(Func::max(Expr::col(event::Column::TxId)))
        .filter(event::Column::Sequence.in_subquery(batch.clone().into_query()))
        .into_tuple()
        .one(&txn)
        .await?;
    let Some((Some(seq), tx)) = last else {
        txn.commit().await?;
        return Ok(0);
    };
    let deleted = event::Entity::delete_many()
        .filter(event::Column::Sequence.in_subquery(batch.into_query()))
        .exec(&txn)
        .await?
        .rows_affected;
    let before = horizon(&txn).await?;
    let after = Horizon {
        seq: before.seq.max(seq),
        tx: before.tx.max(tx.unwrap_or(0)),
    };
    job_cursor::Entity::insert(job_cursor::ActiveModel {
        name: Set(HORIZON.to_owned()),
        position: Set(serde_json::to_string(&after).unwrap_or_default()),
        updated_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::column(job_cursor::Column::Name)
            .update_columns([job_cursor::Column::Position, job_cursor::Column::UpdatedAt])
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    txn.commit().await?;
    Ok(deleted)
}

/// One batch of webhook deliveries queued before the cutoff, with their attempts: delivered,
/// given up, or still waiting for an endpoint disabled for the whole retention period.
async fn prune_deliveries(db: &DatabaseConnection, cutoff: DateTime<Utc>) -> Result<u64, DbErr> {
    let txn = crate::audit::begin_write(db).await?;
    let batch = webhook_delivery::Entity::find()
        .select_only()
        .column(webhook_delivery::Column::Id)
        .filter(webhook_delivery::Column::CreatedAt.lt(cutoff))
        .limit(BATCH);
    let ids: Vec<uuid::Uuid> = batch.into_tuple().all(&txn).await?;
    if ids.is_empty() {
        txn.commit().await?;
        return Ok(0);
    }
    webhook_attempt::Entity::delete_many()
        .filter(webhook_attempt::Column::DeliveryId.is_in(ids.clone()))
        .exec(&txn)
        .await?;
    let deleted = webhook_delivery::Entity::delete_many()
        .filter(webhook_delivery::Column::Id.is_in(ids))
        .exec(&txn)
        .await?
        .rows_affected;
    txn.commit().await?;
    Ok(deleted)
}

async fn horizon(conn: &impl ConnectionTrait) -> Result<Horizon, DbErr> {
    Ok(job_cursor::Entity::find_by_id(HORIZON)
        .one(conn)
        .await?
        .and_then(|r| serde_json::from_str(&r.position).ok())
        .unwrap_or_default())
}

/// Whether events after `cursor` may have been deleted: resuming from it could miss some.
pub async fn expired(conn: &impl ConnectionTrait, cursor: &Cursor) -> Result<bool, DbErr> {
    let h = horizon(conn).await?;
    Ok(match conn.get_database_backend() {
        // A deleted event past the cursor's window, or in it past the cursor's sequence,
        // may not have been read (the two maxima may belong to different events, so this
        // errs on the side of "expired").
        DatabaseBackend::Postgres => {
            h.tx > 0 && (h.tx >= cursor.to || (h.tx >= cursor.from && h.seq > cursor.seq))
        }
        _ => h.seq > cursor.seq,
    })
}
