//! The brief's figures, one section at a time (homework, goals, trackers, measures,
//! check-ins): each is one aggregate statement (GROUP BY / CASE) or one bounded list over
//! the window, so a brief costs the same number of statements whatever the history.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait as _, Condition, ConnectionTrait as _, DatabaseConnection, EntityTrait as _,
    FromQueryResult, Order, PaginatorTrait as _, QueryFilter as _, QueryOrder as _,
    QuerySelect as _, QueryTrait as _,
    sea_query::{Alias, Expr, ExprTrait as _, Func, JoinType, Query, SelectStatement},
};

use super::domain::{CHECK_INS_MAX, MEASURES_MAX, MeasureMove, TO_REVIEW_MAX};
use crate::{
    auth::Viewer,
    checkins::domain::GRACE,
    error::ServiceError,
    goals::domain::{GoalPriority, GoalStatus, ProgressBasis, progress},
    homework::domain::{HomeworkStatus, Outcome},
    measures::{domain::Instrument, service::thresholds},
    plans::domain::ObstacleKind,
    sql::{count_if, mean_if},
    tracking::domain::{Visibility, reveals},
};
use entity::{
    check_in, client, goal, goal_progress, goal_step, homework, homework_occurrence as occurrence,
    measure_response, tracker, tracker_entry,
};

/// The homework of the window.
#[derive(Debug, Clone)]
pub struct HomeworkFigures {
    /// Occurrences due in the window.
    pub due: i64,
    /// Occurrences submitted in the window (any outcome, whenever due).
    pub submitted: i64,
    pub completed: i64,
    pub partial: i64,
    /// Occurrences submitted in the window as NOT_DONE.
    pub not_done: i64,
    /// Occurrences due in the window and not submitted.
    pub overdue: i64,
    /// Homework submitted in full and not yet reviewed (whenever submitted).
    pub awaiting_review: i64,
    /// The oldest of them, each with its submitted occurrences (the client's reflections).
    pub to_review: Vec<(homework::Model, Vec<occurrence::Model>)>,
}

/// A goal's movement in the window.
#[derive(Debug, Clone)]
pub struct GoalFigures {
    pub goal: goal::Model,
    /// The latest value recorded before the window.
    pub from_value: Option<f64>,
    /// The latest value recorded in the window.
    pub to_value: Option<f64>,
    pub values_recorded: i64,
    pub steps_completed: i64,
    /// Progress (0 to 1) at the start and at the end of the window.
    pub progress_from: f64,
    pub progress_to: f64,
    pub basis: ProgressBasis,
}

/// A tracker's window.
#[derive(Debug, Clone)]
pub struct TrackerFigures {
    pub tracker: tracker::Model,
    /// Entries of the window whose values the viewer may see.
    pub count: i64,
    /// PRIVATE entries of the window: counted, never read.
    pub hidden: i64,
    pub mean: Option<f64>,
    /// The mean of the same-length window just before `since`.
    pub previous_mean: Option<f64>,
    pub change: Option<f64>,
    /// The highest and lowest values of the window, each with its (latest) time.
    pub high: Option<(f64, DateTime<Utc>)>,
    pub low: Option<(f64, DateTime<Utc>)>,
    /// The last entry up to now, of any visibility (that it exists is never private).
    pub last_entry_at: Option<DateTime<Utc>>,
}

/// An obstacle kind met in the window.
#[derive(Debug, Clone)]
pub struct ObstacleFigures {
    pub kind: ObstacleKind,
    /// Logged against an action plan (`logObstacle`).
    pub logged: i64,
    /// Named in homework submitted in the window.
    pub with_homework: i64,
    /// Logged entries where the if-then coping plan was used.
    pub coping_used: i64,
    /// Mean of how much the coping plan helped (0 to 10), over the logged entries rating it.
    pub mean_helpfulness: Option<f64>,
}

/// The check-ins of the window.
#[derive(Debug, Clone)]
pub struct CheckInFigures {
    pub due: i64,
    pub answered: i64,
    /// Due in the window, unanswered a day after.
    pub missed: i64,
    pub mean_mood: Option<f64>,
    /// The latest answers of the window, oldest first.
    pub answers: Vec<check_in::Model>,
}

/// The measures of the window.
#[derive(Debug, Clone)]
pub struct MeasureFigures {
    /// The responses of the window, oldest first (the latest [`MEASURES_MAX`]).
    pub responses: Vec<measure_response::Model>,
    /// Per instrument answered in the window.
    pub moves: Vec<MeasureMove>,
}

/// The window `[since, until]` of a brief.
#[derive(Debug, Clone, Copy)]
pub(super) struct Window {
    pub since: DateTime<Utc>,
    pub until: DateTime<Utc>,
}

impl Window {
    /// `col` falls in the window (both ends included).
    fn holds(&self, col: impl Into<Expr>) -> Condition {
        let col = col.into();
        Condition::all()
            .add(col.clone().gte(self.since))
            .add(col.lte(self.until))
    }
}

fn get<T: sea_orm::TryGetable>(row: &sea_orm::QueryResult, col: &str) -> Result<T, ServiceError> {
    Ok(row.try_get::<T>("", col)?)
}

/// Homework counts (one statement over the occurrences), the homework awaiting review (a
/// count and a bounded list) and their submissions; and, per obstacle kind, how many
/// occurrences submitted in the window named it.
pub(super) async fn homework_figures(
    db: &DatabaseConnection,
    c: &client::Model,
    w: Window,
) -> Result<(HomeworkFigures, Vec<(ObstacleKind, i64)>), ServiceError> {
    let col = |k: occurrence::Column| Expr::col((occurrence::Entity, k));
    let due = w.holds(col(occurrence::Column::DueAt));
    let submitted = w.holds(col(occurrence::Column::SubmittedAt));
    let outcome = |o: Outcome| {
        submitted
            .clone()
            .add(col(occurrence::Column::Outcome).eq(o.as_str()))
    };
    let mut stmt = Query::select()
        .from(occurrence::Entity)
        .expr_as(count_if(due.clone()), Alias::new("due"))
        .expr_as(count_if(submitted.clone()), Alias::new("submitted"))
        .expr_as(
            count_if(outcome(Outcome::Completed)),
            Alias::new("completed"),
        )
        .expr_as(count_if(outcome(Outcome::Partial)), Alias::new("partial"))
        .expr_as(count_if(outcome(Outcome::NotDone)), Alias::new("not_done"))
        .expr_as(
            count_if(due.clone().add(col(occurrence::Column::Outcome).is_null())),
            Alias::new("overdue"),
        )
        .and_where(col(occurrence::Column::PracticeId).eq(c.practice_id))
        .and_where(col(occurrence::Column::ClientId).eq(c.id))
        // Through the homework's client index, then the occurrences' homework index.
        .and_where(
            col(occurrence::Column::HomeworkId).in_subquery(
                Query::select()
                    .column(homework::Column::Id)
                    .from(homework::Entity)
                    .and_where(homework::Column::PracticeId.eq(c.practice_id))
                    .and_where(homework::Column::ClientId.eq(c.id))
                    .to_owned(),
            ),
        )
        .cond_where(Condition::any().add(due).add(submitted.clone()))
        .to_owned();
    for kind in ObstacleKind::ALL {
        // `obstacles_met` is a JSON array of kind names: a quoted name matches exactly.
        let named = Expr::cust(format!(
            "CAST(obstacles_met AS TEXT) LIKE '%\"{}\"%'",
            kind.as_str()
        ));
        stmt.expr_as(
            count_if(submitted.clone().add(named)),
            Alias::new(kind.as_str().to_lowercase()),
        );
    }
    let row = db.query_one(&stmt).await?;
    let n = |name: &str| -> Result<i64, ServiceError> {
        match &row {
            Some(r) => Ok(get::<Option<i64>>(r, name)?.unwrap_or(0)),
            None => Ok(0),
        }
    };
    let reported = ObstacleKind::ALL
        .into_iter()
        .map(|k| Ok((k, n(&k.as_str().to_lowercase())?)))
        .collect::<Result<Vec<_>, ServiceError>>()?;
    let awaiting = homework::Entity::find()
        .filter(homework::Column::PracticeId.eq(c.practice_id))
        .filter(homework::Column::ClientId.eq(c.id))
        .filter(homework::Column::Status.is_in([
            HomeworkStatus::Completed.as_str(),
            HomeworkStatus::Partial.as_str(),
            HomeworkStatus::NotDone.as_str(),
        ]));
    let awaiting_review = awaiting.clone().count(db).await?;
    let listed = awaiting
        .order_by_asc(homework::Column::SubmittedAt)
        .order_by_asc(homework::Column::Id)
        .limit(TO_REVIEW_MAX)
        .all(db)
        .await?;
    let submissions = if listed.is_empty() {
        Vec::new()
    } else {
        occurrence::Entity::find()
            .filter(occurrence::Column::PracticeId.eq(c.practice_id))
            .filter(occurrence::Column::HomeworkId.is_in(listed.iter().map(|h| h.id)))
            .filter(occurrence::Column::Outcome.is_not_null())
            .order_by_asc(occurrence::Column::DueAt)
            .order_by_asc(occurrence::Column::Id)
            .all(db)
            .await?
    };
    let to_review = listed
        .into_iter()
        .map(|h| {
            let mine = submissions
                .iter()
                .filter(|o| o.homework_id == h.id)
                .cloned()
                .collect();
            (h, mine)
        })
        .collect();
    #[allow(clippy::cast_possible_wrap)] // a count of rows
    let figures = HomeworkFigures {
        due: n("due")?,
        submitted: n("submitted")?,
        completed: n("completed")?,
        partial: n("partial")?,
        not_done: n("not_done")?,
        overdue: n("overdue")?,
        awaiting_review: awaiting_review as i64,
        to_review,
    };
    Ok((figures, reported))
}

/// Goals worked on (ACTIVE or ON_HOLD, or ACHIEVED in the window) with the values recorded
/// and steps completed around the window, in one statement of correlated aggregates.
pub(super) async fn goal_figures(
    db: &DatabaseConnection,
    c: &client::Model,
    w: Window,
) -> Result<Vec<GoalFigures>, ServiceError> {
    let p = Alias::new("p");
    let s = Alias::new("s");
    let of_goal = |goal_id: Expr| goal_id.equals((goal::Entity, goal::Column::Id));
    let latest_value = |cond: Condition| -> Expr {
        Query::select()
            .column((p.clone(), goal_progress::Column::Value))
            .from_as(goal_progress::Entity, p.clone())
            .and_where(of_goal(Expr::col((
                p.clone(),
                goal_progress::Column::GoalId,
            ))))
            .cond_where(cond)
            .order_by((p.clone(), goal_progress::Column::RecordedAt), Order::Desc)
            .order_by((p.clone(), goal_progress::Column::Id), Order::Desc)
            .limit(1)
            .to_owned()
            .into()
    };
    let recorded = Expr::col((p.clone(), goal_progress::Column::RecordedAt));
    let count_steps = |cond: Condition| -> Expr {
        Query::select()
            .expr(crate::sql::count_all())
            .from_as(goal_step::Entity, s.clone())
            .and_where(of_goal(Expr::col((s.clone(), goal_step::Column::GoalId))))
            .cond_where(cond)
            .to_owned()
            .into()
    };
    let done = Expr::col((s.clone(), goal_step::Column::Status)).eq("DONE");
    let completed = Expr::col((s.clone(), goal_step::Column::CompletedAt));
    let stmt: SelectStatement = goal::Entity::find()
        .filter(goal::Column::PracticeId.eq(c.practice_id))
        .filter(goal::Column::ClientId.eq(c.id))
        .filter(
            Condition::any()
                .add(
                    goal::Column::Status
                        .is_in([GoalStatus::Active.as_str(), GoalStatus::OnHold.as_str()]),
                )
                .add(
                    Condition::all()
                        .add(goal::Column::Status.eq(GoalStatus::Achieved.as_str()))
                        .add(goal::Column::AchievedAt.gte(w.since)),
                ),
        )
        .order_by_asc(goal::Column::CreatedAt)
        .order_by_asc(goal::Column::Id)
        .into_query()
        .expr_as(
            latest_value(Condition::all().add(recorded.clone().lt(w.since))),
            Alias::new("from_value"),
        )
        .expr_as(
            latest_value(w.holds(recorded.clone())),
            Alias::new("to_value"),
        )
        .expr_as(
            Query::select()
                .expr(crate::sql::count_all())
                .from_as(goal_progress::Entity, p.clone())
                .and_where(of_goal(Expr::col((
                    p.clone(),
                    goal_progress::Column::GoalId,
                ))))
                .cond_where(w.holds(recorded))
                .to_owned(),
            Alias::new("values_recorded"),
        )
        .expr_as(
            count_steps(
                Condition::all()
                    .add(done.clone())
                    .add(w.holds(completed.clone())),
            ),
            Alias::new("steps_completed"),
        )
        .expr_as(
            count_steps(
                Condition::all()
                    .add(done.clone())
                    .add(completed.lt(w.since)),
            ),
            Alias::new("steps_done_before"),
        )
        .expr_as(
            count_steps(Condition::all().add(done)),
            Alias::new("steps_done"),
        )
        .expr_as(count_steps(Condition::all()), Alias::new("steps_total"))
        .to_owned();
    let rows = db.query_all(&stmt).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let goal = goal::Model::from_query_result(&row, "")?;
        let from_value: Option<f64> = get(&row, "from_value")?;
        let to_value: Option<f64> = get(&row, "to_value")?;
        let total: i64 = get(&row, "steps_total")?;
        let before: i64 = get(&row, "steps_done_before")?;
        let now_done: i64 = get(&row, "steps_done")?;
        let size = |n: i64| usize::try_from(n).unwrap_or(0);
        let (progress_from, _) = progress(&goal, from_value, size(before), size(total));
        let (progress_to, basis) =
            progress(&goal, to_value.or(from_value), size(now_done), size(total));
        out.push(GoalFigures {
            values_recorded: get(&row, "values_recorded")?,
            steps_completed: get(&row, "steps_completed")?,
            goal,
            from_value,
            to_value,
            progress_from,
            progress_to,
            basis,
        });
    }
    // The most important first (HIGH, MEDIUM, LOW), then the oldest.
    let rank = |g: &GoalFigures| match GoalPriority::parse(&g.goal.priority) {
        Some(GoalPriority::High) => 0,
        Some(GoalPriority::Medium) | None => 1,
        Some(GoalPriority::Low) => 2,
    };
    out.sort_by_key(rank);
    Ok(out)
}

/// Per tracker (not archived before the window): the window's statistics against the
/// same-length window before, grouped in one statement, with the times of its highest and
/// lowest values and of the last entry as correlated subqueries.
pub(super) async fn tracker_figures(
    db: &DatabaseConnection,
    viewer: &Viewer,
    c: &client::Model,
    w: Window,
) -> Result<Vec<TrackerFigures>, ServiceError> {
    let e = Alias::new("e");
    let x = Alias::new("x");
    let previous_start = w.since - (w.until - w.since);
    // The tracking domain's rule: what the viewer may read of entries of each visibility.
    let revealed: Vec<&str> = [Visibility::Shared, Visibility::Private]
        .into_iter()
        .map(Visibility::as_str)
        .filter(|v| reveals(viewer.role(), v))
        .collect();
    let ecol = |k: tracker_entry::Column| Expr::col((e.clone(), k));
    let xcol = |k: tracker_entry::Column| Expr::col((x.clone(), k));
    let shown = |col: Expr| Condition::all().add(col.is_in(revealed.clone()));
    // The join keeps entries from the previous window's start to `until`; the window's own
    // entries are those from `since`.
    let in_window = Condition::all()
        .add(ecol(tracker_entry::Column::RecordedAt).gte(w.since))
        .add(shown(ecol(tracker_entry::Column::Visibility)));
    let value = ecol(tracker_entry::Column::Value);
    let extreme = |order: Order| -> Expr {
        Query::select()
            .column((x.clone(), tracker_entry::Column::RecordedAt))
            .from_as(tracker_entry::Entity, x.clone())
            .and_where(
                xcol(tracker_entry::Column::TrackerId)
                    .equals((tracker::Entity, tracker::Column::Id)),
            )
            .cond_where(w.holds(xcol(tracker_entry::Column::RecordedAt)))
            .cond_where(shown(xcol(tracker_entry::Column::Visibility)))
            .order_by((x.clone(), tracker_entry::Column::Value), order)
            .order_by((x.clone(), tracker_entry::Column::RecordedAt), Order::Desc)
            .limit(1)
            .to_owned()
            .into()
    };
    let stmt: SelectStatement = tracker::Entity::find()
        .filter(tracker::Column::PracticeId.eq(c.practice_id))
        .filter(tracker::Column::ClientId.eq(c.id))
        .filter(
            Condition::any()
                .add(tracker::Column::ArchivedAt.is_null())
                .add(tracker::Column::ArchivedAt.gte(w.since)),
        )
        .order_by_asc(tracker::Column::CreatedAt)
        .order_by_asc(tracker::Column::Id)
        .into_query()
        .join_as(
            JoinType::LeftJoin,
            tracker_entry::Entity,
            e.clone(),
            Condition::all()
                .add(
                    ecol(tracker_entry::Column::TrackerId)
                        .equals((tracker::Entity, tracker::Column::Id)),
                )
                .add(ecol(tracker_entry::Column::RecordedAt).gte(previous_start))
                .add(ecol(tracker_entry::Column::RecordedAt).lte(w.until)),
        )
        .expr_as(count_if(in_window.clone()), Alias::new("n"))
        .expr_as(
            count_if(
                Condition::all()
                    .add(ecol(tracker_entry::Column::RecordedAt).gte(w.since))
                    .add(shown(ecol(tracker_entry::Column::Visibility)).not()),
            ),
            Alias::new("hidden"),
        )
        .expr_as(
            mean_if(in_window.clone(), value.clone()),
            Alias::new("mean"),
        )
        .expr_as(
            mean_if(
                Condition::all()
                    .add(ecol(tracker_entry::Column::RecordedAt).lt(w.since))
                    .add(shown(ecol(tracker_entry::Column::Visibility))),
                value.clone(),
            ),
            Alias::new("previous_mean"),
        )
        .expr_as(
            Func::max(Expr::case(in_window.clone(), value.clone()).finally(Expr::null())),
            Alias::new("high"),
        )
        .expr_as(
            Func::min(Expr::case(in_window, value).finally(Expr::null())),
            Alias::new("low"),
        )
        .expr_as(extreme(Order::Desc), Alias::new("high_at"))
        .expr_as(extreme(Order::Asc), Alias::new("low_at"))
        .expr_as(
            Query::select()
                .expr(Func::max(xcol(tracker_entry::Column::RecordedAt)))
                .from_as(tracker_entry::Entity, x.clone())
                .and_where(
                    xcol(tracker_entry::Column::TrackerId)
                        .equals((tracker::Entity, tracker::Column::Id)),
                )
                .and_where(xcol(tracker_entry::Column::RecordedAt).lte(w.until))
                .to_owned(),
            Alias::new("last_at"),
        )
        // PostgreSQL accepts the tracker's other columns: they depend on its primary key.
        .group_by_col((tracker::Entity, tracker::Column::Id))
        .limit(super::domain::TRACKERS_MAX)
        .to_owned();
    let rows = db.query_all(&stmt).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let mean: Option<f64> = get(&row, "mean")?;
        let previous_mean: Option<f64> = get(&row, "previous_mean")?;
        let high: Option<f64> = get(&row, "high")?;
        let low: Option<f64> = get(&row, "low")?;
        let high_at: Option<DateTime<Utc>> = get(&row, "high_at")?;
        let low_at: Option<DateTime<Utc>> = get(&row, "low_at")?;
        out.push(TrackerFigures {
            tracker: tracker::Model::from_query_result(&row, "")?,
            count: get::<Option<i64>>(&row, "n")?.unwrap_or(0),
            hidden: get::<Option<i64>>(&row, "hidden")?.unwrap_or(0),
            mean,
            previous_mean,
            change: mean.zip(previous_mean).map(|(m, p)| m - p),
            high: high.zip(high_at),
            low: low.zip(low_at),
            last_entry_at: get(&row, "last_at")?,
        });
    }
    Ok(out)
}

/// The responses of the window, the total each instrument is compared with (the last before
/// the window), and the practice's reliable change.
pub(super) async fn measure_figures(
    db: &DatabaseConnection,
    c: &client::Model,
    w: Window,
) -> Result<MeasureFigures, ServiceError> {
    let mut responses = measure_response::Entity::find()
        .filter(measure_response::Column::PracticeId.eq(c.practice_id))
        .filter(measure_response::Column::ClientId.eq(c.id))
        .filter(w.holds(Expr::col((
            measure_response::Entity,
            measure_response::Column::AdministeredAt,
        ))))
        .order_by_desc(measure_response::Column::AdministeredAt)
        .order_by_desc(measure_response::Column::Id)
        .limit(MEASURES_MAX)
        .all(db)
        .await?;
    responses.reverse();
    let r2 = Alias::new("r2");
    let last_before = Query::select()
        .expr(Func::max(Expr::col((
            r2.clone(),
            measure_response::Column::AdministeredAt,
        ))))
        .from_as(measure_response::Entity, r2.clone())
        .and_where(
            Expr::col((r2.clone(), measure_response::Column::ClientId))
                .equals((measure_response::Entity, measure_response::Column::ClientId)),
        )
        .and_where(
            Expr::col((r2.clone(), measure_response::Column::Instrument)).equals((
                measure_response::Entity,
                measure_response::Column::Instrument,
            )),
        )
        .and_where(Expr::col((r2, measure_response::Column::AdministeredAt)).lt(w.since))
        .to_owned();
    let before = measure_response::Entity::find()
        .filter(measure_response::Column::PracticeId.eq(c.practice_id))
        .filter(measure_response::Column::ClientId.eq(c.id))
        .filter(
            Expr::col((
                measure_response::Entity,
                measure_response::Column::AdministeredAt,
            ))
            .eq(last_before),
        )
        .order_by_asc(measure_response::Column::Id)
        .all(db)
        .await?;
    let points = thresholds(db, c.practice_id).await?;
    let moves = Instrument::ALL
        .into_iter()
        .filter_map(|instrument| {
            let mine: Vec<&measure_response::Model> = responses
                .iter()
                .filter(|r| r.instrument == instrument.as_str())
                .collect();
            let latest = mine.last()?;
            let reference = before
                .iter()
                .find(|r| r.instrument == instrument.as_str())
                .or_else(|| mine.first().filter(|_| mine.len() > 1).copied())
                .map(|r| r.total);
            Some(MeasureMove {
                instrument,
                latest: latest.total,
                reference,
                reliable_points: points.reliable_change(instrument),
            })
        })
        .collect();
    Ok(MeasureFigures { responses, moves })
}

/// Check-in counts (one statement) and the latest answers of the window.
pub(super) async fn check_in_figures(
    db: &DatabaseConnection,
    c: &client::Model,
    w: Window,
) -> Result<CheckInFigures, ServiceError> {
    let col = |k: check_in::Column| Expr::col((check_in::Entity, k));
    let due = w.holds(col(check_in::Column::DueAt));
    let answered = w.holds(col(check_in::Column::RespondedAt));
    let stmt = Query::select()
        .from(check_in::Entity)
        .expr_as(count_if(due.clone()), Alias::new("due"))
        .expr_as(count_if(answered.clone()), Alias::new("answered"))
        .expr_as(
            count_if(
                due.clone()
                    .add(col(check_in::Column::RespondedAt).is_null())
                    .add(col(check_in::Column::DueAt).lt(w.until - GRACE)),
            ),
            Alias::new("missed"),
        )
        .expr_as(
            mean_if(answered.clone(), col(check_in::Column::Mood)),
            Alias::new("mean_mood"),
        )
        .and_where(col(check_in::Column::PracticeId).eq(c.practice_id))
        .and_where(col(check_in::Column::ClientId).eq(c.id))
        .cond_where(Condition::any().add(due).add(answered.clone()))
        .to_owned();
    let row = db.query_one(&stmt).await?;
    let n = |name: &str| -> Result<i64, ServiceError> {
        match &row {
            Some(r) => Ok(get::<Option<i64>>(r, name)?.unwrap_or(0)),
            None => Ok(0),
        }
    };
    let mut answers = check_in::Entity::find()
        .filter(check_in::Column::PracticeId.eq(c.practice_id))
        .filter(check_in::Column::ClientId.eq(c.id))
        .filter(answered)
        .order_by_desc(check_in::Column::RespondedAt)
        .order_by_desc(check_in::Column::Id)
        .limit(CHECK_INS_MAX)
        .all(db)
        .await?;
    answers.reverse();
    Ok(CheckInFigures {
        due: n("due")?,
        answered: n("answered")?,
        missed: n("missed")?,
        mean_mood: match &row {
            Some(r) => get(r, "mean_mood")?,
            None => None,
        },
        answers,
    })
}
