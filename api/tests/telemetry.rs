//! OpenTelemetry export, end to end: the real `momentum` binary sends its spans and metrics
//! over OTLP (HTTP, protobuf) to a receiver inside this test, which decodes them with the
//! protocol's own message types.
//!
//! - A request carrying a W3C `traceparent` yields a server span in that trace, under the
//!   caller's span, with a GraphQL operation span under it and SQL spans under that.
//! - A subscription's deliveries, webhook deliveries and the background jobs have spans of
//!   their own; the webhook request carries its span's `traceparent`.
//! - The metrics arrive under their documented names.
//! - A canary string sent in variables (as PHI would be) appears in no exported span,
//!   attribute, event or metric, and in no log line; the JSON log lines carry the trace id.
//!
//! Runs on SQLite (a fresh file), or on PostgreSQL when `MOMENTUM_TEST_DATABASE_URL` is set.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{
    collections::HashMap,
    io::Read as _,
    process::Stdio,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use actix_web::{App, HttpServer, web};
use chrono::Utc;
use futures_util::StreamExt as _;
use momentum_api::auth::Role;
use opentelemetry_proto::tonic::{
    collector::{metrics::v1::ExportMetricsServiceRequest, trace::v1::ExportTraceServiceRequest},
    common::v1::{AnyValue, KeyValue, any_value},
    trace::v1::{Span, span::SpanKind},
};
use prost::Message as _;
use sea_orm::Database;
use serde_json::{Value, json};

mod support;

use support::{Server, TestDb, free_port, gql, server_ready, subscribe};

const SECRET: &str = "telemetry-test-secret-of-sufficient-length-0123456789";
const CANARY: &str = "CANARY-PHI-7f3a9c Jane Roe";

/// What the receiver was sent, by path (`/v1/traces`, `/v1/metrics`), undecoded.
type Received = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

async fn receive(
    req: actix_web::HttpRequest,
    body: web::Bytes,
    got: web::Data<Received>,
) -> actix_web::HttpResponse {
    got.lock()
        .unwrap()
        .push((req.path().to_owned(), body.to_vec()));
    // An empty export response, as a collector answers.
    actix_web::HttpResponse::Ok()
        .content_type("application/x-protobuf")
        .finish()
}

/// A webhook receiver: keeps the `traceparent` the delivery carried.
async fn hook(req: actix_web::HttpRequest, got: web::Data<Received>) -> actix_web::HttpResponse {
    let traceparent = req
        .headers()
        .get("traceparent")
        .map(|v| v.as_bytes().to_vec())
        .unwrap_or_default();
    got.lock().unwrap().push(("/hook".to_owned(), traceparent));
    actix_web::HttpResponse::NoContent().finish()
}

fn text(v: &Option<AnyValue>) -> String {
    match v.as_ref().and_then(|v| v.value.as_ref()) {
        Some(any_value::Value::StringValue(s)) => s.clone(),
        Some(any_value::Value::IntValue(i)) => i.to_string(),
        Some(any_value::Value::BoolValue(b)) => b.to_string(),
        Some(any_value::Value::DoubleValue(d)) => d.to_string(),
        Some(other) => format!("{other:?}"),
        None => String::new(),
    }
}

fn attrs(kvs: &[KeyValue]) -> HashMap<String, String> {
    kvs.iter()
        .map(|kv| (kv.key.clone(), text(&kv.value)))
        .collect()
}

fn spans(got: &Received) -> Vec<Span> {
    got.lock()
        .unwrap()
        .iter()
        .filter(|(path, _)| path == "/v1/traces")
        .flat_map(|(_, body)| {
            ExportTraceServiceRequest::decode(body.as_slice())
                .expect("a protobuf trace export")
                .resource_spans
        })
        .flat_map(|r| r.scope_spans)
        .flat_map(|s| s.spans)
        .collect()
}

/// The names of the metrics received, with each data point's attributes.
fn metrics(got: &Received) -> HashMap<String, Vec<HashMap<String, String>>> {
    use opentelemetry_proto::tonic::metrics::v1::metric::Data;
    let mut out: HashMap<String, Vec<HashMap<String, String>>> = HashMap::new();
    for (_, body) in got
        .lock()
        .unwrap()
        .iter()
        .filter(|(path, _)| path == "/v1/metrics")
    {
        let export =
            ExportMetricsServiceRequest::decode(body.as_slice()).expect("a metrics export");
        for m in export
            .resource_metrics
            .into_iter()
            .flat_map(|r| r.scope_metrics)
            .flat_map(|s| s.metrics)
        {
            let points: Vec<HashMap<String, String>> = match &m.data {
                Some(Data::Histogram(h)) => {
                    h.data_points.iter().map(|p| attrs(&p.attributes)).collect()
                }
                Some(Data::Sum(s)) => s.data_points.iter().map(|p| attrs(&p.attributes)).collect(),
                Some(Data::Gauge(g)) => {
                    g.data_points.iter().map(|p| attrs(&p.attributes)).collect()
                }
                _ => Vec::new(),
            };
            out.entry(m.name.clone()).or_default().extend(points);
        }
    }
    out
}

/// Waits (at most 30 s) until `done` holds of what was received.
async fn until(got: &Received, what: &str, done: impl Fn(&Received) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done(got) {
        assert!(Instant::now() < deadline, "never received {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[actix_web::test]
async fn spans_and_metrics_reach_an_otlp_receiver_with_ids_and_no_phi() {
    // The receiver.
    let got: Received = Arc::default();
    let data = web::Data::new(got.clone());
    let receiver = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .app_data(web::PayloadConfig::new(16 << 20))
            .route("/v1/{signal}", web::post().to(receive))
            .route("/hook", web::post().to(hook))
    })
    .workers(1)
    .bind("127.0.0.1:0")
    .unwrap();
    let otlp_port = receiver.addrs()[0].port();
    actix_web::rt::spawn(receiver.run());

    // The server, exporting to it.
    let (database, url) = TestDb::create().await;
    let db = Database::connect(&url).await.unwrap();
    momentum_api::db::migrate(&db).await.unwrap();
    let hash = momentum_api::auth::password::hash_blocking("telemetry-password-1234").unwrap();
    let practice = momentum_api::demo::seed_practice(&db, "Telemetry", "t.test", &hash)
        .await
        .unwrap();
    db.close().await.ok();
    let port = free_port();
    let mut child = support::serve_command(&url, SECRET, port)
        .env("MOMENTUM_LOG_FORMAT", "json")
        .env("MOMENTUM_EVENT_POLL_MS", "200")
        .env("MOMENTUM_WEBHOOK_ALLOW_HTTP", "true")
        .env("RUST_LOG", "info")
        .env(
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            format!("http://127.0.0.1:{otlp_port}"),
        )
        .env("OTEL_SERVICE_NAME", "momentum-telemetry-test")
        .env("OTEL_BSP_SCHEDULE_DELAY", "100")
        .env("OTEL_METRIC_EXPORT_INTERVAL", "300")
        .stdout(Stdio::piped())
        .spawn()
        .expect("start momentum serve");
    let mut stdout = child.stdout.take().unwrap();
    let mut server = Server(child);
    let log = Arc::new(Mutex::new(String::new()));
    let reader = {
        let log = log.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 {
                    break;
                }
                log.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        })
    };
    let http = reqwest::Client::new();
    server_ready(&http, &mut server, port).await;

    let token = support::token(
        SECRET,
        practice.practice_id,
        practice.client_user_ids[0],
        Role::Client,
        Some(practice.client_ids[0]),
    );
    let mood = support::mood_tracker(&http, port, &token, practice.client_ids[0]).await;
    let mut socket = subscribe(&http, port, &token).await;
    let admin = support::token(
        SECRET,
        practice.practice_id,
        practice.admin_id,
        Role::PracticeAdmin,
        None,
    );
    gql(
        &http,
        port,
        Some(&admin),
        "mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { webhook { id } } }",
        json!({ "input": { "url": format!("http://127.0.0.1:{otlp_port}/hook"), "kinds": ["ENTRY_LOGGED"] } }),
    )
    .await;

    // A mutation in the caller's trace, with the canary in its variables.
    let trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
    let caller_span = "00f067aa0ba902b7";
    let res = http
        .post(format!("http://127.0.0.1:{port}/graphql"))
        .bearer_auth(&token)
        .header("traceparent", format!("00-{trace_id}-{caller_span}-01"))
        .json(&json!({
            "query": "mutation LogMood($input: LogEntryInput!) { logEntry(input: $input) { entry { id } } }",
            "operationName": "LogMood",
            "variables": { "input": { "trackerId": mood, "value": 6,
                "recordedAt": Utc::now().to_rfc3339(), "context": CANARY } }
        }))
        .send()
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    assert!(body.get("errors").is_none(), "{body}");
    // Refused input with the canary in it, in a trace of its own: its log line has the ids.
    let refused_trace = "0af7651916cd43dd8448eb211c80319c";
    let res = http
        .post(format!("http://127.0.0.1:{port}/graphql"))
        .bearer_auth(&token)
        .header("traceparent", format!("00-{refused_trace}-b7ad6b7169203331-01"))
        .json(&json!({
            "query": "mutation LogMood($input: LogEntryInput!) { logEntry(input: $input) { entry { id } } }",
            "variables": { "input": { "trackerId": mood, "value": 6,
                "recordedAt": Utc::now().to_rfc3339(), "context": CANARY.repeat(10) } }
        }))
        .send()
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{body}"
    );
    // The subscriber hears the entry.
    let heard = tokio::time::timeout(Duration::from_secs(20), socket.next())
        .await
        .expect("an event on the socket")
        .unwrap()
        .unwrap();
    assert!(heard.to_text().unwrap().contains("ENTRY_LOGGED"), "{heard}");

    // The server span continues the caller's trace; the operation and SQL spans nest in it.
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    until(&got, "the request's spans", |got| {
        let spans = spans(got);
        spans.iter().any(|s| s.name.starts_with("mutation"))
            && spans.iter().any(|s| s.name.starts_with("INSERT"))
    })
    .await;
    until(&got, "a subscription delivery span", |got| {
        spans(got)
            .iter()
            .any(|s| s.name == "subscription progressEvents")
    })
    .await;
    until(&got, "a webhook delivery and its span", |got| {
        let delivered = got.lock().unwrap().iter().any(|(p, _)| p == "/hook");
        delivered && spans(got).iter().any(|s| s.name == "POST webhook")
    })
    .await;
    until(&got, "a background job span", |got| {
        spans(got).iter().any(|s| s.name.starts_with("job "))
    })
    .await;
    let all = spans(&got);
    let in_trace: Vec<&Span> = all
        .iter()
        .filter(|s| hex(&s.trace_id) == trace_id)
        .collect();
    let http_span = in_trace
        .iter()
        .find(|s| s.kind == SpanKind::Server as i32)
        .expect("a server span in the caller's trace");
    assert_eq!(http_span.name, "POST /graphql");
    assert_eq!(hex(&http_span.parent_span_id), caller_span);
    let a = attrs(&http_span.attributes);
    assert_eq!(a["http.request.method"], "POST");
    assert_eq!(a["http.route"], "/graphql");
    assert_eq!(a["http.response.status_code"], "200");
    let operation = in_trace
        .iter()
        .find(|s| s.parent_span_id == http_span.span_id && s.kind == SpanKind::Internal as i32)
        .expect("an operation span under the server span (beside the sign-in's SQL)");
    assert_eq!(operation.name, "mutation LogMood");
    let a = attrs(&operation.attributes);
    assert_eq!(a["graphql.operation.type"], "mutation");
    assert_eq!(a["graphql.operation.name"], "LogMood");
    // SQL spans sit under the operation, directly or under a service's span.
    let under_operation = |s: &Span| {
        let mut parent = s.parent_span_id.clone();
        while let Some(p) = in_trace.iter().find(|x| x.span_id == parent) {
            if p.span_id == operation.span_id {
                return true;
            }
            parent = p.parent_span_id.clone();
        }
        false
    };
    let sql: Vec<&&Span> = in_trace
        .iter()
        .filter(|s| s.kind == SpanKind::Client as i32 && under_operation(s))
        .collect();
    assert!(
        sql.iter().any(|s| s.name == "INSERT tracker_entry"),
        "SQL spans under the operation: {:?}",
        sql.iter().map(|s| &s.name).collect::<Vec<_>>(),
    );
    for s in &sql {
        let a = attrs(&s.attributes);
        assert!(
            a.contains_key("db.system") && a.contains_key("db.operation.name"),
            "{a:?}"
        );
        assert!(
            !a.keys()
                .any(|k| k.contains("statement") || k.contains("query.text")),
            "a SQL span carries its text: {a:?}"
        );
    }
    let delivery = all
        .iter()
        .find(|s| s.name == "subscription progressEvents")
        .unwrap();
    assert_eq!(
        attrs(&delivery.attributes)["momentum.event.kind"],
        "ENTRY_LOGGED"
    );

    // The webhook request carried the delivery span's trace context.
    let webhook = all.iter().find(|s| s.name == "POST webhook").unwrap();
    let a = attrs(&webhook.attributes);
    assert_eq!(a["server.address"], "127.0.0.1");
    assert_eq!(a["momentum.event.kind"], "ENTRY_LOGGED");
    assert_eq!(a["http.response.status_code"], "204");
    let sent = got
        .lock()
        .unwrap()
        .iter()
        .find(|(p, _)| p == "/hook")
        .map(|(_, t)| String::from_utf8(t.clone()).unwrap())
        .unwrap();
    assert_eq!(
        sent,
        format!("00-{}-{}-01", hex(&webhook.trace_id), hex(&webhook.span_id)),
        "the webhook's traceparent"
    );

    // The metrics, under their names.
    let names = [
        "http.server.request.duration",
        "momentum.graphql.operation.duration",
        "momentum.graphql.operation.statements",
        "db.client.connection.count",
        "db.client.connection.max",
        "momentum.subscriptions.open",
        "momentum.events.delivery.lag",
        "momentum.audit.rows",
        "momentum.webhooks.attempts",
        "momentum.webhooks.backlog",
        "momentum.jobs.runs",
        "momentum.jobs.duration",
    ];
    until(&got, "every metric", |got| {
        let m = metrics(got);
        names.iter().all(|n| m.contains_key(*n))
    })
    .await;
    let m = metrics(&got);
    assert!(
        m["momentum.graphql.operation.duration"].iter().any(|p| {
            p.get("graphql.operation.name").map(String::as_str) == Some("LogMood")
                && p.get("momentum.outcome").map(String::as_str) == Some("OK")
        }),
        "{:?}",
        m["momentum.graphql.operation.duration"]
    );
    assert!(
        m["momentum.graphql.operation.duration"]
            .iter()
            .any(|p| p.get("momentum.outcome").map(String::as_str) == Some("BAD_USER_INPUT")),
        "{:?}",
        m["momentum.graphql.operation.duration"]
    );

    // The canary is nowhere: not in any export (spans, attributes, events, metrics), not in
    // the log. The refused request's log line carries its trace id and a span id.
    for (path, body) in got.lock().unwrap().iter() {
        assert!(
            !body.windows(CANARY.len()).any(|w| w == CANARY.as_bytes()),
            "the canary was exported to {path}"
        );
    }
    drop(socket);
    drop(server);
    reader.join().ok();
    let log = log.lock().unwrap().clone();
    assert!(!log.contains("CANARY"), "the canary was logged");
    let line = log
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|l| l["trace_id"] == refused_trace)
        .unwrap_or_else(|| panic!("no log line in the refused request's trace:\n{log}"));
    assert_eq!(line["span_id"].as_str().map(str::len), Some(16), "{line}");
    database.drop_it().await;
}
