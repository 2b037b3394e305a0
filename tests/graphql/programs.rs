//! Programmes: the library, enrolment, modules opening by their rules (with the programme
//! job's clock set by the test), the work they assign as ordinary homework, check-ins,
//! resources and measures, pausing, leaving and completing, scope and bad input; the demo's
//! starter programmes.

use chrono::{Duration, Utc};
use serde_json::{Value, json};

use crate::helpers::*;

const ENROLLMENT: &str = "enrollment { id status version currentModule { module { position } }
    modules { open openedBecause locked opensAt homeworkDone homeworkTotal homeworkIds checkInIds
    module { position title unlockRule unlockAfterDays measure resourceIds } } }";

async fn create(app: &TestApp, token: &str, input: Value) -> Gql {
    mutate(
        app,
        token,
        "createProgram",
        "CreateProgramInput",
        input,
        "program { id title starter modules { position title unlockRule } }",
    )
    .await
}

fn homework(title: &str, days: i32) -> Value {
    json!({ "title": title, "kind": "BEHAVIORAL_ACTIVATION", "instructions": "Do it once",
        "dueInDays": days })
}

/// A three-module programme: the first with homework, a check-in, a resource and a PHQ-9;
/// the second opens 7 days after the first; the third when the therapist opens it.
async fn three_modules(app: &TestApp, resource: &str) -> String {
    let res = create(
        app,
        &app.therapist(),
        json!({ "title": "Getting going", "description": "A short course", "modules": [
            { "title": "Notice", "unlockRule": "PREVIOUS_DONE", "homework": [homework("Diary", 3)],
              "checkIns": [{ "prompt": "How is the diary going?", "dueInDays": 2 }],
              "resourceIds": [resource], "measure": "PHQ9" },
            { "title": "Plan", "unlockRule": "AFTER_DAYS", "unlockAfterDays": 7,
              "homework": [homework("Plan a walk", 4)] },
            { "title": "Keep going", "unlockRule": "BY_THERAPIST",
              "homework": [homework("Write a plan", 5)] } ] }),
    )
    .await
    .ok();
    res.data("createProgram.program.id")
        .as_str()
        .unwrap()
        .to_owned()
}

async fn resource(app: &TestApp) -> String {
    let res = mutate(
        app,
        &app.therapist(),
        "createResource",
        "CreateResourceInput",
        json!({ "title": "Why activity helps", "kind": "ARTICLE",
            "description": "A page on activity and mood." }),
        "resource { id }",
    )
    .await
    .ok();
    res.data("createResource.resource.id")
        .as_str()
        .unwrap()
        .to_owned()
}

async fn enroll(app: &TestApp, token: &str, client: &str, program: &str) -> Gql {
    mutate(
        app,
        token,
        "enrollInProgram",
        "EnrollInProgramInput",
        json!({ "clientId": client, "programId": program }),
        ENROLLMENT,
    )
    .await
}

async fn change(app: &TestApp, token: &str, name: &str, enrollment: &Value) -> Gql {
    mutate(
        app,
        token,
        name,
        "EnrollmentInput",
        json!({ "enrollmentId": enrollment }),
        ENROLLMENT,
    )
    .await
}

/// One pass of the programme job at `at` (nothing else runs it here).
async fn advance(
    app: &TestApp,
    at: chrono::DateTime<Utc>,
) -> momentum_api::programs::job::Advanced {
    momentum_api::programs::job::pass(&app.db, at)
        .await
        .unwrap()
        .expect("the programme job's lock is free")
}

/// The client's enrolments as they stand.
async fn progress(app: &TestApp, token: &str, client: &str) -> Gql {
    let fields = ENROLLMENT
        .trim_start_matches("enrollment {")
        .trim_end_matches('}');
    app.gql(
        Some(token),
        &format!("query($id: ID!) {{ client(id: $id) {{ programs {{ {fields} }} }} }}"),
        json!({ "id": client }),
    )
    .await
}

async fn submit(app: &TestApp, homework: &Value) {
    mutate(
        app,
        &app.client(),
        "submitHomework",
        "SubmitHomeworkInput",
        json!({ "homeworkId": homework, "outcome": "COMPLETED" }),
        "homework { id }",
    )
    .await
    .ok();
}

fn module<'a>(g: &'a Gql, at: &str, i: usize, field: &str) -> &'a Value {
    g.data(&format!("{at}.modules.{i}.{field}"))
}

/// The kinds of the events about programmes so far, in order.
async fn program_events(app: &TestApp) -> Vec<String> {
    use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _, QueryOrder as _};
    entity::event::Entity::find()
        .filter(entity::event::Column::Kind.like("PROGRAM_%"))
        .order_by_asc(entity::event::Column::Sequence)
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect()
}

#[tokio::test]
async fn modules_open_by_their_rules_and_assign_ordinary_work() {
    let app = spawn_app().await;
    let (t, c) = (app.therapist(), app.client());
    let client = app.a.client_ids[0].to_string();
    let res_id = resource(&app).await;
    let program = three_modules(&app, &res_id).await;

    let res = enroll(&app, &t, &client, &program).await.ok();
    let at = "enrollInProgram.enrollment";
    assert_eq!(res.data(&format!("{at}.status")), "ACTIVE");
    assert_eq!(module(&res, at, 0, "open"), true);
    assert_eq!(module(&res, at, 0, "openedBecause"), "ENROLLED");
    assert_eq!(module(&res, at, 1, "locked"), "OPENS_AT");
    assert_eq!(module(&res, at, 2, "locked"), "EARLIER_MODULE");
    assert_eq!(res.data(&format!("{at}.currentModule.module.position")), 1);
    let enrollment = res.data(&format!("{at}.id")).clone();
    let first_homework = module(&res, at, 0, "homeworkIds.0").clone();
    let check_in = module(&res, at, 0, "checkInIds.0").clone();

    // The work is ordinary: the client's homework, check-ins, resources and measures show it.
    let seen = app
        .gql(
            Some(&c),
            "query($id: ID!) { client(id: $id) { homework { id title } checkIns { id prompt }
                resources { resource { id } } measuresDue { instrument } } }",
            json!({ "id": client }),
        )
        .await
        .ok();
    let ids = |path: &str, field: &str| -> Vec<Value> {
        seen.data(path)
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.pointer(field).cloned().unwrap_or(Value::Null))
            .collect()
    };
    assert!(ids("client.homework", "/id").contains(&first_homework));
    assert!(ids("client.checkIns", "/id").contains(&check_in));
    assert!(ids("client.resources", "/resource/id").contains(&json!(res_id)));
    assert!(ids("client.measuresDue", "/instrument").contains(&json!("PHQ9")));

    // Seven days on, the second module opens; the third waits for the therapist.
    let now = Utc::now();
    assert_eq!(advance(&app, now).await.opened, 0);
    assert_eq!(
        advance(&app, now + Duration::days(7) + Duration::minutes(1))
            .await
            .opened,
        1
    );
    assert_eq!(advance(&app, now + Duration::days(30)).await.opened, 0);
    let seen = progress(&app, &c, &client).await.ok();
    let at = "client.programs.0";
    assert_eq!(module(&seen, at, 1, "openedBecause"), "AFTER_DAYS");
    assert_eq!(module(&seen, at, 2, "locked"), "WAITING_FOR_THERAPIST");

    // The therapist opens it; once every module is open, there is nothing left to open.
    let res = change(&app, &t, "openProgramModule", &enrollment)
        .await
        .ok();
    let at = "openProgramModule.enrollment";
    assert_eq!(module(&res, at, 2, "openedBecause"), "BY_THERAPIST");
    let again = change(&app, &t, "openProgramModule", &enrollment).await;
    assert_eq!(
        (again.code(), again.field()),
        ("BAD_USER_INPUT", "input.enrollmentId")
    );

    // The client does every homework: the next pass completes the enrolment.
    let homework: Vec<Value> = (0..3)
        .map(|i| module(&res, at, i, "homeworkIds.0").clone())
        .collect();
    for h in &homework {
        submit(&app, h).await;
    }
    let done = advance(&app, Utc::now()).await;
    assert_eq!((done.opened, done.completed), (0, 1));
    let seen = progress(&app, &t, &client).await.ok();
    assert_eq!(seen.data("client.programs.0.status"), "COMPLETED");
    assert_eq!(seen.data("client.programs.0.modules.2.homeworkDone"), 1);
    assert_eq!(
        program_events(&app).await,
        vec![
            "PROGRAM_ENROLLED",
            "PROGRAM_MODULE_UNLOCKED",
            "PROGRAM_MODULE_UNLOCKED",
            "PROGRAM_MODULE_UNLOCKED",
            "PROGRAM_COMPLETED",
        ]
    );
}

#[tokio::test]
async fn the_next_module_opens_when_the_homework_is_done_and_not_while_paused() {
    let app = spawn_app().await;
    let (t, c) = (app.therapist(), app.client());
    let client = app.a.client_ids[0].to_string();
    let res = create(
        &app,
        &t,
        json!({ "title": "Two steps", "modules": [
            { "title": "One", "unlockRule": "PREVIOUS_DONE", "homework": [homework("First", 3)] },
            { "title": "Two", "unlockRule": "PREVIOUS_DONE", "homework": [homework("Second", 3)] } ] }),
    )
    .await
    .ok();
    let program = res.data("createProgram.program.id").clone();
    let program = program.as_str().unwrap();
    let res = enroll(&app, &t, &client, program).await.ok();
    let at = "enrollInProgram.enrollment";
    assert_eq!(module(&res, at, 1, "locked"), "WAITING_FOR_HOMEWORK");
    let enrollment = res.data(&format!("{at}.id")).clone();
    let first = module(&res, at, 0, "homeworkIds.0").clone();
    // Enrolling again while enrolled: CONFLICT.
    assert_eq!(enroll(&app, &t, &client, program).await.code(), "CONFLICT");

    // The client pauses, then does the homework: nothing opens while paused.
    let paused = change(&app, &c, "pauseProgram", &enrollment).await.ok();
    assert_eq!(paused.data("pauseProgram.enrollment.status"), "PAUSED");
    submit(&app, &first).await;
    assert_eq!(advance(&app, Utc::now()).await.opened, 0);
    let seen = progress(&app, &c, &client).await.ok();
    assert_eq!(
        module(&seen, "client.programs.0", 1, "locked"),
        "NOT_ACTIVE"
    );
    // Resumed, the next pass opens the second module, once however many passes run at once.
    change(&app, &c, "resumeProgram", &enrollment).await.ok();
    // Resuming an active enrolment is refused by field.
    let again = change(&app, &t, "resumeProgram", &enrollment).await;
    assert_eq!(
        (again.code(), again.field()),
        ("BAD_USER_INPUT", "input.enrollmentId")
    );
    let (a, b) = tokio::join!(
        momentum_api::programs::job::pass(&app.db, Utc::now()),
        momentum_api::programs::job::pass(&app.db, Utc::now()),
    );
    let opened = |r: Option<momentum_api::programs::job::Advanced>| r.map_or(0, |x| x.opened);
    assert_eq!(opened(a.unwrap()) + opened(b.unwrap()), 1);
    let seen = progress(&app, &c, &client).await.ok();
    assert_eq!(
        module(&seen, "client.programs.0", 1, "openedBecause"),
        "PREVIOUS_DONE"
    );

    // Leaving ends it (twice is refused); enrolling again takes it up where it stopped.
    let left = change(&app, &t, "leaveProgram", &enrollment).await.ok();
    assert_eq!(left.data("leaveProgram.enrollment.status"), "LEFT");
    let again = change(&app, &c, "leaveProgram", &enrollment).await;
    assert_eq!(
        (again.code(), again.field()),
        ("BAD_USER_INPUT", "input.enrollmentId")
    );
    let back = enroll(&app, &t, &client, program).await.ok();
    assert_eq!(back.data("enrollInProgram.enrollment.status"), "ACTIVE");
    assert_eq!(module(&back, "enrollInProgram.enrollment", 1, "open"), true);
}

#[tokio::test]
async fn programmes_keep_to_the_care_team_the_client_and_the_scopes() {
    use momentum_api::auth::Scope;
    let app = spawn_app().await;
    let (t, c) = (app.therapist(), app.client());
    let client = app.a.client_ids[0].to_string();
    let res_id = resource(&app).await;
    let program = three_modules(&app, &res_id).await;
    let res = enroll(&app, &t, &client, &program).await.ok();
    let enrollment = res.data("enrollInProgram.enrollment.id").clone();

    // Clients neither write the library nor enrol; they see only their own enrolments.
    let input =
        json!({ "title": "Mine", "modules": [{ "title": "A", "unlockRule": "PREVIOUS_DONE" }] });
    assert_eq!(create(&app, &c, input.clone()).await.code(), "FORBIDDEN");
    assert_eq!(
        app.gql(Some(&c), "{ programs { id } }", json!({}))
            .await
            .code(),
        "FORBIDDEN"
    );
    assert_eq!(
        enroll(&app, &c, &client, &program).await.code(),
        "FORBIDDEN"
    );
    assert_eq!(
        progress(&app, &app.client2(), &client).await.code(),
        "NOT_FOUND"
    );
    assert_eq!(
        change(&app, &app.client2(), "pauseProgram", &enrollment)
            .await
            .code(),
        "NOT_FOUND"
    );
    // Another therapist's client, another practice: not found; another practice's
    // programme: bad input.
    assert_eq!(
        enroll(&app, &app.therapist2(), &client, &program)
            .await
            .code(),
        "NOT_FOUND"
    );
    assert_eq!(
        change(
            &app,
            &app.other_practice_therapist(),
            "openProgramModule",
            &enrollment
        )
        .await
        .code(),
        "NOT_FOUND"
    );
    let other = app.b.client_ids[0].to_string();
    let res = enroll(&app, &app.other_practice_therapist(), &other, &program).await;
    assert_eq!(
        (res.code(), res.field()),
        ("BAD_USER_INPUT", "input.programId")
    );

    // Integrators need the programme scopes.
    let clinical = app
        .integrator(
            &app.a,
            &[
                Scope::ClientsRead,
                Scope::ClinicalRead,
                Scope::ClinicalWrite,
            ],
        )
        .await;
    assert_eq!(progress(&app, &clinical, &client).await.code(), "FORBIDDEN");
    assert_eq!(
        app.gql(Some(&clinical), "{ programs { id } }", json!({}))
            .await
            .code(),
        "FORBIDDEN"
    );
    let programs = app
        .integrator(
            &app.a,
            &[
                Scope::ClientsRead,
                Scope::ClinicalRead,
                Scope::ClinicalWrite,
                Scope::ProgramsRead,
                Scope::ProgramsWrite,
            ],
        )
        .await;
    let seen = progress(&app, &programs, &client).await.ok();
    assert_eq!(seen.data("client.programs.0.id"), &enrollment);
    let listed = app
        .gql(
            Some(&programs),
            "{ programs { id modules { title } } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(listed.data("programs.0.modules.2.title"), "Keep going");
    let other_client = app.a.client_ids[1].to_string();
    assert_eq!(
        enroll(&app, &programs, &other_client, &program)
            .await
            .ok()
            .data("enrollInProgram.enrollment.status"),
        "ACTIVE"
    );
}

#[tokio::test]
async fn bad_programmes_are_refused_by_field_and_write_nothing() {
    let app = spawn_app().await;
    let t = app.therapist();
    let base = |modules: Value| json!({ "title": "Course", "modules": modules });
    let other_practice = mutate(
        &app,
        &app.other_practice_therapist(),
        "createResource",
        "CreateResourceInput",
        json!({ "title": "Theirs", "kind": "ARTICLE", "description": "Not ours." }),
        "resource { id }",
    )
    .await
    .ok();
    let theirs = other_practice.data("createResource.resource.id").clone();
    for (input, field) in [
        (base(json!([])), "input.modules"),
        (
            json!({ "title": " ", "modules": [{ "title": "A", "unlockRule": "PREVIOUS_DONE" }] }),
            "input.title",
        ),
        (
            base(json!([{ "title": "A", "unlockRule": "PREVIOUS_DONE" },
                { "title": "B", "unlockRule": "AFTER_DAYS" }])),
            "input.modules[1].unlockAfterDays",
        ),
        (
            base(json!([{ "title": "A", "unlockRule": "BY_THERAPIST", "unlockAfterDays": 3 }])),
            "input.modules[0].unlockAfterDays",
        ),
        (
            base(json!([{ "title": "A", "unlockRule": "PREVIOUS_DONE",
                "homework": [homework("Do", 0)] }])),
            "input.modules[0].homework[0].dueInDays",
        ),
        (
            base(json!([{ "title": "A", "unlockRule": "PREVIOUS_DONE",
                "checkIns": [{ "prompt": "", "dueInDays": 2 }] }])),
            "input.modules[0].checkIns[0].prompt",
        ),
        (
            base(json!([{ "title": "A", "unlockRule": "PREVIOUS_DONE",
                "resourceIds": [theirs] }])),
            "input.modules[0].resourceIds[0]",
        ),
    ] {
        let res = create(&app, &t, input).await;
        assert_eq!((res.code(), res.field()), ("BAD_USER_INPUT", field));
    }
    let listed = app
        .gql(Some(&t), "{ programs { id } }", json!({}))
        .await
        .ok();
    assert_eq!(listed.data("programs"), &json!([]));
}

#[tokio::test]
async fn the_demo_ships_two_starter_programmes_with_a_client_enrolled() {
    let app = spawn_app().await;
    momentum_api::demo::seed_demo(&app.db).await.unwrap();
    let login = app.login("therapist@demo.test", PASSWORD).await.ok();
    let token = login.data("login.accessToken").as_str().unwrap().to_owned();
    let listed = app
        .gql(
            Some(&token),
            "{ programs { title starter modules { position unlockRule homework { dueInDays } checkIns { prompt } resourceIds measure } } }",
            json!({}),
        )
        .await
        .ok();
    let programs = listed.data("programs").as_array().unwrap();
    let sizes: Vec<(bool, usize)> = programs
        .iter()
        .map(|p| (p["starter"] == true, p["modules"].as_array().unwrap().len()))
        .collect();
    // By title: "Behavioural activation: ..." (6 modules), "Worry management" (5).
    assert_eq!(sizes, vec![(true, 6), (true, 5)]);
    for p in programs {
        for m in p["modules"].as_array().unwrap() {
            assert!(!m["homework"].as_array().unwrap().is_empty(), "{m}");
            assert!(!m["checkIns"].as_array().unwrap().is_empty(), "{m}");
        }
    }
    let roster = app
        .gql(
            Some(&token),
            "{ clients(first: 10) { edges { node { id programs { status modules { open } } } } } }",
            json!({}),
        )
        .await
        .ok();
    let enrolled: Vec<&Value> = roster
        .data("clients.edges")
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["node"])
        .filter(|c| !c["programs"].as_array().unwrap().is_empty())
        .collect();
    assert_eq!(enrolled.len(), 1);
    assert_eq!(enrolled[0]["programs"][0]["status"], "ACTIVE");
    assert_eq!(enrolled[0]["programs"][0]["modules"][0]["open"], true);
}
