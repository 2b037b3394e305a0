//! Goal queries and mutations: thin — guard, parse, call the service, map.

use async_graphql::{Context, ID, MaybeUndefined, Object};
use chrono::Utc;

use super::{
    domain::{
        GoalChanges, GoalPriority, MEASURE_MAX, Measure, NewGoal, REASON_MAX, StepStatus,
        TITLE_MAX, UNIT_MAX,
    },
    service::{self, NewProgress},
    steps::{self, StepChanges},
    types::*,
};
use crate::{
    error::{GqlResult, ServiceError},
    graphql::context,
    values::{
        LONG_TEXT_MAX, happened_at, maybe, not_null, optional_text, parse_id, rating,
        required_free_text, required_text,
    },
};

/// Goal queries.
#[derive(Default)]
pub struct GoalsQuery;

#[Object]
impl GoalsQuery {
    /// One goal. `NOT_FOUND` when it does not exist or the viewer may not see it.
    async fn goal(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The goal's id.")] id: ID,
    ) -> GqlResult<Option<Goal>> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let id = parse_id(&id, "id")?;
        Ok(Some(service::get(&state.db, viewer, id).await?.into()))
    }
}

/// Goal mutations.
#[derive(Default)]
pub struct GoalsMutation;

fn text(v: Option<String>, field: &str, max: usize) -> Result<Option<String>, ServiceError> {
    optional_text(v.as_deref(), field, max)
}

fn reason(raw: Option<&str>, field: &str) -> Result<Option<String>, ServiceError> {
    optional_text(raw, field, REASON_MAX)
}

#[Object]
impl GoalsMutation {
    /// Sets a goal for a client. The care team's goals start ACTIVE; a client's own
    /// start PROPOSED until the care team accepts or declines them.
    async fn create_goal(
        &self,
        ctx: &Context<'_>,
        input: CreateGoalInput,
    ) -> GqlResult<GoalPayload> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let new = NewGoal {
            id: input
                .id
                .as_ref()
                .map(|id| parse_id(id, "input.id"))
                .transpose()?,
            client_id: parse_id(&input.client_id, "input.clientId")?,
            title: required_text(&input.title, "input.title", TITLE_MAX)?,
            description: text(input.description, "input.description", LONG_TEXT_MAX)?,
            measure: Measure {
                measure: text(input.measure, "input.measure", MEASURE_MAX)?,
                baseline: input.baseline,
                target: input.target,
                unit: text(input.unit, "input.unit", UNIT_MAX)?,
            }
            .check("input")?,
            target_date: input.target_date,
            confidence: input
                .confidence
                .map(|c| rating(c, "input.confidence"))
                .transpose()?,
            why_it_matters: text(input.why_it_matters, "input.whyItMatters", LONG_TEXT_MAX)?,
            priority: input.priority.map_or(GoalPriority::Medium, Into::into),
        };
        let goal = service::create(&state.db, viewer, new).await?;
        Ok(GoalPayload { goal: goal.into() })
    }

    /// Changes a goal, if `expectedVersion` is still current. Client and care team alike.
    async fn update_goal(
        &self,
        ctx: &Context<'_>,
        input: UpdateGoalInput,
    ) -> GqlResult<GoalPayload> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let id = parse_id(&input.id, "input.id")?;
        let opt_text = |v: MaybeUndefined<String>, field: &str, max: usize| {
            Ok::<_, ServiceError>(match v {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(s) => Some(optional_text(Some(&s), field, max)?),
            })
        };
        let changes = GoalChanges {
            title: not_null(input.title, "input.title", |t| {
                required_text(&t, "input.title", TITLE_MAX)
            })?,
            description: opt_text(input.description, "input.description", LONG_TEXT_MAX)?,
            measure: opt_text(input.measure, "input.measure", MEASURE_MAX)?,
            baseline: maybe(input.baseline, Ok)?,
            target: maybe(input.target, Ok)?,
            unit: opt_text(input.unit, "input.unit", UNIT_MAX)?,
            target_date: maybe(input.target_date, Ok)?,
            confidence: maybe(input.confidence, |c| rating(c, "input.confidence"))?,
            why_it_matters: opt_text(input.why_it_matters, "input.whyItMatters", LONG_TEXT_MAX)?,
            priority: not_null(input.priority, "input.priority", |p| Ok(p.into()))?,
        };
        let goal = service::update(&state.db, viewer, id, input.expected_version, changes).await?;
        Ok(GoalPayload { goal: goal.into() })
    }

    /// Accepts a client's PROPOSED goal (→ ACTIVE). The care team only: a client gets
    /// `FORBIDDEN`.
    async fn accept_goal(
        &self,
        ctx: &Context<'_>,
        input: AcceptGoalInput,
    ) -> GqlResult<GoalPayload> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let id = parse_id(&input.goal_id, "input.goalId")?;
        let goal = service::accept(&state.db, viewer, id, input.expected_version).await?;
        Ok(GoalPayload { goal: goal.into() })
    }

    /// Declines a client's PROPOSED goal (→ DECLINED) with a reason the client can read.
    /// The care team only.
    async fn decline_goal(
        &self,
        ctx: &Context<'_>,
        input: DeclineGoalInput,
    ) -> GqlResult<GoalPayload> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let id = parse_id(&input.goal_id, "input.goalId")?;
        let why = required_free_text(&input.reason, "input.reason", REASON_MAX)?;
        let goal = service::decline(&state.db, viewer, id, input.expected_version, why).await?;
        Ok(GoalPayload { goal: goal.into() })
    }

    /// Moves a goal to ACTIVE, ON_HOLD, ACHIEVED (sets `achievedAt`) or ABANDONED (needs a
    /// reason). A PROPOSED goal is accepted or declined instead.
    async fn set_goal_status(
        &self,
        ctx: &Context<'_>,
        input: SetGoalStatusInput,
    ) -> GqlResult<GoalPayload> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let id = parse_id(&input.goal_id, "input.goalId")?;
        let why = reason(input.reason.as_deref(), "input.reason")?;
        let goal = service::set_status(
            &state.db,
            viewer,
            id,
            input.status.into(),
            why,
            input.expected_version,
        )
        .await?;
        Ok(GoalPayload { goal: goal.into() })
    }

    /// Adds a step at the end of a goal's steps (at most 50).
    async fn add_goal_step(
        &self,
        ctx: &Context<'_>,
        input: AddGoalStepInput,
    ) -> GqlResult<GoalStepPayload> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let goal_id = parse_id(&input.goal_id, "input.goalId")?;
        let title = required_text(&input.title, "input.title", TITLE_MAX)?;
        let step = steps::add_step(&state.db, viewer, goal_id, title, input.due_on).await?;
        Ok(GoalStepPayload { step: step.into() })
    }

    /// Changes a step's title or due date, if `expectedVersion` is still current.
    async fn update_goal_step(
        &self,
        ctx: &Context<'_>,
        input: UpdateGoalStepInput,
    ) -> GqlResult<GoalStepPayload> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let id = parse_id(&input.step_id, "input.stepId")?;
        let changes = StepChanges {
            title: not_null(input.title, "input.title", |t| {
                required_text(&t, "input.title", TITLE_MAX)
            })?,
            due_on: maybe(input.due_on, Ok)?,
        };
        let step =
            steps::update_step(&state.db, viewer, id, input.expected_version, changes).await?;
        Ok(GoalStepPayload { step: step.into() })
    }

    /// Puts a goal's steps in the given order; `stepIds` must name every step once.
    async fn reorder_goal_steps(
        &self,
        ctx: &Context<'_>,
        input: ReorderGoalStepsInput,
    ) -> GqlResult<ReorderGoalStepsPayload> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let goal_id = parse_id(&input.goal_id, "input.goalId")?;
        let ids = input
            .step_ids
            .iter()
            .map(|id| parse_id(id, "input.stepIds"))
            .collect::<Result<_, _>>()?;
        let steps = steps::reorder_steps(&state.db, viewer, goal_id, ids).await?;
        Ok(ReorderGoalStepsPayload {
            steps: steps.into_iter().map(GoalStep::from).collect(),
        })
    }

    /// Marks a step DONE. Completing a done step changes nothing.
    async fn complete_goal_step(
        &self,
        ctx: &Context<'_>,
        input: GoalStepInput,
    ) -> GqlResult<GoalStepPayload> {
        step_status(ctx, input, StepStatus::Done).await
    }

    /// Marks a DONE step OPEN again. Reopening an open step changes nothing.
    async fn reopen_goal_step(
        &self,
        ctx: &Context<'_>,
        input: GoalStepInput,
    ) -> GqlResult<GoalStepPayload> {
        step_status(ctx, input, StepStatus::Open).await
    }

    /// Records a value of a goal's measure (care team or client). The goal needs a target.
    async fn record_goal_progress(
        &self,
        ctx: &Context<'_>,
        input: RecordGoalProgressInput,
    ) -> GqlResult<RecordGoalProgressPayload> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        if !input.value.is_finite() {
            return Err(ServiceError::bad_input("input.value", "must be a finite number").into());
        }
        let new = NewProgress {
            goal_id: parse_id(&input.goal_id, "input.goalId")?,
            value: input.value,
            note: optional_text(input.note.as_deref(), "input.note", LONG_TEXT_MAX)?,
            recorded_at: happened_at(input.recorded_at, "input.recordedAt", Utc::now())?,
        };
        let (goal, entry) = service::record_progress(&state.db, viewer, new).await?;
        Ok(RecordGoalProgressPayload {
            entry: entry.into(),
            goal: goal.into(),
        })
    }
}

async fn step_status(
    ctx: &Context<'_>,
    input: GoalStepInput,
    to: StepStatus,
) -> GqlResult<GoalStepPayload> {
    let viewer = context::viewer(ctx)?;
    let state = context::state(ctx)?;
    let id = parse_id(&input.step_id, "input.stepId")?;
    let step = steps::set_step_status(&state.db, viewer, id, to).await?;
    Ok(GoalStepPayload { step: step.into() })
}
