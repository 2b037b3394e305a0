//! Replicas starting together against a fresh PostgreSQL database: several `momentum migrate`
//! processes at once never both migrate. Each one ends successfully and the schema is
//! applied exactly once, because migrations run under a database lock.
//!
//! Needs PostgreSQL (`MOMENTUM_TEST_DATABASE_URL`); `.ci/run` runs it with
//! `--include-ignored`. SQLite is one file with one writer and is not deployed as replicas.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Stdio};

use sea_orm::{ConnectionTrait as _, Database, Statement};

mod support;

use support::TestDb;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: .ci/run runs it with MOMENTUM_TEST_DATABASE_URL"]
async fn replicas_migrating_a_fresh_database_at_once_apply_each_migration_once() {
    let (database, url) = TestDb::create().await;
    assert!(
        database.is_postgres(),
        "this test needs PostgreSQL: set MOMENTUM_TEST_DATABASE_URL"
    );
    // Four processes, started as close together as processes can be.
    let children: Vec<_> = (0..4)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_momentum"))
                .arg("migrate")
                .env("MOMENTUM_DATABASE_URL", &url)
                .env("RUST_LOG", "warn")
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs: Vec<_> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    for (i, out) in outputs.iter().enumerate() {
        assert!(
            out.status.success(),
            "migrate process {i} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let db = Database::connect(&url).await.unwrap();
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) AS n, COUNT(DISTINCT version) AS d FROM seaql_migrations",
        ))
        .await
        .unwrap()
        .unwrap();
    let (n, d): (i64, i64) = (row.try_get("", "n").unwrap(), row.try_get("", "d").unwrap());
    let expected = <migration::Migrator as migration::MigratorTrait>::migrations().len();
    assert_eq!((n, d), (expected as i64, expected as i64));
    db.close().await.ok();
    database.drop_it().await;
}
