//! Insights: the momentum score on a prepared history, the caseload dashboard (scope, order,
//! pages and a statement count that does not grow), and the engagement alerts (rules firing
//! once, on demand and periodically, never twice with two evaluators).

use chrono::{DateTime, TimeDelta, Utc};
use futures_util::future::join_all;
use momentum_api::auth::Scope;
use sea_orm::{ColumnTrait as _, EntityTrait as _, PaginatorTrait as _, QueryFilter as _};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    helpers::{TestApp, eventually, spawn_app, spawn_app_with},
    history::{History, noon},
};

const MOMENTUM: &str = "score trend previousScore components { name value weight }
    streakDays daysSinceLastActivity lastActivityAt windowDays";

fn history(app: &TestApp, client_id: Uuid) -> History<'_> {
    History {
        db: &app.db,
        practice_id: app.a.practice_id,
        client_id,
        by: app.a.therapist_ids[0],
    }
}

fn days(n: i64) -> TimeDelta {
    TimeDelta::days(n)
}

async fn momentum(app: &TestApp, token: &str, client: Uuid) -> Value {
    let res = app
        .gql(
            Some(token),
            &format!("query($id: ID!) {{ client(id: $id) {{ momentum {{ {MOMENTUM} }} }} }}"),
            json!({ "id": client }),
        )
        .await
        .ok();
    res.data("client.momentum").clone()
}

fn close(a: &Value, b: f64) -> bool {
    a.as_f64().is_some_and(|a| (a - b).abs() < 1e-9)
}

/// The fortnight of the worked example of docs/insights.md, for client 0 (created 60 days ago, UTC).
async fn prepared_fortnight(app: &TestApp, now: DateTime<Utc>) -> Uuid {
    let c = app.a.client_ids[0];
    let h = history(app, c);
    h.created(now - days(60)).await;
    // Homework due in the window: 1 done, 1 partial, 1 not done, 1 not submitted (1.5 of 4).
    h.homework(now - days(2), Some("COMPLETED"), Some(now - days(1)))
        .await;
    h.homework(now - days(4), Some("PARTIAL"), Some(now - days(4)))
        .await;
    h.homework(now - days(6), Some("NOT_DONE"), Some(now - days(6)))
        .await;
    h.homework(now - days(8), None, None).await;
    // Entries on 3 local days (two on the latest): yesterday, and the two days before.
    h.entries(&[
        noon(now, 0),
        noon(now, 0) + TimeDelta::minutes(1),
        noon(now, 1),
        noon(now, 2),
    ])
    .await;
    // Two active goals; one moved in the window.
    let moved = h.goal("ACTIVE", now - days(30)).await;
    h.goal("ACTIVE", now - days(30)).await;
    h.goal("ON_HOLD", now - days(30)).await;
    h.progress(moved, &[now - days(3)]).await;
    // Two check-ins due in the window; one answered.
    h.check_ins(&[
        (now - days(5), Some(now - days(5) + TimeDelta::hours(1))),
        (now - days(3), None),
    ])
    .await;
    c
}

#[tokio::test]
async fn momentum_of_a_prepared_fortnight_has_the_exact_parts_score_and_trend() {
    let app = spawn_app().await;
    let c = prepared_fortnight(&app, Utc::now()).await;
    let m = momentum(&app, &app.therapist(), c).await;
    let parts = m["components"].as_array().unwrap();
    let names: Vec<&str> = parts.iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["HOMEWORK", "TRACKING", "GOALS", "CHECK_INS"]);
    assert!(close(&parts[0]["value"], 1.5 / 4.0), "{m}");
    assert!(close(&parts[1]["value"], 3.0 / 14.0), "{m}");
    assert!(close(&parts[2]["value"], 0.5), "{m}");
    assert!(close(&parts[3]["value"], 0.5), "{m}");
    for (p, w) in parts.iter().zip([0.35, 0.25, 0.25, 0.15]) {
        assert!(close(&p["weight"], w), "{m}");
    }
    // 0.35 * 0.375 + 0.25 * 3/14 + 0.25 * 0.5 + 0.15 * 0.5 = 0.3848
    assert_eq!(m["score"], 38, "{m}");
    // A week earlier: the unsubmitted homework (0 of 1), no entries, no goal moved, no
    // check-ins due (left out): 0.
    assert_eq!(m["previousScore"], 0, "{m}");
    assert_eq!(m["trend"], 38, "{m}");
    assert_eq!(m["streakDays"], 3, "{m}");
    assert_eq!(m["daysSinceLastActivity"], 1, "{m}");
    assert_eq!(m["windowDays"], 14);
}

#[tokio::test]
async fn a_client_created_today_has_no_score_and_nothing_to_show() {
    let app = spawn_app().await;
    let token = app.therapist();
    let c = app.add_clients(&token, 1).await[0];
    let m = momentum(&app, &token, c).await;
    assert_eq!(m["score"], Value::Null, "{m}");
    assert_eq!(m["trend"], Value::Null);
    assert_eq!(m["streakDays"], 0);
    assert_eq!(m["daysSinceLastActivity"], Value::Null);
    assert!(
        m["components"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["value"].is_null() && close(&p["weight"], 0.0)),
        "{m}"
    );
}

#[tokio::test]
async fn a_client_with_nothing_assigned_is_scored_on_tracking_alone() {
    let app = spawn_app().await;
    let now = Utc::now();
    let c = app.a.client_ids[1];
    let h = history(&app, c);
    h.created(now - days(40)).await;
    // Tracked on 7 of the last 14 days, but not yesterday or today: no streak.
    h.entries(&(1..8).map(|d| noon(now, d)).collect::<Vec<_>>())
        .await;
    let m = momentum(&app, &app.therapist(), c).await;
    assert_eq!(m["score"], 50, "{m}");
    let weights: Vec<f64> = m["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["weight"].as_f64().unwrap())
        .collect();
    assert_eq!(weights, [0.0, 1.0, 0.0, 0.0]);
    assert_eq!(m["streakDays"], 0);
    assert_eq!(m["daysSinceLastActivity"], 2);
}

#[tokio::test]
async fn the_score_window_is_configurable() {
    let app = spawn_app_with(|c| c.score_window_days = 7).await;
    let now = Utc::now();
    let c = app.a.client_ids[1];
    let h = history(&app, c);
    h.created(now - days(40)).await;
    h.entries(&(0..7).map(|d| noon(now, d)).collect::<Vec<_>>())
        .await;
    let m = momentum(&app, &app.therapist(), c).await;
    // Yesterday and the 6 days before: 6 whole days of a 7-day window that starts 7 × 24 h
    // ago (the 7th is partly outside it).
    assert_eq!(m["windowDays"], 7);
    assert!(m["score"].as_i64().unwrap() >= 85, "{m}");
    assert_eq!(m["streakDays"], 7);
}

#[tokio::test]
async fn momentum_is_clinical_another_therapist_and_practice_get_not_found() {
    let app = spawn_app().await;
    let c = app.a.client_ids[0];
    for token in [app.therapist2(), app.other_practice_therapist()] {
        let res = app
            .gql(
                Some(&token),
                "query($id: ID!) { client(id: $id) { momentum { score } } }",
                json!({ "id": c }),
            )
            .await;
        assert_eq!(res.code(), "NOT_FOUND", "{:?}", res.0);
    }
    // The client sees their own.
    let own = momentum(&app, &app.client(), c).await;
    assert!(own.get("score").is_some());
}

#[tokio::test]
async fn a_seeded_year_shows_in_the_caseload_and_the_report() {
    let app = spawn_app().await;
    let now = Utc::now();
    let admin = app.admin();
    let report = async || {
        app.gql(
            Some(&admin),
            "query($from: DateTime!, $to: DateTime!) {
                practiceReport(from: $from, to: $to, groupBy: MONTH) {
                    rows { month } totals { homeworkDue homeworkDone measuresAdministered } } }",
            json!({ "from": now - days(365), "to": now }),
        )
        .await
        .ok()
        .data("practiceReport")
        .clone()
    };
    let before = report().await;
    // A therapist's new client, created 400 days ago, with a year of history written by
    // them and their colleague joining the care team.
    let c = app.add_clients(&app.therapist(), 1).await[0];
    let h = history(&app, c);
    h.created(now - days(400)).await;
    let year = h.year(now, 7).await;
    h.care_team(app.a.therapist_ids[1]).await;
    assert!(year.entries > 150 && year.past_occurrences == 52 && year.measures == 24);

    let after = report().await;
    assert!(after["rows"].as_array().unwrap().len() >= 12, "{after}");
    let grew = |field: &str| {
        after["totals"][field].as_f64().unwrap() - before["totals"][field].as_f64().unwrap()
    };
    assert_eq!(grew("homeworkDue"), year.past_occurrences as f64);
    assert_eq!(grew("homeworkDone"), year.homework_done);
    assert_eq!(grew("measuresAdministered"), year.measures as f64);

    for token in [app.therapist(), app.therapist2()] {
        let page = caseload(&app, &token, "NEXT_SESSION", 50, None).await;
        let node = page["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| &e["node"])
            .find(|n| n["client"]["id"] == json!(c))
            .unwrap_or_else(|| panic!("{c} not in {page}"));
        let next: DateTime<Utc> = serde_json::from_value(node["nextSessionAt"].clone()).unwrap();
        assert!(
            (next - year.next_session).abs() < TimeDelta::milliseconds(1),
            "{node}"
        );
        assert_eq!(node["homeworkDue"], 1, "{node}");
        assert_eq!(node["client"]["careTeam"].as_array().unwrap().len(), 2);
        assert!(node["momentum"]["score"].is_u64(), "{node}");
    }
}

const CASELOAD: &str = "query($sort: CaseloadSort, $first: Int, $after: String) {
  caseload(sort: $sort, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node {
      client { id displayName careTeam { id } nextSession { id scheduledAt } momentum { score } }
      momentum { score trend components { name value weight } streakDays daysSinceLastActivity }
      lastActivityAt daysSinceLastActivity openAlerts highestAlertSeverity nextSessionAt
      homeworkDue homeworkOverdue
    } }
  }
}";

async fn caseload(
    app: &TestApp,
    token: &str,
    sort: &str,
    first: i64,
    after: Option<&str>,
) -> Value {
    app.gql(
        Some(token),
        CASELOAD,
        json!({ "sort": sort, "first": first, "after": after }),
    )
    .await
    .ok()
    .data("caseload")
    .clone()
}

fn names(page: &Value) -> Vec<String> {
    page["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            e["node"]["client"]["displayName"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

fn ids(page: &Value) -> Vec<Uuid> {
    page["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| Uuid::parse_str(e["node"]["client"]["id"].as_str().unwrap()).unwrap())
        .collect()
}

#[tokio::test]
async fn caseload_takes_the_same_number_of_statements_for_2_clients_as_for_32() {
    let app = spawn_app().await;
    let token = app.therapist();
    let query = CASELOAD
        .replace("($sort: CaseloadSort, $first: Int, $after: String)", "")
        .replace(
            "caseload(sort: $sort, first: $first, after: $after)",
            "caseload(first: 50)",
        );
    let small = app.fewest_statements_for(&token, &query).await;
    let extra = app.add_clients(&token, 30).await;
    let now = Utc::now();
    for c in &extra[..5] {
        let h = history(&app, *c);
        h.entries(&[noon(now, 0), noon(now, 1)]).await;
        h.homework(now + days(2), None, None).await;
    }
    let page = caseload(&app, &token, "MOMENTUM", 50, None).await;
    assert_eq!(page["totalCount"], 32);
    assert_eq!(page["edges"].as_array().unwrap().len(), 32);
    let large = app.fewest_statements_for(&token, &query).await;
    assert_eq!(small, large, "statements grew with the caseload");
    assert!(large <= 30, "{large} statements");
}

#[tokio::test]
async fn caseload_shows_a_therapist_only_their_care_teams_and_clients_nothing() {
    let app = spawn_app().await;
    let mine = ids(&caseload(&app, &app.therapist(), "MOMENTUM", 50, None).await);
    let mut expected = app.a.client_ids[..2].to_vec();
    expected.sort();
    let mut got = mine.clone();
    got.sort();
    assert_eq!(got, expected);
    let theirs = ids(&caseload(&app, &app.therapist2(), "MOMENTUM", 50, None).await);
    assert!(theirs.iter().all(|c| !mine.contains(c)));
    assert_eq!(theirs.len(), 2);
    // Another practice's therapist sees none of practice A.
    let other = ids(&caseload(&app, &app.other_practice_therapist(), "MOMENTUM", 50, None).await);
    assert!(other.iter().all(|c| !app.a.client_ids.contains(c)));
    // Clients: FORBIDDEN. An admin on no care team: empty. Integrators need CLINICAL_READ.
    let res = app
        .gql(Some(&app.client()), CASELOAD, json!({ "sort": "MOMENTUM" }))
        .await;
    assert_eq!(res.code(), "FORBIDDEN");
    assert_eq!(
        caseload(&app, &app.admin(), "MOMENTUM", 50, None).await["totalCount"],
        0
    );
    let roster_only = app.integrator(&app.a, &[Scope::ClientsRead]).await;
    let res = app
        .gql(Some(&roster_only), CASELOAD, json!({ "sort": "MOMENTUM" }))
        .await;
    assert_eq!(res.code(), "FORBIDDEN");
    let clinical = app.integrator(&app.a, &[Scope::ClinicalRead]).await;
    assert_eq!(
        caseload(&app, &clinical, "MOMENTUM", 50, None).await["totalCount"],
        4
    );
}

#[tokio::test]
async fn caseload_sorts_by_each_key_and_pages_without_overlap() {
    let app = spawn_app().await;
    let token = app.integrator(&app.a, &[Scope::ClinicalRead]).await;
    let now = Utc::now();
    let [c0, c1, c2, c3] = app.a.client_ids;
    for c in app.a.client_ids {
        history(&app, c).created(now - days(30)).await;
    }
    // c1 tracks daily (high score); c2 half the days; c0 and c3 never (score 0).
    history(&app, c1)
        .entries(&(0..14).map(|d| noon(now, d)).collect::<Vec<_>>())
        .await;
    history(&app, c2)
        .entries(&(3..10).map(|d| noon(now, d)).collect::<Vec<_>>())
        .await;
    // c3 has an alert; c2 a session booked.
    let alert = json!({ "input": { "clientId": c3, "instrument": "PHQ9", "answers": [1,1,1,1,1,1,1,1,2] } });
    app.gql(
        Some(&app.therapist2()),
        "mutation($input: SubmitMeasureInput!) { submitMeasure(input: $input) { measure { id } } }",
        alert,
    )
    .await
    .ok();
    app.gql(
        Some(&app.therapist2()),
        "mutation($input: ScheduleSessionInput!) { scheduleSession(input: $input) { session { id } } }",
        json!({ "input": { "clientId": c2, "scheduledAt": (now + days(3)).to_rfc3339() } }),
    )
    .await
    .ok();

    let by = |page: &Value| ids(page);
    let m = caseload(&app, &token, "MOMENTUM", 50, None).await;
    let order = by(&m);
    assert_eq!(&order[2..], &[c2, c1], "lowest score first: {m}");
    let a = caseload(&app, &token, "OPEN_ALERTS", 50, None).await;
    assert_eq!(by(&a)[0], c3, "{a}");
    assert_eq!(a["edges"][0]["node"]["openAlerts"], 1);
    assert_eq!(a["edges"][0]["node"]["highestAlertSeverity"], 4);
    let s = caseload(&app, &token, "NEXT_SESSION", 50, None).await;
    assert_eq!(by(&s)[0], c2, "{s}");
    assert!(s["edges"][0]["node"]["nextSessionAt"].is_string());
    assert_eq!(
        s["edges"][0]["node"]["client"]["nextSession"]["scheduledAt"],
        s["edges"][0]["node"]["nextSessionAt"]
    );
    let l = caseload(&app, &token, "LAST_ACTIVITY", 50, None).await;
    let order = by(&l);
    // Never active (c0; c3 submitted a measure just now) first, then the longest ago.
    assert_eq!(order[0], c0, "{l}");
    assert_eq!(&order[1..3], &[c2, c1], "{l}");
    assert_eq!(l["edges"][1]["node"]["daysSinceLastActivity"], 4);

    // Pages of one, following cursors, give the same order with no overlap.
    let mut paged = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let p = caseload(&app, &token, "MOMENTUM", 1, after.as_deref()).await;
        paged.extend(ids(&p));
        if p["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = p["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
    assert_eq!(paged, by(&m));
    let _ = names(&m);
    let bad = app
        .gql(
            Some(&token),
            CASELOAD,
            json!({ "sort": "MOMENTUM", "after": "nope" }),
        )
        .await;
    assert_eq!((bad.code(), bad.field()), ("BAD_USER_INPUT", "after"));
}

const EVALUATE: &str =
    "mutation { evaluateAlerts { clientsEvaluated disengagementRaised missedHomeworkRaised } }";

async fn evaluate(app: &TestApp) -> Value {
    app.gql(Some(&app.admin()), EVALUATE, json!({}))
        .await
        .ok()
        .data("evaluateAlerts")
        .clone()
}

async fn alerts_of(app: &TestApp, client: Uuid, kind: &str) -> Vec<entity::alert::Model> {
    entity::alert::Entity::find()
        .filter(entity::alert::Column::ClientId.eq(client))
        .filter(entity::alert::Column::Kind.eq(kind))
        .all(&app.db)
        .await
        .unwrap()
}

/// Client 0: created 30 days ago, last active 10 days ago, homework due 3 days ago not
/// submitted: inactive for 10 days while homework is due.
async fn drifting(app: &TestApp, now: DateTime<Utc>) -> Uuid {
    let c = app.a.client_ids[0];
    let h = history(app, c);
    h.created(now - days(30)).await;
    h.entries(&[noon(now, 9)]).await;
    h.homework(now - days(3), None, None).await;
    c
}

#[tokio::test]
async fn disengagement_is_raised_once_per_spell_of_inactivity() {
    let app = spawn_app().await;
    let c = drifting(&app, Utc::now()).await;
    let first = evaluate(&app).await;
    assert_eq!(first["clientsEvaluated"], 4);
    assert_eq!(first["disengagementRaised"], 1, "{first}");
    assert_eq!(
        first["missedHomeworkRaised"], 0,
        "one miss is not a pattern"
    );
    let raised = alerts_of(&app, c, "DISENGAGEMENT").await;
    assert_eq!(raised.len(), 1);
    assert_eq!(
        raised[0].reason,
        "No activity for 10 days while 1 homework was due"
    );
    assert_eq!(raised[0].status, "OPEN");
    // Open: not again. Resolved, for the same spell: not again either.
    assert_eq!(evaluate(&app).await["disengagementRaised"], 0);
    let res = app
        .gql(
            Some(&app.therapist()),
            "mutation($input: ResolveAlertInput!) { resolveAlert(input: $input) { alert { status } } }",
            json!({ "input": { "alertId": raised[0].id, "note": "Called; back on track." } }),
        )
        .await
        .ok();
    assert_eq!(res.data("resolveAlert.alert.status"), "RESOLVED");
    assert_eq!(evaluate(&app).await["disengagementRaised"], 0);
    assert_eq!(alerts_of(&app, c, "DISENGAGEMENT").await.len(), 1);
    // The raise is an event like any alert's.
    assert!(
        app.event_kinds(c)
            .await
            .contains(&"ALERT_RAISED".to_owned())
    );
}

#[tokio::test]
async fn disengagement_is_raised_when_momentum_falls_thirty_points_in_a_week() {
    let app = spawn_app().await;
    let now = Utc::now();
    let c = app.a.client_ids[1];
    let h = history(&app, c);
    h.created(now - days(60)).await;
    // An entry a day from 20 to 7 days (and an hour) ago: 14 of the 14 days of the window a
    // week ago (100), 7 of the last 14 (50); inactive for a week but with no homework due,
    // so not the inactivity rule.
    let times: Vec<_> = (7..=20)
        .map(|d| now - days(d) - TimeDelta::hours(1))
        .collect();
    h.entries(&times).await;
    let m = momentum(&app, &app.therapist(), c).await;
    assert_eq!(
        (m["previousScore"].as_i64(), m["score"].as_i64()),
        (Some(100), Some(50)),
        "{m}"
    );
    assert_eq!(evaluate(&app).await["disengagementRaised"], 1);
    let raised = alerts_of(&app, c, "DISENGAGEMENT").await;
    assert_eq!(raised[0].reason, "Momentum fell from 100 to 50 in 7 days");
    assert_eq!(evaluate(&app).await["disengagementRaised"], 0);
}

#[tokio::test]
async fn missed_homework_is_raised_once_for_two_in_a_row_not_done() {
    let app = spawn_app().await;
    let now = Utc::now();
    let [c0, c1, ..] = app.a.client_ids;
    let h = history(&app, c0);
    h.created(now - days(30)).await;
    // A recurring assignment: done, not done, then not submitted and past the 48-hour grace
    // (not done); the one due tomorrow is not settled yet.
    h.recurring_homework(&[
        (now - days(9), Some("COMPLETED"), Some(now - days(9))),
        (now - days(6), Some("NOT_DONE"), Some(now - days(6))),
        (now - days(3), None, None),
        (now + days(1), None, None),
    ])
    .await;
    // Client 1: not done, then done: no alert.
    let h1 = history(&app, c1);
    h1.created(now - days(30)).await;
    h1.homework(now - days(6), Some("NOT_DONE"), Some(now - days(6)))
        .await;
    h1.homework(now - days(3), Some("PARTIAL"), Some(now - days(3)))
        .await;
    let first = evaluate(&app).await;
    assert_eq!(first["missedHomeworkRaised"], 1, "{first}");
    let raised = alerts_of(&app, c0, "MISSED_HOMEWORK").await;
    assert_eq!(raised.len(), 1);
    assert_eq!(
        raised[0].reason,
        "The last 2 homework assignments were not done"
    );
    assert!(alerts_of(&app, c1, "MISSED_HOMEWORK").await.is_empty());
    assert_eq!(evaluate(&app).await["missedHomeworkRaised"], 0);
}

#[tokio::test]
async fn only_practice_admins_may_evaluate_alerts() {
    let app = spawn_app().await;
    drifting(&app, Utc::now()).await;
    let integrator = app
        .integrator(&app.a, &[Scope::ClinicalRead, Scope::ClinicalWrite])
        .await;
    for token in [app.therapist(), app.client(), integrator] {
        let res = app.gql(Some(&token), EVALUATE, json!({})).await;
        assert_eq!(res.code(), "FORBIDDEN", "{:?}", res.0);
    }
    let res = app.gql(None, EVALUATE, json!({})).await;
    assert_eq!(res.code(), "UNAUTHENTICATED");
    assert_eq!(app.count("alert").await, 0, "nothing was evaluated");
    // Practice B's admin evaluates practice B only.
    let b_admin = app.token(
        &app.b,
        app.b.admin_id,
        momentum_api::auth::Role::PracticeAdmin,
    );
    let res = app.gql(Some(&b_admin), EVALUATE, json!({})).await.ok();
    assert_eq!(res.data("evaluateAlerts.disengagementRaised"), 0);
    assert_eq!(app.count("alert").await, 0);
}

#[tokio::test]
async fn two_servers_evaluating_at_once_raise_each_alert_once() {
    let app = spawn_app().await;
    let c = drifting(&app, Utc::now()).await;
    let (other, stopper) = app.start_another(|_| {}).await;
    let admin = app.admin();
    let calls = (0..8).map(|i| {
        let url = if i % 2 == 0 {
            app.url.clone()
        } else {
            other.clone()
        };
        let admin = admin.clone();
        let app = &app;
        async move { app.gql_at(&url, &admin, EVALUATE, json!({})).await.ok() }
    });
    let results = join_all(calls).await;
    let raised: i64 = results
        .iter()
        .map(|r| {
            r.data("evaluateAlerts.disengagementRaised")
                .as_i64()
                .unwrap()
        })
        .sum();
    assert_eq!(raised, 1);
    assert_eq!(alerts_of(&app, c, "DISENGAGEMENT").await.len(), 1);
    stopper.stop().await;
}

async fn rounds(app: &TestApp) -> Option<String> {
    entity::job_cursor::Entity::find_by_id("engagement_alerts")
        .one(&app.db)
        .await
        .unwrap()
        .map(|r| r.position)
}

#[tokio::test]
async fn the_periodic_evaluator_raises_alerts_unasked_and_two_processes_never_duplicate() {
    let fast = |c: &mut momentum_api::config::Config| {
        c.alert_evaluation_interval = std::time::Duration::from_secs(1);
    };
    let app = spawn_app_with(fast).await;
    let c = drifting(&app, Utc::now()).await;
    let (_, stopper) = app.start_another(fast).await;
    eventually("the evaluator to raise the alert", || async {
        alerts_of(&app, c, "DISENGAGEMENT").await.len() == 1
    })
    .await;
    // Two more finished rounds, by either process, still leave one alert.
    for _ in 0..2 {
        let seen = rounds(&app).await;
        eventually("another round", || async { rounds(&app).await != seen }).await;
    }
    assert_eq!(alerts_of(&app, c, "DISENGAGEMENT").await.len(), 1);
    assert_eq!(
        entity::alert::Entity::find()
            .filter(entity::alert::Column::Kind.eq("DISENGAGEMENT"))
            .count(&app.db)
            .await
            .unwrap(),
        1
    );
    stopper.stop().await;
}

#[tokio::test]
async fn the_demo_caseload_shows_momentum_measured_on_every_part_it_has() {
    let app = spawn_app().await;
    momentum_api::demo::seed_demo(&app.db).await.unwrap();
    let login = app
        .login("therapist@demo.test", crate::helpers::PASSWORD)
        .await
        .ok();
    let token = login.data("login.accessToken").as_str().unwrap().to_owned();
    let page = caseload(&app, &token, "MOMENTUM", 50, None).await;
    assert_eq!(page["totalCount"], 2);
    for edge in page["edges"].as_array().unwrap() {
        let m = &edge["node"]["momentum"];
        // The demo clients joined before their eight weeks of history, so tracking is
        // measured over the whole window and a trend exists.
        assert_eq!(m["components"][1]["name"], "TRACKING");
        assert!(m["components"][1]["value"].as_f64().unwrap() > 0.9, "{m}");
        assert!(m["trend"].is_i64(), "{m}");
        assert!(m["streakDays"].as_i64().unwrap() >= 7, "{m}");
    }
}

#[tokio::test]
async fn the_momentum_projection_equals_the_computation_on_a_prepared_year_as_the_window_slides() {
    use momentum_api::insights::{
        facts::{Clients, Windows, facts},
        projection::{self, Freshness},
    };
    let app = spawn_app().await;
    let t = app.therapist();
    let now = Utc::now();
    let ids = app.add_clients(&t, 4).await;
    for (i, c) in ids.iter().enumerate() {
        let h = history(&app, *c);
        h.created(now - days(400)).await;
        h.year(now, 11 + i as u64).await;
    }
    let who = Clients::Ids(ids.clone());
    // Today, then as the window slides over the same records: part of a day, days, more
    // than a window, past the end of the history's homework.
    for later in [
        TimeDelta::zero(),
        TimeDelta::hours(7),
        days(3),
        days(15),
        days(40),
    ] {
        let w = Windows::new(now + later, 14);
        projection::refresh(&app.db, &who, w).await.unwrap();
        let stored = projection::read(&app.db, &who).await.unwrap();
        let computed = facts(&app.db, &who, w).await.unwrap();
        assert_eq!(stored.len(), ids.len());
        for f in &computed {
            let s = stored.iter().find(|s| s.client.id == f.client.id).unwrap();
            let at = format!("{} later", later);
            assert_eq!(s.momentum(), f.momentum(), "{at}");
            assert_eq!(s.now, f.now, "{at}");
            assert_eq!(s.week_ago, f.week_ago, "{at}");
            assert_eq!(s.last_activity_at, f.last_activity_at, "{at}");
            assert_eq!(
                s.days_since_last_activity, f.days_since_last_activity,
                "{at}"
            );
            assert_eq!(s.streak_days, f.streak_days, "{at}");
            assert_eq!(s.homework_due, f.homework_due, "{at}");
            assert_eq!(s.homework_overdue, f.homework_overdue, "{at}");
        }
        // Every client has a score at least on the first rounds (a year of records).
        if later < days(3) {
            assert!(stored.iter().all(|s| s.momentum().score.score.is_some()));
        }
    }

    // Rows computed with another window, or too long ago, are recomputed when read; current
    // ones are not.
    let fresh = Freshness {
        window_days: 14,
        max_age: TimeDelta::minutes(15),
    };
    let w = Windows::new(now, 14);
    projection::refresh(&app.db, &who, w).await.unwrap();
    assert_eq!(
        projection::ensure(&app.db, &who, fresh, now).await.unwrap(),
        0
    );
    let wider = Freshness {
        window_days: 21,
        ..fresh
    };
    assert_eq!(
        projection::ensure(&app.db, &who, wider, now).await.unwrap(),
        ids.len()
    );
    assert_eq!(
        projection::ensure(&app.db, &who, fresh, now + TimeDelta::hours(1))
            .await
            .unwrap(),
        ids.len()
    );
}

#[tokio::test]
async fn a_write_shows_in_the_projected_momentum_and_the_caseload_reads_the_same_figures() {
    let app = spawn_app().await;
    let t = app.therapist();
    let c = app.a.client_ids[0];
    let caseload = "{ caseload(sort: MOMENTUM, first: 10) { nodes { momentum { score
        lastActivityAt streakDays } client { id momentum { score lastActivityAt streakDays } } } } }";
    let res = app.gql(Some(&t), caseload, json!({})).await.ok();
    let nodes = res.data("caseload.nodes").as_array().unwrap().clone();
    assert!(!nodes.is_empty());
    for n in &nodes {
        assert_eq!(n["momentum"], n["client"]["momentum"], "{n}");
    }
    let before = momentum(&app, &t, c).await;
    assert_eq!(before["lastActivityAt"], Value::Null, "{before}");

    // A client logs mood: the next read shows it (the row is stale by the new event).
    let mood = app.tracker_id(&t, c, "MOOD").await;
    let at = Utc::now() - TimeDelta::minutes(5);
    app.gql(
        Some(&app.client()),
        "mutation($input: LogEntryInput!) { logEntry(input: $input) { entry { id } } }",
        json!({ "input": { "trackerId": mood, "value": 7, "recordedAt": at.to_rfc3339() } }),
    )
    .await
    .ok();
    let after = momentum(&app, &t, c).await;
    assert_eq!(after["streakDays"], 1, "{after}");
    assert!(after["lastActivityAt"].is_string(), "{after}");
    let res = app.gql(Some(&t), caseload, json!({})).await.ok();
    let entry = res
        .data("caseload.nodes")
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["client"]["id"] == c.to_string())
        .unwrap()
        .clone();
    assert_eq!(entry["momentum"], entry["client"]["momentum"]);
    assert_eq!(entry["momentum"]["streakDays"], 1);
}
