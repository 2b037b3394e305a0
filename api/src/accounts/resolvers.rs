//! Account queries and mutations: thin — guard, parse, call the service, map.

use async_graphql::{Context, Object};

use super::{service, types::*};
use crate::{
    error::{GqlResult, ServiceError},
    graphql::{
        context,
        pagination::{Conn, PageRequest, connection, encode_cursor},
    },
    values::{DisplayName, Email, NewPassword, parse_id},
};

/// Account queries.
#[derive(Default)]
pub struct AccountsQuery;

#[Object]
impl AccountsQuery {
    /// The signed-in caller.
    async fn viewer(&self, ctx: &Context<'_>) -> GqlResult<ViewerNode> {
        Ok(ViewerNode(context::viewer(ctx)?.clone()))
    }

    /// The practice's therapists, by name. For admins, therapists and integrators with
    /// `CLIENTS_READ`.
    async fn therapists(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Also list disabled therapists.", default = false)] include_disabled: bool,
        #[graphql(desc = "Page size, counting forward (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue forward from.")] after: Option<String>,
        #[graphql(desc = "Page size, counting backward (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue backward from.")] before: Option<String>,
    ) -> GqlResult<Conn<User>> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let page = PageRequest::parse(first, after, last, before)?;
        let page = service::therapists(&state.db, viewer, include_disabled, page).await?;
        Ok(connection(
            page,
            |u| encode_cursor(&(&u.display_name, u.id)),
            |u| User::for_viewer(u, viewer),
        ))
    }
}

/// Account mutations.
#[derive(Default)]
pub struct AccountsMutation;

#[Object]
impl AccountsMutation {
    /// Signs in. A wrong password, an unknown email and a disabled login all give the
    /// same `UNAUTHENTICATED` error. Repeated failures give `RATE_LIMITED`.
    async fn login(&self, ctx: &Context<'_>, input: LoginInput) -> GqlResult<AuthPayload> {
        let state = context::state(ctx)?;
        let session = service::login(
            &state.accounts(),
            &input.email,
            &input.password,
            &context::request_id(ctx),
        )
        .await?;
        Ok(session.into())
    }

    /// Rotates a refresh token: returns a new session and retires the token. A token used
    /// twice revokes every token of its session (`UNAUTHENTICATED`).
    async fn refresh_session(
        &self,
        ctx: &Context<'_>,
        input: RefreshSessionInput,
    ) -> GqlResult<AuthPayload> {
        let state = context::state(ctx)?;
        Ok(service::refresh(
            &state.accounts(),
            &input.refresh_token,
            &context::request_id(ctx),
        )
        .await?
        .into())
    }

    /// Ends the session of the given refresh token. Access tokens already issued stay
    /// valid until they expire (minutes).
    async fn logout(&self, ctx: &Context<'_>, input: LogoutInput) -> GqlResult<LogoutPayload> {
        let state = context::state(ctx)?;
        service::logout(&state.db, &input.refresh_token).await?;
        Ok(LogoutPayload { ok: true })
    }

    /// Practice admins: invites a therapist. Returns a single-use code.
    async fn invite_therapist(
        &self,
        ctx: &Context<'_>,
        input: InviteTherapistInput,
    ) -> GqlResult<InvitationPayload> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let name = DisplayName::parse(&input.display_name, "input.displayName")?;
        let email = input
            .email
            .as_deref()
            .map(|e| Email::parse(e, "input.email"))
            .transpose()?;
        Ok(
            service::invite_therapist(&state.accounts(), viewer, email, name)
                .await?
                .into(),
        )
    }

    /// Accepts a therapist or client invitation: creates the login and signs in.
    /// Works without a token.
    async fn accept_invitation(
        &self,
        ctx: &Context<'_>,
        input: AcceptInvitationInput,
    ) -> GqlResult<AuthPayload> {
        let state = context::state(ctx)?;
        let email = Email::parse(&input.email, "input.email")?;
        let password = NewPassword::parse(&input.password, "input.password")?;
        if input.code.trim().is_empty() {
            return Err(ServiceError::bad_input("input.code", "must not be empty").into());
        }
        Ok(service::accept_invitation(
            &state.accounts(),
            input.code.trim(),
            email,
            password,
            &context::request_id(ctx),
        )
        .await?
        .into())
    }

    /// Practice admins: disables a login. Its tokens stop working at once.
    async fn disable_user(
        &self,
        ctx: &Context<'_>,
        input: DisableUserInput,
    ) -> GqlResult<DisableUserPayload> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let id = parse_id(&input.user_id, "input.userId")?;
        let user = service::disable_user(&state.accounts(), viewer, id).await?;
        Ok(DisableUserPayload {
            user: User::for_viewer(user, viewer),
        })
    }
}
