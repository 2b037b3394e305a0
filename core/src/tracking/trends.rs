//! Trends in SQL: buckets, windows, parts of the day and contexts, grouped by the local
//! day and minute each entry was stored with (so they are right across daylight-saving
//! changes on both databases). Statistics use only what the viewer may see; PRIVATE
//! entries the viewer may not see are counted as `hidden`.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ColumnTrait as _, Condition, DatabaseConnection, EntityTrait as _, FromQueryResult, Order,
    QueryFilter as _, QuerySelect as _,
    sea_query::{
        Alias, Asterisk, Expr, ExprTrait as _, JoinType, Query, SelectStatement, WindowStatement,
    },
};
use uuid::Uuid;

use super::{
    domain::{
        Bucket, PartOfDay, SERIES_BUCKETS_MAX, WINDOW_DAYS_MAX, date_of_day, day_number, slope,
        week_start,
    },
    service::sees_private,
};
use crate::sql;
use crate::{
    auth::Viewer,
    batch::{self, Batch},
    error::ServiceError,
    scope::{self, Access},
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
fn shown(viewer: &Viewer, column: Expr) -> Condition {
    if sees_private(viewer) {
        sql::always()
    } else {
        Condition::all().add(column.eq("SHARED"))
    }
}

/// The entries of `keys` (trackers) the viewer may read clinically.
fn entries_of(viewer: &Viewer, keys: &[Uuid]) -> Result<SelectStatement, ServiceError> {
    Ok(Query::select()
        .from(tracker_entry::Entity)
        .column(tracker_entry::Column::TrackerId)
        .cond_where(scope::records_of_visible(
            viewer,
            Access::Clinical,
            tracker_entry::Column::PracticeId,
            tracker_entry::Column::ClientId,
        )?)
        .and_where(tracker_entry::Column::TrackerId.is_in(keys.iter().copied()))
        .to_owned())
}

async fn rows<R: FromQueryResult>(
    db: &DatabaseConnection,
    stmt: &SelectStatement,
) -> Result<Vec<R>, ServiceError> {
    Ok(R::find_by_statement(db.get_database_backend().build(stmt))
        .all(db)
        .await?)
}

/// `days` when it is a valid window (1 to 365), else `BAD_USER_INPUT` on `field`.
pub fn window(days: i32, field: &str) -> Result<i32, ServiceError> {
    if (1..=WINDOW_DAYS_MAX).contains(&days) {
        Ok(days)
    } else {
        Err(ServiceError::bad_input(
            field,
            format!("must be 1 to {WINDOW_DAYS_MAX}"),
        ))
    }
}

/// The local day (day number) it is now for each of `keys` (trackers) the viewer may read
/// clinically, from its client's time zone: one statement. A tracker the viewer may not
/// read is missing.
async fn todays(
    db: &DatabaseConnection,
    viewer: &Viewer,
    keys: &[Uuid],
    now: DateTime<Utc>,
) -> Result<HashMap<Uuid, i32>, ServiceError> {
    let zones: Vec<(Uuid, String)> = tracker::Entity::find()
        .select_only()
        .column(tracker::Column::Id)
        .column_as(
            Expr::col((entity::client::Entity, entity::client::Column::Timezone)),
            "timezone",
        )
        .join(
            JoinType::InnerJoin,
            tracker::Entity::belongs_to(entity::client::Entity)
                .from(tracker::Column::ClientId)
                .to(entity::client::Column::Id)
                .into(),
        )
        .filter(super::service::scope(viewer, Access::Clinical)?)
        .filter(tracker::Column::Id.is_in(keys.iter().copied()))
        .into_tuple()
        .all(db)
        .await?;
    Ok(zones
        .into_iter()
        .map(|(id, tz)| (id, day_number(local_today(&tz, now))))
        .collect())
}

/// The condition "each tracker's entries from `first(today)` to `last(today)`" for trackers
/// whose local today may differ (at most three distinct days at any instant): one
/// disjunct per distinct today, so the statement stays the same size for any number of
/// trackers.
fn local_windows(todays: &HashMap<Uuid, i32>, bounds: impl Fn(i32) -> (i32, i32)) -> Condition {
    let mut by_today: Vec<(i32, Vec<Uuid>)> = Vec::new();
    for (id, today) in todays {
        match by_today.iter_mut().find(|(t, _)| t == today) {
            Some((_, ids)) => ids.push(*id),
            None => by_today.push((*today, vec![*id])),
        }
    }
    let mut any = Condition::any();
    for (today, ids) in by_today {
        let (first, last) = bounds(today);
        any = any.add(
            Condition::all()
                .add(tracker_entry::Column::TrackerId.is_in(ids))
                .add(tracker_entry::Column::LocalDay.gte(first))
                .add(tracker_entry::Column::LocalDay.lte(last)),
        );
    }
    any
}

#[derive(FromQueryResult)]
struct BucketRow {
    tracker_id: Uuid,
    bucket: i32,
    n: Option<i64>,
    hidden: Option<i64>,
    mean: Option<f64>,
    lo: Option<f64>,
    hi: Option<f64>,
}

/// The arguments of a series: its local dates (inclusive) and bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SeriesRange {
    first: i32,
    last: i32,
    step: i32,
    bucket: Bucket,
}

impl SeriesRange {
    /// Checks `from`..=`to` in `bucket`s: `to` not before `from`, at most 366 buckets.
    pub fn parse(from: NaiveDate, to: NaiveDate, bucket: Bucket) -> Result<Self, ServiceError> {
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
        Ok(Self {
            first,
            last,
            step,
            bucket,
        })
    }
}

/// `Tracker.series(from, to, bucket)`: one point per day or week (Monday to Sunday) of
/// each tracker, empty buckets included; one statement for any number of trackers.
pub struct Series;

impl Batch for Series {
    type Args = SeriesRange;
    type Value = Vec<Point>;
    const AUDIT: Option<&'static str> = Some("Tracker.series");

    async fn fetch(
        db: &DatabaseConnection,
        viewer: &Viewer,
        keys: &[Uuid],
        range: &SeriesRange,
    ) -> Result<HashMap<Uuid, Self::Value>, ServiceError> {
        let SeriesRange {
            first,
            last,
            step,
            bucket,
        } = *range;
        let show = shown(viewer, Expr::col(tracker_entry::Column::Visibility));
        let key = match bucket {
            Bucket::Day => "local_day".to_owned(),
            Bucket::Week => "local_day - ((local_day + 3) % 7)".to_owned(),
        };
        let stmt = entries_of(viewer, keys)?
            .expr_as(Expr::cust(key.clone()), Alias::new("bucket"))
            .expr_as(sql::count_if(show.clone()), Alias::new("n"))
            .expr_as(sql::count_unless(show.clone()), Alias::new("hidden"))
            .expr_as(
                sql::mean_if(show.clone(), Expr::col(tracker_entry::Column::Value)),
                Alias::new("mean"),
            )
            .expr_as(
                sql::min_if(show.clone(), Expr::col(tracker_entry::Column::Value)),
                Alias::new("lo"),
            )
            .expr_as(
                sql::max_if(show.clone(), Expr::col(tracker_entry::Column::Value)),
                Alias::new("hi"),
            )
            .and_where(tracker_entry::Column::LocalDay.gte(first))
            .and_where(tracker_entry::Column::LocalDay.lte(last + step - 1))
            .add_group_by([Expr::col(tracker_entry::Column::TrackerId), Expr::cust(key)])
            .to_owned();
        let found: Vec<BucketRow> = rows(db, &stmt).await?;
        let found = batch::group(keys, found, |r| r.tracker_id);
        Ok(keys
            .iter()
            .map(|k| {
                let mine = found.get(k).map(Vec::as_slice).unwrap_or_default();
                let mut points = Vec::new();
                let mut start = first;
                while start <= last {
                    let row = mine.iter().find(|r| r.bucket == start);
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
                (*k, points)
            })
            .collect())
    }
}

#[derive(FromQueryResult)]
struct DayRow {
    tracker_id: Uuid,
    local_day: i32,
    n: Option<i64>,
    hidden: Option<i64>,
    sy: Option<f64>,
}

/// `Tracker.summary(days)`: for each tracker, the last `days` local days (today included,
/// in its client's time zone) against the `days` before them: means, their change, and
/// the least-squares slope per week of the last window. Two statements for any number of
/// trackers: their clients' time zones, then the sums per tracker and local day.
pub struct Summaries;

impl Batch for Summaries {
    /// The window in days (checked with [`window`]).
    type Args = i32;
    type Value = Summary;
    const AUDIT: Option<&'static str> = Some("Tracker.summary");

    async fn fetch(
        db: &DatabaseConnection,
        viewer: &Viewer,
        keys: &[Uuid],
        days: &i32,
    ) -> Result<HashMap<Uuid, Self::Value>, ServiceError> {
        let days = *days;
        let todays = todays(db, viewer, keys, Utc::now()).await?;
        if todays.is_empty() {
            return Ok(HashMap::new());
        }
        let show = shown(viewer, Expr::col(tracker_entry::Column::Visibility));
        let stmt = entries_of(viewer, keys)?
            .column(tracker_entry::Column::LocalDay)
            .expr_as(sql::count_if(show.clone()), Alias::new("n"))
            .expr_as(sql::count_unless(show.clone()), Alias::new("hidden"))
            .expr_as(
                sql::sum_if(show.clone(), Expr::col(tracker_entry::Column::Value)),
                Alias::new("sy"),
            )
            .cond_where(local_windows(&todays, |today| {
                (today - 2 * days + 1, today)
            }))
            .add_group_by([
                Expr::col(tracker_entry::Column::TrackerId),
                Expr::col(tracker_entry::Column::LocalDay),
            ])
            .to_owned();
        let found: Vec<DayRow> = rows(db, &stmt).await?;
        let found = batch::group(keys, found, |r| r.tracker_id);
        Ok(todays
            .into_iter()
            .map(|(k, today)| {
                let mine = found.get(&k).map(Vec::as_slice).unwrap_or_default();
                (k, summarize(mine, today, days))
            })
            .collect())
    }
}

/// A summary from the sums of each local day (x = days since the window's first day).
#[allow(clippy::cast_precision_loss)] // counts and day numbers far below 2^52
fn summarize(days_rows: &[DayRow], today: i32, days: i32) -> Summary {
    let start = today - days + 1;
    let (mut n, mut hidden, mut sx, mut sy, mut sxx, mut sxy) = (0i64, 0i64, 0.0, 0.0, 0.0, 0.0);
    let (mut prev_n, mut prev_sy) = (0i64, 0.0);
    for r in days_rows {
        let count = r.n.unwrap_or(0);
        let sum = r.sy.unwrap_or(0.0);
        if r.local_day >= start {
            let x = f64::from(r.local_day - start);
            n += count;
            hidden += r.hidden.unwrap_or(0);
            sx += x * count as f64;
            sy += sum;
            sxx += x * x * count as f64;
            sxy += x * sum;
        } else {
            prev_n += count;
            prev_sy += sum;
        }
    }
    let mean = (n > 0).then(|| sy / n as f64);
    let previous_mean = (prev_n > 0).then(|| prev_sy / prev_n as f64);
    Summary {
        days,
        from: date_of_day(start),
        to: date_of_day(today),
        count: n,
        hidden,
        mean,
        previous_mean,
        change: mean.zip(previous_mean).map(|(m, p)| m - p),
        slope_per_week: if n > 0 {
            slope(n as f64, sx, sy, sxx, sxy).map(|per_day| per_day * 7.0)
        } else {
            None
        },
    }
}

#[derive(FromQueryResult)]
struct PartRow {
    tracker_id: Uuid,
    part: i32,
    n: i64,
    mean: Option<f64>,
}

/// `Tracker.timeOfDay(days)`: for each tracker, the mean per part of the local day over
/// the last `days` days, night to evening (two statements for any number of trackers).
pub struct TimesOfDay;

impl Batch for TimesOfDay {
    /// The window in days (checked with [`window`]).
    type Args = i32;
    type Value = Vec<PartPoint>;
    const AUDIT: Option<&'static str> = Some("Tracker.timeOfDay");

    async fn fetch(
        db: &DatabaseConnection,
        viewer: &Viewer,
        keys: &[Uuid],
        days: &i32,
    ) -> Result<HashMap<Uuid, Self::Value>, ServiceError> {
        let days = *days;
        let todays = todays(db, viewer, keys, Utc::now()).await?;
        if todays.is_empty() {
            return Ok(HashMap::new());
        }
        let part = "CASE WHEN local_minute < 360 THEN 0 WHEN local_minute < 720 THEN 1 \
                    WHEN local_minute < 1080 THEN 2 ELSE 3 END";
        let stmt = entries_of(viewer, keys)?
            .expr_as(Expr::cust(part), Alias::new("part"))
            .expr_as(sql::count_all(), Alias::new("n"))
            .expr_as(
                sql::mean(Expr::col(tracker_entry::Column::Value)),
                Alias::new("mean"),
            )
            .cond_where(shown(viewer, Expr::col(tracker_entry::Column::Visibility)))
            .cond_where(local_windows(&todays, |today| (today - days + 1, today)))
            .add_group_by([
                Expr::col(tracker_entry::Column::TrackerId),
                Expr::cust(part),
            ])
            .to_owned();
        let found: Vec<PartRow> = rows(db, &stmt).await?;
        Ok(todays
            .into_keys()
            .map(|k| {
                let points = PartOfDay::ALL
                    .into_iter()
                    .zip(0..)
                    .map(|(part, i)| {
                        let row = found.iter().find(|r| r.tracker_id == k && r.part == i);
                        PartPoint {
                            part,
                            count: row.map_or(0, |r| r.n),
                            mean: row.and_then(|r| r.mean),
                        }
                    })
                    .collect();
                (k, points)
            })
            .collect())
    }
}

#[derive(FromQueryResult)]
struct ContextRow {
    tracker_id: Uuid,
    context: String,
    n: i64,
    mean: Option<f64>,
}

/// `Tracker.topContexts(days, limit)`: for each tracker, the contexts named most often
/// over the last `days` days (at most `limit`, 1 to 50), with the mean value with each
/// (two statements for any number of trackers).
pub struct TopContexts;

impl Batch for TopContexts {
    /// The window in days (checked with [`window`]) and the limit (checked with
    /// [`context_limit`]).
    type Args = (i32, u64);
    type Value = Vec<ContextPoint>;
    const AUDIT: Option<&'static str> = Some("Tracker.topContexts");

    async fn fetch(
        db: &DatabaseConnection,
        viewer: &Viewer,
        keys: &[Uuid],
        (days, limit): &(i32, u64),
    ) -> Result<HashMap<Uuid, Self::Value>, ServiceError> {
        let days = *days;
        let todays = todays(db, viewer, keys, Utc::now()).await?;
        if todays.is_empty() {
            return Ok(HashMap::new());
        }
        let rank = Alias::new("rank_in_tracker");
        let grouped = entries_of(viewer, keys)?
            .column(tracker_entry::Column::Context)
            .expr_as(sql::count_all(), Alias::new("n"))
            .expr_as(
                sql::mean(Expr::col(tracker_entry::Column::Value)),
                Alias::new("mean"),
            )
            .expr_window_as(
                Expr::cust("ROW_NUMBER()"),
                WindowStatement::partition_by(tracker_entry::Column::TrackerId)
                    .order_by_expr(sql::count_all(), Order::Desc)
                    .order_by(tracker_entry::Column::Context, Order::Asc)
                    .take(),
                rank.clone(),
            )
            .cond_where(shown(viewer, Expr::col(tracker_entry::Column::Visibility)))
            .and_where(tracker_entry::Column::Context.is_not_null())
            .cond_where(local_windows(&todays, |today| (today - days + 1, today)))
            .group_by_col(tracker_entry::Column::TrackerId)
            .group_by_col(tracker_entry::Column::Context)
            .to_owned();
        let stmt = Query::select()
            .column(Asterisk)
            .from_subquery(grouped, Alias::new("ranked"))
            .and_where(Expr::col(rank.clone()).lte(*limit))
            .order_by(rank, Order::Asc)
            .to_owned();
        let found: Vec<ContextRow> = rows(db, &stmt).await?;
        let mut found = batch::group(keys, found, |r| r.tracker_id);
        Ok(todays
            .into_keys()
            .map(|k| {
                let points = found
                    .remove(&k)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|r| ContextPoint {
                        context: r.context,
                        count: r.n,
                        mean: r.mean,
                    })
                    .collect();
                (k, points)
            })
            .collect())
    }
}

/// The most contexts `Tracker.topContexts` lists.
pub const CONTEXTS_MAX: u64 = 50;

/// `limit` of [`TopContexts`] when valid (1 to 50), else `BAD_USER_INPUT` on `limit`.
pub fn context_limit(limit: i32) -> Result<u64, ServiceError> {
    u64::try_from(limit)
        .ok()
        .filter(|l| (1..=CONTEXTS_MAX).contains(l))
        .ok_or_else(|| ServiceError::bad_input("limit", "must be 1 to 50"))
}

#[derive(FromQueryResult)]
struct RecordRow {
    client_id: Uuid,
    n: i64,
    hidden: Option<i64>,
    belief: Option<f64>,
}

#[derive(FromQueryResult)]
struct EmotionRow {
    client_id: Uuid,
    emotion_drop: Option<f64>,
}

/// `Client.thoughtRecordSummary(since)`: for each client, how many thought records they
/// made (since `since`), and over those the viewer may read, the mean drop in belief and in
/// emotion intensity (each record's mean over its emotions, averaged over the records).
/// Two statements for any number of clients.
pub struct ThoughtSummaries;

impl Batch for ThoughtSummaries {
    type Args = Option<DateTime<Utc>>;
    type Value = ThoughtSummary;
    const AUDIT: Option<&'static str> = Some("Client.thoughtRecordSummary");

    async fn fetch(
        db: &DatabaseConnection,
        viewer: &Viewer,
        keys: &[Uuid],
        since: &Self::Args,
    ) -> Result<HashMap<Uuid, Self::Value>, ServiceError> {
        let visible = scope::visible_ids(viewer, Access::Clinical)?;
        thought_figures_of(db, viewer, keys, Some(visible), *since, None).await
    }
}

/// What [`ThoughtSummaries`] computes for one client, for records made from `since` to
/// `until` (both optional, both included), in two statements. The caller has checked that
/// the viewer may read the client clinically and writes the audit row.
pub async fn thought_figures(
    db: &DatabaseConnection,
    viewer: &Viewer,
    client_id: Uuid,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
) -> Result<ThoughtSummary, ServiceError> {
    Ok(
        thought_figures_of(db, viewer, &[client_id], None, since, until)
            .await?
            .remove(&client_id)
            .unwrap_or(ThoughtSummary {
                count: 0,
                hidden: 0,
                mean_emotion_drop: None,
                mean_belief_drop: None,
            }),
    )
}

/// Thought-record figures of many clients (limited to `visible` when given): one
/// statement for the counts and belief, one for the emotions.
async fn thought_figures_of(
    db: &DatabaseConnection,
    viewer: &Viewer,
    client_ids: &[Uuid],
    visible: Option<SelectStatement>,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
) -> Result<HashMap<Uuid, ThoughtSummary>, ServiceError> {
    let records = Alias::new("r");
    let client_col = Expr::col((records.clone(), thought_record::Column::ClientId));
    let scoped = |mut q: SelectStatement| {
        q.and_where(client_col.clone().is_in(client_ids.iter().copied()))
            .and_where(
                Expr::col((records.clone(), thought_record::Column::PracticeId))
                    .eq(viewer.practice_id),
            );
        if let Some(visible) = visible.clone() {
            q.and_where(client_col.clone().in_subquery(visible));
        }
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
    let show = shown(
        viewer,
        Expr::col((records.clone(), thought_record::Column::Visibility)),
    );
    let stmt = scoped(
        Query::select()
            .from_as(thought_record::Entity, records.clone())
            .expr_as(client_col.clone(), Alias::new("client_id"))
            .expr_as(sql::count_all(), Alias::new("n"))
            .expr_as(sql::count_unless(show.clone()), Alias::new("hidden"))
            .expr_as(
                sql::mean_if(
                    show.clone().add(
                        Expr::col((records.clone(), thought_record::Column::BeliefAfter))
                            .is_not_null(),
                    ),
                    Expr::col((records.clone(), thought_record::Column::BeliefBefore)).sub(
                        Expr::col((records.clone(), thought_record::Column::BeliefAfter)),
                    ),
                ),
                Alias::new("belief"),
            )
            .add_group_by([client_col.clone()])
            .to_owned(),
    );
    let counts: Vec<RecordRow> = rows(db, &stmt).await?;
    if counts.is_empty() {
        return Ok(HashMap::new());
    }
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
            .expr_as(client_col.clone(), Alias::new("client_id"))
            .expr_as(
                sql::mean(
                    Expr::col((Alias::new("e"), emotion::Column::IntensityBefore)).sub(Expr::col(
                        (Alias::new("e"), emotion::Column::IntensityAfter),
                    )),
                ),
                Alias::new("record_drop"),
            )
            .cond_where(show.clone())
            .add_group_by([
                client_col.clone(),
                Expr::col((records.clone(), thought_record::Column::Id)),
            ])
            .to_owned(),
    );
    let stmt = Query::select()
        .column(Alias::new("client_id"))
        .expr_as(
            sql::mean(Expr::col(Alias::new("record_drop"))),
            Alias::new("emotion_drop"),
        )
        .from_subquery(per_record, Alias::new("per_record"))
        .group_by_col(Alias::new("client_id"))
        .to_owned();
    let emotions: Vec<EmotionRow> = rows(db, &stmt).await?;
    Ok(counts
        .into_iter()
        .map(|c| {
            let drop = emotions
                .iter()
                .find(|e| e.client_id == c.client_id)
                .and_then(|e| e.emotion_drop);
            (
                c.client_id,
                ThoughtSummary {
                    count: c.n,
                    hidden: c.hidden.unwrap_or(0),
                    mean_emotion_drop: drop,
                    mean_belief_drop: c.belief,
                },
            )
        })
        .collect())
}
