//! GraphQL types of measures.

use crate::values::to_id;
use async_graphql::{Enum, ID, InputObject, SimpleObject};
use chrono::{DateTime, Utc};

use super::{
    domain::{self, Instrument},
    service::{Crisis, Due, Thresholds},
};
use crate::accounts::types::UserRole;

/// A standardised questionnaire. Only royalty-free instruments ship.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "Instrument", remote = "super::domain::Instrument")]
pub enum InstrumentValue {
    /// Patient Health Questionnaire-9 (depression), 9 items, total 0 to 27.
    #[graphql(name = "PHQ9")]
    Phq9,
    /// Generalized Anxiety Disorder-7, 7 items, total 0 to 21.
    #[graphql(name = "GAD7")]
    Gad7,
}

/// The severity band of a total.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "Severity", remote = "super::domain::Severity")]
pub enum SeverityValue {
    /// PHQ-9 and GAD-7 0-4.
    Minimal,
    /// 5-9.
    Mild,
    /// 10-14.
    Moderate,
    /// PHQ-9 15-19.
    ModeratelySevere,
    /// PHQ-9 20-27; GAD-7 15-21.
    Severe,
}

/// Reliable change against the baseline (the practice's threshold; by default PHQ-9 6
/// points, GAD-7 4).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "ReliableChange", remote = "super::domain::ReliableChange")]
pub enum ReliableChangeValue {
    /// Dropped by at least the threshold.
    ReliableImprovement,
    /// Changed by less than the threshold either way.
    NoReliableChange,
    /// Rose by at least the threshold.
    ReliableDeterioration,
}

/// An item of an instrument.
#[derive(SimpleObject)]
pub struct InstrumentItem {
    /// From 1.
    pub number: i32,
    /// The official wording.
    pub text: String,
}

/// An answer option, the same for every item.
#[derive(SimpleObject)]
pub struct AnswerOption {
    /// The points it scores.
    pub value: i32,
    /// The wording, e.g. "Several days".
    pub label: String,
}

/// A severity band (both ends included).
#[derive(SimpleObject)]
pub struct SeverityBand {
    /// The severity.
    pub severity: SeverityValue,
    /// The lowest total in the band.
    pub min: i32,
    /// The highest total in the band.
    pub max: i32,
}

/// An instrument: its wording, scoring and licence.
#[derive(SimpleObject)]
pub struct InstrumentInfo {
    /// Which instrument.
    pub instrument: InstrumentValue,
    /// The short name, e.g. "PHQ-9".
    pub name: String,
    /// The full name.
    pub title: String,
    /// The question put before the items.
    pub prompt: String,
    /// The items in order.
    pub items: Vec<InstrumentItem>,
    /// The answer options, lowest first.
    pub options: Vec<AnswerOption>,
    /// The lowest total (0).
    pub min_total: i32,
    /// The highest total.
    pub max_total: i32,
    /// The severity bands, lowest first.
    pub bands: Vec<SeverityBand>,
    /// The change in points that counts as reliable, as the viewer's practice has it.
    pub reliable_change_points: i32,
    /// The share of the baseline total that must be lost for a response (0.5).
    pub response_drop: f64,
    /// A total below this is remission; null when not defined for the instrument.
    pub remission_below: Option<i32>,
    /// The item (from 1) whose answer can raise a SAFETY alert.
    pub safety_item: Option<i32>,
    /// The LOINC code of the total score.
    pub loinc: String,
    /// The terms of use.
    pub licence: String,
    /// The published sources of the numbers.
    pub source: String,
}

impl InstrumentInfo {
    /// The instrument with the practice's thresholds.
    pub fn new(i: Instrument, t: &Thresholds) -> Self {
        let s = i.spec();
        Self {
            instrument: i.into(),
            name: s.name.to_owned(),
            title: s.title.to_owned(),
            prompt: s.prompt.to_owned(),
            items: s
                .items
                .iter()
                .zip(1..)
                .map(|(text, number)| InstrumentItem {
                    number,
                    text: (*text).to_owned(),
                })
                .collect(),
            options: s
                .options
                .iter()
                .map(|o| AnswerOption {
                    value: o.value,
                    label: o.label.to_owned(),
                })
                .collect(),
            min_total: 0,
            max_total: s.max_total,
            bands: s
                .bands
                .iter()
                .map(|b| SeverityBand {
                    severity: b.severity.into(),
                    min: b.min,
                    max: b.max,
                })
                .collect(),
            reliable_change_points: t.reliable_change(i),
            response_drop: s.response_drop,
            remission_below: s.remission_below,
            safety_item: s.safety_item.and_then(|n| i32::try_from(n).ok()),
            loinc: s.loinc_total.to_owned(),
            licence: s.licence.to_owned(),
            source: s.source.to_owned(),
        }
    }
}

/// A completed measure, scored when submitted against the responses before it.
#[derive(SimpleObject)]
pub struct MeasureResponse {
    /// The response's id.
    pub id: ID,
    /// Which instrument.
    pub instrument: Option<InstrumentValue>,
    /// The item answers in order.
    pub answers: Vec<i32>,
    /// The total score.
    pub total: i32,
    /// The severity band of the total.
    pub severity: Option<SeverityValue>,
    /// True when the safety item (PHQ-9 item 9) was answered at or above the practice's
    /// threshold.
    pub safety_flag: bool,
    /// `total - baseline` (negative: better); null for the first response.
    pub change_from_baseline: Option<i32>,
    /// `total - previous total`; null for the first response.
    pub change_from_previous: Option<i32>,
    /// Reliable change against the baseline; null for the first response.
    pub reliable_change: Option<ReliableChangeValue>,
    /// At least a 50% drop from the baseline; null for the first response.
    pub response: Option<bool>,
    /// Below the remission cut-off (PHQ-9: under 5); null for the first response and for
    /// instruments without one.
    pub remission: Option<bool>,
    /// When it was completed.
    pub administered_at: DateTime<Utc>,
    /// Who submitted it: the client, or the care team in session.
    pub submitted_by_role: Option<UserRole>,
}

impl From<entity::measure_response::Model> for MeasureResponse {
    fn from(r: entity::measure_response::Model) -> Self {
        Self {
            id: to_id(r.id),
            instrument: Instrument::parse(&r.instrument).map(Into::into),
            answers: serde_json::from_value(r.answers).unwrap_or_default(),
            total: r.total,
            severity: domain::Severity::parse(&r.severity).map(Into::into),
            safety_flag: r.safety_flag,
            change_from_baseline: r.change_from_baseline,
            change_from_previous: r.change_from_previous,
            reliable_change: r
                .reliable_change
                .as_deref()
                .and_then(domain::ReliableChange::parse)
                .map(Into::into),
            response: r.response,
            remission: r.remission,
            administered_at: r.administered_at,
            submitted_by_role: crate::auth::Role::parse(&r.submitted_by_role).map(Into::into),
        }
    }
}

/// A crisis line to show a client whose answers raised a safety flag.
#[derive(SimpleObject)]
pub struct CrisisResource {
    /// E.g. "988 Suicide & Crisis Lifeline".
    pub title: String,
    /// Where to reach it.
    pub url: Option<String>,
    /// How to reach it and when.
    pub description: String,
    /// True for the built-in default, shown when the practice has no CRISIS_LINE resource.
    pub built_in: bool,
}

impl From<Crisis> for CrisisResource {
    fn from(c: Crisis) -> Self {
        Self {
            title: c.title,
            url: c.url,
            description: c.description,
            built_in: c.built_in,
        }
    }
}

/// Submit a completed measure.
#[derive(InputObject)]
pub struct SubmitMeasureInput {
    /// The client.
    pub client_id: ID,
    /// Which instrument.
    pub instrument: InstrumentValue,
    /// One answer per item, in order, each 0 to 3.
    pub answers: Vec<i32>,
    /// When it was completed; now when omitted (not in the future).
    pub administered_at: Option<DateTime<Utc>>,
}

/// The scored measure, and for a safety flag, where to get help now.
#[derive(SimpleObject)]
pub struct SubmitMeasurePayload {
    /// The stored response.
    pub measure: MeasureResponse,
    /// The total score.
    pub total: i32,
    /// The severity band.
    pub severity: Option<SeverityValue>,
    /// True when PHQ-9 item 9 was answered at or above the practice's threshold; a SAFETY
    /// alert is then raised for the care team.
    pub safety_flag: bool,
    /// `total - baseline`; null for the first response.
    pub change_from_baseline: Option<i32>,
    /// `total - previous total`; null for the first response.
    pub change_from_previous: Option<i32>,
    /// Reliable change against the baseline; null for the first response.
    pub reliable_change: Option<ReliableChangeValue>,
    /// At least a 50% drop from the baseline.
    pub response: Option<bool>,
    /// Below the remission cut-off.
    pub remission: Option<bool>,
    /// Crisis lines to show the client now: the practice's CRISIS_LINE resources, or a
    /// built-in default. Empty unless `safetyFlag`.
    pub crisis_resources: Vec<CrisisResource>,
}

/// Assign a measure to be completed every N days.
#[derive(InputObject)]
pub struct AssignMeasureInput {
    /// The client.
    pub client_id: ID,
    /// Which instrument.
    pub instrument: InstrumentValue,
    /// How often, 1 to 365 days (e.g. 14).
    pub every_days: i32,
}

/// A measure the client is asked to complete regularly.
#[derive(SimpleObject)]
pub struct MeasureAssignment {
    /// The assignment's id.
    pub id: ID,
    /// Which instrument.
    pub instrument: Option<InstrumentValue>,
    /// How often, in days.
    pub every_days: i32,
    /// When the client last completed it.
    pub last_administered_at: Option<DateTime<Utc>>,
    /// When it is next due: the last completion plus the interval (the assignment time
    /// when never completed).
    pub due_at: DateTime<Utc>,
    /// Whether it is due now.
    pub due: bool,
}

impl From<Due> for MeasureAssignment {
    fn from(d: Due) -> Self {
        Self {
            id: to_id(d.assignment.id),
            instrument: Instrument::parse(&d.assignment.instrument).map(Into::into),
            every_days: d.assignment.every_days,
            last_administered_at: d.last_administered_at,
            due_at: d.due_at,
            due: d.due,
        }
    }
}

/// The assignment as it now is.
#[derive(SimpleObject)]
pub struct MeasureAssignmentPayload {
    /// The assignment.
    pub assignment: MeasureAssignment,
}

/// A practice's measure thresholds.
#[derive(SimpleObject)]
pub struct MeasureSettings {
    /// Points of PHQ-9 change that count as reliable (default 6).
    pub phq9_reliable_change: i32,
    /// Points of GAD-7 change that count as reliable (default 4).
    pub gad7_reliable_change: i32,
    /// A PHQ-9 item 9 answer at or above this raises a SAFETY alert (default 1).
    pub safety_item_threshold: i32,
}

impl From<Thresholds> for MeasureSettings {
    fn from(t: Thresholds) -> Self {
        Self {
            phq9_reliable_change: t.phq9_reliable_change,
            gad7_reliable_change: t.gad7_reliable_change,
            safety_item_threshold: t.safety_item_threshold,
        }
    }
}

/// Change the practice's measure thresholds.
#[derive(InputObject)]
pub struct UpdateMeasureSettingsInput {
    /// Points of PHQ-9 change that count as reliable, 1 to 27.
    pub phq9_reliable_change: i32,
    /// Points of GAD-7 change that count as reliable, 1 to 21.
    pub gad7_reliable_change: i32,
    /// The lowest PHQ-9 item 9 answer that raises a SAFETY alert, 1 to 3.
    pub safety_item_threshold: i32,
}

/// The practice's thresholds as they now are.
#[derive(SimpleObject)]
pub struct MeasureSettingsPayload {
    /// The settings.
    pub settings: MeasureSettings,
}
