//! The automation job: every `MOMENTUM_AUTOMATION_SECONDS` each server process tries to take
//! the job's lock (its `job_cursor` row `automations`, whose position is where the job has
//! read the event feed to). The one that gets it reads the events after that position whose
//! kind some enabled rule is triggered by, evaluates the rules against the clients' figures
//! (a fixed number of statements for all of them: scores as recorded by each event's time,
//! tracking and homework as they stand at the pass), and for each rule that fires records a
//! firing (unique per rule and event: once, whichever replica) and applies its actions in a
//! savepoint: all of them, or none and the firing is `FAILED` and tried again later. The same
//! pass retries the firings that are due.
//!
//! Events a firing's actions append carry the firing and an automation depth one more than
//! the triggering event's; rules act on events of depth at most [`DEPTH_MAX`], so a rule's
//! own actions trigger rules at most one level on.

use std::{
    collections::{HashMap, HashSet},
    time::Duration,
};

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, Condition as Where, ConnectionTrait as _,
    DatabaseBackend, DatabaseConnection, DatabaseTransaction, EntityTrait as _,
    IntoActiveModel as _, QueryFilter as _, QueryOrder as _, QuerySelect as _, Set,
    TransactionTrait as _, sea_query::OnConflict,
};
use tokio::sync::watch;
use uuid::Uuid;

use super::service::{FiringStatus, apply, content_of, error_text, version_content};
use crate::{
    audit::begin_write,
    error::ServiceError,
    events::{self, Acting, feed},
};
use entity::{
    automation_firing as firing, automation_rule as rule, automation_rule_version as version,
    client, event,
};

pub use super::domain::{CURSOR_NAME, DEPTH_MAX};
/// Events read per pass.
pub const READ_BATCH: u64 = 500;
/// Attempts before a failing firing is given up.
pub const ATTEMPTS_MAX: i32 = 5;
/// Failed firings retried per pass.
pub const RETRY_BATCH: u64 = 100;

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ran {
    /// Events read that some rule is triggered by.
    pub events: u64,
    /// Firings whose actions applied (retries included).
    pub applied: u64,
    /// Firings that failed this pass (retries included).
    pub failed: u64,
}

/// The wait before attempt `n + 1` after `n` failed attempts: 1, 4, 16 and 64 minutes.
pub fn retry_after(attempts: i32) -> TimeDelta {
    TimeDelta::minutes(4_i64.pow(attempts.clamp(1, ATTEMPTS_MAX) as u32 - 1))
}

/// Runs a pass every `every` until `shutdown` turns `true`.
pub async fn run(db: DatabaseConnection, every: Duration, shutdown: watch::Receiver<bool>) {
    crate::jobs::every(every, shutdown, || async {
        match crate::jobs::pass("automations.fire", pass(&db, Utc::now())).await {
            Ok(Some(r)) if r.applied + r.failed > 0 => {
                tracing::info!(
                    applied = r.applied,
                    failed = r.failed,
                    "automation rules fired"
                );
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = ?e, "the automation pass failed; trying again later"),
        }
    })
    .await;
}

/// One pass at `now`; `None` when another process holds the lock. Reads take a fixed number
/// of statements whatever the number of events, rules and clients (rules, events, clients,
/// the firings made already, three for the figures); each firing then writes its own row and
/// its actions.
pub async fn pass(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
) -> Result<Option<Ran>, ServiceError> {
    let txn = begin_write(db).await?;
    let Some(row) = crate::jobs::lock(&txn, CURSOR_NAME, false).await? else {
        txn.commit().await?;
        return Ok(None);
    };
    let Ok(cursor) = serde_json::from_str::<feed::Cursor>(&row.position) else {
        // No position yet (no rule was ever written): rules act on what happens from now on.
        // Writing a practice's first rule gives the job a position too.
        let at = feed::now(&txn).await?;
        advance(&txn, at).await?;
        txn.commit().await?;
        return Ok(Some(Ran::default()));
    };
    let rules = rule::Entity::find()
        .filter(rule::Column::Enabled.eq(true))
        .filter(rule::Column::ArchivedAt.is_null())
        .all(&txn)
        .await?;
    let mut ran = Ran::default();
    let mut triggers: Vec<&str> = rules.iter().map(|r| r.trigger.as_str()).collect();
    triggers.sort_unstable();
    triggers.dedup();
    let scope = Where::all()
        .add(event::Column::Kind.is_in(triggers))
        .add(event::Column::ClientId.is_not_null())
        .add(event::Column::AutomationDepth.lte(DEPTH_MAX));
    let (read, mut next) = feed::read(&txn, scope, cursor, READ_BATCH).await?;
    if (read.len() as u64) < READ_BATCH && txn.get_database_backend() != DatabaseBackend::Postgres {
        // SQLite: this transaction holds the write lock, so every event is read to here; move
        // past the events no rule wanted too (before this pass appends its own).
        next = feed::now(&txn).await?;
    }
    let events: Vec<event::Model> = read.into_iter().map(|(e, _)| e).collect();
    ran.events = events.len() as u64;
    fire(&txn, &rules, &events, now, &mut ran).await?;
    retry(&txn, now, &mut ran).await?;
    advance(&txn, next).await?;
    txn.commit().await?;
    if ran.applied + ran.failed > 0 {
        events::bus::committed();
    }
    Ok(Some(ran))
}

async fn advance(txn: &DatabaseTransaction, at: feed::Cursor) -> Result<(), ServiceError> {
    let position = serde_json::to_string(&at)
        .map_err(|e| ServiceError::Internal(format!("feed cursor: {e}")))?;
    crate::jobs::advance(txn, CURSOR_NAME, position).await?;
    Ok(())
}

/// Evaluates `rules` on `events` and fires those whose conditions hold.
async fn fire(
    txn: &DatabaseTransaction,
    rules: &[rule::Model],
    events: &[event::Model],
    now: DateTime<Utc>,
    ran: &mut Ran,
) -> Result<(), ServiceError> {
    // A rule acts on the events of its trigger (of its client, if it has one) that happened
    // after it was created.
    let mut by_trigger: HashMap<(Uuid, &str), Vec<&rule::Model>> = HashMap::new();
    for r in rules {
        by_trigger
            .entry((r.practice_id, r.trigger.as_str()))
            .or_default()
            .push(r);
    }
    let mut candidates: Vec<(&event::Model, &rule::Model)> = Vec::new();
    for e in events {
        for r in by_trigger
            .get(&(e.practice_id, e.kind.as_str()))
            .into_iter()
            .flatten()
        {
            if r.client_id.is_none_or(|c| e.client_id == Some(c)) && e.created_at >= r.created_at {
                candidates.push((e, *r));
            }
        }
    }
    if candidates.is_empty() {
        return Ok(());
    }
    let ids: HashSet<Uuid> = candidates.iter().filter_map(|(e, _)| e.client_id).collect();
    let mut clients: HashMap<Uuid, client::Model> = HashMap::new();
    let ids: Vec<Uuid> = ids.into_iter().collect();
    for chunk in ids.chunks(crate::batch::IDS_PER_STATEMENT) {
        for c in client::Entity::find()
            .filter(client::Column::Id.is_in(chunk.iter().copied()))
            .filter(client::Column::Status.eq("ACTIVE"))
            .all(txn)
            .await?
        {
            clients.insert(c.id, c);
        }
    }
    let who: Vec<&client::Model> = clients.values().collect();
    let facts = super::facts::load(txn, &who, now).await?;
    let event_ids: Vec<Uuid> = candidates.iter().map(|(e, _)| e.id).collect();
    let mut made: HashSet<(Uuid, Uuid)> = HashSet::new();
    for chunk in event_ids.chunks(crate::batch::IDS_PER_STATEMENT) {
        made.extend(
            firing::Entity::find()
                .select_only()
                .columns([firing::Column::RuleId, firing::Column::EventId])
                .filter(firing::Column::EventId.is_in(chunk.iter().copied()))
                .into_tuple::<(Uuid, Uuid)>()
                .all(txn)
                .await?,
        );
    }
    for (e, r) in candidates {
        if made.contains(&(r.id, e.id)) {
            continue;
        }
        let Some(c) = e.client_id.and_then(|id| clients.get(&id)) else {
            continue;
        };
        let content = match content_of(r) {
            Ok(c) => c,
            Err(err) => {
                tracing::warn!(rule_id = %r.id, error = ?err, "a stored rule does not parse");
                continue;
            }
        };
        let Some(reason) = facts.at(c.id, e.created_at).and_then(|f| content.fires(&f)) else {
            continue;
        };
        let f = firing::Model {
            id: Uuid::now_v7(),
            practice_id: e.practice_id,
            rule_id: r.id,
            rule_version: r.version,
            client_id: c.id,
            event_id: e.id,
            event_kind: e.kind.clone(),
            event_at: e.created_at,
            depth: e.automation_depth + 1,
            status: FiringStatus::Failed.as_str().to_owned(),
            reason: crate::values::clip(&reason, 1_000),
            outcome: serde_json::json!([]),
            attempts: 0,
            last_error: None,
            next_attempt_at: None,
            created_at: now,
            updated_at: now,
        };
        let inserted = firing::Entity::insert(f.clone().into_active_model().reset_all())
            .on_conflict(
                OnConflict::columns([firing::Column::RuleId, firing::Column::EventId])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(txn)
            .await?;
        if inserted == 0 {
            continue;
        }
        made.insert((r.id, e.id));
        attempt(txn, r.created_by, c, f, &content.actions, now, ran).await?;
    }
    Ok(())
}

/// Applies firing `f`'s actions in a savepoint, and records the outcome on its row: `APPLIED`,
/// or `FAILED` with nothing applied (`GAVE_UP` after [`ATTEMPTS_MAX`] attempts).
async fn attempt(
    txn: &DatabaseTransaction,
    author: Uuid,
    c: &client::Model,
    f: firing::Model,
    actions: &[super::domain::Action],
    now: DateTime<Utc>,
    ran: &mut Ran,
) -> Result<(), ServiceError> {
    // The server's job acts: the work it assigns is recorded as the rule's author's, its
    // events name no actor.
    let by = Acting {
        practice_id: f.practice_id,
        by: author,
        actor: None,
    };
    let savepoint = txn.begin().await?;
    let result = events::caused_by(f.id, f.depth, apply(&savepoint, by, c, &f, actions, now)).await;
    let attempts = f.attempts + 1;
    let mut row = firing::ActiveModel {
        id: Set(f.id),
        attempts: Set(attempts),
        updated_at: Set(now),
        ..Default::default()
    };
    match result {
        Ok(outcome) => {
            savepoint.commit().await?;
            row.status = Set(FiringStatus::Applied.as_str().to_owned());
            row.outcome = Set(serde_json::Value::Array(outcome));
            row.last_error = Set(None);
            row.next_attempt_at = Set(None);
            ran.applied += 1;
        }
        Err(e) => {
            savepoint.rollback().await?;
            tracing::warn!(firing_id = %f.id, error = %error_text(&e), "an automation firing failed");
            let gave_up = attempts >= ATTEMPTS_MAX;
            row.status = Set(if gave_up {
                FiringStatus::GaveUp
            } else {
                FiringStatus::Failed
            }
            .as_str()
            .to_owned());
            row.last_error = Set(Some(error_text(&e)));
            row.next_attempt_at = Set((!gave_up).then(|| now + retry_after(attempts)));
            ran.failed += 1;
        }
    }
    firing::Entity::update(row).exec(txn).await?;
    Ok(())
}

/// Tries again the failed firings that are due, with the rule version that fired.
async fn retry(
    txn: &DatabaseTransaction,
    now: DateTime<Utc>,
    ran: &mut Ran,
) -> Result<(), ServiceError> {
    let due = firing::Entity::find()
        .filter(firing::Column::Status.eq(FiringStatus::Failed.as_str()))
        .filter(firing::Column::NextAttemptAt.lte(now))
        .order_by_asc(firing::Column::NextAttemptAt)
        .limit(RETRY_BATCH)
        .all(txn)
        .await?;
    if due.is_empty() {
        return Ok(());
    }
    let mut which = Where::any();
    for f in &due {
        which = which.add(
            Where::all()
                .add(version::Column::RuleId.eq(f.rule_id))
                .add(version::Column::Version.eq(f.rule_version)),
        );
    }
    let versions: HashMap<(Uuid, i32), version::Model> = version::Entity::find()
        .filter(which)
        .all(txn)
        .await?
        .into_iter()
        .map(|v| ((v.rule_id, v.version), v))
        .collect();
    let authors: HashMap<Uuid, Uuid> = rule::Entity::find()
        .filter(rule::Column::Id.is_in(due.iter().map(|f| f.rule_id)))
        .all(txn)
        .await?
        .into_iter()
        .map(|r| (r.id, r.created_by))
        .collect();
    let clients: HashMap<Uuid, client::Model> = client::Entity::find()
        .filter(client::Column::Id.is_in(due.iter().map(|f| f.client_id)))
        .all(txn)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    for f in due {
        let (Some(v), Some(author), Some(c)) = (
            versions.get(&(f.rule_id, f.rule_version)),
            authors.get(&f.rule_id),
            clients.get(&f.client_id),
        ) else {
            continue;
        };
        let content = version_content(v)?;
        attempt(txn, *author, c, f, &content.actions, now, ran).await?;
    }
    Ok(())
}
