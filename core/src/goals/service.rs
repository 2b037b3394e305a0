//! Goal rules and SQL. Scope is the client's: a goal is visible exactly when its client is
//! (clinical access), written into every query as `client_id IN (visible clients)`.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait as _, Condition, ConnectionTrait, DatabaseConnection, EntityTrait as _,
    ExprTrait as _, PaginatorTrait as _, QueryFilter as _, QueryOrder as _, Set,
    sea_query::{Alias, Expr, Func, Query},
};
use uuid::Uuid;

use super::domain::{GOALS_PER_CLIENT_MAX, GoalChanges, GoalStatus, Measure, NewGoal};
use crate::{
    audit::{self, Target},
    auth::{Role, Viewer},
    batch::{self, Batch, Keyset, Paged},
    clients::service as clients,
    concurrency::{expect_version, update_versioned},
    error::ServiceError,
    events::{self, EventKind},
    pagination::Page,
    scope::{self, Access},
    values::not_past_date,
};
use entity::{goal, goal_progress};

/// The goals `viewer` may reach with `access`, as a condition on the `goal` table.
pub fn scope(viewer: &Viewer, access: Access) -> Result<Condition, ServiceError> {
    scope::records_of_visible(
        viewer,
        access,
        goal::Column::PracticeId,
        goal::Column::ClientId,
    )
}

/// One goal the viewer may reach with `access`, or `NOT_FOUND`.
pub async fn find(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    access: Access,
    id: Uuid,
) -> Result<goal::Model, ServiceError> {
    goal::Entity::find_by_id(id)
        .filter(scope(viewer, access)?)
        .one(conn)
        .await?
        .ok_or(ServiceError::NotFound)
}

/// A declined goal is closed for good: the client proposes a new one instead.
pub(super) fn ensure_changeable(goal: &goal::Model) -> Result<(), ServiceError> {
    if goal.status == GoalStatus::Declined.as_str() {
        Err(ServiceError::Conflict(
            "the goal was declined and cannot change; propose a new one".to_owned(),
        ))
    } else {
        Ok(())
    }
}

pub(super) fn target(goal: &goal::Model) -> Target {
    Target::client(goal.client_id).with(goal.id)
}

/// One goal (clinical access).
#[tracing::instrument(skip_all, fields(goal_id = %id))]
pub async fn get(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
) -> Result<goal::Model, ServiceError> {
    audit::read(db, viewer, "goal", Target::many(vec![id]), async |db| {
        let g = find(db, viewer, Access::Clinical, id).await?;
        let t = target(&g);
        Ok((g, t))
    })
    .await
}

fn same_goal(existing: &goal::Model, new: &NewGoal) -> bool {
    existing.client_id == new.client_id
        && existing.title == new.title
        && existing.description == new.description
        && existing.measure == new.measure.measure
        && existing.baseline == new.measure.baseline
        && existing.target == new.measure.target
        && existing.unit == new.measure.unit
        && existing.target_date == new.target_date
        && existing.confidence == new.confidence
        && existing.why_it_matters == new.why_it_matters
        && existing.priority == new.priority.as_str()
}

/// Creates a goal: ACTIVE when the care team (or an integrator) sets it, PROPOSED when the
/// client suggests it for their own record.
#[tracing::instrument(skip_all, fields(client_id = %new.client_id))]
pub async fn create(
    db: &DatabaseConnection,
    viewer: &Viewer,
    new: NewGoal,
) -> Result<goal::Model, ServiceError> {
    let id = new.id.unwrap_or_else(Uuid::now_v7);
    audit::write(
        db,
        viewer,
        "createGoal",
        Target::client(new.client_id).with(id),
        async |txn| {
            let c = scope::find_visible(txn, viewer, Access::ClinicalWrite, new.client_id).await?;
            if let Some(existing) = goal::Entity::find_by_id(id).one(txn).await? {
                return if existing.practice_id == viewer.practice_id && same_goal(&existing, &new)
                {
                    let t = target(&existing);
                    Ok((existing, t))
                } else {
                    Err(crate::values::id_taken("input.id"))
                };
            }
            let now = Utc::now();
            if let Some(d) = new.target_date {
                not_past_date(d, &c.timezone, "input.targetDate", now)?;
            }
            let existing = goal::Entity::find()
                .filter(goal::Column::ClientId.eq(c.id))
                .count(txn)
                .await?;
            if existing >= GOALS_PER_CLIENT_MAX {
                return Err(ServiceError::Conflict(format!(
                    "a client can have at most {GOALS_PER_CLIENT_MAX} goals; abandon or remove old ones"
                )));
            }
            let (status, kind) = if viewer.role() == Role::Client {
                (GoalStatus::Proposed, EventKind::GoalProposed)
            } else {
                (GoalStatus::Active, EventKind::GoalCreated)
            };
            let model = goal::Entity::insert(goal::ActiveModel {
                id: Set(id),
                practice_id: Set(viewer.practice_id),
                client_id: Set(c.id),
                title: Set(new.title.clone()),
                description: Set(new.description.clone()),
                measure: Set(new.measure.measure.clone()),
                baseline: Set(new.measure.baseline),
                target: Set(new.measure.target),
                unit: Set(new.measure.unit.clone()),
                target_date: Set(new.target_date),
                confidence: Set(new.confidence),
                why_it_matters: Set(new.why_it_matters.clone()),
                priority: Set(new.priority.as_str().to_owned()),
                status: Set(status.as_str().to_owned()),
                status_reason: Set(None),
                achieved_at: Set(None),
                created_by: Set(viewer.id),
                created_by_role: Set(viewer.role().as_str().to_owned()),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
            })
            .exec_with_returning(txn)
            .await?;
            events::client_event(
                txn,
                viewer,
                c.id,
                id,
                kind,
                serde_json::json!({ "goalId": id, "status": model.status }),
            )
            .await?;
            let t = target(&model);
            Ok((model, t))
        },
    )
    .await
}

/// Changes a goal's status inside `txn`, bumping its version and recording the event.
async fn transition(
    txn: &impl ConnectionTrait,
    viewer: &Viewer,
    current: &goal::Model,
    to: GoalStatus,
    reason: Option<String>,
) -> Result<goal::Model, ServiceError> {
    let now = Utc::now();
    let changes = goal::ActiveModel {
        status: Set(to.as_str().to_owned()),
        status_reason: Set(reason),
        achieved_at: Set((to == GoalStatus::Achieved).then_some(now)),
        updated_at: Set(now),
        ..Default::default()
    };
    let model = update_versioned::<goal::Entity>(
        txn,
        goal::Column::Id,
        goal::Column::Version,
        current.id,
        current.version,
        changes,
        "goal",
    )
    .await?;
    events::client_event(
        txn,
        viewer,
        current.client_id,
        current.id,
        EventKind::GoalStatusChanged,
        serde_json::json!({ "goalId": current.id, "from": current.status, "to": model.status, "version": model.version }),
    )
    .await?;
    Ok(model)
}

/// Accepts a client's proposed goal (→ ACTIVE).
#[tracing::instrument(skip_all, fields(goal_id = %id))]
pub async fn accept(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
    expected_version: Option<i32>,
) -> Result<goal::Model, ServiceError> {
    decide(
        db,
        viewer,
        id,
        expected_version,
        "acceptGoal",
        GoalStatus::Active,
        None,
    )
    .await
}

/// Declines a client's proposed goal with a reason the client can read (→ DECLINED).
#[tracing::instrument(skip_all, fields(goal_id = %id))]
pub async fn decline(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
    expected_version: Option<i32>,
    reason: String,
) -> Result<goal::Model, ServiceError> {
    decide(
        db,
        viewer,
        id,
        expected_version,
        "declineGoal",
        GoalStatus::Declined,
        Some(reason),
    )
    .await
}

async fn decide(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
    expected_version: Option<i32>,
    operation: &'static str,
    to: GoalStatus,
    reason: Option<String>,
) -> Result<goal::Model, ServiceError> {
    audit::write(db, viewer, operation, Target::many(vec![id]), async |txn| {
        let current = find(txn, viewer, Access::ClinicalWrite, id).await?;
        // Accepting or declining a proposal is the care team's decision, not the client's.
        viewer.require_care_team("only the care team accepts or declines a proposed goal")?;
        expect_version(expected_version, current.version, "goal")?;
        if current.status != GoalStatus::Proposed.as_str() {
            return Err(ServiceError::Conflict(format!(
                "only a PROPOSED goal can be accepted or declined; this one is {}",
                current.status
            )));
        }
        let model = transition(txn, viewer, &current, to, reason).await?;
        let t = target(&model);
        Ok((model, t))
    })
    .await
}

/// Moves a goal between ACTIVE, ON_HOLD, ACHIEVED and ABANDONED. ACHIEVED sets
/// `achieved_at`; ABANDONED needs a reason. Setting the current status changes nothing.
#[tracing::instrument(skip_all, fields(goal_id = %id))]
pub async fn set_status(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
    to: GoalStatus,
    reason: Option<String>,
    expected_version: Option<i32>,
) -> Result<goal::Model, ServiceError> {
    audit::write(
        db,
        viewer,
        "setGoalStatus",
        Target::many(vec![id]),
        async |txn| {
            let current = find(txn, viewer, Access::ClinicalWrite, id).await?;
            expect_version(expected_version, current.version, "goal")?;
            if matches!(to, GoalStatus::Proposed | GoalStatus::Declined) {
                return Err(ServiceError::bad_input(
                    "input.status",
                    "must be ACTIVE, ON_HOLD, ACHIEVED or ABANDONED",
                ));
            }
            if to == GoalStatus::Abandoned && reason.is_none() {
                return Err(ServiceError::bad_input(
                    "input.reason",
                    "is required when abandoning a goal",
                ));
            }
            match GoalStatus::parse(&current.status) {
                Some(GoalStatus::Proposed) => {
                    return Err(ServiceError::Conflict(
                        "the goal is still PROPOSED: the care team accepts or declines it first"
                            .to_owned(),
                    ));
                }
                Some(GoalStatus::Declined) => ensure_changeable(&current)?,
                Some(s) if s == to && reason.is_none() => {
                    let t = target(&current);
                    return Ok((current, t));
                }
                _ => {}
            }
            let model = transition(txn, viewer, &current, to, reason).await?;
            let t = target(&model);
            Ok((model, t))
        },
    )
    .await
}

/// Changes a goal's fields, if it is still at `expected_version`.
#[tracing::instrument(skip_all, fields(goal_id = %id))]
pub async fn update(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
    expected_version: i32,
    changes: GoalChanges,
) -> Result<goal::Model, ServiceError> {
    audit::write(
        db,
        viewer,
        "updateGoal",
        Target::many(vec![id]),
        async |txn| {
            let current = find(txn, viewer, Access::ClinicalWrite, id).await?;
            expect_version(Some(expected_version), current.version, "goal")?;
            ensure_changeable(&current)?;
            let merged = Measure {
                measure: changes.measure.clone().unwrap_or(current.measure.clone()),
                baseline: changes.baseline.unwrap_or(current.baseline),
                target: changes.target.unwrap_or(current.target),
                unit: changes.unit.clone().unwrap_or(current.unit.clone()),
            }
            .check("input")?;
            let now = Utc::now();
            if let Some(Some(d)) = changes.target_date {
                let tz = clients::timezone_of(txn, current.client_id).await?;
                not_past_date(d, &tz, "input.targetDate", now)?;
            }
            let mut am = goal::ActiveModel::default();
            let mut fields: Vec<&str> = Vec::new();
            if let Some(t) = &changes.title {
                am.title = Set(t.clone());
                fields.push("title");
            }
            if let Some(d) = &changes.description {
                am.description = Set(d.clone());
                fields.push("description");
            }
            if changes.measure.is_some() {
                am.measure = Set(merged.measure);
                fields.push("measure");
            }
            if changes.baseline.is_some() {
                am.baseline = Set(merged.baseline);
                fields.push("baseline");
            }
            if changes.target.is_some() {
                am.target = Set(merged.target);
                fields.push("target");
            }
            if changes.unit.is_some() {
                am.unit = Set(merged.unit);
                fields.push("unit");
            }
            if let Some(d) = changes.target_date {
                am.target_date = Set(d);
                fields.push("targetDate");
            }
            if let Some(c) = changes.confidence {
                am.confidence = Set(c);
                fields.push("confidence");
            }
            if let Some(w) = &changes.why_it_matters {
                am.why_it_matters = Set(w.clone());
                fields.push("whyItMatters");
            }
            if let Some(p) = changes.priority {
                am.priority = Set(p.as_str().to_owned());
                fields.push("priority");
            }
            if fields.is_empty() {
                let t = target(&current);
                return Ok((current, t));
            }
            am.updated_at = Set(now);
            let model = update_versioned::<goal::Entity>(
                txn,
                goal::Column::Id,
                goal::Column::Version,
                id,
                current.version,
                am,
                "goal",
            )
            .await?;
            events::client_event(
                txn,
                viewer,
                model.client_id,
                id,
                EventKind::GoalUpdated,
                serde_json::json!({ "goalId": id, "version": model.version, "fields": fields }),
            )
            .await?;
            let t = target(&model);
            Ok((model, t))
        },
    )
    .await
}

// ---- progress ----

/// A recorded value, parsed.
pub struct NewProgress {
    pub goal_id: Uuid,
    pub value: f64,
    pub note: Option<String>,
    pub recorded_at: DateTime<Utc>,
}

/// Records a value of a measured goal's measure (care team or client).
#[tracing::instrument(skip_all, fields(goal_id = %new.goal_id))]
pub async fn record_progress(
    db: &DatabaseConnection,
    viewer: &Viewer,
    new: NewProgress,
) -> Result<(goal::Model, goal_progress::Model), ServiceError> {
    audit::write(
        db,
        viewer,
        "recordGoalProgress",
        Target::many(vec![new.goal_id]),
        async |txn| {
            let g = find(txn, viewer, Access::ClinicalWrite, new.goal_id).await?;
            ensure_changeable(&g)?;
            if g.status == GoalStatus::Abandoned.as_str() {
                return Err(ServiceError::Conflict(
                    "the goal was abandoned; set it ACTIVE again to record progress".to_owned(),
                ));
            }
            if g.target.is_none() {
                return Err(ServiceError::Conflict(
                    "the goal has no target to measure against: set its measure, baseline, target and unit first"
                        .to_owned(),
                ));
            }
            let row = goal_progress::Entity::insert(goal_progress::ActiveModel {
                id: Set(Uuid::now_v7()),
                practice_id: Set(viewer.practice_id),
                client_id: Set(g.client_id),
                goal_id: Set(g.id),
                value: Set(new.value),
                note: Set(new.note.clone()),
                recorded_at: Set(new.recorded_at),
                recorded_by: Set(viewer.id),
                recorded_by_role: Set(viewer.role().as_str().to_owned()),
                created_at: Set(Utc::now()),
            })
            .exec_with_returning(txn)
            .await?;
            events::client_event(
                txn,
                viewer,
                g.client_id,
                g.id,
                EventKind::GoalProgressRecorded,
                serde_json::json!({ "goalId": g.id, "progressId": row.id }),
            )
            .await?;
            let t = target(&g).with(row.id);
            Ok(((g, row), t))
        },
    )
    .await
}

/// The keyset of progress history: when recorded, then id.
pub type ProgressCursor = (DateTime<Utc>, Uuid);

/// `Goal.progressHistory`: a page of each goal's recorded values by time.
pub struct ProgressHistory;

impl Batch for ProgressHistory {
    type Args = Paged<ProgressCursor>;
    type Value = Page<goal_progress::Model>;
    const AUDIT: Option<&'static str> = Some("Goal.progressHistory");

    async fn fetch(
        db: &DatabaseConnection,
        viewer: &Viewer,
        keys: &[Uuid],
        args: &Self::Args,
    ) -> Result<HashMap<Uuid, Self::Value>, ServiceError> {
        let scoped = goal_progress::Entity::find().filter(scope::records_of_visible(
            viewer,
            Access::Clinical,
            goal_progress::Column::PracticeId,
            goal_progress::Column::ClientId,
        )?);
        Ok(batch::pages(
            db,
            scoped,
            Keyset {
                parent: goal_progress::Column::GoalId,
                key: goal_progress::Column::RecordedAt,
                id: goal_progress::Column::Id,
            },
            keys,
            &args.page,
            args.totals,
            |p| p.goal_id,
        )
        .await?)
    }

    fn touched(page: &Self::Value, out: &mut Vec<Uuid>) {
        out.extend(page.items.iter().map(|p| p.id));
    }
}

// ---- batch reads for the DataLoaders (scope in the SQL, one statement each) ----

/// The goals of many clients, oldest first, limited to clients the viewer may read
/// clinically.
pub async fn goals_of_clients(
    db: &DatabaseConnection,
    viewer: &Viewer,
    client_ids: &[Uuid],
) -> Result<Vec<goal::Model>, ServiceError> {
    Ok(goal::Entity::find()
        .filter(scope(viewer, Access::Clinical)?)
        .filter(goal::Column::ClientId.is_in(client_ids.to_vec()))
        .order_by_asc(goal::Column::CreatedAt)
        .order_by_asc(goal::Column::Id)
        .all(db)
        .await?)
}

/// Many goals by id, limited to what the viewer may read clinically.
pub async fn goals_by_ids(
    db: &DatabaseConnection,
    viewer: &Viewer,
    ids: &[Uuid],
) -> Result<Vec<goal::Model>, ServiceError> {
    Ok(goal::Entity::find()
        .filter(scope(viewer, Access::Clinical)?)
        .filter(goal::Column::Id.is_in(ids.to_vec()))
        .all(db)
        .await?)
}

/// The latest recorded value of each of many goals (one statement: the rows whose
/// `recorded_at` is their goal's latest).
pub async fn latest_progress(
    db: &DatabaseConnection,
    viewer: &Viewer,
    goal_ids: &[Uuid],
) -> Result<Vec<goal_progress::Model>, ServiceError> {
    let alias = Alias::new("latest");
    let latest = Query::select()
        .expr(Func::max(Expr::col((
            alias.clone(),
            goal_progress::Column::RecordedAt,
        ))))
        .from_as(goal_progress::Entity, alias.clone())
        .and_where(
            Expr::col((alias.clone(), goal_progress::Column::GoalId))
                .equals((goal_progress::Entity, goal_progress::Column::GoalId)),
        )
        .to_owned();
    let mut rows = goal_progress::Entity::find()
        .filter(scope::records_of_visible(
            viewer,
            Access::Clinical,
            goal_progress::Column::PracticeId,
            goal_progress::Column::ClientId,
        )?)
        .filter(goal_progress::Column::GoalId.is_in(goal_ids.to_vec()))
        .filter(Expr::col((goal_progress::Entity, goal_progress::Column::RecordedAt)).eq(latest))
        .order_by_desc(goal_progress::Column::Id)
        .all(db)
        .await?;
    // Two values recorded at the same instant: the later insert (larger v7 id) wins.
    let mut seen = std::collections::HashSet::new();
    rows.retain(|r| seen.insert(r.goal_id));
    Ok(rows)
}

/// `Client.goals`: each client's goals, oldest first.
pub struct GoalsOfClients;

impl Batch for GoalsOfClients {
    type Args = ();
    type Value = Vec<goal::Model>;
    const AUDIT: Option<&'static str> = Some("Client.goals");

    async fn fetch(
        db: &DatabaseConnection,
        viewer: &Viewer,
        keys: &[Uuid],
        _: &(),
    ) -> Result<HashMap<Uuid, Self::Value>, ServiceError> {
        let rows = goals_of_clients(db, viewer, keys).await?;
        Ok(batch::group(keys, rows, |g| g.client_id))
    }
}

/// Goals by id (e.g. the goal of an action plan or of homework).
pub struct GoalsById;

impl Batch for GoalsById {
    type Args = ();
    type Value = goal::Model;
    const AUDIT: Option<&'static str> = Some("goals");

    async fn fetch(
        db: &DatabaseConnection,
        viewer: &Viewer,
        keys: &[Uuid],
        _: &(),
    ) -> Result<HashMap<Uuid, Self::Value>, ServiceError> {
        Ok(batch::by(goals_by_ids(db, viewer, keys).await?, |g| g.id))
    }
}

/// The latest recorded value of each goal; none when nothing was recorded.
pub struct LatestProgress;

impl Batch for LatestProgress {
    type Args = ();
    type Value = goal_progress::Model;
    const AUDIT: Option<&'static str> = Some("Goal.progress");

    async fn fetch(
        db: &DatabaseConnection,
        viewer: &Viewer,
        keys: &[Uuid],
        _: &(),
    ) -> Result<HashMap<Uuid, Self::Value>, ServiceError> {
        Ok(batch::by(latest_progress(db, viewer, keys).await?, |p| {
            p.goal_id
        }))
    }
}
