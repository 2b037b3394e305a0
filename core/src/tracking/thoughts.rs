//! Thought records: writing one (with its emotions, idempotent by id) and reading a
//! client's, a page at a time. Scope is the client's; a PRIVATE record's content is held
//! back from everyone but the client by the types.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::{
    ColumnTrait as _, ConnectionTrait, DatabaseConnection, EntityTrait as _, QueryFilter as _,
    QueryOrder as _, Set,
};
use uuid::Uuid;

use super::domain::{CognitiveDistortion, Emotion, NewThoughtRecord};
use super::service::InstantCursor;
use crate::{
    audit::{self, Target},
    auth::Viewer,
    batch::{self, Batch, Keyset, Paged},
    error::ServiceError,
    events::{self, EventKind},
    pagination::Page,
    scope::{self, Access},
};
use entity::{thought_record, thought_record_emotion as emotion};

/// A thought record with its emotions in order.
pub type ThoughtRecordRow = (thought_record::Model, Vec<emotion::Model>);

fn same_record(stored: &ThoughtRecordRow, new: &NewThoughtRecord) -> bool {
    let (r, emotions) = stored;
    let stored_emotions: Vec<Emotion> = emotions
        .iter()
        .map(|e| Emotion {
            name: e.name.clone(),
            before: e.intensity_before,
            after: e.intensity_after,
        })
        .collect();
    r.client_id == new.client_id
        && new.recorded_at.is_none_or(|t| t == r.recorded_at)
        && r.situation == new.situation
        && r.automatic_thought == new.automatic_thought
        && r.belief_before == new.belief_before
        && r.evidence_for == new.evidence_for
        && r.evidence_against == new.evidence_against
        && r.distortions == distortions_json(&new.distortions)
        && r.balanced_thought == new.balanced_thought
        && r.belief_after == new.belief_after
        && r.visibility == new.visibility.as_str()
        && stored_emotions == new.emotions
}

fn distortions_json(d: &[CognitiveDistortion]) -> serde_json::Value {
    serde_json::json!(d.iter().map(|d| d.as_str()).collect::<Vec<_>>())
}

async fn emotions_of(
    conn: &impl ConnectionTrait,
    ids: Vec<Uuid>,
) -> Result<HashMap<Uuid, Vec<emotion::Model>>, ServiceError> {
    let mut out: HashMap<Uuid, Vec<emotion::Model>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    for e in emotion::Entity::find()
        .filter(emotion::Column::ThoughtRecordId.is_in(ids))
        .order_by_asc(emotion::Column::ThoughtRecordId)
        .order_by_asc(emotion::Column::Position)
        .all(conn)
        .await?
    {
        out.entry(e.thought_record_id).or_default().push(e);
    }
    Ok(out)
}

/// Records a thought record (the client, or the care team in session). A replay with the
/// same id and content returns the stored record and `true`.
#[tracing::instrument(skip_all, fields(client_id = %new.client_id))]
pub async fn record_thought(
    db: &DatabaseConnection,
    viewer: &Viewer,
    new: NewThoughtRecord,
) -> Result<(ThoughtRecordRow, bool), ServiceError> {
    audit::write(
        db,
        viewer,
        "recordThoughtRecord",
        Target::client(new.client_id),
        async |txn| {
            let c = scope::find_visible(txn, viewer, Access::ClinicalWrite, new.client_id).await?;
            new.visibility.check(viewer.role(), "input.visibility")?;
            let id = new.id.unwrap_or_else(Uuid::now_v7);
            let target = Target::client(c.id).with(id);
            if let Some(existing) = thought_record::Entity::find_by_id(id).one(txn).await? {
                let emotions = emotions_of(txn, vec![id])
                    .await?
                    .remove(&id)
                    .unwrap_or_default();
                let row = (existing, emotions);
                return if same_record(&row, &new) {
                    Ok(((row, true), target))
                } else {
                    Err(crate::values::id_taken("input.id"))
                };
            }
            let now = Utc::now();
            let record = thought_record::Entity::insert(thought_record::ActiveModel {
                id: Set(id),
                practice_id: Set(viewer.practice_id),
                client_id: Set(c.id),
                recorded_at: Set(new
                    .recorded_at
                    .unwrap_or_else(|| crate::values::stored_instant(now))),
                situation: Set(new.situation.clone()),
                automatic_thought: Set(new.automatic_thought.clone()),
                belief_before: Set(new.belief_before),
                evidence_for: Set(new.evidence_for.clone()),
                evidence_against: Set(new.evidence_against.clone()),
                distortions: Set(distortions_json(&new.distortions)),
                balanced_thought: Set(new.balanced_thought.clone()),
                belief_after: Set(new.belief_after),
                visibility: Set(new.visibility.as_str().to_owned()),
                created_by: Set(viewer.id),
                created_by_role: Set(viewer.role().as_str().to_owned()),
                created_at: Set(now),
            })
            .exec_with_returning(txn)
            .await?;
            let rows: Vec<emotion::ActiveModel> = new
                .emotions
                .iter()
                .enumerate()
                .map(|(i, e)| emotion::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    thought_record_id: Set(id),
                    position: Set(i32::try_from(i).unwrap_or(i32::MAX)),
                    name: Set(e.name.clone()),
                    intensity_before: Set(e.before),
                    intensity_after: Set(e.after),
                })
                .collect();
            emotion::Entity::insert_many(rows)
                .exec_without_returning(txn)
                .await?;
            events::client_event(
                txn,
                viewer,
                c.id,
                id,
                EventKind::ThoughtRecordCreated,
                serde_json::json!({ "thoughtRecordId": id, "visibility": record.visibility }),
            )
            .await?;
            let emotions = emotions_of(txn, vec![id])
                .await?
                .remove(&id)
                .unwrap_or_default();
            Ok((((record, emotions), false), target))
        },
    )
    .await
}

/// `Client.thoughtRecords`: a page of each client's thought records by time, with their
/// emotions (two statements for any number of clients).
pub struct ThoughtRecordsOf;

impl Batch for ThoughtRecordsOf {
    type Args = Paged<InstantCursor>;
    type Value = Page<ThoughtRecordRow>;
    const AUDIT: Option<&'static str> = Some("Client.thoughtRecords");

    async fn fetch(
        db: &DatabaseConnection,
        viewer: &Viewer,
        keys: &[Uuid],
        args: &Self::Args,
    ) -> Result<HashMap<Uuid, Self::Value>, ServiceError> {
        let q = thought_record::Entity::find().filter(scope::records_of_visible(
            viewer,
            Access::Clinical,
            thought_record::Column::PracticeId,
            thought_record::Column::ClientId,
        )?);
        let pages = batch::pages(
            db,
            q,
            Keyset {
                parent: thought_record::Column::ClientId,
                key: thought_record::Column::RecordedAt,
                id: thought_record::Column::Id,
            },
            keys,
            &args.page,
            args.totals,
            |r| r.client_id,
        )
        .await?;
        let ids: Vec<Uuid> = pages
            .values()
            .flat_map(|p| p.items.iter().map(|r| r.id))
            .collect();
        let mut emotions = emotions_of(db, ids).await?;
        Ok(pages
            .into_iter()
            .map(|(client, page)| {
                let page = Page {
                    items: page
                        .items
                        .into_iter()
                        .map(|r| {
                            let e = emotions.remove(&r.id).unwrap_or_default();
                            (r, e)
                        })
                        .collect(),
                    has_next: page.has_next,
                    has_previous: page.has_previous,
                    total: page.total,
                };
                (client, page)
            })
            .collect())
    }

    fn touched(page: &Self::Value, out: &mut Vec<Uuid>) {
        out.extend(page.items.iter().map(|(r, _)| r.id));
    }
}
