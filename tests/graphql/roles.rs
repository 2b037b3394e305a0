//! The fast in-process tier: who may do what, and the shape of every kind of error, run on
//! the schema with a viewer from a real signed token (no HTTP server; `spawn_in_process`).
//! One test checks that the in-process answers equal the HTTP ones, so the tier cannot drift
//! from what a caller receives.

use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;

const CLIENT: &str = "query($id: ID!) { client(id: $id) { id displayName } }";
const CREATE_CLIENT: &str = "mutation($input: CreateClientInput!) {
    createClient(input: $input) { client { id } } }";
const CREATE_GOAL: &str = "mutation($input: CreateGoalInput!) {
    createGoal(input: $input) { goal { id } } }";

/// Who reads client 0 of practice A, and with what outcome (`None`: allowed).
fn client_reads(app: &TestApp) -> Vec<(&'static str, String, Option<&'static str>)> {
    vec![
        ("admin", app.admin(), None),
        ("their therapist", app.therapist(), None),
        ("another therapist", app.therapist2(), Some("NOT_FOUND")),
        ("the client", app.client(), None),
        ("another client", app.client2(), Some("NOT_FOUND")),
        (
            "another practice's therapist",
            app.other_practice_therapist(),
            Some("NOT_FOUND"),
        ),
    ]
}

fn outcome(res: &Gql) -> Option<String> {
    res.0["errors"][0]["extensions"]["code"]
        .as_str()
        .map(str::to_owned)
}

#[tokio::test]
async fn each_role_reads_a_client_as_the_scope_rule_says() {
    let app = spawn_in_process().await;
    let id = app.a.client_ids[0].to_string();
    for (who, token, expected) in client_reads(&app) {
        let res = app.execute(Some(&token), CLIENT, json!({ "id": id })).await;
        assert_eq!(outcome(&res).as_deref(), expected, "{who}: {}", res.0);
        match expected {
            None => assert_eq!(res.data("client.id"), id.as_str(), "{who}"),
            Some(_) => assert!(res.data("client").is_null(), "{who}"),
        }
    }
}

#[tokio::test]
async fn only_the_practice_staff_create_clients() {
    let app = spawn_in_process().await;
    let input = json!({ "input": { "displayName": "Alex Kim", "timezone": "Europe/Berlin" } });
    let cases = [
        ("admin", app.admin(), None),
        ("therapist", app.therapist(), None),
        ("client", app.client(), Some("FORBIDDEN")),
    ];
    for (who, token, expected) in cases {
        let before = app.count("client").await;
        let res = app
            .execute(Some(&token), CREATE_CLIENT, input.clone())
            .await;
        assert_eq!(outcome(&res).as_deref(), expected, "{who}: {}", res.0);
        let written = app.count("client").await - before;
        assert_eq!(written, i64::from(expected.is_none()), "{who}");
    }
}

#[tokio::test]
async fn every_kind_of_error_carries_its_code_and_the_request_id() {
    let app = spawn_in_process().await;
    let therapist = app.therapist();
    let goal = |title: &str| json!({ "input": { "clientId": app.a.client_ids[0].to_string(), "title": title } });
    let cases: Vec<(&str, Option<String>, &str, Value, &str)> = vec![
        (
            "anonymous",
            None,
            CLIENT,
            json!({ "id": Uuid::now_v7() }),
            "UNAUTHENTICATED",
        ),
        (
            "parse error",
            Some(therapist.clone()),
            "{ clients {",
            json!({}),
            "BAD_USER_INPUT",
        ),
        (
            "unknown field",
            Some(therapist.clone()),
            "{ nope }",
            json!({}),
            "BAD_USER_INPUT",
        ),
        (
            "bad id",
            Some(therapist.clone()),
            CLIENT,
            json!({ "id": "x" }),
            "BAD_USER_INPUT",
        ),
        (
            "missing",
            Some(therapist.clone()),
            CLIENT,
            json!({ "id": Uuid::now_v7() }),
            "NOT_FOUND",
        ),
        (
            "blank title",
            Some(therapist.clone()),
            CREATE_GOAL,
            goal("  "),
            "BAD_USER_INPUT",
        ),
        (
            "client writes for another",
            Some(app.client2()),
            CREATE_GOAL,
            goal("g"),
            "NOT_FOUND",
        ),
    ];
    for (what, token, query, variables, code) in cases {
        let before = app.count("goal").await;
        let res = app.execute(token.as_deref(), query, variables).await;
        let error = &res.0["errors"][0];
        assert_eq!(error["extensions"]["code"], code, "{what}: {}", res.0);
        assert_eq!(
            error["extensions"]["requestId"], "test",
            "{what}: {}",
            res.0
        );
        assert!(
            error["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{what}"
        );
        assert_eq!(app.count("goal").await, before, "{what} wrote a goal");
    }
    let res = app.execute(Some(&therapist), CREATE_GOAL, goal("  ")).await;
    assert_eq!(res.field(), "input.title");
}

#[tokio::test]
async fn the_in_process_answers_are_the_http_answers() {
    let app = spawn_app().await;
    let id = app.a.client_ids[0].to_string();
    let strip = |g: Gql| {
        let mut v = g.0;
        if let Some(errors) = v["errors"].as_array_mut() {
            for e in errors {
                e["extensions"].as_object_mut().unwrap().remove("requestId");
            }
        }
        v
    };
    for (who, token, _) in client_reads(&app) {
        let http = app.gql(Some(&token), CLIENT, json!({ "id": id })).await;
        let local = app.execute(Some(&token), CLIENT, json!({ "id": id })).await;
        assert_eq!(strip(http), strip(local), "{who}");
    }
    let bad = json!({ "input": { "clientId": id, "title": "" } });
    let http = app
        .gql(Some(&app.therapist()), CREATE_GOAL, bad.clone())
        .await;
    let local = app.execute(Some(&app.therapist()), CREATE_GOAL, bad).await;
    assert_eq!(strip(http), strip(local));
}
