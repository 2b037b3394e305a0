//! The brief's query: thin — parse, call the service, map.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};

use super::{service, types::SessionBrief};
use crate::{error::GqlResult, graphql::context, values::parse_id};

/// Brief queries.
#[derive(Default)]
pub struct BriefsQuery;

#[Object]
impl BriefsQuery {
    /// What happened since the last session, for the care team before the next one
    /// (therapists on the care team, admins on it, integrators with `CLINICAL_READ`).
    /// Clients get `FORBIDDEN`; a client the viewer may not read is `NOT_FOUND`.
    async fn session_brief(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The client.")] client_id: ID,
        #[graphql(
            desc = "The start of the window (not in the future). By default the scheduled time of the client's last COMPLETED session, or when the client was added."
        )]
        since: Option<DateTime<Utc>>,
    ) -> GqlResult<SessionBrief> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let client_id = parse_id(&client_id, "clientId")?;
        let brief = service::brief(&state.db, viewer, client_id, since, Utc::now()).await?;
        Ok(brief.into())
    }
}
