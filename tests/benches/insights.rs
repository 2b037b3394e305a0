//! The caseload dashboard and practice reports on a practice of 500 clients with a year of
//! data, through the real GraphQL API over HTTP on a real port.
//!
//! 1. Seeds practice A with 4 therapists and 500 more clients, each with a year of history
//!    written straight to the database (`History::year` in `tests/graphql/history.rs`: MOOD
//!    entries on most days, weekly homework and check-ins, two goals with progress, monthly
//!    PHQ-9 and GAD-7, a session every four weeks and two to come), client `i` on therapist
//!    `i % 4`'s care team and every tenth also on the next one's. Prints the seeding time and
//!    the row counts; runs `ANALYZE` on PostgreSQL, then `evaluateAlerts` once.
//! 2. Times `caseload(first: 50, sort: MOMENTUM)` with the full nesting as an integrator with
//!    CLINICAL_READ (every client: the worst case) and as one therapist (about 125 clients),
//!    and `practiceReport` over the last 365 days grouped by THERAPIST and by MONTH as the
//!    practice admin. Each gets 3 checked warm-up requests, then `SECONDS` seconds with 1
//!    caller and with 32 concurrent callers, each sending requests back to back. Every
//!    response is checked (50 edges and the expected totalCount; the report's row count and
//!    client count) outside the timed span; the table gives requests per second, p50 and p99.
//!
//! 3. Profiles one request of each (after a warm-up) on a second server on the same database
//!    whose connection records every statement's time, and prints the slowest statements;
//!    with `BENCH_EXPLAIN=<dir>`, writes the plan of each request's slowest statement there.
//!
//! The server uses the production default pool (`Config::default().db_pool_size`, 10
//! connections), not the test suite's 5. SQLite by default; PostgreSQL when
//! `MOMENTUM_TEST_DATABASE_URL` is set (a fresh database is created and dropped, exactly as
//! in the integration suite). Run with `cargo bench -p momentum-tests --bench insights`.
//! `BENCH_CLIENTS` changes the 500 clients (e.g. 5000 for the caseload at practice scale);
//! `BENCH_SECONDS` changes the timed span of each run; `RUST_LOG` (e.g. `error`) shows the
//! server's log. It prints a markdown table.

#[allow(dead_code, clippy::unwrap_used, clippy::expect_used)]
#[path = "../graphql/helpers.rs"]
mod helpers;

#[allow(dead_code, clippy::unwrap_used, clippy::expect_used)]
#[path = "../graphql/history.rs"]
mod history;

use std::{
    ops::RangeInclusive,
    sync::{Arc, Mutex, atomic::Ordering},
    time::{Duration as StdDuration, Instant},
};

use anyhow::{Context as _, Result, bail};
use chrono::{Duration, Utc};
use futures_util::future::join_all;
use momentum_api::{
    auth::{Role, Scope},
    config::Config,
    startup::Application,
};
use sea_orm::{
    ActiveValue::Set, ConnectionTrait as _, DatabaseConnection, DbBackend, EntityTrait as _,
    Statement,
};
use secrecy::SecretString;
use serde_json::{Value, json};
use uuid::Uuid;

use helpers::{TestApp, spawn_app_with};
use history::History;

/// Clients seeded on top of the demo practice's 4.
/// Clients seeded when `BENCH_CLIENTS` does not say otherwise.
const CLIENTS: usize = 500;

/// The clients to seed: `BENCH_CLIENTS`, or [`CLIENTS`].
fn clients() -> usize {
    std::env::var("BENCH_CLIENTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(CLIENTS)
}
/// Therapists of the practice (the demo's 2 and 2 more).
const THERAPISTS: usize = 4;
/// Checked, untimed requests before each timed run.
const WARMUP: usize = 3;
/// The concurrent callers of each timed run.
const CALLERS: [usize; 2] = [1, 32];
/// Default timed span of each run, in seconds.
const SECONDS: u64 = 30;

const CASELOAD: &str = "query {
  caseload(sort: MOMENTUM, first: 50) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node {
      client { id displayName careTeam { id } nextSession { id scheduledAt } momentum { score } }
      momentum { score trend components { name value weight } streakDays daysSinceLastActivity }
      lastActivityAt daysSinceLastActivity openAlerts highestAlertSeverity nextSessionAt
      homeworkDue homeworkOverdue
    } }
  }
}";

const REPORT: &str = "query($from: DateTime!, $to: DateTime!, $g: ReportGroupBy!) {
    practiceReport(from: $from, to: $to, groupBy: $g) {
        from to groupBy rows { ...R } totals { ...R } } }
    fragment R on PracticeReportRow {
        therapist { id displayName } month total from to clients homeworkDue homeworkDone
        homeworkCompletionRate clientsWithFullWeeks clientsTrackingWeekly trackingWeeklyShare
        measuresAdministered outcomes { instrument clientsWithTwoScores reliableChangePoints
        meanChange reliableImprovementRate reliableDeteriorationRate responseRate
        remissionRate } }";

#[tokio::main]
async fn main() -> Result<()> {
    // `cargo bench` passes `--bench`; anything else (e.g. `cargo test --all-targets`) skips.
    if !std::env::args().any(|a| a == "--bench") {
        println!("insights benchmark: skipped (run it with `cargo bench --bench insights`)");
        return Ok(());
    }
    // The server's own log (pool timeouts, internal errors) when `RUST_LOG` asks for it.
    if std::env::var_os("RUST_LOG").is_some() {
        let _ = momentum_api::telemetry::init(false);
    }
    let seconds = std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(SECONDS);
    let database = match std::env::var("MOMENTUM_TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => "PostgreSQL",
        _ => "SQLite",
    };
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let pool = Config::default().db_pool_size;
    eprintln!("insights benchmark on {database}, {cores} cores, pool {pool}: starting the app");
    let app = spawn_app_with(|c| c.db_pool_size = pool).await;

    // 1. Seeding.
    let started = Instant::now();
    let therapists = seed(&app).await?;
    let seeding = started.elapsed();
    eprintln!("seeded in {:.1} s", seeding.as_secs_f64());
    let mut counts = Vec::new();
    for table in [
        "client",
        "care_team",
        "tracker_entry",
        "homework_occurrence",
        "check_in",
        "goal",
        "goal_progress",
        "measure_response",
        "therapy_session",
    ] {
        counts.push((table, app.count(table).await));
    }
    let analyzed = if app.db.get_database_backend() == DbBackend::Postgres {
        let started = Instant::now();
        app.db.execute_unprepared("ANALYZE").await?;
        format!("; ANALYZE {:.1} s", started.elapsed().as_secs_f64())
    } else {
        String::new()
    };
    let admin = app.admin();
    let started = Instant::now();
    let evaluated = app
        .gql_checked(
            &admin,
            "mutation { evaluateAlerts { clientsEvaluated disengagementRaised missedHomeworkRaised } }",
            json!({}),
        )
        .await?;
    eprintln!(
        "evaluateAlerts in {:.2} s: {}",
        started.elapsed().as_secs_f64(),
        at(&evaluated, "evaluateAlerts")
    );
    counts.push(("alert", app.count("alert").await));

    // 2. The runs.
    let integrator = app.integrator(&app.a, &[Scope::ClinicalRead]).await;
    let therapist = app.token(&app.a, therapists[0], Role::Therapist);
    let mine = {
        let res = app.gql_checked(&therapist, CASELOAD, json!({})).await?;
        at(&res, "caseload.totalCount").as_u64().unwrap_or(0)
    };
    let everyone = (clients() + app.a.client_ids.len()) as u64;
    let to = Utc::now();
    let from = to - Duration::days(365);
    let report = |g: &str| json!({ "from": from, "to": to, "g": g });
    let scenarios: Vec<Scenario> = vec![
        Scenario {
            name: "`caseload(first: 50)`, full nesting".into(),
            viewer: format!("integrator, CLINICAL_READ ({everyone} clients)"),
            token: integrator,
            query: CASELOAD,
            variables: json!({}),
            check: Box::new(move |res: &Value| check_caseload(res, everyone)),
        },
        Scenario {
            name: "`caseload(first: 50)`, full nesting".into(),
            viewer: format!("therapist ({mine} clients)"),
            token: therapist,
            query: CASELOAD,
            variables: json!({}),
            check: Box::new(move |res: &Value| check_caseload(res, mine)),
        },
        Scenario {
            name: "`practiceReport`, 365 days, THERAPIST".into(),
            viewer: "practice admin".into(),
            token: admin.clone(),
            query: REPORT,
            variables: report("THERAPIST"),
            check: Box::new(|res: &Value| check_report(res, THERAPISTS..=THERAPISTS)),
        },
        Scenario {
            name: "`practiceReport`, 365 days, MONTH".into(),
            viewer: "practice admin".into(),
            token: admin,
            query: REPORT,
            variables: report("MONTH"),
            // 365 days overlap 13 calendar months (12 when they start on the 1st at 00:00).
            check: Box::new(|res: &Value| check_report(res, 12..=13)),
        },
    ];

    let load_before = load_average();
    let mut lines = Vec::new();
    for s in &scenarios {
        let before = app.statements.load(Ordering::SeqCst);
        let res = app
            .gql_checked(&s.token, s.query, s.variables.clone())
            .await?;
        let statements = app.statements.load(Ordering::SeqCst) - before;
        (s.check)(&res)?;
        for _ in 1..WARMUP {
            let res = app
                .gql_checked(&s.token, s.query, s.variables.clone())
                .await?;
            (s.check)(&res)?;
        }
        for callers in CALLERS {
            eprintln!(
                "timing {} as {}: {callers} caller(s), {seconds} s",
                s.name, s.viewer
            );
            let run = run(&app, s, callers, StdDuration::from_secs(seconds)).await?;
            eprintln!(
                "  {} requests, {:.1}/s, p50 {:.0} ms, p99 {:.0} ms, {} errors{}",
                run.requests,
                run.per_second,
                run.p50,
                run.p99,
                run.errors,
                run.first_error
                    .as_deref()
                    .map(|e| format!(" (first: {e})"))
                    .unwrap_or_default()
            );
            lines.push(format!(
                "| {database} | {} | {} | {statements} | {callers} | {} | {} | {:.1} | {:.0} ms | {:.0} ms |",
                s.name, s.viewer, run.requests, run.errors, run.per_second, run.p50, run.p99
            ));
        }
    }

    let load_after = load_average();
    profile(&app, &scenarios).await?;

    println!();
    println!(
        "Seeded {} clients in {:.1} s{analyzed}. Rows: {}.",
        clients(),
        seeding.as_secs_f64(),
        counts
            .iter()
            .map(|(t, n)| format!("{t} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!();
    println!(
        "| Database | Query | Viewer | Statements | Callers | Requests | Errors | Requests/s | p50 | p99 |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for line in lines {
        println!("{line}");
    }
    println!();
    println!(
        "({cores} cores shared by server, database and callers; pool {pool}; {seconds} s per \
         run after {WARMUP} warm-up requests; `bench` profile (optimized); over HTTP on \
         127.0.0.1; statements: SQL statements of one request; load average before the \
         runs {load_before}, after {load_after})"
    );
    Ok(())
}

/// The 1-minute load average (`/proc/loadavg`), or `?`.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".to_owned())
}

/// Times one request of each scenario (after one warm-up) on a second server on the same
/// database whose connection records each statement, and prints the slowest statements.
async fn profile(app: &TestApp, scenarios: &[Scenario]) -> Result<()> {
    let explain = std::env::var("BENCH_EXPLAIN").ok();
    let log: Arc<Mutex<Vec<(StdDuration, Statement)>>> = Arc::default();
    let sink = log.clone();
    let mut db = momentum_api::db::connect(&app.config).await?;
    db.set_metric_callback(move |info| {
        if let Ok(mut log) = sink.lock() {
            log.push((info.elapsed, info.statement.clone()));
        }
    });
    let server = Application::build_with(
        app.config.clone(),
        db,
        &SecretString::from(helpers::JWT_SECRET),
    )?;
    let url = format!("http://127.0.0.1:{}", server.port());
    let stopper = server.stopper();
    tokio::spawn(server.run_until_stopped());
    let ms = |d: StdDuration| d.as_secs_f64() * 1_000.0;
    for (n, s) in scenarios.iter().enumerate() {
        post(app, &url, &s.token, s.query, s.variables.clone()).await?;
        log.lock().map_err(|_| anyhow::anyhow!("poisoned"))?.clear();
        let started = Instant::now();
        let res = post(app, &url, &s.token, s.query, s.variables.clone()).await?;
        let total = started.elapsed();
        (s.check)(&res)?;
        let mut statements =
            std::mem::take(&mut *log.lock().map_err(|_| anyhow::anyhow!("poisoned"))?);
        statements.sort_by_key(|s| std::cmp::Reverse(s.0));
        let sql: StdDuration = statements.iter().map(|(d, _)| *d).sum();
        eprintln!(
            "profile: {} as {}: {:.0} ms in all, {} statements taking {:.0} ms; slowest:",
            s.name,
            s.viewer,
            ms(total),
            statements.len(),
            ms(sql)
        );
        for (d, st) in statements.iter().take(5) {
            let sql: String = st.sql.split_whitespace().collect::<Vec<_>>().join(" ");
            let cut: String = sql.chars().take(160).collect();
            eprintln!("  {:7.1} ms  {cut}", ms(*d));
        }
        if let (Some(dir), Some((_, slowest))) = (&explain, statements.first()) {
            let path = std::path::Path::new(dir).join(format!("insights-{n}.txt"));
            let plan = explain_plan(&app.db, slowest).await?;
            let text = format!(
                "{} as {}\n\n{}\n\n{:?}\n\n{plan}\n",
                s.name, s.viewer, slowest.sql, slowest.values
            );
            std::fs::write(&path, text)?;
            eprintln!("  plan of the slowest: {}", path.display());
        }
    }
    stopper.stop().await;
    Ok(())
}

/// The plan of `st`: `EXPLAIN (ANALYZE, BUFFERS)` on PostgreSQL (it runs the statement),
/// `EXPLAIN QUERY PLAN` on SQLite.
async fn explain_plan(db: &DatabaseConnection, st: &Statement) -> Result<String> {
    let (prefix, column) = match st.db_backend {
        DbBackend::Postgres => ("EXPLAIN (ANALYZE, BUFFERS)", 0),
        _ => ("EXPLAIN QUERY PLAN", 3),
    };
    let rows = db
        .query_all_raw(Statement {
            sql: format!("{prefix} {}", st.sql),
            ..st.clone()
        })
        .await?;
    let lines: Vec<String> = rows
        .iter()
        .map(|r| r.try_get_by_index::<String>(column))
        .collect::<Result<_, _>>()?;
    Ok(lines.join("\n"))
}

/// Adds therapists up to [`THERAPISTS`] and [`clients()`] clients with a year of history each;
/// returns the therapists' ids.
async fn seed(app: &TestApp) -> Result<Vec<Uuid>> {
    use entity::{app_user, client};
    let now = Utc::now();
    let practice = app.a.practice_id;
    let mut therapists = app.a.therapist_ids.to_vec();
    let hash = momentum_api::auth::password::hash_blocking(helpers::PASSWORD)?;
    for i in therapists.len()..THERAPISTS {
        let id = Uuid::now_v7();
        app_user::Entity::insert(app_user::ActiveModel {
            id: Set(id),
            practice_id: Set(practice),
            email: Set(format!("therapist{}@a.test", i + 1)),
            password_hash: Set(hash.clone()),
            role: Set(Role::Therapist.as_str().to_owned()),
            display_name: Set(format!("Dr. Bench {}", i + 1)),
            disabled_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .exec_without_returning(&app.db)
        .await?;
        therapists.push(id);
    }
    let created = now - Duration::days(400);
    let n = clients();
    let ids: Vec<Uuid> = (0..n).map(|_| Uuid::now_v7()).collect();
    for (chunk, names) in ids.chunks(250).zip((0..n).collect::<Vec<_>>().chunks(250)) {
        client::Entity::insert_many(chunk.iter().zip(names).map(|(id, i)| client::ActiveModel {
            id: Set(*id),
            practice_id: Set(practice),
            display_name: Set(format!("Bench client {i:04}")),
            timezone: Set("UTC".to_owned()),
            status: Set("ACTIVE".to_owned()),
            external_ref: Set(None),
            user_id: Set(None),
            version: Set(1),
            created_at: Set(created),
            updated_at: Set(created),
        }))
        .exec_without_returning(&app.db)
        .await?;
    }
    for (i, id) in ids.iter().enumerate() {
        let by = therapists[i % THERAPISTS];
        momentum_api::tracking::service::add_builtins(&app.db, practice, *id, by).await?;
        let h = History {
            db: &app.db,
            practice_id: practice,
            client_id: *id,
            by,
        };
        h.care_team(by).await;
        if i % 10 == 0 {
            h.care_team(therapists[(i + 1) % THERAPISTS]).await;
        }
        h.year(now, i as u64).await;
        if (i + 1) % 100 == 0 {
            eprintln!("  {} clients seeded", i + 1);
        }
    }
    Ok(therapists)
}

/// Checks a response's data.
type Check = Box<dyn Fn(&Value) -> Result<()>>;

/// One query to time, as one viewer.
struct Scenario {
    name: String,
    viewer: String,
    token: String,
    query: &'static str,
    variables: Value,
    check: Check,
}

/// 50 edges and `total` clients.
fn check_caseload(res: &Value, total: u64) -> Result<()> {
    let edges = at(res, "caseload.edges").as_array().map_or(0, Vec::len);
    let count = at(res, "caseload.totalCount").as_u64().unwrap_or(0);
    if edges != 50 || count != total {
        bail!("{edges} edges of {count} clients; 50 of {total} expected");
    }
    Ok(())
}

/// A number of rows in `rows`, and at least every seeded client in the totals.
fn check_report(res: &Value, rows: RangeInclusive<usize>) -> Result<()> {
    let got = at(res, "practiceReport.rows")
        .as_array()
        .map_or(0, Vec::len);
    let clients = at(res, "practiceReport.totals.clients")
        .as_u64()
        .unwrap_or(0);
    if !rows.contains(&got) || clients < self::clients() as u64 {
        bail!(
            "{got} rows and {clients} clients; {rows:?} rows and {}+ clients expected",
            self::clients()
        );
    }
    Ok(())
}

/// What a timed run measured: successful requests, their rate and latencies (ms), errors.
struct Run {
    requests: usize,
    per_second: f64,
    p50: f64,
    p99: f64,
    errors: usize,
    first_error: Option<String>,
}

/// `callers` concurrent callers each send the scenario's request back to back until
/// `span` has passed (a request under way then finishes). A GraphQL or HTTP error counts
/// as an error, not a latency; a response with wrong data fails the benchmark.
async fn run(app: &TestApp, s: &Scenario, callers: usize, span: StdDuration) -> Result<Run> {
    let started = Instant::now();
    let deadline = started + span;
    let results = join_all((0..callers).map(|_| async {
        let mut times = Vec::new();
        let mut errors = Vec::new();
        while Instant::now() < deadline {
            let sent = Instant::now();
            let res = app
                .gql_checked(&s.token, s.query, s.variables.clone())
                .await;
            let took = sent.elapsed();
            match res {
                Ok(res) => {
                    (s.check)(&res)?;
                    times.push(took);
                }
                Err(e) => errors.push(format!("{e:#}")),
            }
        }
        Ok::<_, anyhow::Error>((times, errors))
    }))
    .await;
    let elapsed = started.elapsed();
    let mut times = Vec::new();
    let mut errors = Vec::new();
    for r in results {
        let (t, e) = r?;
        times.extend(t);
        errors.extend(e);
    }
    if times.is_empty() {
        bail!("no request succeeded: {:?}", errors.first());
    }
    times.sort();
    let ms = |d: StdDuration| d.as_secs_f64() * 1_000.0;
    Ok(Run {
        requests: times.len(),
        per_second: times.len() as f64 / elapsed.as_secs_f64(),
        p50: ms(percentile(&times, 50)),
        p99: ms(percentile(&times, 99)),
        errors: errors.len(),
        first_error: errors.into_iter().next(),
    })
}

/// The nearest-rank `p`th percentile of sorted, non-empty `times`.
fn percentile(times: &[StdDuration], p: usize) -> StdDuration {
    let rank = (p * times.len()).div_ceil(100).max(1);
    times[rank - 1]
}

impl TestApp {
    /// POSTs a GraphQL operation with the bearer `token`; an error response is an error.
    async fn gql_checked(&self, token: &str, query: &str, variables: Value) -> Result<Value> {
        post(self, &self.url, token, query, variables).await
    }
}

/// POSTs a GraphQL operation to the server at `url` with the bearer `token`; an error
/// response is an error.
async fn post(
    app: &TestApp,
    url: &str,
    token: &str,
    query: &str,
    variables: Value,
) -> Result<Value> {
    let res = app
        .http
        .post(format!("{url}/graphql"))
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
        bail!("GraphQL errors (HTTP {status}): {errors}");
    }
    Ok(body)
}

/// `data` at a dotted path.
fn at<'a>(res: &'a Value, path: &str) -> &'a Value {
    path.split('.').fold(&res["data"], |v, part| &v[part])
}
