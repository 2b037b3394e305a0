//! API credentials and INTEGRATOR tokens.

use serde_json::json;

use crate::helpers::*;

const CREATE: &str =
    "mutation($n: String!, $s: [ApiScope!]!) { createApiCredential(input: {name: $n, scopes: $s}) {
    credential { id name scopes revokedAt } secret } }";
const ISSUE: &str =
    "mutation($id: ID!, $s: String!) { issueServiceToken(input: {credentialId: $id, secret: $s}) {
    accessToken expiresAt } }";

#[tokio::test]
async fn an_admin_creates_a_credential_whose_secret_yields_integrator_tokens() {
    let app = spawn_app().await;
    let created = app
        .gql(
            Some(&app.admin()),
            CREATE,
            json!({ "n": "Acme EHR", "s": ["CLIENTS_READ", "CLIENTS_READ"] }),
        )
        .await
        .ok();
    assert_eq!(
        created.data("createApiCredential.credential.scopes"),
        &json!(["CLIENTS_READ"])
    );
    let id = created
        .data("createApiCredential.credential.id")
        .as_str()
        .unwrap()
        .to_owned();
    let secret = created
        .data("createApiCredential.secret")
        .as_str()
        .unwrap()
        .to_owned();
    let issued = app
        .gql(None, ISSUE, json!({ "id": id, "s": secret }))
        .await
        .ok();
    let token = issued
        .data("issueServiceToken.accessToken")
        .as_str()
        .unwrap()
        .to_owned();
    let me = app
        .gql(
            Some(&token),
            "{ viewer { role displayName scopes } clients { totalCount } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(me.data("viewer.role"), "INTEGRATOR");
    assert_eq!(me.data("viewer.displayName"), "Acme EHR");
    assert_eq!(me.data("viewer.scopes"), &json!(["CLIENTS_READ"]));
    assert_eq!(me.data("clients.totalCount"), 4);

    let wrong = app
        .gql(None, ISSUE, json!({ "id": id, "s": "msk_wrong" }))
        .await;
    assert_eq!(wrong.code(), "UNAUTHENTICATED");

    let revoked = app
        .gql(
            Some(&app.admin()),
            "mutation($id: ID!) { revokeApiCredential(input: {credentialId: $id}) { credential { revokedAt } } }",
            json!({ "id": id }),
        )
        .await
        .ok();
    assert!(
        revoked
            .data("revokeApiCredential.credential.revokedAt")
            .is_string()
    );
    // The token already issued stops working at once, and no new one is issued.
    let after = app
        .http
        .post(format!("{}/graphql", app.url))
        .bearer_auth(&token)
        .json(&json!({ "query": "{ clients { totalCount } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 401);
    assert_eq!(
        app.gql(None, ISSUE, json!({ "id": id, "s": secret }))
            .await
            .code(),
        "UNAUTHENTICATED"
    );
}

#[tokio::test]
async fn credentials_are_for_admins_and_need_a_name_and_a_scope() {
    let app = spawn_app().await;
    let before = app.count("api_credential").await;
    let therapist = app
        .gql(
            Some(&app.therapist()),
            CREATE,
            json!({ "n": "X", "s": ["CLIENTS_READ"] }),
        )
        .await;
    assert_eq!(therapist.code(), "FORBIDDEN");
    let no_scope = app
        .gql(Some(&app.admin()), CREATE, json!({ "n": "X", "s": [] }))
        .await;
    assert_eq!(
        (no_scope.code(), no_scope.field()),
        ("BAD_USER_INPUT", "input.scopes")
    );
    let no_name = app
        .gql(
            Some(&app.admin()),
            CREATE,
            json!({ "n": " ", "s": ["CLIENTS_READ"] }),
        )
        .await;
    assert_eq!(
        (no_name.code(), no_name.field()),
        ("BAD_USER_INPUT", "input.name")
    );
    let bad_id = app.gql(None, ISSUE, json!({ "id": "x", "s": "y" })).await;
    assert_eq!(
        (bad_id.code(), bad_id.field()),
        ("BAD_USER_INPUT", "input.credentialId")
    );
    assert_eq!(app.count("api_credential").await, before);
}

#[tokio::test]
async fn an_integrator_with_clients_write_syncs_clients_from_the_ehr() {
    let app = spawn_app().await;
    let token = app
        .integrator(
            &app.a,
            &[
                momentum_api::auth::Scope::ClientsRead,
                momentum_api::auth::Scope::ClientsWrite,
            ],
        )
        .await;
    let res = app
        .gql(
            Some(&token),
            "mutation($t: [ID!]) { createClient(input: {displayName: \"Synced\", timezone: \"UTC\", externalRef: \"EHR-42\", therapistIds: $t}) {
                client { externalRef careTeam { displayName } } } }",
            json!({ "t": [app.a.therapist_ids[1].to_string()] }),
        )
        .await
        .ok();
    assert_eq!(res.data("createClient.client.externalRef"), "EHR-42");
    assert_eq!(
        res.data("createClient.client.careTeam.0.displayName"),
        "Dr. Morgan Blake"
    );
    assert_eq!(app.roster_count(&app.therapist2()).await, 3);
}
