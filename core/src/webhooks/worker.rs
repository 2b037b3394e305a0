//! The webhook worker of a server process: the **dispatcher** tails the event feed and
//! queues a delivery per event and interested endpoint, and the **sender** claims due
//! deliveries, signs and posts them, and records each attempt.
//!
//! Both are safe with any number of replicas:
//! - the dispatcher's position is one row (`job_cursor` `webhooks`), locked for the whole
//!   round (`FOR UPDATE SKIP LOCKED` on PostgreSQL, the write lock on SQLite), so one
//!   process dispatches at a time and a crash repeats at most a round, which the unique
//!   (webhook, event) key makes harmless;
//! - the sender claims deliveries with `FOR UPDATE SKIP LOCKED` and a lease
//!   (`claimed_until`), so two processes never send the same attempt, and a process that
//!   dies mid-send leaves the delivery to be retried when the lease runs out.
//!
//! Delivery is at least once: a receiver may see an event twice (after a timeout whose
//! request did arrive, say) and should use the event `id` to ignore repeats.

use std::{
    sync::LazyLock,
    time::{Duration, Instant},
};

use chrono::{TimeDelta, Utc};
use sea_orm::{
    ColumnTrait as _, Condition, DatabaseConnection, DbErr, EntityTrait as _, PaginatorTrait as _,
    QueryFilter as _, QueryOrder as _, QuerySelect as _, QueryTrait as _, Set,
    sea_query::{Expr, ExprTrait as _, LockBehavior, LockType, OnConflict},
};
use tokio::sync::watch;
use tracing::Instrument as _;
use uuid::Uuid;

use super::domain::{
    DISPATCH_BATCH, DeliveryStatus, ERROR_MAX, SEND_BATCH, SIGNATURE_HEADER, WebhookStatus,
    backoff, signature_header, wants,
};
use crate::{
    audit::begin_write,
    events::{
        bus,
        feed::{self, Cursor},
    },
    values::clip,
};
use entity::{event, job_cursor, webhook, webhook_attempt, webhook_delivery};

/// How webhooks are delivered.
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    /// `MOMENTUM_WEBHOOK_BACKOFF_INITIAL_MS`: the wait after the first failed attempt; it
    /// doubles with each further failure.
    pub backoff_initial: Duration,
    /// `MOMENTUM_WEBHOOK_BACKOFF_MAX_MS`: the longest wait between attempts.
    pub backoff_max: Duration,
    /// `MOMENTUM_WEBHOOK_RETRY_SECONDS`: a delivery is retried for this long before it is
    /// given up (`FAILED`); an endpoint failing for this long (and at least
    /// `disable_after_failures` times in a row) is disabled.
    pub retry_for: Duration,
    /// `MOMENTUM_WEBHOOK_DISABLE_AFTER_FAILURES`: failed attempts in a row before an
    /// endpoint may be disabled.
    pub disable_after_failures: u32,
    /// `MOMENTUM_WEBHOOK_TIMEOUT_MS`: how long one attempt may take.
    pub timeout: Duration,
    /// `MOMENTUM_WEBHOOK_ALLOW_HTTP`: accept `http://` endpoint URLs (local development
    /// only; production endpoints must be `https://`).
    pub allow_http: bool,
    /// `MOMENTUM_WEBHOOK_POLL_MS`: how often the sender looks for due retries.
    pub poll: Duration,
    /// Names the sender resolves to these addresses instead of asking DNS (as curl's
    /// `--resolve`); set by tests only, never from the environment. The addresses are
    /// checked like any other: a private one is refused unless `allow_http`.
    pub resolve: Vec<(String, std::net::IpAddr)>,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        Self {
            backoff_initial: Duration::from_secs(10),
            backoff_max: Duration::from_secs(3600),
            retry_for: Duration::from_secs(24 * 3600),
            disable_after_failures: 20,
            timeout: Duration::from_secs(10),
            allow_http: false,
            poll: Duration::from_secs(1),
            resolve: Vec::new(),
        }
    }
}

/// The dispatcher's row in `job_cursor` (event retention keeps what it has not read).
pub const CURSOR_NAME: &str = "webhooks";

/// Makes sure the dispatcher has a position, inside the transaction that creates a webhook:
/// the first webhook starts it at "now", so it gets every event committed after it.
pub async fn ensure_started(txn: &sea_orm::DatabaseTransaction) -> Result<(), DbErr> {
    let start = feed::now(txn).await?;
    crate::jobs::place_cursor(
        txn,
        CURSOR_NAME,
        serde_json::to_string(&start).unwrap_or_default(),
    )
    .await
}

/// How long after its timeout a claimed delivery is left to its sender.
const LEASE_SLACK: Duration = Duration::from_secs(30);

static SEND_WAKE: LazyLock<watch::Sender<u64>> = LazyLock::new(|| watch::Sender::new(0));

/// Wakes the senders of this process (new or redelivered deliveries are due).
pub fn wake() {
    SEND_WAKE.send_modify(|n| *n = n.wrapping_add(1));
}

/// Runs the dispatcher and the sender until `shutdown` turns `true`. A send in flight is
/// finished (within the attempt timeout); everything not yet sent stays in the outbox.
pub async fn run(
    db: DatabaseConnection,
    config: WebhookConfig,
    keys: std::sync::Arc<crate::secrets::DataKeys>,
    event_poll: Duration,
    shutdown: watch::Receiver<bool>,
) {
    tokio::join!(
        dispatch_loop(db.clone(), event_poll, shutdown.clone()),
        send_loop(db, config, keys, shutdown),
    );
}

async fn dispatch_loop(
    db: DatabaseConnection,
    poll: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut news = bus::subscribe();
    news.borrow_and_update();
    let mut again = feed::ReadAgain::new(poll);
    loop {
        if *shutdown.borrow() {
            return;
        }
        let wait = match crate::jobs::pass("webhooks.dispatch", dispatch_once(&db)).await {
            Ok(round) => {
                if round.queued > 0 {
                    wake();
                }
                if round.full {
                    continue;
                }
                again.after(round.held_back)
            }
            Err(e) => {
                tracing::warn!(error = %e, "webhook dispatch failed; retrying");
                poll
            }
        };
        tokio::select! {
            _ = news.changed() => {}
            () = tokio::time::sleep(wait) => {}
            _ = shutdown.changed() => {}
        }
    }
}

/// What one dispatcher round did.
#[derive(Debug, Default)]
struct Round {
    /// Deliveries queued.
    queued: u64,
    /// The batch was full: read again at once.
    full: bool,
    /// Committed events wait behind an older transaction: read again soon.
    held_back: bool,
}

/// One round: reads the next events after the stored position and queues their
/// deliveries, in one transaction with the new position.
async fn dispatch_once(db: &DatabaseConnection) -> Result<Round, DbErr> {
    let txn = begin_write(db).await?;
    let row = job_cursor::Entity::find_by_id(CURSOR_NAME)
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        .one(&txn)
        .await?;
    let Some(row) = row else {
        // No webhook was ever created (the first one places the row), or another process
        // holds the row and is dispatching.
        txn.commit().await?;
        return Ok(Round::default());
    };
    let at: Cursor = serde_json::from_str(&row.position)
        .map_err(|e| DbErr::Custom(format!("webhook dispatcher position: {e}")))?;
    let (events, next) = feed::read(&txn, Condition::all(), at, DISPATCH_BATCH).await?;
    let full = events.len() as u64 == DISPATCH_BATCH;
    let mut queued = 0;
    if !events.is_empty() {
        let mut practices: Vec<Uuid> = events.iter().map(|(e, _)| e.practice_id).collect();
        practices.sort_unstable();
        practices.dedup();
        let hooks = webhook::Entity::find()
            .filter(webhook::Column::PracticeId.is_in(practices))
            .all(&txn)
            .await?;
        let now = Utc::now();
        let rows: Vec<webhook_delivery::ActiveModel> = events
            .iter()
            .flat_map(|(e, _)| {
                hooks
                    .iter()
                    .filter(move |h| {
                        h.practice_id == e.practice_id
                            && h.created_at <= e.created_at
                            && wants(&h.kinds, &e.kind)
                    })
                    .map(move |h| delivery_row(h, e, now))
            })
            .collect();
        for chunk in rows.chunks(200) {
            queued += webhook_delivery::Entity::insert_many(chunk.to_vec())
                .on_conflict(
                    OnConflict::columns([
                        webhook_delivery::Column::WebhookId,
                        webhook_delivery::Column::EventId,
                    ])
                    .do_nothing()
                    .to_owned(),
                )
                .exec_without_returning(&txn)
                .await?;
        }
    }
    if next != at {
        job_cursor::Entity::update_many()
            .col_expr(
                job_cursor::Column::Position,
                Expr::value(serde_json::to_string(&next).unwrap_or_default()),
            )
            .col_expr(job_cursor::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(job_cursor::Column::Name.eq(CURSOR_NAME))
            .exec(&txn)
            .await?;
    }
    let held_back = events.is_empty() && feed::held_back(&txn, next).await?;
    txn.commit().await?;
    Ok(Round {
        queued,
        full,
        held_back,
    })
}

/// The body sent for `event`: ids, kinds and times only (never clinical free text); the
/// receiver fetches details with its own token.
pub fn body(hook: &webhook::Model, event: &event::Model) -> String {
    serde_json::json!({
        "id": event.id,
        "type": event.kind,
        "occurredAt": event.created_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "practiceId": event.practice_id,
        "clientId": event.client_id,
        "entityId": event.entity_id,
        "actorRole": event.actor_role,
        "data": event.payload,
        "webhookId": hook.id,
    })
    .to_string()
}

fn delivery_row(
    hook: &webhook::Model,
    event: &event::Model,
    now: chrono::DateTime<Utc>,
) -> webhook_delivery::ActiveModel {
    webhook_delivery::ActiveModel {
        id: Set(Uuid::now_v7()),
        webhook_id: Set(hook.id),
        practice_id: Set(hook.practice_id),
        event_id: Set(event.id),
        event_kind: Set(event.kind.clone()),
        body: Set(body(hook, event)),
        status: Set(DeliveryStatus::Pending.as_str().to_owned()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        claimed_until: Set(None),
        last_attempt_at: Set(None),
        last_status_code: Set(None),
        last_error: Set(None),
        delivered_at: Set(None),
        created_at: Set(now),
    }
}

async fn send_loop(
    db: DatabaseConnection,
    config: WebhookConfig,
    keys: std::sync::Arc<crate::secrets::DataKeys>,
    mut shutdown: watch::Receiver<bool>,
) {
    let client = match reqwest::Client::builder()
        .dns_resolver(std::sync::Arc::new(PublicOnly {
            overrides: config.resolve.clone(),
            allow_private: config.allow_http,
        }))
        .timeout(config.timeout)
        .connect_timeout(config.timeout)
        // A redirect could point anywhere; receivers answer where they were registered.
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("Momentum-Webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "cannot build the webhook HTTP client; webhooks will not be sent");
            return;
        }
    };
    let mut woken = SEND_WAKE.subscribe();
    woken.borrow_and_update();
    // When the backlog gauge was last read: after a pass that sent something, else at most
    // every BACKLOG_EVERY (deliveries waiting for a retry change it too).
    let mut backlog_read: Option<Instant> = None;
    loop {
        if *shutdown.borrow() {
            return;
        }
        let sent = crate::jobs::pass("webhooks.send", async {
            let batch = claim(&db, &config).await?;
            let sent = batch.len();
            futures_util::future::join_all(
                batch
                    .into_iter()
                    .map(|(d, h)| attempt(&db, &client, &config, &keys, d, h)),
            )
            .await;
            let stale = backlog_read.is_none_or(|t| t.elapsed() >= BACKLOG_EVERY);
            if crate::telemetry::enabled() && (sent > 0 || stale) {
                crate::telemetry::metrics()
                    .webhook_backlog
                    .record(backlog(&db).await?, &[]);
                backlog_read = Some(Instant::now());
            }
            Ok::<_, DbErr>(sent)
        })
        .await;
        match sent {
            Ok(0) => {}
            Ok(_) => continue,
            Err(e) => tracing::warn!(error = %e, "cannot claim webhook deliveries; retrying"),
        }
        tokio::select! {
            _ = woken.changed() => {}
            () = tokio::time::sleep(config.poll) => {}
            _ = shutdown.changed() => {}
        }
    }
}

/// How often an idle sender reads the backlog for `momentum.webhooks.backlog`.
const BACKLOG_EVERY: Duration = Duration::from_secs(30);

/// Deliveries waiting to be sent (of any endpoint).
async fn backlog(db: &DatabaseConnection) -> Result<u64, DbErr> {
    webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::Status.eq(DeliveryStatus::Pending.as_str()))
        .count(db)
        .await
}

/// Claims up to [`SEND_BATCH`] due deliveries of active endpoints for this process.
async fn claim(
    db: &DatabaseConnection,
    config: &WebhookConfig,
) -> Result<Vec<(webhook_delivery::Model, webhook::Model)>, DbErr> {
    let txn = begin_write(db).await?;
    let now = Utc::now();
    let active = webhook::Entity::find()
        .select_only()
        .column(webhook::Column::Id)
        .filter(webhook::Column::Status.eq(WebhookStatus::Active.as_str()))
        .into_query();
    let due = webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::Status.eq(DeliveryStatus::Pending.as_str()))
        .filter(webhook_delivery::Column::NextAttemptAt.lte(now))
        .filter(
            Condition::any()
                .add(webhook_delivery::Column::ClaimedUntil.is_null())
                .add(webhook_delivery::Column::ClaimedUntil.lt(now)),
        )
        .filter(webhook_delivery::Column::WebhookId.in_subquery(active))
        .order_by_asc(webhook_delivery::Column::NextAttemptAt)
        .limit(SEND_BATCH)
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        .all(&txn)
        .await?;
    if due.is_empty() {
        txn.commit().await?;
        return Ok(Vec::new());
    }
    let lease = now + delta(config.timeout + LEASE_SLACK);
    webhook_delivery::Entity::update_many()
        .col_expr(webhook_delivery::Column::ClaimedUntil, Expr::value(lease))
        .filter(webhook_delivery::Column::Id.is_in(due.iter().map(|d| d.id)))
        .exec(&txn)
        .await?;
    let hooks = webhook::Entity::find()
        .filter(webhook::Column::Id.is_in(due.iter().map(|d| d.webhook_id)))
        .all(&txn)
        .await?;
    txn.commit().await?;
    Ok(due
        .into_iter()
        .filter_map(|d| {
            let h = hooks.iter().find(|h| h.id == d.webhook_id)?.clone();
            Some((d, h))
        })
        .collect())
}

fn delta(d: Duration) -> TimeDelta {
    TimeDelta::from_std(d).unwrap_or(TimeDelta::MAX)
}

/// Resolves receivers' names at delivery and keeps only public addresses (unless local
/// receivers are allowed, `MOMENTUM_WEBHOOK_ALLOW_HTTP`): a name that resolved to a public
/// address at registration and to a private one now (DNS rebinding) reaches nothing.
struct PublicOnly {
    /// Names answered without DNS (tests).
    overrides: Vec<(String, std::net::IpAddr)>,
    allow_private: bool,
}

/// What the attempt records when a receiver's name has no public address.
const NOT_PUBLIC: &str = "the receiver's name resolves to no public address";

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_ascii_lowercase();
        let overridden: Vec<std::net::SocketAddr> = self
            .overrides
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(&host))
            .map(|(_, ip)| std::net::SocketAddr::new(*ip, 0))
            .collect();
        let allow_private = self.allow_private;
        Box::pin(async move {
            let found: Vec<std::net::SocketAddr> = if overridden.is_empty() {
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect()
            } else {
                overridden
            };
            let usable: Vec<std::net::SocketAddr> = found
                .into_iter()
                .filter(|a| allow_private || !super::domain::is_private(a.ip()))
                .collect();
            if usable.is_empty() {
                return Err(NOT_PUBLIC.into());
            }
            Ok(Box::new(usable.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Whether the resolver refused the receiver's addresses, anywhere in `e`'s causes.
fn caused_by_not_public(e: &reqwest::Error) -> bool {
    let mut cause: Option<&dyn std::error::Error> = Some(e);
    while let Some(c) = cause {
        if c.to_string().contains(NOT_PUBLIC) {
            return true;
        }
        cause = c.source();
    }
    false
}

/// What one attempt came to.
struct Outcome {
    status_code: Option<i32>,
    error: Option<String>,
    duration_ms: i32,
}

/// Signs and sends one delivery, then records the attempt.
async fn attempt(
    db: &DatabaseConnection,
    client: &reqwest::Client,
    config: &WebhookConfig,
    keys: &crate::secrets::DataKeys,
    delivery: webhook_delivery::Model,
    hook: webhook::Model,
) {
    let now = Utc::now();
    let context = super::domain::sealed_for(hook.id);
    let mut stored = vec![hook.secret.as_str()];
    if let (Some(old), Some(until)) = (&hook.previous_secret, hook.previous_secret_expires_at)
        && until > now
    {
        stored.push(old.as_str());
    }
    let secrets = match stored
        .into_iter()
        .map(|s| keys.open(s, &context))
        .collect::<Result<Vec<String>, _>>()
    {
        Ok(s) => s,
        Err(e) => {
            // Not sent: a signature this server cannot make. The lease runs out and another
            // replica (with the key) tries it.
            tracing::error!(error = %e, webhook_id = %hook.id, "cannot open a webhook's signing secret; is MOMENTUM_DATA_KEY the same on every replica?");
            return;
        }
    };
    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    let signature = signature_header(&secrets, now.timestamp(), &delivery.body);
    let started = Instant::now();
    // The receiver's host only: a path or query the admin chose may carry anything.
    let host = url::Url::parse(&hook.url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_default();
    let span = tracing::info_span!(
        "webhook.delivery",
        otel.name = "POST webhook",
        otel.kind = "client",
        otel.status_code = tracing::field::Empty,
        http.request.method = "POST",
        server.address = %host,
        http.response.status_code = tracing::field::Empty,
        momentum.webhook.id = %hook.id,
        momentum.delivery.id = %delivery.id,
        momentum.event.id = %delivery.event_id,
        momentum.event.kind = delivery.event_kind.as_str(),
        momentum.delivery.attempt = delivery.attempts + 1,
    );
    let mut request = client.post(&hook.url);
    for (name, value) in span.in_scope(crate::telemetry::trace_headers) {
        request = request.header(name, value);
    }
    let result = request
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(SIGNATURE_HEADER, signature)
        .header("Momentum-Event-Id", delivery.event_id.to_string())
        .header("Momentum-Event-Kind", delivery.event_kind.as_str())
        .header("Momentum-Delivery-Id", delivery.id.to_string())
        .body(delivery.body.clone())
        .send()
        .instrument(span.clone())
        .await;
    let duration_ms = i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX);
    let outcome = match result {
        Ok(resp) if resp.status().is_success() => Outcome {
            status_code: Some(i32::from(resp.status().as_u16())),
            error: None,
            duration_ms,
        },
        Ok(resp) => Outcome {
            status_code: Some(i32::from(resp.status().as_u16())),
            error: Some(format!(
                "the receiver answered HTTP {}",
                resp.status().as_u16()
            )),
            duration_ms,
        },
        Err(e) => Outcome {
            status_code: None,
            error: Some(clip(
                &if e.is_timeout() {
                    format!("no answer within {} ms", config.timeout.as_millis())
                } else if caused_by_not_public(&e) {
                    NOT_PUBLIC.to_owned()
                } else if e.is_connect() {
                    "could not connect to the receiver".to_owned()
                } else {
                    format!("the request failed: {}", without_url(&e))
                },
                ERROR_MAX,
            )),
            duration_ms,
        },
    };
    if let Some(code) = outcome.status_code {
        span.record("http.response.status_code", code);
    }
    let delivered = outcome.error.is_none();
    if !delivered {
        span.record("otel.status_code", "ERROR");
    }
    crate::telemetry::metrics().webhook_attempts.add(
        1,
        &[opentelemetry::KeyValue::new(
            "momentum.outcome",
            if delivered { "delivered" } else { "failed" },
        )],
    );
    if let Err(e) = record(db, config, &delivery, &hook, outcome)
        .instrument(span)
        .await
    {
        // The lease runs out and the delivery is tried again: at least once.
        tracing::warn!(error = %e, delivery_id = %delivery.id, "cannot record a webhook attempt");
    }
}

/// A reqwest error's message without the URL (which may carry a path the admin chose).
fn without_url(e: &reqwest::Error) -> String {
    let mut s = e.to_string();
    if let Some(url) = e.url() {
        s = s.replace(url.as_str(), "the endpoint");
    }
    s
}

/// Records an attempt: the delivery's new state, the endpoint's failure streak, and, when
/// the endpoint has failed for too long, disables it and alerts the practice's admins.
async fn record(
    db: &DatabaseConnection,
    config: &WebhookConfig,
    delivery: &webhook_delivery::Model,
    hook: &webhook::Model,
    outcome: Outcome,
) -> Result<(), DbErr> {
    let txn = begin_write(db).await?;
    let now = Utc::now();
    let attempts = delivery.attempts + 1;
    webhook_attempt::Entity::insert(webhook_attempt::ActiveModel {
        id: Set(Uuid::now_v7()),
        delivery_id: Set(delivery.id),
        attempt: Set(attempts),
        attempted_at: Set(now),
        status_code: Set(outcome.status_code),
        error: Set(outcome.error.clone()),
        duration_ms: Set(outcome.duration_ms),
    })
    .on_conflict(
        OnConflict::columns([
            webhook_attempt::Column::DeliveryId,
            webhook_attempt::Column::Attempt,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    let mut d = webhook_delivery::ActiveModel {
        id: Set(delivery.id),
        attempts: Set(attempts),
        last_attempt_at: Set(Some(now)),
        last_status_code: Set(outcome.status_code),
        last_error: Set(outcome.error.clone()),
        claimed_until: Set(None),
        ..Default::default()
    };
    if outcome.error.is_none() {
        d.status = Set(DeliveryStatus::Delivered.as_str().to_owned());
        d.delivered_at = Set(Some(now));
        webhook_delivery::Entity::update(d).exec(&txn).await?;
        webhook::Entity::update_many()
            .col_expr(webhook::Column::ConsecutiveFailures, Expr::value(0))
            .col_expr(
                webhook::Column::FailingSince,
                Expr::value(Option::<chrono::DateTime<Utc>>::None),
            )
            .filter(webhook::Column::Id.eq(hook.id))
            .filter(webhook::Column::ConsecutiveFailures.ne(0))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        return Ok(());
    }
    let retry_for = delta(config.retry_for);
    let given_up = now - delivery.created_at >= retry_for;
    d.status = Set(if given_up {
        DeliveryStatus::Failed
    } else {
        DeliveryStatus::Pending
    }
    .as_str()
    .to_owned());
    d.next_attempt_at = Set(now
        + delta(backoff(
            attempts,
            config.backoff_initial,
            config.backoff_max,
        )));
    webhook_delivery::Entity::update(d).exec(&txn).await?;
    webhook::Entity::update_many()
        .col_expr(
            webhook::Column::ConsecutiveFailures,
            Expr::col(webhook::Column::ConsecutiveFailures).add(1),
        )
        .col_expr(
            webhook::Column::FailingSince,
            Expr::expr(sea_orm::sea_query::Func::coalesce([
                Expr::col(webhook::Column::FailingSince),
                Expr::value(now),
            ])),
        )
        .filter(webhook::Column::Id.eq(hook.id))
        .exec(&txn)
        .await?;
    // Disabled once it has failed often enough and for long enough, at most once. "Long
    // enough" is judged from now, after the update above holds the webhook's row: `now` was
    // taken before, and a concurrent attempt that took its own `now` later may have set
    // `failing_since` first (the last of a burst of failures would then never disable it).
    let checked = Utc::now();
    let failures = i32::try_from(config.disable_after_failures).unwrap_or(i32::MAX);
    let disabled = webhook::Entity::update_many()
        .col_expr(webhook::Column::Status, Expr::value(WebhookStatus::Disabled.as_str()))
        .col_expr(webhook::Column::DisabledAt, Expr::value(now))
        .col_expr(
            webhook::Column::DisabledReason,
            Expr::value(format!(
                "disabled after failing {failures} or more times in a row for at least {} s; last: {}",
                config.retry_for.as_secs(),
                outcome.error.as_deref().unwrap_or_default()
            )),
        )
        .col_expr(webhook::Column::Version, Expr::col(webhook::Column::Version).add(1))
        .col_expr(webhook::Column::UpdatedAt, Expr::value(now))
        .filter(webhook::Column::Id.eq(hook.id))
        .filter(webhook::Column::Status.eq(WebhookStatus::Active.as_str()))
        .filter(webhook::Column::ConsecutiveFailures.gte(failures))
        .filter(webhook::Column::FailingSince.lte(checked - retry_for))
        .exec(&txn)
        .await?;
    if disabled.rows_affected == 1 {
        crate::alerts::service::raise_admin(
            &txn,
            hook.practice_id,
            crate::alerts::domain::AdminAlertKind::WebhookDisabled,
            hook.id,
            format!(
                "The webhook to {} was disabled after failing repeatedly; fix the endpoint, then \
                 re-enable it with updateWebhook(enabled: true): queued deliveries are kept",
                host_of(&hook.url)
            ),
        )
        .await?;
        tracing::warn!(webhook_id = %hook.id, "webhook disabled after repeated failures");
    }
    txn.commit().await?;
    Ok(())
}

fn host_of(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| "its endpoint".to_owned())
}
