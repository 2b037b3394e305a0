//! The client figures rule conditions read, for many clients in a fixed number of statements
//! (never one per client): each instrument's scores (so the latest total and its reliable
//! change can be taken as of each event's time: a score condition judges the score the event
//! recorded, not a later one), the last tracker entry and the latest settled homework (as of
//! the evaluation, since they move by days).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait as _, ConnectionTrait, DbErr, FromQueryResult,
    sea_query::{Alias, Expr, Func, Query},
};
use uuid::Uuid;

use super::domain::{Facts, MISSED_MAX};
use crate::{
    batch::IDS_PER_STATEMENT,
    insights::facts::{Clients, latest_settled_n, rows_stmt},
    measures::domain::{Instrument, ReliableChange},
    values::local_today,
};
use entity::{client, measure_response, tracker_entry};

#[derive(FromQueryResult)]
struct ScoreRow {
    client_id: Uuid,
    instrument: String,
    total: i32,
    reliable_change: Option<String>,
    created_at: DateTime<Utc>,
}

/// One recorded score.
#[derive(Debug, Clone)]
struct Score {
    instrument: Instrument,
    total: i32,
    worse: bool,
    recorded_at: DateTime<Utc>,
}

/// The figures of many clients, loaded at once ([`load`]).
#[derive(Debug, Clone, Default)]
pub struct Figures {
    /// Tracking and homework as of the evaluation (scores are filled in by [`Figures::at`]).
    base: HashMap<Uuid, Facts>,
    /// Each client's scores recorded by the evaluation, oldest first.
    scores: HashMap<Uuid, Vec<Score>>,
}

impl Figures {
    /// Client `id`'s figures with each instrument's latest score among those recorded by
    /// `t` (an event's time); `None` for a client not loaded.
    pub fn at(&self, id: Uuid, t: DateTime<Utc>) -> Option<Facts> {
        let mut f = self.base.get(&id)?.clone();
        for s in self.scores.get(&id).into_iter().flatten() {
            if s.recorded_at > t {
                continue;
            }
            match f.latest.iter_mut().find(|l| l.0 == s.instrument) {
                Some(l) => *l = (s.instrument, s.total, s.worse),
                None => f.latest.push((s.instrument, s.total, s.worse)),
            }
        }
        Some(f)
    }
}

#[derive(FromQueryResult)]
struct TrackedRow {
    client_id: Uuid,
    last_at: Option<DateTime<Utc>>,
}

/// The figures of each of `clients` as of `at` (scores: every one recorded by `at`): three
/// statements per [`IDS_PER_STATEMENT`] clients.
pub async fn load(
    conn: &impl ConnectionTrait,
    clients: &[&client::Model],
    at: DateTime<Utc>,
) -> Result<Figures, DbErr> {
    let mut scores: HashMap<Uuid, Vec<Score>> = HashMap::new();
    let mut out: HashMap<Uuid, Facts> = clients.iter().map(|c| (c.id, Facts::default())).collect();
    let tz: HashMap<Uuid, &str> = clients
        .iter()
        .map(|c| (c.id, c.timezone.as_str()))
        .collect();
    let ids: Vec<Uuid> = out.keys().copied().collect();
    for chunk in ids.chunks(IDS_PER_STATEMENT) {
        let who = Clients::Ids(chunk.to_vec());
        // Every score recorded by `at`, in the order they were taken.
        let history = Query::select()
            .columns([
                measure_response::Column::ClientId,
                measure_response::Column::Instrument,
                measure_response::Column::Total,
                measure_response::Column::ReliableChange,
                measure_response::Column::CreatedAt,
            ])
            .from(measure_response::Entity)
            .and_where(who.on(measure_response::Entity, measure_response::Column::ClientId))
            .and_where(measure_response::Column::CreatedAt.lte(at))
            .order_by(
                measure_response::Column::AdministeredAt,
                sea_orm::Order::Asc,
            )
            .order_by(measure_response::Column::Id, sea_orm::Order::Asc)
            .to_owned();
        for r in rows_stmt::<ScoreRow>(conn, &history).await? {
            let Some(i) = Instrument::parse(&r.instrument) else {
                continue;
            };
            scores.entry(r.client_id).or_default().push(Score {
                instrument: i,
                total: r.total,
                worse: r.reliable_change.as_deref().and_then(ReliableChange::parse)
                    == Some(ReliableChange::ReliableDeterioration),
                recorded_at: r.created_at,
            });
        }
        let tracked = Query::select()
            .column(tracker_entry::Column::ClientId)
            .expr_as(
                Func::max(Expr::col(tracker_entry::Column::RecordedAt)),
                Alias::new("last_at"),
            )
            .from(tracker_entry::Entity)
            .and_where(who.on(tracker_entry::Entity, tracker_entry::Column::ClientId))
            .and_where(tracker_entry::Column::RecordedAt.lte(at))
            .group_by_col(tracker_entry::Column::ClientId)
            .to_owned();
        for r in rows_stmt::<TrackedRow>(conn, &tracked).await? {
            let (Some(f), Some(last)) = (out.get_mut(&r.client_id), r.last_at) else {
                continue;
            };
            let zone = tz.get(&r.client_id).copied().unwrap_or("UTC");
            f.days_since_tracking = Some(std::cmp::max(
                (local_today(zone, at) - local_today(zone, last)).num_days(),
                0,
            ));
        }
        for (id, settled) in latest_settled_n(conn, &who, at, MISSED_MAX).await? {
            if let Some(f) = out.get_mut(&id) {
                f.missed_in_a_row = settled.iter().take_while(|(_, missed)| *missed).count() as u32;
            }
        }
    }
    Ok(Figures { base: out, scores })
}
