//! GraphQL types of real-time progress.

use async_graphql::{ComplexObject, Context, Enum, ID, Json, SimpleObject};
use chrono::{DateTime, Utc};

use crate::values::to_id;

use crate::{
    accounts::types::UserRole,
    error::GqlResult,
    goals::types::Goal,
    graphql::{context, loaders::load},
    homework::types::Homework,
    schema::Client,
};

/// What happened, as recorded in the event log.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "EventKind", remote = "crate::events::EventKind")]
pub enum EventKindValue {
    /// Client created.
    ClientCreated,
    /// Client updated.
    ClientUpdated,
    /// Client status changed.
    ClientStatusChanged,
    /// Care team member added.
    CareTeamMemberAdded,
    /// Care team member removed.
    CareTeamMemberRemoved,
    /// Client invited.
    ClientInvited,
    /// Client login linked.
    ClientLoginLinked,
    /// Goal proposed.
    GoalProposed,
    /// Goal created.
    GoalCreated,
    /// Goal updated.
    GoalUpdated,
    /// Goal status changed.
    GoalStatusChanged,
    /// Goal progress recorded.
    GoalProgressRecorded,
    /// Step added.
    StepAdded,
    /// Step updated.
    StepUpdated,
    /// Steps reordered.
    StepsReordered,
    /// Step completed.
    StepCompleted,
    /// Step reopened.
    StepReopened,
    /// Plan created.
    PlanCreated,
    /// Plan revised.
    PlanRevised,
    /// Obstacle logged.
    ObstacleLogged,
    /// Session scheduled.
    SessionScheduled,
    /// Session updated.
    SessionUpdated,
    /// Session completed.
    SessionCompleted,
    /// Session cancelled.
    SessionCancelled,
    /// Homework assigned.
    HomeworkAssigned,
    /// Homework started.
    HomeworkStarted,
    /// Homework submitted.
    HomeworkSubmitted,
    /// Homework reviewed.
    HomeworkReviewed,
    /// Resource shared.
    ResourceShared,
    /// Resource opened.
    ResourceOpened,
    /// Support contact added.
    SupportContactAdded,
    /// Support contact updated.
    SupportContactUpdated,
    /// Support contact removed.
    SupportContactRemoved,
    /// Check in scheduled.
    CheckInScheduled,
    /// Check in responded.
    CheckInResponded,
    /// Tracker created.
    TrackerCreated,
    /// Tracker archived.
    TrackerArchived,
    /// Entry logged.
    EntryLogged,
    /// Thought record created.
    ThoughtRecordCreated,
    /// Measure submitted.
    MeasureSubmitted,
    /// Measure assigned.
    MeasureAssigned,
    /// Alert raised.
    AlertRaised,
    /// Alert acknowledged.
    AlertAcknowledged,
    /// Alert resolved.
    AlertResolved,
    /// A reminder fell due (the reminder job; the payload names its kind, what it is about
    /// and when it fires, in UTC and the client's local time).
    ReminderDue,
    /// A client was enrolled in a programme (its first module opens with it).
    ProgramEnrolled,
    /// A programme module opened for a client (the payload names the module, its position and why).
    ProgramModuleUnlocked,
    /// An enrolment was paused (no module opens while paused).
    ProgramPaused,
    /// A paused enrolment was resumed.
    ProgramResumed,
    /// A client left a programme.
    ProgramLeft,
    /// A client finished a programme (every module open and the last one's homework done).
    ProgramCompleted,
    /// An automation rule fired with a `NOTIFY_CARE_TEAM` action (the payload names the
    /// firing, the rule and its version; the care team's only: clients never see it).
    AutomationFired,
}

/// One change to a client's record, as it happened.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct ProgressEvent {
    /// Pass it as `after` to resume right after this event.
    pub cursor: String,
    /// What happened.
    pub kind: Option<EventKindValue>,
    /// When it was recorded.
    pub occurred_at: DateTime<Utc>,
    /// The client whose record changed.
    pub client_id: Option<ID>,
    /// The role of whoever made the change.
    pub actor_role: Option<UserRole>,
    /// The record that changed (a goal, homework, entry, ...).
    pub entity_id: ID,
    /// Ids and enum values about the change; never free text.
    pub payload: Json<serde_json::Value>,
    /// The automation firing whose actions made this change; null for changes people and
    /// the server's own schedules make.
    pub automation_firing_id: Option<ID>,
    #[graphql(skip)]
    pub model: entity::event::Model,
}

impl ProgressEvent {
    /// From a stored event and the cursor just past it.
    pub fn new(e: entity::event::Model, cursor: String) -> Self {
        Self {
            cursor,
            kind: crate::events::EventKind::parse(&e.kind).map(Into::into),
            occurred_at: e.created_at,
            client_id: e.client_id.map(to_id),
            actor_role: e
                .actor_role
                .as_deref()
                .and_then(crate::auth::Role::parse)
                .map(Into::into),
            entity_id: to_id(e.entity_id),
            payload: Json(e.payload.clone()),
            automation_firing_id: e.automation_firing_id.map(to_id),
            model: e,
        }
    }
}

#[ComplexObject]
impl ProgressEvent {
    /// The client, as the roster shows them (null when the viewer may not read the roster).
    async fn client(&self, ctx: &Context<'_>) -> GqlResult<Option<Client>> {
        let Some(id) = self.model.client_id else {
            return Ok(None);
        };
        Ok(load::<crate::clients::service::ClientsById>(ctx, id, ())
            .await?
            .map(Client::from))
    }
    /// For HOMEWORK_* events: the homework as it is now.
    async fn homework(&self, ctx: &Context<'_>) -> GqlResult<Option<Homework>> {
        if !self.model.kind.starts_with("HOMEWORK_") {
            return Ok(None);
        }
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        match crate::homework::service::get(&state.db, viewer, self.model.entity_id).await {
            Ok(h) => Ok(Some(h.into())),
            Err(crate::error::ServiceError::NotFound) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
    /// For GOAL_* events: the goal as it is now.
    async fn goal(&self, ctx: &Context<'_>) -> GqlResult<Option<Goal>> {
        if !self.model.kind.starts_with("GOAL_") {
            return Ok(None);
        }
        Ok(
            load::<crate::goals::service::GoalsById>(ctx, self.model.entity_id, ())
                .await?
                .map(Goal::from),
        )
    }
}
