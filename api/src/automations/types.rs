//! GraphQL types of automation rules.

use async_graphql::{Enum, ID, InputObject, Json, OneofObject, SimpleObject};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{
    domain::{Action, Condition},
    service::{DryRun, FiringStatus, content_of, version_content},
};
use crate::{
    alerts::{domain::AlertKind, types::AlertKindValue},
    error::ServiceError,
    measures::{domain::Instrument, types::InstrumentValue},
    realtime::types::EventKindValue,
    values::{parse_id, to_id},
};

/// A condition of a rule: exactly one of its fields.
#[derive(OneofObject, Debug, Clone)]
pub enum AutomationConditionInput {
    /// The client's latest total on the instrument is at least `total`.
    ScoreAtLeast(ScoreAtLeastInput),
    /// The client's latest total on the instrument is a reliable deterioration from their
    /// first (the practice's reliable-change points).
    ReliableDeterioration(InstrumentInput),
    /// Nothing tracked for at least `days` days (1 to 90; never tracked counts).
    NoTrackingForDays(DaysInput),
    /// At least `count` (1 to 10) of the client's latest settled homework were missed, in a
    /// row.
    MissedHomework(CountInput),
}

/// `SCORE_AT_LEAST`'s values.
#[derive(InputObject, Debug, Clone)]
pub struct ScoreAtLeastInput {
    /// The instrument.
    pub instrument: InstrumentValue,
    /// The total, 0 to 27.
    pub total: i32,
}

/// An instrument.
#[derive(InputObject, Debug, Clone)]
pub struct InstrumentInput {
    /// The instrument.
    pub instrument: InstrumentValue,
}

/// A number of days.
#[derive(InputObject, Debug, Clone)]
pub struct DaysInput {
    /// Days.
    pub days: i32,
}

/// A count.
#[derive(InputObject, Debug, Clone)]
pub struct CountInput {
    /// How many.
    pub count: i32,
}

/// An action of a rule: exactly one of its fields.
#[derive(OneofObject, Debug, Clone)]
pub enum AutomationActionInput {
    /// Assign homework from the practice's template library.
    AssignHomework(AssignHomeworkActionInput),
    /// Schedule a check-in.
    ScheduleCheckIn(ScheduleCheckInActionInput),
    /// Share a resource of the practice's library.
    ShareResource(ShareResourceActionInput),
    /// Enrol the client in a programme (nothing happens when they are in it already).
    EnrollInProgram(EnrollActionInput),
    /// Raise an alert for the care team (nothing happens while one of the kind is open).
    RaiseAlert(RaiseAlertActionInput),
    /// Tell the care team through the event feed: an `AUTOMATION_FIRED` event (clients never
    /// see it). Pass `true` (`false` is `BAD_USER_INPUT`).
    NotifyCareTeam(bool),
}

/// `ASSIGN_HOMEWORK`'s values.
#[derive(InputObject, Debug, Clone)]
pub struct AssignHomeworkActionInput {
    /// A homework template of the practice's library.
    pub template_id: ID,
    /// Due at the end of the client's day this many days after the firing (1 to 90).
    pub due_in_days: i32,
}

/// `SCHEDULE_CHECK_IN`'s values.
#[derive(InputObject, Debug, Clone)]
pub struct ScheduleCheckInActionInput {
    /// What the check-in asks (1 to 500 characters).
    pub prompt: String,
    /// Due at the end of the client's day this many days after the firing (1 to 90).
    pub due_in_days: i32,
}

/// `SHARE_RESOURCE`'s values.
#[derive(InputObject, Debug, Clone)]
pub struct ShareResourceActionInput {
    /// A resource of the practice's library.
    pub resource_id: ID,
}

/// `ENROLL_IN_PROGRAM`'s values.
#[derive(InputObject, Debug, Clone)]
pub struct EnrollActionInput {
    /// A programme of the practice's library.
    pub program_id: ID,
}

/// `RAISE_ALERT`'s values.
#[derive(InputObject, Debug, Clone)]
pub struct RaiseAlertActionInput {
    /// The kind of alert.
    pub alert_kind: AlertKindValue,
}

/// The conditions as the service takes them (it checks their values, naming each bad one's
/// field).
pub fn conditions(input: Vec<AutomationConditionInput>) -> Vec<Condition> {
    input
        .into_iter()
        .map(|c| match c {
            AutomationConditionInput::ScoreAtLeast(s) => Condition::ScoreAtLeast {
                instrument: Instrument::from(s.instrument).as_str().to_owned(),
                total: s.total,
            },
            AutomationConditionInput::ReliableDeterioration(i) => {
                Condition::ReliableDeterioration {
                    instrument: Instrument::from(i.instrument).as_str().to_owned(),
                }
            }
            AutomationConditionInput::NoTrackingForDays(d) => {
                Condition::NoTrackingForDays { days: d.days }
            }
            AutomationConditionInput::MissedHomework(c) => {
                Condition::MissedHomework { count: c.count }
            }
        })
        .collect()
}

/// Parses the actions, naming a bad id's field (`input.actions[0].templateId`).
pub fn actions(input: Vec<AutomationActionInput>) -> Result<Vec<Action>, ServiceError> {
    input
        .into_iter()
        .enumerate()
        .map(|(i, a)| {
            let at = |f: &str| format!("input.actions[{i}].{f}");
            Ok(match a {
                AutomationActionInput::AssignHomework(h) => Action::AssignHomework {
                    template_id: parse_id(&h.template_id, &at("templateId"))?,
                    due_in_days: h.due_in_days,
                },
                AutomationActionInput::ScheduleCheckIn(c) => Action::ScheduleCheckIn {
                    prompt: c.prompt,
                    due_in_days: c.due_in_days,
                },
                AutomationActionInput::ShareResource(r) => Action::ShareResource {
                    resource_id: parse_id(&r.resource_id, &at("resourceId"))?,
                },
                AutomationActionInput::EnrollInProgram(p) => Action::EnrollInProgram {
                    program_id: parse_id(&p.program_id, &at("programId"))?,
                },
                AutomationActionInput::RaiseAlert(a) => Action::RaiseAlert {
                    alert_kind: AlertKind::from(a.alert_kind).as_str().to_owned(),
                },
                AutomationActionInput::NotifyCareTeam(true) => Action::NotifyCareTeam,
                AutomationActionInput::NotifyCareTeam(false) => {
                    return Err(ServiceError::bad_input(
                        at("notifyCareTeam"),
                        "must be true",
                    ));
                }
            })
        })
        .collect()
}

/// What kind of condition.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum AutomationConditionKind {
    /// The latest total on `instrument` is at least `total`.
    ScoreAtLeast,
    /// The latest total on `instrument` is a reliable deterioration.
    ReliableDeterioration,
    /// Nothing tracked for at least `days` days.
    NoTrackingForDays,
    /// At least `count` latest settled homework missed in a row.
    MissedHomework,
}

/// A condition of a rule.
#[derive(SimpleObject, Debug, Clone)]
pub struct AutomationCondition {
    /// What kind.
    pub kind: AutomationConditionKind,
    /// The instrument (`SCORE_AT_LEAST`, `RELIABLE_DETERIORATION`).
    pub instrument: Option<InstrumentValue>,
    /// The total (`SCORE_AT_LEAST`).
    pub total: Option<i32>,
    /// Days (`NO_TRACKING_FOR_DAYS`).
    pub days: Option<i32>,
    /// How many (`MISSED_HOMEWORK`).
    pub count: Option<i32>,
}

impl From<&Condition> for AutomationCondition {
    fn from(c: &Condition) -> Self {
        let instrument = |s: &str| Instrument::parse(s).map(Into::into);
        let mut out = Self {
            kind: AutomationConditionKind::ScoreAtLeast,
            instrument: None,
            total: None,
            days: None,
            count: None,
        };
        match c {
            Condition::ScoreAtLeast {
                instrument: i,
                total,
            } => {
                out.instrument = instrument(i);
                out.total = Some(*total);
            }
            Condition::ReliableDeterioration { instrument: i } => {
                out.kind = AutomationConditionKind::ReliableDeterioration;
                out.instrument = instrument(i);
            }
            Condition::NoTrackingForDays { days } => {
                out.kind = AutomationConditionKind::NoTrackingForDays;
                out.days = Some(*days);
            }
            Condition::MissedHomework { count } => {
                out.kind = AutomationConditionKind::MissedHomework;
                out.count = Some(*count);
            }
        }
        out
    }
}

/// What kind of action.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum AutomationActionKind {
    /// Assign homework from a template.
    AssignHomework,
    /// Schedule a check-in.
    ScheduleCheckIn,
    /// Share a resource.
    ShareResource,
    /// Enrol in a programme.
    EnrollInProgram,
    /// Raise an alert.
    RaiseAlert,
    /// An `AUTOMATION_FIRED` event for the care team.
    NotifyCareTeam,
}

/// An action of a rule.
#[derive(SimpleObject, Debug, Clone)]
pub struct AutomationAction {
    /// What kind.
    pub kind: AutomationActionKind,
    /// The homework template (`ASSIGN_HOMEWORK`).
    pub template_id: Option<ID>,
    /// Due this many days after the firing (`ASSIGN_HOMEWORK`, `SCHEDULE_CHECK_IN`).
    pub due_in_days: Option<i32>,
    /// The check-in's prompt (`SCHEDULE_CHECK_IN`).
    pub prompt: Option<String>,
    /// The resource (`SHARE_RESOURCE`).
    pub resource_id: Option<ID>,
    /// The programme (`ENROLL_IN_PROGRAM`).
    pub program_id: Option<ID>,
    /// The alert's kind (`RAISE_ALERT`).
    pub alert_kind: Option<AlertKindValue>,
}

impl From<&Action> for AutomationAction {
    fn from(a: &Action) -> Self {
        let mut out = Self {
            kind: AutomationActionKind::NotifyCareTeam,
            template_id: None,
            due_in_days: None,
            prompt: None,
            resource_id: None,
            program_id: None,
            alert_kind: None,
        };
        match a {
            Action::AssignHomework {
                template_id,
                due_in_days,
            } => {
                out.kind = AutomationActionKind::AssignHomework;
                out.template_id = Some(to_id(*template_id));
                out.due_in_days = Some(*due_in_days);
            }
            Action::ScheduleCheckIn {
                prompt,
                due_in_days,
            } => {
                out.kind = AutomationActionKind::ScheduleCheckIn;
                out.prompt = Some(prompt.clone());
                out.due_in_days = Some(*due_in_days);
            }
            Action::ShareResource { resource_id } => {
                out.kind = AutomationActionKind::ShareResource;
                out.resource_id = Some(to_id(*resource_id));
            }
            Action::EnrollInProgram { program_id } => {
                out.kind = AutomationActionKind::EnrollInProgram;
                out.program_id = Some(to_id(*program_id));
            }
            Action::RaiseAlert { alert_kind } => {
                out.kind = AutomationActionKind::RaiseAlert;
                out.alert_kind = AlertKind::parse(alert_kind).map(Into::into);
            }
            Action::NotifyCareTeam => {}
        }
        out
    }
}

/// An automation rule: when an event of `trigger` happens to a client (any of the practice's,
/// or `clientId`) and every condition holds of their figures, the automation job applies the
/// actions, once per event. Staff and integrators with `AUTOMATIONS_READ` only; clients never
/// see rules.
#[derive(SimpleObject)]
pub struct AutomationRule {
    /// The rule's id.
    pub id: ID,
    /// Its name.
    pub name: String,
    /// The client it is for; null for every client of the practice.
    pub client_id: Option<ID>,
    /// The event kind that triggers it.
    pub trigger: Option<EventKindValue>,
    /// What must hold of the client (all of them).
    pub conditions: Vec<AutomationCondition>,
    /// What it does, in order (all or nothing).
    pub actions: Vec<AutomationAction>,
    /// Whether it fires.
    pub enabled: bool,
    /// Bumped by every change; pass it as `expectedVersion`. Every version is kept
    /// (`automationVersions`).
    pub version: i32,
    /// Who wrote it (the work its actions assign is recorded as theirs).
    pub created_by: ID,
    /// When it was written.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// When it was archived; null while it is in use.
    pub archived_at: Option<DateTime<Utc>>,
}

fn parts(
    trigger: &str,
    content: Result<super::domain::RuleContent, ServiceError>,
) -> (
    Option<EventKindValue>,
    Vec<AutomationCondition>,
    Vec<AutomationAction>,
) {
    let trigger = crate::events::EventKind::parse(trigger).map(Into::into);
    match content {
        Ok(c) => (
            trigger,
            c.conditions.iter().map(Into::into).collect(),
            c.actions.iter().map(Into::into).collect(),
        ),
        Err(_) => (trigger, Vec::new(), Vec::new()),
    }
}

impl From<entity::automation_rule::Model> for AutomationRule {
    fn from(r: entity::automation_rule::Model) -> Self {
        let (trigger, conditions, actions) = parts(&r.trigger, content_of(&r));
        Self {
            id: to_id(r.id),
            name: r.name,
            client_id: r.client_id.map(to_id),
            trigger,
            conditions,
            actions,
            enabled: r.enabled,
            version: r.version,
            created_by: to_id(r.created_by),
            created_at: r.created_at,
            updated_at: r.updated_at,
            archived_at: r.archived_at,
        }
    }
}

/// A rule as it stood after one change.
#[derive(SimpleObject)]
pub struct AutomationRuleVersion {
    /// The version.
    pub version: i32,
    /// Its name then.
    pub name: String,
    /// Its trigger then.
    pub trigger: Option<EventKindValue>,
    /// Its conditions then.
    pub conditions: Vec<AutomationCondition>,
    /// Its actions then.
    pub actions: Vec<AutomationAction>,
    /// Whether it fired then.
    pub enabled: bool,
    /// Whether this change archived it.
    pub archived: bool,
    /// Who made the change.
    pub changed_by: ID,
    /// When.
    pub changed_at: DateTime<Utc>,
}

impl From<entity::automation_rule_version::Model> for AutomationRuleVersion {
    fn from(v: entity::automation_rule_version::Model) -> Self {
        let (trigger, conditions, actions) = parts(&v.trigger, version_content(&v));
        Self {
            version: v.version,
            name: v.name,
            trigger,
            conditions,
            actions,
            enabled: v.enabled,
            archived: v.archived,
            changed_by: to_id(v.changed_by),
            changed_at: v.changed_at,
        }
    }
}

/// How a firing stands.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "super::service::FiringStatus")]
pub enum AutomationFiringStatus {
    /// Every action applied.
    Applied,
    /// An action failed; nothing of the firing was applied. Tried again at `nextAttemptAt`.
    Failed,
    /// Failed five times; not tried again.
    GaveUp,
}

/// A rule's firing for one event.
#[derive(SimpleObject)]
pub struct AutomationFiring {
    /// The firing's id (events its actions appended name it as `automationFiringId`).
    pub id: ID,
    /// The rule.
    pub rule_id: ID,
    /// The rule's version that fired (a retry applies the same).
    pub rule_version: i32,
    /// The client.
    pub client_id: ID,
    /// The event that triggered it.
    pub event_id: ID,
    /// The event's kind.
    pub event_kind: Option<EventKindValue>,
    /// When the event happened.
    pub event_at: DateTime<Utc>,
    /// Why it fired, from the client's figures (e.g. `latest PHQ9 total 17 is at least 15`).
    pub reason: String,
    /// How it stands.
    pub status: Option<AutomationFiringStatus>,
    /// What each action did, in order: its `kind`, the `id` of what it made, or a `note`
    /// when there was nothing to do (e.g. `enrolled already`).
    pub outcome: Json<serde_json::Value>,
    /// Attempts so far.
    pub attempts: i32,
    /// Why the last attempt failed; null once applied.
    pub last_error: Option<String>,
    /// When it is tried again (`FAILED` only).
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// When it fired.
    pub fired_at: DateTime<Utc>,
}

impl From<entity::automation_firing::Model> for AutomationFiring {
    fn from(f: entity::automation_firing::Model) -> Self {
        Self {
            id: to_id(f.id),
            rule_id: to_id(f.rule_id),
            rule_version: f.rule_version,
            client_id: to_id(f.client_id),
            event_id: to_id(f.event_id),
            event_kind: crate::events::EventKind::parse(&f.event_kind).map(Into::into),
            event_at: f.event_at,
            reason: f.reason,
            status: FiringStatus::parse(&f.status).map(Into::into),
            outcome: Json(f.outcome),
            attempts: f.attempts,
            last_error: f.last_error,
            next_attempt_at: f.next_attempt_at,
            fired_at: f.created_at,
        }
    }
}

/// One event the rule would have fired on.
#[derive(SimpleObject)]
pub struct AutomationWouldFire {
    /// The event.
    pub event_id: ID,
    /// When it happened.
    pub event_at: DateTime<Utc>,
    /// The client.
    pub client_id: ID,
    /// Why it would have fired, from the client's figures at the end of the event's day (UTC).
    pub reason: String,
    /// Whether the rule did fire on it.
    pub fired: bool,
}

/// What a rule would have done over the last days, without doing any of it.
#[derive(SimpleObject)]
pub struct AutomationDryRun {
    /// The rule.
    pub rule: AutomationRule,
    /// Events of its trigger (and client) in the window, of clients the viewer may read.
    pub events_considered: i32,
    /// The events it would have fired on, oldest first; each would apply every action.
    pub would_fire: Vec<AutomationWouldFire>,
    /// Whether more than 2,000 events happened (the newest were left out).
    pub truncated: bool,
}

impl From<DryRun> for AutomationDryRun {
    fn from(d: DryRun) -> Self {
        Self {
            rule: d.rule.into(),
            events_considered: i32::try_from(d.events_considered).unwrap_or(i32::MAX),
            would_fire: d
                .would_fire
                .into_iter()
                .map(|w| AutomationWouldFire {
                    event_id: to_id(w.event.id),
                    event_at: w.event.created_at,
                    client_id: to_id(w.event.client_id.unwrap_or(Uuid::nil())),
                    reason: w.reason,
                    fired: w.fired,
                })
                .collect(),
            truncated: d.truncated,
        }
    }
}

/// A new rule.
#[derive(InputObject)]
pub struct CreateAutomationInput {
    /// A name to recognise it by (1 to 120 characters).
    pub name: String,
    /// The client it is for (therapists: a client on their care team); omit for every client
    /// of the practice (admins and integrators).
    pub client_id: Option<ID>,
    /// The event kind that triggers it.
    pub trigger: EventKindValue,
    /// What must hold of the client (at most 5; none fires on every event of the trigger).
    pub conditions: Vec<AutomationConditionInput>,
    /// What it does, in order (1 to 5).
    pub actions: Vec<AutomationActionInput>,
    /// Whether it fires (default true).
    #[graphql(default = true)]
    pub enabled: bool,
}

/// A rule's new content (the client it is for stays).
#[derive(InputObject)]
pub struct UpdateAutomationInput {
    /// The rule.
    pub id: ID,
    /// Its current `version` (a stale one is `CONFLICT`).
    pub expected_version: i32,
    /// A name to recognise it by (1 to 120 characters).
    pub name: String,
    /// The event kind that triggers it.
    pub trigger: EventKindValue,
    /// What must hold of the client (at most 5).
    pub conditions: Vec<AutomationConditionInput>,
    /// What it does, in order (1 to 5).
    pub actions: Vec<AutomationActionInput>,
    /// Whether it fires.
    pub enabled: bool,
}

/// The rule to archive.
#[derive(InputObject)]
pub struct ArchiveAutomationInput {
    /// The rule.
    pub id: ID,
    /// Its current `version` (a stale one is `CONFLICT`).
    pub expected_version: i32,
}

/// A rule after a change.
#[derive(SimpleObject)]
pub struct AutomationPayload {
    /// The rule as it now stands.
    pub rule: AutomationRule,
}

/// The practice's automation settings.
#[derive(SimpleObject)]
pub struct AutomationSettings {
    /// Whether therapists manage rules for clients on their care team (off by default:
    /// practice admins and integrators manage rules).
    pub therapists_manage_own_clients: bool,
}

/// New automation settings.
#[derive(InputObject)]
pub struct UpdateAutomationSettingsInput {
    /// Whether therapists manage rules for clients on their care team.
    pub therapists_manage_own_clients: bool,
}
