//! The server's own database sessions: the settings `db::connect` makes on each backend.

use momentum_api::{
    audit::{self, Target, Trail},
    auth::{Viewer, ViewerKind},
};
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement, TransactionTrait as _};

use crate::helpers::spawn_app;

async fn one(db: &impl ConnectionTrait, sql: &str) -> String {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<String>(0)
        .or_else(|_| row.try_get_by_index::<i64>(0).map(|n| n.to_string()))
        .unwrap()
}

#[tokio::test]
async fn server_connections_carry_the_settings_the_server_relies_on() {
    let app = spawn_app().await;
    let db = momentum_api::db::connect(&app.config).await.unwrap();
    match db.get_database_backend() {
        DatabaseBackend::Postgres => {
            // Reports compile for longer than they run under JIT (docs/benchmarks.md).
            assert_eq!(one(&db, "SHOW jit").await, "off");
            assert_eq!(one(&db, "SHOW statement_timeout").await, "10s");
            assert_eq!(one(&db, "SHOW application_name").await, "momentum");
        }
        _ => {
            assert_eq!(one(&db, "PRAGMA journal_mode").await, "wal");
            assert_eq!(one(&db, "PRAGMA foreign_keys").await, "1");
        }
    }
}

#[tokio::test]
async fn a_requests_read_audit_rows_are_one_insert_that_does_not_wait_for_the_wal_flush() {
    let app = spawn_app().await;
    let db = momentum_api::db::connect(&app.config).await.unwrap();
    let viewer = Viewer {
        audit: Trail::buffered(),
        ..Viewer::acting(
            app.a.therapist_ids[0],
            app.a.practice_id,
            ViewerKind::Therapist,
            "audit-test",
        )
    };
    let before = app.count("audit_log").await;
    for (i, client) in app.a.client_ids.iter().enumerate() {
        let op = if i % 2 == 0 {
            "Client.goals"
        } else {
            "Client.homework"
        };
        audit::note(&db, &viewer, op, &Target::client(*client), Ok(()))
            .await
            .unwrap();
    }
    // Noted, not written: the request writes them when it ends.
    assert_eq!(app.count("audit_log").await, before);
    assert_eq!(viewer.audit.pending(), 4);

    let txn = db.begin().await.unwrap();
    assert_eq!(viewer.audit.flush(&txn).await.unwrap(), 4);
    if db.get_database_backend() == DatabaseBackend::Postgres {
        // The insert set it for its own transaction (here the test's, to look at it).
        assert_eq!(one(&txn, "SHOW synchronous_commit").await, "off");
    }
    txn.commit().await.unwrap();
    assert_eq!(app.count("audit_log").await, before + 4);
    assert_eq!(viewer.audit.pending(), 0);
    if db.get_database_backend() == DatabaseBackend::Postgres {
        // Only for that transaction: the connection's next one waits for the flush again.
        assert_eq!(one(&db, "SHOW synchronous_commit").await, "on");
    }
}
