//! Resources (library, shares, opened state) and the client's support network.

use momentum_api::auth::Scope;
use serde_json::{Value, json};

use crate::helpers::*;

const SHARE: &str = "share { id note opened openedAt resource { title kind url tags } }";

async fn create(app: &TestApp, token: &str, input: Value) -> Gql {
    mutate(
        app,
        token,
        "createResource",
        "CreateResourceInput",
        input,
        "resource { id title kind url tags description }",
    )
    .await
}

fn crisis_line() -> Value {
    json!({ "title": "988 Suicide & Crisis Lifeline", "kind": "CRISIS_LINE", "url": "https://988lifeline.org",
            "description": "Call or text 988, any time, for free and confidential support.", "tags": ["Crisis", "crisis", "24/7"] })
}

async fn share(
    app: &TestApp,
    token: &str,
    client: &str,
    resource: &str,
    note: Option<&str>,
) -> Gql {
    mutate(
        app,
        token,
        "shareResource",
        "ShareResourceInput",
        json!({ "clientId": client, "resourceId": resource, "note": note }),
        SHARE,
    )
    .await
}

#[tokio::test]
async fn a_shared_resource_reaches_the_client_who_marks_it_opened() {
    let app = spawn_app().await;
    let t = app.therapist();
    let c = app.client();
    let client = app.a.client_ids[0].to_string();
    let res = create(&app, &t, crisis_line()).await.ok();
    assert_eq!(
        res.data("createResource.resource.url"),
        "https://988lifeline.org/"
    );
    assert_eq!(
        res.data("createResource.resource.tags"),
        &json!(["crisis", "24/7"])
    );
    let id = res
        .data("createResource.resource.id")
        .as_str()
        .unwrap()
        .to_owned();
    let res = share(
        &app,
        &t,
        &client,
        &id,
        Some("Keep this number in your phone"),
    )
    .await
    .ok();
    assert_eq!(res.data("shareResource.share.opened"), false);
    let share_id = res
        .data("shareResource.share.id")
        .as_str()
        .unwrap()
        .to_owned();
    // Sharing again updates the note rather than duplicating.
    share(&app, &t, &client, &id, Some("Saved in your contacts?"))
        .await
        .ok();
    assert_eq!(app.count("resource_share").await, 1);

    let list = "query($id: ID!) { client(id: $id) { resources { id note opened resource { title kind } } } }";
    let res = app.gql(Some(&c), list, json!({ "id": client })).await.ok();
    assert_eq!(
        res.data("client.resources.0.note"),
        "Saved in your contacts?"
    );
    assert_eq!(res.data("client.resources.0.resource.kind"), "CRISIS_LINE");
    let open = |token: String| {
        let app = &app;
        let share_id = share_id.clone();
        async move {
            mutate(
                app,
                &token,
                "markResourceOpened",
                "MarkResourceOpenedInput",
                json!({ "shareId": share_id }),
                SHARE,
            )
            .await
        }
    };
    assert_eq!(open(t.clone()).await.code(), "FORBIDDEN");
    let first = open(c.clone()).await.ok();
    assert_eq!(first.data("markResourceOpened.share.opened"), true);
    let again = open(c.clone()).await.ok();
    assert_eq!(
        again.data("markResourceOpened.share.openedAt"),
        first.data("markResourceOpened.share.openedAt")
    );
    let res = app.gql(Some(&t), list, json!({ "id": client })).await.ok();
    assert_eq!(res.data("client.resources.0.opened"), true);
    let kinds: Vec<String> = app
        .event_kinds(app.a.client_ids[0])
        .await
        .into_iter()
        .filter(|k| k.starts_with("RESOURCE"))
        .collect();
    assert_eq!(
        kinds,
        ["RESOURCE_SHARED", "RESOURCE_SHARED", "RESOURCE_OPENED"]
    );
    // Another client cannot open it.
    assert_eq!(open(app.client2()).await.code(), "NOT_FOUND");
}

#[tokio::test]
async fn the_resource_library_is_for_staff_and_urls_are_web_addresses() {
    let app = spawn_app().await;
    let t = app.therapist();
    assert_eq!(
        create(&app, &app.client(), crisis_line()).await.code(),
        "FORBIDDEN"
    );
    let roster = app.integrator(&app.a, &[Scope::ClientsWrite]).await;
    assert_eq!(
        create(&app, &roster, crisis_line()).await.code(),
        "FORBIDDEN"
    );
    for (patch, field) in [
        (json!({ "url": "javascript:alert(1)" }), "input.url"),
        (
            json!({ "url": "ftp://files.example.org/a.pdf" }),
            "input.url",
        ),
        (json!({ "url": "https://" }), "input.url"),
        (json!({ "title": "" }), "input.title"),
        (json!({ "description": " " }), "input.description"),
        (json!({ "tags": [""] }), "input.tags"),
    ] {
        let mut input = crisis_line();
        for (k, v) in patch.as_object().unwrap() {
            input[k] = v.clone();
        }
        let res = create(&app, &t, input.clone()).await;
        assert_eq!(res.code(), "BAD_USER_INPUT", "{input}");
        assert_eq!(res.field(), field, "{input}");
    }
    assert_eq!(app.count("resource").await, 0);
    create(&app, &t, crisis_line()).await.ok();
    create(&app, &t, json!({ "title": "Feeling Good", "kind": "BOOK", "description": "David Burns' classic on CBT." })).await.ok();
    let res = app
        .gql(
            Some(&app.admin()),
            "{ resources(kind: BOOK) { totalCount edges { node { title url } } } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(res.data("resources.totalCount"), 1);
    assert_eq!(res.data("resources.edges.0.node.url"), &Value::Null);
    let res = app
        .gql(
            Some(&app.other_practice_therapist()),
            "{ resources { totalCount } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(res.data("resources.totalCount"), 0);
    assert_eq!(
        app.gql(
            Some(&app.client()),
            "{ resources { totalCount } }",
            json!({})
        )
        .await
        .code(),
        "FORBIDDEN"
    );
}

#[tokio::test]
async fn sharing_checks_scope_and_the_resource() {
    let app = spawn_app().await;
    let t = app.therapist();
    let id = create(&app, &t, crisis_line())
        .await
        .ok()
        .data("createResource.resource.id")
        .as_str()
        .unwrap()
        .to_owned();
    let mine = app.a.client_ids[0].to_string();
    assert_eq!(
        share(&app, &app.therapist2(), &mine, &id, None)
            .await
            .code(),
        "NOT_FOUND"
    );
    assert_eq!(
        share(&app, &app.client(), &mine, &id, None).await.code(),
        "FORBIDDEN"
    );
    let other_practice_resource = create(&app, &app.other_practice_therapist(), crisis_line())
        .await
        .ok();
    let theirs = other_practice_resource
        .data("createResource.resource.id")
        .as_str()
        .unwrap();
    assert_eq!(
        share(&app, &t, &mine, theirs, None).await.field(),
        "input.resourceId"
    );
    assert_eq!(
        share(&app, &t, &mine, &id, Some(&"n".repeat(1001)))
            .await
            .field(),
        "input.note"
    );
    assert_eq!(app.count("resource_share").await, 0);
}

#[tokio::test]
async fn the_client_keeps_their_support_network_and_the_care_team_reads_it() {
    let app = spawn_app().await;
    let c = app.client();
    let t = app.therapist();
    let add = |input: Value| {
        let app = &app;
        let c = c.clone();
        async move {
            mutate(
                app,
                &c,
                "addSupportContact",
                "AddSupportContactInput",
                input,
                "contact { id name relationship howTheyHelp phone version }",
            )
            .await
        }
    };
    let res = add(json!({ "name": "Dana", "relationship": "sister", "howTheyHelp": "Walks with me on Sundays", "phone": "+1 555 0100" })).await.ok();
    let id = res
        .data("addSupportContact.contact.id")
        .as_str()
        .unwrap()
        .to_owned();
    add(json!({ "name": "Alex", "relationship": "friend" }))
        .await
        .ok();
    for (input, field) in [
        (
            json!({ "name": "", "relationship": "friend" }),
            "input.name",
        ),
        (
            json!({ "name": "A", "relationship": " " }),
            "input.relationship",
        ),
        (
            json!({ "name": "A", "relationship": "r", "phone": "1".repeat(41) }),
            "input.phone",
        ),
    ] {
        assert_eq!(add(input).await.field(), field);
    }
    // Only the client adds to their network.
    let res = mutate(
        &app,
        &t,
        "addSupportContact",
        "AddSupportContactInput",
        json!({ "name": "X", "relationship": "y" }),
        "contact { id }",
    )
    .await;
    assert_eq!(res.code(), "FORBIDDEN");
    let update = |version: i32, input: Value| {
        let app = &app;
        let c = c.clone();
        let id = id.clone();
        async move {
            let mut input = input;
            input["contactId"] = json!(id);
            input["expectedVersion"] = json!(version);
            mutate(
                app,
                &c,
                "updateSupportContact",
                "UpdateSupportContactInput",
                input,
                "contact { name phone howTheyHelp version }",
            )
            .await
        }
    };
    let res = update(
        1,
        json!({ "phone": null, "howTheyHelp": "Calls me when I'm low" }),
    )
    .await
    .ok();
    assert_eq!(res.data("updateSupportContact.contact.phone"), &Value::Null);
    assert_eq!(res.data("updateSupportContact.contact.name"), "Dana");
    assert_eq!(res.data("updateSupportContact.contact.version"), 2);
    assert_eq!(update(1, json!({ "name": "D" })).await.code(), "CONFLICT");
    assert_eq!(
        update(2, json!({ "name": null })).await.field(),
        "input.name"
    );

    let list =
        "query($id: ID!) { client(id: $id) { supportContacts { name relationship howTheyHelp } } }";
    let client = app.a.client_ids[0].to_string();
    let res = app.gql(Some(&t), list, json!({ "id": client })).await.ok();
    assert_eq!(res.data("client.supportContacts.0.name"), "Alex");
    assert_eq!(
        res.data("client.supportContacts.1.howTheyHelp"),
        "Calls me when I'm low"
    );
    for token in [app.therapist2(), app.admin(), app.client2()] {
        assert_eq!(
            app.gql(Some(&token), list, json!({ "id": client }))
                .await
                .code(),
            "NOT_FOUND"
        );
    }
    // Another client cannot remove it; the client can.
    let remove = |token: String| {
        let app = &app;
        let id = id.clone();
        async move {
            mutate(
                app,
                &token,
                "removeSupportContact",
                "RemoveSupportContactInput",
                json!({ "contactId": id }),
                "removedId",
            )
            .await
        }
    };
    assert_eq!(remove(app.client2()).await.code(), "NOT_FOUND");
    remove(c.clone()).await.ok();
    assert_eq!(app.count("support_contact").await, 1);
    let kinds: Vec<String> = app
        .event_kinds(app.a.client_ids[0])
        .await
        .into_iter()
        .filter(|k| k.starts_with("SUPPORT"))
        .collect();
    assert_eq!(
        kinds,
        [
            "SUPPORT_CONTACT_ADDED",
            "SUPPORT_CONTACT_ADDED",
            "SUPPORT_CONTACT_UPDATED",
            "SUPPORT_CONTACT_REMOVED"
        ]
    );
}
