//! Every nested list costs the same number of SQL statements whatever the number of
//! parents. The probes are built from the schema itself (by introspection), so a field
//! added later is covered without anyone remembering to add it here.

use std::{
    collections::{BTreeMap, HashMap},
    sync::atomic::Ordering,
};

use chrono::{Duration, Utc};
use futures_util::future::join_all;
use sea_orm::{
    ActiveValue::Set, ColumnTrait as _, EntityTrait as _, QueryFilter as _, sea_query::Expr,
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Gql, TestApp, spawn_app_with};

/// Clients in the large run; the small run has 2.
const MANY: usize = 30;
/// What the fixture clients' names start with (the probes list only them).
const PREFIX: &str = "Nested";

const INTROSPECTION: &str = r"query {
  __schema { types { name kind enumValues { name }
    fields { name args { name defaultValue type { ...T } } type { ...T } } } } }
fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }";

/// A field of an object type, as the probes need it.
#[derive(Debug, Clone)]
struct Field {
    name: String,
    /// The named type under lists and non-nulls.
    named: String,
    list: bool,
    /// Required arguments without a default: (name, named type).
    required: Vec<(String, String)>,
}

/// What introspection says about the schema: object types' fields, and enum values.
struct Schema {
    objects: HashMap<String, Vec<Field>>,
    enums: HashMap<String, Vec<String>>,
}

fn unwrap_type(t: &Value) -> (String, bool, bool) {
    let (mut t, mut list, mut non_null) = (t, false, false);
    let mut first = true;
    loop {
        match t["kind"].as_str() {
            Some("NON_NULL") => non_null |= first,
            Some("LIST") => list = true,
            _ => {
                return (
                    t["name"].as_str().unwrap_or_default().to_owned(),
                    list,
                    non_null,
                );
            }
        }
        first = false;
        t = &t["ofType"];
    }
}

impl Schema {
    async fn load(app: &TestApp, token: &str) -> Self {
        let res = app.gql(Some(token), INTROSPECTION, json!({})).await.ok();
        let mut objects = HashMap::new();
        let mut enums = HashMap::new();
        for t in res.data("__schema.types").as_array().unwrap() {
            let name = t["name"].as_str().unwrap().to_owned();
            match t["kind"].as_str() {
                Some("OBJECT") if !name.starts_with("__") => {
                    let fields = t["fields"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|f| {
                            let (named, list, _) = unwrap_type(&f["type"]);
                            let required = f["args"]
                                .as_array()
                                .unwrap()
                                .iter()
                                .filter_map(|a| {
                                    let (named, _, non_null) = unwrap_type(&a["type"]);
                                    (non_null && a["defaultValue"].is_null())
                                        .then(|| (a["name"].as_str().unwrap().to_owned(), named))
                                })
                                .collect();
                            Field {
                                name: f["name"].as_str().unwrap().to_owned(),
                                named,
                                list,
                                required,
                            }
                        })
                        .collect();
                    objects.insert(name, fields);
                }
                Some("ENUM") => {
                    let values = t["enumValues"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|v| v["name"].as_str().unwrap().to_owned())
                        .collect();
                    enums.insert(name, values);
                }
                _ => {}
            }
        }
        Self { objects, enums }
    }

    fn is_object(&self, name: &str) -> bool {
        self.objects.contains_key(name)
    }

    /// A connection: an object with `edges` and `pageInfo`.
    fn is_connection(&self, name: &str) -> bool {
        self.objects
            .get(name)
            .is_some_and(|f| f.iter().any(|f| f.name == "pageInfo"))
    }

    /// A list or a connection: what a parent can have many of.
    fn is_many(&self, f: &Field) -> bool {
        f.list || self.is_connection(&f.named)
    }

    /// `name(arg: value, ...)` with a value for every required argument.
    fn call(&self, f: &Field) -> String {
        if f.required.is_empty() {
            return f.name.clone();
        }
        let today = Utc::now().date_naive();
        let args: Vec<String> = f
            .required
            .iter()
            .map(|(arg, ty)| {
                let value = match ty.as_str() {
                    "NaiveDate" if arg == "from" => format!("\"{}\"", today - Duration::days(30)),
                    "NaiveDate" => format!("\"{today}\""),
                    // A window of 30 days around now (`upcomingReminders` takes at most 31).
                    "DateTime" if arg == "to" => {
                        format!("\"{}\"", (Utc::now() + Duration::days(2)).to_rfc3339())
                    }
                    "DateTime" if arg == "from" => {
                        format!("\"{}\"", (Utc::now() - Duration::days(28)).to_rfc3339())
                    }
                    "DateTime" => format!("\"{}\"", (Utc::now() - Duration::days(30)).to_rfc3339()),
                    "Int" => "7".to_owned(),
                    "Float" => "1".to_owned(),
                    "Boolean" => "true".to_owned(),
                    "String" | "ID" => "\"x\"".to_owned(),
                    other => self
                        .enums
                        .get(other)
                        .and_then(|v| v.first().cloned())
                        .unwrap_or_else(|| panic!("no value for argument {arg}: {other}")),
                };
                format!("{arg}: {value}")
            })
            .collect();
        format!("{}({})", f.name, args.join(", "))
    }

    /// The leaf selection of a value of type `named`: its scalars without required
    /// arguments (a connection: its count, page info and nodes' scalars).
    fn leaf(&self, named: &str) -> String {
        let Some(fields) = self.objects.get(named) else {
            return String::new();
        };
        if self.is_connection(named) {
            let node = fields
                .iter()
                .find(|f| f.name == "nodes")
                .map(|f| f.named.clone())
                .unwrap_or_default();
            return format!(
                "{{ totalCount pageInfo {{ hasNextPage }} edges {{ cursor }} nodes {} }}",
                self.leaf(&node)
            );
        }
        let scalars: Vec<&str> = fields
            .iter()
            .filter(|f| !self.is_object(&f.named) && f.required.is_empty())
            .map(|f| f.name.as_str())
            .collect();
        if scalars.is_empty() {
            "{ __typename }".to_owned()
        } else {
            format!("{{ {} }}", scalars.join(" "))
        }
    }

    /// `f` with a selection inside `inner` (or its leaf selection).
    fn select(&self, f: &Field, inner: Option<&str>) -> String {
        let body = match inner {
            None => self.leaf(&f.named),
            Some(inner) if self.is_connection(&f.named) => format!("{{ nodes {{ {inner} }} }}"),
            Some(inner) => format!("{{ {inner} }}"),
        };
        format!("{} {body}", self.call(f))
    }

    /// Every probe: each list or connection field of `Client` (level 1), and each list or
    /// connection field of every object a `Client` field leads to (level 2), as the
    /// selection under `clients { nodes { … } }`, and whether it lists records (objects,
    /// which the fixture must fill) rather than scalars of its parent's row.
    fn probes(&self) -> BTreeMap<String, (String, bool)> {
        let mut probes = BTreeMap::new();
        for f1 in &self.objects["Client"] {
            if self.is_many(f1) {
                probes.insert(
                    format!("Client.{}", f1.name),
                    (self.select(f1, None), self.is_object(&f1.named)),
                );
            }
            if !self.is_object(&f1.named) {
                continue;
            }
            let parent = if self.is_connection(&f1.named) {
                self.objects[&f1.named]
                    .iter()
                    .find(|f| f.name == "nodes")
                    .map(|f| f.named.clone())
                    .unwrap_or_default()
            } else {
                f1.named.clone()
            };
            for f2 in self.objects.get(&parent).into_iter().flatten() {
                if self.is_many(f2) {
                    let inner = self.select(f2, None);
                    probes.insert(
                        format!("Client.{}.{}", f1.name, f2.name),
                        (self.select(f1, Some(&inner)), self.is_object(&f2.named)),
                    );
                }
            }
        }
        probes
    }
}

fn id(res: &Gql, path: &str) -> String {
    res.data(path).as_str().unwrap().to_owned()
}

/// Gives `client` a record with something at every level: a measured goal with a step,
/// progress and an action plan (revised once, an obstacle met), homework (one submitted),
/// a session held and one to come, a shared resource, a support contact, a check-in,
/// entries with contexts on both trackers, a thought record, a PHQ-9 that raises a safety
/// alert, a GAD-7 assignment that is due, and an enrolment in a two-module programme.
async fn full_record(app: &TestApp, t: &str, client: Uuid, resource: &str) {
    let c = client.to_string();
    let now = Utc::now();
    let m = |name: &str, input_type: &str, select: &str| {
        format!("mutation($input: {input_type}!) {{ {name}(input: $input) {{ {select} }} }}")
    };
    let goal = app
        .gql(
            Some(t),
            &m("createGoal", "CreateGoalInput", "goal { id }"),
            json!({ "input": { "clientId": c, "title": "Walk after lunch", "measure": "walks",
                "baseline": 0.0, "target": 5.0, "unit": "per week" } }),
        )
        .await
        .ok();
    let goal = id(&goal, "createGoal.goal.id");
    app.gql(
        Some(t),
        &m("addGoalStep", "AddGoalStepInput", "step { id }"),
        json!({ "input": { "goalId": goal, "title": "Buy shoes" } }),
    )
    .await
    .ok();
    app.gql(
        Some(t),
        &m(
            "recordGoalProgress",
            "RecordGoalProgressInput",
            "goal { id }",
        ),
        json!({ "input": { "goalId": goal, "value": 2.0 } }),
    )
    .await
    .ok();
    let plan = app
        .gql(
            Some(t),
            &m(
                "createActionPlan",
                "CreateActionPlanInput",
                "plan { id version obstacles { id } }",
            ),
            json!({ "input": { "goalId": goal, "title": "Lunch walks",
                "actions": [{ "what": "Walk 10 minutes", "recurrence": { "kind": "DAILY" } }],
                "obstacles": [{ "kind": "LACK_OF_TIME", "description": "Meetings",
                    "copingPlan": "Walk before the meeting" }] } }),
        )
        .await
        .ok();
    let plan_id = id(&plan, "createActionPlan.plan.id");
    let obstacle = id(&plan, "createActionPlan.plan.obstacles.0.id");
    app.gql(
        Some(t),
        &m("reviseActionPlan", "ReviseActionPlanInput", "plan { id }"),
        json!({ "input": { "planId": plan_id, "expectedVersion": 1, "reason": "Shorter",
            "title": "Short lunch walks" } }),
    )
    .await
    .ok();
    app.gql(
        Some(t),
        &m("logObstacle", "LogObstacleInput", "__typename"),
        json!({ "input": { "planId": plan_id, "obstacleId": obstacle, "copingUsed": true,
            "helped": 3 } }),
    )
    .await
    .ok();
    let mut homework = Vec::new();
    for days in [1, 2, 3] {
        let res = app
            .gql(
                Some(t),
                &m("assignHomework", "AssignHomeworkInput", "homework { id }"),
                json!({ "input": { "clientId": c, "title": "Notice the thought",
                    "instructions": "Write it down", "goalId": goal,
                    "dueAt": (now + Duration::days(days)).to_rfc3339() } }),
            )
            .await
            .ok();
        homework.push(id(&res, "assignHomework.homework.id"));
    }
    app.gql(
        Some(t),
        &m("submitHomework", "SubmitHomeworkInput", "homework { id }"),
        json!({ "input": { "homeworkId": homework[0], "outcome": "COMPLETED",
            "obstaclesMet": ["LACK_OF_TIME"] } }),
    )
    .await
    .ok();
    // The third fell due before the session held last week (history the API cannot write).
    let past = now - Duration::days(8);
    let overdue = Uuid::parse_str(&homework[2]).unwrap();
    entity::homework::Entity::update_many()
        .col_expr(entity::homework::Column::DueAt, Expr::value(past))
        .filter(entity::homework::Column::Id.eq(overdue))
        .exec(&app.db)
        .await
        .unwrap();
    entity::homework_occurrence::Entity::update_many()
        .col_expr(
            entity::homework_occurrence::Column::DueAt,
            Expr::value(past),
        )
        .filter(entity::homework_occurrence::Column::HomeworkId.eq(overdue))
        .exec(&app.db)
        .await
        .unwrap();
    app.gql(
        Some(t),
        &m("scheduleSession", "ScheduleSessionInput", "session { id }"),
        json!({ "input": { "clientId": c, "scheduledAt": (now + Duration::days(4)).to_rfc3339() } }),
    )
    .await
    .ok();
    let held = app
        .gql(
            Some(t),
            &m("scheduleSession", "ScheduleSessionInput", "session { id }"),
            json!({ "input": { "clientId": c,
                "scheduledAt": (now - Duration::days(7)).to_rfc3339() } }),
        )
        .await
        .ok();
    app.gql(
        Some(t),
        &m("completeSession", "CompleteSessionInput", "session { id }"),
        json!({ "input": { "sessionId": id(&held, "scheduleSession.session.id") } }),
    )
    .await
    .ok();
    app.gql(
        Some(t),
        &m("shareResource", "ShareResourceInput", "__typename"),
        json!({ "input": { "clientId": c, "resourceId": resource } }),
    )
    .await
    .ok();
    app.gql(
        Some(t),
        &m("scheduleCheckIn", "ScheduleCheckInInput", "__typename"),
        json!({ "input": { "clientId": c, "prompt": "How was today?",
            "dueAt": (now + Duration::hours(1)).to_rfc3339() } }),
    )
    .await
    .ok();
    for kind in ["MOOD", "ANXIETY"] {
        let tracker = app.tracker_id(t, client, kind).await;
        let entries: Vec<Value> = (1..=3)
            .map(|h| {
                json!({ "trackerId": tracker, "value": 5.0, "context": "work",
                    "recordedAt": (now - Duration::hours(h)).to_rfc3339() })
            })
            .collect();
        app.gql(
            Some(t),
            &m("logEntries", "LogEntriesInput", "results { status }"),
            json!({ "input": { "entries": entries } }),
        )
        .await
        .ok();
    }
    app.gql(
        Some(t),
        &m(
            "recordThoughtRecord",
            "RecordThoughtRecordInput",
            "__typename",
        ),
        json!({ "input": { "clientId": c, "situation": "Meeting", "automaticThought": "I'll fail",
            "beliefBefore": 80, "beliefAfter": 40, "visibility": "SHARED",
            "emotions": [{ "name": "anxious", "intensityBefore": 70, "intensityAfter": 40 }],
            "distortions": ["FORTUNE_TELLING"] } }),
    )
    .await
    .ok();
    app.gql(
        Some(t),
        &m("submitMeasure", "SubmitMeasureInput", "__typename"),
        json!({ "input": { "clientId": c, "instrument": "PHQ9",
            "answers": [1, 1, 1, 1, 1, 1, 1, 1, 2] } }),
    )
    .await
    .ok();
    app.gql(
        Some(t),
        &m("assignMeasure", "AssignMeasureInput", "__typename"),
        json!({ "input": { "clientId": c, "instrument": "GAD7", "everyDays": 7 } }),
    )
    .await
    .ok();
    let program = app
        .gql(
            Some(t),
            &m("createProgram", "CreateProgramInput", "program { id }"),
            json!({ "input": { "title": format!("Course for {c}"), "modules": [
                { "title": "Start", "unlockRule": "PREVIOUS_DONE", "resourceIds": [resource],
                  "homework": [{ "title": "Notice", "kind": "JOURNALING",
                      "instructions": "Write one line", "dueInDays": 3 }],
                  "checkIns": [{ "prompt": "How is it going?", "dueInDays": 2 }] },
                { "title": "Next", "unlockRule": "AFTER_DAYS", "unlockAfterDays": 7 } ] } }),
        )
        .await
        .ok();
    app.gql(
        Some(t),
        &m("enrollInProgram", "EnrollInProgramInput", "__typename"),
        json!({ "input": { "clientId": c, "programId": id(&program, "createProgram.program.id") } }),
    )
    .await
    .ok();
    // Support contacts are the client's own to add; the fixture writes one directly.
    entity::support_contact::Entity::insert(entity::support_contact::ActiveModel {
        id: Set(Uuid::now_v7()),
        practice_id: Set(app.a.practice_id),
        client_id: Set(client),
        name: Set("Alex".to_owned()),
        relationship: Set("friend".to_owned()),
        how_they_help: Set(None),
        phone: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_without_returning(&app.db)
    .await
    .unwrap();
}

/// Whether `v` holds at least one item under some list (data on every level).
fn has_items(v: &Value) -> bool {
    match v {
        Value::Array(a) => !a.is_empty() && a.iter().any(|x| !x.is_null()),
        Value::Object(o) => o.values().any(has_items),
        _ => false,
    }
}

#[tokio::test]
async fn every_nested_list_costs_the_same_statements_for_2_clients_as_for_30() {
    // Introspection is how the test learns the schema.
    let app = spawn_app_with(|c| c.introspection = true).await;
    let t = app.therapist();
    let resource = app
        .gql(
            Some(&t),
            "mutation($input: CreateResourceInput!) { createResource(input: $input) { resource { id } } }",
            json!({ "input": { "title": "Breathing", "kind": "ARTICLE",
                "description": "Box breathing", "url": "https://example.org/breathe" } }),
        )
        .await
        .ok();
    let resource = id(&resource, "createResource.resource.id");
    let mut clients = Vec::new();
    for i in 0..MANY {
        let res = app
            .gql(
                Some(&t),
                "mutation($input: CreateClientInput!) { createClient(input: $input) { client { id } } }",
                json!({ "input": { "displayName": format!("{PREFIX} {i:02}"), "timezone": "UTC" } }),
            )
            .await
            .ok();
        clients.push(Uuid::parse_str(&id(&res, "createClient.client.id")).unwrap());
    }
    for chunk in clients.chunks(6) {
        join_all(chunk.iter().map(|c| full_record(&app, &t, *c, &resource))).await;
    }

    let schema = Schema::load(&app, &t).await;
    let probes = schema.probes();
    assert!(
        probes.len() > 30,
        "the schema walk found only {} probes: {:?}",
        probes.len(),
        probes.keys()
    );
    let query = |n: usize, selection: &str| {
        format!(
            "{{ clients(first: {n}, filter: {{ search: \"{PREFIX}\" }}) {{ nodes {{ id {selection} }} }} }}"
        )
    };
    let mut grows = Vec::new();
    let mut empty = Vec::new();
    for (name, (selection, records)) in &probes {
        let large = query(MANY, selection);
        let res = app.gql(Some(&t), &large, json!({})).await;
        assert!(
            res.0.get("errors").is_none(),
            "{name} answered with errors: {}",
            res.0
        );
        let nodes = res.data("clients.nodes").as_array().unwrap();
        assert_eq!(nodes.len(), MANY, "{name}");
        if *records && !nodes.iter().any(has_items) {
            empty.push(name.clone());
        }
        let few = app.fewest_statements_for(&t, &query(2, selection)).await;
        let many = app.fewest_statements_for(&t, &large).await;
        if few != many {
            grows.push(format!(
                "{name}: {few} statements for 2 clients, {many} for {MANY}"
            ));
        }
    }
    assert!(
        grows.is_empty(),
        "these fields cost more statements with more parents:\n{}",
        grows.join("\n")
    );
    assert!(
        empty.is_empty(),
        "the fixture left these lists empty (give them data): {empty:?}"
    );
}

/// The dashboard an integrator writes first (the issue's "CaseloadView").
fn caseload_view(n: usize) -> String {
    format!(
        "query CaseloadView {{ clients(first: {n}, filter: {{ search: \"{PREFIX}\" }}) {{ totalCount nodes {{ id displayName
           goals {{ id title status progress }}
           homework {{ id title status dueAt }}
           trackers {{ kind entries(last: 5) {{ nodes {{ value recordedAt }} }} }} }} }} }}"
    )
}

#[tokio::test]
async fn the_caseload_view_costs_at_most_twelve_statements_and_one_audit_insert_at_any_size() {
    let app = spawn_app_with(|_| {}).await;
    let t = app.therapist();
    let resource = app
        .gql(
            Some(&t),
            "mutation($input: CreateResourceInput!) { createResource(input: $input) { resource { id } } }",
            json!({ "input": { "title": "Breathing", "kind": "ARTICLE",
                "description": "Box breathing", "url": "https://example.org/breathe" } }),
        )
        .await
        .ok();
    let resource = id(&resource, "createResource.resource.id");
    let mut clients = Vec::new();
    for i in 0..8 {
        let res = app
            .gql(
                Some(&t),
                "mutation($input: CreateClientInput!) { createClient(input: $input) { client { id } } }",
                json!({ "input": { "displayName": format!("{PREFIX} {i:02}"), "timezone": "UTC" } }),
            )
            .await
            .ok();
        clients.push(Uuid::parse_str(&id(&res, "createClient.client.id")).unwrap());
    }
    join_all(clients.iter().map(|c| full_record(&app, &t, *c, &resource))).await;

    let mut counts = Vec::new();
    for n in [2, 8] {
        let statements = app.fewest_statements_for(&t, &caseload_view(n)).await;
        assert!(
            statements <= 12,
            "CaseloadView of {n} clients took {statements} statements"
        );
        counts.push(statements);

        let (audits, rows) = (
            app.audit_statements.load(Ordering::SeqCst),
            app.count("audit_log").await,
        );
        let res = app.gql(Some(&t), &caseload_view(n), json!({})).await.ok();
        assert_eq!(res.data("clients.nodes").as_array().unwrap().len(), n);
        assert_eq!(
            app.audit_statements.load(Ordering::SeqCst) - audits,
            1,
            "one audit statement per request"
        );
        // ... holding a row per read: the roster page, goals, progress, homework, trackers
        // and entries, each listing what it touched.
        assert!(app.count("audit_log").await - rows >= 5);
    }
    assert_eq!(
        counts[0], counts[1],
        "the count does not grow with the page"
    );
}
