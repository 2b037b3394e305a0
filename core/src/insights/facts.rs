//! What is known of each client's engagement, from their records over a window: homework,
//! tracking, goals, check-ins, the last activity and the streak ([`facts`]), with the
//! alerts and next sessions the caseload shows. Read by the projection, the evaluator and
//! the brief; writes nothing.

use std::collections::HashMap;

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait as _, FromQueryResult,
    QueryFilter as _,
    sea_query::{
        Alias, CaseStatement, Expr, ExprTrait as _, Func, Query, SelectStatement, UnionType,
    },
};
use uuid::Uuid;

use super::domain::{self, Inputs, Momentum, TREND_DAYS, rules};
use crate::{
    homework::domain::Outcome, sql::count_if, tracking::domain::day_number, values::local_today,
};
use entity::{
    alert, check_in, client, goal, goal_progress, goal_step, homework_occurrence, measure_response,
    therapy_session, thought_record, tracker_entry,
};

/// Which clients a computation covers: a list of ids, or a subquery of them (a viewer's
/// visible clients, a practice's active ones).
#[derive(Debug, Clone)]
pub enum Clients {
    Ids(Vec<Uuid>),
    Query(Box<SelectStatement>),
}

impl Clients {
    /// `<table>.client_id IN (…)`.
    pub(crate) fn on<T, C>(&self, table: T, column: C) -> Expr
    where
        T: sea_orm::sea_query::IntoIden,
        C: sea_orm::sea_query::IntoIden,
    {
        let col = Expr::col((table, column));
        match self {
            Self::Ids(ids) => col.is_in(ids.clone()),
            Self::Query(q) => col.in_subquery(q.as_ref().clone()),
        }
    }
}

/// The moments a computation is made at: now, and the two score windows (this one, and
/// the one [`TREND_DAYS`] earlier that the trend compares with).
#[derive(Debug, Clone, Copy)]
pub struct Windows {
    pub now: DateTime<Utc>,
    pub days: i64,
}

impl Windows {
    pub fn new(now: DateTime<Utc>, days: i64) -> Self {
        Self { now, days }
    }
    fn end(self, earlier: i64) -> DateTime<Utc> {
        self.now - TimeDelta::days(earlier)
    }
    fn start(self, earlier: i64) -> DateTime<Utc> {
        self.end(earlier) - TimeDelta::days(self.days)
    }
    /// The earliest moment either window reaches.
    fn oldest(self) -> DateTime<Utc> {
        self.start(TREND_DAYS)
    }
}

/// What the records say about one client now (see [`facts`]).
#[derive(Debug, Clone)]
pub struct Facts {
    pub client: client::Model,
    /// The score window ending now, and the one ending [`TREND_DAYS`] ago.
    pub now: Inputs,
    pub week_ago: Inputs,
    /// The client's latest activity of any kind (docs/insights.md has the list).
    pub last_activity_at: Option<DateTime<Utc>>,
    /// Local days from the last activity to today (0: today); null with none.
    pub days_since_last_activity: Option<i64>,
    /// Consecutive local days with a self-monitoring entry, ending today or yesterday.
    pub streak_days: i64,
    /// Homework occurrences due within the next 7 days, not yet submitted.
    pub homework_due: i64,
    /// Homework occurrences due in the last 7 days and not submitted.
    pub homework_overdue: i64,
}

impl Facts {
    /// The momentum score and its trend.
    pub fn momentum(&self) -> Momentum {
        domain::momentum(
            &self.now,
            &self.week_ago,
            self.streak_days,
            self.days_since_last_activity,
            self.last_activity_at,
        )
    }
}

pub(crate) fn rows_stmt<R: FromQueryResult>(
    conn: &impl ConnectionTrait,
    stmt: &SelectStatement,
) -> impl Future<Output = Result<Vec<R>, DbErr>> {
    let built = conn.get_database_backend().build(stmt);
    R::find_by_statement(built).all(conn)
}

/// `start <= column < end`.
fn within(column: impl ColumnTrait, start: DateTime<Utc>, end: DateTime<Utc>) -> Condition {
    Condition::all().add(column.gte(start)).add(column.lt(end))
}

#[derive(FromQueryResult)]
struct HomeworkRow {
    client_id: Uuid,
    due_now: Option<i64>,
    done_now: Option<f64>,
    due_before: Option<i64>,
    done_before: Option<f64>,
    due_soon: Option<i64>,
    overdue: Option<i64>,
}

/// The credit of each outcome (`homework::domain::Outcome::credit`, the completion rate's
/// rule) summed over the occurrences due in `[start, end)` and submitted by `end`.
fn done_within(start: DateTime<Utc>, end: DateTime<Utc>) -> Expr {
    let mut credit = CaseStatement::new();
    for o in Outcome::ALL {
        credit = credit.case(
            homework_occurrence::Column::Outcome.eq(o.as_str()),
            Expr::val(o.credit()),
        );
    }
    let cond = within(homework_occurrence::Column::DueAt, start, end)
        .add(homework_occurrence::Column::SubmittedAt.lte(end));
    Func::sum(Expr::case(cond, credit.finally(Expr::val(0.0))).finally(Expr::val(0.0))).into()
}

async fn homework(
    conn: &impl ConnectionTrait,
    who: &Clients,
    w: Windows,
) -> Result<Vec<HomeworkRow>, DbErr> {
    use homework_occurrence::Column::{DueAt, SubmittedAt};
    let (s0, e0, s7, e7) = (w.start(0), w.end(0), w.start(TREND_DAYS), w.end(TREND_DAYS));
    let soon = w.now + TimeDelta::days(7);
    let recent = w.now - TimeDelta::days(7);
    let unsubmitted = |s, e| count_if(within(DueAt, s, e).add(SubmittedAt.is_null()));
    let stmt = Query::select()
        .column(homework_occurrence::Column::ClientId)
        .expr_as(count_if(within(DueAt, s0, e0)), Alias::new("due_now"))
        .expr_as(done_within(s0, e0), Alias::new("done_now"))
        .expr_as(count_if(within(DueAt, s7, e7)), Alias::new("due_before"))
        .expr_as(done_within(s7, e7), Alias::new("done_before"))
        .expr_as(unsubmitted(w.now, soon), Alias::new("due_soon"))
        .expr_as(unsubmitted(recent, w.now), Alias::new("overdue"))
        .from(homework_occurrence::Entity)
        .and_where(who.on(
            homework_occurrence::Entity,
            homework_occurrence::Column::ClientId,
        ))
        .and_where(DueAt.gte(std::cmp::min(w.oldest(), recent)))
        .and_where(DueAt.lt(soon))
        .group_by_col(homework_occurrence::Column::ClientId)
        .to_owned();
    rows_stmt(conn, &stmt).await
}

#[derive(FromQueryResult)]
struct CountRow {
    client_id: Uuid,
    now_n: Option<i64>,
    now_of: Option<i64>,
    before_n: Option<i64>,
    before_of: Option<i64>,
}

/// Distinct local days with an entry, in each window (`now_n`, `before_n`).
async fn tracking(
    conn: &impl ConnectionTrait,
    who: &Clients,
    w: Windows,
) -> Result<Vec<CountRow>, DbErr> {
    let days = |start, end| {
        Func::count_distinct(
            Expr::case(
                within(tracker_entry::Column::RecordedAt, start, end),
                Expr::col(tracker_entry::Column::LocalDay),
            )
            .finally(Expr::null()),
        )
    };
    let stmt = Query::select()
        .column(tracker_entry::Column::ClientId)
        .expr_as(days(w.start(0), w.end(0)), Alias::new("now_n"))
        .expr_as(Expr::cust("CAST(0 AS BIGINT)"), Alias::new("now_of"))
        .expr_as(
            days(w.start(TREND_DAYS), w.end(TREND_DAYS)),
            Alias::new("before_n"),
        )
        .expr_as(Expr::cust("CAST(0 AS BIGINT)"), Alias::new("before_of"))
        .from(tracker_entry::Entity)
        .and_where(who.on(tracker_entry::Entity, tracker_entry::Column::ClientId))
        .and_where(tracker_entry::Column::RecordedAt.gte(w.oldest()))
        .and_where(tracker_entry::Column::RecordedAt.lt(w.now))
        .group_by_col(tracker_entry::Column::ClientId)
        .to_owned();
    rows_stmt(conn, &stmt).await
}

/// `EXISTS` a row of `entity` about the outer query's goal with `at` in `[start, end)`.
fn touched<E, C>(entity: E, goal_col: C, at: C, start: DateTime<Utc>, end: DateTime<Utc>) -> Expr
where
    E: sea_orm::EntityTrait + Copy,
    C: ColumnTrait + Copy,
{
    Expr::exists(
        Query::select()
            .expr(Expr::val(1))
            .from(entity)
            .and_where(Expr::col((entity, goal_col)).equals((goal::Entity, goal::Column::Id)))
            .cond_where(within(at, start, end))
            .to_owned(),
    )
}

/// Goals pursued in each window (`*_of`) and of those, goals that moved (`*_n`): progress
/// recorded, a step completed or the goal achieved inside the window.
async fn goals(
    conn: &impl ConnectionTrait,
    who: &Clients,
    w: Windows,
) -> Result<Vec<CountRow>, DbErr> {
    use goal::Column::{AchievedAt, CreatedAt, Status};
    // A goal is pursued in a window when it existed before the window ended and is ACTIVE,
    // or was ACHIEVED inside or after the window.
    let pursued = |start: DateTime<Utc>, end: DateTime<Utc>| {
        Condition::all().add(CreatedAt.lt(end)).add(
            Condition::any().add(Status.eq("ACTIVE")).add(
                Condition::all()
                    .add(Status.eq("ACHIEVED"))
                    .add(AchievedAt.gte(start)),
            ),
        )
    };
    // It moved when progress was recorded, a step completed or the goal achieved inside.
    let moved = |start, end| {
        Condition::any()
            .add(touched(
                goal_progress::Entity,
                goal_progress::Column::GoalId,
                goal_progress::Column::RecordedAt,
                start,
                end,
            ))
            .add(touched(
                goal_step::Entity,
                goal_step::Column::GoalId,
                goal_step::Column::CompletedAt,
                start,
                end,
            ))
            .add(
                Condition::all()
                    .add(Status.eq("ACHIEVED"))
                    .add(AchievedAt.lt(end)),
            )
    };
    let of = |s, e| count_if(pursued(s, e));
    let n = |s, e| count_if(pursued(s, e).add(moved(s, e)));
    let stmt = Query::select()
        .column((goal::Entity, goal::Column::ClientId))
        .expr_as(n(w.start(0), w.end(0)), Alias::new("now_n"))
        .expr_as(of(w.start(0), w.end(0)), Alias::new("now_of"))
        .expr_as(
            n(w.start(TREND_DAYS), w.end(TREND_DAYS)),
            Alias::new("before_n"),
        )
        .expr_as(
            of(w.start(TREND_DAYS), w.end(TREND_DAYS)),
            Alias::new("before_of"),
        )
        .from(goal::Entity)
        .and_where(who.on(goal::Entity, goal::Column::ClientId))
        .and_where(goal::Column::Status.is_in(["ACTIVE", "ACHIEVED"]))
        .group_by_col((goal::Entity, goal::Column::ClientId))
        .to_owned();
    rows_stmt(conn, &stmt).await
}

/// Check-ins due in each window (`*_of`) and of those, answered by its end (`*_n`).
async fn check_ins(
    conn: &impl ConnectionTrait,
    who: &Clients,
    w: Windows,
) -> Result<Vec<CountRow>, DbErr> {
    let due = |s, e| count_if(within(check_in::Column::DueAt, s, e));
    let answered = |s, e| {
        count_if(within(check_in::Column::DueAt, s, e).add(check_in::Column::RespondedAt.lte(e)))
    };
    let (s0, e0, s7, e7) = (w.start(0), w.end(0), w.start(TREND_DAYS), w.end(TREND_DAYS));
    let stmt = Query::select()
        .column(check_in::Column::ClientId)
        .expr_as(answered(s0, e0), Alias::new("now_n"))
        .expr_as(due(s0, e0), Alias::new("now_of"))
        .expr_as(answered(s7, e7), Alias::new("before_n"))
        .expr_as(due(s7, e7), Alias::new("before_of"))
        .from(check_in::Entity)
        .and_where(who.on(check_in::Entity, check_in::Column::ClientId))
        .and_where(check_in::Column::DueAt.gte(w.oldest()))
        .and_where(check_in::Column::DueAt.lt(w.now))
        .group_by_col(check_in::Column::ClientId)
        .to_owned();
    rows_stmt(conn, &stmt).await
}

#[derive(FromQueryResult)]
struct LastRow {
    client_id: Uuid,
    last_at: Option<DateTime<Utc>>,
}

/// The latest activity of each client, over every kind of record a client makes.
async fn last_activity(
    conn: &impl ConnectionTrait,
    who: &Clients,
    now: DateTime<Utc>,
) -> Result<Vec<LastRow>, DbErr> {
    fn latest<E, C>(
        entity: E,
        client: C,
        at: C,
        now: DateTime<Utc>,
        who: &Clients,
    ) -> SelectStatement
    where
        E: sea_orm::EntityTrait + Copy,
        C: sea_orm::ColumnTrait + Copy,
    {
        Query::select()
            .expr_as(Expr::col(client), Alias::new("client_id"))
            .expr_as(Expr::col(at).max(), Alias::new("last_at"))
            .from(entity)
            .and_where(who.on(entity, client))
            .and_where(at.lte(now))
            .group_by_col(client)
            .to_owned()
    }
    let mut union = latest(
        tracker_entry::Entity,
        tracker_entry::Column::ClientId,
        tracker_entry::Column::RecordedAt,
        now,
        who,
    );
    union
        .union(
            UnionType::All,
            latest(
                thought_record::Entity,
                thought_record::Column::ClientId,
                thought_record::Column::RecordedAt,
                now,
                who,
            ),
        )
        .union(
            UnionType::All,
            latest(
                homework_occurrence::Entity,
                homework_occurrence::Column::ClientId,
                homework_occurrence::Column::SubmittedAt,
                now,
                who,
            ),
        )
        .union(
            UnionType::All,
            latest(
                check_in::Entity,
                check_in::Column::ClientId,
                check_in::Column::RespondedAt,
                now,
                who,
            ),
        )
        .union(
            UnionType::All,
            latest(
                measure_response::Entity,
                measure_response::Column::ClientId,
                measure_response::Column::AdministeredAt,
                now,
                who,
            ),
        )
        .union(
            UnionType::All,
            latest(
                goal_progress::Entity,
                goal_progress::Column::ClientId,
                goal_progress::Column::RecordedAt,
                now,
                who,
            ),
        )
        .union(
            UnionType::All,
            latest(
                goal_step::Entity,
                goal_step::Column::ClientId,
                goal_step::Column::CompletedAt,
                now,
                who,
            ),
        );
    let stmt = Query::select()
        .column(Alias::new("client_id"))
        .expr_as(
            Expr::col(Alias::new("last_at")).max(),
            Alias::new("last_at"),
        )
        .from_subquery(union, Alias::new("latest"))
        .group_by_col(Alias::new("client_id"))
        .to_owned();
    rows_stmt(conn, &stmt).await
}

#[derive(FromQueryResult)]
struct StreakRow {
    client_id: Uuid,
    last_day: Option<i64>,
    days: Option<i64>,
}

/// How far back a streak is counted.
pub const STREAK_DAYS_MAX: i64 = 366;

/// Per client, the last local day with an entry and the length of the run of consecutive
/// days ending on it (gaps and islands: consecutive days share `day + row number`).
async fn streaks(
    conn: &impl ConnectionTrait,
    who: &Clients,
    now: DateTime<Utc>,
) -> Result<Vec<StreakRow>, DbErr> {
    // A day of slack either side covers every time zone.
    let first = day_number(now.date_naive()) as i64 - STREAK_DAYS_MAX - 1;
    let days = Query::select()
        .column(tracker_entry::Column::ClientId)
        .column(tracker_entry::Column::LocalDay)
        .expr_as(
            Expr::cust(
                "\"local_day\" + ROW_NUMBER() OVER (PARTITION BY \"client_id\" ORDER BY \"local_day\" DESC)",
            ),
            Alias::new("island"),
        )
        .expr_as(
            Expr::cust("MAX(\"local_day\") OVER (PARTITION BY \"client_id\")"),
            Alias::new("last_day"),
        )
        .from(tracker_entry::Entity)
        .and_where(who.on(tracker_entry::Entity, tracker_entry::Column::ClientId))
        .and_where(tracker_entry::Column::LocalDay.gte(first))
        .and_where(tracker_entry::Column::RecordedAt.lte(now))
        .group_by_col(tracker_entry::Column::ClientId)
        .group_by_col(tracker_entry::Column::LocalDay)
        .to_owned();
    let stmt = Query::select()
        .column(Alias::new("client_id"))
        .expr_as(
            Expr::cust("CAST(MAX(\"last_day\") AS BIGINT)"),
            Alias::new("last_day"),
        )
        .expr_as(crate::sql::count_all(), Alias::new("days"))
        .from_subquery(days, Alias::new("d"))
        .and_where(Expr::cust("\"island\" = \"last_day\" + 1"))
        .group_by_col(Alias::new("client_id"))
        .to_owned();
    rows_stmt(conn, &stmt).await
}

fn by_client<R>(rows: Vec<R>, key: impl Fn(&R) -> Uuid) -> HashMap<Uuid, R> {
    rows.into_iter().map(|r| (key(&r), r)).collect()
}

/// Whole days (of 24 hours) of `[start, end)` the client existed for, at most `days`.
fn observed(created: DateTime<Utc>, start: DateTime<Utc>, end: DateTime<Utc>, days: i64) -> i64 {
    let from = std::cmp::max(created, start);
    ((end - from).num_days()).clamp(0, days)
}

/// What the records say about each of `who` (clients with no rows at all included), in
/// seven statements whatever their number.
pub async fn facts(
    conn: &impl ConnectionTrait,
    who: &Clients,
    w: Windows,
) -> Result<Vec<Facts>, DbErr> {
    let clients = client::Entity::find()
        .filter(who.on(client::Entity, client::Column::Id))
        .all(conn)
        .await?;
    if clients.is_empty() {
        return Ok(Vec::new());
    }
    let homework = by_client(homework(conn, who, w).await?, |r| r.client_id);
    let tracking = by_client(tracking(conn, who, w).await?, |r| r.client_id);
    let goals = by_client(goals(conn, who, w).await?, |r| r.client_id);
    let check_ins = by_client(check_ins(conn, who, w).await?, |r| r.client_id);
    let last = by_client(last_activity(conn, who, w.now).await?, |r| r.client_id);
    let streaks = by_client(streaks(conn, who, w.now).await?, |r| r.client_id);
    Ok(clients
        .into_iter()
        .map(|c| {
            let hw = homework.get(&c.id);
            let tr = tracking.get(&c.id);
            let go = goals.get(&c.id);
            let ci = check_ins.get(&c.id);
            let n = |v: Option<i64>| v.unwrap_or(0);
            let inputs = |earlier: i64| {
                let now = earlier == 0;
                Inputs {
                    days_observed: observed(c.created_at, w.start(earlier), w.end(earlier), w.days),
                    homework_due: n(hw.and_then(|h| if now { h.due_now } else { h.due_before })),
                    homework_done: hw
                        .and_then(|h| if now { h.done_now } else { h.done_before })
                        .unwrap_or(0.0),
                    tracking_days: n(tr.and_then(|t| if now { t.now_n } else { t.before_n })),
                    goals_active: n(go.and_then(|g| if now { g.now_of } else { g.before_of })),
                    goals_moved: n(go.and_then(|g| if now { g.now_n } else { g.before_n })),
                    check_ins_due: n(ci.and_then(|x| if now { x.now_of } else { x.before_of })),
                    check_ins_answered: n(ci.and_then(|x| if now { x.now_n } else { x.before_n })),
                }
            };
            let today = day_number(local_today(&c.timezone, w.now)) as i64;
            let last_at = last.get(&c.id).and_then(|l| l.last_at);
            let days_since = last_at.map(|at| {
                std::cmp::max(today - day_number(local_today(&c.timezone, at)) as i64, 0)
            });
            let streak = streaks
                .get(&c.id)
                .and_then(|s| Some((s.last_day?, s.days?)))
                .filter(|(last_day, _)| *last_day >= today - 1)
                .map_or(0, |(_, d)| std::cmp::min(d, STREAK_DAYS_MAX));
            Facts {
                now: inputs(0),
                week_ago: inputs(TREND_DAYS),
                last_activity_at: last_at,
                days_since_last_activity: days_since,
                streak_days: streak,
                homework_due: n(hw.and_then(|h| h.due_soon)),
                homework_overdue: n(hw.and_then(|h| h.overdue)),
                client: c,
            }
        })
        .collect())
}

#[derive(FromQueryResult)]
struct AlertRow {
    client_id: Uuid,
    kind: String,
    open: Option<i64>,
    worst: Option<i32>,
    last_raised: Option<DateTime<Utc>>,
}

/// Per client and kind: unresolved alerts, the highest severity among them, and when one
/// of the kind was last raised.
#[derive(Debug, Clone, Default)]
pub struct AlertCounts {
    pub unresolved: i64,
    pub worst: Option<i32>,
    pub last_raised: HashMap<String, DateTime<Utc>>,
    pub unresolved_kinds: Vec<String>,
}

/// Alert counts of each of `who`, in one statement.
pub async fn alert_counts(
    conn: &impl ConnectionTrait,
    who: &Clients,
) -> Result<HashMap<Uuid, AlertCounts>, DbErr> {
    let stmt = Query::select()
        .column(alert::Column::ClientId)
        .column(alert::Column::Kind)
        .expr_as(
            crate::sql::count_if(Condition::all().add(alert::Column::Status.ne("RESOLVED"))),
            Alias::new("open"),
        )
        .expr_as(
            crate::sql::max_if(
                Condition::all().add(alert::Column::Status.ne("RESOLVED")),
                Expr::col(alert::Column::Severity),
            ),
            Alias::new("worst"),
        )
        .expr_as(
            Expr::col(alert::Column::RaisedAt).max(),
            Alias::new("last_raised"),
        )
        .from(alert::Entity)
        .and_where(who.on(alert::Entity, alert::Column::ClientId))
        .group_by_col(alert::Column::ClientId)
        .group_by_col(alert::Column::Kind)
        .to_owned();
    let rows: Vec<AlertRow> = rows_stmt(conn, &stmt).await?;
    let mut out: HashMap<Uuid, AlertCounts> = HashMap::new();
    for r in rows {
        let c = out.entry(r.client_id).or_default();
        let open = r.open.unwrap_or(0);
        c.unresolved += open;
        c.worst = std::cmp::max(c.worst, r.worst);
        if open > 0 {
            c.unresolved_kinds.push(r.kind.clone());
        }
        if let Some(at) = r.last_raised {
            c.last_raised.insert(r.kind, at);
        }
    }
    Ok(out)
}

#[derive(FromQueryResult)]
struct NextRow {
    client_id: Uuid,
    next_at: Option<DateTime<Utc>>,
}

/// The next scheduled session time of each of `who`, in one statement.
pub async fn next_sessions(
    conn: &impl ConnectionTrait,
    who: &Clients,
    now: DateTime<Utc>,
) -> Result<HashMap<Uuid, DateTime<Utc>>, DbErr> {
    let stmt = Query::select()
        .column(therapy_session::Column::ClientId)
        .expr_as(
            Expr::col(therapy_session::Column::ScheduledAt).min(),
            Alias::new("next_at"),
        )
        .from(therapy_session::Entity)
        .and_where(who.on(therapy_session::Entity, therapy_session::Column::ClientId))
        .and_where(therapy_session::Column::Status.eq("SCHEDULED"))
        .and_where(therapy_session::Column::ScheduledAt.gte(now))
        .group_by_col(therapy_session::Column::ClientId)
        .to_owned();
    let rows: Vec<NextRow> = rows_stmt(conn, &stmt).await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| Some((r.client_id, r.next_at?)))
        .collect())
}

#[derive(FromQueryResult)]
struct SettledRow {
    client_id: Uuid,
    due_at: DateTime<Utc>,
    not_done: i32,
}

/// Per client, the latest settled homework occurrences (submitted, or past the grace
/// period), newest first, as (due, not done), at most [`rules::MISSED_IN_A_ROW`] of them.
pub async fn latest_settled(
    conn: &impl ConnectionTrait,
    who: &Clients,
    now: DateTime<Utc>,
) -> Result<HashMap<Uuid, Vec<(DateTime<Utc>, bool)>>, DbErr> {
    latest_settled_n(conn, who, now, rules::MISSED_IN_A_ROW).await
}

/// Per client, the latest `take` settled homework occurrences at `now` (see
/// [`latest_settled`]), in one statement.
pub async fn latest_settled_n(
    conn: &impl ConnectionTrait,
    who: &Clients,
    now: DateTime<Utc>,
    take: usize,
) -> Result<HashMap<Uuid, Vec<(DateTime<Utc>, bool)>>, DbErr> {
    let settled = Query::select()
        .column(homework_occurrence::Column::ClientId)
        .column(homework_occurrence::Column::DueAt)
        .expr_as(
            Expr::cust(
                "CASE WHEN \"submitted_at\" IS NULL OR \"outcome\" = 'NOT_DONE' THEN 1 ELSE 0 END",
            ),
            Alias::new("not_done"),
        )
        .expr_as(
            Expr::cust(
                "ROW_NUMBER() OVER (PARTITION BY \"client_id\" ORDER BY \"due_at\" DESC, \"id\" DESC)",
            ),
            Alias::new("rn"),
        )
        .from(homework_occurrence::Entity)
        .and_where(who.on(homework_occurrence::Entity, homework_occurrence::Column::ClientId))
        .and_where(
            homework_occurrence::Column::DueAt
                .gte(now - TimeDelta::days(rules::MISSED_LOOKBACK_DAYS)),
        )
        .and_where(homework_occurrence::Column::DueAt.lt(now))
        .cond_where(
            Condition::any()
                .add(homework_occurrence::Column::SubmittedAt.is_not_null())
                .add(
                    homework_occurrence::Column::DueAt
                        .lt(now - TimeDelta::hours(rules::GRACE_HOURS)),
                ),
        )
        .to_owned();
    let stmt = Query::select()
        .columns([
            Alias::new("client_id"),
            Alias::new("due_at"),
            Alias::new("not_done"),
        ])
        .from_subquery(settled, Alias::new("s"))
        .and_where(Expr::col(Alias::new("rn")).lte(take as i64))
        .order_by(Alias::new("client_id"), sea_orm::Order::Asc)
        .order_by(Alias::new("due_at"), sea_orm::Order::Desc)
        .to_owned();
    let rows: Vec<SettledRow> = rows_stmt(conn, &stmt).await?;
    let mut out: HashMap<Uuid, Vec<(DateTime<Utc>, bool)>> = HashMap::new();
    for r in rows {
        out.entry(r.client_id)
            .or_default()
            .push((r.due_at, r.not_done != 0));
    }
    Ok(out)
}
