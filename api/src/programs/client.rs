//! The `Client` fields this domain owns. The schema's root merges them with the other
//! domains' into the one `Client` type (`crate::schema::Client`).

use async_graphql::{Context, Object};

use super::types::ProgramEnrollment;
use crate::{
    error::GqlResult,
    graphql::loaders::{ClientModel, clinical_list},
};

/// The programme fields of a client.
pub struct ClientPrograms {
    pub model: ClientModel,
}

#[Object]
impl ClientPrograms {
    /// The client's programme enrolments, newest first (at most 50), each with where its
    /// modules stand: open ones with the work they assigned, locked ones with why. Clinical;
    /// integrators also need `PROGRAMS_READ`.
    async fn programs(&self, ctx: &Context<'_>) -> GqlResult<Vec<ProgramEnrollment>> {
        clinical_list::<super::service::EnrollmentsOf, _, _>(ctx, self.model.id, ()).await
    }
}
