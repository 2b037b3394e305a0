//! The `Client` fields this domain owns. The schema's root merges them with the other
//! domains' into the one `Client` type (`crate::schema::Client`).

use crate::error::GqlResult;
use crate::graphql::context;
use crate::graphql::loaders::ClientModel;
use crate::graphql::loaders::load_clinical;
use async_graphql::Context;
use async_graphql::Object;

/// The insights fields of a client.
pub struct ClientInsights {
    pub model: ClientModel,
}

#[Object]
impl ClientInsights {
    /// How engaged the client has been with the work between sessions over the last 14
    /// days (configurable): a 0-100 score, its trend and parts, the tracking streak and
    /// days since the last activity (clinical access; docs/insights.md, "Momentum score").
    async fn momentum(&self, ctx: &Context<'_>) -> GqlResult<crate::insights::types::Momentum> {
        let fresh = crate::insights::resolvers::freshness(&context::state(ctx)?.config);
        let window_days = fresh.window_days;
        let args = (window_days, fresh.max_age.num_seconds());
        let inner =
            load_clinical::<crate::insights::caseload::MomentumOf>(ctx, self.model.id, args)
                .await?;
        Ok(crate::insights::types::Momentum { inner, window_days })
    }
}
