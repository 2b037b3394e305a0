//! Practice queries.

use async_graphql::{Context, Object};

use super::{service, types::Practice};
use crate::{error::GqlResult, graphql::context};

/// Practice queries.
#[derive(Default)]
pub struct PracticesQuery;

#[Object]
impl PracticesQuery {
    /// The practice the viewer belongs to.
    async fn practice(&self, ctx: &Context<'_>) -> GqlResult<Practice> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        Ok(service::current(&state.db, viewer).await?.into())
    }
}
