//! The `Client` fields this domain owns. The schema's root merges them with the other
//! domains' into the one `Client` type (`crate::schema::Client`).

use crate::error::GqlResult;
use crate::graphql::loaders::ClientModel;
use crate::graphql::loaders::clinical_list;
use async_graphql::Context;
use async_graphql::Object;

use super::types::{CheckIn, CheckInStatusValue};

/// The checkins fields of a client.
pub struct ClientCheckIns {
    pub model: ClientModel,
}

#[Object]
impl ClientCheckIns {
    /// The client's check-ins by due time (at most 200), optionally of one status. Clinical.
    async fn check_ins(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only check-ins with this status.")] status: Option<CheckInStatusValue>,
    ) -> GqlResult<Vec<CheckIn>> {
        clinical_list::<crate::checkins::service::CheckInsOf, _, CheckIn>(
            ctx,
            self.model.id,
            status.map(Into::into),
        )
        .await
    }
}
