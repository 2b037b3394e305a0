//! The `Client` fields this domain owns. The schema's root merges them with the other
//! domains' into the one `Client` type (`crate::schema::Client`).

use crate::error::GqlResult;
use crate::graphql::loaders::ClientModel;
use crate::graphql::loaders::load_clinical;
use async_graphql::Context;
use async_graphql::Object;

use super::types::{Goal, GoalStatusValue};

/// The goals fields of a client.
pub struct ClientGoals {
    pub model: ClientModel,
}

#[Object]
impl ClientGoals {
    /// The client's goals, oldest first. Clinical: visible to the care team, the client,
    /// and integrators with `CLINICAL_READ`; others get `NOT_FOUND`.
    async fn goals(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only goals with one of these statuses; all when omitted.")]
        status: Option<Vec<GoalStatusValue>>,
    ) -> GqlResult<Vec<Goal>> {
        let goals =
            load_clinical::<crate::goals::service::GoalsOfClients>(ctx, self.model.id, ()).await?;
        let wanted: Option<Vec<&str>> = status.map(|s| {
            s.into_iter()
                .map(|v| crate::goals::domain::GoalStatus::from(v).as_str())
                .collect()
        });
        Ok(goals
            .into_iter()
            .filter(|g| {
                wanted
                    .as_ref()
                    .is_none_or(|w| w.contains(&g.status.as_str()))
            })
            .map(Goal::from)
            .collect())
    }
}
