//! Client values.

use uuid::Uuid;

use crate::{error::ServiceError, values::DisplayName};

/// Where a client is in their care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientStatus {
    Active,
    Paused,
    Discharged,
}

impl ClientStatus {
    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "ACTIVE",
            Self::Paused => "PAUSED",
            Self::Discharged => "DISCHARGED",
        }
    }

    /// Parses the stored form.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "ACTIVE" => Self::Active,
            "PAUSED" => Self::Paused,
            "DISCHARGED" => Self::Discharged,
            _ => return None,
        })
    }
}

/// An IANA time zone name such as `Europe/Berlin`; the client's local dates use it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timezone(String);

impl Timezone {
    pub fn parse(raw: &str, field: &str) -> Result<Self, ServiceError> {
        raw.trim()
            .parse::<chrono_tz::Tz>()
            .map(|tz| Self(tz.name().to_owned()))
            .map_err(|_| {
                ServiceError::bad_input(field, "must be an IANA time zone such as Europe/Berlin")
            })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The EHR's own id for a client: 1 to 200 printable characters.
pub const EXTERNAL_REF_MAX: usize = 200;

/// A new client, parsed.
pub struct NewClient {
    /// A client-generated id makes the create idempotent (offline sync).
    pub id: Option<Uuid>,
    pub display_name: DisplayName,
    pub timezone: Timezone,
    pub external_ref: Option<String>,
    pub therapist_ids: Vec<Uuid>,
}

/// A change to a client's roster fields; `None` leaves a field as it is.
pub struct ClientChanges {
    pub display_name: Option<DisplayName>,
    pub timezone: Option<Timezone>,
    /// `Some(None)` clears the external reference.
    pub external_ref: Option<Option<String>>,
}
