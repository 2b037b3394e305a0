//! Alert rules and SQL. Raising happens inside the transaction of the change that calls
//! for it; the unique key (client, kind, open_day) keeps one unresolved alert of a kind
//! per client and day, even when two requests race.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait as _, Condition, ConnectionTrait, DatabaseConnection, EntityTrait as _, Order,
    PaginatorTrait as _, QueryFilter as _, QueryOrder as _, QuerySelect as _, Set,
    sea_query::OnConflict,
};
use uuid::Uuid;

use super::domain::{AdminAlertKind, AdminAlertStatus, AlertKind, AlertStatus, CLIENT_LIST_MAX};
use crate::{
    audit::{self, Target},
    auth::{Role, Viewer},
    batch::{self, Batch},
    error::ServiceError,
    events::{self, EventKind},
    pagination::{Page, PageRequest},
    scope::{self, Access},
    values::local_today,
};
use entity::{admin_alert, alert};

/// An alert to raise.
pub struct Raise<'a> {
    pub client_id: Uuid,
    /// The client's time zone (the alert's day is their local date).
    pub timezone: &'a str,
    pub kind: AlertKind,
    /// Generated from the data, never the client's words (it reaches lists and logs).
    pub reason: String,
    pub measure_id: Option<Uuid>,
}

/// Raises an alert inside `conn`'s transaction unless one of the same kind is unresolved
/// for the client today. Returns the new alert, or `None` when one was already open.
pub async fn raise(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    r: Raise<'_>,
) -> Result<Option<alert::Model>, ServiceError> {
    raise_in(conn, viewer.practice_id, Some(viewer.into()), r).await
}

/// [`raise`] in `practice_id`, by `actor` (`None`: the server's own evaluator).
pub async fn raise_in(
    conn: &impl ConnectionTrait,
    practice_id: Uuid,
    actor: Option<events::Actor>,
    r: Raise<'_>,
) -> Result<Option<alert::Model>, ServiceError> {
    let now = Utc::now();
    let id = Uuid::now_v7();
    let inserted = alert::Entity::insert(alert::ActiveModel {
        id: Set(id),
        practice_id: Set(practice_id),
        client_id: Set(r.client_id),
        kind: Set(r.kind.as_str().to_owned()),
        severity: Set(r.kind.severity()),
        status: Set(AlertStatus::Open.as_str().to_owned()),
        open_day: Set(Some(local_today(r.timezone, now))),
        reason: Set(r.reason),
        measure_id: Set(r.measure_id),
        raised_at: Set(now),
        acknowledged_at: Set(None),
        acknowledged_by: Set(None),
        resolved_at: Set(None),
        resolved_by: Set(None),
        resolution_note: Set(None),
        version: Set(1),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([
            alert::Column::ClientId,
            alert::Column::Kind,
            alert::Column::OpenDay,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    if inserted == 0 {
        return Ok(None);
    }
    let row = alert::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(ServiceError::NotFound)?;
    events::append(
        conn,
        actor,
        events::NewEvent {
            practice_id,
            client_id: Some(row.client_id),
            kind: EventKind::AlertRaised,
            entity_id: row.id,
            payload: serde_json::json!({ "alertId": row.id, "kind": row.kind }),
        },
    )
    .await?;
    Ok(Some(row))
}

/// The alerts `viewer` may reach with `access`. Clients get `FORBIDDEN`: alerts are the
/// care team's.
pub fn scope(viewer: &Viewer, access: Access) -> Result<Condition, ServiceError> {
    if viewer.role() == Role::Client {
        return Err(ServiceError::Forbidden("alerts are for the care team"));
    }
    scope::records_of_visible(
        viewer,
        access,
        alert::Column::PracticeId,
        alert::Column::ClientId,
    )
}

fn ordered(q: sea_orm::Select<alert::Entity>) -> sea_orm::Select<alert::Entity> {
    q.order_by_desc(alert::Column::Severity)
        .order_by_asc(alert::Column::RaisedAt)
        .order_by_asc(alert::Column::Id)
}

/// `Client.alerts(status)`: each client's alerts, most severe then oldest first (at most
/// [`CLIENT_LIST_MAX`] per client).
pub struct AlertsOf;

impl Batch for AlertsOf {
    type Args = Option<AlertStatus>;
    type Value = Vec<alert::Model>;
    const AUDIT: Option<&'static str> = Some("Client.alerts");

    async fn fetch(
        db: &DatabaseConnection,
        viewer: &Viewer,
        keys: &[Uuid],
        status: &Self::Args,
    ) -> Result<HashMap<Uuid, Self::Value>, ServiceError> {
        let mut q = alert::Entity::find()
            .filter(scope(viewer, Access::Clinical)?)
            .filter(alert::Column::ClientId.is_in(keys.iter().copied()));
        if let Some(s) = status {
            q = q.filter(alert::Column::Status.eq(s.as_str()));
        }
        let rows = batch::firsts(
            db,
            q,
            alert::Column::ClientId,
            &[
                (alert::Column::Severity, Order::Desc),
                (alert::Column::RaisedAt, Order::Asc),
                (alert::Column::Id, Order::Asc),
            ],
            CLIENT_LIST_MAX,
        )
        .await?;
        Ok(batch::group(keys, rows, |a| a.client_id))
    }

    fn touched(rows: &Self::Value, out: &mut Vec<Uuid>) {
        out.extend(rows.iter().map(|a| a.id));
    }
}

/// The keyset of the alert list: severity (descending), raised at, id.
pub type AlertCursor = (i32, DateTime<Utc>, Uuid);

/// A page of the alerts across the viewer's caseload, most severe then oldest first.
/// Pages forward only (`first`/`after`).
#[tracing::instrument(skip_all)]
pub async fn list(
    db: &DatabaseConnection,
    viewer: &Viewer,
    status: Option<AlertStatus>,
    page: PageRequest<AlertCursor>,
) -> Result<Page<alert::Model>, ServiceError> {
    if page.direction != crate::pagination::Direction::Forward {
        return Err(ServiceError::bad_input(
            "last",
            "alerts page forward only: use first and after",
        ));
    }
    audit::read(db, viewer, "alerts", Target::default(), async |db| {
        let mut q = alert::Entity::find().filter(scope(viewer, Access::Clinical)?);
        if let Some(s) = status {
            q = q.filter(alert::Column::Status.eq(s.as_str()));
        }
        let total = q.clone().count(db).await?;
        if let Some((severity, raised_at, id)) = page.cursor {
            q = q.filter(
                Condition::any()
                    .add(alert::Column::Severity.lt(severity))
                    .add(
                        Condition::all()
                            .add(alert::Column::Severity.eq(severity))
                            .add(
                                Condition::any()
                                    .add(alert::Column::RaisedAt.gt(raised_at))
                                    .add(
                                        Condition::all()
                                            .add(alert::Column::RaisedAt.eq(raised_at))
                                            .add(alert::Column::Id.gt(id)),
                                    ),
                            ),
                    ),
            );
        }
        let rows = ordered(q).limit(page.fetch()).all(db).await?;
        let page = Page::from_rows(rows, &page, total);
        let ids = page.items.iter().map(|a| a.id).collect();
        Ok((page, Target::many(ids)))
    })
    .await
}

async fn find(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> Result<alert::Model, ServiceError> {
    alert::Entity::find_by_id(id)
        .filter(scope(viewer, Access::ClinicalWrite)?)
        .one(conn)
        .await?
        .ok_or(ServiceError::NotFound)
}

/// Someone on the care team has seen an OPEN alert and is on it.
#[tracing::instrument(skip_all, fields(alert_id = %id))]
pub async fn acknowledge(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
) -> Result<alert::Model, ServiceError> {
    audit::write(
        db,
        viewer,
        "acknowledgeAlert",
        Target::many(vec![id]),
        async |txn| {
            let a = find(txn, viewer, id).await?;
            if a.status != AlertStatus::Open.as_str() {
                return Err(ServiceError::Conflict(format!(
                    "only an OPEN alert can be acknowledged; this one is {}",
                    a.status
                )));
            }
            let now = Utc::now();
            let row = crate::concurrency::update_versioned::<alert::Entity>(
                txn,
                alert::Column::Id,
                alert::Column::Version,
                a.id,
                a.version,
                alert::ActiveModel {
                    status: Set(AlertStatus::Acknowledged.as_str().to_owned()),
                    acknowledged_at: Set(Some(now)),
                    acknowledged_by: Set(Some(viewer.id)),
                    updated_at: Set(now),
                    ..Default::default()
                },
                "alert",
            )
            .await?;
            events::client_event(
                txn,
                viewer,
                row.client_id,
                row.id,
                EventKind::AlertAcknowledged,
                serde_json::json!({ "alertId": row.id, "kind": row.kind }),
            )
            .await?;
            let t = Target::client(row.client_id).with(row.id);
            Ok((row, t))
        },
    )
    .await
}

/// Resolves an OPEN or ACKNOWLEDGED alert with a note of what was done. A new alert of
/// the same kind can then be raised the same day.
#[tracing::instrument(skip_all, fields(alert_id = %id))]
pub async fn resolve(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
    note: String,
) -> Result<alert::Model, ServiceError> {
    audit::write(
        db,
        viewer,
        "resolveAlert",
        Target::many(vec![id]),
        async |txn| {
            let a = find(txn, viewer, id).await?;
            if a.status == AlertStatus::Resolved.as_str() {
                return Err(ServiceError::Conflict(
                    "the alert is already resolved".to_owned(),
                ));
            }
            let now = Utc::now();
            let row = crate::concurrency::update_versioned::<alert::Entity>(
                txn,
                alert::Column::Id,
                alert::Column::Version,
                a.id,
                a.version,
                alert::ActiveModel {
                    status: Set(AlertStatus::Resolved.as_str().to_owned()),
                    open_day: Set(None),
                    resolved_at: Set(Some(now)),
                    resolved_by: Set(Some(viewer.id)),
                    resolution_note: Set(Some(note.clone())),
                    updated_at: Set(now),
                    ..Default::default()
                },
                "alert",
            )
            .await?;
            events::client_event(
                txn,
                viewer,
                row.client_id,
                row.id,
                EventKind::AlertResolved,
                serde_json::json!({ "alertId": row.id, "kind": row.kind }),
            )
            .await?;
            let t = Target::client(row.client_id).with(row.id);
            Ok((row, t))
        },
    )
    .await
}

/// Raises an operational alert to the practice's admins inside `conn`'s transaction.
/// `reason` is generated by the server (no clinical content).
pub async fn raise_admin(
    conn: &impl ConnectionTrait,
    practice_id: Uuid,
    kind: AdminAlertKind,
    subject_id: Uuid,
    reason: String,
) -> Result<admin_alert::Model, sea_orm::DbErr> {
    admin_alert::Entity::insert(admin_alert::ActiveModel {
        id: Set(Uuid::now_v7()),
        practice_id: Set(practice_id),
        kind: Set(kind.as_str().to_owned()),
        subject_id: Set(subject_id),
        reason: Set(crate::values::clip(&reason, 500)),
        status: Set(AdminAlertStatus::Open.as_str().to_owned()),
        raised_at: Set(Utc::now()),
        acknowledged_at: Set(None),
        acknowledged_by: Set(None),
    })
    .exec_with_returning(conn)
    .await
}

/// The keyset of the admin alert list: raised at (newest first), id.
pub type AdminAlertCursor = (DateTime<Utc>, Uuid);

/// The practice's admin alerts, newest first (practice admins). Pages forward only.
pub async fn list_admin(
    db: &DatabaseConnection,
    viewer: &Viewer,
    status: Option<AdminAlertStatus>,
    page: PageRequest<AdminAlertCursor>,
) -> Result<Page<admin_alert::Model>, ServiceError> {
    viewer.require_role(&[Role::PracticeAdmin])?;
    if page.direction != crate::pagination::Direction::Forward {
        return Err(ServiceError::bad_input(
            "last",
            "admin alerts page forward only: use first and after",
        ));
    }
    let mut q =
        admin_alert::Entity::find().filter(admin_alert::Column::PracticeId.eq(viewer.practice_id));
    if let Some(s) = status {
        q = q.filter(admin_alert::Column::Status.eq(s.as_str()));
    }
    let total = q.clone().count(db).await?;
    if let Some(c) = page.cursor {
        q = q.filter(crate::pagination::older_than(
            admin_alert::Column::RaisedAt,
            admin_alert::Column::Id,
            c,
        ));
    }
    let rows = q
        .order_by_desc(admin_alert::Column::RaisedAt)
        .order_by_desc(admin_alert::Column::Id)
        .limit(page.fetch())
        .all(db)
        .await?;
    Ok(Page::from_rows(rows, &page, total))
}

/// An admin has seen an OPEN admin alert; anything else is `CONFLICT`.
#[tracing::instrument(skip_all, fields(admin_alert_id = %id))]
pub async fn acknowledge_admin(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
) -> Result<admin_alert::Model, ServiceError> {
    viewer.require_role(&[Role::PracticeAdmin])?;
    let a = admin_alert::Entity::find_by_id(id)
        .filter(admin_alert::Column::PracticeId.eq(viewer.practice_id))
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let now = Utc::now();
    let res = admin_alert::Entity::update_many()
        .col_expr(
            admin_alert::Column::Status,
            sea_orm::sea_query::Expr::value(AdminAlertStatus::Acknowledged.as_str()),
        )
        .col_expr(
            admin_alert::Column::AcknowledgedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .col_expr(
            admin_alert::Column::AcknowledgedBy,
            sea_orm::sea_query::Expr::value(viewer.id),
        )
        .filter(admin_alert::Column::Id.eq(a.id))
        .filter(admin_alert::Column::Status.eq(AdminAlertStatus::Open.as_str()))
        .exec(db)
        .await?;
    if res.rows_affected != 1 {
        return Err(ServiceError::Conflict(
            "the admin alert is already acknowledged".to_owned(),
        ));
    }
    admin_alert::Entity::find_by_id(a.id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)
}
