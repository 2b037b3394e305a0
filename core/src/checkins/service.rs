//! Check-in rules and SQL (clinical scope: the care team schedules, the client answers).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait as _, ConnectionTrait, DatabaseConnection, EntityTrait as _, Order,
    QueryFilter as _, QueryOrder as _, Set,
};
use uuid::Uuid;

use super::domain::{CheckInStatus, GRACE, OCCURRENCES_MAX};

/// The most check-ins one list returns (three months of daily check-ins and then some).
pub const LIST_MAX: u64 = 200;
use crate::{
    audit::{self, Target},
    auth::Viewer,
    batch::{self, Batch},
    error::ServiceError,
    events::{self, Acting, EventKind},
    recurrence::{Repeat, due_instants},
    scope::{self, Access},
};
use entity::check_in;

/// Check-ins to schedule, parsed.
pub struct NewCheckIn {
    pub client_id: Uuid,
    pub prompt: String,
    pub due_at: Option<DateTime<Utc>>,
    pub repeat: Option<Repeat>,
}

/// Schedules a check-in, or a series of them (the care team; integrators with
/// `CLINICAL_WRITE`). Returns them by due time.
#[tracing::instrument(skip_all, fields(client_id = %new.client_id))]
pub async fn schedule(
    db: &DatabaseConnection,
    viewer: &Viewer,
    new: NewCheckIn,
) -> Result<Vec<check_in::Model>, ServiceError> {
    audit::write(
        db,
        viewer,
        "scheduleCheckIn",
        Target::client(new.client_id),
        async |txn| {
            let c = scope::find_visible(txn, viewer, Access::ClinicalWrite, new.client_id).await?;
            viewer.require_care_team("check-ins are scheduled by the care team")?;
            let now = Utc::now();
            let dues = due_instants(
                new.due_at,
                new.repeat.as_ref(),
                &c.timezone,
                now,
                OCCURRENCES_MAX,
            )?;
            let (series, created) =
                insert_series(txn, viewer.into(), &c, &new.prompt, &dues).await?;
            Ok((created, Target::client(c.id).with(series)))
        },
    )
    .await
}

/// Inserts a series of check-ins for client `c`, one per due instant, with its
/// CHECK_IN_SCHEDULED event, inside `txn` (the caller checked scope). Returns the series id
/// and the check-ins by due time.
pub async fn insert_series(
    txn: &impl ConnectionTrait,
    by: Acting,
    c: &entity::client::Model,
    prompt: &str,
    dues: &[DateTime<Utc>],
) -> Result<(Uuid, Vec<check_in::Model>), ServiceError> {
    let now = Utc::now();
    let series = Uuid::now_v7();
    let rows: Vec<check_in::ActiveModel> = dues
        .iter()
        .map(|due| check_in::ActiveModel {
            id: Set(Uuid::now_v7()),
            practice_id: Set(by.practice_id),
            client_id: Set(c.id),
            series_id: Set(series),
            prompt: Set(prompt.to_owned()),
            due_at: Set(*due),
            response_text: Set(None),
            mood: Set(None),
            responded_at: Set(None),
            created_by: Set(by.by),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .collect();
    check_in::Entity::insert_many(rows)
        .exec_without_returning(txn)
        .await?;
    by.client_event(
        txn,
        c.id,
        series,
        EventKind::CheckInScheduled,
        serde_json::json!({ "seriesId": series, "count": dues.len() }),
    )
    .await?;
    let created = check_in::Entity::find()
        .filter(check_in::Column::SeriesId.eq(series))
        .order_by_asc(check_in::Column::DueAt)
        .all(txn)
        .await?;
    Ok((series, created))
}

/// The client answers a check-in (once; a missed one can still be answered late).
#[tracing::instrument(skip_all, fields(check_in_id = %id))]
pub async fn respond(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
    text: String,
    mood: Option<i32>,
) -> Result<check_in::Model, ServiceError> {
    audit::write(db, viewer, "respondToCheckIn", Target::many(vec![id]), async |txn| {
        let current = check_in::Entity::find_by_id(id)
            .filter(scope::records_of_visible(
                viewer,
                Access::ClinicalWrite,
                check_in::Column::PracticeId,
                check_in::Column::ClientId,
            )?)
            .one(txn)
            .await?
            .ok_or(ServiceError::NotFound)?;
        viewer.require_client("only the client answers a check-in")?;
        if current.responded_at.is_some() {
            return Err(ServiceError::Conflict(
                "the check-in was already answered".to_owned(),
            ));
        }
        let now = Utc::now();
        let changed = check_in::Entity::update_many()
            .set(check_in::ActiveModel {
                response_text: Set(Some(text.clone())),
                mood: Set(mood),
                responded_at: Set(Some(now)),
                updated_at: Set(now),
                ..Default::default()
            })
            .filter(check_in::Column::Id.eq(id))
            .filter(check_in::Column::RespondedAt.is_null())
            .exec(txn)
            .await?
            .rows_affected;
        if changed != 1 {
            return Err(ServiceError::Conflict(
                "the check-in was already answered".to_owned(),
            ));
        }
        let row = check_in::Entity::find_by_id(id)
            .one(txn)
            .await?
            .ok_or(ServiceError::NotFound)?;
        events::client_event(
            txn,
            viewer,
            row.client_id,
            row.id,
            EventKind::CheckInResponded,
            serde_json::json!({ "checkInId": row.id, "seriesId": row.series_id, "withMood": mood.is_some() }),
        )
        .await?;
        let t = Target::client(row.client_id).with(row.id);
        Ok((row, t))
    })
    .await
}

/// `Client.checkIns(status)`: each client's check-ins by due time, optionally of one
/// status (filtered in SQL), at most [`LIST_MAX`] per client.
pub struct CheckInsOf;

impl Batch for CheckInsOf {
    type Args = Option<CheckInStatus>;
    type Value = Vec<check_in::Model>;
    const AUDIT: Option<&'static str> = Some("Client.checkIns");

    async fn fetch(
        db: &DatabaseConnection,
        viewer: &Viewer,
        keys: &[Uuid],
        status: &Self::Args,
    ) -> Result<HashMap<Uuid, Self::Value>, ServiceError> {
        let cutoff = Utc::now() - GRACE;
        let mut q = check_in::Entity::find()
            .filter(scope::records_of_visible(
                viewer,
                Access::Clinical,
                check_in::Column::PracticeId,
                check_in::Column::ClientId,
            )?)
            .filter(check_in::Column::ClientId.is_in(keys.iter().copied()));
        q = match status {
            None => q,
            Some(CheckInStatus::Answered) => q.filter(check_in::Column::RespondedAt.is_not_null()),
            Some(CheckInStatus::Missed) => q
                .filter(check_in::Column::RespondedAt.is_null())
                .filter(check_in::Column::DueAt.lt(cutoff)),
            Some(CheckInStatus::Pending) => q
                .filter(check_in::Column::RespondedAt.is_null())
                .filter(check_in::Column::DueAt.gte(cutoff)),
        };
        let rows = batch::firsts(
            db,
            q,
            check_in::Column::ClientId,
            &[
                (check_in::Column::DueAt, Order::Asc),
                (check_in::Column::Id, Order::Asc),
            ],
            LIST_MAX,
        )
        .await?;
        Ok(batch::group(keys, rows, |c| c.client_id))
    }

    fn touched(rows: &Self::Value, out: &mut Vec<Uuid>) {
        out.extend(rows.iter().map(|c| c.id));
    }
}
