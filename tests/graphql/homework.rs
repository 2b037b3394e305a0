//! Homework: the practice's template library and its starter set.

use momentum_api::auth::Scope;
use serde_json::{Value, json};

use crate::helpers::*;

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

const HOMEWORK: &str = "homework { id title kind status purpose completionRate overdue reviewNotes reviewNotesPrivate
    template { title } goal { title } submittedAt
    occurrences { id dueAt outcome reflection difficulty helpfulness obstaclesMet reportedBy { role } } }";

async fn assign(app: &TestApp, token: &str, input: Value) -> Gql {
    mutate(
        app,
        token,
        "assignHomework",
        "AssignHomeworkInput",
        input,
        HOMEWORK,
    )
    .await
}

async fn act(app: &TestApp, token: &str, name: &str, input_type: &str, input: Value) -> Gql {
    mutate(app, token, name, input_type, input, HOMEWORK).await
}

async fn thought_record_template(app: &TestApp) -> String {
    let res = library(app, &app.therapist(), json!({ "kind": "THOUGHT_RECORD" }))
        .await
        .ok();
    nodes(&res)[0]["id"].as_str().unwrap().to_owned()
}

fn in_hours(h: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::hours(h)).to_rfc3339()
}

#[tokio::test]
async fn one_off_homework_goes_from_assigned_to_reviewed_with_private_notes() {
    let app = spawn_app().await;
    let t = app.therapist();
    let c = app.client();
    let client = app.a.client_ids[0].to_string();
    let goal = crate::fixtures::goal_id(
        &app,
        &t,
        app.a.client_ids[0],
        json!({ "title": "Fewer panic attacks" }),
    )
    .await;
    let template = thought_record_template(&app).await;
    let res = assign(&app, &t, json!({ "clientId": client, "templateId": template, "goalId": goal, "dueAt": in_hours(48) })).await.ok();
    let h = |p: &str| res.data(&format!("assignHomework.homework.{p}")).clone();
    assert_eq!(h("status"), "ASSIGNED");
    assert_eq!(h("kind"), "THOUGHT_RECORD");
    assert_eq!(h("title"), "Thought record");
    assert_eq!(h("template.title"), "Thought record");
    assert_eq!(h("goal.title"), "Fewer panic attacks");
    assert_eq!(h("completionRate"), Value::Null);
    assert_eq!(h("occurrences").as_array().unwrap().len(), 1);
    let id = h("id").as_str().unwrap().to_owned();

    let res = act(
        &app,
        &c,
        "startHomework",
        "StartHomeworkInput",
        json!({ "homeworkId": id }),
    )
    .await
    .ok();
    assert_eq!(res.data("startHomework.homework.status"), "IN_PROGRESS");
    let res = act(
        &app,
        &c,
        "submitHomework",
        "SubmitHomeworkInput",
        json!({
        "homeworkId": id, "outcome": "COMPLETED", "reflection": "Caught the thought on the bus",
        "difficulty": 6, "helpfulness": 8, "obstaclesMet": ["FEAR_OF_FAILURE"] }),
    )
    .await
    .ok();
    let h = |p: &str| res.data(&format!("submitHomework.homework.{p}")).clone();
    assert_eq!(h("status"), "COMPLETED");
    assert_eq!(h("completionRate"), 1.0);
    assert_eq!(h("overdue"), false);
    assert_eq!(h("occurrences.0.reportedBy.role"), "CLIENT");
    assert_eq!(h("occurrences.0.obstaclesMet"), json!(["FEAR_OF_FAILURE"]));
    assert_eq!(h("occurrences.0.helpfulness"), 8);
    // A second submission has nothing left to submit.
    let res = act(
        &app,
        &c,
        "submitHomework",
        "SubmitHomeworkInput",
        json!({ "homeworkId": id, "outcome": "COMPLETED" }),
    )
    .await;
    assert_eq!(res.code(), "CONFLICT");

    let to_review = "query($id: ID!) { client(id: $id) { homeworkToReview { id } } }";
    let res = app
        .gql(Some(&t), to_review, json!({ "id": client }))
        .await
        .ok();
    assert_eq!(res.data("client.homeworkToReview.0.id"), id.as_str());
    let review =
        json!({ "homeworkId": id, "notes": "Consider graded exposure next", "private": true });
    assert_eq!(
        act(
            &app,
            &c,
            "reviewHomework",
            "ReviewHomeworkInput",
            review.clone()
        )
        .await
        .code(),
        "FORBIDDEN"
    );
    let res = act(
        &app,
        &t,
        "reviewHomework",
        "ReviewHomeworkInput",
        review.clone(),
    )
    .await
    .ok();
    assert_eq!(res.data("reviewHomework.homework.status"), "REVIEWED");
    assert_eq!(
        res.data("reviewHomework.homework.reviewNotes"),
        "Consider graded exposure next"
    );
    assert_eq!(
        act(&app, &t, "reviewHomework", "ReviewHomeworkInput", review)
            .await
            .code(),
        "CONFLICT"
    );
    // The client never sees the private note.
    let read = "query($id: ID!) { homework(id: $id) { status reviewNotes reviewNotesPrivate } }";
    let res = app.gql(Some(&c), read, json!({ "id": id })).await.ok();
    assert_eq!(res.data("homework.reviewNotes"), &Value::Null);
    assert_eq!(res.data("homework.reviewNotesPrivate"), true);
    let res = app
        .gql(
            Some(&c),
            "query($id: ID!) { client(id: $id) { homework { reviewNotes } } }",
            json!({ "id": client }),
        )
        .await
        .ok();
    assert_eq!(res.data("client.homework.0.reviewNotes"), &Value::Null);
    let res = app
        .gql(Some(&t), to_review, json!({ "id": client }))
        .await
        .ok();
    assert_eq!(res.data("client.homeworkToReview"), &json!([]));

    let kinds: Vec<String> = app
        .event_kinds(app.a.client_ids[0])
        .await
        .into_iter()
        .filter(|k| k.starts_with("HOMEWORK"))
        .collect();
    assert_eq!(
        kinds,
        [
            "HOMEWORK_ASSIGNED",
            "HOMEWORK_STARTED",
            "HOMEWORK_SUBMITTED",
            "HOMEWORK_REVIEWED"
        ]
    );
}

#[tokio::test]
async fn recurring_homework_is_submitted_occurrence_by_occurrence() {
    let app = spawn_app().await;
    let t = app.therapist();
    let c = app.client();
    let today = momentum_api::values::local_today("America/New_York", chrono::Utc::now());
    let res = assign(&app, &t, json!({
        "clientId": app.a.client_ids[0].to_string(), "title": "Breathing practice",
        "instructions": "Practise paced breathing for 10 minutes every morning.",
        "kind": "SKILL_PRACTICE",
        "recurrence": { "recurrence": { "kind": "DAILY" }, "until": (today + chrono::Duration::days(13)).to_string(), "timeOfDay": "09:00" },
    })).await.ok();
    let occurrences = res
        .data("assignHomework.homework.occurrences")
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(occurrences.len(), 14, "two weeks of mornings");
    let id = res
        .data("assignHomework.homework.id")
        .as_str()
        .unwrap()
        .to_owned();
    let submit = |by: String, occurrence: Option<Value>, outcome: &'static str| {
        let app = &app;
        let id = id.clone();
        async move {
            act(
                app,
                &by,
                "submitHomework",
                "SubmitHomeworkInput",
                json!({ "homeworkId": id, "occurrenceId": occurrence, "outcome": outcome }),
            )
            .await
        }
    };
    submit(c.clone(), None, "COMPLETED").await.ok();
    let res = submit(c.clone(), Some(occurrences[1]["id"].clone()), "PARTIAL")
        .await
        .ok();
    assert_eq!(res.data("submitHomework.homework.status"), "IN_PROGRESS");
    // A therapist records what the client reported in session.
    let res = submit(t.clone(), None, "NOT_DONE").await.ok();
    let h = |p: &str| res.data(&format!("submitHomework.homework.{p}")).clone();
    assert_eq!(h("occurrences.0.outcome"), "COMPLETED");
    assert_eq!(h("occurrences.1.outcome"), "PARTIAL");
    assert_eq!(h("occurrences.2.outcome"), "NOT_DONE");
    assert_eq!(h("occurrences.2.reportedBy.role"), "THERAPIST");
    assert_eq!(h("occurrences.0.reportedBy.role"), "CLIENT");
    // (1 + 0.5 + 0) / 3 submitted; the rest are not due yet, except possibly today's.
    let rate = h("completionRate").as_f64().unwrap();
    assert!(rate == 0.5 || (rate - 1.5 / 4.0).abs() < 1e-9, "{rate}");
    assert_eq!(
        submit(c.clone(), Some(occurrences[1]["id"].clone()), "COMPLETED")
            .await
            .code(),
        "CONFLICT"
    );
    assert_eq!(
        submit(
            c.clone(),
            Some(json!(uuid::Uuid::now_v7().to_string())),
            "COMPLETED"
        )
        .await
        .field(),
        "input.occurrenceId"
    );
}

#[tokio::test]
async fn homework_is_overdue_once_due_without_a_submission() {
    let app = spawn_app().await;
    let t = app.therapist();
    let res = assign(&app, &t, json!({ "clientId": app.a.client_ids[0].to_string(), "title": "Journal", "instructions": "Write three lines.", "dueAt": in_hours(1) })).await.ok();
    assert_eq!(res.data("assignHomework.homework.overdue"), false);
    let id = res
        .data("assignHomework.homework.id")
        .as_str()
        .unwrap()
        .to_owned();
    // Two hours pass.
    use sea_orm::ConnectionTrait as _;
    let backend = app.db.get_database_backend();
    let sql = match backend {
        sea_orm::DatabaseBackend::Postgres => {
            "UPDATE homework_occurrence SET due_at = $1 WHERE homework_id = $2"
        }
        _ => "UPDATE homework_occurrence SET due_at = ? WHERE homework_id = ?",
    };
    app.db
        .execute_raw(sea_orm::Statement::from_sql_and_values(
            backend,
            sql,
            [
                (chrono::Utc::now() - chrono::Duration::hours(1)).into(),
                uuid::Uuid::parse_str(&id).unwrap().into(),
            ],
        ))
        .await
        .unwrap();
    let read = "query($id: ID!) { homework(id: $id) { overdue completionRate } }";
    let res = app.gql(Some(&t), read, json!({ "id": id })).await.ok();
    assert_eq!(res.data("homework.overdue"), true);
    assert_eq!(res.data("homework.completionRate"), 0.0);
    act(
        &app,
        &app.client(),
        "submitHomework",
        "SubmitHomeworkInput",
        json!({ "homeworkId": id, "outcome": "PARTIAL" }),
    )
    .await
    .ok();
    let res = app.gql(Some(&t), read, json!({ "id": id })).await.ok();
    assert_eq!(res.data("homework.overdue"), false);
    assert_eq!(res.data("homework.completionRate"), 0.5);
}

#[tokio::test]
async fn clients_cannot_assign_and_other_clients_homework_is_not_found() {
    let app = spawn_app().await;
    let t = app.therapist();
    let input = json!({ "clientId": app.a.client_ids[0].to_string(), "title": "Journal", "instructions": "Write.", "dueAt": in_hours(24) });
    assert_eq!(
        assign(&app, &app.client(), input.clone()).await.code(),
        "FORBIDDEN"
    );
    let res = assign(&app, &t, input.clone()).await.ok();
    let id = res
        .data("assignHomework.homework.id")
        .as_str()
        .unwrap()
        .to_owned();
    for token in [
        app.client2(),
        app.therapist2(),
        app.admin(),
        app.other_practice_therapist(),
    ] {
        let res = app
            .gql(
                Some(&token),
                "query($id: ID!) { homework(id: $id) { id } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(res.code(), "NOT_FOUND");
        let res = act(
            &app,
            &token,
            "submitHomework",
            "SubmitHomeworkInput",
            json!({ "homeworkId": id, "outcome": "COMPLETED" }),
        )
        .await;
        assert_eq!(res.code(), "NOT_FOUND");
    }
    assert_eq!(
        assign(&app, &app.therapist2(), input).await.code(),
        "NOT_FOUND"
    );
    assert_eq!(app.count("homework").await, 1);
}

#[tokio::test]
async fn bad_homework_input_names_the_field_and_writes_nothing() {
    let app = spawn_app().await;
    let t = app.therapist();
    let client = app.a.client_ids[0].to_string();
    let other_goal =
        crate::fixtures::goal_id(&app, &t, app.a.client_ids[1], json!({ "title": "theirs" })).await;
    let today = momentum_api::values::local_today("America/New_York", chrono::Utc::now());
    let events = app.count("event").await;
    let base = json!({ "clientId": client, "title": "Journal", "instructions": "Write.", "dueAt": in_hours(24) });
    for (patch, field) in [
        (json!({ "title": null }), "input.title"),
        (json!({ "instructions": "  " }), "input.instructions"),
        (json!({ "dueAt": null }), "input.dueAt"),
        (json!({ "dueAt": in_hours(-3) }), "input.dueAt"),
        (
            json!({ "recurrence": { "recurrence": { "kind": "DAILY" }, "until": today.to_string() } }),
            "input.dueAt",
        ),
        (
            json!({ "dueAt": null, "recurrence": { "recurrence": { "kind": "DAILY" }, "until": (today + chrono::Duration::days(100)).to_string() } }),
            "input.recurrence.until",
        ),
        (
            json!({ "dueAt": null, "recurrence": { "recurrence": { "kind": "WEEKLY" }, "until": today.to_string() } }),
            "input.recurrence.recurrence.days",
        ),
        (
            json!({ "dueAt": null, "recurrence": { "recurrence": { "kind": "DAILY" }, "until": today.to_string(), "timeOfDay": "9am" } }),
            "input.recurrence.timeOfDay",
        ),
        (json!({ "goalId": other_goal }), "input.goalId"),
        (
            json!({ "actionId": uuid::Uuid::now_v7().to_string() }),
            "input.actionId",
        ),
        (
            json!({ "templateId": uuid::Uuid::now_v7().to_string() }),
            "input.templateId",
        ),
        (
            json!({ "assignedInSessionId": uuid::Uuid::now_v7().to_string() }),
            "input.assignedInSessionId",
        ),
    ] {
        let mut input = base.clone();
        for (k, v) in patch.as_object().unwrap() {
            input[k] = v.clone();
        }
        let res = assign(&app, &t, input.clone()).await;
        assert_eq!(res.code(), "BAD_USER_INPUT", "{input}");
        assert_eq!(res.field(), field, "{input}");
    }
    assert_eq!(app.count("homework").await, 0);
    assert_eq!(app.count("homework_occurrence").await, 0);
    let id = assign(&app, &t, base)
        .await
        .ok()
        .data("assignHomework.homework.id")
        .as_str()
        .unwrap()
        .to_owned();
    for (patch, field) in [
        (json!({ "difficulty": 11 }), "input.difficulty"),
        (json!({ "helpfulness": -1 }), "input.helpfulness"),
        (
            json!({ "reflection": "r".repeat(2001) }),
            "input.reflection",
        ),
    ] {
        let mut input = json!({ "homeworkId": id, "outcome": "COMPLETED" });
        for (k, v) in patch.as_object().unwrap() {
            input[k] = v.clone();
        }
        let res = act(
            &app,
            &app.client(),
            "submitHomework",
            "SubmitHomeworkInput",
            input.clone(),
        )
        .await;
        assert_eq!(res.field(), field, "{input}");
    }
    assert_eq!(
        app.count("event").await,
        events + 1,
        "only the one good assignment"
    );
}

#[tokio::test]
async fn a_session_lists_the_homework_due_since_the_previous_one() {
    let app = spawn_app().await;
    let t = app.therapist();
    let client = app.a.client_ids[0].to_string();
    let session = |at: String| {
        let app = &app;
        let t = t.clone();
        let client = client.clone();
        async move {
            let res = mutate(
                app,
                &t,
                "scheduleSession",
                "ScheduleSessionInput",
                json!({ "clientId": client, "scheduledAt": at }),
                "session { id }",
            )
            .await
            .ok();
            res.data("scheduleSession.session.id")
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let last_week = session(in_hours(-24 * 7)).await;
    let next_week = session(in_hours(24 * 7)).await;
    let later = session(in_hours(24 * 14)).await;
    let due_soon = assign(&app, &t, json!({ "clientId": client, "title": "Journal", "instructions": "Write.", "dueAt": in_hours(24), "assignedInSessionId": last_week }))
        .await
        .ok();
    let due_soon = due_soon
        .data("assignHomework.homework.id")
        .as_str()
        .unwrap()
        .to_owned();
    assign(&app, &t, json!({ "clientId": client, "title": "Reading", "instructions": "Read.", "dueAt": in_hours(24 * 10) })).await.ok();
    let agenda = "query($id: ID!) { therapySession(id: $id) { homeworkToReview { id title } } }";
    let res = app
        .gql(Some(&t), agenda, json!({ "id": next_week }))
        .await
        .ok();
    assert_eq!(
        res.data("therapySession.homeworkToReview"),
        &json!([{ "id": due_soon, "title": "Journal" }])
    );
    let res = app.gql(Some(&t), agenda, json!({ "id": later })).await.ok();
    assert_eq!(
        res.data("therapySession.homeworkToReview.0.title"),
        "Reading"
    );
    assert_eq!(
        res.data("therapySession.homeworkToReview")
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let res = app
        .gql(Some(&t), agenda, json!({ "id": last_week }))
        .await
        .ok();
    assert_eq!(res.data("therapySession.homeworkToReview"), &json!([]));
}

#[tokio::test]
async fn homework_with_templates_and_goals_of_a_caseload_loads_without_n_plus_one() {
    let app = spawn_app().await;
    let t = app.therapist();
    let template = thought_record_template(&app).await;
    let query = "{ clients(first: 50) { edges { node { homework { template { title } goal { title } completionRate } } } } }";
    let seed = |client: uuid::Uuid| {
        let app = &app;
        let t = t.clone();
        let template = template.clone();
        async move {
            let goal = crate::fixtures::goal_id(app, &t, client, json!({ "title": "g" })).await;
            for _ in 0..2 {
                assign(app, &t, json!({ "clientId": client.to_string(), "templateId": template, "goalId": goal, "dueAt": in_hours(24) })).await.ok();
            }
        }
    };
    for c in &app.a.client_ids[..2] {
        seed(*c).await;
    }
    let small = app.statements_for(&t, query).await;
    for id in app.add_clients(&t, 3).await {
        seed(id).await;
    }
    let res = app.gql(Some(&t), query, json!({})).await.ok();
    assert_eq!(
        res.data("clients.edges.4.node.homework.1.template.title"),
        "Thought record"
    );
    assert_eq!(res.data("clients.edges.4.node.homework.1.goal.title"), "g");
    assert_eq!(small, app.statements_for(&t, query).await);
}

#[tokio::test]
async fn the_demo_has_sessions_homework_in_every_state_resources_check_ins_and_support() {
    let app = spawn_app().await;
    momentum_api::demo::seed_demo(&app.db).await.unwrap();
    let login = app.login("therapist@demo.test", PASSWORD).await.ok();
    let token = login.data("login.accessToken").as_str().unwrap().to_owned();
    let res = app
        .gql(
            Some(&token),
            "{ clients { edges { node { displayName nextSession { id } lastSession { id }
                homework { status } homeworkToReview { id } resources { opened resource { kind } }
                checkIns { status } supportContacts { name } } } } }",
            json!({}),
        )
        .await
        .ok();
    let clients = res.data("clients.edges").as_array().unwrap().clone();
    for c in &clients {
        assert!(c["node"]["nextSession"]["id"].is_string(), "{c}");
        assert!(c["node"]["lastSession"]["id"].is_string(), "{c}");
    }
    let casey = &clients
        .iter()
        .find(|c| c["node"]["displayName"] == "Casey Morgan")
        .unwrap()["node"];
    let mut statuses: Vec<&str> = casey["homework"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["status"].as_str().unwrap())
        .collect();
    statuses.sort_unstable();
    statuses.dedup();
    assert_eq!(
        statuses,
        [
            "ASSIGNED",
            "COMPLETED",
            "IN_PROGRESS",
            "NOT_DONE",
            "PARTIAL",
            "REVIEWED"
        ]
    );
    assert_eq!(casey["homeworkToReview"].as_array().unwrap().len(), 3);
    let kinds: Vec<&str> = casey["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["resource"]["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"CRISIS_LINE"), "{kinds:?}");
    assert!(
        casey["resources"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["opened"] == true)
    );
    let check_ins = casey["checkIns"].as_array().unwrap();
    assert!(check_ins.iter().any(|c| c["status"] == "ANSWERED"));
    assert!(check_ins.iter().any(|c| c["status"] == "PENDING"));
    assert_eq!(casey["supportContacts"][0]["name"], "Dana");
    // The library came with the practice.
    let res = app
        .gql(
            Some(&token),
            "{ homeworkTemplates { totalCount } resources { totalCount } }",
            json!({}),
        )
        .await
        .ok();
    assert!(res.data("homeworkTemplates.totalCount").as_i64().unwrap() >= 8);
    // Its own three, and those the starter programmes share.
    let starter: usize = momentum_api::programs::starter::STARTER_PROGRAMS
        .iter()
        .flat_map(|p| p.modules)
        .map(|m| m.resources.len())
        .sum();
    assert_eq!(res.data("resources.totalCount"), 3 + starter);
}

#[tokio::test]
async fn starting_and_reviewing_other_clients_homework_is_not_found_and_bad_reviews_name_the_field()
{
    let app = spawn_app().await;
    let t = app.therapist();
    let res = assign(&app, &t, json!({ "clientId": app.a.client_ids[0].to_string(), "title": "Journal", "instructions": "Write.", "dueAt": in_hours(24) }))
        .await
        .ok();
    let id = res
        .data("assignHomework.homework.id")
        .as_str()
        .unwrap()
        .to_owned();
    for token in [
        app.therapist2(),
        app.client2(),
        app.other_practice_therapist(),
    ] {
        assert_eq!(
            act(
                &app,
                &token,
                "startHomework",
                "StartHomeworkInput",
                json!({ "homeworkId": id })
            )
            .await
            .code(),
            "NOT_FOUND"
        );
        assert_eq!(
            act(
                &app,
                &token,
                "reviewHomework",
                "ReviewHomeworkInput",
                json!({ "homeworkId": id })
            )
            .await
            .code(),
            "NOT_FOUND"
        );
    }
    let other_clients_session = mutate(
        &app,
        &t,
        "scheduleSession",
        "ScheduleSessionInput",
        json!({ "clientId": app.a.client_ids[1].to_string(), "scheduledAt": in_hours(48) }),
        "session { id }",
    )
    .await
    .ok();
    let session = other_clients_session
        .data("scheduleSession.session.id")
        .clone();
    for (input, field) in [
        (
            json!({ "homeworkId": id, "notes": "n".repeat(4001) }),
            "input.notes",
        ),
        (
            json!({ "homeworkId": id, "reviewedInSessionId": session }),
            "input.reviewedInSessionId",
        ),
        (json!({ "homeworkId": "nope" }), "input.homeworkId"),
    ] {
        let res = act(
            &app,
            &t,
            "reviewHomework",
            "ReviewHomeworkInput",
            input.clone(),
        )
        .await;
        assert_eq!(res.field(), field, "{input}");
    }
    assert_eq!(
        act(
            &app,
            &t,
            "startHomework",
            "StartHomeworkInput",
            json!({ "homeworkId": "nope" })
        )
        .await
        .field(),
        "input.homeworkId"
    );
    let res = app
        .gql(
            Some(&t),
            "query($id: ID!) { homework(id: $id) { status reviewedAt } }",
            json!({ "id": id }),
        )
        .await
        .ok();
    assert_eq!(res.data("homework.status"), "ASSIGNED");
    assert_eq!(res.data("homework.reviewedAt"), &Value::Null);
}
