//! Automation rules: managed through GraphQL (versions kept, bad input by field, who may),
//! fired by the automation job once per event with the job's clock set by the test, actions
//! applied all or nothing and retried, a rule's own actions triggering rules one level at
//! most, the dry run, and a client never seeing rules or the care team's notices.

use chrono::{Duration, Utc};
use serde_json::{Value, json};

use crate::helpers::*;

const RULE: &str = "rule { id name clientId trigger enabled version createdBy archivedAt
    conditions { kind instrument total days count }
    actions { kind templateId dueInDays prompt resourceId programId alertKind } }";

const FIRING: &str = "id ruleId ruleVersion clientId eventId eventKind reason status outcome
    attempts lastError nextAttemptAt";

async fn create(app: &TestApp, token: &str, input: Value) -> Gql {
    mutate(
        app,
        token,
        "createAutomation",
        "CreateAutomationInput",
        input,
        RULE,
    )
    .await
}

/// One pass of the automation job at `at` (nothing else runs it here).
async fn fire(app: &TestApp, at: chrono::DateTime<Utc>) -> momentum_api::automations::job::Ran {
    momentum_api::automations::job::pass(&app.db, at)
        .await
        .unwrap()
        .expect("the automation job's lock is free")
}

/// Passes of the automation job at `at` until it has read every event committed so far
/// (those of its own firings too), summed. On PostgreSQL the feed holds committed events back
/// while an older transaction anywhere on the server runs, so one pass may not see them yet.
async fn fire_all(app: &TestApp, at: chrono::DateTime<Utc>) -> momentum_api::automations::job::Ran {
    use momentum_api::events::feed;
    use sea_orm::EntityTrait as _;
    let mut total = momentum_api::automations::job::Ran::default();
    let started = std::time::Instant::now();
    loop {
        let r = fire(app, at).await;
        total.events += r.events;
        total.applied += r.applied;
        total.failed += r.failed;
        let position =
            entity::job_cursor::Entity::find_by_id(momentum_api::automations::job::CURSOR_NAME)
                .one(&app.db)
                .await
                .unwrap()
                .expect("the job has its position");
        let cursor: feed::Cursor = serde_json::from_str(&position.position).unwrap();
        if r.events == 0 && !feed::held_back(&app.db, cursor).await.unwrap() {
            return total;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "the automation job did not catch up with the feed in 30 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// A PHQ-9 for practice A's client 0 totalling `total` (item 9 left at 0), as the client.
async fn phq9(app: &TestApp, total: i32) {
    let mut answers = vec![0; 9];
    let mut left = total;
    for a in answers.iter_mut().take(8) {
        *a = left.min(3);
        left -= *a;
    }
    mutate(
        app,
        &app.client(),
        "submitMeasure",
        "SubmitMeasureInput",
        json!({ "clientId": app.a.client_ids[0].to_string(), "instrument": "PHQ9",
            "answers": answers }),
        "measure { id total }",
    )
    .await
    .ok();
}

async fn template(app: &TestApp) -> String {
    let res = app
        .gql(
            Some(&app.therapist()),
            "{ homeworkTemplates(first: 1) { edges { node { id } } } }",
            json!({}),
        )
        .await
        .ok();
    res.data("homeworkTemplates.edges.0.node.id")
        .as_str()
        .unwrap()
        .to_owned()
}

async fn firings(app: &TestApp, token: &str, rule: &Value) -> Vec<Value> {
    let res = app
        .gql(
            Some(token),
            &format!("query($r: ID) {{ automationFirings(ruleId: $r) {{ {FIRING} }} }}"),
            json!({ "r": rule }),
        )
        .await
        .ok();
    res.data("automationFirings").as_array().unwrap().clone()
}

/// Client 0's homework and check-ins, as the therapist sees them.
async fn work(app: &TestApp) -> (Vec<Value>, Vec<Value>) {
    let res = app
        .gql(
            Some(&app.therapist()),
            "query($id: ID!) { client(id: $id) { homework { id title assignedBy }
                checkIns { id prompt } } }",
            json!({ "id": app.a.client_ids[0].to_string() }),
        )
        .await
        .ok();
    (
        res.data("client.homework").as_array().unwrap().clone(),
        res.data("client.checkIns").as_array().unwrap().clone(),
    )
}

/// A practice-wide rule by practice A's admin: a PHQ-9 of 15 or more assigns homework from
/// the template, schedules a check-in and tells the care team.
fn phq9_rule(template: &str) -> Value {
    json!({ "name": "High PHQ-9: act on it", "trigger": "MEASURE_SUBMITTED",
        "conditions": [{ "scoreAtLeast": { "instrument": "PHQ9", "total": 15 } }],
        "actions": [
            { "assignHomework": { "templateId": template, "dueInDays": 3 } },
            { "scheduleCheckIn": { "prompt": "How are you doing this week?", "dueInDays": 2 } },
            { "notifyCareTeam": true } ] })
}

#[tokio::test]
async fn a_rule_fires_once_per_event_with_its_reason_and_every_action_applied() {
    let app = spawn_app().await;
    let (admin, t, c) = (app.admin(), app.therapist(), app.client());
    // The job has never run: the first rule gives it its place in the feed, so nothing after
    // the rule is missed.
    let template = template(&app).await;
    let res = create(&app, &admin, phq9_rule(&template)).await.ok();
    let rule = res.data("createAutomation.rule.id").clone();
    assert_eq!(res.data("createAutomation.rule.version"), 1);
    assert_eq!(
        res.data("createAutomation.rule.conditions.0"),
        &json!({ "kind": "SCORE_AT_LEAST", "instrument": "PHQ9", "total": 15, "days": null,
            "count": null })
    );
    let (homework_before, check_ins_before) = work(&app).await;

    // A PHQ-9 of 9 does not fire it; one of 17 does, once however often the job runs.
    phq9(&app, 9).await;
    phq9(&app, 17).await;
    let ran = fire_all(&app, Utc::now()).await;
    assert_eq!((ran.events, ran.applied, ran.failed), (2, 1, 0));
    assert_eq!(fire(&app, Utc::now()).await.applied, 0);
    let (a, b) = tokio::join!(
        momentum_api::automations::job::pass(&app.db, Utc::now()),
        momentum_api::automations::job::pass(&app.db, Utc::now()),
    );
    let applied = |r: Option<momentum_api::automations::job::Ran>| r.map_or(0, |x| x.applied);
    assert_eq!(applied(a.unwrap()) + applied(b.unwrap()), 0);

    let f = firings(&app, &t, &rule).await;
    assert_eq!(f.len(), 1);
    assert_eq!(f[0]["status"], "APPLIED");
    // Reading firings (clients' figures) is audited, with the firings read.
    use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _};
    let audited = entity::audit_log::Entity::find()
        .filter(entity::audit_log::Column::Operation.eq("automationFirings"))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(audited.len(), 1);
    assert_eq!(audited[0].entity_ids, json!([f[0]["id"]]));
    assert_eq!(f[0]["reason"], "latest PHQ9 total 17 is at least 15");
    assert_eq!(f[0]["eventKind"], "MEASURE_SUBMITTED");
    assert_eq!(f[0]["attempts"], 1);
    let outcome = f[0]["outcome"].as_array().unwrap();
    assert_eq!(
        outcome
            .iter()
            .map(|o| o["kind"].clone())
            .collect::<Vec<_>>(),
        vec![
            json!("ASSIGN_HOMEWORK"),
            json!("SCHEDULE_CHECK_IN"),
            json!("NOTIFY_CARE_TEAM")
        ]
    );

    // The work is ordinary homework and check-ins, recorded as the rule's author's.
    let (homework, check_ins) = work(&app).await;
    assert_eq!(homework.len(), homework_before.len() + 1);
    assert_eq!(check_ins.len(), check_ins_before.len() + 1);
    let new = homework
        .iter()
        .find(|h| Some(&h["id"]) == outcome[0].get("id"))
        .expect("the firing names the homework it assigned");
    assert_eq!(new["assignedBy"], app.a.admin_id.to_string());

    // The care team sees the notice and which firing made each change; the client does not
    // see the notice.
    let kinds = app.event_kinds(app.a.client_ids[0]).await;
    assert!(kinds.contains(&"AUTOMATION_FIRED".to_owned()));
    let seen = app
        .gql(
            Some(&c),
            "query($id: ID!) { client(id: $id) { activity(first: 100) { edges { node { kind } } } } }",
            json!({ "id": app.a.client_ids[0].to_string() }),
        )
        .await
        .ok();
    let client_kinds: Vec<&Value> = seen
        .data("client.activity.edges")
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["node"]["kind"])
        .collect();
    assert!(client_kinds.contains(&&json!("HOMEWORK_ASSIGNED")));
    assert!(!client_kinds.contains(&&json!("AUTOMATION_FIRED")));
    let marked = entity::event::Entity::find()
        .filter(entity::event::Column::AutomationDepth.eq(1))
        .all(&app.db)
        .await
        .unwrap();
    assert!(marked.len() >= 3, "{marked:?}");
    assert!(
        marked
            .iter()
            .all(|e| e.automation_firing_id.map(|id| id.to_string())
                == f[0]["id"].as_str().map(str::to_owned)
                && e.actor_id.is_none())
    );
}

#[tokio::test]
async fn a_rules_own_actions_trigger_rules_one_level_at_most() {
    let app = spawn_app().await;
    fire(&app, Utc::now()).await;
    let template = template(&app).await;
    // Homework assigned assigns more homework: without the depth rule it would never stop.
    let res = create(
        &app,
        &app.admin(),
        json!({ "name": "Echo", "trigger": "HOMEWORK_ASSIGNED", "conditions": [],
            "actions": [{ "assignHomework": { "templateId": template, "dueInDays": 1 } }] }),
    )
    .await
    .ok();
    let rule = res.data("createAutomation.rule.id").clone();
    mutate(
        &app,
        &app.therapist(),
        "assignHomework",
        "AssignHomeworkInput",
        json!({ "clientId": app.a.client_ids[0].to_string(), "title": "Walk",
            "kind": "BEHAVIORAL_ACTIVATION", "instructions": "Ten minutes",
            "dueAt": (Utc::now() + Duration::days(2)).to_rfc3339() }),
        "homework { id }",
    )
    .await
    .ok();
    // The therapist's homework fires the rule (depth 1); that homework fires it once more
    // (depth 2); that one fires nothing.
    assert_eq!(fire_all(&app, Utc::now()).await.applied, 2);
    let f = firings(&app, &app.therapist(), &rule).await;
    assert_eq!(f.len(), 2);
    assert_eq!(
        f[1]["reason"], "HOMEWORK_ASSIGNED happened",
        "a rule without conditions fires on its trigger"
    );
}

#[tokio::test]
async fn a_failing_action_applies_nothing_and_is_retried_until_it_gives_up() {
    use sea_orm::{ActiveModelTrait as _, EntityTrait as _, IntoActiveModel as _, Set};
    let app = spawn_app().await;
    fire(&app, Utc::now()).await;
    let template = template(&app).await;
    // The check-in comes first, the homework second: when the homework fails, the check-in
    // must not stay.
    let res = create(
        &app,
        &app.admin(),
        json!({ "name": "Check in, then homework", "trigger": "MEASURE_SUBMITTED",
            "conditions": [],
            "actions": [
                { "scheduleCheckIn": { "prompt": "A quick word?", "dueInDays": 1 } },
                { "assignHomework": { "templateId": template, "dueInDays": 3 } } ] }),
    )
    .await
    .ok();
    let rule = res.data("createAutomation.rule.id").clone();
    // The template leaves the library after the rule was written.
    let id: uuid::Uuid = template.parse().unwrap();
    let row = entity::homework_template::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let mut gone = row.clone().into_active_model();
    gone.archived_at = Set(Some(Utc::now()));
    gone.update(&app.db).await.unwrap();
    let (_, check_ins_before) = work(&app).await;

    phq9(&app, 5).await;
    let now = Utc::now();
    let ran = fire_all(&app, now).await;
    assert_eq!((ran.applied, ran.failed), (0, 1));
    let f = firings(&app, &app.therapist(), &rule).await;
    assert_eq!(f[0]["status"], "FAILED");
    assert_eq!(f[0]["attempts"], 1);
    assert_eq!(
        f[0]["lastError"],
        "actions[1]: the homework template is no longer in the library"
    );
    assert!(f[0]["nextAttemptAt"].is_string());
    let (_, check_ins) = work(&app).await;
    assert_eq!(
        check_ins.len(),
        check_ins_before.len(),
        "nothing half-applied"
    );

    // Not again before its time; at its time, again (and again failing).
    assert_eq!(fire(&app, now + Duration::seconds(30)).await.failed, 0);
    assert_eq!(fire(&app, now + Duration::minutes(2)).await.failed, 1);
    // Back in the library: the next attempt applies every action, once.
    let mut back = row.into_active_model();
    back.archived_at = Set(None);
    back.update(&app.db).await.unwrap();
    assert_eq!(fire(&app, now + Duration::minutes(10)).await.applied, 1);
    let f = firings(&app, &app.therapist(), &rule).await;
    assert_eq!(
        (&f[0]["status"], &f[0]["attempts"]),
        (&json!("APPLIED"), &json!(3))
    );
    assert!(f[0]["lastError"].is_null());
    let (_, check_ins) = work(&app).await;
    assert_eq!(check_ins.len(), check_ins_before.len() + 1);

    // A firing that keeps failing gives up after five attempts.
    let mut gone = entity::homework_template::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .into_active_model();
    gone.archived_at = Set(Some(Utc::now()));
    gone.update(&app.db).await.unwrap();
    phq9(&app, 6).await;
    let start = Utc::now();
    let mut failed = fire_all(&app, start).await.failed;
    for minutes in [2, 6, 22, 90, 400] {
        failed += fire(&app, start + Duration::minutes(minutes)).await.failed;
    }
    assert_eq!(failed, 5);
    let f = firings(&app, &app.therapist(), &rule).await;
    assert_eq!(
        (&f[0]["status"], &f[0]["attempts"]),
        (&json!("GAVE_UP"), &json!(5))
    );
    assert!(f[0]["nextAttemptAt"].is_null());
}

#[tokio::test]
async fn the_dry_run_says_what_a_rule_would_have_done_without_doing_it() {
    let app = spawn_app().await;
    let template = template(&app).await;
    // Scores before the rule exists.
    phq9(&app, 18).await;
    phq9(&app, 4).await;
    let rule = create(&app, &app.admin(), phq9_rule(&template))
        .await
        .ok()
        .data("createAutomation.rule.id")
        .clone();
    let (homework_before, _) = work(&app).await;
    let events_before = app.count("event").await;
    let q = "query($r: ID!, $d: Int!) { dryRunAutomation(ruleId: $r, days: $d) {
        eventsConsidered truncated rule { id } wouldFire { eventId clientId reason fired } } }";
    let res = app
        .gql(Some(&app.therapist()), q, json!({ "r": rule, "d": 7 }))
        .await
        .ok();
    assert_eq!(res.data("dryRunAutomation.eventsConsidered"), 2);
    let would = res.data("dryRunAutomation.wouldFire").as_array().unwrap();
    assert_eq!(would.len(), 1);
    assert_eq!(would[0]["reason"], "latest PHQ9 total 18 is at least 15");
    assert_eq!(would[0]["fired"], false);
    assert_eq!(would[0]["clientId"], app.a.client_ids[0].to_string());
    // Nothing was done.
    assert_eq!(work(&app).await.0.len(), homework_before.len());
    assert_eq!(app.count("event").await, events_before);
    assert_eq!(app.count("automation_firing").await, 0);
    // Days out of range are refused by name.
    for days in [0, 31] {
        let bad = app
            .gql(Some(&app.therapist()), q, json!({ "r": rule, "d": days }))
            .await;
        assert_eq!((bad.code(), bad.field()), ("BAD_USER_INPUT", "days"));
    }
}

#[tokio::test]
async fn rules_are_versioned_checked_by_field_and_kept_to_who_may_manage_them() {
    use momentum_api::auth::Scope;
    let app = spawn_app().await;
    let (admin, t, t2, c) = (app.admin(), app.therapist(), app.therapist2(), app.client());
    let template = template(&app).await;
    let client0 = app.a.client_ids[0].to_string();
    let mine = json!({ "name": "Quiet week", "clientId": client0, "trigger": "CHECK_IN_RESPONDED",
        "conditions": [{ "noTrackingForDays": { "days": 7 } }],
        "actions": [{ "raiseAlert": { "alertKind": "DISENGAGEMENT" } }] });

    // Clients neither read nor write rules.
    assert_eq!(create(&app, &c, mine.clone()).await.code(), "FORBIDDEN");
    let listed = app
        .gql(Some(&c), "{ automations { id name } }", json!({}))
        .await;
    assert_eq!(listed.code(), "FORBIDDEN");
    // Therapists: not practice-wide rules, and their own clients' only where the practice
    // lets them.
    assert_eq!(
        create(&app, &t, phq9_rule(&template)).await.code(),
        "FORBIDDEN"
    );
    assert_eq!(create(&app, &t, mine.clone()).await.code(), "FORBIDDEN");
    let on = mutate(
        &app,
        &admin,
        "updateAutomationSettings",
        "UpdateAutomationSettingsInput",
        json!({ "therapistsManageOwnClients": true }),
        "therapistsManageOwnClients",
    )
    .await
    .ok();
    assert_eq!(
        on.data("updateAutomationSettings.therapistsManageOwnClients"),
        true
    );
    assert_eq!(
        mutate(
            &app,
            &t,
            "updateAutomationSettings",
            "UpdateAutomationSettingsInput",
            json!({ "therapistsManageOwnClients": false }),
            "therapistsManageOwnClients",
        )
        .await
        .code(),
        "FORBIDDEN"
    );
    let res = create(&app, &t, mine.clone()).await.ok();
    let rule = res.data("createAutomation.rule.id").clone();
    assert_eq!(res.data("createAutomation.rule.clientId"), &json!(client0));
    // Another therapist's client is not found; so is the rule, to the other therapist.
    assert_eq!(create(&app, &t2, mine.clone()).await.code(), "NOT_FOUND");
    let update = |token: String, version: i64, enabled: bool| {
        let app = &app;
        let rule = rule.clone();
        let template = template.clone();
        async move {
            mutate(
                app,
                &token,
                "updateAutomation",
                "UpdateAutomationInput",
                json!({ "id": rule, "expectedVersion": version, "name": "Quiet week, v2",
                    "trigger": "CHECK_IN_RESPONDED", "enabled": enabled,
                    "conditions": [{ "noTrackingForDays": { "days": 10 } }],
                    "actions": [{ "assignHomework": { "templateId": template, "dueInDays": 2 } }] }),
                RULE,
            )
            .await
        }
    };
    assert_eq!(update(t2.clone(), 1, true).await.code(), "NOT_FOUND");
    // Another practice finds none of it; a malformed id is refused by name.
    let other = app.other_practice_therapist();
    for q in [
        "query($r: ID!) { automationVersions(ruleId: $r) { version } }",
        "query($r: ID!) { automationFirings(ruleId: $r) { id } }",
        "query($r: ID!) { dryRunAutomation(ruleId: $r, days: 7) { eventsConsidered } }",
    ] {
        assert_eq!(
            app.gql(Some(&other), q, json!({ "r": rule })).await.code(),
            "NOT_FOUND"
        );
        let bad = app.gql(Some(&t), q, json!({ "r": "not-an-id" })).await;
        assert_eq!((bad.code(), bad.field()), ("BAD_USER_INPUT", "ruleId"));
    }
    let archive = |token: String, id: Value| {
        let app = &app;
        async move {
            mutate(
                app,
                &token,
                "archiveAutomation",
                "ArchiveAutomationInput",
                json!({ "id": id, "expectedVersion": 1 }),
                RULE,
            )
            .await
        }
    };
    assert_eq!(
        archive(other.clone(), rule.clone()).await.code(),
        "NOT_FOUND"
    );
    let bad = archive(t.clone(), json!("not-an-id")).await;
    assert_eq!((bad.code(), bad.field()), ("BAD_USER_INPUT", "input.id"));
    assert_eq!(
        update(app.other_practice_therapist(), 1, true).await.code(),
        "NOT_FOUND"
    );
    let listed = app
        .gql(Some(&t2), "{ automations { id } }", json!({}))
        .await
        .ok();
    assert_eq!(listed.data("automations"), &json!([]));

    // Every change is a version; a stale version is a conflict.
    let v2 = update(t.clone(), 1, false).await.ok();
    assert_eq!(v2.data("updateAutomation.rule.version"), 2);
    assert_eq!(v2.data("updateAutomation.rule.enabled"), false);
    assert_eq!(update(t.clone(), 1, true).await.code(), "CONFLICT");
    let archived = mutate(
        &app,
        &t,
        "archiveAutomation",
        "ArchiveAutomationInput",
        json!({ "id": rule, "expectedVersion": 2 }),
        RULE,
    )
    .await
    .ok();
    assert!(
        archived
            .data("archiveAutomation.rule.archivedAt")
            .is_string()
    );
    let versions = app
        .gql(
            Some(&t),
            "query($r: ID!) { automationVersions(ruleId: $r) { version name enabled archived
                conditions { days } } }",
            json!({ "r": rule }),
        )
        .await
        .ok();
    assert_eq!(
        versions.data("automationVersions"),
        &json!([
            { "version": 1, "name": "Quiet week", "enabled": true, "archived": false,
              "conditions": [{ "days": 7 }] },
            { "version": 2, "name": "Quiet week, v2", "enabled": false, "archived": false,
              "conditions": [{ "days": 10 }] },
            { "version": 3, "name": "Quiet week, v2", "enabled": false, "archived": true,
              "conditions": [{ "days": 10 }] },
        ])
    );
    assert_eq!(update(t.clone(), 3, true).await.field(), "input.id");

    // Bad input is refused by field and writes nothing.
    let rules_before = app.count("automation_rule").await;
    let bad = |input: Value| {
        let app = &app;
        let admin = admin.clone();
        async move {
            let res = create(app, &admin, input).await;
            let code = res.code().to_owned();
            let field = if code == "BAD_USER_INPUT" {
                res.field().to_owned()
            } else {
                String::new()
            };
            (code, field)
        }
    };
    let rule_with = |k: &str, v: Value| {
        let mut r = phq9_rule(&template);
        r[k] = v;
        r
    };
    for (input, field) in [
        (rule_with("name", json!(" ")), "input.name"),
        (
            rule_with(
                "conditions",
                json!([{ "scoreAtLeast": { "instrument": "PHQ9", "total": 30 } }]),
            ),
            "input.conditions[0].total",
        ),
        (
            rule_with(
                "actions",
                json!([{ "notifyCareTeam": true },
                    { "assignHomework": { "templateId": uuid::Uuid::new_v4(), "dueInDays": 3 } }]),
            ),
            "input.actions[1].templateId",
        ),
        (
            rule_with(
                "actions",
                json!([{ "scheduleCheckIn": { "prompt": "Hello", "dueInDays": 400 } }]),
            ),
            "input.actions[0].dueInDays",
        ),
        (rule_with("actions", json!([])), "input.actions"),
        (
            rule_with("actions", json!([{ "notifyCareTeam": false }])),
            "input.actions[0].notifyCareTeam",
        ),
        (
            rule_with("clientId", json!(app.b.client_ids[0].to_string())),
            "",
        ),
    ] {
        let (code, got) = bad(input).await;
        if field.is_empty() {
            assert_eq!(code, "NOT_FOUND", "another practice's client");
        } else {
            assert_eq!((code.as_str(), got.as_str()), ("BAD_USER_INPUT", field));
        }
    }
    assert_eq!(app.count("automation_rule").await, rules_before);

    // Integrators: reading needs AUTOMATIONS_READ, writing AUTOMATIONS_WRITE.
    // A client's own rule also needs CLINICAL_READ.
    let reader = app.integrator(&app.a, &[Scope::AutomationsRead]).await;
    let listed = app
        .gql(
            Some(&reader),
            "{ automations(archived: true) { id } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(listed.data("automations"), &json!([]));
    let clinical = app
        .integrator(&app.a, &[Scope::AutomationsRead, Scope::ClinicalRead])
        .await;
    let listed = app
        .gql(
            Some(&clinical),
            "{ automations(archived: true) { id } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(listed.data("automations.0.id"), &rule);
    assert_eq!(
        create(&app, &reader, phq9_rule(&template)).await.code(),
        "FORBIDDEN"
    );
    let nothing = app.integrator(&app.a, &[Scope::ClinicalRead]).await;
    assert_eq!(
        app.gql(Some(&nothing), "{ automations { id } }", json!({}))
            .await
            .code(),
        "FORBIDDEN"
    );
    let writer = app
        .integrator(&app.a, &[Scope::AutomationsRead, Scope::AutomationsWrite])
        .await;
    create(&app, &writer, phq9_rule(&template)).await.ok();
}

#[tokio::test]
async fn the_demo_ships_two_rules_that_clients_do_not_see() {
    let app = spawn_app().await;
    momentum_api::demo::seed_demo(&app.db).await.unwrap();
    let token = |email: &str| {
        let app = &app;
        let email = email.to_owned();
        async move {
            app.login(&email, PASSWORD)
                .await
                .ok()
                .data("login.accessToken")
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let therapist = token("therapist@demo.test").await;
    let listed = app
        .gql(
            Some(&therapist),
            "{ automations { name trigger enabled clientId conditions { kind } actions { kind } } }",
            json!({}),
        )
        .await
        .ok();
    let rules = listed.data("automations").as_array().unwrap();
    let mut triggers: Vec<&Value> = rules.iter().map(|r| &r["trigger"]).collect();
    triggers.sort_by_key(|t| t.to_string());
    assert_eq!(
        triggers,
        vec![&json!("CHECK_IN_RESPONDED"), &json!("MEASURE_SUBMITTED")]
    );
    assert!(
        rules
            .iter()
            .all(|r| r["enabled"] == true && r["clientId"].is_null())
    );
    let client = token("client@demo.test").await;
    let hidden = app
        .gql(Some(&client), "{ automations { name } }", json!({}))
        .await;
    assert_eq!(hidden.code(), "FORBIDDEN");
}
