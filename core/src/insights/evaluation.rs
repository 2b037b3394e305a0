//! The engagement-alert evaluator: from each client's facts, the DISENGAGEMENT and
//! MISSED_HOMEWORK alerts the documented rules call for, at most one per episode; a
//! practice at a time under a lock, by the background worker or on demand.

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait as _,
    QueryFilter as _, QuerySelect as _, sea_query::Query,
};
use uuid::Uuid;

use super::{
    domain::{TREND_DAYS, rules},
    projection,
};
use crate::{
    alerts::{
        domain::AlertKind,
        service::{self as alerts, Raise},
    },
    audit::{self, Target},
    auth::{Role, Viewer},
    error::ServiceError,
    events,
    values::local_today,
};
use entity::client;

use super::facts::{AlertCounts, Clients, Facts, Windows, alert_counts, latest_settled};

/// What one evaluation did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Evaluated {
    pub clients: u64,
    pub disengagement: u64,
    pub missed_homework: u64,
}

impl std::ops::AddAssign for Evaluated {
    fn add_assign(&mut self, o: Self) {
        self.clients += o.clients;
        self.disengagement += o.disengagement;
        self.missed_homework += o.missed_homework;
    }
}

/// The alert to raise for one client, if any, by the documented rules and at most one per
/// episode: never while one of the kind is unresolved, and not again for the same spell
/// of inactivity, the same week's drop or the same missed occurrence.
fn due_alerts(
    f: &Facts,
    alerts: Option<&AlertCounts>,
    settled: Option<&Vec<(DateTime<Utc>, bool)>>,
    now: DateTime<Utc>,
) -> Vec<(AlertKind, String)> {
    let empty = AlertCounts::default();
    let alerts = alerts.unwrap_or(&empty);
    let open = |k: AlertKind| alerts.unresolved_kinds.iter().any(|x| x == k.as_str());
    let raised_since = |k: AlertKind, t: DateTime<Utc>| {
        alerts.last_raised.get(k.as_str()).is_some_and(|r| *r >= t)
    };
    let mut out = Vec::new();
    let days_inactive = f.days_since_last_activity.unwrap_or_else(|| {
        let today = local_today(&f.client.timezone, now);
        (today - local_today(&f.client.timezone, f.client.created_at)).num_days()
    });
    let m = f.momentum();
    if !open(AlertKind::Disengagement) {
        let why =
            rules::disengagement(days_inactive, f.homework_overdue, m.score.score, m.previous);
        let fresh = match &why {
            Some(rules::Disengagement::Inactive { .. }) => !raised_since(
                AlertKind::Disengagement,
                f.last_activity_at.unwrap_or(f.client.created_at),
            ),
            Some(rules::Disengagement::ScoreDrop { .. }) => {
                !raised_since(AlertKind::Disengagement, now - TimeDelta::days(TREND_DAYS))
            }
            None => false,
        };
        if let Some(why) = why.filter(|_| fresh) {
            out.push((AlertKind::Disengagement, why.reason()));
        }
    }
    if !open(AlertKind::MissedHomework) {
        let latest = settled.map(Vec::as_slice).unwrap_or_default();
        let misses: Vec<bool> = latest.iter().map(|(_, m)| *m).collect();
        if rules::missed_homework(&misses)
            && latest
                .first()
                .is_some_and(|(due, _)| !raised_since(AlertKind::MissedHomework, *due))
        {
            out.push((
                AlertKind::MissedHomework,
                format!(
                    "The last {} homework assignments were not done",
                    rules::MISSED_IN_A_ROW
                ),
            ));
        }
    }
    out
}

/// Evaluates the engagement rules for every ACTIVE client of `practice_id` inside `txn`
/// (which holds the evaluator lock) and raises what is due.
pub async fn evaluate_practice(
    txn: &impl ConnectionTrait,
    practice_id: Uuid,
    actor: Option<events::Actor>,
    w: Windows,
) -> Result<Evaluated, ServiceError> {
    let who = Clients::Query(Box::new(
        Query::select()
            .column(client::Column::Id)
            .from(client::Entity)
            .and_where(client::Column::PracticeId.eq(practice_id))
            .and_where(client::Column::Status.eq("ACTIVE"))
            .to_owned(),
    ));
    // The round keeps the momentum projection current too (its window slides with time).
    let all = projection::refresh(txn, &who, w).await?;
    let alerts = alert_counts(txn, &who).await?;
    let settled = latest_settled(txn, &who, w.now).await?;
    let mut done = Evaluated {
        clients: all.len() as u64,
        ..Evaluated::default()
    };
    for f in &all {
        for (kind, reason) in due_alerts(
            f,
            alerts.get(&f.client.id),
            settled.get(&f.client.id),
            w.now,
        ) {
            let raised = alerts::raise_in(
                txn,
                practice_id,
                actor,
                Raise {
                    client_id: f.client.id,
                    timezone: &f.client.timezone,
                    kind,
                    reason,
                    measure_id: None,
                },
            )
            .await?;
            if raised.is_some() {
                match kind {
                    AlertKind::Disengagement => done.disengagement += 1,
                    _ => done.missed_homework += 1,
                }
            }
        }
    }
    Ok(done)
}

/// The evaluator's lock row in `job_cursor`; its position is when the last periodic round
/// finished.
pub const LOCK_NAME: &str = "engagement_alerts";

/// Takes the evaluator lock inside `txn`: waits for it (`wait`), or returns `None` at once
/// when another evaluator holds it. Returns when the last periodic round finished.
pub async fn lock(
    txn: &DatabaseTransaction,
    wait: bool,
) -> Result<Option<Option<DateTime<Utc>>>, DbErr> {
    let row = crate::jobs::lock(txn, LOCK_NAME, wait).await?;
    Ok(row.map(|r| {
        DateTime::parse_from_rfc3339(&r.position)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }))
}

/// Marks the end of a periodic round inside `txn` (which holds the lock).
pub async fn finish_round(txn: &DatabaseTransaction, at: DateTime<Utc>) -> Result<(), DbErr> {
    crate::jobs::advance(txn, LOCK_NAME, at.to_rfc3339()).await
}

/// The practices with at least one ACTIVE client.
pub async fn practices_with_clients(conn: &impl ConnectionTrait) -> Result<Vec<Uuid>, DbErr> {
    client::Entity::find()
        .select_only()
        .column(client::Column::PracticeId)
        .distinct()
        .filter(client::Column::Status.eq("ACTIVE"))
        .into_tuple()
        .all(conn)
        .await
}

/// `evaluateAlerts`: evaluates the viewer's practice now (practice admins), waiting for an
/// evaluator already running so that two never raise the same alert.
#[tracing::instrument(skip_all)]
pub async fn evaluate_now(
    db: &DatabaseConnection,
    viewer: &Viewer,
    window_days: i64,
) -> Result<Evaluated, ServiceError> {
    viewer.require_role(&[Role::PracticeAdmin])?;
    audit::write(
        db,
        viewer,
        "evaluateAlerts",
        Target::default(),
        async |txn| {
            lock(txn, true).await?;
            let done = evaluate_practice(
                txn,
                viewer.practice_id,
                Some(viewer.into()),
                Windows::new(Utc::now(), window_days),
            )
            .await?;
            Ok((done, Target::default()))
        },
    )
    .await
}
