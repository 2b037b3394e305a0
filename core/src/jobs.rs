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
