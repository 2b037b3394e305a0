//! What an access token says about its bearer.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Who the bearer is to the practice (docs/architecture.md, "Scope").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    PracticeAdmin,
    Therapist,
    Client,
    Integrator,
}

impl Role {
    /// The stored and wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PracticeAdmin => "PRACTICE_ADMIN",
            Self::Therapist => "THERAPIST",
            Self::Client => "CLIENT",
            Self::Integrator => "INTEGRATOR",
        }
    }

    /// Parses the stored form.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "PRACTICE_ADMIN" => Self::PracticeAdmin,
            "THERAPIST" => Self::Therapist,
            "CLIENT" => Self::Client,
            "INTEGRATOR" => Self::Integrator,
            _ => return None,
        })
    }
}

/// What an integrator's credential may do. Humans are limited by role, not scopes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Scope {
    /// Read the roster: clients, care teams, therapists.
    ClientsRead,
    /// Create and update clients and their care teams (EHR sync).
    ClientsWrite,
    /// Read clinical records of the practice's clients.
    ClinicalRead,
    /// Write clinical records of the practice's clients.
    ClinicalWrite,
    /// Subscribe to the practice's progress events (ids and kinds).
    EventsRead,
    /// Read the practice's aggregate reports (`practiceReport`, `exportReportCsv`).
    ReportsRead,
    /// Read the practice's programme library and clients' enrolments.
    ProgramsRead,
    /// Add programmes, enrol clients, open modules, pause and end enrolments.
    ProgramsWrite,
    /// Read the practice's automation rules, their versions and firings, and dry-run them.
    AutomationsRead,
    /// Create, change and archive automation rules.
    AutomationsWrite,
}

impl Scope {
    /// Every scope, in order.
    pub const ALL: [Scope; 10] = [
        Self::ClientsRead,
        Self::ClientsWrite,
        Self::ClinicalRead,
        Self::ClinicalWrite,
        Self::EventsRead,
        Self::ReportsRead,
        Self::ProgramsRead,
        Self::ProgramsWrite,
        Self::AutomationsRead,
        Self::AutomationsWrite,
    ];

    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ClientsRead => "CLIENTS_READ",
            Self::ClientsWrite => "CLIENTS_WRITE",
            Self::ClinicalRead => "CLINICAL_READ",
            Self::ClinicalWrite => "CLINICAL_WRITE",
            Self::EventsRead => "EVENTS_READ",
            Self::ReportsRead => "REPORTS_READ",
            Self::ProgramsRead => "PROGRAMS_READ",
            Self::ProgramsWrite => "PROGRAMS_WRITE",
            Self::AutomationsRead => "AUTOMATIONS_READ",
            Self::AutomationsWrite => "AUTOMATIONS_WRITE",
        }
    }

    /// Parses the stored form.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Parses a space-separated list, skipping names this build does not know.
    pub fn parse_list(s: &str) -> Vec<Self> {
        let mut v: Vec<Self> = s.split_whitespace().filter_map(Self::parse).collect();
        v.sort();
        v.dedup();
        v
    }

    /// The stored form of a list.
    pub fn join(scopes: &[Self]) -> String {
        scopes
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// The claims of a Momentum access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The user id (humans) or the API credential id (integrators).
    pub sub: String,
    pub role: Role,
    /// The practice the bearer belongs to.
    pub pid: Uuid,
    /// For `CLIENT`: the client record the login is linked to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cid: Option<Uuid>,
    /// For `INTEGRATOR`: the scopes granted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<Scope>,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub jti: Uuid,
}
