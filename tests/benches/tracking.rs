//! Self-monitoring at scale, through the real GraphQL API over HTTP on a real port.
//!
//! 1. Inserts 100,000 MOOD entries for one client (200 `logEntries` calls of 500 entries,
//!    values 0-10, `recordedAt` spread evenly over the past 365 days, client-generated UUID v7
//!    ids, SHARED), logged by the client, and reports seconds and entries per second.
//! 2. Times `series(DAY)` over that year (366 points), `series(WEEK)` over the same range and
//!    `summary(days: 365)`: 3 warm-up runs, then 50 sequential runs each (p50, p95, max).
//!
//! SQLite by default; PostgreSQL when `MOMENTUM_TEST_DATABASE_URL` is set (a fresh database
//! is created and dropped, exactly as in the integration suite). Run with
//! `cargo bench -p momentum-tests --bench tracking`. It prints a markdown table.

#[allow(dead_code, clippy::unwrap_used, clippy::expect_used)]
#[path = "../graphql/helpers.rs"]
mod helpers;

use std::time::{Duration as StdDuration, Instant};

use anyhow::{Context as _, Result, bail};
use chrono::{DateTime, Duration, NaiveDate, SecondsFormat, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use helpers::{TestApp, spawn_app};

/// `logEntries` calls.
const BATCHES: usize = 200;
/// Entries per call (the API's maximum).
const BATCH_SIZE: usize = 500;
/// Entries in all.
const ENTRIES: usize = BATCHES * BATCH_SIZE;
/// The entries span this many days before now; the series covers `DAYS + 1` local dates.
const DAYS: i64 = 365;
/// Untimed runs of each query before the timed ones.
const WARMUP: usize = 3;
/// Timed, sequential runs of each query.
const RUNS: usize = 50;

const LOG_ENTRIES: &str = "mutation($input: LogEntriesInput!) { logEntries(input: $input) {
    results { index id status error { code field message } } created duplicates rejected } }";
const POINT_FIELDS: &str = "start end count hiddenCount mean min max";
const SUMMARY_FIELDS: &str = "days from to count hiddenCount mean previousMean change slopePerWeek";

#[tokio::main]
async fn main() -> Result<()> {
    // `cargo bench` passes `--bench`; anything else (e.g. `cargo test --all-targets`) skips.
    if !std::env::args().any(|a| a == "--bench") {
        println!("tracking benchmark: skipped (run it with `cargo bench --bench tracking`)");
        return Ok(());
    }

    let database = match std::env::var("MOMENTUM_TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => "PostgreSQL",
        _ => "SQLite",
    };
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    eprintln!("tracking benchmark on {database}, {cores} cores: starting the app");

    let app = spawn_app().await;
    let token = app.client();
    let client_id = app.a.client_ids[0];
    let tracker_id = mood_tracker(&app, &token, client_id).await?;

    // 1. Inserts. The request bodies are built before the clock starts.
    let now = Utc::now();
    let batches = entry_batches(&tracker_id, now);
    eprintln!("inserting {ENTRIES} entries in {BATCHES} calls of {BATCH_SIZE}");
    let started = Instant::now();
    let mut created = 0usize;
    for (b, batch) in batches.into_iter().enumerate() {
        created += log_batch(&app, &token, b, batch).await?;
    }
    let insert = started.elapsed();
    eprintln!("inserted in {:.2} s", insert.as_secs_f64());
    if created != ENTRIES {
        bail!("{created} of {ENTRIES} entries were CREATED");
    }
    let total = app
        .gql_checked(
            &token,
            "query($id: ID!) { tracker(id: $id) { entries(first: 1) { totalCount } } }",
            json!({ "id": tracker_id }),
        )
        .await?;
    let stored = at(&total, "tracker.entries.totalCount")
        .as_u64()
        .unwrap_or(0);
    if stored < ENTRIES as u64 {
        bail!("the tracker has {stored} entries after inserting {ENTRIES}");
    }

    // The client's local today, as the API computes it, ends the range.
    let first = app
        .gql_checked(&token, &summary_query(), json!({ "id": tracker_id }))
        .await?;
    let to = date(at(&first, "tracker.summary.to"))?;
    let from = to - Duration::days(DAYS);
    let day_points = (to - from).num_days() + 1;

    // 2. Queries.
    let day_query = series_query(from, to, "DAY");
    let week_query = series_query(from, to, "WEEK");
    let summary_query = summary_query();
    let vars = json!({ "id": tracker_id });

    eprintln!("timing series(DAY) from {from} to {to}");
    let day = time_query(&app, &token, &day_query, &vars, |res| {
        check_series(res, from, day_points as usize, stored)
    })
    .await?;
    eprintln!("timing series(WEEK)");
    let week = time_query(&app, &token, &week_query, &vars, |res| {
        check_series(res, from, 0, stored)
    })
    .await?;
    let week_points = at(&week.last, "tracker.series")
        .as_array()
        .map_or(0, Vec::len);
    eprintln!("timing summary(days: {DAYS})");
    let summary = time_query(&app, &token, &summary_query, &vars, |res| {
        // The window is the last `DAYS` local days, one fewer than the entries span.
        let count = at(res, "tracker.summary.count").as_u64().unwrap_or(0);
        let least = (ENTRIES - 2 * ENTRIES / DAYS as usize) as u64;
        if count < least || count > stored {
            bail!("summary counts {count} entries; {least}..={stored} expected");
        }
        Ok(())
    })
    .await?;

    let secs = insert.as_secs_f64();
    println!();
    println!("| Database | Cores | Measurement | Result |");
    println!("|---|---|---|---|");
    println!(
        "| {database} | {cores} | `logEntries`: {} entries ({BATCHES} calls × {BATCH_SIZE}) | {secs:.2} s, {} entries/s |",
        thousands(ENTRIES as f64),
        thousands(ENTRIES as f64 / secs),
    );
    for (name, stats) in [
        (format!("`series(DAY)`, {day_points} points"), &day),
        (format!("`series(WEEK)`, {week_points} points"), &week),
        (format!("`summary(days: {DAYS})`"), &summary),
    ] {
        println!(
            "| {database} | {cores} | {name}, {RUNS} runs | p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms |",
            stats.p50, stats.p95, stats.max
        );
    }
    println!();
    println!(
        "({} entries in the tracker; `bench` profile (optimized); \
         one request at a time over HTTP on 127.0.0.1)",
        thousands(stored as f64)
    );
    Ok(())
}

impl TestApp {
    /// POSTs a GraphQL operation with the bearer `token`; an error response is an error.
    async fn gql_checked(&self, token: &str, query: &str, variables: Value) -> Result<Value> {
        let res = self
            .http
            .post(format!("{}/graphql", self.url))
            .bearer_auth(token)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .context("POST /graphql")?;
        let status = res.status();
        let body: Value = res
            .json()
            .await
            .with_context(|| format!("reading the response (HTTP {status})"))?;
        if let Some(errors) = body.get("errors") {
            bail!(
                "GraphQL errors (HTTP {status}):\n{}",
                serde_json::to_string_pretty(errors).unwrap_or_else(|_| errors.to_string())
            );
        }
        Ok(body)
    }
}

/// `data` at a dotted path.
fn at<'a>(res: &'a Value, path: &str) -> &'a Value {
    path.split('.').fold(&res["data"], |v, part| &v[part])
}

/// A `NaiveDate` JSON value.
fn date(v: &Value) -> Result<NaiveDate> {
    let s = v
        .as_str()
        .with_context(|| format!("expected a date, got {v}"))?;
    NaiveDate::parse_from_str(s, "%Y-%m-%d").with_context(|| format!("not a date: {s}"))
}

/// The id of the client's MOOD tracker.
async fn mood_tracker(app: &TestApp, token: &str, client_id: Uuid) -> Result<String> {
    let res = app
        .gql_checked(
            token,
            "query($id: ID!) { client(id: $id) { displayName timezone trackers { id kind } } }",
            json!({ "id": client_id.to_string() }),
        )
        .await?;
    eprintln!(
        "client: {} ({})",
        at(&res, "client.displayName"),
        at(&res, "client.timezone")
    );
    at(&res, "client.trackers")
        .as_array()
        .into_iter()
        .flatten()
        .find(|t| t["kind"] == "MOOD")
        .and_then(|t| t["id"].as_str())
        .map(str::to_owned)
        .with_context(|| format!("no MOOD tracker: {res}"))
}

/// The `logEntries` inputs: entry `i` at `now - DAYS + i * DAYS / ENTRIES` (to the second),
/// value 0-10, a fresh UUID v7 id, SHARED.
fn entry_batches(tracker_id: &str, now: DateTime<Utc>) -> Vec<Value> {
    let start = now - Duration::days(DAYS);
    let span = DAYS * 86_400;
    (0..BATCHES)
        .map(|b| {
            let entries: Vec<Value> = (0..BATCH_SIZE)
                .map(|k| {
                    let i = b * BATCH_SIZE + k;
                    let offset = span * i as i64 / ENTRIES as i64;
                    let recorded_at = (start + Duration::seconds(offset))
                        .to_rfc3339_opts(SecondsFormat::Secs, true);
                    json!({
                        "id": Uuid::now_v7().to_string(),
                        "trackerId": tracker_id,
                        "recordedAt": recorded_at,
                        "value": mood(i),
                        "visibility": "SHARED",
                    })
                })
                .collect();
            json!({ "input": { "entries": entries } })
        })
        .collect()
}

/// A deterministic mood in 0..=10: a slow rise over the year plus a wobble.
fn mood(i: usize) -> u32 {
    let trend = (i * 5 / ENTRIES) as u32; // 0..=4
    let wobble = ((i as u64).wrapping_mul(2_654_435_761) >> 13) % 7; // 0..=6
    trend + wobble as u32
}

/// Sends batch `b` and returns how many entries were CREATED; anything else fails.
async fn log_batch(app: &TestApp, token: &str, b: usize, variables: Value) -> Result<usize> {
    let res = app
        .gql_checked(token, LOG_ENTRIES, variables)
        .await
        .with_context(|| format!("logEntries call {b}"))?;
    let results = at(&res, "logEntries.results")
        .as_array()
        .with_context(|| format!("logEntries call {b}: no results: {res}"))?;
    if results.len() != BATCH_SIZE {
        bail!(
            "logEntries call {b}: {} results for {BATCH_SIZE} entries",
            results.len()
        );
    }
    let created = results.iter().filter(|r| r["status"] == "CREATED").count();
    if created != BATCH_SIZE {
        let bad: Vec<&Value> = results
            .iter()
            .filter(|r| r["status"] != "CREATED")
            .take(5)
            .collect();
        bail!(
            "logEntries call {b}: {created} of {BATCH_SIZE} CREATED; first others: {}",
            serde_json::to_string_pretty(&bad).unwrap_or_default()
        );
    }
    let payload = at(&res, "logEntries");
    if payload["created"] != BATCH_SIZE || payload["duplicates"] != 0 || payload["rejected"] != 0 {
        bail!(
            "logEntries call {b}: counts disagree with the results: created {}, duplicates {}, rejected {}",
            payload["created"],
            payload["duplicates"],
            payload["rejected"]
        );
    }
    Ok(created)
}

/// `tracker(id) { series(from, to, bucket) }`.
fn series_query(from: NaiveDate, to: NaiveDate, bucket: &str) -> String {
    format!(
        "query($id: ID!) {{ tracker(id: $id) {{
            series(from: \"{from}\", to: \"{to}\", bucket: {bucket}) {{ {POINT_FIELDS} }} }} }}"
    )
}

/// `tracker(id) { summary(days: DAYS) }`.
fn summary_query() -> String {
    format!(
        "query($id: ID!) {{ tracker(id: $id) {{ summary(days: {DAYS}) {{ {SUMMARY_FIELDS} }} }} }}"
    )
}

/// A series starting on `from` with `points` points (any number when 0) counting at least
/// `ENTRIES` and at most `stored` entries.
fn check_series(res: &Value, from: NaiveDate, points: usize, stored: u64) -> Result<()> {
    let series = at(res, "tracker.series")
        .as_array()
        .with_context(|| format!("no series: {res}"))?;
    if points != 0 && series.len() != points {
        bail!("{} points, expected {points}", series.len());
    }
    let first = series.first().context("an empty series")?;
    if date(&first["start"])? > from {
        bail!("the series starts on {}, after {from}", first["start"]);
    }
    let count: u64 = series.iter().filter_map(|p| p["count"].as_u64()).sum();
    if count < ENTRIES as u64 || count > stored {
        bail!("the series counts {count} entries; {ENTRIES}..={stored} expected");
    }
    Ok(())
}

/// Latencies of one query, in milliseconds, and its last response.
struct Stats {
    p50: f64,
    p95: f64,
    max: f64,
    last: Value,
}

/// Runs `query` `WARMUP` times untimed, then `RUNS` times timed, one at a time, checking every
/// response with `check` (outside the timing).
async fn time_query(
    app: &TestApp,
    token: &str,
    query: &str,
    variables: &Value,
    check: impl Fn(&Value) -> Result<()>,
) -> Result<Stats> {
    let mut last = Value::Null;
    for _ in 0..WARMUP {
        last = app.gql_checked(token, query, variables.clone()).await?;
        check(&last)?;
    }
    let mut times: Vec<StdDuration> = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let variables = variables.clone();
        let started = Instant::now();
        last = app.gql_checked(token, query, variables).await?;
        times.push(started.elapsed());
        check(&last)?;
    }
    times.sort();
    let ms = |d: StdDuration| d.as_secs_f64() * 1_000.0;
    Ok(Stats {
        p50: ms(percentile(&times, 50)),
        p95: ms(percentile(&times, 95)),
        max: ms(times.last().copied().unwrap_or_default()),
        last,
    })
}

/// The nearest-rank `p`th percentile of sorted, non-empty `times`.
fn percentile(times: &[StdDuration], p: usize) -> StdDuration {
    let rank = (p * times.len()).div_ceil(100).max(1);
    times[rank - 1]
}

/// `12345.6` as `12,346`.
fn thousands(x: f64) -> String {
    let digits = format!("{:.0}", x.round());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}
