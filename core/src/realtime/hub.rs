//! One reader of the event table per server process, fanning events out to every
//! subscription in memory.
//!
//! The hub tails the whole table (every practice) with [`feed::read`], from where it was
//! when the first subscription started, woken by commits in this process and by
//! LISTEN/NOTIFY on PostgreSQL ([`bus`]), and reading every `MOMENTUM_EVENT_POLL_MS`
//! regardless. Each event goes, with its cursor, to a `tokio::sync::broadcast` channel
//! that keeps the last `MOMENTUM_EVENT_BUFFER` (4,096 by default) for subscribers that
//! are a little behind. So a commit costs the process a few queries, however many
//! subscribers there are.
//!
//! A subscription first replays from the table under its own scope until it reaches the
//! hub's position ([`Hub::attach`] gives that position and a receiver of everything after
//! it, atomically), then follows the broadcast (`realtime::service`).

use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex, PoisonError, Weak},
    time::Duration,
};

use sea_orm::{
    Condition, DatabaseConnection, DbErr, EntityTrait as _, QueryFilter as _, QuerySelect as _,
};
use tokio::sync::{Notify, OnceCell, Semaphore, SemaphorePermit, broadcast, watch};
use uuid::Uuid;

use crate::{
    auth::{Role, Viewer},
    error::ServiceError,
    events::{
        bus,
        feed::{self, Cursor},
    },
    scope::{self, Access},
};
use entity::event;

/// Events the hub reads per query. Less than the default buffer, so a subscriber that is
/// keeping up never lags behind one read.
const HUB_BATCH: u64 = 500;

/// One event as the hub read it.
#[derive(Debug)]
pub struct Published {
    pub event: event::Model,
    /// The hub's position just past this event.
    pub cursor: Cursor,
}

/// What the hub sends: shared, so a send costs the same for any number of receivers.
pub type Delivery = Arc<Published>;

/// The process's shared event reader (one per server (the API's `AppState`)).
pub struct Hub {
    db: DatabaseConnection,
    poll: Duration,
    /// The sender and the position of the last send, changed together so that
    /// [`Hub::attach`] is exact.
    live: Mutex<Live>,
    /// The same position, for subscribers waiting for the hub to move.
    position: watch::Sender<Cursor>,
    started: OnceCell<()>,
    nudge: Notify,
    /// Subscriptions' own queries (start, replay, care-team refresh) take a permit, so they
    /// never hold more than half the pool: the rest stays free for requests, the hub and
    /// the token checks of new sockets.
    permits: Semaphore,
    teams: Mutex<HashMap<(Uuid, Uuid, Role), Weak<Team>>>,
    shutdown: watch::Receiver<bool>,
}

struct Live {
    tx: broadcast::Sender<Delivery>,
    at: Cursor,
}

/// How the hub reads and buffers (from the server's configuration).
#[derive(Debug, Clone, Copy)]
pub struct HubSettings {
    /// How often the log is read when no NOTIFY arrives (`MOMENTUM_EVENT_POLL_MS`).
    pub poll: Duration,
    /// Deliveries kept for slow subscribers (`MOMENTUM_EVENT_BUFFER`).
    pub buffer: usize,
    /// Subscriptions that may read the database at once (catching up, checking a care
    /// team); at least one.
    pub readers: usize,
}

impl Hub {
    /// A hub over `db`, not reading yet ([`Hub::start`] on the first subscription). It
    /// stops when `shutdown` turns `true`.
    pub fn new(
        db: DatabaseConnection,
        settings: HubSettings,
        shutdown: watch::Receiver<bool>,
    ) -> Self {
        let start = Cursor {
            from: 0,
            to: 0,
            seq: 0,
        };
        Self {
            db,
            poll: settings.poll,
            live: Mutex::new(Live {
                tx: broadcast::Sender::new(settings.buffer),
                at: start,
            }),
            position: watch::Sender::new(start),
            started: OnceCell::new(),
            nudge: Notify::new(),
            permits: Semaphore::new(settings.readers.max(1)),
            teams: Mutex::new(HashMap::new()),
            shutdown,
        }
    }

    /// Starts reading from now, once; later calls return at once.
    pub async fn start(self: &Arc<Self>) -> Result<(), DbErr> {
        self.started
            .get_or_try_init(|| async {
                let at = feed::now(&self.db).await?;
                self.publish(Vec::new(), at);
                tokio::spawn(self.clone().run());
                Ok::<_, DbErr>(())
            })
            .await?;
        Ok(())
    }

    /// A receiver of every event published from now on, and the position it starts
    /// after: everything up to that position has been published before.
    pub fn attach(&self) -> (broadcast::Receiver<Delivery>, Cursor) {
        let live = self.live.lock().unwrap_or_else(PoisonError::into_inner);
        (live.tx.subscribe(), live.at)
    }

    /// The hub's position, changing as it reads.
    pub fn moved(&self) -> watch::Receiver<Cursor> {
        let mut rx = self.position.subscribe();
        rx.borrow_and_update();
        rx
    }

    /// Asks the hub to read once more soon (a subscriber is ahead of it).
    pub fn nudge(&self) {
        self.nudge.notify_one();
    }

    /// Waits for a share of the pool for a subscription's own query.
    pub async fn permit(&self) -> Option<SemaphorePermit<'_>> {
        self.permits.acquire().await.ok()
    }

    /// The shared care-team cache of a therapist or practice admin.
    pub fn team(&self, viewer: &Viewer) -> Arc<Team> {
        let key = (viewer.practice_id, viewer.id, viewer.role());
        let mut teams = self.teams.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(team) = teams.get(&key).and_then(Weak::upgrade) {
            return team;
        }
        teams.retain(|_, t| t.strong_count() > 0);
        let team = Arc::new(Team {
            viewer: viewer.clone(),
            current: tokio::sync::Mutex::new(None),
        });
        teams.insert(key, Arc::downgrade(&team));
        team
    }

    fn publish(&self, rows: Vec<(event::Model, Cursor)>, at: Cursor) {
        let mut live = self.live.lock().unwrap_or_else(PoisonError::into_inner);
        for (event, cursor) in rows {
            // An error only means nobody is listening right now.
            live.tx.send(Arc::new(Published { event, cursor })).ok();
        }
        live.at = at;
        self.position.send_replace(at);
    }

    async fn run(self: Arc<Self>) {
        let mut wake = bus::subscribe();
        wake.borrow_and_update();
        let mut shutdown = self.shutdown.clone();
        let mut again = feed::ReadAgain::new(self.poll);
        let mut at = *self.position.borrow();
        loop {
            if *shutdown.borrow() {
                return;
            }
            match feed::read(&self.db, Condition::all(), at, HUB_BATCH).await {
                Ok((rows, next)) => {
                    let more = !rows.is_empty();
                    at = if rows.len() as u64 == HUB_BATCH {
                        next
                    } else {
                        next.settled()
                    };
                    self.publish(rows, at);
                    if more {
                        continue;
                    }
                }
                Err(e) => tracing::warn!(error = %e, "the event hub cannot read events; retrying"),
            }
            let held = feed::held_back(&self.db, at).await.unwrap_or(false);
            let wait = again.after(held);
            tokio::select! {
                _ = wake.changed() => {}
                () = self.nudge.notified() => {}
                () = tokio::time::sleep(wait) => {}
                _ = shutdown.changed() => return,
            }
        }
    }
}

/// The clients a therapist's (or practice admin's) care team covers, shared by all their
/// subscriptions in this process, so a care-team change costs one query per user rather
/// than one per socket.
pub struct Team {
    viewer: Viewer,
    /// The set, and the hub's position when the query that made it began.
    current: tokio::sync::Mutex<Option<(Cursor, Arc<HashSet<Uuid>>)>>,
}

impl Team {
    /// The clients as they are once the hub has reached `at` (or later): reused when the
    /// last query began at or after it.
    pub async fn clients(&self, hub: &Hub, at: Cursor) -> Result<Arc<HashSet<Uuid>>, ServiceError> {
        let mut current = self.current.lock().await;
        if let Some((seen, set)) = &*current
            && !at.is_after(*seen)
        {
            return Ok(set.clone());
        }
        let seen = *hub.position.borrow();
        let _permit = hub.permit().await;
        let ids: Vec<Uuid> = entity::client::Entity::find()
            .select_only()
            .column(entity::client::Column::Id)
            .filter(scope::visible(&self.viewer, Access::Clinical)?)
            .into_tuple()
            .all(&hub.db)
            .await?;
        let set = Arc::new(ids.into_iter().collect::<HashSet<_>>());
        *current = Some((seen, set.clone()));
        Ok(set)
    }
}
