//! What the tests that run the real `momentum` binary share: a free port, a database of the
//! test's own (a SQLite file, or a PostgreSQL database when `MOMENTUM_TEST_DATABASE_URL` is
//! set), and a server process that is killed when dropped.
#![allow(dead_code)]
// Test and benchmark set-up: a failure here should stop the run at once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{net::TcpListener, process::Child};

use sea_orm::{ConnectionTrait as _, Database};
use uuid::Uuid;

/// A port nothing listens on now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The test's database: a SQLite file or a PostgreSQL database, removed by [`Self::drop_it`].
pub enum TestDb {
    Sqlite(std::path::PathBuf),
    Postgres { admin_url: String, name: String },
}

impl TestDb {
    /// A fresh database and its URL.
    pub async fn create() -> (Self, String) {
        let name = format!("momentum_test_{}", Uuid::new_v4().simple());
        match std::env::var("MOMENTUM_TEST_DATABASE_URL") {
            Ok(admin_url) if !admin_url.is_empty() => {
                let admin = Database::connect(&admin_url).await.unwrap();
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .unwrap();
                let url = momentum_api::db::url_with_database(&admin_url, &name);
                (Self::Postgres { admin_url, name }, url)
            }
            _ => {
                let dir = std::env::temp_dir().join("momentum-tests");
                std::fs::create_dir_all(&dir).unwrap();
                let path = dir.join(format!("{name}.db"));
                let url = format!("sqlite://{}?mode=rwc", path.display());
                (Self::Sqlite(path), url)
            }
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Self::Postgres { .. })
    }

    /// Removes the database (the server processes must be gone).
    pub async fn drop_it(self) {
        match self {
            Self::Sqlite(path) => {
                for suffix in ["", "-wal", "-shm", ".jwt-secret", ".data-key"] {
                    let mut p = path.clone().into_os_string();
                    p.push(suffix);
                    std::fs::remove_file(p).ok();
                }
            }
            Self::Postgres { admin_url, name } => {
                if let Ok(admin) = Database::connect(&admin_url).await {
                    admin
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await
                        .ok();
                }
            }
        }
    }
}

/// A server process, killed when dropped (also when the test fails).
pub struct Server(pub Child);

impl Drop for Server {
    fn drop(&mut self) {
        self.0.kill().ok();
        self.0.wait().ok();
    }
}
