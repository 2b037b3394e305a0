//! Standardised measures and clinical alerts: the PHQ-9 and GAD-7 instruments, scoring every
//! severity band boundary, answer validation, change against the baseline (reliable change,
//! response, remission), the PHQ-9 item 9 safety flag with crisis lines, the practice's
//! thresholds, assigned measures coming due, the alert lifecycle (OPEN, ACKNOWLEDGED,
//! RESOLVED, one unresolved alert of a kind per client and day), the alert list's order and
//! who may see alerts, scope and events.

use chrono::{DateTime, Duration, Utc};
use momentum_api::auth::Scope;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{fixtures::*, helpers::*};

const ALERT_FIELDS: &str = "id kind status client { id } reason measureId raisedAt
    acknowledgedAt resolvedAt resolutionNote version";
const ASSIGNMENT_FIELDS: &str = "id instrument everyDays lastAdministeredAt dueAt due";
const SETTINGS_FIELDS: &str = "phq9ReliableChange gad7ReliableChange safetyItemThreshold";

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// `n_items` answers adding up to `total`, filled 3 at a time from item 1; PHQ-9 item 9
/// therefore stays 0 for any total up to 24.
fn answers(n_items: usize, total: i32) -> Vec<i32> {
    let mut left = total;
    let out: Vec<i32> = (0..n_items)
        .map(|_| {
            let a = left.min(3);
            left -= a;
            a
        })
        .collect();
    assert_eq!(left, 0, "{total} does not fit in {n_items} items");
    out
}

/// PHQ-9 answers: items 1 to 8 adding up to `others`, item 9 answered `item9`.
fn phq9(others: i32, item9: i32) -> Vec<i32> {
    let mut a = answers(8, others);
    a.push(item9);
    a
}

/// `d` days before now.
fn days_ago(d: i64) -> DateTime<Utc> {
    Utc::now() - Duration::days(d)
}

/// An instant the API returned.
fn instant(v: &Value) -> DateTime<Utc> {
    let s = v
        .as_str()
        .unwrap_or_else(|| panic!("expected an instant, got {v}"));
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// Asserts `got` is within `tolerance` of `expected`.
fn assert_near(got: DateTime<Utc>, expected: DateTime<Utc>, tolerance: Duration) {
    assert!(
        (got - expected).abs() <= tolerance,
        "{got} is not within {tolerance} of {expected}"
    );
}

/// A JSON array at `path`, or panics with the response.
fn array<'a>(res: &'a Gql, path: &str) -> &'a Vec<Value> {
    res.data(path)
        .as_array()
        .unwrap_or_else(|| panic!("expected an array at {path}, got {}", res.0))
}

/// A string at `path`, owned.
fn string(res: &Gql, path: &str) -> String {
    res.data(path)
        .as_str()
        .unwrap_or_else(|| panic!("expected a string at {path}, got {}", res.0))
        .to_owned()
}

/// Submits `answers` to `instrument` for `client`, administered now.
async fn submit(
    app: &TestApp,
    token: &str,
    client: Uuid,
    instrument: &str,
    answers: &[i32],
) -> Gql {
    submit_with(app, token, client, instrument, answers, None).await
}

/// Asserts every field of `expected` on the `submitMeasure` payload and on its stored
/// `measure`.
fn assert_scored(res: &Gql, expected: &Value) {
    for (field, value) in expected.as_object().unwrap() {
        assert_eq!(
            res.data(&format!("submitMeasure.{field}")),
            value,
            "payload {field} in {}",
            res.0
        );
        assert_eq!(
            res.data(&format!("submitMeasure.measure.{field}")),
            value,
            "measure {field} in {}",
            res.0
        );
    }
}

/// `Client.measureHistory(instrument)` as `token` sees it.
async fn history(app: &TestApp, token: &str, client: Uuid, instrument: &str) -> Gql {
    app.gql(
        Some(token),
        &format!(
            "query($id: ID!, $instrument: Instrument!) {{ client(id: $id) {{
                measureHistory(instrument: $instrument) {{ {MEASURE_FIELDS} }} }} }}"
        ),
        json!({ "id": client.to_string(), "instrument": instrument }),
    )
    .await
}

/// `Client.alerts(status)` as `token` sees it.
async fn client_alerts(app: &TestApp, token: &str, client: Uuid, status: Option<&str>) -> Gql {
    app.gql(
        Some(token),
        &format!(
            "query($id: ID!, $status: AlertStatus) {{ client(id: $id) {{
                alerts(status: $status) {{ {ALERT_FIELDS} }} }} }}"
        ),
        json!({ "id": client.to_string(), "status": status }),
    )
    .await
}

/// The client's alerts as `token` sees them, or panics on an error.
async fn alerts_of(app: &TestApp, token: &str, client: Uuid, status: Option<&str>) -> Vec<Value> {
    let res = client_alerts(app, token, client, status).await.ok();
    array(&res, "client.alerts").clone()
}

/// The root `alerts` connection.
async fn alert_list(
    app: &TestApp,
    token: &str,
    status: Option<&str>,
    first: i32,
    after: Option<&str>,
) -> Gql {
    app.gql(
        Some(token),
        &format!(
            "query($status: AlertStatus, $first: Int, $after: String) {{
                alerts(status: $status, first: $first, after: $after) {{
                    edges {{ cursor node {{ {ALERT_FIELDS} }} }}
                    pageInfo {{ hasNextPage endCursor }} }} }}"
        ),
        json!({ "status": status, "first": first, "after": after }),
    )
    .await
}

/// The nodes of a root `alerts` answer, or panics on an error.
fn alert_nodes(res: &Gql) -> Vec<Value> {
    array(res, "alerts.edges")
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

/// `(kind, client id)` of each alert, in order.
fn kinds_and_clients(alerts: &[Value]) -> Vec<(String, String)> {
    alerts
        .iter()
        .map(|a| {
            (
                a["kind"].as_str().unwrap().to_owned(),
                a["client"]["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn acknowledge(app: &TestApp, token: &str, alert: &str) -> Gql {
    mutate(
        app,
        token,
        "acknowledgeAlert",
        "AcknowledgeAlertInput",
        json!({ "alertId": alert }),
        &format!("alert {{ {ALERT_FIELDS} }}"),
    )
    .await
}

async fn resolve(app: &TestApp, token: &str, alert: &str, note: &str) -> Gql {
    mutate(
        app,
        token,
        "resolveAlert",
        "ResolveAlertInput",
        json!({ "alertId": alert, "note": note }),
        &format!("alert {{ {ALERT_FIELDS} }}"),
    )
    .await
}

async fn assign(
    app: &TestApp,
    token: &str,
    client: Uuid,
    instrument: &str,
    every_days: i32,
) -> Gql {
    mutate(
        app,
        token,
        "assignMeasure",
        "AssignMeasureInput",
        json!({ "clientId": client.to_string(), "instrument": instrument,
                "everyDays": every_days }),
        &format!("assignment {{ {ASSIGNMENT_FIELDS} }}"),
    )
    .await
}

/// `Client.measuresDue` as `token` sees it.
async fn measures_due(app: &TestApp, token: &str, client: Uuid) -> Gql {
    app.gql(
        Some(token),
        &format!(
            "query($id: ID!) {{ client(id: $id) {{ measuresDue {{ {ASSIGNMENT_FIELDS} }} }} }}"
        ),
        json!({ "id": client.to_string() }),
    )
    .await
}

async fn update_settings(app: &TestApp, token: &str, phq9: i32, gad7: i32, threshold: i32) -> Gql {
    mutate(
        app,
        token,
        "updateMeasureSettings",
        "UpdateMeasureSettingsInput",
        json!({ "phq9ReliableChange": phq9, "gad7ReliableChange": gad7,
                "safetyItemThreshold": threshold }),
        &format!("settings {{ {SETTINGS_FIELDS} }}"),
    )
    .await
}

/// `reliableChangePoints` of `instrument` as `token` sees it.
async fn reliable_change_points(app: &TestApp, token: &str, instrument: &str) -> Value {
    let res = app
        .gql(
            Some(token),
            "{ instruments { instrument reliableChangePoints } }",
            json!({}),
        )
        .await
        .ok();
    array(&res, "instruments")
        .iter()
        .find(|i| i["instrument"] == instrument)
        .unwrap_or_else(|| panic!("no {instrument} in {}", res.0))["reliableChangePoints"]
        .clone()
}

/// Creates a CRISIS_LINE resource in the practice of `token` and returns its id.
async fn create_crisis_line(app: &TestApp, token: &str, title: &str) -> String {
    let res = mutate(
        app,
        token,
        "createResource",
        "CreateResourceInput",
        json!({ "title": title, "kind": "CRISIS_LINE", "url": "https://crisis.example.org",
                "description": "Call any time, day or night." }),
        "resource { id }",
    )
    .await
    .ok();
    string(&res, "createResource.resource.id")
}

/// The client's event kinds starting with `prefix`, oldest first.
async fn events_starting(app: &TestApp, client: Uuid, prefix: &str) -> Vec<String> {
    app.event_kinds(client)
        .await
        .into_iter()
        .filter(|k| k.starts_with(prefix))
        .collect()
}

/// Sets when `client`'s alert of `kind` was raised (alerts raised within one test may share
/// a clock reading; the order a test means is written down instead of waited for).
async fn raised_at(app: &TestApp, client: Uuid, kind: &str, at: DateTime<Utc>) {
    use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _, sea_query::Expr};
    let updated = entity::alert::Entity::update_many()
        .col_expr(entity::alert::Column::RaisedAt, Expr::value(at))
        .filter(entity::alert::Column::ClientId.eq(client))
        .filter(entity::alert::Column::Kind.eq(kind))
        .exec(&app.db)
        .await
        .unwrap();
    assert_eq!(updated.rows_affected, 1, "{kind} for {client}");
}

// ---------------------------------------------------------------------------------------------
// Instruments and scoring
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn instruments_describe_phq9_and_gad7_with_scoring_and_licence() {
    let app = spawn_app().await;
    let query = "{ instruments { instrument name title prompt items { number text }
        options { value label } minTotal maxTotal bands { severity min max }
        reliableChangePoints responseDrop remissionBelow safetyItem loinc licence source } }";
    let res = app.gql(Some(&app.therapist()), query, json!({})).await.ok();
    let list = array(&res, "instruments");
    assert_eq!(list.len(), 2, "{}", res.0);
    let phq9_bands = json!([
        { "severity": "MINIMAL", "min": 0, "max": 4 },
        { "severity": "MILD", "min": 5, "max": 9 },
        { "severity": "MODERATE", "min": 10, "max": 14 },
        { "severity": "MODERATELY_SEVERE", "min": 15, "max": 19 },
        { "severity": "SEVERE", "min": 20, "max": 27 },
    ]);
    let gad7_bands = json!([
        { "severity": "MINIMAL", "min": 0, "max": 4 },
        { "severity": "MILD", "min": 5, "max": 9 },
        { "severity": "MODERATE", "min": 10, "max": 14 },
        { "severity": "SEVERE", "min": 15, "max": 21 },
    ]);
    for (instrument, items, max_total, bands, loinc, points, remission, safety_item) in [
        ("PHQ9", 9, 27, phq9_bands, "44261-6", 6, json!(5), json!(9)),
        (
            "GAD7",
            7,
            21,
            gad7_bands,
            "70274-6",
            4,
            Value::Null,
            Value::Null,
        ),
    ] {
        let info = list
            .iter()
            .find(|i| i["instrument"] == instrument)
            .unwrap_or_else(|| panic!("no {instrument} in {}", res.0));
        let item_list = info["items"].as_array().unwrap();
        let numbers: Vec<i64> = item_list
            .iter()
            .map(|i| i["number"].as_i64().unwrap())
            .collect();
        assert_eq!(numbers, (1..=items).collect::<Vec<i64>>(), "{instrument}");
        assert!(
            item_list
                .iter()
                .all(|i| !i["text"].as_str().unwrap().trim().is_empty()),
            "{instrument}"
        );
        let options = info["options"].as_array().unwrap();
        let mut values: Vec<i64> = options
            .iter()
            .map(|o| o["value"].as_i64().unwrap())
            .collect();
        values.sort_unstable();
        assert_eq!(values, [0, 1, 2, 3], "{instrument}");
        assert!(
            options
                .iter()
                .all(|o| !o["label"].as_str().unwrap().trim().is_empty()),
            "{instrument}"
        );
        assert_eq!(info["minTotal"], 0, "{instrument}");
        assert_eq!(info["maxTotal"], max_total, "{instrument}");
        let mut got_bands = info["bands"].as_array().unwrap().clone();
        got_bands.sort_by_key(|b| b["min"].as_i64());
        assert_eq!(Value::Array(got_bands), bands, "{instrument}");
        assert_eq!(info["loinc"], loinc, "{instrument}");
        assert_eq!(info["reliableChangePoints"], points, "{instrument}");
        assert_eq!(info["responseDrop"], 0.5, "{instrument}");
        assert_eq!(info["remissionBelow"], remission, "{instrument}");
        assert_eq!(info["safetyItem"], safety_item, "{instrument}");
        for field in ["name", "title", "licence"] {
            assert!(
                !info[field].as_str().unwrap().trim().is_empty(),
                "{instrument} {field}"
            );
        }
    }
    // Clients read the instruments too: they are the ones who complete them.
    let res = app
        .gql(
            Some(&app.client()),
            "{ instruments { instrument items { number } } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(array(&res, "instruments").len(), 2);
}

#[tokio::test]
async fn every_band_boundary_scores_to_its_published_severity() {
    let app = spawn_app().await;
    let t = app.therapist();
    let phq9_cases: &[(i32, &str)] = &[
        (0, "MINIMAL"),
        (4, "MINIMAL"),
        (5, "MILD"),
        (9, "MILD"),
        (10, "MODERATE"),
        (14, "MODERATE"),
        (15, "MODERATELY_SEVERE"),
        (19, "MODERATELY_SEVERE"),
        (20, "SEVERE"),
        (27, "SEVERE"),
    ];
    let gad7_cases: &[(i32, &str)] = &[
        (0, "MINIMAL"),
        (4, "MINIMAL"),
        (5, "MILD"),
        (9, "MILD"),
        (10, "MODERATE"),
        (14, "MODERATE"),
        (15, "SEVERE"),
        (21, "SEVERE"),
    ];
    // One client per instrument; severity does not depend on the history before it.
    for (instrument, client, items, cases) in [
        ("PHQ9", app.a.client_ids[0], 9, phq9_cases),
        ("GAD7", app.a.client_ids[1], 7, gad7_cases),
    ] {
        for &(total, severity) in cases {
            let a = answers(items, total);
            let res = submit(&app, &t, client, instrument, &a).await.ok();
            assert_scored(&res, &json!({ "total": total, "severity": severity }));
            assert_eq!(
                res.data("submitMeasure.measure.instrument"),
                instrument,
                "{}",
                res.0
            );
            assert_eq!(res.data("submitMeasure.measure.answers"), &json!(a));
        }
        let res = history(&app, &t, client, instrument).await.ok();
        assert_eq!(
            array(&res, "client.measureHistory").len(),
            cases.len(),
            "{instrument}"
        );
    }
}

#[tokio::test]
async fn malformed_answers_name_the_field_and_write_nothing() {
    let app = spawn_app().await;
    let c = app.client();
    let client = app.a.client_ids[0];
    let before = app.count("measure_response").await;
    let mut four_at_2 = answers(9, 5);
    four_at_2[2] = 4;
    let mut negative_at_0 = answers(7, 5);
    negative_at_0[0] = -1;
    // Item 9 answered 3 but item 3 out of range: rejected whole, no alert either.
    let mut flagged_but_bad = phq9(2, 3);
    flagged_but_bad[2] = 4;
    for (instrument, a, field) in [
        ("PHQ9", answers(8, 5), "input.answers"),
        ("PHQ9", answers(10, 5), "input.answers"),
        ("PHQ9", Vec::new(), "input.answers"),
        ("GAD7", answers(9, 5), "input.answers"),
        ("GAD7", answers(6, 5), "input.answers"),
        ("PHQ9", four_at_2, "input.answers.2"),
        ("GAD7", negative_at_0, "input.answers.0"),
        ("PHQ9", flagged_but_bad, "input.answers.2"),
    ] {
        let res = submit(&app, &c, client, instrument, &a).await;
        assert_eq!(res.code(), "BAD_USER_INPUT", "{instrument} {a:?}");
        assert_eq!(res.field(), field, "{instrument} {a:?}");
    }
    let res = submit_at(
        &app,
        &c,
        client,
        "PHQ9",
        &answers(9, 5),
        Utc::now() + Duration::hours(1),
    )
    .await;
    assert_eq!(res.code(), "BAD_USER_INPUT");
    assert_eq!(res.field(), "input.administeredAt");

    assert_eq!(app.count("measure_response").await, before);
    assert_eq!(app.count("alert").await, 0);
    let kinds = app.event_kinds(client).await;
    assert!(
        !kinds
            .iter()
            .any(|k| k == "MEASURE_SUBMITTED" || k == "ALERT_RAISED"),
        "{kinds:?}"
    );
    let res = history(&app, &c, client, "PHQ9").await.ok();
    assert!(array(&res, "client.measureHistory").is_empty());

    // The same answers, corrected, go through.
    submit(&app, &c, client, "PHQ9", &answers(9, 5)).await.ok();
    assert_eq!(app.count("measure_response").await, before + 1);
    assert_eq!(
        events_starting(&app, client, "MEASURE_SUBMITTED").await,
        ["MEASURE_SUBMITTED"]
    );
}

// ---------------------------------------------------------------------------------------------
// Change against the baseline
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn phq9_change_is_scored_against_the_baseline_with_response_and_remission() {
    let app = spawn_app().await;
    let c = app.client();
    let client = app.a.client_ids[0];
    let steps = [
        (
            28,
            18,
            json!({ "severity": "MODERATELY_SEVERE", "changeFromBaseline": null,
                    "changeFromPrevious": null, "reliableChange": null, "response": null,
                    "remission": null }),
        ),
        (
            21,
            12,
            json!({ "severity": "MODERATE", "changeFromBaseline": -6, "changeFromPrevious": -6,
                    "reliableChange": "RELIABLE_IMPROVEMENT", "response": false,
                    "remission": false }),
        ),
        (
            14,
            9,
            json!({ "severity": "MILD", "changeFromBaseline": -9, "changeFromPrevious": -3,
                    "reliableChange": "RELIABLE_IMPROVEMENT", "response": true,
                    "remission": false }),
        ),
        (
            7,
            4,
            json!({ "severity": "MINIMAL", "changeFromBaseline": -14, "changeFromPrevious": -5,
                    "reliableChange": "RELIABLE_IMPROVEMENT", "response": true,
                    "remission": true }),
        ),
    ];
    for (days, total, expected) in &steps {
        let res = submit_at(
            &app,
            &c,
            client,
            "PHQ9",
            &answers(9, *total),
            days_ago(*days),
        )
        .await
        .ok();
        assert_scored(&res, &json!({ "total": total, "safetyFlag": false }));
        assert_scored(&res, expected);
        assert_eq!(res.data("submitMeasure.measure.submittedByRole"), "CLIENT");
    }

    // The history is oldest first and keeps what was scored at the time.
    for token in [c.clone(), app.therapist()] {
        let res = history(&app, &token, client, "PHQ9").await.ok();
        let rows = array(&res, "client.measureHistory");
        let totals: Vec<i64> = rows.iter().map(|r| r["total"].as_i64().unwrap()).collect();
        assert_eq!(totals, [18, 12, 9, 4]);
        let times: Vec<DateTime<Utc>> =
            rows.iter().map(|r| instant(&r["administeredAt"])).collect();
        assert!(times.windows(2).all(|w| w[0] < w[1]), "{times:?}");
        assert_near(times[0], days_ago(28), Duration::minutes(5));
        for (row, (_, _, expected)) in rows.iter().zip(&steps) {
            for (field, value) in expected.as_object().unwrap() {
                assert_eq!(&row[field], value, "{field} in {row}");
            }
        }
    }
    let res = history(&app, &c, client, "GAD7").await.ok();
    assert!(array(&res, "client.measureHistory").is_empty());
    // Getting better raises nothing.
    assert!(
        alerts_of(&app, &app.therapist(), client, None)
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn a_reliable_deterioration_raises_a_worsening_alert() {
    let app = spawn_app().await;
    let t = app.therapist();
    let client = app.a.client_ids[1];
    let res = submit_at(&app, &t, client, "PHQ9", &answers(9, 10), days_ago(21))
        .await
        .ok();
    assert_scored(
        &res,
        &json!({ "total": 10, "severity": "MODERATE", "reliableChange": null }),
    );
    // +5 is less than the 6 points of reliable change.
    let res = submit_at(&app, &t, client, "PHQ9", &answers(9, 15), days_ago(14))
        .await
        .ok();
    assert_scored(
        &res,
        &json!({ "total": 15, "severity": "MODERATELY_SEVERE", "changeFromBaseline": 5,
                 "changeFromPrevious": 5, "reliableChange": "NO_RELIABLE_CHANGE",
                 "response": false, "remission": false }),
    );
    assert!(alerts_of(&app, &t, client, None).await.is_empty());
    // +6 is.
    let res = submit_at(&app, &t, client, "PHQ9", &answers(9, 16), days_ago(7))
        .await
        .ok();
    assert_scored(
        &res,
        &json!({ "total": 16, "changeFromBaseline": 6, "changeFromPrevious": 1,
                 "reliableChange": "RELIABLE_DETERIORATION", "response": false,
                 "remission": false, "safetyFlag": false }),
    );
    assert!(array(&res, "submitMeasure.crisisResources").is_empty());
    let measure_id = string(&res, "submitMeasure.measure.id");

    let alerts = alerts_of(&app, &t, client, None).await;
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    let alert = &alerts[0];
    assert_eq!(alert["kind"], "WORSENING");
    assert_eq!(alert["status"], "OPEN");
    assert_eq!(alert["measureId"], measure_id.as_str());
    assert_eq!(alert["client"]["id"], client.to_string().as_str());
    assert!(!alert["reason"].as_str().unwrap().trim().is_empty());
    assert_near(
        instant(&alert["raisedAt"]),
        Utc::now(),
        Duration::minutes(5),
    );
    assert_eq!(alert["acknowledgedAt"], Value::Null);
    assert_eq!(alert["resolvedAt"], Value::Null);
    assert_eq!(alert["resolutionNote"], Value::Null);

    let listed = alert_nodes(&alert_list(&app, &t, Some("OPEN"), 10, None).await.ok());
    assert_eq!(
        kinds_and_clients(&listed),
        [("WORSENING".to_owned(), client.to_string())]
    );
    assert_eq!(
        events_starting(&app, client, "ALERT").await,
        ["ALERT_RAISED"]
    );
    assert_eq!(
        events_starting(&app, client, "MEASURE_SUBMITTED")
            .await
            .len(),
        3
    );
}

#[tokio::test]
async fn gad7_reliable_change_is_four_points_and_has_no_remission() {
    let app = spawn_app().await;
    let c = app.client();
    let t = app.therapist();
    let client = app.a.client_ids[0];
    let steps = [
        (
            40,
            12,
            json!({ "severity": "MODERATE", "changeFromBaseline": null, "reliableChange": null,
                    "response": null, "remission": null }),
        ),
        (
            30,
            8,
            json!({ "severity": "MILD", "changeFromBaseline": -4, "changeFromPrevious": -4,
                    "reliableChange": "RELIABLE_IMPROVEMENT", "response": false,
                    "remission": null }),
        ),
        (
            20,
            6,
            json!({ "severity": "MILD", "changeFromBaseline": -6, "changeFromPrevious": -2,
                    "reliableChange": "RELIABLE_IMPROVEMENT", "response": true,
                    "remission": null }),
        ),
        (
            10,
            15,
            json!({ "severity": "SEVERE", "changeFromBaseline": 3, "changeFromPrevious": 9,
                    "reliableChange": "NO_RELIABLE_CHANGE", "response": false,
                    "remission": null }),
        ),
    ];
    for (days, total, expected) in &steps {
        let res = submit_at(
            &app,
            &c,
            client,
            "GAD7",
            &answers(7, *total),
            days_ago(*days),
        )
        .await
        .ok();
        assert_scored(&res, &json!({ "total": total }));
        assert_scored(&res, expected);
    }
    assert!(alerts_of(&app, &t, client, None).await.is_empty());
    let res = submit_at(&app, &c, client, "GAD7", &answers(7, 16), days_ago(1))
        .await
        .ok();
    assert_scored(
        &res,
        &json!({ "total": 16, "severity": "SEVERE", "changeFromBaseline": 4,
                 "changeFromPrevious": 1, "reliableChange": "RELIABLE_DETERIORATION",
                 "remission": null }),
    );
    let alerts = alerts_of(&app, &t, client, None).await;
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0]["kind"], "WORSENING");
    assert_eq!(
        alerts[0]["measureId"],
        string(&res, "submitMeasure.measure.id").as_str()
    );
    let res = history(&app, &t, client, "GAD7").await.ok();
    let totals: Vec<i64> = array(&res, "client.measureHistory")
        .iter()
        .map(|r| r["total"].as_i64().unwrap())
        .collect();
    assert_eq!(totals, [12, 8, 6, 15, 16]);
}

// ---------------------------------------------------------------------------------------------
// PHQ-9 item 9: the safety flag and crisis lines
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn item_9_sets_the_safety_flag_raises_a_safety_alert_and_offers_the_built_in_line() {
    let app = spawn_app().await;
    let c = app.client();
    let t = app.therapist();
    let client = app.a.client_ids[0];
    // Another practice's crisis line is not this practice's.
    create_crisis_line(&app, &app.other_practice_therapist(), "Practice B Line").await;

    let res = submit(&app, &c, client, "PHQ9", &phq9(5, 1)).await.ok();
    assert_scored(
        &res,
        &json!({ "total": 6, "severity": "MILD", "safetyFlag": true }),
    );
    let crisis = array(&res, "submitMeasure.crisisResources");
    assert_eq!(crisis.len(), 1, "{}", res.0);
    assert_eq!(crisis[0]["builtIn"], true);
    assert!(!crisis[0]["title"].as_str().unwrap().trim().is_empty());
    assert!(!crisis[0]["description"].as_str().unwrap().trim().is_empty());
    let measure_id = string(&res, "submitMeasure.measure.id");

    let alerts = alerts_of(&app, &t, client, Some("OPEN")).await;
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0]["kind"], "SAFETY");
    assert_eq!(alerts[0]["status"], "OPEN");
    assert_eq!(alerts[0]["measureId"], measure_id.as_str());
    assert_eq!(alerts[0]["client"]["id"], client.to_string().as_str());
    assert!(!alerts[0]["reason"].as_str().unwrap().trim().is_empty());
    assert_eq!(
        events_starting(&app, client, "ALERT").await,
        ["ALERT_RAISED"]
    );
    let res = history(&app, &t, client, "PHQ9").await.ok();
    assert_eq!(res.data("client.measureHistory.0.safetyFlag"), true);
}

#[tokio::test]
async fn the_practices_crisis_lines_replace_the_built_in_default() {
    let app = spawn_app().await;
    let c = app.client();
    let t = app.therapist();
    let client = app.a.client_ids[0];
    let res = submit(&app, &c, client, "PHQ9", &phq9(3, 1)).await.ok();
    let crisis = array(&res, "submitMeasure.crisisResources");
    assert_eq!(crisis.len(), 1, "{}", res.0);
    assert_eq!(crisis[0]["builtIn"], true);

    create_crisis_line(&app, &t, "Riverside Crisis Line").await;
    create_crisis_line(&app, &t, "Northside Crisis Text Line").await;
    // Only CRISIS_LINE resources count.
    mutate(
        &app,
        &t,
        "createResource",
        "CreateResourceInput",
        json!({ "title": "Feeling Good", "kind": "BOOK", "description": "CBT classic." }),
        "resource { id }",
    )
    .await
    .ok();

    let res = submit(&app, &c, client, "PHQ9", &phq9(3, 2)).await.ok();
    assert_eq!(res.data("submitMeasure.safetyFlag"), true);
    let crisis = array(&res, "submitMeasure.crisisResources");
    let mut titles: Vec<&str> = crisis
        .iter()
        .map(|r| r["title"].as_str().unwrap())
        .collect();
    titles.sort_unstable();
    assert_eq!(
        titles,
        ["Northside Crisis Text Line", "Riverside Crisis Line"],
        "{}",
        res.0
    );
    assert!(crisis.iter().all(|r| r["builtIn"] == false), "{}", res.0);
    assert!(
        crisis
            .iter()
            .all(|r| r["description"] == "Call any time, day or night."),
        "{}",
        res.0
    );
}

#[tokio::test]
async fn a_second_item_9_answer_the_same_day_adds_no_second_safety_alert() {
    let app = spawn_app().await;
    let c = app.client();
    let t = app.therapist();
    let client = app.a.client_ids[0];
    let first = submit(&app, &c, client, "PHQ9", &phq9(4, 1)).await.ok();
    let second = submit(&app, &c, client, "PHQ9", &phq9(4, 3)).await.ok();
    // Both are flagged and both show crisis lines...
    for res in [&first, &second] {
        assert_eq!(res.data("submitMeasure.safetyFlag"), true);
        assert!(!array(res, "submitMeasure.crisisResources").is_empty());
    }
    // ...but the care team has one open SAFETY alert, from the first.
    let alerts = alerts_of(&app, &t, client, Some("OPEN")).await;
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0]["kind"], "SAFETY");
    assert_eq!(
        alerts[0]["measureId"],
        string(&first, "submitMeasure.measure.id").as_str()
    );
    assert_eq!(app.count("alert").await, 1);
    assert_eq!(
        events_starting(&app, client, "ALERT").await,
        ["ALERT_RAISED"]
    );
    assert_eq!(
        events_starting(&app, client, "MEASURE_SUBMITTED")
            .await
            .len(),
        2
    );
}

#[tokio::test]
async fn without_a_safety_answer_there_is_no_flag_and_no_crisis_line() {
    let app = spawn_app().await;
    let c = app.client();
    let client = app.a.client_ids[0];
    let res = submit(&app, &c, client, "PHQ9", &phq9(24, 0)).await.ok();
    assert_scored(
        &res,
        &json!({ "total": 24, "severity": "SEVERE", "safetyFlag": false }),
    );
    assert_eq!(res.data("submitMeasure.crisisResources"), &json!([]));
    // GAD-7 has no safety item, whatever the answers.
    let res = submit(&app, &c, client, "GAD7", &answers(7, 21)).await.ok();
    assert_scored(&res, &json!({ "total": 21, "safetyFlag": false }));
    assert_eq!(res.data("submitMeasure.crisisResources"), &json!([]));
    assert_eq!(app.count("alert").await, 0);
    assert!(
        alerts_of(&app, &app.therapist(), client, None)
            .await
            .is_empty()
    );
}

// ---------------------------------------------------------------------------------------------
// Practice settings
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn an_admin_sets_the_practices_thresholds_and_the_instruments_show_them() {
    let app = spawn_app().await;
    let settings = format!("{{ measureSettings {{ {SETTINGS_FIELDS} }} }}");
    let res = app
        .gql(Some(&app.therapist()), &settings, json!({}))
        .await
        .ok();
    assert_eq!(
        res.data("measureSettings"),
        &json!({ "phq9ReliableChange": 6, "gad7ReliableChange": 4, "safetyItemThreshold": 1 })
    );
    let res = update_settings(&app, &app.admin(), 5, 3, 2).await.ok();
    let expected =
        json!({ "phq9ReliableChange": 5, "gad7ReliableChange": 3, "safetyItemThreshold": 2 });
    assert_eq!(res.data("updateMeasureSettings.settings"), &expected);
    let res = app
        .gql(Some(&app.therapist()), &settings, json!({}))
        .await
        .ok();
    assert_eq!(res.data("measureSettings"), &expected);
    assert_eq!(
        reliable_change_points(&app, &app.therapist(), "PHQ9").await,
        5
    );
    assert_eq!(
        reliable_change_points(&app, &app.therapist(), "GAD7").await,
        3
    );
    // Practice B keeps the published defaults.
    let b = app.other_practice_therapist();
    assert_eq!(reliable_change_points(&app, &b, "PHQ9").await, 6);
    assert_eq!(reliable_change_points(&app, &b, "GAD7").await, 4);
    let res = app.gql(Some(&b), &settings, json!({})).await.ok();
    assert_eq!(res.data("measureSettings.safetyItemThreshold"), 1);
    // Settings are for staff.
    assert_eq!(
        app.gql(Some(&app.client()), &settings, json!({}))
            .await
            .code(),
        "FORBIDDEN"
    );
}

#[tokio::test]
async fn the_safety_item_threshold_decides_which_item_9_answers_flag() {
    let app = spawn_app().await;
    update_settings(&app, &app.admin(), 6, 4, 2).await.ok();
    let c = app.client();
    let t = app.therapist();
    let client = app.a.client_ids[0];
    let res = submit(&app, &c, client, "PHQ9", &phq9(6, 1)).await.ok();
    assert_scored(&res, &json!({ "total": 7, "safetyFlag": false }));
    assert_eq!(res.data("submitMeasure.crisisResources"), &json!([]));
    assert!(alerts_of(&app, &t, client, None).await.is_empty());

    let res = submit(&app, &c, client, "PHQ9", &phq9(6, 2)).await.ok();
    assert_scored(&res, &json!({ "total": 8, "safetyFlag": true }));
    assert!(!array(&res, "submitMeasure.crisisResources").is_empty());
    let alerts = alerts_of(&app, &t, client, None).await;
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0]["kind"], "SAFETY");

    // Practice B still flags an answer of 1.
    let b_client = app.b.client_ids[0];
    let res = submit(
        &app,
        &app.other_practice_therapist(),
        b_client,
        "PHQ9",
        &phq9(6, 1),
    )
    .await
    .ok();
    assert_eq!(res.data("submitMeasure.safetyFlag"), true);
}

#[tokio::test]
async fn the_reliable_change_setting_decides_what_counts_as_reliable() {
    let app = spawn_app().await;
    update_settings(&app, &app.admin(), 5, 4, 1).await.ok();
    let t = app.therapist();
    let client = app.a.client_ids[1];
    submit_at(&app, &t, client, "PHQ9", &answers(9, 15), days_ago(14))
        .await
        .ok();
    let res = submit_at(&app, &t, client, "PHQ9", &answers(9, 10), days_ago(7))
        .await
        .ok();
    assert_scored(
        &res,
        &json!({ "changeFromBaseline": -5, "reliableChange": "RELIABLE_IMPROVEMENT" }),
    );
    let res = submit(&app, &t, client, "PHQ9", &answers(9, 20)).await.ok();
    assert_scored(
        &res,
        &json!({ "changeFromBaseline": 5, "reliableChange": "RELIABLE_DETERIORATION" }),
    );
    let alerts = alerts_of(&app, &t, client, None).await;
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0]["kind"], "WORSENING");

    // The same drop in practice B, on the default 6 points, is not reliable.
    let b = app.other_practice_therapist();
    let b_client = app.b.client_ids[0];
    submit_at(&app, &b, b_client, "PHQ9", &answers(9, 15), days_ago(14))
        .await
        .ok();
    let res = submit_at(&app, &b, b_client, "PHQ9", &answers(9, 10), days_ago(7))
        .await
        .ok();
    assert_scored(
        &res,
        &json!({ "changeFromBaseline": -5, "reliableChange": "NO_RELIABLE_CHANGE" }),
    );
}

#[tokio::test]
async fn only_a_practice_admin_changes_thresholds_and_only_within_range() {
    let app = spawn_app().await;
    for token in [app.therapist(), app.client()] {
        assert_eq!(
            update_settings(&app, &token, 5, 4, 2).await.code(),
            "FORBIDDEN"
        );
    }
    let admin = app.admin();
    for ((phq9_points, gad7_points, threshold), field) in [
        ((0, 4, 1), "input.phq9ReliableChange"),
        ((28, 4, 1), "input.phq9ReliableChange"),
        ((6, 0, 1), "input.gad7ReliableChange"),
        ((6, 22, 1), "input.gad7ReliableChange"),
        ((6, 4, 0), "input.safetyItemThreshold"),
        ((6, 4, 4), "input.safetyItemThreshold"),
    ] {
        let res = update_settings(&app, &admin, phq9_points, gad7_points, threshold).await;
        assert_eq!(
            res.code(),
            "BAD_USER_INPUT",
            "{phq9_points} {gad7_points} {threshold}"
        );
        assert_eq!(
            res.field(),
            field,
            "{phq9_points} {gad7_points} {threshold}"
        );
    }
    // Nothing changed.
    let res = app
        .gql(
            Some(&app.therapist()),
            &format!("{{ measureSettings {{ {SETTINGS_FIELDS} }} }}"),
            json!({}),
        )
        .await
        .ok();
    assert_eq!(
        res.data("measureSettings"),
        &json!({ "phq9ReliableChange": 6, "gad7ReliableChange": 4, "safetyItemThreshold": 1 })
    );
    // The ends of the ranges are allowed.
    update_settings(&app, &admin, 27, 21, 3).await.ok();
    update_settings(&app, &admin, 1, 1, 1).await.ok();
}

// ---------------------------------------------------------------------------------------------
// The alert lifecycle
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn an_alert_is_acknowledged_then_resolved_with_a_note() {
    let app = spawn_app().await;
    let t = app.therapist();
    let client = app.a.client_ids[0];
    submit(&app, &app.client(), client, "PHQ9", &phq9(0, 1))
        .await
        .ok();
    let open = alerts_of(&app, &t, client, Some("OPEN")).await;
    assert_eq!(open.len(), 1, "{open:?}");
    let id = open[0]["id"].as_str().unwrap().to_owned();
    let raised_version = open[0]["version"].as_i64().unwrap();

    let res = acknowledge(&app, &t, &id).await.ok();
    let alert = res.data("acknowledgeAlert.alert");
    assert_eq!(alert["id"], id.as_str());
    assert_eq!(alert["status"], "ACKNOWLEDGED");
    assert_near(
        instant(&alert["acknowledgedAt"]),
        Utc::now(),
        Duration::minutes(5),
    );
    assert_eq!(alert["resolvedAt"], Value::Null);
    assert!(alert["version"].as_i64().unwrap() > raised_version);
    assert_eq!(acknowledge(&app, &t, &id).await.code(), "CONFLICT");

    for note in [String::new(), "n".repeat(2001)] {
        let res = resolve(&app, &t, &id, &note).await;
        assert_eq!(res.code(), "BAD_USER_INPUT", "{} chars", note.len());
        assert_eq!(res.field(), "input.note");
    }
    let still = alerts_of(&app, &t, client, Some("ACKNOWLEDGED")).await;
    assert_eq!(still.len(), 1);
    assert_eq!(still[0]["resolutionNote"], Value::Null);

    let note = "Called Casey the same day; safety plan reviewed, no current intent.";
    let res = resolve(&app, &t, &id, note).await.ok();
    let alert = res.data("resolveAlert.alert");
    assert_eq!(alert["status"], "RESOLVED");
    assert_eq!(alert["resolutionNote"], note);
    assert_near(
        instant(&alert["resolvedAt"]),
        Utc::now(),
        Duration::minutes(5),
    );
    assert_eq!(resolve(&app, &t, &id, "again").await.code(), "CONFLICT");
    assert_eq!(acknowledge(&app, &t, &id).await.code(), "CONFLICT");

    assert!(alerts_of(&app, &t, client, Some("OPEN")).await.is_empty());
    let resolved = alerts_of(&app, &t, client, Some("RESOLVED")).await;
    assert_eq!(resolved.len(), 1);
    assert_eq!(resolved[0]["resolutionNote"], note);
    assert_eq!(
        events_starting(&app, client, "ALERT").await,
        ["ALERT_RAISED", "ALERT_ACKNOWLEDGED", "ALERT_RESOLVED"]
    );
}

#[tokio::test]
async fn only_an_unresolved_alert_holds_back_another_the_same_day() {
    let app = spawn_app().await;
    let c = app.client();
    let t = app.therapist();
    let client = app.a.client_ids[0];
    submit(&app, &c, client, "PHQ9", &phq9(2, 1)).await.ok();
    let first = alerts_of(&app, &t, client, None).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // ACKNOWLEDGED is still unresolved: no second alert.
    acknowledge(&app, &t, &first).await.ok();
    let res = submit(&app, &c, client, "PHQ9", &phq9(2, 2)).await.ok();
    assert_eq!(res.data("submitMeasure.safetyFlag"), true);
    assert_eq!(app.count("alert").await, 1);
    assert!(alerts_of(&app, &t, client, Some("OPEN")).await.is_empty());

    // Once resolved, the next item 9 answer the same day raises a new alert.
    resolve(&app, &t, &first, "Reviewed with the client in session.")
        .await
        .ok();
    let res = submit(&app, &c, client, "PHQ9", &phq9(2, 1)).await.ok();
    let measure_id = string(&res, "submitMeasure.measure.id");
    let open = alerts_of(&app, &t, client, Some("OPEN")).await;
    assert_eq!(open.len(), 1, "{open:?}");
    assert_ne!(open[0]["id"], first.as_str());
    assert_eq!(open[0]["kind"], "SAFETY");
    assert_eq!(open[0]["measureId"], measure_id.as_str());
    assert_eq!(app.count("alert").await, 2);
    assert_eq!(alerts_of(&app, &t, client, None).await.len(), 2);

    // An OPEN alert can be resolved directly.
    let second = open[0]["id"].as_str().unwrap().to_owned();
    let res = resolve(&app, &t, &second, "Crisis plan updated.")
        .await
        .ok();
    assert_eq!(res.data("resolveAlert.alert.status"), "RESOLVED");
    assert_eq!(
        events_starting(&app, client, "ALERT").await,
        [
            "ALERT_RAISED",
            "ALERT_ACKNOWLEDGED",
            "ALERT_RESOLVED",
            "ALERT_RAISED",
            "ALERT_RESOLVED"
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// Alert lists and who sees alerts
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_alert_list_puts_the_most_severe_first_then_the_oldest() {
    let app = spawn_app().await;
    let t = app.therapist();
    let (c0, c1) = (app.a.client_ids[0], app.a.client_ids[1]);
    // 1. WORSENING for client 1 (the oldest alert).
    submit_at(&app, &t, c1, "GAD7", &answers(7, 5), days_ago(7))
        .await
        .ok();
    let res = submit(&app, &t, c1, "GAD7", &answers(7, 9)).await.ok();
    assert_eq!(
        res.data("submitMeasure.reliableChange"),
        "RELIABLE_DETERIORATION"
    );
    // 2. SAFETY for client 0.
    submit(&app, &app.client(), c0, "PHQ9", &phq9(0, 1))
        .await
        .ok();
    // 3. SAFETY for client 1.
    submit(&app, &t, c1, "PHQ9", &phq9(2, 2)).await.ok();
    // 4. WORSENING for client 0 (the newest).
    submit_at(&app, &t, c0, "GAD7", &answers(7, 3), days_ago(7))
        .await
        .ok();
    submit(&app, &t, c0, "GAD7", &answers(7, 7)).await.ok();

    let base = Utc::now() - Duration::minutes(10);
    for (n, (client, kind)) in [
        (c1, "WORSENING"),
        (c0, "SAFETY"),
        (c1, "SAFETY"),
        (c0, "WORSENING"),
    ]
    .into_iter()
    .enumerate()
    {
        raised_at(&app, client, kind, base + Duration::minutes(n as i64)).await;
    }

    let (c0s, c1s) = (c0.to_string(), c1.to_string());
    let expected = vec![
        ("SAFETY".to_owned(), c0s.clone()),
        ("SAFETY".to_owned(), c1s.clone()),
        ("WORSENING".to_owned(), c1s.clone()),
        ("WORSENING".to_owned(), c0s.clone()),
    ];
    let res = alert_list(&app, &t, Some("OPEN"), 10, None).await.ok();
    assert_eq!(kinds_and_clients(&alert_nodes(&res)), expected);
    assert_eq!(res.data("alerts.pageInfo.hasNextPage"), false);
    // Client.alerts orders the same way.
    assert_eq!(
        kinds_and_clients(&alerts_of(&app, &t, c1, None).await),
        [
            ("SAFETY".to_owned(), c1s.clone()),
            ("WORSENING".to_owned(), c1s.clone())
        ]
    );

    // Paging forward keeps the order.
    let page1 = alert_list(&app, &t, Some("OPEN"), 2, None).await.ok();
    assert_eq!(kinds_and_clients(&alert_nodes(&page1)), expected[..2]);
    assert_eq!(page1.data("alerts.pageInfo.hasNextPage"), true);
    let cursor = string(&page1, "alerts.pageInfo.endCursor");
    let page2 = alert_list(&app, &t, Some("OPEN"), 2, Some(&cursor))
        .await
        .ok();
    assert_eq!(kinds_and_clients(&alert_nodes(&page2)), expected[2..]);
    assert_eq!(page2.data("alerts.pageInfo.hasNextPage"), false);

    // The status filter.
    let safety_c1 = alert_nodes(&res)[1]["id"].as_str().unwrap().to_owned();
    acknowledge(&app, &t, &safety_c1).await.ok();
    let open = alert_list(&app, &t, Some("OPEN"), 10, None).await.ok();
    assert_eq!(
        kinds_and_clients(&alert_nodes(&open)),
        [
            expected[0].clone(),
            expected[2].clone(),
            expected[3].clone()
        ]
    );
    let acknowledged = alert_nodes(
        &alert_list(&app, &t, Some("ACKNOWLEDGED"), 10, None)
            .await
            .ok(),
    );
    assert_eq!(acknowledged.len(), 1);
    assert_eq!(acknowledged[0]["id"], safety_c1.as_str());
    let all = alert_nodes(&alert_list(&app, &t, None, 10, None).await.ok());
    assert_eq!(all.len(), 4);
}

#[tokio::test]
async fn alerts_stay_within_the_care_team_and_the_practice() {
    let app = spawn_app().await;
    let (mine, theirs, other_practice) = (
        app.a.client_ids[0],
        app.a.client_ids[2],
        app.b.client_ids[0],
    );
    submit(&app, &app.client(), mine, "PHQ9", &phq9(0, 1))
        .await
        .ok();
    submit(&app, &app.client2(), theirs, "PHQ9", &phq9(0, 1))
        .await
        .ok();
    submit(
        &app,
        &app.other_practice_therapist(),
        other_practice,
        "PHQ9",
        &phq9(0, 1),
    )
    .await
    .ok();
    for (token, client) in [
        (app.therapist(), mine),
        (app.therapist2(), theirs),
        (app.other_practice_therapist(), other_practice),
    ] {
        let listed = alert_nodes(&alert_list(&app, &token, None, 10, None).await.ok());
        assert_eq!(
            kinds_and_clients(&listed),
            [("SAFETY".to_owned(), client.to_string())]
        );
    }
    let alert = alerts_of(&app, &app.therapist(), mine, None).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for token in [app.therapist2(), app.other_practice_therapist()] {
        assert_eq!(
            client_alerts(&app, &token, mine, None).await.code(),
            "NOT_FOUND"
        );
        assert_eq!(acknowledge(&app, &token, &alert).await.code(), "NOT_FOUND");
        assert_eq!(
            resolve(&app, &token, &alert, "not mine").await.code(),
            "NOT_FOUND"
        );
    }
    let still = alerts_of(&app, &app.therapist(), mine, None).await;
    assert_eq!(still[0]["status"], "OPEN");
    assert_eq!(events_starting(&app, mine, "ALERT").await, ["ALERT_RAISED"]);
}

#[tokio::test]
async fn clients_cannot_see_or_act_on_alerts() {
    let app = spawn_app().await;
    let c = app.client();
    let client = app.a.client_ids[0];
    submit(&app, &c, client, "PHQ9", &phq9(0, 2)).await.ok();
    let before = alerts_of(&app, &app.therapist(), client, None).await;
    assert_eq!(before.len(), 1);
    let id = before[0]["id"].as_str().unwrap().to_owned();

    assert_eq!(
        alert_list(&app, &c, None, 10, None).await.code(),
        "FORBIDDEN"
    );
    assert_eq!(
        client_alerts(&app, &c, client, None).await.code(),
        "FORBIDDEN"
    );
    for res in [
        acknowledge(&app, &c, &id).await,
        resolve(&app, &c, &id, "I'm fine now").await,
    ] {
        assert!(
            ["FORBIDDEN", "NOT_FOUND"].contains(&res.code()),
            "{}",
            res.0
        );
    }
    let after = alerts_of(&app, &app.therapist(), client, None).await;
    assert_eq!(after, before);
    assert_eq!(
        events_starting(&app, client, "ALERT").await,
        ["ALERT_RAISED"]
    );
    // Nor does the client's own activity log show that an alert was raised; the care
    // team's does.
    let activity =
        "query($id: ID!) { client(id: $id) { activity(first: 100) { edges { node { kind } } } } }";
    let kinds = |res: Gql| -> Vec<String> {
        res.data("client.activity.edges")
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["kind"].as_str().unwrap().to_owned())
            .collect()
    };
    let own = kinds(
        app.gql(Some(&c), activity, json!({ "id": client }))
            .await
            .ok(),
    );
    assert!(own.contains(&"MEASURE_SUBMITTED".to_owned()), "{own:?}");
    assert!(!own.iter().any(|k| k.starts_with("ALERT")), "{own:?}");
    let team = kinds(
        app.gql(Some(&app.therapist()), activity, json!({ "id": client }))
            .await
            .ok(),
    );
    assert!(team.contains(&"ALERT_RAISED".to_owned()), "{team:?}");
}

// ---------------------------------------------------------------------------------------------
// Assigned measures
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn an_assigned_measure_is_due_until_it_is_completed() {
    let app = spawn_app().await;
    let t = app.therapist();
    let c = app.client();
    let client = app.a.client_ids[0];
    let res = assign(&app, &t, client, "PHQ9", 14).await.ok();
    let assignment = res.data("assignMeasure.assignment").clone();
    assert_eq!(assignment["instrument"], "PHQ9");
    assert_eq!(assignment["everyDays"], 14);
    assert_eq!(assignment["lastAdministeredAt"], Value::Null);
    assert_eq!(assignment["due"], true);

    // Never administered: due, for the care team and for the client.
    for token in [t.clone(), c.clone()] {
        let res = measures_due(&app, &token, client).await.ok();
        let due = array(&res, "client.measuresDue");
        assert_eq!(due.len(), 1, "{}", res.0);
        assert_eq!(due[0]["id"], assignment["id"]);
        assert_eq!(due[0]["instrument"], "PHQ9");
        assert_eq!(due[0]["due"], true);
    }
    assert_eq!(
        events_starting(&app, client, "MEASURE_ASSIGNED").await,
        ["MEASURE_ASSIGNED"]
    );

    // Completing it makes it not due for another 14 days.
    submit(&app, &c, client, "PHQ9", &answers(9, 7)).await.ok();
    let res = measures_due(&app, &t, client).await.ok();
    assert_eq!(res.data("client.measuresDue"), &json!([]));
    let res = assign(&app, &t, client, "PHQ9", 14).await.ok();
    let assignment = res.data("assignMeasure.assignment");
    assert_eq!(assignment["due"], false);
    assert_near(
        instant(&assignment["lastAdministeredAt"]),
        Utc::now(),
        Duration::minutes(5),
    );
    assert_near(
        instant(&assignment["dueAt"]),
        Utc::now() + Duration::days(14),
        Duration::hours(2),
    );
    // Assigning again changes the interval rather than adding an assignment.
    let res = assign(&app, &t, client, "PHQ9", 7).await.ok();
    assert_eq!(res.data("assignMeasure.assignment.everyDays"), 7);
    assert_near(
        instant(res.data("assignMeasure.assignment.dueAt")),
        Utc::now() + Duration::days(7),
        Duration::hours(2),
    );
    assert_eq!(app.count("measure_assignment").await, 1);
}

#[tokio::test]
async fn measures_due_lists_the_most_overdue_first() {
    let app = spawn_app().await;
    let t = app.therapist();
    let client = app.a.client_ids[1];
    let phq9_at = days_ago(20);
    let gad7_at = days_ago(30);
    submit_at(&app, &t, client, "PHQ9", &answers(9, 12), phq9_at)
        .await
        .ok();
    submit_at(&app, &t, client, "GAD7", &answers(7, 9), gad7_at)
        .await
        .ok();
    assign(&app, &t, client, "PHQ9", 14).await.ok();
    assign(&app, &t, client, "GAD7", 14).await.ok();
    let res = measures_due(&app, &t, client).await.ok();
    let due = array(&res, "client.measuresDue");
    let instruments: Vec<&str> = due
        .iter()
        .map(|d| d["instrument"].as_str().unwrap())
        .collect();
    assert_eq!(instruments, ["GAD7", "PHQ9"], "{}", res.0);
    assert!(due.iter().all(|d| d["due"] == true));
    assert_near(
        instant(&due[0]["dueAt"]),
        gad7_at + Duration::days(14),
        Duration::hours(2),
    );
    assert_near(
        instant(&due[1]["dueAt"]),
        phq9_at + Duration::days(14),
        Duration::hours(2),
    );
    // Every 28 days, the PHQ-9 done 20 days ago is not due yet.
    assign(&app, &t, client, "PHQ9", 28).await.ok();
    let res = measures_due(&app, &t, client).await.ok();
    let instruments: Vec<&str> = array(&res, "client.measuresDue")
        .iter()
        .map(|d| d["instrument"].as_str().unwrap())
        .collect();
    assert_eq!(instruments, ["GAD7"]);
}

#[tokio::test]
async fn only_the_care_team_assigns_measures_every_1_to_365_days() {
    let app = spawn_app().await;
    let t = app.therapist();
    let client = app.a.client_ids[0];
    for days in [0, -1, 366] {
        let res = assign(&app, &t, client, "PHQ9", days).await;
        assert_eq!(res.code(), "BAD_USER_INPUT", "{days}");
        assert_eq!(res.field(), "input.everyDays", "{days}");
    }
    assert_eq!(
        assign(&app, &app.client(), client, "PHQ9", 14).await.code(),
        "FORBIDDEN"
    );
    for token in [app.therapist2(), app.other_practice_therapist()] {
        assert_eq!(
            assign(&app, &token, client, "PHQ9", 14).await.code(),
            "NOT_FOUND"
        );
    }
    assert_eq!(app.count("measure_assignment").await, 0);
    assert!(
        events_starting(&app, client, "MEASURE_ASSIGNED")
            .await
            .is_empty()
    );
    assign(&app, &t, client, "PHQ9", 365).await.ok();
    assign(&app, &t, client, "GAD7", 1).await.ok();
    assert_eq!(app.count("measure_assignment").await, 2);
}

// ---------------------------------------------------------------------------------------------
// Scope
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn clients_submit_and_read_only_their_own_measures() {
    let app = spawn_app().await;
    let c = app.client();
    let own = app.a.client_ids[0];
    // Item 9 answered, so a wrongly accepted submission would also raise an alert.
    for (token, client) in [
        (c.clone(), app.a.client_ids[1]),
        (c.clone(), app.a.client_ids[2]),
        (c.clone(), app.b.client_ids[0]),
        (app.client2(), own),
    ] {
        let res = submit(&app, &token, client, "PHQ9", &phq9(4, 2)).await;
        assert_eq!(res.code(), "NOT_FOUND", "{client}");
    }
    assert_eq!(app.count("measure_response").await, 0);
    assert_eq!(app.count("alert").await, 0);

    let res = submit(&app, &c, own, "PHQ9", &answers(9, 8)).await.ok();
    assert_eq!(res.data("submitMeasure.measure.submittedByRole"), "CLIENT");
    assert_eq!(
        history(&app, &app.client2(), own, "PHQ9").await.code(),
        "NOT_FOUND"
    );
    let res = history(&app, &c, own, "PHQ9").await.ok();
    assert_eq!(array(&res, "client.measureHistory").len(), 1);
}

#[tokio::test]
async fn staff_outside_the_care_team_cannot_submit_or_read_measures() {
    let app = spawn_app().await;
    let client = app.a.client_ids[0];
    submit(&app, &app.client(), client, "GAD7", &answers(7, 6))
        .await
        .ok();
    for token in [app.therapist2(), app.other_practice_therapist()] {
        assert_eq!(
            submit(&app, &token, client, "PHQ9", &phq9(4, 2))
                .await
                .code(),
            "NOT_FOUND"
        );
        assert_eq!(
            history(&app, &token, client, "GAD7").await.code(),
            "NOT_FOUND"
        );
        assert_eq!(measures_due(&app, &token, client).await.code(), "NOT_FOUND");
    }
    assert_eq!(app.count("measure_response").await, 1);
    assert_eq!(app.count("alert").await, 0);
}

#[tokio::test]
async fn a_therapist_submits_in_session_for_their_client() {
    let app = spawn_app().await;
    let t = app.therapist();
    let c = app.client();
    let client = app.a.client_ids[0];
    let res = submit_at(&app, &t, client, "PHQ9", &answers(9, 14), days_ago(7))
        .await
        .ok();
    assert_eq!(
        res.data("submitMeasure.measure.submittedByRole"),
        "THERAPIST"
    );
    // One history: the client's own answers are scored against the in-session baseline.
    let res = submit(&app, &c, client, "PHQ9", &answers(9, 8)).await.ok();
    assert_scored(
        &res,
        &json!({ "changeFromBaseline": -6, "reliableChange": "RELIABLE_IMPROVEMENT" }),
    );
    let res = history(&app, &c, client, "PHQ9").await.ok();
    let roles: Vec<&str> = array(&res, "client.measureHistory")
        .iter()
        .map(|r| r["submittedByRole"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["THERAPIST", "CLIENT"]);
    assert_eq!(
        events_starting(&app, client, "MEASURE_SUBMITTED").await,
        ["MEASURE_SUBMITTED", "MEASURE_SUBMITTED"]
    );
}

#[tokio::test]
async fn integrators_need_clinical_write_to_submit_measures() {
    let app = spawn_app().await;
    let writer = app
        .integrator(&app.a, &[Scope::ClinicalRead, Scope::ClinicalWrite])
        .await;
    // Reading through `client(id)` takes the roster scope too.
    let reader = app
        .integrator(&app.a, &[Scope::ClientsRead, Scope::ClinicalRead])
        .await;
    let client = app.a.client_ids[3];
    let res = submit(&app, &writer, client, "PHQ9", &phq9(6, 1))
        .await
        .ok();
    assert_eq!(
        res.data("submitMeasure.measure.submittedByRole"),
        "INTEGRATOR"
    );
    assert_eq!(res.data("submitMeasure.safetyFlag"), true);
    assert_eq!(
        submit(&app, &reader, client, "PHQ9", &answers(9, 3))
            .await
            .code(),
        "FORBIDDEN"
    );
    let res = history(&app, &reader, client, "PHQ9").await.ok();
    assert_eq!(array(&res, "client.measureHistory").len(), 1);
    let alerts = alerts_of(&app, &reader, client, None).await;
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0]["kind"], "SAFETY");
    let other = app.integrator(&app.b, &[Scope::ClinicalWrite]).await;
    assert_eq!(
        submit(&app, &other, client, "PHQ9", &answers(9, 3))
            .await
            .code(),
        "NOT_FOUND"
    );
    assert_eq!(app.count("measure_response").await, 1);
}
