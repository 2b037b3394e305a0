//! Self-monitoring: the built-in MOOD and ANXIETY trackers and custom ones, logging entries
//! (one at a time and in idempotent batches), validation, PRIVATE entries and what the care
//! team sees of them, trends bucketed by the client's local days and weeks (across daylight
//! saving changes), summaries, time of day, top contexts, CBT thought records, scope and
//! events.

use std::sync::OnceLock;

use chrono::{DateTime, Duration, NaiveDate, SecondsFormat, Utc};
use momentum_api::auth::Scope;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;

const TRACKER_FIELDS: &str =
    "id kind name valueType min max unit goalId promptTimes archivedAt createdAt";
const ENTRY_FIELDS: &str = "id trackerId recordedAt visibility hidden value context note";
const POINT_FIELDS: &str = "start end count hiddenCount mean min max";
const SUMMARY_FIELDS: &str = "days from to count hiddenCount mean previousMean change slopePerWeek";
const THOUGHT_FIELDS: &str = "id recordedAt visibility hidden situation automaticThought
    beliefBefore emotions { name intensityBefore intensityAfter } evidenceFor evidenceAgainst
    distortions balancedThought beliefAfter beliefDrop emotionDrop";
const THOUGHT_SUMMARY_FIELDS: &str = "count hiddenCount meanEmotionDrop meanBeliefDrop";

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// The input type of `mutation`'s `input` argument, read from the schema (the contract names
/// the mutations, not all of their input types).
fn input_type(mutation: &str) -> String {
    static SDL: OnceLock<String> = OnceLock::new();
    let sdl = SDL.get_or_init(momentum_api::schema::sdl);
    let root = sdl
        .find("type MutationRoot {")
        .unwrap_or_else(|| panic!("no MutationRoot in the schema"));
    let fields = &sdl[root..];
    let start = fields
        .find(&format!("\n\t{mutation}("))
        .unwrap_or_else(|| panic!("no mutation {mutation} in the schema"));
    let rest = &fields[start..];
    let arg = rest
        .find("input: ")
        .unwrap_or_else(|| panic!("{mutation} has no input argument"));
    rest[arg + "input: ".len()..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

/// Runs `mutation { <name>(input: $input) { <selection> } }`.
async fn run(app: &TestApp, token: &str, name: &str, input: Value, selection: &str) -> Gql {
    mutate(app, token, name, &input_type(name), input, selection).await
}

/// An instant as the API takes it, to the second, so replays send identical content.
fn at(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// `d` before now, to the second.
fn ago(d: Duration) -> String {
    at(Utc::now() - d)
}

/// An instant from an RFC 3339 literal.
fn instant(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// A JSON number as `f64`, or panics.
fn num(v: &Value) -> f64 {
    v.as_f64()
        .unwrap_or_else(|| panic!("expected a number, got {v}"))
}

/// Asserts that a JSON number is `expected` (to floating-point noise).
fn assert_close(v: &Value, expected: f64) {
    let got = num(v);
    assert!(
        (got - expected).abs() < 1e-6,
        "expected {expected}, got {got}"
    );
}

/// `res.data(path)` as an array.
fn array<'a>(res: &'a Gql, path: &str) -> &'a Vec<Value> {
    res.data(path)
        .as_array()
        .unwrap_or_else(|| panic!("expected an array at {path}, got {}", res.0))
}

/// `client(id) { trackers(includeArchived) { ... } }` as `token` sees it.
async fn trackers(app: &TestApp, token: &str, client_id: Uuid, include_archived: bool) -> Gql {
    app.gql(
        Some(token),
        &format!(
            "query($id: ID!) {{ client(id: $id) {{ trackers(includeArchived: {include_archived}) {{ {TRACKER_FIELDS} }} }} }}"
        ),
        json!({ "id": client_id.to_string() }),
    )
    .await
}

/// The names of a client's trackers, in the order listed.
async fn tracker_names(
    app: &TestApp,
    token: &str,
    client_id: Uuid,
    include_archived: bool,
) -> Vec<String> {
    let res = trackers(app, token, client_id, include_archived).await.ok();
    array(&res, "client.trackers")
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect()
}

/// The id of a client's built-in tracker of `kind` (`MOOD` or `ANXIETY`).
async fn builtin_tracker(app: &TestApp, token: &str, client_id: Uuid, kind: &str) -> String {
    let res = trackers(app, token, client_id, false).await.ok();
    let found: Vec<&Value> = array(&res, "client.trackers")
        .iter()
        .filter(|t| t["kind"] == kind)
        .collect();
    assert_eq!(found.len(), 1, "one {kind} tracker expected: {}", res.0);
    found[0]["id"].as_str().unwrap().to_owned()
}

/// The id of a client's MOOD tracker.
async fn mood_tracker(app: &TestApp, token: &str, client_id: Uuid) -> String {
    builtin_tracker(app, token, client_id, "MOOD").await
}

async fn create_tracker(app: &TestApp, token: &str, input: Value) -> Gql {
    run(
        app,
        token,
        "createTracker",
        input,
        &format!("tracker {{ {TRACKER_FIELDS} }}"),
    )
    .await
}

/// Creates a custom tracker and returns its id.
async fn custom_tracker(app: &TestApp, token: &str, input: Value) -> String {
    let res = create_tracker(app, token, input).await.ok();
    res.data("createTracker.tracker.id")
        .as_str()
        .unwrap()
        .to_owned()
}

async fn archive(app: &TestApp, token: &str, tracker_id: &str) -> Gql {
    run(
        app,
        token,
        "archiveTracker",
        json!({ "trackerId": tracker_id }),
        &format!("tracker {{ {TRACKER_FIELDS} }}"),
    )
    .await
}

/// A `LogEntryInput` without an id.
fn entry(tracker_id: &str, value: f64, recorded_at: &str) -> Value {
    json!({ "trackerId": tracker_id, "value": value, "recordedAt": recorded_at })
}

/// A `LogEntryInput` with a client-generated id.
fn entry_with_id(id: &str, tracker_id: &str, value: f64, recorded_at: &str) -> Value {
    let mut e = entry(tracker_id, value, recorded_at);
    e["id"] = json!(id);
    e
}

async fn log(app: &TestApp, token: &str, input: Value) -> Gql {
    run(
        app,
        token,
        "logEntry",
        input,
        &format!("entry {{ {ENTRY_FIELDS} }} duplicate"),
    )
    .await
}

async fn log_batch(app: &TestApp, token: &str, entries: Vec<Value>) -> Gql {
    run(
        app,
        token,
        "logEntries",
        json!({ "entries": entries }),
        &format!(
            "results {{ index id status entry {{ {ENTRY_FIELDS} }} error {{ code field message }} }}
             created duplicates rejected"
        ),
    )
    .await
}

/// `tracker(id) { <selection> }` as `token` sees it.
async fn tracker_query(app: &TestApp, token: &str, tracker_id: &str, selection: &str) -> Gql {
    app.gql(
        Some(token),
        &format!("query($id: ID!) {{ tracker(id: $id) {{ {selection} }} }}"),
        json!({ "id": tracker_id }),
    )
    .await
}

/// A tracker's entries (the first 100) as `token` sees them, ascending by `recordedAt`.
async fn entries(app: &TestApp, token: &str, tracker_id: &str) -> Vec<Value> {
    let res = tracker_query(
        app,
        token,
        tracker_id,
        &format!(
            "entries(first: 100) {{ totalCount edges {{ cursor node {{ {ENTRY_FIELDS} }} }} }}"
        ),
    )
    .await
    .ok();
    array(&res, "tracker.entries.edges")
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

/// `tracker(id) { series(from, to, bucket) }` as `token` sees it. The dates and the bucket
/// are literals, so the test does not depend on the name of the date scalar.
async fn series(
    app: &TestApp,
    token: &str,
    tracker_id: &str,
    from: &str,
    to: &str,
    bucket: &str,
) -> Vec<Value> {
    let res = app
        .gql(
            Some(token),
            &format!(
                "query($id: ID!) {{ tracker(id: $id) {{
                    series(from: \"{from}\", to: \"{to}\", bucket: {bucket}) {{ {POINT_FIELDS} }} }} }}"
            ),
            json!({ "id": tracker_id }),
        )
        .await
        .ok();
    array(&res, "tracker.series").clone()
}

/// `tracker(id) { summary(days) }` as `token` sees it.
async fn summary(app: &TestApp, token: &str, tracker_id: &str, days: i64) -> Gql {
    tracker_query(
        app,
        token,
        tracker_id,
        &format!("summary(days: {days}) {{ {SUMMARY_FIELDS} }}"),
    )
    .await
}

async fn record_thought(app: &TestApp, token: &str, input: Value) -> Gql {
    run(
        app,
        token,
        "recordThoughtRecord",
        input,
        &format!("thoughtRecord {{ {THOUGHT_FIELDS} }} duplicate"),
    )
    .await
}

/// A thought record of `client_id` with the given belief and emotion ratings.
fn thought(client_id: Uuid, belief: (i64, i64), emotions: &[(&str, i64, i64)]) -> Value {
    let emotions: Vec<Value> = emotions
        .iter()
        .map(|(name, before, after)| {
            json!({ "name": name, "intensityBefore": before, "intensityAfter": after })
        })
        .collect();
    json!({
        "clientId": client_id.to_string(),
        "situation": "My manager asked to see me at 4pm",
        "automaticThought": "I'm going to be fired",
        "beliefBefore": belief.0,
        "emotions": emotions,
        "evidenceFor": "The project slipped last month",
        "evidenceAgainst": "My last review was good; she meets everyone on Fridays",
        "distortions": ["CATASTROPHIZING", "MIND_READING"],
        "balancedThought": "It is probably a routine check-in",
        "beliefAfter": belief.1,
    })
}

/// `client(id) { thoughtRecords }` nodes as `token` sees them.
async fn thought_records(app: &TestApp, token: &str, client_id: Uuid) -> Vec<Value> {
    let res = app
        .gql(
            Some(token),
            &format!(
                "query($id: ID!) {{ client(id: $id) {{ thoughtRecords(first: 100) {{ edges {{ node {{ {THOUGHT_FIELDS} }} }} }} }} }}"
            ),
            json!({ "id": client_id.to_string() }),
        )
        .await
        .ok();
    array(&res, "client.thoughtRecords.edges")
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

/// `client(id) { thoughtRecordSummary(since) }` as `token` sees it.
async fn thought_summary(
    app: &TestApp,
    token: &str,
    client_id: Uuid,
    since: Option<String>,
) -> Gql {
    app.gql(
        Some(token),
        &format!(
            "query($id: ID!, $since: DateTime) {{ client(id: $id) {{ thoughtRecordSummary(since: $since) {{ {THOUGHT_SUMMARY_FIELDS} }} }} }}"
        ),
        json!({ "id": client_id.to_string(), "since": since }),
    )
    .await
    .ok()
}

/// How many events of `kind` a seeded practice-A client's activity has.
async fn events_of(app: &TestApp, client_id: Uuid, kind: &str) -> usize {
    app.event_kinds(client_id)
        .await
        .iter()
        .filter(|k| *k == kind)
        .count()
}

/// A new client (time zone UTC) on the first therapist's care team, without a login.
async fn utc_client(app: &TestApp) -> Uuid {
    app.add_clients(&app.therapist(), 1).await[0]
}

// ---------------------------------------------------------------------------------------------
// Trackers
// ---------------------------------------------------------------------------------------------

/// Asserts the two built-ins, in order: MOOD (SCALE 0-10), ANXIETY (SCALE 0-100, SUDS).
fn assert_builtins(res: &Gql) {
    let list = array(res, "client.trackers");
    assert_eq!(list.len(), 2, "{}", res.0);
    let mood = &list[0];
    assert_eq!(mood["kind"], "MOOD");
    assert_eq!(mood["valueType"], "SCALE");
    assert_eq!(mood["min"], 0.0);
    assert_eq!(mood["max"], 10.0);
    assert_eq!(mood["archivedAt"], Value::Null);
    let anxiety = &list[1];
    assert_eq!(anxiety["kind"], "ANXIETY");
    assert_eq!(anxiety["valueType"], "SCALE");
    assert_eq!(anxiety["min"], 0.0);
    assert_eq!(anxiety["max"], 100.0);
    assert_eq!(anxiety["unit"], "SUDS");
    assert_eq!(anxiety["archivedAt"], Value::Null);
}

#[tokio::test]
async fn new_and_seeded_clients_have_mood_and_anxiety_trackers() {
    let app = spawn_app().await;
    let t = app.therapist();
    let new_client = utc_client(&app).await;
    assert_builtins(&trackers(&app, &t, new_client, false).await.ok());
    assert_builtins(&trackers(&app, &t, app.a.client_ids[0], false).await.ok());
    // The client sees the same on their own record.
    assert_builtins(
        &trackers(&app, &app.client(), app.a.client_ids[0], false)
            .await
            .ok(),
    );
    // Another seeded client in another zone and practice has them too.
    assert_builtins(
        &trackers(
            &app,
            &app.other_practice_therapist(),
            app.b.client_ids[1],
            false,
        )
        .await
        .ok(),
    );
}

#[tokio::test]
async fn built_in_trackers_cannot_be_archived() {
    let app = spawn_app().await;
    let client = app.a.client_ids[0];
    for token in [app.therapist(), app.client()] {
        for kind in ["MOOD", "ANXIETY"] {
            let id = builtin_tracker(&app, &token, client, kind).await;
            assert_eq!(
                archive(&app, &token, &id).await.code(),
                "CONFLICT",
                "{kind}"
            );
        }
    }
    let res = trackers(&app, &app.therapist(), client, true).await.ok();
    assert_builtins(&res);
}

#[tokio::test]
async fn clients_and_therapists_create_custom_trackers() {
    let app = spawn_app().await;
    let client = app.a.client_ids[0];
    let id = client.to_string();
    let res = create_tracker(
        &app,
        &app.client(),
        json!({ "clientId": id, "name": "Cigarettes", "valueType": "COUNT" }),
    )
    .await
    .ok();
    let tr = |p: &str| res.data(&format!("createTracker.tracker.{p}")).clone();
    assert_eq!(tr("kind"), "CUSTOM");
    assert_eq!(tr("name"), "Cigarettes");
    assert_eq!(tr("valueType"), "COUNT");
    assert_eq!(tr("min"), 0.0);
    assert_eq!(tr("max"), 10000.0);
    assert_eq!(tr("archivedAt"), Value::Null);

    let res = create_tracker(
        &app,
        &app.therapist(),
        json!({ "clientId": id, "name": "Panic attacks", "valueType": "COUNT", "max": 20.0,
                "promptTimes": ["08:00", "20:30"] }),
    )
    .await
    .ok();
    assert_eq!(res.data("createTracker.tracker.kind"), "CUSTOM");
    assert_eq!(res.data("createTracker.tracker.max"), 20.0);
    assert_eq!(
        res.data("createTracker.tracker.promptTimes"),
        &json!(["08:00", "20:30"])
    );

    let res = create_tracker(
        &app,
        &app.therapist(),
        json!({ "clientId": id, "name": "Sleep", "valueType": "DURATION_MINUTES", "unit": "min" }),
    )
    .await
    .ok();
    assert_eq!(res.data("createTracker.tracker.min"), 0.0);
    assert_eq!(res.data("createTracker.tracker.max"), 1440.0);

    let res = create_tracker(
        &app,
        &app.client(),
        json!({ "clientId": id, "name": "Took medication", "valueType": "YES_NO" }),
    )
    .await
    .ok();
    assert_eq!(res.data("createTracker.tracker.min"), 0.0);
    assert_eq!(res.data("createTracker.tracker.max"), 1.0);

    let res = create_tracker(
        &app,
        &app.client(),
        json!({ "clientId": id, "name": "Energy", "valueType": "SCALE" }),
    )
    .await
    .ok();
    assert_eq!(res.data("createTracker.tracker.min"), 0.0);
    assert_eq!(res.data("createTracker.tracker.max"), 10.0);

    // Built-ins first, then the custom ones in the order they were made.
    let names = tracker_names(&app, &app.therapist(), client, false).await;
    assert_eq!(names.len(), 7, "{names:?}");
    assert_eq!(
        names[2..],
        [
            "Cigarettes",
            "Panic attacks",
            "Sleep",
            "Took medication",
            "Energy"
        ]
    );
    let res = trackers(&app, &app.client(), client, false).await.ok();
    assert_eq!(res.data("client.trackers.0.kind"), "MOOD");
    assert_eq!(res.data("client.trackers.1.kind"), "ANXIETY");
}

#[tokio::test]
async fn a_duplicate_active_tracker_name_is_a_conflict() {
    let app = spawn_app().await;
    let id = app.a.client_ids[0].to_string();
    custom_tracker(
        &app,
        &app.client(),
        json!({ "clientId": id, "name": "Cigarettes", "valueType": "COUNT" }),
    )
    .await;
    let before = app.count("tracker").await;
    for token in [app.client(), app.therapist()] {
        let res = create_tracker(
            &app,
            &token,
            json!({ "clientId": id, "name": "Cigarettes", "valueType": "COUNT" }),
        )
        .await;
        assert_eq!(res.code(), "CONFLICT");
    }
    assert_eq!(app.count("tracker").await, before);
    // Another client may use the same name.
    custom_tracker(
        &app,
        &app.client2(),
        json!({ "clientId": app.a.client_ids[2].to_string(), "name": "Cigarettes", "valueType": "COUNT" }),
    )
    .await;
    assert_eq!(app.count("tracker").await, before + 1);
}

#[tokio::test]
async fn bad_tracker_input_is_rejected_and_writes_nothing() {
    let app = spawn_app().await;
    let t = app.therapist();
    let id = app.a.client_ids[0].to_string();
    let before = app.count("tracker").await;
    // YES_NO takes no bounds.
    let res = create_tracker(
        &app,
        &t,
        json!({ "clientId": id, "name": "Walked", "valueType": "YES_NO", "min": 0.0 }),
    )
    .await;
    assert_eq!(res.code(), "BAD_USER_INPUT");
    assert_eq!(res.field(), "input.min");
    // A SCALE needs min < max.
    for (min, max) in [(5.0, 5.0), (7.0, 3.0)] {
        let res = create_tracker(
            &app,
            &t,
            json!({ "clientId": id, "name": "Energy", "valueType": "SCALE", "min": min, "max": max }),
        )
        .await;
        assert_eq!(res.code(), "BAD_USER_INPUT", "{min}..{max}");
    }
    let too_long = "n".repeat(81);
    for (name, field) in [("", "input.name"), (too_long.as_str(), "input.name")] {
        let res = create_tracker(
            &app,
            &t,
            json!({ "clientId": id, "name": name, "valueType": "COUNT" }),
        )
        .await;
        assert_eq!(res.code(), "BAD_USER_INPUT", "{name:?}");
        assert_eq!(res.field(), field);
    }
    for times in [
        json!(["25:00"]),
        json!(["8am"]),
        json!([
            "06:00", "08:00", "10:00", "12:00", "14:00", "16:00", "18:00"
        ]),
    ] {
        let res = create_tracker(
            &app,
            &t,
            json!({ "clientId": id, "name": "Urges", "valueType": "COUNT", "promptTimes": times }),
        )
        .await;
        assert_eq!(res.code(), "BAD_USER_INPUT", "{times}");
        assert!(res.field().starts_with("input.promptTimes"), "{}", res.0);
    }
    assert_eq!(app.count("tracker").await, before);
    // The longest name and six prompt times are fine.
    create_tracker(
        &app,
        &t,
        json!({ "clientId": id, "name": "n".repeat(80), "valueType": "COUNT",
                "promptTimes": ["06:00", "08:00", "10:00", "12:00", "14:00", "16:00"] }),
    )
    .await
    .ok();
    assert_eq!(app.count("tracker").await, before + 1);
}

#[tokio::test]
async fn archived_trackers_are_hidden_and_closed_to_entries() {
    let app = spawn_app().await;
    let c = app.client();
    let client = app.a.client_ids[0];
    let id = custom_tracker(
        &app,
        &c,
        json!({ "clientId": client.to_string(), "name": "Cigarettes", "valueType": "COUNT" }),
    )
    .await;
    log(&app, &c, entry(&id, 4.0, &ago(Duration::hours(1))))
        .await
        .ok();
    let res = archive(&app, &app.therapist(), &id).await.ok();
    assert!(
        res.data("archiveTracker.tracker.archivedAt").is_string(),
        "{}",
        res.0
    );

    assert!(
        !tracker_names(&app, &c, client, false)
            .await
            .contains(&"Cigarettes".to_owned())
    );
    let all = trackers(&app, &c, client, true).await.ok();
    let archived: Vec<&Value> = array(&all, "client.trackers")
        .iter()
        .filter(|t| t["id"] == id.as_str())
        .collect();
    assert_eq!(archived.len(), 1, "{}", all.0);
    assert!(archived[0]["archivedAt"].is_string());

    // Its entries stay readable; nothing new can be logged.
    let before = app.count("tracker_entry").await;
    let res = log(&app, &c, entry(&id, 2.0, &ago(Duration::minutes(5)))).await;
    assert_eq!(res.code(), "CONFLICT");
    assert_eq!(app.count("tracker_entry").await, before);
    assert_eq!(entries(&app, &c, &id).await.len(), 1);

    // The name is free again for an active tracker.
    custom_tracker(
        &app,
        &c,
        json!({ "clientId": client.to_string(), "name": "Cigarettes", "valueType": "COUNT" }),
    )
    .await;
}

// ---------------------------------------------------------------------------------------------
// Entries: validation, idempotency, batches
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn out_of_range_entries_name_the_field_and_write_nothing() {
    let app = spawn_app().await;
    let c = app.client();
    let client = app.a.client_ids[0];
    let mood = mood_tracker(&app, &c, client).await;
    let count = custom_tracker(
        &app,
        &c,
        json!({ "clientId": client.to_string(), "name": "Cigarettes", "valueType": "COUNT" }),
    )
    .await;
    let yes_no = custom_tracker(
        &app,
        &c,
        json!({ "clientId": client.to_string(), "name": "Took medication", "valueType": "YES_NO" }),
    )
    .await;
    let earlier = ago(Duration::hours(1));
    let mut long_context = entry(&mood, 5.0, &earlier);
    long_context["context"] = json!("c".repeat(121));
    let mut long_note = entry(&mood, 5.0, &earlier);
    long_note["note"] = json!("n".repeat(2001));
    for (input, field) in [
        (entry(&mood, 11.0, &earlier), "input.value"),
        (entry(&mood, -1.0, &earlier), "input.value"),
        (entry(&count, 2.5, &earlier), "input.value"),
        (entry(&count, -1.0, &earlier), "input.value"),
        (entry(&yes_no, 2.0, &earlier), "input.value"),
        (entry(&yes_no, 0.5, &earlier), "input.value"),
        (
            entry(&mood, 5.0, &at(Utc::now() + Duration::hours(1))),
            "input.recordedAt",
        ),
        (long_context, "input.context"),
        (long_note, "input.note"),
    ] {
        let res = log(&app, &c, input.clone()).await;
        assert_eq!(res.code(), "BAD_USER_INPUT", "{input}");
        assert_eq!(res.field(), field, "{input}");
    }
    assert_eq!(app.count("tracker_entry").await, 0);
    assert_eq!(events_of(&app, client, "ENTRY_LOGGED").await, 0);

    // The bounds themselves, whole counts, yes/no and a little clock skew are fine.
    for input in [
        entry(&mood, 0.0, &earlier),
        entry(&mood, 10.0, &earlier),
        entry(&count, 3.0, &earlier),
        entry(&yes_no, 1.0, &earlier),
        entry(&mood, 6.0, &at(Utc::now() + Duration::minutes(2))),
    ] {
        log(&app, &c, input).await.ok();
    }
    assert_eq!(app.count("tracker_entry").await, 5);
}

#[tokio::test]
async fn replaying_an_entry_id_is_idempotent_and_other_content_conflicts() {
    let app = spawn_app().await;
    let c = app.client();
    let client = app.a.client_ids[0];
    let mood = mood_tracker(&app, &c, client).await;
    let id = Uuid::now_v7().to_string();
    let when = ago(Duration::minutes(30));
    let mut input = entry_with_id(&id, &mood, 6.0, &when);
    input["context"] = json!("work");
    input["note"] = json!("Long meeting");

    let first = log(&app, &c, input.clone()).await.ok();
    assert_eq!(first.data("logEntry.duplicate"), false);
    assert_eq!(first.data("logEntry.entry.id"), id.as_str());
    assert_eq!(first.data("logEntry.entry.trackerId"), mood.as_str());
    assert_eq!(first.data("logEntry.entry.value"), 6.0);
    assert_eq!(first.data("logEntry.entry.visibility"), "SHARED");
    assert_eq!(first.data("logEntry.entry.hidden"), false);
    assert_eq!(
        instant(first.data("logEntry.entry.recordedAt").as_str().unwrap()),
        instant(&when)
    );

    let second = log(&app, &c, input.clone()).await.ok();
    assert_eq!(second.data("logEntry.duplicate"), true);
    assert_eq!(second.data("logEntry.entry"), first.data("logEntry.entry"));
    assert_eq!(app.count("tracker_entry").await, 1);

    let mut other = input.clone();
    other["value"] = json!(2.0);
    assert_eq!(log(&app, &c, other).await.code(), "CONFLICT");
    let mut other_note = input;
    other_note["note"] = json!("Short meeting");
    assert_eq!(log(&app, &c, other_note).await.code(), "CONFLICT");
    assert_eq!(app.count("tracker_entry").await, 1);
    let stored = entries(&app, &c, &mood).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["value"], 6.0);
    assert_eq!(stored[0]["note"], "Long meeting");
}

#[tokio::test]
async fn a_replayed_batch_of_fifty_changes_nothing() {
    let app = spawn_app().await;
    let c = app.client();
    let client = app.a.client_ids[0];
    let mood = mood_tracker(&app, &c, client).await;
    let now = Utc::now();
    let batch: Vec<Value> = (0..50_i32)
        .map(|i| {
            let mut e = entry_with_id(
                &Uuid::now_v7().to_string(),
                &mood,
                f64::from(i % 11),
                &at(now - Duration::hours(i64::from(50 - i))),
            );
            e["context"] = json!(format!("context {}", i % 3));
            e
        })
        .collect();

    let first = log_batch(&app, &c, batch.clone()).await.ok();
    assert_eq!(first.data("logEntries.created"), 50);
    assert_eq!(first.data("logEntries.duplicates"), 0);
    assert_eq!(first.data("logEntries.rejected"), 0);
    let results = array(&first, "logEntries.results");
    assert_eq!(results.len(), 50);
    for (i, (r, e)) in results.iter().zip(&batch).enumerate() {
        assert_eq!(r["index"], i);
        assert_eq!(r["status"], "CREATED");
        assert_eq!(r["id"], e["id"]);
        assert_eq!(r["entry"]["id"], e["id"]);
        assert_eq!(r["entry"]["value"], e["value"]);
        assert_eq!(r["error"], Value::Null);
    }
    assert_eq!(app.count("tracker_entry").await, 50);
    let stored = entries(&app, &c, &mood).await;
    assert_eq!(stored.len(), 50);
    let ids: Vec<&Value> = stored.iter().map(|e| &e["id"]).collect();
    let sent: Vec<&Value> = batch.iter().map(|e| &e["id"]).collect();
    assert_eq!(ids, sent, "ascending by recordedAt");

    let second = log_batch(&app, &c, batch.clone()).await.ok();
    assert_eq!(second.data("logEntries.created"), 0);
    assert_eq!(second.data("logEntries.duplicates"), 50);
    assert_eq!(second.data("logEntries.rejected"), 0);
    let results = array(&second, "logEntries.results");
    assert_eq!(results.len(), 50);
    for (i, r) in results.iter().enumerate() {
        assert_eq!(r["index"], i);
        assert_eq!(r["status"], "DUPLICATE");
        assert_eq!(r["id"], batch[i]["id"]);
        assert_eq!(r["entry"]["id"], batch[i]["id"]);
    }
    assert_eq!(app.count("tracker_entry").await, 50);
    assert_eq!(entries(&app, &c, &mood).await, stored);
}

#[tokio::test]
async fn a_mixed_batch_reports_each_entry_and_writes_only_the_valid_ones() {
    let app = spawn_app().await;
    let c = app.client();
    let client = app.a.client_ids[0];
    let mood = mood_tracker(&app, &c, client).await;
    let (existing, taken, new, invalid) = (
        Uuid::now_v7().to_string(),
        Uuid::now_v7().to_string(),
        Uuid::now_v7().to_string(),
        Uuid::now_v7().to_string(),
    );
    let (t1, t2, t3, t4) = (
        ago(Duration::hours(4)),
        ago(Duration::hours(3)),
        ago(Duration::hours(2)),
        ago(Duration::hours(1)),
    );
    log(&app, &c, entry_with_id(&existing, &mood, 5.0, &t1))
        .await
        .ok();
    log(&app, &c, entry_with_id(&taken, &mood, 4.0, &t2))
        .await
        .ok();
    assert_eq!(app.count("tracker_entry").await, 2);

    let res = log_batch(
        &app,
        &c,
        vec![
            entry_with_id(&new, &mood, 6.0, &t3),
            entry_with_id(&existing, &mood, 5.0, &t1),
            entry_with_id(&taken, &mood, 9.0, &t2),
            entry_with_id(&invalid, &mood, 11.0, &t4),
        ],
    )
    .await
    .ok();
    assert_eq!(res.data("logEntries.created"), 1);
    assert_eq!(res.data("logEntries.duplicates"), 1);
    assert_eq!(res.data("logEntries.rejected"), 2);
    let r = |i: usize, p: &str| res.data(&format!("logEntries.results.{i}.{p}")).clone();
    for i in 0..4 {
        assert_eq!(r(i, "index"), i);
    }
    assert_eq!(r(0, "status"), "CREATED");
    assert_eq!(r(0, "entry.id"), new.as_str());
    assert_eq!(r(0, "entry.value"), 6.0);
    assert_eq!(r(0, "error"), Value::Null);
    assert_eq!(r(1, "status"), "DUPLICATE");
    assert_eq!(r(1, "entry.id"), existing.as_str());
    assert_eq!(r(1, "entry.value"), 5.0);
    assert_eq!(r(1, "error"), Value::Null);
    assert_eq!(r(2, "status"), "CONFLICT");
    assert_eq!(r(2, "error.code"), "CONFLICT");
    assert!(r(2, "error.message").is_string());
    assert_eq!(r(3, "status"), "INVALID");
    assert_eq!(r(3, "entry"), Value::Null);
    assert_eq!(r(3, "error.code"), "BAD_USER_INPUT");
    assert_eq!(r(3, "error.field"), "input.entries.3.value");
    assert!(r(3, "error.message").is_string());

    assert_eq!(app.count("tracker_entry").await, 3);
    let stored = entries(&app, &c, &mood).await;
    let by_id = |id: &str| stored.iter().find(|e| e["id"] == id).cloned();
    assert_eq!(by_id(existing.as_str()).unwrap()["value"], 5.0);
    assert_eq!(
        by_id(taken.as_str()).unwrap()["value"],
        4.0,
        "the conflicting entry leaves the stored one alone"
    );
    assert_eq!(by_id(new.as_str()).unwrap()["value"], 6.0);
    assert!(by_id(invalid.as_str()).is_none());
}

#[tokio::test]
async fn a_batch_of_more_than_five_hundred_is_rejected_whole() {
    let app = spawn_app().await;
    let c = app.client();
    let mood = mood_tracker(&app, &c, app.a.client_ids[0]).await;
    let when = ago(Duration::hours(1));
    let batch: Vec<Value> = (0..501).map(|_| entry(&mood, 5.0, &when)).collect();
    let res = log_batch(&app, &c, batch).await;
    assert_eq!(res.code(), "BAD_USER_INPUT");
    assert_eq!(res.field(), "input.entries");
    assert_eq!(app.count("tracker_entry").await, 0);
    assert_eq!(
        events_of(&app, app.a.client_ids[0], "ENTRY_LOGGED").await,
        0
    );
    // Exactly 500 is allowed.
    let batch: Vec<Value> = (0..500).map(|_| entry(&mood, 5.0, &when)).collect();
    let res = log_batch(&app, &c, batch).await.ok();
    assert_eq!(res.data("logEntries.created"), 500);
    assert_eq!(app.count("tracker_entry").await, 500);
}

// ---------------------------------------------------------------------------------------------
// Privacy
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn private_entries_are_hidden_from_the_care_team() {
    let app = spawn_app().await;
    let (c, t) = (app.client(), app.therapist());
    let client = app.a.client_ids[0];
    let mood = mood_tracker(&app, &c, client).await;
    let mut private = entry(&mood, 2.0, &ago(Duration::hours(2)));
    private["visibility"] = json!("PRIVATE");
    private["context"] = json!("alone");
    private["note"] = json!("Rough night, don't want to talk about it");
    let res = log(&app, &c, private).await.ok();
    assert_eq!(res.data("logEntry.entry.visibility"), "PRIVATE");
    assert_eq!(res.data("logEntry.entry.hidden"), false);
    assert_eq!(res.data("logEntry.entry.value"), 2.0);
    let mut shared = entry(&mood, 8.0, &ago(Duration::hours(1)));
    shared["context"] = json!("work");
    shared["note"] = json!("Good day");
    log(&app, &c, shared).await.ok();

    // The therapist sees that a private entry exists, but nothing of it.
    let seen = entries(&app, &t, &mood).await;
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0]["visibility"], "PRIVATE");
    assert_eq!(seen[0]["hidden"], true);
    assert_eq!(seen[0]["value"], Value::Null);
    assert_eq!(seen[0]["context"], Value::Null);
    assert_eq!(seen[0]["note"], Value::Null);
    assert_eq!(seen[1]["hidden"], false);
    assert_eq!(seen[1]["value"], 8.0);
    assert_eq!(seen[1]["context"], "work");
    assert_eq!(seen[1]["note"], "Good day");
    // The client sees everything.
    let own = entries(&app, &c, &mood).await;
    assert_eq!(own.len(), 2);
    assert_eq!(own[0]["hidden"], false);
    assert_eq!(own[0]["value"], 2.0);
    assert_eq!(own[0]["context"], "alone");
    assert_eq!(own[0]["note"], "Rough night, don't want to talk about it");

    // Statistics leave the private value out for the therapist and count it as hidden.
    let today = momentum_api::values::local_today("America/New_York", Utc::now());
    let (from, to) = ((today - Duration::days(1)).to_string(), today.to_string());
    let totals = |points: &[Value]| {
        (
            points
                .iter()
                .map(|p| p["count"].as_i64().unwrap())
                .sum::<i64>(),
            points
                .iter()
                .map(|p| p["hiddenCount"].as_i64().unwrap())
                .sum::<i64>(),
        )
    };
    let theirs = series(&app, &t, &mood, &from, &to, "DAY").await;
    assert_eq!(theirs.len(), 2);
    assert_eq!(totals(&theirs), (1, 1));
    for p in theirs.iter().filter(|p| p["count"] == 1) {
        assert_eq!(p["mean"], 8.0);
        assert_eq!(p["min"], 8.0);
        assert_eq!(p["max"], 8.0);
    }
    let mine = series(&app, &c, &mood, &from, &to, "DAY").await;
    assert_eq!(totals(&mine), (2, 0));

    let res = summary(&app, &t, &mood, 14).await.ok();
    assert_eq!(res.data("tracker.summary.count"), 1);
    assert_eq!(res.data("tracker.summary.hiddenCount"), 1);
    assert_close(res.data("tracker.summary.mean"), 8.0);
    let res = summary(&app, &c, &mood, 14).await.ok();
    assert_eq!(res.data("tracker.summary.count"), 2);
    assert_eq!(res.data("tracker.summary.hiddenCount"), 0);
    assert_close(res.data("tracker.summary.mean"), 5.0);

    // The private context does not leak through topContexts or timeOfDay either.
    let contexts = |token: String| {
        let app = &app;
        let mood = mood.clone();
        async move {
            let res = tracker_query(app, &token, &mood, "topContexts { context count mean }")
                .await
                .ok();
            array(&res, "tracker.topContexts")
                .iter()
                .map(|p| p["context"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(contexts(t.clone()).await, ["work"]);
    let mut own_contexts = contexts(c.clone()).await;
    own_contexts.sort();
    assert_eq!(own_contexts, ["alone", "work"]);
    let res = tracker_query(&app, &t, &mood, "timeOfDay { part count mean }")
        .await
        .ok();
    let parts = array(&res, "tracker.timeOfDay");
    assert_eq!(
        parts
            .iter()
            .map(|p| p["count"].as_i64().unwrap())
            .sum::<i64>(),
        1
    );
}

#[tokio::test]
async fn only_the_client_may_log_private_entries() {
    let app = spawn_app().await;
    let t = app.therapist();
    let mood = mood_tracker(&app, &t, app.a.client_ids[0]).await;
    let mut input = entry(&mood, 5.0, &ago(Duration::hours(1)));
    input["visibility"] = json!("PRIVATE");
    let res = log(&app, &t, input.clone()).await;
    assert_eq!(res.code(), "BAD_USER_INPUT");
    assert_eq!(res.field(), "input.visibility");
    let writer = app
        .integrator(&app.a, &[Scope::ClinicalRead, Scope::ClinicalWrite])
        .await;
    let res = log(&app, &writer, input.clone()).await;
    assert_eq!(res.code(), "BAD_USER_INPUT");
    assert_eq!(res.field(), "input.visibility");
    assert_eq!(app.count("tracker_entry").await, 0);
    // The therapist may log a shared one.
    input["visibility"] = json!("SHARED");
    let res = log(&app, &t, input).await.ok();
    assert_eq!(res.data("logEntry.entry.visibility"), "SHARED");
    assert_eq!(app.count("tracker_entry").await, 1);
}

#[tokio::test]
async fn private_thought_records_are_hidden_from_the_care_team() {
    let app = spawn_app().await;
    let (c, t) = (app.client(), app.therapist());
    let client = app.a.client_ids[0];
    let mut private = thought(
        client,
        (90, 40),
        &[("anxious", 80, 40), ("ashamed", 60, 30)],
    );
    private["visibility"] = json!("PRIVATE");
    private["recordedAt"] = json!(ago(Duration::hours(2)));
    record_thought(&app, &c, private).await.ok();
    let mut shared = thought(client, (70, 60), &[("sad", 50, 40)]);
    shared["recordedAt"] = json!(ago(Duration::hours(1)));
    record_thought(&app, &c, shared).await.ok();

    let seen = thought_records(&app, &t, client).await;
    assert_eq!(seen.len(), 2);
    let hidden = &seen[0];
    assert_eq!(hidden["visibility"], "PRIVATE");
    assert_eq!(hidden["hidden"], true);
    assert!(hidden["recordedAt"].is_string());
    for field in [
        "situation",
        "automaticThought",
        "beliefBefore",
        "emotions",
        "evidenceFor",
        "evidenceAgainst",
        "distortions",
        "balancedThought",
        "beliefAfter",
        "beliefDrop",
        "emotionDrop",
    ] {
        assert_eq!(hidden[field], Value::Null, "{field} of a hidden record");
    }
    assert_eq!(seen[1]["hidden"], false);
    assert_eq!(seen[1]["situation"], "My manager asked to see me at 4pm");
    assert_eq!(seen[1]["beliefDrop"], 10);

    let own = thought_records(&app, &c, client).await;
    assert_eq!(own[0]["hidden"], false);
    assert_eq!(own[0]["automaticThought"], "I'm going to be fired");
    assert_eq!(own[0]["beliefDrop"], 50);

    // The count includes the private record; the means use only what the viewer may see.
    let res = thought_summary(&app, &t, client, None).await;
    let s = |p: &str| {
        res.data(&format!("client.thoughtRecordSummary.{p}"))
            .clone()
    };
    assert_eq!(s("count"), 2);
    assert_eq!(s("hiddenCount"), 1);
    assert_close(&s("meanBeliefDrop"), 10.0);
    assert_close(&s("meanEmotionDrop"), 10.0);
    let res = thought_summary(&app, &c, client, None).await;
    let s = |p: &str| {
        res.data(&format!("client.thoughtRecordSummary.{p}"))
            .clone()
    };
    assert_eq!(s("count"), 2);
    assert_eq!(s("hiddenCount"), 0);
    assert_close(&s("meanBeliefDrop"), 30.0);
    assert_close(&s("meanEmotionDrop"), 22.5);
}

// ---------------------------------------------------------------------------------------------
// Trends in the client's local time
// ---------------------------------------------------------------------------------------------

/// Logs `(recordedAt, value)` pairs on `tracker` as `token`.
async fn log_all(app: &TestApp, token: &str, tracker: &str, values: &[(&str, f64)]) {
    for (when, value) in values {
        log(app, token, entry(tracker, *value, when)).await.ok();
    }
}

/// Asserts a point's start, count, mean, min and max (`None`: null).
fn assert_point(p: &Value, start: &str, count: i64, stats: Option<(f64, f64, f64)>) {
    assert_eq!(p["start"], start, "{p}");
    assert_eq!(p["count"], count, "{p}");
    assert_eq!(p["hiddenCount"], 0, "{p}");
    match stats {
        Some((mean, min, max)) => {
            assert_close(&p["mean"], mean);
            assert_close(&p["min"], min);
            assert_close(&p["max"], max);
        }
        None => {
            assert_eq!(p["mean"], Value::Null, "{p}");
            assert_eq!(p["min"], Value::Null, "{p}");
            assert_eq!(p["max"], Value::Null, "{p}");
        }
    }
}

#[tokio::test]
async fn day_buckets_follow_local_midnight_across_the_fall_back_change() {
    // America/New_York fell back on 2025-11-02 at 2:00 EDT (UTC-4) to 1:00 EST (UTC-5).
    let app = spawn_app().await;
    let c = app.client();
    let client = app.a.client_ids[0];
    let mood = mood_tracker(&app, &c, client).await;
    log_all(
        &app,
        &c,
        &mood,
        &[
            ("2025-11-02T04:30:00Z", 3.0), // 00:30 EDT on Nov 2
            ("2025-11-03T04:30:00Z", 5.0), // 23:30 EST on Nov 2
            ("2025-11-03T05:30:00Z", 9.0), // 00:30 EST on Nov 3
        ],
    )
    .await;
    for token in [c.clone(), app.therapist()] {
        let points = series(&app, &token, &mood, "2025-11-01", "2025-11-04", "DAY").await;
        assert_eq!(points.len(), 4, "{points:?}");
        assert_point(&points[0], "2025-11-01", 0, None);
        assert_point(&points[1], "2025-11-02", 2, Some((4.0, 3.0, 5.0)));
        assert_point(&points[2], "2025-11-03", 1, Some((9.0, 9.0, 9.0)));
        assert_point(&points[3], "2025-11-04", 0, None);
    }
}

#[tokio::test]
async fn day_buckets_follow_local_midnight_across_the_spring_forward_change() {
    // America/New_York sprang forward on 2025-03-09 at 2:00 EST (UTC-5) to 3:00 EDT (UTC-4).
    let app = spawn_app().await;
    let c = app.client();
    let anxiety = builtin_tracker(&app, &c, app.a.client_ids[0], "ANXIETY").await;
    log_all(
        &app,
        &c,
        &anxiety,
        &[
            ("2025-03-09T04:30:00Z", 20.0), // 23:30 EST on Mar 8
            ("2025-03-09T05:30:00Z", 40.0), // 00:30 EST on Mar 9
            ("2025-03-10T03:30:00Z", 60.0), // 23:30 EDT on Mar 9
            ("2025-03-10T04:30:00Z", 90.0), // 00:30 EDT on Mar 10
        ],
    )
    .await;
    let points = series(&app, &c, &anxiety, "2025-03-08", "2025-03-10", "DAY").await;
    assert_eq!(points.len(), 3, "{points:?}");
    assert_point(&points[0], "2025-03-08", 1, Some((20.0, 20.0, 20.0)));
    assert_point(&points[1], "2025-03-09", 2, Some((50.0, 40.0, 60.0)));
    assert_point(&points[2], "2025-03-10", 1, Some((90.0, 90.0, 90.0)));
}

#[tokio::test]
async fn week_buckets_start_on_local_mondays() {
    let app = spawn_app().await;
    let c = app.client();
    let mood = mood_tracker(&app, &c, app.a.client_ids[0]).await;
    log_all(
        &app,
        &c,
        &mood,
        &[
            ("2025-11-02T04:30:00Z", 3.0), // Sunday Nov 2, 00:30 EDT
            ("2025-11-03T04:30:00Z", 5.0), // Sunday Nov 2, 23:30 EST
            ("2025-11-03T05:30:00Z", 9.0), // Monday Nov 3, 00:30 EST
        ],
    )
    .await;
    let points = series(&app, &c, &mood, "2025-11-01", "2025-11-04", "WEEK").await;
    assert_eq!(points.len(), 2, "{points:?}");
    assert_point(&points[0], "2025-10-27", 2, Some((4.0, 3.0, 5.0)));
    assert_point(&points[1], "2025-11-03", 1, Some((9.0, 9.0, 9.0)));
    // Dense: a week with nothing still has its point.
    let points = series(&app, &c, &mood, "2025-10-20", "2025-11-16", "WEEK").await;
    let starts: Vec<&str> = points
        .iter()
        .map(|p| p["start"].as_str().unwrap())
        .collect();
    assert_eq!(
        starts,
        ["2025-10-20", "2025-10-27", "2025-11-03", "2025-11-10"]
    );
    let counts: Vec<i64> = points
        .iter()
        .map(|p| p["count"].as_i64().unwrap())
        .collect();
    assert_eq!(counts, [0, 2, 1, 0]);
}

#[tokio::test]
async fn a_series_is_limited_to_366_buckets() {
    let app = spawn_app().await;
    let c = app.client();
    let mood = mood_tracker(&app, &c, app.a.client_ids[0]).await;
    let points = series(&app, &c, &mood, "2024-01-01", "2024-12-31", "DAY").await;
    assert_eq!(points.len(), 366);
    let res = app
        .gql(
            Some(&c),
            "query($id: ID!) { tracker(id: $id) { series(from: \"2024-01-01\", to: \"2025-01-01\") { count } } }",
            json!({ "id": mood }),
        )
        .await;
    assert_eq!(res.code(), "BAD_USER_INPUT");
}

// ---------------------------------------------------------------------------------------------
// Summary, time of day, contexts
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_summary_compares_with_the_previous_period() {
    // A UTC client, so local dates are UTC dates.
    let app = spawn_app().await;
    let t = app.therapist();
    let client = utc_client(&app).await;
    let mood = mood_tracker(&app, &t, client).await;
    let now = Utc::now();
    let days_ago = |d: i64| at(now - Duration::days(d));
    let values = [
        (days_ago(40), 10.0), // in neither period
        (days_ago(25), 2.0),  // previous 14 days
        (days_ago(20), 3.0),
        (days_ago(16), 4.0),
        (days_ago(12), 4.0), // last 14 days
        (days_ago(9), 5.0),
        (days_ago(6), 6.0),
        (days_ago(3), 7.0),
        (days_ago(1), 8.0),
    ];
    for (when, value) in &values {
        log(&app, &t, entry(&mood, *value, when)).await.ok();
    }

    let today: NaiveDate = now.date_naive();
    let res = summary(&app, &t, &mood, 14).await.ok();
    let s = |p: &str| res.data(&format!("tracker.summary.{p}")).clone();
    assert_eq!(s("days"), 14);
    assert_eq!(s("to"), today.to_string().as_str());
    assert_eq!(s("from"), (today - Duration::days(13)).to_string().as_str());
    assert_eq!(s("count"), 5);
    assert_eq!(s("hiddenCount"), 0);
    assert_close(&s("mean"), 6.0);
    assert_close(&s("previousMean"), 3.0);
    assert_close(&s("change"), 3.0);
    assert!(num(&s("slopePerWeek")) > 0.0, "a rising series: {}", res.0);

    // The default is 14 days.
    let default = tracker_query(&app, &t, &mood, &format!("summary {{ {SUMMARY_FIELDS} }}"))
        .await
        .ok();
    assert_eq!(default.data("tracker.summary"), res.data("tracker.summary"));

    // A week: 6, 7, 8 against 4, 5.
    let res = summary(&app, &t, &mood, 7).await.ok();
    let s = |p: &str| res.data(&format!("tracker.summary.{p}")).clone();
    assert_eq!(s("count"), 3);
    assert_close(&s("mean"), 7.0);
    assert_close(&s("previousMean"), 4.5);
    assert_close(&s("change"), 2.5);

    for days in [0, 366] {
        assert_eq!(
            summary(&app, &t, &mood, days).await.code(),
            "BAD_USER_INPUT",
            "days {days}"
        );
    }
}

#[tokio::test]
async fn a_falling_series_has_a_negative_slope() {
    let app = spawn_app().await;
    let t = app.therapist();
    let client = utc_client(&app).await;
    let mood = mood_tracker(&app, &t, client).await;
    let now = Utc::now();
    for (d, value) in [(12, 9.0), (9, 7.0), (6, 6.0), (3, 4.0), (1, 2.0)] {
        log(&app, &t, entry(&mood, value, &at(now - Duration::days(d))))
            .await
            .ok();
    }
    let res = summary(&app, &t, &mood, 14).await.ok();
    assert_eq!(res.data("tracker.summary.count"), 5);
    assert!(
        num(res.data("tracker.summary.slopePerWeek")) < 0.0,
        "{}",
        res.0
    );
    // Nothing before: no previous mean and no change.
    assert_eq!(res.data("tracker.summary.previousMean"), &Value::Null);
    assert_eq!(res.data("tracker.summary.change"), &Value::Null);
}

#[tokio::test]
async fn time_of_day_has_four_parts_in_order() {
    // A UTC client, so local hours are UTC hours.
    let app = spawn_app().await;
    let t = app.therapist();
    let client = utc_client(&app).await;
    let mood = mood_tracker(&app, &t, client).await;
    let day = Utc::now().date_naive() - Duration::days(2);
    let at_time = |d: NaiveDate, h: u32, m: u32| at(d.and_hms_opt(h, m, 0).unwrap().and_utc());
    let values = [
        (at_time(day, 3, 0), 2.0),                       // NIGHT
        (at_time(day, 5, 59), 4.0),                      // NIGHT
        (at_time(day, 6, 0), 6.0),                       // MORNING
        (at_time(day, 11, 59), 8.0),                     // MORNING
        (at_time(day, 18, 0), 5.0),                      // EVENING
        (at_time(day - Duration::days(40), 13, 0), 1.0), // AFTERNOON, but 40 days ago
    ];
    for (when, value) in &values {
        log(&app, &t, entry(&mood, *value, when)).await.ok();
    }
    let res = tracker_query(&app, &t, &mood, "timeOfDay { part count mean }")
        .await
        .ok();
    let parts = array(&res, "tracker.timeOfDay");
    let names: Vec<&str> = parts.iter().map(|p| p["part"].as_str().unwrap()).collect();
    assert_eq!(names, ["NIGHT", "MORNING", "AFTERNOON", "EVENING"]);
    let counts: Vec<i64> = parts.iter().map(|p| p["count"].as_i64().unwrap()).collect();
    assert_eq!(counts, [2, 2, 0, 1]);
    assert_close(&parts[0]["mean"], 3.0);
    assert_close(&parts[1]["mean"], 7.0);
    assert_eq!(parts[2]["mean"], Value::Null);
    assert_close(&parts[3]["mean"], 5.0);

    let res = tracker_query(&app, &t, &mood, "timeOfDay(days: 60) { part count mean }")
        .await
        .ok();
    assert_eq!(res.data("tracker.timeOfDay.2.part"), "AFTERNOON");
    assert_eq!(res.data("tracker.timeOfDay.2.count"), 1);

    // An empty tracker still has its four parts.
    let anxiety = builtin_tracker(&app, &t, client, "ANXIETY").await;
    let res = tracker_query(&app, &t, &anxiety, "timeOfDay { part count mean }")
        .await
        .ok();
    let parts = array(&res, "tracker.timeOfDay");
    assert_eq!(parts.len(), 4);
    assert!(parts.iter().all(|p| p["count"] == 0 && p["mean"].is_null()));
}

#[tokio::test]
async fn top_contexts_are_ordered_by_count_and_limited() {
    let app = spawn_app().await;
    let t = app.therapist();
    let client = utc_client(&app).await;
    let mood = mood_tracker(&app, &t, client).await;
    let now = Utc::now();
    let values = [
        (Some("work"), 2.0),
        (Some("home"), 7.0),
        (Some("work"), 3.0),
        (Some("commute"), 5.0),
        (Some("home"), 9.0),
        (Some("work"), 4.0),
        (None, 1.0),
    ];
    for (i, (context, value)) in (1_i64..).zip(values) {
        let mut input = entry(&mood, value, &at(now - Duration::hours(i)));
        if let Some(context) = context {
            input["context"] = json!(context);
        }
        log(&app, &t, input).await.ok();
    }
    let top = |selection: &'static str| {
        let app = &app;
        let t = t.clone();
        let mood = mood.clone();
        async move {
            let res = tracker_query(app, &t, &mood, selection).await;
            if res.0.get("errors").is_some() {
                return Err(res);
            }
            Ok(array(&res, "tracker.topContexts").clone())
        }
    };
    let all = top("topContexts { context count mean }").await.unwrap();
    let contexts: Vec<(&str, i64)> = all
        .iter()
        .map(|p| (p["context"].as_str().unwrap(), p["count"].as_i64().unwrap()))
        .collect();
    assert_eq!(contexts, [("work", 3), ("home", 2), ("commute", 1)]);
    assert_close(&all[0]["mean"], 3.0);
    assert_close(&all[1]["mean"], 8.0);
    assert_close(&all[2]["mean"], 5.0);

    let two = top("topContexts(limit: 2) { context count mean }")
        .await
        .unwrap();
    assert_eq!(two, all[..2]);
    for bad in [
        "topContexts(limit: 0) { context }",
        "topContexts(limit: 51) { context }",
    ] {
        assert_eq!(
            top(bad).await.unwrap_err().code(),
            "BAD_USER_INPUT",
            "{bad}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Thought records
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_thought_record_reports_its_belief_and_emotion_drops() {
    let app = spawn_app().await;
    let c = app.client();
    let client = app.a.client_ids[0];
    let id = Uuid::now_v7().to_string();
    let mut input = thought(
        client,
        (90, 40),
        &[("anxious", 80, 40), ("ashamed", 60, 30)],
    );
    input["id"] = json!(id);
    input["recordedAt"] = json!(ago(Duration::days(10)));
    let res = record_thought(&app, &c, input.clone()).await.ok();
    let r = |p: &str| {
        res.data(&format!("recordThoughtRecord.thoughtRecord.{p}"))
            .clone()
    };
    assert_eq!(res.data("recordThoughtRecord.duplicate"), false);
    assert_eq!(r("id"), id.as_str());
    assert_eq!(r("visibility"), "SHARED");
    assert_eq!(r("hidden"), false);
    assert_eq!(r("beliefBefore"), 90);
    assert_eq!(r("beliefAfter"), 40);
    assert_eq!(r("beliefDrop"), 50);
    assert_close(&r("emotionDrop"), 35.0);
    assert_eq!(
        r("emotions"),
        json!([
            { "name": "anxious", "intensityBefore": 80, "intensityAfter": 40 },
            { "name": "ashamed", "intensityBefore": 60, "intensityAfter": 30 },
        ])
    );
    let distortions = r("distortions");
    let mut distortions: Vec<&str> = distortions
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    distortions.sort_unstable();
    assert_eq!(distortions, ["CATASTROPHIZING", "MIND_READING"]);
    assert_eq!(r("balancedThought"), "It is probably a routine check-in");
    assert_eq!(app.count("thought_record").await, 1);
    assert_eq!(app.count("thought_record_emotion").await, 2);
    assert_eq!(events_of(&app, client, "THOUGHT_RECORD_CREATED").await, 1);

    // Replaying the same id and content changes nothing.
    let again = record_thought(&app, &c, input).await.ok();
    assert_eq!(again.data("recordThoughtRecord.duplicate"), true);
    assert_eq!(
        again.data("recordThoughtRecord.thoughtRecord.id"),
        id.as_str()
    );
    assert_eq!(
        again.data("recordThoughtRecord.thoughtRecord.beliefDrop"),
        50
    );
    assert_eq!(app.count("thought_record").await, 1);
    assert_eq!(app.count("thought_record_emotion").await, 2);
    assert_eq!(events_of(&app, client, "THOUGHT_RECORD_CREATED").await, 1);

    let res = thought_summary(&app, &c, client, None).await;
    assert_eq!(res.data("client.thoughtRecordSummary.count"), 1);
    assert_close(res.data("client.thoughtRecordSummary.meanBeliefDrop"), 50.0);
    assert_close(
        res.data("client.thoughtRecordSummary.meanEmotionDrop"),
        35.0,
    );

    // A second, smaller shift brings the means down: (50 + 10) / 2 and (35 + 10) / 2.
    record_thought(
        &app,
        &app.therapist(),
        thought(client, (80, 70), &[("sad", 50, 40)]),
    )
    .await
    .ok();
    assert_eq!(events_of(&app, client, "THOUGHT_RECORD_CREATED").await, 2);
    let res = thought_summary(&app, &c, client, None).await;
    assert_eq!(res.data("client.thoughtRecordSummary.count"), 2);
    assert_eq!(res.data("client.thoughtRecordSummary.hiddenCount"), 0);
    assert_close(res.data("client.thoughtRecordSummary.meanBeliefDrop"), 30.0);
    assert_close(
        res.data("client.thoughtRecordSummary.meanEmotionDrop"),
        22.5,
    );
    // `since` leaves the older one out.
    let res = thought_summary(&app, &c, client, Some(ago(Duration::days(5)))).await;
    assert_eq!(res.data("client.thoughtRecordSummary.count"), 1);
    assert_close(res.data("client.thoughtRecordSummary.meanBeliefDrop"), 10.0);

    // Listed oldest first.
    let list = thought_records(&app, &app.therapist(), client).await;
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["id"], id.as_str());
    assert_eq!(list[1]["beliefDrop"], 10);
}

#[tokio::test]
async fn bad_thought_records_name_the_field_and_write_nothing() {
    let app = spawn_app().await;
    let c = app.client();
    let client = app.a.client_ids[0];
    let base = thought(client, (90, 40), &[("anxious", 80, 40)]);
    let with = |key: &str, value: Value| {
        let mut input = base.clone();
        input[key] = value;
        input
    };
    for (input, field) in [
        (with("beliefBefore", json!(101)), "input.beliefBefore"),
        (with("beliefBefore", json!(-1)), "input.beliefBefore"),
        (with("beliefAfter", json!(101)), "input.beliefAfter"),
        (with("emotions", json!([])), "input.emotions"),
        (
            with(
                "emotions",
                json!((0..11)
                    .map(|i| json!({ "name": format!("e{i}"), "intensityBefore": 50, "intensityAfter": 40 }))
                    .collect::<Vec<_>>()),
            ),
            "input.emotions",
        ),
    ] {
        let res = record_thought(&app, &c, input.clone()).await;
        assert_eq!(res.code(), "BAD_USER_INPUT", "{input}");
        assert_eq!(res.field(), field, "{input}");
    }
    for emotions in [
        json!([{ "name": "anxious", "intensityBefore": 101, "intensityAfter": 40 }]),
        json!([{ "name": "anxious", "intensityBefore": 80, "intensityAfter": -1 }]),
    ] {
        let res = record_thought(&app, &c, with("emotions", emotions.clone())).await;
        assert_eq!(res.code(), "BAD_USER_INPUT", "{emotions}");
        assert!(res.field().starts_with("input.emotions"), "{}", res.0);
    }
    assert_eq!(app.count("thought_record").await, 0);
    assert_eq!(app.count("thought_record_emotion").await, 0);
    assert_eq!(events_of(&app, client, "THOUGHT_RECORD_CREATED").await, 0);
}

// ---------------------------------------------------------------------------------------------
// Scope
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_client_cannot_reach_another_clients_tracker() {
    let app = spawn_app().await;
    let c = app.client();
    let theirs = mood_tracker(&app, &app.client2(), app.a.client_ids[2]).await;
    log(
        &app,
        &app.client2(),
        entry(&theirs, 4.0, &ago(Duration::hours(1))),
    )
    .await
    .ok();
    assert_eq!(
        tracker_query(&app, &c, &theirs, "id entries { totalCount }")
            .await
            .code(),
        "NOT_FOUND"
    );
    assert_eq!(
        log(&app, &c, entry(&theirs, 5.0, &ago(Duration::minutes(5))))
            .await
            .code(),
        "NOT_FOUND"
    );
    assert_eq!(archive(&app, &c, &theirs).await.code(), "NOT_FOUND");
    assert_eq!(
        create_tracker(
            &app,
            &c,
            json!({ "clientId": app.a.client_ids[2].to_string(), "name": "Mine now", "valueType": "COUNT" }),
        )
        .await
        .code(),
        "NOT_FOUND"
    );
    assert_eq!(
        record_thought(
            &app,
            &c,
            thought(app.a.client_ids[2], (90, 40), &[("anxious", 80, 40)])
        )
        .await
        .code(),
        "NOT_FOUND"
    );
    // In a batch, another client's tracker is NOT_FOUND for that entry alone.
    let mine = mood_tracker(&app, &c, app.a.client_ids[0]).await;
    let res = log_batch(
        &app,
        &c,
        vec![
            entry(&theirs, 5.0, &ago(Duration::minutes(4))),
            entry(&mine, 5.0, &ago(Duration::minutes(4))),
        ],
    )
    .await
    .ok();
    assert_eq!(res.data("logEntries.results.0.status"), "INVALID");
    assert_eq!(res.data("logEntries.results.0.error.code"), "NOT_FOUND");
    assert_eq!(res.data("logEntries.results.1.status"), "CREATED");
    assert_eq!(app.count("tracker_entry").await, 2);
    assert_eq!(app.count("thought_record").await, 0);
}

#[tokio::test]
async fn staff_outside_the_care_team_get_not_found() {
    let app = spawn_app().await;
    let client = app.a.client_ids[0];
    let mood = mood_tracker(&app, &app.client(), client).await;
    log(
        &app,
        &app.client(),
        entry(&mood, 6.0, &ago(Duration::hours(1))),
    )
    .await
    .ok();
    for token in [app.therapist2(), app.other_practice_therapist()] {
        assert_eq!(
            tracker_query(&app, &token, &mood, "id entries { totalCount }")
                .await
                .code(),
            "NOT_FOUND"
        );
        assert_eq!(
            log(&app, &token, entry(&mood, 5.0, &ago(Duration::minutes(5))))
                .await
                .code(),
            "NOT_FOUND"
        );
        assert_eq!(
            create_tracker(
                &app,
                &token,
                json!({ "clientId": client.to_string(), "name": "Urges", "valueType": "COUNT" }),
            )
            .await
            .code(),
            "NOT_FOUND"
        );
        assert_eq!(
            record_thought(
                &app,
                &token,
                thought(client, (90, 40), &[("anxious", 80, 40)])
            )
            .await
            .code(),
            "NOT_FOUND"
        );
    }
    let other_integrator = app
        .integrator(&app.b, &[Scope::ClinicalRead, Scope::ClinicalWrite])
        .await;
    assert_eq!(
        tracker_query(&app, &other_integrator, &mood, "id")
            .await
            .code(),
        "NOT_FOUND"
    );
    assert_eq!(
        app.gql(
            None,
            "query($id: ID!) { tracker(id: $id) { id } }",
            json!({ "id": mood })
        )
        .await
        .code(),
        "UNAUTHENTICATED"
    );
    assert_eq!(app.count("tracker_entry").await, 1);
    assert_eq!(app.count("thought_record").await, 0);
    // The care team's therapist reaches it.
    let res = tracker_query(&app, &app.therapist(), &mood, "id entries { totalCount }")
        .await
        .ok();
    assert_eq!(res.data("tracker.entries.totalCount"), 1);
}

#[tokio::test]
async fn integrators_need_clinical_write_to_log() {
    let app = spawn_app().await;
    let client = app.a.client_ids[0];
    let mood = mood_tracker(&app, &app.therapist(), client).await;
    log(
        &app,
        &app.client(),
        entry(&mood, 6.0, &ago(Duration::hours(2))),
    )
    .await
    .ok();
    let reader = app.integrator(&app.a, &[Scope::ClinicalRead]).await;
    let input = entry(&mood, 5.0, &ago(Duration::hours(1)));
    assert_eq!(log(&app, &reader, input.clone()).await.code(), "FORBIDDEN");
    assert_eq!(
        log_batch(&app, &reader, vec![input.clone()]).await.code(),
        "FORBIDDEN"
    );
    assert_eq!(
        create_tracker(
            &app,
            &reader,
            json!({ "clientId": client.to_string(), "name": "Urges", "valueType": "COUNT" }),
        )
        .await
        .code(),
        "FORBIDDEN"
    );
    assert_eq!(app.count("tracker_entry").await, 1);
    // But it reads entries.
    let res = tracker_query(
        &app,
        &reader,
        &mood,
        "entries { totalCount edges { node { value } } }",
    )
    .await
    .ok();
    assert_eq!(res.data("tracker.entries.totalCount"), 1);
    assert_eq!(res.data("tracker.entries.edges.0.node.value"), 6.0);

    let writer = app
        .integrator(&app.a, &[Scope::ClinicalRead, Scope::ClinicalWrite])
        .await;
    log(&app, &writer, input).await.ok();
    assert_eq!(app.count("tracker_entry").await, 2);
}

// ---------------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn each_created_entry_writes_one_event_and_duplicates_none() {
    let app = spawn_app().await;
    let c = app.client();
    let client = app.a.client_ids[0];
    let mood = mood_tracker(&app, &c, client).await;
    let first = entry_with_id(
        &Uuid::now_v7().to_string(),
        &mood,
        5.0,
        &ago(Duration::hours(6)),
    );
    log(&app, &c, first.clone()).await.ok();
    log(&app, &c, entry(&mood, 6.0, &ago(Duration::hours(5))))
        .await
        .ok();
    assert_eq!(events_of(&app, client, "ENTRY_LOGGED").await, 2);
    // A replay adds no event.
    let res = log(&app, &c, first.clone()).await.ok();
    assert_eq!(res.data("logEntry.duplicate"), true);
    assert_eq!(events_of(&app, client, "ENTRY_LOGGED").await, 2);

    // A batch: three created, one duplicate, one invalid.
    let res = log_batch(
        &app,
        &c,
        vec![
            entry_with_id(
                &Uuid::now_v7().to_string(),
                &mood,
                7.0,
                &ago(Duration::hours(4)),
            ),
            first,
            entry(&mood, 8.0, &ago(Duration::hours(3))),
            entry(&mood, 12.0, &ago(Duration::hours(2))),
            entry(&mood, 9.0, &ago(Duration::hours(1))),
        ],
    )
    .await
    .ok();
    assert_eq!(res.data("logEntries.created"), 3);
    assert_eq!(res.data("logEntries.duplicates"), 1);
    assert_eq!(res.data("logEntries.rejected"), 1);
    assert_eq!(events_of(&app, client, "ENTRY_LOGGED").await, 5);
    assert_eq!(app.count("tracker_entry").await, 5);
    // Replaying everything stored (server-made ids too) adds nothing.
    let res = log_batch(
        &app,
        &c,
        entries(&app, &c, &mood)
            .await
            .iter()
            .map(|e| {
                json!({ "id": e["id"], "trackerId": mood, "value": e["value"], "recordedAt": e["recordedAt"] })
            })
            .collect(),
    )
    .await
    .ok();
    assert_eq!(res.data("logEntries.created"), 0);
    assert_eq!(res.data("logEntries.duplicates"), 5);
    assert_eq!(events_of(&app, client, "ENTRY_LOGGED").await, 5);
}

#[tokio::test]
async fn creating_and_archiving_a_tracker_writes_events() {
    let app = spawn_app().await;
    let t = app.therapist();
    let client = app.a.client_ids[0];
    let before = app.event_kinds(client).await;
    let id = custom_tracker(
        &app,
        &t,
        json!({ "clientId": client.to_string(), "name": "Urges", "valueType": "COUNT" }),
    )
    .await;
    archive(&app, &t, &id).await.ok();
    let after = app.event_kinds(client).await;
    assert_eq!(after[..before.len()], before[..]);
    assert_eq!(
        after[before.len()..],
        ["TRACKER_CREATED", "TRACKER_ARCHIVED"]
    );
    // Refused changes write nothing.
    let mood = mood_tracker(&app, &t, client).await;
    assert_eq!(archive(&app, &t, &mood).await.code(), "CONFLICT");
    assert_eq!(app.event_kinds(client).await, after);
}

// ---------------------------------------------------------------------------------------------
// Demo data

#[tokio::test]
async fn the_demo_has_eight_weeks_of_tracking_thought_records_and_measure_histories() {
    let app = spawn_app().await;
    momentum_api::demo::seed_demo(&app.db).await.unwrap();
    let login = app.login("therapist@demo.test", PASSWORD).await.ok();
    let token = login.data("login.accessToken").as_str().unwrap().to_owned();
    let res = app
        .gql(
            Some(&token),
            "{ clients { edges { node { displayName
                trackers { kind summary(days: 57) { count hiddenCount slopePerWeek } }
                thoughtRecordSummary { count hiddenCount }
                measureHistory(instrument: PHQ9) { total reliableChange } } } } }",
            json!({}),
        )
        .await
        .ok();
    let clients = res.data("clients.edges").as_array().unwrap().clone();
    let casey = clients
        .iter()
        .map(|c| &c["node"])
        .find(|n| n["displayName"] == "Casey Morgan")
        .unwrap();
    let mood = &casey["trackers"][0];
    assert_eq!(mood["kind"], "MOOD");
    // Twice a day for eight weeks, one a week kept private.
    let summary = &mood["summary"];
    assert_eq!(
        summary["count"].as_i64().unwrap() + summary["hiddenCount"].as_i64().unwrap(),
        112,
        "{summary}"
    );
    assert_eq!(summary["hiddenCount"], 8);
    assert!(summary["slopePerWeek"].as_f64().unwrap() > 0.2, "{summary}");
    let anxiety = &casey["trackers"][1]["summary"];
    assert!(anxiety["slopePerWeek"].as_f64().unwrap() < 0.0, "{anxiety}");
    assert_eq!(casey["thoughtRecordSummary"]["count"], 3);
    assert_eq!(casey["thoughtRecordSummary"]["hiddenCount"], 1);
    let phq9 = casey["measureHistory"].as_array().unwrap();
    assert_eq!(phq9.len(), 5);
    assert_eq!(phq9[4]["reliableChange"], "RELIABLE_IMPROVEMENT");

    // Sam's item 9 answer left an open SAFETY alert for his therapist.
    let login = app.login("therapist2@demo.test", PASSWORD).await.ok();
    let token = login.data("login.accessToken").as_str().unwrap().to_owned();
    let res = app
        .gql(
            Some(&token),
            "{ alerts(status: OPEN) { edges { node { kind client { displayName } } } } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(res.data("alerts.edges.0.node.kind"), "SAFETY");
    assert_eq!(
        res.data("alerts.edges.0.node.client.displayName"),
        "Sam Patel"
    );
}

// ---------------------------------------------------------------------------------------------
// Migration

#[tokio::test]
async fn the_tracking_migration_gives_existing_clients_their_built_in_trackers() {
    use migration::MigratorTrait as _;
    use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _};
    let app = spawn_app().await;
    // Back to before tracking (the down migrations drop its tables), with clients in place.
    migration::Migrator::down(&app.db, Some(2)).await.unwrap();
    migration::Migrator::up(&app.db, None).await.unwrap();
    for client_id in app.a.client_ids.into_iter().chain(app.b.client_ids) {
        let mut kinds: Vec<String> = entity::tracker::Entity::find()
            .filter(entity::tracker::Column::ClientId.eq(client_id))
            .all(&app.db)
            .await
            .unwrap()
            .into_iter()
            .map(|t| t.kind)
            .collect();
        kinds.sort();
        assert_eq!(kinds, ["ANXIETY", "MOOD"], "client {client_id}");
    }
    // And they take entries.
    let c = app.client();
    let mood = mood_tracker(&app, &c, app.a.client_ids[0]).await;
    let res = log(
        &app,
        &c,
        json!({ "trackerId": mood, "recordedAt": ago(Duration::hours(1)), "value": 6 }),
    )
    .await;
    res.ok();
}

#[tokio::test]
async fn logging_one_entry_takes_three_statements_on_postgresql_and_writes_all_it_did() {
    let app = spawn_app().await;
    let c = app.client();
    let client = app.a.client_ids[0];
    let mood = mood_tracker(&app, &c, client).await;
    let (entries_before, events_before, audits_before) = (
        app.count("tracker_entry").await,
        app.count("event").await,
        app.count("audit_log").await,
    );
    let id = Uuid::now_v7().to_string();
    let input = entry_with_id(&id, &mood, 6.0, &ago(Duration::minutes(5)));
    let query = format!(
        "mutation {{ logEntry(input: {{ id: \"{id}\", trackerId: \"{mood}\", value: 6, \
         recordedAt: \"{}\" }}) {{ entry {{ id }} duplicate }} }}",
        input["recordedAt"].as_str().unwrap()
    );
    let statements = app.statements_for(&c, &query).await;
    if sea_orm::ConnectionTrait::get_database_backend(&app.db) == sea_orm::DatabaseBackend::Postgres
    {
        // The token's subject, the tracker with its client's time zone, and one statement
        // writing the entry, its event and its audit row (no BEGIN or COMMIT).
        assert_eq!(statements, 3);
    } else {
        // SQLite cannot write from a WITH: the same in a transaction, one insert each.
        assert!(statements <= 6, "{statements} statements");
    }
    assert_eq!(app.count("tracker_entry").await, entries_before + 1);
    assert_eq!(app.count("event").await, events_before + 1);
    assert_eq!(app.count("audit_log").await, audits_before + 1);
    assert_eq!(
        app.event_kinds(client).await.last().unwrap(),
        "ENTRY_LOGGED"
    );

    // A replay writes nothing new but its audit row.
    let audits_before = app.count("audit_log").await;
    let replay = app.gql(Some(&c), &query, json!({})).await.ok();
    assert_eq!(replay.data("logEntry.duplicate"), true);
    assert_eq!(app.count("tracker_entry").await, entries_before + 1);
    assert_eq!(app.count("event").await, events_before + 1);
    assert_eq!(app.count("audit_log").await, audits_before + 1);
}

#[tokio::test]
async fn a_batch_with_one_far_or_nul_entry_stores_the_others_and_names_the_bad_ones() {
    let app = spawn_app().await;
    let c = app.client();
    let mood = mood_tracker(&app, &c, app.a.client_ids[0]).await;
    let mut with_nul = entry(&mood, 3.0, &ago(Duration::hours(3)));
    with_nul["note"] = json!("before\u{0}after");
    let batch = vec![
        entry(&mood, 5.0, &ago(Duration::hours(1))),
        entry(&mood, 6.0, "-5000-01-01T00:00:00Z"),
        entry(&mood, 7.0, "1899-12-31T23:59:59Z"),
        with_nul,
        entry(&mood, 8.0, &ago(Duration::hours(2))),
    ];
    let res = log_batch(&app, &c, batch).await.ok();
    assert_eq!(res.data("logEntries.created"), 2, "{}", res.0);
    assert_eq!(res.data("logEntries.rejected"), 3, "{}", res.0);
    let results = array(&res, "logEntries.results");
    for (i, field) in [
        (1, "input.entries.1.recordedAt"),
        (2, "input.entries.2.recordedAt"),
        (3, "input.entries.3.note"),
    ] {
        assert_eq!(results[i]["status"], "INVALID", "{}", res.0);
        assert_eq!(results[i]["error"]["code"], "BAD_USER_INPUT", "{}", res.0);
        assert_eq!(results[i]["error"]["field"], field, "{}", res.0);
    }
    for i in [0, 4] {
        assert_eq!(results[i]["status"], "CREATED", "{}", res.0);
    }
    assert_eq!(app.count("tracker_entry").await, 2);
}
