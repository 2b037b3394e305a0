//! The server's own database sessions: the settings `db::connect` makes on each backend.

use sea_orm::{ConnectionTrait as _, DatabaseBackend, Statement};

use crate::helpers::spawn_app;

async fn one(db: &sea_orm::DatabaseConnection, sql: &str) -> String {
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
            // Reports compile for longer than they run under JIT (README, Benchmarks).
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
