//! The momentum projection: each client's momentum figures (both windows' inputs, last
//! activity, streak, homework due) kept in `momentum_projection`, so that the caseload pages
//! in SQL and `Client.momentum` reads one row, instead of every visible client's records
//! being aggregated on every request.
//!
//! A stored row is current while all of these hold:
//! - it was computed less than `max_age` ago (the window slides with time; the
//!   engagement-alert evaluator recomputes every ACTIVE client each round, and its interval
//!   is the maximum age);
//! - with the score window the server uses;
//! - no event of the client has been appended since (every write appends one).
//!
//! Anything else is recomputed when read and written back, so a read never shows figures
//! from before a write it could see, and the figures equal what [`super::service::facts`]
//! computes for the row's `as_of`.

use std::collections::HashMap;

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::{
    ColumnTrait as _, Condition, ConnectionTrait, DbErr, EntityTrait as _, FromQueryResult,
    IdenStatic as _, Iterable as _, Order, QueryFilter as _, QuerySelect as _, Set,
    sea_query::{
        Alias, Expr, ExprTrait as _, Func, IntoColumnRef as _, JoinType, OnConflict, Query,
        SelectStatement,
    },
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    domain::{CaseloadCursor, CaseloadSort, Inputs},
    facts::{Clients, Facts, Windows, facts},
};
use entity::{client, event, momentum_projection as projection};

/// When a stored row is current.
#[derive(Debug, Clone, Copy)]
pub struct Freshness {
    /// The score window the server uses.
    pub window_days: i64,
    /// How old a row may be (the engagement-alert evaluator's interval).
    pub max_age: TimeDelta,
}

/// The figures of one client besides its sort keys, as stored (JSON).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Figures {
    now: Inputs,
    week_ago: Inputs,
    days_since_last_activity: Option<i64>,
    streak_days: i64,
    homework_due: i64,
    homework_overdue: i64,
}

impl Figures {
    fn of(f: &Facts) -> Self {
        Self {
            now: f.now,
            week_ago: f.week_ago,
            days_since_last_activity: f.days_since_last_activity,
            streak_days: f.streak_days,
            homework_due: f.homework_due,
            homework_overdue: f.homework_overdue,
        }
    }

    fn facts(self, client: client::Model, last_activity_at: Option<DateTime<Utc>>) -> Facts {
        Facts {
            client,
            now: self.now,
            week_ago: self.week_ago,
            last_activity_at,
            days_since_last_activity: self.days_since_last_activity,
            streak_days: self.streak_days,
            homework_due: self.homework_due,
            homework_overdue: self.homework_overdue,
        }
    }
}

/// The latest event of each of `who` (clients without events are missing).
async fn latest_events(
    conn: &impl ConnectionTrait,
    who: &Clients,
) -> Result<HashMap<Uuid, i64>, DbErr> {
    let rows: Vec<(Uuid, i64)> = event::Entity::find()
        .select_only()
        .column(event::Column::ClientId)
        .column_as(event::Column::Sequence.max(), "latest")
        .filter(who.on(event::Entity, event::Column::ClientId))
        .group_by(event::Column::ClientId)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows.into_iter().collect())
}

/// Recomputes `who` at `w.now`, stores the rows and returns the facts: the latest events
/// first (so a write during the computation leaves the row stale, not wrong), then
/// [`facts`], then one upsert per 500 clients.
pub async fn refresh(
    conn: &impl ConnectionTrait,
    who: &Clients,
    w: Windows,
) -> Result<Vec<Facts>, DbErr> {
    let through = latest_events(conn, who).await?;
    let all = facts(conn, who, w).await?;
    store(conn, &all, &through, w).await?;
    Ok(all)
}

/// Writes the rows of `all`, computed at `w.now` with the events up to `through`.
pub async fn store(
    conn: &impl ConnectionTrait,
    all: &[Facts],
    through: &HashMap<Uuid, i64>,
    w: Windows,
) -> Result<(), DbErr> {
    let updated = Utc::now();
    let rows: Vec<projection::ActiveModel> = all
        .iter()
        .map(|f| {
            let m = f.momentum();
            projection::ActiveModel {
                client_id: Set(f.client.id),
                practice_id: Set(f.client.practice_id),
                as_of: Set(w.now),
                window_days: Set(i32::try_from(w.days).unwrap_or(i32::MAX)),
                through_sequence: Set(through.get(&f.client.id).copied().unwrap_or(0)),
                score: Set(m.score.score),
                last_activity_at: Set(f.last_activity_at),
                figures: Set(serde_json::to_value(Figures::of(f)).unwrap_or_default()),
                updated_at: Set(updated),
            }
        })
        .collect();
    for chunk in rows.chunks(500) {
        projection::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::column(projection::Column::ClientId)
                    .update_columns(
                        projection::Column::iter()
                            .filter(|c| !matches!(c, projection::Column::ClientId)),
                    )
                    .to_owned(),
            )
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// `momentum_projection` as joined to `client` in the statements below.
fn p() -> Alias {
    Alias::new("p")
}

/// The condition "the client's row is missing or not current" (see the module).
fn stale(fresh: Freshness, now: DateTime<Utc>) -> Condition {
    let latest = Query::select()
        .expr(Func::coalesce([
            Expr::col((event::Entity, event::Column::Sequence)).max(),
            Expr::val(0i64),
        ]))
        .from(event::Entity)
        .and_where(
            Expr::col((event::Entity, event::Column::ClientId))
                .equals((client::Entity, client::Column::Id)),
        )
        .to_owned();
    Condition::any()
        .add(Expr::col((p(), projection::Column::ClientId)).is_null())
        .add(Expr::col((p(), projection::Column::AsOf)).lt(now - fresh.max_age))
        .add(Expr::col((p(), projection::Column::WindowDays)).ne(fresh.window_days))
        .add(Expr::col((p(), projection::Column::ThroughSequence)).lt(latest))
}

/// `client` left-joined with its row as `p`.
fn joined() -> SelectStatement {
    Query::select()
        .from(client::Entity)
        .join_as(
            JoinType::LeftJoin,
            projection::Entity,
            p(),
            Expr::col((p(), projection::Column::ClientId))
                .equals((client::Entity, client::Column::Id)),
        )
        .to_owned()
}

/// Makes the row of every client of `who` current: one statement finds the stale ones,
/// and only those are recomputed. Returns how many were.
pub async fn ensure(
    conn: &impl ConnectionTrait,
    who: &Clients,
    fresh: Freshness,
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    let stmt = joined()
        .column((client::Entity, client::Column::Id))
        .and_where(who.on(client::Entity, client::Column::Id))
        .cond_where(stale(fresh, now))
        .to_owned();
    let ids: Vec<Uuid> = conn
        .query_all(&stmt)
        .await?
        .iter()
        .map(|r| r.try_get_by_index::<Uuid>(0))
        .collect::<Result<_, _>>()?;
    if !ids.is_empty() {
        refresh(
            conn,
            &Clients::Ids(ids.clone()),
            Windows::new(now, fresh.window_days),
        )
        .await?;
    }
    Ok(ids.len())
}

/// `client`'s columns and the row's, the latter prefixed `p_`.
fn with_rows(mut stmt: SelectStatement) -> SelectStatement {
    for c in client::Column::iter() {
        stmt.column((client::Entity, c));
    }
    for c in projection::Column::iter() {
        stmt.expr_as(Expr::col((p(), c)), Alias::new(format!("p_{}", c.as_str())));
    }
    stmt
}

fn decode(rows: Vec<sea_orm::QueryResult>) -> Result<Vec<Facts>, DbErr> {
    rows.iter()
        .map(|r| {
            let c = client::Model::from_query_result(r, "")?;
            let row = projection::Model::from_query_result(r, "p_")?;
            let figures: Figures = serde_json::from_value(row.figures)
                .map_err(|e| DbErr::Json(format!("momentum_projection.figures: {e}")))?;
            Ok(figures.facts(c, row.last_activity_at))
        })
        .collect()
}

/// The current facts of `who` (after [`ensure`]), in no particular order.
pub async fn read(conn: &impl ConnectionTrait, who: &Clients) -> Result<Vec<Facts>, DbErr> {
    let stmt = with_rows(joined())
        .and_where(who.on(client::Entity, client::Column::Id))
        .and_where(Expr::col((p(), projection::Column::ClientId)).is_not_null())
        .to_owned();
    decode(conn.query_all(&stmt).await?)
}

/// The current facts of `ids`: one statement when every row is current, else also the
/// recomputation of the stale ones.
pub async fn current(
    conn: &impl ConnectionTrait,
    ids: &[Uuid],
    fresh: Freshness,
    now: DateTime<Utc>,
) -> Result<Vec<Facts>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let who = Clients::Ids(ids.to_vec());
    let stale_flag = Expr::case(stale(fresh, now), Expr::val(1)).finally(Expr::val(0));
    let stmt = with_rows(joined())
        .expr_as(stale_flag, Alias::new("is_stale"))
        .and_where(who.on(client::Entity, client::Column::Id))
        .to_owned();
    let rows = conn.query_all(&stmt).await?;
    let mut stale_ids = Vec::new();
    let mut good = Vec::new();
    for r in rows {
        if r.try_get::<i32>("", "is_stale")? == 0 {
            good.push(r);
        } else {
            stale_ids.push(client::Model::from_query_result(&r, "")?.id);
        }
    }
    let mut out = decode(good)?;
    if !stale_ids.is_empty() {
        out.extend(
            refresh(
                conn,
                &Clients::Ids(stale_ids),
                Windows::new(now, fresh.window_days),
            )
            .await?,
        );
    }
    Ok(out)
}

/// The sort key of `sort` as a SQL expression over the joined row, when the sort can be
/// done in SQL (MOMENTUM, LAST_ACTIVITY); the other sorts need per-client aggregates of
/// alerts and sessions and are sorted by the caller.
fn sql_key(sort: CaseloadSort) -> Option<Expr> {
    match sort {
        // No score yet sorts last (as `i64::MAX` does in the cursor).
        CaseloadSort::Momentum => Some(
            Func::coalesce([
                Expr::col((p(), projection::Column::Score)),
                Expr::val(NO_SCORE),
            ])
            .into(),
        ),
        CaseloadSort::LastActivity => Some(Expr::col((p(), projection::Column::LastActivityAt))),
        CaseloadSort::OpenAlerts | CaseloadSort::NextSession => None,
    }
}

/// Where a missing score sorts: after every score (0 to 100).
const NO_SCORE: i32 = 1_000;

/// The display name compared byte by byte on both databases (as Rust compares strings,
/// and as the cursor was made).
fn name_key(backend: sea_orm::DatabaseBackend) -> Expr {
    let name = Expr::col((client::Entity, client::Column::DisplayName));
    if backend == sea_orm::DatabaseBackend::Postgres {
        Expr::cust_with_exprs("$1 COLLATE \"C\"", [name])
    } else {
        name
    }
}

/// The condition "after `cursor`" in the order of `sort` (a SQL sort).
fn after(sort: CaseloadSort, backend: sea_orm::DatabaseBackend, c: &CaseloadCursor) -> Condition {
    let (a, _, name, id) = c;
    let id_col = Expr::col((client::Entity, client::Column::Id));
    let tie = Condition::any()
        .add(name_key(backend).gt(name.clone()))
        .add(
            Condition::all()
                .add(name_key(backend).eq(name.clone()))
                .add(id_col.gt(*id)),
        );
    match sort {
        CaseloadSort::Momentum => {
            let key = sql_key(sort).unwrap_or_else(|| Expr::val(0));
            let a = i32::try_from(*a).unwrap_or(NO_SCORE);
            Condition::any()
                .add(key.clone().gt(a))
                .add(Condition::all().add(key.eq(a)).add(tie))
        }
        _ => {
            let at = Expr::col((p(), projection::Column::LastActivityAt));
            match DateTime::<Utc>::from_timestamp_micros(*a).filter(|_| *a != i64::MIN) {
                // Never active sorts first: after such a cursor come the rest of them, then
                // everyone active.
                None => Condition::any()
                    .add(at.clone().is_not_null())
                    .add(Condition::all().add(at.is_null()).add(tie)),
                Some(t) => Condition::all().add(at.clone().is_not_null()).add(
                    Condition::any()
                        .add(at.clone().gt(t))
                        .add(Condition::all().add(at.eq(t)).add(tie)),
                ),
            }
        }
    }
}

/// A page of `who` in the order of `sort` (MOMENTUM or LAST_ACTIVITY), after `cursor`, at
/// most `limit` rows, from the current rows (after [`ensure`]): one statement.
pub async fn page(
    conn: &impl ConnectionTrait,
    who: &Clients,
    sort: CaseloadSort,
    cursor: Option<&CaseloadCursor>,
    limit: u64,
) -> Result<Option<Vec<Facts>>, DbErr> {
    let Some(key) = sql_key(sort) else {
        return Ok(None);
    };
    let backend = conn.get_database_backend();
    let mut stmt = with_rows(joined())
        .and_where(who.on(client::Entity, client::Column::Id))
        .and_where(Expr::col((p(), projection::Column::ClientId)).is_not_null())
        .to_owned();
    if let Some(c) = cursor {
        stmt.cond_where(after(sort, backend, c));
    }
    if sort == CaseloadSort::LastActivity {
        // Never active first.
        stmt.order_by_expr(
            Expr::case(
                Expr::col((p(), projection::Column::LastActivityAt)).is_null(),
                Expr::val(0),
            )
            .finally(Expr::val(1))
            .into(),
            Order::Asc,
        );
    }
    stmt.order_by_expr(key, Order::Asc)
        .order_by_expr(name_key(backend), Order::Asc)
        .order_by(
            (client::Entity, client::Column::Id).into_column_ref(),
            Order::Asc,
        )
        .limit(limit);
    Ok(Some(decode(conn.query_all(&stmt).await?)?))
}
