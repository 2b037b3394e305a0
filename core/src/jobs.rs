//! Background jobs' bookkeeping: each job's row in `job_cursor`, which holds where it has
//! read to and is its lock (locked `FOR UPDATE` by whichever replica runs the job).

use sea_orm::DbErr;

/// Places a background job's `job_cursor` row at `position` unless it already has one.
/// The row is the job's lock too (locked `FOR UPDATE` by whoever runs the job).
pub async fn place_cursor(
    conn: &impl sea_orm::ConnectionTrait,
    name: &str,
    position: String,
) -> Result<(), DbErr> {
    use sea_orm::{EntityTrait as _, Set, sea_query::OnConflict};
    entity::job_cursor::Entity::insert(entity::job_cursor::ActiveModel {
        name: Set(name.to_owned()),
        position: Set(position),
        updated_at: Set(chrono::Utc::now()),
    })
    .on_conflict(
        OnConflict::column(entity::job_cursor::Column::Name)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// Takes the background job `name`'s lock inside `txn`: places its `job_cursor` row (at an
/// empty position) unless it has one, then locks the row `FOR UPDATE`, waiting for it when
/// `wait`, or skipping it (`SKIP LOCKED` on PostgreSQL; SQLite's write lock serialises
/// writers anyway) and returning `None` when another process holds it. Returns the row, whose
/// position is the job's own.
pub async fn lock(
    txn: &sea_orm::DatabaseTransaction,
    name: &str,
    wait: bool,
) -> Result<Option<entity::job_cursor::Model>, DbErr> {
    use sea_orm::{
        EntityTrait as _, QuerySelect as _,
        sea_query::{LockBehavior, LockType},
    };
    place_cursor(txn, name, String::new()).await?;
    let q = entity::job_cursor::Entity::find_by_id(name);
    if wait {
        q.lock(LockType::Update).one(txn).await
    } else {
        q.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
            .one(txn)
            .await
    }
}

/// Moves the job `name`'s position to `position` inside `txn` (which holds its lock).
pub async fn advance(
    txn: &sea_orm::DatabaseTransaction,
    name: &str,
    position: String,
) -> Result<(), DbErr> {
    use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _, sea_query::Expr};
    entity::job_cursor::Entity::update_many()
        .col_expr(entity::job_cursor::Column::Position, Expr::value(position))
        .col_expr(
            entity::job_cursor::Column::UpdatedAt,
            Expr::value(chrono::Utc::now()),
        )
        .filter(entity::job_cursor::Column::Name.eq(name))
        .exec(txn)
        .await?;
    Ok(())
}

/// Runs one pass of the background job `name` in a span of its own (so its statements
/// form one trace) and records it in `momentum.jobs.runs` and `momentum.jobs.duration`.
pub async fn pass<T, E>(
    name: &'static str,
    work: impl Future<Output = Result<T, E>>,
) -> Result<T, E> {
    use tracing::Instrument as _;
    let span = tracing::info_span!(
        "job",
        otel.name = format!("job {name}"),
        momentum.job = name,
        otel.status_code = tracing::field::Empty,
    );
    let started = std::time::Instant::now();
    let result = work.instrument(span.clone()).await;
    if result.is_err() {
        span.record("otel.status_code", "ERROR");
    }
    crate::telemetry::job_ran(name, result.is_ok(), started.elapsed().as_secs_f64());
    result
}

/// Waits `every`, then runs `tick`, again and again until `shutdown` turns `true` (the first
/// run is `every` after start).
pub async fn every<F, Fut>(
    every: std::time::Duration,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
    mut tick: F,
) where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    loop {
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            _ = shutdown.changed() => {}
        }
        if *shutdown.borrow() {
            return;
        }
        tick().await;
    }
}
