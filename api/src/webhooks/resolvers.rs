//! Webhook queries and mutations (practice admins): thin — guard, parse, call the
//! service, map.

use async_graphql::{Context, ID, Object};

use super::{
    domain::{KINDS_MAX, WebhookUrl},
    service::{self, NewWebhook, WebhookChanges},
    types::*,
};
use crate::{
    error::{GqlResult, ServiceError},
    events::EventKind,
    graphql::{
        context,
        pagination::{Conn, PageRequest, connection, encode_cursor},
    },
    realtime::types::EventKindValue,
    values::{not_null, parse_id},
};

fn kinds(list: Vec<EventKindValue>, field: &str) -> Result<Vec<EventKind>, ServiceError> {
    if list.len() > KINDS_MAX {
        return Err(ServiceError::bad_input(
            field,
            format!("at most {KINDS_MAX} kinds"),
        ));
    }
    Ok(list.into_iter().map(Into::into).collect())
}

/// Webhook queries.
#[derive(Default)]
pub struct WebhooksQuery;

#[Object]
impl WebhooksQuery {
    /// The practice's webhooks, oldest first (practice admins).
    async fn webhooks(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, counting forward (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue forward from.")] after: Option<String>,
        #[graphql(desc = "Page size, counting backward (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue backward from.")] before: Option<String>,
    ) -> GqlResult<Conn<Webhook>> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let page = PageRequest::parse(first, after, last, before)?;
        let page = service::list(&state.db, viewer, page).await?;
        Ok(connection(
            page,
            |w| encode_cursor(&(w.created_at, w.id)),
            Webhook::from,
        ))
    }

    /// One of the practice's webhooks (practice admins).
    async fn webhook(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The webhook's id.")] id: ID,
    ) -> GqlResult<Webhook> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let id = parse_id(&id, "id")?;
        Ok(service::get(&state.db, viewer, id).await?.into())
    }

    /// A webhook's deliveries, newest first, with every attempt's response code and
    /// error (practice admins). Pages forward.
    async fn webhook_deliveries(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The webhook.")] webhook_id: ID,
        #[graphql(desc = "Only deliveries with this status; all when omitted.")] status: Option<
            WebhookDeliveryStatus,
        >,
        #[graphql(desc = "Page size (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue from.")] after: Option<String>,
    ) -> GqlResult<Conn<WebhookDelivery>> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let webhook_id = parse_id(&webhook_id, "webhookId")?;
        let page = PageRequest::parse(first, after, None, None)?;
        let page = service::deliveries(&state.db, viewer, webhook_id, status.map(Into::into), page)
            .await?;
        Ok(connection(
            page,
            |d| encode_cursor(&(d.delivery.created_at, d.delivery.id)),
            WebhookDelivery::from,
        ))
    }
}

/// Webhook mutations.
#[derive(Default)]
pub struct WebhooksMutation;

#[Object]
impl WebhooksMutation {
    /// Practice admins: registers an endpoint for the practice's events. The signing
    /// secret is returned once. Events from now on are delivered; at most 20 webhooks per
    /// practice.
    async fn create_webhook(
        &self,
        ctx: &Context<'_>,
        input: CreateWebhookInput,
    ) -> GqlResult<WebhookSecretPayload> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let new = NewWebhook {
            url: WebhookUrl::parse(&input.url, "input.url", state.config.webhooks.allow_http)?,
            kinds: kinds(input.kinds.unwrap_or_default(), "input.kinds")?,
        };
        let (webhook, secret) = service::create(&state.db, &state.data_keys, viewer, new).await?;
        Ok(WebhookSecretPayload {
            webhook: webhook.into(),
            secret,
        })
    }

    /// Practice admins: changes a webhook's URL or kinds, or disables or re-enables it.
    async fn update_webhook(
        &self,
        ctx: &Context<'_>,
        input: UpdateWebhookInput,
    ) -> GqlResult<WebhookPayload> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let id = parse_id(&input.webhook_id, "input.webhookId")?;
        let allow_http = state.config.webhooks.allow_http;
        let changes = WebhookChanges {
            url: not_null(input.url, "input.url", |u| {
                WebhookUrl::parse(&u, "input.url", allow_http)
            })?,
            kinds: not_null(input.kinds, "input.kinds", |k| kinds(k, "input.kinds"))?,
            enabled: not_null(input.enabled, "input.enabled", Ok)?,
            expected_version: input.expected_version,
        };
        Ok(WebhookPayload {
            webhook: service::update(&state.db, viewer, id, changes)
                .await?
                .into(),
        })
    }

    /// Practice admins: deletes a webhook with its queued and past deliveries.
    async fn delete_webhook(
        &self,
        ctx: &Context<'_>,
        input: WebhookIdInput,
    ) -> GqlResult<DeleteWebhookPayload> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let id = parse_id(&input.webhook_id, "input.webhookId")?;
        let id = service::delete(&state.db, viewer, id).await?;
        Ok(DeleteWebhookPayload {
            deleted_webhook_id: ID(id.to_string()),
        })
    }

    /// Practice admins: replaces a webhook's signing secret and returns the new one once.
    /// For 24 hours deliveries carry a second signature with the old secret, so the
    /// receiver can switch without rejecting any.
    async fn rotate_webhook_secret(
        &self,
        ctx: &Context<'_>,
        input: WebhookIdInput,
    ) -> GqlResult<WebhookSecretPayload> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let id = parse_id(&input.webhook_id, "input.webhookId")?;
        let (webhook, secret) =
            service::rotate_secret(&state.db, &state.data_keys, viewer, id).await?;
        Ok(WebhookSecretPayload {
            webhook: webhook.into(),
            secret,
        })
    }

    /// Practice admins: sends a delivery again now (a FAILED one, or one the receiver
    /// lost). Its attempts so far are kept.
    async fn redeliver_webhook(
        &self,
        ctx: &Context<'_>,
        input: RedeliverWebhookInput,
    ) -> GqlResult<WebhookDeliveryPayload> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let id = parse_id(&input.delivery_id, "input.deliveryId")?;
        Ok(WebhookDeliveryPayload {
            delivery: service::redeliver(&state.db, viewer, id).await?.into(),
        })
    }
}
