//! Who sees what (docs/architecture.md, "Scope"): enforced in SQL, and not-visible is exactly NOT_FOUND.

use momentum_api::auth::{Role, Scope};
use serde_json::json;
use uuid::Uuid;

use crate::helpers::*;

const CLIENT: &str = "query($id: ID!) { client(id: $id) { id displayName } }";
const ROSTER: &str = "{ clients { totalCount edges { node { id displayName } } } }";
const ACTIVITY: &str = "query($id: ID!) { client(id: $id) { id activity { totalCount } } }";

fn names(res: &Gql) -> Vec<String> {
    res.data("clients.edges")
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["displayName"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn therapist_sees_only_their_caseload() {
    let app = spawn_app().await;
    let res = app
        .gql(Some(&app.therapist()), ROSTER, json!({}))
        .await
        .ok();
    assert_eq!(res.data("clients.totalCount"), 2);
    assert_eq!(names(&res), ["Casey Morgan", "Jordan Lee"]);
    let res2 = app
        .gql(Some(&app.therapist2()), ROSTER, json!({}))
        .await
        .ok();
    assert_eq!(names(&res2), ["Riley Chen", "Sam Patel"]);
}

#[tokio::test]
async fn therapist_cannot_see_another_therapists_client() {
    let app = spawn_app().await;
    let theirs = app.a.client_ids[2].to_string();
    let res = app
        .gql(Some(&app.therapist()), CLIENT, json!({ "id": theirs }))
        .await;
    assert_eq!(res.code(), "NOT_FOUND");
    assert!(res.data("client").is_null());
    let mine = app
        .gql(
            Some(&app.therapist()),
            CLIENT,
            json!({ "id": app.a.client_ids[0].to_string() }),
        )
        .await
        .ok();
    assert_eq!(mine.data("client.displayName"), "Casey Morgan");
}

#[tokio::test]
async fn a_hidden_client_is_indistinguishable_from_a_random_id() {
    let app = spawn_app().await;
    let hidden = app
        .gql(
            Some(&app.therapist()),
            CLIENT,
            json!({ "id": app.a.client_ids[2].to_string() }),
        )
        .await;
    let random = app
        .gql(
            Some(&app.therapist()),
            CLIENT,
            json!({ "id": Uuid::now_v7().to_string() }),
        )
        .await;
    let strip = |g: &Gql| {
        let mut e = g.0["errors"][0].clone();
        e["extensions"].as_object_mut().unwrap().remove("requestId");
        e
    };
    assert_eq!(strip(&hidden), strip(&random));
}

#[tokio::test]
async fn a_client_sees_only_themself() {
    let app = spawn_app().await;
    let res = app.gql(Some(&app.client()), ROSTER, json!({})).await.ok();
    assert_eq!(names(&res), ["Casey Morgan"]);
    for other in [
        app.a.client_ids[1],
        app.a.client_ids[2],
        app.b.client_ids[0],
    ] {
        let r = app
            .gql(
                Some(&app.client()),
                CLIENT,
                json!({ "id": other.to_string() }),
            )
            .await;
        assert_eq!(r.code(), "NOT_FOUND");
    }
    let own = app
        .gql(
            Some(&app.client()),
            ACTIVITY,
            json!({ "id": app.a.client_ids[0].to_string() }),
        )
        .await
        .ok();
    assert_eq!(own.data("client.activity.totalCount"), 0);
    // Clients cannot list therapists or change the roster.
    let t = app
        .gql(
            Some(&app.client()),
            "{ therapists { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(t.code(), "FORBIDDEN");
}

#[tokio::test]
async fn admin_sees_the_roster_but_not_clinical_detail() {
    let app = spawn_app().await;
    let res = app.gql(Some(&app.admin()), ROSTER, json!({})).await.ok();
    assert_eq!(res.data("clients.totalCount"), 4);
    let id = app.a.client_ids[0].to_string();
    let roster = app
        .gql(Some(&app.admin()), CLIENT, json!({ "id": id }))
        .await
        .ok();
    assert_eq!(roster.data("client.displayName"), "Casey Morgan");
    let clinical = app
        .gql(Some(&app.admin()), ACTIVITY, json!({ "id": id }))
        .await;
    assert_eq!(clinical.code(), "NOT_FOUND");
    assert_eq!(
        clinical.0["errors"][0]["path"],
        json!(["client", "activity"])
    );
    // The care team does see it.
    app.gql(Some(&app.therapist()), ACTIVITY, json!({ "id": id }))
        .await
        .ok();
}

#[tokio::test]
async fn integrator_is_limited_to_its_practice_and_scopes() {
    let app = spawn_app().await;
    let reader = app.integrator(&app.a, &[Scope::ClientsRead]).await;
    let res = app.gql(Some(&reader), ROSTER, json!({})).await.ok();
    assert_eq!(res.data("clients.totalCount"), 4);
    let cross = app
        .gql(
            Some(&reader),
            CLIENT,
            json!({ "id": app.b.client_ids[0].to_string() }),
        )
        .await;
    assert_eq!(cross.code(), "NOT_FOUND");
    // Roster scope does not include clinical detail...
    let clinical = app
        .gql(
            Some(&reader),
            ACTIVITY,
            json!({ "id": app.a.client_ids[0].to_string() }),
        )
        .await;
    assert_eq!(clinical.code(), "FORBIDDEN");
    // ...nor writing.
    let write = app
        .gql(
            Some(&reader),
            "mutation { createClient(input: {displayName: \"X\", timezone: \"UTC\"}) { client { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(write.code(), "FORBIDDEN");
    // Without CLIENTS_READ, no roster at all.
    let writer_only = app.integrator(&app.a, &[Scope::ClinicalWrite]).await;
    assert_eq!(
        app.gql(Some(&writer_only), ROSTER, json!({})).await.code(),
        "FORBIDDEN"
    );
    // With CLINICAL_READ, clinical detail of the practice's clients.
    let clinician = app
        .integrator(&app.a, &[Scope::ClientsRead, Scope::ClinicalRead])
        .await;
    app.gql(
        Some(&clinician),
        ACTIVITY,
        json!({ "id": app.a.client_ids[3].to_string() }),
    )
    .await
    .ok();
}

#[tokio::test]
async fn two_practices_are_fully_isolated_for_every_query_and_mutation() {
    let app = spawn_app().await;
    let b_client = app.b.client_ids[0].to_string();
    let b_therapist = app.b.therapist_ids[0].to_string();
    let a_client = app.a.client_ids[0].to_string();
    let a_therapist = app.a.therapist_ids[0].to_string();
    let admin_a = app.admin();
    let writer_a = app.integrator(&app.a, &Scope::ALL).await;
    let events_before = app.count("event").await;

    for token in [app.therapist(), admin_a.clone(), writer_a.clone()] {
        let roster = app.gql(Some(&token), ROSTER, json!({})).await.ok();
        let ids: Vec<&str> = roster
            .data("clients.edges")
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["id"].as_str().unwrap())
            .collect();
        assert!(!ids.contains(&b_client.as_str()));
        let filtered = app
            .gql(
                Some(&token),
                "query($t: ID!) { clients(filter: {therapistId: $t}) { totalCount } }",
                json!({ "t": b_therapist }),
            )
            .await
            .ok();
        assert_eq!(filtered.data("clients.totalCount"), 0);
        let ops: [(&str, serde_json::Value); 7] = [
            (CLIENT, json!({ "id": b_client })),
            (
                "mutation($id: ID!) { updateClient(input: {id: $id, expectedVersion: 1, displayName: \"Hacked\"}) { client { id } } }",
                json!({ "id": b_client }),
            ),
            (
                "mutation($id: ID!) { setClientStatus(input: {id: $id, status: DISCHARGED}) { client { id } } }",
                json!({ "id": b_client }),
            ),
            (
                "mutation($id: ID!, $t: ID!) { addToCareTeam(input: {clientId: $id, therapistId: $t}) { client { id } } }",
                json!({ "id": b_client, "t": a_therapist }),
            ),
            (
                "mutation($id: ID!, $t: ID!) { removeFromCareTeam(input: {clientId: $id, therapistId: $t}) { client { id } } }",
                json!({ "id": b_client, "t": b_therapist }),
            ),
            (
                "mutation($id: ID!) { inviteClient(input: {clientId: $id}) { code } }",
                json!({ "id": b_client }),
            ),
            (ACTIVITY, json!({ "id": b_client })),
        ];
        for (q, vars) in ops {
            let res = app.gql(Some(&token), q, vars).await;
            let code = res.code();
            assert!(
                code == "NOT_FOUND"
                    || (code == "FORBIDDEN" && token == writer_a && q.contains("inviteClient")),
                "{q}: {}",
                res.0
            );
        }
    }
    // Practice B's therapist cannot be put on practice A's client either.
    let res = app
        .gql(
            Some(&admin_a),
            "mutation($id: ID!, $t: ID!) { addToCareTeam(input: {clientId: $id, therapistId: $t}) { client { id } } }",
            json!({ "id": a_client, "t": b_therapist }),
        )
        .await;
    assert_eq!(
        (res.code(), res.field()),
        ("BAD_USER_INPUT", "input.therapistId")
    );
    // Practice B's data is unchanged and nothing was appended to the log.
    let b = app
        .gql(
            Some(&app.other_practice_therapist()),
            CLIENT,
            json!({ "id": b_client }),
        )
        .await
        .ok();
    assert_eq!(b.data("client.displayName"), "Casey Morgan");
    assert_eq!(app.count("event").await, events_before);
    // Practice A's admin sees their own practice, not B's.
    let p = app
        .gql(
            Some(&admin_a),
            "{ practice { name } therapists { totalCount } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(p.data("practice.name"), "Practice A");
    assert_eq!(p.data("therapists.totalCount"), 2);
    let creds = app
        .gql(
            Some(&app.token(&app.b, app.b.admin_id, Role::PracticeAdmin)),
            "{ apiCredentials { totalCount } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(creds.data("apiCredentials.totalCount"), 0);
}

#[tokio::test]
async fn every_read_and_write_of_a_client_leaves_an_audit_row() {
    let app = spawn_app().await;
    let before = app.count("audit_log").await;
    let id = app.a.client_ids[0].to_string();
    app.gql(Some(&app.therapist()), CLIENT, json!({ "id": id }))
        .await
        .ok();
    app.gql(
        Some(&app.therapist()),
        CLIENT,
        json!({ "id": app.a.client_ids[2].to_string() }),
    )
    .await;
    app.gql(
        Some(&app.therapist()),
        "mutation($id: ID!) { setClientStatus(input: {id: $id, status: PAUSED}) { client { status } } }",
        json!({ "id": id }),
    )
    .await
    .ok();
    assert_eq!(app.count("audit_log").await, before + 3);
    use sea_orm::{EntityTrait as _, QueryOrder as _};
    let rows = entity::audit_log::Entity::find()
        .order_by_asc(entity::audit_log::Column::Id)
        .all(&app.db)
        .await
        .unwrap();
    let last: Vec<(&str, &str)> = rows[rows.len() - 3..]
        .iter()
        .map(|r| (r.operation.as_str(), r.outcome.as_str()))
        .collect();
    assert_eq!(
        last,
        [
            ("client", "SUCCESS"),
            ("client", "NOT_FOUND"),
            ("setClientStatus", "SUCCESS")
        ]
    );
    assert!(
        rows.iter()
            .all(|r| r.actor_role == "THERAPIST" && !r.request_id.is_empty())
    );
}

/// The error of a response, without its request id (which differs per request).
fn error_of(res: &Gql) -> serde_json::Value {
    let mut e = res.0["errors"][0].clone();
    e["extensions"]
        .as_object_mut()
        .expect("an error with extensions")
        .remove("requestId");
    e.as_object_mut().unwrap().remove("locations");
    e
}

#[tokio::test]
async fn a_client_generated_id_taken_in_another_practice_answers_like_one_taken_at_home() {
    let app = spawn_app().await;
    let (t_a, t_b) = (app.therapist(), app.other_practice_therapist());
    const CREATE_CLIENT: &str = "mutation($input: CreateClientInput!) {
        createClient(input: $input) { client { id } } }";
    const CREATE_GOAL: &str = "mutation($input: CreateGoalInput!) {
        createGoal(input: $input) { goal { id } } }";
    // Practice A's records, with client-generated ids.
    let a_client = Uuid::now_v7().to_string();
    app.gql(
        Some(&t_a),
        CREATE_CLIENT,
        json!({ "input": { "id": a_client, "displayName": "Ada Home", "timezone": "UTC" } }),
    )
    .await
    .ok();
    let a_goal = Uuid::now_v7().to_string();
    app.gql(
        Some(&t_a),
        CREATE_GOAL,
        json!({ "input": { "id": a_goal, "clientId": a_client, "title": "Walk daily" } }),
    )
    .await
    .ok();
    // Practice B's own records, to reuse an id of its own with other content.
    let b_client = Uuid::now_v7().to_string();
    app.gql(
        Some(&t_b),
        CREATE_CLIENT,
        json!({ "input": { "id": b_client, "displayName": "Bo Away", "timezone": "UTC" } }),
    )
    .await
    .ok();
    let b_goal = Uuid::now_v7().to_string();
    app.gql(
        Some(&t_b),
        CREATE_GOAL,
        json!({ "input": { "id": b_goal, "clientId": b_client, "title": "Read" } }),
    )
    .await
    .ok();
    let clients_before = app.count("client").await;
    let goals_before = app.count("goal").await;

    // B reuses A's client id, and its own client id with other content: the same answer.
    let client_input = |id: &str| json!({ "input": { "id": id, "displayName": "Someone Else", "timezone": "UTC" } });
    let foreign = app
        .gql(Some(&t_b), CREATE_CLIENT, client_input(&a_client))
        .await;
    let own = app
        .gql(Some(&t_b), CREATE_CLIENT, client_input(&b_client))
        .await;
    assert_eq!(foreign.code(), "CONFLICT", "{}", foreign.0);
    assert_eq!(error_of(&foreign), error_of(&own));
    // The same for goals.
    let goal_input = |id: &str| json!({ "input": { "id": id, "clientId": b_client, "title": "Something else" } });
    let foreign = app.gql(Some(&t_b), CREATE_GOAL, goal_input(&a_goal)).await;
    let own = app.gql(Some(&t_b), CREATE_GOAL, goal_input(&b_goal)).await;
    assert_eq!(foreign.code(), "CONFLICT", "{}", foreign.0);
    assert_eq!(error_of(&foreign), error_of(&own));
    assert_eq!(app.count("client").await, clients_before);
    assert_eq!(app.count("goal").await, goals_before);
}
