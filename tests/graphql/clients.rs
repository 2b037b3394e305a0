//! Creating and changing clients, care teams, the roster list.

use serde_json::json;
use uuid::Uuid;

use crate::helpers::*;

const CREATE: &str = "mutation($input: CreateClientInput!) { createClient(input: $input) {
    client { id displayName timezone status externalRef version hasLogin careTeam { displayName } } } }";
const UPDATE: &str = "mutation($input: UpdateClientInput!) { updateClient(input: $input) {
    client { id displayName timezone externalRef version } } }";

#[tokio::test]
async fn a_therapist_creates_a_client_and_joins_the_care_team() {
    let app = spawn_app().await;
    let res = app
        .gql(
            Some(&app.therapist()),
            CREATE,
            json!({ "input": { "displayName": "  Alex Kim ", "timezone": "Europe/Berlin", "externalRef": "EHR-1" } }),
        )
        .await
        .ok();
    assert_eq!(res.data("createClient.client.displayName"), "Alex Kim");
    assert_eq!(res.data("createClient.client.status"), "ACTIVE");
    assert_eq!(res.data("createClient.client.version"), 1);
    assert_eq!(res.data("createClient.client.hasLogin"), false);
    assert_eq!(
        res.data("createClient.client.careTeam.0.displayName"),
        "Dr. Taylor Reed"
    );
    let id = res.data("createClient.client.id").as_str().unwrap();
    let activity = app
        .gql(
            Some(&app.therapist()),
            "query($id: ID!) { client(id: $id) { activity { totalCount edges { node { kind actorRole } } } } }",
            json!({ "id": id }),
        )
        .await
        .ok();
    assert_eq!(activity.data("client.activity.totalCount"), 2);
    assert_eq!(
        activity.data("client.activity.edges.0.node.kind"),
        "CLIENT_CREATED"
    );
    assert_eq!(
        activity.data("client.activity.edges.1.node.kind"),
        "CARE_TEAM_MEMBER_ADDED"
    );
    assert_eq!(
        activity.data("client.activity.edges.0.node.actorRole"),
        "THERAPIST"
    );
    assert_eq!(app.roster_count(&app.therapist()).await, 3);
}

#[tokio::test]
async fn bad_client_input_names_the_field_and_writes_nothing() {
    let app = spawn_app().await;
    let clients = app.count("client").await;
    let events = app.count("event").await;
    let cases = [
        (
            json!({ "displayName": "", "timezone": "UTC" }),
            "input.displayName",
        ),
        (
            json!({ "displayName": "x".repeat(121), "timezone": "UTC" }),
            "input.displayName",
        ),
        (
            json!({ "displayName": "Alex", "timezone": "Mars/Olympus" }),
            "input.timezone",
        ),
        (
            json!({ "displayName": "Alex", "timezone": "UTC", "externalRef": "   " }),
            "input.externalRef",
        ),
        (
            json!({ "displayName": "Alex", "timezone": "UTC", "id": "nope" }),
            "input.id",
        ),
        (
            json!({ "displayName": "Alex", "timezone": "UTC", "therapistIds": ["nope"] }),
            "input.therapistIds",
        ),
        (
            json!({ "displayName": "Alex", "timezone": "UTC", "therapistIds": [Uuid::now_v7().to_string()] }),
            "input.therapistIds",
        ),
    ];
    for (input, field) in cases {
        let res = app
            .gql(Some(&app.therapist()), CREATE, json!({ "input": input }))
            .await;
        assert_eq!(
            (res.code(), res.field()),
            ("BAD_USER_INPUT", field),
            "{input}"
        );
    }
    let id = app.a.client_ids[0].to_string();
    let updates = [
        (
            json!({ "id": id, "expectedVersion": 1, "displayName": null }),
            "input.displayName",
        ),
        (
            json!({ "id": id, "expectedVersion": 1, "timezone": "Nowhere" }),
            "input.timezone",
        ),
        (json!({ "id": "x", "expectedVersion": 1 }), "input.id"),
    ];
    for (input, field) in updates {
        let res = app
            .gql(Some(&app.therapist()), UPDATE, json!({ "input": input }))
            .await;
        assert_eq!(
            (res.code(), res.field()),
            ("BAD_USER_INPUT", field),
            "{input}"
        );
    }
    let page = app
        .gql(
            Some(&app.therapist()),
            "{ clients(first: 101) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!((page.code(), page.field()), ("BAD_USER_INPUT", "first"));
    let cursor = app
        .gql(
            Some(&app.therapist()),
            "{ clients(after: \"garbage\") { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!((cursor.code(), cursor.field()), ("BAD_USER_INPUT", "after"));
    assert_eq!(app.count("client").await, clients);
    assert_eq!(app.count("event").await, events);
}

#[tokio::test]
async fn update_with_a_stale_expected_version_is_a_conflict() {
    let app = spawn_app().await;
    let id = app.a.client_ids[0].to_string();
    let ok = app
        .gql(
            Some(&app.therapist()),
            UPDATE,
            json!({ "input": { "id": id, "expectedVersion": 1, "displayName": "Casey M.", "externalRef": "E-9" } }),
        )
        .await
        .ok();
    assert_eq!(ok.data("updateClient.client.version"), 2);
    assert_eq!(ok.data("updateClient.client.externalRef"), "E-9");
    assert_eq!(ok.data("updateClient.client.timezone"), "America/New_York");
    let stale = app
        .gql(
            Some(&app.admin()),
            UPDATE,
            json!({ "input": { "id": id, "expectedVersion": 1, "displayName": "Overwritten" } }),
        )
        .await;
    assert_eq!(stale.code(), "CONFLICT");
    let now = app
        .gql(
            Some(&app.therapist()),
            "query($id: ID!) { client(id: $id) { displayName version } }",
            json!({ "id": id }),
        )
        .await
        .ok();
    assert_eq!(now.data("client.displayName"), "Casey M.");
    assert_eq!(now.data("client.version"), 2);
    // null clears an optional field; omitting leaves it.
    let cleared = app
        .gql(
            Some(&app.therapist()),
            UPDATE,
            json!({ "input": { "id": id, "expectedVersion": 2, "externalRef": null } }),
        )
        .await
        .ok();
    assert!(cleared.data("updateClient.client.externalRef").is_null());
    assert_eq!(cleared.data("updateClient.client.displayName"), "Casey M.");
}

#[tokio::test]
async fn replaying_a_create_with_the_same_id_returns_the_same_client() {
    let app = spawn_app().await;
    let id = Uuid::now_v7().to_string();
    let input = json!({ "input": { "id": id, "displayName": "Offline Olly", "timezone": "UTC" } });
    let first = app
        .gql(Some(&app.therapist()), CREATE, input.clone())
        .await
        .ok();
    let again = app.gql(Some(&app.therapist()), CREATE, input).await.ok();
    assert_eq!(first.data("createClient.client.id"), id.as_str());
    assert_eq!(again.data("createClient.client.id"), id.as_str());
    assert_eq!(app.count("client").await, 9);
    let different = app
        .gql(
            Some(&app.therapist()),
            CREATE,
            json!({ "input": { "id": id, "displayName": "Someone Else", "timezone": "UTC" } }),
        )
        .await;
    assert_eq!(different.code(), "CONFLICT");
}

#[tokio::test]
async fn external_refs_are_unique_within_a_practice() {
    let app = spawn_app().await;
    let make = |token: String, name: &'static str| {
        let app = &app;
        async move {
            app.gql(Some(&token), CREATE, json!({ "input": { "displayName": name, "timezone": "UTC", "externalRef": "EHR-7" } }))
                .await
        }
    };
    make(app.therapist(), "One").await.ok();
    assert_eq!(make(app.therapist2(), "Two").await.code(), "CONFLICT");
    make(app.other_practice_therapist(), "Three").await.ok();
}

#[tokio::test]
async fn status_changes_are_recorded_and_filterable() {
    let app = spawn_app().await;
    let id = app.a.client_ids[1].to_string();
    let q = "mutation($id: ID!, $s: ClientStatusValue!, $v: Int) {
        setClientStatus(input: {id: $id, status: $s, expectedVersion: $v}) { client { status version } } }";
    let res = app
        .gql(
            Some(&app.therapist()),
            q,
            json!({ "id": id, "s": "DISCHARGED", "v": 1 }),
        )
        .await
        .ok();
    assert_eq!(res.data("setClientStatus.client.status"), "DISCHARGED");
    assert_eq!(res.data("setClientStatus.client.version"), 2);
    let stale = app
        .gql(
            Some(&app.therapist()),
            q,
            json!({ "id": id, "s": "ACTIVE", "v": 1 }),
        )
        .await;
    assert_eq!(stale.code(), "CONFLICT");
    let client = app
        .gql(
            Some(&app.client()),
            q,
            json!({ "id": app.a.client_ids[0].to_string(), "s": "PAUSED" }),
        )
        .await;
    assert_eq!(client.code(), "FORBIDDEN");
    let discharged = app
        .gql(
            Some(&app.therapist()),
            "{ clients(filter: {status: DISCHARGED}) { edges { node { displayName } } } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(
        discharged.data("clients.edges.0.node.displayName"),
        "Jordan Lee"
    );
    assert_eq!(
        discharged.data("clients.edges").as_array().unwrap().len(),
        1
    );
}

#[tokio::test]
async fn care_teams_grow_and_shrink_but_never_empty() {
    let app = spawn_app().await;
    let id = app.a.client_ids[0].to_string();
    let t1 = app.a.therapist_ids[0].to_string();
    let t2 = app.a.therapist_ids[1].to_string();
    let add = "mutation($c: ID!, $t: ID!) { addToCareTeam(input: {clientId: $c, therapistId: $t}) { client { careTeam { id } } } }";
    let remove = "mutation($c: ID!, $t: ID!) { removeFromCareTeam(input: {clientId: $c, therapistId: $t}) { client { careTeam { id } } } }";
    // therapist2 is not on the team, so cannot add themself.
    let denied = app
        .gql(Some(&app.therapist2()), add, json!({ "c": id, "t": t2 }))
        .await;
    assert_eq!(denied.code(), "NOT_FOUND");
    let added = app
        .gql(Some(&app.therapist()), add, json!({ "c": id, "t": t2 }))
        .await
        .ok();
    assert_eq!(
        added
            .data("addToCareTeam.client.careTeam")
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // Now therapist2 sees the client.
    assert_eq!(app.roster_count(&app.therapist2()).await, 3);
    let removed = app
        .gql(Some(&app.admin()), remove, json!({ "c": id, "t": t1 }))
        .await
        .ok();
    assert_eq!(
        removed.data("removeFromCareTeam.client.careTeam"),
        &json!([{ "id": t2 }])
    );
    let last = app
        .gql(Some(&app.admin()), remove, json!({ "c": id, "t": t2 }))
        .await;
    assert_eq!(last.code(), "CONFLICT");
    let bogus = app
        .gql(
            Some(&app.admin()),
            add,
            json!({ "c": id, "t": app.a.admin_id.to_string() }),
        )
        .await;
    assert_eq!(
        (bogus.code(), bogus.field()),
        ("BAD_USER_INPUT", "input.therapistId")
    );
}

#[tokio::test]
async fn the_roster_pages_forward_and_backward_with_a_total() {
    let app = spawn_app().await;
    let admin = app.admin();
    let page = |first: Option<i64>,
                after: Option<String>,
                last: Option<i64>,
                before: Option<String>| {
        let app = &app;
        let admin = admin.clone();
        async move {
            app.gql(
                Some(&admin),
                "query($f: Int, $a: String, $l: Int, $b: String) { clients(first: $f, after: $a, last: $l, before: $b) {
                    totalCount pageInfo { hasNextPage hasPreviousPage endCursor startCursor }
                    edges { cursor node { displayName } } } }",
                json!({ "f": first, "a": after, "l": last, "b": before }),
            )
            .await
            .ok()
        }
    };
    let p1 = page(Some(3), None, None, None).await;
    assert_eq!(p1.data("clients.totalCount"), 4);
    assert_eq!(p1.data("clients.pageInfo.hasNextPage"), true);
    let names = |g: &Gql| -> Vec<String> {
        g.data("clients.edges")
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["displayName"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(names(&p1), ["Casey Morgan", "Jordan Lee", "Riley Chen"]);
    let end = p1
        .data("clients.pageInfo.endCursor")
        .as_str()
        .unwrap()
        .to_owned();
    let p2 = page(Some(3), Some(end), None, None).await;
    assert_eq!(names(&p2), ["Sam Patel"]);
    assert_eq!(p2.data("clients.pageInfo.hasNextPage"), false);
    assert_eq!(p2.data("clients.pageInfo.hasPreviousPage"), true);
    let start = p2
        .data("clients.pageInfo.startCursor")
        .as_str()
        .unwrap()
        .to_owned();
    let back = page(None, None, Some(2), Some(start)).await;
    assert_eq!(names(&back), ["Jordan Lee", "Riley Chen"]);
    assert_eq!(back.data("clients.pageInfo.hasPreviousPage"), true);
    let search = app
        .gql(Some(&admin), "{ clients(filter: {search: \"RILEY\"}) { totalCount edges { node { displayName } } } }", json!({}))
        .await
        .ok();
    assert_eq!(search.data("clients.totalCount"), 1);
    let wildcard = app
        .gql(
            Some(&admin),
            "{ clients(filter: {search: \"%\"}) { totalCount } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(wildcard.data("clients.totalCount"), 0);
    let by_therapist = app
        .gql(
            Some(&admin),
            "query($t: ID!) { clients(filter: {therapistId: $t}) { totalCount } }",
            json!({ "t": app.a.therapist_ids[1].to_string() }),
        )
        .await
        .ok();
    assert_eq!(by_therapist.data("clients.totalCount"), 2);
}

#[tokio::test]
async fn the_caseload_query_runs_the_same_number_of_statements_for_4_or_24_clients() {
    let app = spawn_app().await;
    let admin = app.admin();
    let caseload = "{ clients(first: 100) { totalCount edges { node { displayName status careTeam { displayName } } } } }";
    let few = app.statements_for(&admin, caseload).await;
    app.add_clients(&app.therapist(), 20).await;
    assert_eq!(app.roster_count(&admin).await, 24);
    let many = app.statements_for(&admin, caseload).await;
    assert_eq!(few, many, "statements grew with the number of clients");
    // Auth check, count, page, care teams (two queries), audit row: a handful, not one per client.
    assert!((3..=8).contains(&many), "{many} statements");
}
