//! Which events a viewer may follow, and the stream of them: a replay from the event table
//! under the viewer's scope in SQL, then the process's shared reader ([`Hub`]) filtered in
//! memory under the same rules.

use crate::auth::ViewerKind;
use std::{
    collections::{HashSet, VecDeque},
    sync::Arc,
    time::Duration,
};

use futures_util::Stream;
use sea_orm::{ColumnTrait as _, Condition, DatabaseConnection};
use tokio::sync::broadcast::{Receiver, error::RecvError};
use uuid::Uuid;

use super::{
    domain::READ_BATCH,
    hub::{Delivery, Hub, Team},
};
use crate::{
    audit::{self, Target},
    auth::{Role, Scope, Viewer},
    error::ServiceError,
    events::{
        EventKind,
        feed::{self, Cursor},
    },
    pagination::encode_cursor,
    scope::{self, Access},
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

/// Whose events a viewer may follow, as checked in memory on the hub's events: the same
/// rules as the SQL condition [`scope`] builds beside it.
enum Who {
    /// A client: their own record, without alert events.
    Client(Uuid),
    /// A therapist or practice admin: the clients of their care team, refreshed when a
    /// change to it passes.
    Team {
        team: Arc<Team>,
        user_id: Uuid,
        clients: Arc<HashSet<Uuid>>,
    },
    /// An integrator with `EVENTS_READ`: the practice.
    Practice,
}

/// A subscriber's scope and filter, in memory.
struct Interest {
    practice_id: Uuid,
    who: Who,
    client_id: Option<Uuid>,
    kinds: Vec<EventKind>,
}

impl Interest {
    fn matches(&self, e: &event::Model) -> bool {
        e.practice_id == self.practice_id
            && match &self.who {
                Who::Client(id) => {
                    e.client_id == Some(*id) && !crate::events::EventKind::staff_only(&e.kind)
                }
                Who::Team { clients, .. } => e.client_id.is_some_and(|c| clients.contains(&c)),
                Who::Practice => true,
            }
            && self.client_id.is_none_or(|id| e.client_id == Some(id))
            && (self.kinds.is_empty() || self.kinds.iter().any(|k| k.as_str() == e.kind))
    }

    /// Whether `e` may change the care team's clients: a new client of the practice, or
    /// this user joining or leaving a care team.
    fn moves_team(&self, e: &event::Model) -> bool {
        let Who::Team { user_id, .. } = &self.who else {
            return false;
        };
        if e.practice_id != self.practice_id {
            return false;
        }
        match EventKind::parse(&e.kind) {
            Some(EventKind::ClientCreated) => true,
            Some(EventKind::CareTeamMemberAdded | EventKind::CareTeamMemberRemoved) => e
                .payload
                .get("therapistId")
                .and_then(|t| t.as_str())
                .and_then(|t| Uuid::parse_str(t).ok())
                .is_none_or(|t| t == *user_id),
            _ => false,
        }
    }

    /// Brings the care team's clients up to the hub's position `at` (a no-op for others).
    async fn refresh(&mut self, hub: &Hub, at: Cursor) -> Result<(), ServiceError> {
        if let Who::Team { team, clients, .. } = &mut self.who {
            *clients = team.clients(hub, at).await?;
        }
        Ok(())
    }
}

/// The condition on `event` for what `viewer` may follow: clients their own record
/// (without the care team's alert and automation events), the care team its clients, integrators with `EVENTS_READ` the
/// practice; and the same rules for the hub's events in memory. A client that is not
/// theirs to follow is `NOT_FOUND`.
async fn scope(
    db: &DatabaseConnection,
    hub: &Hub,
    viewer: &Viewer,
    filter: &Filter,
) -> Result<(Condition, Interest), ServiceError> {
    let mut cond = Condition::all().add(event::Column::PracticeId.eq(viewer.practice_id));
    let who = match &viewer.kind {
        ViewerKind::Integrator { .. } => {
            viewer.require_scope(Scope::EventsRead)?;
            Who::Practice
        }
        &ViewerKind::Client { client_id } => {
            cond = cond
                .add(event::Column::ClientId.eq(client_id))
                .add(event::Column::Kind.is_not_in(crate::events::EventKind::STAFF_ONLY));
            Who::Client(client_id)
        }
        ViewerKind::Therapist | ViewerKind::PracticeAdmin => {
            cond = cond.add(
                event::Column::ClientId.in_subquery(scope::visible_ids(viewer, Access::Clinical)?),
            );
            // Filled in when the subscription goes live.
            Who::Team {
                team: hub.team(viewer),
                user_id: viewer.id,
                clients: Arc::default(),
            }
        }
    };
    if let Some(id) = filter.client_id {
        if viewer.role() == Role::Integrator {
            entity::client::Entity::find_by_id(id)
                .filter(entity::client::Column::PracticeId.eq(viewer.practice_id))
                .one(db)
                .await?
                .ok_or(ServiceError::NotFound)?;
        } else {
            scope::find_visible(db, viewer, Access::Clinical, id).await?;
        }
        cond = cond.add(event::Column::ClientId.eq(id));
    }
    if !filter.kinds.is_empty() {
        cond = cond.add(event::Column::Kind.is_in(filter.kinds.iter().map(|k| k.as_str())));
    }
    let interest = Interest {
        practice_id: viewer.practice_id,
        who,
        client_id: filter.client_id,
        kinds: filter.kinds.clone(),
    };
    Ok((cond, interest))
}

/// The opaque form of a cursor.
pub fn cursor_string(c: &Cursor) -> String {
    encode_cursor(c)
}

/// A subscription that passed its checks, and where it starts.
pub struct Following {
    cond: Condition,
    interest: Interest,
    at: Cursor,
}

/// Starts following: starts the process's hub if it is not running yet, checks scope (one
/// audit row for the subscription) and returns the scope and the position to read from
/// (`after`, or now).
pub async fn start(
    db: &DatabaseConnection,
    hub: &Arc<Hub>,
    viewer: &Viewer,
    filter: Filter,
    after: Option<Cursor>,
) -> Result<Following, ServiceError> {
    hub.start().await?;
    let requested = match filter.client_id {
        Some(id) => Target::client(id),
        None => Target::default(),
    };
    let _permit = hub.permit().await;
    audit::read(
        db,
        viewer,
        "progressEvents",
        requested.clone(),
        async |db| {
            let (cond, interest) = scope(db, hub, viewer, &filter).await?;
            let at = match after {
                Some(c) if crate::events::retention::expired(db, &c).await? => {
                    return Err(ServiceError::bad_input(
                        "after",
                        "events after this cursor are past the retention period and were \
                         deleted: reload your data and subscribe from progressCursor",
                    ));
                }
                Some(c) => c,
                None => feed::now(db).await?,
            };
            Ok((Following { cond, interest, at }, requested))
        },
    )
    .await
}

/// How long a subscriber waits before reading again after a failed read.
const RETRY_AFTER_ERROR: Duration = Duration::from_millis(500);

enum Mode {
    /// Not receiving from the hub: about to attach (at the start, and after falling
    /// behind). `nudged`: the hub was already asked to read because this subscriber was
    /// ahead of it.
    Detached { nudged: bool },
    /// Reading the table under the SQL scope up to `until`, the hub's position when `rx`
    /// was attached; `rx` holds everything after it meanwhile.
    Replaying {
        rx: Receiver<Delivery>,
        until: Cursor,
    },
    /// Following the hub.
    Live { rx: Receiver<Delivery> },
}

struct Follower {
    hub: Arc<Hub>,
    db: DatabaseConnection,
    cond: Condition,
    interest: Interest,
    /// Everything up to here has been delivered or was not in scope.
    at: Cursor,
    mode: Mode,
    buffer: VecDeque<(event::Model, Cursor)>,
    poll: Duration,
    failed: bool,
}

impl Follower {
    /// The next event in scope; `None` when the hub has stopped.
    async fn next(&mut self) -> Option<Result<(event::Model, Cursor), ServiceError>> {
        loop {
            if let Some(next) = self.buffer.pop_front() {
                return Some(Ok(next));
            }
            if std::mem::take(&mut self.failed) {
                tokio::time::sleep(RETRY_AFTER_ERROR).await;
            }
            match std::mem::replace(&mut self.mode, Mode::Detached { nudged: false }) {
                Mode::Detached { nudged } => {
                    let mut moved = self.hub.moved();
                    let (rx, until) = self.hub.attach();
                    if self.at.reaches(until) {
                        self.mode = Mode::Replaying { rx, until };
                        continue;
                    }
                    // Ahead of the hub (a cursor from `now`, or from another process):
                    // wait until it has read past that point, then replay up to it.
                    drop(rx);
                    if !nudged {
                        self.hub.nudge();
                    }
                    self.mode = Mode::Detached { nudged: true };
                    tokio::select! {
                        _ = moved.changed() => {}
                        () = tokio::time::sleep(self.poll) => {}
                    }
                }
                Mode::Replaying { rx, until } if self.at == until => {
                    // The handover: the care team as of `until` (changes before it never
                    // pass through `rx`), then everything after `until` from the hub.
                    if let Err(e) = self.interest.refresh(&self.hub, until).await {
                        self.mode = Mode::Replaying { rx, until };
                        self.failed = true;
                        return Some(Err(e));
                    }
                    self.mode = Mode::Live { rx };
                }
                Mode::Replaying { rx, until } => {
                    let read = {
                        let _permit = self.hub.permit().await;
                        feed::read_until(&self.db, self.cond.clone(), self.at, until, READ_BATCH)
                            .await
                    };
                    self.mode = Mode::Replaying { rx, until };
                    match read {
                        Ok((rows, next)) => {
                            self.at = next;
                            self.buffer.extend(rows);
                        }
                        Err(e) => {
                            self.failed = true;
                            return Some(Err(e.into()));
                        }
                    }
                }
                Mode::Live { mut rx } => match rx.recv().await {
                    Ok(p) => {
                        if !p.cursor.is_after(self.at) {
                            self.mode = Mode::Live { rx };
                            continue;
                        }
                        if self.interest.moves_team(&p.event)
                            && let Err(e) = self.interest.refresh(&self.hub, p.cursor).await
                        {
                            // Detached, still before this event: the replay applies the
                            // scope in SQL, and the team is read again at the handover.
                            self.failed = true;
                            return Some(Err(e));
                        }
                        self.at = p.cursor;
                        self.mode = Mode::Live { rx };
                        if self.interest.matches(&p.event) {
                            return Some(Ok((p.event.clone(), p.cursor)));
                        }
                    }
                    Err(RecvError::Lagged(skipped)) => {
                        // Detached: replay from `at` (nothing is lost), then attach again.
                        tracing::debug!(
                            skipped,
                            "a subscriber fell behind the event hub; replaying from its cursor"
                        );
                    }
                    Err(RecvError::Closed) => return None,
                },
            }
        }
    }
}

/// The events from the start position on, forever: what the table holds up to the hub's
/// position first, then the hub's events in scope. Waits while the hub is behind the
/// start position (it is asked to read, and reads every `poll` anyway).
pub fn stream(
    hub: Arc<Hub>,
    db: DatabaseConnection,
    following: Following,
    poll: Duration,
) -> impl Stream<Item = Result<(event::Model, Cursor), ServiceError>> {
    let follower = Follower {
        hub,
        db,
        cond: following.cond,
        interest: following.interest,
        at: following.at,
        mode: Mode::Detached { nudged: false },
        buffer: VecDeque::new(),
        poll,
        failed: false,
    };
    futures_util::stream::unfold(follower, |mut f| async move {
        let next = f.next().await?;
        Some((next, f))
    })
}
