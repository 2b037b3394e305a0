//! The reminder job: every `MOMENTUM_REMINDER_SECONDS` each server process tries to take the
//! job's lock (its `job_cursor` row, locked `FOR UPDATE SKIP LOCKED` on PostgreSQL; the write
//! lock on SQLite). The one that gets it decides every reminder that fell due since the last
//! pass (the row's position): a `REMINDER_DUE` event for each one sent, a row in
//! `reminder_fired` for each one decided, sent or held back by the back-off. The row is unique
//! per reminder, so a reminder fires once whichever replica runs the pass.

use std::{collections::HashMap, time::Duration as StdDuration};

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ColumnTrait as _, DatabaseConnection, EntityTrait as _, QueryFilter as _, Set};
use tokio::sync::watch;
use uuid::Uuid;

use super::{
    domain::{Due, Reason, ReminderKind, count_ignored, fires_after, local_rfc3339, schedule},
    service::preferences_of,
    sources::{Sources, Whose, decided, past_reminders},
};
use crate::{
    audit::begin_write,
    error::ServiceError,
    events::{self, EventKind, NewEvent},
};
use entity::{client, reminder_fired, reminder_preference};

/// The job's row in `job_cursor`: its lock, and (as RFC 3339) the end of the last pass.
pub const CURSOR_NAME: &str = "reminders";

/// How late a reminder may still fire: after the job could not run for longer (every server
/// stopped), the reminders that fell due before this are dropped, not sent in a burst.
pub const LATE_MAX: Duration = Duration::hours(6);

/// What one pass decided.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Fired {
    /// Reminders sent (a `REMINDER_DUE` event each).
    pub sent: u64,
    /// Reminders held back by the back-off (recorded, no event).
    pub held_back: u64,
}

/// What a decided reminder became.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Sent,
    HeldBack,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sent => "SENT",
            Self::HeldBack => "HELD_BACK",
        }
    }
}

/// Runs a pass every `every` (the first one `every` after start) until `shutdown` turns
/// `true`.
pub async fn run(db: DatabaseConnection, every: StdDuration, shutdown: watch::Receiver<bool>) {
    crate::jobs::every(every, shutdown, || async {
        match crate::jobs::pass("reminders.fire", pass(&db, Utc::now())).await {
            Ok(Some(f)) if f.sent + f.held_back > 0 => {
                tracing::info!(sent = f.sent, held_back = f.held_back, "reminders fired");
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = ?e, "the reminder pass failed; trying again later"),
        }
    })
    .await;
}

/// One pass at `now`: decides the reminders that fire from the end of the last pass (at most
/// [`LATE_MAX`] ago) to `now`. `None` when another process holds the lock. One statement per
/// source whatever the number of clients, and one insert per 500 reminders decided.
pub async fn pass(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
) -> Result<Option<Fired>, ServiceError> {
    let txn = begin_write(db).await?;
    let Some(cursor) = crate::jobs::lock(&txn, CURSOR_NAME, false).await? else {
        txn.commit().await?;
        return Ok(None);
    };
    let last = DateTime::parse_from_rfc3339(&cursor.position)
        .ok()
        .map(|t| t.with_timezone(&Utc));
    let from = last.unwrap_or(now - LATE_MAX).max(now - LATE_MAX);
    if from >= now {
        txn.commit().await?;
        return Ok(Some(Fired::default()));
    }
    let fired = decide(&txn, from, now).await?;
    crate::jobs::advance(&txn, CURSOR_NAME, now.to_rfc3339()).await?;
    txn.commit().await?;
    if fired.sent > 0 {
        events::bus::committed();
    }
    Ok(Some(fired))
}

/// Decides inside `txn` (which holds the lock) the reminders firing from `from` to `to`.
async fn decide(
    txn: &sea_orm::DatabaseTransaction,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Fired, ServiceError> {
    let mut sources = Sources::load(txn, &Whose::Active, from, to).await?;
    let with_items = sources.clients();
    if with_items.is_empty() {
        return Ok(Fired::default());
    }
    // The rest by the same ACTIVE-client condition, not by long lists of ids.
    let clients: Vec<client::Model> = client::Entity::find()
        .filter(client::Column::Status.eq("ACTIVE"))
        .all(txn)
        .await?
        .into_iter()
        .filter(|c| with_items.contains(&c.id))
        .collect();
    let preferences: HashMap<Uuid, reminder_preference::Model> =
        reminder_preference::Entity::find()
            .filter(Whose::Active.condition(reminder_preference::Column::ClientId))
            .all(txn)
            .await?
            .into_iter()
            .map(|r| (r.client_id, r))
            .collect();
    let (items, series) = sources.items_of_all(&clients, from, to);
    let mut past = past_reminders(txn, &series, &sources.activity()).await?;
    // Every reminder the rules place in the window, with the back-off's count (a held-back
    // one is recorded too, so the next one of its series counts it).
    let mut candidates = Vec::new();
    for (c, mut items) in items {
        count_ignored(&mut items, &past.remove(&c.id).unwrap_or_default());
        let ignored: HashMap<Uuid, (u32, Uuid)> = items
            .iter()
            .map(|d| (d.about, (d.ignored, d.series)))
            .collect();
        let placed: Vec<Due> = items.into_iter().map(|d| Due { ignored: 0, ..d }).collect();
        let prefs = preferences_of(preferences.get(&c.id));
        // A reminder placed before `from` for work still open (assigned late, or after a
        // pause) fires now: schedule as of `from`.
        for r in schedule(&placed, &c.timezone, &prefs, from, to, from) {
            let (count, series) = ignored.get(&r.about).copied().unwrap_or((0, r.about));
            candidates.push((c, r, count, series));
        }
    }
    let abouts: Vec<Uuid> = candidates.iter().map(|(_, r, _, _)| r.about).collect();
    let done = decided(txn, &abouts).await?;
    let now = Utc::now();
    let mut rows = Vec::new();
    let mut sent = Vec::new();
    let mut fired = Fired::default();
    for (c, r, ignored, series) in candidates {
        if done.contains(&r.about) {
            continue;
        }
        let outcome = if fires_after(ignored) {
            Outcome::Sent
        } else {
            Outcome::HeldBack
        };
        let id = Uuid::now_v7();
        rows.push(reminder_fired::ActiveModel {
            id: Set(id),
            practice_id: Set(c.practice_id),
            client_id: Set(c.id),
            kind: Set(r.kind.as_str().to_owned()),
            about_id: Set(r.about),
            series_id: Set(series),
            due_at: Set(r.due_at),
            fire_at: Set(r.fire_at),
            outcome: Set(outcome.as_str().to_owned()),
            ignored: Set(i32::try_from(ignored).unwrap_or(i32::MAX)),
            created_at: Set(now),
        });
        match outcome {
            Outcome::Sent => {
                fired.sent += 1;
                sent.push(NewEvent {
                    practice_id: c.practice_id,
                    client_id: Some(c.id),
                    kind: EventKind::ReminderDue,
                    entity_id: id,
                    payload: payload(r.kind, r.about, r.due_at, r.fire_at, r.reason, &c.timezone),
                });
            }
            Outcome::HeldBack => fired.held_back += 1,
        }
    }
    // A plain insert: were a reminder decided twice, the unique key would fail the whole
    // pass (nothing sent) rather than send it again.
    for chunk in rows.chunks(500) {
        reminder_fired::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(txn)
            .await?;
    }
    events::append_many(txn, None, sent).await?;
    Ok(fired)
}

/// A `REMINDER_DUE` event's payload: ids, kinds and times only.
fn payload(
    kind: ReminderKind,
    about: Uuid,
    due_at: DateTime<Utc>,
    fire_at: DateTime<Utc>,
    reason: Reason,
    tz: &str,
) -> serde_json::Value {
    serde_json::json!({
        "reminderKind": kind.as_str(),
        "aboutId": about,
        "dueAt": due_at.to_rfc3339(),
        "fireAt": fire_at.to_rfc3339(),
        "fireAtLocal": local_rfc3339(fire_at, tz),
        "reason": reason.as_str(),
    })
}
