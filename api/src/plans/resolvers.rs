//! Action plan queries and mutations: thin — guard, parse, call the service, map.

use async_graphql::{Context, ID, MaybeUndefined, Object};
use chrono::Utc;

use super::{
    domain::{
        self, ACTIONS_MAX, COPING_MAX, CUE_MAX, DESCRIPTION_MAX, Keyed, OBSTACLES_MAX, PlanContent,
        REASON_MAX, TITLE_MAX, WHAT_MAX, assign_ids,
    },
    service::{self, NewObstacleLog, PlanChanges},
    types::*,
};
use crate::{
    error::{GqlResult, ServiceError},
    graphql::context,
    values::{
        LONG_TEXT_MAX, happened_at, not_null, optional_text, parse_id, rating, required_text,
    },
};

/// Action plan queries.
#[derive(Default)]
pub struct PlansQuery;

#[Object]
impl PlansQuery {
    /// One action plan. `NOT_FOUND` when it does not exist or the viewer may not see it.
    async fn action_plan(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The plan's id.")] id: ID,
    ) -> GqlResult<Option<ActionPlan>> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let id = parse_id(&id, "id")?;
        Ok(Some(service::get(&state.db, viewer, id).await?.into()))
    }
}

/// Action plan mutations.
#[derive(Default)]
pub struct PlansMutation;

fn keyed_id(id: Option<&ID>, field: &str) -> Result<Option<uuid::Uuid>, ServiceError> {
    id.map(|id| parse_id(id, field)).transpose()
}

fn parse_actions(
    input: Vec<ActionInput>,
    field: &str,
) -> Result<Vec<Keyed<domain::Action>>, ServiceError> {
    if input.is_empty() || input.len() > ACTIONS_MAX {
        return Err(ServiceError::bad_input(
            field,
            format!("must have 1 to {ACTIONS_MAX} actions"),
        ));
    }
    input
        .into_iter()
        .enumerate()
        .map(|(i, a)| {
            let at = |f: &str| format!("{field}.{i}.{f}");
            Ok(Keyed {
                id: keyed_id(a.id.as_ref(), &at("id"))?,
                item: domain::Action {
                    id: uuid::Uuid::nil(),
                    what: required_text(&a.what, &at("what"), WHAT_MAX)?,
                    recurrence: a.recurrence.parse(&at("recurrence"))?,
                    time_of_day: a
                        .time_of_day
                        .as_deref()
                        .map(|t| domain::time_of_day(t, &at("timeOfDay")))
                        .transpose()?,
                    where_or_cue: optional_text(
                        a.where_or_cue.as_deref(),
                        &at("whereOrCue"),
                        CUE_MAX,
                    )?,
                    duration_minutes: a
                        .duration_minutes
                        .map(|m| domain::duration(m, &at("durationMinutes")))
                        .transpose()?,
                },
            })
        })
        .collect()
}

fn parse_obstacles(
    input: Vec<ObstacleInput>,
    field: &str,
) -> Result<Vec<Keyed<domain::Obstacle>>, ServiceError> {
    if input.len() > OBSTACLES_MAX {
        return Err(ServiceError::bad_input(
            field,
            format!("must have at most {OBSTACLES_MAX} obstacles"),
        ));
    }
    input
        .into_iter()
        .enumerate()
        .map(|(i, o)| {
            let at = |f: &str| format!("{field}.{i}.{f}");
            Ok(Keyed {
                id: keyed_id(o.id.as_ref(), &at("id"))?,
                item: domain::Obstacle {
                    id: uuid::Uuid::nil(),
                    kind: o.kind.into(),
                    description: required_text(
                        &o.description,
                        &at("description"),
                        DESCRIPTION_MAX,
                    )?,
                    coping_plan: required_text(&o.coping_plan, &at("copingPlan"), COPING_MAX)?,
                },
            })
        })
        .collect()
}

#[Object]
impl PlansMutation {
    /// Makes an action plan for a goal (care team or client).
    async fn create_action_plan(
        &self,
        ctx: &Context<'_>,
        input: CreateActionPlanInput,
    ) -> GqlResult<ActionPlanPayload> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let goal_id = parse_id(&input.goal_id, "input.goalId")?;
        let content = PlanContent {
            title: required_text(&input.title, "input.title", TITLE_MAX)?,
            actions: assign_ids(
                parse_actions(input.actions, "input.actions")?,
                &[],
                "input.actions",
                |a, id| a.id = id,
            )?,
            obstacles: assign_ids(
                parse_obstacles(input.obstacles.unwrap_or_default(), "input.obstacles")?,
                &[],
                "input.obstacles",
                |o, id| o.id = id,
            )?,
            review_on: input.review_on,
        };
        let plan = service::create(&state.db, viewer, goal_id, content).await?;
        Ok(ActionPlanPayload { plan: plan.into() })
    }

    /// Revises a plan, if `expectedVersion` is still current. The earlier version stays in
    /// `revisions` with who changed what, when, and the `reason`.
    async fn revise_action_plan(
        &self,
        ctx: &Context<'_>,
        input: ReviseActionPlanInput,
    ) -> GqlResult<ActionPlanPayload> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let id = parse_id(&input.plan_id, "input.planId")?;
        let reason = required_text(&input.reason, "input.reason", REASON_MAX)?;
        let changes = PlanChanges {
            title: not_null(input.title, "input.title", |t| {
                required_text(&t, "input.title", TITLE_MAX)
            })?,
            actions: not_null(input.actions, "input.actions", |a| {
                parse_actions(a, "input.actions")
            })?,
            obstacles: not_null(input.obstacles, "input.obstacles", |o| {
                parse_obstacles(o, "input.obstacles")
            })?,
            review_on: match input.review_on {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(d) => Some(Some(d)),
            },
        };
        let plan = service::revise(
            &state.db,
            viewer,
            id,
            input.expected_version,
            reason,
            changes,
        )
        .await?;
        Ok(ActionPlanPayload { plan: plan.into() })
    }

    /// Records an obstacle met while working a plan, whether the coping plan was used, and
    /// how much it helped (client or care team).
    async fn log_obstacle(
        &self,
        ctx: &Context<'_>,
        input: LogObstacleInput,
    ) -> GqlResult<LogObstaclePayload> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let helped = input
            .helped
            .map(|h| rating(h, "input.helped"))
            .transpose()?;
        if helped.is_some() && !input.coping_used {
            return Err(ServiceError::bad_input(
                "input.helped",
                "rates the coping plan, so it is only given when copingUsed is true",
            )
            .into());
        }
        let new = NewObstacleLog {
            plan_id: parse_id(&input.plan_id, "input.planId")?,
            obstacle_id: keyed_id(input.obstacle_id.as_ref(), "input.obstacleId")?,
            kind: input.kind.map(Into::into),
            occurred_at: happened_at(input.occurred_at, "input.occurredAt", Utc::now())?,
            coping_used: input.coping_used,
            helped,
            note: optional_text(input.note.as_deref(), "input.note", LONG_TEXT_MAX)?,
        };
        let entry = service::log_obstacle(&state.db, viewer, new).await?;
        Ok(LogObstaclePayload {
            entry: entry.into(),
        })
    }
}
