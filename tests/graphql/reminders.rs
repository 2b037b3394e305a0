//! Reminders: a client's preferences (defaults, set by the client, by the care team only when
//! the client allows it, validation, scope) and the upcoming schedule of homework and
//! check-ins (preferred times, quiet hours, local times, answered work dropped).

use chrono::{Duration, NaiveTime, Utc};
use serde_json::{Value, json};

use crate::helpers::*;

const PREFS: &str =
    "quietHours { start end } preferredTimes kinds pausedUntil careTeamMayEdit updatedAt";

async fn set(app: &TestApp, token: &str, input: Value) -> Gql {
    mutate(
        app,
        token,
        "setReminderPreferences",
        "SetReminderPreferencesInput",
        input,
        &format!("preferences {{ {PREFS} }}"),
    )
    .await
}

async fn read(app: &TestApp, token: &str, client: &str) -> Gql {
    app.gql(
        Some(token),
        &format!("query($id: ID!) {{ client(id: $id) {{ reminderPreferences {{ {PREFS} }} }} }}"),
        json!({ "id": client }),
    )
    .await
}

#[tokio::test]
async fn the_client_sets_their_preferences_and_the_care_team_only_when_allowed() {
    let app = spawn_app().await;
    let (t, c) = (app.therapist(), app.client());
    let client = app.a.client_ids[0].to_string();

    let defaults = read(&app, &c, &client).await.ok();
    let p = |g: &Gql, f: &str| g.data(&format!("client.reminderPreferences.{f}")).clone();
    assert_eq!(
        p(&defaults, "quietHours"),
        json!({ "start": "21:00", "end": "08:00" })
    );
    assert_eq!(p(&defaults, "preferredTimes"), json!(["09:00", "18:00"]));
    assert_eq!(p(&defaults, "kinds").as_array().unwrap().len(), 5);
    assert_eq!(p(&defaults, "careTeamMayEdit"), false);
    assert_eq!(p(&defaults, "updatedAt"), Value::Null);

    let input = json!({ "clientId": client, "quietHours": { "start": "22:00", "end": "07:00" },
        "preferredTimes": ["18:00", "09:00", "18:00"], "kinds": ["CHECK_IN_DUE", "HOMEWORK_DUE"] });
    let res = set(&app, &c, input.clone()).await.ok();
    let s = |f: &str| {
        res.data(&format!("setReminderPreferences.preferences.{f}"))
            .clone()
    };
    assert_eq!(s("quietHours"), json!({ "start": "22:00", "end": "07:00" }));
    assert_eq!(s("preferredTimes"), json!(["09:00", "18:00"]));
    assert_eq!(s("kinds"), json!(["HOMEWORK_DUE", "CHECK_IN_DUE"]));
    assert!(s("updatedAt").is_string());
    // The care team reads them, but may not change them yet.
    assert_eq!(
        p(&read(&app, &t, &client).await.ok(), "preferredTimes"),
        json!(["09:00", "18:00"])
    );
    assert_eq!(set(&app, &t, input.clone()).await.code(), "FORBIDDEN");
    // Another therapist's client is not found; nor is this one for them.
    assert_eq!(
        read(&app, &app.therapist2(), &client).await.code(),
        "NOT_FOUND"
    );
    assert_eq!(
        set(&app, &app.client2(), input.clone()).await.code(),
        "NOT_FOUND"
    );

    // The client allows it: the care team may change the times, never the permission.
    let mut allow = input.clone();
    allow["careTeamMayEdit"] = json!(true);
    set(&app, &c, allow).await.ok();
    let mut by_team = input.clone();
    by_team["preferredTimes"] = json!(["08:30"]);
    let res = set(&app, &t, by_team.clone()).await.ok();
    assert_eq!(
        res.data("setReminderPreferences.preferences.preferredTimes"),
        &json!(["08:30"])
    );
    assert_eq!(
        res.data("setReminderPreferences.preferences.careTeamMayEdit"),
        true
    );
    by_team["careTeamMayEdit"] = json!(false);
    let refused = set(&app, &t, by_team).await;
    assert_eq!(
        (refused.code(), refused.field()),
        ("BAD_USER_INPUT", "input.careTeamMayEdit")
    );
    // The client's later change keeps the permission unless they say otherwise.
    let res = set(&app, &c, input.clone()).await.ok();
    assert_eq!(
        res.data("setReminderPreferences.preferences.careTeamMayEdit"),
        true
    );
}

#[tokio::test]
async fn bad_preferences_are_refused_by_field_and_change_nothing() {
    let app = spawn_app().await;
    let c = app.client();
    let client = app.a.client_ids[0].to_string();
    let base =
        json!({ "clientId": client, "preferredTimes": ["09:00"], "kinds": ["HOMEWORK_DUE"] });
    let with = |k: &str, v: Value| {
        let mut i = base.clone();
        i[k] = v;
        i
    };
    for (input, field) in [
        (
            with("preferredTimes", json!(["25:00"])),
            "input.preferredTimes[0]",
        ),
        (
            with(
                "preferredTimes",
                json!(["08:00", "09:00", "10:00", "11:00", "12:00"]),
            ),
            "input.preferredTimes",
        ),
        (
            with("quietHours", json!({ "start": "22:00", "end": "22:00" })),
            "input.quietHours.end",
        ),
        (
            with("quietHours", json!({ "start": "10pm", "end": "07:00" })),
            "input.quietHours.start",
        ),
    ] {
        let res = set(&app, &c, input).await;
        assert_eq!((res.code(), res.field()), ("BAD_USER_INPUT", field));
    }
    let unchanged = read(&app, &c, &client).await.ok();
    assert_eq!(
        unchanged.data("client.reminderPreferences.updatedAt"),
        &Value::Null
    );
}

const UPCOMING: &str = "query($id: ID!, $from: DateTime!, $to: DateTime!) { client(id: $id) { upcomingReminders(from: $from, to: $to) { kind aboutId fireAt fireAtLocal dueAt reason } } }";

#[tokio::test]
async fn upcoming_reminders_fire_at_preferred_times_outside_quiet_hours_in_local_time() {
    let app = spawn_app().await;
    let (t, c) = (app.therapist(), app.client());
    let client = app.a.client_ids[0].to_string();
    let tz = "America/New_York";
    set(
        &app,
        &c,
        json!({ "clientId": client, "quietHours": { "start": "22:00", "end": "07:00" },
        "preferredTimes": ["09:00", "18:00"], "kinds": ["CHECK_IN_DUE", "HOMEWORK_DUE"] }),
    )
    .await
    .ok();
    let today = momentum_api::values::local_today(tz, Utc::now());
    let (day1, day2) = (today + Duration::days(2), today + Duration::days(3));
    let at = |d: chrono::NaiveDate, h: u32, m: u32| {
        momentum_api::recurrence::local_instant(tz, d, NaiveTime::from_hms_opt(h, m, 0).unwrap())
    };
    let schedule = |due: chrono::DateTime<Utc>| {
        mutate(
            &app,
            &t,
            "scheduleCheckIn",
            "ScheduleCheckInInput",
            json!({ "clientId": client, "prompt": "How did it go?", "dueAt": due.to_rfc3339() }),
            "checkIns { id }",
        )
    };
    let evening = schedule(at(day1, 20, 0)).await.ok();
    let evening = evening.data("scheduleCheckIn.checkIns.0.id").clone();
    let early = schedule(at(day2, 7, 30)).await.ok();
    let early = early.data("scheduleCheckIn.checkIns.0.id").clone();
    let homework = mutate(
        &app,
        &t,
        "assignHomework",
        "AssignHomeworkInput",
        json!({ "clientId": client, "title": "Walk after lunch", "instructions": "Twenty minutes",
            "kind": "BEHAVIORAL_ACTIVATION", "dueAt": at(day2, 12, 0).to_rfc3339() }),
        "homework { occurrences { id } }",
    )
    .await
    .ok();
    let occurrence = homework
        .data("assignHomework.homework.occurrences.0.id")
        .clone();

    let window = json!({ "id": client, "from": at(day1, 0, 0).to_rfc3339(), "to": at(today + Duration::days(5), 0, 0).to_rfc3339() });
    let res = app.gql(Some(&c), UPCOMING, window.clone()).await.ok();
    let got: Vec<(Value, Value, Value)> = res
        .data("client.upcomingReminders")
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["aboutId"].clone(),
                r["fireAt"].clone(),
                r["reason"].clone(),
            )
        })
        .collect();
    let utc = |t: chrono::DateTime<Utc>| json!(t.to_rfc3339());
    assert_eq!(
        got,
        vec![
            // Due 20:00: the 18:00 reminder.
            (
                evening.clone(),
                utc(at(day1, 18, 0)),
                json!("PREFERRED_TIME")
            ),
            // Due 07:30: an hour before is quiet; at 07:00, when the quiet hours end.
            (
                early.clone(),
                utc(at(day2, 7, 0)),
                json!("AFTER_QUIET_HOURS")
            ),
            // Due 12:00: 09:00.
            (
                occurrence.clone(),
                utc(at(day2, 9, 0)),
                json!("PREFERRED_TIME")
            ),
        ]
    );
    let first = res
        .data("client.upcomingReminders.0.fireAtLocal")
        .as_str()
        .unwrap();
    assert!(first.contains("T18:00:00"), "{first}");
    // The care team sees the same schedule.
    let team = app.gql(Some(&t), UPCOMING, window.clone()).await.ok();
    assert_eq!(
        team.data("client.upcomingReminders")
            .as_array()
            .unwrap()
            .len(),
        3
    );

    // An answered check-in is no longer reminded of; homework turned off drops out.
    mutate(
        &app,
        &c,
        "respondToCheckIn",
        "RespondToCheckInInput",
        json!({ "checkInId": evening, "text": "Fine" }),
        "checkIn { id }",
    )
    .await
    .ok();
    set(
        &app,
        &c,
        json!({ "clientId": client, "quietHours": { "start": "22:00", "end": "07:00" },
        "preferredTimes": ["09:00", "18:00"], "kinds": ["CHECK_IN_DUE"] }),
    )
    .await
    .ok();
    let res = app.gql(Some(&c), UPCOMING, window).await.ok();
    let left: Vec<Value> = res
        .data("client.upcomingReminders")
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["aboutId"].clone())
        .collect();
    assert_eq!(left, vec![early]);

    // A window longer than 31 days, or backwards, is refused.
    for (from, to) in [(0, 40), (3, 1)] {
        let res = app
            .gql(
                Some(&c),
                UPCOMING,
                json!({ "id": client, "from": at(today + Duration::days(from), 0, 0).to_rfc3339(),
                    "to": at(today + Duration::days(to), 0, 0).to_rfc3339() }),
            )
            .await;
        assert_eq!((res.code(), res.field()), ("BAD_USER_INPUT", "to"));
    }
}
