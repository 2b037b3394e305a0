//! The `Client` fields this domain owns. The schema's root merges them with the other
//! domains' into the one `Client` type (`crate::schema::Client`).

use crate::error::GqlResult;
use crate::graphql::loaders::ClientModel;
use crate::graphql::loaders::clinical_list;
use crate::graphql::loaders::load_clinical;
use async_graphql::Context;
use async_graphql::Object;

use super::types::{ResourceShare, SupportContact};

/// The resources fields of a client.
pub struct ClientResources {
    pub model: ClientModel,
}

#[Object]
impl ClientResources {
    /// The resources shared with the client, newest first (at most 200), with whether they
    /// opened each. Clinical.
    async fn resources(&self, ctx: &Context<'_>) -> GqlResult<Vec<ResourceShare>> {
        Ok(
            load_clinical::<crate::resources::service::SharedWith>(ctx, self.model.id, ())
                .await?
                .into_iter()
                .map(|(share, resource)| ResourceShare { share, resource })
                .collect(),
        )
    }
    /// The client's support network, by name. Clinical: the care team and the client.
    async fn support_contacts(&self, ctx: &Context<'_>) -> GqlResult<Vec<SupportContact>> {
        clinical_list::<crate::resources::service::ContactsOf, _, SupportContact>(
            ctx,
            self.model.id,
            (),
        )
        .await
    }
}
