//! Real-time progress: `progressEvents` streams the event log (the outbox every mutation
//! writes) to subscribers under the same scope as queries, resumable from a cursor with
//! no gap and no duplicate (`events::feed`). One reader per process (`hub`), woken by
//! commits (`events::bus`) and polling as a safety net, fans the events out in memory.

pub mod domain;
pub mod hub;
pub mod service;
