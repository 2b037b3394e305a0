//! `POST /graphql`: only `application/json` bodies execute (CSRF: no simple requests),
//! bodies are capped while streaming (actix's own limits do not bound this path), batches
//! are refused, the token becomes a principal, and every error carries the request id.
//! Nothing executes over GET.

use actix_web::{
    HttpMessage as _, HttpRequest, HttpResponse,
    http::{StatusCode, header},
    web,
};
use async_graphql::http::GraphiQLSource;
use futures_util::StreamExt as _;

use crate::{
    auth::viewer::authenticate,
    error::{ErrorCode, ServiceError},
    graphql::{context::RequestId, index::SchemaIndex},
    schema::{
        AppSchema,
        execute::{Outcome, execute_as},
    },
    state::AppState,
};

const JSON: &str = "application/json";
const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

/// The request id the middleware gave this request.
pub(crate) fn request_id(req: &HttpRequest) -> String {
    req.extensions()
        .get::<RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default()
}

/// A GraphQL-shaped error response for failures before execution.
fn refuse(status: StatusCode, code: ErrorCode, message: &str, request_id: &str) -> HttpResponse {
    let body = serde_json::json!({
        "errors": [{
            "message": message,
            "extensions": { "code": code.as_str(), "requestId": request_id },
        }]
    });
    let mut res = HttpResponse::build(status);
    res.content_type(JSON);
    if status == StatusCode::UNAUTHORIZED {
        res.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
    }
    if status == StatusCode::SERVICE_UNAVAILABLE {
        res.insert_header((header::RETRY_AFTER, RETRY_AFTER_SECONDS));
    }
    res.body(body.to_string())
}

/// `Retry-After` of a 503: the database was unreachable for the configured wait.
const RETRY_AFTER_SECONDS: &str = "2";

/// The response media type, negotiated from `Accept` (GraphQL over HTTP).
fn negotiate(req: &HttpRequest) -> &'static str {
    let Some(accept) = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
    else {
        return JSON;
    };
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let refused = parts.any(|p| {
            p.trim()
                .strip_prefix("q=")
                .and_then(|q| q.parse::<f32>().ok())
                .is_some_and(|q| q == 0.0)
        });
        if refused {
            continue;
        }
        match media.as_str() {
            GRAPHQL_RESPONSE => return GRAPHQL_RESPONSE,
            JSON | "application/*" | "*/*" => return JSON,
            _ => {}
        }
    }
    JSON
}

/// Whether a `Content-Type` is `application/json` with no charset or with `charset=utf-8`
/// (JSON is UTF-8; a body declared in another charset is refused, not guessed at).
fn is_json_utf8(content_type: Option<&str>) -> bool {
    let Some(value) = content_type else {
        return false;
    };
    let mut parts = value.split(';');
    if !parts
        .next()
        .unwrap_or_default()
        .trim()
        .eq_ignore_ascii_case(JSON)
    {
        return false;
    }
    parts.all(|param| {
        let Some((name, value)) = param.split_once('=') else {
            return param.trim().is_empty();
        };
        let value = value.trim().trim_matches('"');
        !name.trim().eq_ignore_ascii_case("charset")
            || value.eq_ignore_ascii_case("utf-8")
            || value.eq_ignore_ascii_case("utf8")
    })
}

/// `POST /graphql`.
pub async fn execute(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    schema: web::Data<AppSchema>,
    index: web::Data<SchemaIndex>,
) -> HttpResponse {
    let request_id = request_id(&req);
    // The server span (telemetry::http) is current: its log lines carry the id.
    tracing::Span::current().record("momentum.request_id", request_id.as_str());
    run(req, payload, state, schema, index, request_id).await
}

async fn run(
    req: HttpRequest,
    mut payload: web::Payload,
    state: web::Data<AppState>,
    schema: web::Data<AppSchema>,
    index: web::Data<SchemaIndex>,
    request_id: String,
) -> HttpResponse {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    if !is_json_utf8(content_type) {
        return refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::BadUserInput,
            "send the request as application/json (UTF-8)",
            &request_id,
        );
    }

    let limit = state.config.max_body_bytes;
    let too_large = || {
        refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::BadUserInput,
            &format!("the request body exceeds {limit} bytes"),
            &request_id,
        )
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return too_large();
    }
    let mut body = web::BytesMut::with_capacity(declared.unwrap_or(1024).min(limit));
    while let Some(chunk) = payload.next().await {
        let Ok(chunk) = chunk else {
            return refuse(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadUserInput,
                "the request body could not be read",
                &request_id,
            );
        };
        if body.len() + chunk.len() > limit {
            return too_large();
        }
        body.extend_from_slice(&chunk);
    }

    if body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        return refuse(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadUserInput,
            "batched requests are not supported; send one operation per request",
            &request_id,
        );
    }
    let gql_request: async_graphql::Request = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(_) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadUserInput,
                "the body must be a JSON object with a `query` string",
                &request_id,
            );
        }
    };

    let authorization = req
        .headers()
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or("invalid").to_owned());
    let media = negotiate(&req);
    let reply = {
        let (main, schema, index, id) = (
            state.clone(),
            schema.clone(),
            index.clone(),
            request_id.clone(),
        );
        state
            .on_main(async move {
                answer(
                    &main,
                    &schema,
                    &index,
                    authorization.as_deref(),
                    gql_request,
                    &id,
                    media,
                )
                .await
            })
            .await
    };
    match reply {
        Ok(Reply::Refused {
            status,
            code,
            message,
        }) => refuse(status, code, &message, &request_id),
        Ok(Reply::Answer {
            status,
            outage,
            bytes,
        }) => {
            let mut res = HttpResponse::build(status);
            if outage {
                res.insert_header((header::RETRY_AFTER, RETRY_AFTER_SECONDS));
            }
            res.content_type(media).body(bytes)
        }
        Err(e) => {
            tracing::error!(error = %e, "the request's task failed");
            refuse(
                StatusCode::INTERNAL_SERVER_ERROR,
                ErrorCode::InternalServerError,
                "internal error",
                &request_id,
            )
        }
    }
}

/// What the main runtime's half of a request comes to; the worker makes it a response.
enum Reply {
    Refused {
        status: StatusCode,
        code: ErrorCode,
        message: String,
    },
    Answer {
        status: StatusCode,
        outage: bool,
        bytes: Vec<u8>,
    },
}

impl Reply {
    fn refused(status: StatusCode, code: ErrorCode, message: &str) -> Self {
        Self::Refused {
            status,
            code,
            message: message.to_owned(),
        }
    }

    fn unavailable() -> Self {
        Self::refused(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::ServiceUnavailable,
            crate::error::UNAVAILABLE_MESSAGE,
        )
    }

    fn internal() -> Self {
        Self::refused(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::InternalServerError,
            "internal error",
        )
    }
}

/// Authenticates and runs the operation, on the main runtime (where every database
/// connection is opened), and serialises the answer.
async fn answer(
    state: &AppState,
    schema: &AppSchema,
    index: &SchemaIndex,
    authorization: Option<&str>,
    gql_request: async_graphql::Request,
    request_id: &str,
    media: &'static str,
) -> Reply {
    let principal = match authenticate(&state.db, &state.tokens, authorization, request_id).await {
        Ok(p) => p,
        Err(ServiceError::Unauthenticated) => {
            return Reply::refused(
                StatusCode::UNAUTHORIZED,
                ErrorCode::Unauthenticated,
                "the access token is invalid, expired or revoked",
            );
        }
        Err(e) if e.code() == ErrorCode::ServiceUnavailable => {
            tracing::warn!(error = %e, "authentication: database unavailable");
            return Reply::unavailable();
        }
        Err(e) => {
            tracing::error!(error = %e, "authentication failed");
            return Reply::internal();
        }
    };

    let outcome = execute_as(schema, state, index, principal, gql_request, request_id).await;
    let response = match outcome {
        Outcome::Answered(response) => response,
        Outcome::AuditUnwritten(e) if crate::error::unavailable(&e) => {
            tracing::warn!(error = %e, "audit rows: database unavailable");
            return Reply::unavailable();
        }
        Outcome::AuditUnwritten(e) => {
            tracing::error!(error = %e, "could not write the request's audit rows");
            return Reply::internal();
        }
        Outcome::TimedOut => {
            let deadline = state.config.request_timeout;
            tracing::warn!(
                timeout_ms = deadline.as_millis(),
                "graphql request stopped at its deadline"
            );
            return Reply::refused(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::LimitExceeded,
                &format!(
                    "the request ran longer than {} ms and was stopped; ask for less (smaller pages, fewer fields, a shorter range)",
                    deadline.as_millis()
                ),
            );
        }
    };
    if !response.errors.is_empty() {
        let codes: Vec<String> = response
            .errors
            .iter()
            .filter_map(|e| e.extensions.as_ref()?.get("code").map(|c| c.to_string()))
            .collect();
        tracing::info!(errors = ?codes, "graphql request finished with errors");
    }

    // An outage is 503 with `Retry-After`, whichever layer met it, so clients and load
    // balancers retry; the body still says which fields failed.
    let outage = response.errors.iter().any(|e| {
        e.extensions
            .as_ref()
            .and_then(|x| x.get("code"))
            .is_some_and(|c| {
                *c == async_graphql::Value::from(ErrorCode::ServiceUnavailable.as_str())
            })
    });
    let status = if outage {
        StatusCode::SERVICE_UNAVAILABLE
    } else if media == GRAPHQL_RESPONSE && response.data == async_graphql::Value::Null {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let cap = state.config.max_response_bytes;
    match serde_json::to_vec(&response) {
        Ok(bytes) if bytes.len() > cap => {
            tracing::warn!(
                bytes = bytes.len(),
                cap,
                "graphql answer over the response cap"
            );
            Reply::refused(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::LimitExceeded,
                &format!(
                    "the answer would be {} bytes, over the limit of {cap}; ask for less (smaller pages, fewer fields)",
                    bytes.len()
                ),
            )
        }
        Ok(bytes) => Reply::Answer {
            status,
            outage,
            bytes,
        },
        Err(e) => {
            tracing::error!(error = %e, "serialising the response failed");
            Reply::internal()
        }
    }
}

/// `GET /graphql`: GraphiQL when enabled; never executes an operation.
pub async fn graphiql(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    if state.config.graphiql {
        return HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(GraphiQLSource::build().endpoint("/graphql").finish());
    }
    let mut res = refuse(
        StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::BadUserInput,
        "use POST with application/json",
        &request_id(&req),
    );
    res.headers_mut()
        .insert(header::ALLOW, header::HeaderValue::from_static("POST"));
    res
}
