//! GraphQL types of therapy sessions.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Duration, Utc};

use super::domain::SessionStatus;
use crate::{error::GqlResult, graphql::loaders::load_visible, homework::types::Homework};

/// Where a session stands.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "super::domain::SessionStatus")]
pub enum SessionStatusValue {
    /// Booked and not yet held.
    Scheduled,
    /// Held.
    Completed,
    /// Called off.
    Cancelled,
}

/// A therapy session: an appointment between the client and a therapist.
pub struct TherapySession {
    pub model: entity::therapy_session::Model,
}

impl From<entity::therapy_session::Model> for TherapySession {
    fn from(model: entity::therapy_session::Model) -> Self {
        Self { model }
    }
}

/// A therapy session: an appointment between the client and a therapist (not a sign-in).
#[Object]
impl TherapySession {
    /// The session's id.
    async fn id(&self) -> ID {
        ID(self.model.id.to_string())
    }
    /// The client.
    async fn client_id(&self) -> ID {
        ID(self.model.client_id.to_string())
    }
    /// The therapist who holds it, when known.
    async fn therapist_id(&self) -> Option<ID> {
        self.model.therapist_id.map(|t| ID(t.to_string()))
    }
    /// When it starts.
    async fn scheduled_at(&self) -> DateTime<Utc> {
        self.model.scheduled_at
    }
    /// How long it is planned to last, in minutes.
    async fn duration_minutes(&self) -> i32 {
        self.model.duration_minutes
    }
    /// When it is planned to end.
    async fn ends_at(&self) -> DateTime<Utc> {
        self.model.scheduled_at + Duration::minutes(i64::from(self.model.duration_minutes))
    }
    /// What the session is about.
    async fn focus(&self) -> Option<&str> {
        self.model.focus.as_deref()
    }
    /// Where it stands.
    async fn status(&self) -> Option<SessionStatusValue> {
        SessionStatus::parse(&self.model.status).map(Into::into)
    }
    /// Why it was cancelled.
    async fn cancel_reason(&self) -> Option<&str> {
        self.model.cancel_reason.as_deref()
    }
    /// When it was marked completed.
    async fn completed_at(&self) -> Option<DateTime<Utc>> {
        self.model.completed_at
    }
    /// The EHR's appointment id.
    async fn external_ref(&self) -> Option<&str> {
        self.model.external_ref.as_deref()
    }
    /// Optimistic-concurrency version.
    async fn version(&self) -> i32 {
        self.model.version
    }
    /// When it was booked here.
    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at
    }
    /// When it last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.model.updated_at
    }
    /// Unreviewed homework that fell due since the client's previous (not cancelled) session
    /// and by this one's start, by due date (the first 100): what to go over in this session.
    async fn homework_to_review(&self, ctx: &Context<'_>) -> GqlResult<Vec<Homework>> {
        Ok(
            load_visible::<crate::homework::service::DueForSessions>(ctx, self.model.id, ())
                .await?
                .into_iter()
                .map(Homework::from)
                .collect(),
        )
    }
}

/// Book a session.
#[derive(InputObject)]
pub struct ScheduleSessionInput {
    /// The client.
    pub client_id: ID,
    /// When it starts.
    pub scheduled_at: DateTime<Utc>,
    /// How long, 5 to 480 minutes; 50 when omitted.
    pub duration_minutes: Option<i32>,
    /// What it is about (at most 500 characters).
    pub focus: Option<String>,
    /// Who holds it: a therapist on the care team. Defaults to the scheduling therapist.
    pub therapist_id: Option<ID>,
    /// The EHR's appointment id (unique in the practice); prefer `upsertSessionByExternalRef`
    /// for calendar syncs.
    pub external_ref: Option<String>,
}

/// Create or update the session with an EHR appointment id.
#[derive(InputObject)]
pub struct UpsertSessionInput {
    /// The EHR's appointment id (1 to 200 characters).
    pub external_ref: String,
    /// The client; a session's client never changes.
    pub client_id: ID,
    /// When it starts.
    pub scheduled_at: DateTime<Utc>,
    /// How long, 5 to 480 minutes; 50 when omitted.
    pub duration_minutes: Option<i32>,
    /// What it is about (at most 500 characters).
    pub focus: Option<String>,
    /// Who holds it: a therapist on the care team; kept when omitted.
    pub therapist_id: Option<ID>,
    /// Its status in the EHR; SCHEDULED when omitted.
    pub status: Option<SessionStatusValue>,
}

/// Mark a session held.
#[derive(InputObject)]
pub struct CompleteSessionInput {
    /// The session.
    pub session_id: ID,
}

/// Call a session off.
#[derive(InputObject)]
pub struct CancelSessionInput {
    /// The session.
    pub session_id: ID,
    /// Why (at most 1,000 characters).
    pub reason: Option<String>,
}

/// The session after a change.
#[derive(SimpleObject)]
pub struct SessionPayload {
    /// The session as it now is.
    pub session: TherapySession,
}

/// The session after an upsert.
#[derive(SimpleObject)]
pub struct UpsertSessionPayload {
    /// The session as it now is.
    pub session: TherapySession,
    /// Whether this call created it (false: it existed and was updated or left as it was).
    pub created: bool,
}
