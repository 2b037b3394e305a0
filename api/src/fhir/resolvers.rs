//! The FHIR export's resolver: `Client.fhirBundle` (declared on the Client type) calls
//! [`client_bundle`]. There is no root field: the export hangs off the client it is of.

use async_graphql::{Context, Json};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::types::FhirJson;
use crate::{error::GqlResult, graphql::context};

/// The FHIR bundle of one client, for the viewer of the request.
pub async fn client_bundle(
    ctx: &Context<'_>,
    client_id: Uuid,
    since: Option<DateTime<Utc>>,
) -> GqlResult<FhirJson> {
    let viewer = context::viewer(ctx)?;
    let state = context::state(ctx)?;
    Ok(Json(
        super::service::bundle(&state.db, viewer, client_id, since).await?,
    ))
}
