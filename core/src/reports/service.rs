//! The report in SQL: one statement answers every row and the totals, whatever the number
//! of clients (common table expressions, correlated subqueries and `GROUP BY` that SQLite
//! and PostgreSQL both run). Nothing is loaded or looped over per client in Rust.
//!
//! The statement, in steps (each a CTE):
//! - `win`: the windows (the whole period `*`, and each month when grouped by month) and
//!   `wk`: their full weeks, both passed in as parameters;
//! - `cl`: the clients with something in their care in each window;
//! - `per`: per client and window, homework, weekly tracking, measures and the first and
//!   last score of each instrument, each a correlated subquery on a (client, time) index;
//! - `act`: the groups each of those counts in (the totals, the nil id; grouped by therapist
//!   also each member of the client's care team), and `grp`: every group shown;
//! - `agg` adds the clients' figures up per group, instruments pivoted to columns; the last
//!   `SELECT` names the therapists.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, QueryResult, Statement, Value};
use uuid::Uuid;

use super::domain::{
    Group, GroupBy, Outcomes, PERIOD_KEY, Period, Report, Row, Window, full_weeks, to_csv, windows,
};
use crate::{
    audit::{self, Target},
    auth::{Role, Scope, Viewer},
    error::ServiceError,
    homework::domain::Outcome,
    measures::{domain::Instrument, service::thresholds},
    sessions::domain::SessionStatus,
};

/// Practice admins, and integrators with `REPORTS_READ`; everyone else is `FORBIDDEN`.
fn allowed(viewer: &Viewer) -> Result<(), ServiceError> {
    viewer.require_role(&[Role::PracticeAdmin, Role::Integrator])?;
    viewer.require_scope(Scope::ReportsRead)
}

/// A report has at most this many rows (by therapist: the first by name; every therapist
/// counts in the totals).
pub const ROWS_MAX: usize = 1000;

/// The practice report of the viewer's practice (audited as `practiceReport`).
#[tracing::instrument(skip_all, fields(group_by = group_by.as_str()))]
pub async fn practice_report(
    db: &DatabaseConnection,
    viewer: &Viewer,
    period: Period,
    group_by: GroupBy,
) -> Result<Report, ServiceError> {
    audited(db, viewer, "practiceReport", period, group_by).await
}

/// The same report as CSV text (audited as `exportReportCsv`).
#[tracing::instrument(skip_all, fields(group_by = group_by.as_str()))]
pub async fn export_csv(
    db: &DatabaseConnection,
    viewer: &Viewer,
    period: Period,
    group_by: GroupBy,
) -> Result<String, ServiceError> {
    let report = audited(db, viewer, "exportReportCsv", period, group_by).await?;
    to_csv(&report)
}

async fn audited(
    db: &DatabaseConnection,
    viewer: &Viewer,
    operation: &'static str,
    period: Period,
    group_by: GroupBy,
) -> Result<Report, ServiceError> {
    // Aggregates name no client, so the audit row names none either.
    audit::read(db, viewer, operation, Target::default(), async |db| {
        allowed(viewer)?;
        let report = compute(db, viewer.practice_id, period, group_by, Utc::now()).await?;
        Ok((report, Target::default()))
    })
    .await
}

/// SQL text with numbered parameters (`$1`, `$2`, ...: PostgreSQL's form, which SQLite
/// takes as well).
struct Sql {
    text: String,
    values: Vec<Value>,
}

impl Sql {
    fn new() -> Self {
        Self {
            text: String::new(),
            values: Vec::new(),
        }
    }

    /// Binds a value and returns its placeholder.
    fn bind(&mut self, v: impl Into<Value>) -> String {
        self.values.push(v.into());
        format!("${}", self.values.len())
    }

    fn push(&mut self, s: &str) {
        self.text.push_str(s);
    }
}

/// `WITH name(columns) AS (VALUES (..), (..))`, or an empty relation of the same shape
/// when there are no rows (`VALUES` cannot be empty).
fn values_cte(sql: &mut Sql, name: &str, rows: Vec<[Value; 3]>, empty: &str) {
    sql.push(&format!("{name}(w, s, e) AS ("));
    if rows.is_empty() {
        sql.push(empty);
    } else {
        let rows: Vec<String> = rows
            .into_iter()
            .map(|[a, b, c]| {
                let (a, b, c) = (sql.bind(a), sql.bind(b), sql.bind(c));
                format!("({a}, {b}, {c})")
            })
            .collect();
        sql.push(&format!("VALUES {}", rows.join(", ")));
    }
    sql.push(")");
}

/// Builds the one statement of a report.
fn statement(
    pid: Uuid,
    wins: &[Window],
    group_by: GroupBy,
    now: DateTime<Utc>,
    points: &[(Instrument, i32)],
) -> Sql {
    let mut sql = Sql::new();
    let p = sql.bind(pid);
    let nil = sql.bind(Uuid::nil());
    let mut weeks = Vec::new();
    for w in wins {
        for (s, e) in full_weeks(w, now) {
            weeks.push([w.key.clone().into(), s.into(), e.into()]);
        }
    }
    sql.push("WITH ");
    values_cte(
        &mut sql,
        "win",
        wins.iter()
            .map(|w| [w.key.clone().into(), w.start.into(), w.end.into()])
            .collect(),
        "",
    );
    sql.push(", ");
    values_cte(&mut sql, "wk", weeks, "SELECT w, s, e FROM win WHERE 1 = 0");

    // The clients with something in their care in a window, once per window.
    let cancelled = sql.bind(SessionStatus::Cancelled.as_str());
    let in_window = |table: &str, column: &str, extra: &str| {
        format!(
            "EXISTS (SELECT 1 FROM {table} x WHERE x.client_id = c.id \
             AND x.practice_id = {p} AND x.{column} >= win.s AND x.{column} < win.e{extra})"
        )
    };
    let active = [
        in_window(
            "therapy_session",
            "scheduled_at",
            &format!(" AND x.status <> {cancelled}"),
        ),
        in_window("homework_occurrence", "due_at", ""),
        in_window("tracker_entry", "recorded_at", ""),
        in_window("thought_record", "recorded_at", ""),
        in_window("measure_response", "administered_at", ""),
    ]
    .join(" OR ");
    sql.push(&format!(
        ", cl(w, s, e, cid, created) AS (SELECT win.w, win.s, win.e, c.id, c.created_at \
         FROM client c CROSS JOIN win WHERE c.practice_id = {p} AND ({active}))"
    ));

    // Per client and window, each figure is a correlated subquery on a (client, time)
    // index: no join between derived tables whose size the planner has to guess.
    let mut credit = String::from("CASE x.outcome");
    for o in Outcome::ALL {
        let (name, c) = (sql.bind(o.as_str()), sql.bind(o.credit()));
        credit.push_str(&format!(" WHEN {name} THEN {c}"));
    }
    let zero = sql.bind(0.0_f64);
    credit.push_str(&format!(" ELSE {zero} END"));
    let now_p = sql.bind(now);
    let homework = format!(
        "FROM homework_occurrence x WHERE x.client_id = cl.cid AND x.practice_id = {p} \
         AND x.due_at >= cl.s AND x.due_at < cl.e AND x.due_at < {now_p}"
    );
    let measures = format!(
        "FROM measure_response x WHERE x.client_id = cl.cid AND x.practice_id = {p} \
         AND x.administered_at >= cl.s AND x.administered_at < cl.e"
    );
    let weeks = "FROM wk WHERE wk.w = cl.w AND wk.s >= cl.created";
    let entry_in_week = |table: &str| {
        format!(
            "EXISTS (SELECT 1 FROM {table} x WHERE x.client_id = cl.cid \
             AND x.practice_id = {p} AND x.recorded_at >= wk.s AND x.recorded_at < wk.e)"
        )
    };
    // (expression, name) of each figure.
    let mut per: Vec<(String, String)> = vec![
        // Homework due in the window and already due now, and its credit.
        (format!("SELECT COUNT(*) {homework}"), "due".to_owned()),
        (
            format!("SELECT SUM({credit}) {homework}"),
            "done".to_owned(),
        ),
        // Full weeks since the client was created, and those with a self-monitoring entry.
        (format!("SELECT COUNT(*) {weeks}"), "weeks".to_owned()),
        (
            format!(
                "SELECT COUNT(*) {weeks} AND ({} OR {})",
                entry_in_week("tracker_entry"),
                entry_in_week("thought_record")
            ),
            "tracked".to_owned(),
        ),
        (format!("SELECT COUNT(*) {measures}"), "measures".to_owned()),
    ];
    // Per instrument: how many scores, the first and the last.
    for (k, &(i, _)) in points.iter().enumerate() {
        let this = format!("{measures} AND x.instrument = {}", sql.bind(i.as_str()));
        per.push((format!("SELECT COUNT(*) {this}"), format!("n{k}")));
        per.push((
            format!("SELECT x.total {this} ORDER BY x.administered_at, x.id LIMIT 1"),
            format!("f{k}"),
        ));
        per.push((
            format!("SELECT x.total {this} ORDER BY x.administered_at DESC, x.id DESC LIMIT 1"),
            format!("l{k}"),
        ));
    }
    let list = |prefix: &str| {
        per.iter()
            .map(|(_, n)| format!("{prefix}{n}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (names, per_names) = (list(""), list("per."));
    let exprs: Vec<String> = per.iter().map(|(e, n)| format!("({e}) AS {n}")).collect();
    sql.push(&format!(
        ", per AS MATERIALIZED (SELECT cl.w, cl.cid, {} FROM cl)",
        exprs.join(", ")
    ));

    // The groups each active client counts in: the totals (the nil id) and, grouped by
    // therapist, every member of the client's care team.
    sql.push(&format!(
        ", act AS (SELECT {nil} AS uid, w, cid, {names} FROM per"
    ));
    if group_by == GroupBy::Therapist {
        sql.push(&format!(
            " UNION ALL SELECT ct.user_id, per.w, per.cid, {per_names} FROM per \
             JOIN care_team ct ON ct.client_id = per.cid AND ct.practice_id = {p}"
        ));
    }
    // Every group is shown, even one with no active client: a row with no client (its
    // figures null) for each.
    let blanks = vec!["NULL"; per.len()].join(", ");
    sql.push(&format!("), grp AS (SELECT {nil} AS uid, w FROM win"));
    if group_by == GroupBy::Therapist {
        sql.push(&format!(
            " UNION SELECT ct.user_id, win.w FROM care_team ct JOIN client c \
             ON c.id = ct.client_id AND c.practice_id = {p} CROSS JOIN win \
             WHERE ct.practice_id = {p}"
        ));
    }
    sql.push(")");

    // Per group: the clients' figures added up (SUM of a BIGINT is NUMERIC on PostgreSQL,
    // hence the casts), with the clinical numbers of each instrument from the measures
    // table and the practice's reliable-change points.
    let int_sum = |e: &str| format!("CAST(COALESCE(SUM({e}), 0) AS BIGINT)");
    let mut cols = vec![
        "COUNT(a.cid) AS clients".to_owned(),
        format!("{} AS due", int_sum("a.due")),
        format!("COALESCE(SUM(a.done), {zero}) AS done"),
        format!(
            "{} AS eligible",
            int_sum("CASE WHEN a.weeks > 0 THEN 1 ELSE 0 END")
        ),
        format!(
            "{} AS weekly",
            int_sum("CASE WHEN a.weeks > 0 AND a.tracked = a.weeks THEN 1 ELSE 0 END")
        ),
        format!("{} AS measures", int_sum("a.measures")),
    ];
    for (k, &(i, rc)) in points.iter().enumerate() {
        let spec = i.spec();
        let (rc, drop) = (sql.bind(rc.max(1)), sql.bind(spec.response_drop));
        let two = format!("a.n{k} >= 2");
        let count = |cond: &str| int_sum(&format!("CASE WHEN {two} AND {cond} THEN 1 ELSE 0 END"));
        cols.push(format!("{} AS n2_{k}", count("1 = 1")));
        cols.push(format!(
            "AVG(CASE WHEN {two} THEN CAST(a.l{k} - a.f{k} AS DOUBLE PRECISION) END) AS mean_{k}"
        ));
        cols.push(format!(
            "{} AS imp_{k}",
            count(&format!("a.f{k} - a.l{k} >= {rc}"))
        ));
        cols.push(format!(
            "{} AS det_{k}",
            count(&format!("a.l{k} - a.f{k} >= {rc}"))
        ));
        cols.push(format!(
            "{} AS resp_{k}",
            count(&format!(
                "a.f{k} > 0 AND a.f{k} - a.l{k} >= {drop} * a.f{k}"
            ))
        ));
        let rem = match spec.remission_below {
            Some(below) => count(&format!("a.l{k} < {}", sql.bind(below))),
            None => "0".to_owned(),
        };
        cols.push(format!("{rem} AS rem_{k}"));
    }
    sql.push(&format!(
        ", agg AS (SELECT a.uid, a.w, {} FROM (SELECT uid, w, cid, {names} FROM act \
         UNION ALL SELECT uid, w, NULL, {blanks} FROM grp) a GROUP BY a.uid, a.w)",
        cols.join(", ")
    ));
    sql.push(&format!(
        " SELECT agg.*, u.display_name AS name FROM agg \
         LEFT JOIN app_user u ON u.id = agg.uid AND u.practice_id = {p}"
    ));
    sql
}

/// Reads a count: `COUNT` and `SUM` of integers are `BIGINT` on PostgreSQL (`SUM` of an
/// `INTEGER` too), `INTEGER` on SQLite.
fn count(r: &QueryResult, col: &str) -> Result<i64, ServiceError> {
    Ok(r.try_get::<i64>("", col)?)
}

fn row_of(
    r: &QueryResult,
    group: Group,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    points: &[(Instrument, i32)],
) -> Result<Row, ServiceError> {
    let mut outcomes = Vec::with_capacity(points.len());
    for (k, &(instrument, rc)) in points.iter().enumerate() {
        outcomes.push(Outcomes {
            instrument,
            reliable_change_points: rc.max(1),
            clients: count(r, &format!("n2_{k}"))?,
            mean_change: r.try_get::<Option<f64>>("", &format!("mean_{k}"))?,
            improved: count(r, &format!("imp_{k}"))?,
            deteriorated: count(r, &format!("det_{k}"))?,
            responded: count(r, &format!("resp_{k}"))?,
            remitted: match instrument.spec().remission_below {
                Some(_) => Some(count(r, &format!("rem_{k}"))?),
                None => None,
            },
        });
    }
    Ok(Row {
        group,
        start,
        end,
        clients: count(r, "clients")?,
        homework_due: count(r, "due")?,
        homework_done: r.try_get::<f64>("", "done")?,
        clients_with_full_weeks: count(r, "eligible")?,
        clients_tracking_weekly: count(r, "weekly")?,
        measures_administered: count(r, "measures")?,
        outcomes,
    })
}

/// Runs the report's statement for `practice_id` (after the practice's thresholds).
pub async fn compute(
    db: &impl ConnectionTrait,
    practice_id: Uuid,
    period: Period,
    group_by: GroupBy,
    now: DateTime<Utc>,
) -> Result<Report, ServiceError> {
    let t = thresholds(db, practice_id).await?;
    let points: Vec<(Instrument, i32)> = Instrument::ALL
        .into_iter()
        .map(|i| (i, t.reliable_change(i)))
        .collect();
    let wins = windows(period, group_by);
    let sql = statement(practice_id, &wins, group_by, now, &points);
    let found = db
        .query_all_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            sql.text,
            sql.values,
        ))
        .await?;
    let mut rows = Vec::new();
    let mut totals = None;
    for r in &found {
        let uid: Uuid = r.try_get("", "uid")?;
        let w: String = r.try_get("", "w")?;
        let Some(win) = wins.iter().find(|x| x.key == w) else {
            return Err(ServiceError::Internal("report row of no window".into()));
        };
        let (start, end) = (win.start, win.end);
        let group = if uid.is_nil() {
            if w == PERIOD_KEY {
                Group::Total
            } else {
                Group::Month(w)
            }
        } else {
            Group::Therapist {
                id: uid,
                display_name: r.try_get::<Option<String>>("", "name")?.unwrap_or_default(),
            }
        };
        let row = row_of(r, group, start, end, &points)?;
        if row.group == Group::Total {
            totals = Some(row);
        } else {
            rows.push(row);
        }
    }
    rows.sort_by(|a, b| match (&a.group, &b.group) {
        (
            Group::Therapist {
                id: ia,
                display_name: na,
            },
            Group::Therapist {
                id: ib,
                display_name: nb,
            },
        ) => na.cmp(nb).then(ia.cmp(ib)),
        (Group::Month(ma), Group::Month(mb)) => ma.cmp(mb),
        _ => std::cmp::Ordering::Equal,
    });
    rows.truncate(ROWS_MAX);
    let totals = totals.ok_or_else(|| ServiceError::Internal("report without totals".into()))?;
    Ok(Report {
        period,
        group_by,
        rows,
        totals,
    })
}
