//! Loading a client's record for the FHIR export: a fixed number of set-based statements
//! per bundle (never one per goal, plan or entry), each scoped in SQL to the clients the
//! viewer may read clinically; the read is audited like every clinical read.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait as _, DatabaseConnection, EntityTrait as _, QueryFilter as _, QueryOrder as _,
    QuerySelect as _,
};
use serde_json::Value;
use uuid::Uuid;

use super::domain::{self, ENTRIES_MAX, HOMEWORK_MAX, MEASURES_MAX, Record};
use crate::sql;
use crate::{
    audit::{self, Target},
    auth::Viewer,
    error::ServiceError,
    goals::service as goals,
    homework::domain::HomeworkStatus,
    plans::service as plans,
    scope::{self, Access},
};
use entity::{homework, homework_occurrence, measure_response, tracker, tracker_entry};

/// The client's record as a FHIR R4 `Bundle` of type `collection`. Clinical access:
/// others get `NOT_FOUND` (integrators without `CLINICAL_READ`, `FORBIDDEN`). Private
/// tracker entries are never read. Tracker entries and measures are those at or after
/// `since`, oldest first, at most [`ENTRIES_MAX`] and [`MEASURES_MAX`].
#[tracing::instrument(skip_all, fields(client_id = %client_id))]
pub async fn bundle(
    db: &DatabaseConnection,
    viewer: &Viewer,
    client_id: Uuid,
    since: Option<DateTime<Utc>>,
) -> Result<Value, ServiceError> {
    let since = since
        .map(|s| crate::values::happened_at(Some(s), "since", Utc::now()))
        .transpose()?;
    audit::read(
        db,
        viewer,
        "Client.fhirBundle",
        Target::client(client_id),
        async |db| {
            let record = load(db, viewer, client_id, since).await?;
            let mut target = Target::client(client_id);
            target.entity_ids.extend(record.goals.iter().map(|g| g.id));
            target
                .entity_ids
                .extend(record.plans.iter().map(|(p, _)| p.id));
            target
                .entity_ids
                .extend(record.homework.iter().map(|h| h.id));
            target
                .entity_ids
                .extend(record.measures.iter().map(|m| m.id));
            Ok((domain::bundle(&record), target))
        },
    )
    .await
}

async fn load(
    db: &DatabaseConnection,
    viewer: &Viewer,
    client_id: Uuid,
    since: Option<DateTime<Utc>>,
) -> Result<Record, ServiceError> {
    let client = scope::find_visible(db, viewer, Access::Clinical, client_id).await?;
    let ids = [client_id];
    let goal_rows = goals::goals_of_clients(db, viewer, &ids).await?;
    let goal_ids: Vec<Uuid> = goal_rows.iter().map(|g| g.id).collect();
    let (steps, latest_progress) = if goal_ids.is_empty() {
        (Vec::new(), Vec::new())
    } else {
        (
            crate::goals::steps::steps_of_goals(db, viewer, &goal_ids).await?,
            goals::latest_progress(db, viewer, &goal_ids).await?,
        )
    };
    let plans = plans::plans_of_clients(db, viewer, &ids)
        .await?
        .into_iter()
        .map(|p| {
            let content = plans::content(&p)?;
            Ok((p, content))
        })
        .collect::<Result<Vec<_>, ServiceError>>()?;
    let homework = homework_of(db, viewer, client_id).await?;
    let reviewed_outcomes = reviewed_outcomes(db, viewer, &homework).await?;
    let trackers = tracker::Entity::find()
        .filter(crate::tracking::service::scope(viewer, Access::Clinical)?)
        .filter(tracker::Column::ClientId.eq(client_id))
        .all(db)
        .await?;
    let entries = shared_entries(db, viewer, client_id, since).await?;
    let measures = measures_of(db, viewer, client_id, since).await?;
    Ok(Record {
        bundle_id: Uuid::now_v7(),
        generated_at: Utc::now(),
        client,
        goals: goal_rows,
        steps,
        latest_progress,
        plans,
        homework,
        reviewed_outcomes,
        trackers,
        entries,
        measures,
    })
}

/// The latest-due [`HOMEWORK_MAX`] assignments, by due date.
async fn homework_of(
    db: &DatabaseConnection,
    viewer: &Viewer,
    client_id: Uuid,
) -> Result<Vec<homework::Model>, ServiceError> {
    let mut rows = homework::Entity::find()
        .filter(scope::records_of_visible(
            viewer,
            Access::Clinical,
            homework::Column::PracticeId,
            homework::Column::ClientId,
        )?)
        .filter(homework::Column::ClientId.eq(client_id))
        .order_by_desc(homework::Column::DueAt)
        .order_by_desc(homework::Column::Id)
        .limit(HOMEWORK_MAX)
        .all(db)
        .await?;
    rows.reverse();
    Ok(rows)
}

/// How each REVIEWED assignment went, counted in SQL over its occurrences (one statement):
/// COMPLETED when every occurrence was, NOT_DONE when none was done, PARTIAL otherwise
/// (the rule of `homework::domain::overall`).
async fn reviewed_outcomes(
    db: &DatabaseConnection,
    viewer: &Viewer,
    homework: &[homework::Model],
) -> Result<HashMap<Uuid, HomeworkStatus>, ServiceError> {
    let reviewed: Vec<Uuid> = homework
        .iter()
        .filter(|h| h.status == HomeworkStatus::Reviewed.as_str())
        .map(|h| h.id)
        .collect();
    if reviewed.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(Uuid, i64, i64, i64)> = homework_occurrence::Entity::find()
        .select_only()
        .column(homework_occurrence::Column::HomeworkId)
        .column_as(sql::count_all(), "submitted")
        .column_as(
            sql::count_if(
                sea_orm::Condition::all().add(homework_occurrence::Column::Outcome.eq("COMPLETED")),
            ),
            "completed",
        )
        .column_as(
            sql::count_if(
                sea_orm::Condition::all().add(homework_occurrence::Column::Outcome.eq("NOT_DONE")),
            ),
            "not_done",
        )
        .filter(scope::records_of_visible(
            viewer,
            Access::Clinical,
            homework_occurrence::Column::PracticeId,
            homework_occurrence::Column::ClientId,
        )?)
        .filter(homework_occurrence::Column::HomeworkId.is_in(reviewed))
        .filter(homework_occurrence::Column::Outcome.is_not_null())
        .group_by(homework_occurrence::Column::HomeworkId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, submitted, completed, not_done)| {
            let status = if completed == submitted {
                HomeworkStatus::Completed
            } else if not_done == submitted {
                HomeworkStatus::NotDone
            } else {
                HomeworkStatus::Partial
            };
            (id, status)
        })
        .collect())
}

/// SHARED entries at or after `since`, oldest first, at most [`ENTRIES_MAX`]. PRIVATE
/// entries are the client's alone and never leave in an export, whoever asks.
async fn shared_entries(
    db: &DatabaseConnection,
    viewer: &Viewer,
    client_id: Uuid,
    since: Option<DateTime<Utc>>,
) -> Result<Vec<tracker_entry::Model>, ServiceError> {
    let mut q = tracker_entry::Entity::find()
        .filter(scope::records_of_visible(
            viewer,
            Access::Clinical,
            tracker_entry::Column::PracticeId,
            tracker_entry::Column::ClientId,
        )?)
        .filter(tracker_entry::Column::ClientId.eq(client_id))
        .filter(
            tracker_entry::Column::Visibility
                .eq(crate::tracking::domain::Visibility::Shared.as_str()),
        );
    if let Some(since) = since {
        q = q.filter(tracker_entry::Column::RecordedAt.gte(since));
    }
    Ok(q.order_by_asc(tracker_entry::Column::RecordedAt)
        .order_by_asc(tracker_entry::Column::Id)
        .limit(ENTRIES_MAX)
        .all(db)
        .await?)
}

/// Measure responses at or after `since`, oldest first, at most [`MEASURES_MAX`].
async fn measures_of(
    db: &DatabaseConnection,
    viewer: &Viewer,
    client_id: Uuid,
    since: Option<DateTime<Utc>>,
) -> Result<Vec<measure_response::Model>, ServiceError> {
    let mut q = measure_response::Entity::find()
        .filter(scope::records_of_visible(
            viewer,
            Access::Clinical,
            measure_response::Column::PracticeId,
            measure_response::Column::ClientId,
        )?)
        .filter(measure_response::Column::ClientId.eq(client_id));
    if let Some(since) = since {
        q = q.filter(measure_response::Column::AdministeredAt.gte(since));
    }
    Ok(q.order_by_asc(measure_response::Column::AdministeredAt)
        .order_by_asc(measure_response::Column::Id)
        .limit(MEASURES_MAX)
        .all(db)
        .await?)
}
