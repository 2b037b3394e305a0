//! Therapy sessions: scheduling, completing, cancelling, next and last, the EHR upsert by
//! external reference, validation and scope.

use chrono::{Duration, Utc};
use momentum_api::auth::Scope;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;

const SESSION: &str =
    "session { id clientId therapistId scheduledAt durationMinutes endsAt focus status
    cancelReason completedAt externalRef version }";

async fn schedule(
    app: &TestApp,
    token: &str,
    client: Uuid,
    at: chrono::DateTime<Utc>,
    extra: Value,
) -> Gql {
    let mut input = json!({ "clientId": client.to_string(), "scheduledAt": at.to_rfc3339(), "focus": "exposure plan" });
    for (k, v) in extra.as_object().unwrap() {
        input[k] = v.clone();
    }
    mutate(
        app,
        token,
        "scheduleSession",
        "ScheduleSessionInput",
        input,
        SESSION,
    )
    .await
}

async fn finish(app: &TestApp, token: &str, name: &str, input_type: &str, input: Value) -> Gql {
    mutate(app, token, name, input_type, input, SESSION).await
}

async fn upsert(app: &TestApp, token: &str, input: Value) -> Gql {
    mutate(
        app,
        token,
        "upsertSessionByExternalRef",
        "UpsertSessionInput",
        input,
        &format!("created {SESSION}"),
    )
    .await
}

#[tokio::test]
async fn sessions_are_scheduled_held_and_cancelled_and_next_and_last_follow() {
    let app = spawn_app().await;
    let t = app.therapist();
    let client = app.a.client_ids[0];
    let res = schedule(&app, &t, client, Utc::now() - Duration::days(1), json!({}))
        .await
        .ok();
    assert_eq!(res.data("scheduleSession.session.status"), "SCHEDULED");
    assert_eq!(res.data("scheduleSession.session.durationMinutes"), 50);
    assert_eq!(
        res.data("scheduleSession.session.therapistId"),
        app.a.therapist_ids[0].to_string().as_str()
    );
    let past = res
        .data("scheduleSession.session.id")
        .as_str()
        .unwrap()
        .to_owned();
    let tomorrow = schedule(
        &app,
        &t,
        client,
        Utc::now() + Duration::days(1),
        json!({ "durationMinutes": 80 }),
    )
    .await
    .ok();
    let tomorrow_id = tomorrow
        .data("scheduleSession.session.id")
        .as_str()
        .unwrap()
        .to_owned();
    let later = schedule(&app, &t, client, Utc::now() + Duration::days(8), json!({}))
        .await
        .ok();
    let later_id = later
        .data("scheduleSession.session.id")
        .as_str()
        .unwrap()
        .to_owned();

    let done = finish(
        &app,
        &t,
        "completeSession",
        "CompleteSessionInput",
        json!({ "sessionId": past }),
    )
    .await
    .ok();
    assert_eq!(done.data("completeSession.session.status"), "COMPLETED");
    assert!(done.data("completeSession.session.completedAt").is_string());
    let again = finish(
        &app,
        &t,
        "completeSession",
        "CompleteSessionInput",
        json!({ "sessionId": past }),
    )
    .await
    .ok();
    assert_eq!(
        again.data("completeSession.session.version"),
        done.data("completeSession.session.version")
    );
    let cancelled = finish(
        &app,
        &t,
        "cancelSession",
        "CancelSessionInput",
        json!({ "sessionId": later_id, "reason": "holiday" }),
    )
    .await
    .ok();
    assert_eq!(
        cancelled.data("cancelSession.session.cancelReason"),
        "holiday"
    );
    assert_eq!(
        finish(
            &app,
            &t,
            "completeSession",
            "CompleteSessionInput",
            json!({ "sessionId": later_id })
        )
        .await
        .code(),
        "CONFLICT"
    );
    assert_eq!(
        finish(
            &app,
            &t,
            "cancelSession",
            "CancelSessionInput",
            json!({ "sessionId": past })
        )
        .await
        .code(),
        "CONFLICT"
    );

    // The client reads their own sessions but cannot book or change them.
    let c = app.client();
    let res = app
        .gql(
            Some(&c),
            "query($id: ID!) { client(id: $id) { nextSession { id durationMinutes } lastSession { id }
                sessions { totalCount edges { node { status } } } scheduled: sessions(status: SCHEDULED) { totalCount } } }",
            json!({ "id": client.to_string() }),
        )
        .await
        .ok();
    assert_eq!(res.data("client.nextSession.id"), tomorrow_id.as_str());
    assert_eq!(res.data("client.nextSession.durationMinutes"), 80);
    assert_eq!(res.data("client.lastSession.id"), past.as_str());
    assert_eq!(res.data("client.sessions.totalCount"), 3);
    assert_eq!(res.data("client.sessions.edges.0.node.status"), "COMPLETED");
    assert_eq!(res.data("client.scheduled.totalCount"), 1);
    assert_eq!(
        schedule(&app, &c, client, Utc::now(), json!({}))
            .await
            .code(),
        "FORBIDDEN"
    );
    assert_eq!(
        finish(
            &app,
            &c,
            "cancelSession",
            "CancelSessionInput",
            json!({ "sessionId": tomorrow_id })
        )
        .await
        .code(),
        "FORBIDDEN"
    );

    let kinds: Vec<String> = app
        .event_kinds(client)
        .await
        .into_iter()
        .filter(|k| k.starts_with("SESSION"))
        .collect();
    assert_eq!(
        kinds,
        [
            "SESSION_SCHEDULED",
            "SESSION_SCHEDULED",
            "SESSION_SCHEDULED",
            "SESSION_COMPLETED",
            "SESSION_CANCELLED"
        ]
    );

    // A client with no sessions has neither.
    let res = app
        .gql(
            Some(&t),
            "query($id: ID!) { client(id: $id) { nextSession { id } lastSession { id } } }",
            json!({ "id": app.a.client_ids[1].to_string() }),
        )
        .await
        .ok();
    assert_eq!(res.data("client.nextSession"), &Value::Null);
    assert_eq!(res.data("client.lastSession"), &Value::Null);
}

#[tokio::test]
async fn a_calendar_sync_upserting_by_external_ref_makes_no_duplicates() {
    let app = spawn_app().await;
    let ehr = app
        .integrator(&app.a, &[Scope::ClinicalRead, Scope::ClinicalWrite])
        .await;
    let client = app.a.client_ids[0].to_string();
    let at = (Utc::now() + Duration::days(2)).to_rfc3339();
    let input = json!({ "externalRef": "APPT-1001", "clientId": client, "scheduledAt": at, "focus": "review homework",
        "therapistId": app.a.therapist_ids[0].to_string() });
    let first = upsert(&app, &ehr, input.clone()).await.ok();
    assert_eq!(first.data("upsertSessionByExternalRef.created"), true);
    let second = upsert(&app, &ehr, input.clone()).await.ok();
    assert_eq!(second.data("upsertSessionByExternalRef.created"), false);
    assert_eq!(
        second.data("upsertSessionByExternalRef.session.id"),
        first.data("upsertSessionByExternalRef.session.id")
    );
    assert_eq!(second.data("upsertSessionByExternalRef.session.version"), 1);
    assert_eq!(app.count("therapy_session").await, 1);

    let mut moved = input.clone();
    moved["scheduledAt"] = json!((Utc::now() + Duration::days(3)).to_rfc3339());
    let res = upsert(&app, &ehr, moved.clone()).await.ok();
    assert_eq!(res.data("upsertSessionByExternalRef.session.version"), 2);
    assert_eq!(
        res.data("upsertSessionByExternalRef.session.therapistId"),
        app.a.therapist_ids[0].to_string().as_str()
    );
    moved["status"] = json!("CANCELLED");
    let res = upsert(&app, &ehr, moved).await.ok();
    assert_eq!(
        res.data("upsertSessionByExternalRef.session.status"),
        "CANCELLED"
    );
    assert_eq!(app.count("therapy_session").await, 1);

    // The same appointment id cannot move to another client or be booked again.
    let mut other = input.clone();
    other["clientId"] = json!(app.a.client_ids[1].to_string());
    assert_eq!(upsert(&app, &ehr, other).await.code(), "CONFLICT");
    let res = schedule(
        &app,
        &app.therapist(),
        app.a.client_ids[0],
        Utc::now(),
        json!({ "externalRef": "APPT-1001" }),
    )
    .await;
    assert_eq!(res.code(), "CONFLICT");
    assert_eq!(app.count("therapy_session").await, 1);
    let kinds: Vec<String> = app
        .event_kinds(app.a.client_ids[0])
        .await
        .into_iter()
        .filter(|k| k.starts_with("SESSION"))
        .collect();
    assert_eq!(
        kinds,
        ["SESSION_SCHEDULED", "SESSION_UPDATED", "SESSION_CANCELLED"]
    );
    // Another practice's integrator may use the same appointment id for its own client.
    let other_ehr = app.integrator(&app.b, &[Scope::ClinicalWrite]).await;
    let mut theirs = input;
    theirs["clientId"] = json!(app.b.client_ids[0].to_string());
    theirs["therapistId"] = json!(app.b.therapist_ids[0].to_string());
    assert_eq!(
        upsert(&app, &other_ehr, theirs)
            .await
            .ok()
            .data("upsertSessionByExternalRef.created"),
        true
    );
    // Without CLINICAL_WRITE, no.
    let reader = app.integrator(&app.a, &[Scope::ClinicalRead]).await;
    let res = upsert(
        &app,
        &reader,
        json!({ "externalRef": "APPT-2", "clientId": client, "scheduledAt": at }),
    )
    .await;
    assert_eq!(res.code(), "FORBIDDEN");
}

#[tokio::test]
async fn bad_session_input_names_the_field_and_writes_nothing() {
    let app = spawn_app().await;
    let t = app.therapist();
    let client = app.a.client_ids[0];
    let events = app.count("event").await;
    for (extra, field) in [
        (json!({ "durationMinutes": 4 }), "input.durationMinutes"),
        (json!({ "durationMinutes": 481 }), "input.durationMinutes"),
        (json!({ "focus": "f".repeat(501) }), "input.focus"),
        (
            json!({ "therapistId": app.a.therapist_ids[1].to_string() }),
            "input.therapistId",
        ),
        (json!({ "therapistId": "nope" }), "input.therapistId"),
        (json!({ "externalRef": "  " }), "input.externalRef"),
        (json!({ "clientId": "nope" }), "input.clientId"),
    ] {
        let res = schedule(&app, &t, client, Utc::now(), extra.clone()).await;
        assert_eq!(res.code(), "BAD_USER_INPUT", "{extra}");
        assert_eq!(res.field(), field, "{extra}");
    }
    let res = upsert(&app, &t, json!({ "externalRef": "", "clientId": client.to_string(), "scheduledAt": Utc::now().to_rfc3339() })).await;
    assert_eq!(res.field(), "input.externalRef");
    let booked = schedule(&app, &t, client, Utc::now() + Duration::days(1), json!({}))
        .await
        .ok();
    let booked = booked.data("scheduleSession.session.id").clone();
    let res = finish(
        &app,
        &t,
        "cancelSession",
        "CancelSessionInput",
        json!({ "sessionId": booked, "reason": "r".repeat(1001) }),
    )
    .await;
    assert_eq!(res.field(), "input.reason");
    let res = finish(
        &app,
        &t,
        "completeSession",
        "CompleteSessionInput",
        json!({ "sessionId": "x" }),
    )
    .await;
    assert_eq!(res.field(), "input.sessionId");
    assert_eq!(
        app.count("therapy_session").await,
        1,
        "only the one good booking"
    );
    assert_eq!(app.count("event").await, events + 1);
}

#[tokio::test]
async fn sessions_are_not_found_outside_the_care_team() {
    let app = spawn_app().await;
    let res = schedule(
        &app,
        &app.therapist(),
        app.a.client_ids[0],
        Utc::now() + Duration::days(1),
        json!({}),
    )
    .await
    .ok();
    let id = res
        .data("scheduleSession.session.id")
        .as_str()
        .unwrap()
        .to_owned();
    for token in [
        app.therapist2(),
        app.admin(),
        app.client2(),
        app.other_practice_therapist(),
    ] {
        let res = app
            .gql(
                Some(&token),
                "query($id: ID!) { therapySession(id: $id) { id } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(res.code(), "NOT_FOUND");
        assert_eq!(
            finish(
                &app,
                &token,
                "cancelSession",
                "CancelSessionInput",
                json!({ "sessionId": id })
            )
            .await
            .code(),
            "NOT_FOUND"
        );
    }
    assert_eq!(
        schedule(
            &app,
            &app.therapist2(),
            app.a.client_ids[0],
            Utc::now(),
            json!({})
        )
        .await
        .code(),
        "NOT_FOUND"
    );
    let res = app
        .gql(
            Some(&app.admin()),
            "query($id: ID!) { client(id: $id) { nextSession { id } } }",
            json!({ "id": app.a.client_ids[0].to_string() }),
        )
        .await;
    assert_eq!(res.code(), "NOT_FOUND");
    assert_eq!(app.count("therapy_session").await, 1);
}

#[tokio::test]
async fn next_and_last_sessions_of_a_caseload_load_without_n_plus_one() {
    let app = spawn_app().await;
    let t = app.therapist();
    let query =
        "{ clients(first: 50) { edges { node { nextSession { id } lastSession { id } } } } }";
    let book = |client: Uuid| {
        let app = &app;
        let t = t.clone();
        async move {
            schedule(app, &t, client, Utc::now() + Duration::days(1), json!({}))
                .await
                .ok();
            let res = schedule(app, &t, client, Utc::now() - Duration::days(6), json!({}))
                .await
                .ok();
            let id = res
                .data("scheduleSession.session.id")
                .as_str()
                .unwrap()
                .to_owned();
            finish(
                app,
                &t,
                "completeSession",
                "CompleteSessionInput",
                json!({ "sessionId": id }),
            )
            .await
            .ok();
        }
    };
    for c in &app.a.client_ids[..2] {
        book(*c).await;
    }
    let small = app.statements_for(&t, query).await;
    for id in app.add_clients(&t, 3).await {
        book(id).await;
    }
    let res = app.gql(Some(&t), query, json!({})).await.ok();
    assert!(res.data("clients.edges.4.node.nextSession.id").is_string());
    assert!(res.data("clients.edges.4.node.lastSession.id").is_string());
    assert_eq!(small, app.statements_for(&t, query).await);
}
