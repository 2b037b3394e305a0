//! GraphQL types of integrations.

use async_graphql::{Enum, ID, InputObject, SimpleObject};
use chrono::{DateTime, Utc};

use crate::auth::Scope;

/// What an API credential may do.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::auth::Scope")]
pub enum ApiScope {
    /// Read the roster: clients, care teams, therapists.
    ClientsRead,
    /// Create and update clients and their care teams (EHR sync).
    ClientsWrite,
    /// Read clinical records of the practice's clients.
    ClinicalRead,
    /// Write clinical records of the practice's clients.
    ClinicalWrite,
    /// Subscribe to the practice's progress events (`progressEvents`).
    EventsRead,
    /// Read the practice's aggregate reports (`practiceReport`, `exportReportCsv`): counts
    /// and rates only, never a client's id or name.
    ReportsRead,
    /// Read the practice's programme library and clients' enrolments (with `CLINICAL_READ`
    /// for a client's progress).
    ProgramsRead,
    /// Add programmes, and enrol clients, open modules, pause and end enrolments (with
    /// `CLINICAL_WRITE` on the client).
    ProgramsWrite,
    /// Read the practice's automation rules, their versions and firings, and dry-run them.
    AutomationsRead,
    /// Create, change and archive the practice's automation rules.
    AutomationsWrite,
}

/// A service account of an integrator (EHR vendor).
#[derive(SimpleObject)]
pub struct ApiCredential {
    /// The credential id: pass it to `issueServiceToken`.
    pub id: ID,
    /// A name to recognise it by (e.g. the vendor).
    pub name: String,
    /// What its tokens may do.
    pub scopes: Vec<ApiScope>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it was revoked; null while it works.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<entity::api_credential::Model> for ApiCredential {
    fn from(m: entity::api_credential::Model) -> Self {
        Self {
            id: ID(m.id.to_string()),
            name: m.name,
            scopes: Scope::parse_list(&m.scopes)
                .into_iter()
                .map(Into::into)
                .collect(),
            created_at: m.created_at,
            revoked_at: m.revoked_at,
        }
    }
}

/// Create an API credential.
#[derive(InputObject)]
pub struct CreateApiCredentialInput {
    /// A name to recognise it by (1 to 120 characters).
    pub name: String,
    /// What its tokens may do (at least one).
    pub scopes: Vec<ApiScope>,
}

/// A new credential and its secret.
#[derive(SimpleObject)]
pub struct CreateApiCredentialPayload {
    /// The credential.
    pub credential: ApiCredential,
    /// The secret, shown this once; store it in the integrator's secret store.
    pub secret: String,
}

/// Exchange a credential's secret for an access token.
#[derive(InputObject)]
pub struct IssueServiceTokenInput {
    /// The credential id.
    pub credential_id: ID,
    /// The credential's secret.
    #[graphql(secret)]
    pub secret: String,
}

/// An INTEGRATOR access token.
#[derive(SimpleObject)]
pub struct ServiceTokenPayload {
    /// Bearer token for `Authorization: Bearer …`; request a new one when it expires.
    pub access_token: String,
    /// When the token expires.
    pub expires_at: DateTime<Utc>,
}

/// Revoke an API credential.
#[derive(InputObject)]
pub struct RevokeApiCredentialInput {
    /// The credential to revoke.
    pub credential_id: ID,
}

/// The revoked credential.
#[derive(SimpleObject)]
pub struct RevokeApiCredentialPayload {
    /// The credential, with `revokedAt` set.
    pub credential: ApiCredential,
}
