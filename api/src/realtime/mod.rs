//! Real-time progress: `progressEvents` streams the event log (the outbox every mutation
//! writes) to subscribers under the same scope as queries, resumable from a cursor with
//! no gap and no duplicate (`events::feed`), woken by commits in this process
//! (`events::bus`) and polling as a safety net.

pub mod domain;
pub mod resolvers;
pub mod service;
pub mod types;
