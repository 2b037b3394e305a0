//! What the tests that run the real `momentum` binary share: a free port, a database of the
//! test's own (a SQLite file, or a PostgreSQL database when `MOMENTUM_TEST_DATABASE_URL` is
//! set), and a server process that is killed when dropped.
#![allow(dead_code)]
// Test and benchmark set-up: a failure here should stop the run at once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{
    net::TcpListener,
    process::{Child, Command},
    time::{Duration, Instant},
};

use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest as _};

use sea_orm::{ConnectionTrait as _, Database};
use uuid::Uuid;

/// A port nothing listens on now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The test's database: a SQLite file or a PostgreSQL database, removed by [`Self::drop_it`].
pub enum TestDb {
    Sqlite(std::path::PathBuf),
    Postgres { admin_url: String, name: String },
}

impl TestDb {
    /// A fresh database and its URL.
    pub async fn create() -> (Self, String) {
        let name = format!("momentum_test_{}", Uuid::new_v4().simple());
        match std::env::var("MOMENTUM_TEST_DATABASE_URL") {
            Ok(admin_url) if !admin_url.is_empty() => {
                let admin = Database::connect(&admin_url).await.unwrap();
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .unwrap();
                let url = momentum_api::db::url_with_database(&admin_url, &name);
                (Self::Postgres { admin_url, name }, url)
            }
            _ => {
                let dir = std::env::temp_dir().join("momentum-tests");
                std::fs::create_dir_all(&dir).unwrap();
                let path = dir.join(format!("{name}.db"));
                let url = format!("sqlite://{}?mode=rwc", path.display());
                (Self::Sqlite(path), url)
            }
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Self::Postgres { .. })
    }

    /// Removes the database (the server processes must be gone).
    pub async fn drop_it(self) {
        match self {
            Self::Sqlite(path) => {
                for suffix in ["", "-wal", "-shm", ".jwt-secret", ".data-key"] {
                    let mut p = path.clone().into_os_string();
                    p.push(suffix);
                    std::fs::remove_file(p).ok();
                }
            }
            Self::Postgres { admin_url, name } => {
                if let Ok(admin) = Database::connect(&admin_url).await {
                    admin
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await
                        .ok();
                }
            }
        }
    }
}

/// The data key (32 bytes, base64) of every server the tests and benchmarks start.
pub const DATA_KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

/// The `momentum` binary on `url`, signing with `secret`, with [`DATA_KEY`] and warnings
/// logged (callers may set `RUST_LOG` again).
pub fn momentum(url: &str, secret: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_momentum"));
    cmd.env("MOMENTUM_DATABASE_URL", url)
        .env("MOMENTUM_JWT_SECRET", secret)
        .env("MOMENTUM_DATA_KEY", DATA_KEY)
        .env("RUST_LOG", "warn");
    cmd
}

/// `momentum serve` on `127.0.0.1:port` (see [`momentum`]); the caller adds its own settings
/// and spawns it.
pub fn serve_command(url: &str, secret: &str, port: u16) -> Command {
    let mut cmd = momentum(url, secret);
    cmd.arg("serve")
        .env("MOMENTUM_BIND", format!("127.0.0.1:{port}"));
    cmd
}

/// A server process, killed when dropped (also when the test fails).
pub struct Server(pub Child);

impl Drop for Server {
    fn drop(&mut self) {
        self.0.kill().ok();
        self.0.wait().ok();
    }
}

/// Waits until the `server` process answers `/readyz` on `port` (at most a minute). Fails at
/// once if the process has exited (a port taken between `free_port` and its bind), instead of
/// talking to whatever else listens there.
pub async fn server_ready(http: &reqwest::Client, server: &mut Server, port: u16) {
    wait_ready(http, Some(server), port).await;
}

/// Waits until something answers `/readyz` on `port` (at most a minute): a load balancer, or
/// a server started elsewhere (use [`server_ready`] for a process of the test's own).
pub async fn ready(http: &reqwest::Client, port: u16) {
    wait_ready(http, None, port).await;
}

/// Polls `/readyz` on `port` for a minute; fails at once when `server` has exited.
async fn wait_ready(http: &reqwest::Client, mut server: Option<&mut Server>, port: u16) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(server) = server.as_deref_mut()
            && let Ok(Some(status)) = server.0.try_wait()
        {
            panic!(
                "the server for port {port} exited before it was ready ({status}); was the port taken?"
            );
        }
        if let Ok(res) = http
            .get(format!("http://127.0.0.1:{port}/readyz"))
            .send()
            .await
            && res.status().is_success()
        {
            return;
        }
        assert!(Instant::now() < deadline, "nothing ready on {port}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub async fn gql(
    http: &reqwest::Client,
    port: u16,
    token: Option<&str>,
    query: &str,
    vars: Value,
) -> Value {
    let mut req = http
        .post(format!("http://127.0.0.1:{port}/graphql"))
        .json(&json!({ "query": query, "variables": vars }));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    let text = res.text().await.unwrap();
    let body: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{status}: not JSON ({e}): {text}"));
    assert!(
        status.is_success() && body.get("errors").is_none(),
        "{status}: {body}"
    );
    body
}

/// A subscription to `progressEvents` from now, through `port`.
pub async fn subscribe(
    http: &reqwest::Client,
    port: u16,
    token: &str,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    let now = gql(http, port, Some(token), "{ progressCursor }", json!({})).await;
    let mut req = format!("ws://127.0.0.1:{port}/graphql/ws")
        .into_client_request()
        .unwrap();
    req.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    let send = |v: Value| Message::Text(v.to_string().into());
    ws.send(send(json!({ "type": "connection_init",
        "payload": { "authorization": format!("Bearer {token}") } })))
        .await
        .unwrap();
    let ack = ws.next().await.unwrap().unwrap();
    assert!(ack.to_text().unwrap().contains("connection_ack"), "{ack}");
    ws.send(send(json!({ "id": "1", "type": "subscribe", "payload": {
        "query": "subscription($after: String) { progressEvents(after: $after) { kind clientId entityId } }",
        "variables": { "after": now["data"]["progressCursor"] } } })))
        .await
        .unwrap();
    ws
}

/// An access token signed with `secret` for `user` of `practice`, in `role` (and, for a
/// client login, as `client`).
pub fn token(
    secret: &str,
    practice: uuid::Uuid,
    user: uuid::Uuid,
    role: momentum_api::auth::Role,
    client: Option<uuid::Uuid>,
) -> String {
    use momentum_api::{
        auth::tokens::{Subject, TokenKeys},
        config::Config,
    };
    TokenKeys::new(
        &secrecy::SecretString::from(secret),
        &Config::default().token_settings(),
    )
    .issue(&Subject {
        id: user,
        role,
        practice_id: practice,
        client_id: client,
        scopes: Vec::new(),
    })
    .unwrap()
    .token
}

/// The id of `client`'s MOOD tracker (every seeded client has one).
pub async fn mood_tracker(http: &reqwest::Client, port: u16, token: &str, client: Uuid) -> String {
    let trackers = gql(
        http,
        port,
        Some(token),
        "query($id: ID!) { client(id: $id) { trackers { id kind } } }",
        json!({ "id": client }),
    )
    .await;
    trackers["data"]["client"]["trackers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["kind"] == "MOOD")
        .expect("a MOOD tracker")["id"]
        .as_str()
        .unwrap()
        .to_owned()
}
