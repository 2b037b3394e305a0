//! Resource and support queries and mutations: thin — guard, parse, call the service, map.

use async_graphql::{Context, ID, Object};

use super::{
    domain::{
        self, DESCRIPTION_MAX, HELP_MAX, NAME_MAX, NOTE_MAX, PHONE_MAX, RELATIONSHIP_MAX, TITLE_MAX,
    },
    service::{self, ContactChanges, ContactFields, NewResource},
    types::*,
};
use crate::{
    error::{GqlResult, ServiceError},
    graphql::{
        context,
        pagination::{Conn, PageRequest, connection, encode_cursor},
    },
    values::{maybe, not_null, optional_text, parse_id, required_free_text, required_text},
};

/// Resource queries.
#[derive(Default)]
pub struct ResourcesQuery;

#[Object]
impl ResourcesQuery {
    /// The practice's resource library by title (staff; integrators with `CLINICAL_READ`).
    async fn resources(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only resources of this kind.")] kind: Option<ResourceKindValue>,
        #[graphql(desc = "Page size, counting forward (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue forward from.")] after: Option<String>,
        #[graphql(desc = "Page size, counting backward (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue backward from.")] before: Option<String>,
    ) -> GqlResult<Conn<Resource>> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let page = PageRequest::parse(first, after, last, before)?;
        let page = service::resources(&state.db, viewer, kind.map(Into::into), page).await?;
        Ok(connection(
            page,
            |r| encode_cursor(&(&r.title, r.id)),
            Resource::from,
        ))
    }
}

/// Resource and support mutations.
#[derive(Default)]
pub struct ResourcesMutation;

fn phone(raw: Option<&str>) -> Result<Option<String>, ServiceError> {
    optional_text(raw, "input.phone", PHONE_MAX)
}

#[Object]
impl ResourcesMutation {
    /// Adds a resource to the practice's library (staff; integrators with `CLINICAL_WRITE`).
    async fn create_resource(
        &self,
        ctx: &Context<'_>,
        input: CreateResourceInput,
    ) -> GqlResult<ResourcePayload> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let new = NewResource {
            title: required_text(&input.title, "input.title", TITLE_MAX)?,
            kind: input.kind.into(),
            url: input
                .url
                .as_deref()
                .map(|u| domain::web_url(u, "input.url"))
                .transpose()?,
            description: required_free_text(
                &input.description,
                "input.description",
                DESCRIPTION_MAX,
            )?,
            tags: domain::tags(&input.tags.unwrap_or_default(), "input.tags")?,
        };
        let resource = service::create_resource(&state.db, viewer, new).await?;
        Ok(ResourcePayload {
            resource: resource.into(),
        })
    }

    /// Shares a library resource with a client (the care team). Sharing again updates the
    /// note.
    async fn share_resource(
        &self,
        ctx: &Context<'_>,
        input: ShareResourceInput,
    ) -> GqlResult<ResourceSharePayload> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let client_id = parse_id(&input.client_id, "input.clientId")?;
        let resource_id = parse_id(&input.resource_id, "input.resourceId")?;
        let note = optional_text(input.note.as_deref(), "input.note", NOTE_MAX)?;
        let (share, resource) =
            service::share(&state.db, viewer, client_id, resource_id, note).await?;
        Ok(ResourceSharePayload {
            share: ResourceShare { share, resource },
        })
    }

    /// The client marks a shared resource opened (the first time counts).
    async fn mark_resource_opened(
        &self,
        ctx: &Context<'_>,
        input: MarkResourceOpenedInput,
    ) -> GqlResult<ResourceSharePayload> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let id = parse_id(&input.share_id, "input.shareId")?;
        let (share, resource) = service::mark_opened(&state.db, viewer, id).await?;
        Ok(ResourceSharePayload {
            share: ResourceShare { share, resource },
        })
    }

    /// The client adds someone to their support network.
    async fn add_support_contact(
        &self,
        ctx: &Context<'_>,
        input: AddSupportContactInput,
    ) -> GqlResult<SupportContactPayload> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let fields = ContactFields {
            name: required_text(&input.name, "input.name", NAME_MAX)?,
            relationship: required_text(
                &input.relationship,
                "input.relationship",
                RELATIONSHIP_MAX,
            )?,
            how_they_help: optional_text(
                input.how_they_help.as_deref(),
                "input.howTheyHelp",
                HELP_MAX,
            )?,
            phone: phone(input.phone.as_deref())?,
        };
        let contact = service::add_contact(&state.db, viewer, fields).await?;
        Ok(SupportContactPayload {
            contact: contact.into(),
        })
    }

    /// The client changes a support contact, if `expectedVersion` is still current.
    async fn update_support_contact(
        &self,
        ctx: &Context<'_>,
        input: UpdateSupportContactInput,
    ) -> GqlResult<SupportContactPayload> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let id = parse_id(&input.contact_id, "input.contactId")?;
        let changes = ContactChanges {
            name: not_null(input.name, "input.name", |n| {
                required_text(&n, "input.name", NAME_MAX)
            })?,
            relationship: not_null(input.relationship, "input.relationship", |r| {
                required_text(&r, "input.relationship", RELATIONSHIP_MAX)
            })?,
            how_they_help: maybe(input.how_they_help, |h| {
                optional_text(Some(&h), "input.howTheyHelp", HELP_MAX)
            })?
            .map(Option::flatten),
            phone: maybe(input.phone, |p| phone(Some(&p)))?.map(Option::flatten),
        };
        let contact =
            service::update_contact(&state.db, viewer, id, input.expected_version, changes).await?;
        Ok(SupportContactPayload {
            contact: contact.into(),
        })
    }

    /// The client removes a support contact.
    async fn remove_support_contact(
        &self,
        ctx: &Context<'_>,
        input: RemoveSupportContactInput,
    ) -> GqlResult<RemoveSupportContactPayload> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let id = parse_id(&input.contact_id, "input.contactId")?;
        let removed = service::remove_contact(&state.db, viewer, id).await?;
        Ok(RemoveSupportContactPayload {
            removed_id: ID(removed.to_string()),
        })
    }
}
