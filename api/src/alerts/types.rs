//! GraphQL types of alerts.

use async_graphql::{ComplexObject, Context, Enum, ID, InputObject, SimpleObject};
use chrono::{DateTime, Utc};

use crate::{
    clients::types::Client,
    error::GqlResult,
    graphql::loaders::{ClientLoader, load_visible},
};

/// What an alert is about.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "AlertKind", remote = "super::domain::AlertKind")]
pub enum AlertKindValue {
    /// A PHQ-9 item 9 answer (thoughts of being better off dead or of self-harm) at or
    /// above the practice's threshold: act today.
    Safety,
    /// A reliable deterioration on PHQ-9 or GAD-7 against the baseline.
    Worsening,
    /// The client has drifted away from the work between sessions.
    Disengagement,
    /// Homework not done repeatedly.
    MissedHomework,
}

/// Where an alert stands.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "AlertStatus", remote = "super::domain::AlertStatus")]
pub enum AlertStatusValue {
    /// Raised; nobody has looked yet.
    Open,
    /// Someone on the care team is on it.
    Acknowledged,
    /// Dealt with, with a note.
    Resolved,
}

/// A clinical alert about a client. Never shown to clients.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Alert {
    /// The alert's id.
    pub id: ID,
    /// What it is about.
    pub kind: Option<AlertKindValue>,
    /// Where it stands.
    pub status: Option<AlertStatusValue>,
    /// How severe (SAFETY 4, WORSENING 3, DISENGAGEMENT 2, MISSED_HOMEWORK 1); lists put
    /// higher first.
    pub severity: i32,
    /// The client's id.
    pub client_id: ID,
    /// Why it was raised, generated from the data, e.g. "PHQ-9 item 9 answered 2
    /// (threshold 1)".
    pub reason: String,
    /// The measure response that raised it.
    pub measure_id: Option<ID>,
    /// When it was raised.
    pub raised_at: DateTime<Utc>,
    /// When it was acknowledged.
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// Who acknowledged it.
    pub acknowledged_by: Option<ID>,
    /// When it was resolved.
    pub resolved_at: Option<DateTime<Utc>>,
    /// Who resolved it.
    pub resolved_by: Option<ID>,
    /// What was done.
    pub resolution_note: Option<String>,
    /// The version, for optimistic concurrency.
    pub version: i32,
    #[graphql(skip)]
    pub client_uuid: uuid::Uuid,
}

#[ComplexObject]
impl Alert {
    /// The client it is about.
    async fn client(&self, ctx: &Context<'_>) -> GqlResult<Client> {
        Ok(load_visible::<ClientLoader, _>(ctx, self.client_uuid)
            .await?
            .into())
    }
}

fn id(u: uuid::Uuid) -> ID {
    ID(u.to_string())
}

impl From<entity::alert::Model> for Alert {
    fn from(a: entity::alert::Model) -> Self {
        Self {
            id: id(a.id),
            kind: super::domain::AlertKind::parse(&a.kind).map(Into::into),
            status: super::domain::AlertStatus::parse(&a.status).map(Into::into),
            severity: a.severity,
            client_id: id(a.client_id),
            reason: a.reason,
            measure_id: a.measure_id.map(id),
            raised_at: a.raised_at,
            acknowledged_at: a.acknowledged_at,
            acknowledged_by: a.acknowledged_by.map(id),
            resolved_at: a.resolved_at,
            resolved_by: a.resolved_by.map(id),
            resolution_note: a.resolution_note,
            version: a.version,
            client_uuid: a.client_id,
        }
    }
}

/// Acknowledge an alert.
#[derive(InputObject)]
pub struct AcknowledgeAlertInput {
    /// The alert.
    pub alert_id: ID,
}

/// Resolve an alert.
#[derive(InputObject)]
pub struct ResolveAlertInput {
    /// The alert.
    pub alert_id: ID,
    /// What was done (1 to 2,000 characters).
    pub note: String,
}

/// The alert as it now is.
#[derive(SimpleObject)]
pub struct AlertPayload {
    /// The alert.
    pub alert: Alert,
}
