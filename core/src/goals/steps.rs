//! A goal's steps: adding, changing, completing and reordering them, and the steps of many
//! goals at once. A step is visible exactly when its goal is.

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use sea_orm::{
    ColumnTrait as _, Condition, ConnectionTrait, DatabaseConnection, EntityTrait as _,
    PaginatorTrait as _, QueryFilter as _, QueryOrder as _, Set, sea_query::Expr,
};
use uuid::Uuid;

use super::domain::{STEPS_MAX, StepStatus};
use super::service::{ensure_changeable, find, target};
use crate::{
    audit::{self, Target},
    auth::Viewer,
    batch::{self, Batch},
    concurrency::{expect_version, update_versioned},
    error::ServiceError,
    events::{self, EventKind},
    scope::{self, Access},
};
use entity::goal_step;

fn step_scope(viewer: &Viewer, access: Access) -> Result<Condition, ServiceError> {
    scope::records_of_visible(
        viewer,
        access,
        goal_step::Column::PracticeId,
        goal_step::Column::ClientId,
    )
}

async fn find_step(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> Result<goal_step::Model, ServiceError> {
    goal_step::Entity::find_by_id(id)
        .filter(step_scope(viewer, Access::ClinicalWrite)?)
        .one(conn)
        .await?
        .ok_or(ServiceError::NotFound)
}

fn step_target(step: &goal_step::Model) -> Target {
    Target::client(step.client_id)
        .with(step.goal_id)
        .with(step.id)
}

async fn step_event(
    txn: &impl ConnectionTrait,
    viewer: &Viewer,
    step: &goal_step::Model,
    kind: EventKind,
) -> Result<(), ServiceError> {
    events::client_event(
        txn,
        viewer,
        step.client_id,
        step.id,
        kind,
        serde_json::json!({ "goalId": step.goal_id, "stepId": step.id, "status": step.status, "version": step.version }),
    )
    .await?;
    Ok(())
}

/// Adds a step at the end of a goal's steps.
#[tracing::instrument(skip_all, fields(goal_id = %goal_id))]
pub async fn add_step(
    db: &DatabaseConnection,
    viewer: &Viewer,
    goal_id: Uuid,
    title: String,
    due_on: Option<NaiveDate>,
) -> Result<goal_step::Model, ServiceError> {
    audit::write(
        db,
        viewer,
        "addGoalStep",
        Target::many(vec![goal_id]),
        async |txn| {
            let g = find(txn, viewer, Access::ClinicalWrite, goal_id).await?;
            ensure_changeable(&g)?;
            let count = goal_step::Entity::find()
                .filter(goal_step::Column::GoalId.eq(goal_id))
                .count(txn)
                .await?;
            if count >= STEPS_MAX {
                return Err(ServiceError::Conflict(format!(
                    "a goal can have at most {STEPS_MAX} steps"
                )));
            }
            let now = Utc::now();
            let position = i32::try_from(count).unwrap_or(i32::MAX).saturating_add(1);
            let step = goal_step::Entity::insert(goal_step::ActiveModel {
                id: Set(Uuid::now_v7()),
                practice_id: Set(viewer.practice_id),
                client_id: Set(g.client_id),
                goal_id: Set(goal_id),
                title: Set(title),
                due_on: Set(due_on),
                position: Set(position),
                status: Set(StepStatus::Open.as_str().to_owned()),
                completed_at: Set(None),
                completed_by: Set(None),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
            })
            .exec_with_returning(txn)
            .await?;
            step_event(txn, viewer, &step, EventKind::StepAdded).await?;
            let t = step_target(&step);
            Ok((step, t))
        },
    )
    .await
}

/// A change to a step; `None` leaves a field as it is.
pub struct StepChanges {
    pub title: Option<String>,
    /// `Some(None)` clears the due date.
    pub due_on: Option<Option<NaiveDate>>,
}

async fn change_step(
    txn: &impl ConnectionTrait,
    viewer: &Viewer,
    current: &goal_step::Model,
    am: goal_step::ActiveModel,
    kind: EventKind,
) -> Result<goal_step::Model, ServiceError> {
    let step = update_versioned::<goal_step::Entity>(
        txn,
        goal_step::Column::Id,
        goal_step::Column::Version,
        current.id,
        current.version,
        am,
        "step",
    )
    .await?;
    step_event(txn, viewer, &step, kind).await?;
    Ok(step)
}

/// Changes a step's title or due date, if it is still at `expected_version`.
#[tracing::instrument(skip_all, fields(step_id = %id))]
pub async fn update_step(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
    expected_version: i32,
    changes: StepChanges,
) -> Result<goal_step::Model, ServiceError> {
    audit::write(
        db,
        viewer,
        "updateGoalStep",
        Target::many(vec![id]),
        async |txn| {
            let current = find_step(txn, viewer, id).await?;
            expect_version(Some(expected_version), current.version, "step")?;
            let mut am = goal_step::ActiveModel::default();
            let mut changed = false;
            if let Some(t) = changes.title {
                am.title = Set(t);
                changed = true;
            }
            if let Some(d) = changes.due_on {
                am.due_on = Set(d);
                changed = true;
            }
            if !changed {
                let t = step_target(&current);
                return Ok((current, t));
            }
            am.updated_at = Set(Utc::now());
            let step = change_step(txn, viewer, &current, am, EventKind::StepUpdated).await?;
            let t = step_target(&step);
            Ok((step, t))
        },
    )
    .await
}

/// Marks a step DONE (or OPEN again). Doing it twice changes nothing.
#[tracing::instrument(skip_all, fields(step_id = %id))]
pub async fn set_step_status(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
    to: StepStatus,
) -> Result<goal_step::Model, ServiceError> {
    let operation = match to {
        StepStatus::Done => "completeGoalStep",
        StepStatus::Open => "reopenGoalStep",
    };
    audit::write(db, viewer, operation, Target::many(vec![id]), async |txn| {
        let current = find_step(txn, viewer, id).await?;
        if current.status == to.as_str() {
            let t = step_target(&current);
            return Ok((current, t));
        }
        let now = Utc::now();
        let done = to == StepStatus::Done;
        let am = goal_step::ActiveModel {
            status: Set(to.as_str().to_owned()),
            completed_at: Set(done.then_some(now)),
            completed_by: Set(done.then_some(viewer.id)),
            updated_at: Set(now),
            ..Default::default()
        };
        let kind = if done {
            EventKind::StepCompleted
        } else {
            EventKind::StepReopened
        };
        let step = change_step(txn, viewer, &current, am, kind).await?;
        let t = step_target(&step);
        Ok((step, t))
    })
    .await
}

/// Puts a goal's steps in the order of `step_ids`, which must name every step once.
#[tracing::instrument(skip_all, fields(goal_id = %goal_id))]
pub async fn reorder_steps(
    db: &DatabaseConnection,
    viewer: &Viewer,
    goal_id: Uuid,
    step_ids: Vec<Uuid>,
) -> Result<Vec<goal_step::Model>, ServiceError> {
    audit::write(
        db,
        viewer,
        "reorderGoalSteps",
        Target::many(vec![goal_id]),
        async |txn| {
            let g = find(txn, viewer, Access::ClinicalWrite, goal_id).await?;
            let steps = goal_step::Entity::find()
                .filter(goal_step::Column::GoalId.eq(goal_id))
                .all(txn)
                .await?;
            let mut wanted = step_ids.clone();
            wanted.sort();
            wanted.dedup();
            let mut have: Vec<Uuid> = steps.iter().map(|s| s.id).collect();
            have.sort();
            if wanted.len() != step_ids.len() || wanted != have {
                return Err(ServiceError::bad_input(
                    "input.stepIds",
                    "must list every step of the goal exactly once",
                ));
            }
            let now = Utc::now();
            for (i, id) in step_ids.iter().enumerate() {
                let position = i32::try_from(i + 1).unwrap_or(i32::MAX);
                if steps.iter().any(|s| s.id == *id && s.position != position) {
                    goal_step::Entity::update_many()
                        .col_expr(goal_step::Column::Position, Expr::value(position))
                        .col_expr(goal_step::Column::UpdatedAt, Expr::value(now))
                        .filter(goal_step::Column::Id.eq(*id))
                        .exec(txn)
                        .await?;
                }
            }
            events::client_event(
                txn,
                viewer,
                g.client_id,
                goal_id,
                EventKind::StepsReordered,
                serde_json::json!({ "goalId": goal_id, "stepIds": step_ids }),
            )
            .await?;
            let steps = goal_step::Entity::find()
                .filter(goal_step::Column::GoalId.eq(goal_id))
                .order_by_asc(goal_step::Column::Position)
                .all(txn)
                .await?;
            Ok((steps, target(&g)))
        },
    )
    .await
}

/// The steps of many goals, in order.
pub async fn steps_of_goals(
    db: &DatabaseConnection,
    viewer: &Viewer,
    goal_ids: &[Uuid],
) -> Result<Vec<goal_step::Model>, ServiceError> {
    Ok(goal_step::Entity::find()
        .filter(step_scope(viewer, Access::Clinical)?)
        .filter(goal_step::Column::GoalId.is_in(goal_ids.to_vec()))
        .order_by_asc(goal_step::Column::GoalId)
        .order_by_asc(goal_step::Column::Position)
        .all(db)
        .await?)
}

/// `Goal.steps`: each goal's steps in order.
pub struct StepsOfGoals;

impl Batch for StepsOfGoals {
    type Args = ();
    type Value = Vec<goal_step::Model>;
    const AUDIT: Option<&'static str> = Some("Goal.steps");

    async fn fetch(
        db: &DatabaseConnection,
        viewer: &Viewer,
        keys: &[Uuid],
        _: &(),
    ) -> Result<HashMap<Uuid, Self::Value>, ServiceError> {
        let rows = steps_of_goals(db, viewer, keys).await?;
        Ok(batch::group(keys, rows, |s| s.goal_id))
    }
}
