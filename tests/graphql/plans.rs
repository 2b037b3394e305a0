//! Action plans: creation, revisions with history, review dates, the obstacle log and its
//! summary, validation, scope, and the caseload query without N+1.

use chrono::{Duration, Utc};
use sea_orm::ConnectionTrait as _;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{fixtures::goal_id, helpers::*};

const PLAN_FIELDS: &str = "id goalId clientId title reviewOn dueForReview version
    actions { id what recurrence { kind days everyNDays } timeOfDay whereOrCue durationMinutes }
    obstacles { id kind description copingPlan }
    goal { title }";

fn actions() -> Value {
    json!([
        { "what": "Walk around the park", "recurrence": { "kind": "WEEKLY", "days": ["WED", "MON", "FRI"] },
          "timeOfDay": "12:30", "whereOrCue": "after lunch, from the office door", "durationMinutes": 20 },
        { "what": "Stretch", "recurrence": { "kind": "EVERY_N_DAYS", "everyNDays": 2 }, "durationMinutes": 5 },
    ])
}

fn obstacles() -> Value {
    json!([
        { "kind": "LACK_OF_TIME", "description": "Meetings run over lunch",
          "copingPlan": "If I feel I have no time, then I do the 2-minute version" },
        { "kind": "NEGATIVE_SELF_TALK", "description": "\"It won't make a difference\"",
          "copingPlan": "If I think it won't help, then I remember how I felt last Friday" },
    ])
}

async fn create_plan(app: &TestApp, token: &str, goal: &str, extra: Value) -> Gql {
    let mut input = json!({ "goalId": goal, "title": "Lunch walks", "actions": actions(), "obstacles": obstacles() });
    for (k, v) in extra.as_object().unwrap() {
        input[k] = v.clone();
    }
    mutate(
        app,
        token,
        "createActionPlan",
        "CreateActionPlanInput",
        input,
        &format!("plan {{ {PLAN_FIELDS} }}"),
    )
    .await
}

async fn plan_with_goal(app: &TestApp) -> (String, String) {
    let t = app.therapist();
    let goal = goal_id(
        app,
        &t,
        app.a.client_ids[0],
        json!({ "title": "Walk after lunch" }),
    )
    .await;
    let res = create_plan(app, &t, &goal, json!({})).await.ok();
    (
        goal,
        res.data("createActionPlan.plan.id")
            .as_str()
            .unwrap()
            .to_owned(),
    )
}

async fn revise(app: &TestApp, token: &str, input: Value) -> Gql {
    mutate(
        app,
        token,
        "reviseActionPlan",
        "ReviseActionPlanInput",
        input,
        &format!("plan {{ {PLAN_FIELDS} }}"),
    )
    .await
}

async fn log(app: &TestApp, token: &str, input: Value) -> Gql {
    mutate(
        app,
        token,
        "logObstacle",
        "LogObstacleInput",
        input,
        "entry { id kind copingUsed helped obstacleId recordedBy { role } }",
    )
    .await
}

fn today() -> chrono::NaiveDate {
    momentum_api::values::local_today("America/New_York", Utc::now())
}

#[tokio::test]
async fn an_action_plan_keeps_every_revision_with_who_what_when_and_why() {
    let app = spawn_app().await;
    let t = app.therapist();
    let c = app.client();
    let goal = goal_id(
        &app,
        &t,
        app.a.client_ids[0],
        json!({ "title": "Walk after lunch" }),
    )
    .await;
    let res = create_plan(
        &app,
        &t,
        &goal,
        json!({ "reviewOn": (today() + Duration::days(14)).to_string() }),
    )
    .await
    .ok();
    let p = |path: &str| res.data(&format!("createActionPlan.plan.{path}")).clone();
    assert_eq!(p("version"), 1);
    assert_eq!(p("goal.title"), "Walk after lunch");
    assert_eq!(
        p("actions.0.recurrence"),
        json!({ "kind": "WEEKLY", "days": ["MON", "WED", "FRI"], "everyNDays": null })
    );
    assert_eq!(p("actions.0.timeOfDay"), "12:30");
    assert_eq!(p("actions.1.recurrence.everyNDays"), 2);
    assert_eq!(p("obstacles.0.kind"), "LACK_OF_TIME");
    assert_eq!(p("dueForReview"), false);
    let id = p("id").as_str().unwrap().to_owned();
    let walk_id = p("actions.0.id");
    let time_id = p("obstacles.0.id");

    // The client shortens the walk, keeping the action's id.
    let res = revise(&app, &c, json!({
        "planId": id, "expectedVersion": 1, "reason": "20 minutes was too much on busy days",
        "actions": [{ "id": walk_id, "what": "Walk around the park", "recurrence": { "kind": "WEEKDAYS" }, "durationMinutes": 10 }],
    }))
    .await
    .ok();
    assert_eq!(res.data("reviseActionPlan.plan.version"), 2);
    assert_eq!(res.data("reviseActionPlan.plan.actions.0.id"), &walk_id);
    assert_eq!(
        res.data("reviseActionPlan.plan.actions")
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // The therapist renames it and adds an obstacle, keeping the old ones' ids.
    let mut obs = obstacles();
    obs[0]["id"] = time_id.clone();
    obs.as_array_mut().unwrap().push(json!({ "kind": "OVERWHELM", "description": "Too much at once", "copingPlan": "If it feels like too much, then I walk to the corner only" }));
    let res = revise(&app, &t, json!({ "planId": id, "expectedVersion": 2, "reason": "reviewed in session", "title": "Short lunch walks", "obstacles": obs }))
        .await
        .ok();
    assert_eq!(res.data("reviseActionPlan.plan.obstacles.0.id"), &time_id);
    assert_eq!(
        res.data("reviseActionPlan.plan.obstacles")
            .as_array()
            .unwrap()
            .len(),
        3
    );

    let res = app
        .gql(
            Some(&t),
            "query($id: ID!) { actionPlan(id: $id) { version revisions { version title reason changedFields
                changedBy { id role } changedAt actions { durationMinutes } obstacles { kind } } } }",
            json!({ "id": id }),
        )
        .await
        .ok();
    let revs = res.data("actionPlan.revisions").as_array().unwrap().clone();
    assert_eq!(revs.len(), 3);
    assert_eq!(
        revs.iter()
            .map(|r| r["version"].as_i64().unwrap())
            .collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert_eq!(revs[0]["reason"], Value::Null);
    assert_eq!(revs[0]["title"], "Lunch walks");
    assert_eq!(revs[0]["actions"][0]["durationMinutes"], 20);
    assert_eq!(revs[0]["changedBy"]["role"], "THERAPIST");
    assert_eq!(revs[1]["reason"], "20 minutes was too much on busy days");
    assert_eq!(revs[1]["changedFields"], json!(["actions"]));
    assert_eq!(revs[1]["changedBy"]["role"], "CLIENT");
    assert_eq!(
        revs[1]["changedBy"]["id"],
        app.a.client_user_ids[0].to_string()
    );
    assert_eq!(revs[1]["actions"][0]["durationMinutes"], 10);
    assert_eq!(revs[2]["changedFields"], json!(["title", "obstacles"]));
    assert_eq!(revs[2]["title"], "Short lunch walks");
    assert_eq!(revs[2]["obstacles"].as_array().unwrap().len(), 3);
    assert!(revs[0]["changedAt"].as_str() <= revs[1]["changedAt"].as_str());
    assert!(revs[1]["changedAt"].as_str() <= revs[2]["changedAt"].as_str());

    let kinds = app.event_kinds(app.a.client_ids[0]).await;
    let plan_kinds: Vec<&str> = kinds
        .iter()
        .map(String::as_str)
        .filter(|k| k.starts_with("PLAN"))
        .collect();
    assert_eq!(plan_kinds, ["PLAN_CREATED", "PLAN_REVISED", "PLAN_REVISED"]);
    // Plans show under the goal and under the client.
    let res = app
        .gql(Some(&c), "query($id: ID!) { client(id: $id) { actionPlans { id } goals { actionPlans { id title } } } }",
            json!({ "id": app.a.client_ids[0].to_string() }))
        .await
        .ok();
    assert_eq!(res.data("client.actionPlans.0.id"), id.as_str());
    assert_eq!(
        res.data("client.goals.0.actionPlans.0.title"),
        "Short lunch walks"
    );
}

#[tokio::test]
async fn a_plan_is_due_for_review_from_its_review_date() {
    let app = spawn_app().await;
    let t = app.therapist();
    let goal = goal_id(&app, &t, app.a.client_ids[0], json!({ "title": "Walk" })).await;
    let res = create_plan(&app, &t, &goal, json!({ "reviewOn": today().to_string() }))
        .await
        .ok();
    assert_eq!(res.data("createActionPlan.plan.dueForReview"), true);
    let res = create_plan(
        &app,
        &t,
        &goal,
        json!({ "reviewOn": (today() + Duration::days(1)).to_string() }),
    )
    .await
    .ok();
    assert_eq!(res.data("createActionPlan.plan.dueForReview"), false);
    let later = res
        .data("createActionPlan.plan.id")
        .as_str()
        .unwrap()
        .to_owned();
    // Time passes: the review date is now behind us.
    app.db
        .execute_raw(sea_orm::Statement::from_sql_and_values(
            app.db.get_database_backend(),
            match app.db.get_database_backend() {
                sea_orm::DatabaseBackend::Postgres => {
                    "UPDATE action_plan SET review_on = $1 WHERE id = $2"
                }
                _ => "UPDATE action_plan SET review_on = ? WHERE id = ?",
            },
            [
                (today() - Duration::days(3)).into(),
                Uuid::parse_str(&later).unwrap().into(),
            ],
        ))
        .await
        .unwrap();
    let res = app
        .gql(
            Some(&t),
            "query($id: ID!) { actionPlan(id: $id) { dueForReview } }",
            json!({ "id": later }),
        )
        .await
        .ok();
    assert_eq!(res.data("actionPlan.dueForReview"), true);
    let res = create_plan(&app, &t, &goal, json!({})).await.ok();
    assert_eq!(res.data("createActionPlan.plan.dueForReview"), false);
}

#[tokio::test]
async fn bad_plan_input_names_the_field_and_writes_nothing() {
    let app = spawn_app().await;
    let t = app.therapist();
    let (goal, plan) = plan_with_goal(&app).await;
    let plans = app.count("action_plan").await;
    let revisions = app.count("action_plan_revision").await;
    let events = app.count("event").await;
    let yesterday = (today() - Duration::days(1)).to_string();
    let action = |patch: Value| {
        let mut a = json!({ "what": "Walk", "recurrence": { "kind": "DAILY" } });
        for (k, v) in patch.as_object().unwrap() {
            a[k] = v.clone();
        }
        json!([a])
    };
    let cases = [
        (json!({ "title": "" }), "input.title"),
        (json!({ "actions": [] }), "input.actions"),
        (
            json!({ "actions": action(json!({ "what": "" })) }),
            "input.actions.0.what",
        ),
        (
            json!({ "actions": action(json!({ "timeOfDay": "7pm" })) }),
            "input.actions.0.timeOfDay",
        ),
        (
            json!({ "actions": action(json!({ "durationMinutes": 0 })) }),
            "input.actions.0.durationMinutes",
        ),
        (
            json!({ "actions": action(json!({ "recurrence": { "kind": "WEEKLY" } })) }),
            "input.actions.0.recurrence.days",
        ),
        (
            json!({ "actions": action(json!({ "recurrence": { "kind": "EVERY_N_DAYS", "everyNDays": 1 } })) }),
            "input.actions.0.recurrence.everyNDays",
        ),
        (
            json!({ "actions": action(json!({ "recurrence": { "kind": "DAILY", "everyNDays": 3 } })) }),
            "input.actions.0.recurrence.everyNDays",
        ),
        (
            json!({ "actions": action(json!({ "id": Uuid::now_v7().to_string() })) }),
            "input.actions.0.id",
        ),
        (
            json!({ "obstacles": [{ "kind": "OTHER", "description": "d", "copingPlan": " " }] }),
            "input.obstacles.0.copingPlan",
        ),
        (json!({ "reviewOn": yesterday }), "input.reviewOn"),
    ];
    for (extra, field) in cases {
        let res = create_plan(&app, &t, &goal, extra.clone()).await;
        assert_eq!(res.code(), "BAD_USER_INPUT", "{extra}");
        assert_eq!(res.field(), field, "{extra}");
    }
    let revise_cases = [
        (json!({ "reason": "" }), "input.reason"),
        (json!({ "reason": "r" }), "input"),
        (json!({ "reason": "r", "title": "Lunch walks" }), "input"),
        (json!({ "reason": "r", "title": null }), "input.title"),
        (
            json!({ "reason": "r", "actions": action(json!({ "id": Uuid::now_v7().to_string() })) }),
            "input.actions.0.id",
        ),
        (
            json!({ "reason": "r", "reviewOn": yesterday }),
            "input.reviewOn",
        ),
    ];
    for (extra, field) in revise_cases {
        let mut input = json!({ "planId": plan, "expectedVersion": 1 });
        for (k, v) in extra.as_object().unwrap() {
            input[k] = v.clone();
        }
        let res = revise(&app, &t, input.clone()).await;
        assert_eq!(res.code(), "BAD_USER_INPUT", "{input}");
        assert_eq!(res.field(), field, "{input}");
    }
    assert_eq!(app.count("action_plan").await, plans);
    assert_eq!(app.count("action_plan_revision").await, revisions);
    assert_eq!(app.count("event").await, events);
}

#[tokio::test]
async fn a_stale_plan_version_is_a_conflict() {
    let app = spawn_app().await;
    let (_, plan) = plan_with_goal(&app).await;
    let rename = |token: String, title: &'static str| {
        let app = &app;
        let plan = plan.clone();
        async move {
            revise(
                app,
                &token,
                json!({ "planId": plan, "expectedVersion": 1, "reason": "r", "title": title }),
            )
            .await
        }
    };
    rename(app.client(), "Mine").await.ok();
    assert_eq!(rename(app.therapist(), "Theirs").await.code(), "CONFLICT");
    assert_eq!(app.count("action_plan_revision").await, 2);
}

#[tokio::test]
async fn plans_are_not_found_outside_the_care_team() {
    let app = spawn_app().await;
    let (goal, plan) = plan_with_goal(&app).await;
    for token in [
        app.therapist2(),
        app.admin(),
        app.client2(),
        app.other_practice_therapist(),
    ] {
        let res = app
            .gql(
                Some(&token),
                "query($id: ID!) { actionPlan(id: $id) { id } }",
                json!({ "id": plan }),
            )
            .await;
        assert_eq!(res.code(), "NOT_FOUND");
        assert_eq!(
            revise(
                &app,
                &token,
                json!({ "planId": plan, "expectedVersion": 1, "reason": "r", "title": "x" })
            )
            .await
            .code(),
            "NOT_FOUND"
        );
        assert_eq!(
            log(
                &app,
                &token,
                json!({ "planId": plan, "kind": "OTHER", "copingUsed": false })
            )
            .await
            .code(),
            "NOT_FOUND"
        );
        assert_eq!(
            create_plan(&app, &token, &goal, json!({})).await.code(),
            "NOT_FOUND"
        );
    }
    assert_eq!(app.count("action_plan").await, 1);
    assert_eq!(app.count("obstacle_log").await, 0);
}

#[tokio::test]
async fn the_obstacle_summary_counts_kinds_coping_and_mean_help_in_sql() {
    let app = spawn_app().await;
    let c = app.client();
    let t = app.therapist();
    let (_, plan) = plan_with_goal(&app).await;
    let res = app
        .gql(
            Some(&c),
            "query($id: ID!) { actionPlan(id: $id) { obstacles { id kind } } }",
            json!({ "id": plan }),
        )
        .await
        .ok();
    let time_id = res.data("actionPlan.obstacles.0.id").clone();
    let hour_ago = (Utc::now() - Duration::hours(1)).to_rfc3339();
    let month_ago = (Utc::now() - Duration::days(30)).to_rfc3339();
    for input in [
        json!({ "planId": plan, "obstacleId": time_id, "copingUsed": true, "helped": 6, "occurredAt": hour_ago }),
        json!({ "planId": plan, "obstacleId": time_id, "kind": "LACK_OF_TIME", "copingUsed": true, "helped": 9 }),
        json!({ "planId": plan, "kind": "LACK_OF_TIME", "copingUsed": false, "note": "forgot the plan" }),
        json!({ "planId": plan, "kind": "LACK_OF_TIME", "copingUsed": true }),
        json!({ "planId": plan, "kind": "OVERWHELM", "copingUsed": false }),
        json!({ "planId": plan, "kind": "FEAR_OF_FAILURE", "copingUsed": true, "helped": 2, "occurredAt": month_ago }),
    ] {
        let res = log(&app, &c, input).await.ok();
        assert_eq!(res.data("logObstacle.entry.recordedBy.role"), "CLIENT");
    }
    let res = log(
        &app,
        &t,
        json!({ "planId": plan, "kind": "OVERWHELM", "copingUsed": true, "helped": 4 }),
    )
    .await
    .ok();
    assert_eq!(res.data("logObstacle.entry.recordedBy.role"), "THERAPIST");

    let since = (Utc::now() - Duration::days(7)).to_rfc3339();
    let res = app
        .gql(
            Some(&t),
            "query($id: ID!, $since: DateTime) { client(id: $id) { obstacleSummary(since: $since) { kind occurrences copingUsed meanHelpfulness } } }",
            json!({ "id": app.a.client_ids[0].to_string(), "since": since }),
        )
        .await
        .ok();
    assert_eq!(
        res.data("client.obstacleSummary"),
        &json!([
            { "kind": "LACK_OF_TIME", "occurrences": 4, "copingUsed": 3, "meanHelpfulness": 7.5 },
            { "kind": "OVERWHELM", "occurrences": 2, "copingUsed": 1, "meanHelpfulness": 4.0 },
            { "kind": "FEAR_OF_FAILURE", "occurrences": 0, "copingUsed": 0, "meanHelpfulness": null },
            { "kind": "NEGATIVE_SELF_TALK", "occurrences": 0, "copingUsed": 0, "meanHelpfulness": null },
            { "kind": "OTHER", "occurrences": 0, "copingUsed": 0, "meanHelpfulness": null },
        ])
    );
    let res = app
        .gql(Some(&c), "query($id: ID!) { client(id: $id) { obstacleSummary { kind occurrences meanHelpfulness } } }",
            json!({ "id": app.a.client_ids[0].to_string() }))
        .await
        .ok();
    assert_eq!(res.data("client.obstacleSummary.2.occurrences"), 1);
    assert_eq!(res.data("client.obstacleSummary.2.meanHelpfulness"), 2.0);
    let kinds = app.event_kinds(app.a.client_ids[0]).await;
    assert_eq!(kinds.iter().filter(|k| *k == "OBSTACLE_LOGGED").count(), 7);
    // The admin is not on the care team.
    let res = app
        .gql(
            Some(&app.admin()),
            "query($id: ID!) { client(id: $id) { obstacleSummary { kind } } }",
            json!({ "id": app.a.client_ids[0].to_string() }),
        )
        .await;
    assert_eq!(res.code(), "NOT_FOUND");
}

#[tokio::test]
async fn bad_obstacle_logs_name_the_field_and_write_nothing() {
    let app = spawn_app().await;
    let c = app.client();
    let (_, plan) = plan_with_goal(&app).await;
    let res = app
        .gql(
            Some(&c),
            "query($id: ID!) { actionPlan(id: $id) { obstacles { id } } }",
            json!({ "id": plan }),
        )
        .await
        .ok();
    let time_id = res.data("actionPlan.obstacles.0.id").clone();
    let events = app.count("event").await;
    for (input, field) in [
        (json!({ "planId": plan, "copingUsed": false }), "input.kind"),
        (
            json!({ "planId": plan, "obstacleId": Uuid::now_v7().to_string(), "copingUsed": false }),
            "input.obstacleId",
        ),
        (
            json!({ "planId": plan, "obstacleId": time_id, "kind": "OVERWHELM", "copingUsed": false }),
            "input.kind",
        ),
        (
            json!({ "planId": plan, "kind": "OTHER", "copingUsed": false, "helped": 5 }),
            "input.helped",
        ),
        (
            json!({ "planId": plan, "kind": "OTHER", "copingUsed": true, "helped": 11 }),
            "input.helped",
        ),
        (
            json!({ "planId": plan, "kind": "OTHER", "copingUsed": true, "occurredAt": (Utc::now() + Duration::hours(2)).to_rfc3339() }),
            "input.occurredAt",
        ),
        (
            json!({ "planId": plan, "kind": "OTHER", "copingUsed": true, "note": "n".repeat(2001) }),
            "input.note",
        ),
        (
            json!({ "planId": "x", "kind": "OTHER", "copingUsed": true }),
            "input.planId",
        ),
    ] {
        let res = log(&app, &c, input.clone()).await;
        assert_eq!(res.code(), "BAD_USER_INPUT", "{input}");
        assert_eq!(res.field(), field, "{input}");
    }
    assert_eq!(app.count("obstacle_log").await, 0);
    assert_eq!(app.count("event").await, events);
}

#[tokio::test]
async fn the_caseload_with_goals_steps_and_plans_does_not_grow_queries_with_clients() {
    let app = spawn_app().await;
    let t = app.therapist();
    let query = "{ clients(first: 50) { edges { node { goals { steps { title } }
        actionPlans { actions { what } obstacles { kind } } } } } }";
    let seed = |client: Uuid| {
        let app = &app;
        let t = t.clone();
        async move {
            for g in 0..2 {
                let goal = goal_id(app, &t, client, json!({ "title": format!("goal {g}") })).await;
                for s in 0..2 {
                    mutate(
                        app,
                        &t,
                        "addGoalStep",
                        "AddGoalStepInput",
                        json!({ "goalId": goal, "title": format!("step {s}") }),
                        "step { id }",
                    )
                    .await
                    .ok();
                }
                create_plan(app, &t, &goal, json!({})).await.ok();
            }
        }
    };
    for client in &app.a.client_ids[..2] {
        seed(*client).await;
    }
    let small = app.statements_for(&t, query).await;
    for id in app.add_clients(&t, 4).await {
        seed(id).await;
    }
    let res = app.gql(Some(&t), query, json!({})).await.ok();
    assert_eq!(res.data("clients.edges").as_array().unwrap().len(), 6);
    assert_eq!(
        res.data("clients.edges.5.node.goals.1.steps")
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let large = app.statements_for(&t, query).await;
    assert_eq!(
        small, large,
        "statements grew with the caseload: {small} for 2 clients, {large} for 6"
    );
}
