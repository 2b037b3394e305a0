//! Homework assignments: assigning (from the library or ad hoc, one-off or recurring),
//! starting, submitting and reviewing occurrences, and the lists the care team reads.

use chrono::Utc;
use sea_orm::{
    ColumnTrait as _, ConnectionTrait, DatabaseConnection, EntityTrait as _, QueryFilter as _, Set,
};
use uuid::Uuid;

use super::domain::HomeworkKind;
use crate::{
    audit::{self, Target},
    auth::Viewer,
    error::ServiceError,
};
use entity::homework_template as template;

use std::collections::HashMap;

use chrono::DateTime;
use sea_orm::{Condition, QueryOrder as _};

use super::domain::{HomeworkStatus, OCCURRENCES_MAX, Outcome, overall};
use crate::{
    batch::{self, Batch},
    events::{Acting, EventKind},
    plans::domain::ObstacleKind,
    recurrence::{Repeat, due_instants},
    scope::{self, Access},
    values::local_today,
};
use entity::{homework, homework_occurrence as occurrence};

fn scope(viewer: &Viewer, access: Access) -> Result<Condition, ServiceError> {
    scope::records_of_visible(
        viewer,
        access,
        homework::Column::PracticeId,
        homework::Column::ClientId,
    )
}

async fn find(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    access: Access,
    id: Uuid,
) -> Result<homework::Model, ServiceError> {
    homework::Entity::find_by_id(id)
        .filter(scope(viewer, access)?)
        .one(conn)
        .await?
        .ok_or(ServiceError::NotFound)
}

fn target(h: &homework::Model) -> Target {
    Target::client(h.client_id).with(h.id)
}

async fn event(
    conn: &impl ConnectionTrait,
    by: impl Into<Acting>,
    h: &homework::Model,
    kind: EventKind,
    extra: serde_json::Value,
) -> Result<(), ServiceError> {
    let mut payload =
        serde_json::json!({ "homeworkId": h.id, "status": h.status, "version": h.version });
    if let (Some(p), Some(e)) = (payload.as_object_mut(), extra.as_object()) {
        p.extend(e.clone());
    }
    by.into()
        .client_event(conn, h.client_id, h.id, kind, payload)
        .await?;
    Ok(())
}

/// Homework to insert, its fields settled.
pub struct Assignment {
    pub template_id: Option<Uuid>,
    pub kind: HomeworkKind,
    pub title: String,
    pub instructions: String,
    pub purpose: Option<String>,
    pub goal_id: Option<Uuid>,
    pub action_id: Option<Uuid>,
    /// The occurrences' due instants, in order (at least one).
    pub dues: Vec<DateTime<Utc>>,
    /// The recurrence as stored, for recurring homework.
    pub recurrence: Option<serde_json::Value>,
    pub assigned_in_session_id: Option<Uuid>,
}

/// Inserts homework for client `c` with its occurrences and its HOMEWORK_ASSIGNED event,
/// inside `txn` (the caller checked scope).
pub async fn insert(
    txn: &impl ConnectionTrait,
    by: Acting,
    c: &entity::client::Model,
    a: Assignment,
) -> Result<homework::Model, ServiceError> {
    let now = Utc::now();
    let id = Uuid::now_v7();
    let row = homework::Entity::insert(homework::ActiveModel {
        id: Set(id),
        practice_id: Set(by.practice_id),
        client_id: Set(c.id),
        template_id: Set(a.template_id),
        kind: Set(a.kind.as_str().to_owned()),
        title: Set(a.title),
        instructions: Set(a.instructions),
        purpose: Set(a.purpose),
        goal_id: Set(a.goal_id),
        action_id: Set(a.action_id),
        due_at: Set(a.dues.last().copied().unwrap_or(now)),
        recurrence: Set(a.recurrence),
        status: Set(HomeworkStatus::Assigned.as_str().to_owned()),
        assigned_by: Set(by.by),
        assigned_in_session_id: Set(a.assigned_in_session_id),
        started_at: Set(None),
        submitted_at: Set(None),
        review_notes: Set(None),
        review_notes_private: Set(false),
        reviewed_at: Set(None),
        reviewed_by: Set(None),
        reviewed_in_session_id: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_with_returning(txn)
    .await?;
    occurrence::Entity::insert_many(a.dues.iter().map(|due| occurrence::ActiveModel {
        id: Set(Uuid::now_v7()),
        practice_id: Set(by.practice_id),
        client_id: Set(c.id),
        homework_id: Set(id),
        due_at: Set(*due),
        outcome: Set(None),
        reflection: Set(None),
        difficulty: Set(None),
        helpfulness: Set(None),
        obstacles_met: Set(serde_json::json!([])),
        submitted_at: Set(None),
        reported_by: Set(None),
        reported_by_role: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }))
    .exec_without_returning(txn)
    .await?;
    event(
        txn,
        by,
        &row,
        EventKind::HomeworkAssigned,
        serde_json::json!({ "occurrences": a.dues.len() }),
    )
    .await?;
    Ok(row)
}

/// An assignment, parsed. Title, instructions, purpose and kind default to the template's.
#[derive(Debug, Clone, Default)]
pub struct NewAssignment {
    pub client_id: Uuid,
    pub template_id: Option<Uuid>,
    pub kind: Option<HomeworkKind>,
    pub title: Option<String>,
    pub instructions: Option<String>,
    pub purpose: Option<String>,
    pub goal_id: Option<Uuid>,
    pub action_id: Option<Uuid>,
    pub due_at: Option<DateTime<Utc>>,
    pub repeat: Option<Repeat>,
    pub assigned_in_session_id: Option<Uuid>,
}

/// Checks that `goal_id`, `action_id` and `session_id` belong to the client.
async fn check_links(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    new: &NewAssignment,
) -> Result<(), ServiceError> {
    if let Some(goal_id) = new.goal_id {
        let goal = crate::goals::service::find(conn, viewer, Access::ClinicalWrite, goal_id)
            .await
            .ok()
            .filter(|g| g.client_id == new.client_id)
            .ok_or_else(|| {
                ServiceError::bad_input("input.goalId", "is not a goal of this client")
            })?;
        if let Some(action_id) = new.action_id {
            let plans = crate::plans::service::plans_of_goals(conn, viewer, &[goal.id]).await?;
            let found = plans.iter().any(|p| {
                crate::plans::service::content(p)
                    .map(|c| c.actions.iter().any(|a| a.id == action_id))
                    .unwrap_or(false)
            });
            if !found {
                return Err(ServiceError::bad_input(
                    "input.actionId",
                    "is not an action of the goal's plans",
                ));
            }
        }
    } else if new.action_id.is_some() {
        return Err(ServiceError::bad_input(
            "input.actionId",
            "needs the goalId whose plan it belongs to",
        ));
    }
    if let Some(session_id) = new.assigned_in_session_id {
        crate::sessions::service::ensure_session_of(
            conn,
            viewer,
            new.client_id,
            session_id,
            "input.assignedInSessionId",
        )
        .await?;
    }
    Ok(())
}

/// Assigns homework to a client (the care team; integrators with `CLINICAL_WRITE`).
#[tracing::instrument(skip_all, fields(client_id = %new.client_id))]
pub async fn assign(
    db: &DatabaseConnection,
    viewer: &Viewer,
    new: NewAssignment,
) -> Result<homework::Model, ServiceError> {
    audit::write(
        db,
        viewer,
        "assignHomework",
        Target::client(new.client_id),
        async |txn| {
            let c = scope::find_visible(txn, viewer, Access::ClinicalWrite, new.client_id).await?;
            viewer.require_care_team("homework is assigned by the care team")?;
            let template = match new.template_id {
                Some(id) => Some(
                    template::Entity::find_by_id(id)
                        .filter(template::Column::PracticeId.eq(viewer.practice_id))
                        .one(txn)
                        .await?
                        .ok_or_else(|| {
                            ServiceError::bad_input(
                                "input.templateId",
                                "is not a template of this practice",
                            )
                        })?,
                ),
                None => None,
            };
            let title = new
                .title
                .clone()
                .or_else(|| template.as_ref().map(|t| t.title.clone()))
                .ok_or_else(|| {
                    ServiceError::bad_input("input.title", "is required without a template")
                })?;
            let instructions = new
                .instructions
                .clone()
                .or_else(|| template.as_ref().map(|t| t.instructions.clone()))
                .ok_or_else(|| {
                    ServiceError::bad_input("input.instructions", "is required without a template")
                })?;
            let purpose = new
                .purpose
                .clone()
                .or_else(|| template.as_ref().map(|t| t.purpose.clone()));
            let kind = new
                .kind
                .or_else(|| template.as_ref().and_then(|t| HomeworkKind::parse(&t.kind)))
                .unwrap_or(HomeworkKind::Other);
            check_links(txn, viewer, &new).await?;
            let now = Utc::now();
            let dues = due_instants(
                new.due_at,
                new.repeat.as_ref(),
                &c.timezone,
                now,
                OCCURRENCES_MAX,
            )?;
            let recurrence = new.repeat.as_ref().map(|r| {
                serde_json::json!({
                    "recurrence": r.recurrence,
                    "startsOn": r.starts_on.unwrap_or_else(|| local_today(&c.timezone, now)),
                    "until": r.until,
                    "timeOfDay": r.time_of_day.map(|t| t.format("%H:%M").to_string()),
                })
            });
            let row = insert(
                txn,
                viewer.into(),
                &c,
                Assignment {
                    template_id: template.as_ref().map(|t| t.id),
                    kind,
                    title,
                    instructions,
                    purpose,
                    goal_id: new.goal_id,
                    action_id: new.action_id,
                    dues,
                    recurrence,
                    assigned_in_session_id: new.assigned_in_session_id,
                },
            )
            .await?;
            let t = target(&row);
            Ok((row, t))
        },
    )
    .await
}

/// Bumps the homework's version with `changes` if it is still at `current`.
async fn change(
    conn: &impl ConnectionTrait,
    current: &homework::Model,
    mut changes: homework::ActiveModel,
) -> Result<homework::Model, ServiceError> {
    changes.updated_at = Set(Utc::now());
    crate::concurrency::update_versioned::<homework::Entity>(
        conn,
        homework::Column::Id,
        homework::Column::Version,
        current.id,
        current.version,
        changes,
        "homework",
    )
    .await
}

/// Marks homework IN_PROGRESS (client or care team). Starting twice changes nothing.
#[tracing::instrument(skip_all, fields(homework_id = %id))]
pub async fn start(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
) -> Result<homework::Model, ServiceError> {
    audit::write(
        db,
        viewer,
        "startHomework",
        Target::many(vec![id]),
        async |txn| {
            let current = find(txn, viewer, Access::ClinicalWrite, id).await?;
            if current.status == HomeworkStatus::InProgress.as_str() {
                let t = target(&current);
                return Ok((current, t));
            }
            if current.status != HomeworkStatus::Assigned.as_str() {
                return Err(ServiceError::Conflict(format!(
                    "only ASSIGNED homework can be started; this is {}",
                    current.status
                )));
            }
            let row = change(
                txn,
                &current,
                homework::ActiveModel {
                    status: Set(HomeworkStatus::InProgress.as_str().to_owned()),
                    started_at: Set(Some(Utc::now())),
                    ..Default::default()
                },
            )
            .await?;
            event(
                txn,
                viewer,
                &row,
                EventKind::HomeworkStarted,
                serde_json::json!({}),
            )
            .await?;
            let t = target(&row);
            Ok((row, t))
        },
    )
    .await
}

/// A report of how one occurrence went, parsed.
#[derive(Debug, Clone)]
pub struct Submission {
    pub homework_id: Uuid,
    /// Which occurrence; the earliest open one when omitted.
    pub occurrence_id: Option<Uuid>,
    pub outcome: Outcome,
    pub reflection: Option<String>,
    pub difficulty: Option<i32>,
    pub helpfulness: Option<i32>,
    pub obstacles_met: Vec<ObstacleKind>,
}

/// Records how an occurrence went: the client's own report, or a therapist recording what
/// the client reported in session (`reported_by` says who). When every occurrence is in,
/// the assignment takes its overall status.
#[tracing::instrument(skip_all, fields(homework_id = %s.homework_id))]
pub async fn submit(
    db: &DatabaseConnection,
    viewer: &Viewer,
    s: Submission,
) -> Result<homework::Model, ServiceError> {
    audit::write(
        db,
        viewer,
        "submitHomework",
        Target::many(vec![s.homework_id]),
        async |txn| {
            let current = find(txn, viewer, Access::ClinicalWrite, s.homework_id).await?;
            if current.status == HomeworkStatus::Reviewed.as_str() {
                return Err(ServiceError::Conflict(
                    "the homework was already reviewed".to_owned(),
                ));
            }
            let all = occurrence::Entity::find()
                .filter(occurrence::Column::HomeworkId.eq(current.id))
                .order_by_asc(occurrence::Column::DueAt)
                .order_by_asc(occurrence::Column::Id)
                .all(txn)
                .await?;
            let chosen = match s.occurrence_id {
                Some(oid) => all.iter().find(|o| o.id == oid).ok_or_else(|| {
                    ServiceError::bad_input("input.occurrenceId", "is not an occurrence of this homework")
                })?,
                None => all.iter().find(|o| o.outcome.is_none()).ok_or_else(|| {
                    ServiceError::Conflict("every occurrence was already submitted".to_owned())
                })?,
            };
            if chosen.outcome.is_some() {
                return Err(ServiceError::Conflict(
                    "this occurrence was already submitted".to_owned(),
                ));
            }
            let now = Utc::now();
            let obstacles: Vec<&str> = s.obstacles_met.iter().map(|k| k.as_str()).collect();
            occurrence::Entity::update_many()
                .set(occurrence::ActiveModel {
                    outcome: Set(Some(s.outcome.as_str().to_owned())),
                    reflection: Set(s.reflection.clone()),
                    difficulty: Set(s.difficulty),
                    helpfulness: Set(s.helpfulness),
                    obstacles_met: Set(serde_json::json!(obstacles)),
                    submitted_at: Set(Some(now)),
                    reported_by: Set(Some(viewer.id)),
                    reported_by_role: Set(Some(viewer.role().as_str().to_owned())),
                    updated_at: Set(now),
                    ..Default::default()
                })
                .filter(occurrence::Column::Id.eq(chosen.id))
                .filter(occurrence::Column::Outcome.is_null())
                .exec(txn)
                .await?;
            let mut outcomes: Vec<Outcome> = all
                .iter()
                .filter(|o| o.id != chosen.id)
                .filter_map(|o| o.outcome.as_deref().and_then(Outcome::parse))
                .collect();
            outcomes.push(s.outcome);
            let finished = outcomes.len() == all.len();
            let status = if finished {
                overall(&outcomes)
            } else {
                HomeworkStatus::InProgress
            };
            let row = change(
                txn,
                &current,
                homework::ActiveModel {
                    status: Set(status.as_str().to_owned()),
                    started_at: Set(current.started_at.or(Some(now))),
                    submitted_at: Set(finished.then_some(now).or(current.submitted_at)),
                    ..Default::default()
                },
            )
            .await?;
            event(
                txn,
                viewer,
                &row,
                EventKind::HomeworkSubmitted,
                serde_json::json!({ "occurrenceId": chosen.id, "outcome": s.outcome.as_str(), "reportedByRole": viewer.role().as_str() }),
            )
            .await?;
            let t = target(&row).with(chosen.id);
            Ok((row, t))
        },
    )
    .await
}

/// A review of homework in (or after) a session, parsed.
#[derive(Debug, Clone)]
pub struct Review {
    pub homework_id: Uuid,
    pub notes: Option<String>,
    /// Private notes stay with the care team.
    pub private: bool,
    pub session_id: Option<Uuid>,
}

/// Reviews homework with the client (→ REVIEWED). The care team only.
#[tracing::instrument(skip_all, fields(homework_id = %r.homework_id))]
pub async fn review(
    db: &DatabaseConnection,
    viewer: &Viewer,
    r: Review,
) -> Result<homework::Model, ServiceError> {
    audit::write(
        db,
        viewer,
        "reviewHomework",
        Target::many(vec![r.homework_id]),
        async |txn| {
            let current = find(txn, viewer, Access::ClinicalWrite, r.homework_id).await?;
            viewer.require_care_team("homework is reviewed by the care team")?;
            if current.status == HomeworkStatus::Reviewed.as_str() {
                return Err(ServiceError::Conflict(
                    "the homework was already reviewed".to_owned(),
                ));
            }
            if let Some(session_id) = r.session_id {
                crate::sessions::service::ensure_session_of(
                    txn,
                    viewer,
                    current.client_id,
                    session_id,
                    "input.reviewedInSessionId",
                )
                .await?;
            }
            let row = change(
                txn,
                &current,
                homework::ActiveModel {
                    status: Set(HomeworkStatus::Reviewed.as_str().to_owned()),
                    review_notes: Set(r.notes.clone()),
                    review_notes_private: Set(r.private),
                    reviewed_at: Set(Some(Utc::now())),
                    reviewed_by: Set(Some(viewer.id)),
                    reviewed_in_session_id: Set(r.session_id),
                    ..Default::default()
                },
            )
            .await?;
            event(
                txn,
                viewer,
                &row,
                EventKind::HomeworkReviewed,
                serde_json::json!({ "sessionId": r.session_id }),
            )
            .await?;
            let t = target(&row);
            Ok((row, t))
        },
    )
    .await
}

/// One assignment (clinical access).
#[tracing::instrument(skip_all, fields(homework_id = %id))]
pub async fn get(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
) -> Result<homework::Model, ServiceError> {
    audit::read(db, viewer, "homework", Target::many(vec![id]), async |db| {
        let h = find(db, viewer, Access::Clinical, id).await?;
        let t = target(&h);
        Ok((h, t))
    })
    .await
}

/// `Client.homeworkToReview`: each client's submitted, unreviewed homework, oldest
/// submission first.
pub struct ToReview;

impl Batch for ToReview {
    type Args = ();
    type Value = Vec<homework::Model>;
    const AUDIT: Option<&'static str> = Some("Client.homeworkToReview");

    async fn fetch(
        db: &DatabaseConnection,
        viewer: &Viewer,
        keys: &[Uuid],
        _: &(),
    ) -> Result<HashMap<Uuid, Self::Value>, ServiceError> {
        let select = homework::Entity::find()
            .filter(scope(viewer, Access::Clinical)?)
            .filter(homework::Column::ClientId.is_in(keys.iter().copied()))
            .filter(homework::Column::Status.is_in([
                HomeworkStatus::Completed.as_str(),
                HomeworkStatus::Partial.as_str(),
                HomeworkStatus::NotDone.as_str(),
            ]));
        let rows = batch::firsts(
            db,
            select,
            homework::Column::ClientId,
            &[
                (homework::Column::SubmittedAt, sea_orm::Order::Asc),
                (homework::Column::Id, sea_orm::Order::Asc),
            ],
            TO_REVIEW_LISTED,
        )
        .await?;
        Ok(batch::group(keys, rows, |h| h.client_id))
    }

    fn touched(rows: &Self::Value, out: &mut Vec<Uuid>) {
        out.extend(rows.iter().map(|h| h.id));
    }
}

/// `TherapySession.homeworkToReview`: for each session, the unreviewed homework of its
/// client that fell due since their previous (not cancelled) session and by this one's
/// start, by due date. Two statements for any number of sessions: the sessions with their
/// previous session's start, then the candidate homework of their clients.
pub struct DueForSessions;

#[derive(sea_orm::FromQueryResult)]
struct SessionWindow {
    id: Uuid,
    client_id: Uuid,
    scheduled_at: DateTime<Utc>,
    previous_at: Option<DateTime<Utc>>,
}

impl Batch for DueForSessions {
    type Args = ();
    type Value = Vec<homework::Model>;
    const AUDIT: Option<&'static str> = Some("TherapySession.homeworkToReview");

    async fn fetch(
        db: &DatabaseConnection,
        viewer: &Viewer,
        keys: &[Uuid],
        _: &(),
    ) -> Result<HashMap<Uuid, Self::Value>, ServiceError> {
        use entity::therapy_session as session;
        use sea_orm::{
            QuerySelect as _,
            sea_query::{Alias, Expr, ExprTrait as _, Func, Query},
        };
        let earlier = Alias::new("earlier");
        let previous = Query::select()
            .expr(Func::max(Expr::col((
                earlier.clone(),
                session::Column::ScheduledAt,
            ))))
            .from_as(session::Entity, earlier.clone())
            .and_where(
                Expr::col((earlier.clone(), session::Column::ClientId))
                    .equals((session::Entity, session::Column::ClientId)),
            )
            .and_where(
                Expr::col((earlier.clone(), session::Column::ScheduledAt))
                    .lt(Expr::col((session::Entity, session::Column::ScheduledAt))),
            )
            .and_where(Expr::col((earlier, session::Column::Status)).ne("CANCELLED"))
            .to_owned();
        let sessions: Vec<SessionWindow> = session::Entity::find()
            .select_only()
            .column(session::Column::Id)
            .column(session::Column::ClientId)
            .column(session::Column::ScheduledAt)
            .expr_as(
                Expr::SubQuery(None, Box::new(previous.into())),
                "previous_at",
            )
            .filter(scope::records_of_visible(
                viewer,
                Access::Clinical,
                session::Column::PracticeId,
                session::Column::ClientId,
            )?)
            .filter(session::Column::Id.is_in(keys.iter().copied()))
            .into_model()
            .all(db)
            .await?;
        if sessions.is_empty() {
            return Ok(HashMap::new());
        }
        let latest = sessions.iter().map(|s| s.scheduled_at).max();
        let mut q = homework::Entity::find()
            .filter(scope(viewer, Access::Clinical)?)
            .filter(homework::Column::ClientId.is_in(sessions.iter().map(|s| s.client_id)))
            .filter(homework::Column::Status.ne(HomeworkStatus::Reviewed.as_str()));
        if let Some(latest) = latest {
            q = q.filter(homework::Column::DueAt.lte(latest));
        }
        let candidates = q
            .order_by_asc(homework::Column::DueAt)
            .order_by_asc(homework::Column::Id)
            .all(db)
            .await?;
        Ok(sessions
            .into_iter()
            .map(|s| {
                let due: Vec<homework::Model> = candidates
                    .iter()
                    .filter(|h| {
                        h.client_id == s.client_id
                            && h.due_at <= s.scheduled_at
                            && s.previous_at.is_none_or(|p| h.due_at > p)
                    })
                    .take(TO_REVIEW_LISTED as usize)
                    .cloned()
                    .collect();
                (s.id, due)
            })
            .collect())
    }

    fn touched(rows: &Self::Value, out: &mut Vec<Uuid>) {
        out.extend(rows.iter().map(|h| h.id));
    }
}

/// `Client.homework` lists at most this many assignments per client: the latest by due date.
pub const HOMEWORK_LISTED: u64 = 200;

/// `Client.homeworkToReview` lists at most this many: the oldest submissions.
pub const TO_REVIEW_LISTED: u64 = 100;

/// The homework of many clients with one of `statuses` (any when `None`): each client's
/// latest [`HOMEWORK_LISTED`] by due date, in due-date order.
pub async fn homework_of_clients(
    db: &DatabaseConnection,
    viewer: &Viewer,
    client_ids: &[Uuid],
    statuses: Option<&[String]>,
) -> Result<HashMap<Uuid, Vec<homework::Model>>, ServiceError> {
    let mut select = homework::Entity::find()
        .filter(scope(viewer, Access::Clinical)?)
        .filter(homework::Column::ClientId.is_in(client_ids.to_vec()));
    if let Some(statuses) = statuses {
        select = select.filter(homework::Column::Status.is_in(statuses.iter().cloned()));
    }
    let rows = batch::firsts(
        db,
        select,
        homework::Column::ClientId,
        &[
            (homework::Column::DueAt, sea_orm::Order::Desc),
            (homework::Column::Id, sea_orm::Order::Desc),
        ],
        HOMEWORK_LISTED,
    )
    .await?;
    let mut grouped = batch::group(client_ids, rows, |h| h.client_id);
    grouped.values_mut().for_each(|v| v.reverse());
    Ok(grouped)
}

/// The occurrences of many assignments, by due date.
pub async fn occurrences_of(
    db: &DatabaseConnection,
    viewer: &Viewer,
    homework_ids: &[Uuid],
) -> Result<Vec<occurrence::Model>, ServiceError> {
    Ok(occurrence::Entity::find()
        .filter(scope::records_of_visible(
            viewer,
            Access::Clinical,
            occurrence::Column::PracticeId,
            occurrence::Column::ClientId,
        )?)
        .filter(occurrence::Column::HomeworkId.is_in(homework_ids.to_vec()))
        .order_by_asc(occurrence::Column::DueAt)
        .order_by_asc(occurrence::Column::Id)
        .all(db)
        .await?)
}

/// The completion rate of an assignment: completed occurrences count 1 and partial ones
/// 0.5, over the occurrences due by `now` or already submitted; null before any is due.
pub fn completion_rate(occurrences: &[occurrence::Model], now: DateTime<Utc>) -> Option<f64> {
    let counted: Vec<&occurrence::Model> = occurrences
        .iter()
        .filter(|o| o.outcome.is_some() || o.due_at <= now)
        .collect();
    if counted.is_empty() {
        return None;
    }
    let credit: f64 = counted
        .iter()
        .filter_map(|o| o.outcome.as_deref().and_then(Outcome::parse))
        .map(Outcome::credit)
        .sum();
    #[allow(clippy::cast_precision_loss)] // at most OCCURRENCES_MAX
    Some(credit / counted.len() as f64)
}

/// `Client.homework`: each client's homework by due date (the latest [`HOMEWORK_LISTED`]),
/// of the given statuses (sorted stored forms; all when `None`).
pub struct HomeworkOfClients;

impl Batch for HomeworkOfClients {
    type Args = Option<Vec<String>>;
    type Value = Vec<homework::Model>;
    const AUDIT: Option<&'static str> = Some("Client.homework");

    async fn fetch(
        db: &DatabaseConnection,
        viewer: &Viewer,
        keys: &[Uuid],
        statuses: &Option<Vec<String>>,
    ) -> Result<HashMap<Uuid, Self::Value>, ServiceError> {
        homework_of_clients(db, viewer, keys, statuses.as_deref()).await
    }
}

/// `Homework.occurrences`: each assignment's occurrences by due date.
pub struct OccurrencesOf;

impl Batch for OccurrencesOf {
    type Args = ();
    type Value = Vec<occurrence::Model>;
    const AUDIT: Option<&'static str> = Some("Homework.occurrences");

    async fn fetch(
        db: &DatabaseConnection,
        viewer: &Viewer,
        keys: &[Uuid],
        _: &(),
    ) -> Result<HashMap<Uuid, Self::Value>, ServiceError> {
        let rows = occurrences_of(db, viewer, keys).await?;
        Ok(batch::group(keys, rows, |o| o.homework_id))
    }
}
