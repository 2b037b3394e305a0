//! The subscription root of real-time progress.

use async_graphql::{Context, ID, Object, Subscription};
use futures_util::{Stream, StreamExt as _};

use super::{
    domain::KINDS_MAX,
    service::{self, Filter},
    types::{EventKindValue, ProgressEvent},
};
use crate::{
    error::{GqlError, GqlResult, ServiceError},
    graphql::context,
    values::parse_id,
};

/// Real-time queries.
#[derive(Default)]
pub struct RealtimeQuery;

#[Object]
impl RealtimeQuery {
    /// The position of "now" in the progress feed. Read your data and this cursor in one
    /// request, then subscribe to `progressEvents(after: …)` with it: nothing that happens
    /// in between is missed.
    async fn progress_cursor(&self, ctx: &Context<'_>) -> GqlResult<String> {
        context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let at = crate::events::feed::now(&state.db)
            .await
            .map_err(ServiceError::from)?;
        Ok(service::cursor_string(&at))
    }
}

/// Real-time subscriptions.
#[derive(Default)]
pub struct RealtimeSubscription;

#[Subscription]
impl RealtimeSubscription {
    /// Progress as it happens: every change to the records the viewer may follow, under
    /// the same scope as queries (a client their own record, a therapist their care
    /// team's clients, integrators with `EVENTS_READ` their practice). With `after` (an
    /// event's `cursor`), the events since are replayed first and the stream goes on live,
    /// with no gap and no duplicate. Without it, the stream starts now.
    async fn progress_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Only this client's events; NOT_FOUND unless the viewer may follow them."
        )]
        client_id: Option<ID>,
        #[graphql(desc = "Only these kinds; all when omitted.")] kinds: Option<Vec<EventKindValue>>,
        #[graphql(desc = "Resume after this cursor (from an event you received).")] after: Option<
            String,
        >,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<ProgressEvent>> + use<>>
    {
        let gql = |e: ServiceError| async_graphql::Error::from(GqlError::from(e));
        let viewer = context::viewer(ctx).map_err(async_graphql::Error::from)?;
        let state = context::state(ctx).map_err(async_graphql::Error::from)?;
        let kinds = kinds.unwrap_or_default();
        if kinds.len() > KINDS_MAX {
            return Err(gql(ServiceError::bad_input(
                "kinds",
                format!("at most {KINDS_MAX} kinds"),
            )));
        }
        let filter = Filter {
            client_id: client_id
                .as_ref()
                .map(|id| parse_id(id, "clientId"))
                .transpose()
                .map_err(gql)?,
            kinds: kinds.into_iter().map(Into::into).collect(),
        };
        let after = after
            .as_deref()
            .map(|a| crate::pagination::decode_cursor(a, "after"))
            .transpose()
            .map_err(gql)?;
        let following = service::start(&state.db, &state.hub, viewer, filter, after)
            .await
            .map_err(gql)?;
        let poll = std::time::Duration::from_millis(state.config.event_poll_ms);
        let open = crate::telemetry::OpenSubscription::new("progressEvents");
        Ok(
            service::stream(state.hub.clone(), state.db.clone(), following, poll).map(
                move |item| {
                    item.map(|(e, c)| {
                        open.delivered(e.id, &e.kind, e.created_at);
                        ProgressEvent::new(e, service::cursor_string(&c))
                    })
                    .map_err(gql)
                },
            ),
        )
    }
}
