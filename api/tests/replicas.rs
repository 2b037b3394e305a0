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
    process::Stdio,
    time::{Duration, Instant},
};

use futures_util::StreamExt as _;
use momentum_api::{
    auth::{Role, tokens::Subject, tokens::TokenKeys},
    config::Config,
};
use sea_orm::Database;
use secrecy::SecretString;
use serde_json::{Value, json};

mod support;

use support::{Server, TestDb, free_port, gql, server_ready, subscribe};

const SECRET: &str = "replica-test-secret-of-sufficient-length-0123456789";

fn serve(url: &str, port: u16, poll_ms: &str) -> Server {
    let child = support::serve_command(url, SECRET, port)
        .env("MOMENTUM_EVENT_POLL_MS", poll_ms)
        .stdout(Stdio::null())
        .spawn()
        .expect("start momentum serve");
    Server(child)
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
    let mut a = serve(&url, port_a, poll_ms);
    server_ready(&http, &mut a, port_a).await;
    let mut b = serve(&url, port_b, poll_ms);
    server_ready(&http, &mut b, port_b).await;

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
    let mut ws = subscribe(&http, port_b, &token).await;
    // The subscription starts from `now`, so it cannot miss the change, however long it
    // takes to set up.

    // Change something through A.
    gql(
        &http,
        port_a,
        Some(&token),
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
