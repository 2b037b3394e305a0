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

/// Schedules a check-in for `client` (as their therapist), due at `due`: its id.
async fn check_in(app: &TestApp, client: &str, due: chrono::DateTime<Utc>) -> Value {
    let res = mutate(
        app,
        &app.therapist(),
        "scheduleCheckIn",
        "ScheduleCheckInInput",
        json!({ "clientId": client, "prompt": "How did it go?", "dueAt": due.to_rfc3339() }),
        "checkIns { id }",
    )
    .await
    .ok();
    res.data("scheduleCheckIn.checkIns.0.id").clone()
}

/// Assigns `client` (as their therapist) a one-off homework due at `due`: its occurrence's id.
async fn homework_once(app: &TestApp, client: &str, due: chrono::DateTime<Utc>) -> Value {
    let res = mutate(
        app,
        &app.therapist(),
        "assignHomework",
        "AssignHomeworkInput",
        json!({ "clientId": client, "title": "Walk after lunch", "instructions": "Twenty minutes",
            "kind": "BEHAVIORAL_ACTIVATION", "dueAt": due.to_rfc3339() }),
        "homework { occurrences { id } }",
    )
    .await
    .ok();
    res.data("assignHomework.homework.occurrences.0.id").clone()
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
    let evening = check_in(&app, &client, at(day1, 20, 0)).await;
    let early = check_in(&app, &client, at(day2, 7, 30)).await;
    let occurrence = homework_once(&app, &client, at(day2, 12, 0)).await;

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

#[tokio::test]
async fn another_clients_schedule_is_not_found() {
    let app = spawn_app().await;
    let client = app.a.client_ids[0].to_string();
    let (from, to) = (Utc::now(), Utc::now() + Duration::days(7));
    let window = json!({ "id": client, "from": from.to_rfc3339(), "to": to.to_rfc3339() });
    // Another client, a therapist outside the care team, and another practice's therapist.
    for token in [
        app.client2(),
        app.therapist2(),
        app.other_practice_therapist(),
    ] {
        let res = app.gql(Some(&token), UPCOMING, window.clone()).await;
        assert_eq!(res.code(), "NOT_FOUND");
    }
    // The client's own schedule is there (empty: nothing is due).
    let own = app.gql(Some(&app.client()), UPCOMING, window).await.ok();
    assert_eq!(own.data("client.upcomingReminders"), &json!([]));
}

/// The client's time zone (the demo's clients have one each).
async fn timezone(app: &TestApp, client: &str) -> String {
    let res = app
        .gql(
            Some(&app.therapist()),
            "query($id: ID!) { client(id: $id) { timezone } }",
            json!({ "id": client }),
        )
        .await
        .ok();
    res.data("client.timezone").as_str().unwrap().to_owned()
}

/// One pass of the reminder job at `at` (the lock is free: nothing else runs it here).
async fn fire(app: &TestApp, at: chrono::DateTime<Utc>) -> momentum_api::reminders::job::Fired {
    momentum_api::reminders::job::pass(&app.db, at)
        .await
        .unwrap()
        .expect("the reminder job's lock is free")
}

/// The payloads of the `REMINDER_DUE` events so far, oldest first.
async fn reminder_payloads(app: &TestApp) -> Vec<Value> {
    use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _, QueryOrder as _};
    entity::event::Entity::find()
        .filter(entity::event::Column::Kind.eq("REMINDER_DUE"))
        .order_by_asc(entity::event::Column::Sequence)
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.payload)
        .collect()
}

/// The `REMINDER_DUE` events so far, oldest first: (aboutId, fireAt, reason).
async fn reminder_events(app: &TestApp) -> Vec<(Value, Value, Value)> {
    reminder_payloads(app)
        .await
        .into_iter()
        .map(|p| {
            (
                p["aboutId"].clone(),
                p["fireAt"].clone(),
                p["reason"].clone(),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_reminder_job_sends_each_reminder_once_at_its_time_and_never_in_quiet_hours() {
    let app = spawn_app().await;
    let c = app.client();
    let client = app.a.client_ids[0].to_string();
    let tz = timezone(&app, &client).await;
    set(
        &app,
        &c,
        json!({ "clientId": client, "quietHours": { "start": "22:00", "end": "07:00" },
        "preferredTimes": ["09:00", "18:00"], "kinds": ["CHECK_IN_DUE", "HOMEWORK_DUE"] }),
    )
    .await
    .ok();
    let today = momentum_api::values::local_today(&tz, Utc::now());
    let (day1, day2) = (today + Duration::days(2), today + Duration::days(3));
    let at = |d: chrono::NaiveDate, h: u32, m: u32| {
        momentum_api::recurrence::local_instant(&tz, d, NaiveTime::from_hms_opt(h, m, 0).unwrap())
    };
    let evening = check_in(&app, &client, at(day1, 20, 0)).await;
    let early = check_in(&app, &client, at(day2, 7, 30)).await;
    let answered = check_in(&app, &client, at(day2, 20, 0)).await;
    let occurrence = homework_once(&app, &client, at(day2, 12, 0)).await;
    // The client hears of it on their own subscription.
    let mut ws = crate::realtime::subscribe(&app, &c, json!({ "kinds": ["REMINDER_DUE"] })).await;
    let utc = |t: chrono::DateTime<Utc>| json!(t.to_rfc3339());

    // Before the first reminder's time: nothing.
    assert_eq!(fire(&app, at(day1, 17, 0)).await.sent, 0);
    // Just after 18:00: the evening check-in, once however often the job runs.
    assert_eq!(
        fire(&app, at(day1, 18, 0) + Duration::seconds(30))
            .await
            .sent,
        1
    );
    assert_eq!(fire(&app, at(day1, 18, 1)).await.sent, 0);
    assert_eq!(
        reminder_events(&app).await,
        vec![(
            evening.clone(),
            utc(at(day1, 18, 0)),
            json!("PREFERRED_TIME")
        )]
    );
    let got = crate::realtime::event(&mut ws).await;
    assert_eq!(got["kind"], "REMINDER_DUE");
    assert_eq!(got["payload"]["aboutId"], evening);
    assert_eq!(got["payload"]["reminderKind"], "CHECK_IN_DUE");
    assert!(
        got["payload"]["fireAtLocal"]
            .as_str()
            .unwrap()
            .contains("T18:00:00"),
        "{got}"
    );

    // Through the quiet night nothing fires; the 07:30 check-in's reminder (06:30) waits for
    // the end of the quiet hours.
    for hour in [22, 23] {
        assert_eq!(fire(&app, at(day1, hour, 30)).await.sent, 0);
    }
    for hour in [0, 3, 6] {
        assert_eq!(fire(&app, at(day2, hour, 45)).await.sent, 0);
    }
    // Answered before its reminder: none for it.
    mutate(
        &app,
        &c,
        "respondToCheckIn",
        "RespondToCheckInInput",
        json!({ "checkInId": answered, "text": "Done early" }),
        "checkIn { id }",
    )
    .await
    .ok();
    // Two replicas' passes at once after 09:00: the 07:00 and 09:00 reminders, each once.
    let (a, b) = tokio::join!(
        momentum_api::reminders::job::pass(&app.db, at(day2, 9, 0) + Duration::seconds(5)),
        momentum_api::reminders::job::pass(&app.db, at(day2, 9, 0) + Duration::seconds(5)),
    );
    let sent = |r: Option<momentum_api::reminders::job::Fired>| r.map_or(0, |f| f.sent);
    assert_eq!(sent(a.unwrap()) + sent(b.unwrap()), 2);
    // The rest of the day: nothing more (the answered check-in is not reminded of).
    assert_eq!(fire(&app, at(day2, 23, 0)).await.sent, 0);
    assert_eq!(
        reminder_events(&app).await,
        vec![
            (evening, utc(at(day1, 18, 0)), json!("PREFERRED_TIME")),
            (early, utc(at(day2, 7, 0)), json!("AFTER_QUIET_HOURS")),
            (occurrence, utc(at(day2, 9, 0)), json!("PREFERRED_TIME")),
        ]
    );
}

/// Assigns `client` (as their therapist) a homework due daily at 20:00 for `days` days from
/// `first`: its id and its occurrences' ids.
async fn daily(
    app: &TestApp,
    client: &str,
    title: &str,
    first: chrono::NaiveDate,
    days: i64,
) -> (Value, Vec<Value>) {
    let res = mutate(
        app,
        &app.therapist(),
        "assignHomework",
        "AssignHomeworkInput",
        json!({ "clientId": client, "title": title, "instructions": "Once a day",
            "kind": "BEHAVIORAL_ACTIVATION",
            "recurrence": { "recurrence": { "kind": "DAILY" }, "startsOn": first.to_string(),
                "until": (first + Duration::days(days - 1)).to_string(), "timeOfDay": "20:00" } }),
        "homework { id occurrences { id } }",
    )
    .await
    .ok();
    let occurrences = res
        .data("assignHomework.homework.occurrences")
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].clone())
        .collect();
    (res.data("assignHomework.homework.id").clone(), occurrences)
}

#[tokio::test]
async fn reminders_the_client_lets_pass_back_off_and_a_pause_or_completed_work_sends_none() {
    let app = spawn_app().await;
    let c = app.client();
    let client = app.a.client_ids[0].to_string();
    let tz = timezone(&app, &client).await;
    set(
        &app,
        &c,
        json!({ "clientId": client, "quietHours": { "start": "22:00", "end": "07:00" },
        "preferredTimes": ["09:00"], "kinds": ["HOMEWORK_DUE"] }),
    )
    .await
    .ok();
    let today = momentum_api::values::local_today(&tz, Utc::now());
    let at = |d: chrono::NaiveDate, h: u32, m: u32| {
        momentum_api::recurrence::local_instant(&tz, d, NaiveTime::from_hms_opt(h, m, 0).unwrap())
    };
    // A daily homework due at 20:00 for twelve days from tomorrow: reminded at 09:00.
    let first = today + Duration::days(1);
    let (_, occurrences) = daily(&app, &client, "Ten-minute walk", first, 12).await;
    assert_eq!(occurrences.len(), 12);

    // The client lets every reminder pass: days 1-3 are sent, 4 held back, 5 sent (the 4th
    // let pass), 6-8 held back, 9 sent (the 8th), 10-12 held back.
    let mut sent_days = Vec::new();
    for d in 0..12 {
        let day = first + Duration::days(d);
        let f = fire(&app, at(day, 9, 0) + Duration::minutes(1)).await;
        assert_eq!(f.sent + f.held_back, 1, "day {}", d + 1);
        if f.sent == 1 {
            sent_days.push(d + 1);
        }
        fire(&app, at(day, 21, 0)).await;
    }
    assert_eq!(sent_days, vec![1, 2, 3, 5, 9]);
    // A second homework, daily for three days from day 14: the first reminder is sent (the
    // series is new); completing the second before its reminder skips it; a pause holds
    // the third.
    let later = first + Duration::days(13);
    let (call, second) = daily(&app, &client, "Call a friend", later, 3).await;
    assert_eq!(fire(&app, at(later, 9, 1)).await.sent, 1);
    mutate(
        &app,
        &c,
        "submitHomework",
        "SubmitHomeworkInput",
        json!({ "homeworkId": call, "occurrenceId": second[1], "outcome": "COMPLETED" }),
        "homework { id }",
    )
    .await
    .ok();
    let next = later + Duration::days(1);
    let f = fire(&app, at(next, 9, 1)).await;
    assert_eq!((f.sent, f.held_back), (0, 0));
    set(
        &app,
        &c,
        json!({ "clientId": client, "quietHours": { "start": "22:00", "end": "07:00" },
        "preferredTimes": ["09:00"], "kinds": ["HOMEWORK_DUE"],
        "pausedUntil": at(next + Duration::days(2), 0, 0).to_rfc3339() }),
    )
    .await
    .ok();
    let f = fire(&app, at(next + Duration::days(1), 9, 1)).await;
    assert_eq!((f.sent, f.held_back), (0, 0));
}

#[tokio::test]
async fn action_times_tracker_prompts_and_measures_due_are_reminded_too() {
    use crate::fixtures::{goal_id, submit_at};
    let app = spawn_app().await;
    let (t, c) = (app.therapist(), app.client());
    let client = app.a.client_ids[0].to_string();
    let tz = timezone(&app, &client).await;
    set(
        &app,
        &c,
        json!({ "clientId": client, "quietHours": { "start": "22:00", "end": "08:00" },
        "preferredTimes": ["09:00", "18:00"],
        "kinds": ["ACTION_TIME", "TRACKING_NUDGE", "MEASURE_DUE"] }),
    )
    .await
    .ok();
    let today = momentum_api::values::local_today(&tz, Utc::now());
    let at = |d: chrono::NaiveDate, h: u32, m: u32| {
        momentum_api::recurrence::local_instant(&tz, d, NaiveTime::from_hms_opt(h, m, 0).unwrap())
    };
    let utc = |t: chrono::DateTime<Utc>| json!(t.to_rfc3339());
    // An action plan with a stretch at 07:30 (quiet: moved to 08:00) and a walk at 19:00 every
    // day, and an action with no time (nothing to remind of).
    let goal = goal_id(
        &app,
        &t,
        app.a.client_ids[0],
        json!({ "title": "Move more" }),
    )
    .await;
    let plan = mutate(
        &app,
        &t,
        "createActionPlan",
        "CreateActionPlanInput",
        json!({ "goalId": goal, "title": "Daily movement", "actions": [
            { "what": "Stretch", "recurrence": { "kind": "DAILY" }, "timeOfDay": "07:30" },
            { "what": "Walk", "recurrence": { "kind": "DAILY" }, "timeOfDay": "19:00" },
            { "what": "Drink water", "recurrence": { "kind": "DAILY" } } ] }),
        "plan { actions { id what } }",
    )
    .await
    .ok();
    let action = |i: usize| {
        plan.data(&format!("createActionPlan.plan.actions.{i}.id"))
            .clone()
    };
    // A tracker the client is prompted to fill in at 12:00.
    let water = mutate(
        &app,
        &c,
        "createTracker",
        "CreateTrackerInput",
        json!({ "clientId": client, "name": "Glasses of water", "valueType": "COUNT",
            "promptTimes": ["12:00"] }),
        "tracker { id }",
    )
    .await
    .ok();
    let water = water.data("createTracker.tracker.id").clone();
    // A PHQ-9 every 7 days, last done 5 days ago: due in 2 days.
    let done = Utc::now() - Duration::days(5);
    let done = done - Duration::nanoseconds(i64::from(done.timestamp_subsec_nanos()));
    submit_at(
        &app,
        &t,
        app.a.client_ids[0],
        "PHQ9",
        &[1, 1, 1, 1, 1, 1, 1, 1, 0],
        done,
    )
    .await
    .ok();
    mutate(
        &app,
        &t,
        "assignMeasure",
        "AssignMeasureInput",
        json!({ "clientId": client, "instrument": "PHQ9", "everyDays": 7 }),
        "assignment { id }",
    )
    .await
    .ok();

    // Tomorrow's schedule, in order.
    let day1 = today + Duration::days(1);
    let tomorrow = json!({ "id": client, "from": at(day1, 0, 0).to_rfc3339(),
        "to": at(day1 + Duration::days(1), 0, 0).to_rfc3339() });
    let res = app.gql(Some(&c), UPCOMING, tomorrow).await.ok();
    let got: Vec<(Value, Value, Value, Value)> = res
        .data("client.upcomingReminders")
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] != "MEASURE_DUE")
        .map(|r| {
            (
                r["kind"].clone(),
                r["dueAt"].clone(),
                r["fireAt"].clone(),
                r["reason"].clone(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                json!("ACTION_TIME"),
                utc(at(day1, 7, 30)),
                utc(at(day1, 8, 0)),
                json!("AFTER_QUIET_HOURS")
            ),
            (
                json!("TRACKING_NUDGE"),
                utc(at(day1, 12, 0)),
                utc(at(day1, 12, 0)),
                json!("PLANNED_TIME")
            ),
            (
                json!("ACTION_TIME"),
                utc(at(day1, 19, 0)),
                utc(at(day1, 19, 0)),
                json!("PLANNED_TIME")
            ),
        ]
    );
    // The measure: once, due when the interval since it was last done ends.
    let week = json!({ "id": client, "from": Utc::now().to_rfc3339(),
        "to": (Utc::now() + Duration::days(7)).to_rfc3339() });
    let res = app.gql(Some(&c), UPCOMING, week).await.ok();
    let measures: Vec<Value> = res
        .data("client.upcomingReminders")
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] == "MEASURE_DUE")
        .map(|r| r["dueAt"].clone())
        .collect();
    assert_eq!(measures, vec![utc(done + Duration::days(7))]);

    // The job sends them at their times; a day the client already logged gets no nudge.
    let about = |f: &Value| f["aboutId"].clone();
    let sent = async |from: usize| reminder_payloads(&app).await.split_off(from);
    fire(&app, at(day1, 7, 0)).await;
    let before = sent(0).await.len();
    fire(&app, at(day1, 8, 1)).await;
    fire(&app, at(day1, 12, 1)).await;
    fire(&app, at(day1, 19, 1)).await;
    let day1_sent = sent(before).await;
    let kinds: Vec<&str> = day1_sent
        .iter()
        .map(|p| p["reminderKind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["ACTION_TIME", "TRACKING_NUDGE", "ACTION_TIME"]);
    assert_ne!(
        about(&day1_sent[0]),
        action(0),
        "a reminder's own id per day"
    );
    // A day the client has logged already has no nudge: today's goes once they log.
    let today_window = json!({ "id": client, "from": at(today, 0, 0).to_rfc3339(),
        "to": at(today + Duration::days(1), 0, 0).to_rfc3339() });
    let nudges = |res: &Gql| -> Vec<Value> {
        res.data("client.upcomingReminders")
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["kind"] == "TRACKING_NUDGE")
            .map(|r| r["fireAt"].clone())
            .collect()
    };
    let res = app.gql(Some(&c), UPCOMING, today_window.clone()).await.ok();
    assert_eq!(nudges(&res), vec![utc(at(today, 12, 0))]);
    mutate(
        &app,
        &c,
        "logEntry",
        "LogEntryInput",
        json!({ "trackerId": water, "recordedAt": Utc::now().to_rfc3339(), "value": 3 }),
        "entry { id }",
    )
    .await
    .ok();
    let res = app.gql(Some(&c), UPCOMING, today_window).await.ok();
    assert_eq!(nudges(&res), Vec::<Value>::new());
}
