//! The `Client` fields this domain owns. The schema's root merges them with the other
//! domains' into the one `Client` type (`crate::schema::Client`).

use crate::error::GqlResult;
use crate::graphql::loaders::ClientModel;
use crate::graphql::loaders::clinical_list;
use async_graphql::Context;
use async_graphql::Object;

use super::types::{InstrumentValue, MeasureAssignment, MeasureResponse};

/// The measures fields of a client.
pub struct ClientMeasures {
    pub model: ClientModel,
}

#[Object]
impl ClientMeasures {
    /// The client's assigned measures that are due now, most overdue first. Clinical.
    async fn measures_due(&self, ctx: &Context<'_>) -> GqlResult<Vec<MeasureAssignment>> {
        clinical_list::<crate::measures::service::DueOf, _, MeasureAssignment>(
            ctx,
            self.model.id,
            (),
        )
        .await
    }
    /// The client's responses to one instrument, oldest first (at most 500). Clinical.
    async fn measure_history(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which instrument.")] instrument: InstrumentValue,
    ) -> GqlResult<Vec<MeasureResponse>> {
        clinical_list::<crate::measures::service::HistoryOf, _, MeasureResponse>(
            ctx,
            self.model.id,
            instrument.into(),
        )
        .await
    }
}
