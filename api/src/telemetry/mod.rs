//! Logs, traces and metrics. Log lines go to standard output (text, or JSON with `trace_id`
//! and `span_id`); traces and metrics go over OTLP when the standard `OTEL_*` variables name
//! an endpoint, and nowhere (at no cost) when they do not. Spans and attributes carry ids,
//! codes and names, never PHI, document text or variables (docs/observability.md).

pub mod http;
pub mod sql;

use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Context as _;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{Protocol, WithExportConfig as _};
use opentelemetry_sdk::{
    Resource, metrics::SdkMeterProvider, propagation::TraceContextPropagator,
    trace::SdkTracerProvider,
};
use tracing_subscriber::{EnvFilter, Layer as _, filter::Targets, fmt, prelude::*};

pub use momentum_core::telemetry::{metrics, operation_label};

/// The crates whose spans are exported: Momentum's own. Others' spans (sea-orm's, sqlx's)
/// may carry statements with their values, so they never reach the exporter whatever
/// `RUST_LOG` says.
const EXPORTED: [&str; 2] = ["momentum_api", "momentum_core"];

/// One open subscription: counted in `momentum.subscriptions.open` while it lives, and the
/// maker of a span and a lag reading for each event it delivers.
pub struct OpenSubscription {
    field: &'static str,
}

impl OpenSubscription {
    /// Counts a subscription to `field` as open until this is dropped.
    pub fn new(field: &'static str) -> Self {
        metrics().subscriptions_open.add(
            1,
            &[opentelemetry::KeyValue::new("graphql.field.name", field)],
        );
        Self { field }
    }

    /// Records the delivery of event `id` of `kind`, committed at `at`.
    pub fn delivered(&self, id: uuid::Uuid, kind: &str, at: chrono::DateTime<chrono::Utc>) {
        let lag = (chrono::Utc::now() - at).to_std().unwrap_or_default();
        let span = tracing::info_span!(
            "subscription.delivery",
            otel.name = format!("subscription {}", self.field),
            otel.kind = "producer",
            graphql.operation.type = "subscription",
            graphql.field.name = self.field,
            momentum.event.id = %id,
            momentum.event.kind = kind,
            momentum.event.lag_ms = u64::try_from(lag.as_millis()).unwrap_or(u64::MAX),
        );
        drop(span);
        metrics().event_lag.record(
            lag.as_secs_f64(),
            &[opentelemetry::KeyValue::new(
                "graphql.field.name",
                self.field,
            )],
        );
    }
}

impl Drop for OpenSubscription {
    fn drop(&mut self) {
        metrics().subscriptions_open.add(
            -1,
            &[opentelemetry::KeyValue::new(
                "graphql.field.name",
                self.field,
            )],
        );
    }
}

/// Reports the connections of the pool behind `db` (`requests` or `background`) in
/// `db.client.connection.count` (by state: `used`, `idle`) and `db.client.connection.max`,
/// read at each export. sqlx does not expose how many callers wait for a connection; a
/// wait that runs out shows as `SERVICE_UNAVAILABLE` in the operation metric.
pub fn observe_pool(name: &'static str, db: &sea_orm::DatabaseConnection, max: u32) {
    use opentelemetry::KeyValue;
    if !momentum_core::telemetry::enabled() {
        return;
    }
    let sizes: Box<dyn Fn() -> (u32, usize) + Send + Sync> = match db.get_database_backend() {
        sea_orm::DatabaseBackend::Postgres => {
            let pool = db.get_postgres_connection_pool().clone();
            Box::new(move || (pool.size(), pool.num_idle()))
        }
        _ => {
            let pool = db.get_sqlite_connection_pool().clone();
            Box::new(move || (pool.size(), pool.num_idle()))
        }
    };
    let meter = momentum_core::telemetry::meter();
    let pool = KeyValue::new("db.client.connection.pool.name", name);
    let labels = pool.clone();
    meter
        .i64_observable_up_down_counter("db.client.connection.count")
        .with_unit("{connection}")
        .with_description("Connections of the pool, by state.")
        .with_callback(move |o| {
            let (size, idle) = sizes();
            let idle = i64::try_from(idle).unwrap_or(i64::MAX);
            let used = i64::from(size).saturating_sub(idle);
            o.observe(
                used,
                &[
                    labels.clone(),
                    KeyValue::new("db.client.connection.state", "used"),
                ],
            );
            o.observe(
                idle,
                &[
                    labels.clone(),
                    KeyValue::new("db.client.connection.state", "idle"),
                ],
            );
        })
        .build();
    meter
        .i64_observable_up_down_counter("db.client.connection.max")
        .with_unit("{connection}")
        .with_description("The most connections the pool opens.")
        .with_callback(move |o| o.observe(i64::from(max), std::slice::from_ref(&pool)))
        .build();
}

/// What [`init`] installed. Keep it until the process ends, then call
/// [`Telemetry::shutdown`] so the last spans and metrics are sent.
#[must_use = "dropping it does not flush; call shutdown"]
#[derive(Default)]
pub struct Telemetry {
    traces: Option<SdkTracerProvider>,
    metrics: Option<SdkMeterProvider>,
}

static TRACING: AtomicBool = AtomicBool::new(false);

/// Whether spans are exported (SQL spans cost a little, so they are made only then).
pub fn tracing_on() -> bool {
    TRACING.load(Ordering::Relaxed)
}

impl Telemetry {
    /// Sends what is buffered and stops the exporters. It blocks (up to the exporters'
    /// timeouts), so async callers run it with `spawn_blocking`.
    pub fn shutdown(self) {
        if let Some(t) = self.traces
            && let Err(e) = t.shutdown()
        {
            eprintln!("telemetry: the last spans could not be sent: {e}");
        }
        if let Some(m) = self.metrics
            && let Err(e) = m.shutdown()
        {
            eprintln!("telemetry: the last metrics could not be sent: {e}");
        }
    }
}

/// Where one signal goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Export {
    Off,
    Otlp(Protocol),
}

/// Reads the standard variables for `signal` (`TRACES` or `METRICS`): exported over OTLP
/// when `OTEL_EXPORTER_OTLP_ENDPOINT` (or the signal's own endpoint) is set, unless
/// `OTEL_SDK_DISABLED=true` or `OTEL_<signal>_EXPORTER=none`. The protocol is
/// `http/protobuf` (the default) or `http/json`.
fn export_of(signal: &str, var: &impl Fn(&str) -> Option<String>) -> anyhow::Result<Export> {
    let set = |k: &str| var(k).filter(|v| !v.trim().is_empty());
    if set("OTEL_SDK_DISABLED").is_some_and(|v| v.trim().eq_ignore_ascii_case("true")) {
        return Ok(Export::Off);
    }
    let exporter_var = format!("OTEL_{signal}_EXPORTER");
    match set(&exporter_var).as_deref().map(str::trim) {
        None | Some("otlp") => {}
        Some("none") => return Ok(Export::Off),
        Some(other) => {
            anyhow::bail!("{exporter_var}: `{other}` is not supported; use `otlp` or `none`")
        }
    }
    let endpoint_var = format!("OTEL_EXPORTER_OTLP_{signal}_ENDPOINT");
    if set(&endpoint_var).is_none() && set("OTEL_EXPORTER_OTLP_ENDPOINT").is_none() {
        return Ok(Export::Off);
    }
    let protocol_var = format!("OTEL_EXPORTER_OTLP_{signal}_PROTOCOL");
    let (name, value) = match set(&protocol_var) {
        Some(v) => (protocol_var.as_str(), Some(v)),
        None => (
            "OTEL_EXPORTER_OTLP_PROTOCOL",
            set("OTEL_EXPORTER_OTLP_PROTOCOL"),
        ),
    };
    match value.as_deref().map(str::trim) {
        None | Some("http/protobuf") => Ok(Export::Otlp(Protocol::HttpBinary)),
        Some("http/json") => Ok(Export::Otlp(Protocol::HttpJson)),
        Some("grpc") => anyhow::bail!(
            "{name}: grpc is not built in; use http/protobuf (a collector's port 4318)"
        ),
        Some(other) => {
            anyhow::bail!("{name}: `{other}` is not a protocol; use http/protobuf or http/json")
        }
    }
}

/// The resource every span and metric carries: `OTEL_RESOURCE_ATTRIBUTES` and
/// `OTEL_SERVICE_NAME` (default `momentum`), and the version.
fn resource() -> Resource {
    let detected = Resource::builder().build();
    let named = detected
        .get(&opentelemetry::Key::from_static_str("service.name"))
        // The SDK's default is `unknown_service` (with the executable's name after a colon).
        .is_some_and(|v| !v.as_str().starts_with("unknown_service"));
    let mut builder = Resource::builder().with_attribute(opentelemetry::KeyValue::new(
        "service.version",
        env!("CARGO_PKG_VERSION"),
    ));
    if !named {
        builder = builder.with_service_name("momentum");
    }
    builder.build()
}

/// The OpenTelemetry trace and span ids of the tracing span `id`, when it is exported.
fn otel_ids(id: &tracing::span::Id) -> Option<(String, String)> {
    use opentelemetry::trace::TraceContextExt as _;
    let context =
        tracing::dispatcher::get_default(|d| tracing_opentelemetry::get_otel_context(id, d))?;
    let span = context.span();
    let ids = span.span_context();
    ids.is_valid()
        .then(|| (ids.trace_id().to_string(), ids.span_id().to_string()))
}

/// Installs the global subscriber and, when configured, the OTLP exporters: `RUST_LOG`
/// filters the log (default `info`), `MOMENTUM_LOG_FORMAT` picks text or JSON lines, the
/// `OTEL_*` variables configure export. A second call in one process (tests build many
/// apps) keeps the first.
pub fn init(json: bool) -> anyhow::Result<Telemetry> {
    let var = |k: &str| std::env::var(k).ok();
    let traces = export_of("TRACES", &var)?;
    let metrics = export_of("METRICS", &var)?;

    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn,sea_orm_migration=warn"));
    let log = if json {
        let mut layer = json_subscriber::fmt::layer()
            .with_current_span(true)
            .with_span_list(false);
        let ids = layer.inner_layer_mut();
        ids.add_dynamic_field("trace_id", |event, ctx| {
            let span = ctx.event_span(event)?;
            otel_ids(&span.id()).map(|(trace, _)| trace)
        });
        ids.add_dynamic_field("span_id", |event, ctx| {
            let span = ctx.event_span(event)?;
            otel_ids(&span.id()).map(|(_, span)| span)
        });
        layer.with_filter(filter).boxed()
    } else {
        fmt::layer().with_target(false).with_filter(filter).boxed()
    };

    let mut installed = Telemetry::default();
    let otel = match traces {
        Export::Off => None,
        Export::Otlp(protocol) => {
            let exporter = opentelemetry_otlp::SpanExporter::builder()
                .with_http()
                .with_protocol(protocol)
                .build()
                .context("cannot build the OTLP span exporter (OTEL_EXPORTER_OTLP_*)")?;
            // The sampler comes from OTEL_TRACES_SAMPLER and _ARG (default: parent-based,
            // always on); batching from OTEL_BSP_*.
            let provider = SdkTracerProvider::builder()
                .with_batch_exporter(exporter)
                .with_resource(resource())
                .build();
            let tracer = provider.tracer_with_scope(momentum_core::telemetry::scope());
            installed.traces = Some(provider);
            let targets = EXPORTED.iter().fold(Targets::new(), |t, c| {
                t.with_target(*c, tracing::Level::INFO)
            });
            Some(
                tracing_opentelemetry::layer()
                    .with_tracer(tracer)
                    .with_location(false)
                    .with_threads(false)
                    .with_tracked_inactivity(false)
                    .with_filter(targets),
            )
        }
    };
    if let Export::Otlp(protocol) = metrics {
        let exporter = opentelemetry_otlp::MetricExporter::builder()
            .with_http()
            .with_protocol(protocol)
            .build()
            .context("cannot build the OTLP metric exporter (OTEL_EXPORTER_OTLP_*)")?;
        // The interval comes from OTEL_METRIC_EXPORT_INTERVAL (default 60 s).
        let provider = SdkMeterProvider::builder()
            .with_periodic_exporter(exporter)
            .with_resource(resource())
            .build();
        installed.metrics = Some(provider);
    }

    let result = tracing_subscriber::registry()
        .with(log)
        .with(otel)
        .try_init();
    if result.is_err() {
        // Already installed: keep the first, and do not export from this one.
        return Ok(Telemetry::default());
    }
    if let Some(provider) = &installed.traces {
        opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
        opentelemetry::global::set_tracer_provider(provider.clone());
        TRACING.store(true, Ordering::Relaxed);
    }
    if let Some(provider) = &installed.metrics {
        opentelemetry::global::set_meter_provider(provider.clone());
        momentum_core::telemetry::set_enabled(true);
    }
    Ok(installed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn export(signal: &str, vars: &[(&str, &str)]) -> anyhow::Result<Export> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        export_of(signal, &|k: &str| {
            vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn nothing_is_exported_without_an_endpoint() {
        assert_eq!(export("TRACES", &[]).ok(), Some(Export::Off));
        assert_eq!(
            export("TRACES", &[("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json")]).ok(),
            Some(Export::Off)
        );
    }

    #[test]
    fn an_endpoint_exports_protobuf_unless_told_otherwise() {
        let base = ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318");
        assert_eq!(
            export("METRICS", &[base]).ok(),
            Some(Export::Otlp(Protocol::HttpBinary))
        );
        assert_eq!(
            export(
                "TRACES",
                &[base, ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json")]
            )
            .ok(),
            Some(Export::Otlp(Protocol::HttpJson))
        );
        assert_eq!(
            export(
                "TRACES",
                &[
                    (
                        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                        "http://c:4318/v1/traces"
                    ),
                    ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"),
                    ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/protobuf"),
                ]
            )
            .ok(),
            Some(Export::Otlp(Protocol::HttpBinary))
        );
        assert_eq!(
            export("METRICS", &[base, ("OTEL_METRICS_EXPORTER", "none")]).ok(),
            Some(Export::Off)
        );
        assert_eq!(
            export("TRACES", &[base, ("OTEL_SDK_DISABLED", "true")]).ok(),
            Some(Export::Off)
        );
    }

    #[test]
    fn unsupported_settings_are_refused_by_name() {
        let base = ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318");
        let err = |vars: &[(&str, &str)]| {
            export("TRACES", vars)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        assert!(
            err(&[base, ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")])
                .contains("OTEL_EXPORTER_OTLP_PROTOCOL")
        );
        assert!(
            err(&[base, ("OTEL_EXPORTER_OTLP_PROTOCOL", "carrier-pigeon")])
                .contains("not a protocol")
        );
        assert!(err(&[base, ("OTEL_TRACES_EXPORTER", "zipkin")]).contains("OTEL_TRACES_EXPORTER"));
    }
}
