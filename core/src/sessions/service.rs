//! Session rules and SQL. A session is visible exactly when its client is (clinical
//! access); the care team and integrators schedule them, clients read their own.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::{
    ColumnTrait as _, Condition, ConnectionTrait, DatabaseConnection, EntityTrait as _,
    ExprTrait as _, PaginatorTrait as _, QueryFilter as _, QueryOrder as _, Set, SqlErr,
    sea_query::{Alias, Expr, Func, Query},
};
use uuid::Uuid;

use super::domain::{NewSession, SessionStatus};
use crate::{
    audit::{self, Target},
    auth::{Role, Viewer},
    batch::{self, Batch, Keyset, Paged},
    concurrency::update_versioned,
    error::ServiceError,
    events::{self, EventKind},
    pagination::Page,
    scope::{self, Access},
};
use entity::therapy_session as session;

/// Scheduling is the care team's (or the EHR's) job; clients read their sessions.
const SCHEDULERS: &str = "sessions are scheduled by the care team";

fn scope(viewer: &Viewer, access: Access) -> Result<Condition, ServiceError> {
    scope::records_of_visible(
        viewer,
        access,
        session::Column::PracticeId,
        session::Column::ClientId,
    )
}

async fn find(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    access: Access,
    id: Uuid,
) -> Result<session::Model, ServiceError> {
    session::Entity::find_by_id(id)
        .filter(scope(viewer, access)?)
        .one(conn)
        .await?
        .ok_or(ServiceError::NotFound)
}

fn target(s: &session::Model) -> Target {
    Target::client(s.client_id).with(s.id)
}

async fn event(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    s: &session::Model,
    kind: EventKind,
) -> Result<(), ServiceError> {
    events::client_event(
        conn,
        viewer,
        s.client_id,
        s.id,
        kind,
        serde_json::json!({ "sessionId": s.id, "status": s.status, "scheduledAt": s.scheduled_at, "version": s.version }),
    )
    .await?;
    Ok(())
}

/// One session (clinical access).
#[tracing::instrument(skip_all, fields(session_id = %id))]
pub async fn get(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
) -> Result<session::Model, ServiceError> {
    audit::read(
        db,
        viewer,
        "therapySession",
        Target::many(vec![id]),
        async |db| {
            let s = find(db, viewer, Access::Clinical, id).await?;
            let t = target(&s);
            Ok((s, t))
        },
    )
    .await
}

/// The therapist who holds the session: the one given (on the care team), else the
/// scheduling therapist.
async fn therapist_for(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    new: &NewSession,
) -> Result<Option<Uuid>, ServiceError> {
    match new.therapist_id {
        Some(id) => {
            if scope::on_care_team(conn, new.client_id, id).await? {
                Ok(Some(id))
            } else {
                Err(ServiceError::bad_input(
                    "input.therapistId",
                    "is not on the client's care team",
                ))
            }
        }
        None => Ok((viewer.role() == Role::Therapist).then_some(viewer.id)),
    }
}

fn unique_violation(e: &sea_orm::DbErr) -> bool {
    matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

async fn insert(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    new: &NewSession,
    therapist_id: Option<Uuid>,
    status: SessionStatus,
) -> Result<session::Model, ServiceError> {
    let now = Utc::now();
    let row = session::Entity::insert(session::ActiveModel {
        id: Set(Uuid::now_v7()),
        practice_id: Set(viewer.practice_id),
        client_id: Set(new.client_id),
        therapist_id: Set(therapist_id),
        scheduled_at: Set(new.scheduled_at),
        duration_minutes: Set(new.duration_minutes),
        focus: Set(new.focus.clone()),
        status: Set(status.as_str().to_owned()),
        cancel_reason: Set(None),
        completed_at: Set((status == SessionStatus::Completed).then_some(now)),
        external_ref: Set(new.external_ref.clone()),
        created_by: Set(viewer.id),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_with_returning(conn)
    .await
    .map_err(|e| {
        if unique_violation(&e) {
            ServiceError::Conflict(
                "another session already has this externalRef; upsert by externalRef instead"
                    .to_owned(),
            )
        } else {
            e.into()
        }
    })?;
    let kind = match status {
        SessionStatus::Scheduled => EventKind::SessionScheduled,
        SessionStatus::Completed => EventKind::SessionCompleted,
        SessionStatus::Cancelled => EventKind::SessionCancelled,
    };
    event(conn, viewer, &row, kind).await?;
    Ok(row)
}

/// Schedules a session for a client (care team, integrators with `CLINICAL_WRITE`).
#[tracing::instrument(skip_all, fields(client_id = %new.client_id))]
pub async fn schedule(
    db: &DatabaseConnection,
    viewer: &Viewer,
    new: NewSession,
) -> Result<session::Model, ServiceError> {
    audit::write(
        db,
        viewer,
        "scheduleSession",
        Target::client(new.client_id),
        async |txn| {
            scope::find_visible(txn, viewer, Access::ClinicalWrite, new.client_id).await?;
            viewer.require_care_team(SCHEDULERS)?;
            let therapist = therapist_for(txn, viewer, &new).await?;
            let s = insert(txn, viewer, &new, therapist, SessionStatus::Scheduled).await?;
            let t = target(&s);
            Ok((s, t))
        },
    )
    .await
}

/// Creates or updates the session with `new.external_ref` (the EHR's appointment id).
/// Returns the session and whether it was created. Unchanged input changes nothing.
#[tracing::instrument(skip_all, fields(client_id = %new.client_id))]
pub async fn upsert_by_external_ref(
    db: &DatabaseConnection,
    viewer: &Viewer,
    new: NewSession,
    status: SessionStatus,
) -> Result<(session::Model, bool), ServiceError> {
    let Some(external_ref) = new.external_ref.clone() else {
        return Err(ServiceError::bad_input(
            "input.externalRef",
            "is required to upsert",
        ));
    };
    audit::write(
        db,
        viewer,
        "upsertSessionByExternalRef",
        Target::client(new.client_id),
        async |txn| {
            scope::find_visible(txn, viewer, Access::ClinicalWrite, new.client_id).await?;
            viewer.require_care_team(SCHEDULERS)?;
            let existing = session::Entity::find()
                .filter(session::Column::PracticeId.eq(viewer.practice_id))
                .filter(session::Column::ExternalRef.eq(external_ref.as_str()))
                .one(txn)
                .await?;
            let Some(current) = existing else {
                let therapist = therapist_for(txn, viewer, &new).await?;
                let s = insert(txn, viewer, &new, therapist, status).await?;
                let t = target(&s);
                return Ok(((s, true), t));
            };
            if current.client_id != new.client_id {
                return Err(ServiceError::Conflict(
                    "this externalRef belongs to a session of another client".to_owned(),
                ));
            }
            let therapist = match new.therapist_id {
                Some(_) => therapist_for(txn, viewer, &new).await?,
                None => current.therapist_id,
            };
            let unchanged = current.scheduled_at == new.scheduled_at
                && current.duration_minutes == new.duration_minutes
                && current.focus == new.focus
                && current.therapist_id == therapist
                && current.status == status.as_str();
            if unchanged {
                let t = target(&current);
                return Ok(((current, false), t));
            }
            let now = Utc::now();
            let completed_at = match status {
                SessionStatus::Completed => Some(current.completed_at.unwrap_or(now)),
                _ => None,
            };
            let s = update_versioned::<session::Entity>(
                txn,
                session::Column::Id,
                session::Column::Version,
                current.id,
                current.version,
                session::ActiveModel {
                    scheduled_at: Set(new.scheduled_at),
                    duration_minutes: Set(new.duration_minutes),
                    focus: Set(new.focus.clone()),
                    therapist_id: Set(therapist),
                    status: Set(status.as_str().to_owned()),
                    completed_at: Set(completed_at),
                    updated_at: Set(now),
                    ..Default::default()
                },
                "session",
            )
            .await?;
            let kind = if current.status == s.status {
                EventKind::SessionUpdated
            } else {
                match status {
                    SessionStatus::Scheduled => EventKind::SessionUpdated,
                    SessionStatus::Completed => EventKind::SessionCompleted,
                    SessionStatus::Cancelled => EventKind::SessionCancelled,
                }
            };
            event(txn, viewer, &s, kind).await?;
            let t = target(&s);
            Ok(((s, false), t))
        },
    )
    .await
}

/// Marks a scheduled session COMPLETED (or CANCELLED, with a reason). Doing it twice
/// changes nothing; a completed session cannot be cancelled, nor a cancelled one completed.
#[tracing::instrument(skip_all, fields(session_id = %id))]
pub async fn finish(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
    to: SessionStatus,
    reason: Option<String>,
) -> Result<session::Model, ServiceError> {
    let operation = match to {
        SessionStatus::Cancelled => "cancelSession",
        _ => "completeSession",
    };
    audit::write(db, viewer, operation, Target::many(vec![id]), async |txn| {
        let current = find(txn, viewer, Access::ClinicalWrite, id).await?;
        viewer.require_care_team(SCHEDULERS)?;
        if current.status == to.as_str() {
            let t = target(&current);
            return Ok((current, t));
        }
        if current.status != SessionStatus::Scheduled.as_str() {
            return Err(ServiceError::Conflict(format!(
                "the session is {}; only a SCHEDULED session can change",
                current.status
            )));
        }
        let now = Utc::now();
        let s = update_versioned::<session::Entity>(
            txn,
            session::Column::Id,
            session::Column::Version,
            id,
            current.version,
            session::ActiveModel {
                status: Set(to.as_str().to_owned()),
                completed_at: Set((to == SessionStatus::Completed).then_some(now)),
                cancel_reason: Set(reason.clone()),
                updated_at: Set(now),
                ..Default::default()
            },
            "session",
        )
        .await?;
        let kind = if to == SessionStatus::Completed {
            EventKind::SessionCompleted
        } else {
            EventKind::SessionCancelled
        };
        event(txn, viewer, &s, kind).await?;
        let t = target(&s);
        Ok((s, t))
    })
    .await
}

/// The keyset of session lists: when scheduled, then id.
pub type SessionCursor = (chrono::DateTime<Utc>, Uuid);

/// `Client.sessions(status)`: a page of each client's sessions by start time.
pub struct SessionsOf;

impl Batch for SessionsOf {
    type Args = Paged<SessionCursor, Option<SessionStatus>>;
    type Value = Page<session::Model>;
    const AUDIT: Option<&'static str> = Some("Client.sessions");

    async fn fetch(
        db: &DatabaseConnection,
        viewer: &Viewer,
        keys: &[Uuid],
        args: &Self::Args,
    ) -> Result<HashMap<Uuid, Self::Value>, ServiceError> {
        let mut scoped = session::Entity::find().filter(scope(viewer, Access::Clinical)?);
        if let Some(s) = args.filter {
            scoped = scoped.filter(session::Column::Status.eq(s.as_str()));
        }
        Ok(batch::pages(
            db,
            scoped,
            Keyset {
                parent: session::Column::ClientId,
                key: session::Column::ScheduledAt,
                id: session::Column::Id,
            },
            keys,
            &args.page,
            args.totals,
            |s| s.client_id,
        )
        .await?)
    }

    fn touched(page: &Self::Value, out: &mut Vec<Uuid>) {
        out.extend(page.items.iter().map(|s| s.id));
    }
}

/// `Client.nextSession`: the earliest SCHEDULED session from now on of each client.
pub struct NextSession;

impl Batch for NextSession {
    type Args = ();
    type Value = session::Model;
    const AUDIT: Option<&'static str> = Some("Client.nextSession");

    async fn fetch(
        db: &DatabaseConnection,
        viewer: &Viewer,
        keys: &[Uuid],
        _: &(),
    ) -> Result<HashMap<Uuid, Self::Value>, ServiceError> {
        let rows = nearest(db, viewer, keys, Nearest::Next).await?;
        Ok(batch::by(rows, |s| s.client_id))
    }
}

/// `Client.lastSession`: the latest COMPLETED session of each client.
pub struct LastSession;

impl Batch for LastSession {
    type Args = ();
    type Value = session::Model;
    const AUDIT: Option<&'static str> = Some("Client.lastSession");

    async fn fetch(
        db: &DatabaseConnection,
        viewer: &Viewer,
        keys: &[Uuid],
        _: &(),
    ) -> Result<HashMap<Uuid, Self::Value>, ServiceError> {
        let rows = nearest(db, viewer, keys, Nearest::Last).await?;
        Ok(batch::by(rows, |s| s.client_id))
    }
}

/// Which end of a client's sessions to pick for each of many clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nearest {
    /// The earliest SCHEDULED session from now on.
    Next,
    /// The latest COMPLETED session.
    Last,
}

/// The next or last session of each of many clients (one statement), limited to clients
/// the viewer may read clinically.
pub async fn nearest(
    db: &DatabaseConnection,
    viewer: &Viewer,
    client_ids: &[Uuid],
    which: Nearest,
) -> Result<Vec<session::Model>, ServiceError> {
    let now = Utc::now();
    let alias = Alias::new("other");
    let (status, pick) = match which {
        Nearest::Next => (
            SessionStatus::Scheduled,
            Func::min(Expr::col((alias.clone(), session::Column::ScheduledAt))),
        ),
        Nearest::Last => (
            SessionStatus::Completed,
            Func::max(Expr::col((alias.clone(), session::Column::ScheduledAt))),
        ),
    };
    let mut inner = Query::select()
        .expr(pick)
        .from_as(session::Entity, alias.clone())
        .and_where(
            Expr::col((alias.clone(), session::Column::ClientId))
                .equals((session::Entity, session::Column::ClientId)),
        )
        .and_where(Expr::col((alias.clone(), session::Column::Status)).eq(status.as_str()))
        .to_owned();
    if which == Nearest::Next {
        inner.and_where(Expr::col((alias.clone(), session::Column::ScheduledAt)).gte(now));
    }
    let mut rows = session::Entity::find()
        .filter(scope(viewer, Access::Clinical)?)
        .filter(session::Column::ClientId.is_in(client_ids.to_vec()))
        .filter(session::Column::Status.eq(status.as_str()))
        .filter(Expr::col((session::Entity, session::Column::ScheduledAt)).eq(inner))
        .order_by_asc(session::Column::Id)
        .all(db)
        .await?;
    // Two sessions at the same instant: the first created wins.
    let mut seen = std::collections::HashSet::new();
    rows.retain(|r| seen.insert(r.client_id));
    Ok(rows)
}

/// `BAD_USER_INPUT` on `field` unless `session_id` is a session of `client_id` in the
/// viewer's practice (for records that point at the session they were made in).
pub async fn ensure_session_of(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    client_id: Uuid,
    session_id: Uuid,
    field: &str,
) -> Result<(), ServiceError> {
    let found = session::Entity::find_by_id(session_id)
        .filter(session::Column::PracticeId.eq(viewer.practice_id))
        .filter(session::Column::ClientId.eq(client_id))
        .count(conn)
        .await?
        > 0;
    if found {
        Ok(())
    } else {
        Err(ServiceError::bad_input(
            field,
            "is not a session of this client",
        ))
    }
}
