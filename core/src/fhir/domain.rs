//! The FHIR R4 (4.0.1) mapping: which Momentum record becomes which resource, the status
//! tables, the codes and the identifier systems. Pure functions over loaded rows; the
//! service loads them (a fixed number of statements) and this module writes the `Bundle`.
//!
//! Every resource's `id` is the Momentum record's UUID (a QuestionnaireResponse takes a
//! UUID derived from its measure response's id), its `fullUrl` is `urn:uuid:<id>`, and
//! references between entries use those URNs, so a re-export of the same record carries
//! the same ids and an importer can update instead of duplicating.

use std::collections::HashMap;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    goals::domain::{GoalStatus, ProgressBasis, StepStatus, progress},
    homework::domain::HomeworkStatus,
    measures::domain::{Instrument, Severity},
    plans::domain::{Action, PlanContent, Recurrence, Weekday},
    tracking::domain::{TrackerKind, ValueType},
};
use entity::{
    client, goal, goal_progress, goal_step, homework, measure_response, tracker, tracker_entry,
};

/// Identifier system of every Momentum id: FHIR's system for identifiers that are URIs
/// (the value is `urn:uuid:<id>`, the same as the entry's `fullUrl`).
pub const MOMENTUM_ID_SYSTEM: &str = "urn:ietf:rfc:3986";
/// Identifier system of the integrating EHR's own id for the client (`Client.externalRef`).
pub const EXTERNAL_REF_SYSTEM: &str = "urn:momentum:external-ref";
/// Momentum's code system for tracker kinds: `MOOD`, `ANXIETY`, `CUSTOM`.
pub const TRACKER_KIND_SYSTEM: &str = "urn:momentum:tracker-kind";
/// Momentum's code system naming one tracker (the code is the tracker's id).
pub const TRACKER_SYSTEM: &str = "urn:momentum:tracker";
/// Momentum's code system for homework kinds (`THOUGHT_RECORD`, `EXPOSURE`, ...).
pub const HOMEWORK_KIND_SYSTEM: &str = "urn:momentum:homework-kind";
/// Momentum's code system for homework statuses (`ASSIGNED` ... `REVIEWED`).
pub const HOMEWORK_STATUS_SYSTEM: &str = "urn:momentum:homework-status";
/// Momentum's code system for measure severity bands (`MINIMAL` ... `SEVERE`).
pub const SEVERITY_SYSTEM: &str = "urn:momentum:severity";
/// LOINC.
pub const LOINC: &str = "http://loinc.org";
/// UCUM, for units.
pub const UCUM: &str = "http://unitsofmeasure.org";
/// HL7's observation categories.
const OBSERVATION_CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/observation-category";
/// HL7's goal achievement statuses.
const GOAL_ACHIEVEMENT: &str = "http://terminology.hl7.org/CodeSystem/goal-achievement";
/// HL7's goal priorities.
const GOAL_PRIORITY: &str = "http://terminology.hl7.org/CodeSystem/goal-priority";
/// The core extension relating a goal to its milestones.
const GOAL_RELATIONSHIP: &str = "http://hl7.org/fhir/StructureDefinition/goal-relationship";
/// The code system of the goal-relationship extension's `type`.
const GOAL_RELATIONSHIP_TYPE: &str = "http://hl7.org/fhir/goal-relationship-type";
/// The core extension carrying an answer's score.
const ORDINAL_VALUE: &str = "http://hl7.org/fhir/StructureDefinition/ordinalValue";

/// Namespace of the UUIDs derived for resources that have no row of their own.
const DERIVED_NAMESPACE: Uuid = Uuid::from_u128(0x6d6f_6d65_6e74_756d_8000_0000_0000_f41e);

/// Tracker entries exported in one bundle at most (the oldest from `since` on).
pub const ENTRIES_MAX: u64 = 1000;
/// Measure responses exported in one bundle at most (the oldest from `since` on); each
/// one becomes an Observation and a QuestionnaireResponse.
pub const MEASURES_MAX: u64 = 200;
/// Homework assignments exported at most: the latest due.
pub const HOMEWORK_MAX: u64 = 500;

/// LOINC codes of an instrument's questionnaire: the panel, and one per item in order.
pub struct LoincForm {
    /// The panel (the form as a whole).
    pub panel: &'static str,
    /// The items, in the instrument's order.
    pub items: &'static [&'static str],
}

/// The LOINC form of an instrument. Sources: LOINC 44249-1 "PHQ-9 quick depression
/// assessment panel" and 69737-5 "Generalized anxiety disorder 7 item (GAD-7)", with
/// their item codes in form order. The totals are in `measures::domain`.
pub fn loinc_form(instrument: Instrument) -> LoincForm {
    match instrument {
        Instrument::Phq9 => LoincForm {
            panel: "44249-1",
            items: &[
                "44250-9", "44255-8", "44259-0", "44254-1", "44251-7", "44258-2", "44252-5",
                "44253-3", "44260-8",
            ],
        },
        Instrument::Gad7 => LoincForm {
            panel: "69737-5",
            items: &[
                "69725-0", "68509-9", "69733-4", "69734-2", "69735-9", "69689-8", "69736-7",
            ],
        },
    }
}

/// The LOINC answer of the PHQ/GAD frequency list (LL358-3) for a score of 0 to 3.
pub fn loinc_answer(score: i64) -> Option<&'static str> {
    match score {
        0 => Some("LA6568-5"),
        1 => Some("LA6569-3"),
        2 => Some("LA6570-1"),
        3 => Some("LA6571-9"),
        _ => None,
    }
}

/// Goal `lifecycleStatus` of a Momentum goal status.
pub fn goal_lifecycle(status: GoalStatus) -> &'static str {
    match status {
        GoalStatus::Proposed => "proposed",
        GoalStatus::Active => "active",
        GoalStatus::OnHold => "on-hold",
        GoalStatus::Achieved => "completed",
        GoalStatus::Abandoned => "cancelled",
        GoalStatus::Declined => "rejected",
    }
}

/// Goal `achievementStatus` (goal-achievement code) of a status and progress (0 to 1);
/// none for a goal not (yet) pursued.
pub fn goal_achievement(
    status: GoalStatus,
    progress: f64,
    basis: ProgressBasis,
) -> Option<&'static str> {
    match status {
        GoalStatus::Achieved => Some("achieved"),
        GoalStatus::Abandoned => Some("not-achieved"),
        GoalStatus::Proposed | GoalStatus::Declined => None,
        GoalStatus::Active | GoalStatus::OnHold => Some(match basis {
            ProgressBasis::None => "in-progress",
            _ if progress >= 1.0 => "achieved",
            _ if progress > 0.0 => "improving",
            _ => "in-progress",
        }),
    }
}

/// CarePlan `status` of the plan's goal status (a plan lives as long as its goal).
pub fn care_plan_status(goal: GoalStatus) -> &'static str {
    match goal {
        GoalStatus::Proposed => "draft",
        GoalStatus::Active => "active",
        GoalStatus::OnHold => "on-hold",
        GoalStatus::Achieved => "completed",
        GoalStatus::Abandoned | GoalStatus::Declined => "revoked",
    }
}

/// CarePlan `activity.detail.status` of the plan's goal status.
pub fn activity_status(goal: GoalStatus) -> &'static str {
    match goal {
        GoalStatus::Proposed => "not-started",
        GoalStatus::Active => "in-progress",
        GoalStatus::OnHold => "on-hold",
        GoalStatus::Achieved => "completed",
        GoalStatus::Abandoned | GoalStatus::Declined => "cancelled",
    }
}

/// Task `status` of a homework status. A REVIEWED assignment keeps the status of how it
/// went (`outcome`: COMPLETED, PARTIAL or NOT_DONE; COMPLETED when unknown).
pub fn task_status(status: HomeworkStatus, outcome: Option<HomeworkStatus>) -> &'static str {
    match status {
        HomeworkStatus::Assigned => "ready",
        HomeworkStatus::InProgress => "in-progress",
        HomeworkStatus::Completed | HomeworkStatus::Partial => "completed",
        HomeworkStatus::NotDone => "failed",
        HomeworkStatus::Reviewed => match outcome {
            Some(HomeworkStatus::NotDone) => "failed",
            _ => "completed",
        },
    }
}

fn homework_status_display(status: HomeworkStatus) -> &'static str {
    match status {
        HomeworkStatus::Assigned => "Assigned",
        HomeworkStatus::InProgress => "In progress",
        HomeworkStatus::Completed => "Completed",
        HomeworkStatus::Partial => "Partially completed",
        HomeworkStatus::NotDone => "Not done",
        HomeworkStatus::Reviewed => "Reviewed",
    }
}

fn severity_display(s: Severity) -> &'static str {
    match s {
        Severity::Minimal => "Minimal",
        Severity::Mild => "Mild",
        Severity::Moderate => "Moderate",
        Severity::ModeratelySevere => "Moderately severe",
        Severity::Severe => "Severe",
    }
}

fn weekday_code(d: Weekday) -> &'static str {
    match d {
        Weekday::Mon => "mon",
        Weekday::Tue => "tue",
        Weekday::Wed => "wed",
        Weekday::Thu => "thu",
        Weekday::Fri => "fri",
        Weekday::Sat => "sat",
        Weekday::Sun => "sun",
    }
}

/// The FHIR `Timing` of a planned action: recurrence, local time of day, duration.
pub fn timing(action: &Action) -> Value {
    let mut repeat = serde_json::Map::new();
    match &action.recurrence {
        Recurrence::Daily => {
            repeat.insert("frequency".into(), json!(1));
            repeat.insert("period".into(), json!(1));
            repeat.insert("periodUnit".into(), json!("d"));
        }
        Recurrence::Weekdays => {
            let days = [
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri,
            ];
            repeat.insert("dayOfWeek".into(), json!(days.map(weekday_code)));
        }
        Recurrence::Weekly { days } => {
            let days: Vec<&str> = days.iter().copied().map(weekday_code).collect();
            repeat.insert("dayOfWeek".into(), json!(days));
        }
        Recurrence::EveryNDays { every_n_days } => {
            repeat.insert("frequency".into(), json!(1));
            repeat.insert("period".into(), json!(every_n_days));
            repeat.insert("periodUnit".into(), json!("d"));
        }
    }
    if let Some(t) = &action.time_of_day {
        repeat.insert("timeOfDay".into(), json!([format!("{t}:00")]));
    }
    if let Some(m) = action.duration_minutes {
        repeat.insert("duration".into(), json!(m));
        repeat.insert("durationUnit".into(), json!("min"));
    }
    json!({ "repeat": repeat })
}

/// Everything one bundle is made of, as loaded by the service.
pub struct Record {
    pub bundle_id: Uuid,
    pub generated_at: DateTime<Utc>,
    pub client: client::Model,
    pub goals: Vec<goal::Model>,
    /// Steps of those goals, by goal then position.
    pub steps: Vec<goal_step::Model>,
    /// The latest recorded value of each measured goal.
    pub latest_progress: Vec<goal_progress::Model>,
    pub plans: Vec<(entity::action_plan::Model, PlanContent)>,
    pub homework: Vec<homework::Model>,
    /// How each REVIEWED assignment went (COMPLETED, PARTIAL or NOT_DONE).
    pub reviewed_outcomes: HashMap<Uuid, HomeworkStatus>,
    /// All the client's trackers, archived ones included.
    pub trackers: Vec<tracker::Model>,
    /// Shared entries only; private ones are never loaded.
    pub entries: Vec<tracker_entry::Model>,
    pub measures: Vec<measure_response::Model>,
}

fn instant(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn urn(id: Uuid) -> String {
    format!("urn:uuid:{id}")
}

fn reference(id: Uuid) -> Value {
    json!({ "reference": urn(id) })
}

fn momentum_identifier(id: Uuid) -> Value {
    json!({ "system": MOMENTUM_ID_SYSTEM, "value": urn(id) })
}

fn entry(id: Uuid, resource: Value) -> Value {
    json!({ "fullUrl": urn(id), "resource": resource })
}

/// The id of the QuestionnaireResponse of a measure response (stable across exports).
pub fn questionnaire_response_id(measure_response_id: Uuid) -> Uuid {
    Uuid::new_v5(&DERIVED_NAMESPACE, measure_response_id.as_bytes())
}

fn patient(c: &client::Model) -> Value {
    let mut identifiers = vec![json!({
        "use": "secondary",
        "system": MOMENTUM_ID_SYSTEM,
        "value": urn(c.id),
    })];
    if let Some(ext) = &c.external_ref {
        identifiers.push(json!({ "use": "usual", "system": EXTERNAL_REF_SYSTEM, "value": ext }));
    }
    json!({
        "resourceType": "Patient",
        "id": c.id.to_string(),
        "identifier": identifiers,
        "active": c.status != "DISCHARGED",
    })
}

fn goal_resource(
    g: &goal::Model,
    patient: Uuid,
    steps: &[&goal_step::Model],
    latest: Option<f64>,
) -> Value {
    let status = GoalStatus::parse(&g.status).unwrap_or(GoalStatus::Active);
    let measured = g.baseline.is_some() && g.target.is_some();
    let done = steps
        .iter()
        .filter(|s| s.status == StepStatus::Done.as_str())
        .count();
    let (fraction, basis) = if measured {
        progress(g, latest, 0, 0)
    } else {
        progress(g, None, done, steps.len())
    };
    let mut r = json!({
        "resourceType": "Goal",
        "id": g.id.to_string(),
        "identifier": [momentum_identifier(g.id)],
        "lifecycleStatus": goal_lifecycle(status),
        "priority": { "coding": [{
            "system": GOAL_PRIORITY,
            "code": match g.priority.as_str() { "HIGH" => "high-priority", "LOW" => "low-priority", _ => "medium-priority" },
        }] },
        "description": { "text": g.title },
        "subject": reference(patient),
        "statusDate": g.updated_at.date_naive().to_string(),
    });
    if let Some(a) = goal_achievement(status, fraction, basis) {
        r["achievementStatus"] = json!({ "coding": [{ "system": GOAL_ACHIEVEMENT, "code": a }] });
    }
    if g.created_by_role == "CLIENT" {
        r["expressedBy"] = reference(patient);
    }
    let mut target = serde_json::Map::new();
    if let (Some(t), Some(unit)) = (g.target, &g.unit) {
        target.insert(
            "measure".into(),
            json!({ "text": g.measure.clone().unwrap_or_else(|| unit.clone()) }),
        );
        target.insert("detailQuantity".into(), json!({ "value": t, "unit": unit }));
    }
    if let Some(d) = g.target_date {
        target.insert("dueDate".into(), json!(d.to_string()));
    }
    if !target.is_empty() {
        r["target"] = json!([target]);
    }
    if !steps.is_empty() {
        r["extension"] = json!(
            steps
                .iter()
                .map(|s| json!({
                    "url": GOAL_RELATIONSHIP,
                    "extension": [
                        { "url": "type", "valueCodeableConcept": { "coding": [{ "system": GOAL_RELATIONSHIP_TYPE, "code": "milestone" }] } },
                        { "url": "target", "valueReference": reference(s.id) },
                    ],
                }))
                .collect::<Vec<_>>()
        );
    }
    r
}

fn step_resource(s: &goal_step::Model, parent: &goal::Model, patient: Uuid) -> Value {
    let done = s.status == StepStatus::Done.as_str();
    let parent_status = GoalStatus::parse(&parent.status).unwrap_or(GoalStatus::Active);
    let lifecycle = if done {
        "completed"
    } else {
        goal_lifecycle(parent_status)
    };
    let mut r = json!({
        "resourceType": "Goal",
        "id": s.id.to_string(),
        "identifier": [momentum_identifier(s.id)],
        "lifecycleStatus": lifecycle,
        "description": { "text": s.title },
        "subject": reference(patient),
        "statusDate": s.updated_at.date_naive().to_string(),
    });
    if done {
        r["achievementStatus"] =
            json!({ "coding": [{ "system": GOAL_ACHIEVEMENT, "code": "achieved" }] });
    }
    if let Some(d) = s.due_on {
        r["target"] = json!([{ "dueDate": d.to_string() }]);
    }
    r
}

fn care_plan(
    plan: &entity::action_plan::Model,
    content: &PlanContent,
    goal_status: GoalStatus,
    patient: Uuid,
) -> Value {
    let activities: Vec<Value> = content
        .actions
        .iter()
        .map(|a| {
            let mut detail = json!({
                "status": activity_status(goal_status),
                "description": a.what,
                "goal": [reference(plan.goal_id)],
                "scheduledTiming": timing(a),
            });
            if let Some(w) = &a.where_or_cue {
                detail["location"] = json!({ "display": w });
            }
            json!({ "detail": detail })
        })
        .collect();
    let mut r = json!({
        "resourceType": "CarePlan",
        "id": plan.id.to_string(),
        "identifier": [momentum_identifier(plan.id)],
        "status": care_plan_status(goal_status),
        "intent": "plan",
        "title": content.title,
        "subject": reference(patient),
        "created": instant(plan.created_at),
        "goal": [reference(plan.goal_id)],
    });
    if !activities.is_empty() {
        r["activity"] = json!(activities);
    }
    r
}

fn task(h: &homework::Model, record: &Record, patient: Uuid, goal_ids: &[Uuid]) -> Value {
    let status = HomeworkStatus::parse(&h.status).unwrap_or(HomeworkStatus::Assigned);
    let outcome = record.reviewed_outcomes.get(&h.id).copied();
    let mut business = json!({
        "coding": [{ "system": HOMEWORK_STATUS_SYSTEM, "code": status.as_str(), "display": homework_status_display(status) }],
    });
    if let (HomeworkStatus::Reviewed, Some(o)) = (status, outcome) {
        business["text"] = json!(format!(
            "Reviewed; {}",
            homework_status_display(o).to_lowercase()
        ));
    }
    let mut r = json!({
        "resourceType": "Task",
        "id": h.id.to_string(),
        "identifier": [momentum_identifier(h.id)],
        "status": task_status(status, outcome),
        "businessStatus": business,
        "intent": "order",
        "code": { "coding": [{ "system": HOMEWORK_KIND_SYSTEM, "code": h.kind }] },
        "description": h.title,
        "for": reference(patient),
        "owner": reference(patient),
        "authoredOn": instant(h.created_at),
        "lastModified": instant(h.updated_at),
        "restriction": { "period": { "end": instant(h.due_at) } },
    });
    if h.started_at.is_some() || h.submitted_at.is_some() {
        let mut period = serde_json::Map::new();
        if let Some(s) = h.started_at.or(h.submitted_at) {
            period.insert("start".into(), json!(instant(s)));
        }
        if let Some(e) = h.submitted_at {
            period.insert("end".into(), json!(instant(e)));
        }
        r["executionPeriod"] = Value::Object(period);
    }
    if let Some(action) = h.action_id
        && let Some((plan, _)) = record
            .plans
            .iter()
            .find(|(_, c)| c.actions.iter().any(|a| a.id == action))
    {
        r["basedOn"] = json!([reference(plan.id)]);
    }
    if let Some(g) = h.goal_id.filter(|g| goal_ids.contains(g)) {
        r["reasonReference"] = reference(g);
    }
    r
}

fn tracker_observation(e: &tracker_entry::Model, t: &tracker::Model, patient: Uuid) -> Value {
    let kind = TrackerKind::parse(&t.kind).unwrap_or(TrackerKind::Custom);
    let mut coding = vec![json!({ "system": TRACKER_KIND_SYSTEM, "code": kind.as_str() })];
    if kind == TrackerKind::Custom {
        coding.push(json!({ "system": TRACKER_SYSTEM, "code": t.id.to_string() }));
    }
    let mut r = json!({
        "resourceType": "Observation",
        "id": e.id.to_string(),
        "identifier": [momentum_identifier(e.id)],
        "status": "final",
        "category": [{ "coding": [{ "system": OBSERVATION_CATEGORY, "code": "survey", "display": "Survey" }] }],
        "code": { "coding": coding, "text": t.name },
        "subject": reference(patient),
        "effectiveDateTime": instant(e.recorded_at),
        "issued": instant(e.created_at),
    });
    match ValueType::parse(&t.value_type).unwrap_or(ValueType::Scale) {
        ValueType::YesNo => r["valueBoolean"] = json!(e.value != 0.0),
        ValueType::DurationMinutes => {
            r["valueQuantity"] =
                json!({ "value": e.value, "unit": "min", "system": UCUM, "code": "min" });
        }
        ValueType::Count => {
            r["valueQuantity"] = json!({
                "value": e.value,
                "unit": t.unit.clone().unwrap_or_else(|| "times".to_owned()),
                "system": UCUM,
                "code": "{count}",
            });
        }
        ValueType::Scale => {
            r["valueQuantity"] = json!({
                "value": e.value,
                "unit": t.unit.clone().unwrap_or_else(|| "score".to_owned()),
                "system": UCUM,
                "code": "{score}",
            });
        }
    }
    if e.created_by_role == "CLIENT" {
        r["performer"] = json!([reference(patient)]);
    }
    r
}

fn measure_entries(m: &measure_response::Model, patient: Uuid) -> Option<[Value; 2]> {
    let instrument = Instrument::parse(&m.instrument)?;
    let spec = instrument.spec();
    let form = loinc_form(instrument);
    let answers: Vec<i64> = m
        .answers
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_i64).collect())
        .unwrap_or_default();
    let qr_id = questionnaire_response_id(m.id);
    let by_client = m.submitted_by_role == "CLIENT";
    let items: Vec<Value> = form
        .items
        .iter()
        .zip(spec.items)
        .zip(&answers)
        .map(|((code, text), &score)| {
            let label = spec
                .options
                .iter()
                .find(|o| i64::from(o.value) == score)
                .map_or("", |o| o.label);
            let mut coding = json!({
                "extension": [{ "url": ORDINAL_VALUE, "valueDecimal": score }],
                "system": LOINC,
                "display": label,
            });
            if let Some(a) = loinc_answer(score) {
                coding["code"] = json!(a);
            }
            json!({ "linkId": format!("/{code}"), "text": text, "answer": [{ "valueCoding": coding }] })
        })
        .collect();
    let mut qr = json!({
        "resourceType": "QuestionnaireResponse",
        "id": qr_id.to_string(),
        "identifier": momentum_identifier(qr_id),
        "questionnaire": format!("http://loinc.org/q/{}", form.panel),
        "status": "completed",
        "subject": reference(patient),
        "authored": instant(m.administered_at),
        "item": items,
    });
    let mut obs = json!({
        "resourceType": "Observation",
        "id": m.id.to_string(),
        "identifier": [momentum_identifier(m.id)],
        "status": "final",
        "category": [{ "coding": [{ "system": OBSERVATION_CATEGORY, "code": "survey", "display": "Survey" }] }],
        "code": { "coding": [{ "system": LOINC, "code": spec.loinc_total }], "text": format!("{} total score", spec.name) },
        "subject": reference(patient),
        "effectiveDateTime": instant(m.administered_at),
        "issued": instant(m.created_at),
        "valueQuantity": { "value": m.total, "unit": "score", "system": UCUM, "code": "{score}" },
        "derivedFrom": [reference(qr_id)],
    });
    if let Some(s) = Severity::parse(&m.severity) {
        obs["interpretation"] = json!([{
            "coding": [{ "system": SEVERITY_SYSTEM, "code": s.as_str(), "display": severity_display(s) }],
            "text": severity_display(s),
        }]);
    }
    if by_client {
        qr["author"] = reference(patient);
        qr["source"] = reference(patient);
        obs["performer"] = json!([reference(patient)]);
    }
    Some([obs, qr])
}

/// The bundle of a record: Patient, then goals (each followed by its steps), care plans,
/// tasks, tracker observations, and each measure's Observation and QuestionnaireResponse.
pub fn bundle(record: &Record) -> Value {
    let patient = record.client.id;
    let mut entries = vec![entry(patient, self::patient(&record.client))];
    let goal_ids: Vec<Uuid> = record.goals.iter().map(|g| g.id).collect();
    for g in &record.goals {
        let steps: Vec<&goal_step::Model> =
            record.steps.iter().filter(|s| s.goal_id == g.id).collect();
        let latest = record
            .latest_progress
            .iter()
            .find(|p| p.goal_id == g.id)
            .map(|p| p.value);
        entries.push(entry(g.id, goal_resource(g, patient, &steps, latest)));
        for s in steps {
            entries.push(entry(s.id, step_resource(s, g, patient)));
        }
    }
    for (plan, content) in &record.plans {
        let Some(goal) = record.goals.iter().find(|g| g.id == plan.goal_id) else {
            continue;
        };
        let status = GoalStatus::parse(&goal.status).unwrap_or(GoalStatus::Active);
        entries.push(entry(plan.id, care_plan(plan, content, status, patient)));
    }
    for h in &record.homework {
        entries.push(entry(h.id, task(h, record, patient, &goal_ids)));
    }
    for e in &record.entries {
        if let Some(t) = record.trackers.iter().find(|t| t.id == e.tracker_id) {
            entries.push(entry(e.id, tracker_observation(e, t, patient)));
        }
    }
    for m in &record.measures {
        if let Some([obs, qr]) = measure_entries(m, patient) {
            entries.push(entry(m.id, obs));
            entries.push(entry(questionnaire_response_id(m.id), qr));
        }
    }
    json!({
        "resourceType": "Bundle",
        "id": record.bundle_id.to_string(),
        "meta": { "lastUpdated": instant(record.generated_at) },
        "type": "collection",
        "timestamp": instant(record.generated_at),
        "entry": entries,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_goal_status_has_a_lifecycle_and_only_pursued_goals_an_achievement() {
        use GoalStatus::*;
        let table = [
            (Proposed, "proposed", None),
            (Active, "active", Some("in-progress")),
            (OnHold, "on-hold", Some("in-progress")),
            (Achieved, "completed", Some("achieved")),
            (Abandoned, "cancelled", Some("not-achieved")),
            (Declined, "rejected", None),
        ];
        for (status, lifecycle, achievement) in table {
            assert_eq!(goal_lifecycle(status), lifecycle);
            assert_eq!(
                goal_achievement(status, 0.0, ProgressBasis::Steps),
                achievement
            );
        }
    }

    #[test]
    fn progress_decides_the_achievement_of_an_active_goal() {
        let a = |p, b| goal_achievement(GoalStatus::Active, p, b);
        assert_eq!(a(0.0, ProgressBasis::None), Some("in-progress"));
        assert_eq!(a(0.0, ProgressBasis::Measure), Some("in-progress"));
        assert_eq!(a(0.4, ProgressBasis::Measure), Some("improving"));
        assert_eq!(a(1.0, ProgressBasis::Steps), Some("achieved"));
    }

    #[test]
    fn homework_statuses_map_to_task_statuses() {
        use HomeworkStatus::*;
        assert_eq!(task_status(Assigned, None), "ready");
        assert_eq!(task_status(InProgress, None), "in-progress");
        assert_eq!(task_status(Completed, None), "completed");
        assert_eq!(task_status(Partial, None), "completed");
        assert_eq!(task_status(NotDone, None), "failed");
        assert_eq!(task_status(Reviewed, Some(NotDone)), "failed");
        assert_eq!(task_status(Reviewed, Some(Partial)), "completed");
        assert_eq!(task_status(Reviewed, None), "completed");
    }

    #[test]
    fn a_plan_follows_its_goal() {
        assert_eq!(care_plan_status(GoalStatus::Abandoned), "revoked");
        assert_eq!(activity_status(GoalStatus::Abandoned), "cancelled");
        assert_eq!(care_plan_status(GoalStatus::Active), "active");
        assert_eq!(activity_status(GoalStatus::Proposed), "not-started");
    }

    #[test]
    fn every_item_of_each_instrument_has_a_loinc_code() {
        for i in Instrument::ALL {
            let form = loinc_form(i);
            assert_eq!(form.items.len(), i.spec().items.len());
            let mut unique = form.items.to_vec();
            unique.sort_unstable();
            unique.dedup();
            assert_eq!(unique.len(), form.items.len());
        }
        assert_eq!(loinc_answer(3), Some("LA6571-9"));
        assert_eq!(loinc_answer(4), None);
    }

    #[test]
    fn a_timing_carries_days_time_and_duration() {
        let action = Action {
            id: Uuid::nil(),
            what: "walk".into(),
            recurrence: Recurrence::Weekly {
                days: vec![Weekday::Mon, Weekday::Thu],
            },
            time_of_day: Some("07:30".into()),
            where_or_cue: None,
            duration_minutes: Some(20),
        };
        assert_eq!(
            timing(&action),
            json!({ "repeat": { "dayOfWeek": ["mon", "thu"], "timeOfDay": ["07:30:00"], "duration": 20, "durationUnit": "min" } })
        );
        let every = Action {
            recurrence: Recurrence::EveryNDays { every_n_days: 3 },
            time_of_day: None,
            duration_minutes: None,
            ..action
        };
        assert_eq!(
            timing(&every),
            json!({ "repeat": { "frequency": 1, "period": 3, "periodUnit": "d" } })
        );
    }

    #[test]
    fn a_questionnaire_response_id_is_stable_and_distinct() {
        let id = Uuid::now_v7();
        assert_eq!(questionnaire_response_id(id), questionnaire_response_id(id));
        assert_ne!(questionnaire_response_id(id), id);
    }
}
