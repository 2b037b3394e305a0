//! Bad input is `BAD_USER_INPUT` naming its field, never an internal error, on both
//! databases: NUL characters, lone surrogates, megabyte strings and times outside the
//! supported range, fed to every string and time argument and input field of every
//! mutation and root query, found by introspection (a field added later is covered).

use std::collections::HashMap;

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, spawn_app, spawn_app_with};

const INTROSPECTION: &str = r"query {
  __schema {
    queryType { name } mutationType { name }
    types { name kind enumValues { name }
      inputFields { name defaultValue type { ...T } }
      fields { name args { name defaultValue type { ...T } } type { ...T } } } } }
fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }";

/// A type reference: the named type, whether a list, whether non-null at the top.
#[derive(Debug, Clone)]
struct Ty {
    named: String,
    list: bool,
    non_null: bool,
    /// The GraphQL spelling, e.g. `[String!]!`.
    spelled: String,
}

fn ty(t: &Value) -> Ty {
    fn spell(t: &Value) -> String {
        match t["kind"].as_str() {
            Some("NON_NULL") => format!("{}!", spell(&t["ofType"])),
            Some("LIST") => format!("[{}]", spell(&t["ofType"])),
            _ => t["name"].as_str().unwrap_or_default().to_owned(),
        }
    }
    let spelled = spell(t);
    let (mut t, mut list) = (t, false);
    let non_null = t["kind"] == "NON_NULL";
    while t["kind"] == "NON_NULL" || t["kind"] == "LIST" {
        list |= t["kind"] == "LIST";
        t = &t["ofType"];
    }
    Ty {
        named: t["name"].as_str().unwrap_or_default().to_owned(),
        list,
        non_null,
        spelled,
    }
}

/// An argument or input field.
#[derive(Debug, Clone)]
struct Input {
    name: String,
    ty: Ty,
    has_default: bool,
}

fn inputs(list: &Value) -> Vec<Input> {
    list.as_array()
        .into_iter()
        .flatten()
        .map(|a| Input {
            name: a["name"].as_str().unwrap().to_owned(),
            ty: ty(&a["type"]),
            has_default: !a["defaultValue"].is_null(),
        })
        .collect()
}

struct Schema {
    /// Root fields to probe: (operation keyword, field, arguments, whether its type has fields).
    roots: Vec<(&'static str, String, Vec<Input>, bool)>,
    input_objects: HashMap<String, Vec<Input>>,
    enums: HashMap<String, String>,
}

impl Schema {
    async fn load(app: &TestApp, token: &str) -> Self {
        let res = app.gql(Some(token), INTROSPECTION, json!({})).await.ok();
        let query = res
            .data("__schema.queryType.name")
            .as_str()
            .unwrap()
            .to_owned();
        let mutation = res
            .data("__schema.mutationType.name")
            .as_str()
            .unwrap()
            .to_owned();
        let types = res.data("__schema.types").as_array().unwrap();
        let mut input_objects = HashMap::new();
        let mut enums = HashMap::new();
        let mut has_fields = HashMap::new();
        for t in types {
            let name = t["name"].as_str().unwrap().to_owned();
            match t["kind"].as_str().unwrap() {
                "INPUT_OBJECT" => {
                    input_objects.insert(name, inputs(&t["inputFields"]));
                }
                "ENUM" => {
                    enums.insert(
                        name,
                        t["enumValues"][0]["name"].as_str().unwrap().to_owned(),
                    );
                }
                "OBJECT" | "INTERFACE" | "UNION" => {
                    has_fields.insert(name, ());
                }
                _ => {}
            }
        }
        let mut roots = Vec::new();
        for t in types {
            let keyword = match t["name"].as_str() {
                Some(n) if n == query => "query",
                Some(n) if n == mutation => "mutation",
                _ => continue,
            };
            for f in t["fields"].as_array().unwrap() {
                let args = inputs(&f["args"]);
                if args.is_empty() {
                    continue;
                }
                let object = has_fields.contains_key(&ty(&f["type"]).named);
                roots.push((
                    keyword,
                    f["name"].as_str().unwrap().to_owned(),
                    args,
                    object,
                ));
            }
        }
        Self {
            roots,
            input_objects,
            enums,
        }
    }

    /// A plausible value of `ty`: every required input field filled, lists of one item.
    fn value(&self, ty: &Ty, depth: usize) -> Value {
        let one = match ty.named.as_str() {
            "String" => json!("x"),
            "ID" => json!(Uuid::now_v7().to_string()),
            "DateTime" => json!((Utc::now() - Duration::hours(1)).to_rfc3339()),
            "NaiveDate" => json!(Utc::now().date_naive().to_string()),
            "Int" => json!(1),
            "Float" => json!(1.0),
            "Boolean" => json!(false),
            "JSON" => json!({}),
            named => {
                if let Some(e) = self.enums.get(named) {
                    json!(e)
                } else if let Some(fields) = self.input_objects.get(named) {
                    let mut object = Map::new();
                    for f in fields {
                        if f.ty.non_null && !f.has_default && depth < 4 {
                            object.insert(f.name.clone(), self.value(&f.ty, depth + 1));
                        }
                    }
                    Value::Object(object)
                } else {
                    panic!("no value for type {named}")
                }
            }
        };
        if ty.list { json!([one]) } else { one }
    }

    /// Every path to a string or time leaf under `ty` (input fields, list items as `0`),
    /// with the leaf's named type.
    fn leaves(&self, ty: &Ty, path: &str, depth: usize, out: &mut Vec<(String, String)>) {
        let path = if ty.list {
            format!("{path}.0")
        } else {
            path.to_owned()
        };
        match ty.named.as_str() {
            "String" | "ID" | "DateTime" | "NaiveDate" => out.push((path, ty.named.clone())),
            named => {
                if depth >= 4 {
                    return;
                }
                for f in self.input_objects.get(named).into_iter().flatten() {
                    self.leaves(&f.ty, &format!("{path}.{}", f.name), depth + 1, out);
                }
            }
        }
    }
}

/// Sets `value` at the dotted `path` inside `root` (creating objects and one-item lists).
fn set(root: &mut Value, path: &str, value: Value) {
    let mut at = root;
    for part in path.split('.') {
        at = match part.parse::<usize>() {
            Ok(i) => {
                if !at.is_array() {
                    *at = json!([]);
                }
                let items = at.as_array_mut().unwrap();
                while items.len() <= i {
                    items.push(json!({}));
                }
                &mut items[i]
            }
            Err(_) => {
                if !at.is_object() {
                    *at = json!({});
                }
                at.as_object_mut()
                    .unwrap()
                    .entry(part.to_owned())
                    .or_insert(Value::Null)
            }
        };
    }
    *at = value;
}

/// A bad value to try and whether the check before execution must name its field.
struct Bad {
    what: &'static str,
    /// The JSON text of the value (raw, so a lone surrogate can be written).
    raw: String,
    /// Named types it applies to.
    types: &'static [&'static str],
    named_field: bool,
}

fn bad_values() -> Vec<Bad> {
    let megabyte = "m".repeat(1_000_000);
    vec![
        Bad {
            what: "NUL",
            raw: r#""before\u0000after""#.to_owned(),
            types: &["String", "ID", "DateTime", "NaiveDate"],
            named_field: true,
        },
        Bad {
            what: "a far past instant",
            raw: r#""-5000-01-01T00:00:00Z""#.to_owned(),
            types: &["DateTime"],
            named_field: true,
        },
        Bad {
            what: "a far future instant",
            raw: r#""+20000-01-01T00:00:00Z""#.to_owned(),
            types: &["DateTime"],
            named_field: true,
        },
        Bad {
            what: "a date before 1900",
            raw: r#""1899-12-31""#.to_owned(),
            types: &["NaiveDate"],
            named_field: true,
        },
        Bad {
            what: "a lone surrogate escape",
            raw: r#""\ud800""#.to_owned(),
            types: &["String", "ID"],
            named_field: false,
        },
        Bad {
            what: "a megabyte",
            raw: format!("\"{megabyte}\""),
            types: &["String"],
            named_field: false,
        },
    ]
}

/// Leaves the check before execution does not cover: each item of these reports its own
/// error in the mutation's payload.
const ITEMISED: &[&str] = &["logEntries.input.entries"];

#[tokio::test]
async fn no_bad_string_or_time_reaches_the_database_or_becomes_an_internal_error() {
    let app = spawn_app_with(|c| c.introspection = true).await;
    let token = app.therapist();
    let schema = Schema::load(&app, &token).await;
    let bad_values = bad_values();
    let mut probes = 0;
    let mut problems = Vec::new();
    for (keyword, field, args, object) in &schema.roots {
        let mut variables = json!({});
        let mut declared = Vec::new();
        let mut passed = Vec::new();
        let mut leaves = Vec::new();
        for a in args {
            variables[&a.name] = schema.value(&a.ty, 0);
            declared.push(format!("${}: {}", a.name, a.ty.spelled));
            passed.push(format!("{0}: ${0}", a.name));
            schema.leaves(&a.ty, &a.name, 0, &mut leaves);
        }
        let selection = if *object { "{ __typename }" } else { "" };
        let document = format!(
            "{keyword}({}) {{ {field}({}) {selection} }}",
            declared.join(", "),
            passed.join(", ")
        );
        for (path, named) in &leaves {
            let itemised = ITEMISED
                .iter()
                .any(|p| format!("{field}.{path}").starts_with(p));
            for bad in bad_values
                .iter()
                .filter(|b| b.types.contains(&named.as_str()))
            {
                // The variables with a placeholder at the leaf, replaced by the raw JSON.
                let mut vars = variables.clone();
                set(&mut vars, path, json!("\u{1}PLACEHOLDER\u{1}"));
                let body = json!({ "query": document, "variables": vars })
                    .to_string()
                    .replace(r#""\u0001PLACEHOLDER\u0001""#, &bad.raw);
                let res = app
                    .http
                    .post(format!("{}/graphql", app.url))
                    .header("content-type", "application/json")
                    .bearer_auth(&token)
                    .body(body)
                    .send()
                    .await
                    .unwrap();
                probes += 1;
                let status = res.status();
                let body: Value = res.json().await.unwrap_or(Value::Null);
                let codes: Vec<&str> = body["errors"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|e| e["extensions"]["code"].as_str())
                    .collect();
                let probe = format!("{field}({path}) with {}", bad.what);
                if status == StatusCode::INTERNAL_SERVER_ERROR
                    || codes.contains(&"INTERNAL_SERVER_ERROR")
                {
                    problems.push(format!("{probe}: internal error {body}"));
                    continue;
                }
                if bad.named_field && !itemised {
                    let first = &body["errors"][0]["extensions"];
                    let expected = path.as_str();
                    if first["code"] != "BAD_USER_INPUT" || first["field"] != expected {
                        problems.push(format!(
                            "{probe}: expected BAD_USER_INPUT naming {expected}, got {body}"
                        ));
                    }
                }
            }
        }
    }
    assert!(
        probes > 300,
        "only {probes} probes: is introspection working?"
    );
    assert!(
        problems.is_empty(),
        "{} of {probes} probes failed:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[tokio::test]
async fn a_far_time_in_a_nested_argument_or_inline_is_refused_naming_it() {
    let app = spawn_app().await;
    let token = app.therapist();
    let client = app.a.client_ids[0];
    let tracker = app.tracker_id(&token, client, "MOOD").await;
    // Inline, in a nested field's argument.
    let res = app
        .gql(
            Some(&token),
            &format!(
                r#"{{ tracker(id: "{tracker}") {{ entries(from: "-5000-01-01T00:00:00Z") {{ totalCount }} }} }}"#
            ),
            json!({}),
        )
        .await;
    assert_eq!(res.code(), "BAD_USER_INPUT", "{}", res.0);
    assert_eq!(res.field(), "from");
    // Through a variable used in a fragment.
    let res = app
        .gql(
            Some(&token),
            "query($since: DateTime!, $id: ID!) { tracker(id: $id) { ...E } }
             fragment E on Tracker { entries(from: $since) { totalCount } }",
            json!({ "since": "0001-01-01T00:00:00Z", "id": tracker }),
        )
        .await;
    assert_eq!(res.code(), "BAD_USER_INPUT", "{}", res.0);
    assert_eq!(res.field(), "from");
    // In range, the same query answers.
    app.gql(
        Some(&token),
        "query($since: DateTime!, $id: ID!) { tracker(id: $id) { ...E } }
         fragment E on Tracker { entries(from: $since) { totalCount } }",
        json!({ "since": "1900-01-01T00:00:00Z", "id": tracker }),
    )
    .await
    .ok();
}

#[tokio::test]
async fn login_with_a_nul_in_the_email_is_bad_user_input() {
    let app = spawn_app().await;
    let res = app
        .gql(
            None,
            "mutation($input: LoginInput!) { login(input: $input) { accessToken } }",
            json!({ "input": { "email": "someone\u{0}@example.org", "password": "a password of some length" } }),
        )
        .await;
    assert_eq!(res.code(), "BAD_USER_INPUT", "{}", res.0);
    assert_eq!(res.field(), "input.email");
}
