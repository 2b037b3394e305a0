//! Metrics and trace propagation, through the OpenTelemetry API only. The server installs
//! the SDK and the OTLP exporters when `OTEL_EXPORTER_OTLP_ENDPOINT` is set; without them the
//! global meter is a no-op and every instrument here costs a call that does nothing.
//!
//! Names and units follow the OpenTelemetry semantic conventions where one exists
//! (`http.server.request.duration`, `db.client.connection.count`); Momentum's own carry the
//! `momentum.` prefix. Attributes are ids, codes and bounded names, never PHI
//! (docs/observability.md lists them all).

use std::{
    collections::HashSet,
    sync::{
        LazyLock, Mutex,
        atomic::{AtomicBool, Ordering},
    },
};

use opentelemetry::{
    KeyValue,
    metrics::{Counter, Gauge, Histogram, Meter, UpDownCounter},
};

/// The instrumentation scope of everything Momentum records.
pub const SCOPE: &str = "momentum";

/// Buckets for durations in seconds: 1 ms to 10 s, as the HTTP conventions advise.
const SECONDS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];

/// Buckets for statements per request.
const STATEMENTS: &[f64] = &[1.0, 2.0, 3.0, 5.0, 8.0, 13.0, 21.0, 34.0, 55.0, 89.0, 144.0];

/// The instruments, made from the global meter on first use (after the server installed
/// its provider).
pub struct Metrics {
    /// `http.server.request.duration`: every HTTP request, by method, route and status.
    pub http_duration: Histogram<f64>,
    /// `momentum.graphql.operation.duration`: every GraphQL operation, by type, name and
    /// outcome code (`OK` or the first error's code); its count is the request count.
    pub operation_duration: Histogram<f64>,
    /// `momentum.graphql.operation.statements`: SQL statements one operation ran.
    pub operation_statements: Histogram<u64>,
    /// `momentum.subscriptions.open`: subscriptions streaming now.
    pub subscriptions_open: UpDownCounter<i64>,
    /// `momentum.events.delivery.lag`: from an event's commit to its delivery on a socket.
    pub event_lag: Histogram<f64>,
    /// `momentum.webhooks.attempts`: delivery attempts, by outcome (`delivered`, `failed`).
    pub webhook_attempts: Counter<u64>,
    /// `momentum.webhooks.backlog`: deliveries waiting to be sent, read after a pass that sent
    /// something and at least every 30 s.
    pub webhook_backlog: Gauge<u64>,
    /// `momentum.jobs.runs`: background job passes, by job and outcome (`ok`, `error`).
    pub job_runs: Counter<u64>,
    /// `momentum.jobs.duration`: how long each background job pass took.
    pub job_duration: Histogram<f64>,
    /// `momentum.audit.rows`: audit rows written.
    pub audit_rows: Counter<u64>,
}

impl Metrics {
    fn new(meter: &Meter) -> Self {
        Self {
            http_duration: meter
                .f64_histogram("http.server.request.duration")
                .with_unit("s")
                .with_description("Duration of HTTP server requests.")
                .with_boundaries(SECONDS.to_vec())
                .build(),
            operation_duration: meter
                .f64_histogram("momentum.graphql.operation.duration")
                .with_unit("s")
                .with_description("Duration of GraphQL operations, by type, name and outcome.")
                .with_boundaries(SECONDS.to_vec())
                .build(),
            operation_statements: meter
                .u64_histogram("momentum.graphql.operation.statements")
                .with_unit("{statement}")
                .with_description("SQL statements run by one GraphQL operation.")
                .with_boundaries(STATEMENTS.to_vec())
                .build(),
            subscriptions_open: meter
                .i64_up_down_counter("momentum.subscriptions.open")
                .with_unit("{subscription}")
                .with_description("GraphQL subscriptions streaming now.")
                .build(),
            event_lag: meter
                .f64_histogram("momentum.events.delivery.lag")
                .with_unit("s")
                .with_description("Time from an event's commit to its delivery to a subscriber.")
                .with_boundaries(SECONDS.to_vec())
                .build(),
            webhook_attempts: meter
                .u64_counter("momentum.webhooks.attempts")
                .with_unit("{attempt}")
                .with_description("Webhook delivery attempts, by outcome.")
                .build(),
            webhook_backlog: meter
                .u64_gauge("momentum.webhooks.backlog")
                .with_unit("{delivery}")
                .with_description("Webhook deliveries waiting to be sent.")
                .build(),
            job_runs: meter
                .u64_counter("momentum.jobs.runs")
                .with_unit("{run}")
                .with_description("Background job passes, by job and outcome.")
                .build(),
            job_duration: meter
                .f64_histogram("momentum.jobs.duration")
                .with_unit("s")
                .with_description("Duration of background job passes.")
                .with_boundaries(SECONDS.to_vec())
                .build(),
            audit_rows: meter
                .u64_counter("momentum.audit.rows")
                .with_unit("{row}")
                .with_description("Audit rows written.")
                .build(),
        }
    }
}

static ENABLED: AtomicBool = AtomicBool::new(false);

/// Says metrics are exported (the server installed a meter provider), so readings that cost
/// a query are worth taking.
pub fn set_enabled(on: bool) {
    ENABLED.store(on, Ordering::Relaxed);
}

/// Whether metrics are exported.
pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

static METRICS: LazyLock<Metrics> = LazyLock::new(|| Metrics::new(&meter()));

/// The meter of Momentum's instrumentation scope.
pub fn meter() -> Meter {
    opentelemetry::global::meter_with_scope(scope())
}

/// The instrumentation scope: `momentum` at this version.
pub fn scope() -> opentelemetry::InstrumentationScope {
    opentelemetry::InstrumentationScope::builder(SCOPE)
        .with_version(env!("CARGO_PKG_VERSION"))
        .build()
}

/// The instruments.
pub fn metrics() -> &'static Metrics {
    &METRICS
}

/// Records one background job pass.
pub fn job_ran(job: &'static str, ok: bool, seconds: f64) {
    let attributes = [
        KeyValue::new("momentum.job", job),
        KeyValue::new("momentum.outcome", if ok { "ok" } else { "error" }),
    ];
    metrics().job_runs.add(1, &attributes);
    metrics().job_duration.record(seconds, &attributes);
}

/// Distinct operation names metrics keep; later ones are counted as [`OTHER_OPERATION`].
pub const OPERATION_NAMES_MAX: usize = 200;

/// The operation-name value of operations past the cap or with names no client would choose.
pub const OTHER_OPERATION: &str = "_OTHER";

static OPERATION_NAMES: LazyLock<Mutex<HashSet<&'static str>>> =
    LazyLock::new(|| Mutex::new(HashSet::new()));

/// An operation name as a metric attribute: a GraphQL name of at most 64 characters among
/// the first [`OPERATION_NAMES_MAX`] seen by this process, else [`OTHER_OPERATION`], so a
/// client that makes up names cannot grow the series without bound.
pub fn operation_label(name: &str) -> &'static str {
    let valid = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .enumerate()
            .all(|(i, b)| b == b'_' || b.is_ascii_alphabetic() || (i > 0 && b.is_ascii_digit()));
    if !valid {
        return OTHER_OPERATION;
    }
    let mut names = OPERATION_NAMES.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(known) = names.get(name) {
        return known;
    }
    if names.len() >= OPERATION_NAMES_MAX {
        return OTHER_OPERATION;
    }
    // Leaked once per name, and at most OPERATION_NAMES_MAX names are.
    let leaked: &'static str = Box::leak(name.to_owned().into_boxed_str());
    names.insert(leaked);
    leaked
}

/// The W3C `traceparent` (and `tracestate`) of the current span, for an outgoing request;
/// empty when tracing is off.
pub fn trace_headers() -> Vec<(String, String)> {
    use tracing_opentelemetry::OpenTelemetrySpanExt as _;
    let context = tracing::Span::current().context();
    let mut headers = Headers(Vec::new());
    opentelemetry::global::get_text_map_propagator(|p| p.inject_context(&context, &mut headers));
    headers.0
}

struct Headers(Vec<(String, String)>);

impl opentelemetry::propagation::Injector for Headers {
    fn set(&mut self, key: &str, value: String) {
        self.0.push((key.to_owned(), value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_names_are_bounded_and_well_formed() {
        assert_eq!(operation_label("Dashboard"), "Dashboard");
        assert_eq!(operation_label("not a name"), OTHER_OPERATION);
        assert_eq!(operation_label("9lives"), OTHER_OPERATION);
        assert_eq!(operation_label(&"a".repeat(65)), OTHER_OPERATION);
        for i in 0..OPERATION_NAMES_MAX {
            operation_label(&format!("Op{i}"));
        }
        assert_eq!(operation_label("OneTooMany"), OTHER_OPERATION);
        // Names seen before the cap keep their own series.
        assert_eq!(operation_label("Dashboard"), "Dashboard");
    }
}
