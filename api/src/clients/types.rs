//! GraphQL types of clients.

use async_graphql::{Context, Enum, ID, InputObject, Json, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::domain::ClientStatus;
use crate::{
    accounts::types::{User, UserRole},
    auth::Role,
    error::{GqlResult, ServiceError},
    graphql::{
        context,
        loaders::{ClientModel, load, load_clinical},
        pagination::{Conn, connection, encode_cursor, paged},
    },
    schema::Client,
    values::parse_id,
};

/// Where a client is in their care.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "super::domain::ClientStatus")]
pub enum ClientStatusValue {
    /// In active care.
    Active,
    /// Care is paused (e.g. a break between episodes).
    Paused,
    /// Care has ended.
    Discharged,
}

/// The client's own record: who they are to the practice and their care team (the first
/// fields of `Client`; the root merges every domain's part after these).
pub struct ClientRecord {
    pub model: ClientModel,
}

#[Object]
impl ClientRecord {
    /// The client's id.
    async fn id(&self) -> ID {
        ID(self.model.id.to_string())
    }
    /// The client's name as shown to the care team.
    async fn display_name(&self) -> &str {
        &self.model.display_name
    }
    /// IANA time zone of the client; their local dates use it.
    async fn timezone(&self) -> &str {
        &self.model.timezone
    }
    /// Where the client is in their care.
    async fn status(&self) -> Option<ClientStatusValue> {
        ClientStatus::parse(&self.model.status).map(Into::into)
    }
    /// The integrating EHR's own id for this client.
    async fn external_ref(&self) -> Option<&str> {
        self.model.external_ref.as_deref()
    }
    /// Optimistic-concurrency version: pass it as `expectedVersion` when updating.
    async fn version(&self) -> i32 {
        self.model.version
    }
    /// Whether the client has accepted an invitation and can sign in.
    async fn has_login(&self) -> bool {
        self.model.user_id.is_some()
    }
    /// When the record was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at
    }
    /// When the record last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.model.updated_at
    }
    /// The therapists on the client's care team, by name (at most 50).
    async fn care_team(&self, ctx: &Context<'_>) -> GqlResult<Vec<User>> {
        let viewer = context::viewer(ctx)?;
        let members = load::<super::service::CareTeams>(ctx, self.model.id, ())
            .await?
            .unwrap_or_default();
        Ok(members
            .into_iter()
            .map(|u| User::for_viewer(u, viewer))
            .collect())
    }
}

/// The change history of the client's record (the last fields of `Client`).
pub struct ClientActivity {
    pub model: ClientModel,
}

#[Object]
impl ClientActivity {
    /// The change history of the client's record, oldest first. Clinical: visible to the
    /// care team, the client, and integrators with `CLINICAL_READ`; others get `NOT_FOUND`.
    async fn activity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, counting forward (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue forward from.")] after: Option<String>,
        #[graphql(desc = "Page size, counting backward (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue backward from.")] before: Option<String>,
    ) -> GqlResult<Conn<ClientEvent>> {
        let args = paged(ctx, first, after, last, before, ())?;
        let page = load_clinical::<super::service::Activity>(ctx, self.model.id, args).await?;
        Ok(connection(
            page,
            |e| encode_cursor(&e.sequence),
            ClientEvent::from,
        ))
    }
}

/// One change to a client's record.
#[derive(SimpleObject)]
pub struct ClientEvent {
    /// Position in the practice's event log (a decimal integer, as a string).
    pub sequence: String,
    /// What happened, e.g. `CLIENT_CREATED`, `CARE_TEAM_MEMBER_ADDED`.
    pub kind: String,
    /// The record the event is about.
    pub entity_id: ID,
    /// Who did it (a user or API credential id); null for the system.
    pub actor_id: Option<ID>,
    /// The role of whoever did it.
    pub actor_role: Option<UserRole>,
    /// Ids and enum values describing the change (never free text).
    pub payload: Json<serde_json::Value>,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
}

impl From<entity::event::Model> for ClientEvent {
    fn from(e: entity::event::Model) -> Self {
        Self {
            sequence: e.sequence.to_string(),
            kind: e.kind,
            entity_id: ID(e.entity_id.to_string()),
            actor_id: e.actor_id.map(|a| ID(a.to_string())),
            actor_role: e
                .actor_role
                .as_deref()
                .and_then(Role::parse)
                .map(Into::into),
            payload: Json(e.payload),
            occurred_at: e.created_at,
        }
    }
}

/// Narrows the roster.
#[derive(InputObject, Default)]
pub struct ClientFilter {
    /// Only clients with this status.
    pub status: Option<ClientStatusValue>,
    /// Case-insensitive text found in the display name or external reference.
    pub search: Option<String>,
    /// Only clients on this therapist's care team.
    pub therapist_id: Option<ID>,
}

impl ClientFilter {
    /// Parses into the service filter.
    pub fn parse(self) -> Result<super::service::ClientFilter, ServiceError> {
        let search = match self.search.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) if s.chars().count() > 100 => {
                return Err(ServiceError::bad_input(
                    "filter.search",
                    "must be at most 100 characters",
                ));
            }
            Some(s) => Some(s.to_owned()),
        };
        Ok(super::service::ClientFilter {
            status: self.status.map(Into::into),
            search,
            therapist_id: self
                .therapist_id
                .as_ref()
                .map(|id| parse_id(id, "filter.therapistId"))
                .transpose()?,
        })
    }
}

/// Create a client.
#[derive(InputObject)]
pub struct CreateClientInput {
    /// Optional client-generated UUID: replaying the same create returns the existing
    /// client instead of a duplicate (offline sync).
    pub id: Option<ID>,
    /// The client's name as shown to the care team (1 to 120 characters).
    pub display_name: String,
    /// IANA time zone, e.g. `America/New_York`.
    pub timezone: String,
    /// The integrating EHR's own id for this client; unique within the practice.
    pub external_ref: Option<String>,
    /// Therapists to put on the care team. A therapist creating a client is added anyway.
    pub therapist_ids: Option<Vec<ID>>,
}

/// Change a client's roster fields. Omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateClientInput {
    /// The client.
    pub id: ID,
    /// The `version` you last read; a stale one is a `CONFLICT`.
    pub expected_version: i32,
    /// New display name (cannot be null).
    pub display_name: MaybeUndefined<String>,
    /// New IANA time zone (cannot be null).
    pub timezone: MaybeUndefined<String>,
    /// New external reference; null clears it.
    pub external_ref: MaybeUndefined<String>,
}

/// Change where a client is in their care.
#[derive(InputObject)]
pub struct SetClientStatusInput {
    /// The client.
    pub id: ID,
    /// The new status.
    pub status: ClientStatusValue,
    /// When given, the change applies only if the client is still at this version.
    pub expected_version: Option<i32>,
}

/// Put a therapist on a client's care team.
#[derive(InputObject)]
pub struct AddToCareTeamInput {
    /// The client.
    pub client_id: ID,
    /// An active therapist of the practice.
    pub therapist_id: ID,
}

/// Take a therapist off a client's care team.
#[derive(InputObject)]
pub struct RemoveFromCareTeamInput {
    /// The client.
    pub client_id: ID,
    /// The therapist to remove; the last member cannot be removed.
    pub therapist_id: ID,
}

/// Invite a client to create their own login.
#[derive(InputObject)]
pub struct InviteClientInput {
    /// The client.
    pub client_id: ID,
    /// When given, only this email may accept the invitation.
    pub email: Option<String>,
}

/// The client after a change.
#[derive(SimpleObject)]
pub struct ClientPayload {
    /// The client as it now is.
    pub client: Client,
}
