//! The `Client` fields this domain owns. The schema's root merges them with the other
//! domains' into the one `Client` type (`crate::schema::Client`).

use crate::error::GqlResult;
use crate::graphql::context;
use crate::graphql::loaders::ClientModel;
use crate::graphql::loaders::check_clinical;
use crate::graphql::loaders::clinical_list;
use crate::graphql::loaders::load;
use crate::graphql::loaders::load_clinical;
use crate::graphql::pagination::Conn;
use crate::graphql::pagination::connection;
use crate::graphql::pagination::encode_cursor;
use crate::graphql::pagination::paged;
use async_graphql::Context;
use async_graphql::Object;
use chrono::DateTime;
use chrono::Utc;

use super::types::{ThoughtRecord, ThoughtRecordSummary, Tracker};

/// The tracking fields of a client.
pub struct ClientTracking {
    pub model: ClientModel,
}

#[Object]
impl ClientTracking {
    /// The client's trackers: MOOD, ANXIETY, then custom ones by creation (with archived
    /// ones, the oldest 100). Clinical.
    async fn trackers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Include archived trackers.", default)] include_archived: bool,
    ) -> GqlResult<Vec<Tracker>> {
        clinical_list::<crate::tracking::service::TrackersOf, _, Tracker>(
            ctx,
            self.model.id,
            include_archived,
        )
        .await
    }
    /// The client's thought records by the time they were written. PRIVATE ones show to
    /// others than the client as `hidden`, without content. Clinical.
    async fn thought_records(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, counting forward (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue forward from.")] after: Option<String>,
        #[graphql(desc = "Page size, counting backward (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue backward from.")] before: Option<String>,
    ) -> GqlResult<Conn<ThoughtRecord>> {
        let role = context::viewer(ctx)?.role();
        let args = paged(ctx, first, after, last, before, ())?;
        let page =
            load_clinical::<crate::tracking::thoughts::ThoughtRecordsOf>(ctx, self.model.id, args)
                .await?;
        Ok(connection(
            page,
            |(r, _)| encode_cursor(&(r.recorded_at, r.id)),
            |row| ThoughtRecord::new(row, role),
        ))
    }
    /// How many thought records, and the mean drop in emotion and belief over those the
    /// viewer may read. Clinical.
    async fn thought_record_summary(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only records written at or after this instant; all when omitted.")]
        since: Option<DateTime<Utc>>,
    ) -> GqlResult<ThoughtRecordSummary> {
        check_clinical(ctx, self.model.id).await?;
        let s =
            load::<crate::tracking::trends::ThoughtSummaries>(ctx, self.model.id, since).await?;
        Ok(ThoughtRecordSummary {
            count: s.as_ref().map_or(0, |s| s.count),
            hidden_count: s.as_ref().map_or(0, |s| s.hidden),
            mean_emotion_drop: s.as_ref().and_then(|s| s.mean_emotion_drop),
            mean_belief_drop: s.as_ref().and_then(|s| s.mean_belief_drop),
        })
    }
}
