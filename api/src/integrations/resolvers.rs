//! Integration queries and mutations.

use async_graphql::{Context, Object};

use super::{domain::NewCredential, service, types::*};
use crate::{
    error::{GqlResult, ServiceError},
    graphql::{
        context,
        pagination::{Conn, PageRequest, connection, encode_cursor},
    },
    values::{DisplayName, parse_id},
};

/// Integration queries.
#[derive(Default)]
pub struct IntegrationsQuery;

#[Object]
impl IntegrationsQuery {
    /// The practice's API credentials, by name (practice admins).
    async fn api_credentials(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, counting forward (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue forward from.")] after: Option<String>,
        #[graphql(desc = "Page size, counting backward (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue backward from.")] before: Option<String>,
    ) -> GqlResult<Conn<ApiCredential>> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let page = PageRequest::parse(first, after, last, before)?;
        let page = service::list(&state.db, viewer, page).await?;
        Ok(connection(
            page,
            |c| encode_cursor(&(&c.name, c.id)),
            ApiCredential::from,
        ))
    }
}

/// Integration mutations.
#[derive(Default)]
pub struct IntegrationsMutation;

#[Object]
impl IntegrationsMutation {
    /// Practice admins: creates an API credential for an integrator. The secret is shown
    /// once.
    async fn create_api_credential(
        &self,
        ctx: &Context<'_>,
        input: CreateApiCredentialInput,
    ) -> GqlResult<CreateApiCredentialPayload> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let new = NewCredential::new(
            DisplayName::parse(&input.name, "input.name")?,
            input.scopes.into_iter().map(Into::into).collect(),
            "input.scopes",
        )?;
        let (credential, secret) = service::create(&state.db, viewer, new).await?;
        Ok(CreateApiCredentialPayload {
            credential: credential.into(),
            secret,
        })
    }

    /// Exchanges an API credential's id and secret for an INTEGRATOR access token.
    /// Works without a token; a wrong or revoked credential is `UNAUTHENTICATED`.
    async fn issue_service_token(
        &self,
        ctx: &Context<'_>,
        input: IssueServiceTokenInput,
    ) -> GqlResult<ServiceTokenPayload> {
        let state = context::state(ctx)?;
        let id = parse_id(&input.credential_id, "input.credentialId")?;
        if input.secret.is_empty() {
            return Err(ServiceError::bad_input("input.secret", "must not be empty").into());
        }
        let token =
            service::issue_token(&state.db, &state.tokens, &state.attempts, id, &input.secret)
                .await?;
        Ok(ServiceTokenPayload {
            access_token: token.token,
            expires_at: token.expires_at,
        })
    }

    /// Practice admins: revokes an API credential; its tokens stop working at once.
    async fn revoke_api_credential(
        &self,
        ctx: &Context<'_>,
        input: RevokeApiCredentialInput,
    ) -> GqlResult<RevokeApiCredentialPayload> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let id = parse_id(&input.credential_id, "input.credentialId")?;
        Ok(RevokeApiCredentialPayload {
            credential: service::revoke(&state.db, viewer, id).await?.into(),
        })
    }
}
