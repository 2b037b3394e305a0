//! The server span of every HTTP request and its duration metric. The span continues the
//! caller's trace when the request carries a W3C `traceparent`. It records the method, the
//! route (the matched pattern, never the query string, which could carry a document), the
//! status and the request id.

use std::time::Instant;

use actix_web::{
    Error,
    dev::{Service, ServiceRequest, ServiceResponse},
};
use opentelemetry::{KeyValue, propagation::Extractor};
use tracing::Instrument as _;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

struct Headers<'a>(&'a actix_web::http::header::HeaderMap);

impl Extractor for Headers<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(|k| k.as_str()).collect()
    }
}

/// Middleware body for `App::wrap_fn` (outside the request-id middleware, so the id is
/// known when the span is made).
pub fn middleware<S, B>(
    req: ServiceRequest,
    srv: &S,
) -> impl Future<Output = Result<ServiceResponse<B>, Error>> + use<S, B>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
{
    let started = Instant::now();
    let method = req.method().as_str().to_owned();
    let route = req
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let span = tracing::info_span!(
        "http.request",
        otel.name = format!("{method} {route}"),
        otel.kind = "server",
        otel.status_code = tracing::field::Empty,
        http.request.method = %method,
        http.route = %route,
        url.scheme = req.connection_info().scheme().to_owned(),
        http.response.status_code = tracing::field::Empty,
        momentum.request_id = tracing::field::Empty,
    );
    if super::tracing_on() {
        let parent =
            opentelemetry::global::get_text_map_propagator(|p| p.extract(&Headers(req.headers())));
        // Without a traceparent the context is empty and the span starts a trace.
        let _ = span.set_parent(parent);
    }
    let fut = srv.call(req);
    async move {
        let result = fut.instrument(span.clone()).await;
        let status = match &result {
            Ok(res) => res.status().as_u16(),
            Err(e) => e.as_response_error().status_code().as_u16(),
        };
        if let Ok(res) = &result
            && let Some(id) = res
                .headers()
                .get(crate::http::request_id::HEADER)
                .and_then(|v| v.to_str().ok())
        {
            span.record("momentum.request_id", id);
        }
        span.record("http.response.status_code", status);
        if status >= 500 {
            span.record("otel.status_code", "ERROR");
        }
        super::metrics().http_duration.record(
            started.elapsed().as_secs_f64(),
            &[
                KeyValue::new("http.request.method", method),
                KeyValue::new("http.route", route),
                KeyValue::new("http.response.status_code", i64::from(status)),
            ],
        );
        result
    }
}
