//! `GET /graphql/ws`: GraphQL subscriptions over WebSocket, in the `graphql-transport-ws`
//! protocol and the legacy `graphql-ws` one (chosen by `Sec-WebSocket-Protocol`).
//!
//! The token travels in `connection_init` (`{"authorization": "Bearer …"}`). A missing or
//! bad token closes the socket with 4401; one that stops being valid later (the user is
//! disabled, the credential revoked) with 4403. The socket is closed with 4401 when the
//! token expires: async-graphql never does that by itself (docs/architecture.md, "Security"), so this pump
//! watches the clock and re-checks the principal every [`RECHECK_EVERY`].

use std::{
    str::FromStr as _,
    sync::{Arc, Mutex},
    time::Duration,
};

use actix_web::{
    HttpRequest, HttpResponse,
    http::header::{self, HeaderValue},
    web,
};
use actix_ws::{CloseCode, CloseReason, Message, MessageStream, Session};
use async_graphql::{
    Data,
    http::{WebSocket, WebSocketProtocols as Protocols, WsMessage},
};
use futures_util::StreamExt as _;
use tracing::Instrument as _;

use crate::{
    auth::{Principal, viewer::authenticate},
    graphql::{context::RequestId, loaders},
    schema::{AppSchema, SocketSchema},
    state::AppState,
};

/// Unauthenticated: no valid token (also when it expires).
pub const CLOSE_UNAUTHENTICATED: u16 = 4401;
/// Forbidden: the principal lost access while connected.
pub const CLOSE_FORBIDDEN: u16 = 4403;
/// Going away: the server is shutting down (reconnect to another replica, with `after`).
pub const CLOSE_GOING_AWAY: u16 = 1001;
/// `connection_init` did not come in time.
pub const CLOSE_INIT_TIMEOUT: u16 = 4408;
/// How long a client has to send `connection_init`.
pub const INIT_TIMEOUT: Duration = Duration::from_secs(10);
/// How often a connected principal is checked against the database again.
pub const RECHECK_EVERY: Duration = Duration::from_secs(30);
/// The largest message a client may send.
const MAX_FRAME: usize = 64 * 1024;

/// What `connection_init` established.
#[derive(Clone)]
enum Init {
    Pending,
    Accepted {
        authorization: String,
        expires_at: i64,
    },
    Refused,
}

/// Upgrades to a WebSocket speaking the protocol the client asked for.
pub async fn subscriptions(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
    schema: web::Data<SocketSchema>,
) -> Result<HttpResponse, actix_web::Error> {
    let protocol = req
        .headers()
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|h| h.to_str().ok())
        .and_then(|p| {
            p.split(',')
                .find_map(|p| Protocols::from_str(p.trim()).ok())
        });
    let Some(protocol) = protocol else {
        return Ok(HttpResponse::BadRequest()
            .content_type("text/plain")
            .body("ask for the graphql-transport-ws (or legacy graphql-ws) subprotocol"));
    };
    let (mut res, session, stream) = actix_ws::handle(&req, body)?;
    res.headers_mut().insert(
        header::SEC_WEBSOCKET_PROTOCOL,
        HeaderValue::from_static(protocol.sec_websocket_protocol()),
    );
    let stream = stream.max_frame_size(MAX_FRAME);
    let request_id = super::graphql::request_id(&req);
    actix_web::rt::spawn(pump(
        session,
        stream,
        protocol,
        state.get_ref().clone(),
        schema.get_ref().0.clone(),
        request_id,
    ));
    Ok(res)
}

/// The bearer token of a `connection_init` payload, as an `Authorization` header value.
fn authorization(payload: &serde_json::Value) -> Option<String> {
    let raw = ["authorization", "Authorization"]
        .iter()
        .find_map(|k| payload.get(*k))
        .and_then(|v| v.as_str())?
        .trim();
    Some(
        if raw.starts_with("Bearer ") || raw.starts_with("bearer ") {
            raw.to_owned()
        } else {
            format!("Bearer {raw}")
        },
    )
}

/// Aborts a task when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

async fn close(session: Session, code: u16, why: &str) {
    let reason = CloseReason {
        code: CloseCode::Other(code),
        description: Some(why.to_owned()),
    };
    session.close(Some(reason)).await.ok();
}

async fn pump(
    mut session: Session,
    mut incoming: MessageStream,
    protocol: Protocols,
    state: AppState,
    schema: AppSchema,
    request_id: String,
) {
    let init = Arc::new(Mutex::new(Init::Pending));
    let on_init = {
        let (state, init, request_id) = (state.clone(), init.clone(), request_id.clone());
        move |payload: serde_json::Value| async move {
            let refuse = || {
                if let Ok(mut i) = init.lock() {
                    *i = Init::Refused;
                }
                async_graphql::Error::new("a valid access token is required")
            };
            let header = authorization(&payload).ok_or_else(refuse)?;
            let token = header[7..].trim();
            let claims = state.tokens.verify(token).ok_or_else(refuse)?;
            let principal = authenticate(&state.db, &state.tokens, Some(&header), &request_id)
                .await
                .map_err(|_| refuse())?;
            if matches!(principal, Principal::Anonymous) {
                return Err(refuse());
            }
            let mut data = Data::default();
            loaders::fill(&mut data, &state, &principal);
            data.insert(principal);
            data.insert(RequestId(request_id.clone()));
            if let Ok(mut i) = init.lock() {
                *i = Init::Accepted {
                    authorization: header,
                    expires_at: claims.exp,
                };
            }
            Ok(data)
        }
    };
    let (to_graphql, from_client) = tokio::sync::mpsc::unbounded_channel::<String>();
    let from_client = futures_util::stream::unfold(from_client, |mut rx| async move {
        rx.recv().await.map(|text| (text, rx))
    });
    let mut protocol_side = WebSocket::new(schema, Box::pin(from_client), protocol)
        .on_connection_init(on_init)
        .keepalive_timeout(None);
    // The protocol (and every resolver and database read of the subscriptions) runs on the
    // main runtime, where connections outlive this worker (see `AppState::on_main`); its
    // messages come back here to be written to the socket.
    let (to_socket, mut graphql) = tokio::sync::mpsc::channel::<WsMessage>(16);
    let protocol_task = state.runtime.spawn(
        async move {
            while let Some(message) = protocol_side.next().await {
                if to_socket.send(message).await.is_err() {
                    return;
                }
            }
        }
        .instrument(tracing::Span::current()),
    );
    // Stops the protocol task whichever way this function returns.
    let _protocol_task = AbortOnDrop(protocol_task);
    let current = |init: &Arc<Mutex<Init>>| init.lock().map(|i| i.clone()).unwrap_or(Init::Refused);

    let init_deadline = tokio::time::sleep(INIT_TIMEOUT);
    tokio::pin!(init_deadline);
    let far = Duration::from_secs(100 * 365 * 24 * 3600);
    let expiry = tokio::time::sleep(far);
    tokio::pin!(expiry);
    let mut expiry_set = false;
    let mut recheck = tokio::time::interval(RECHECK_EVERY);
    recheck.tick().await;
    let mut shutdown = state.shutdown.clone();
    if *shutdown.borrow_and_update() {
        close(session, CLOSE_GOING_AWAY, "server shutting down").await;
        return;
    }

    loop {
        tokio::select! {
            msg = incoming.next() => match msg {
                Some(Ok(Message::Text(text))) => {
                    if to_graphql.send(text.to_string()).is_err() {
                        break;
                    }
                }
                Some(Ok(Message::Ping(bytes))) => {
                    if session.pong(&bytes).await.is_err() {
                        return;
                    }
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => {}
            },
            out = graphql.recv() => {
                let state_now = current(&init);
                match out {
                    Some(WsMessage::Text(text)) => {
                        if session.text(text).await.is_err() {
                            return;
                        }
                        if let Init::Refused = state_now {
                            // The legacy protocol answers with connection_error; close after it.
                            close(session, CLOSE_UNAUTHENTICATED, "unauthenticated").await;
                            return;
                        }
                    }
                    Some(WsMessage::Close(code, reason)) => {
                        let code = if matches!(state_now, Init::Refused) {
                            CLOSE_UNAUTHENTICATED
                        } else {
                            code
                        };
                        close(session, code, &reason).await;
                        return;
                    }
                    None => {
                        session.close(None).await.ok();
                        return;
                    }
                }
                if !expiry_set && let Init::Accepted { expires_at, .. } = state_now {
                    let left = expires_at - chrono::Utc::now().timestamp();
                    let left = Duration::from_secs(u64::try_from(left).unwrap_or(0));
                    expiry.as_mut().reset(tokio::time::Instant::now() + left);
                    expiry_set = true;
                }
            },
            () = &mut init_deadline, if matches!(current(&init), Init::Pending) => {
                close(session, CLOSE_INIT_TIMEOUT, "connection initialisation timeout").await;
                return;
            },
            () = &mut expiry => {
                close(session, CLOSE_UNAUTHENTICATED, "token expired").await;
                return;
            },
            _ = shutdown.changed() => {
                close(session, CLOSE_GOING_AWAY, "server shutting down").await;
                return;
            },
            _ = recheck.tick() => {
                if let Init::Accepted { authorization, .. } = current(&init) {
                    let (main, id) = (state.clone(), request_id.clone());
                    let still = state
                        .on_main(async move {
                            authenticate(&main.db, &main.tokens, Some(&authorization), &id).await
                        })
                        .await;
                    if !matches!(still, Ok(Ok(Principal::Viewer(_)))) {
                        close(session, CLOSE_FORBIDDEN, "access revoked").await;
                        return;
                    }
                }
            },
        }
    }
    session.close(None).await.ok();
}
