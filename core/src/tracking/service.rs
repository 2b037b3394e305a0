//! Tracker and entry rules and SQL (thought records are `thoughts`). Scope is the clients' (a `WHERE`
//! clause); PRIVATE content is held back from everyone but the client by the types, and
//! from statistics by `trends`.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, Condition, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, EntityTrait as _, QueryFilter as _, Set,
};
use uuid::Uuid;

use super::domain::{
    BATCH_MAX, BUILTINS, CUSTOM_TRACKERS_MAX, NewEntry, Range, TrackerKind, ValueType,
    local_position,
};
use crate::{
    audit::{self, Target},
    auth::{Role, Viewer},
    batch::{self, Batch, Keyset, Paged},
    error::ServiceError,
    events::{self, EventKind, NewEvent},
    pagination::Page,
    scope::{self, Access},
};
use entity::{tracker, tracker_entry};

/// Gives a new client the built-in MOOD and ANXIETY trackers (in the client's creating
/// transaction).
pub async fn add_builtins(
    conn: &impl ConnectionTrait,
    practice_id: Uuid,
    client_id: Uuid,
    created_by: Uuid,
) -> Result<(), sea_orm::DbErr> {
    let now = Utc::now();
    let rows = BUILTINS.map(|(kind, name, max, unit)| tracker::ActiveModel {
        id: Set(Uuid::now_v7()),
        practice_id: Set(practice_id),
        client_id: Set(client_id),
        kind: Set(kind.as_str().to_owned()),
        builtin: Set(Some(kind.as_str().to_owned())),
        name: Set(name.to_owned()),
        value_type: Set(ValueType::Scale.as_str().to_owned()),
        min_value: Set(0.0),
        max_value: Set(max),
        unit: Set(unit.map(str::to_owned)),
        goal_id: Set(None),
        prompt_times: Set(serde_json::json!([])),
        archived_at: Set(None),
        created_by: Set(created_by),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    });
    tracker::Entity::insert_many(rows)
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// The trackers `viewer` may reach with `access`.
pub fn scope(viewer: &Viewer, access: Access) -> Result<Condition, ServiceError> {
    scope::records_of_visible(
        viewer,
        access,
        tracker::Column::PracticeId,
        tracker::Column::ClientId,
    )
}

/// One tracker the viewer may reach with `access`, or `NOT_FOUND`.
pub async fn find(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    access: Access,
    id: Uuid,
) -> Result<tracker::Model, ServiceError> {
    tracker::Entity::find_by_id(id)
        .filter(scope(viewer, access)?)
        .one(conn)
        .await?
        .ok_or(ServiceError::NotFound)
}

/// The audit target of a tracker: its client and its id.
pub(super) fn tracker_target(t: &tracker::Model) -> Target {
    Target::client(t.client_id).with(t.id)
}

/// One tracker (clinical access).
#[tracing::instrument(skip_all, fields(tracker_id = %id))]
pub async fn get(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
) -> Result<tracker::Model, ServiceError> {
    audit::read(db, viewer, "tracker", Target::many(vec![id]), async |db| {
        let t = find(db, viewer, Access::Clinical, id).await?;
        let target = tracker_target(&t);
        Ok((t, target))
    })
    .await
}

/// A custom tracker to create, parsed.
pub struct NewTracker {
    pub client_id: Uuid,
    pub name: String,
    pub range: Range,
    pub unit: Option<String>,
    pub goal_id: Option<Uuid>,
    pub prompt_times: Vec<String>,
}

/// Adds a custom tracker (the care team, the client, integrators with `CLINICAL_WRITE`).
#[tracing::instrument(skip_all, fields(client_id = %new.client_id))]
pub async fn create(
    db: &DatabaseConnection,
    viewer: &Viewer,
    new: NewTracker,
) -> Result<tracker::Model, ServiceError> {
    audit::write(
        db,
        viewer,
        "createTracker",
        Target::client(new.client_id),
        async |txn| {
            let c =
                scope::find_visible(txn, viewer, Access::ClinicalWrite, new.client_id).await?;
            if let Some(goal_id) = new.goal_id {
                entity::goal::Entity::find_by_id(goal_id)
                    .filter(entity::goal::Column::ClientId.eq(c.id))
                    .one(txn)
                    .await?
                    .ok_or_else(|| {
                        ServiceError::bad_input("input.goalId", "is not a goal of this client")
                    })?;
            }
            let active = tracker::Entity::find()
                .filter(tracker::Column::ClientId.eq(c.id))
                .filter(tracker::Column::ArchivedAt.is_null())
                .all(txn)
                .await?;
            if active
                .iter()
                .any(|t| t.name.to_lowercase() == new.name.to_lowercase())
            {
                return Err(ServiceError::Conflict(
                    "the client already has an active tracker with this name".to_owned(),
                ));
            }
            let custom = active.iter().filter(|t| t.builtin.is_none()).count() as u64;
            if custom >= CUSTOM_TRACKERS_MAX {
                return Err(ServiceError::Conflict(format!(
                    "a client has at most {CUSTOM_TRACKERS_MAX} active custom trackers; archive one first"
                )));
            }
            let now = Utc::now();
            let model = tracker::Entity::insert(tracker::ActiveModel {
                id: Set(Uuid::now_v7()),
                practice_id: Set(viewer.practice_id),
                client_id: Set(c.id),
                kind: Set(TrackerKind::Custom.as_str().to_owned()),
                builtin: Set(None),
                name: Set(new.name.clone()),
                value_type: Set(new.range.value_type.as_str().to_owned()),
                min_value: Set(new.range.min),
                max_value: Set(new.range.max),
                unit: Set(new.unit.clone()),
                goal_id: Set(new.goal_id),
                prompt_times: Set(serde_json::json!(new.prompt_times)),
                archived_at: Set(None),
                created_by: Set(viewer.id),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
            })
            .exec_with_returning(txn)
            .await?;
            events::client_event(
                txn,
                viewer,
                c.id,
                model.id,
                EventKind::TrackerCreated,
                serde_json::json!({ "trackerId": model.id, "valueType": model.value_type }),
            )
            .await?;
            let target = tracker_target(&model);
            Ok((model, target))
        },
    )
    .await
}

/// Archives a custom tracker: it stops taking entries and leaves the client's list; its
/// entries stay. Archiving again changes nothing. The built-ins cannot be archived.
#[tracing::instrument(skip_all, fields(tracker_id = %id))]
pub async fn archive(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
) -> Result<tracker::Model, ServiceError> {
    audit::write(
        db,
        viewer,
        "archiveTracker",
        Target::many(vec![id]),
        async |txn| {
            let t = find(txn, viewer, Access::ClinicalWrite, id).await?;
            if t.builtin.is_some() {
                return Err(ServiceError::Conflict(
                    "the built-in MOOD and ANXIETY trackers cannot be archived".to_owned(),
                ));
            }
            let target = tracker_target(&t);
            if t.archived_at.is_some() {
                return Ok((t, target));
            }
            let now = Utc::now();
            let row = crate::concurrency::update_versioned::<tracker::Entity>(
                txn,
                tracker::Column::Id,
                tracker::Column::Version,
                t.id,
                t.version,
                tracker::ActiveModel {
                    archived_at: Set(Some(now)),
                    updated_at: Set(now),
                    ..Default::default()
                },
                "tracker",
            )
            .await?;
            events::client_event(
                txn,
                viewer,
                row.client_id,
                row.id,
                EventKind::TrackerArchived,
                serde_json::json!({ "trackerId": row.id }),
            )
            .await?;
            Ok((row, target))
        },
    )
    .await
}

/// `Client.trackers` lists at most this many (only reached with archived ones).
pub const TRACKERS_LISTED: u64 = 100;

/// `Client.trackers(includeArchived)`: each client's trackers: MOOD, ANXIETY, then custom
/// ones by creation.
pub struct TrackersOf;

impl Batch for TrackersOf {
    /// Include archived trackers.
    type Args = bool;
    type Value = Vec<tracker::Model>;
    const AUDIT: Option<&'static str> = Some("Client.trackers");

    async fn fetch(
        db: &DatabaseConnection,
        viewer: &Viewer,
        keys: &[Uuid],
        include_archived: &bool,
    ) -> Result<HashMap<Uuid, Self::Value>, ServiceError> {
        let mut q = tracker::Entity::find()
            .filter(scope(viewer, Access::Clinical)?)
            .filter(tracker::Column::ClientId.is_in(keys.iter().copied()));
        if !include_archived {
            q = q.filter(tracker::Column::ArchivedAt.is_null());
        }
        // Active trackers are at most CUSTOM_TRACKERS_MAX + 2; with archived ones, the
        // oldest TRACKERS_LISTED.
        let mut rows = batch::firsts(
            db,
            q,
            tracker::Column::ClientId,
            &[
                (tracker::Column::CreatedAt, sea_orm::Order::Asc),
                (tracker::Column::Id, sea_orm::Order::Asc),
            ],
            TRACKERS_LISTED,
        )
        .await?;
        let rank = |t: &tracker::Model| match TrackerKind::parse(&t.kind) {
            Some(TrackerKind::Mood) => 0,
            Some(TrackerKind::Anxiety) => 1,
            _ => 2,
        };
        rows.sort_by_key(rank);
        Ok(batch::group(keys, rows, |t| t.client_id))
    }

    fn touched(rows: &Self::Value, out: &mut Vec<Uuid>) {
        out.extend(rows.iter().map(|t| t.id));
    }
}

/// What became of one entry of a batch.
#[derive(Debug)]
pub enum EntryOutcome {
    /// Written now.
    Created(tracker_entry::Model),
    /// Already stored with the same content (a replay): acknowledged, not written again.
    Duplicate(tracker_entry::Model),
    /// Not written, and why.
    Rejected(ServiceError),
}

/// One entry to log: the field prefix its errors name (`input`, `input.entries.3`) and
/// the parsed entry, or the error parsing it met.
pub type EntryRequest = (String, Result<NewEntry, ServiceError>);

/// Logs one entry. A replay of the same id and content returns the stored entry and
/// `true`; the same id with other content is `CONFLICT`.
///
/// On PostgreSQL this is the hot path of every phone: one statement reads the tracker with
/// its client's time zone (scoped), and one statement writes the entry, its event, its
/// audit row, atomically and only when the id is new. A
/// replay costs one more read.
#[tracing::instrument(skip_all)]
pub async fn log_one(
    db: &DatabaseConnection,
    viewer: &Viewer,
    entry: NewEntry,
) -> Result<(tracker_entry::Model, bool), ServiceError> {
    let requested = Target::many(vec![entry.tracker_id]);
    if db.get_database_backend() != sea_orm::DatabaseBackend::Postgres {
        return log_one_in_transaction(db, viewer, entry, requested).await;
    }
    match log_one_in_one_statement(db, viewer, entry).await {
        Ok(done) => Ok(done),
        Err(e) => {
            audit::failed(db, viewer, "logEntry", &requested, &e).await;
            Err(e)
        }
    }
}

async fn log_one_in_one_statement(
    db: &DatabaseConnection,
    viewer: &Viewer,
    entry: NewEntry,
) -> Result<(tracker_entry::Model, bool), ServiceError> {
    use sea_orm::{
        QueryTrait as _,
        sea_query::{Alias, CommonTableExpression, Expr, OnConflict, Query, WithClause},
    };
    let (trackers, zones) =
        trackers_with_zones(db, viewer, Access::ClinicalWrite, &[entry.tracker_id]).await?;
    let row = entry_row(viewer, &trackers, &zones, "input", entry, Utc::now())?;
    let target = Target::client(row.client_id).with(row.id);
    let inserted = Alias::new("inserted");
    let mut insert =
        tracker_entry::Entity::insert(tracker_entry::ActiveModel::from(row.clone()).reset_all())
            .on_conflict(
                OnConflict::column(tracker_entry::Column::Id)
                    .do_nothing()
                    .to_owned(),
            )
            .into_query();
    insert.returning(Query::returning().column(tracker_entry::Column::Id));
    let when_inserted = Expr::exists(
        Query::select()
            .expr(Expr::val(1))
            .from(inserted.clone())
            .to_owned(),
    );
    let event = events::row(Some(viewer.into()), entry_event(viewer, &row));
    let audit_row = audit::row(viewer, "logEntry", &target, Ok(()));
    let with = WithClause::new()
        .cte(
            CommonTableExpression::new()
                .query(insert)
                .table_name(inserted.clone())
                .to_owned(),
        )
        .cte(
            CommonTableExpression::new()
                .query(crate::sql::insert_when(&event, when_inserted.clone())?)
                .table_name(Alias::new("logged_event"))
                .to_owned(),
        )
        .cte(
            CommonTableExpression::new()
                .query(crate::sql::insert_when(&audit_row, when_inserted)?)
                .table_name(Alias::new("audited"))
                .to_owned(),
        )
        .to_owned();
    let written = Query::select()
        .column(tracker_entry::Column::Id)
        .from(inserted)
        .to_owned()
        .with(with);
    if !db.query_all(&written).await?.is_empty() {
        events::bus::committed();
        audit::written(1);
        return Ok((row, false));
    }
    // The id is taken: a replay, or another entry's id.
    match tracker_entry::Entity::find_by_id(row.id).one(db).await? {
        Some(stored) if same_content(&stored, &row) => {
            audit::note(db, viewer, "logEntry", &target, Ok(())).await?;
            Ok((stored, true))
        }
        _ => Err(crate::values::id_taken("input.id")),
    }
}

async fn log_one_in_transaction(
    db: &DatabaseConnection,
    viewer: &Viewer,
    entry: NewEntry,
    requested: Target,
) -> Result<(tracker_entry::Model, bool), ServiceError> {
    audit::write(db, viewer, "logEntry", requested, async |txn| {
        let outcome = apply(txn, viewer, vec![("input".to_owned(), Ok(entry))])
            .await?
            .pop();
        match outcome {
            Some(EntryOutcome::Created(m)) => {
                let t = Target::client(m.client_id).with(m.id);
                Ok(((m, false), t))
            }
            Some(EntryOutcome::Duplicate(m)) => {
                let t = Target::client(m.client_id).with(m.id);
                Ok(((m, true), t))
            }
            Some(EntryOutcome::Rejected(e)) => Err(e),
            None => Err(ServiceError::Internal(
                "no outcome for the entry".to_owned(),
            )),
        }
    })
    .await
}

/// The event of a new entry: ids and visibility, never the value.
fn entry_event(viewer: &Viewer, m: &tracker_entry::Model) -> NewEvent {
    NewEvent {
        practice_id: viewer.practice_id,
        client_id: Some(m.client_id),
        kind: EventKind::EntryLogged,
        entity_id: m.id,
        payload: serde_json::json!({
            "entryId": m.id,
            "trackerId": m.tracker_id,
            "visibility": m.visibility,
        }),
    }
}

/// The trackers of `ids` the viewer may reach with `access`, and the time zones of their
/// clients, in one statement.
async fn trackers_with_zones(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    access: Access,
    ids: &[Uuid],
) -> Result<(HashMap<Uuid, tracker::Model>, HashMap<Uuid, String>), ServiceError> {
    use sea_orm::{
        FromQueryResult as _, QuerySelect as _, QueryTrait as _,
        sea_query::{Expr, ExprTrait as _, Query},
    };
    let zone = Query::select()
        .column((entity::client::Entity, entity::client::Column::Timezone))
        .from(entity::client::Entity)
        .and_where(
            Expr::col((entity::client::Entity, entity::client::Column::Id))
                .equals((tracker::Entity, tracker::Column::ClientId)),
        )
        .to_owned();
    let select = tracker::Entity::find()
        .filter(scope(viewer, access)?)
        .filter(tracker::Column::Id.is_in(ids.iter().copied()))
        .expr_as(
            Expr::SubQuery(None, Box::new(zone.into())),
            "client_timezone",
        )
        .into_query();
    let mut trackers = HashMap::new();
    let mut zones = HashMap::new();
    for r in conn.query_all(&select).await? {
        let t = tracker::Model::from_query_result(&r, "")?;
        zones.insert(t.client_id, r.try_get::<String>("", "client_timezone")?);
        trackers.insert(t.id, t);
    }
    Ok((trackers, zones))
}

/// Logs up to [`BATCH_MAX`] entries (offline sync) in one transaction. Each entry gets its
/// own outcome; a rejected entry writes nothing and does not stop the others.
#[tracing::instrument(skip_all, fields(entries = requests.len()))]
pub async fn log_batch(
    db: &DatabaseConnection,
    viewer: &Viewer,
    requests: Vec<EntryRequest>,
) -> Result<Vec<EntryOutcome>, ServiceError> {
    if requests.len() > BATCH_MAX {
        return Err(ServiceError::bad_input(
            "input.entries",
            format!("at most {BATCH_MAX} entries per call"),
        ));
    }
    audit::write(db, viewer, "logEntries", Target::default(), async |txn| {
        let outcomes = apply(txn, viewer, requests).await?;
        let mut clients_touched: Vec<Uuid> = Vec::new();
        let mut ids = Vec::new();
        for o in &outcomes {
            if let EntryOutcome::Created(m) | EntryOutcome::Duplicate(m) = o {
                if !clients_touched.contains(&m.client_id) {
                    clients_touched.push(m.client_id);
                }
                ids.push(m.id);
            }
        }
        let target = match clients_touched.as_slice() {
            [one] => Target {
                client_id: Some(*one),
                entity_ids: ids,
            },
            _ => Target::many(ids),
        };
        Ok((outcomes, target))
    })
    .await
}

/// Checks and writes entries inside `txn`: trackers in one query, stored ids in one query,
/// new rows and their events in one insert each (per 500).
async fn apply(
    txn: &DatabaseTransaction,
    viewer: &Viewer,
    requests: Vec<EntryRequest>,
) -> Result<Vec<EntryOutcome>, ServiceError> {
    let tracker_ids: Vec<Uuid> = requests
        .iter()
        .filter_map(|(_, r)| r.as_ref().ok().map(|e| e.tracker_id))
        .collect();
    let (trackers, zones) =
        trackers_with_zones(txn, viewer, Access::ClinicalWrite, &dedup(tracker_ids)).await?;
    let given: Vec<Uuid> = requests
        .iter()
        .filter_map(|(_, r)| r.as_ref().ok().and_then(|e| e.id))
        .collect();
    let mut stored: HashMap<Uuid, tracker_entry::Model> = HashMap::new();
    for chunk in dedup(given).chunks(BATCH_MAX) {
        for e in tracker_entry::Entity::find()
            .filter(tracker_entry::Column::Id.is_in(chunk.to_vec()))
            .all(txn)
            .await?
        {
            stored.insert(e.id, e);
        }
    }
    let now = Utc::now();
    // Per request: decided now, or the index of a new row it created or repeats.
    enum Slot {
        Done(Box<EntryOutcome>),
        Fresh(usize),
        RepeatOf(usize),
    }
    let mut slots: Vec<Slot> = Vec::with_capacity(requests.len());
    let mut rows: Vec<tracker_entry::Model> = Vec::new();
    let mut row_of_id: HashMap<Uuid, usize> = HashMap::new();
    let conflict = |prefix: &str| crate::values::id_taken(&format!("{prefix}.id"));
    for (prefix, request) in requests {
        let row = match request.and_then(|e| entry_row(viewer, &trackers, &zones, &prefix, e, now))
        {
            Ok(row) => row,
            Err(e) => {
                slots.push(Slot::Done(Box::new(EntryOutcome::Rejected(e))));
                continue;
            }
        };
        let id = row.id;
        slots.push(if let Some(existing) = stored.get(&id) {
            Slot::Done(Box::new(if same_content(existing, &row) {
                EntryOutcome::Duplicate(existing.clone())
            } else {
                EntryOutcome::Rejected(conflict(&prefix))
            }))
        } else if let Some(&k) = row_of_id.get(&id) {
            // The same id twice in one batch: the first one counts.
            if same_content(&rows[k], &row) {
                Slot::RepeatOf(k)
            } else {
                Slot::Done(Box::new(EntryOutcome::Rejected(conflict(&prefix))))
            }
        } else {
            row_of_id.insert(id, rows.len());
            rows.push(row);
            Slot::Fresh(rows.len() - 1)
        });
    }
    for chunk in rows.chunks(BATCH_MAX) {
        let active = chunk
            .iter()
            .map(|m| tracker_entry::ActiveModel::from(m.clone()).reset_all());
        tracker_entry::Entity::insert_many(active)
            .exec_without_returning(txn)
            .await?;
    }
    let models = rows;
    let new_events = models.iter().map(|m| entry_event(viewer, m)).collect();
    events::append_many(txn, Some(viewer.into()), new_events).await?;
    Ok(slots
        .into_iter()
        .map(|slot| match slot {
            Slot::Done(o) => *o,
            Slot::Fresh(k) => EntryOutcome::Created(models[k].clone()),
            Slot::RepeatOf(k) => EntryOutcome::Duplicate(models[k].clone()),
        })
        .collect())
}

fn dedup(mut ids: Vec<Uuid>) -> Vec<Uuid> {
    ids.sort();
    ids.dedup();
    ids
}

/// Whether two entries say the same (a replay), whoever sent them when.
fn same_content(a: &tracker_entry::Model, b: &tracker_entry::Model) -> bool {
    a.tracker_id == b.tracker_id
        && a.recorded_at == b.recorded_at
        && a.value == b.value
        && a.context == b.context
        && a.note == b.note
        && a.visibility == b.visibility
}

/// The row for one entry, checked against its tracker.
fn entry_row(
    viewer: &Viewer,
    trackers: &HashMap<Uuid, tracker::Model>,
    zones: &HashMap<Uuid, String>,
    prefix: &str,
    e: NewEntry,
    now: DateTime<Utc>,
) -> Result<tracker_entry::Model, ServiceError> {
    let t = trackers.get(&e.tracker_id).ok_or(ServiceError::NotFound)?;
    if t.archived_at.is_some() {
        return Err(ServiceError::Conflict(
            "the tracker is archived; it takes no new entries".to_owned(),
        ));
    }
    let value_type = ValueType::parse(&t.value_type)
        .ok_or_else(|| ServiceError::Internal("unknown value type".to_owned()))?;
    let range = Range {
        value_type,
        min: t.min_value,
        max: t.max_value,
    };
    let value = range.check(e.value, &format!("{prefix}.value"))?;
    let visibility = e
        .visibility
        .check(viewer.role(), &format!("{prefix}.visibility"))?;
    let tz = zones.get(&t.client_id).map(String::as_str).unwrap_or("UTC");
    let local = local_position(tz, e.recorded_at);
    Ok(tracker_entry::Model {
        id: e.id.unwrap_or_else(Uuid::now_v7),
        practice_id: t.practice_id,
        client_id: t.client_id,
        tracker_id: t.id,
        recorded_at: e.recorded_at,
        local_date: local.date,
        local_day: local.day,
        local_minute: local.minute,
        value,
        context: e.context,
        note: e.note,
        visibility: visibility.as_str().to_owned(),
        created_by: viewer.id,
        created_by_role: viewer.role().as_str().to_owned(),
        created_at: now,
    })
}

/// Keyset of entry and thought-record lists: the instant, then the id.
pub type InstantCursor = (DateTime<Utc>, Uuid);

/// `Tracker.entries(from, to)`: a page of each tracker's entries by time, optionally
/// within `[from, to)`.
pub struct EntriesOf;

/// The `[from, to)` bounds of an entry list.
pub type EntryWindow = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

impl Batch for EntriesOf {
    type Args = Paged<InstantCursor, EntryWindow>;
    type Value = Page<tracker_entry::Model>;
    const AUDIT: Option<&'static str> = Some("Tracker.entries");

    async fn fetch(
        db: &DatabaseConnection,
        viewer: &Viewer,
        keys: &[Uuid],
        args: &Self::Args,
    ) -> Result<HashMap<Uuid, Self::Value>, ServiceError> {
        let (from, to) = args.filter;
        let mut q = tracker_entry::Entity::find().filter(scope::records_of_visible(
            viewer,
            Access::Clinical,
            tracker_entry::Column::PracticeId,
            tracker_entry::Column::ClientId,
        )?);
        if let Some(from) = from {
            q = q.filter(tracker_entry::Column::RecordedAt.gte(from));
        }
        if let Some(to) = to {
            q = q.filter(tracker_entry::Column::RecordedAt.lt(to));
        }
        Ok(batch::pages(
            db,
            q,
            Keyset {
                parent: tracker_entry::Column::TrackerId,
                key: tracker_entry::Column::RecordedAt,
                id: tracker_entry::Column::Id,
            },
            keys,
            &args.page,
            args.totals,
            |e| e.tracker_id,
        )
        .await?)
    }

    fn touched(page: &Self::Value, out: &mut Vec<Uuid>) {
        out.extend(page.items.iter().map(|e| e.id));
    }
}

/// Whether `viewer` sees PRIVATE content: only the client, of their own record.
pub fn sees_private(viewer: &Viewer) -> bool {
    viewer.role() == Role::Client
}
