//! The `Client` fields this domain owns. The schema's root merges them with the other
//! domains' into the one `Client` type (`crate::schema::Client`).

use crate::error::GqlResult;
use crate::graphql::loaders::ClientModel;
use crate::graphql::loaders::load_clinical;
use crate::graphql::loaders::load_clinical_optional;
use crate::graphql::pagination::Conn;
use crate::graphql::pagination::connection;
use crate::graphql::pagination::encode_cursor;
use crate::graphql::pagination::paged;
use async_graphql::Context;
use async_graphql::Object;

use super::types::{SessionStatusValue, TherapySession};

/// The sessions fields of a client.
pub struct ClientSessions {
    pub model: ClientModel,
}

#[Object]
impl ClientSessions {
    /// The client's therapy sessions by start time. Clinical.
    async fn sessions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only sessions with this status.")] status: Option<SessionStatusValue>,
        #[graphql(desc = "Page size, counting forward (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue forward from.")] after: Option<String>,
        #[graphql(desc = "Page size, counting backward (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue backward from.")] before: Option<String>,
    ) -> GqlResult<Conn<TherapySession>> {
        let args = paged(ctx, first, after, last, before, status.map(Into::into))?;
        let page =
            load_clinical::<crate::sessions::service::SessionsOf>(ctx, self.model.id, args).await?;
        Ok(connection(
            page,
            |s| encode_cursor(&(s.scheduled_at, s.id)),
            TherapySession::from,
        ))
    }
    /// The earliest SCHEDULED session from now on. Clinical.
    async fn next_session(&self, ctx: &Context<'_>) -> GqlResult<Option<TherapySession>> {
        Ok(
            load_clinical_optional::<crate::sessions::service::NextSession>(ctx, self.model.id, ())
                .await?
                .map(TherapySession::from),
        )
    }
    /// The latest COMPLETED session. Clinical.
    async fn last_session(&self, ctx: &Context<'_>) -> GqlResult<Option<TherapySession>> {
        Ok(
            load_clinical_optional::<crate::sessions::service::LastSession>(ctx, self.model.id, ())
                .await?
                .map(TherapySession::from),
        )
    }
}
