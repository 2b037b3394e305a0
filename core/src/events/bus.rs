//! The wake-ups for feed readers: every committed write that appended events calls
//! [`committed`], which bumps an in-process counter (readers waiting for news wake and read
//! the event table, which stays the truth; a missed bump only delays a reader until its next
//! poll) and, on PostgreSQL, has this process's notifier tell the other server processes
//! (`NOTIFY`, coalesced: see [`notify_postgres`]).

use std::sync::LazyLock;

use tokio::sync::watch;

static BUS: LazyLock<watch::Sender<u64>> = LazyLock::new(|| watch::Sender::new(0));

/// Tells readers in this process that new events may have been committed.
pub fn notify() {
    BUS.send_modify(|n| *n = n.wrapping_add(1));
}

static COMMITTED: LazyLock<watch::Sender<u64>> = LazyLock::new(|| watch::Sender::new(0));

/// After a commit that appended events: wakes this process's readers and the notifier that
/// tells the other processes.
pub fn committed() {
    notify();
    COMMITTED.send_modify(|n| *n = n.wrapping_add(1));
}

/// Sends `NOTIFY momentum_events` after [`committed`] is called, one per wake-up however
/// many commits came meanwhile, on a connection of its own with `synchronous_commit` off
/// (a notification carries no data to keep). Runs until aborted; reconnects after errors.
///
/// Why not `NOTIFY` inside each writing transaction: PostgreSQL serialises the commits of
/// transactions that notify (they take the notification queue's lock and hold it through
/// their WAL flush), so every write of every server process waited in one line; measured,
/// `logEntry` stayed at one commit per WAL flush however many callers there were (docs/benchmarks.md,
/// Benchmarks). After the commit, a notification costs one small transaction per burst, and
/// a process that dies between its commit and its `NOTIFY` delays the other processes only
/// until their next poll.
pub async fn notify_postgres(pool: sea_orm::sqlx::PgPool) {
    use sea_orm::sqlx::{Connection as _, Executor as _, postgres::PgConnection};
    let mut nudged = COMMITTED.subscribe();
    loop {
        match PgConnection::connect_with(&pool.connect_options()).await {
            Ok(mut conn) => {
                if let Err(e) = conn.execute("SET synchronous_commit = off").await {
                    tracing::warn!(error = %e, "cannot prepare the notifier's connection; retrying");
                } else {
                    loop {
                        if nudged.changed().await.is_err() {
                            return;
                        }
                        nudged.mark_unchanged();
                        if let Err(e) = conn.execute(NOTIFY).await {
                            tracing::warn!(error = %e, "NOTIFY failed; reconnecting");
                            break;
                        }
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot connect the event notifier; retrying"),
        }
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
}

/// A receiver that changes whenever [`notify`] is called.
pub fn subscribe() -> watch::Receiver<u64> {
    BUS.subscribe()
}

/// The PostgreSQL channel the notifier ([`notify_postgres`]) notifies after commits that
/// appended events, to every server process listening on the database.
pub const CHANNEL: &str = "momentum_events";

/// The notification on [`CHANNEL`].
const NOTIFY: &str = "NOTIFY momentum_events";

/// Calls `wake` (in the server: [`notify`], waking this process's readers) whenever any
/// process commits events to the PostgreSQL database behind `pool` (`LISTEN
/// momentum_events`), and once after each (re)connect. Runs until aborted; reconnects
/// after errors. Notifications are only wake-ups: the event table stays the truth, and a
/// lost one is caught up by the readers' polling.
pub async fn listen_postgres(pool: sea_orm::sqlx::PgPool, wake: impl Fn()) {
    use sea_orm::sqlx::postgres::PgListener;
    loop {
        match PgListener::connect_with(&pool).await {
            Ok(mut listener) => {
                if let Err(e) = listener.listen(CHANNEL).await {
                    tracing::warn!(error = %e, "LISTEN failed; retrying");
                } else {
                    // Something may have been missed while not listening.
                    wake();
                    loop {
                        match listener.recv().await {
                            Ok(_) => wake(),
                            Err(e) => {
                                tracing::warn!(error = %e, "event notifications interrupted; reconnecting");
                                break;
                            }
                        }
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot listen for event notifications; retrying"),
        }
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
}
