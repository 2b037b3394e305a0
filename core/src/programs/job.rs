//! The programme job: every `MOMENTUM_PROGRAM_SECONDS` each server process tries to take the
//! job's lock (its `job_cursor` row, `FOR UPDATE SKIP LOCKED` on PostgreSQL; the write lock on
//! SQLite). The one that gets it opens, for every ACTIVE enrolment, the next module whose rule
//! is met (the previous module's homework done, or its days passed), and marks enrolments
//! whose every module is open and done COMPLETED. A module opens once: its opening row is
//! unique per enrolment and module.

use std::{collections::HashMap, time::Duration};

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait as _, DatabaseConnection, EntityTrait as _, QueryFilter as _};
use tokio::sync::watch;
use uuid::Uuid;

use super::{
    domain::EnrollmentStatus,
    service::{open_module, progress_of},
};
use crate::{audit::begin_write, error::ServiceError, events::Acting};
use entity::{client, program_enrollment as enrollment};

/// The job's row in `job_cursor` (its lock).
pub const CURSOR_NAME: &str = "programs";

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Advanced {
    /// Modules opened.
    pub opened: u64,
    /// Enrolments completed.
    pub completed: u64,
}

/// Runs a pass every `every` until `shutdown` turns `true`.
pub async fn run(db: DatabaseConnection, every: Duration, shutdown: watch::Receiver<bool>) {
    crate::jobs::every(every, shutdown, || async {
        match crate::jobs::pass("programs.advance", pass(&db, Utc::now())).await {
            Ok(Some(a)) if a.opened + a.completed > 0 => {
                tracing::info!(
                    opened = a.opened,
                    completed = a.completed,
                    "programme modules opened"
                );
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = ?e, "the programme pass failed; trying again later"),
        }
    })
    .await;
}

/// One pass at `now`; `None` when another process holds the lock. Five statements to read
/// every ACTIVE enrolment whatever their number, then the writes of what opens.
pub async fn pass(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
) -> Result<Option<Advanced>, ServiceError> {
    let txn = begin_write(db).await?;
    if crate::jobs::lock(&txn, CURSOR_NAME, false).await?.is_none() {
        txn.commit().await?;
        return Ok(None);
    }
    let active = enrollment::Entity::find()
        .filter(enrollment::Column::Status.eq(EnrollmentStatus::Active.as_str()))
        .all(&txn)
        .await?;
    let progress = progress_of(&txn, active, now).await?;
    let mut done = Advanced::default();
    let mut due = Vec::new();
    for p in progress {
        match p.next() {
            None if p.finished() => due.push((p, None)),
            None => {}
            Some(next) => {
                if let Some(because) = next.opens {
                    let m = next.module.clone();
                    due.push((p, Some((m, because))));
                }
            }
        }
    }
    if !due.is_empty() {
        let clients: HashMap<Uuid, client::Model> = client::Entity::find()
            .filter(client::Column::Id.is_in(due.iter().map(|(p, _)| p.enrollment.client_id)))
            .all(&txn)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
        for (p, open) in due {
            let e = &p.enrollment;
            let Some(c) = clients.get(&e.client_id) else {
                continue;
            };
            // The server's own job acts; the work it assigns is recorded as the enrolling
            // therapist's.
            let by = Acting {
                practice_id: e.practice_id,
                by: e.enrolled_by,
                actor: None,
            };
            match open {
                Some((m, because)) => {
                    open_module(&txn, by, c, e, &m, because, now).await?;
                    done.opened += 1;
                }
                None => {
                    complete(&txn, by, e, now).await?;
                    done.completed += 1;
                }
            }
        }
    }
    txn.commit().await?;
    if done.opened + done.completed > 0 {
        crate::events::bus::committed();
    }
    Ok(Some(done))
}

/// Marks `e` COMPLETED with its event.
async fn complete(
    txn: &sea_orm::DatabaseTransaction,
    by: Acting,
    e: &enrollment::Model,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let row = super::service::finish(txn, e, now).await?;
    by.client_event(
        txn,
        row.client_id,
        row.id,
        crate::events::EventKind::ProgramCompleted,
        serde_json::json!({ "enrollmentId": row.id, "programId": row.program_id, "status": row.status }),
    )
    .await?;
    Ok(())
}
