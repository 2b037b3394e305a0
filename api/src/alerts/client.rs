//! The `Client` fields this domain owns. The schema's root merges them with the other
//! domains' into the one `Client` type (`crate::schema::Client`).

use crate::error::GqlResult;
use crate::graphql::loaders::ClientModel;
use crate::graphql::loaders::clinical_list;
use async_graphql::Context;
use async_graphql::Object;

use super::types::{Alert, AlertStatusValue};

/// The alerts fields of a client.
pub struct ClientAlerts {
    pub model: ClientModel,
}

#[Object]
impl ClientAlerts {
    /// The client's alerts, most severe then oldest first (at most 200). For the care
    /// team and integrators with `CLINICAL_READ`; clients get `FORBIDDEN`.
    async fn alerts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only alerts with this status; all when omitted.")] status: Option<
            AlertStatusValue,
        >,
    ) -> GqlResult<Vec<Alert>> {
        clinical_list::<crate::alerts::service::AlertsOf, _, Alert>(
            ctx,
            self.model.id,
            status.map(Into::into),
        )
        .await
    }
}
