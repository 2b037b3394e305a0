//! The HTTP layer: only JSON POSTs execute, bodies are capped, nothing runs over GET,
//! batches and oversized documents are refused, request ids, masked internal errors,
//! bearer tokens, content negotiation and health checks.

use std::io::{Read as _, Write as _};

use reqwest::{Response, StatusCode, header};
use sea_orm::ConnectionTrait as _;
use serde_json::{Value, json};

use crate::helpers::*;

const CLIENTS: &str = "{ clients { totalCount } }";
const CREATE: &str = r#"mutation { createClient(input: { displayName: "Mallory Post", timezone: "UTC" }) { client { id } } }"#;

/// POSTs `body` as-is to `/graphql` with the given content type and optional token.
async fn post_raw(
    app: &TestApp,
    content_type: Option<&str>,
    token: Option<&str>,
    body: impl Into<reqwest::Body>,
) -> Response {
    let mut req = app.http.post(format!("{}/graphql", app.url)).body(body);
    if let Some(ct) = content_type {
        req = req.header(header::CONTENT_TYPE, ct);
    }
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.unwrap()
}

/// A `{"query": …}` body.
fn body_of(query: &str) -> String {
    json!({ "query": query }).to_string()
}

fn header_of<'a>(res: &'a Response, name: &str) -> &'a str {
    res.headers()
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header in {res:?}"))
        .to_str()
        .unwrap()
}

/// `{ __type(name: "QueryRoot") { fields { type { fields { … { name } } } } } }`, nested
/// `depth` fields deep: lists of lists, which the depth cap counts (`ofType` chains, which
/// lead to one type each, it does not).
fn nested_type_query(depth: usize) -> String {
    assert!(depth >= 2);
    let levels: Vec<&str> = ["fields", "type"]
        .iter()
        .copied()
        .cycle()
        .take(depth - 2)
        .collect();
    format!(
        r#"{{ __type(name: "QueryRoot") {{ {} name{} }} }}"#,
        levels
            .iter()
            .map(|l| format!("{l} {{ "))
            .collect::<String>(),
        " }".repeat(levels.len())
    )
}

/// `{ a0: __typename a1: __typename … }`.
fn aliased_typenames(n: usize) -> String {
    let fields: Vec<String> = (0..n).map(|i| format!("a{i}: __typename")).collect();
    format!("{{ {} }}", fields.join(" "))
}

#[tokio::test]
async fn a_text_plain_post_gets_415_and_does_not_execute() {
    let app = spawn_app().await;
    let before = app.count("client").await;
    let res = post_raw(
        &app,
        Some("text/plain"),
        Some(&app.therapist()),
        body_of(CREATE),
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let body = Gql(res.json().await.unwrap());
    assert_eq!(body.code(), "BAD_USER_INPUT");
    assert!(body.0.get("data").is_none(), "{}", body.0);
    assert_eq!(app.count("client").await, before);

    // The same body as JSON does create a client: the refusal above was the content type.
    let res = post_raw(
        &app,
        Some("application/json"),
        Some(&app.therapist()),
        body_of(CREATE),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    Gql(res.json().await.unwrap()).ok();
    assert_eq!(app.count("client").await, before + 1);
}

#[tokio::test]
async fn a_form_post_or_one_without_content_type_gets_415_and_does_not_execute() {
    let app = spawn_app().await;
    let before = app.count("client").await;
    let form = format!("query={}", CREATE.replace(' ', "+"));
    for (content_type, body) in [
        (Some("application/x-www-form-urlencoded"), form),
        (Some("multipart/form-data; boundary=x"), body_of(CREATE)),
        (None, body_of(CREATE)),
    ] {
        let res = post_raw(&app, content_type, Some(&app.therapist()), body).await;
        assert_eq!(
            res.status(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{content_type:?}"
        );
    }
    assert_eq!(app.count("client").await, before);
}

#[tokio::test]
async fn json_with_a_charset_parameter_is_accepted() {
    let app = spawn_app().await;
    let res = post_raw(
        &app,
        Some("Application/JSON; charset=utf-8"),
        None,
        body_of("{ __typename }"),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let body = Gql(res.json().await.unwrap()).ok();
    assert_eq!(body.data("__typename"), "QueryRoot");
}

#[tokio::test]
async fn json_in_a_charset_other_than_utf8_gets_415_and_does_not_execute() {
    let app = spawn_app().await;
    let before = app.count("client").await;
    for content_type in [
        "application/json; charset=latin1",
        "application/json; charset=ISO-8859-1",
        "application/json;charset=\"utf-16\"",
        "application/json; charset=utf-8; charset=latin1",
    ] {
        let res = post_raw(
            &app,
            Some(content_type),
            Some(&app.therapist()),
            body_of(CREATE),
        )
        .await;
        assert_eq!(
            res.status(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{content_type}"
        );
        let body = Gql(res.json().await.unwrap());
        assert_eq!(body.code(), "BAD_USER_INPUT", "{content_type}");
    }
    assert_eq!(app.count("client").await, before);
    for content_type in [
        "application/json;charset=\"UTF-8\"",
        "application/json; charset=utf8",
    ] {
        let res = post_raw(&app, Some(content_type), None, body_of("{ __typename }")).await;
        assert_eq!(res.status(), StatusCode::OK, "{content_type}");
    }
}

#[tokio::test]
async fn a_body_over_the_default_cap_gets_413() {
    let app = spawn_app().await;
    assert_eq!(app.config.max_body_bytes, 1024 * 1024);
    let padding = " ".repeat(1100 * 1024);
    let body = format!(r#"{{"query": "{{ __typename }}{padding}"}}"#);
    let res = post_raw(&app, Some("application/json"), None, body).await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body = Gql(res.json().await.unwrap());
    assert_eq!(body.code(), "BAD_USER_INPUT");

    // Just under the cap is fine: the limit is the cap, not something smaller.
    let padding = " ".repeat(200 * 1024);
    let body = format!(r#"{{"query": "{{ __typename }}{padding}"}}"#);
    let res = post_raw(&app, Some("application/json"), None, body).await;
    assert_eq!(res.status(), StatusCode::OK);
    Gql(res.json().await.unwrap()).ok();
}

/// Sends a chunked (no `Content-Length`) JSON POST over a raw socket and returns the
/// response's status line and full text.
fn post_chunked(addr: &str, body: &str, chunk: usize) -> String {
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    let mut request = format!(
        "POST /graphql HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    for part in body.as_bytes().chunks(chunk) {
        request.push_str(&format!("{:x}\r\n", part.len()));
        request.push_str(std::str::from_utf8(part).unwrap());
        request.push_str("\r\n");
    }
    request.push_str("0\r\n\r\n");
    // The server may answer (and close) before reading everything: a failed write is fine,
    // the response is what counts.
    stream.write_all(request.as_bytes()).ok();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).ok();
    String::from_utf8_lossy(&response).into_owned()
}

#[tokio::test]
async fn a_streamed_body_without_content_length_over_the_cap_gets_413() {
    let app = spawn_app_with(|c| c.max_body_bytes = 2048).await;
    let addr = app.url.trim_start_matches("http://").to_owned();

    let padding = " ".repeat(4 * 1024);
    let big = format!(r#"{{"query": "{{ __typename }}{padding}"}}"#);
    let small = body_of("{ __typename }");
    let (big_res, small_res) = tokio::task::spawn_blocking(move || {
        (
            post_chunked(&addr, &big, 512),
            post_chunked(&addr, &small, 4),
        )
    })
    .await
    .unwrap();

    assert!(
        big_res.starts_with("HTTP/1.1 413"),
        "expected 413, got: {big_res}"
    );
    assert!(big_res.contains("BAD_USER_INPUT"), "{big_res}");
    // A small chunked body still executes: chunked transfer itself is not the refusal.
    assert!(
        small_res.starts_with("HTTP/1.1 200"),
        "expected 200, got: {small_res}"
    );
    assert!(small_res.contains("QueryRoot"), "{small_res}");
}

#[tokio::test]
async fn a_body_just_over_a_configured_cap_gets_413() {
    let app = spawn_app_with(|c| c.max_body_bytes = 2048).await;
    let padding = " ".repeat(4 * 1024);
    let body = format!(r#"{{"query": "{{ __typename }}{padding}"}}"#);
    let res = post_raw(&app, Some("application/json"), None, body).await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let res = post_raw(
        &app,
        Some("application/json"),
        None,
        body_of("{ __typename }"),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn get_graphql_answers_405_with_allow_post_and_never_executes() {
    let app = spawn_app().await;
    let res = app
        .http
        .get(format!("{}/graphql", app.url))
        .query(&[("query", "{__typename}")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(header_of(&res, "allow"), "POST");
    let id = header_of(&res, "x-request-id").to_owned();
    let text = res.text().await.unwrap();
    assert!(!text.contains("QueryRoot"), "{text}");
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["errors"][0]["extensions"]["requestId"], id.as_str());

    // A plain GET of the subscription endpoint (no WebSocket upgrade, no subprotocol) is
    // refused and executes nothing.
    let ws = app
        .http
        .get(format!("{}/graphql/ws", app.url))
        .query(&[("query", "{__typename}")])
        .send()
        .await
        .unwrap();
    assert_eq!(ws.status(), StatusCode::BAD_REQUEST);
    assert!(!ws.text().await.unwrap().contains("QueryRoot"));
}

#[tokio::test]
async fn a_mutation_in_a_get_query_string_creates_nothing() {
    let app = spawn_app().await;
    let before = app.count("client").await;
    let res = app
        .http
        .get(format!("{}/graphql", app.url))
        .query(&[("query", CREATE)])
        .bearer_auth(app.therapist())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(app.count("client").await, before);
}

#[tokio::test]
async fn with_graphiql_on_get_graphql_serves_html_and_still_executes_nothing() {
    let app = spawn_app_with(|c| c.graphiql = true).await;
    let before = app.count("client").await;
    let res = app
        .http
        .get(format!("{}/graphql", app.url))
        .query(&[("query", CREATE)])
        .bearer_auth(app.therapist())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        header_of(&res, "content-type").starts_with("text/html"),
        "{res:?}"
    );
    let html = res.text().await.unwrap();
    assert!(html.to_ascii_lowercase().contains("<html"), "{html}");
    assert!(!html.contains("createClient"), "the query string was used");
    assert_eq!(app.count("client").await, before);
}

#[tokio::test]
async fn a_batch_is_refused_with_400_and_bad_user_input() {
    let app = spawn_app().await;
    let before = app.count("client").await;
    let batch = json!([{ "query": "{ __typename }" }, { "query": CREATE }]).to_string();
    let res = post_raw(
        &app,
        Some("application/json"),
        Some(&app.therapist()),
        batch,
    )
    .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body = Gql(res.json().await.unwrap());
    assert_eq!(body.code(), "BAD_USER_INPUT");
    assert!(body.0.get("data").is_none(), "{}", body.0);
    assert_eq!(app.count("client").await, before);

    // Leading whitespace does not sneak a batch past the check.
    let batch = format!("  \n\t{}", json!([{ "query": "{ __typename }" }]));
    let res = post_raw(&app, Some("application/json"), None, batch).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_query_nested_twenty_deep_is_rejected() {
    let app = spawn_app().await;
    // A realistic query of the app's own deepest shape passes.
    app.gql(
        Some(&app.therapist()),
        "{ clients { edges { node { careTeam { displayName } activity { edges { node { kind } } } } } } }",
        json!({}),
    )
    .await
    .ok();

    let res = app.gql(None, &nested_type_query(20), json!({})).await;
    assert_eq!(res.code(), "BAD_USER_INPUT");
    assert!(res.0["data"].is_null(), "{}", res.0);
    let message = res.0["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("nested too deep"), "{message}");
}

#[tokio::test]
async fn the_depth_limit_is_twelve() {
    // Introspection on, so the deep query is otherwise valid and really executes.
    let app = spawn_app_with(|c| c.introspection = true).await;
    assert_eq!(app.config.max_depth, 12);
    let res = app.gql(None, &nested_type_query(12), json!({})).await.ok();
    assert!(res.data("__type.fields").is_array(), "{}", res.0);

    let res = app.gql(None, &nested_type_query(13), json!({})).await;
    assert_eq!(res.code(), "BAD_USER_INPUT");
    assert!(res.0["data"].is_null(), "{}", res.0);
    assert!(
        res.0["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("nested too deep"),
        "{}",
        res.0
    );
}

#[tokio::test]
async fn a_thousand_aliases_of_typename_are_rejected_while_ten_pass() {
    let app = spawn_app().await;
    let res = app.gql(None, &aliased_typenames(10), json!({})).await.ok();
    assert_eq!(res.data("a9"), "QueryRoot");

    let res = app.gql(None, &aliased_typenames(1_000), json!({})).await;
    assert_eq!(res.code(), "BAD_USER_INPUT");
    assert!(res.0["data"].is_null(), "{}", res.0);
    assert!(
        res.0["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("aliases"),
        "{}",
        res.0
    );
}

#[tokio::test]
async fn six_hundred_unaliased_typenames_in_fragments_exceed_the_field_limit() {
    let app = spawn_app().await;
    // No aliases at all: 600 `__typename` selections spread over named fragments.
    let fragments: String = (0..6)
        .map(|i| {
            format!(
                "fragment F{i} on QueryRoot {{ {} }} ",
                "__typename ".repeat(100)
            )
        })
        .collect();
    let spreads: String = (0..6).map(|i| format!("...F{i} ")).collect();
    let query = format!("{{ {spreads}}} {fragments}");
    let res = app.gql(None, &query, json!({})).await;
    assert_eq!(res.code(), "BAD_USER_INPUT");
    assert!(res.0["data"].is_null(), "{}", res.0);
}

/// `{...A}` where A holds `n` aliased `viewer { ...B }`, B `n` aliased
/// `practice { ...C }` and C `n` aliased `__typename`: 3n aliases written, n³ executed.
fn nested_fragments(n: usize) -> String {
    let aliased = |prefix: &str, body: &str| -> String {
        (0..n).map(|i| format!("{prefix}{i}: {body} ")).collect()
    };
    format!(
        "{{ ...A }} fragment A on QueryRoot {{ {} }} fragment B on Viewer {{ {} }} fragment C on Practice {{ {} }}",
        aliased("v", "viewer { ...B }"),
        aliased("p", "practice { ...C }"),
        aliased("t", "__typename"),
    )
}

#[tokio::test]
async fn aliases_multiplied_through_nested_fragments_count_as_executed() {
    let app = spawn_app().await;
    // 2 per level: 2 + 4 + 8 = 14 aliases as executed, within the limit of 50.
    let small = app
        .gql(Some(&app.therapist()), &nested_fragments(2), json!({}))
        .await
        .ok();
    assert_eq!(small.data("v1.p1.t1"), "Practice");
    // 16 per level: only 48 aliases written, but 16 + 256 + 4,096 as executed.
    let res = app
        .gql(Some(&app.therapist()), &nested_fragments(16), json!({}))
        .await;
    assert_eq!(res.code(), "BAD_USER_INPUT");
    assert!(res.0["data"].is_null(), "{}", res.0);
    assert!(
        res.0["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("4368 aliases"),
        "{}",
        res.0
    );
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = spawn_app().await;
    let gql = post_raw(
        &app,
        Some("application/json"),
        None,
        body_of("{ __typename }"),
    )
    .await;
    let health = app
        .http
        .get(format!("{}/healthz", app.url))
        .send()
        .await
        .unwrap();
    let missing = app
        .http
        .get(format!("{}/no/such/path", app.url))
        .send()
        .await
        .unwrap();
    let refused = post_raw(&app, Some("text/plain"), None, "{}").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let ids: Vec<String> = [&gql, &health, &missing, &refused]
        .iter()
        .map(|r| header_of(r, "x-request-id").to_owned())
        .collect();
    for id in &ids {
        assert!(!id.is_empty());
    }
    // Fresh ids are distinct per request.
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "{ids:?}");
}

#[tokio::test]
async fn a_well_formed_incoming_request_id_is_echoed_and_a_malformed_one_replaced() {
    let app = spawn_app().await;
    let res = app
        .http
        .post(format!("{}/graphql", app.url))
        .header("x-request-id", "abc-123")
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(header_of(&res, "x-request-id"), "abc-123");

    for bad in ["has space", "semi;colon", &"x".repeat(65)] {
        let res = app
            .http
            .get(format!("{}/healthz", app.url))
            .header("x-request-id", bad)
            .send()
            .await
            .unwrap();
        let id = header_of(&res, "x-request-id");
        assert_ne!(id, bad);
        assert!(!id.is_empty());
    }
}

#[tokio::test]
async fn every_graphql_error_carries_the_request_id_of_the_response() {
    let app = spawn_app().await;
    // Two resolver errors (anonymous), one execution.
    let res = app
        .http
        .post(format!("{}/graphql", app.url))
        .header("x-request-id", "abc-123")
        .json(&json!({ "query": "{ clients { totalCount } practice { name } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(header_of(&res, "x-request-id"), "abc-123");
    let body: Value = res.json().await.unwrap();
    let errors = body["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2, "{body}");
    for e in errors {
        assert_eq!(e["extensions"]["requestId"], "abc-123", "{body}");
    }

    // Validation errors, and refusals before execution, with a fresh id.
    let validation = post_raw(&app, Some("application/json"), None, body_of("{ nope }")).await;
    let refused = post_raw(&app, Some("text/plain"), None, body_of("{ __typename }")).await;
    let batch = post_raw(&app, Some("application/json"), None, "[]").await;
    let unauthenticated = post_raw(
        &app,
        Some("application/json"),
        Some("garbage"),
        body_of(CLIENTS),
    )
    .await;
    for res in [validation, refused, batch, unauthenticated] {
        let id = header_of(&res, "x-request-id").to_owned();
        let body: Value = res.json().await.unwrap();
        let errors = body["errors"].as_array().unwrap();
        assert!(!errors.is_empty(), "{body}");
        for e in errors {
            assert_eq!(e["extensions"]["requestId"], id.as_str(), "{body}");
        }
    }
}

#[tokio::test]
async fn a_database_error_is_masked_as_internal_error_with_the_request_id() {
    let app = spawn_app().await;
    app.gql(Some(&app.therapist()), CLIENTS, json!({}))
        .await
        .ok();
    app.db
        .execute_unprepared("ALTER TABLE client RENAME TO client_gone")
        .await
        .unwrap();

    let res = post_raw(
        &app,
        Some("application/json"),
        Some(&app.therapist()),
        body_of(CLIENTS),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let request_id = header_of(&res, "x-request-id").to_owned();
    let text = res.text().await.unwrap();
    let body: Value = serde_json::from_str(&text).unwrap();
    let error = &body["errors"][0];
    assert_eq!(
        error["extensions"]["code"], "INTERNAL_SERVER_ERROR",
        "{text}"
    );
    assert_eq!(error["message"], "internal error", "{text}");
    assert_eq!(
        error["extensions"]["requestId"],
        request_id.as_str(),
        "{text}"
    );
    // Only the code and the request id: no cause hidden in another extension.
    let keys: Vec<&String> = error["extensions"].as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 2, "{text}");
    let lower = text.to_ascii_lowercase();
    for leak in [
        "no such table",
        "relation",
        "select",
        "client_gone",
        "sqlx",
        "database",
    ] {
        assert!(!lower.contains(leak), "{leak:?} leaked: {text}");
    }
}

#[tokio::test]
async fn an_invalid_bearer_token_gets_401_unauthenticated() {
    let app = spawn_app().await;
    for authorization in [
        "Bearer garbage",
        "Bearer ",
        "Bearer",
        "Basic dXNlcjpwYXNz",
        "garbage",
    ] {
        let res = app
            .http
            .post(format!("{}/graphql", app.url))
            .header(header::AUTHORIZATION, authorization)
            .json(&json!({ "query": CLIENTS }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{authorization:?}");
        assert_eq!(header_of(&res, "www-authenticate"), "Bearer");
        let body = Gql(res.json().await.unwrap());
        assert_eq!(body.code(), "UNAUTHENTICATED", "{authorization:?}");
        assert!(body.0.get("data").is_none(), "{}", body.0);
    }
    // A real token with one character of its signature changed is refused just the same.
    let token = app.therapist();
    let at = token.rfind('.').unwrap() + 5;
    let swapped = if &token[at..=at] == "A" { "B" } else { "A" };
    let forged = format!("{}{swapped}{}", &token[..at], &token[at + 1..]);
    let res = post_raw(
        &app,
        Some("application/json"),
        Some(&forged),
        body_of(CLIENTS),
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn no_token_is_anonymous_and_may_not_list_clients() {
    let app = spawn_app().await;
    let res = post_raw(&app, Some("application/json"), None, body_of(CLIENTS)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let body = Gql(res.json().await.unwrap());
    assert_eq!(body.code(), "UNAUTHENTICATED");
    assert!(body.data("clients").is_null(), "{}", body.0);
    // The same query with a valid token answers.
    let ok = app
        .gql(Some(&app.therapist()), CLIENTS, json!({}))
        .await
        .ok();
    assert_eq!(ok.data("clients.totalCount"), 2);
}

async fn post_accepting(app: &TestApp, accept: Option<&str>, query: &str) -> Response {
    let mut req = app
        .http
        .post(format!("{}/graphql", app.url))
        .json(&json!({ "query": query }));
    if let Some(a) = accept {
        req = req.header(header::ACCEPT, a);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn the_response_type_is_negotiated_from_accept() {
    let app = spawn_app().await;
    let cases = [
        (
            Some("application/graphql-response+json"),
            "application/graphql-response+json",
        ),
        (Some("application/json"), "application/json"),
        (None, "application/json"),
        (Some("*/*"), "application/json"),
        (
            Some("application/graphql-response+json;q=0, application/json"),
            "application/json",
        ),
        (
            Some("text/html, application/graphql-response+json;q=0.9"),
            "application/graphql-response+json",
        ),
    ];
    for (accept, expected) in cases {
        let res = post_accepting(&app, accept, "{ __typename }").await;
        assert_eq!(res.status(), StatusCode::OK, "{accept:?}");
        assert_eq!(header_of(&res, "content-type"), expected, "{accept:?}");
        Gql(res.json().await.unwrap()).ok();
    }
}

#[tokio::test]
async fn a_document_that_cannot_run_is_400_only_for_graphql_response_json() {
    let app = spawn_app().await;
    let res = post_accepting(&app, Some("application/graphql-response+json"), "{ nope }").await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(Gql(res.json().await.unwrap()).code(), "BAD_USER_INPUT");
    let res = post_accepting(&app, Some("application/json"), "{ nope }").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(Gql(res.json().await.unwrap()).code(), "BAD_USER_INPUT");
}

#[tokio::test]
async fn healthz_and_readyz_answer_200() {
    let app = spawn_app().await;
    let health = app
        .http
        .get(format!("{}/healthz", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    assert_eq!(health.json::<Value>().await.unwrap()["status"], "ok");
    let ready = app
        .http
        .get(format!("{}/readyz", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
    assert_eq!(ready.json::<Value>().await.unwrap()["status"], "ready");
}

#[tokio::test]
async fn an_unknown_field_is_bad_user_input_without_suggestions() {
    let app = spawn_app().await;
    let res = app
        .gql(
            Some(&app.therapist()),
            "{ clientz { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(res.code(), "BAD_USER_INPUT");
    assert!(res.0["data"].is_null(), "{}", res.0);
    let message = res.0["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("clientz"), "{message}");
    assert!(!message.contains("Did you mean"), "{message}");
    assert!(!res.0.to_string().contains("\"clients\""), "{}", res.0);
}

#[tokio::test]
async fn with_introspection_on_an_unknown_field_gets_a_suggestion() {
    // The counterpart of the test above: the same query does draw a suggestion when
    // suggestions are on, so its absence there means they really are off.
    let app = spawn_app_with(|c| c.introspection = true).await;
    let res = app
        .gql(
            Some(&app.therapist()),
            "{ clientz { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(res.code(), "BAD_USER_INPUT");
    let message = res.0["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("Did you mean"), "{message}");
}

#[tokio::test]
async fn introspection_answers_only_when_configured() {
    const SCHEMA: &str = "{ __schema { queryType { name } } __type(name: \"Client\") { name } }";
    // Off by default: async-graphql answers null rather than an error, and names nothing.
    let app = spawn_app().await;
    let res = app.gql(None, SCHEMA, json!({})).await;
    assert!(res.data("__schema").is_null(), "{}", res.0);
    assert!(res.data("__type").is_null(), "{}", res.0);
    assert!(!res.0.to_string().contains("QueryRoot"), "{}", res.0);

    let app = spawn_app_with(|c| c.introspection = true).await;
    let res = app.gql(None, SCHEMA, json!({})).await.ok();
    assert_eq!(res.data("__schema.queryType.name"), "QueryRoot");
    assert_eq!(res.data("__type.name"), "Client");
}

/// graphql-js's `getIntrospectionQuery()`, what GraphiQL, Apollo tooling and codegen send
/// (provenance in `tests/fixtures/graphql/PROVENANCE.md`).
const STANDARD_INTROSPECTION: &str =
    include_str!("../fixtures/graphql/introspection-query.graphql");

#[tokio::test]
async fn the_standard_introspection_query_answers_in_full_under_the_default_limits() {
    let app = spawn_app_with(|c| c.introspection = true).await;
    let defaults = momentum_api::config::Config::default();
    assert_eq!(app.config.max_depth, defaults.max_depth);
    assert_eq!(app.config.max_fields, defaults.max_fields);
    assert_eq!(app.config.max_complexity, defaults.max_complexity);
    let res = app.gql(None, STANDARD_INTROSPECTION, json!({})).await.ok();
    assert_eq!(res.data("__schema.queryType.name"), "QueryRoot");
    assert_eq!(res.data("__schema.mutationType.name"), "MutationRoot");
    let types = res.data("__schema.types").as_array().unwrap();
    let client = types
        .iter()
        .find(|t| t["name"] == "Client")
        .expect("Client");
    assert!(client["fields"].as_array().unwrap().len() > 10, "{client}");
    // Deep wrappers come through: `[Goal!]!` is NON_NULL > LIST > NON_NULL > OBJECT.
    let goals = client["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "goals")
        .expect("Client.goals");
    assert_eq!(
        goals["type"]["ofType"]["ofType"]["ofType"]["name"], "Goal",
        "{goals}"
    );
}

#[tokio::test]
async fn with_introspection_off_the_standard_introspection_query_reveals_nothing() {
    let app = spawn_app().await;
    let res = app.gql(None, STANDARD_INTROSPECTION, json!({})).await;
    assert!(res.data("__schema").is_null(), "{}", res.0);
    assert!(!res.0.to_string().contains("MutationRoot"), "{}", res.0);
}

#[tokio::test]
async fn an_unusable_database_is_503_service_unavailable_with_retry_after_and_recovers() {
    let app = spawn_app_with(|c| c.db_wait = std::time::Duration::from_millis(500)).await;
    let token = app.therapist();
    let before = app.count("client").await;
    let outage = app.start_outage().await;
    let started = std::time::Instant::now();
    let res = post_raw(
        &app,
        Some("application/json"),
        Some(&token),
        body_of(CREATE),
    )
    .await;
    let waited = started.elapsed();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(header_of(&res, "retry-after"), "2");
    let body = Gql(res.json().await.unwrap());
    assert_eq!(body.code(), "SERVICE_UNAVAILABLE", "{}", body.0);
    assert!(body.0["errors"][0]["extensions"]["requestId"].is_string());
    // The configured wait (500 ms), not the old 10 s, bounds the answer (generously).
    assert!(waited < std::time::Duration::from_secs(5), "{waited:?}");
    if app.config.is_postgres() {
        // No connection at all: reads fail alike, and the server is not ready.
        let res = post_raw(
            &app,
            Some("application/json"),
            Some(&token),
            body_of(CLIENTS),
        )
        .await;
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
        let ready = app
            .http
            .get(format!("{}/readyz", app.url))
            .send()
            .await
            .unwrap();
        assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    }
    outage.end().await;
    // The pool reconnects by itself: the same request then succeeds.
    eventually("the server to recover", || async {
        post_raw(
            &app,
            Some("application/json"),
            Some(&token),
            body_of(CREATE),
        )
        .await
        .status()
            == StatusCode::OK
    })
    .await;
    let ready = app
        .http
        .get(format!("{}/readyz", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
    // The test's own pool lost its connections too: let it drop the broken ones first.
    eventually("the test's pool to reconnect", || async {
        app.db.ping().await.is_ok()
    })
    .await;
    for _ in 0..app.config.db_pool_size {
        app.db.ping().await.ok();
    }
    // The refused create wrote nothing; the one that succeeded wrote one client.
    assert_eq!(app.count("client").await, before + 1);
}

#[tokio::test]
async fn an_answer_over_the_response_cap_is_422_limit_exceeded_without_the_data() {
    let app = spawn_app_with(|c| c.max_response_bytes = 2048).await;
    let token = app.therapist();
    // Small answers pass.
    app.gql(
        Some(&token),
        "{ clients(first: 1) { totalCount } }",
        json!({}),
    )
    .await
    .ok();
    // The same clients, asked for with every detail a few times over, do not fit in 2 KiB.
    let big = format!(
        "{{ {} }}",
        (0..8)
            .map(|i| format!("c{i}: clients(first: 10) {{ nodes {{ id displayName timezone createdAt updatedAt careTeam {{ id displayName }} }} }}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let res = post_raw(&app, Some("application/json"), Some(&token), body_of(&big)).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "LIMIT_EXCEEDED",
        "{body}"
    );
    assert!(body.get("data").is_none(), "{body}");
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("2048"), "{message}");
}

#[tokio::test]
async fn a_request_past_its_deadline_is_422_limit_exceeded() {
    // A deadline no request that reads the database can meet: it is stopped at its first
    // wait, while one that needs no database answers.
    let app = spawn_app_with(|c| c.request_timeout = std::time::Duration::from_nanos(1)).await;
    let token = app.therapist();
    let res = post_raw(
        &app,
        Some("application/json"),
        Some(&token),
        body_of("{ clients(first: 5) { totalCount nodes { id goals { title } } } }"),
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = Gql(res.json().await.unwrap());
    assert_eq!(body.code(), "LIMIT_EXCEEDED", "{}", body.0);
    assert!(body.0.get("data").is_none(), "{}", body.0);
    app.gql(Some(&token), "{ __typename }", json!({}))
        .await
        .ok();
}
