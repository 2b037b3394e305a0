//! Subscriptions over `/graphql/ws`: both protocols, the token in `connection_init`,
//! live delivery, replay after reconnect with no gap or duplicate, scope, and closing the
//! socket when the token is bad or expires.

use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream, connect_async,
    tungstenite::{Message, client::IntoClientRequest as _, protocol::frame::coding::CloseCode},
};
use uuid::Uuid;

use crate::helpers::*;

pub(crate) type Ws = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

const EVENTS: &str = "subscription($clientId: ID, $kinds: [EventKind!], $after: String) {
    progressEvents(clientId: $clientId, kinds: $kinds, after: $after) {
        cursor kind clientId entityId actorRole payload } }";

async fn connect(app: &TestApp, protocol: &str) -> Ws {
    let url = format!("{}/graphql/ws", app.url.replacen("http", "ws", 1));
    let mut req = url.into_client_request().unwrap();
    req.headers_mut()
        .insert("Sec-WebSocket-Protocol", protocol.parse().unwrap());
    let (ws, res) = connect_async(req).await.unwrap();
    assert_eq!(
        res.headers()["sec-websocket-protocol"].to_str().unwrap(),
        protocol
    );
    ws
}

async fn send(ws: &mut Ws, msg: Value) {
    ws.send(Message::Text(msg.to_string().into()))
        .await
        .unwrap();
}

/// The next JSON message (keep-alives skipped), or the close frame's code.
async fn next(ws: &mut Ws) -> Result<Value, Option<CloseCode>> {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("a message within 10 s");
        match msg {
            Some(Ok(Message::Text(t))) => {
                let v: Value = serde_json::from_str(&t).unwrap();
                if v["type"] == "ka" || v["type"] == "ping" {
                    continue;
                }
                return Ok(v);
            }
            Some(Ok(Message::Close(frame))) => return Err(frame.map(|f| f.code)),
            Some(Ok(_)) => continue,
            None | Some(Err(_)) => return Err(None),
        }
    }
}

/// The position of now, to subscribe from without a race against what follows.
async fn now(app: &TestApp, token: &str) -> String {
    let res = app
        .gql(Some(token), "{ progressCursor }", json!({}))
        .await
        .ok();
    res.data("progressCursor").as_str().unwrap().to_owned()
}

/// Subscribes from now (`after` = the current cursor unless the variables give one).
pub(crate) async fn subscribe(app: &TestApp, token: &str, mut variables: Value) -> Ws {
    if variables.get("after").is_none() {
        variables["after"] = json!(now(app, token).await);
    }
    open(app, token, variables).await
}

/// Connects with `graphql-transport-ws`, authenticates and subscribes.
async fn open(app: &TestApp, token: &str, variables: Value) -> Ws {
    let mut ws = connect(app, "graphql-transport-ws").await;
    send(
        &mut ws,
        json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {token}") } }),
    )
    .await;
    assert_eq!(next(&mut ws).await.unwrap()["type"], "connection_ack");
    send(
        &mut ws,
        json!({ "id": "1", "type": "subscribe", "payload": { "query": EVENTS, "variables": variables } }),
    )
    .await;
    ws
}

/// The error code a subscription was refused with (sent as a `next` carrying `errors`, then
/// `complete`).
fn refused(msg: &Value) -> String {
    assert_eq!(msg["type"], "next", "{msg}");
    assert_eq!(msg["payload"]["data"], Value::Null, "{msg}");
    msg["payload"]["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// The next event of subscription 1.
pub(crate) async fn event(ws: &mut Ws) -> Value {
    let msg = next(ws).await.unwrap();
    assert_eq!(msg["type"], "next", "{msg}");
    msg["payload"]["data"]["progressEvents"].clone()
}

async fn mood(app: &TestApp, token: &str, client_id: Uuid) -> String {
    let res = app
        .gql(
            Some(token),
            "query($id: ID!) { client(id: $id) { trackers { id kind } } }",
            json!({ "id": client_id }),
        )
        .await
        .ok();
    res.data("client.trackers.0.id")
        .as_str()
        .unwrap()
        .to_owned()
}

/// Logs a mood entry; returns its id.
async fn log(app: &TestApp, token: &str, tracker: &str, value: i32) -> String {
    let res = app
        .gql(
            Some(token),
            "mutation($input: LogEntryInput!) { logEntry(input: $input) { entry { id } } }",
            json!({ "input": { "trackerId": tracker, "value": value,
                "recordedAt": chrono::Utc::now().to_rfc3339() } }),
        )
        .await
        .ok();
    res.data("logEntry.entry.id").as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_subscriber_receives_progress_as_it_happens() {
    let app = spawn_app().await;
    let c = app.client();
    let client = app.a.client_ids[0];
    let tracker = mood(&app, &c, client).await;
    let mut ws = subscribe(&app, &app.therapist(), json!({ "clientId": client })).await;
    let entry = log(&app, &c, &tracker, 7).await;
    let e = event(&mut ws).await;
    assert_eq!(e["kind"], "ENTRY_LOGGED");
    assert_eq!(e["clientId"], client.to_string());
    assert_eq!(e["entityId"], entry);
    assert_eq!(e["actorRole"], "CLIENT");
    assert!(e["cursor"].as_str().is_some_and(|c| !c.is_empty()));
}

#[tokio::test]
async fn the_legacy_graphql_ws_protocol_works_too() {
    let app = spawn_app().await;
    let c = app.client();
    let client = app.a.client_ids[0];
    let tracker = mood(&app, &c, client).await;
    let mut ws = connect(&app, "graphql-ws").await;
    send(
        &mut ws,
        json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {c}") } }),
    )
    .await;
    assert_eq!(next(&mut ws).await.unwrap()["type"], "connection_ack");
    send(
        &mut ws,
        json!({ "id": "1", "type": "start", "payload": { "query": EVENTS,
            "variables": { "after": now(&app, &c).await } } }),
    )
    .await;
    log(&app, &c, &tracker, 4).await;
    let msg = next(&mut ws).await.unwrap();
    assert_eq!(msg["type"], "data", "{msg}");
    assert_eq!(
        msg["payload"]["data"]["progressEvents"]["kind"],
        "ENTRY_LOGGED"
    );
}

#[tokio::test]
async fn a_missing_or_bad_token_closes_the_socket_with_4401() {
    let app = spawn_app().await;
    for payload in [
        json!({}),
        json!({ "authorization": "Bearer not-a-token" }),
        json!({ "authorization": format!("Bearer {}x", app.therapist()) }),
    ] {
        let mut ws = connect(&app, "graphql-transport-ws").await;
        send(
            &mut ws,
            json!({ "type": "connection_init", "payload": payload }),
        )
        .await;
        assert_eq!(
            next(&mut ws).await,
            Err(Some(CloseCode::Library(4401))),
            "{payload}"
        );
    }
    // The legacy protocol too.
    let mut ws = connect(&app, "graphql-ws").await;
    send(&mut ws, json!({ "type": "connection_init", "payload": {} })).await;
    let mut closed = None;
    for _ in 0..3 {
        if let Err(code) = next(&mut ws).await {
            closed = code;
            break;
        }
    }
    assert_eq!(closed, Some(CloseCode::Library(4401)));
}

#[tokio::test]
async fn the_socket_closes_when_the_token_expires() {
    let app = spawn_app_with(|c| c.access_token_ttl = Duration::from_secs(2)).await;
    let mut ws = subscribe(&app, &app.therapist(), json!({})).await;
    let started = std::time::Instant::now();
    let closed = loop {
        match next(&mut ws).await {
            Ok(_) => continue,
            Err(code) => break code,
        }
    };
    assert_eq!(closed, Some(CloseCode::Library(4401)));
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn other_clients_and_practices_events_never_arrive() {
    let app = spawn_app().await;
    let c = app.client();
    let c2 = app.client2();
    let mine = mood(&app, &c, app.a.client_ids[0]).await;
    let theirs = mood(&app, &c2, app.a.client_ids[2]).await;
    // A therapist asking for a client outside their care team by id gets NOT_FOUND.
    let mut ws = subscribe(
        &app,
        &app.therapist2(),
        json!({ "clientId": app.a.client_ids[0] }),
    )
    .await;
    assert_eq!(refused(&next(&mut ws).await.unwrap()), "NOT_FOUND");
    // So does another practice's therapist.
    let mut ws = subscribe(
        &app,
        &app.other_practice_therapist(),
        json!({ "clientId": app.a.client_ids[0] }),
    )
    .await;
    assert_eq!(refused(&next(&mut ws).await.unwrap()), "NOT_FOUND");

    // Client 1 follows everything they may: only their own events come.
    let mut ws = subscribe(&app, &c, json!({})).await;
    let mut other_practice = subscribe(&app, &app.other_practice_therapist(), json!({})).await;
    log(&app, &c2, &theirs, 3).await;
    let own = log(&app, &c, &mine, 8).await;
    let e = event(&mut ws).await;
    assert_eq!(
        e["entityId"], own,
        "the other client's entry must not arrive first"
    );
    assert_eq!(e["clientId"], app.a.client_ids[0].to_string());
    // Nothing reaches the other practice.
    let quiet = tokio::time::timeout(Duration::from_millis(500), other_practice.next()).await;
    assert!(quiet.is_err(), "another practice received {quiet:?}");
}

#[tokio::test]
async fn a_reconnecting_subscriber_gets_what_it_missed_once_and_then_live_events() {
    let app = spawn_app().await;
    let c = app.client();
    let client = app.a.client_ids[0];
    let tracker = mood(&app, &c, client).await;
    let t = app.therapist();
    let mut ws = subscribe(&app, &t, json!({ "kinds": ["ENTRY_LOGGED"] })).await;
    let first = log(&app, &c, &tracker, 1).await;
    let e = event(&mut ws).await;
    assert_eq!(e["entityId"], first);
    let cursor = e["cursor"].as_str().unwrap().to_owned();
    drop(ws);

    // Missed while away.
    let missed = [
        log(&app, &c, &tracker, 2).await,
        log(&app, &c, &tracker, 3).await,
    ];
    let mut ws = subscribe(
        &app,
        &t,
        json!({ "kinds": ["ENTRY_LOGGED"], "after": cursor }),
    )
    .await;
    let replayed = [event(&mut ws).await, event(&mut ws).await];
    assert_eq!(
        replayed
            .iter()
            .map(|e| e["entityId"].clone())
            .collect::<Vec<_>>(),
        missed
    );
    // Then live, with nothing repeated.
    let live = log(&app, &c, &tracker, 4).await;
    assert_eq!(event(&mut ws).await["entityId"], live);
    let quiet = tokio::time::timeout(Duration::from_millis(500), ws.next()).await;
    assert!(quiet.is_err(), "unexpected extra message {quiet:?}");
}

#[tokio::test]
async fn integrators_need_events_read() {
    let app = spawn_app().await;
    use momentum_api::auth::Scope;
    let without = app.integrator(&app.a, &[Scope::ClinicalRead]).await;
    let mut ws = subscribe(&app, &without, json!({})).await;
    assert_eq!(refused(&next(&mut ws).await.unwrap()), "FORBIDDEN");

    let with = app.integrator(&app.a, &[Scope::EventsRead]).await;
    let mut ws = subscribe(&app, &with, json!({})).await;
    let c = app.client();
    let tracker = mood(&app, &c, app.a.client_ids[0]).await;
    let entry = log(&app, &c, &tracker, 5).await;
    assert_eq!(event(&mut ws).await["entityId"], entry);
}

#[tokio::test]
async fn a_graceful_shutdown_closes_sockets_with_going_away_and_stops_accepting() {
    let app = spawn_app().await;
    let mut ws = subscribe(&app, &app.therapist(), json!({})).await;
    let stopper = app.stopper.clone().expect("a served app");
    let stopping = tokio::spawn(async move { stopper.stop().await });
    let closed = loop {
        match next(&mut ws).await {
            Ok(_) => continue,
            Err(code) => break code,
        }
    };
    assert_eq!(closed, Some(CloseCode::Away));
    tokio::time::timeout(Duration::from_secs(30), stopping)
        .await
        .expect("the server stops")
        .unwrap();
    let refused = app
        .http
        .post(format!("{}/graphql", app.url))
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await;
    assert!(refused.is_err(), "still accepting: {refused:?}");
}

#[tokio::test]
async fn an_event_resolves_the_record_it_is_about() {
    let app = spawn_app().await;
    let t = app.therapist();
    let client = app.a.client_ids[0];
    let mut ws = connect(&app, "graphql-transport-ws").await;
    send(
        &mut ws,
        json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {t}") } }),
    )
    .await;
    assert_eq!(next(&mut ws).await.unwrap()["type"], "connection_ack");
    send(
        &mut ws,
        json!({ "id": "1", "type": "subscribe", "payload": {
            "query": "subscription($after: String) { progressEvents(after: $after, kinds: [GOAL_CREATED]) {
                kind goal { id title } homework { id } client { displayName } } }",
            "variables": { "after": now(&app, &t).await } } }),
    )
    .await;
    let goal = crate::fixtures::goal_id(&app, &t, client, crate::fixtures::walking_goal()).await;
    let e = event(&mut ws).await;
    assert_eq!(e["kind"], "GOAL_CREATED");
    assert_eq!(e["goal"]["id"], goal);
    assert!(e["goal"]["title"].as_str().is_some_and(|t| !t.is_empty()));
    assert_eq!(e["homework"], Value::Null);
    assert_eq!(e["client"]["displayName"], "Casey Morgan");
}

/// Logs one mood entry per value in one `logEntries` call (one commit); returns the ids.
async fn log_many(app: &TestApp, token: &str, tracker: &str, n: usize) -> Vec<String> {
    let ids: Vec<String> = (0..n).map(|_| Uuid::now_v7().to_string()).collect();
    let entries: Vec<Value> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            json!({ "id": id, "trackerId": tracker, "value": i % 11,
                "recordedAt": chrono::Utc::now().to_rfc3339() })
        })
        .collect();
    let res = app
        .gql(
            Some(token),
            "mutation($input: LogEntriesInput!) { logEntries(input: $input) { created } }",
            json!({ "input": { "entries": entries } }),
        )
        .await
        .ok();
    assert_eq!(res.data("logEntries.created"), n);
    ids
}

/// Nothing more arrives for half a second.
async fn quiet(ws: &mut Ws) {
    let more = tokio::time::timeout(Duration::from_millis(500), ws.next()).await;
    assert!(more.is_err(), "unexpected extra message {more:?}");
}

#[tokio::test]
async fn a_therapist_follows_a_client_from_joining_their_care_team_until_leaving_it() {
    let app = spawn_app().await;
    let c = app.client();
    let (joined, own) = (app.a.client_ids[0], app.a.client_ids[2]);
    let tracker = mood(&app, &c, joined).await;
    let own_tracker = mood(&app, &app.client2(), own).await;
    let t2 = app.therapist2();
    // Every client therapist 2 may follow, which is not yet client 0. Scope is read when
    // the stream starts: wait for it to be live before client 0's first entry.
    let mut ws = subscribe(&app, &t2, json!({})).await;
    let mine = log(&app, &app.client2(), &own_tracker, 0).await;
    assert_eq!(event(&mut ws).await["entityId"], mine);
    log(&app, &c, &tracker, 1).await;

    let add = "mutation($c: ID!, $t: ID!) { addToCareTeam(input: {clientId: $c, therapistId: $t}) { client { id } } }";
    let remove = "mutation($c: ID!, $t: ID!) { removeFromCareTeam(input: {clientId: $c, therapistId: $t}) { client { id } } }";
    let team = json!({ "c": joined, "t": app.a.therapist_ids[1] });
    app.gql(Some(&app.therapist()), add, team.clone())
        .await
        .ok();
    let e = event(&mut ws).await;
    assert_eq!(
        (e["kind"].as_str(), e["clientId"].as_str()),
        (
            Some("CARE_TEAM_MEMBER_ADDED"),
            Some(joined.to_string().as_str())
        ),
        "the entry logged before joining must not arrive: {e}"
    );
    let entry = log(&app, &c, &tracker, 2).await;
    assert_eq!(event(&mut ws).await["entityId"], entry);

    app.gql(Some(&app.admin()), remove, team).await.ok();
    log(&app, &c, &tracker, 3).await;
    // The next event is therapist 2's own client's: nothing of client 0 came between.
    let mine = log(&app, &app.client2(), &own_tracker, 4).await;
    let e = event(&mut ws).await;
    assert_eq!(e["entityId"], mine, "after leaving the care team: {e}");
    quiet(&mut ws).await;
}

#[tokio::test]
async fn a_client_never_receives_alert_events_and_their_therapist_does() {
    let app = spawn_app().await;
    let c = app.client();
    let client = app.a.client_ids[0];
    let mut own = subscribe(&app, &c, json!({})).await;
    let mut team = subscribe(&app, &app.therapist(), json!({ "clientId": client })).await;
    // PHQ-9 with item 9 above zero raises a SAFETY alert in the same commit.
    app.gql(
        Some(&c),
        "mutation($input: SubmitMeasureInput!) { submitMeasure(input: $input) { measure { id } } }",
        json!({ "input": { "clientId": client, "instrument": "PHQ9",
            "answers": [1, 1, 1, 1, 1, 1, 1, 1, 2] } }),
    )
    .await
    .ok();
    assert_eq!(event(&mut own).await["kind"], "MEASURE_SUBMITTED");
    let kinds = [event(&mut team).await, event(&mut team).await].map(|e| e["kind"].clone());
    assert!(kinds.contains(&json!("ALERT_RAISED")), "{kinds:?}");
    assert!(kinds.contains(&json!("MEASURE_SUBMITTED")), "{kinds:?}");
    // The alert never reaches the client: their next event is their next entry.
    let tracker = mood(&app, &c, client).await;
    let entry = log(&app, &c, &tracker, 5).await;
    assert_eq!(event(&mut own).await["entityId"], entry);
}

#[tokio::test]
async fn resuming_while_writes_continue_delivers_every_event_exactly_once() {
    let app = std::sync::Arc::new(spawn_app().await);
    let c = app.client();
    let t = app.therapist();
    let client = app.a.client_ids[0];
    let tracker = mood(&app, &c, client).await;
    let from = now(&app, &t).await;
    // Two writers at once, so on PostgreSQL transactions overlap and commit out of order.
    let writers: Vec<_> = (0..2)
        .map(|w| {
            let (app, c, tracker) = (app.clone(), c.clone(), tracker.clone());
            tokio::spawn(async move {
                let mut ids = Vec::new();
                for i in 0..20 {
                    ids.push(log(&app, &c, &tracker, (w * 5 + i) % 11).await);
                }
                ids
            })
        })
        .collect();
    let filter =
        |after: &str| json!({ "clientId": client, "kinds": ["ENTRY_LOGGED"], "after": after });
    // Starts in the past while the writers run: replay, then the hub.
    let mut ws = subscribe(&app, &t, filter(&from)).await;
    let mut got = Vec::new();
    let mut cursor = String::new();
    for _ in 0..15 {
        let e = event(&mut ws).await;
        cursor = e["cursor"].as_str().unwrap().to_owned();
        got.push(e["entityId"].as_str().unwrap().to_owned());
    }
    // Reconnect from the last cursor received, still while writes go on.
    drop(ws);
    let mut ws = subscribe(&app, &t, filter(&cursor)).await;
    for _ in 15..40 {
        got.push(
            event(&mut ws).await["entityId"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let mut written = Vec::new();
    for w in writers {
        written.extend(w.await.unwrap());
    }
    quiet(&mut ws).await;
    let unique: std::collections::HashSet<_> = got.iter().collect();
    assert_eq!(unique.len(), got.len(), "duplicates in {got:?}");
    written.sort();
    got.sort();
    assert_eq!(got, written);
}

#[tokio::test]
async fn a_subscriber_that_falls_behind_the_shared_reader_replays_what_it_missed() {
    // A buffer of one: a commit of twenty events leaves the subscriber behind at once.
    let app = spawn_app_with(|c| c.event_buffer = 1).await;
    let c = app.client();
    let client = app.a.client_ids[0];
    let tracker = mood(&app, &c, client).await;
    let mut ws = subscribe(
        &app,
        &app.therapist(),
        json!({ "clientId": client, "kinds": ["ENTRY_LOGGED"] }),
    )
    .await;
    // Live first, so the batch reaches it through the shared reader.
    let first = log(&app, &c, &tracker, 1).await;
    assert_eq!(event(&mut ws).await["entityId"], first);
    let batch = log_many(&app, &c, &tracker, 20).await;
    let mut got = Vec::new();
    for _ in 0..20 {
        got.push(
            event(&mut ws).await["entityId"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    assert_eq!(got, batch);
    // And on live, with nothing repeated.
    let last = log(&app, &c, &tracker, 2).await;
    assert_eq!(event(&mut ws).await["entityId"], last);
    quiet(&mut ws).await;
}

#[tokio::test]
async fn resuming_from_a_cursor_past_the_retention_is_refused_with_bad_user_input() {
    use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _, sea_query::Expr};
    let app = spawn_app().await;
    let c = app.client();
    let client = app.a.client_ids[0];
    let tracker = mood(&app, &c, client).await;
    let t = app.therapist();
    let mut ws = subscribe(&app, &t, json!({ "kinds": ["ENTRY_LOGGED"] })).await;
    let first = log(&app, &c, &tracker, 1).await;
    let cursor = event(&mut ws).await["cursor"].as_str().unwrap().to_owned();
    drop(ws);
    // Missed while away, then recorded so long ago that retention deletes it.
    let missed = log(&app, &c, &tracker, 2).await;
    entity::event::Entity::update_many()
        .col_expr(
            entity::event::Column::CreatedAt,
            Expr::value(chrono::Utc::now() - chrono::TimeDelta::days(40)),
        )
        .filter(entity::event::Column::EntityId.eq(Uuid::parse_str(&missed).unwrap()))
        .exec(&app.db)
        .await
        .unwrap();
    let keep = Duration::from_secs(30 * 24 * 3600);
    let pruned = momentum_api::events::retention::prune(
        &app.db,
        keep,
        &[momentum_api::webhooks::worker::CURSOR_NAME],
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(pruned.events, 1);

    let mut ws = open(
        &app,
        &t,
        json!({ "kinds": ["ENTRY_LOGGED"], "after": cursor }),
    )
    .await;
    let msg = next(&mut ws).await.unwrap();
    assert_eq!(refused(&msg), "BAD_USER_INPUT");
    assert_eq!(msg["payload"]["errors"][0]["extensions"]["field"], "after");
    assert_ne!(first, missed);
}
