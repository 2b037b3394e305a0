//! Webhooks: signed deliveries to a real receiver (an HTTP server on a real port), retries,
//! restarts, disabling, scope.

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex},
    time::Duration,
};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use hmac::{Hmac, Mac as _};
use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _};
use serde_json::{Value, json};
use sha2::Sha256;
use tokio::sync::watch;
use uuid::Uuid;

use crate::helpers::{Gql, TestApp, eventually, spawn_app_with};

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    signature: String,
    event_id: String,
    delivery_id: String,
    body: String,
}

/// A webhook receiver on a real port: records every request and answers with the next
/// queued status (200 once the queue is empty, or `fallback`).
#[derive(Clone)]
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<Received>>>,
    statuses: Arc<Mutex<VecDeque<u16>>>,
    fallback: Arc<Mutex<u16>>,
    count: watch::Receiver<usize>,
}

impl Receiver {
    fn start() -> Self {
        let got = Arc::new(Mutex::new(Vec::new()));
        let statuses = Arc::new(Mutex::new(VecDeque::new()));
        let fallback = Arc::new(Mutex::new(200));
        let (tx, count) = watch::channel(0usize);
        let tx = Arc::new(tx);
        let state = (got.clone(), statuses.clone(), fallback.clone(), tx);
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = HttpServer::new(move || {
            let state = state.clone();
            App::new().route(
                "/hook",
                web::post().to(move |req: HttpRequest, body: String| {
                    let (got, statuses, fallback, tx) = state.clone();
                    async move {
                        let header = |n: &str| {
                            req.headers()
                                .get(n)
                                .and_then(|v| v.to_str().ok())
                                .unwrap_or_default()
                                .to_owned()
                        };
                        got.lock().unwrap().push(Received {
                            signature: header("momentum-signature"),
                            event_id: header("momentum-event-id"),
                            delivery_id: header("momentum-delivery-id"),
                            body,
                        });
                        let status = statuses
                            .lock()
                            .unwrap()
                            .pop_front()
                            .unwrap_or(*fallback.lock().unwrap());
                        tx.send_modify(|n| *n += 1);
                        HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap())
                            .finish()
                    }
                }),
            )
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .unwrap()
        .run();
        tokio::spawn(server);
        Self {
            url: format!("http://127.0.0.1:{port}/hook"),
            got,
            statuses,
            fallback,
            count,
        }
    }

    fn answer(&self, statuses: &[u16]) {
        self.statuses.lock().unwrap().extend(statuses);
    }

    fn always(&self, status: u16) {
        *self.fallback.lock().unwrap() = status;
    }

    fn got(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// Waits until at least `n` requests have come (at most 30 s).
    async fn wait_for(&self, n: usize) -> Vec<Received> {
        let mut count = self.count.clone();
        tokio::time::timeout(Duration::from_secs(30), count.wait_for(|c| *c >= n))
            .await
            .unwrap_or_else(|_| panic!("the receiver got {:?}, expected {n}", self.got().len()))
            .unwrap();
        self.got()
    }
}

/// Fast retries for tests; local receivers allowed.
fn fast(c: &mut momentum_api::config::Config) {
    c.webhooks.allow_http = true;
    c.webhooks.backoff_initial = Duration::from_millis(50);
    c.webhooks.backoff_max = Duration::from_millis(200);
    c.webhooks.poll = Duration::from_millis(50);
    c.event_poll_ms = 200;
}

async fn spawn() -> TestApp {
    spawn_app_with(fast).await
}

const WEBHOOK: &str = "id url kinds status disabledAt disabledReason consecutiveFailures version";

async fn create_webhook(app: &TestApp, token: &str, url: &str, kinds: Value) -> Gql {
    app.gql(
        Some(token),
        &format!(
            "mutation($input: CreateWebhookInput!) {{ createWebhook(input: $input) {{ secret webhook {{ {WEBHOOK} }} }} }}"
        ),
        json!({ "input": { "url": url, "kinds": kinds } }),
    )
    .await
}

/// Creates a webhook as practice A's admin; returns its id and secret.
async fn webhook(app: &TestApp, url: &str, kinds: Value) -> (String, String) {
    let res = create_webhook(app, &app.admin(), url, kinds).await.ok();
    (
        res.data("createWebhook.webhook.id")
            .as_str()
            .unwrap()
            .to_owned(),
        res.data("createWebhook.secret")
            .as_str()
            .unwrap()
            .to_owned(),
    )
}

/// Logs a mood entry with a note for practice A's client 0 (as its therapist); the event
/// is ENTRY_LOGGED. Returns the entry id.
async fn change(app: &TestApp, note: &str) -> String {
    change_in(app, &app.therapist(), app.a.client_ids[0], note).await
}

async fn change_in(app: &TestApp, token: &str, client_id: Uuid, note: &str) -> String {
    change_through(app, &app.url, token, client_id, note).await
}

/// [`change_in`] through the server at `url`.
async fn change_through(
    app: &TestApp,
    url: &str,
    token: &str,
    client_id: Uuid,
    note: &str,
) -> String {
    let res = app
        .gql_at(
            url,
            token,
            "query($id: ID!) { client(id: $id) { trackers { id kind } } }",
            json!({ "id": client_id }),
        )
        .await
        .ok();
    let tracker = res
        .data("client.trackers.0.id")
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .gql_at(
            url,
            token,
            "mutation($input: LogEntryInput!) { logEntry(input: $input) { entry { id } } }",
            json!({ "input": { "trackerId": tracker, "value": 6, "note": note,
                "recordedAt": chrono::Utc::now().to_rfc3339() } }),
        )
        .await
        .ok();
    res.data("logEntry.entry.id").as_str().unwrap().to_owned()
}

async fn deliveries(app: &TestApp, webhook_id: &str) -> Vec<Value> {
    let res = app
        .gql(
            Some(&app.admin()),
            "query($id: ID!) { webhookDeliveries(webhookId: $id, first: 100) { totalCount edges { node {
                id eventId eventKind status attemptCount lastStatusCode lastError deliveredAt nextAttemptAt body
                attempts { attempt statusCode error durationMs } } } } }",
            json!({ "id": webhook_id }),
        )
        .await
        .ok();
    res.data("webhookDeliveries.edges")
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

fn hmac_hex(secret: &str, signed: &str) -> String {
    let mut mac = <Hmac<Sha256>>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(signed.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The verification docs/webhooks.md describes: split `t=…,v1=…`, HMAC-SHA256 of `"{t}.{body}"`.
fn verifies(secret: &str, header: &str, body: &str) -> bool {
    let mut t = None;
    let mut sigs = Vec::new();
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", v)) => t = Some(v),
            Some(("v1", v)) => sigs.push(v),
            _ => {}
        }
    }
    let Some(t) = t else { return false };
    let expected = hmac_hex(secret, &format!("{t}.{body}"));
    sigs.contains(&expected.as_str())
}

#[tokio::test]
async fn a_delivery_is_signed_with_the_secret_and_carries_ids_not_text() {
    let app = spawn().await;
    let rx = Receiver::start();
    let (id, secret) = webhook(&app, &rx.url, json!([])).await;
    assert!(secret.starts_with("whsec_"), "{secret}");
    let entry = change(&app, "slept badly after the argument").await;

    let got = rx.wait_for(1).await;
    let r = &got[0];
    assert!(verifies(&secret, &r.signature, &r.body), "{r:?}");
    assert!(!verifies("whsec_wrong", &r.signature, &r.body));
    let t: i64 = r.signature[2..r.signature.find(',').unwrap()]
        .parse()
        .unwrap();
    assert!((chrono::Utc::now().timestamp() - t).abs() < 60);

    let body: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(body["type"], "ENTRY_LOGGED");
    assert_eq!(body["id"], r.event_id.as_str());
    assert_eq!(body["clientId"], app.a.client_ids[0].to_string());
    assert_eq!(body["practiceId"], app.a.practice_id.to_string());
    assert_eq!(body["entityId"], entry);
    assert_eq!(body["webhookId"], id);
    assert!(!r.body.contains("argument"), "free text leaked: {}", r.body);

    eventually("the delivery to be recorded", || async {
        deliveries(&app, &id).await[0]["status"] == "DELIVERED"
    })
    .await;
    let d = &deliveries(&app, &id).await[0];
    assert_eq!(d["id"], r.delivery_id.as_str());
    assert_eq!(d["eventId"], r.event_id.as_str());
    assert_eq!(d["attemptCount"], 1);
    assert_eq!(d["attempts"][0]["statusCode"], 200);
    assert_eq!(d["nextAttemptAt"], Value::Null);
}

#[tokio::test]
async fn a_receiver_answering_500_is_retried_until_it_answers_200() {
    let app = spawn().await;
    let rx = Receiver::start();
    rx.answer(&[500, 503]);
    let (id, secret) = webhook(&app, &rx.url, json!(["ENTRY_LOGGED"])).await;
    change(&app, "x").await;

    let got = rx.wait_for(3).await;
    assert_eq!(got.len(), 3);
    for r in &got {
        assert_eq!(r.body, got[0].body, "every attempt sends the same body");
        assert_eq!(r.delivery_id, got[0].delivery_id);
        assert!(verifies(&secret, &r.signature, &r.body));
    }
    eventually("the third attempt to be recorded", || async {
        deliveries(&app, &id).await[0]["status"] == "DELIVERED"
    })
    .await;
    let d = &deliveries(&app, &id).await[0];
    assert_eq!(d["attemptCount"], 3);
    let codes: Vec<_> = d["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["attempt"].clone(),
                a["statusCode"].clone(),
                a["error"].is_null(),
            )
        })
        .collect();
    assert_eq!(
        codes,
        vec![
            (json!(1), json!(500), false),
            (json!(2), json!(503), false),
            (json!(3), json!(200), true)
        ]
    );
    assert_eq!(d["attempts"][0]["error"], "the receiver answered HTTP 500");
    // The streak was forgotten with the success.
    let res = app
        .gql(
            Some(&app.admin()),
            "query($id: ID!) { webhook(id: $id) { consecutiveFailures status } }",
            json!({ "id": id }),
        )
        .await
        .ok();
    assert_eq!(res.data("webhook.consecutiveFailures"), 0);
    assert_eq!(res.data("webhook.status"), "ACTIVE");
}

#[tokio::test]
async fn undelivered_webhooks_are_sent_after_a_restart() {
    // The first server's receiver fails and the retry waits 2 s; the server stops
    // (gracefully, as on SIGTERM) before it comes.
    let app = spawn_app_with(|c| {
        fast(c);
        c.webhooks.backoff_initial = Duration::from_secs(2);
        c.webhooks.backoff_max = Duration::from_secs(2);
    })
    .await;
    let rx = Receiver::start();
    rx.answer(&[500]);
    let (id, _) = webhook(&app, &rx.url, json!([])).await;
    change(&app, "x").await;
    rx.wait_for(1).await;
    let webhook_id = Uuid::parse_str(&id).unwrap();
    let pending = || async {
        entity::webhook_delivery::Entity::find()
            .filter(entity::webhook_delivery::Column::WebhookId.eq(webhook_id))
            .all(&app.db)
            .await
            .unwrap()
    };
    eventually("the failed attempt to be recorded", || async {
        pending().await.first().is_some_and(|d| d.attempts == 1)
    })
    .await;
    app.stopper.as_ref().expect("a served app").stop().await;
    let left = pending().await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].status, "PENDING", "left in the outbox");

    // An event committed while no server runs is dispatched by the next one too.
    let (_, stopper) = app.start_another(fast).await;
    let got = rx.wait_for(2).await;
    assert_eq!(got[1].delivery_id, left[0].id.to_string());
    eventually("the redelivery to be recorded", || async {
        pending().await[0].status == "DELIVERED"
    })
    .await;
    stopper.stop().await;
}

#[tokio::test]
async fn events_committed_while_no_server_runs_are_delivered_by_the_next_one() {
    let app = spawn().await;
    let rx = Receiver::start();
    webhook(&app, &rx.url, json!([])).await;
    change(&app, "first").await;
    rx.wait_for(1).await;
    app.stopper.as_ref().expect("a served app").stop().await;
    // Written straight to the database while the server is down.
    momentum_api::events::append(
        &app.db,
        None,
        momentum_api::events::NewEvent {
            practice_id: app.a.practice_id,
            client_id: Some(app.a.client_ids[1]),
            kind: momentum_api::events::EventKind::ClientUpdated,
            entity_id: app.a.client_ids[1],
            payload: json!({}),
        },
    )
    .await
    .unwrap();
    let (_, stopper) = app.start_another(fast).await;
    let got = rx.wait_for(2).await;
    let body: Value = serde_json::from_str(&got[1].body).unwrap();
    assert_eq!(body["type"], "CLIENT_UPDATED");
    assert_eq!(body["clientId"], app.a.client_ids[1].to_string());
    stopper.stop().await;
}

#[tokio::test]
async fn two_servers_on_one_database_send_each_event_once() {
    let app = spawn().await;
    let rx = Receiver::start();
    let (id, _) = webhook(&app, &rx.url, json!(["ENTRY_LOGGED"])).await;
    let (_, other) = app.start_another(fast).await;
    for i in 0..6 {
        change(&app, &format!("n{i}")).await;
    }
    rx.wait_for(6).await;
    eventually("six deliveries recorded", || async {
        let d = deliveries(&app, &id).await;
        d.len() == 6 && d.iter().all(|d| d["status"] == "DELIVERED")
    })
    .await;
    let d = deliveries(&app, &id).await;
    assert!(d.iter().all(|d| d["attemptCount"] == 1), "{d:?}");
    let mut events: Vec<_> = rx.got().into_iter().map(|r| r.event_id).collect();
    events.sort();
    events.dedup();
    assert_eq!(events.len(), 6);
    other.stop().await;
}

#[tokio::test]
async fn a_webhook_receives_only_its_kinds_and_its_own_practices_events() {
    let app = spawn().await;
    let rx = Receiver::start();
    let (id, _) = webhook(&app, &rx.url, json!(["CLIENT_UPDATED"])).await;
    // Not wanted: an ENTRY_LOGGED of practice A, and a CLIENT_UPDATED of practice B.
    change(&app, "x").await;
    let updated = |p: &momentum_api::demo::SeededPractice| momentum_api::events::NewEvent {
        practice_id: p.practice_id,
        client_id: Some(p.client_ids[0]),
        kind: momentum_api::events::EventKind::ClientUpdated,
        entity_id: p.client_ids[0],
        payload: json!({}),
    };
    momentum_api::events::append(&app.db, None, updated(&app.b))
        .await
        .unwrap();
    // Wanted: a CLIENT_UPDATED of practice A, written last.
    momentum_api::events::append(&app.db, None, updated(&app.a))
        .await
        .unwrap();
    momentum_api::events::bus::notify();
    let got = rx.wait_for(1).await;
    let body: Value = serde_json::from_str(&got[0].body).unwrap();
    assert_eq!(body["type"], "CLIENT_UPDATED");
    assert_eq!(body["practiceId"], app.a.practice_id.to_string());
    // The feed is dispatched in order, so the unwanted ones were passed over already.
    let d = deliveries(&app, &id).await;
    assert_eq!(d.len(), 1, "{d:?}");
}

#[tokio::test]
async fn only_the_practice_admin_manages_webhooks() {
    let app = spawn().await;
    let rx = Receiver::start();
    let res = create_webhook(&app, &app.therapist(), &rx.url, json!([])).await;
    assert_eq!(res.code(), "FORBIDDEN");
    let res = create_webhook(&app, &app.client(), &rx.url, json!([])).await;
    assert_eq!(res.code(), "FORBIDDEN");
    let integrator = app
        .integrator(&app.a, &[momentum_api::auth::Scope::EventsRead])
        .await;
    let res = create_webhook(&app, &integrator, &rx.url, json!([])).await;
    assert_eq!(res.code(), "FORBIDDEN");
    assert_eq!(app.count("webhook").await, 0);

    let (id, _) = webhook(&app, &rx.url, json!([])).await;
    let b_admin = app.token(
        &app.b,
        app.b.admin_id,
        momentum_api::auth::Role::PracticeAdmin,
    );
    for (query, vars) in [
        (
            "query($id: ID!) { webhook(id: $id) { id } }",
            json!({ "id": id }),
        ),
        (
            "query($id: ID!) { webhookDeliveries(webhookId: $id) { totalCount } }",
            json!({ "id": id }),
        ),
        (
            "mutation($id: ID!) { updateWebhook(input: {webhookId: $id, enabled: false}) { webhook { id } } }",
            json!({ "id": id }),
        ),
        (
            "mutation($id: ID!) { rotateWebhookSecret(input: {webhookId: $id}) { secret } }",
            json!({ "id": id }),
        ),
        (
            "mutation($id: ID!) { deleteWebhook(input: {webhookId: $id}) { deletedWebhookId } }",
            json!({ "id": id }),
        ),
    ] {
        let res = app.gql(Some(&b_admin), query, vars).await;
        assert_eq!(res.code(), "NOT_FOUND", "{query}: {:?}", res.0);
    }
    // A delivery of A's is NOT_FOUND for B's admin too.
    change(&app, "x").await;
    rx.wait_for(1).await;
    let delivery = deliveries(&app, &id).await[0]["id"].clone();
    let redeliver =
        "mutation($id: ID!) { redeliverWebhook(input: {deliveryId: $id}) { delivery { status } } }";
    let res = app
        .gql(Some(&b_admin), redeliver, json!({ "id": delivery }))
        .await;
    assert_eq!(res.code(), "NOT_FOUND");
    let res = app
        .gql(Some(&app.therapist()), redeliver, json!({ "id": delivery }))
        .await;
    assert_eq!(res.code(), "FORBIDDEN");
    // Ids that are not ids are BAD_USER_INPUT on their field.
    let res = app
        .gql(Some(&app.admin()), redeliver, json!({ "id": "nope" }))
        .await;
    assert_eq!(
        (res.code(), res.field()),
        ("BAD_USER_INPUT", "input.deliveryId")
    );
    let res = app
        .gql(
            Some(&app.admin()),
            "{ webhookDeliveries(webhookId: \"nope\") { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!((res.code(), res.field()), ("BAD_USER_INPUT", "webhookId"));
    let res = app
        .gql(Some(&b_admin), "{ webhooks { totalCount } }", json!({}))
        .await
        .ok();
    assert_eq!(res.data("webhooks.totalCount"), 0);
    let res = app
        .gql(Some(&app.admin()), "{ webhooks { totalCount } }", json!({}))
        .await
        .ok();
    assert_eq!(res.data("webhooks.totalCount"), 1);
}

#[tokio::test]
async fn bad_webhook_input_is_refused_and_writes_nothing() {
    // Production settings: https only, no local addresses.
    let app = spawn_app_with(|_| {}).await;
    for (url, kinds) in [
        ("http://ehr.example.com/hook", json!([])),
        ("https://127.0.0.1/hook", json!([])),
        ("https://user:pw@ehr.example.com/hook", json!([])),
        ("not a url", json!([])),
    ] {
        let res = create_webhook(&app, &app.admin(), url, kinds).await;
        assert_eq!(res.code(), "BAD_USER_INPUT", "{url}");
        assert_eq!(res.field(), "input.url", "{url}");
    }
    assert_eq!(app.count("webhook").await, 0);
    let res = create_webhook(
        &app,
        &app.admin(),
        "https://ehr.example.com/hook",
        json!([]),
    )
    .await
    .ok();
    let id = res
        .data("createWebhook.webhook.id")
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(res.data("createWebhook.webhook.kinds"), &json!([]));
    let res = app
        .gql(
            Some(&app.admin()),
            "mutation($id: ID!) { updateWebhook(input: {webhookId: $id, url: null}) { webhook { id } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(res.code(), "BAD_USER_INPUT");
    assert_eq!(res.field(), "input.url");
    let res = app
        .gql(
            Some(&app.admin()),
            "mutation($id: ID!) { updateWebhook(input: {webhookId: $id, kinds: [GOAL_CREATED], expectedVersion: 7}) { webhook { id } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(res.code(), "CONFLICT");
    let res = app
        .gql(
            Some(&app.admin()),
            "mutation($id: ID!) { updateWebhook(input: {webhookId: $id, kinds: [GOAL_CREATED, STEP_ADDED], expectedVersion: 1}) { webhook { kinds version } } }",
            json!({ "id": id }),
        )
        .await
        .ok();
    assert_eq!(
        res.data("updateWebhook.webhook.kinds"),
        &json!(["GOAL_CREATED", "STEP_ADDED"])
    );
    assert_eq!(res.data("updateWebhook.webhook.version"), 2);
}

#[tokio::test]
async fn a_failing_endpoint_is_disabled_the_admin_alerted_and_it_can_be_revived() {
    let app = spawn_app_with(|c| {
        fast(c);
        c.webhooks.retry_for = Duration::ZERO;
        c.webhooks.disable_after_failures = 3;
    })
    .await;
    let rx = Receiver::start();
    rx.always(500);
    let (id, _) = webhook(&app, &rx.url, json!(["ENTRY_LOGGED"])).await;
    for i in 0..3 {
        change(&app, &format!("n{i}")).await;
    }
    rx.wait_for(3).await;
    let state = || async {
        app.gql(
            Some(&app.admin()),
            "query($id: ID!) { webhook(id: $id) { status disabledAt disabledReason consecutiveFailures } }",
            json!({ "id": id }),
        )
        .await
        .ok()
    };
    eventually("the webhook to be disabled", || async {
        state().await.data("webhook.status") == "DISABLED"
    })
    .await;
    let s = state().await;
    assert_eq!(s.data("webhook.consecutiveFailures"), 3);
    assert!(
        s.data("webhook.disabledReason")
            .as_str()
            .unwrap()
            .contains("HTTP 500")
    );
    // Given up at once (retrying for zero seconds).
    let d = deliveries(&app, &id).await;
    assert_eq!(d.len(), 3);
    assert!(d.iter().all(|d| d["status"] == "FAILED"), "{d:?}");

    let alerts = app
        .gql(
            Some(&app.admin()),
            "{ adminAlerts(status: OPEN) { totalCount edges { node { id kind subjectId reason } } } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(alerts.data("adminAlerts.totalCount"), 1);
    assert_eq!(
        alerts.data("adminAlerts.edges.0.node.kind"),
        "WEBHOOK_DISABLED"
    );
    assert_eq!(
        alerts.data("adminAlerts.edges.0.node.subjectId"),
        id.as_str()
    );
    let res = app
        .gql(
            Some(&app.therapist()),
            "{ adminAlerts { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(res.code(), "FORBIDDEN");
    let alert_id = alerts.data("adminAlerts.edges.0.node.id").clone();
    let ack = "mutation($id: ID!) { acknowledgeAdminAlert(input: {adminAlertId: $id}) { adminAlert { status acknowledgedAt } } }";
    let res = app
        .gql(Some(&app.admin()), ack, json!({ "id": alert_id }))
        .await
        .ok();
    assert_eq!(
        res.data("acknowledgeAdminAlert.adminAlert.status"),
        "ACKNOWLEDGED"
    );
    let res = app
        .gql(Some(&app.admin()), ack, json!({ "id": alert_id }))
        .await;
    assert_eq!(res.code(), "CONFLICT");
    let b_admin = app.token(
        &app.b,
        app.b.admin_id,
        momentum_api::auth::Role::PracticeAdmin,
    );
    let res = app
        .gql(Some(&b_admin), ack, json!({ "id": alert_id }))
        .await;
    assert_eq!(res.code(), "NOT_FOUND");
    let res = app
        .gql(Some(&b_admin), "{ adminAlerts { totalCount } }", json!({}))
        .await
        .ok();
    assert_eq!(res.data("adminAlerts.totalCount"), 0);
    let res = app
        .gql(Some(&app.admin()), ack, json!({ "id": "nope" }))
        .await;
    assert_eq!(
        (res.code(), res.field()),
        ("BAD_USER_INPUT", "input.adminAlertId")
    );

    // While disabled, events queue up but are not sent.
    change(&app, "queued").await;
    eventually("the fourth delivery to be queued", || async {
        deliveries(&app, &id).await.len() == 4
    })
    .await;
    assert_eq!(rx.got().len(), 3);

    // Fixed and re-enabled: the queued one goes out; a FAILED one is redelivered on demand.
    rx.always(200);
    let res = app
        .gql(
            Some(&app.admin()),
            "mutation($id: ID!) { updateWebhook(input: {webhookId: $id, enabled: true}) { webhook { status consecutiveFailures disabledAt } } }",
            json!({ "id": id }),
        )
        .await
        .ok();
    assert_eq!(res.data("updateWebhook.webhook.status"), "ACTIVE");
    assert_eq!(res.data("updateWebhook.webhook.disabledAt"), &Value::Null);
    rx.wait_for(4).await;
    let failed = deliveries(&app, &id)
        .await
        .into_iter()
        .find(|d| d["status"] == "FAILED")
        .unwrap();
    let res = app
        .gql(
            Some(&app.admin()),
            "mutation($id: ID!) { redeliverWebhook(input: {deliveryId: $id}) { delivery { status attemptCount } } }",
            json!({ "id": failed["id"] }),
        )
        .await
        .ok();
    assert_eq!(res.data("redeliverWebhook.delivery.status"), "PENDING");
    let got = rx.wait_for(5).await;
    assert_eq!(got[4].delivery_id, failed["id"].as_str().unwrap());
    eventually("the redelivery to be recorded", || async {
        deliveries(&app, &id)
            .await
            .iter()
            .find(|d| d["id"] == failed["id"])
            .is_some_and(|d| d["status"] == "DELIVERED" && d["attemptCount"] == 2)
    })
    .await;
}

#[tokio::test]
async fn after_a_rotation_deliveries_verify_with_the_new_secret_and_for_a_day_the_old() {
    let app = spawn().await;
    let rx = Receiver::start();
    let (id, old) = webhook(&app, &rx.url, json!([])).await;
    let res = app
        .gql(
            Some(&app.admin()),
            "mutation($id: ID!) { rotateWebhookSecret(input: {webhookId: $id}) { secret webhook { previousSecretExpiresAt } } }",
            json!({ "id": id }),
        )
        .await
        .ok();
    let new = res
        .data("rotateWebhookSecret.secret")
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(new, old);
    let until = chrono::DateTime::parse_from_rfc3339(
        res.data("rotateWebhookSecret.webhook.previousSecretExpiresAt")
            .as_str()
            .unwrap(),
    )
    .unwrap();
    let hours = (until.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_minutes();
    assert!((23 * 60..=24 * 60).contains(&hours), "{hours}");
    change(&app, "x").await;
    let r = &rx.wait_for(1).await[0];
    assert_eq!(r.signature.matches("v1=").count(), 2, "{}", r.signature);
    assert!(verifies(&new, &r.signature, &r.body));
    assert!(verifies(&old, &r.signature, &r.body));
}

#[tokio::test]
async fn deleting_a_webhook_stops_deliveries_and_removes_its_history() {
    let app = spawn().await;
    let rx = Receiver::start();
    rx.always(500);
    let (id, _) = webhook(&app, &rx.url, json!([])).await;
    change(&app, "x").await;
    rx.wait_for(1).await;
    let res = app
        .gql(
            Some(&app.admin()),
            "mutation($id: ID!) { deleteWebhook(input: {webhookId: $id}) { deletedWebhookId } }",
            json!({ "id": id }),
        )
        .await
        .ok();
    assert_eq!(res.data("deleteWebhook.deletedWebhookId"), id.as_str());
    assert_eq!(app.count("webhook").await, 0);
    assert_eq!(app.count("webhook_delivery").await, 0);
    assert_eq!(app.count("webhook_attempt").await, 0);
    let res = app
        .gql(
            Some(&app.admin()),
            "query($id: ID!) { webhook(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(res.code(), "NOT_FOUND");
}

#[tokio::test]
async fn retention_keeps_events_until_webhooks_have_been_dispatched_and_prunes_old_deliveries() {
    use momentum_api::events::retention;
    use sea_orm::sea_query::Expr;
    let app = spawn().await;
    let rx = Receiver::start();
    let (id, _) = webhook(&app, &rx.url, json!([])).await;
    change(&app, "x").await;
    rx.wait_for(1).await;
    eventually("the delivery to be recorded", || async {
        deliveries(&app, &id).await[0]["status"] == "DELIVERED"
    })
    .await;
    app.stopper.as_ref().expect("a served app").stop().await;
    // An event committed while no server runs, already older than the retention.
    let event = Uuid::now_v7();
    momentum_api::events::append(
        &app.db,
        None,
        momentum_api::events::NewEvent {
            practice_id: app.a.practice_id,
            client_id: Some(app.a.client_ids[1]),
            kind: momentum_api::events::EventKind::ClientUpdated,
            entity_id: event,
            payload: json!({}),
        },
    )
    .await
    .unwrap();
    let long_ago = chrono::Utc::now() - chrono::TimeDelta::days(40);
    entity::event::Entity::update_many()
        .col_expr(entity::event::Column::CreatedAt, Expr::value(long_ago))
        .exec(&app.db)
        .await
        .unwrap();
    entity::webhook_delivery::Entity::update_many()
        .col_expr(
            entity::webhook_delivery::Column::CreatedAt,
            Expr::value(long_ago),
        )
        .exec(&app.db)
        .await
        .unwrap();
    // (The webhook is older still: it wants events from its creation on.)
    entity::webhook::Entity::update_many()
        .col_expr(
            entity::webhook::Column::CreatedAt,
            Expr::value(long_ago - chrono::TimeDelta::days(1)),
        )
        .exec(&app.db)
        .await
        .unwrap();
    let keep = Duration::from_secs(30 * 24 * 3600);
    let pruned = retention::prune(
        &app.db,
        keep,
        &[momentum_api::webhooks::worker::CURSOR_NAME],
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(pruned.deliveries, 1, "the delivered one is done with");
    let kept = entity::event::Entity::find()
        .filter(entity::event::Column::EntityId.eq(event))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(kept.len(), 1, "not yet read by the webhook dispatcher");
    assert!(pruned.events > 0, "what the dispatcher has read may go");

    let (_, stopper) = app.start_another(fast).await;
    let got = rx.wait_for(2).await;
    let body: Value = serde_json::from_str(&got[1].body).unwrap();
    assert_eq!(body["entityId"], event.to_string());
    stopper.stop().await;
}

#[tokio::test]
async fn a_name_that_resolves_to_a_private_address_at_delivery_is_refused_then() {
    // A receiver's name that looked public at registration now resolves to this machine
    // (DNS rebinding; here a resolver override, so no outside traffic): the delivery must
    // not connect there.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    let connections = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = connections.clone();
    tokio::spawn(async move {
        let listener = tokio::net::TcpListener::from_std(listener).unwrap();
        while listener.accept().await.is_ok() {
            counted.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    });
    let app = spawn_app_with(|c| {
        fast(c);
        c.webhooks.allow_http = false;
        c.webhooks.resolve = vec![(
            "hooks.rebinding.test".to_owned(),
            std::net::IpAddr::from([127, 0, 0, 1]),
        )];
    })
    .await;
    let (id, _) = webhook(
        &app,
        &format!("https://hooks.rebinding.test:{port}/hook"),
        json!([]),
    )
    .await;
    change(&app, "rebinding").await;
    eventually("an attempt refused for its address", || async {
        deliveries(&app, &id)
            .await
            .first()
            .and_then(|d| d["attempts"].as_array().and_then(|a| a.first()).cloned())
            .is_some_and(|a| a["error"] == "the receiver's name resolves to no public address")
    })
    .await;
    assert_eq!(
        connections.load(std::sync::atomic::Ordering::Relaxed),
        0,
        "the sender connected to the private address"
    );
}

/// The stored `secret` and `previous_secret` of a webhook, as the database holds them.
async fn stored_secrets(app: &TestApp, id: &str) -> (String, Option<String>) {
    use sea_orm::EntityTrait as _;
    let row = entity::webhook::Entity::find_by_id(id.parse::<Uuid>().unwrap())
        .one(&app.db)
        .await
        .unwrap()
        .expect("the webhook row");
    (row.secret, row.previous_secret)
}

#[tokio::test]
async fn signing_secrets_are_sealed_at_rest_and_survive_a_data_key_rotation() {
    let app = spawn().await;
    let rx = Receiver::start();
    let (id, secret) = webhook(&app, &rx.url, json!([])).await;
    // At rest: sealed, not the secret.
    let (stored, _) = stored_secrets(&app, &id).await;
    assert!(stored.starts_with("enc:v1:"), "{stored}");
    assert!(
        !stored.contains(&secret) && !stored.contains("whsec_"),
        "{stored}"
    );
    // Rotate the data key: stop the server, start one whose current key is new and whose
    // previous key is the old one. It seals the secret again at start.
    app.stopper.as_ref().expect("a served app").stop().await;
    let new_key = momentum_api::secrets::new_key();
    let (url, _stopper) = app
        .start_another(|c| {
            c.data_key_previous = c.data_key.take();
            c.data_key = Some(secrecy::SecretString::from(new_key.clone()));
        })
        .await;
    eventually("the secret sealed with the new key", || async {
        stored_secrets(&app, &id).await.0 != stored
    })
    .await;
    let (resealed, _) = stored_secrets(&app, &id).await;
    assert!(resealed.starts_with("enc:v1:") && !resealed.contains(&secret));
    // Deliveries from the new server are signed with the same secret.
    change_through(
        &app,
        &url,
        &app.therapist(),
        app.a.client_ids[0],
        "after the rotation",
    )
    .await;
    let r = &rx.wait_for(1).await[0];
    assert!(verifies(&secret, &r.signature, &r.body), "{}", r.signature);
}
