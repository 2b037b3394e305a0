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

impl Cursor {
    /// Whether [`read_until`] can go from `self` to `bound`: everything behind `self` is
    /// behind `bound` too, and the windows line up (the same window, or `self`'s window
    /// ends where or before `bound`'s begins). A cursor of a window that straddles
    /// `bound`'s start cannot: the reader that made `bound` has to move on first.
    pub fn reaches(self, bound: Cursor) -> bool {
        if (self.from, self.to) == (bound.from, bound.to) {
            self.seq <= bound.seq
        } else {
            self.to <= bound.from
        }
    }

    /// Whether `self` comes after `other`, both positions of one reader (whose windows
    /// follow one another): windows in order, then sequences within a window.
    pub fn is_after(self, other: Cursor) -> bool {
        (self.from, self.seq) > (other.from, other.seq)
    }

    /// The same position once its window has been read to the end (a read returned fewer
    /// rows than it asked for): the window's end, as an empty window there. Reader
    /// positions are then comparable with [`Cursor::reaches`] to a cursor from
    /// [`now`]. Unchanged on SQLite.
    pub fn settled(self) -> Cursor {
        if self.to > self.from {
            Cursor {
                from: self.to,
                to: self.to,
                seq: 0,
            }
        } else {
            self
        }
    }
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
/// When fewer than `limit` come back, that cursor's window has been read to its end
/// ([`Cursor::settled`] names the same position).
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
        return Ok(by_sequence(rows, cursor));
    }
    let mut at = cursor;
    let mut out = Vec::new();
    // The rest of the current window, then the next one if the horizon moved. A window is
    // only entered to be read, so after a short read the returned window has been read to
    // its end.
    for step in 0..2 {
        if at.to > at.from {
            let want = limit - out.len() as u64;
            if read_window(conn, &scope, &mut at, None, want, &mut out).await? {
                return Ok((out, at));
            }
        }
        if step == 1 {
            break;
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

/// SQLite's events (no transaction-id windows), each with the cursor just past it, and the
/// cursor past the last.
fn by_sequence(rows: Vec<event::Model>, cursor: Cursor) -> (Vec<(event::Model, Cursor)>, Cursor) {
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
    (out, at)
}

/// Reads up to `want` events matching `scope` of `at`'s transaction-id window after
/// `at.seq` (and none past `max_seq`) into `out`, moving `at.seq` along. True when `want`
/// came: the caller stops there.
async fn read_window(
    conn: &impl ConnectionTrait,
    scope: &Condition,
    at: &mut Cursor,
    max_seq: Option<i64>,
    want: u64,
    out: &mut Vec<(event::Model, Cursor)>,
) -> Result<bool, DbErr> {
    let tx = Expr::expr(Func::coalesce([
        Expr::col(event::Column::TxId),
        Expr::value(0_i64),
    ]));
    let mut query = event::Entity::find()
        .filter(scope.clone())
        .filter(tx.clone().gte(at.from))
        .filter(tx.lt(at.to))
        .filter(event::Column::Sequence.gt(at.seq));
    if let Some(max) = max_seq {
        query = query.filter(event::Column::Sequence.lte(max));
    }
    let rows = query
        .order_by_asc(event::Column::Sequence)
        .limit(want)
        .all(conn)
        .await?;
    let full = rows.len() as u64 == want;
    for e in rows {
        at.seq = e.sequence;
        out.push((e, *at));
    }
    Ok(full)
}

/// Up to `limit` events after `cursor` that match `scope`, but none past `bound` (a
/// position of another reader, such as the process's shared reader): each with the cursor
/// just past it, and the cursor to read on from, which is `bound` itself once everything
/// up to it has been read. Windows follow `bound`'s, so the two positions end up equal
/// and a reader can hand over to the other with no gap and no duplicate.
///
/// Requires `cursor.reaches(bound)`; otherwise nothing is read and `cursor` comes back.
pub async fn read_until(
    conn: &impl ConnectionTrait,
    scope: Condition,
    cursor: Cursor,
    bound: Cursor,
    limit: u64,
) -> Result<(Vec<(event::Model, Cursor)>, Cursor), DbErr> {
    if !cursor.reaches(bound) {
        return Ok((Vec::new(), cursor));
    }
    if conn.get_database_backend() != DatabaseBackend::Postgres {
        let rows = event::Entity::find()
            .filter(scope)
            .filter(event::Column::Sequence.gt(cursor.seq))
            .filter(event::Column::Sequence.lte(bound.seq))
            .order_by_asc(event::Column::Sequence)
            .limit(limit)
            .all(conn)
            .await?;
        let full = rows.len() as u64 == limit;
        let (out, at) = by_sequence(rows, cursor);
        return Ok((out, if full { at } else { bound }));
    }
    let mut at = cursor;
    let mut out = Vec::new();
    // At most: the rest of this window, one window up to `bound`'s, and `bound`'s own.
    while at != bound {
        let last = (at.from, at.to) == (bound.from, bound.to);
        if at.to > at.from {
            let want = limit - out.len() as u64;
            let max_seq = last.then_some(bound.seq);
            if read_window(conn, &scope, &mut at, max_seq, want, &mut out).await? {
                return Ok((out, at));
            }
        }
        // Every transaction below `bound.to` has finished (it was a horizon), so these
        // windows are final.
        at = if last {
            bound
        } else if at.to < bound.from {
            Cursor {
                from: at.to,
                to: bound.from,
                seq: 0,
            }
        } else {
            Cursor {
                from: bound.from,
                to: bound.to,
                seq: 0,
            }
        };
    }
    Ok((out, at))
}

/// When a feed reader that found nothing new reads again: at the poll interval, or, while
/// committed events are [`held_back`] behind an older transaction (their wake-up has
/// already come), after 20 ms, doubling up to the poll interval.
#[derive(Debug, Clone, Copy)]
pub struct ReadAgain {
    poll: std::time::Duration,
    retry: std::time::Duration,
}

impl ReadAgain {
    /// The first wait while events are held back.
    pub const FIRST: std::time::Duration = std::time::Duration::from_millis(20);

    pub fn new(poll: std::time::Duration) -> Self {
        Self {
            poll,
            retry: Self::FIRST / 2,
        }
    }

    /// The wait after a read that found nothing new.
    pub fn after(&mut self, held_back: bool) -> std::time::Duration {
        if held_back {
            self.retry = (self.retry * 2).clamp(Self::FIRST, self.poll);
            self.retry
        } else {
            self.retry = Self::FIRST / 2;
            self.poll
        }
    }
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
