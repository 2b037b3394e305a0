//! Domain events: appended to the `event` table (the outbox) in the same transaction as
//! the change they describe. `feed` reads them back as a resumable feed; `bus` wakes
//! readers in this process when a write commits.

pub mod bus;
pub mod feed;
pub mod retention;

use chrono::Utc;
use sea_orm::{ActiveValue::NotSet, ConnectionTrait, DbErr, EntityTrait as _, Set};
use uuid::Uuid;

use crate::auth::Viewer;

/// What happened. The wire form is the SCREAMING_SNAKE_CASE name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    ClientCreated,
    ClientUpdated,
    ClientStatusChanged,
    CareTeamMemberAdded,
    CareTeamMemberRemoved,
    ClientInvited,
    ClientLoginLinked,
    GoalProposed,
    GoalCreated,
    GoalUpdated,
    GoalStatusChanged,
    GoalProgressRecorded,
    StepAdded,
    StepUpdated,
    StepsReordered,
    StepCompleted,
    StepReopened,
    PlanCreated,
    PlanRevised,
    ObstacleLogged,
    SessionScheduled,
    SessionUpdated,
    SessionCompleted,
    SessionCancelled,
    HomeworkAssigned,
    HomeworkStarted,
    HomeworkSubmitted,
    HomeworkReviewed,
    ResourceShared,
    ResourceOpened,
    SupportContactAdded,
    SupportContactUpdated,
    SupportContactRemoved,
    CheckInScheduled,
    CheckInResponded,
    TrackerCreated,
    TrackerArchived,
    EntryLogged,
    ThoughtRecordCreated,
    MeasureSubmitted,
    MeasureAssigned,
    AlertRaised,
    AlertAcknowledged,
    AlertResolved,
    ReminderDue,
    ProgramEnrolled,
    ProgramModuleUnlocked,
    ProgramPaused,
    ProgramResumed,
    ProgramLeft,
    ProgramCompleted,
    AutomationFired,
}

impl EventKind {
    /// Every kind.
    pub const ALL: [Self; 52] = [
        Self::ClientCreated,
        Self::ClientUpdated,
        Self::ClientStatusChanged,
        Self::CareTeamMemberAdded,
        Self::CareTeamMemberRemoved,
        Self::ClientInvited,
        Self::ClientLoginLinked,
        Self::GoalProposed,
        Self::GoalCreated,
        Self::GoalUpdated,
        Self::GoalStatusChanged,
        Self::GoalProgressRecorded,
        Self::StepAdded,
        Self::StepUpdated,
        Self::StepsReordered,
        Self::StepCompleted,
        Self::StepReopened,
        Self::PlanCreated,
        Self::PlanRevised,
        Self::ObstacleLogged,
        Self::SessionScheduled,
        Self::SessionUpdated,
        Self::SessionCompleted,
        Self::SessionCancelled,
        Self::HomeworkAssigned,
        Self::HomeworkStarted,
        Self::HomeworkSubmitted,
        Self::HomeworkReviewed,
        Self::ResourceShared,
        Self::ResourceOpened,
        Self::SupportContactAdded,
        Self::SupportContactUpdated,
        Self::SupportContactRemoved,
        Self::CheckInScheduled,
        Self::CheckInResponded,
        Self::TrackerCreated,
        Self::TrackerArchived,
        Self::EntryLogged,
        Self::ThoughtRecordCreated,
        Self::MeasureSubmitted,
        Self::MeasureAssigned,
        Self::AlertRaised,
        Self::AlertAcknowledged,
        Self::AlertResolved,
        Self::ReminderDue,
        Self::ProgramEnrolled,
        Self::ProgramModuleUnlocked,
        Self::ProgramPaused,
        Self::ProgramResumed,
        Self::ProgramLeft,
        Self::ProgramCompleted,
        Self::AutomationFired,
    ];

    /// Parses the stored form.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ClientCreated => "CLIENT_CREATED",
            Self::ClientUpdated => "CLIENT_UPDATED",
            Self::ClientStatusChanged => "CLIENT_STATUS_CHANGED",
            Self::CareTeamMemberAdded => "CARE_TEAM_MEMBER_ADDED",
            Self::CareTeamMemberRemoved => "CARE_TEAM_MEMBER_REMOVED",
            Self::ClientInvited => "CLIENT_INVITED",
            Self::ClientLoginLinked => "CLIENT_LOGIN_LINKED",
            Self::GoalProposed => "GOAL_PROPOSED",
            Self::GoalCreated => "GOAL_CREATED",
            Self::GoalUpdated => "GOAL_UPDATED",
            Self::GoalStatusChanged => "GOAL_STATUS_CHANGED",
            Self::GoalProgressRecorded => "GOAL_PROGRESS_RECORDED",
            Self::StepAdded => "STEP_ADDED",
            Self::StepUpdated => "STEP_UPDATED",
            Self::StepsReordered => "STEPS_REORDERED",
            Self::StepCompleted => "STEP_COMPLETED",
            Self::StepReopened => "STEP_REOPENED",
            Self::PlanCreated => "PLAN_CREATED",
            Self::PlanRevised => "PLAN_REVISED",
            Self::ObstacleLogged => "OBSTACLE_LOGGED",
            Self::SessionScheduled => "SESSION_SCHEDULED",
            Self::SessionUpdated => "SESSION_UPDATED",
            Self::SessionCompleted => "SESSION_COMPLETED",
            Self::SessionCancelled => "SESSION_CANCELLED",
            Self::HomeworkAssigned => "HOMEWORK_ASSIGNED",
            Self::HomeworkStarted => "HOMEWORK_STARTED",
            Self::HomeworkSubmitted => "HOMEWORK_SUBMITTED",
            Self::HomeworkReviewed => "HOMEWORK_REVIEWED",
            Self::ResourceShared => "RESOURCE_SHARED",
            Self::ResourceOpened => "RESOURCE_OPENED",
            Self::SupportContactAdded => "SUPPORT_CONTACT_ADDED",
            Self::SupportContactUpdated => "SUPPORT_CONTACT_UPDATED",
            Self::SupportContactRemoved => "SUPPORT_CONTACT_REMOVED",
            Self::CheckInScheduled => "CHECK_IN_SCHEDULED",
            Self::CheckInResponded => "CHECK_IN_RESPONDED",
            Self::TrackerCreated => "TRACKER_CREATED",
            Self::TrackerArchived => "TRACKER_ARCHIVED",
            Self::EntryLogged => "ENTRY_LOGGED",
            Self::ThoughtRecordCreated => "THOUGHT_RECORD_CREATED",
            Self::MeasureSubmitted => "MEASURE_SUBMITTED",
            Self::MeasureAssigned => "MEASURE_ASSIGNED",
            Self::AlertRaised => "ALERT_RAISED",
            Self::AlertAcknowledged => "ALERT_ACKNOWLEDGED",
            Self::AlertResolved => "ALERT_RESOLVED",
            Self::ReminderDue => "REMINDER_DUE",
            Self::ProgramEnrolled => "PROGRAM_ENROLLED",
            Self::ProgramModuleUnlocked => "PROGRAM_MODULE_UNLOCKED",
            Self::ProgramPaused => "PROGRAM_PAUSED",
            Self::ProgramResumed => "PROGRAM_RESUMED",
            Self::ProgramLeft => "PROGRAM_LEFT",
            Self::ProgramCompleted => "PROGRAM_COMPLETED",
            Self::AutomationFired => "AUTOMATION_FIRED",
        }
    }

    /// The kinds a client never sees of their own record (the care team's alerts and
    /// automation notices), in stored form.
    pub const STAFF_ONLY: [&'static str; 4] = [
        "ALERT_RAISED",
        "ALERT_ACKNOWLEDGED",
        "ALERT_RESOLVED",
        "AUTOMATION_FIRED",
    ];

    /// Whether `stored` (a kind's stored form) is one a client never sees.
    pub fn staff_only(stored: &str) -> bool {
        Self::STAFF_ONLY.contains(&stored)
    }
}

/// One event to append.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub practice_id: Uuid,
    pub client_id: Option<Uuid>,
    pub kind: EventKind,
    pub entity_id: Uuid,
    /// Ids and enum values only; never free text (it may reach logs and webhooks).
    pub payload: serde_json::Value,
}

/// Who caused an event.
#[derive(Debug, Clone, Copy)]
pub struct Actor {
    pub id: Uuid,
    pub role: crate::auth::Role,
}

impl From<&Viewer> for Actor {
    fn from(v: &Viewer) -> Self {
        Self {
            id: v.id,
            role: v.role(),
        }
    }
}

/// Appends `event` through `conn` (pass the transaction that makes the change).
pub async fn append(
    conn: &impl ConnectionTrait,
    actor: Option<Actor>,
    event: NewEvent,
) -> Result<(), DbErr> {
    entity::event::Entity::insert(row(actor, event))
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// Appends many events in one statement per few hundred (batch writes such as offline
/// sync), in order.
pub async fn append_many(
    conn: &impl ConnectionTrait,
    actor: Option<Actor>,
    events: Vec<NewEvent>,
) -> Result<(), DbErr> {
    let rows: Vec<_> = events.into_iter().map(|e| row(actor, e)).collect();
    if rows.is_empty() {
        return Ok(());
    }
    for chunk in rows.chunks(500) {
        entity::event::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// The row of `event` by `actor` (sequence and transaction id from the database).
pub fn row(actor: Option<Actor>, event: NewEvent) -> entity::event::ActiveModel {
    let caused = CAUSED_BY.try_with(|c| *c).ok();
    entity::event::ActiveModel {
        sequence: NotSet,
        id: Set(Uuid::now_v7()),
        practice_id: Set(event.practice_id),
        client_id: Set(event.client_id),
        kind: Set(event.kind.as_str().to_owned()),
        entity_id: Set(event.entity_id),
        payload: Set(event.payload),
        actor_id: Set(actor.map(|a| a.id)),
        actor_role: Set(actor.map(|a| a.role.as_str().to_owned())),
        created_at: Set(Utc::now()),
        tx_id: NotSet,
        automation_firing_id: Set(caused.map(|c| c.0)),
        automation_depth: Set(caused.map_or(0, |c| c.1)),
    }
}

tokio::task_local! {
    /// The automation firing whose actions are running, and the depth of the events they
    /// append (see [`caused_by`]).
    static CAUSED_BY: (Uuid, i32);
}

/// Runs `work` (an automation firing's actions) so that every event it appends, through
/// whichever service, names `firing_id` and carries automation depth `depth`: the
/// automation job reads the depth to let a rule's own actions trigger rules at most one
/// level on.
pub async fn caused_by<F: Future>(firing_id: Uuid, depth: i32, work: F) -> F::Output {
    CAUSED_BY.scope((firing_id, depth), work).await
}

/// Appends an event about `entity_id` in `client_id`'s record, caused by `viewer`, in
/// `viewer`'s practice.
pub async fn client_event(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    client_id: Uuid,
    entity_id: Uuid,
    kind: EventKind,
    payload: serde_json::Value,
) -> Result<(), DbErr> {
    Acting::from(viewer)
        .client_event(conn, client_id, entity_id, kind, payload)
        .await
}

/// Who makes a change: its practice, the user recorded as its author (`assigned_by`,
/// `created_by`, `shared_by`) and the actor its events name (`None` when a background job of
/// the server's makes it, such as a programme module opening by its rule).
#[derive(Debug, Clone, Copy)]
pub struct Acting {
    pub practice_id: Uuid,
    pub by: Uuid,
    pub actor: Option<Actor>,
}

impl From<&Viewer> for Acting {
    fn from(v: &Viewer) -> Self {
        Self {
            practice_id: v.practice_id,
            by: v.id,
            actor: Some(v.into()),
        }
    }
}

impl Acting {
    /// Appends an event about `entity_id` in `client_id`'s record, in this practice.
    pub async fn client_event(
        &self,
        conn: &impl ConnectionTrait,
        client_id: Uuid,
        entity_id: Uuid,
        kind: EventKind,
        payload: serde_json::Value,
    ) -> Result<(), DbErr> {
        append(
            conn,
            self.actor,
            NewEvent {
                practice_id: self.practice_id,
                client_id: Some(client_id),
                kind,
                entity_id,
                payload,
            },
        )
        .await
    }
}
