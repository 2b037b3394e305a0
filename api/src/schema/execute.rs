//! One GraphQL operation run as a principal, whatever carried it: the request's loaders and
//! audit trail, the document limits and input rules, the deadline, the audit flush before
//! the answer leaves, and the codes every error carries. `POST /graphql` runs requests
//! through this; so can a test or a tool, in process, without HTTP.

use std::sync::Arc;

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

/// Runs `request` as `principal` on `schema`.
pub async fn execute_as(
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
