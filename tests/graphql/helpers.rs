//! `spawn_app()`, real signed tokens for each role, and small GraphQL helpers.

use std::{
    sync::{
        Arc, OnceLock,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use momentum_api::{
    auth::viewer::authenticate,
    auth::{
        Role, Scope, Viewer, ViewerKind,
        tokens::{Subject, TokenKeys},
    },
    config::Config,
    demo::{self, SeededPractice},
    integrations::{self, domain::NewCredential},
    schema::execute::{Executor, Outcome},
    startup::Application,
    values::DisplayName,
};
use sea_orm::{ConnectionTrait as _, Database, DatabaseConnection};
use secrecy::SecretString;
use serde_json::{Value, json};
use uuid::Uuid;

pub const PASSWORD: &str = demo::DEMO_PASSWORD;
pub const JWT_SECRET: &str = "test-signing-key-that-is-long-enough-0123456789";
/// The data key of every test app (base64 of 32 bytes), so apps on one database share it.
pub const DATA_KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

/// A running app with two seeded practices, `a` (`@a.test`) and `b` (`@b.test`).
pub struct TestApp {
    pub url: String,
    pub http: reqwest::Client,
    /// The test's own pool on the app's database (for fixtures and checks).
    pub db: DatabaseConnection,
    pub config: Config,
    pub keys: TokenKeys,
    pub a: SeededPractice,
    pub b: SeededPractice,
    /// SQL statements the app has run (every statement, any connection of its pool).
    pub statements: Arc<AtomicUsize>,
    /// Of those, the statements that wrote `audit_log` rows.
    pub audit_statements: Arc<AtomicUsize>,
    /// Stops the server gracefully (what SIGTERM does). `None` for an app made by
    /// [`spawn_in_process`], which has no server.
    pub stopper: Option<momentum_api::startup::Stopper>,
    /// Runs operations in this process, without HTTP ([`TestApp::execute`]).
    pub executor: Executor,
    /// For an app made by [`spawn_in_process`]: keeps the executor's state running
    /// (dropping it is not a shutdown). A served app's executor shares the server's state.
    _shutdown: Option<tokio::sync::watch::Sender<bool>>,
    _database: TestDatabase,
}

/// A fresh database for one test, removed when the test ends.
enum TestDatabase {
    Sqlite(std::path::PathBuf),
    Postgres { admin_url: String, name: String },
}

impl TestDatabase {
    async fn create() -> (Self, String) {
        match std::env::var("MOMENTUM_TEST_DATABASE_URL") {
            Ok(admin_url) if !admin_url.is_empty() => {
                let name = format!("momentum_test_{}", Uuid::new_v4().simple());
                let admin = Database::connect(&admin_url)
                    .await
                    .expect("MOMENTUM_TEST_DATABASE_URL must reach PostgreSQL");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("create test database");
                admin.close().await.ok();
                let url = momentum_api::db::url_with_database(&admin_url, &name);
                (Self::Postgres { admin_url, name }, url)
            }
            _ => {
                let dir = std::env::temp_dir().join("momentum-tests");
                std::fs::create_dir_all(&dir).unwrap();
                let path = dir.join(format!("{}.db", Uuid::new_v4()));
                let url = format!("sqlite://{}?mode=rwc", path.display());
                (Self::Sqlite(path), url)
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match self {
            Self::Sqlite(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let mut p = path.clone().into_os_string();
                    p.push(suffix);
                    std::fs::remove_file(p).ok();
                }
            }
            Self::Postgres { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                // The test's runtime is shutting down; drop the database from a thread
                // with a runtime of its own. FORCE closes the app's pooled connections.
                std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .unwrap();
                    rt.block_on(async {
                        if let Ok(admin) = Database::connect(&admin_url).await {
                            admin
                                .execute_unprepared(&format!(
                                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                                ))
                                .await
                                .ok();
                        }
                    });
                })
                .join()
                .ok();
            }
        }
    }
}

fn password_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| momentum_api::auth::password::hash_blocking(PASSWORD).unwrap())
}

/// Fails a test that needs PostgreSQL when the suite runs on SQLite. Such tests are
/// `#[ignore]`d with that reason, and `.ci/run` runs them (`--include-ignored`) on
/// PostgreSQL, so they never pass by not running.
pub fn require_postgres(app: &TestApp) {
    assert_eq!(
        app.db.get_database_backend(),
        sea_orm::DatabaseBackend::Postgres,
        "this test needs PostgreSQL: set MOMENTUM_TEST_DATABASE_URL"
    );
}

/// The configuration every test app starts from.
pub fn test_config(database_url: String) -> Config {
    Config {
        database_url,
        bind: "127.0.0.1:0".parse().unwrap(),
        jwt_secret: Some(SecretString::from(JWT_SECRET)),
        data_key: Some(SecretString::from(DATA_KEY)),
        db_pool_size: 5,
        login_attempts_per_minute: 1_000,
        // The tests run the reminder and programme jobs themselves, with their clocks set; the
        // server's own passes (at the real time) would race them.
        reminder_interval: std::time::Duration::from_secs(3600),
        program_interval: std::time::Duration::from_secs(3600),
        automation_interval: std::time::Duration::from_secs(3600),
        ..Config::default()
    }
}

/// An app with the default test configuration.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// An app whose configuration `tweak` adjusts first.
pub async fn spawn_app_with(tweak: impl FnOnce(&mut Config)) -> TestApp {
    prepare(tweak, true).await
}

/// An app with no HTTP server, for the fast in-process tier: operations run on the schema
/// with a viewer from a real signed token ([`TestApp::execute`]), through the same loaders,
/// limits, audit and error codes as `POST /graphql`. For error shapes and role rules; what
/// is about HTTP (status codes, headers, sockets) needs [`spawn_app`].
pub async fn spawn_in_process() -> TestApp {
    prepare(|_| {}, false).await
}

async fn prepare(tweak: impl FnOnce(&mut Config), serve: bool) -> TestApp {
    let (database, url) = TestDatabase::create().await;
    let mut config = test_config(url);
    tweak(&mut config);
    let mut db = momentum_api::db::connect(&config).await.expect("connect");
    momentum_api::db::migrate(&db).await.expect("migrate");
    let statements = Arc::new(AtomicUsize::new(0));
    let audit_statements = Arc::new(AtomicUsize::new(0));
    let (counter, audit_counter) = (statements.clone(), audit_statements.clone());
    db.set_metric_callback(move |info| {
        counter.fetch_add(1, Ordering::Relaxed);
        if info.statement.sql.starts_with("INSERT INTO \"audit_log\"") {
            audit_counter.fetch_add(1, Ordering::Relaxed);
        }
    });
    let secret = SecretString::from(JWT_SECRET);
    // Served: the executor runs on the server's own state. In process: a state of its own,
    // whose shutdown sender the app keeps.
    let (url, stopper, executor, shutdown) = if serve {
        let app = Application::build_with(config.clone(), db, &secret).expect("build app");
        let port = app.port();
        let stopper = app.stopper();
        let executor = Executor::new(app.state().clone());
        tokio::spawn(app.run_until_stopped());
        let url = format!("http://127.0.0.1:{port}");
        (url, Some(stopper), executor, None)
    } else {
        let (shutdown, state) =
            momentum_api::startup::shared_state(config.clone(), db, &secret).expect("state");
        (String::new(), None, Executor::new(state), Some(shutdown))
    };
    // The test's own pool, opened on the test's runtime: it outlives the server's, so a
    // test can read and write the database after stopping the server.
    let db = momentum_api::db::connect(&config).await.expect("connect");
    let a = demo::seed_practice(&db, "Practice A", "a.test", password_hash())
        .await
        .unwrap();
    let b = demo::seed_practice(&db, "Practice B", "b.test", password_hash())
        .await
        .unwrap();
    let keys = TokenKeys::new(&secret, &config.token_settings());
    TestApp {
        url,
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap(),
        db,
        config,
        keys,
        a,
        b,
        statements,
        audit_statements,
        stopper,
        executor,
        _shutdown: shutdown,
        _database: database,
    }
}

/// A GraphQL response, with helpers to read it.
#[derive(Debug, Clone)]
pub struct Gql(pub Value);

impl Gql {
    /// `data` at a dotted path, e.g. `clients.totalCount`.
    pub fn data(&self, path: &str) -> &Value {
        let mut v = &self.0["data"];
        for part in path.split('.') {
            v = match part.parse::<usize>() {
                Ok(i) => &v[i],
                Err(_) => &v[part],
            };
        }
        v
    }

    /// The first error's `extensions.code`, or panics with the response.
    pub fn code(&self) -> &str {
        self.0["errors"][0]["extensions"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("expected an error, got {}", self.0))
    }

    /// The first error's `extensions.field`.
    pub fn field(&self) -> &str {
        self.0["errors"][0]["extensions"]["field"]
            .as_str()
            .unwrap_or_else(|| panic!("expected an error with a field, got {}", self.0))
    }

    /// Panics unless there are no errors.
    pub fn ok(self) -> Self {
        assert!(
            self.0.get("errors").is_none(),
            "unexpected errors: {}",
            self.0
        );
        self
    }
}

/// Runs `mutation { <name>(input: $input) { <selection> } }`.
pub async fn mutate(
    app: &TestApp,
    token: &str,
    name: &str,
    input_type: &str,
    input: Value,
    selection: &str,
) -> Gql {
    app.gql(
        Some(token),
        &format!("mutation($input: {input_type}!) {{ {name}(input: $input) {{ {selection} }} }}"),
        json!({ "input": input }),
    )
    .await
}

impl TestApp {
    /// POSTs a GraphQL operation as JSON, with an optional bearer token.
    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Gql {
        let mut req = self
            .http
            .post(format!("{}/graphql", self.url))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.unwrap();
        Gql(res.json().await.unwrap())
    }

    /// Runs a GraphQL operation in this process (no HTTP), as the bearer of `token` (a
    /// real signed token, checked as the server checks it; `None` is anonymous).
    pub async fn execute(&self, token: Option<&str>, query: &str, variables: Value) -> Gql {
        let state = &self.executor.state;
        let header = token.map(|t| format!("Bearer {t}"));
        let principal = match authenticate(&state.db, &state.tokens, header.as_deref(), "test")
            .await
        {
            Ok(p) => p,
            Err(e) => {
                return Gql(json!({ "errors": [{ "extensions": { "code": e.code().as_str() } }] }));
            }
        };
        let request = async_graphql::Request::new(query)
            .variables(async_graphql::Variables::from_json(variables));
        match self.executor.execute(principal, request, "test").await {
            Outcome::Answered(response) => Gql(serde_json::to_value(&response).unwrap()),
            Outcome::TimedOut => panic!("the operation ran past its deadline"),
            Outcome::AuditUnwritten(e) => panic!("audit rows unwritten: {e}"),
        }
    }

    /// [`Self::gql`] against another server (e.g. one from [`Self::start_another`]).
    pub async fn gql_at(&self, url: &str, token: &str, query: &str, variables: Value) -> Gql {
        let res = self
            .http
            .post(format!("{url}/graphql"))
            .bearer_auth(token)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .unwrap();
        Gql(res.json().await.unwrap())
    }

    /// Signs a real access token for a user of a seeded practice.
    pub fn token(&self, practice: &SeededPractice, user_id: Uuid, role: Role) -> String {
        let client_id = (role == Role::Client).then(|| {
            if user_id == practice.client_user_ids[0] {
                practice.client_ids[0]
            } else {
                practice.client_ids[2]
            }
        });
        self.keys
            .issue(&Subject {
                id: user_id,
                role,
                practice_id: practice.practice_id,
                client_id,
                scopes: Vec::new(),
            })
            .unwrap()
            .token
    }

    /// Practice A's admin.
    pub fn admin(&self) -> String {
        self.token(&self.a, self.a.admin_id, Role::PracticeAdmin)
    }

    /// Practice A's first therapist (clients 0 and 1).
    pub fn therapist(&self) -> String {
        self.token(&self.a, self.a.therapist_ids[0], Role::Therapist)
    }

    /// Practice A's second therapist (clients 2 and 3).
    pub fn therapist2(&self) -> String {
        self.token(&self.a, self.a.therapist_ids[1], Role::Therapist)
    }

    /// Practice A's client 0, signed in.
    pub fn client(&self) -> String {
        self.token(&self.a, self.a.client_user_ids[0], Role::Client)
    }

    /// Practice A's client 2 (therapist 2's client), signed in.
    pub fn client2(&self) -> String {
        self.token(&self.a, self.a.client_user_ids[1], Role::Client)
    }

    /// Practice B's therapist (practice B's clients 0 and 1).
    pub fn other_practice_therapist(&self) -> String {
        self.token(&self.b, self.b.therapist_ids[0], Role::Therapist)
    }

    /// An integrator of `practice` with `scopes`: a real credential row and a real token.
    pub async fn integrator(&self, practice: &SeededPractice, scopes: &[Scope]) -> String {
        let admin = Viewer::acting(
            practice.admin_id,
            practice.practice_id,
            ViewerKind::PracticeAdmin,
            "test",
        );
        let new = NewCredential::new(
            DisplayName::parse("Test EHR", "name").unwrap(),
            scopes.to_vec(),
            "scopes",
        )
        .unwrap();
        let (cred, _secret) = integrations::service::create(&self.db, &admin, new)
            .await
            .unwrap();
        self.keys
            .issue(&Subject {
                id: cred.id,
                role: Role::Integrator,
                practice_id: practice.practice_id,
                client_id: None,
                scopes: scopes.to_vec(),
            })
            .unwrap()
            .token
    }

    /// Counts rows of a table.
    pub async fn count(&self, table: &str) -> i64 {
        let row = self
            .db
            .query_one_raw(sea_orm::Statement::from_string(
                self.db.get_database_backend(),
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get::<i64>("", "n").unwrap()
    }

    /// Logs in through the API and returns the payload.
    pub async fn login(&self, email: &str, password: &str) -> Gql {
        self.gql(
            None,
            "mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) {
                accessToken refreshToken expiresAt viewer { id role displayName } } }",
            json!({ "e": email, "p": password }),
        )
        .await
    }
}

impl TestApp {
    /// `clients.totalCount` as `token` sees it.
    pub async fn roster_count(&self, token: &str) -> i64 {
        let res = self
            .gql(Some(token), "{ clients { totalCount } }", json!({}))
            .await
            .ok();
        res.data("clients.totalCount").as_i64().unwrap()
    }

    /// The kinds of the events in a client's activity, oldest first.
    pub async fn event_kinds(&self, client_id: Uuid) -> Vec<String> {
        let res = self
            .gql(
                Some(&self.therapist_of(client_id)),
                "query($id: ID!) { client(id: $id) { activity(first: 100) { edges { node { kind } } } } }",
                json!({ "id": client_id.to_string() }),
            )
            .await
            .ok();
        res.data("client.activity.edges")
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["kind"].as_str().unwrap().to_owned())
            .collect()
    }

    /// A token of the practice-A therapist on `client_id`'s care team.
    pub fn therapist_of(&self, client_id: Uuid) -> String {
        if self.a.client_ids[..2].contains(&client_id) {
            self.therapist()
        } else {
            self.therapist2()
        }
    }

    /// Creates `n` clients ("Extra 0", "Extra 1", ...) as `token` and returns their ids.
    pub async fn add_clients(&self, token: &str, n: usize) -> Vec<Uuid> {
        let mut ids = Vec::with_capacity(n);
        for i in 0..n {
            let res = self
                .gql(
                    Some(token),
                    "mutation($input: CreateClientInput!) { createClient(input: $input) { client { id } } }",
                    json!({ "input": { "displayName": format!("Extra {i}"), "timezone": "UTC" } }),
                )
                .await
                .ok();
            ids.push(
                Uuid::parse_str(res.data("createClient.client.id").as_str().unwrap()).unwrap(),
            );
        }
        ids
    }

    /// Starts another server process's worth of app (its own pool, worker and port) on
    /// this test's database, with the configuration `tweak` adjusts; returns its URL and
    /// what stops it. A restart is `stopper.stop()` then this.
    pub async fn start_another(
        &self,
        tweak: impl FnOnce(&mut Config),
    ) -> (String, momentum_api::startup::Stopper) {
        let mut config = self.config.clone();
        tweak(&mut config);
        let db = momentum_api::db::connect(&config).await.expect("connect");
        let app = Application::build_with(config, db, &SecretString::from(JWT_SECRET))
            .expect("build app");
        let url = format!("http://127.0.0.1:{}", app.port());
        let stopper = app.stopper();
        tokio::spawn(app.run_until_stopped());
        (url, stopper)
    }

    /// The id of `client`'s tracker of `kind` (e.g. `MOOD`), as `token` sees it.
    pub async fn tracker_id(&self, token: &str, client: Uuid, kind: &str) -> String {
        let res = self
            .gql(
                Some(token),
                "query($id: ID!) { client(id: $id) { trackers { id kind } } }",
                json!({ "id": client.to_string() }),
            )
            .await
            .ok();
        res.data("client.trackers")
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["kind"] == kind)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// The fewest statements of three runs of `query`: DataLoaders batch what arrives
    /// within a millisecond, so on a loaded machine a batch can split in two now and then;
    /// the fewest is the plan's count.
    pub async fn fewest_statements_for(&self, token: &str, query: &str) -> usize {
        let mut fewest = usize::MAX;
        for _ in 0..3 {
            fewest = fewest.min(self.statements_for(token, query).await);
        }
        fewest
    }

    /// How many SQL statements the app runs to answer `query` for `token`.
    pub async fn statements_for(&self, token: &str, query: &str) -> usize {
        let before = self.statements.load(Ordering::SeqCst);
        self.gql(Some(token), query, json!({})).await.ok();
        self.statements.load(Ordering::SeqCst) - before
    }
}

/// Polls `check` every 20 ms until it holds (at most 30 s), for state a server writes in
/// the background; fails naming `what` otherwise.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !check().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A database outage a test causes on its own database, until [`Outage::end`].
pub enum Outage {
    /// PostgreSQL: the database refuses connections and its backends were terminated.
    Postgres { admin_url: String, name: String },
    /// SQLite: another connection holds an exclusive lock, so writes cannot proceed.
    Sqlite(sea_orm::sqlx::SqliteConnection),
}

impl TestApp {
    /// Makes the app's database unusable: on PostgreSQL it refuses new connections and every
    /// open one is terminated; on SQLite (one file, no server) another connection holds an
    /// exclusive lock, so every write waits and fails.
    pub async fn start_outage(&self) -> Outage {
        match &self._database {
            TestDatabase::Postgres { admin_url, name } => {
                let admin = Database::connect(admin_url)
                    .await
                    .expect("admin connection");
                admin
                    .execute_unprepared(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false"))
                    .await
                    .expect("refuse connections");
                admin
                    .execute_unprepared(&format!(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                         WHERE datname = '{name}' AND pid <> pg_backend_pid()"
                    ))
                    .await
                    .expect("terminate backends");
                admin.close().await.ok();
                Outage::Postgres {
                    admin_url: admin_url.clone(),
                    name: name.clone(),
                }
            }
            TestDatabase::Sqlite(path) => {
                use sea_orm::sqlx::{Connection as _, Executor as _};
                let mut conn = sea_orm::sqlx::SqliteConnection::connect(&format!(
                    "sqlite://{}",
                    path.display()
                ))
                .await
                .expect("a second connection");
                conn.execute("BEGIN EXCLUSIVE")
                    .await
                    .expect("exclusive lock");
                Outage::Sqlite(conn)
            }
        }
    }
}

impl Outage {
    /// Lets the database be used again.
    pub async fn end(self) {
        match self {
            Self::Postgres { admin_url, name } => {
                let admin = Database::connect(&admin_url)
                    .await
                    .expect("admin connection");
                admin
                    .execute_unprepared(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true"))
                    .await
                    .expect("allow connections");
                admin.close().await.ok();
            }
            Self::Sqlite(mut conn) => {
                use sea_orm::sqlx::{Connection as _, Executor as _};
                conn.execute("ROLLBACK").await.expect("release the lock");
                conn.close().await.ok();
            }
        }
    }
}
