//! A document's cost is weighted by how many items each list can return, and checked before
//! anything runs: a query that fans out through the goal ↔ plan cycle is refused, however it
//! is spelled, while every query the README shows passes under the default limits.

use serde_json::json;

use crate::helpers::*;

/// `client { goals { actionPlans { goal { actionPlans { … actions { what } } } } } }`: the
/// goal ↔ plan cycle spelled `levels` times (1: plans under goals, no cycle).
fn cyclic(client: &str, levels: usize) -> String {
    let mut inner = "actionPlans { title actions { what } }".to_owned();
    for _ in 1..levels {
        inner = format!("actionPlans {{ title goal {{ title {inner} }} }}");
    }
    format!(r#"{{ client(id: "{client}") {{ goals {{ {inner} }} }} }}"#)
}

fn refused_for_cost(res: &Gql) -> bool {
    res.0["errors"][0]["message"]
        .as_str()
        .is_some_and(|m| m.contains("would cost"))
}

#[tokio::test]
async fn the_goal_and_plan_cycle_is_refused_before_anything_runs() {
    let app = spawn_app().await;
    let token = app.therapist();
    let client = app.a.client_ids[0].to_string();
    // One level of plans under goals is an ordinary view.
    let res = app.gql(Some(&token), &cyclic(&client, 1), json!({})).await;
    assert!(!refused_for_cost(&res), "{}", res.0);
    res.ok();
    // Spelled three times, the cycle fans out: refused, and nothing is read.
    let query = cyclic(&client, 3);
    let before = app.statements.load(std::sync::atomic::Ordering::Relaxed);
    let res = app.gql(Some(&token), &query, json!({})).await;
    let ran = app.statements.load(std::sync::atomic::Ordering::Relaxed) - before;
    assert!(refused_for_cost(&res), "{}", res.0);
    assert_eq!(res.code(), "BAD_USER_INPUT");
    assert!(res.0["data"].is_null(), "{}", res.0);
    // The token's check is the only statement: the document never executed.
    assert!(ran <= 1, "{ran} statements ran");
}

#[tokio::test]
async fn a_connection_page_counts_as_many_times_as_it_asks_for_wherever_it_is_spelled() {
    let app = spawn_app_with(|c| c.max_complexity = 2_000).await;
    let token = app.therapist();
    // 100 clients × 50 goals each would be refused; 2 × … passes.
    let wide = "{ clients(first: 100) { nodes { goals { title steps { title } } } } }";
    let res = app.gql(Some(&token), wide, json!({})).await;
    assert!(refused_for_cost(&res), "{}", res.0);
    // The same inside an inline fragment and a named fragment, and with `first` from a
    // variable's default: counted all the same.
    for query in [
        "{ clients(first: 100) { ... on ClientConnection { nodes { goals { title steps { title } } } } } }",
        "{ clients(first: 100) { ...C } } fragment C on ClientConnection { nodes { goals { title steps { title } } } }",
        "query($n: Int = 100) { clients(first: $n) { nodes { goals { title steps { title } } } } }",
    ] {
        let res = app.gql(Some(&token), query, json!({})).await;
        assert!(refused_for_cost(&res), "{query}: {}", res.0);
    }
    let narrow = "{ clients(first: 1) { nodes { displayName } } }";
    app.gql(Some(&token), narrow, json!({})).await.ok();
}

/// The GraphQL blocks of the README and of every page under docs/.
fn readme_queries() -> Vec<String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut pages = vec![root.join("README.md")];
    let docs = std::fs::read_dir(root.join("docs")).expect("docs/ is readable");
    pages.extend(docs.map(|e| e.expect("docs/ entry").path()));
    let text: String = pages
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .map(|p| std::fs::read_to_string(p).expect("a readable page"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        match (&mut current, line.trim_start()) {
            (None, l) if l.starts_with("```graphql") => current = Some(String::new()),
            (Some(q), l) if l.starts_with("```") => {
                out.push(std::mem::take(q));
                current = None;
            }
            (Some(q), _) => {
                q.push_str(line);
                q.push('\n');
            }
            _ => {}
        }
    }
    out
}

#[tokio::test]
async fn every_documented_query_passes_the_default_limits() {
    let app = spawn_app_with(|c| c.introspection = true).await;
    let token = app.therapist();
    let client = app.a.client_ids[0].to_string();
    let queries = readme_queries();
    assert!(queries.len() >= 5, "{queries:?}");
    for query in queries {
        let query = query.replace('…', &client);
        let res = app.gql(Some(&token), &query, json!({})).await;
        let message = res.0["errors"][0]["message"].as_str().unwrap_or_default();
        for refusal in ["would cost", "nested too deep", "aliases", "selects"] {
            assert!(
                !message.contains(refusal),
                "a documented query is refused by a limit: {query}\n{}",
                res.0
            );
        }
    }
}
