//! GraphQL types of accounts.

use async_graphql::{ComplexObject, Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};

use crate::{
    auth::{Role, Viewer},
    error::GqlResult,
    graphql::context,
    integrations::types::ApiScope,
    practices::types::Practice,
    schema::Client,
};

/// A role: what a signed-in caller is to the practice.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::auth::Role")]
pub enum UserRole {
    /// Manages the practice: roster, users, resources, reports. Sees clinical detail only
    /// of clients whose care team they are on.
    PracticeAdmin,
    /// Sees and works with the clients whose care team they are on.
    Therapist,
    /// A client signed in to their own record; sees only themself.
    Client,
    /// An EHR vendor's service account, limited to its practice and scopes.
    Integrator,
}

/// A login of the practice: admin, therapist or client.
pub struct User {
    pub model: entity::app_user::Model,
    /// Emails are shown to practice admins and to the user themself.
    pub show_email: bool,
}

impl User {
    /// Wraps a row for `viewer`, deciding what it may see.
    pub fn for_viewer(model: entity::app_user::Model, viewer: &Viewer) -> Self {
        let show_email = viewer.role() == Role::PracticeAdmin || viewer.id == model.id;
        Self { model, show_email }
    }
}

/// A login of the practice: admin, therapist or client.
#[Object]
impl User {
    /// The user's id.
    async fn id(&self) -> ID {
        ID(self.model.id.to_string())
    }
    /// The user's name as shown to others.
    async fn display_name(&self) -> &str {
        &self.model.display_name
    }
    /// The user's role.
    async fn role(&self) -> Option<UserRole> {
        Role::parse(&self.model.role).map(Into::into)
    }
    /// The login email; visible only to practice admins and the user themself.
    async fn email(&self) -> Option<&str> {
        self.show_email.then_some(self.model.email.as_str())
    }
    /// When the login was disabled; null while it is active.
    async fn disabled_at(&self) -> Option<DateTime<Utc>> {
        self.model.disabled_at
    }
    /// When the login was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at
    }
}

/// The signed-in caller.
pub struct ViewerNode(pub Viewer);

/// The signed-in caller.
#[Object(name = "Viewer")]
impl ViewerNode {
    /// The user id, or for an integrator the API credential id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The caller's role.
    async fn role(&self) -> UserRole {
        self.0.role().into()
    }
    /// The user's display name, or the API credential's name.
    async fn display_name(&self, ctx: &Context<'_>) -> GqlResult<String> {
        let state = context::state(ctx)?;
        Ok(super::service::viewer_display_name(&state.db, &self.0).await?)
    }
    /// The caller's practice.
    async fn practice(&self, ctx: &Context<'_>) -> GqlResult<Practice> {
        let state = context::state(ctx)?;
        Ok(
            crate::practices::service::by_id(&state.db, self.0.practice_id)
                .await?
                .into(),
        )
    }
    /// For a client: their own record. Null for other roles.
    async fn client(&self, ctx: &Context<'_>) -> GqlResult<Option<Client>> {
        let Some(client_id) = self.0.client_id() else {
            return Ok(None);
        };
        let state = context::state(ctx)?;
        Ok(Some(
            crate::clients::service::get(&state.db, &self.0, client_id, "viewer")
                .await?
                .into(),
        ))
    }
    /// For an integrator: the scopes in force. Empty for other roles.
    async fn scopes(&self) -> Vec<ApiScope> {
        self.0.scopes().iter().copied().map(Into::into).collect()
    }
}

/// A signed-in session.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct AuthPayload {
    /// Bearer token for `Authorization: Bearer …`; short-lived.
    pub access_token: String,
    /// Single-use token for `refreshSession`; store it securely, it is shown once.
    pub refresh_token: String,
    /// When the access token expires.
    pub expires_at: DateTime<Utc>,
    #[graphql(skip)]
    pub viewer: Viewer,
}

#[ComplexObject]
impl AuthPayload {
    /// Who the tokens are for.
    async fn viewer(&self) -> ViewerNode {
        ViewerNode(self.viewer.clone())
    }
}

impl From<super::domain::Session> for AuthPayload {
    fn from(s: super::domain::Session) -> Self {
        Self {
            access_token: s.access.token,
            refresh_token: s.refresh_token,
            expires_at: s.access.expires_at,
            viewer: s.viewer,
        }
    }
}

/// Sign in with email and password.
#[derive(InputObject)]
pub struct LoginInput {
    /// The login email (case-insensitive).
    pub email: String,
    /// The password.
    #[graphql(secret)]
    pub password: String,
}

/// Exchange a refresh token for a new session.
#[derive(InputObject)]
pub struct RefreshSessionInput {
    /// The refresh token from `login`, `acceptInvitation` or the previous `refreshSession`.
    /// It works once; presenting it again revokes the whole session.
    #[graphql(secret)]
    pub refresh_token: String,
}

/// End a session.
#[derive(InputObject)]
pub struct LogoutInput {
    /// The session's current refresh token.
    #[graphql(secret)]
    pub refresh_token: String,
}

/// Whether logout went through.
#[derive(SimpleObject)]
pub struct LogoutPayload {
    /// Always true: logging out an unknown or already ended session is not an error.
    pub ok: bool,
}

/// Invite a therapist to the practice.
#[derive(InputObject)]
pub struct InviteTherapistInput {
    /// The therapist's name as shown to colleagues and clients.
    pub display_name: String,
    /// When given, only this email may accept the invitation.
    pub email: Option<String>,
}

/// A single-use, expiring invitation code. Hand it to the invitee; it is shown once.
#[derive(SimpleObject)]
pub struct InvitationPayload {
    /// The code to pass to `acceptInvitation`.
    pub code: String,
    /// After this the code no longer works.
    pub expires_at: DateTime<Utc>,
}

impl From<super::domain::IssuedInvitation> for InvitationPayload {
    fn from(i: super::domain::IssuedInvitation) -> Self {
        Self {
            code: i.code,
            expires_at: i.expires_at,
        }
    }
}

/// Accept an invitation: create a login and sign in.
#[derive(InputObject)]
pub struct AcceptInvitationInput {
    /// The invitation code.
    #[graphql(secret)]
    pub code: String,
    /// The email to sign in with from now on.
    pub email: String,
    /// The new password: 12 to 256 characters.
    #[graphql(secret)]
    pub password: String,
}

/// Disable a login of the practice.
#[derive(InputObject)]
pub struct DisableUserInput {
    /// The user to disable.
    pub user_id: ID,
}

/// The disabled user.
#[derive(SimpleObject)]
pub struct DisableUserPayload {
    /// The user, with `disabledAt` set.
    pub user: User,
}
