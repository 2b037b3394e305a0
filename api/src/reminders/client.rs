//! The `Client` fields this domain owns. The schema's root merges them with the other
//! domains' into the one `Client` type (`crate::schema::Client`).

use async_graphql::{Context, Object};
use chrono::{DateTime, Utc};

use super::types::{ReminderPreferences, UpcomingReminder};
use crate::{
    error::GqlResult,
    graphql::loaders::{ClientModel, load_clinical},
};

/// The reminders fields of a client.
pub struct ClientReminders {
    pub model: ClientModel,
}

#[Object]
impl ClientReminders {
    /// The client's reminder preferences (the defaults until set). Clinical.
    async fn reminder_preferences(&self, ctx: &Context<'_>) -> GqlResult<ReminderPreferences> {
        Ok(
            load_clinical::<super::service::PreferencesOf>(ctx, self.model.id, ())
                .await?
                .into(),
        )
    }

    /// The client's reminders that fire from `from` to `to` (at most 31 days, at most 500
    /// reminders), in the order they fire: homework and check-ins due and measures due at the
    /// client's preferred times, action times and tracker prompts at their own; never inside
    /// quiet hours, none while paused, backing off when the client lets them pass. Apps
    /// schedule them as local notifications. Clinical.
    async fn upcoming_reminders(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The start of the window.")] from: DateTime<Utc>,
        #[graphql(desc = "The end of the window (excluded).")] to: DateTime<Utc>,
    ) -> GqlResult<Vec<UpcomingReminder>> {
        let window = super::service::window(from, to)?;
        let tz = self.model.timezone.clone();
        Ok(
            load_clinical::<super::service::UpcomingOf>(ctx, self.model.id, window)
                .await?
                .into_iter()
                .map(|r| UpcomingReminder::new(r, &tz))
                .collect(),
        )
    }
}
