//! Client queries and mutations: thin — guard, parse, call the service, map.

use async_graphql::{Context, ID, MaybeUndefined, Object};

use super::{
    domain::{ClientChanges, EXTERNAL_REF_MAX, NewClient, Timezone},
    service,
    types::*,
};
use crate::{
    accounts::types::InvitationPayload,
    error::GqlResult,
    graphql::{
        context,
        pagination::{Conn, PageRequest, connection, encode_cursor},
    },
    schema::Client,
    values::{DisplayName, Email, not_null, parse_id, short_text},
};

/// Client queries.
#[derive(Default)]
pub struct ClientsQuery;

#[Object]
impl ClientsQuery {
    /// The clients the viewer may see, by name: a therapist's caseload, the practice's
    /// roster for admins and integrators (`CLIENTS_READ`), a client's own record.
    async fn clients(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Narrows the list.")] filter: Option<ClientFilter>,
        #[graphql(desc = "Page size, counting forward (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue forward from.")] after: Option<String>,
        #[graphql(desc = "Page size, counting backward (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue backward from.")] before: Option<String>,
    ) -> GqlResult<Conn<Client>> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let filter = filter.unwrap_or_default().parse()?;
        let page = PageRequest::parse(first, after, last, before)?;
        let page = service::list(&state.db, viewer, filter, page).await?;
        Ok(connection(
            page,
            |c| encode_cursor(&(&c.display_name, c.id)),
            Client::from,
        ))
    }

    /// One client. `NOT_FOUND` when it does not exist or the viewer may not see it.
    async fn client(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The client's id.")] id: ID,
    ) -> GqlResult<Option<Client>> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let id = parse_id(&id, "id")?;
        Ok(Some(
            service::get(&state.db, viewer, id, "client").await?.into(),
        ))
    }
}

/// Client mutations.
#[derive(Default)]
pub struct ClientsMutation;

#[Object]
impl ClientsMutation {
    /// Creates a client (therapists, practice admins, integrators with `CLIENTS_WRITE`).
    async fn create_client(
        &self,
        ctx: &Context<'_>,
        input: CreateClientInput,
    ) -> GqlResult<ClientPayload> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let new = NewClient {
            id: input
                .id
                .as_ref()
                .map(|id| parse_id(id, "input.id"))
                .transpose()?,
            display_name: DisplayName::parse(&input.display_name, "input.displayName")?,
            timezone: Timezone::parse(&input.timezone, "input.timezone")?,
            external_ref: input
                .external_ref
                .as_deref()
                .map(|r| short_text(r, "input.externalRef", EXTERNAL_REF_MAX))
                .transpose()?,
            therapist_ids: input
                .therapist_ids
                .unwrap_or_default()
                .iter()
                .map(|id| parse_id(id, "input.therapistIds"))
                .collect::<Result<_, _>>()?,
        };
        let client = service::create(&state.db, viewer, new).await?;
        Ok(ClientPayload {
            client: client.into(),
        })
    }

    /// Changes a client's roster fields, if `expectedVersion` is still current.
    async fn update_client(
        &self,
        ctx: &Context<'_>,
        input: UpdateClientInput,
    ) -> GqlResult<ClientPayload> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let id = parse_id(&input.id, "input.id")?;
        let changes = ClientChanges {
            display_name: not_null(input.display_name, "input.displayName", Ok)?
                .map(|n| DisplayName::parse(&n, "input.displayName"))
                .transpose()?,
            timezone: not_null(input.timezone, "input.timezone", Ok)?
                .map(|t| Timezone::parse(&t, "input.timezone"))
                .transpose()?,
            external_ref: match input.external_ref {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(r) => {
                    Some(Some(short_text(&r, "input.externalRef", EXTERNAL_REF_MAX)?))
                }
            },
        };
        let client =
            service::update(&state.db, viewer, id, input.expected_version, changes).await?;
        Ok(ClientPayload {
            client: client.into(),
        })
    }

    /// Moves a client to ACTIVE, PAUSED or DISCHARGED.
    async fn set_client_status(
        &self,
        ctx: &Context<'_>,
        input: SetClientStatusInput,
    ) -> GqlResult<ClientPayload> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let id = parse_id(&input.id, "input.id")?;
        let client = service::set_status(
            &state.db,
            viewer,
            id,
            input.status.into(),
            input.expected_version,
        )
        .await?;
        Ok(ClientPayload {
            client: client.into(),
        })
    }

    /// Puts a therapist on a client's care team (practice admins, therapists on the team,
    /// integrators with `CLIENTS_WRITE`). Adding a member twice changes nothing.
    async fn add_to_care_team(
        &self,
        ctx: &Context<'_>,
        input: AddToCareTeamInput,
    ) -> GqlResult<ClientPayload> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let client_id = parse_id(&input.client_id, "input.clientId")?;
        let therapist_id = parse_id(&input.therapist_id, "input.therapistId")?;
        let client = service::add_to_care_team(&state.db, viewer, client_id, therapist_id).await?;
        Ok(ClientPayload {
            client: client.into(),
        })
    }

    /// Takes a therapist off a client's care team. The last member cannot be removed.
    async fn remove_from_care_team(
        &self,
        ctx: &Context<'_>,
        input: RemoveFromCareTeamInput,
    ) -> GqlResult<ClientPayload> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let client_id = parse_id(&input.client_id, "input.clientId")?;
        let therapist_id = parse_id(&input.therapist_id, "input.therapistId")?;
        let client =
            service::remove_from_care_team(&state.db, viewer, client_id, therapist_id).await?;
        Ok(ClientPayload {
            client: client.into(),
        })
    }

    /// Invites a client to create their own login (therapists on the care team, practice
    /// admins). Returns a single-use code; `CONFLICT` if the client already has a login.
    async fn invite_client(
        &self,
        ctx: &Context<'_>,
        input: InviteClientInput,
    ) -> GqlResult<InvitationPayload> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let client_id = parse_id(&input.client_id, "input.clientId")?;
        let email = input
            .email
            .as_deref()
            .map(|e| Email::parse(e, "input.email"))
            .transpose()?;
        Ok(service::invite(&state.accounts(), viewer, client_id, email)
            .await?
            .into())
    }
}
