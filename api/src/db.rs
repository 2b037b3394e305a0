//! Connecting to the database (SQLite file or PostgreSQL) and migrating it.

use std::time::Duration;

use migration::{Migrator, MigratorTrait as _};
use sea_orm::{
    ConnectOptions, ConnectionTrait as _, Database, DatabaseBackend, DatabaseConnection, DbErr,
    Statement, TransactionTrait as _,
};

use crate::config::Config;

/// `url` (`postgres://u@h:p/db?x`) with its database name replaced by `name`: how the test
/// harnesses and benchmarks reach the database of their own they create beside the admin one.
pub fn url_with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    format!("{}/{name}{query}", &base[..path_start])
}

/// Opens the pool described by `config`.
pub async fn connect(config: &Config) -> Result<DatabaseConnection, DbErr> {
    connect_sized(config, config.db_pool_size).await
}

/// The connections background jobs (the webhook worker) use: a pool of their own, so
/// they never wait behind requests nor requests behind them. An in-memory SQLite
/// database exists only in its own pool, so there the request pool is shared.
pub async fn background(
    config: &Config,
    requests: &DatabaseConnection,
) -> Result<DatabaseConnection, DbErr> {
    if !config.is_postgres() && config.sqlite_path().is_none() {
        return Ok(requests.clone());
    }
    connect_sized(config, BACKGROUND_POOL_SIZE).await
}

/// Connections of the background pool.
pub const BACKGROUND_POOL_SIZE: u32 = 2;

async fn connect_sized(config: &Config, size: u32) -> Result<DatabaseConnection, DbErr> {
    let mut opt = ConnectOptions::new(config.database_url.clone());
    // An unreachable database answers requests 503 after `db_wait`, not after a long hang.
    opt.max_connections(size)
        .min_connections(0)
        .connect_timeout(config.db_wait)
        .acquire_timeout(config.db_wait)
        // A ping on every checkout is a round trip per statement; only a connection idle
        // long enough to have been dropped by a proxy or the server is tested first.
        .test_before_acquire_if_idle_for(Duration::from_secs(30))
        // sqlx's statement log carries bound values (PHI): keep it off (docs/architecture.md, "Security").
        .sqlx_logging(false);
    if config.is_postgres() {
        let timeout = config.db_statement_timeout.as_millis().to_string();
        opt.map_sqlx_postgres_opts(move |o| {
            // JIT compiles the report's statement on every request, for longer than it then
            // runs (docs/benchmarks.md, "Insights"): the server's statements are short and many.
            o.options([("statement_timeout", timeout.as_str()), ("jit", "off")])
                .application_name("momentum")
        });
    } else {
        let busy = config.db_wait;
        opt.map_sqlx_sqlite_opts(move |o| {
            o.create_if_missing(true)
                .journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(busy)
        });
    }
    let mut db = Database::connect(opt).await?;
    crate::telemetry::sql::instrument(&mut db);
    Ok(db)
}

/// The key of the PostgreSQL advisory lock migrations run under (any fixed number the
/// application uses for nothing else).
const MIGRATION_LOCK: i64 = 0x6d6f_6d65_6e74_756d; // "momentum"

/// Applies pending migrations, once however many processes start together. On PostgreSQL
/// they run in one transaction that first takes an advisory lock: a second replica waits for
/// the first to commit, then finds nothing pending; a failed migration leaves nothing half
/// done (PostgreSQL's DDL is transactional). SQLite is one file with one writer and is not
/// run as replicas.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    if db.get_database_backend() != DatabaseBackend::Postgres {
        return Migrator::up(db, None).await;
    }
    let txn = db.begin().await?;
    txn.execute_raw(Statement::from_sql_and_values(
        DatabaseBackend::Postgres,
        "SELECT pg_advisory_xact_lock($1)",
        [MIGRATION_LOCK.into()],
    ))
    .await?;
    Migrator::up(&txn, None).await?;
    txn.commit().await
}
