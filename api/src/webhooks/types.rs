//! GraphQL types of webhooks.

use async_graphql::{Enum, ID, InputObject, MaybeUndefined, SimpleObject};
use chrono::{DateTime, Utc};

use crate::values::to_id;

use super::{
    domain::{self, DeliveryStatus, WebhookStatus},
    service::DeliveryWithAttempts,
};
use crate::realtime::types::EventKindValue;

/// Whether an endpoint is sent to.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "super::domain::WebhookStatus")]
pub enum WebhookStatusValue {
    /// Deliveries are sent.
    Active,
    /// Deliveries queue up but are not sent: disabled by an admin, or automatically after
    /// failing for the whole retry period (see `disabledReason`). Re-enable with
    /// `updateWebhook(input: {enabled: true})`.
    Disabled,
}

/// Where a delivery stands.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "super::domain::DeliveryStatus")]
pub enum WebhookDeliveryStatus {
    /// Waiting for its next attempt (`nextAttemptAt`).
    Pending,
    /// The receiver answered with a 2xx status.
    Delivered,
    /// Given up after failing for the whole retry period; `redeliverWebhook` tries again.
    Failed,
}

/// An HTTPS endpoint of the practice that receives its events, signed.
#[derive(SimpleObject)]
pub struct Webhook {
    /// The webhook's id.
    pub id: ID,
    /// Where deliveries are posted.
    pub url: String,
    /// The event kinds it receives; empty for every kind.
    pub kinds: Vec<EventKindValue>,
    /// Whether deliveries are sent.
    pub status: Option<WebhookStatusValue>,
    /// When it was disabled; null while active.
    pub disabled_at: Option<DateTime<Utc>>,
    /// Why it was disabled.
    pub disabled_reason: Option<String>,
    /// Failed attempts since the last success.
    pub consecutive_failures: i32,
    /// Until when deliveries are also signed with the secret before the last rotation.
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it was last changed.
    pub updated_at: DateTime<Utc>,
    /// The version to pass as `expectedVersion`.
    pub version: i32,
}

impl From<entity::webhook::Model> for Webhook {
    fn from(m: entity::webhook::Model) -> Self {
        Self {
            id: to_id(m.id),
            url: m.url,
            kinds: domain::parse_kinds(&m.kinds)
                .into_iter()
                .map(Into::into)
                .collect(),
            status: WebhookStatus::parse(&m.status).map(Into::into),
            disabled_at: m.disabled_at,
            disabled_reason: m.disabled_reason,
            consecutive_failures: m.consecutive_failures,
            previous_secret_expires_at: m.previous_secret_expires_at,
            created_at: m.created_at,
            updated_at: m.updated_at,
            version: m.version,
        }
    }
}

/// One try at sending a delivery.
#[derive(SimpleObject)]
pub struct WebhookAttempt {
    /// 1 for the first try.
    pub attempt: i32,
    /// When it was made.
    pub attempted_at: DateTime<Utc>,
    /// The HTTP status the receiver answered; null when no answer came.
    pub status_code: Option<i32>,
    /// What went wrong; null when the receiver answered 2xx.
    pub error: Option<String>,
    /// How long it took, in milliseconds.
    pub duration_ms: i32,
}

/// One event sent (or to be sent) to one webhook.
#[derive(SimpleObject)]
pub struct WebhookDelivery {
    /// The delivery's id (also sent as the `Momentum-Delivery-Id` header).
    pub id: ID,
    /// The webhook.
    pub webhook_id: ID,
    /// The event's id: the body's `id` and the `Momentum-Event-Id` header. Receivers use
    /// it to ignore repeats (delivery is at least once).
    pub event_id: ID,
    /// The event's kind.
    pub event_kind: Option<EventKindValue>,
    /// Where it stands.
    pub status: Option<WebhookDeliveryStatus>,
    /// Attempts so far.
    pub attempt_count: i32,
    /// The attempts, oldest first (the latest 100; `attemptCount` counts them all).
    pub attempts: Vec<WebhookAttempt>,
    /// When the next attempt is due (PENDING only).
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// The status code of the last attempt.
    pub last_status_code: Option<i32>,
    /// The error of the last attempt.
    pub last_error: Option<String>,
    /// When the receiver accepted it.
    pub delivered_at: Option<DateTime<Utc>>,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
    /// The JSON body exactly as sent (ids, kinds and times; no clinical text).
    pub body: String,
}

impl From<DeliveryWithAttempts> for WebhookDelivery {
    fn from(d: DeliveryWithAttempts) -> Self {
        let status = DeliveryStatus::parse(&d.delivery.status);
        let m = d.delivery;
        Self {
            id: to_id(m.id),
            webhook_id: to_id(m.webhook_id),
            event_id: to_id(m.event_id),
            event_kind: crate::events::EventKind::parse(&m.event_kind).map(Into::into),
            status: status.map(Into::into),
            attempt_count: m.attempts,
            attempts: d
                .attempts
                .into_iter()
                .map(|a| WebhookAttempt {
                    attempt: a.attempt,
                    attempted_at: a.attempted_at,
                    status_code: a.status_code,
                    error: a.error,
                    duration_ms: a.duration_ms,
                })
                .collect(),
            next_attempt_at: (status == Some(DeliveryStatus::Pending)).then_some(m.next_attempt_at),
            last_status_code: m.last_status_code,
            last_error: m.last_error,
            delivered_at: m.delivered_at,
            created_at: m.created_at,
            body: m.body,
        }
    }
}

/// Create a webhook.
#[derive(InputObject)]
pub struct CreateWebhookInput {
    /// Where to post deliveries: an `https://` URL on a public host (at most 2,048
    /// characters, no credentials).
    pub url: String,
    /// The event kinds to receive (at most 64); every kind when omitted or empty.
    pub kinds: Option<Vec<EventKindValue>>,
}

/// A webhook and its signing secret.
#[derive(SimpleObject)]
pub struct WebhookSecretPayload {
    /// The webhook.
    pub webhook: Webhook,
    /// The signing secret, shown this once: verify every delivery's `Momentum-Signature`
    /// with it (see docs/webhooks.md).
    pub secret: String,
}

/// Change a webhook. Omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateWebhookInput {
    /// The webhook.
    pub webhook_id: ID,
    /// A new URL (same rules as on create).
    pub url: MaybeUndefined<String>,
    /// The event kinds to receive; an empty list for every kind.
    pub kinds: MaybeUndefined<Vec<EventKindValue>>,
    /// `true` re-enables a disabled webhook (what queued up goes out at once, failures are
    /// forgotten); `false` pauses it (deliveries queue up).
    pub enabled: MaybeUndefined<bool>,
    /// The version read; a newer one is `CONFLICT`.
    pub expected_version: Option<i32>,
}

/// The webhook as it now is.
#[derive(SimpleObject)]
pub struct WebhookPayload {
    /// The webhook.
    pub webhook: Webhook,
}

/// Names a webhook.
#[derive(InputObject)]
pub struct WebhookIdInput {
    /// The webhook.
    pub webhook_id: ID,
}

/// A deleted webhook.
#[derive(SimpleObject)]
pub struct DeleteWebhookPayload {
    /// The id of the webhook deleted (with its deliveries).
    pub deleted_webhook_id: ID,
}

/// Send a delivery again.
#[derive(InputObject)]
pub struct RedeliverWebhookInput {
    /// The delivery.
    pub delivery_id: ID,
}

/// The delivery, queued again.
#[derive(SimpleObject)]
pub struct WebhookDeliveryPayload {
    /// The delivery.
    pub delivery: WebhookDelivery,
}
