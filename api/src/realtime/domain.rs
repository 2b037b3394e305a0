//! Real-time values.

use std::time::Duration;

/// Events read from the log per query.
pub const READ_BATCH: u64 = 100;
/// How long a subscriber waits for a wake-up before reading the log anyway (catches
/// events committed by other processes, and any wake-up that was missed).
pub const POLL_EVERY: Duration = Duration::from_secs(2);
/// At most this many kinds in a filter.
pub const KINDS_MAX: usize = 64;
