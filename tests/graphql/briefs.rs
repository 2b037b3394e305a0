//! The pre-session brief: exact figures of every section on a prepared history, the default
//! window (since the last completed session, or since the client was added), the `since`
//! argument, the agenda and its order, scope, and a statement count that does not grow with
//! the history.

use chrono::{DateTime, Duration, SubsecRound as _, Utc};
use sea_orm::ConnectionTrait as _;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;

const BRIEF: &str = "query($id: ID!, $since: DateTime) { sessionBrief(clientId: $id, since: $since) {
    client { id displayName } since until sinceBasis sinceSessionId
    homework { due submitted completed partial notDone overdue awaitingReview
        toReview { homework { id title status } submissions { outcome reflection difficulty helpfulness obstaclesMet } } }
    goals { goal { title } fromValue toValue valuesRecorded stepsCompleted progressFrom progressTo progressBasis moved }
    trackers { tracker { name kind } count hiddenCount mean previousMean change
        high { value recordedAt } low { value recordedAt } lastEntryAt }
    thoughtRecords { count hiddenCount meanEmotionDrop meanBeliefDrop }
    measures { responses { instrument total severity reliableChange administeredAt }
        changes { instrument latestTotal latestSeverity referenceTotal change reliableChange reliableChangePoints } }
    obstacles { kind logged withHomework total copingUsed meanHelpfulness }
    checkIns { due answered missed meanMood answers { response mood } }
    openAlerts { id kind status }
    agenda { rule priority text }
} }";

async fn brief(app: &TestApp, token: &str, client: Uuid, since: Option<DateTime<Utc>>) -> Gql {
    app.gql(
        Some(token),
        BRIEF,
        json!({ "id": client.to_string(), "since": since.map(|s| s.to_rfc3339()) }),
    )
    .await
}

fn at(t: DateTime<Utc>) -> String {
    t.to_rfc3339()
}

fn instant(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap_or_else(|| panic!("not a time: {v}")))
        .unwrap()
        .with_timezone(&Utc)
}

/// An instant as stored (microseconds).
fn stored(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(6)
}

fn assert_close(v: &Value, expected: f64) {
    let got = v
        .as_f64()
        .unwrap_or_else(|| panic!("expected {expected}, got {v}"));
    assert!(
        (got - expected).abs() < 1e-9,
        "expected {expected}, got {got}"
    );
}

fn id_of(res: &Gql, path: &str) -> String {
    res.data(path)
        .as_str()
        .unwrap_or_else(|| panic!("no id at {path}: {}", res.0))
        .to_owned()
}

/// Sets `column` of the rows of `table` whose `key` is `id` (backdating what the API stamps
/// with the current time).
async fn backdate(app: &TestApp, table: &str, column: &str, key: &str, id: &str, t: DateTime<Utc>) {
    let backend = app.db.get_database_backend();
    let sql = match backend {
        sea_orm::DatabaseBackend::Postgres => {
            format!("UPDATE {table} SET {column} = $1 WHERE {key} = $2")
        }
        _ => format!("UPDATE {table} SET {column} = ? WHERE {key} = ?"),
    };
    let done = app
        .db
        .execute_raw(sea_orm::Statement::from_sql_and_values(
            backend,
            sql,
            [t.into(), Uuid::parse_str(id).unwrap().into()],
        ))
        .await
        .unwrap();
    assert!(done.rows_affected() > 0, "{table}.{column} of {id}");
}

async fn session(
    app: &TestApp,
    t: &str,
    client: Uuid,
    when: DateTime<Utc>,
    finish: Option<&str>,
) -> String {
    let res = mutate(
        app,
        t,
        "scheduleSession",
        "ScheduleSessionInput",
        json!({ "clientId": client.to_string(), "scheduledAt": at(when) }),
        "session { id }",
    )
    .await
    .ok();
    let id = id_of(&res, "scheduleSession.session.id");
    match finish {
        Some("COMPLETED") => {
            mutate(
                app,
                t,
                "completeSession",
                "CompleteSessionInput",
                json!({ "sessionId": id }),
                "session { id }",
            )
            .await
            .ok();
        }
        Some(_) => {
            mutate(
                app,
                t,
                "cancelSession",
                "CancelSessionInput",
                json!({ "sessionId": id, "reason": "Ill" }),
                "session { id }",
            )
            .await
            .ok();
        }
        None => {}
    }
    id
}

/// One-off homework due at `due` (assigned for later, then moved back).
async fn homework(app: &TestApp, t: &str, client: Uuid, title: &str, due: DateTime<Utc>) -> String {
    let res = mutate(
        app,
        t,
        "assignHomework",
        "AssignHomeworkInput",
        json!({ "clientId": client.to_string(), "title": title, "instructions": "Do it.",
                "dueAt": at(Utc::now() + Duration::hours(2)) }),
        "homework { id }",
    )
    .await
    .ok();
    let id = id_of(&res, "assignHomework.homework.id");
    backdate(
        app,
        "homework_occurrence",
        "due_at",
        "homework_id",
        &id,
        due,
    )
    .await;
    backdate(app, "homework", "due_at", "id", &id, due).await;
    id
}

async fn submit(
    app: &TestApp,
    token: &str,
    id: &str,
    outcome: &str,
    reflection: &str,
    obstacles: Value,
) {
    mutate(
        app,
        token,
        "submitHomework",
        "SubmitHomeworkInput",
        json!({ "homeworkId": id, "outcome": outcome, "reflection": reflection, "difficulty": 3,
                "helpfulness": 8, "obstaclesMet": obstacles }),
        "homework { id }",
    )
    .await
    .ok();
}

async fn review(app: &TestApp, t: &str, id: &str) {
    mutate(
        app,
        t,
        "reviewHomework",
        "ReviewHomeworkInput",
        json!({ "homeworkId": id, "notes": "Talked it through" }),
        "homework { id }",
    )
    .await
    .ok();
}

async fn goal(
    app: &TestApp,
    t: &str,
    client: Uuid,
    input: Value,
    created: DateTime<Utc>,
) -> String {
    let mut input = input;
    input["clientId"] = json!(client.to_string());
    let res = mutate(
        app,
        t,
        "createGoal",
        "CreateGoalInput",
        input,
        "goal { id }",
    )
    .await
    .ok();
    let id = id_of(&res, "createGoal.goal.id");
    backdate(app, "goal", "created_at", "id", &id, created).await;
    id
}

async fn progress(app: &TestApp, t: &str, goal: &str, value: f64, when: DateTime<Utc>) {
    mutate(
        app,
        t,
        "recordGoalProgress",
        "RecordGoalProgressInput",
        json!({ "goalId": goal, "value": value, "recordedAt": at(when) }),
        "entry { id }",
    )
    .await
    .ok();
}

async fn step(app: &TestApp, t: &str, goal: &str, title: &str, completed: Option<DateTime<Utc>>) {
    let res = mutate(
        app,
        t,
        "addGoalStep",
        "AddGoalStepInput",
        json!({ "goalId": goal, "title": title }),
        "step { id }",
    )
    .await
    .ok();
    let id = id_of(&res, "addGoalStep.step.id");
    if let Some(when) = completed {
        mutate(
            app,
            t,
            "completeGoalStep",
            "GoalStepInput",
            json!({ "stepId": id }),
            "step { id }",
        )
        .await
        .ok();
        if when < Utc::now() - Duration::minutes(1) {
            backdate(app, "goal_step", "completed_at", "id", &id, when).await;
        }
    }
}

async fn plan(app: &TestApp, t: &str, goal: &str) -> String {
    let res = mutate(app, t, "createActionPlan", "CreateActionPlanInput", json!({ "goalId": goal, "title": "Walks",
        "actions": [{ "what": "Walk", "recurrence": { "kind": "DAILY" } }],
        "obstacles": [{ "kind": "LACK_OF_TIME", "description": "Meetings", "copingPlan": "If no time, then 2 minutes" }] }),
        "plan { id }").await.ok();
    id_of(&res, "createActionPlan.plan.id")
}

async fn obstacle(
    app: &TestApp,
    token: &str,
    plan: &str,
    kind: &str,
    when: DateTime<Utc>,
    helped: Option<i32>,
) {
    mutate(app, token, "logObstacle", "LogObstacleInput",
        json!({ "planId": plan, "kind": kind, "occurredAt": at(when), "copingUsed": helped.is_some(), "helped": helped }),
        "entry { id }").await.ok();
}

async fn entry(
    app: &TestApp,
    token: &str,
    tracker: &str,
    value: f64,
    when: DateTime<Utc>,
    private: bool,
) {
    mutate(
        app,
        token,
        "logEntry",
        "LogEntryInput",
        json!({ "trackerId": tracker, "value": value, "recordedAt": at(when),
                "visibility": if private { "PRIVATE" } else { "SHARED" } }),
        "entry { id }",
    )
    .await
    .ok();
}

/// Emotions of a thought record: name, intensity before and after.
type Emotions<'a> = &'a [(&'a str, i32, i32)];

async fn thought(
    app: &TestApp,
    token: &str,
    client: Uuid,
    when: DateTime<Utc>,
    belief: (i32, i32),
    emotions: Emotions<'_>,
    private: bool,
) {
    let emotions: Vec<Value> = emotions
        .iter()
        .map(|(name, before, after)| {
            json!({ "name": name, "intensityBefore": before, "intensityAfter": after })
        })
        .collect();
    mutate(
        app,
        token,
        "recordThoughtRecord",
        "RecordThoughtRecordInput",
        json!({ "clientId": client.to_string(), "recordedAt": at(when), "situation": "At work",
                "automaticThought": "I will fail", "beliefBefore": belief.0, "beliefAfter": belief.1,
                "emotions": emotions, "visibility": if private { "PRIVATE" } else { "SHARED" } }),
        "thoughtRecord { id }",
    )
    .await
    .ok();
}

async fn measure(
    app: &TestApp,
    token: &str,
    client: Uuid,
    instrument: &str,
    answers: Value,
    when: DateTime<Utc>,
) {
    mutate(app, token, "submitMeasure", "SubmitMeasureInput",
        json!({ "clientId": client.to_string(), "instrument": instrument, "answers": answers, "administeredAt": at(when) }),
        "total").await.ok();
}

/// A check-in due at `due`, answered with `answer` (text, mood) when given; answered at
/// `answered_at` when that is given too.
async fn check_in(
    app: &TestApp,
    t: &str,
    c: &str,
    client: Uuid,
    due: DateTime<Utc>,
    answer: Option<(&str, i32)>,
    answered_at: Option<DateTime<Utc>>,
) {
    let res = mutate(app, t, "scheduleCheckIn", "ScheduleCheckInInput",
        json!({ "clientId": client.to_string(), "prompt": "How is it going?", "dueAt": at(Utc::now() + Duration::hours(1)) }),
        "checkIns { id }").await.ok();
    let id = id_of(&res, "scheduleCheckIn.checkIns.0.id");
    if let Some((text, mood)) = answer {
        mutate(
            app,
            c,
            "respondToCheckIn",
            "RespondToCheckInInput",
            json!({ "checkInId": id, "text": text, "mood": mood }),
            "checkIn { id }",
        )
        .await
        .ok();
    }
    if due < Utc::now() {
        backdate(app, "check_in", "due_at", "id", &id, due).await;
    }
    if let Some(when) = answered_at {
        backdate(app, "check_in", "responded_at", "id", &id, when).await;
    }
}

fn agenda(res: &Gql) -> Vec<(String, i64, String)> {
    res.data("sessionBrief.agenda")
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["rule"].as_str().unwrap().to_owned(),
                i["priority"].as_i64().unwrap(),
                i["text"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn rules(items: &[(&str, i64, &str)]) -> Vec<(String, i64, String)> {
    items
        .iter()
        .map(|(r, p, t)| ((*r).to_owned(), *p, (*t).to_owned()))
        .collect()
}

/// The prepared history of practice A's client 0 (Casey), around `now`, whose last completed
/// session was 10 days ago.
struct History {
    now: DateTime<Utc>,
    last_session: String,
    since: DateTime<Utc>,
}

impl History {
    fn day(&self, d: i64) -> DateTime<Utc> {
        self.now - Duration::days(d)
    }
}

async fn prepare(app: &TestApp) -> History {
    let t = app.therapist();
    let c = app.client();
    let client = app.a.client_ids[0];
    let now = Utc::now();
    let day = |d: i64| now - Duration::days(d);

    // Sessions: the last completed one 10 days ago is where the brief starts.
    session(app, &t, client, day(30), Some("COMPLETED")).await;
    let last_session = session(app, &t, client, day(10), Some("COMPLETED")).await;
    session(app, &t, client, day(4), Some("CANCELLED")).await;
    session(app, &t, client, now + Duration::days(1), None).await;

    // Homework: due 8, 5 and 3 days ago in the window; one due before it, submitted now
    // and reviewed; one due later.
    let journal = homework(app, &t, client, "Journal", day(8)).await;
    let walk = homework(app, &t, client, "Walk", day(5)).await;
    homework(app, &t, client, "Reading", day(3)).await;
    let old = homework(app, &t, client, "Old practice", day(12)).await;
    homework(app, &t, client, "Breathing", now + Duration::days(2)).await;
    submit(
        app,
        &c,
        &journal,
        "COMPLETED",
        "Felt calmer after writing",
        json!(["LACK_OF_TIME"]),
    )
    .await;
    submit(
        app,
        &c,
        &walk,
        "NOT_DONE",
        "No time this week",
        json!(["LACK_OF_TIME", "OVERWHELM"]),
    )
    .await;
    submit(app, &c, &old, "PARTIAL", "Half of it", json!([])).await;
    review(app, &t, &old).await;

    // Goals: a measured one that moved from 3 to 2, one with steps, one that stood still.
    let panic = goal(
        app,
        &t,
        client,
        json!({ "title": "Fewer panic attacks", "baseline": 5, "target": 1,
        "unit": "per week", "priority": "HIGH" }),
        day(30),
    )
    .await;
    progress(app, &t, &panic, 4.0, day(20)).await;
    progress(app, &t, &panic, 3.0, day(12)).await;
    progress(app, &t, &panic, 2.0, day(6)).await;
    let walking = goal(app, &t, client, json!({ "title": "Walk daily" }), day(30)).await;
    step(app, &t, &walking, "Buy shoes", Some(day(15))).await;
    step(app, &t, &walking, "First walk", Some(now)).await;
    step(app, &t, &walking, "Walk 3 days", None).await;
    step(app, &t, &walking, "Walk 7 days", None).await;
    goal(
        app,
        &t,
        client,
        json!({ "title": "Sleep routine", "priority": "LOW" }),
        day(30),
    )
    .await;

    // Obstacles logged: lack of time twice in the window (coping helped 7 and 5), once before;
    // negative self-talk once without coping.
    let walks = plan(app, &t, &walking).await;
    obstacle(app, &c, &walks, "LACK_OF_TIME", day(6), Some(7)).await;
    obstacle(app, &c, &walks, "LACK_OF_TIME", day(2), Some(5)).await;
    obstacle(app, &c, &walks, "LACK_OF_TIME", day(15), Some(9)).await;
    obstacle(app, &c, &walks, "NEGATIVE_SELF_TALK", day(4), None).await;

    // Mood: 7 and 8 in the ten days before; 6, 4 and 5 in the window, and a private 1.
    let mood = app.tracker_id(&c, client, "MOOD").await;
    entry(app, &c, &mood, 7.0, day(15), false).await;
    entry(app, &c, &mood, 8.0, day(12), false).await;
    entry(app, &c, &mood, 6.0, day(9), false).await;
    entry(app, &c, &mood, 1.0, day(8), true).await;
    entry(app, &c, &mood, 4.0, day(7), false).await;
    entry(app, &c, &mood, 5.0, day(4), false).await;
    // Anxiety: 45 before; 40 and 60 in the window.
    let anxiety = app.tracker_id(&c, client, "ANXIETY").await;
    entry(app, &c, &anxiety, 45.0, day(15), false).await;
    entry(app, &c, &anxiety, 40.0, day(6), false).await;
    entry(app, &c, &anxiety, 60.0, day(1), false).await;
    // A custom count: 5 and 3 in the window, nothing before.
    let res = mutate(
        app,
        &t,
        "createTracker",
        "CreateTrackerInput",
        json!({ "clientId": client.to_string(), "name": "Cigarettes", "valueType": "COUNT" }),
        "tracker { id }",
    )
    .await
    .ok();
    let cigarettes = id_of(&res, "createTracker.tracker.id");
    entry(app, &c, &cigarettes, 5.0, day(9), false).await;
    entry(app, &c, &cigarettes, 3.0, day(2), false).await;

    // Thought records: drops of 30 (mean of 40 and 20) and 10 in emotion, 40 and 20 in
    // belief; a private one and one before the window.
    let records: [(i64, (i32, i32), Emotions, bool); 4] = [
        (5, (80, 40), &[("anxious", 90, 50), ("sad", 60, 40)], false),
        (3, (70, 50), &[("anxious", 70, 60)], false),
        (2, (90, 10), &[("angry", 90, 0)], true),
        (15, (90, 10), &[("angry", 90, 0)], false),
    ];
    for (ago, belief, emotions, private) in records {
        thought(app, &c, client, day(ago), belief, emotions, private).await;
    }

    // Measures: PHQ-9 8 before the window, 15 with item 9 answered in it (SAFETY and
    // WORSENING alerts); GAD-7 14 then 7 in the window.
    let measures = [
        ("PHQ9", json!([1, 1, 1, 1, 1, 1, 1, 1, 0]), 14),
        ("GAD7", json!([2, 2, 2, 2, 2, 2, 2]), 9),
        ("PHQ9", json!([2, 2, 2, 2, 2, 2, 1, 1, 1]), 2),
        ("GAD7", json!([1, 1, 1, 1, 1, 1, 1]), 1),
    ];
    for (instrument, answers, ago) in measures {
        measure(app, &c, client, instrument, answers, day(ago)).await;
    }

    // Check-ins: due 6, 4 and 3 days ago (two answered now, one missed); one answered
    // before the window; one due later.
    let check_ins = [
        (day(6), Some(("Better than last week", 6)), None),
        (day(4), Some(("Hard day at work", 4)), None),
        (day(3), None, None),
        (day(12), Some(("Fine", 9)), Some(day(11))),
        (now + Duration::hours(1), None, None),
    ];
    for (due, answer, answered_at) in check_ins {
        check_in(app, &t, &c, client, due, answer, answered_at).await;
    }

    History {
        now,
        last_session,
        since: stored(day(10)),
    }
}

#[tokio::test]
async fn the_brief_sums_up_the_window_since_the_last_completed_session_with_exact_figures() {
    let app = spawn_app().await;
    let h = prepare(&app).await;
    let t = app.therapist();
    let client = app.a.client_ids[0];
    let before = Utc::now();
    let res = brief(&app, &t, client, None).await.ok();
    let d = |path: &str| res.data(&format!("sessionBrief.{path}")).clone();

    assert_eq!(d("client.id"), client.to_string());
    assert_eq!(d("sinceBasis"), "LAST_SESSION");
    assert_eq!(d("sinceSessionId"), h.last_session);
    assert_eq!(instant(&d("since")), h.since);
    let until = instant(&d("until"));
    assert!(
        until >= stored(before) && until <= Utc::now(),
        "until is now"
    );

    // Homework.
    let hw = d("homework");
    for (field, n) in [
        ("due", 3),
        ("submitted", 3),
        ("completed", 1),
        ("partial", 1),
        ("notDone", 1),
        ("overdue", 1),
        ("awaitingReview", 2),
    ] {
        assert_eq!(hw[field], n, "homework.{field}");
    }
    assert_eq!(
        hw["toReview"],
        json!([
            { "homework": { "id": hw["toReview"][0]["homework"]["id"], "title": "Journal", "status": "COMPLETED" },
              "submissions": [{ "outcome": "COMPLETED", "reflection": "Felt calmer after writing", "difficulty": 3,
                                "helpfulness": 8, "obstaclesMet": ["LACK_OF_TIME"] }] },
            { "homework": { "id": hw["toReview"][1]["homework"]["id"], "title": "Walk", "status": "NOT_DONE" },
              "submissions": [{ "outcome": "NOT_DONE", "reflection": "No time this week", "difficulty": 3,
                                "helpfulness": 8, "obstaclesMet": ["LACK_OF_TIME", "OVERWHELM"] }] },
        ])
    );

    // Goals, HIGH priority first.
    assert_eq!(
        d("goals"),
        json!([
            { "goal": { "title": "Fewer panic attacks" }, "fromValue": 3.0, "toValue": 2.0, "valuesRecorded": 1,
              "stepsCompleted": 0, "progressFrom": 0.5, "progressTo": 0.75, "progressBasis": "MEASURE", "moved": true },
            { "goal": { "title": "Walk daily" }, "fromValue": null, "toValue": null, "valuesRecorded": 0,
              "stepsCompleted": 1, "progressFrom": 0.25, "progressTo": 0.5, "progressBasis": "STEPS", "moved": true },
            { "goal": { "title": "Sleep routine" }, "fromValue": null, "toValue": null, "valuesRecorded": 0,
              "stepsCompleted": 0, "progressFrom": 0.0, "progressTo": 0.0, "progressBasis": "NONE", "moved": false },
        ])
    );

    // Trackers.
    let trackers = d("trackers");
    assert_eq!(trackers.as_array().unwrap().len(), 3);
    let by_kind = |kind: &str| {
        trackers
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["tracker"]["kind"] == kind)
            .unwrap()
            .clone()
    };
    let mood = by_kind("MOOD");
    assert_eq!(
        (mood["count"].clone(), mood["hiddenCount"].clone()),
        (json!(3), json!(1))
    );
    assert_close(&mood["mean"], 5.0);
    assert_close(&mood["previousMean"], 7.5);
    assert_close(&mood["change"], -2.5);
    assert_close(&mood["high"]["value"], 6.0);
    assert_eq!(instant(&mood["high"]["recordedAt"]), stored(h.day(9)));
    assert_close(&mood["low"]["value"], 4.0);
    assert_eq!(instant(&mood["low"]["recordedAt"]), stored(h.day(7)));
    assert_eq!(instant(&mood["lastEntryAt"]), stored(h.day(4)));
    let anxiety = by_kind("ANXIETY");
    assert_eq!(
        (anxiety["count"].clone(), anxiety["hiddenCount"].clone()),
        (json!(2), json!(0))
    );
    assert_close(&anxiety["mean"], 50.0);
    assert_close(&anxiety["previousMean"], 45.0);
    assert_close(&anxiety["change"], 5.0);
    assert_close(&anxiety["high"]["value"], 60.0);
    assert_eq!(instant(&anxiety["high"]["recordedAt"]), stored(h.day(1)));
    assert_close(&anxiety["low"]["value"], 40.0);
    assert_eq!(instant(&anxiety["low"]["recordedAt"]), stored(h.day(6)));
    let custom = by_kind("CUSTOM");
    assert_eq!(custom["tracker"]["name"], "Cigarettes");
    assert_eq!(custom["count"], 2);
    assert_close(&custom["mean"], 4.0);
    assert_eq!(
        (custom["previousMean"].clone(), custom["change"].clone()),
        (Value::Null, Value::Null)
    );
    assert_eq!(instant(&custom["lastEntryAt"]), stored(h.day(2)));

    // Thought records: the private one is counted, not read.
    assert_eq!(d("thoughtRecords.count"), 3);
    assert_eq!(d("thoughtRecords.hiddenCount"), 1);
    assert_close(&d("thoughtRecords.meanEmotionDrop"), 20.0);
    assert_close(&d("thoughtRecords.meanBeliefDrop"), 30.0);

    // Measures.
    let responses: Vec<(Value, Value, Value, Value)> = d("measures.responses")
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["instrument"].clone(),
                r["total"].clone(),
                r["severity"].clone(),
                r["reliableChange"].clone(),
            )
        })
        .collect();
    assert_eq!(
        responses,
        [
            (json!("GAD7"), json!(14), json!("MODERATE"), Value::Null),
            (
                json!("PHQ9"),
                json!(15),
                json!("MODERATELY_SEVERE"),
                json!("RELIABLE_DETERIORATION")
            ),
            (
                json!("GAD7"),
                json!(7),
                json!("MILD"),
                json!("RELIABLE_IMPROVEMENT")
            ),
        ]
    );
    assert_eq!(
        d("measures.changes"),
        json!([
            { "instrument": "PHQ9", "latestTotal": 15, "latestSeverity": "MODERATELY_SEVERE", "referenceTotal": 8,
              "change": 7, "reliableChange": "RELIABLE_DETERIORATION", "reliableChangePoints": 6 },
            { "instrument": "GAD7", "latestTotal": 7, "latestSeverity": "MILD", "referenceTotal": 14,
              "change": -7, "reliableChange": "RELIABLE_IMPROVEMENT", "reliableChangePoints": 4 },
        ])
    );

    // Obstacles: logged and named with homework.
    assert_eq!(
        d("obstacles"),
        json!([
            { "kind": "LACK_OF_TIME", "logged": 2, "withHomework": 2, "total": 4, "copingUsed": 2, "meanHelpfulness": 6.0 },
            { "kind": "OVERWHELM", "logged": 0, "withHomework": 1, "total": 1, "copingUsed": 0, "meanHelpfulness": null },
            { "kind": "FEAR_OF_FAILURE", "logged": 0, "withHomework": 0, "total": 0, "copingUsed": 0, "meanHelpfulness": null },
            { "kind": "NEGATIVE_SELF_TALK", "logged": 1, "withHomework": 0, "total": 1, "copingUsed": 0, "meanHelpfulness": null },
            { "kind": "OTHER", "logged": 0, "withHomework": 0, "total": 0, "copingUsed": 0, "meanHelpfulness": null },
        ])
    );

    // Check-ins.
    assert_eq!(
        d("checkIns"),
        json!({ "due": 3, "answered": 2, "missed": 1, "meanMood": 5.0,
        "answers": [{ "response": "Better than last week", "mood": 6 }, { "response": "Hard day at work", "mood": 4 }] })
    );

    // Open alerts, most severe first.
    let alerts: Vec<(Value, Value)> = d("openAlerts")
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["kind"].clone(), a["status"].clone()))
        .collect();
    assert_eq!(
        alerts,
        [
            (json!("SAFETY"), json!("OPEN")),
            (json!("WORSENING"), json!("OPEN"))
        ]
    );

    // The agenda: the five most urgent items.
    assert_eq!(
        agenda(&res),
        rules(&[
            ("SAFETY_ALERT", 1, "Safety alert open: assess risk first"),
            ("MEASURE_WORSENED", 2, "PHQ-9 worsened by 7 points"),
            ("OPEN_ALERTS", 3, "Go through 1 open alert"),
            ("TRACKER_WORSENED", 4, "Mood down 2.5 on average"),
            ("HOMEWORK_TO_REVIEW", 5, "Review 2 unreviewed homework"),
        ])
    );

    // Once the alerts are resolved and the homework reviewed, the next items come up.
    for a in d("openAlerts").as_array().unwrap() {
        mutate(
            &app,
            &t,
            "resolveAlert",
            "ResolveAlertInput",
            json!({ "alertId": a["id"], "note": "Safety plan reviewed" }),
            "alert { id }",
        )
        .await
        .ok();
    }
    for hw in d("homework.toReview").as_array().unwrap() {
        review(&app, &t, hw["homework"]["id"].as_str().unwrap()).await;
    }
    let res = brief(&app, &t, client, None).await.ok();
    assert_eq!(res.data("sessionBrief.homework.awaitingReview"), 0);
    assert_eq!(res.data("sessionBrief.openAlerts"), &json!([]));
    assert_eq!(
        agenda(&res),
        rules(&[
            ("MEASURE_WORSENED", 2, "PHQ-9 worsened by 7 points"),
            ("TRACKER_WORSENED", 4, "Mood down 2.5 on average"),
            (
                "HOMEWORK_NOT_DONE",
                6,
                "2 homework not done: explore what got in the way"
            ),
            (
                "OBSTACLE_RECURRING",
                8,
                "Lack of time came up 4 times: revisit the if-then plan"
            ),
            ("GOAL_STALLED", 9, "Goal \"Sleep routine\" has not moved"),
        ])
    );
}

#[tokio::test]
async fn the_since_argument_sets_the_window() {
    let app = spawn_app().await;
    let h = prepare(&app).await;
    let t = app.therapist();
    let since = h.now - Duration::hours(3 * 24 + 10);
    let res = brief(&app, &t, app.a.client_ids[0], Some(since)).await.ok();
    let d = |path: &str| res.data(&format!("sessionBrief.{path}")).clone();
    assert_eq!(d("sinceBasis"), "ARGUMENT");
    assert_eq!(d("sinceSessionId"), Value::Null);
    assert_eq!(instant(&d("since")), stored(since));
    // Only the reading due 3 days ago falls due in it; every submission was made now.
    assert_eq!(
        (
            d("homework.due"),
            d("homework.submitted"),
            d("homework.overdue")
        ),
        (json!(1), json!(3), json!(1))
    );
    // The records of the last 3.4 days: the shared thought record of 3 days ago and the
    // private one.
    assert_eq!(d("thoughtRecords.count"), 2);
    assert_eq!(d("thoughtRecords.hiddenCount"), 1);
    assert_close(&d("thoughtRecords.meanEmotionDrop"), 10.0);
    assert_close(&d("thoughtRecords.meanBeliefDrop"), 20.0);
    // PHQ-9 compares with the last total before the window; so does GAD-7 now.
    assert_eq!(d("measures.responses").as_array().unwrap().len(), 2);
    assert_eq!(d("measures.changes.0.referenceTotal"), 8);
    assert_eq!(d("measures.changes.1.referenceTotal"), 14);
    // Mood has no entry in the window; the window before it has the 5 of 4 days ago.
    let mood = d("trackers")
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["tracker"]["kind"] == "MOOD")
        .unwrap()
        .clone();
    assert_eq!(
        (
            mood["count"].clone(),
            mood["mean"].clone(),
            mood["high"].clone()
        ),
        (json!(0), Value::Null, Value::Null)
    );
    assert_close(&mood["previousMean"], 5.0);
    assert_eq!(d("obstacles.0.logged"), 1);
    assert_eq!(d("checkIns.due"), 1);
    assert_eq!(d("checkIns.missed"), 1);
    assert_eq!(d("checkIns.answered"), 2);
}

#[tokio::test]
async fn without_a_completed_session_the_brief_starts_when_the_client_was_added() {
    let app = spawn_app().await;
    let t = app.therapist();
    let client = app.a.client_ids[1];
    let added = stored(Utc::now() - Duration::days(9) - Duration::hours(1));
    backdate(
        &app,
        "client",
        "created_at",
        "id",
        &client.to_string(),
        added,
    )
    .await;
    // A session booked in the past but never completed does not count.
    session(&app, &t, client, Utc::now() - Duration::days(2), None).await;
    let res = brief(&app, &t, client, None).await.ok();
    assert_eq!(res.data("sessionBrief.sinceBasis"), "CLIENT_CREATED");
    assert_eq!(instant(res.data("sessionBrief.since")), stored(added));
    assert_eq!(res.data("sessionBrief.homework.due"), 0);
    assert_eq!(res.data("sessionBrief.goals"), &json!([]));
    assert_eq!(
        agenda(&res),
        rules(&[("NO_ENTRIES", 7, "No entries for 9 days")])
    );
}

#[tokio::test]
async fn a_since_in_the_future_is_bad_input_and_a_bad_id_too() {
    let app = spawn_app().await;
    let t = app.therapist();
    let res = brief(
        &app,
        &t,
        app.a.client_ids[0],
        Some(Utc::now() + Duration::hours(1)),
    )
    .await;
    assert_eq!(res.code(), "BAD_USER_INPUT");
    assert_eq!(res.field(), "since");
    let res = app.gql(Some(&t), BRIEF, json!({ "id": "not-an-id" })).await;
    assert_eq!(res.code(), "BAD_USER_INPUT");
    assert_eq!(res.field(), "clientId");
}

#[tokio::test]
async fn the_brief_is_for_the_care_team_and_integrators_with_clinical_read() {
    let app = spawn_app().await;
    let client = app.a.client_ids[0];
    // Another therapist's client, another practice's therapist, an admin not on the care
    // team: not found.
    for token in [
        app.therapist2(),
        app.other_practice_therapist(),
        app.admin(),
    ] {
        assert_eq!(brief(&app, &token, client, None).await.code(), "NOT_FOUND");
    }
    // The client themselves: the brief holds therapist-facing material.
    assert_eq!(
        brief(&app, &app.client(), client, None).await.code(),
        "FORBIDDEN"
    );
    // Integrators need CLINICAL_READ.
    let roster_only = app
        .integrator(&app.a, &[momentum_api::auth::Scope::ClientsRead])
        .await;
    assert_eq!(
        brief(&app, &roster_only, client, None).await.code(),
        "FORBIDDEN"
    );
    let clinical = app
        .integrator(&app.a, &[momentum_api::auth::Scope::ClinicalRead])
        .await;
    let res = brief(&app, &clinical, client, None).await.ok();
    assert_eq!(
        res.data("sessionBrief.client.id"),
        &json!(client.to_string())
    );
    let other = app
        .integrator(&app.b, &[momentum_api::auth::Scope::ClinicalRead])
        .await;
    assert_eq!(brief(&app, &other, client, None).await.code(), "NOT_FOUND");
    // Every read, refused or not, is audited.
    let row = app
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM audit_log WHERE operation = 'sessionBrief'",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.try_get::<i64>("", "n").unwrap(), 7);
}

const COUNTED: &str = "sessionBrief(clientId: \"ID\") { since sinceBasis client { displayName }
    homework { due awaitingReview toReview { homework { title } submissions { reflection } } }
    goals { goal { title } progressTo } trackers { tracker { name } mean high { value } lastEntryAt }
    thoughtRecords { count } measures { responses { total } changes { change } }
    obstacles { kind total } checkIns { answered answers { response } } openAlerts { kind }
    agenda { rule text } }";

#[tokio::test]
async fn the_number_of_statements_does_not_grow_with_the_history() {
    let app = spawn_app().await;
    let h = prepare(&app).await;
    let t = app.therapist();
    let c = app.client();
    let client = app.a.client_ids[0];
    let query = format!("{{ {} }}", COUNTED.replace("ID", &client.to_string()));
    let small = app.statements_for(&t, &query).await;
    assert!(small <= 20, "{small} statements");

    // Twice as much of everything in the window.
    let mood = app.tracker_id(&c, client, "MOOD").await;
    for i in 0..20 {
        entry(
            &app,
            &c,
            &mood,
            f64::from(i % 10),
            h.day(1) - Duration::minutes(i.into()),
            false,
        )
        .await;
    }
    for title in ["More journal", "More walks", "More reading"] {
        let id = homework(&app, &t, client, title, h.day(2)).await;
        submit(&app, &c, &id, "COMPLETED", "Fine", json!(["OTHER"])).await;
    }
    for i in 0..3 {
        let g = goal(
            &app,
            &t,
            client,
            json!({ "title": format!("Goal {i}"), "baseline": 0, "target": 10, "unit": "times" }),
            h.day(20),
        )
        .await;
        progress(&app, &t, &g, 5.0, h.day(3)).await;
        step(&app, &t, &g, "A step", Some(Utc::now())).await;
    }
    for _ in 0..3 {
        let sad: Emotions = &[("sad", 50, 20)];
        thought(&app, &c, client, h.day(2), (60, 30), sad, false).await;
        check_in(&app, &t, &c, client, h.day(2), Some(("Ok", 5)), None).await;
    }
    measure(
        &app,
        &c,
        client,
        "GAD7",
        json!([0, 0, 0, 0, 0, 0, 1]),
        h.day(1) + Duration::hours(1),
    )
    .await;
    let res = app.gql(Some(&t), &query, json!({})).await.ok();
    assert_eq!(res.data("sessionBrief.homework.awaitingReview"), 5);
    assert_eq!(res.data("sessionBrief.goals").as_array().unwrap().len(), 6);
    let large = app.statements_for(&t, &query).await;
    assert_eq!(large, small, "statements with a longer history");
}
