//! The pre-session brief: what happened between `since` and now, for the care team.
//! Every section is one aggregate statement (GROUP BY / CASE) or one bounded list, so a
//! brief costs the same number of statements whatever the size of the client's history.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait as _, DatabaseConnection, EntityTrait as _, QueryFilter as _, QueryOrder as _,
    QuerySelect as _,
};
use uuid::Uuid;

use super::domain::{AgendaItem, Figures, GoalMove, SinceBasis, TrackerMove, agenda};
use super::figures::{
    CheckInFigures, GoalFigures, HomeworkFigures, MeasureFigures, ObstacleFigures, TrackerFigures,
    Window, check_in_figures, goal_figures, homework_figures, measure_figures, tracker_figures,
};
use crate::{
    alerts::domain::{AlertKind, AlertStatus},
    audit::{self, Target},
    auth::{Role, Viewer},
    error::ServiceError,
    goals::domain::GoalStatus,
    plans::service::obstacle_counts,
    scope::{self, Access},
    sessions::service::{Nearest, nearest},
    tracking::{
        domain::TrackerKind,
        trends::{ThoughtSummary, thought_figures},
    },
    values::stored_instant,
};
use entity::{alert, client};

/// Everything the brief says.
#[derive(Debug, Clone)]
pub struct Brief {
    pub client: client::Model,
    pub since: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub basis: SinceBasis,
    /// The session `since` comes from, for [`SinceBasis::LastSession`].
    pub session_id: Option<Uuid>,
    pub homework: HomeworkFigures,
    pub goals: Vec<GoalFigures>,
    pub trackers: Vec<TrackerFigures>,
    pub thoughts: ThoughtSummary,
    pub measures: MeasureFigures,
    pub obstacles: Vec<ObstacleFigures>,
    pub check_ins: CheckInFigures,
    /// Unresolved (OPEN or ACKNOWLEDGED) alerts, most severe then oldest first.
    pub alerts: Vec<alert::Model>,
    pub agenda: Vec<AgendaItem>,
}

/// The pre-session brief of a client from `since` (by default the scheduled time of their
/// last COMPLETED session, or when they were added) to `now`. The care team and integrators
/// with `CLINICAL_READ`; clients get `FORBIDDEN` (it holds therapist-facing material).
#[tracing::instrument(skip_all, fields(client_id = %client_id))]
pub async fn brief(
    db: &DatabaseConnection,
    viewer: &Viewer,
    client_id: Uuid,
    since: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<Brief, ServiceError> {
    let until = stored_instant(now);
    if since.is_some_and(|s| s > until) {
        return Err(ServiceError::bad_input(
            "since",
            "must not be in the future",
        ));
    }
    audit::read(
        db,
        viewer,
        "sessionBrief",
        Target::client(client_id),
        async |db| {
            if viewer.role() == Role::Client {
                return Err(ServiceError::Forbidden("the brief is for the care team"));
            }
            let client = scope::find_visible(db, viewer, Access::Clinical, client_id).await?;
            let (since, basis, session_id) = match since {
                Some(s) => (stored_instant(s), SinceBasis::Argument, None),
                None => match nearest(db, viewer, &[client.id], Nearest::Last)
                    .await?
                    .into_iter()
                    .next()
                {
                    Some(s) => (
                        Ord::min(s.scheduled_at, until),
                        SinceBasis::LastSession,
                        Some(s.id),
                    ),
                    None => (
                        Ord::min(client.created_at, until),
                        SinceBasis::ClientCreated,
                        None,
                    ),
                },
            };
            let w = Window { since, until };
            let (homework, reported) = homework_figures(db, &client, w).await?;
            let goals = goal_figures(db, &client, w).await?;
            let trackers = tracker_figures(db, viewer, &client, w).await?;
            let thoughts = thought_figures(db, viewer, client.id, Some(since), Some(until)).await?;
            let measures = measure_figures(db, &client, w).await?;
            let logged =
                obstacle_counts(db, client.practice_id, client.id, Some(since), Some(until))
                    .await?;
            let obstacles = logged
                .into_iter()
                .map(|l| ObstacleFigures {
                    kind: l.kind,
                    logged: l.occurrences,
                    with_homework: reported
                        .iter()
                        .find(|(k, _)| *k == l.kind)
                        .map_or(0, |(_, n)| *n),
                    coping_used: l.coping_used,
                    mean_helpfulness: l.mean_helpfulness,
                })
                .collect();
            let check_ins = check_in_figures(db, &client, w).await?;
            let alerts = alert::Entity::find()
                .filter(alert::Column::PracticeId.eq(client.practice_id))
                .filter(alert::Column::ClientId.eq(client.id))
                .filter(alert::Column::Status.ne(AlertStatus::Resolved.as_str()))
                .order_by_desc(alert::Column::Severity)
                .order_by_asc(alert::Column::RaisedAt)
                .order_by_asc(alert::Column::Id)
                .limit(crate::alerts::domain::CLIENT_LIST_MAX)
                .all(db)
                .await?;
            let mut brief = Brief {
                client,
                since,
                until,
                basis,
                session_id,
                homework,
                goals,
                trackers,
                thoughts,
                measures,
                obstacles,
                check_ins,
                alerts,
                agenda: Vec::new(),
            };
            brief.agenda = agenda(&figures(&brief));
            let target = Target::client(client_id);
            Ok((brief, target))
        },
    )
    .await
}

/// What the agenda rules read from a brief.
#[allow(clippy::cast_possible_wrap)] // at most CLIENT_LIST_MAX alerts
fn figures(b: &Brief) -> Figures {
    let safety = AlertKind::Safety.as_str();
    let safety_alerts = b.alerts.iter().filter(|a| a.kind == safety).count();
    let last_entry = b.trackers.iter().filter_map(|t| t.last_entry_at).max();
    Figures {
        window_days: (b.until - b.since).num_days(),
        safety_alerts: safety_alerts as i64,
        other_alerts: (b.alerts.len() - safety_alerts) as i64,
        measures: b.measures.moves.clone(),
        trackers: b
            .trackers
            .iter()
            .filter_map(|t| {
                Some(TrackerMove {
                    kind: TrackerKind::parse(&t.tracker.kind)?,
                    name: t.tracker.name.clone(),
                    change: t.change,
                    min: t.tracker.min_value,
                    max: t.tracker.max_value,
                })
            })
            .collect(),
        awaiting_review: b.homework.awaiting_review,
        not_done: b.homework.not_done + b.homework.overdue,
        days_without_entries: (b.until - last_entry.unwrap_or(b.client.created_at)).num_days(),
        obstacles: b
            .obstacles
            .iter()
            .map(|o| (o.kind, o.logged + o.with_homework))
            .collect(),
        goals: b
            .goals
            .iter()
            .map(|g| GoalMove {
                title: g.goal.title.clone(),
                active_throughout: g.goal.status == GoalStatus::Active.as_str()
                    && g.goal.created_at < b.since,
                moved: g.values_recorded > 0 || g.steps_completed > 0,
            })
            .collect(),
    }
}
