//! The report in SQL: one statement answers every row and the totals, whatever the number
//! of clients (common table expressions, `GROUP BY` and window functions that SQLite and
//! PostgreSQL both run). Nothing is loaded per client.
//!
//! The statement, in steps (each a CTE):
//! - `win`: the windows (the whole period `*`, and each month when grouped by month) and
//!   `wk`: their full weeks, both passed in as parameters;
//! - `sc`: (group, window, client) for every client of the practice: a care-team member and
//!   the totals (nil id) per window;
//! - `act`: the rows of `sc` whose client had something in their care in the window;
//! - `hw`, `wkc`, `ms`/`pr`/`oc`: homework, weekly tracking and measure outcomes of `act`;
//! - the final `SELECT` joins them to every group (`grp`), instruments pivoted to columns.

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

    // Every (group, window, client): care-team members (grouped by therapist) and the
    // totals, whose group is the nil id.
    sql.push(", sc(uid, w, cid, created) AS (");
    if group_by == GroupBy::Therapist {
        sql.push(&format!(
            "SELECT ct.user_id, win.w, c.id, c.created_at FROM care_team ct \
             JOIN client c ON c.id = ct.client_id CROSS JOIN win \
             WHERE ct.practice_id = {p} AND c.practice_id = {p} UNION ALL "
        ));
    }
    sql.push(&format!(
        "SELECT {nil}, win.w, c.id, c.created_at FROM client c CROSS JOIN win \
         WHERE c.practice_id = {p})"
    ));
    // Every group shown, even with no client active in it.
    sql.push(&format!(
        ", grp(uid, w) AS (SELECT DISTINCT uid, w FROM sc WHERE uid <> {nil} \
         UNION SELECT {nil}, w FROM win)"
    ));

    // A client counts in a window when something was in their care in it.
    let cancelled = sql.bind(SessionStatus::Cancelled.as_str());
    let in_window = |table: &str, column: &str, extra: &str| {
        format!(
            "EXISTS (SELECT 1 FROM {table} x WHERE x.client_id = sc.cid \
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
        ", act AS (SELECT sc.uid, sc.w, sc.cid, sc.created FROM sc \
         JOIN win ON win.w = sc.w WHERE {active})"
    ));

    // Homework due in the window and already due now; done counts each outcome's credit.
    let mut credit = String::from("CASE x.outcome");
    for o in [Outcome::Completed, Outcome::Partial, Outcome::NotDone] {
        let (name, c) = (sql.bind(o.as_str()), sql.bind(o.credit()));
        credit.push_str(&format!(" WHEN {name} THEN {c}"));
    }
    let zero = sql.bind(0.0_f64);
    credit.push_str(&format!(" ELSE {zero} END"));
    let now_p = sql.bind(now);
    sql.push(&format!(
        ", hw AS (SELECT act.uid, act.w, COUNT(*) AS due, SUM({credit}) AS done FROM act \
         JOIN win ON win.w = act.w JOIN homework_occurrence x ON x.client_id = act.cid \
         AND x.practice_id = {p} AND x.due_at >= win.s AND x.due_at < win.e \
         AND x.due_at < {now_p} GROUP BY act.uid, act.w)"
    ));

    // Full weeks since the client was created, and those with a self-monitoring entry.
    let entry_in_week = |table: &str| {
        format!(
            "EXISTS (SELECT 1 FROM {table} x WHERE x.client_id = act.cid \
             AND x.practice_id = {p} AND x.recorded_at >= wk.s AND x.recorded_at < wk.e)"
        )
    };
    sql.push(&format!(
        ", wkc AS (SELECT act.uid, act.w, act.cid, COUNT(*) AS weeks, \
         SUM(CASE WHEN {} OR {} THEN 1 ELSE 0 END) AS tracked FROM act \
         JOIN wk ON wk.w = act.w AND wk.s >= act.created GROUP BY act.uid, act.w, act.cid)",
        entry_in_week("tracker_entry"),
        entry_in_week("thought_record"),
    ));

    // Measures in the window, numbered from the first and from the last per client.
    let part = "PARTITION BY act.uid, act.w, act.cid, x.instrument";
    sql.push(&format!(
        ", ms AS (SELECT act.uid, act.w, act.cid, x.instrument, x.total, \
         ROW_NUMBER() OVER ({part} ORDER BY x.administered_at, x.id) AS rf, \
         ROW_NUMBER() OVER ({part} ORDER BY x.administered_at DESC, x.id DESC) AS rl, \
         COUNT(*) OVER ({part}) AS n FROM act JOIN win ON win.w = act.w \
         JOIN measure_response x ON x.client_id = act.cid AND x.practice_id = {p} \
         AND x.administered_at >= win.s AND x.administered_at < win.e)"
    ));
    sql.push(
        ", pr AS (SELECT uid, w, cid, instrument, MAX(CASE WHEN rf = 1 THEN total END) AS f, \
         MAX(CASE WHEN rl = 1 THEN total END) AS l FROM ms WHERE n >= 2 \
         GROUP BY uid, w, cid, instrument)",
    );
    // The clinical numbers of each instrument, from the measures table.
    let inst: Vec<String> = points
        .iter()
        .map(|&(i, rc)| {
            let spec = i.spec();
            format!(
                "({}, {}, {}, {})",
                sql.bind(i.as_str()),
                sql.bind(rc.max(1)),
                sql.bind(spec.response_drop),
                sql.bind(spec.remission_below),
            )
        })
        .collect();
    sql.push(&format!(
        ", inst(instrument, rc, rdrop, rem) AS (VALUES {})",
        inst.join(", ")
    ));
    sql.push(
        ", oc AS (SELECT pr.uid, pr.w, pr.instrument, COUNT(*) AS n2, \
         AVG(CAST(pr.l - pr.f AS DOUBLE PRECISION)) AS mean_change, \
         SUM(CASE WHEN pr.f - pr.l >= i.rc THEN 1 ELSE 0 END) AS improved, \
         SUM(CASE WHEN pr.l - pr.f >= i.rc THEN 1 ELSE 0 END) AS deteriorated, \
         SUM(CASE WHEN pr.f > 0 AND pr.f - pr.l >= i.rdrop * pr.f THEN 1 ELSE 0 END) \
         AS responded, SUM(CASE WHEN pr.l < i.rem THEN 1 ELSE 0 END) AS remitted \
         FROM pr JOIN inst i ON i.instrument = pr.instrument \
         GROUP BY pr.uid, pr.w, pr.instrument)",
    );

    let mut cols = String::new();
    let mut joins = String::new();
    for (k, &(i, _)) in points.iter().enumerate() {
        let name = sql.bind(i.as_str());
        cols.push_str(&format!(
            ", COALESCE(o{k}.n2, 0) AS n2_{k}, o{k}.mean_change AS mean_{k}, \
             COALESCE(o{k}.improved, 0) AS imp_{k}, COALESCE(o{k}.deteriorated, 0) AS det_{k}, \
             COALESCE(o{k}.responded, 0) AS resp_{k}, COALESCE(o{k}.remitted, 0) AS rem_{k}"
        ));
        joins.push_str(&format!(
            " LEFT JOIN oc o{k} ON o{k}.uid = g.uid AND o{k}.w = g.w AND o{k}.instrument = {name}"
        ));
    }
    let on = "ON {t}.uid = g.uid AND {t}.w = g.w";
    let on = |t: &str| on.replace("{t}", t);
    sql.push(&format!(
        " SELECT g.uid AS uid, g.w AS w, u.display_name AS name, \
         COALESCE(a.n, 0) AS clients, COALESCE(h.due, 0) AS due, \
         COALESCE(h.done, {zero}) AS done, COALESCE(t.eligible, 0) AS eligible, \
         COALESCE(t.weekly, 0) AS weekly, COALESCE(m.n, 0) AS measures{cols} \
         FROM grp g LEFT JOIN app_user u ON u.id = g.uid AND u.practice_id = {p} \
         LEFT JOIN (SELECT uid, w, COUNT(*) AS n FROM act GROUP BY uid, w) a {} \
         LEFT JOIN hw h {} \
         LEFT JOIN (SELECT uid, w, COUNT(*) AS eligible, \
         SUM(CASE WHEN tracked = weeks THEN 1 ELSE 0 END) AS weekly FROM wkc \
         GROUP BY uid, w) t {} \
         LEFT JOIN (SELECT uid, w, COUNT(*) AS n FROM ms GROUP BY uid, w) m {}{joins}",
        on("a"),
        on("h"),
        on("t"),
        on("m"),
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
    let totals = totals.ok_or_else(|| ServiceError::Internal("report without totals".into()))?;
    Ok(Report {
        period,
        group_by,
        rows,
        totals,
    })
}
