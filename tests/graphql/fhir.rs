//! The FHIR R4 export (`Client.fhirBundle`): a prepared history exported and checked
//! resource by resource, validated against HL7's FHIR R4 JSON schema (vendored in
//! tests/fixtures/fhir, see PROVENANCE.md there), private entries left out, scope, audit,
//! and a statement count that does not grow with the record.

use std::{io::Read as _, sync::OnceLock};

use chrono::{DateTime, Duration, Utc};
use momentum_api::auth::Scope;
use sea_orm::ConnectionTrait as _;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use uuid::Uuid;

use crate::{fixtures::goal_id, helpers::*};

/// The sha256 of the uncompressed schema (PROVENANCE.md, fetch.sh).
const SCHEMA_SHA256: &str = "883b27e5dd6251ef5acfdf6af1855727f009324d8fe10d9b309c808fd5f5bc86";

/// HL7's FHIR R4 JSON schema, compiled once per test binary.
fn fhir_schema() -> &'static jsonschema::Validator {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/fhir/fhir.schema.json.gz"
        );
        let mut bytes = Vec::new();
        flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap())
            .read_to_end(&mut bytes)
            .unwrap();
        assert_eq!(
            hex::encode(Sha256::digest(&bytes)),
            SCHEMA_SHA256,
            "the vendored schema changed; re-run tests/fixtures/fhir/fetch.sh"
        );
        let schema: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(schema["$schema"], "http://json-schema.org/draft-06/schema#");
        assert_eq!(schema["id"], "http://hl7.org/fhir/json-schema/4.0");
        jsonschema::validator_for(&schema).unwrap()
    })
}

/// The schema's complaints about `resource` (none when valid).
fn schema_errors(resource: &Value) -> Vec<String> {
    fhir_schema()
        .iter_errors(resource)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

const BUNDLE: &str =
    "query($id: ID!, $since: DateTime) { client(id: $id) { fhirBundle(since: $since) } }";

async fn export(app: &TestApp, token: &str, client: Uuid, since: Option<DateTime<Utc>>) -> Gql {
    app.gql(
        Some(token),
        BUNDLE,
        json!({ "id": client.to_string(), "since": since.map(|s| s.to_rfc3339()) }),
    )
    .await
}

/// The resources of a bundle of one type.
fn of_type<'a>(bundle: &'a Value, resource_type: &str) -> Vec<&'a Value> {
    bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .filter(|r| r["resourceType"] == resource_type)
        .collect()
}

/// The resource whose `fullUrl` is `urn:uuid:<id>`.
fn by_id<'a>(bundle: &'a Value, id: &str) -> &'a Value {
    let url = format!("urn:uuid:{id}");
    &bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["fullUrl"] == url.as_str())
        .unwrap_or_else(|| panic!("no entry {url}"))["resource"]
}

/// Every `reference` anywhere in `v`.
fn references(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, x) in map {
                if k == "reference" {
                    out.push(x.as_str().unwrap().to_owned());
                } else {
                    references(x, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|x| references(x, out)),
        _ => {}
    }
}

fn ago(days: i64) -> DateTime<Utc> {
    Utc::now() - Duration::days(days)
}

fn data_id(res: &Gql, path: &str) -> String {
    res.data(path).as_str().unwrap().to_owned()
}

/// What `prepare` made, by id.
struct History {
    client: Uuid,
    measured_goal: String,
    steps_goal: String,
    proposed_goal: String,
    steps: [String; 2],
    plan: String,
    reviewed_homework: String,
    assigned_homework: String,
    shared_entries: Vec<String>,
    private_entry: String,
    phq9: String,
    gad7: String,
}

async fn log_entry(app: &TestApp, token: &str, input: Value) -> String {
    let res = mutate(
        app,
        token,
        "logEntry",
        "LogEntryInput",
        input,
        "entry { id }",
    )
    .await
    .ok();
    data_id(&res, "logEntry.entry.id")
}

/// Submits a measure as `token` and returns its id.
async fn measure(
    app: &TestApp,
    token: &str,
    client: Uuid,
    instrument: &str,
    answers: &[i32],
    at: DateTime<Utc>,
) -> String {
    let res = crate::fixtures::submit_at(app, token, client, instrument, answers, at)
        .await
        .ok();
    data_id(&res, "submitMeasure.measure.id")
}

/// Client 0 of practice A with an EHR reference, three goals (one measured, one with two
/// steps and a plan, one proposed by the client), two homework assignments (one reviewed),
/// shared and private tracker entries, and a PHQ-9 and a GAD-7.
async fn prepare(app: &TestApp) -> History {
    let t = app.therapist();
    let c = app.client();
    let client = app.a.client_ids[0];
    mutate(
        app,
        &t,
        "updateClient",
        "UpdateClientInput",
        json!({ "id": client.to_string(), "expectedVersion": 1, "externalRef": "EHR-4711" }),
        "client { id }",
    )
    .await
    .ok();

    let due = (Utc::now() + Duration::days(60)).date_naive().to_string();
    let measured_goal = goal_id(
        app,
        &t,
        client,
        json!({ "title": "Fewer panic attacks", "measure": "panic attacks", "baseline": 5.0,
                "target": 1.0, "unit": "attacks per week", "targetDate": due, "priority": "HIGH" }),
    )
    .await;
    mutate(
        app,
        &t,
        "recordGoalProgress",
        "RecordGoalProgressInput",
        json!({ "goalId": measured_goal, "value": 2.0 }),
        "entry { id }",
    )
    .await
    .ok();
    let steps_goal = goal_id(app, &t, client, json!({ "title": "Walk after lunch" })).await;
    let mut steps = Vec::new();
    for (title, due_on) in [
        ("Walk to the corner", None),
        ("Walk 20 minutes", Some(due.clone())),
    ] {
        let res = mutate(
            app,
            &t,
            "addGoalStep",
            "AddGoalStepInput",
            json!({ "goalId": steps_goal, "title": title, "dueOn": due_on }),
            "step { id }",
        )
        .await
        .ok();
        steps.push(data_id(&res, "addGoalStep.step.id"));
    }
    mutate(
        app,
        &t,
        "completeGoalStep",
        "GoalStepInput",
        json!({ "stepId": steps[0] }),
        "step { id }",
    )
    .await
    .ok();
    let proposed_goal = goal_id(app, &c, client, json!({ "title": "Sleep by eleven" })).await;

    let res = mutate(
        app,
        &t,
        "createActionPlan",
        "CreateActionPlanInput",
        json!({ "goalId": steps_goal, "title": "Lunch walks", "obstacles": [],
                "actions": [
                    { "what": "Walk around the park", "recurrence": { "kind": "WEEKLY", "days": ["MON", "WED", "FRI"] },
                      "timeOfDay": "12:30", "whereOrCue": "after lunch", "durationMinutes": 20 },
                    { "what": "Stretch", "recurrence": { "kind": "DAILY" } },
                ] }),
        "plan { id actions { id } }",
    )
    .await
    .ok();
    let plan = data_id(&res, "createActionPlan.plan.id");
    let action = data_id(&res, "createActionPlan.plan.actions.0.id");

    let assign = |input: Value| async move {
        let res = mutate(
            app,
            &app.therapist(),
            "assignHomework",
            "AssignHomeworkInput",
            input,
            "homework { id }",
        )
        .await
        .ok();
        data_id(&res, "assignHomework.homework.id")
    };
    let in_two_days = (Utc::now() + Duration::days(2)).to_rfc3339();
    let reviewed_homework = assign(json!({
        "clientId": client.to_string(), "title": "Walk log", "instructions": "Note each walk",
        "kind": "BEHAVIORAL_ACTIVATION", "goalId": steps_goal, "actionId": action, "dueAt": in_two_days }))
    .await;
    let assigned_homework = assign(json!({
        "clientId": client.to_string(), "title": "Read the leaflet", "instructions": "Pages 1-4",
        "kind": "READING", "dueAt": in_two_days }))
    .await;
    mutate(
        app,
        &c,
        "submitHomework",
        "SubmitHomeworkInput",
        json!({ "homeworkId": reviewed_homework, "outcome": "PARTIAL", "reflection": "Twice" }),
        "homework { id }",
    )
    .await
    .ok();
    mutate(
        app,
        &t,
        "reviewHomework",
        "ReviewHomeworkInput",
        json!({ "homeworkId": reviewed_homework, "notes": "Keep going", "private": true }),
        "homework { id }",
    )
    .await
    .ok();

    let mood = app.tracker_id(&t, client, "MOOD").await;
    let anxiety = app.tracker_id(&t, client, "ANXIETY").await;
    let res = mutate(
        app,
        &c,
        "createTracker",
        "CreateTrackerInput",
        json!({ "clientId": client.to_string(), "name": "Took a walk", "valueType": "YES_NO" }),
        "tracker { id }",
    )
    .await
    .ok();
    let walked = data_id(&res, "createTracker.tracker.id");
    let shared_entries = vec![
        log_entry(
            app,
            &c,
            json!({ "trackerId": mood, "value": 6.0, "recordedAt": ago(3).to_rfc3339() }),
        )
        .await,
        log_entry(
            app,
            &t,
            json!({ "trackerId": anxiety, "value": 40.0, "recordedAt": ago(2).to_rfc3339() }),
        )
        .await,
        log_entry(
            app,
            &c,
            json!({ "trackerId": walked, "value": 1.0, "recordedAt": ago(1).to_rfc3339() }),
        )
        .await,
    ];
    let private_entry = log_entry(
        app,
        &c,
        json!({ "trackerId": mood, "value": 2.0, "recordedAt": ago(1).to_rfc3339(),
                "note": "nobody needs to know", "visibility": "PRIVATE" }),
    )
    .await;
    let phq9 = measure(
        app,
        &c,
        client,
        "PHQ9",
        &[1, 1, 2, 1, 1, 1, 1, 1, 0],
        ago(2),
    )
    .await;
    let gad7 = measure(app, &t, client, "GAD7", &[2, 2, 2, 1, 1, 1, 1], ago(2)).await;
    History {
        client,
        measured_goal,
        steps_goal,
        proposed_goal,
        steps: [steps[0].clone(), steps[1].clone()],
        plan,
        reviewed_homework,
        assigned_homework,
        shared_entries,
        private_entry,
        phq9,
        gad7,
    }
}

#[tokio::test]
async fn the_care_team_exports_a_clients_history_as_a_valid_fhir_r4_bundle() {
    let app = spawn_app().await;
    let h = prepare(&app).await;
    let res = export(&app, &app.therapist(), h.client, None).await.ok();
    let bundle = res.data("client.fhirBundle");
    assert_eq!(schema_errors(bundle), Vec::<String>::new());
    assert_eq!(bundle["resourceType"], "Bundle");
    assert_eq!(bundle["type"], "collection");

    // Counts: 3 goals + 2 steps as Goals; 3 shared entries + 2 totals as Observations.
    let count = |t: &str| of_type(bundle, t).len();
    assert_eq!(count("Patient"), 1);
    assert_eq!(count("Goal"), 5);
    assert_eq!(count("CarePlan"), 1);
    assert_eq!(count("Task"), 2);
    assert_eq!(count("Observation"), 5);
    assert_eq!(count("QuestionnaireResponse"), 2);
    assert_eq!(bundle["entry"].as_array().unwrap().len(), 16);

    // Every entry is a urn:uuid with the resource's id, and every reference resolves.
    let urls: Vec<String> = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert_eq!(
                e["fullUrl"],
                format!("urn:uuid:{}", e["resource"]["id"].as_str().unwrap())
            );
            e["fullUrl"].as_str().unwrap().to_owned()
        })
        .collect();
    let mut refs = Vec::new();
    references(bundle, &mut refs);
    assert!(refs.len() > 20);
    for r in &refs {
        assert!(urls.contains(r), "dangling reference {r}");
    }

    // Patient: the two identifiers, no name or other free text.
    let patient = by_id(bundle, &h.client.to_string());
    assert_eq!(
        patient["identifier"],
        json!([
            { "use": "secondary", "system": "urn:ietf:rfc:3986", "value": format!("urn:uuid:{}", h.client) },
            { "use": "usual", "system": "urn:momentum:external-ref", "value": "EHR-4711" },
        ])
    );
    assert_eq!(patient.get("name"), None);
    assert_eq!(patient["active"], true);
    let patient_ref = json!({ "reference": format!("urn:uuid:{}", h.client) });

    // Goals: statuses, target with due date, steps as milestone goals.
    let measured = by_id(bundle, &h.measured_goal);
    assert_eq!(measured["lifecycleStatus"], "active");
    assert_eq!(
        measured["achievementStatus"]["coding"][0]["code"],
        "improving"
    );
    assert_eq!(measured["priority"]["coding"][0]["code"], "high-priority");
    assert_eq!(measured["description"]["text"], "Fewer panic attacks");
    assert_eq!(
        measured["target"][0]["detailQuantity"],
        json!({ "value": 1.0, "unit": "attacks per week" })
    );
    assert_eq!(
        measured["target"][0]["dueDate"],
        (Utc::now() + Duration::days(60)).date_naive().to_string()
    );
    assert_eq!(measured["subject"], patient_ref);
    let walking = by_id(bundle, &h.steps_goal);
    assert_eq!(
        walking["achievementStatus"]["coding"][0]["code"],
        "improving"
    );
    let milestones: Vec<&str> = walking["extension"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            e["extension"][1]["valueReference"]["reference"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(
        milestones,
        [
            format!("urn:uuid:{}", h.steps[0]),
            format!("urn:uuid:{}", h.steps[1])
        ]
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
    );
    assert_eq!(by_id(bundle, &h.steps[0])["lifecycleStatus"], "completed");
    assert_eq!(
        by_id(bundle, &h.steps[0])["achievementStatus"]["coding"][0]["code"],
        "achieved"
    );
    assert_eq!(by_id(bundle, &h.steps[1])["lifecycleStatus"], "active");
    assert!(by_id(bundle, &h.steps[1])["target"][0]["dueDate"].is_string());
    let proposed = by_id(bundle, &h.proposed_goal);
    assert_eq!(proposed["lifecycleStatus"], "proposed");
    assert_eq!(proposed.get("achievementStatus"), None);
    assert_eq!(proposed["expressedBy"], patient_ref);

    // CarePlan: activities with when, where and the goal.
    let plan = by_id(bundle, &h.plan);
    assert_eq!(plan["status"], "active");
    assert_eq!(plan["intent"], "plan");
    assert_eq!(
        plan["goal"],
        json!([{ "reference": format!("urn:uuid:{}", h.steps_goal) }])
    );
    let walk = &plan["activity"][0]["detail"];
    assert_eq!(walk["description"], "Walk around the park");
    assert_eq!(walk["status"], "in-progress");
    assert_eq!(walk["location"]["display"], "after lunch");
    assert_eq!(
        walk["scheduledTiming"]["repeat"],
        json!({ "dayOfWeek": ["mon", "wed", "fri"], "timeOfDay": ["12:30:00"], "duration": 20, "durationUnit": "min" })
    );
    assert_eq!(
        plan["activity"][1]["detail"]["scheduledTiming"]["repeat"]["periodUnit"],
        "d"
    );

    // Tasks: status, owner, due date, links; a private review note never leaves.
    let reviewed = by_id(bundle, &h.reviewed_homework);
    assert_eq!(reviewed["status"], "completed");
    assert_eq!(reviewed["businessStatus"]["coding"][0]["code"], "REVIEWED");
    assert_eq!(
        reviewed["businessStatus"]["text"],
        "Reviewed; partially completed"
    );
    assert_eq!(reviewed["intent"], "order");
    assert_eq!(reviewed["for"], patient_ref);
    assert_eq!(reviewed["owner"], patient_ref);
    assert!(reviewed["restriction"]["period"]["end"].is_string());
    assert_eq!(
        reviewed["basedOn"],
        json!([{ "reference": format!("urn:uuid:{}", h.plan) }])
    );
    assert_eq!(
        reviewed["reasonReference"],
        json!({ "reference": format!("urn:uuid:{}", h.steps_goal) })
    );
    let assigned = by_id(bundle, &h.assigned_homework);
    assert_eq!(assigned["status"], "ready");
    assert_eq!(assigned["code"]["coding"][0]["code"], "READING");
    let text = bundle.to_string();
    assert!(
        !text.contains("Keep going"),
        "review notes are not exported"
    );
    assert!(!text.contains("Twice"), "reflections are not exported");

    // Observations of tracker entries, with their value types.
    let mood = by_id(bundle, &h.shared_entries[0]);
    assert_eq!(mood["status"], "final");
    assert_eq!(mood["category"][0]["coding"][0]["code"], "survey");
    assert_eq!(
        mood["code"]["coding"][0],
        json!({ "system": "urn:momentum:tracker-kind", "code": "MOOD" })
    );
    assert_eq!(mood["valueQuantity"]["value"], 6.0);
    assert_eq!(mood["valueQuantity"]["code"], "{score}");
    assert_eq!(mood["performer"], json!([patient_ref]));
    let anxiety = by_id(bundle, &h.shared_entries[1]);
    assert_eq!(anxiety["valueQuantity"]["value"], 40.0);
    assert_eq!(anxiety.get("performer"), None);
    let walked = by_id(bundle, &h.shared_entries[2]);
    assert_eq!(walked["valueBoolean"], true);
    assert_eq!(walked["code"]["text"], "Took a walk");

    // The private entry is nowhere: not by id, not by value, not its note.
    assert!(!urls.contains(&format!("urn:uuid:{}", h.private_entry)));
    assert!(!text.contains(&h.private_entry));
    assert!(!text.contains("nobody needs to know"));
    assert!(
        of_type(bundle, "Observation")
            .iter()
            .all(|o| o["valueQuantity"]["value"] != 2.0)
    );

    // PHQ-9 and GAD-7: LOINC totals, severity, answers linked through derivedFrom.
    for (id, loinc, total, severity, panel, items, first_item, first_answer) in [
        (
            &h.phq9, "44261-6", 9, "MILD", "44249-1", 9, "/44250-9", "LA6569-3",
        ),
        (
            &h.gad7, "70274-6", 10, "MODERATE", "69737-5", 7, "/69725-0", "LA6570-1",
        ),
    ] {
        let obs = by_id(bundle, id);
        assert_eq!(
            obs["code"]["coding"][0],
            json!({ "system": "http://loinc.org", "code": loinc })
        );
        assert_eq!(obs["valueQuantity"]["value"], total);
        assert_eq!(obs["interpretation"][0]["coding"][0]["code"], severity);
        let qr_ref = obs["derivedFrom"][0]["reference"].as_str().unwrap();
        let qr = by_id(bundle, qr_ref.trim_start_matches("urn:uuid:"));
        assert_eq!(qr["resourceType"], "QuestionnaireResponse");
        assert_eq!(qr["status"], "completed");
        assert_eq!(qr["questionnaire"], format!("http://loinc.org/q/{panel}"));
        assert_eq!(qr["subject"], patient_ref);
        assert_eq!(qr["item"].as_array().unwrap().len(), items);
        assert_eq!(qr["item"][0]["linkId"], first_item);
        assert_eq!(
            qr["item"][0]["answer"][0]["valueCoding"]["code"],
            first_answer
        );
        let scores: i64 = qr["item"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                i["answer"][0]["valueCoding"]["extension"][0]["valueDecimal"]
                    .as_i64()
                    .unwrap()
            })
            .sum();
        assert_eq!(scores, total);
    }
    // The PHQ-9 was the client's own; the GAD-7 was given by the therapist.
    assert_eq!(by_id(bundle, &h.phq9)["performer"], json!([patient_ref]));
    assert_eq!(by_id(bundle, &h.gad7).get("performer"), None);
}

#[tokio::test]
async fn the_schema_rejects_a_broken_bundle() {
    let app = spawn_app().await;
    let h = prepare(&app).await;
    let res = export(&app, &app.therapist(), h.client, None).await.ok();
    let bundle = res.data("client.fhirBundle").clone();
    assert!(fhir_schema().is_valid(&bundle));

    // A status outside the value set.
    let mut broken = bundle.clone();
    let i = broken["entry"]
        .as_array()
        .unwrap()
        .iter()
        .position(|e| e["resource"]["resourceType"] == "Task")
        .unwrap();
    broken["entry"][i]["resource"]["status"] = json!("done");
    assert!(!fhir_schema().is_valid(&broken));
    // An element FHIR does not have.
    let mut broken = bundle.clone();
    broken["entry"][0]["resource"]["favouriteColour"] = json!("blue");
    assert!(!fhir_schema().is_valid(&broken));
    // A number where FHIR wants a string, and a resource type that does not exist.
    let mut broken = bundle.clone();
    broken["type"] = json!(7);
    assert!(!schema_errors(&broken).is_empty());
    let mut broken = bundle;
    broken["entry"][0]["resource"]["resourceType"] = json!("Client");
    assert!(!fhir_schema().is_valid(&broken));
}

#[tokio::test]
async fn the_client_exports_their_own_record_without_their_private_entries() {
    let app = spawn_app().await;
    let h = prepare(&app).await;
    let res = export(&app, &app.client(), h.client, None).await.ok();
    let bundle = res.data("client.fhirBundle");
    assert!(fhir_schema().is_valid(bundle));
    assert_eq!(of_type(bundle, "Observation").len(), 5);
    assert!(!bundle.to_string().contains(&h.private_entry));
}

#[tokio::test]
async fn since_limits_entries_and_measures_but_not_goals_or_homework() {
    let app = spawn_app().await;
    let h = prepare(&app).await;
    let c = app.client();
    let mood = app.tracker_id(&c, h.client, "MOOD").await;
    let old = log_entry(
        &app,
        &c,
        json!({ "trackerId": mood, "value": 4.0, "recordedAt": ago(20).to_rfc3339() }),
    )
    .await;
    let old_phq = measure(&app, &c, h.client, "PHQ9", &[0; 9], ago(20)).await;

    let all = export(&app, &app.therapist(), h.client, None).await.ok();
    let all = all.data("client.fhirBundle");
    assert_eq!(of_type(all, "Observation").len(), 7);
    // Oldest first: the old entry comes before the newer ones.
    assert_eq!(of_type(all, "Observation")[0]["id"], old.as_str());

    let recent = export(&app, &app.therapist(), h.client, Some(ago(10)))
        .await
        .ok();
    let recent = recent.data("client.fhirBundle");
    let text = recent.to_string();
    assert!(!text.contains(&old) && !text.contains(&old_phq));
    assert_eq!(of_type(recent, "Observation").len(), 5);
    assert_eq!(of_type(recent, "QuestionnaireResponse").len(), 2);
    assert_eq!(of_type(recent, "Goal").len(), 5);
    assert_eq!(of_type(recent, "Task").len(), 2);
}

#[tokio::test]
async fn a_since_in_the_future_is_bad_input() {
    let app = spawn_app().await;
    let res = export(
        &app,
        &app.therapist(),
        app.a.client_ids[0],
        Some(Utc::now() + Duration::days(1)),
    )
    .await;
    assert_eq!((res.code(), res.field()), ("BAD_USER_INPUT", "since"));
}

#[tokio::test]
async fn another_therapists_client_and_another_practice_are_not_found() {
    let app = spawn_app().await;
    let h = prepare(&app).await;
    let res = export(&app, &app.therapist2(), h.client, None).await;
    assert_eq!(res.code(), "NOT_FOUND");
    let res = export(&app, &app.other_practice_therapist(), h.client, None).await;
    assert_eq!(res.code(), "NOT_FOUND");
    // An admin sees the roster entry, but not the clinical record of a client whose care
    // team they are not on.
    let res = export(&app, &app.admin(), h.client, None).await;
    assert_eq!(res.code(), "NOT_FOUND");
    assert_eq!(res.0["data"]["client"], Value::Null);
    // Another practice's integrator, whatever its scopes.
    let other = app
        .integrator(&app.b, &[Scope::ClientsRead, Scope::ClinicalRead])
        .await;
    assert_eq!(
        export(&app, &other, h.client, None).await.code(),
        "NOT_FOUND"
    );
}

#[tokio::test]
async fn an_integrator_needs_clinical_read() {
    let app = spawn_app().await;
    let h = prepare(&app).await;
    let roster_only = app.integrator(&app.a, &[Scope::ClientsRead]).await;
    let res = export(&app, &roster_only, h.client, None).await;
    assert_eq!(res.code(), "FORBIDDEN");
    let clinical = app
        .integrator(&app.a, &[Scope::ClientsRead, Scope::ClinicalRead])
        .await;
    let res = export(&app, &clinical, h.client, None).await.ok();
    let bundle = res.data("client.fhirBundle");
    assert!(fhir_schema().is_valid(bundle));
    assert_eq!(of_type(bundle, "Goal").len(), 5);
}

async fn audit_rows(app: &TestApp, outcome: &str) -> i64 {
    let row = app
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            format!(
                "SELECT COUNT(*) AS n FROM audit_log WHERE operation = 'Client.fhirBundle' AND outcome = '{outcome}'"
            ),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

#[tokio::test]
async fn every_export_is_audited_whether_it_succeeds_or_not() {
    let app = spawn_app().await;
    let h = prepare(&app).await;
    export(&app, &app.therapist(), h.client, None).await.ok();
    assert_eq!(audit_rows(&app, "SUCCESS").await, 1);
    let roster_only = app.integrator(&app.a, &[Scope::ClientsRead]).await;
    export(&app, &roster_only, h.client, None).await;
    assert_eq!(audit_rows(&app, "FORBIDDEN").await, 1);
}

#[tokio::test]
async fn the_export_runs_the_same_number_of_statements_however_large_the_record() {
    let app = spawn_app().await;
    let h = prepare(&app).await;
    let t = app.therapist();
    let query = format!("{{ client(id: \"{}\") {{ fhirBundle }} }}", h.client);
    let before = app.statements_for(&t, &query).await;
    // More of everything: goals with steps and plans, homework, entries, measures.
    let mood = app.tracker_id(&t, h.client, "MOOD").await;
    for i in 0..3 {
        let g = goal_id(&app, &t, h.client, json!({ "title": format!("Goal {i}") })).await;
        mutate(
            &app,
            &t,
            "addGoalStep",
            "AddGoalStepInput",
            json!({ "goalId": g, "title": "First step" }),
            "step { id }",
        )
        .await
        .ok();
        mutate(
            &app,
            &t,
            "createActionPlan",
            "CreateActionPlanInput",
            json!({ "goalId": g, "title": "Plan", "obstacles": [],
                    "actions": [{ "what": "Do it", "recurrence": { "kind": "DAILY" } }] }),
            "plan { id }",
        )
        .await
        .ok();
        log_entry(
            &app,
            &t,
            json!({ "trackerId": mood, "value": 5.0, "recordedAt": ago(i + 1).to_rfc3339() }),
        )
        .await;
        measure(&app, &t, h.client, "GAD7", &[1; 7], ago(i + 1)).await;
    }
    let after = app.statements_for(&t, &query).await;
    assert_eq!(after, before);
    let res = export(&app, &t, h.client, None).await.ok();
    assert_eq!(of_type(res.data("client.fhirBundle"), "Goal").len(), 11);
}
