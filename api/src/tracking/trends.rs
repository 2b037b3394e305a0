//! Trends in SQL: buckets, windows, parts of the day and contexts, grouped by the local
//! day and minute each entry was stored with (so they are right across daylight-saving
//! changes on both databases). Statistics use only what the viewer may see; PRIVATE
//! entries the viewer may not see are counted as `hidden`.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ColumnTrait as _, DatabaseConnection, FromQueryResult, Order,
    sea_query::{Alias, Expr, ExprTrait as _, JoinType, Query, SelectStatement},
};
use uuid::Uuid;

use super::{
    domain::{
        Bucket, PartOfDay, SERIES_BUCKETS_MAX, WINDOW_DAYS_MAX, date_of_day, day_number, slope,
        week_start,
    },
    service::{find, sees_private, tracker_target},
};
use crate::{
    audit::{self, Target},
    auth::Viewer,
    clients::{domain::Access, service as clients},
    error::ServiceError,
    values::local_today,
};
use entity::{thought_record, thought_record_emotion as emotion, tracker, tracker_entry};

/// Statistics of one bucket.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub start: NaiveDate,
    /// The last day of the bucket (inclusive).
    pub end: NaiveDate,
    pub count: i64,
    pub hidden: i64,
    pub mean: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
}

/// A window's statistics and its change against the window before.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub days: i32,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub count: i64,
    pub hidden: i64,
    pub mean: Option<f64>,
    pub previous_mean: Option<f64>,
    pub change: Option<f64>,
    pub slope_per_week: Option<f64>,
}

/// The mean in one part of the day.
#[derive(Debug, Clone, PartialEq)]
pub struct PartPoint {
    pub part: PartOfDay,
    pub count: i64,
    pub mean: Option<f64>,
}

/// How often a context came up, and the mean value with it.
#[derive(Debug, Clone, PartialEq)]
pub struct ContextPoint {
    pub context: String,
    pub count: i64,
    pub mean: Option<f64>,
}

/// What a thought-record summary says.
#[derive(Debug, Clone, PartialEq)]
pub struct ThoughtSummary {
    pub count: i64,
    pub hidden: i64,
    pub mean_emotion_drop: Option<f64>,
    pub mean_belief_drop: Option<f64>,
}

/// The SQL condition for rows whose values the viewer may see (constant text, no input).
fn shown(viewer: &Viewer, column: &str) -> String {
    if sees_private(viewer) {
        "1 = 1".to_owned()
    } else {
        format!("{column} = 'SHARED'")
    }
}

fn entries_of(t: &tracker::Model) -> SelectStatement {
    Query::select()
        .from(tracker_entry::Entity)
        .and_where(tracker_entry::Column::TrackerId.eq(t.id))
        .and_where(tracker_entry::Column::PracticeId.eq(t.practice_id))
        .to_owned()
}

async fn rows<R: FromQueryResult>(
    db: &DatabaseConnection,
    stmt: &SelectStatement,
) -> Result<Vec<R>, ServiceError> {
    Ok(R::find_by_statement(db.get_database_backend().build(stmt))
        .all(db)
        .await?)
}

fn window(days: i32, field: &str) -> Result<i32, ServiceError> {
    if (1..=WINDOW_DAYS_MAX).contains(&days) {
        Ok(days)
    } else {
        Err(ServiceError::bad_input(
            field,
            format!("must be 1 to {WINDOW_DAYS_MAX}"),
        ))
    }
}

#[derive(FromQueryResult)]
struct BucketRow {
    bucket: i32,
    n: Option<i64>,
    hidden: Option<i64>,
    mean: Option<f64>,
    lo: Option<f64>,
    hi: Option<f64>,
}

/// One point per day or week (Monday to Sunday) from `from` to `to` (local dates,
/// inclusive), empty buckets included.
#[tracing::instrument(skip_all, fields(tracker_id = %tracker_id))]
pub async fn series(
    db: &DatabaseConnection,
    viewer: &Viewer,
    tracker_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
    bucket: Bucket,
) -> Result<Vec<Point>, ServiceError> {
    if to < from {
        return Err(ServiceError::bad_input("to", "must not be before from"));
    }
    let (first, last, step) = match bucket {
        Bucket::Day => (day_number(from), day_number(to), 1),
        Bucket::Week => (week_start(day_number(from)), week_start(day_number(to)), 7),
    };
    if (last - first) / step + 1 > SERIES_BUCKETS_MAX {
        return Err(ServiceError::bad_input(
            "to",
            format!("a series has at most {SERIES_BUCKETS_MAX} buckets"),
        ));
    }
    audit::read(
        db,
        viewer,
        "Tracker.series",
        Target::many(vec![tracker_id]),
        async |db| {
            let t = find(db, viewer, Access::Clinical, tracker_id).await?;
            let show = shown(viewer, "visibility");
            let key = match bucket {
                Bucket::Day => "local_day".to_owned(),
                Bucket::Week => "local_day - ((local_day + 3) % 7)".to_owned(),
            };
            let stmt = entries_of(&t)
                .expr_as(Expr::cust(key.clone()), Alias::new("bucket"))
                .expr_as(
                    Expr::cust(format!("SUM(CASE WHEN {show} THEN 1 ELSE 0 END)")),
                    Alias::new("n"),
                )
                .expr_as(
                    Expr::cust(format!("SUM(CASE WHEN {show} THEN 0 ELSE 1 END)")),
                    Alias::new("hidden"),
                )
                .expr_as(
                    Expr::cust(format!(
                        "CAST(AVG(CASE WHEN {show} THEN \"value\" END) AS DOUBLE PRECISION)"
                    )),
                    Alias::new("mean"),
                )
                .expr_as(
                    Expr::cust(format!("MIN(CASE WHEN {show} THEN \"value\" END)")),
                    Alias::new("lo"),
                )
                .expr_as(
                    Expr::cust(format!("MAX(CASE WHEN {show} THEN \"value\" END)")),
                    Alias::new("hi"),
                )
                .and_where(tracker_entry::Column::LocalDay.gte(first))
                .and_where(tracker_entry::Column::LocalDay.lte(last + step - 1))
                .add_group_by([Expr::cust(key)])
                .order_by(Alias::new("bucket"), Order::Asc)
                .to_owned();
            let found: Vec<BucketRow> = rows(db, &stmt).await?;
            let mut points = Vec::new();
            let mut start = first;
            while start <= last {
                let row = found.iter().find(|r| r.bucket == start);
                points.push(Point {
                    start: date_of_day(start),
                    end: date_of_day(start + step - 1),
                    count: row.and_then(|r| r.n).unwrap_or(0),
                    hidden: row.and_then(|r| r.hidden).unwrap_or(0),
                    mean: row.and_then(|r| r.mean),
                    min: row.and_then(|r| r.lo),
                    max: row.and_then(|r| r.hi),
                });
                start += step;
            }
            Ok((points, tracker_target(&t)))
        },
    )
    .await
}

#[derive(FromQueryResult)]
struct WindowRow {
    current: i32,
    n: Option<i64>,
    hidden: Option<i64>,
    mean: Option<f64>,
    sx: Option<f64>,
    sy: Option<f64>,
    sxx: Option<f64>,
    sxy: Option<f64>,
}

/// The last `days` local days (today included) against the `days` before them: means,
/// their change, and the least-squares slope per week of the last window.
#[tracing::instrument(skip_all, fields(tracker_id = %tracker_id))]
pub async fn summary(
    db: &DatabaseConnection,
    viewer: &Viewer,
    tracker_id: Uuid,
    days: i32,
    now: DateTime<Utc>,
) -> Result<Summary, ServiceError> {
    let days = window(days, "days")?;
    audit::read(
        db,
        viewer,
        "Tracker.summary",
        Target::many(vec![tracker_id]),
        async |db| {
            let t = find(db, viewer, Access::Clinical, tracker_id).await?;
            let tz = clients::timezone_of(db, t.client_id).await?;
            let today = day_number(local_today(&tz, now));
            let start = today - days + 1;
            let previous_start = start - days;
            let show = shown(viewer, "visibility");
            let when = |expr: &str| format!("CASE WHEN {show} THEN {expr} END");
            let current = format!("CASE WHEN local_day >= {start} THEN 1 ELSE 0 END");
            let x = format!("(local_day - {start})");
            let stmt = entries_of(&t)
                .expr_as(Expr::cust(current.clone()), Alias::new("current"))
                .expr_as(
                    Expr::cust(format!("SUM(CASE WHEN {show} THEN 1 ELSE 0 END)")),
                    Alias::new("n"),
                )
                .expr_as(
                    Expr::cust(format!("SUM(CASE WHEN {show} THEN 0 ELSE 1 END)")),
                    Alias::new("hidden"),
                )
                .expr_as(
                    Expr::cust(format!(
                        "CAST(AVG({}) AS DOUBLE PRECISION)",
                        when("\"value\"")
                    )),
                    Alias::new("mean"),
                )
                .expr_as(
                    Expr::cust(format!("CAST(SUM({}) AS DOUBLE PRECISION)", when(&x))),
                    Alias::new("sx"),
                )
                .expr_as(
                    Expr::cust(format!(
                        "CAST(SUM({}) AS DOUBLE PRECISION)",
                        when("\"value\"")
                    )),
                    Alias::new("sy"),
                )
                .expr_as(
                    Expr::cust(format!(
                        "CAST(SUM({}) AS DOUBLE PRECISION)",
                        when(&format!("{x} * {x}"))
                    )),
                    Alias::new("sxx"),
                )
                .expr_as(
                    Expr::cust(format!(
                        "CAST(SUM({}) AS DOUBLE PRECISION)",
                        when(&format!("{x} * \"value\""))
                    )),
                    Alias::new("sxy"),
                )
                .and_where(tracker_entry::Column::LocalDay.gte(previous_start))
                .and_where(tracker_entry::Column::LocalDay.lte(today))
                .add_group_by([Expr::cust(current)])
                .to_owned();
            let found: Vec<WindowRow> = rows(db, &stmt).await?;
            let cur = found.iter().find(|r| r.current == 1);
            let prev = found.iter().find(|r| r.current == 0);
            let mean = cur.and_then(|r| r.mean);
            let previous_mean = prev.and_then(|r| r.mean);
            let count = cur.and_then(|r| r.n).unwrap_or(0);
            let slope_per_week = cur.and_then(|r| {
                #[allow(clippy::cast_precision_loss)]
                let n = count as f64;
                slope(n, r.sx?, r.sy?, r.sxx?, r.sxy?).map(|per_day| per_day * 7.0)
            });
            let summary = Summary {
                days,
                from: date_of_day(start),
                to: date_of_day(today),
                count,
                hidden: cur.and_then(|r| r.hidden).unwrap_or(0),
                mean,
                previous_mean,
                change: mean.zip(previous_mean).map(|(m, p)| m - p),
                slope_per_week,
            };
            Ok((summary, tracker_target(&t)))
        },
    )
    .await
}

#[derive(FromQueryResult)]
struct PartRow {
    part: i32,
    n: i64,
    mean: Option<f64>,
}

/// The mean per part of the local day over the last `days` days, night to evening.
#[tracing::instrument(skip_all, fields(tracker_id = %tracker_id))]
pub async fn time_of_day(
    db: &DatabaseConnection,
    viewer: &Viewer,
    tracker_id: Uuid,
    days: i32,
    now: DateTime<Utc>,
) -> Result<Vec<PartPoint>, ServiceError> {
    let days = window(days, "days")?;
    audit::read(
        db,
        viewer,
        "Tracker.timeOfDay",
        Target::many(vec![tracker_id]),
        async |db| {
            let t = find(db, viewer, Access::Clinical, tracker_id).await?;
            let tz = clients::timezone_of(db, t.client_id).await?;
            let today = day_number(local_today(&tz, now));
            let part = "CASE WHEN local_minute < 360 THEN 0 WHEN local_minute < 720 THEN 1 \
                        WHEN local_minute < 1080 THEN 2 ELSE 3 END";
            let stmt = entries_of(&t)
                .expr_as(Expr::cust(part), Alias::new("part"))
                .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
                .expr_as(
                    Expr::cust("CAST(AVG(\"value\") AS DOUBLE PRECISION)"),
                    Alias::new("mean"),
                )
                .and_where(Expr::cust(shown(viewer, "visibility")))
                .and_where(tracker_entry::Column::LocalDay.gt(today - days))
                .and_where(tracker_entry::Column::LocalDay.lte(today))
                .add_group_by([Expr::cust(part)])
                .to_owned();
            let found: Vec<PartRow> = rows(db, &stmt).await?;
            let points = PartOfDay::ALL
                .into_iter()
                .zip(0..)
                .map(|(part, i)| {
                    let row = found.iter().find(|r| r.part == i);
                    PartPoint {
                        part,
                        count: row.map_or(0, |r| r.n),
                        mean: row.and_then(|r| r.mean),
                    }
                })
                .collect();
            Ok((points, tracker_target(&t)))
        },
    )
    .await
}

#[derive(FromQueryResult)]
struct ContextRow {
    context: String,
    n: i64,
    mean: Option<f64>,
}

/// The contexts named most often over the last `days` days (at most `limit`, 1 to 50),
/// with the mean value with each.
#[tracing::instrument(skip_all, fields(tracker_id = %tracker_id))]
pub async fn top_contexts(
    db: &DatabaseConnection,
    viewer: &Viewer,
    tracker_id: Uuid,
    days: i32,
    limit: i32,
    now: DateTime<Utc>,
) -> Result<Vec<ContextPoint>, ServiceError> {
    let days = window(days, "days")?;
    let limit = u64::try_from(limit)
        .ok()
        .filter(|l| (1..=50).contains(l))
        .ok_or_else(|| ServiceError::bad_input("limit", "must be 1 to 50"))?;
    audit::read(
        db,
        viewer,
        "Tracker.topContexts",
        Target::many(vec![tracker_id]),
        async |db| {
            let t = find(db, viewer, Access::Clinical, tracker_id).await?;
            let tz = clients::timezone_of(db, t.client_id).await?;
            let today = day_number(local_today(&tz, now));
            let stmt = entries_of(&t)
                .column(tracker_entry::Column::Context)
                .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
                .expr_as(
                    Expr::cust("CAST(AVG(\"value\") AS DOUBLE PRECISION)"),
                    Alias::new("mean"),
                )
                .and_where(Expr::cust(shown(viewer, "visibility")))
                .and_where(tracker_entry::Column::Context.is_not_null())
                .and_where(tracker_entry::Column::LocalDay.gt(today - days))
                .and_where(tracker_entry::Column::LocalDay.lte(today))
                .group_by_col(tracker_entry::Column::Context)
                .order_by_expr(Expr::cust("COUNT(*)"), Order::Desc)
                .order_by(tracker_entry::Column::Context, Order::Asc)
                .limit(limit)
                .to_owned();
            let found: Vec<ContextRow> = rows(db, &stmt).await?;
            let points = found
                .into_iter()
                .map(|r| ContextPoint {
                    context: r.context,
                    count: r.n,
                    mean: r.mean,
                })
                .collect();
            Ok((points, tracker_target(&t)))
        },
    )
    .await
}

#[derive(FromQueryResult)]
struct RecordRow {
    n: i64,
    hidden: Option<i64>,
    belief: Option<f64>,
}

#[derive(FromQueryResult)]
struct EmotionRow {
    emotion_drop: Option<f64>,
}

/// How many thought records a client made (since `since`), and over those the viewer may
/// read, the mean drop in belief and in emotion intensity (each record's mean over its
/// emotions, averaged over the records).
#[tracing::instrument(skip_all, fields(client_id = %client_id))]
pub async fn thought_summary(
    db: &DatabaseConnection,
    viewer: &Viewer,
    client_id: Uuid,
    since: Option<DateTime<Utc>>,
) -> Result<ThoughtSummary, ServiceError> {
    audit::read(
        db,
        viewer,
        "Client.thoughtRecordSummary",
        Target::client(client_id),
        async |db| {
            clients::find_visible(db, viewer, Access::Clinical, client_id).await?;
            let summary = thought_figures(db, viewer, client_id, since, None).await?;
            Ok((summary, Target::client(client_id)))
        },
    )
    .await
}

/// What [`thought_summary`] computes, for records made from `since` to `until` (both
/// optional, both included), in two statements. The caller has checked that the viewer may
/// read the client clinically and writes the audit row.
pub async fn thought_figures(
    db: &DatabaseConnection,
    viewer: &Viewer,
    client_id: Uuid,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
) -> Result<ThoughtSummary, ServiceError> {
    let records = Alias::new("r");
    let scoped = |mut q: SelectStatement| {
        q.and_where(Expr::col((records.clone(), thought_record::Column::ClientId)).eq(client_id))
            .and_where(
                Expr::col((records.clone(), thought_record::Column::PracticeId))
                    .eq(viewer.practice_id),
            );
        if let Some(since) = since {
            q.and_where(
                Expr::col((records.clone(), thought_record::Column::RecordedAt)).gte(since),
            );
        }
        if let Some(until) = until {
            q.and_where(
                Expr::col((records.clone(), thought_record::Column::RecordedAt)).lte(until),
            );
        }
        q
    };
    let show = shown(viewer, "r.visibility");
    let stmt = scoped(
        Query::select()
            .from_as(thought_record::Entity, records.clone())
            .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
            .expr_as(
                Expr::cust(format!("SUM(CASE WHEN {show} THEN 0 ELSE 1 END)")),
                Alias::new("hidden"),
            )
            .expr_as(
                Expr::cust(format!(
                    "CAST(AVG(CASE WHEN {show} AND r.belief_after IS NOT NULL \
                     THEN r.belief_before - r.belief_after END) AS DOUBLE PRECISION)"
                )),
                Alias::new("belief"),
            )
            .to_owned(),
    );
    let counts: Vec<RecordRow> = rows(db, &stmt).await?;
    // Each record's drop is the mean over its emotions (as `ThoughtRecord.emotionDrop`);
    // the summary averages those, so every record weighs the same.
    let per_record = scoped(
        Query::select()
            .from_as(emotion::Entity, Alias::new("e"))
            .join_as(
                JoinType::InnerJoin,
                thought_record::Entity,
                records.clone(),
                Expr::col((records.clone(), thought_record::Column::Id))
                    .equals((Alias::new("e"), emotion::Column::ThoughtRecordId)),
            )
            .expr_as(
                Expr::cust("CAST(AVG(e.intensity_before - e.intensity_after) AS DOUBLE PRECISION)"),
                Alias::new("record_drop"),
            )
            .and_where(Expr::cust(show.clone()))
            .group_by_col((records.clone(), thought_record::Column::Id))
            .to_owned(),
    );
    let stmt = Query::select()
        .expr_as(
            Expr::cust("CAST(AVG(record_drop) AS DOUBLE PRECISION)"),
            Alias::new("emotion_drop"),
        )
        .from_subquery(per_record, Alias::new("per_record"))
        .to_owned();
    let emotions: Vec<EmotionRow> = rows(db, &stmt).await?;
    let c = counts.first();
    Ok(ThoughtSummary {
        count: c.map_or(0, |c| c.n),
        hidden: c.and_then(|c| c.hidden).unwrap_or(0),
        mean_emotion_drop: emotions.first().and_then(|e| e.emotion_drop),
        mean_belief_drop: c.and_then(|c| c.belief),
    })
}
