//! Many concurrent subscribers on one server process: how long until every one of them has
//! an event, and how much server memory each connection takes.
//!
//! Starts the real `momentum serve` binary once, on a fresh database (SQLite in a temporary
//! directory by default; a fresh PostgreSQL database, created and dropped, when
//! `MOMENTUM_TEST_DATABASE_URL` is set), migrated and seeded with the demo practice from this
//! process. Then, for each N (1,000 and 10,000 by default):
//!
//! 1. reads the server's `VmRSS` from `/proc/<pid>/status`;
//! 2. opens N `graphql-transport-ws` sockets as the seeded therapist 0, at most
//!    [`OPEN_AT_ONCE`] handshakes at a time; each sends `connection_init`, waits for
//!    `connection_ack` and subscribes to `progressEvents(after: <progressCursor>)` (no
//!    `clientId`: every client of the care team). Each socket is read by its own task, which
//!    notes the `Instant` a `next` message arrives;
//! 3. fires a warm-up change (`createTracker` over HTTP for seeded client 0) and waits until
//!    every subscriber has it, so every subscription is live; then reads `VmRSS` again:
//!    memory per connection = (RSS now - RSS before) / N;
//! 4. waits until the server is idle (below 10% of a core over half a second, for at most
//!    30 s: on PostgreSQL a commit wakes the process's event reader twice, through the
//!    in-process bus and through NOTIFY), then fires the measured change and reports, per
//!    subscriber, the delay from the end of the mutation's HTTP response to the arrival of
//!    the event (p50, p99, max; an arrival before the response counts as 0), and the time
//!    from sending the mutation until the last subscriber has it;
//! 5. closes every socket (close frame) and waits a little before the next N.
//!
//! The server's allocator keeps what a round freed, so a later round's RSS baseline already
//! includes heap it may reuse: its per-connection figure reads a little low. For a clean
//! figure at one N, run that N alone (`BENCH_SUBSCRIBERS=10000`).
//!
//! A subscriber that does not get an event within [`DEFAULT_TIMEOUT_SECS`] (or whose
//! subscription ends or errors) fails the run loudly, after printing the rows measured so
//! far and where it stalled.
//!
//! Client and server share the machine's cores, and the client's timestamps are taken when
//! its task reads the frame, so with many subscribers the client's own scheduling is part of
//! the figures.
//!
//! Environment (all optional):
//! - `MOMENTUM_TEST_DATABASE_URL`: a PostgreSQL server where databases may be created;
//! - `BENCH_SUBSCRIBERS`: the Ns, comma separated (default `1000,10000`);
//! - `BENCH_DB_POOL_SIZE`: the server's `MOMENTUM_DB_POOL_SIZE` (default 20);
//! - `BENCH_EVENT_POLL_MS`: the server's `MOMENTUM_EVENT_POLL_MS` (default: the server's own
//!   default, 2,000 ms);
//! - `BENCH_TIMEOUT_SECS`: how long every subscriber may take to get an event (default 120);
//! - `BENCH_IDLE_WAIT_SECS`: the longest wait for an idle server before the measured change
//!   (default 30; 0 fires it right after the warm-up reached everyone, the moment when every
//!   subscriber has just read and the next polling round is furthest away).
//!
//! Run with `cargo bench -p momentum-api --bench subscribers`. It prints a markdown table.
//! Anything that starts it without `--bench` (e.g. `cargo test --all-targets`) skips it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::{
    path::{Path, PathBuf},
    process::ExitCode,
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::{Context as _, Result, bail};
use futures_util::{SinkExt as _, StreamExt as _};
use momentum_api::{
    auth::{Role, tokens::Subject, tokens::TokenKeys},
    config::Config,
    demo::SeededPractice,
};
use sea_orm::{ConnectionTrait as _, Database};
use secrecy::SecretString;
use serde_json::{Value, json};
use tokio::sync::{Semaphore, mpsc, watch};
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream,
    tungstenite::{Message, client::IntoClientRequest as _},
};
use uuid::Uuid;

type Ws = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

const SECRET: &str = "subscribers-bench-secret-of-sufficient-length-0123456789";
/// Subscriber counts when `BENCH_SUBSCRIBERS` is not set.
const DEFAULT_SIZES: [usize; 2] = [1_000, 10_000];
/// The server's database pool when `BENCH_DB_POOL_SIZE` is not set.
const DEFAULT_POOL: u32 = 20;
/// How long every subscriber may take to get an event when `BENCH_TIMEOUT_SECS` is not set.
const DEFAULT_TIMEOUT_SECS: u64 = 120;
/// WebSocket handshakes (up to the subscribe message) in flight at once.
const OPEN_AT_ONCE: usize = 200;
/// How often a wait reports its progress.
const PROGRESS_EVERY: Duration = Duration::from_secs(5);
/// Before the measured change, the server counts as idle below this share of one core...
const IDLE_SHARE: f64 = 0.10;
/// ... over this window ...
const IDLE_WINDOW: Duration = Duration::from_millis(500);
/// ... and the change is fired anyway after this long (unless `BENCH_IDLE_WAIT_SECS`).
const IDLE_WAIT_MAX: Duration = Duration::from_secs(30);
/// Clock ticks per second in `/proc/<pid>/stat` (`USER_HZ`, 100 on Linux).
const TICKS_PER_SEC: f64 = 100.0;
/// The pause after closing a round's sockets, so the server frees them.
const SETTLE: Duration = Duration::from_secs(3);

const SUBSCRIPTION: &str =
    "subscription($after: String) { progressEvents(after: $after) { kind entityId } }";
const CREATE_TRACKER: &str =
    "mutation($input: CreateTrackerInput!) { createTracker(input: $input) { tracker { id } } }";

#[tokio::main]
async fn main() -> ExitCode {
    // `cargo bench` passes `--bench`; anything else (e.g. `cargo test --all-targets`) skips.
    if !std::env::args().any(|a| a == "--bench") {
        println!("subscribers benchmark: skipped (run it with `cargo bench --bench subscribers`)");
        return ExitCode::SUCCESS;
    }
    match bench().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!();
            eprintln!("FAILED: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn bench() -> Result<()> {
    let settings = Settings::from_env()?;
    let admin_url = std::env::var("MOMENTUM_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty());
    let dir = std::env::temp_dir().join(format!("momentum-bench-{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;

    let (database, url, pg) = match &admin_url {
        Some(admin_url) => {
            let name = format!("momentum_test_{}", Uuid::new_v4().simple());
            let admin = Database::connect(admin_url)
                .await
                .context("connecting to MOMENTUM_TEST_DATABASE_URL")?;
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .with_context(|| format!("CREATE DATABASE {name}"))?;
            let version = admin
                .query_one_raw(sea_orm::Statement::from_string(
                    sea_orm::DatabaseBackend::Postgres,
                    "SHOW server_version",
                ))
                .await
                .ok()
                .flatten()
                .and_then(|row| row.try_get::<String>("", "server_version").ok())
                .and_then(|v| v.split_whitespace().next().map(str::to_owned))
                .unwrap_or_default();
            let label = format!("PostgreSQL {version}").trim().to_owned();
            (
                label,
                momentum_api::db::url_with_database(admin_url, &name),
                Some((admin, name)),
            )
        }
        None => {
            let path = dir.join("bench.db");
            (
                "SQLite".to_owned(),
                format!("sqlite://{}?mode=rwc", path.display()),
                None,
            )
        }
    };

    let result = run(&settings, &database, &url, &dir).await;

    if let Some((admin, name)) = pg {
        admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await
            .ok();
        admin.close().await.ok();
    }
    match &result {
        Ok(()) => {
            std::fs::remove_dir_all(&dir).ok();
        }
        Err(_) => log_summary(&dir.join("server.log")),
    }
    result
}

/// After a failure: where the server's log is, how many errors and warnings it holds, and
/// its last lines.
fn log_summary(path: &Path) {
    eprintln!("server log kept in {}", path.display());
    let Ok(text) = std::fs::read_to_string(path) else {
        return;
    };
    let count = |level: &str| text.lines().filter(|l| l.contains(level)).count();
    eprintln!(
        "it holds {} lines: {} ERROR, {} WARN; the last ones:",
        text.lines().count(),
        count(" ERROR "),
        count(" WARN ")
    );
    let lines: Vec<&str> = text.lines().collect();
    for line in &lines[lines.len().saturating_sub(5)..] {
        eprintln!("  {}", line.chars().take(300).collect::<String>());
    }
}

/// What the environment asks for.
struct Settings {
    sizes: Vec<usize>,
    pool: u32,
    poll_ms: Option<u64>,
    timeout: Duration,
    idle_wait_max: Duration,
}

impl Settings {
    fn from_env() -> Result<Self> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let sizes = match var("BENCH_SUBSCRIBERS") {
            Some(list) => list
                .split(',')
                .map(|n| {
                    n.trim()
                        .replace('_', "")
                        .parse::<usize>()
                        .ok()
                        .filter(|&n| n > 0)
                        .with_context(|| format!("BENCH_SUBSCRIBERS: {n:?} is not a count"))
                })
                .collect::<Result<Vec<_>>>()?,
            None => DEFAULT_SIZES.to_vec(),
        };
        let pool = match var("BENCH_DB_POOL_SIZE") {
            Some(p) => p.trim().parse().context("BENCH_DB_POOL_SIZE")?,
            None => DEFAULT_POOL,
        };
        let poll_ms = var("BENCH_EVENT_POLL_MS")
            .map(|p| p.trim().parse().context("BENCH_EVENT_POLL_MS"))
            .transpose()?;
        let timeout = match var("BENCH_TIMEOUT_SECS") {
            Some(t) => Duration::from_secs(t.trim().parse().context("BENCH_TIMEOUT_SECS")?),
            None => Duration::from_secs(DEFAULT_TIMEOUT_SECS),
        };
        let idle_wait_max = match var("BENCH_IDLE_WAIT_SECS") {
            Some(t) => Duration::from_secs(t.trim().parse().context("BENCH_IDLE_WAIT_SECS")?),
            None => IDLE_WAIT_MAX,
        };
        Ok(Self {
            sizes,
            pool,
            poll_ms,
            timeout,
            idle_wait_max,
        })
    }
}

/// One measured N.
struct Row {
    n: usize,
    connect: Duration,
    rss_per_conn_kib: f64,
    mutation: Duration,
    /// How long the measured change waited for the server to go idle, and whether it did.
    idle_wait: (Duration, bool),
    p50: Duration,
    p99: Duration,
    max: Duration,
    until_all: Duration,
}

async fn run(settings: &Settings, database: &str, url: &str, dir: &Path) -> Result<()> {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    eprintln!("subscribers benchmark on {database}, {cores} cores: migrating and seeding");

    let db = Database::connect(url).await.context("connecting")?;
    momentum_api::db::migrate(&db).await.context("migrating")?;
    let hash = momentum_api::auth::password::hash_blocking("bench-password-123")
        .map_err(|e| anyhow::anyhow!("hashing the password: {e:?}"))?;
    let practice = momentum_api::demo::seed_practice(&db, "Bench", "bench.test", &hash)
        .await
        .map_err(|e| anyhow::anyhow!("seeding: {e:?}"))?;
    db.close().await.ok();

    let port = support::free_port();
    let log = dir.join("server.log");
    let server = serve(url, port, settings, &log)?;
    let http = reqwest::Client::new();
    ready(&http, port).await?;
    let pid = server.0.id();
    eprintln!(
        "server pid {pid} on 127.0.0.1:{port} (pool {}, poll {}); log: {}",
        settings.pool,
        settings
            .poll_ms
            .map_or("default".to_owned(), |p| format!("{p} ms")),
        log.display()
    );

    let mut rows = Vec::new();
    let mut failure = None;
    for &n in &settings.sizes {
        match round(&http, port, pid, &practice, n, settings).await {
            Ok(row) => {
                eprintln!(
                    "N = {n}: connect {}, {:.1} KiB/connection, p50 {}, p99 {}, max {}, all {}",
                    fmt(row.connect),
                    row.rss_per_conn_kib,
                    fmt(row.p50),
                    fmt(row.p99),
                    fmt(row.max),
                    fmt(row.until_all)
                );
                rows.push(row);
            }
            Err(e) => {
                failure = Some(e.context(format!("N = {n}")));
                break;
            }
        }
    }

    println!();
    println!(
        "| Database | Cores | Subscribers | Connect (all) | Server RSS / connection | Idle wait | createTracker | p50 | p99 | max | Until all |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for r in &rows {
        println!(
            "| {database} | {cores} | {} | {} | {:.1} KiB | {} | {} | {} | {} | {} | {} |",
            thousands(r.n),
            fmt(r.connect),
            r.rss_per_conn_kib,
            idle_text(r.idle_wait),
            fmt(r.mutation),
            fmt(r.p50),
            fmt(r.p99),
            fmt(r.max),
            fmt(r.until_all),
        );
    }
    println!();
    println!(
        "(`bench` profile; one `momentum serve` process, MOMENTUM_DB_POOL_SIZE={}, \
         MOMENTUM_EVENT_POLL_MS={}; client and server on the same machine. \
         p50/p99/max: from the end of the mutation's HTTP response to each subscriber's \
         arrival; until all: from sending the mutation to the last arrival. RSS measured \
         after the warm-up event reached everyone. Idle wait: how long after the warm-up \
         the server took to fall below {:.0}% of a core, before the measured change; none: \
         BENCH_IDLE_WAIT_SECS=0.)",
        settings.pool,
        settings
            .poll_ms
            .map_or("default (2000)".to_owned(), |p| p.to_string()),
        IDLE_SHARE * 100.0,
    );
    drop(server);
    if let Some(e) = failure {
        return Err(e);
    }
    Ok(())
}

/// What a subscriber task reports.
enum Note {
    /// Connected, acknowledged, subscribed (or why not).
    Opened(usize, Result<(), String>),
    /// A `next` message carrying the event on `entity_id` arrived `at`.
    Arrived {
        conn: usize,
        entity_id: String,
        at: Instant,
    },
    /// The subscription or the socket ended (or errored) on its own.
    Ended(usize, String),
}

/// One N: open, warm up, measure, close.
async fn round(
    http: &reqwest::Client,
    port: u16,
    pid: u32,
    practice: &SeededPractice,
    n: usize,
    settings: &Settings,
) -> Result<Row> {
    // A fresh token per round; long-lived, so a slow round is not cut off at expiry.
    let keys = TokenKeys::new(
        &SecretString::from(SECRET),
        &Config::default().token_settings(),
    );
    let token = keys
        .issue_at(
            &Subject {
                id: practice.therapist_ids[0],
                role: Role::Therapist,
                practice_id: practice.practice_id,
                client_id: None,
                scopes: Vec::new(),
            },
            chrono::Utc::now(),
            chrono::Duration::hours(2),
        )
        .context("minting a token")?
        .token;
    let cursor =
        gql(http, port, &token, "{ progressCursor }", json!({})).await?["data"]["progressCursor"]
            .as_str()
            .context("no progressCursor")?
            .to_owned();

    let rss_before = rss_kib(pid)?;
    eprintln!("N = {n}: server RSS {rss_before} KiB; opening {n} subscriptions");
    let (notes_tx, mut notes) = mpsc::unbounded_channel();
    let (stop, stop_rx) = watch::channel(false);
    let gate = Arc::new(Semaphore::new(OPEN_AT_ONCE));
    let url = format!("ws://127.0.0.1:{port}/graphql/ws");
    let init = json!({ "type": "connection_init",
        "payload": { "authorization": format!("Bearer {token}") } })
    .to_string();
    let subscribe = json!({ "id": "1", "type": "subscribe", "payload": {
        "query": SUBSCRIPTION, "variables": { "after": cursor } } })
    .to_string();

    let started = Instant::now();
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            tokio::spawn(subscriber(
                i,
                url.clone(),
                init.clone(),
                subscribe.clone(),
                gate.clone(),
                notes_tx.clone(),
                stop_rx.clone(),
            ))
        })
        .collect();
    drop(notes_tx);

    let result = measure(
        http, port, pid, practice, n, settings, &token, &mut notes, started, rss_before,
    )
    .await;

    // Close every socket, also after a failure.
    eprintln!("N = {n}: closing the sockets");
    stop.send_replace(true);
    for t in tasks {
        t.await.ok();
    }
    tokio::time::sleep(SETTLE).await;
    if let Ok(rss) = rss_kib(pid) {
        eprintln!("N = {n}: server RSS {rss} KiB after closing");
    }
    result
}

#[allow(clippy::too_many_arguments)]
async fn measure(
    http: &reqwest::Client,
    port: u16,
    pid: u32,
    practice: &SeededPractice,
    n: usize,
    settings: &Settings,
    token: &str,
    notes: &mut mpsc::UnboundedReceiver<Note>,
    started: Instant,
    rss_before: u64,
) -> Result<Row> {
    let timeout = settings.timeout;
    // 1. Every socket acknowledged and subscribed.
    let mut opened = 0;
    let mut last_report = Instant::now();
    let deadline = tokio::time::Instant::now() + timeout;
    while opened < n {
        let note = match tokio::time::timeout_at(deadline, notes.recv()).await {
            Ok(Some(note)) => note,
            Ok(None) => bail!("every subscriber task ended; {opened} of {n} opened"),
            Err(_) => bail!(
                "only {opened} of {n} subscriptions opened within {} s",
                timeout.as_secs()
            ),
        };
        match note {
            Note::Opened(_, Ok(())) => opened += 1,
            Note::Opened(i, Err(e)) => bail!(
                "subscriber {i} could not open ({opened} of {n} open after {:.1} s): {e}",
                started.elapsed().as_secs_f64()
            ),
            Note::Ended(i, why) => bail!(
                "subscriber {i} ended while opening ({opened} of {n} open after {:.1} s): {why}",
                started.elapsed().as_secs_f64()
            ),
            Note::Arrived { conn, .. } => bail!("subscriber {conn} got an event before any change"),
        }
        if last_report.elapsed() >= PROGRESS_EVERY {
            eprintln!(
                "N = {n}: {opened} open after {:.1} s",
                started.elapsed().as_secs_f64()
            );
            last_report = Instant::now();
        }
    }
    let connect = started.elapsed();
    let rss_subscribed = rss_kib(pid)?;
    eprintln!(
        "N = {n}: all subscribed in {}; server RSS {rss_subscribed} KiB",
        fmt(connect)
    );

    // 2. Warm-up: every subscription is live once everyone has this.
    let client_id = practice.client_ids[0];
    let (warm_id, warm_sent, _) = create_tracker(http, port, token, client_id, "warm-up").await?;
    let warm = wait_all(notes, &warm_id, n, timeout, "warm-up").await?;
    let warm_all = warm
        .iter()
        .flatten()
        .max()
        .map_or(Duration::ZERO, |t| t.saturating_duration_since(warm_sent));
    let rss_live = rss_kib(pid)?;
    let rss_per_conn_kib = rss_live.saturating_sub(rss_before) as f64 / n as f64;
    eprintln!(
        "N = {n}: warm-up reached all in {}; server RSS {rss_live} KiB ({rss_per_conn_kib:.1} KiB per connection; {:.1} before the warm-up)",
        fmt(warm_all),
        rss_subscribed.saturating_sub(rss_before) as f64 / n as f64,
    );

    // 3. The measured change, once the server has caught up with the warm-up (on
    //    PostgreSQL its NOTIFY wakes every subscriber a second time) or gave up waiting.
    let idle_wait = quiet(pid, settings.idle_wait_max).await?;
    let (waited, idle) = idle_wait;
    eprintln!("N = {n}: idle wait: {}", idle_text((waited, idle)));
    let (id, sent, answered) = create_tracker(http, port, token, client_id, "measured").await?;
    let arrivals = wait_all(notes, &id, n, timeout, "measured").await?;
    let mut delays: Vec<Duration> = arrivals
        .iter()
        .flatten()
        .map(|t| t.saturating_duration_since(answered))
        .collect();
    delays.sort();
    let last = arrivals.iter().flatten().max().copied().unwrap_or(answered);
    Ok(Row {
        n,
        connect,
        rss_per_conn_kib,
        mutation: answered.saturating_duration_since(sent),
        idle_wait,
        p50: percentile(&delays, 50),
        p99: percentile(&delays, 99),
        max: delays.last().copied().unwrap_or_default(),
        until_all: last.saturating_duration_since(sent),
    })
}

/// Waits until each of the `n` subscribers has the event on `entity_id`; returns when each
/// got it. Fails when one ends, or some have not got it within `timeout`.
async fn wait_all(
    notes: &mut mpsc::UnboundedReceiver<Note>,
    entity_id: &str,
    n: usize,
    timeout: Duration,
    label: &str,
) -> Result<Vec<Option<Instant>>> {
    let mut got: Vec<Option<Instant>> = vec![None; n];
    let mut count = 0;
    let began = Instant::now();
    let deadline = tokio::time::Instant::now() + timeout;
    let mut last_report = Instant::now();
    while count < n {
        let note = match tokio::time::timeout_at(deadline, notes.recv()).await {
            Ok(Some(note)) => note,
            Ok(None) => bail!("{label}: every subscriber task ended; {count} of {n} got the event"),
            Err(_) => {
                let missing: Vec<usize> = (0..n).filter(|&i| got[i].is_none()).collect();
                bail!(
                    "{label}: only {count} of {n} subscribers got the event within {} s \
                     (first without it: {:?})",
                    timeout.as_secs(),
                    &missing[..missing.len().min(10)]
                );
            }
        };
        match note {
            Note::Arrived {
                conn,
                entity_id: e,
                at,
            } if e == entity_id => {
                if got[conn].is_none() {
                    got[conn] = Some(at);
                    count += 1;
                }
            }
            Note::Arrived { .. } | Note::Opened(..) => {}
            Note::Ended(i, why) => {
                bail!("{label}: subscriber {i} ended after {count} of {n} got the event: {why}")
            }
        }
        if last_report.elapsed() >= PROGRESS_EVERY {
            eprintln!(
                "{label}: {count} of {n} after {:.1} s",
                began.elapsed().as_secs_f64()
            );
            last_report = Instant::now();
        }
    }
    Ok(got)
}

/// One subscriber: opens (holding a permit of `gate` until subscribed), then reads until
/// `stop`, reporting what it gets to `notes`.
async fn subscriber(
    i: usize,
    url: String,
    init: String,
    subscribe: String,
    gate: Arc<Semaphore>,
    notes: mpsc::UnboundedSender<Note>,
    mut stop: watch::Receiver<bool>,
) {
    // A round that stops (after a failure) also stops the sockets still opening.
    let opened = tokio::select! {
        biased;
        _ = stop.changed() => return,
        opened = async {
            let _permit = gate.acquire_owned().await;
            open(&url, init, subscribe).await
        } => opened,
    };
    let mut ws = match opened {
        Ok(ws) => {
            notes.send(Note::Opened(i, Ok(()))).ok();
            ws
        }
        Err(e) => {
            notes.send(Note::Opened(i, Err(format!("{e:#}")))).ok();
            return;
        }
    };
    loop {
        tokio::select! {
            msg = ws.next() => {
                let at = Instant::now();
                let ended = match msg {
                    Some(Ok(Message::Text(text))) => {
                        let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                        match v["type"].as_str() {
                            Some("next") if v["payload"].get("errors").is_none() => {
                                let entity_id = v["payload"]["data"]["progressEvents"]["entityId"]
                                    .as_str()
                                    .unwrap_or_default()
                                    .to_owned();
                                notes.send(Note::Arrived { conn: i, entity_id, at }).ok();
                                None
                            }
                            Some("ping") => {
                                let pong = json!({ "type": "pong" }).to_string();
                                ws.send(Message::Text(pong.into())).await.err().map(|e| e.to_string())
                            }
                            Some("pong" | "ka") => None,
                            _ => Some(format!("unexpected message: {text}")),
                        }
                    }
                    Some(Ok(Message::Close(frame))) => Some(format!("closed by the server: {frame:?}")),
                    Some(Ok(_)) => None,
                    Some(Err(e)) => Some(format!("socket error: {e}")),
                    None => Some("socket closed".to_owned()),
                };
                if let Some(why) = ended {
                    notes.send(Note::Ended(i, why)).ok();
                    return;
                }
            }
            _ = stop.changed() => {
                let closing = async {
                    ws.close(None).await.ok();
                    while let Some(Ok(_)) = ws.next().await {}
                };
                tokio::time::timeout(Duration::from_secs(10), closing).await.ok();
                return;
            }
        }
    }
}

/// Connects with `graphql-transport-ws`, authenticates, waits for `connection_ack` and
/// subscribes.
async fn open(url: &str, init: String, subscribe: String) -> Result<Ws> {
    let mut req = url.into_client_request()?;
    req.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws".parse().context("header")?,
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(req)
        .await
        .context("connecting")?;
    ws.send(Message::Text(init.into()))
        .await
        .context("connection_init")?;
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(60), ws.next())
            .await
            .context("no connection_ack within 60 s")?
            .context("closed before connection_ack")?
            .context("reading connection_ack")?;
        match msg {
            Message::Text(t) if t.contains("connection_ack") => break,
            Message::Text(t) if t.contains("\"ping\"") => {
                let pong = json!({ "type": "pong" }).to_string();
                ws.send(Message::Text(pong.into())).await?;
            }
            Message::Ping(_) | Message::Pong(_) => {}
            other => bail!("expected connection_ack, got {other:?}"),
        }
    }
    ws.send(Message::Text(subscribe.into()))
        .await
        .context("subscribe")?;
    Ok(ws)
}

/// Creates a tracker for `client_id`; returns its id, the `Instant` just before the request
/// and the one just after the response was read.
async fn create_tracker(
    http: &reqwest::Client,
    port: u16,
    token: &str,
    client_id: Uuid,
    what: &str,
) -> Result<(String, Instant, Instant)> {
    let name = format!("Bench {what} {}", Uuid::new_v4().simple());
    let vars = json!({ "input": { "clientId": client_id, "name": name, "valueType": "COUNT" } });
    let sent = Instant::now();
    let res = gql(http, port, token, CREATE_TRACKER, vars).await?;
    let answered = Instant::now();
    let id = res["data"]["createTracker"]["tracker"]["id"]
        .as_str()
        .with_context(|| format!("createTracker returned no id: {res}"))?
        .to_owned();
    Ok((id, sent, answered))
}

async fn gql(
    http: &reqwest::Client,
    port: u16,
    token: &str,
    query: &str,
    variables: Value,
) -> Result<Value> {
    let res = http
        .post(format!("http://127.0.0.1:{port}/graphql"))
        .bearer_auth(token)
        .json(&json!({ "query": query, "variables": variables }))
        .timeout(Duration::from_secs(120))
        .send()
        .await
        .context("POST /graphql")?;
    let status = res.status();
    let body: Value = res
        .json()
        .await
        .with_context(|| format!("reading the response (HTTP {status})"))?;
    if let Some(errors) = body.get("errors") {
        bail!("GraphQL errors (HTTP {status}): {errors}");
    }
    Ok(body)
}

fn serve(url: &str, port: u16, settings: &Settings, log: &Path) -> Result<support::Server> {
    // The server logs to stdout; both go to the log file.
    let log = std::fs::File::create(log).with_context(|| format!("creating {}", log.display()))?;
    let mut cmd = support::serve_command(url, SECRET, port);
    cmd
        // The tokens this process mints live 6 hours; the server refuses longer lives than its own.
        .env("MOMENTUM_ACCESS_TOKEN_TTL_SECONDS", "21600")
        .env("MOMENTUM_DB_POOL_SIZE", settings.pool.to_string())
        .env("NO_COLOR", "1")
        .stdout(log.try_clone().context("the server log")?)
        .stderr(log);
    if let Some(poll) = settings.poll_ms {
        cmd.env("MOMENTUM_EVENT_POLL_MS", poll.to_string());
    }
    Ok(support::Server(
        cmd.spawn().context("starting momentum serve")?,
    ))
}

async fn ready(http: &reqwest::Client, port: u16) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(res) = http
            .get(format!("http://127.0.0.1:{port}/readyz"))
            .send()
            .await
            && res.status().is_success()
        {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("the server on {port} never got ready");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The resident set size of process `pid`, in KiB.
fn rss_kib(pid: u32) -> Result<u64> {
    let path = PathBuf::from(format!("/proc/{pid}/status"));
    let status =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .with_context(|| format!("no VmRSS in {}", path.display()))
}

/// Waits until process `pid` uses less than [`IDLE_SHARE`] of a core over [`IDLE_WINDOW`],
/// for at most `max` (zero: not at all); returns how long it waited and whether it got idle.
async fn quiet(pid: u32, max: Duration) -> Result<(Duration, bool)> {
    let began = Instant::now();
    if max.is_zero() {
        return Ok((Duration::ZERO, false));
    }
    let mut before = cpu_ticks(pid)?;
    loop {
        tokio::time::sleep(IDLE_WINDOW).await;
        let now = cpu_ticks(pid)?;
        let busy = now.saturating_sub(before) as f64 / TICKS_PER_SEC / IDLE_WINDOW.as_secs_f64();
        if busy < IDLE_SHARE {
            return Ok((began.elapsed(), true));
        }
        if began.elapsed() >= max {
            return Ok((began.elapsed(), false));
        }
        before = now;
    }
}

/// User plus system CPU time of process `pid`, in clock ticks.
fn cpu_ticks(pid: u32) -> Result<u64> {
    let path = format!("/proc/{pid}/stat");
    let stat = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
    let rest = stat
        .rsplit_once(')')
        .map(|(_, r)| r)
        .with_context(|| format!("unexpected {path}"))?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let field = |i: usize| -> Result<u64> {
        fields
            .get(i - 3)
            .and_then(|f| f.parse().ok())
            .with_context(|| format!("no field {i} in {path}"))
    };
    Ok(field(14)? + field(15)?)
}

/// The nearest-rank `p`th percentile of sorted `times` (zero when empty).
fn percentile(times: &[Duration], p: usize) -> Duration {
    let rank = (p * times.len()).div_ceil(100).max(1);
    times.get(rank - 1).copied().unwrap_or_default()
}

/// What [`quiet`] found, for the table.
fn idle_text((waited, idle): (Duration, bool)) -> String {
    match (idle, waited.is_zero()) {
        (true, _) => fmt(waited),
        (false, true) => "none".to_owned(),
        (false, false) => format!("still busy after {}", fmt(waited)),
    }
}

/// `1.2 ms`, `345 ms`, `6.78 s`.
fn fmt(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1_000.0;
    if ms < 10.0 {
        format!("{ms:.1} ms")
    } else if ms < 1_000.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{:.2} s", ms / 1_000.0)
    }
}

/// `12345` as `12,345`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
