//! One GraphQL operation run as a principal, whatever carried it: the request's loaders and
//! audit trail, the document limits and input rules, the deadline, the audit flush before
//! the answer leaves, and the codes every error carries. `POST /graphql` runs requests
//! through this; so can a test or a tool, in process, without HTTP.

use std::sync::Arc;

use opentelemetry::KeyValue;
use tracing::Instrument as _;

use crate::{
    audit::Trail,
    auth::Principal,
    error::ErrorCode,
    graphql::{context::RequestId, index::SchemaIndex, loaders},
    schema::{AppSchema, build_schema},
    state::AppState,
};

/// The schema, the state and the schema's index: what running an operation needs.
#[derive(Clone)]
pub struct Executor {
    pub schema: AppSchema,
    pub state: AppState,
    pub index: Arc<SchemaIndex>,
}

/// How an operation ended.
pub enum Outcome {
    /// An answer (with data, errors or both), every error carrying a code and the request id.
    Answered(async_graphql::Response),
    /// The operation ran past `MOMENTUM_REQUEST_TIMEOUT_MS` and was dropped (its open
    /// transaction rolled back).
    TimedOut,
    /// The reads' audit rows could not be written, so no data may leave.
    AuditUnwritten(sea_orm::DbErr),
}

impl Executor {
    /// An executor over `state` with the schema `state.config` describes.
    pub fn new(state: AppState) -> Self {
        let schema = build_schema(&state.config, Some(state.clone()));
        let index = Arc::new(SchemaIndex::of(&schema.sdl()));
        Self {
            schema,
            state,
            index,
        }
    }

    /// Runs `request` as `principal`.
    pub async fn execute(
        &self,
        principal: Principal,
        request: async_graphql::Request,
        request_id: &str,
    ) -> Outcome {
        execute_as(
            &self.schema,
            &self.state,
            &self.index,
            principal,
            request,
            request_id,
        )
        .await
    }
}

/// Runs `request` as `principal` on `schema`, in a span named by the operation (its type
/// and name, never its text or variables), counting its SQL statements.
pub async fn execute_as(
    schema: &AppSchema,
    state: &AppState,
    index: &SchemaIndex,
    principal: Principal,
    mut request: async_graphql::Request,
    request_id: &str,
) -> Outcome {
    let started = std::time::Instant::now();
    let (kind, name) = operation_of(&mut request);
    let span = tracing::info_span!(
        "graphql.operation",
        otel.name = match name { Some(n) => format!("{kind} {n}"), None => kind.to_owned() },
        graphql.operation.type = kind,
        graphql.operation.name = name.unwrap_or_default(),
        momentum.request_id = %request_id,
        momentum.outcome = tracing::field::Empty,
        otel.status_code = tracing::field::Empty,
    );
    let statements = crate::telemetry::sql::Counter::default();
    let outcome = statements
        .scope(crate::graphql::loaders::Gated::request(
            run(schema, state, index, principal, request, request_id).instrument(span.clone()),
        ))
        .await;
    let code = match &outcome {
        Outcome::Answered(r) => r
            .errors
            .first()
            .and_then(|e| e.extensions.as_ref()?.get("code"))
            .and_then(|c| match c {
                async_graphql::Value::String(s) => Some(s.clone()),
                _ => None,
            })
            .unwrap_or_else(|| "OK".to_owned()),
        Outcome::TimedOut => ErrorCode::LimitExceeded.as_str().to_owned(),
        Outcome::AuditUnwritten(e) if crate::error::unavailable(e) => {
            ErrorCode::ServiceUnavailable.as_str().to_owned()
        }
        Outcome::AuditUnwritten(_) => ErrorCode::InternalServerError.as_str().to_owned(),
    };
    span.record("momentum.outcome", code.as_str());
    if code != "OK" {
        span.record("otel.status_code", "ERROR");
    }
    let metrics = crate::telemetry::metrics();
    let mut attributes = vec![
        KeyValue::new("graphql.operation.type", kind),
        KeyValue::new("momentum.outcome", code),
    ];
    if let Some(n) = name {
        attributes.push(KeyValue::new("graphql.operation.name", n));
    }
    metrics
        .operation_duration
        .record(started.elapsed().as_secs_f64(), &attributes);
    metrics
        .operation_statements
        .record(statements.get(), &attributes[..1]);
    outcome
}

/// The type (`query`, `mutation`, `subscription`) and name of the operation `request`
/// selects, from its parsed document (parsed once; execution reuses it). A document that
/// does not parse, or names no operation it has, is a `query` with no name.
fn operation_of(request: &mut async_graphql::Request) -> (&'static str, Option<&'static str>) {
    use async_graphql::parser::types::{DocumentOperations, OperationType};
    let wanted = request.operation_name.clone();
    let Ok(doc) = request.parsed_query() else {
        return ("query", None);
    };
    let (op, name) = match (&doc.operations, wanted.as_deref()) {
        (DocumentOperations::Single(op), None) => (op, None),
        (DocumentOperations::Multiple(ops), Some(w)) => match ops.get_key_value(w) {
            Some((n, op)) => (op, Some(n.as_str())),
            None => return ("query", None),
        },
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => match ops.iter().next() {
            Some((n, op)) => (op, Some(n.as_str())),
            None => return ("query", None),
        },
        _ => return ("query", None),
    };
    let kind = match op.node.ty {
        OperationType::Query => "query",
        OperationType::Mutation => "mutation",
        OperationType::Subscription => "subscription",
    };
    (kind, name.map(crate::telemetry::operation_label))
}

async fn run(
    schema: &AppSchema,
    state: &AppState,
    index: &SchemaIndex,
    principal: Principal,
    request: async_graphql::Request,
    request_id: &str,
) -> Outcome {
    // The reads' audit rows are kept for one statement at the end of the request.
    let trail = Trail::buffered();
    let principal = principal.with_audit(trail.clone());
    let mut request = loaders::attach(
        request
            .data(principal.clone())
            .data(RequestId(request_id.to_owned())),
        state,
        &principal,
    );
    let limits = crate::graphql::document_limits(&state.config);
    // Parsed once here for the alias and field caps and the input rules; execution reuses
    // the parse. A document that does not parse is left to execution, which reports it.
    let operation = request.operation_name.clone();
    let variables = std::mem::take(&mut request.variables);
    let refused = request.parsed_query().ok().and_then(|doc| {
        crate::graphql::limits::check_document(doc, limits, index, operation.as_deref(), &variables)
            .err()
    });
    request.variables = variables;
    let deadline = state.config.request_timeout;
    let executed = match refused {
        Some(e) => Some(async_graphql::Response::from_errors(vec![e])),
        // Past the deadline the execution is dropped: its open transaction rolls back.
        None => tokio::time::timeout(deadline, schema.execute(request))
            .await
            .ok(),
    };
    // No data leaves without its audit rows in the database.
    if let Err(e) = trail.flush(&state.db).await {
        return Outcome::AuditUnwritten(e);
    }
    let Some(mut response) = executed else {
        return Outcome::TimedOut;
    };
    for error in &mut response.errors {
        let ext = error.extensions.get_or_insert_with(Default::default);
        if ext.get("code").is_none() {
            // Parse, validation, limit and input-coercion errors from async-graphql itself.
            ext.set("code", ErrorCode::BadUserInput.as_str());
        }
        ext.set("requestId", request_id);
    }
    Outcome::Answered(response)
}
