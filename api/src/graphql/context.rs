//! What resolvers take from the request context.

use async_graphql::Context;

use crate::{
    auth::{Principal, Viewer},
    error::{GqlResult, ServiceError},
    state::AppState,
};

/// The request id, as put on the response (`x-request-id`).
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// The shared application state.
pub fn state<'a>(ctx: &Context<'a>) -> GqlResult<&'a AppState> {
    ctx.data::<AppState>()
        .map_err(|_| ServiceError::Internal("schema built without state".to_owned()).into())
}

/// The request's principal (anonymous when no token was sent).
pub fn principal<'a>(ctx: &Context<'a>) -> &'a Principal {
    ctx.data::<Principal>().unwrap_or(&Principal::Anonymous)
}

/// The authenticated viewer, or `UNAUTHENTICATED`.
pub fn viewer<'a>(ctx: &Context<'a>) -> GqlResult<&'a Viewer> {
    Ok(principal(ctx).viewer()?)
}

/// The request id (for audit rows of anonymous operations).
pub fn request_id(ctx: &Context<'_>) -> String {
    ctx.data::<RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default()
}
