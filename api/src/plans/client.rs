//! The `Client` fields this domain owns. The schema's root merges them with the other
//! domains' into the one `Client` type (`crate::schema::Client`).

use crate::error::GqlResult;
use crate::graphql::loaders::ClientModel;
use crate::graphql::loaders::clinical_list;
use async_graphql::Context;
use async_graphql::Object;
use chrono::DateTime;
use chrono::Utc;

use super::types::{ActionPlan, ObstacleSummary};

/// The plans fields of a client.
pub struct ClientPlans {
    pub model: ClientModel,
}

#[Object]
impl ClientPlans {
    /// The action plans of all the client's goals, oldest first (at most 200; each goal's
    /// `actionPlans` has all of its own). Clinical.
    async fn action_plans(&self, ctx: &Context<'_>) -> GqlResult<Vec<ActionPlan>> {
        clinical_list::<crate::plans::service::PlansOfClients, _, ActionPlan>(
            ctx,
            self.model.id,
            (),
        )
        .await
    }
    /// Per obstacle kind: how often it was met, how often the coping plan was used, and
    /// how much it helped on average. Every kind is listed, in a fixed order. Clinical.
    async fn obstacle_summary(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only obstacles met at or after this instant; all when omitted.")]
        since: Option<DateTime<Utc>>,
    ) -> GqlResult<Vec<ObstacleSummary>> {
        clinical_list::<crate::plans::service::ObstacleSummaries, _, ObstacleSummary>(
            ctx,
            self.model.id,
            since,
        )
        .await
    }
}
