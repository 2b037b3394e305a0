//! GraphQL types of alerts.

use async_graphql::{ComplexObject, Context, Enum, ID, InputObject, SimpleObject};
use chrono::{DateTime, Utc};

use crate::values::to_id;

use crate::{error::GqlResult, graphql::loaders::load_visible, schema::Client};

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
        Ok(
            load_visible::<crate::clients::service::ClientsById>(ctx, self.client_uuid, ())
                .await?
                .into(),
        )
    }
}

impl From<entity::alert::Model> for Alert {
    fn from(a: entity::alert::Model) -> Self {
        Self {
            id: to_id(a.id),
            kind: super::domain::AlertKind::parse(&a.kind).map(Into::into),
            status: super::domain::AlertStatus::parse(&a.status).map(Into::into),
            severity: a.severity,
            client_id: to_id(a.client_id),
            reason: a.reason,
            measure_id: a.measure_id.map(to_id),
            raised_at: a.raised_at,
            acknowledged_at: a.acknowledged_at,
            acknowledged_by: a.acknowledged_by.map(to_id),
            resolved_at: a.resolved_at,
            resolved_by: a.resolved_by.map(to_id),
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

/// What an operational alert to practice admins is about.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "AdminAlertKind", remote = "super::domain::AdminAlertKind")]
pub enum AdminAlertKindValue {
    /// A webhook endpoint failed repeatedly for the whole retry period and was disabled;
    /// `subjectId` is the webhook. Its deliveries stay queued until it is re-enabled.
    WebhookDisabled,
}

/// Where an admin alert stands.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "AdminAlertStatus", remote = "super::domain::AdminAlertStatus")]
pub enum AdminAlertStatusValue {
    /// Nobody has acknowledged it yet.
    Open,
    /// An admin has seen it.
    Acknowledged,
}

/// An operational alert to the practice's admins (not clinical: e.g. a webhook disabled).
#[derive(SimpleObject)]
pub struct AdminAlert {
    /// The admin alert's id.
    pub id: ID,
    /// What it is about.
    pub kind: Option<AdminAlertKindValue>,
    /// Where it stands.
    pub status: Option<AdminAlertStatusValue>,
    /// The id of what it is about (for WEBHOOK_DISABLED, the webhook).
    pub subject_id: ID,
    /// What happened and what to do, generated by the server.
    pub reason: String,
    /// When it was raised.
    pub raised_at: DateTime<Utc>,
    /// When an admin acknowledged it.
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// Who acknowledged it.
    pub acknowledged_by: Option<ID>,
}

impl From<entity::admin_alert::Model> for AdminAlert {
    fn from(m: entity::admin_alert::Model) -> Self {
        Self {
            id: to_id(m.id),
            kind: super::domain::AdminAlertKind::parse(&m.kind).map(Into::into),
            status: super::domain::AdminAlertStatus::parse(&m.status).map(Into::into),
            subject_id: to_id(m.subject_id),
            reason: m.reason,
            raised_at: m.raised_at,
            acknowledged_at: m.acknowledged_at,
            acknowledged_by: m.acknowledged_by.map(to_id),
        }
    }
}

/// Acknowledge an admin alert.
#[derive(InputObject)]
pub struct AcknowledgeAdminAlertInput {
    /// The admin alert.
    pub admin_alert_id: ID,
}

/// The admin alert as it now is.
#[derive(SimpleObject)]
pub struct AdminAlertPayload {
    /// The admin alert.
    pub admin_alert: AdminAlert,
}
