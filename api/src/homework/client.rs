//! The `Client` fields this domain owns. The schema's root merges them with the other
//! domains' into the one `Client` type (`crate::schema::Client`).

use crate::error::GqlResult;
use crate::graphql::loaders::ClientModel;
use crate::graphql::loaders::clinical_list;
use crate::graphql::loaders::load_clinical;
use async_graphql::Context;
use async_graphql::Object;

use super::types::{Homework, HomeworkStatusValue};

/// The homework fields of a client.
pub struct ClientHomework {
    pub model: ClientModel,
}

#[Object]
impl ClientHomework {
    /// The client's homework by due date: the latest 200 assignments (of the statuses
    /// asked for). Clinical.
    async fn homework(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only homework with one of these statuses; all when omitted.")]
        status: Option<Vec<HomeworkStatusValue>>,
    ) -> GqlResult<Vec<Homework>> {
        let wanted: Option<Vec<String>> = status.map(|s| {
            let mut w: Vec<String> = s
                .into_iter()
                .map(|v| {
                    crate::homework::domain::HomeworkStatus::from(v)
                        .as_str()
                        .to_owned()
                })
                .collect();
            w.sort();
            w.dedup();
            w
        });
        Ok(
            load_clinical::<crate::homework::service::HomeworkOfClients>(
                ctx,
                self.model.id,
                wanted,
            )
            .await?
            .into_iter()
            .map(Homework::from)
            .collect(),
        )
    }
    /// Submitted homework not yet reviewed, oldest submission first (at most 100): the agenda
    /// for the next session. Clinical.
    async fn homework_to_review(&self, ctx: &Context<'_>) -> GqlResult<Vec<Homework>> {
        clinical_list::<crate::homework::service::ToReview, _, Homework>(ctx, self.model.id, ())
            .await
    }
}
