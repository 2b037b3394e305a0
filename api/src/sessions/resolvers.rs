//! Session queries and mutations: thin — guard, parse, call the service, map.

use async_graphql::{Context, ID, Object};

use super::{
    domain::{self, FOCUS_MAX, NewSession, REASON_MAX, SessionStatus},
    service,
    types::*,
};
use crate::{
    clients::domain::EXTERNAL_REF_MAX,
    error::{GqlResult, ServiceError},
    graphql::context,
    values::{optional_text, parse_id, short_text, stored_instant},
};

/// The usual length of a therapy session, in minutes.
const DEFAULT_MINUTES: i32 = 50;

/// Session queries.
#[derive(Default)]
pub struct SessionsQuery;

#[Object]
impl SessionsQuery {
    /// One therapy session. `NOT_FOUND` when it does not exist or the viewer may not see it.
    async fn therapy_session(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The session's id.")] id: ID,
    ) -> GqlResult<Option<TherapySession>> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let id = parse_id(&id, "id")?;
        Ok(Some(service::get(&state.db, viewer, id).await?.into()))
    }
}

/// Session mutations.
#[derive(Default)]
pub struct SessionsMutation;

fn new_session(
    client_id: &ID,
    scheduled_at: chrono::DateTime<chrono::Utc>,
    duration_minutes: Option<i32>,
    focus: Option<&str>,
    therapist_id: Option<&ID>,
    external_ref: Option<&str>,
) -> Result<NewSession, ServiceError> {
    Ok(NewSession {
        client_id: parse_id(client_id, "input.clientId")?,
        scheduled_at: stored_instant(scheduled_at),
        duration_minutes: domain::duration(
            duration_minutes.unwrap_or(DEFAULT_MINUTES),
            "input.durationMinutes",
        )?,
        focus: optional_text(focus, "input.focus", FOCUS_MAX)?,
        therapist_id: therapist_id
            .map(|t| parse_id(t, "input.therapistId"))
            .transpose()?,
        external_ref: external_ref
            .map(|r| short_text(r, "input.externalRef", EXTERNAL_REF_MAX))
            .transpose()?,
    })
}

#[Object]
impl SessionsMutation {
    /// Books a session for a client (the care team, integrators with `CLINICAL_WRITE`).
    async fn schedule_session(
        &self,
        ctx: &Context<'_>,
        input: ScheduleSessionInput,
    ) -> GqlResult<SessionPayload> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let new = new_session(
            &input.client_id,
            input.scheduled_at,
            input.duration_minutes,
            input.focus.as_deref(),
            input.therapist_id.as_ref(),
            input.external_ref.as_deref(),
        )?;
        let session = service::schedule(&state.db, viewer, new).await?;
        Ok(SessionPayload {
            session: session.into(),
        })
    }

    /// Creates the session with this EHR appointment id, or brings it up to date: a
    /// calendar sync can send every appointment every time without making duplicates.
    async fn upsert_session_by_external_ref(
        &self,
        ctx: &Context<'_>,
        input: UpsertSessionInput,
    ) -> GqlResult<UpsertSessionPayload> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let new = new_session(
            &input.client_id,
            input.scheduled_at,
            input.duration_minutes,
            input.focus.as_deref(),
            input.therapist_id.as_ref(),
            Some(&input.external_ref),
        )?;
        let status = input.status.map_or(SessionStatus::Scheduled, Into::into);
        let (session, created) =
            service::upsert_by_external_ref(&state.db, viewer, new, status).await?;
        Ok(UpsertSessionPayload {
            session: session.into(),
            created,
        })
    }

    /// Marks a scheduled session held. Completing it twice changes nothing.
    async fn complete_session(
        &self,
        ctx: &Context<'_>,
        input: CompleteSessionInput,
    ) -> GqlResult<SessionPayload> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let id = parse_id(&input.session_id, "input.sessionId")?;
        let session =
            service::finish(&state.db, viewer, id, SessionStatus::Completed, None).await?;
        Ok(SessionPayload {
            session: session.into(),
        })
    }

    /// Calls a scheduled session off. Cancelling it twice changes nothing.
    async fn cancel_session(
        &self,
        ctx: &Context<'_>,
        input: CancelSessionInput,
    ) -> GqlResult<SessionPayload> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let id = parse_id(&input.session_id, "input.sessionId")?;
        let reason = optional_text(input.reason.as_deref(), "input.reason", REASON_MAX)?;
        let session =
            service::finish(&state.db, viewer, id, SessionStatus::Cancelled, reason).await?;
        Ok(SessionPayload {
            session: session.into(),
        })
    }
}
