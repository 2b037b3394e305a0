//! GraphQL types of goals, steps and progress.

use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};

use super::domain::{self, GoalPriority, GoalStatus, ProgressBasis, StepStatus};
use crate::{
    accounts::types::UserRole,
    auth::Role,
    error::GqlResult,
    graphql::{
        loaders::{load, load_visible},
        pagination::{Conn, connection, encode_cursor, paged},
    },
    plans::types::ActionPlan,
    values::local_today,
};

/// Where a goal is in its life.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "super::domain::GoalStatus")]
pub enum GoalStatusValue {
    /// Suggested by the client; waits for the care team to accept or decline it.
    Proposed,
    /// Being worked on.
    Active,
    /// Paused for now (e.g. another goal comes first).
    OnHold,
    /// Reached; `achievedAt` says when.
    Achieved,
    /// Given up, with a reason.
    Abandoned,
    /// A proposal the care team declined, with a reason the client can read.
    Declined,
}

/// The statuses `setGoalStatus` can move a goal to.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettableGoalStatus {
    /// Work on it (again).
    Active,
    /// Pause it.
    OnHold,
    /// It was reached; sets `achievedAt`.
    Achieved,
    /// Give it up; needs a `reason`.
    Abandoned,
}

impl From<SettableGoalStatus> for GoalStatus {
    fn from(s: SettableGoalStatus) -> Self {
        match s {
            SettableGoalStatus::Active => Self::Active,
            SettableGoalStatus::OnHold => Self::OnHold,
            SettableGoalStatus::Achieved => Self::Achieved,
            SettableGoalStatus::Abandoned => Self::Abandoned,
        }
    }
}

/// How much a goal matters now, relative to the client's other goals.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "super::domain::GoalPriority")]
pub enum GoalPriorityValue {
    /// Can wait.
    Low,
    /// The default.
    Medium,
    /// Comes first.
    High,
}

/// Whether a step is still to do.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "super::domain::StepStatus")]
pub enum StepStatusValue {
    /// Still to do.
    Open,
    /// Done; `completedAt` says when.
    Done,
}

/// What a goal's `progress` is computed from.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "super::domain::ProgressBasis")]
pub enum ProgressBasisValue {
    /// From the baseline towards the target, using the latest recorded value.
    Measure,
    /// The share of completed steps (the goal has no baseline and target).
    Steps,
    /// Neither a measure nor steps yet: progress is 0.
    None,
}

/// Who made a record or a change.
#[derive(SimpleObject)]
pub struct Author {
    /// The user (or, for an integrator, the API credential) id.
    pub id: ID,
    /// Their role at the time.
    pub role: Option<UserRole>,
}

impl Author {
    pub fn new(id: uuid::Uuid, role: &str) -> Self {
        Self {
            id: ID(id.to_string()),
            role: Role::parse(role).map(Into::into),
        }
    }
}

/// One SMART criterion of a goal.
#[derive(SimpleObject)]
pub struct SmartCriterion {
    /// Whether the goal meets it.
    pub met: bool,
    /// When not met: one line on what to add or change.
    pub hint: Option<String>,
}

impl From<domain::Criterion> for SmartCriterion {
    fn from(c: domain::Criterion) -> Self {
        Self {
            met: c.met,
            hint: c.hint.map(str::to_owned),
        }
    }
}

/// The SMART check of a goal, for coaching a client to complete it.
#[derive(SimpleObject)]
pub struct SmartCheck {
    /// Specific: the description says what, where and when.
    pub specific: SmartCriterion,
    /// Measurable: a measure, a target and a unit.
    pub measurable: SmartCriterion,
    /// Achievable: the client's confidence is at least 7 of 10.
    pub achievable: SmartCriterion,
    /// Relevant: why it matters to the client is written down.
    pub relevant: SmartCriterion,
    /// Time-bound: a target date that has not passed.
    pub time_bound: SmartCriterion,
    /// How many of the five are met.
    pub met_count: i32,
}

/// A SMART goal of a client.
pub struct Goal {
    pub model: entity::goal::Model,
}

impl From<entity::goal::Model> for Goal {
    fn from(model: entity::goal::Model) -> Self {
        Self { model }
    }
}

impl Goal {
    async fn steps_loaded(&self, ctx: &Context<'_>) -> GqlResult<Vec<entity::goal_step::Model>> {
        load_visible::<super::steps::StepsOfGoals>(ctx, self.model.id, ()).await
    }
}

/// A SMART goal of a client.
#[Object]
impl Goal {
    /// The goal's id.
    async fn id(&self) -> ID {
        ID(self.model.id.to_string())
    }
    /// The client whose goal it is.
    async fn client_id(&self) -> ID {
        ID(self.model.client_id.to_string())
    }
    /// A short name, e.g. "Walk after lunch".
    async fn title(&self) -> &str {
        &self.model.title
    }
    /// Specific: what exactly, where, when, with whom.
    async fn description(&self) -> Option<&str> {
        self.model.description.as_deref()
    }
    /// Measurable: what is counted, e.g. "panic attacks".
    async fn measure(&self) -> Option<&str> {
        self.model.measure.as_deref()
    }
    /// Where the measure stood when the goal was set.
    async fn baseline(&self) -> Option<f64> {
        self.model.baseline
    }
    /// The value aimed for; may be below the baseline ("from 5 to 1 a week").
    async fn target(&self) -> Option<f64> {
        self.model.target
    }
    /// The unit of baseline, target and recorded values, e.g. "per week".
    async fn unit(&self) -> Option<&str> {
        self.model.unit.as_deref()
    }
    /// Time-bound: the date (in the client's time zone) to reach it by.
    async fn target_date(&self) -> Option<NaiveDate> {
        self.model.target_date
    }
    /// Achievable: the client's confidence, 0 to 10, that they can do it.
    async fn confidence(&self) -> Option<i32> {
        self.model.confidence
    }
    /// Relevant: why it matters to the client.
    async fn why_it_matters(&self) -> Option<&str> {
        self.model.why_it_matters.as_deref()
    }
    /// How much it matters now, relative to the client's other goals.
    async fn priority(&self) -> Option<GoalPriorityValue> {
        GoalPriority::parse(&self.model.priority).map(Into::into)
    }
    /// Where the goal is in its life.
    async fn status(&self) -> Option<GoalStatusValue> {
        GoalStatus::parse(&self.model.status).map(Into::into)
    }
    /// Why it was declined, abandoned or put on hold; the client can read it.
    async fn status_reason(&self) -> Option<&str> {
        self.model.status_reason.as_deref()
    }
    /// When it was marked ACHIEVED.
    async fn achieved_at(&self) -> Option<DateTime<Utc>> {
        self.model.achieved_at
    }
    /// Who created (or, as a client, proposed) the goal.
    async fn created_by(&self) -> Author {
        Author::new(self.model.created_by, &self.model.created_by_role)
    }
    /// Optimistic-concurrency version: pass it as `expectedVersion` when updating.
    async fn version(&self) -> i32 {
        self.model.version
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at
    }
    /// When it last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.model.updated_at
    }
    /// Which SMART criteria the goal meets, with a hint for each one it does not.
    async fn smart(&self, ctx: &Context<'_>) -> GqlResult<SmartCheck> {
        let tz = load::<crate::clients::service::Timezones>(ctx, self.model.client_id, ())
            .await?
            .unwrap_or_default();
        let s = domain::smart(&self.model, local_today(&tz, Utc::now()));
        let met_count = [
            &s.specific,
            &s.measurable,
            &s.achievable,
            &s.relevant,
            &s.time_bound,
        ]
        .iter()
        .filter(|c| c.met)
        .count();
        Ok(SmartCheck {
            met_count: i32::try_from(met_count).unwrap_or(0),
            specific: s.specific.into(),
            measurable: s.measurable.into(),
            achievable: s.achievable.into(),
            relevant: s.relevant.into(),
            time_bound: s.time_bound.into(),
        })
    }
    /// Progress from 0 to 1: from the baseline towards the target using the latest
    /// recorded value when the goal has both, else the share of completed steps.
    async fn progress(&self, ctx: &Context<'_>) -> GqlResult<f64> {
        Ok(self.progress_of(ctx).await?.0)
    }
    /// What `progress` is computed from.
    async fn progress_basis(&self, ctx: &Context<'_>) -> GqlResult<ProgressBasisValue> {
        Ok(self.progress_of(ctx).await?.1.into())
    }
    /// The most recently recorded value (by `recordedAt`).
    async fn latest_value(&self, ctx: &Context<'_>) -> GqlResult<Option<f64>> {
        Ok(
            load::<super::service::LatestProgress>(ctx, self.model.id, ())
                .await?
                .map(|p| p.value),
        )
    }
    /// The steps, in order.
    async fn steps(&self, ctx: &Context<'_>) -> GqlResult<Vec<GoalStep>> {
        Ok(self
            .steps_loaded(ctx)
            .await?
            .into_iter()
            .map(GoalStep::from)
            .collect())
    }
    /// The action plans that put the goal into practice, oldest first.
    async fn action_plans(&self, ctx: &Context<'_>) -> GqlResult<Vec<ActionPlan>> {
        Ok(
            load_visible::<crate::plans::service::PlansOfGoals>(ctx, self.model.id, ())
                .await?
                .into_iter()
                .map(ActionPlan::from)
                .collect(),
        )
    }
    /// The recorded values of the measure, oldest first.
    async fn progress_history(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, counting forward (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue forward from.")] after: Option<String>,
        #[graphql(desc = "Page size, counting backward (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue backward from.")] before: Option<String>,
    ) -> GqlResult<Conn<GoalProgressEntry>> {
        let args = paged(ctx, first, after, last, before, ())?;
        let page =
            load_visible::<super::service::ProgressHistory>(ctx, self.model.id, args).await?;
        Ok(connection(
            page,
            |p| encode_cursor(&(p.recorded_at, p.id)),
            GoalProgressEntry::from,
        ))
    }
}

impl Goal {
    async fn progress_of(&self, ctx: &Context<'_>) -> GqlResult<(f64, ProgressBasis)> {
        let measured = self.model.baseline.is_some() && self.model.target.is_some();
        let latest = if measured {
            load::<super::service::LatestProgress>(ctx, self.model.id, ())
                .await?
                .map(|p| p.value)
        } else {
            None
        };
        let (done, total) = if measured {
            (0, 0)
        } else {
            let steps = self.steps_loaded(ctx).await?;
            let done = steps
                .iter()
                .filter(|s| s.status == StepStatus::Done.as_str())
                .count();
            (done, steps.len())
        };
        Ok(domain::progress(&self.model, latest, done, total))
    }
}

/// An ordered milestone of a goal.
pub struct GoalStep {
    pub model: entity::goal_step::Model,
}

impl From<entity::goal_step::Model> for GoalStep {
    fn from(model: entity::goal_step::Model) -> Self {
        Self { model }
    }
}

/// An ordered milestone of a goal.
#[Object]
impl GoalStep {
    /// The step's id.
    async fn id(&self) -> ID {
        ID(self.model.id.to_string())
    }
    /// The goal it belongs to.
    async fn goal_id(&self) -> ID {
        ID(self.model.goal_id.to_string())
    }
    /// What to do, e.g. "Walk to the corner and back".
    async fn title(&self) -> &str {
        &self.model.title
    }
    /// When it is due (the client's local date).
    async fn due_on(&self) -> Option<NaiveDate> {
        self.model.due_on
    }
    /// Its place among the goal's steps, from 1.
    async fn position(&self) -> i32 {
        self.model.position
    }
    /// Whether it is still to do.
    async fn status(&self) -> Option<StepStatusValue> {
        StepStatus::parse(&self.model.status).map(Into::into)
    }
    /// When it was completed.
    async fn completed_at(&self) -> Option<DateTime<Utc>> {
        self.model.completed_at
    }
    /// Who marked it done.
    async fn completed_by(&self) -> Option<ID> {
        self.model.completed_by.map(|u| ID(u.to_string()))
    }
    /// Optimistic-concurrency version: pass it as `expectedVersion` when updating.
    async fn version(&self) -> i32 {
        self.model.version
    }
    /// When it was added.
    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at
    }
    /// When it last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.model.updated_at
    }
}

/// A recorded value of a goal's measure.
#[derive(SimpleObject)]
pub struct GoalProgressEntry {
    /// The entry's id.
    pub id: ID,
    /// The value, in the goal's unit.
    pub value: f64,
    /// A note on it.
    pub note: Option<String>,
    /// When the value was true (e.g. the end of the week counted).
    pub recorded_at: DateTime<Utc>,
    /// Who recorded it.
    pub recorded_by: Author,
}

impl From<entity::goal_progress::Model> for GoalProgressEntry {
    fn from(p: entity::goal_progress::Model) -> Self {
        Self {
            id: ID(p.id.to_string()),
            value: p.value,
            note: p.note,
            recorded_at: p.recorded_at,
            recorded_by: Author::new(p.recorded_by, &p.recorded_by_role),
        }
    }
}

/// Set a goal. Therapists' goals start ACTIVE; a client's own goal starts PROPOSED until
/// the care team accepts it.
#[derive(InputObject)]
pub struct CreateGoalInput {
    /// Optional client-generated UUID: replaying the same create returns the existing goal.
    pub id: Option<ID>,
    /// The client.
    pub client_id: ID,
    /// A short name, 1 to 200 characters.
    pub title: String,
    /// Specific: what exactly, where, when, with whom (at most 2,000 characters).
    pub description: Option<String>,
    /// Measurable: what is counted, e.g. "panic attacks" (at most 200 characters).
    pub measure: Option<String>,
    /// Where the measure stands now.
    pub baseline: Option<f64>,
    /// The value aimed for (needs a `unit`; must differ from the baseline).
    pub target: Option<f64>,
    /// The unit of baseline and target, e.g. "per week" (at most 50 characters).
    pub unit: Option<String>,
    /// Time-bound: the date to reach it by, not in the past (client's time zone).
    pub target_date: Option<NaiveDate>,
    /// Achievable: the client's confidence, 0 to 10.
    pub confidence: Option<i32>,
    /// Relevant: why it matters to the client (at most 2,000 characters).
    pub why_it_matters: Option<String>,
    /// Defaults to MEDIUM.
    pub priority: Option<GoalPriorityValue>,
}

/// Change a goal. Omitted fields stay as they are; null clears an optional field.
#[derive(InputObject)]
pub struct UpdateGoalInput {
    /// The goal.
    pub id: ID,
    /// The `version` you last read; a stale one is a `CONFLICT`.
    pub expected_version: i32,
    /// New title (cannot be null).
    pub title: MaybeUndefined<String>,
    /// New description.
    pub description: MaybeUndefined<String>,
    /// New measure.
    pub measure: MaybeUndefined<String>,
    /// New baseline.
    pub baseline: MaybeUndefined<f64>,
    /// New target (needs a unit).
    pub target: MaybeUndefined<f64>,
    /// New unit.
    pub unit: MaybeUndefined<String>,
    /// New target date, not in the past.
    pub target_date: MaybeUndefined<NaiveDate>,
    /// New confidence, 0 to 10.
    pub confidence: MaybeUndefined<i32>,
    /// New reason it matters.
    pub why_it_matters: MaybeUndefined<String>,
    /// New priority (cannot be null).
    pub priority: MaybeUndefined<GoalPriorityValue>,
}

/// Accept a client's proposed goal.
#[derive(InputObject)]
pub struct AcceptGoalInput {
    /// The PROPOSED goal.
    pub goal_id: ID,
    /// When given, applies only if the goal is still at this version.
    pub expected_version: Option<i32>,
}

/// Decline a client's proposed goal.
#[derive(InputObject)]
pub struct DeclineGoalInput {
    /// The PROPOSED goal.
    pub goal_id: ID,
    /// Why, in words the client will read (1 to 1,000 characters).
    pub reason: String,
    /// When given, applies only if the goal is still at this version.
    pub expected_version: Option<i32>,
}

/// Move a goal between ACTIVE, ON_HOLD, ACHIEVED and ABANDONED.
#[derive(InputObject)]
pub struct SetGoalStatusInput {
    /// The goal.
    pub goal_id: ID,
    /// The new status.
    pub status: SettableGoalStatus,
    /// Why; required for ABANDONED (at most 1,000 characters).
    pub reason: Option<String>,
    /// When given, applies only if the goal is still at this version.
    pub expected_version: Option<i32>,
}

/// Add a step at the end of a goal's steps.
#[derive(InputObject)]
pub struct AddGoalStepInput {
    /// The goal.
    pub goal_id: ID,
    /// What to do, 1 to 200 characters.
    pub title: String,
    /// When it is due (the client's local date).
    pub due_on: Option<NaiveDate>,
}

/// Change a step. Omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateGoalStepInput {
    /// The step.
    pub step_id: ID,
    /// The `version` you last read; a stale one is a `CONFLICT`.
    pub expected_version: i32,
    /// New title (cannot be null).
    pub title: MaybeUndefined<String>,
    /// New due date; null clears it.
    pub due_on: MaybeUndefined<NaiveDate>,
}

/// Put a goal's steps in a new order.
#[derive(InputObject)]
pub struct ReorderGoalStepsInput {
    /// The goal.
    pub goal_id: ID,
    /// Every step of the goal, once each, in the new order.
    pub step_ids: Vec<ID>,
}

/// Mark a step done or open.
#[derive(InputObject)]
pub struct GoalStepInput {
    /// The step.
    pub step_id: ID,
}

/// Record a value of a goal's measure.
#[derive(InputObject)]
pub struct RecordGoalProgressInput {
    /// The goal; it needs a target.
    pub goal_id: ID,
    /// The value, in the goal's unit.
    pub value: f64,
    /// A note (at most 2,000 characters).
    pub note: Option<String>,
    /// When the value was true; defaults to now, never in the future.
    pub recorded_at: Option<DateTime<Utc>>,
}

/// The goal after a change.
#[derive(SimpleObject)]
pub struct GoalPayload {
    /// The goal as it now is.
    pub goal: Goal,
}

/// The step after a change.
#[derive(SimpleObject)]
pub struct GoalStepPayload {
    /// The step as it now is.
    pub step: GoalStep,
}

/// The steps after reordering.
#[derive(SimpleObject)]
pub struct ReorderGoalStepsPayload {
    /// The goal's steps, in their new order.
    pub steps: Vec<GoalStep>,
}

/// The recorded value and the goal.
#[derive(SimpleObject)]
pub struct RecordGoalProgressPayload {
    /// The new entry.
    pub entry: GoalProgressEntry,
    /// The goal, with its progress.
    pub goal: Goal,
}
