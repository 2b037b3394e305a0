//! Reading the event log as a feed that can be resumed with no gap and no duplicate, even
//! while transactions that wrote events are still running.
//!
//! - **SQLite** lets one writer in at a time, so events become visible in sequence order:
//!   "everything after sequence N" is exact.
//! - **PostgreSQL** hands out sequences at insert time, so a transaction that started
//!   earlier can commit a lower sequence after a higher one is already visible. Each event
//!   therefore records its transaction id, and the feed moves in *windows* of transaction
//!   ids: every transaction older than the snapshot's `xmin` (the oldest still running) has
//!   finished, so the events with `from <= tx_id < to` (for `to` = an `xmin` seen) are final
//!   and are read in sequence order. A cursor names the window and the last sequence read
//!   in it.

use sea_orm::{
    ColumnTrait as _, Condition, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait as _,
    QueryFilter as _, QueryOrder as _, QuerySelect as _, Statement,
    sea_query::{Expr, ExprTrait as _, Func},
};
use serde::{Deserialize, Serialize};

use entity::event;

/// A position in the feed: everything with `tx_id < from` is behind it, and of the window
/// `from <= tx_id < to`, the events up to sequence `seq`. On SQLite `from = to = 0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    pub from: i64,
    pub to: i64,
    pub seq: i64,
}

/// The position of "now": later reads return only events committed from here on (on
/// PostgreSQL, also events of transactions still running now, which may have committed
/// just before).
pub async fn now(conn: &impl ConnectionTrait) -> Result<Cursor, DbErr> {
    match conn.get_database_backend() {
        DatabaseBackend::Postgres => {
            let w = xmin(conn).await?;
            Ok(Cursor {
                from: w,
                to: w,
                seq: 0,
            })
        }
        _ => {
            let max: Option<i64> = event::Entity::find()
                .select_only()
                .expr(Func::max(Expr::col(event::Column::Sequence)))
                .into_tuple::<Option<i64>>()
                .one(conn)
                .await?
                .flatten();
            Ok(Cursor {
                from: 0,
                to: 0,
                seq: max.unwrap_or(0),
            })
        }
    }
}

/// The oldest transaction id still running (every older one has finished).
async fn xmin(conn: &impl ConnectionTrait) -> Result<i64, DbErr> {
    let row = conn
        .query_one_raw(Statement::from_string(
            DatabaseBackend::Postgres,
            "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS xmin",
        ))
        .await?
        .ok_or_else(|| DbErr::Custom("no snapshot".to_owned()))?;
    row.try_get("", "xmin")
}

/// Up to `limit` events after `cursor` that match `scope`, each with the cursor just past
/// it, and the cursor to read on from (it moves even when nothing in scope was found).
pub async fn read(
    conn: &impl ConnectionTrait,
    scope: Condition,
    cursor: Cursor,
    limit: u64,
) -> Result<(Vec<(event::Model, Cursor)>, Cursor), DbErr> {
    if conn.get_database_backend() != DatabaseBackend::Postgres {
        let rows = event::Entity::find()
            .filter(scope)
            .filter(event::Column::Sequence.gt(cursor.seq))
            .order_by_asc(event::Column::Sequence)
            .limit(limit)
            .all(conn)
            .await?;
        let mut at = cursor;
        let out = rows
            .into_iter()
            .map(|e| {
                at = Cursor {
                    from: 0,
                    to: 0,
                    seq: e.sequence,
                };
                (e, at)
            })
            .collect();
        return Ok((out, at));
    }
    let tx = Expr::expr(Func::coalesce([
        Expr::col(event::Column::TxId),
        Expr::value(0_i64),
    ]));
    let mut at = cursor;
    let mut out = Vec::new();
    // The rest of the current window, then the next one if the horizon moved.
    for _ in 0..2 {
        if at.to > at.from {
            let rows = event::Entity::find()
                .filter(scope.clone())
                .filter(tx.clone().gte(at.from))
                .filter(tx.clone().lt(at.to))
                .filter(event::Column::Sequence.gt(at.seq))
                .order_by_asc(event::Column::Sequence)
                .limit(limit)
                .all(conn)
                .await?;
            let full = rows.len() as u64 == limit;
            for e in rows {
                at.seq = e.sequence;
                out.push((e, at));
            }
            if full {
                return Ok((out, at));
            }
        }
        let horizon = xmin(conn).await?;
        if horizon <= at.to {
            break;
        }
        at = Cursor {
            from: at.to,
            to: horizon,
            seq: 0,
        };
    }
    Ok((out, at))
}

/// Whether committed events wait beyond `cursor`'s window because an older transaction
/// (anywhere on the server) is still running. A reader that saw nothing new should then
/// look again soon rather than wait for the next wake-up: the notification for those
/// events has already come. Always `false` on SQLite.
pub async fn held_back(conn: &impl ConnectionTrait, cursor: Cursor) -> Result<bool, DbErr> {
    if conn.get_database_backend() != DatabaseBackend::Postgres {
        return Ok(false);
    }
    let found = event::Entity::find()
        .select_only()
        .column(event::Column::Sequence)
        .filter(event::Column::TxId.gte(cursor.to))
        .limit(1)
        .into_tuple::<i64>()
        .one(conn)
        .await?;
    Ok(found.is_some())
}
