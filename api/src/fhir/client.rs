//! The `Client` fields this domain owns. The schema's root merges them with the other
//! domains' into the one `Client` type (`crate::schema::Client`).

use crate::error::GqlResult;
use crate::graphql::loaders::ClientModel;
use async_graphql::Context;
use async_graphql::Object;
use chrono::DateTime;
use chrono::Utc;

/// The fhir fields of a client.
pub struct ClientFhir {
    pub model: ClientModel,
}

#[Object]
impl ClientFhir {
    /// The client's record as a FHIR R4 `Bundle` (type `collection`): Patient, Goal,
    /// CarePlan, Task, Observation and QuestionnaireResponse resources linked by
    /// `urn:uuid:` references (docs/fhir.md has the mapping).
    /// Private entries are left out. Tracker entries (at most 1,000) and measures (at
    /// most 200) are the oldest from `since` on: to export more, call again with `since`
    /// set to the last one's time. Clinical: the care team, the client, and integrators
    /// with `CLINICAL_READ`; others get `NOT_FOUND`.
    async fn fhir_bundle(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Only tracker entries and measures at or after this instant (not in the future); all when omitted."
        )]
        since: Option<DateTime<Utc>>,
    ) -> GqlResult<crate::fhir::types::FhirJson> {
        crate::fhir::resolvers::client_bundle(ctx, self.model.id, since).await
    }
}
