//! Homework: the practice's template library and its starter set.

use momentum_api::auth::Scope;
use serde_json::{Value, json};

use crate::{goals::mutate, helpers::*};

const LIBRARY: &str =
    "query($filter: HomeworkTemplateFilter) { homeworkTemplates(first: 100, filter: $filter) {
    totalCount edges { node { id title kind instructions purpose estimatedMinutes starter } } } }";

async fn library(app: &TestApp, token: &str, filter: Value) -> Gql {
    app.gql(Some(token), LIBRARY, json!({ "filter": filter }))
        .await
}

fn nodes(res: &Gql) -> Vec<Value> {
    res.data("homeworkTemplates.edges")
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

#[tokio::test]
async fn every_new_practice_starts_with_a_well_written_starter_library() {
    let app = spawn_app().await;
    let res = library(&app, &app.therapist(), json!(null)).await.ok();
    let templates = nodes(&res);
    assert!(templates.len() >= 8, "{}", templates.len());
    assert_eq!(res.data("homeworkTemplates.totalCount"), templates.len());
    let mut kinds: Vec<&str> = templates
        .iter()
        .map(|t| t["kind"].as_str().unwrap())
        .collect();
    kinds.sort_unstable();
    kinds.dedup();
    assert_eq!(kinds.len(), 7, "every kind has a starter: {kinds:?}");
    for t in &templates {
        assert_eq!(t["starter"], true);
        assert!(t["instructions"].as_str().unwrap().len() > 80, "{t}");
        assert!(t["purpose"].as_str().unwrap().len() > 60, "{t}");
        assert!(t["estimatedMinutes"].as_i64().unwrap() > 0);
    }
    // Sorted by title, and each practice has its own copy.
    let titles: Vec<&str> = templates
        .iter()
        .map(|t| t["title"].as_str().unwrap())
        .collect();
    let mut sorted = titles.clone();
    sorted.sort_unstable();
    assert_eq!(titles, sorted);
    let other = library(&app, &app.other_practice_therapist(), json!(null))
        .await
        .ok();
    let other_ids: Vec<Value> = nodes(&other).iter().map(|t| t["id"].clone()).collect();
    assert_eq!(other_ids.len(), templates.len());
    assert!(templates.iter().all(|t| !other_ids.contains(&t["id"])));
    let res = app
        .gql(
            Some(&app.other_practice_therapist()),
            "query($id: ID!) { homeworkTemplate(id: $id) { id } }",
            json!({ "id": templates[0]["id"] }),
        )
        .await;
    assert_eq!(res.code(), "NOT_FOUND");
}

#[tokio::test]
async fn the_library_is_for_the_care_team_and_scoped_integrators() {
    let app = spawn_app().await;
    assert_eq!(
        library(&app, &app.client(), json!(null)).await.code(),
        "FORBIDDEN"
    );
    let admin = library(&app, &app.admin(), json!(null)).await.ok();
    assert!(admin.data("homeworkTemplates.totalCount").as_i64().unwrap() >= 8);
    let reader = app.integrator(&app.a, &[Scope::ClinicalRead]).await;
    library(&app, &reader, json!(null)).await.ok();
    let roster = app.integrator(&app.a, &[Scope::ClientsRead]).await;
    assert_eq!(
        library(&app, &roster, json!(null)).await.code(),
        "FORBIDDEN"
    );
    let input = json!({ "title": "t", "kind": "OTHER", "instructions": "do it", "purpose": "why" });
    for token in [app.client(), reader] {
        let res = mutate(
            &app,
            &token,
            "createHomeworkTemplate",
            "CreateHomeworkTemplateInput",
            input.clone(),
            "template { id }",
        )
        .await;
        assert_eq!(res.code(), "FORBIDDEN");
    }
}

#[tokio::test]
async fn a_therapist_adds_a_template_and_filters_the_library_by_kind() {
    let app = spawn_app().await;
    let t = app.therapist();
    let before = app.count("homework_template").await;
    let res = mutate(
        &app,
        &t,
        "createHomeworkTemplate",
        "CreateHomeworkTemplateInput",
        json!({ "title": "  Worry time ", "kind": "SKILL_PRACTICE", "estimatedMinutes": 15,
                "instructions": "Set aside 15 minutes at 6pm.\nWrite worries down during the day and save them for then.",
                "purpose": "Postponing worry shows it can wait, and loosens its grip on the rest of the day." }),
        "template { id title kind starter estimatedMinutes instructions }",
    )
    .await
    .ok();
    assert_eq!(
        res.data("createHomeworkTemplate.template.title"),
        "Worry time"
    );
    assert_eq!(res.data("createHomeworkTemplate.template.starter"), false);
    assert!(
        res.data("createHomeworkTemplate.template.instructions")
            .as_str()
            .unwrap()
            .contains('\n')
    );
    assert_eq!(app.count("homework_template").await, before + 1);
    let skills = library(&app, &t, json!({ "kind": "SKILL_PRACTICE" }))
        .await
        .ok();
    let titles: Vec<String> = nodes(&skills)
        .iter()
        .map(|n| n["title"].as_str().unwrap().to_owned())
        .collect();
    assert!(titles.contains(&"Worry time".to_owned()));
    assert!(nodes(&skills).iter().all(|n| n["kind"] == "SKILL_PRACTICE"));
    // The other practice does not get it.
    let other = library(
        &app,
        &app.other_practice_therapist(),
        json!({ "kind": "SKILL_PRACTICE" }),
    )
    .await
    .ok();
    assert!(nodes(&other).iter().all(|n| n["title"] != "Worry time"));
}

#[tokio::test]
async fn bad_template_input_names_the_field_and_writes_nothing() {
    let app = spawn_app().await;
    let t = app.therapist();
    let before = app.count("homework_template").await;
    let ok = json!({ "title": "t", "kind": "OTHER", "instructions": "do it", "purpose": "why" });
    for (patch, field) in [
        (json!({ "title": "" }), "input.title"),
        (json!({ "title": "x".repeat(201) }), "input.title"),
        (json!({ "instructions": " " }), "input.instructions"),
        (
            json!({ "instructions": "x".repeat(4001) }),
            "input.instructions",
        ),
        (json!({ "purpose": "" }), "input.purpose"),
        (json!({ "estimatedMinutes": 0 }), "input.estimatedMinutes"),
        (json!({ "estimatedMinutes": 241 }), "input.estimatedMinutes"),
    ] {
        let mut input = ok.clone();
        for (k, v) in patch.as_object().unwrap() {
            input[k] = v.clone();
        }
        let res = mutate(
            &app,
            &t,
            "createHomeworkTemplate",
            "CreateHomeworkTemplateInput",
            input.clone(),
            "template { id }",
        )
        .await;
        assert_eq!(res.code(), "BAD_USER_INPUT", "{input}");
        assert_eq!(res.field(), field, "{input}");
    }
    assert_eq!(app.count("homework_template").await, before);
}
