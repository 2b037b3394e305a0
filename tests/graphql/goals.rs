//! Goals: the lifecycle, proposals, SMART coaching, steps, progress maths, validation and
//! scope.

use chrono::{Duration, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{fixtures::*, helpers::*};

async fn get_goal(app: &TestApp, token: &str, id: &str) -> Gql {
    app.gql(
        Some(token),
        &format!("query($id: ID!) {{ goal(id: $id) {{ {GOAL_FIELDS} }} }}"),
        json!({ "id": id }),
    )
    .await
}

async fn add_step(app: &TestApp, token: &str, goal: &str, title: &str) -> String {
    let res = mutate(
        app,
        token,
        "addGoalStep",
        "AddGoalStepInput",
        json!({ "goalId": goal, "title": title }),
        "step { id position status }",
    )
    .await
    .ok();
    res.data("addGoalStep.step.id").as_str().unwrap().to_owned()
}

async fn record(
    app: &TestApp,
    token: &str,
    goal: &str,
    value: f64,
    recorded_at: Option<String>,
) -> Gql {
    mutate(
        app,
        token,
        "recordGoalProgress",
        "RecordGoalProgressInput",
        json!({ "goalId": goal, "value": value, "recordedAt": recorded_at, "note": "week count" }),
        "entry { id value recordedBy { role } } goal { progress progressBasis latestValue }",
    )
    .await
}

#[tokio::test]
async fn a_therapists_goal_goes_through_its_whole_life() {
    let app = spawn_app().await;
    let t = app.therapist();
    let client = app.a.client_ids[0];
    let res = create_goal(&app, &t, client, walking_goal()).await.ok();
    let g = |p: &str| res.data(&format!("createGoal.goal.{p}")).clone();
    assert_eq!(g("status"), "ACTIVE");
    assert_eq!(g("priority"), "HIGH");
    assert_eq!(g("version"), 1);
    assert_eq!(g("createdBy.role"), "THERAPIST");
    assert_eq!(g("progressBasis"), "NONE");
    assert_eq!(g("progress"), 0.0);
    let id = g("id").as_str().unwrap().to_owned();

    // Steps: add three, reorder, complete one, reopen it, complete it again.
    let s1 = add_step(&app, &t, &id, "Walk to the corner").await;
    let s2 = add_step(&app, &t, &id, "Walk 10 minutes").await;
    let s3 = add_step(&app, &t, &id, "Walk 20 minutes").await;
    let res = mutate(
        &app,
        &t,
        "reorderGoalSteps",
        "ReorderGoalStepsInput",
        json!({ "goalId": id, "stepIds": [s2, s1, s3] }),
        "steps { id position }",
    )
    .await
    .ok();
    assert_eq!(res.data("reorderGoalSteps.steps.0.id"), s2.as_str());
    assert_eq!(res.data("reorderGoalSteps.steps.1.position"), 2);
    let complete = |step: String| {
        let app = &app;
        let t = t.clone();
        async move {
            mutate(
                app,
                &t,
                "completeGoalStep",
                "GoalStepInput",
                json!({ "stepId": step }),
                "step { status version }",
            )
            .await
            .ok()
        }
    };
    let done = complete(s2.clone()).await;
    assert_eq!(done.data("completeGoalStep.step.status"), "DONE");
    // Completing twice changes nothing.
    let again = complete(s2.clone()).await;
    assert_eq!(
        again.data("completeGoalStep.step.version"),
        done.data("completeGoalStep.step.version")
    );
    let reopened = mutate(
        &app,
        &t,
        "reopenGoalStep",
        "GoalStepInput",
        json!({ "stepId": s2 }),
        "step { status }",
    )
    .await
    .ok();
    assert_eq!(reopened.data("reopenGoalStep.step.status"), "OPEN");
    complete(s2.clone()).await;

    let res = get_goal(&app, &t, &id).await.ok();
    assert_eq!(res.data("goal.progressBasis"), "STEPS");
    let p = res.data("goal.progress").as_f64().unwrap();
    assert!((p - 1.0 / 3.0).abs() < 1e-9, "{p}");
    assert_eq!(res.data("goal.steps.0.title"), "Walk 10 minutes");
    assert_eq!(res.data("goal.steps.0.status"), "DONE");

    // Update, then the statuses.
    let res = mutate(
        &app,
        &t,
        "updateGoal",
        "UpdateGoalInput",
        json!({ "id": id, "expectedVersion": 1, "title": "Walk after lunch daily", "description": null }),
        "goal { title description version }",
    )
    .await
    .ok();
    assert_eq!(res.data("updateGoal.goal.title"), "Walk after lunch daily");
    assert_eq!(res.data("updateGoal.goal.description"), &Value::Null);
    assert_eq!(res.data("updateGoal.goal.version"), 2);
    let status = |s: &'static str, reason: Option<&'static str>| {
        let app = &app;
        let t = t.clone();
        let id = id.clone();
        async move {
            mutate(
                app,
                &t,
                "setGoalStatus",
                "SetGoalStatusInput",
                json!({ "goalId": id, "status": s, "reason": reason }),
                "goal { status statusReason achievedAt version }",
            )
            .await
        }
    };
    let res = status("ON_HOLD", Some("exams first")).await.ok();
    assert_eq!(res.data("setGoalStatus.goal.status"), "ON_HOLD");
    assert_eq!(res.data("setGoalStatus.goal.statusReason"), "exams first");
    status("ACTIVE", None).await.ok();
    let res = status("ACHIEVED", None).await.ok();
    assert_eq!(res.data("setGoalStatus.goal.status"), "ACHIEVED");
    assert!(res.data("setGoalStatus.goal.achievedAt").is_string());
    let res = status("ACTIVE", None).await.ok();
    assert_eq!(res.data("setGoalStatus.goal.achievedAt"), &Value::Null);

    let kinds = app.event_kinds(client).await;
    let goal_kinds: Vec<&str> = kinds
        .iter()
        .map(String::as_str)
        .filter(|k| k.starts_with("GOAL") || k.starts_with("STEP"))
        .collect();
    assert_eq!(
        goal_kinds,
        [
            "GOAL_CREATED",
            "STEP_ADDED",
            "STEP_ADDED",
            "STEP_ADDED",
            "STEPS_REORDERED",
            "STEP_COMPLETED",
            "STEP_REOPENED",
            "STEP_COMPLETED",
            "GOAL_UPDATED",
            "GOAL_STATUS_CHANGED",
            "GOAL_STATUS_CHANGED",
            "GOAL_STATUS_CHANGED",
            "GOAL_STATUS_CHANGED",
        ]
    );
}

#[tokio::test]
async fn a_measured_goal_counts_down_from_baseline_to_target() {
    let app = spawn_app().await;
    let c = app.client();
    let t = app.therapist();
    // "Reduce panic attacks from 5 to 1 a week", proposed by the client, accepted.
    let id = goal_id(
        &app,
        &c,
        app.a.client_ids[0],
        json!({ "title": "Fewer panic attacks", "measure": "panic attacks", "baseline": 5, "target": 1, "unit": "per week" }),
    )
    .await;
    mutate(
        &app,
        &t,
        "acceptGoal",
        "AcceptGoalInput",
        json!({ "goalId": id }),
        "goal { status }",
    )
    .await
    .ok();
    let res = get_goal(&app, &c, &id).await.ok();
    assert_eq!(res.data("goal.progressBasis"), "MEASURE");
    assert_eq!(res.data("goal.progress"), 0.0);

    let week_ago = (Utc::now() - Duration::days(7)).to_rfc3339();
    let res = record(&app, &c, &id, 4.0, Some(week_ago.clone()))
        .await
        .ok();
    assert_eq!(
        res.data("recordGoalProgress.entry.recordedBy.role"),
        "CLIENT"
    );
    assert_eq!(res.data("recordGoalProgress.goal.progress"), 0.25);
    let res = record(&app, &t, &id, 2.0, None).await.ok();
    assert_eq!(res.data("recordGoalProgress.goal.progress"), 0.75);
    // A late entry for two weeks ago does not replace the latest value.
    let two_weeks_ago = (Utc::now() - Duration::days(14)).to_rfc3339();
    record(&app, &c, &id, 5.0, Some(two_weeks_ago)).await.ok();
    let res = app
        .gql(
            Some(&c),
            "query($id: ID!) { goal(id: $id) { progress latestValue
                progressHistory { totalCount edges { node { value recordedBy { role } } } } } }",
            json!({ "id": id }),
        )
        .await
        .ok();
    assert_eq!(res.data("goal.progress"), 0.75);
    assert_eq!(res.data("goal.latestValue"), 2.0);
    assert_eq!(res.data("goal.progressHistory.totalCount"), 3);
    let values: Vec<f64> = res
        .data("goal.progressHistory.edges")
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["value"].as_f64().unwrap())
        .collect();
    assert_eq!(values, [5.0, 4.0, 2.0]);
    // Past the target counts as done, not more than done.
    let res = record(&app, &c, &id, 0.0, None).await.ok();
    assert_eq!(res.data("recordGoalProgress.goal.progress"), 1.0);
    assert!(
        app.event_kinds(app.a.client_ids[0])
            .await
            .iter()
            .filter(|k| *k == "GOAL_PROGRESS_RECORDED")
            .count()
            == 4
    );
}

#[tokio::test]
async fn a_measured_goal_counting_up_uses_the_latest_value() {
    let app = spawn_app().await;
    let t = app.therapist();
    let id = goal_id(
        &app,
        &t,
        app.a.client_ids[1],
        json!({ "title": "Walk more", "measure": "walks", "baseline": 0, "target": 5, "unit": "walks per week" }),
    )
    .await;
    let res = record(&app, &t, &id, 2.0, None).await.ok();
    assert_eq!(res.data("recordGoalProgress.goal.progress"), 0.4);
    assert_eq!(res.data("recordGoalProgress.goal.progressBasis"), "MEASURE");
}

#[tokio::test]
async fn progress_needs_a_goal_with_a_target() {
    let app = spawn_app().await;
    let t = app.therapist();
    let id = goal_id(&app, &t, app.a.client_ids[0], walking_goal()).await;
    let res = record(&app, &t, &id, 2.0, None).await;
    assert_eq!(res.code(), "CONFLICT");
    assert_eq!(app.count("goal_progress").await, 0);
}

#[tokio::test]
async fn a_clients_proposal_waits_for_the_therapist_to_accept_it() {
    let app = spawn_app().await;
    let c = app.client();
    let res = create_goal(&app, &c, app.a.client_ids[0], walking_goal())
        .await
        .ok();
    assert_eq!(res.data("createGoal.goal.status"), "PROPOSED");
    assert_eq!(res.data("createGoal.goal.createdBy.role"), "CLIENT");
    let id = res.data("createGoal.goal.id").as_str().unwrap().to_owned();

    let accept = |token: String| {
        let app = &app;
        let id = id.clone();
        async move {
            mutate(
                app,
                &token,
                "acceptGoal",
                "AcceptGoalInput",
                json!({ "goalId": id }),
                "goal { status version }",
            )
            .await
        }
    };
    assert_eq!(accept(c.clone()).await.code(), "FORBIDDEN");
    // Status changes other than accept/decline wait for the decision.
    let res = mutate(
        &app,
        &c,
        "setGoalStatus",
        "SetGoalStatusInput",
        json!({ "goalId": id, "status": "ACTIVE" }),
        "goal { status }",
    )
    .await;
    assert_eq!(res.code(), "CONFLICT");
    // The other therapist and the other practice do not see it at all.
    assert_eq!(accept(app.therapist2()).await.code(), "NOT_FOUND");
    assert_eq!(
        accept(app.other_practice_therapist()).await.code(),
        "NOT_FOUND"
    );
    let res = accept(app.therapist()).await.ok();
    assert_eq!(res.data("acceptGoal.goal.status"), "ACTIVE");
    assert_eq!(res.data("acceptGoal.goal.version"), 2);
    // Accepting twice is a conflict, not a second event.
    assert_eq!(accept(app.therapist()).await.code(), "CONFLICT");
    let kinds = app.event_kinds(app.a.client_ids[0]).await;
    assert!(
        kinds.ends_with(&["GOAL_PROPOSED".to_owned(), "GOAL_STATUS_CHANGED".to_owned()]),
        "{kinds:?}"
    );
}

#[tokio::test]
async fn a_declined_proposal_carries_a_reason_the_client_can_read() {
    let app = spawn_app().await;
    let c = app.client();
    let t = app.therapist();
    let id = goal_id(&app, &c, app.a.client_ids[0], walking_goal()).await;
    let decline = |reason: &'static str| {
        let app = &app;
        let t = t.clone();
        let id = id.clone();
        async move {
            mutate(
                app,
                &t,
                "declineGoal",
                "DeclineGoalInput",
                json!({ "goalId": id, "reason": reason }),
                "goal { status statusReason }",
            )
            .await
        }
    };
    let res = decline("   ").await;
    assert_eq!(res.code(), "BAD_USER_INPUT");
    assert_eq!(res.field(), "input.reason");
    decline("Let's start with sleep first; we'll come back to this")
        .await
        .ok();
    let res = get_goal(&app, &c, &id).await.ok();
    assert_eq!(res.data("goal.status"), "DECLINED");
    assert_eq!(
        res.data("goal.statusReason"),
        "Let's start with sleep first; we'll come back to this"
    );
    // A declined goal is closed.
    let res = mutate(
        &app,
        &c,
        "updateGoal",
        "UpdateGoalInput",
        json!({ "id": id, "expectedVersion": 2, "title": "again" }),
        "goal { id }",
    )
    .await;
    assert_eq!(res.code(), "CONFLICT");
    let res = mutate(
        &app,
        &c,
        "declineGoal",
        "DeclineGoalInput",
        json!({ "goalId": id, "reason": "mine" }),
        "goal { id }",
    )
    .await;
    assert_eq!(res.code(), "FORBIDDEN");
}

#[tokio::test]
async fn bad_goal_input_names_the_field_and_writes_nothing() {
    let app = spawn_app().await;
    let t = app.therapist();
    let yesterday = (momentum_api::values::local_today("America/New_York", Utc::now())
        - Duration::days(1))
    .to_string();
    let goals = app.count("goal").await;
    let events = app.count("event").await;
    let cases = [
        (json!({ "title": "" }), "input.title"),
        (json!({ "title": "x".repeat(201) }), "input.title"),
        (
            json!({ "title": "t", "confidence": 11 }),
            "input.confidence",
        ),
        (
            json!({ "title": "t", "confidence": -1 }),
            "input.confidence",
        ),
        (json!({ "title": "t", "target": 3 }), "input.unit"),
        (
            json!({ "title": "t", "baseline": 3, "target": 3, "unit": "x" }),
            "input.target",
        ),
        (
            json!({ "title": "t", "targetDate": yesterday }),
            "input.targetDate",
        ),
        (
            json!({ "title": "t", "description": "x".repeat(2001) }),
            "input.description",
        ),
        (
            json!({ "title": "t", "unit": "u".repeat(51), "target": 1 }),
            "input.unit",
        ),
    ];
    for (input, field) in cases {
        let res = create_goal(&app, &t, app.a.client_ids[0], input.clone()).await;
        assert_eq!(res.code(), "BAD_USER_INPUT", "{input}");
        assert_eq!(res.field(), field, "{input}");
    }
    let res = app
        .gql(
            Some(&t),
            "mutation { createGoal(input: { clientId: \"nope\", title: \"t\" }) { goal { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(res.field(), "input.clientId");

    // Updates check the merged goal: removing the unit of a goal with a target fails.
    let id = goal_id(
        &app,
        &t,
        app.a.client_ids[0],
        json!({ "title": "t", "baseline": 5, "target": 1, "unit": "per week" }),
    )
    .await;
    let goals_after_one = app.count("goal").await;
    let events_after_one = app.count("event").await;
    for (input, field) in [
        (
            json!({ "id": id, "expectedVersion": 1, "unit": null }),
            "input.unit",
        ),
        (
            json!({ "id": id, "expectedVersion": 1, "target": 5 }),
            "input.target",
        ),
        (
            json!({ "id": id, "expectedVersion": 1, "title": null }),
            "input.title",
        ),
        (
            json!({ "id": id, "expectedVersion": 1, "priority": null }),
            "input.priority",
        ),
        (
            json!({ "id": id, "expectedVersion": 1, "targetDate": yesterday }),
            "input.targetDate",
        ),
        (
            json!({ "id": id, "expectedVersion": 1, "confidence": 12 }),
            "input.confidence",
        ),
    ] {
        let res = mutate(
            &app,
            &t,
            "updateGoal",
            "UpdateGoalInput",
            input.clone(),
            "goal { version }",
        )
        .await;
        assert_eq!(res.code(), "BAD_USER_INPUT", "{input}");
        assert_eq!(res.field(), field, "{input}");
    }
    for (input, field) in [
        (
            json!({ "goalId": id, "status": "ABANDONED" }),
            "input.reason",
        ),
        (
            json!({ "goalId": id, "status": "ABANDONED", "reason": "" }),
            "input.reason",
        ),
    ] {
        let res = mutate(
            &app,
            &t,
            "setGoalStatus",
            "SetGoalStatusInput",
            input,
            "goal { status }",
        )
        .await;
        assert_eq!(res.field(), field);
    }
    let res = mutate(
        &app,
        &t,
        "addGoalStep",
        "AddGoalStepInput",
        json!({ "goalId": id, "title": " " }),
        "step { id }",
    )
    .await;
    assert_eq!(res.field(), "input.title");
    let res = mutate(&app, &t, "recordGoalProgress", "RecordGoalProgressInput",
        json!({ "goalId": id, "value": 1, "recordedAt": (Utc::now() + Duration::hours(1)).to_rfc3339() }), "entry { id }").await;
    assert_eq!(res.field(), "input.recordedAt");

    assert_eq!(goals_after_one, goals + 1);
    assert_eq!(events_after_one, events + 1);
    assert_eq!(app.count("goal").await, goals_after_one);
    assert_eq!(app.count("event").await, events_after_one);
    assert_eq!(app.count("goal_step").await, 0);
    assert_eq!(app.count("goal_progress").await, 0);
    let res = get_goal(&app, &t, &id).await.ok();
    assert_eq!(res.data("goal.version"), 1);
    assert_eq!(res.data("goal.unit"), "per week");
}

#[tokio::test]
async fn steps_are_reordered_only_as_a_whole_and_capped() {
    let app = spawn_app().await;
    let t = app.therapist();
    let id = goal_id(&app, &t, app.a.client_ids[0], walking_goal()).await;
    let s1 = add_step(&app, &t, &id, "one").await;
    let s2 = add_step(&app, &t, &id, "two").await;
    for ids in [
        json!([s1]),
        json!([s1, s1]),
        json!([s1, s2, Uuid::now_v7().to_string()]),
    ] {
        let res = mutate(
            &app,
            &t,
            "reorderGoalSteps",
            "ReorderGoalStepsInput",
            json!({ "goalId": id, "stepIds": ids }),
            "steps { id }",
        )
        .await;
        assert_eq!(res.field(), "input.stepIds", "{ids}");
    }
    for i in 3..=50 {
        add_step(&app, &t, &id, &format!("step {i}")).await;
    }
    let res = mutate(
        &app,
        &t,
        "addGoalStep",
        "AddGoalStepInput",
        json!({ "goalId": id, "title": "51" }),
        "step { id }",
    )
    .await;
    assert_eq!(res.code(), "CONFLICT");
    assert_eq!(app.count("goal_step").await, 50);
}

#[tokio::test]
async fn a_stale_version_is_a_conflict_for_goals_and_steps() {
    let app = spawn_app().await;
    let t = app.therapist();
    let c = app.client();
    let id = goal_id(&app, &t, app.a.client_ids[0], walking_goal()).await;
    let update = |token: String, title: &'static str| {
        let app = &app;
        let id = id.clone();
        async move {
            mutate(
                app,
                &token,
                "updateGoal",
                "UpdateGoalInput",
                json!({ "id": id, "expectedVersion": 1, "title": title }),
                "goal { title version }",
            )
            .await
        }
    };
    update(c.clone(), "client's edit").await.ok();
    let res = update(t.clone(), "therapist's edit").await;
    assert_eq!(res.code(), "CONFLICT");
    let res = get_goal(&app, &t, &id).await.ok();
    assert_eq!(res.data("goal.title"), "client's edit");

    let step = add_step(&app, &t, &id, "one").await;
    let edit = |title: &'static str| {
        let app = &app;
        let t = t.clone();
        let step = step.clone();
        async move {
            mutate(
                app,
                &t,
                "updateGoalStep",
                "UpdateGoalStepInput",
                json!({ "stepId": step, "expectedVersion": 1, "title": title }),
                "step { title version }",
            )
            .await
        }
    };
    assert_eq!(
        edit("first").await.ok().data("updateGoalStep.step.version"),
        2
    );
    assert_eq!(edit("second").await.code(), "CONFLICT");
}

#[tokio::test]
async fn a_client_reaches_only_their_own_goals() {
    let app = spawn_app().await;
    let t = app.therapist();
    let c = app.client();
    // Client 1 is on the same therapist's caseload but is not the signed-in client.
    let other = goal_id(
        &app,
        &t,
        app.a.client_ids[1],
        json!({ "title": "theirs", "baseline": 1, "target": 3, "unit": "x" }),
    )
    .await;
    assert_eq!(get_goal(&app, &c, &other).await.code(), "NOT_FOUND");
    let res = create_goal(&app, &c, app.a.client_ids[1], walking_goal()).await;
    assert_eq!(res.code(), "NOT_FOUND");
    let res = mutate(
        &app,
        &c,
        "updateGoal",
        "UpdateGoalInput",
        json!({ "id": other, "expectedVersion": 1, "title": "mine" }),
        "goal { id }",
    )
    .await;
    assert_eq!(res.code(), "NOT_FOUND");
    let res = record(&app, &c, &other, 2.0, None).await;
    assert_eq!(res.code(), "NOT_FOUND");
    let res = mutate(
        &app,
        &c,
        "addGoalStep",
        "AddGoalStepInput",
        json!({ "goalId": other, "title": "x" }),
        "step { id }",
    )
    .await;
    assert_eq!(res.code(), "NOT_FOUND");
    let res = app
        .gql(
            Some(&c),
            "query($id: ID!) { client(id: $id) { goals { id } } }",
            json!({ "id": app.a.client_ids[1].to_string() }),
        )
        .await;
    assert_eq!(res.code(), "NOT_FOUND");
    // Their own goals list shows only their own.
    goal_id(&app, &t, app.a.client_ids[0], walking_goal()).await;
    let res = app
        .gql(
            Some(&c),
            "query($id: ID!) { client(id: $id) { goals { title } } }",
            json!({ "id": app.a.client_ids[0].to_string() }),
        )
        .await
        .ok();
    assert_eq!(res.data("client.goals").as_array().unwrap().len(), 1);
    assert_eq!(app.count("goal_progress").await, 0);
    assert_eq!(app.count("goal_step").await, 0);
}

#[tokio::test]
async fn other_therapists_admins_off_the_team_and_other_practices_get_not_found() {
    let app = spawn_app().await;
    let t = app.therapist();
    let id = goal_id(&app, &t, app.a.client_ids[0], walking_goal()).await;
    for token in [
        app.therapist2(),
        app.admin(),
        app.other_practice_therapist(),
        app.client2(),
    ] {
        assert_eq!(get_goal(&app, &token, &id).await.code(), "NOT_FOUND");
        let res = mutate(
            &app,
            &token,
            "setGoalStatus",
            "SetGoalStatusInput",
            json!({ "goalId": id, "status": "ON_HOLD" }),
            "goal { id }",
        )
        .await;
        assert_eq!(res.code(), "NOT_FOUND");
    }
    // The admin sees the client on the roster but not their goals.
    let res = app
        .gql(
            Some(&app.admin()),
            "query($id: ID!) { client(id: $id) { displayName goals { id } } }",
            json!({ "id": app.a.client_ids[0].to_string() }),
        )
        .await;
    assert_eq!(res.code(), "NOT_FOUND");
    let res = create_goal(&app, &app.therapist2(), app.a.client_ids[0], walking_goal()).await;
    assert_eq!(res.code(), "NOT_FOUND");
    assert_eq!(app.count("goal").await, 1);
}

#[tokio::test]
async fn integrators_need_clinical_scopes_for_goals() {
    let app = spawn_app().await;
    let writer = app
        .integrator(
            &app.a,
            &[
                momentum_api::auth::Scope::ClinicalRead,
                momentum_api::auth::Scope::ClinicalWrite,
            ],
        )
        .await;
    let reader = app
        .integrator(&app.a, &[momentum_api::auth::Scope::ClinicalRead])
        .await;
    let roster = app
        .integrator(&app.a, &[momentum_api::auth::Scope::ClientsRead])
        .await;
    let res = create_goal(&app, &writer, app.a.client_ids[3], walking_goal())
        .await
        .ok();
    assert_eq!(res.data("createGoal.goal.status"), "ACTIVE");
    assert_eq!(res.data("createGoal.goal.createdBy.role"), "INTEGRATOR");
    let id = res.data("createGoal.goal.id").as_str().unwrap().to_owned();
    assert_eq!(
        get_goal(&app, &reader, &id).await.ok().data("goal.title"),
        "Walk after lunch"
    );
    assert_eq!(
        create_goal(&app, &reader, app.a.client_ids[3], walking_goal())
            .await
            .code(),
        "FORBIDDEN"
    );
    assert_eq!(get_goal(&app, &roster, &id).await.code(), "FORBIDDEN");
    let other = app
        .integrator(&app.b, &[momentum_api::auth::Scope::ClinicalRead])
        .await;
    assert_eq!(get_goal(&app, &other, &id).await.code(), "NOT_FOUND");
}

#[tokio::test]
async fn smart_coaching_points_at_what_is_missing() {
    let app = spawn_app().await;
    let c = app.client();
    let res = create_goal(
        &app,
        &c,
        app.a.client_ids[0],
        json!({ "title": "Feel better", "confidence": 4 }),
    )
    .await
    .ok();
    let s = |p: &str| res.data(&format!("createGoal.goal.smart.{p}")).clone();
    assert_eq!(s("metCount"), 0);
    assert_eq!(s("achievable.hint"), "consider a smaller first step");
    assert_eq!(s("specific.met"), false);
    assert!(s("measurable.hint").as_str().unwrap().contains("count"));
    assert!(s("timeBound.hint").is_string());
    let tomorrow = (momentum_api::values::local_today("America/New_York", Utc::now())
        + Duration::days(1))
    .to_string();
    let res = create_goal(
        &app,
        &c,
        app.a.client_ids[0],
        json!({
            "title": "Walk after lunch",
            "description": "Walk 20 minutes around the park after lunch",
            "measure": "walks", "baseline": 0, "target": 5, "unit": "walks per week",
            "confidence": 7, "whyItMatters": "energy", "targetDate": tomorrow,
        }),
    )
    .await
    .ok();
    assert_eq!(res.data("createGoal.goal.smart.metCount"), 5);
    assert_eq!(
        res.data("createGoal.goal.smart.achievable.hint"),
        &Value::Null
    );
}

#[tokio::test]
async fn replaying_a_create_with_the_same_id_returns_the_same_goal() {
    let app = spawn_app().await;
    let c = app.client();
    let id = Uuid::now_v7().to_string();
    let mut input = walking_goal();
    input["id"] = json!(id);
    let first = create_goal(&app, &c, app.a.client_ids[0], input.clone())
        .await
        .ok();
    let second = create_goal(&app, &c, app.a.client_ids[0], input.clone())
        .await
        .ok();
    assert_eq!(
        first.data("createGoal.goal.id"),
        second.data("createGoal.goal.id")
    );
    assert_eq!(app.count("goal").await, 1);
    input["title"] = json!("something else");
    assert_eq!(
        create_goal(&app, &c, app.a.client_ids[0], input)
            .await
            .code(),
        "CONFLICT"
    );
}

#[tokio::test]
async fn goal_reads_and_writes_leave_audit_rows() {
    let app = spawn_app().await;
    let t = app.therapist();
    let id = goal_id(&app, &t, app.a.client_ids[0], walking_goal()).await;
    get_goal(&app, &t, &id).await.ok();
    get_goal(&app, &app.therapist2(), &id).await;
    let ops = |op: &'static str| {
        let app = &app;
        async move {
            app.db
                .query_one_raw(sea_orm::Statement::from_string(
                    app.db.get_database_backend(),
                    format!("SELECT COUNT(*) AS n FROM audit_log WHERE operation = '{op}' AND outcome = 'SUCCESS'"),
                ))
                .await
                .unwrap()
                .unwrap()
                .try_get::<i64>("", "n")
                .unwrap()
        }
    };
    use sea_orm::ConnectionTrait as _;
    assert_eq!(ops("createGoal").await, 1);
    assert_eq!(ops("goal").await, 1);
    // The create payload and the read each selected the steps.
    assert_eq!(ops("Goal.steps").await, 2);
    let failed = app
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM audit_log WHERE operation = 'goal' AND outcome = 'NOT_FOUND'".to_owned(),
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    assert_eq!(failed, 1);
}

#[tokio::test]
async fn the_demo_gives_every_client_goals_steps_a_plan_and_entries() {
    let app = spawn_app().await;
    momentum_api::demo::seed_demo(&app.db).await.unwrap();
    let query = "{ clients { edges { node { displayName
        goals { status progress steps { status } actionPlans { actions { what } obstacles { kind } } }
        actionPlans { id }
        obstacleSummary { occurrences } } } } }";
    let mut logged = 0;
    let mut recorded_progress = 0;
    for therapist in ["therapist@demo.test", "therapist2@demo.test"] {
        let login = app.login(therapist, PASSWORD).await.ok();
        let token = login.data("login.accessToken").as_str().unwrap();
        let res = app.gql(Some(token), query, json!({})).await.ok();
        let clients = res.data("clients.edges").as_array().unwrap().clone();
        assert_eq!(clients.len(), 2);
        for c in clients {
            let node = &c["node"];
            let goals = node["goals"].as_array().unwrap();
            assert!((1..=2).contains(&goals.len()), "{node}");
            assert!(!goals[0]["steps"].as_array().unwrap().is_empty(), "{node}");
            let plan = &goals[0]["actionPlans"][0];
            assert!(!plan["actions"].as_array().unwrap().is_empty(), "{node}");
            assert!(!plan["obstacles"].as_array().unwrap().is_empty(), "{node}");
            logged += node["obstacleSummary"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| k["occurrences"].as_i64().unwrap())
                .sum::<i64>();
            recorded_progress += goals
                .iter()
                .filter(|g| g["progress"].as_f64().unwrap() > 0.0)
                .count();
        }
    }
    assert!(logged > 0);
    assert!(recorded_progress >= 3);
    // The demo client sees her own proposal waiting for the therapist.
    let login = app.login("client@demo.test", PASSWORD).await.ok();
    let token = login.data("login.accessToken").as_str().unwrap();
    let res = app
        .gql(Some(token), "{ clients { edges { node { goals(status: [PROPOSED]) { title createdBy { role } } } } } }", json!({}))
        .await
        .ok();
    assert_eq!(
        res.data("clients.edges.0.node.goals.0.createdBy.role"),
        "CLIENT"
    );
}

#[tokio::test]
async fn step_changes_on_another_therapists_client_are_not_found_and_bad_ids_name_the_field() {
    let app = spawn_app().await;
    let t = app.therapist();
    let goal = goal_id(&app, &t, app.a.client_ids[0], walking_goal()).await;
    let step = add_step(&app, &t, &goal, "one").await;
    let attempts = [
        (
            "updateGoalStep",
            "UpdateGoalStepInput",
            json!({ "stepId": step, "expectedVersion": 1, "title": "x" }),
            "step { id }",
        ),
        (
            "completeGoalStep",
            "GoalStepInput",
            json!({ "stepId": step }),
            "step { id }",
        ),
        (
            "reopenGoalStep",
            "GoalStepInput",
            json!({ "stepId": step }),
            "step { id }",
        ),
        (
            "reorderGoalSteps",
            "ReorderGoalStepsInput",
            json!({ "goalId": goal, "stepIds": [step] }),
            "steps { id }",
        ),
        (
            "acceptGoal",
            "AcceptGoalInput",
            json!({ "goalId": goal }),
            "goal { id }",
        ),
        (
            "declineGoal",
            "DeclineGoalInput",
            json!({ "goalId": goal, "reason": "no" }),
            "goal { id }",
        ),
    ];
    for token in [
        app.therapist2(),
        app.client2(),
        app.other_practice_therapist(),
    ] {
        for (name, input_type, input, selection) in &attempts {
            let res = mutate(&app, &token, name, input_type, input.clone(), selection).await;
            assert_eq!(res.code(), "NOT_FOUND", "{name}");
        }
    }
    for (name, input_type, input, field) in [
        (
            "completeGoalStep",
            "GoalStepInput",
            json!({ "stepId": "nope" }),
            "input.stepId",
        ),
        (
            "updateGoalStep",
            "UpdateGoalStepInput",
            json!({ "stepId": step, "expectedVersion": 1, "title": "" }),
            "input.title",
        ),
        (
            "declineGoal",
            "DeclineGoalInput",
            json!({ "goalId": goal, "reason": "r".repeat(1001) }),
            "input.reason",
        ),
    ] {
        let res = mutate(&app, &t, name, input_type, input, "__typename").await;
        assert_eq!(res.field(), field, "{name}");
    }
    let res = get_goal(&app, &t, &goal).await.ok();
    assert_eq!(res.data("goal.steps.0.title"), "one");
    assert_eq!(res.data("goal.steps.0.status"), "OPEN");
}
