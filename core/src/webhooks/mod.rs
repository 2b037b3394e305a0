//! Webhooks: signed HTTP deliveries of the practice's events for integrators that cannot
//! hold a socket. Events are queued in a durable outbox (`webhook_delivery`) by one
//! dispatcher at a time and sent, retried and given up by the `worker`.

pub mod domain;
pub mod service;
pub mod worker;
