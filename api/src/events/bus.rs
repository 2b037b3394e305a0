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
