//! SIGTERM under write load: the real `momentum` binary, four writers (three sending one
//! entry at a time, one sending batches of 500), and a SIGTERM in the middle. Every request
//! sent before the signal gets its answer, and the process exits promptly after the last one.
//!
//! Runs on SQLite (a fresh file), or on PostgreSQL when `MOMENTUM_TEST_DATABASE_URL` is set
//! (a fresh database, dropped at the end).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{
    process::{Command, Stdio},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use chrono::Utc;
use momentum_api::auth::Role;
use sea_orm::Database;
use serde_json::{Value, json};
use uuid::Uuid;

mod support;

use support::{Server, TestDb, free_port};

const SECRET: &str = "drain-test-secret-of-sufficient-length-0123456789abc";

/// What one request met.
struct Sent {
    started: Instant,
    ended: Instant,
    batch: bool,
    outcome: Result<(), String>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_under_write_load_answers_every_request_sent_before_it_and_exits_promptly() {
    let (database, url) = TestDb::create().await;
    let db = Database::connect(&url).await.unwrap();
    momentum_api::db::migrate(&db).await.unwrap();
    let hash = momentum_api::auth::password::hash_blocking("drain-password-1234").unwrap();
    let practice = momentum_api::demo::seed_practice(&db, "Drain", "d.test", &hash)
        .await
        .unwrap();
    db.close().await.ok();

    let port = free_port();
    let mut server = Server(
        support::serve_command(&url, SECRET, port)
            .stdout(Stdio::null())
            .spawn()
            .expect("start momentum serve"),
    );
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    support::server_ready(&http, &mut server, port).await;

    let token = support::token(
        SECRET,
        practice.practice_id,
        practice.client_user_ids[0],
        Role::Client,
        Some(practice.client_ids[0]),
    );
    let mood = support::mood_tracker(&http, port, &token, practice.client_ids[0]).await;

    let stop = Arc::new(AtomicBool::new(false));
    let log: Arc<Mutex<Vec<Sent>>> = Arc::default();
    let mut writers = Vec::new();
    for w in 0..4 {
        let (http, base, token, mood, stop, log) = (
            http.clone(),
            base.clone(),
            token.clone(),
            mood.clone(),
            stop.clone(),
            log.clone(),
        );
        writers.push(tokio::spawn(async move {
            let batch = w == 0;
            while !stop.load(Ordering::Relaxed) {
                let body = if batch {
                    let entries: Vec<Value> = (0..500)
                        .map(|i| json!({ "id": Uuid::now_v7(), "trackerId": mood, "value": i % 11,
                            "recordedAt": (Utc::now() - chrono::Duration::minutes(i)).to_rfc3339() }))
                        .collect();
                    json!({ "query": "mutation($input: LogEntriesInput!) { logEntries(input: $input) { created } }",
                        "variables": { "input": { "entries": entries } } })
                } else {
                    json!({ "query": "mutation($input: LogEntryInput!) { logEntry(input: $input) { entry { id } } }",
                        "variables": { "input": { "trackerId": mood, "value": 5,
                            "recordedAt": Utc::now().to_rfc3339() } } })
                };
                let started = Instant::now();
                let res = http
                    .post(format!("{base}/graphql"))
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await;
                let outcome = match res {
                    Ok(r) if r.status().is_success() => match r.json::<Value>().await {
                        Ok(v) if v.get("errors").is_none() => Ok(()),
                        Ok(v) => Err(format!("errors: {v}")),
                        Err(e) => Err(format!("body: {e}")),
                    },
                    Ok(r) => Err(format!("HTTP {}", r.status())),
                    Err(e) => Err(format!("connection: {e}")),
                };
                let failed = outcome.is_err();
                log.lock().unwrap().push(Sent {
                    started,
                    ended: Instant::now(),
                    batch,
                    outcome,
                });
                if failed {
                    // After the signal new connections are refused: this writer is done.
                    break;
                }
            }
        }));
    }

    tokio::time::sleep(Duration::from_millis(1500)).await;
    let mut server = server;
    let pid = server.0.id();
    let signalled = Instant::now();
    let status = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = loop {
        if let Some(status) = server.0.try_wait().unwrap() {
            break (Instant::now(), status);
        }
        assert!(
            signalled.elapsed() < Duration::from_secs(30),
            "the server did not exit within 30 s of SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.await.unwrap();
    }
    let (exited, status) = exit;
    let log = std::mem::take(&mut *log.lock().unwrap());
    let before: Vec<&Sent> = log.iter().filter(|s| s.started < signalled).collect();
    let lost: Vec<String> = before
        .iter()
        .filter_map(|s| {
            s.outcome.as_ref().err().map(|e| {
                format!(
                    "{} sent {:?} before the signal: {e}",
                    if s.batch { "a batch" } else { "an entry" },
                    signalled - s.started
                )
            })
        })
        .collect();
    let in_flight = before.iter().filter(|s| s.ended > signalled).count();
    let last_answer = before.iter().map(|s| s.ended).max().unwrap();
    eprintln!(
        "{} requests before the signal ({} batches), {in_flight} in flight at it; exit {:?} after the signal, {:?} after the last answer; {status}",
        before.len(),
        before.iter().filter(|s| s.batch).count(),
        exited - signalled,
        exited.saturating_duration_since(last_answer),
    );
    assert!(lost.is_empty(), "answers lost:\n{}", lost.join("\n"));
    assert!(
        in_flight > 0,
        "nothing was in flight at the signal: the test proved nothing"
    );
    assert!(status.success(), "the server exited with {status}");
    assert!(
        exited.saturating_duration_since(last_answer) < Duration::from_secs(2),
        "the exit came {:?} after the last answer",
        exited.saturating_duration_since(last_answer)
    );
    drop(server);
    database.drop_it().await;
}
