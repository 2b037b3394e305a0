//! The audit log: every read and write of a client's record leaves a row with who, role,
//! operation, ids, outcome and request id. Never free text, never variables.
//!
//! A write's row commits in the write's own transaction ([`write`]). A read's rows go to the
//! request's [`Trail`] and are written together, in one statement, before the request
//! answers ([`Trail::flush`]); on PostgreSQL that statement's commit does not wait for the
//! WAL flush. The trade-off: the rows are in the database before the caller sees the data,
//! so the server process dying loses none; only a crash of the database server itself in
//! the fraction of a second before its WAL writer flushes can lose them (never a write's).

use std::sync::{Arc, Mutex};

use chrono::Utc;
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait as _,
    QueryTrait as _, Set, SqliteTransactionMode, TransactionOptions, TransactionTrait as _,
    sea_query::{Expr, Query},
};
use uuid::Uuid;

use crate::{auth::Viewer, error::ServiceError};

type Row = entity::audit_log::ActiveModel;

/// The audit rows of one request's reads, written together when the request ends.
///
/// A viewer made for a request carries a buffered trail; any other viewer (a subscription
/// socket, background work, seeding) carries a direct one, whose rows are written at once.
#[derive(Clone, Debug, Default)]
pub struct Trail(Option<Arc<Mutex<Vec<Row>>>>);

/// Rows per `INSERT` when a trail is flushed (10 parameters each, far below the drivers'
/// limits).
const FLUSH_CHUNK: usize = 1_000;

impl Trail {
    /// A trail whose rows are written at once.
    pub fn direct() -> Self {
        Self(None)
    }

    /// A trail that keeps rows until [`Trail::flush`].
    pub fn buffered() -> Self {
        Self(Some(Arc::default()))
    }

    /// Keeps `row`, or hands it back when the trail is direct.
    fn keep(&self, row: Row) -> Option<Row> {
        match &self.0 {
            Some(rows) => {
                rows.lock().unwrap_or_else(|e| e.into_inner()).push(row);
                None
            }
            None => Some(row),
        }
    }

    /// Rows waiting to be written.
    pub fn pending(&self) -> usize {
        self.0
            .as_ref()
            .map_or(0, |r| r.lock().unwrap_or_else(|e| e.into_inner()).len())
    }

    /// Writes every kept row in one multi-row `INSERT` (per [`FLUSH_CHUNK`] rows) and
    /// returns how many. On PostgreSQL the statement sets `synchronous_commit = off` for its
    /// own (implicit) transaction, so its commit does not wait for the WAL flush.
    pub async fn flush(&self, db: &impl ConnectionTrait) -> Result<usize, DbErr> {
        let rows = match &self.0 {
            Some(rows) => std::mem::take(&mut *rows.lock().unwrap_or_else(|e| e.into_inner())),
            None => return Ok(0),
        };
        let n = rows.len();
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let chunk: Vec<Row> = rows.by_ref().take(FLUSH_CHUNK).collect();
            insert_unflushed(db, chunk).await?;
        }
        Ok(n)
    }
}

/// One multi-row insert of audit rows; on PostgreSQL without waiting for the WAL flush.
async fn insert_unflushed(db: &impl ConnectionTrait, rows: Vec<Row>) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    let count = rows.len() as u64;
    let mut insert = entity::audit_log::Entity::insert_many(rows).into_query();
    if backend == sea_orm::DatabaseBackend::Postgres {
        // `RETURNING` runs before the statement's implicit transaction commits, so the
        // transaction-local setting governs that commit: one statement, one round trip.
        insert.returning(
            Query::returning().expr(Expr::cust("set_config('synchronous_commit', 'off', true)")),
        );
        db.query_all(&insert).await?;
    } else {
        db.execute(&insert).await?;
    }
    written(count);
    Ok(())
}

/// Counts audit rows written in `momentum.audit.rows` (for a statement that writes its own,
/// such as `logEntry`'s).
pub fn written(rows: u64) {
    crate::telemetry::metrics().audit_rows.add(rows, &[]);
}

/// Which records an operation touched.
#[derive(Debug, Clone, Default)]
pub struct Target {
    pub client_id: Option<Uuid>,
    pub entity_ids: Vec<Uuid>,
}

impl Target {
    /// One client's record.
    pub fn client(id: Uuid) -> Self {
        Self {
            client_id: Some(id),
            entity_ids: Vec::new(),
        }
    }

    /// Several records, none of them singled out as "the" client.
    pub fn many(ids: Vec<Uuid>) -> Self {
        Self {
            client_id: None,
            entity_ids: ids,
        }
    }

    /// Adds an entity id.
    pub fn with(mut self, id: Uuid) -> Self {
        self.entity_ids.push(id);
        self
    }
}

fn outcome(result: Result<(), &ServiceError>) -> &'static str {
    match result {
        Ok(()) => "SUCCESS",
        Err(e) => match e {
            ServiceError::NotFound => "NOT_FOUND",
            ServiceError::Forbidden(_) | ServiceError::Unauthenticated => "FORBIDDEN",
            ServiceError::BadInput { .. } => "BAD_USER_INPUT",
            ServiceError::Conflict(_) => "CONFLICT",
            ServiceError::RateLimited => "RATE_LIMITED",
            ServiceError::Database(e) if crate::error::unavailable(e) => "UNAVAILABLE",
            ServiceError::Unavailable => "UNAVAILABLE",
            ServiceError::Database(_) | ServiceError::Internal(_) => "ERROR",
        },
    }
}

/// The audit row of `operation` by `viewer` on `target` (for a statement that writes it
/// together with the change, see `tracking::service::log_one`).
pub fn row(
    viewer: &Viewer,
    operation: &str,
    target: &Target,
    result: Result<(), &ServiceError>,
) -> Row {
    entity::audit_log::ActiveModel {
        id: Set(Uuid::now_v7()),
        practice_id: Set(viewer.practice_id),
        actor_id: Set(viewer.id),
        actor_role: Set(viewer.role().as_str().to_owned()),
        operation: Set(operation.to_owned()),
        client_id: Set(target.client_id),
        entity_ids: Set(serde_json::json!(target.entity_ids)),
        outcome: Set(outcome(result).to_owned()),
        request_id: Set(viewer.request_id.clone()),
        created_at: Set(Utc::now()),
    }
}

/// Appends one audit row through `conn` now (a write's row, in its transaction).
pub async fn record(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    operation: &str,
    target: &Target,
    result: Result<(), &ServiceError>,
) -> Result<(), DbErr> {
    entity::audit_log::Entity::insert(row(viewer, operation, target, result))
        .exec_without_returning(conn)
        .await?;
    written(1);
    Ok(())
}

/// Notes a read's audit row on the viewer's trail: kept for the request's one audit
/// statement, or written now through `db` when the trail is direct.
pub async fn note(
    db: &DatabaseConnection,
    viewer: &Viewer,
    operation: &str,
    target: &Target,
    result: Result<(), &ServiceError>,
) -> Result<(), DbErr> {
    if let Some(row) = viewer.audit.keep(row(viewer, operation, target, result)) {
        entity::audit_log::Entity::insert(row)
            .exec_without_returning(db)
            .await?;
        written(1);
    }
    Ok(())
}

/// Runs a write in one transaction. On success the audit row commits with the change;
/// on failure the change rolls back and a failure row (against `requested`) is written.
pub async fn write<T>(
    db: &DatabaseConnection,
    viewer: &Viewer,
    operation: &'static str,
    requested: Target,
    f: impl AsyncFnOnce(&DatabaseTransaction) -> Result<(T, Target), ServiceError>,
) -> Result<T, ServiceError> {
    let txn = begin_write(db).await?;
    match f(&txn).await {
        Ok((value, target)) => {
            record(&txn, viewer, operation, &target, Ok(())).await?;
            txn.commit().await?;
            crate::events::bus::committed();
            Ok(value)
        }
        Err(e) => {
            txn.rollback().await.ok();
            failed(db, viewer, operation, &requested, &e).await;
            Err(e)
        }
    }
}

/// Starts a transaction that will write. On SQLite it takes the write lock at `BEGIN`
/// (`IMMEDIATE`), waiting its turn under the busy timeout: a deferred transaction that read
/// first would fail outright if another writer committed before its first write.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

/// Runs a read, then records it (successful or not).
pub async fn read<T>(
    db: &DatabaseConnection,
    viewer: &Viewer,
    operation: &'static str,
    requested: Target,
    f: impl AsyncFnOnce(&DatabaseConnection) -> Result<(T, Target), ServiceError>,
) -> Result<T, ServiceError> {
    match f(db).await {
        Ok((value, target)) => {
            note(db, viewer, operation, &target, Ok(())).await?;
            Ok(value)
        }
        Err(e) => {
            failed(db, viewer, operation, &requested, &e).await;
            Err(e)
        }
    }
}

/// Notes the failure row of an operation that failed with `e` (logged, not raised, when it
/// cannot be written: the caller already has the original error).
pub async fn failed(
    db: &DatabaseConnection,
    viewer: &Viewer,
    operation: &'static str,
    target: &Target,
    e: &ServiceError,
) {
    // The caller already gets the original error; a failed audit write is logged, not raised.
    if let Err(audit_err) = note(db, viewer, operation, target, Err(e)).await {
        tracing::error!(error = %audit_err, operation, "could not write audit row");
    }
}
