//! Check-ins between sessions: scheduling (once and recurring), answering, PENDING /
//! ANSWERED / MISSED, validation and scope.

use chrono::{Duration, Utc};
use serde_json::{Value, json};

use crate::helpers::*;

async fn schedule(app: &TestApp, token: &str, input: Value) -> Gql {
    mutate(
        app,
        token,
        "scheduleCheckIn",
        "ScheduleCheckInInput",
        input,
        "checkIns { id seriesId prompt dueAt status }",
    )
    .await
}

async fn respond(app: &TestApp, token: &str, id: &Value, text: &str, mood: Option<i32>) -> Gql {
    mutate(
        app,
        token,
        "respondToCheckIn",
        "RespondToCheckInInput",
        json!({ "checkInId": id, "text": text, "mood": mood }),
        "checkIn { id status response mood respondedAt }",
    )
    .await
}

const LIST: &str = "query($id: ID!, $status: CheckInStatusValue) { client(id: $id) { checkIns(status: $status) { id status response mood } } }";

#[tokio::test]
async fn check_ins_are_answered_missed_or_pending() {
    let app = spawn_app().await;
    let t = app.therapist();
    let c = app.client();
    let client = app.a.client_ids[0].to_string();
    let today = momentum_api::values::local_today("America/New_York", Utc::now());
    let res = schedule(&app, &t, json!({ "clientId": client, "prompt": "How did the breathing practice go today?",
        "recurrence": { "recurrence": { "kind": "DAILY" }, "until": (today + Duration::days(6)).to_string(), "timeOfDay": "20:00" } }))
        .await
        .ok();
    let series = res
        .data("scheduleCheckIn.checkIns")
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(series.len(), 7);
    assert!(
        series
            .iter()
            .all(|c| c["seriesId"] == series[0]["seriesId"] && c["status"] == "PENDING")
    );
    let once = schedule(&app, &t, json!({ "clientId": client, "prompt": "Anything to add before Thursday?", "dueAt": (Utc::now() + Duration::hours(2)).to_rfc3339() }))
        .await
        .ok();
    let once_id = once.data("scheduleCheckIn.checkIns.0.id").clone();

    let res = respond(&app, &c, &once_id, "Slept better this week", Some(7))
        .await
        .ok();
    assert_eq!(res.data("respondToCheckIn.checkIn.status"), "ANSWERED");
    assert_eq!(res.data("respondToCheckIn.checkIn.mood"), 7);
    assert_eq!(
        respond(&app, &c, &once_id, "again", None).await.code(),
        "CONFLICT"
    );
    assert_eq!(
        respond(&app, &t, &series[0]["id"], "for them", None)
            .await
            .code(),
        "FORBIDDEN"
    );
    assert_eq!(
        respond(&app, &app.client2(), &series[0]["id"], "not mine", None)
            .await
            .code(),
        "NOT_FOUND"
    );

    // Two days pass for the first of the series.
    use sea_orm::ConnectionTrait as _;
    let backend = app.db.get_database_backend();
    let sql = match backend {
        sea_orm::DatabaseBackend::Postgres => "UPDATE check_in SET due_at = $1 WHERE id = $2",
        _ => "UPDATE check_in SET due_at = ? WHERE id = ?",
    };
    app.db
        .execute_raw(sea_orm::Statement::from_sql_and_values(
            backend,
            sql,
            [
                (Utc::now() - Duration::days(2)).into(),
                uuid::Uuid::parse_str(series[0]["id"].as_str().unwrap())
                    .unwrap()
                    .into(),
            ],
        ))
        .await
        .unwrap();
    let count = |status: &'static str| {
        let app = &app;
        let t = t.clone();
        let client = client.clone();
        async move {
            let res = app
                .gql(Some(&t), LIST, json!({ "id": client, "status": status }))
                .await
                .ok();
            res.data("client.checkIns").as_array().unwrap().len()
        }
    };
    assert_eq!(count("ANSWERED").await, 1);
    assert_eq!(count("MISSED").await, 1);
    assert_eq!(count("PENDING").await, 6);
    let res = app.gql(Some(&c), LIST, json!({ "id": client })).await.ok();
    assert_eq!(res.data("client.checkIns.0.status"), "MISSED");
    // A missed check-in can still be answered late.
    respond(&app, &c, &series[0]["id"], "Sorry, busy day", None)
        .await
        .ok();
    assert_eq!(count("MISSED").await, 0);
    let kinds: Vec<String> = app
        .event_kinds(app.a.client_ids[0])
        .await
        .into_iter()
        .filter(|k| k.starts_with("CHECK_IN"))
        .collect();
    assert_eq!(
        kinds,
        [
            "CHECK_IN_SCHEDULED",
            "CHECK_IN_SCHEDULED",
            "CHECK_IN_RESPONDED",
            "CHECK_IN_RESPONDED"
        ]
    );
}

#[tokio::test]
async fn bad_check_in_input_names_the_field_and_writes_nothing() {
    let app = spawn_app().await;
    let t = app.therapist();
    let client = app.a.client_ids[0].to_string();
    let soon = (Utc::now() + Duration::hours(1)).to_rfc3339();
    for (input, field) in [
        (
            json!({ "clientId": client, "prompt": "", "dueAt": soon }),
            "input.prompt",
        ),
        (json!({ "clientId": client, "prompt": "p" }), "input.dueAt"),
        (
            json!({ "clientId": client, "prompt": "p", "dueAt": (Utc::now() - Duration::hours(2)).to_rfc3339() }),
            "input.dueAt",
        ),
        (
            json!({ "clientId": client, "prompt": "p", "recurrence": { "recurrence": { "kind": "DAILY" }, "until": "2020-01-01" } }),
            "input.recurrence.until",
        ),
        (
            json!({ "clientId": "x", "prompt": "p", "dueAt": soon }),
            "input.clientId",
        ),
    ] {
        let res = schedule(&app, &t, input.clone()).await;
        assert_eq!(res.code(), "BAD_USER_INPUT", "{input}");
        assert_eq!(res.field(), field, "{input}");
    }
    assert_eq!(app.count("check_in").await, 0);
    let res = schedule(
        &app,
        &t,
        json!({ "clientId": client, "prompt": "p", "dueAt": soon }),
    )
    .await
    .ok();
    let id = res.data("scheduleCheckIn.checkIns.0.id").clone();
    assert_eq!(
        respond(&app, &app.client(), &id, " ", None).await.field(),
        "input.text"
    );
    assert_eq!(
        respond(&app, &app.client(), &id, "ok", Some(11))
            .await
            .field(),
        "input.mood"
    );
    // Clients, other therapists and other practices cannot schedule.
    assert_eq!(
        schedule(
            &app,
            &app.client(),
            json!({ "clientId": client, "prompt": "p", "dueAt": soon })
        )
        .await
        .code(),
        "FORBIDDEN"
    );
    assert_eq!(
        schedule(
            &app,
            &app.therapist2(),
            json!({ "clientId": client, "prompt": "p", "dueAt": soon })
        )
        .await
        .code(),
        "NOT_FOUND"
    );
    assert_eq!(
        app.gql(Some(&app.admin()), LIST, json!({ "id": client }))
            .await
            .code(),
        "NOT_FOUND"
    );
    assert_eq!(app.count("check_in").await, 1);
}
