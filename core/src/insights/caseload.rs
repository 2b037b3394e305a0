//! The caseload dashboard and each client's momentum, read from the momentum projection.

use std::collections::HashMap;

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait as _, QueryFilter as _};
use uuid::Uuid;

use super::{domain::Momentum, projection};
use crate::{
    audit::{self, Target},
    auth::Viewer,
    batch::Batch,
    error::ServiceError,
    pagination::{Page, PageRequest},
    scope::{self, Access},
};
use entity::client;

use super::facts::{AlertCounts, Clients, Facts, alert_counts, next_sessions};

pub use super::domain::CaseloadCursor;

/// One client on the caseload dashboard.
#[derive(Debug, Clone)]
pub struct CaseloadRow {
    pub facts: Facts,
    pub momentum: Momentum,
    pub alerts: AlertCounts,
    pub next_session_at: Option<DateTime<Utc>>,
}

impl CaseloadRow {
    /// This row's position under `sort`.
    pub fn key(&self, sort: CaseloadSort) -> CaseloadCursor {
        let (a, b) = match sort {
            CaseloadSort::Momentum => (self.momentum.score.score.map_or(i64::MAX, i64::from), 0),
            CaseloadSort::LastActivity => (
                self.facts
                    .last_activity_at
                    .map_or(i64::MIN, |t| t.timestamp_micros()),
                0,
            ),
            CaseloadSort::OpenAlerts => (
                -i64::from(self.alerts.worst.unwrap_or(0)),
                -self.alerts.unresolved,
            ),
            CaseloadSort::NextSession => (
                self.next_session_at
                    .map_or(i64::MAX, |t| t.timestamp_micros()),
                0,
            ),
        };
        (
            a,
            b,
            self.facts.client.display_name.clone(),
            self.facts.client.id,
        )
    }
}

pub use super::domain::CaseloadSort;

/// The caseload dashboard: every client the viewer may read clinically (a therapist's
/// care teams; integrators with `CLINICAL_READ`: the practice), ACTIVE ones unless
/// `status` says otherwise, ordered by `sort`, a page at a time, from the momentum
/// projection ([`super::projection`]): a fixed number of statements whatever the page size
/// or caseload. Sorting by MOMENTUM or LAST_ACTIVITY pages in SQL (the cost grows with the
/// page); OPEN_ALERTS and NEXT_SESSION read every visible client's alerts and next session
/// (small aggregates) and sort those. `totals`: count the visible clients (one statement).
#[tracing::instrument(skip_all)]
pub async fn caseload(
    db: &DatabaseConnection,
    viewer: &Viewer,
    status: Option<crate::clients::domain::ClientStatus>,
    sort: CaseloadSort,
    page: PageRequest<CaseloadCursor>,
    fresh: projection::Freshness,
    totals: bool,
) -> Result<Page<CaseloadRow>, ServiceError> {
    viewer.require_care_team("the caseload is the care team's")?;
    let mut ids = scope::visible_ids(viewer, Access::Clinical)?;
    ids.and_where(
        client::Column::Status.eq(status
            .unwrap_or(crate::clients::domain::ClientStatus::Active)
            .as_str()),
    );
    let who = Clients::Query(Box::new(ids));
    audit::read(db, viewer, "caseload", Target::default(), async |db| {
        let now = Utc::now();
        projection::ensure(db, &who, fresh, now).await?;
        let total = if totals {
            use sea_orm::PaginatorTrait as _;
            client::Entity::find()
                .filter(who.on(client::Entity, client::Column::Id))
                .count(db)
                .await?
        } else {
            0
        };
        let rows =
            match projection::page(db, &who, sort, page.cursor.as_ref(), page.fetch()).await? {
                Some(facts) => {
                    let on_page = Clients::Ids(facts.iter().map(|f| f.client.id).collect());
                    let mut alerts = alert_counts(db, &on_page).await?;
                    let mut next = next_sessions(db, &on_page, now).await?;
                    facts
                        .into_iter()
                        .map(|f| CaseloadRow {
                            momentum: f.momentum(),
                            alerts: alerts.remove(&f.client.id).unwrap_or_default(),
                            next_session_at: next.remove(&f.client.id),
                            facts: f,
                        })
                        .collect()
                }
                None => {
                    let all = projection::read(db, &who).await?;
                    let mut alerts = alert_counts(db, &who).await?;
                    let mut next = next_sessions(db, &who, now).await?;
                    let mut rows: Vec<(CaseloadCursor, CaseloadRow)> = all
                        .into_iter()
                        .map(|f| {
                            let row = CaseloadRow {
                                momentum: f.momentum(),
                                alerts: alerts.remove(&f.client.id).unwrap_or_default(),
                                next_session_at: next.remove(&f.client.id),
                                facts: f,
                            };
                            (row.key(sort), row)
                        })
                        .collect();
                    rows.sort_by(|a, b| a.0.cmp(&b.0));
                    rows.into_iter()
                        .filter(|(k, _)| page.cursor.as_ref().is_none_or(|c| k > c))
                        .take(usize::try_from(page.fetch()).unwrap_or(usize::MAX))
                        .map(|(_, r)| r)
                        .collect()
                }
            };
        let page = Page::from_rows(rows, &page, total);
        let ids = page.items.iter().map(|r| r.facts.client.id).collect();
        Ok((page, Target::many(ids)))
    })
    .await
}

/// `Client.momentum`: each client's momentum from the projection (one statement when
/// every row is current; stale ones are recomputed, see [`super::projection`]).
pub struct MomentumOf;

impl Batch for MomentumOf {
    /// The window in days and how old a stored row may be, in seconds.
    type Args = (i64, i64);
    type Value = Momentum;
    const AUDIT: Option<&'static str> = Some("Client.momentum");

    async fn fetch(
        db: &DatabaseConnection,
        viewer: &Viewer,
        keys: &[Uuid],
        (window_days, max_age): &(i64, i64),
    ) -> Result<HashMap<Uuid, Self::Value>, ServiceError> {
        let fresh = projection::Freshness {
            window_days: *window_days,
            max_age: TimeDelta::seconds(*max_age),
        };
        let rows = projection::current(db, keys, fresh, Utc::now()).await?;
        Ok(rows
            .into_iter()
            .filter(|f| f.client.practice_id == viewer.practice_id)
            .map(|f| (f.client.id, f.momentum()))
            .collect())
    }
}
