//! The in-process wake-up for feed readers: every committed write that appended events
//! bumps a counter, and readers waiting for news wake and read the event table (which
//! stays the truth; a missed bump only delays a reader until its next poll).

use std::sync::LazyLock;

use tokio::sync::watch;

static BUS: LazyLock<watch::Sender<u64>> = LazyLock::new(|| watch::Sender::new(0));

/// Tells readers in this process that new events may have been committed.
pub fn notify() {
    BUS.send_modify(|n| *n = n.wrapping_add(1));
}

/// A receiver that changes whenever [`notify`] is called.
pub fn subscribe() -> watch::Receiver<u64> {
    BUS.subscribe()
}

/// The PostgreSQL channel every event-writing transaction notifies (delivered on commit,
/// to every server process listening on the database).
pub const CHANNEL: &str = "momentum_events";

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
