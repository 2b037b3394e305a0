//! Real-time values.

/// Events read from the log per query.
pub const READ_BATCH: u64 = 100;
/// At most this many kinds in a filter.
pub const KINDS_MAX: usize = 64;
