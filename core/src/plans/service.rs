//! Action plan rules and SQL. A plan belongs to a goal and is visible exactly when the
//! goal's client is (clinical access); every version is kept as a revision.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ColumnTrait as _, Condition, ConnectionTrait, DatabaseConnection, EntityTrait as _,
    PaginatorTrait as _, QueryFilter as _, QueryOrder as _, QuerySelect as _, Set,
    sea_query::{Expr, Query},
};
use uuid::Uuid;

use super::domain::{ObstacleKind, PLANS_PER_GOAL_MAX, PlanContent};
use crate::sql;
use crate::{
    audit::{self, Target},
    auth::Viewer,
    batch::{self, Batch},
    clients::service as clients,
    concurrency::{expect_version, update_versioned},
    error::ServiceError,
    events::{self, EventKind},
    goals::{domain::GoalStatus, service as goals},
    scope::{self, Access},
    values::not_past_date,
};
use entity::{action_plan, action_plan_revision, obstacle_log};

/// The plans `viewer` may reach with `access`, as a condition on `action_plan`.
fn scope(viewer: &Viewer, access: Access) -> Result<Condition, ServiceError> {
    scope::records_of_visible(
        viewer,
        access,
        action_plan::Column::PracticeId,
        action_plan::Column::ClientId,
    )
}

async fn find(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    access: Access,
    id: Uuid,
) -> Result<action_plan::Model, ServiceError> {
    action_plan::Entity::find_by_id(id)
        .filter(scope(viewer, access)?)
        .one(conn)
        .await?
        .ok_or(ServiceError::NotFound)
}

fn target(plan: &action_plan::Model) -> Target {
    Target::client(plan.client_id)
        .with(plan.goal_id)
        .with(plan.id)
}

/// The content of a stored plan.
pub fn content(plan: &action_plan::Model) -> Result<PlanContent, ServiceError> {
    PlanContent::from_json(&plan.title, &plan.actions, &plan.obstacles, plan.review_on)
}

async fn add_revision(
    txn: &impl ConnectionTrait,
    viewer: &Viewer,
    plan: &action_plan::Model,
    reason: Option<String>,
    changed: &[&str],
) -> Result<(), ServiceError> {
    action_plan_revision::Entity::insert(action_plan_revision::ActiveModel {
        id: Set(Uuid::now_v7()),
        practice_id: Set(plan.practice_id),
        plan_id: Set(plan.id),
        version: Set(plan.version),
        title: Set(plan.title.clone()),
        actions: Set(plan.actions.clone()),
        obstacles: Set(plan.obstacles.clone()),
        review_on: Set(plan.review_on),
        reason: Set(reason),
        changed_fields: Set(serde_json::json!(changed)),
        changed_by: Set(viewer.id),
        changed_by_role: Set(viewer.role().as_str().to_owned()),
        created_at: Set(plan.updated_at),
    })
    .exec_without_returning(txn)
    .await?;
    Ok(())
}

/// One plan (clinical access).
#[tracing::instrument(skip_all, fields(plan_id = %id))]
pub async fn get(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
) -> Result<action_plan::Model, ServiceError> {
    audit::read(
        db,
        viewer,
        "actionPlan",
        Target::many(vec![id]),
        async |db| {
            let p = find(db, viewer, Access::Clinical, id).await?;
            let t = target(&p);
            Ok((p, t))
        },
    )
    .await
}

/// Creates an action plan for a goal (care team or client); its first revision is
/// version 1.
#[tracing::instrument(skip_all, fields(goal_id = %goal_id))]
pub async fn create(
    db: &DatabaseConnection,
    viewer: &Viewer,
    goal_id: Uuid,
    new: PlanContent,
) -> Result<action_plan::Model, ServiceError> {
    audit::write(
        db,
        viewer,
        "createActionPlan",
        Target::many(vec![goal_id]),
        async |txn| {
            let g = goals::find(txn, viewer, Access::ClinicalWrite, goal_id).await?;
            if matches!(
                GoalStatus::parse(&g.status),
                Some(GoalStatus::Declined | GoalStatus::Abandoned | GoalStatus::Achieved)
            ) {
                return Err(ServiceError::Conflict(format!(
                    "the goal is {}; plans are made for open goals",
                    g.status
                )));
            }
            let now = Utc::now();
            if let Some(d) = new.review_on {
                not_past_date(
                    d,
                    &clients::timezone_of(txn, g.client_id).await?,
                    "input.reviewOn",
                    now,
                )?;
            }
            let count = action_plan::Entity::find()
                .filter(action_plan::Column::GoalId.eq(goal_id))
                .count(txn)
                .await?;
            if count >= PLANS_PER_GOAL_MAX {
                return Err(ServiceError::Conflict(format!(
                    "a goal can have at most {PLANS_PER_GOAL_MAX} action plans; revise one instead"
                )));
            }
            let (actions, obstacles) = new.to_json()?;
            let plan = action_plan::Entity::insert(action_plan::ActiveModel {
                id: Set(Uuid::now_v7()),
                practice_id: Set(viewer.practice_id),
                client_id: Set(g.client_id),
                goal_id: Set(goal_id),
                title: Set(new.title.clone()),
                actions: Set(actions),
                obstacles: Set(obstacles),
                review_on: Set(new.review_on),
                version: Set(1),
                created_by: Set(viewer.id),
                created_at: Set(now),
                updated_at: Set(now),
            })
            .exec_with_returning(txn)
            .await?;
            add_revision(
                txn,
                viewer,
                &plan,
                None,
                &["title", "actions", "obstacles", "reviewOn"],
            )
            .await?;
            events::client_event(
                txn,
                viewer,
                plan.client_id,
                plan.id,
                EventKind::PlanCreated,
                serde_json::json!({ "planId": plan.id, "goalId": goal_id, "version": 1 }),
            )
            .await?;
            let t = target(&plan);
            Ok((plan, t))
        },
    )
    .await
}

/// A revision of a plan; `None` leaves a part as it is. Action and obstacle lists replace
/// the old ones whole (entries keep their ids when sent with them).
pub struct PlanChanges {
    pub title: Option<String>,
    pub actions: Option<Vec<super::domain::Keyed<super::domain::Action>>>,
    pub obstacles: Option<Vec<super::domain::Keyed<super::domain::Obstacle>>>,
    pub review_on: Option<Option<NaiveDate>>,
}

/// Revises a plan, if it is still at `expected_version`, keeping the old version as a
/// revision with who, when and why.
#[tracing::instrument(skip_all, fields(plan_id = %id))]
pub async fn revise(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
    expected_version: i32,
    reason: String,
    changes: PlanChanges,
) -> Result<action_plan::Model, ServiceError> {
    use super::domain::assign_ids;
    audit::write(
        db,
        viewer,
        "reviseActionPlan",
        Target::many(vec![id]),
        async |txn| {
            let current = find(txn, viewer, Access::ClinicalWrite, id).await?;
            expect_version(Some(expected_version), current.version, "action plan")?;
            let old = content(&current)?;
            let mut new = old.clone();
            if let Some(t) = changes.title {
                new.title = t;
            }
            if let Some(actions) = changes.actions {
                let ids: Vec<Uuid> = old.actions.iter().map(|a| a.id).collect();
                new.actions = assign_ids(actions, &ids, "input.actions", |a, id| a.id = id)?;
            }
            if let Some(obstacles) = changes.obstacles {
                let ids: Vec<Uuid> = old.obstacles.iter().map(|o| o.id).collect();
                new.obstacles =
                    assign_ids(obstacles, &ids, "input.obstacles", |o, id| o.id = id)?;
            }
            let now = Utc::now();
            if let Some(review_on) = changes.review_on {
                if let Some(d) = review_on
                    && Some(d) != old.review_on
                {
                    not_past_date(
                        d,
                        &clients::timezone_of(txn, current.client_id).await?,
                        "input.reviewOn",
                        now,
                    )?;
                }
                new.review_on = review_on;
            }
            let changed = new.changed_fields(&old);
            if changed.is_empty() {
                return Err(ServiceError::bad_input(
                    "input",
                    "changes nothing: give at least one of title, actions, obstacles, reviewOn with a new value",
                ));
            }
            let (actions, obstacles) = new.to_json()?;
            let am = action_plan::ActiveModel {
                title: Set(new.title.clone()),
                actions: Set(actions),
                obstacles: Set(obstacles),
                review_on: Set(new.review_on),
                updated_at: Set(now),
                ..Default::default()
            };
            let plan = update_versioned::<action_plan::Entity>(
                txn,
                action_plan::Column::Id,
                action_plan::Column::Version,
                id,
                current.version,
                am,
                "action plan",
            )
            .await?;
            add_revision(txn, viewer, &plan, Some(reason.clone()), &changed).await?;
            events::client_event(
                txn,
                viewer,
                plan.client_id,
                plan.id,
                EventKind::PlanRevised,
                serde_json::json!({ "planId": plan.id, "version": plan.version, "fields": changed }),
            )
            .await?;
            let t = target(&plan);
            Ok((plan, t))
        },
    )
    .await
}

/// `ActionPlan.revisions`: every version of each plan, oldest first.
pub struct Revisions;

impl Batch for Revisions {
    type Args = ();
    type Value = Vec<action_plan_revision::Model>;
    const AUDIT: Option<&'static str> = Some("ActionPlan.revisions");

    async fn fetch(
        db: &DatabaseConnection,
        viewer: &Viewer,
        keys: &[Uuid],
        _: &(),
    ) -> Result<HashMap<Uuid, Self::Value>, ServiceError> {
        let visible_plans = Query::select()
            .column(action_plan::Column::Id)
            .from(action_plan::Entity)
            .cond_where(scope(viewer, Access::Clinical)?)
            .to_owned();
        let select = action_plan_revision::Entity::find()
            .filter(action_plan_revision::Column::PracticeId.eq(viewer.practice_id))
            .filter(action_plan_revision::Column::PlanId.is_in(keys.iter().copied()))
            .filter(action_plan_revision::Column::PlanId.in_subquery(visible_plans));
        // The latest REVISIONS_LISTED per plan, oldest of them first.
        let rows = batch::firsts(
            db,
            select,
            action_plan_revision::Column::PlanId,
            &[(action_plan_revision::Column::Version, sea_orm::Order::Desc)],
            REVISIONS_LISTED,
        )
        .await?;
        let mut grouped = batch::group(keys, rows, |r| r.plan_id);
        grouped.values_mut().for_each(|v| v.reverse());
        Ok(grouped)
    }

    fn touched(rows: &Self::Value, out: &mut Vec<Uuid>) {
        out.extend(rows.iter().map(|r| r.id));
    }
}

/// An obstacle met, parsed.
pub struct NewObstacleLog {
    pub plan_id: Uuid,
    pub obstacle_id: Option<Uuid>,
    pub kind: Option<ObstacleKind>,
    pub occurred_at: DateTime<Utc>,
    pub coping_used: bool,
    pub helped: Option<i32>,
    pub note: Option<String>,
}

/// Records an obstacle met while working a plan (client or care team).
#[tracing::instrument(skip_all, fields(plan_id = %new.plan_id))]
pub async fn log_obstacle(
    db: &DatabaseConnection,
    viewer: &Viewer,
    new: NewObstacleLog,
) -> Result<obstacle_log::Model, ServiceError> {
    audit::write(
        db,
        viewer,
        "logObstacle",
        Target::many(vec![new.plan_id]),
        async |txn| {
            let plan = find(txn, viewer, Access::ClinicalWrite, new.plan_id).await?;
            let kind = match new.obstacle_id {
                Some(oid) => {
                    let planned = content(&plan)?
                        .obstacles
                        .into_iter()
                        .find(|o| o.id == oid)
                        .ok_or_else(|| {
                            ServiceError::bad_input(
                                "input.obstacleId",
                                "is not an obstacle of this plan",
                            )
                        })?;
                    if new.kind.is_some_and(|k| k != planned.kind) {
                        return Err(ServiceError::bad_input(
                            "input.kind",
                            "differs from the kind of the obstacle named by obstacleId",
                        ));
                    }
                    planned.kind
                }
                None => new.kind.ok_or_else(|| {
                    ServiceError::bad_input("input.kind", "is required without obstacleId")
                })?,
            };
            let row = obstacle_log::Entity::insert(obstacle_log::ActiveModel {
                id: Set(Uuid::now_v7()),
                practice_id: Set(viewer.practice_id),
                client_id: Set(plan.client_id),
                plan_id: Set(plan.id),
                obstacle_id: Set(new.obstacle_id),
                kind: Set(kind.as_str().to_owned()),
                occurred_at: Set(new.occurred_at),
                coping_used: Set(new.coping_used),
                helped: Set(new.helped),
                note: Set(new.note.clone()),
                recorded_by: Set(viewer.id),
                recorded_by_role: Set(viewer.role().as_str().to_owned()),
                created_at: Set(Utc::now()),
            })
            .exec_with_returning(txn)
            .await?;
            events::client_event(
                txn,
                viewer,
                plan.client_id,
                row.id,
                EventKind::ObstacleLogged,
                serde_json::json!({ "planId": plan.id, "obstacleLogId": row.id, "kind": row.kind, "copingUsed": row.coping_used }),
            )
            .await?;
            let t = target(&plan).with(row.id);
            Ok((row, t))
        },
    )
    .await
}

/// How one kind of obstacle went.
#[derive(Debug, Clone, PartialEq)]
pub struct ObstacleKindSummary {
    pub kind: ObstacleKind,
    pub occurrences: i64,
    pub coping_used: i64,
    /// Mean of `helped` over the entries that rated it.
    pub mean_helpfulness: Option<f64>,
}

/// `Client.obstacleSummary(since)`: per obstacle kind, how often it was met, how often the
/// coping plan was used, and how much it helped, for each client (every kind listed).
pub struct ObstacleSummaries;

impl Batch for ObstacleSummaries {
    type Args = Option<DateTime<Utc>>;
    type Value = Vec<ObstacleKindSummary>;
    const AUDIT: Option<&'static str> = Some("Client.obstacleSummary");

    async fn fetch(
        db: &DatabaseConnection,
        viewer: &Viewer,
        keys: &[Uuid],
        since: &Self::Args,
    ) -> Result<HashMap<Uuid, Self::Value>, ServiceError> {
        let visible = scope::visible_ids(viewer, Access::Clinical)?;
        obstacle_counts_of(db, viewer.practice_id, keys, Some(visible), *since, None).await
    }
}

/// What [`ObstacleSummaries`] computes for one client, for obstacles met from `since` to
/// `until` (both optional, both included), in one statement. The caller has checked that
/// the viewer may read the client clinically.
pub async fn obstacle_counts(
    conn: &impl ConnectionTrait,
    practice_id: Uuid,
    client_id: Uuid,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
) -> Result<Vec<ObstacleKindSummary>, ServiceError> {
    Ok(
        obstacle_counts_of(conn, practice_id, &[client_id], None, since, until)
            .await?
            .remove(&client_id)
            .unwrap_or_default(),
    )
}

/// Obstacle figures of many clients (limited to `visible` when given) in one statement.
async fn obstacle_counts_of(
    conn: &impl ConnectionTrait,
    practice_id: Uuid,
    client_ids: &[Uuid],
    visible: Option<sea_orm::sea_query::SelectStatement>,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
) -> Result<HashMap<Uuid, Vec<ObstacleKindSummary>>, ServiceError> {
    let mut q = obstacle_log::Entity::find()
        .select_only()
        .column(obstacle_log::Column::ClientId)
        .column(obstacle_log::Column::Kind)
        .column_as(sql::count_all(), "occurrences")
        .column_as(
            sql::count_if(Condition::all().add(Expr::col(obstacle_log::Column::CopingUsed))),
            "coping_used",
        )
        .column_as(
            sql::mean(Expr::col(obstacle_log::Column::Helped)),
            "mean_helpfulness",
        )
        .filter(obstacle_log::Column::PracticeId.eq(practice_id))
        .filter(obstacle_log::Column::ClientId.is_in(client_ids.iter().copied()));
    if let Some(visible) = visible {
        q = q.filter(obstacle_log::Column::ClientId.in_subquery(visible));
    }
    if let Some(since) = since {
        q = q.filter(obstacle_log::Column::OccurredAt.gte(since));
    }
    if let Some(until) = until {
        q = q.filter(obstacle_log::Column::OccurredAt.lte(until));
    }
    let rows: Vec<(Uuid, String, i64, i64, Option<f64>)> = q
        .group_by(obstacle_log::Column::ClientId)
        .group_by(obstacle_log::Column::Kind)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(client_ids
        .iter()
        .map(|client| {
            let summary = ObstacleKind::ALL
                .into_iter()
                .map(|kind| {
                    let row = rows.iter().find(|r| r.0 == *client && r.1 == kind.as_str());
                    ObstacleKindSummary {
                        kind,
                        occurrences: row.map_or(0, |r| r.2),
                        coping_used: row.map_or(0, |r| r.3),
                        mean_helpfulness: row.and_then(|r| r.4),
                    }
                })
                .collect();
            (*client, summary)
        })
        .collect())
}

// ---- batch reads for the DataLoaders (scope in the SQL, one statement each) ----

/// The plans of many goals, oldest first.
pub async fn plans_of_goals(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    goal_ids: &[Uuid],
) -> Result<Vec<action_plan::Model>, ServiceError> {
    Ok(action_plan::Entity::find()
        .filter(scope(viewer, Access::Clinical)?)
        .filter(action_plan::Column::GoalId.is_in(goal_ids.to_vec()))
        .order_by_asc(action_plan::Column::CreatedAt)
        .order_by_asc(action_plan::Column::Id)
        .all(db)
        .await?)
}

/// The plans of many clients, oldest first.
pub async fn plans_of_clients(
    db: &DatabaseConnection,
    viewer: &Viewer,
    client_ids: &[Uuid],
) -> Result<Vec<action_plan::Model>, ServiceError> {
    Ok(action_plan::Entity::find()
        .filter(scope(viewer, Access::Clinical)?)
        .filter(action_plan::Column::ClientId.is_in(client_ids.to_vec()))
        .order_by_asc(action_plan::Column::CreatedAt)
        .order_by_asc(action_plan::Column::Id)
        .all(db)
        .await?)
}

/// `Goal.actionPlans`: each goal's plans, oldest first.
pub struct PlansOfGoals;

impl Batch for PlansOfGoals {
    type Args = ();
    type Value = Vec<action_plan::Model>;
    const AUDIT: Option<&'static str> = Some("Goal.actionPlans");

    async fn fetch(
        db: &DatabaseConnection,
        viewer: &Viewer,
        keys: &[Uuid],
        _: &(),
    ) -> Result<HashMap<Uuid, Self::Value>, ServiceError> {
        let rows = plans_of_goals(db, viewer, keys).await?;
        Ok(batch::group(keys, rows, |p| p.goal_id))
    }
}

/// `Client.actionPlans` lists at most this many plans (the oldest); `Goal.actionPlans` has
/// every plan of a goal.
pub const PLANS_PER_CLIENT_LISTED: u64 = 200;

/// `ActionPlan.revisions` lists at most this many (the latest).
pub const REVISIONS_LISTED: u64 = 100;

/// `Client.actionPlans`: the plans of all of each client's goals, oldest first (at most
/// [`PLANS_PER_CLIENT_LISTED`]).
pub struct PlansOfClients;

impl Batch for PlansOfClients {
    type Args = ();
    type Value = Vec<action_plan::Model>;
    const AUDIT: Option<&'static str> = Some("Client.actionPlans");

    async fn fetch(
        db: &DatabaseConnection,
        viewer: &Viewer,
        keys: &[Uuid],
        _: &(),
    ) -> Result<HashMap<Uuid, Self::Value>, ServiceError> {
        let select = action_plan::Entity::find()
            .filter(scope(viewer, Access::Clinical)?)
            .filter(action_plan::Column::ClientId.is_in(keys.to_vec()));
        let rows = batch::firsts(
            db,
            select,
            action_plan::Column::ClientId,
            &[
                (action_plan::Column::CreatedAt, sea_orm::Order::Asc),
                (action_plan::Column::Id, sea_orm::Order::Asc),
            ],
            PLANS_PER_CLIENT_LISTED,
        )
        .await?;
        Ok(batch::group(keys, rows, |p| p.client_id))
    }
}
