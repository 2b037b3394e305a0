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
use sea_orm::{
    Condition, ConnectionTrait, DatabaseConnection, Order, QueryResult, Value,
    sea_query::{
        Alias, Asterisk, CommonTableExpression, Expr, ExprTrait as _, Func, JoinType, Query,
        SelectStatement, UnionType, WithClause, WithQuery,
    },
};
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
    sql,
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

/// A column of a table alias or common table expression: `t.col`.
fn col(table: &str, column: &str) -> Expr {
    Expr::col((Alias::new(table), Alias::new(column)))
}

/// `(SELECT …)` as a value.
fn scalar(select: SelectStatement) -> Expr {
    Expr::SubQuery(None, Box::new(select.into()))
}

/// `CAST(COALESCE(SUM(e), 0) AS BIGINT)`: SUM of a BIGINT is NUMERIC on PostgreSQL.
fn int_sum(e: Expr) -> Expr {
    Func::cast_as(
        Func::coalesce([Expr::from(Func::sum(e)), Expr::val(0)]),
        Alias::new("BIGINT"),
    )
    .into()
}

/// How many rows `cond` holds for, as a BIGINT (0 when none).
fn int_count(cond: Condition) -> Expr {
    Func::cast_as(
        Func::coalesce([sql::count_if(cond), Expr::val(0)]),
        Alias::new("BIGINT"),
    )
    .into()
}

/// `SELECT a, b, c UNION ALL SELECT …`: one row per tuple (`rows` is never empty).
fn rows_of(rows: Vec<[Value; 3]>, names: [&str; 3]) -> SelectStatement {
    let mut selects = rows.into_iter().map(|row| {
        let mut q = Query::select();
        for (v, name) in row.into_iter().zip(names) {
            q.expr_as(Expr::val(v), Alias::new(name));
        }
        q
    });
    let mut first = selects.next().unwrap_or_else(Query::select);
    for q in selects {
        first.union(UnionType::All, q);
    }
    first
}

/// A common table expression `name(columns) AS [MATERIALIZED] (query)`.
fn cte(name: &str, columns: &[&str], query: SelectStatement) -> CommonTableExpression {
    CommonTableExpression::new()
        .table_name(Alias::new(name))
        .columns(columns.iter().map(|c| Alias::new(*c)))
        .query(query)
        .to_owned()
}

/// Builds the one statement of a report.
fn statement(
    pid: Uuid,
    wins: &[Window],
    group_by: GroupBy,
    now: DateTime<Utc>,
    points: &[(Instrument, i32)],
) -> WithQuery {
    let therapists = group_by == GroupBy::Therapist;
    let in_practice = |table: &str| col(table, "practice_id").eq(pid);
    let mut weeks = Vec::new();
    for w in wins {
        for (s, e) in full_weeks(w, now) {
            weeks.push([w.key.clone().into(), s.into(), e.into()]);
        }
    }
    let win = rows_of(
        wins.iter()
            .map(|w| [w.key.clone().into(), w.start.into(), w.end.into()])
            .collect(),
        ["w", "s", "e"],
    );
    let wk = if weeks.is_empty() {
        // An empty relation of the same shape.
        Query::select()
            .columns([Alias::new("w"), Alias::new("s"), Alias::new("e")])
            .from(Alias::new("win"))
            .and_where(Expr::val(1).eq(0))
            .to_owned()
    } else {
        rows_of(weeks, ["w", "s", "e"])
    };

    // The clients with something in their care in a window, once per window.
    let in_window = |table: &str, column: &str, extra: Option<Expr>| {
        let mut q = Query::select();
        q.expr(Expr::val(1))
            .from_as(Alias::new(table), Alias::new("x"))
            .and_where(col("x", "client_id").equals((Alias::new("c"), Alias::new("id"))))
            .and_where(in_practice("x"))
            .and_where(col("x", column).gte(col("win", "s")))
            .and_where(col("x", column).lt(col("win", "e")));
        if let Some(extra) = extra {
            q.and_where(extra);
        }
        Expr::exists(q)
    };
    let active = Condition::any()
        .add(in_window(
            "therapy_session",
            "scheduled_at",
            Some(col("x", "status").ne(SessionStatus::Cancelled.as_str())),
        ))
        .add(in_window("homework_occurrence", "due_at", None))
        .add(in_window("tracker_entry", "recorded_at", None))
        .add(in_window("thought_record", "recorded_at", None))
        .add(in_window("measure_response", "administered_at", None));
    let cl = Query::select()
        .exprs([
            col("win", "w"),
            col("win", "s"),
            col("win", "e"),
            col("c", "id"),
            col("c", "created_at"),
        ])
        .from_as(Alias::new("client"), Alias::new("c"))
        .cross_join(Alias::new("win"))
        .and_where(in_practice("c"))
        .cond_where(active)
        .to_owned();

    // Per client and window, each figure is a correlated subquery on a (client, time)
    // index: no join between derived tables whose size the planner has to guess.
    let of_client = |table: &str, column: &str| {
        Query::select()
            .from_as(Alias::new(table), Alias::new("x"))
            .and_where(col("x", "client_id").equals((Alias::new("cl"), Alias::new("cid"))))
            .and_where(in_practice("x"))
            .and_where(col("x", column).gte(col("cl", "s")))
            .and_where(col("x", column).lt(col("cl", "e")))
            .to_owned()
    };
    let homework = of_client("homework_occurrence", "due_at")
        .and_where(col("x", "due_at").lt(now))
        .to_owned();
    let measures = of_client("measure_response", "administered_at");
    let mut credit = Expr::case(
        col("x", "outcome").eq(Outcome::ALL[0].as_str()),
        Expr::val(Outcome::ALL[0].credit()),
    );
    for o in Outcome::ALL.into_iter().skip(1) {
        credit = credit.case(col("x", "outcome").eq(o.as_str()), Expr::val(o.credit()));
    }
    let credit = credit.finally(Expr::val(0.0_f64));
    let week_rows = || {
        Query::select()
            .from(Alias::new("wk"))
            .and_where(col("wk", "w").equals((Alias::new("cl"), Alias::new("w"))))
            .and_where(col("wk", "s").gte(col("cl", "created")))
            .to_owned()
    };
    let entry_in_week = |table: &str| {
        Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from_as(Alias::new(table), Alias::new("x"))
                .and_where(col("x", "client_id").equals((Alias::new("cl"), Alias::new("cid"))))
                .and_where(in_practice("x"))
                .and_where(col("x", "recorded_at").gte(col("wk", "s")))
                .and_where(col("x", "recorded_at").lt(col("wk", "e")))
                .to_owned(),
        )
    };
    // (expression, name) of each figure.
    let mut per: Vec<(Expr, String)> = vec![
        // Homework due in the window and already due now, and its credit.
        (
            scalar(homework.clone().expr(sql::count_all()).to_owned()),
            "due".to_owned(),
        ),
        (
            scalar(homework.clone().expr(Func::sum(credit)).to_owned()),
            "done".to_owned(),
        ),
        // Full weeks since the client was created, and those with a self-monitoring entry.
        (
            scalar(week_rows().expr(sql::count_all()).to_owned()),
            "weeks".to_owned(),
        ),
        (
            scalar(
                week_rows()
                    .expr(sql::count_all())
                    .cond_where(
                        Condition::any()
                            .add(entry_in_week("tracker_entry"))
                            .add(entry_in_week("thought_record")),
                    )
                    .to_owned(),
            ),
            "tracked".to_owned(),
        ),
        (
            scalar(measures.clone().expr(sql::count_all()).to_owned()),
            "measures".to_owned(),
        ),
    ];
    // Per instrument: how many scores, the first and the last.
    for (k, &(i, _)) in points.iter().enumerate() {
        let this = measures
            .clone()
            .and_where(col("x", "instrument").eq(i.as_str()))
            .to_owned();
        per.push((
            scalar(this.clone().expr(sql::count_all()).to_owned()),
            format!("n{k}"),
        ));
        for (order, name) in [
            (Order::Asc, format!("f{k}")),
            (Order::Desc, format!("l{k}")),
        ] {
            per.push((
                scalar(
                    this.clone()
                        .expr(col("x", "total"))
                        .order_by_expr(col("x", "administered_at"), order.clone())
                        .order_by_expr(col("x", "id"), order)
                        .limit(1)
                        .to_owned(),
                ),
                name,
            ));
        }
    }
    let names: Vec<&str> = per.iter().map(|(_, n)| n.as_str()).collect();
    let mut per_q = Query::select();
    per_q
        .exprs([col("cl", "w"), col("cl", "cid")])
        .from(Alias::new("cl"));
    for (e, n) in &per {
        per_q.expr_as(e.clone(), Alias::new(n.as_str()));
    }
    let mut per_cols = vec!["w", "cid"];
    per_cols.extend(&names);

    // The groups each active client counts in: the totals (the nil id) and, grouped by
    // therapist, every member of the client's care team.
    let figures = |table: &str| names.iter().map(|n| col(table, n)).collect::<Vec<_>>();
    let mut act = Query::select()
        .expr_as(Expr::val(Uuid::nil()), Alias::new("uid"))
        .exprs([col("per", "w"), col("per", "cid")])
        .exprs(figures("per"))
        .from(Alias::new("per"))
        .to_owned();
    if therapists {
        act.union(
            UnionType::All,
            Query::select()
                .exprs([col("ct", "user_id"), col("per", "w"), col("per", "cid")])
                .exprs(figures("per"))
                .from(Alias::new("per"))
                .join_as(
                    JoinType::InnerJoin,
                    Alias::new("care_team"),
                    Alias::new("ct"),
                    Condition::all()
                        .add(col("ct", "client_id").equals((Alias::new("per"), Alias::new("cid"))))
                        .add(in_practice("ct")),
                )
                .to_owned(),
        );
    }
    // Every group is shown, even one with no active client: a row with no client (its
    // figures null) for each.
    let mut grp = Query::select()
        .expr_as(Expr::val(Uuid::nil()), Alias::new("uid"))
        .expr(col("win", "w"))
        .from(Alias::new("win"))
        .to_owned();
    if therapists {
        grp.union(
            UnionType::Distinct,
            Query::select()
                .exprs([col("ct", "user_id"), col("win", "w")])
                .from_as(Alias::new("care_team"), Alias::new("ct"))
                .join_as(
                    JoinType::InnerJoin,
                    Alias::new("client"),
                    Alias::new("c"),
                    Condition::all()
                        .add(col("c", "id").equals((Alias::new("ct"), Alias::new("client_id"))))
                        .add(in_practice("c")),
                )
                .cross_join(Alias::new("win"))
                .and_where(in_practice("ct"))
                .to_owned(),
        );
    }

    // Per group: the clients' figures added up, with the clinical numbers of each
    // instrument from the measures table and the practice's reliable-change points.
    let a = |n: &str| col("a", n);
    let mut agg = Query::select();
    agg.exprs([a("uid"), a("w")])
        .expr_as(Func::count(a("cid")), Alias::new("clients"))
        .expr_as(int_sum(a("due")), Alias::new("due"))
        .expr_as(
            Func::coalesce([Expr::from(Func::sum(a("done"))), Expr::val(0.0_f64)]),
            Alias::new("done"),
        )
        .expr_as(
            int_count(Condition::all().add(a("weeks").gt(0))),
            Alias::new("eligible"),
        )
        .expr_as(
            int_count(
                Condition::all()
                    .add(a("weeks").gt(0))
                    .add(a("tracked").equals((Alias::new("a"), Alias::new("weeks")))),
            ),
            Alias::new("weekly"),
        )
        .expr_as(int_sum(a("measures")), Alias::new("measures"));
    for (k, &(i, rc)) in points.iter().enumerate() {
        let spec = i.spec();
        let (first, last) = (a(&format!("f{k}")), a(&format!("l{k}")));
        let two = || Condition::all().add(a(&format!("n{k}")).gte(2));
        agg.expr_as(int_count(two()), Alias::new(format!("n2_{k}")))
            .expr_as(
                sql::mean_if(
                    two(),
                    Expr::from(Func::cast_as(
                        last.clone().sub(first.clone()),
                        Alias::new("DOUBLE PRECISION"),
                    )),
                ),
                Alias::new(format!("mean_{k}")),
            )
            .expr_as(
                int_count(two().add(first.clone().sub(last.clone()).gte(Ord::max(rc, 1)))),
                Alias::new(format!("imp_{k}")),
            )
            .expr_as(
                int_count(two().add(last.clone().sub(first.clone()).gte(Ord::max(rc, 1)))),
                Alias::new(format!("det_{k}")),
            )
            .expr_as(
                int_count(
                    two().add(first.clone().gt(0)).add(
                        first
                            .clone()
                            .sub(last.clone())
                            .gte(Expr::val(spec.response_drop).mul(first.clone())),
                    ),
                ),
                Alias::new(format!("resp_{k}")),
            )
            .expr_as(
                match spec.remission_below {
                    Some(below) => int_count(two().add(last.clone().lt(below))),
                    None => Expr::val(0_i64),
                },
                Alias::new(format!("rem_{k}")),
            );
    }
    let mut figures_then_blanks = Query::select()
        .columns([Alias::new("uid"), Alias::new("w"), Alias::new("cid")])
        .columns(names.iter().map(|n| Alias::new(*n)))
        .from(Alias::new("act"))
        .to_owned();
    // Untyped NULLs take their types from the branch above.
    let blanks = vec![Expr::cust("NULL"); names.len()];
    figures_then_blanks.union(
        UnionType::All,
        Query::select()
            .columns([Alias::new("uid"), Alias::new("w")])
            .expr(Expr::cust("NULL"))
            .exprs(blanks)
            .from(Alias::new("grp"))
            .to_owned(),
    );
    agg.from_subquery(figures_then_blanks, Alias::new("a"))
        .add_group_by([a("uid"), a("w")]);

    let with = WithClause::new()
        .cte(cte("win", &["w", "s", "e"], win))
        .cte(cte("wk", &["w", "s", "e"], wk))
        .cte(cte("cl", &["w", "s", "e", "cid", "created"], cl))
        .cte(cte("per", &per_cols, per_q).materialized(true).to_owned())
        .cte(cte(
            "act",
            &{
                let mut c = vec!["uid", "w", "cid"];
                c.extend(&names);
                c
            },
            act,
        ))
        .cte(cte("grp", &["uid", "w"], grp))
        .cte(
            CommonTableExpression::new()
                .table_name(Alias::new("agg"))
                .query(agg)
                .to_owned(),
        )
        .to_owned();
    Query::select()
        .column((Alias::new("agg"), Asterisk))
        .expr_as(col("u", "display_name"), Alias::new("name"))
        .from(Alias::new("agg"))
        .join_as(
            JoinType::LeftJoin,
            Alias::new("app_user"),
            Alias::new("u"),
            Condition::all()
                .add(col("u", "id").equals((Alias::new("agg"), Alias::new("uid"))))
                .add(in_practice("u")),
        )
        .to_owned()
        .with(with)
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
            reliable_change_points: Ord::max(rc, 1),
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
    let found = db
        .query_all(&statement(practice_id, &wins, group_by, now, &points))
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

#[cfg(test)]
mod tests {
    use sea_orm::sea_query::{PostgresQueryBuilder, SqliteQueryBuilder};

    use super::*;
    use crate::reports::domain::Period;

    #[test]
    fn the_report_is_one_statement_with_every_value_bound() {
        let pid = Uuid::now_v7();
        let now: DateTime<Utc> = "2025-03-20T00:00:00Z".parse().unwrap();
        let period = Period::parse(
            "2025-01-01T00:00:00Z".parse().unwrap(),
            "2025-03-01T00:00:00Z".parse().unwrap(),
        )
        .unwrap();
        let points: Vec<(Instrument, i32)> = Instrument::ALL.into_iter().map(|i| (i, 5)).collect();
        for group_by in [GroupBy::Month, GroupBy::Therapist] {
            let wins = windows(period, group_by);
            let stmt = statement(pid, &wins, group_by, now, &points);
            for (sql, values) in [
                stmt.build(PostgresQueryBuilder),
                stmt.build(SqliteQueryBuilder),
            ] {
                assert!(sql.starts_with("WITH "), "{sql}");
                assert!(
                    sql.contains("\"per\" (") && sql.contains("MATERIALIZED"),
                    "{sql}"
                );
                assert!(
                    !sql.contains(&pid.to_string()),
                    "the practice id is bound: {sql}"
                );
                assert!(!sql.contains("COMPLETED"), "outcomes are bound: {sql}");
                assert!(values.0.contains(&pid.into()));
                if std::env::var_os("SHOW_SQL").is_some() {
                    println!("{sql}");
                }
            }
        }
    }
}
