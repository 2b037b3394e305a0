//! Check-in mutations: thin — guard, parse, call the service, map.

use async_graphql::{Context, Object};

use super::{
    domain::{PROMPT_MAX, RESPONSE_MAX},
    service::{self, NewCheckIn},
    types::*,
};
use crate::{
    error::GqlResult,
    graphql::{context, recurrence::RepeatInput},
    values::{parse_id, rating, required_free_text, required_text},
};

/// Check-in mutations.
#[derive(Default)]
pub struct CheckInsMutation;

#[Object]
impl CheckInsMutation {
    /// Schedules a check-in, or a recurring series of them (the care team; integrators
    /// with `CLINICAL_WRITE`).
    async fn schedule_check_in(
        &self,
        ctx: &Context<'_>,
        input: ScheduleCheckInInput,
    ) -> GqlResult<ScheduleCheckInPayload> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let new = NewCheckIn {
            client_id: parse_id(&input.client_id, "input.clientId")?,
            prompt: required_text(&input.prompt, "input.prompt", PROMPT_MAX)?,
            due_at: input.due_at,
            repeat: input.recurrence.map(RepeatInput::parse).transpose()?,
        };
        let rows = service::schedule(&state.db, viewer, new).await?;
        Ok(ScheduleCheckInPayload {
            check_ins: rows.into_iter().map(CheckIn::from).collect(),
        })
    }

    /// The client answers a check-in, with their mood if they like.
    async fn respond_to_check_in(
        &self,
        ctx: &Context<'_>,
        input: RespondToCheckInInput,
    ) -> GqlResult<CheckInPayload> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let id = parse_id(&input.check_in_id, "input.checkInId")?;
        let text = required_free_text(&input.text, "input.text", RESPONSE_MAX)?;
        let mood = input.mood.map(|m| rating(m, "input.mood")).transpose()?;
        let row = service::respond(&state.db, viewer, id, text, mood).await?;
        Ok(CheckInPayload {
            check_in: row.into(),
        })
    }
}
