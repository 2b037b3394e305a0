//! Reminder mutations: thin — guard, parse, call the service, map.

use async_graphql::{Context, Object};

use super::{
    domain::{Preferences, QuietHours},
    service::{self, NewPreferences},
    types::*,
};
use crate::{error::GqlResult, graphql::context, values::parse_id};

/// Reminder mutations.
#[derive(Default)]
pub struct RemindersMutation;

#[Object]
impl RemindersMutation {
    /// Sets a client's reminder preferences, whole: the client's own, or the care team's
    /// when the client allows it (`careTeamMayEdit`).
    async fn set_reminder_preferences(
        &self,
        ctx: &Context<'_>,
        input: SetReminderPreferencesInput,
    ) -> GqlResult<ReminderPreferencesPayload> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let quiet = input
            .quiet_hours
            .map(|q| {
                QuietHours::parse(
                    local_time(&q.start, "input.quietHours.start")?,
                    local_time(&q.end, "input.quietHours.end")?,
                    "input.quietHours",
                )
            })
            .transpose()?;
        let times = input
            .preferred_times
            .iter()
            .enumerate()
            .map(|(i, t)| local_time(t, &format!("input.preferredTimes[{i}]")))
            .collect::<Result<Vec<_>, _>>()?;
        let preferences = Preferences::parse(
            quiet,
            times,
            input.kinds.into_iter().map(Into::into).collect(),
            input.paused_until,
            "input",
        )?;
        let stored = service::set_preferences(
            &state.db,
            viewer,
            NewPreferences {
                client_id: parse_id(&input.client_id, "input.clientId")?,
                preferences,
                care_team_may_edit: input.care_team_may_edit,
            },
        )
        .await?;
        Ok(ReminderPreferencesPayload {
            preferences: stored.into(),
        })
    }
}
