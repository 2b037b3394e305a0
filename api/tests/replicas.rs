//! Two server processes on one database: a change made through one reaches a subscriber
//! connected to the other.
//!
//! Runs the real `momentum` binary twice. On PostgreSQL (`MOMENTUM_TEST_DATABASE_URL`) the
//! change arrives within a second through LISTEN/NOTIFY (the polling safety net is set to
//! a minute here, so it cannot be what delivers it). On SQLite (one file, no NOTIFY) the
//! other process's event reader finds it by polling the event table (every 200 ms here),
//! within two seconds.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use futures_util::{SinkExt as _, StreamExt as _};
use momentum_api::{
    auth::{Role, tokens::Subject, tokens::TokenKeys},
    config::Config,
};
use sea_orm::Database;
use secrecy::SecretString;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest as _};

mod support;

use support::{Server, TestDb, free_port};

const SECRET: &str = "replica-test-secret-of-sufficient-length-0123456789";

fn serve(url: &str, port: u16, poll_ms: &str) -> Server {
    let child = Command::new(env!("CARGO_BIN_EXE_momentum"))
        .arg("serve")
        .env("MOMENTUM_DATABASE_URL", url)
        .env("MOMENTUM_BIND", format!("127.0.0.1:{port}"))
        .env("MOMENTUM_JWT_SECRET", SECRET)
        .env(
            "MOMENTUM_DATA_KEY",
            "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
        )
        .env("MOMENTUM_EVENT_POLL_MS", poll_ms)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("start momentum serve");
    Server(child)
}

async fn ready(http: &reqwest::Client, port: u16) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(res) = http
            .get(format!("http://127.0.0.1:{port}/readyz"))
            .send()
            .await
            && res.status().is_success()
        {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "server on {port} never got ready"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn gql(
    http: &reqwest::Client,
    port: u16,
    token: &str,
    query: &str,
    variables: Value,
) -> Value {
    let res: Value = http
        .post(format!("http://127.0.0.1:{port}/graphql"))
        .bearer_auth(token)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(res.get("errors").is_none(), "{res}");
    res
}

#[tokio::test]
async fn a_change_on_one_server_reaches_a_subscriber_on_another() {
    // PostgreSQL: a database of its own, NOTIFY only. SQLite: a file of its own, polling.
    let (database, url) = TestDb::create().await;
    let (poll_ms, within) = if database.is_postgres() {
        ("60000", Duration::from_secs(1))
    } else {
        ("200", Duration::from_secs(2))
    };

    // One process migrates and seeds; then the second starts on the same database.
    let db = Database::connect(&url).await.unwrap();
    momentum_api::db::migrate(&db).await.unwrap();
    let hash = momentum_api::auth::password::hash_blocking("replica-password-123").unwrap();
    let practice = momentum_api::demo::seed_practice(&db, "Replicas", "r.test", &hash)
        .await
        .unwrap();
    let (port_a, port_b) = (free_port(), free_port());
    let http = reqwest::Client::new();
    let a = serve(&url, port_a, poll_ms);
    ready(&http, port_a).await;
    let b = serve(&url, port_b, poll_ms);
    ready(&http, port_b).await;

    let keys = TokenKeys::new(
        &SecretString::from(SECRET),
        &Config::default().token_settings(),
    );
    let token = keys
        .issue(&Subject {
            id: practice.therapist_ids[0],
            role: Role::Therapist,
            practice_id: practice.practice_id,
            client_id: None,
            scopes: Vec::new(),
        })
        .unwrap()
        .token;

    // Subscribe on B, from now.
    let now = gql(&http, port_b, &token, "{ progressCursor }", json!({})).await;
    let mut req = format!("ws://127.0.0.1:{port_b}/graphql/ws")
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
        "query": "subscription($after: String) { progressEvents(after: $after) { kind clientId } }",
        "variables": { "after": now["data"]["progressCursor"] } } })))
        .await
        .unwrap();
    // The subscription starts from `now`, so it cannot miss the change, however long it
    // takes to set up.

    // Change something through A.
    gql(
        &http,
        port_a,
        &token,
        "mutation($input: CreateTrackerInput!) { createTracker(input: $input) { tracker { id } } }",
        json!({ "input": { "clientId": practice.client_ids[0], "name": "Walks", "valueType": "COUNT" } }),
    )
    .await;
    let sent = Instant::now();
    let msg = tokio::time::timeout(within, ws.next())
        .await
        .unwrap_or_else(|_| {
            panic!("the event did not reach the other server's subscriber within {within:?}")
        })
        .unwrap()
        .unwrap();
    let msg: Value = serde_json::from_str(msg.to_text().unwrap()).unwrap();
    assert_eq!(
        msg["payload"]["data"]["progressEvents"]["kind"], "TRACKER_CREATED",
        "{msg}"
    );
    eprintln!("delivered across processes in {:?}", sent.elapsed());

    drop((a, b));
    drop(db);
    database.drop_it().await;
}
