//! Which events a viewer may follow, and the stream of them.

use std::collections::VecDeque;

use futures_util::Stream;
use sea_orm::{ColumnTrait as _, Condition, DatabaseConnection};
use uuid::Uuid;

use super::domain::READ_BATCH;
use crate::{
    audit::{self, Target},
    auth::{Role, Scope, Viewer},
    clients::{domain::Access, service as clients},
    error::ServiceError,
    events::{
        EventKind, bus,
        feed::{self, Cursor},
    },
    pagination::encode_cursor,
};
use entity::event;
use sea_orm::{EntityTrait as _, QueryFilter as _};

/// What a subscriber asked for.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// One client, or every client the viewer may follow.
    pub client_id: Option<Uuid>,
    /// Only these kinds; all when empty.
    pub kinds: Vec<EventKind>,
}

/// The condition on `event` for what `viewer` may follow: clients their own record
/// (without alert events), the care team its clients, integrators with `EVENTS_READ` the
/// practice. A client that is not theirs to follow is `NOT_FOUND`.
async fn scope(
    db: &DatabaseConnection,
    viewer: &Viewer,
    filter: &Filter,
) -> Result<Condition, ServiceError> {
    let mut cond = Condition::all().add(event::Column::PracticeId.eq(viewer.practice_id));
    match viewer.role {
        Role::Integrator => viewer.require_scope(Scope::EventsRead)?,
        Role::Client => {
            cond = cond
                .add(event::Column::ClientId.eq(viewer.client_id.unwrap_or_default()))
                .add(event::Column::Kind.not_like("ALERT%"));
        }
        Role::Therapist | Role::PracticeAdmin => {
            cond = cond.add(
                event::Column::ClientId
                    .in_subquery(clients::visible_ids(viewer, Access::Clinical)?),
            );
        }
    }
    if let Some(id) = filter.client_id {
        if viewer.role == Role::Integrator {
            entity::client::Entity::find_by_id(id)
                .filter(entity::client::Column::PracticeId.eq(viewer.practice_id))
                .one(db)
                .await?
                .ok_or(ServiceError::NotFound)?;
        } else {
            clients::find_visible(db, viewer, Access::Clinical, id).await?;
        }
        cond = cond.add(event::Column::ClientId.eq(id));
    }
    if !filter.kinds.is_empty() {
        cond = cond.add(event::Column::Kind.is_in(filter.kinds.iter().map(|k| k.as_str())));
    }
    Ok(cond)
}

/// The opaque form of a cursor.
pub fn cursor_string(c: &Cursor) -> String {
    encode_cursor(c)
}

/// Starts following: checks scope (one audit row for the subscription) and returns the
/// condition and the position to read from (`after`, or now).
pub async fn start(
    db: &DatabaseConnection,
    viewer: &Viewer,
    filter: Filter,
    after: Option<Cursor>,
) -> Result<(Condition, Cursor), ServiceError> {
    let requested = match filter.client_id {
        Some(id) => Target::client(id),
        None => Target::default(),
    };
    audit::read(
        db,
        viewer,
        "progressEvents",
        requested.clone(),
        async |db| {
            let cond = scope(db, viewer, &filter).await?;
            let at = match after {
                Some(c) => c,
                None => feed::now(db).await?,
            };
            Ok(((cond, at), requested))
        },
    )
    .await
}

/// The first wait before reading again when events are held back.
const RETRY_FIRST: std::time::Duration = std::time::Duration::from_millis(20);

struct State {
    db: DatabaseConnection,
    poll: std::time::Duration,
    retry: std::time::Duration,
    cond: Condition,
    at: Cursor,
    buffer: VecDeque<(event::Model, Cursor)>,
    wake: tokio::sync::watch::Receiver<u64>,
}

/// The events from `at` on, forever: what the log holds first, then each new one as it
/// commits (woken by the bus, and reading every `poll` regardless).
pub fn stream(
    db: DatabaseConnection,
    cond: Condition,
    at: Cursor,
    poll: std::time::Duration,
) -> impl Stream<Item = Result<(event::Model, Cursor), ServiceError>> {
    let mut wake = bus::subscribe();
    wake.borrow_and_update();
    let state = State {
        db,
        poll,
        retry: RETRY_FIRST / 2,
        cond,
        at,
        buffer: VecDeque::new(),
        wake,
    };
    futures_util::stream::unfold(state, |mut s| async move {
        loop {
            if let Some(next) = s.buffer.pop_front() {
                return Some((Ok(next), s));
            }
            match feed::read(&s.db, s.cond.clone(), s.at, READ_BATCH).await {
                Ok((rows, next)) => {
                    s.at = next;
                    if !rows.is_empty() {
                        s.buffer.extend(rows);
                        continue;
                    }
                }
                Err(e) => return Some((Err(ServiceError::from(e)), s)),
            }
            // Events that committed behind a transaction still running elsewhere: look
            // again soon (their wake-up has already come), backing off up to the poll.
            let held = feed::held_back(&s.db, s.at).await.unwrap_or(false);
            let wait = if held {
                s.retry = (s.retry * 2).clamp(RETRY_FIRST, s.poll);
                s.retry
            } else {
                s.retry = RETRY_FIRST / 2;
                s.poll
            };
            tokio::select! {
                _ = s.wake.changed() => {}
                () = tokio::time::sleep(wait) => {}
            }
        }
    })
}
