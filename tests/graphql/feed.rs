//! The event feed that subscriptions and webhooks will read: resumable from any cursor with
//! no gap and no duplicate, and on PostgreSQL holding back events of a transaction that
//! started earlier until it commits (so a later, already committed event is not read past it).

use momentum_api::events::{
    self, EventKind, NewEvent,
    feed::{self, Cursor},
};
use sea_orm::{Condition, TransactionTrait as _};
use serde_json::json;
use uuid::Uuid;

use crate::helpers::*;

fn everything() -> Condition {
    Condition::all()
}

async fn append(conn: &impl sea_orm::ConnectionTrait, practice_id: Uuid, n: i64) -> Uuid {
    let entity_id = Uuid::now_v7();
    events::append(
        conn,
        None,
        NewEvent {
            practice_id,
            client_id: None,
            kind: EventKind::ClientUpdated,
            entity_id,
            payload: json!({ "n": n }),
        },
    )
    .await
    .unwrap();
    entity_id
}

/// Reads on from `cursor` in pages of `limit` until `want` events came (or 10 seconds
/// passed: on PostgreSQL, transactions of other tests' databases on the same server hold
/// the horizon back for a moment), then once more to show that nothing else follows.
async fn drain(
    app: &TestApp,
    mut cursor: Cursor,
    limit: u64,
    want: usize,
) -> (Vec<(Uuid, Cursor)>, Cursor) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut out = Vec::new();
    loop {
        let (rows, next) = feed::read(&app.db, everything(), cursor, limit)
            .await
            .unwrap();
        let empty = rows.is_empty();
        out.extend(rows.into_iter().map(|(e, c)| (e.entity_id, c)));
        cursor = next;
        if empty && (out.len() >= want || std::time::Instant::now() > deadline) {
            return (out, cursor);
        }
        if empty {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }
}

#[tokio::test]
async fn the_feed_reads_new_events_in_order_and_resumes_from_any_cursor() {
    let app = spawn_app().await;
    let start = feed::now(&app.db).await.unwrap();
    let mut written = Vec::new();
    for n in 0..7 {
        written.push(append(&app.db, app.a.practice_id, n).await);
    }
    let (read, end) = drain(&app, start, 3, 7).await;
    let ids: Vec<Uuid> = read.iter().map(|(id, _)| *id).collect();
    assert_eq!(ids, written);
    // From each event's cursor, exactly the events after it.
    for (i, (_, cursor)) in read.iter().enumerate() {
        let (rest, _) = drain(&app, *cursor, 2, 6 - i).await;
        let rest: Vec<Uuid> = rest.into_iter().map(|(id, _)| id).collect();
        assert_eq!(rest, written[i + 1..], "after event {i}");
    }
    // Nothing new: nothing read.
    let (again, end) = drain(&app, end, 5, 0).await;
    assert!(again.is_empty());
    // A write through the API shows up too.
    let t = app.therapist();
    app.gql(
        Some(&t),
        "mutation($input: CreateTrackerInput!) { createTracker(input: $input) { tracker { id } } }",
        json!({ "input": { "clientId": app.a.client_ids[0], "name": "Walks", "valueType": "COUNT" } }),
    )
    .await
    .ok();
    let (after_api, _) = drain(&app, end, 10, 1).await;
    assert_eq!(after_api.len(), 1);
    let kinds = app.event_kinds(app.a.client_ids[0]).await;
    assert_eq!(kinds.last().map(String::as_str), Some("TRACKER_CREATED"));
}

// SQLite admits one writer at a time, so there sequence order is commit order.
#[tokio::test]
#[ignore = "needs PostgreSQL: .ci/run runs it with MOMENTUM_TEST_DATABASE_URL"]
async fn on_postgres_an_earlier_transaction_still_running_holds_back_later_events() {
    let app = spawn_app().await;
    require_postgres(&app);
    let start = feed::now(&app.db).await.unwrap();
    // A starts first and takes the lower sequence, but commits last.
    let slow = app.db.begin().await.unwrap();
    let first = append(&slow, app.a.practice_id, 1).await;
    let second = append(&app.db, app.a.practice_id, 2).await;
    let (read, cursor) = feed::read(&app.db, everything(), start, 10).await.unwrap();
    assert!(
        read.is_empty(),
        "nothing may be read past a running transaction: {read:?}"
    );
    slow.commit().await.unwrap();
    let (read, _) = drain(&app, cursor, 10, 2).await;
    let ids: Vec<Uuid> = read.iter().map(|(id, _)| *id).collect();
    assert_eq!(ids, [first, second]);
    // Resuming from between the two gives the second only.
    let (rest, _) = drain(&app, read[0].1, 10, 1).await;
    assert_eq!(rest.iter().map(|(id, _)| *id).collect::<Vec<_>>(), [second]);
}

#[tokio::test]
async fn a_committed_write_wakes_readers_in_the_process() {
    let app = spawn_app().await;
    let mut bus = events::bus::subscribe();
    bus.borrow_and_update();
    let t = app.therapist();
    app.gql(
        Some(&t),
        "mutation($input: CreateTrackerInput!) { createTracker(input: $input) { tracker { id } } }",
        json!({ "input": { "clientId": app.a.client_ids[0], "name": "Walks", "valueType": "COUNT" } }),
    )
    .await
    .ok();
    tokio::time::timeout(std::time::Duration::from_secs(2), bus.changed())
        .await
        .expect("woken within 2 s")
        .unwrap();
}

#[tokio::test]
#[ignore = "needs PostgreSQL: .ci/run runs it with MOMENTUM_TEST_DATABASE_URL"]
async fn on_postgres_committed_events_notify_every_listening_process() {
    use std::sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    };
    let app = spawn_app().await;
    require_postgres(&app);
    // A listener of its own, as another server process would run it.
    let heard = Arc::new(AtomicUsize::new(0));
    let counter = heard.clone();
    let pool = app.db.get_postgres_connection_pool().clone();
    let listener = tokio::spawn(events::bus::listen_postgres(pool, move || {
        counter.fetch_add(1, Ordering::SeqCst);
    }));
    let wait_for = |n: usize| {
        let heard = heard.clone();
        async move {
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(1);
            while heard.load(Ordering::SeqCst) < n {
                assert!(
                    std::time::Instant::now() < deadline,
                    "no notification within 1 s"
                );
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
        }
    };
    // Once on connecting.
    wait_for(1).await;
    // A rolled-back write notifies nobody; a committed one does, within a second. PostgreSQL
    // delivers notifications in commit order, so once the committed write's has arrived,
    // one from the rolled-back write would have arrived before it: no waiting for nothing.
    let txn = app.db.begin().await.unwrap();
    append(&txn, app.a.practice_id, 1).await;
    txn.rollback().await.unwrap();
    let t = app.therapist();
    app.gql(
        Some(&t),
        "mutation($input: CreateTrackerInput!) { createTracker(input: $input) { tracker { id } } }",
        json!({ "input": { "clientId": app.a.client_ids[0], "name": "Walks", "valueType": "COUNT" } }),
    )
    .await
    .ok();
    wait_for(2).await;
    assert_eq!(
        heard.load(Ordering::SeqCst),
        2,
        "the rolled-back write notified"
    );
    listener.abort();
}

#[tokio::test]
async fn events_past_the_retention_are_deleted_and_cursors_behind_them_have_expired() {
    use momentum_api::events::retention;
    use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _, sea_query::Expr};
    let app = spawn_app().await;
    let before = feed::now(&app.db).await.unwrap();
    let old = append(&app.db, app.a.practice_id, 1).await;
    let recent = append(&app.db, app.a.practice_id, 2).await;
    // Recorded 40 days ago.
    entity::event::Entity::update_many()
        .col_expr(
            entity::event::Column::CreatedAt,
            Expr::value(chrono::Utc::now() - chrono::TimeDelta::days(40)),
        )
        .filter(entity::event::Column::EntityId.eq(old))
        .exec(&app.db)
        .await
        .unwrap();
    let (read, after) = drain(&app, before, 100, 2).await;
    assert_eq!(read.len(), 2);
    assert!(!retention::expired(&app.db, &before).await.unwrap());

    let keep = std::time::Duration::from_secs(30 * 24 * 3600);
    let pruned = retention::prune(
        &app.db,
        keep,
        &[momentum_api::webhooks::worker::CURSOR_NAME],
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(pruned.events, 1);
    let left = |id: Uuid| {
        let db = app.db.clone();
        async move {
            entity::event::Entity::find()
                .filter(entity::event::Column::EntityId.eq(id))
                .all(&db)
                .await
                .unwrap()
                .len()
        }
    };
    assert_eq!(left(old).await, 0);
    assert_eq!(left(recent).await, 1);
    // Resuming from before the deleted event could miss it; from after it cannot.
    assert!(retention::expired(&app.db, &before).await.unwrap());
    assert!(!retention::expired(&app.db, &after).await.unwrap());
    // Nothing more to do.
    let again = retention::prune(
        &app.db,
        keep,
        &[momentum_api::webhooks::worker::CURSOR_NAME],
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(again.events, 0);
}

#[tokio::test]
async fn a_reader_catches_up_exactly_with_another_readers_position() {
    let app = spawn_app().await;
    let ids = |rows: &[(Uuid, Cursor)]| rows.iter().map(|(id, _)| *id).collect::<Vec<_>>();
    let start = feed::now(&app.db).await.unwrap();
    let mut written = Vec::new();
    for n in 0..3 {
        written.push(append(&app.db, app.a.practice_id, n).await);
    }
    // The leader (as the process's shared reader does) reads the first three, then two of
    // four more: on PostgreSQL it stops in the middle of a window.
    let (first, mut lead) = drain(&app, start, 10, 3).await;
    for n in 3..7 {
        written.push(append(&app.db, app.a.practice_id, n).await);
    }
    let mut led = ids(&first);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while led.len() < 5 && std::time::Instant::now() < deadline {
        let (rows, next) = feed::read(&app.db, everything(), lead, 5 - led.len() as u64)
            .await
            .unwrap();
        lead = next;
        if rows.is_empty() {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        led.extend(rows.into_iter().map(|(e, _)| e.entity_id));
    }
    assert_eq!(led, written[..5]);

    // A follower from the start, or from its second event, reading in pages of two, ends
    // exactly at the leader's position, with the leader's events and no others.
    for (from, skip) in [(start, 0), (first[1].1, 2)] {
        assert!(from.reaches(lead));
        let mut at = from;
        let mut followed = Vec::new();
        while at != lead {
            let (rows, next) = feed::read_until(&app.db, everything(), at, lead, 2)
                .await
                .unwrap();
            assert!(next != at, "no progress from {at:?} towards {lead:?}");
            followed.extend(rows.into_iter().map(|(e, _)| e.entity_id));
            at = next;
        }
        assert_eq!(followed, written[skip..5]);
    }
    // Going on from the leader's position gives the rest, once.
    let (rest, _) = drain(&app, lead, 10, 2).await;
    assert_eq!(ids(&rest), written[5..]);

    // A position ahead of the leader cannot be caught up to: nothing is read.
    let ahead = feed::now(&app.db).await.unwrap();
    assert!(!ahead.reaches(lead));
    let (rows, at) = feed::read_until(&app.db, everything(), ahead, lead, 10)
        .await
        .unwrap();
    assert!(rows.is_empty());
    assert_eq!(at, ahead);
}
