//! GraphQL types of action plans, their revisions and the obstacle log.

use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};

use super::domain::{self, PlanContent};
pub use crate::graphql::recurrence::{Recurrence, RecurrenceInput, RecurrenceKind, Weekday};
use crate::{
    clients::service::Timezones,
    error::GqlResult,
    goals::service::GoalsById,
    goals::types::{Author, Goal},
    graphql::loaders::{load, load_visible},
    values::local_today,
};

/// What kind of obstacle gets in the way.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "super::domain::ObstacleKind")]
pub enum ObstacleKindValue {
    /// "I have no time."
    LackOfTime,
    /// Too much at once; the task feels too big.
    Overwhelm,
    /// Afraid it will not work or of doing it badly.
    FearOfFailure,
    /// "I'll never manage this" and similar thoughts.
    NegativeSelfTalk,
    /// Anything else.
    Other,
}

/// A planned action: what, when, where or after what cue, for how long.
#[derive(SimpleObject)]
pub struct Action {
    /// Stable across revisions.
    pub id: ID,
    /// What the client will do, e.g. "Walk around the block".
    pub what: String,
    /// When it repeats.
    pub recurrence: Recurrence,
    /// Local time of day, `HH:MM` (24-hour).
    pub time_of_day: Option<String>,
    /// Where, or the cue it follows ("after breakfast, at the kitchen table").
    pub where_or_cue: Option<String>,
    /// How long, in minutes.
    pub duration_minutes: Option<i32>,
}

impl From<domain::Action> for Action {
    fn from(a: domain::Action) -> Self {
        Self {
            id: ID(a.id.to_string()),
            what: a.what,
            recurrence: a.recurrence.into(),
            time_of_day: a.time_of_day,
            where_or_cue: a.where_or_cue,
            duration_minutes: a.duration_minutes,
        }
    }
}

/// An anticipated obstacle and the if-then plan for it.
#[derive(SimpleObject)]
pub struct Obstacle {
    /// Stable across revisions; `logObstacle` can name it.
    pub id: ID,
    /// What kind of obstacle.
    pub kind: ObstacleKindValue,
    /// What it looks like for this client.
    pub description: String,
    /// The if-then plan: "if I feel I have no time, then I do the 2-minute version".
    pub coping_plan: String,
}

impl From<domain::Obstacle> for Obstacle {
    fn from(o: domain::Obstacle) -> Self {
        Self {
            id: ID(o.id.to_string()),
            kind: o.kind.into(),
            description: o.description,
            coping_plan: o.coping_plan,
        }
    }
}

fn actions(c: &PlanContent) -> Vec<Action> {
    c.actions.iter().cloned().map(Into::into).collect()
}

fn obstacles(c: &PlanContent) -> Vec<Obstacle> {
    c.obstacles.iter().cloned().map(Into::into).collect()
}

/// An action plan for a goal.
pub struct ActionPlan {
    pub model: entity::action_plan::Model,
}

impl From<entity::action_plan::Model> for ActionPlan {
    fn from(model: entity::action_plan::Model) -> Self {
        Self { model }
    }
}

/// An action plan for a goal: actions, anticipated obstacles with if-then coping plans,
/// and a review date. Every change is kept in `revisions`.
#[Object]
impl ActionPlan {
    /// The plan's id.
    async fn id(&self) -> ID {
        ID(self.model.id.to_string())
    }
    /// The goal it serves.
    async fn goal_id(&self) -> ID {
        ID(self.model.goal_id.to_string())
    }
    /// The client whose plan it is.
    async fn client_id(&self) -> ID {
        ID(self.model.client_id.to_string())
    }
    /// The goal it serves.
    async fn goal(&self, ctx: &Context<'_>) -> GqlResult<Goal> {
        Ok(load_visible::<GoalsById>(ctx, self.model.goal_id, ())
            .await?
            .into())
    }
    /// A short name.
    async fn title(&self) -> &str {
        &self.model.title
    }
    /// What the client will do, when, where and for how long.
    async fn actions(&self) -> GqlResult<Vec<Action>> {
        Ok(actions(&super::service::content(&self.model)?))
    }
    /// Anticipated obstacles and the if-then plan for each.
    async fn obstacles(&self) -> GqlResult<Vec<Obstacle>> {
        Ok(obstacles(&super::service::content(&self.model)?))
    }
    /// When to look at the plan again together (the client's local date).
    async fn review_on(&self) -> Option<NaiveDate> {
        self.model.review_on
    }
    /// True from `reviewOn` on (in the client's time zone): time to review the plan.
    async fn due_for_review(&self, ctx: &Context<'_>) -> GqlResult<bool> {
        let Some(review_on) = self.model.review_on else {
            return Ok(false);
        };
        let tz = load::<Timezones>(ctx, self.model.client_id, ())
            .await?
            .unwrap_or_default();
        Ok(local_today(&tz, Utc::now()) >= review_on)
    }
    /// Optimistic-concurrency version: pass it as `expectedVersion` when revising.
    async fn version(&self) -> i32 {
        self.model.version
    }
    /// Who created it.
    async fn created_by(&self) -> ID {
        ID(self.model.created_by.to_string())
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at
    }
    /// When it last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.model.updated_at
    }
    /// The versions, oldest first (the latest 100): who changed what, when and why.
    async fn revisions(&self, ctx: &Context<'_>) -> GqlResult<Vec<ActionPlanRevision>> {
        let rows = load_visible::<super::service::Revisions>(ctx, self.model.id, ()).await?;
        rows.into_iter().map(ActionPlanRevision::try_from).collect()
    }
}

/// One version of an action plan.
#[derive(SimpleObject)]
pub struct ActionPlanRevision {
    /// The plan's version this revision made (1 is the original).
    pub version: i32,
    /// The title as of this version.
    pub title: String,
    /// The actions as of this version.
    pub actions: Vec<Action>,
    /// The obstacles as of this version.
    pub obstacles: Vec<Obstacle>,
    /// The review date as of this version.
    pub review_on: Option<NaiveDate>,
    /// Why it was changed; null for the original.
    pub reason: Option<String>,
    /// Which fields changed: `title`, `actions`, `obstacles`, `reviewOn`.
    pub changed_fields: Vec<String>,
    /// Who made this version.
    pub changed_by: Author,
    /// When.
    pub changed_at: DateTime<Utc>,
}

impl TryFrom<entity::action_plan_revision::Model> for ActionPlanRevision {
    type Error = crate::error::GqlError;

    fn try_from(r: entity::action_plan_revision::Model) -> Result<Self, Self::Error> {
        let c = PlanContent::from_json(&r.title, &r.actions, &r.obstacles, r.review_on)?;
        Ok(Self {
            version: r.version,
            actions: actions(&c),
            obstacles: obstacles(&c),
            title: c.title,
            review_on: c.review_on,
            reason: r.reason,
            changed_fields: serde_json::from_value(r.changed_fields).unwrap_or_default(),
            changed_by: Author::new(r.changed_by, &r.changed_by_role),
            changed_at: r.created_at,
        })
    }
}

/// A planned action.
#[derive(InputObject)]
pub struct ActionInput {
    /// When revising: the id of the action this replaces, to keep its id. Omit for a new one.
    pub id: Option<ID>,
    /// What the client will do (1 to 200 characters).
    pub what: String,
    /// When it repeats.
    pub recurrence: RecurrenceInput,
    /// Local time of day, `HH:MM` (24-hour).
    pub time_of_day: Option<String>,
    /// Where, or the cue it follows (at most 200 characters).
    pub where_or_cue: Option<String>,
    /// How long, 1 to 1,440 minutes.
    pub duration_minutes: Option<i32>,
}

/// An anticipated obstacle and its if-then coping plan.
#[derive(InputObject)]
pub struct ObstacleInput {
    /// When revising: the id of the obstacle this replaces, to keep its id. Omit for a new one.
    pub id: Option<ID>,
    /// What kind of obstacle.
    pub kind: ObstacleKindValue,
    /// What it looks like for this client (1 to 500 characters).
    pub description: String,
    /// The if-then plan (1 to 500 characters), e.g. "if I feel I have no time, then I do the
    /// 2-minute version".
    pub coping_plan: String,
}

/// Make an action plan for a goal.
#[derive(InputObject)]
pub struct CreateActionPlanInput {
    /// The goal (not DECLINED, ABANDONED or ACHIEVED).
    pub goal_id: ID,
    /// A short name (1 to 200 characters).
    pub title: String,
    /// 1 to 20 actions.
    pub actions: Vec<ActionInput>,
    /// Up to 20 anticipated obstacles.
    pub obstacles: Option<Vec<ObstacleInput>>,
    /// When to review it together; not in the past (client's time zone).
    pub review_on: Option<NaiveDate>,
}

/// Revise an action plan. Omitted parts stay; sent lists replace the old ones whole.
#[derive(InputObject)]
pub struct ReviseActionPlanInput {
    /// The plan.
    pub plan_id: ID,
    /// The `version` you last read; a stale one is a `CONFLICT`.
    pub expected_version: i32,
    /// Why it changes (1 to 1,000 characters); kept with the revision.
    pub reason: String,
    /// New title (cannot be null).
    pub title: MaybeUndefined<String>,
    /// The new actions (1 to 20); send an action's `id` to keep it.
    pub actions: MaybeUndefined<Vec<ActionInput>>,
    /// The new obstacles (up to 20); send an obstacle's `id` to keep it.
    pub obstacles: MaybeUndefined<Vec<ObstacleInput>>,
    /// New review date, not in the past; null clears it.
    pub review_on: MaybeUndefined<NaiveDate>,
}

/// Record an obstacle met while working a plan.
#[derive(InputObject)]
pub struct LogObstacleInput {
    /// The plan.
    pub plan_id: ID,
    /// The anticipated obstacle it was, if it was one of the plan's.
    pub obstacle_id: Option<ID>,
    /// The kind; required without `obstacleId`, and must match it when both are given.
    pub kind: Option<ObstacleKindValue>,
    /// When it happened; defaults to now, never in the future.
    pub occurred_at: Option<DateTime<Utc>>,
    /// Whether the coping plan was used.
    pub coping_used: bool,
    /// How much the coping plan helped, 0 to 10; only when `copingUsed`.
    pub helped: Option<i32>,
    /// A note (at most 2,000 characters).
    pub note: Option<String>,
}

/// An obstacle met.
#[derive(SimpleObject)]
pub struct ObstacleLogEntry {
    /// The entry's id.
    pub id: ID,
    /// The plan.
    pub plan_id: ID,
    /// The anticipated obstacle it was, if any.
    pub obstacle_id: Option<ID>,
    /// What kind of obstacle.
    pub kind: Option<ObstacleKindValue>,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// Whether the coping plan was used.
    pub coping_used: bool,
    /// How much it helped, 0 to 10.
    pub helped: Option<i32>,
    /// A note.
    pub note: Option<String>,
    /// Who recorded it.
    pub recorded_by: Author,
}

impl From<entity::obstacle_log::Model> for ObstacleLogEntry {
    fn from(o: entity::obstacle_log::Model) -> Self {
        Self {
            id: ID(o.id.to_string()),
            plan_id: ID(o.plan_id.to_string()),
            obstacle_id: o.obstacle_id.map(|i| ID(i.to_string())),
            kind: domain::ObstacleKind::parse(&o.kind).map(Into::into),
            occurred_at: o.occurred_at,
            coping_used: o.coping_used,
            helped: o.helped,
            note: o.note,
            recorded_by: Author::new(o.recorded_by, &o.recorded_by_role),
        }
    }
}

/// How one kind of obstacle went over a period.
#[derive(SimpleObject)]
pub struct ObstacleSummary {
    /// The kind.
    pub kind: ObstacleKindValue,
    /// How often it was met.
    pub occurrences: i64,
    /// How often the coping plan was used.
    pub coping_used: i64,
    /// Mean of "how much it helped" (0 to 10) over the entries that rated it; null when
    /// none did.
    pub mean_helpfulness: Option<f64>,
}

impl From<super::service::ObstacleKindSummary> for ObstacleSummary {
    fn from(s: super::service::ObstacleKindSummary) -> Self {
        Self {
            kind: s.kind.into(),
            occurrences: s.occurrences,
            coping_used: s.coping_used,
            mean_helpfulness: s.mean_helpfulness,
        }
    }
}

/// The plan after a change.
#[derive(SimpleObject)]
pub struct ActionPlanPayload {
    /// The plan as it now is.
    pub plan: ActionPlan,
}

/// The recorded obstacle.
#[derive(SimpleObject)]
pub struct LogObstaclePayload {
    /// The new entry.
    pub entry: ObstacleLogEntry,
}
