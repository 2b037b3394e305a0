//! Insight queries and mutations: thin — guard, parse, call the service, map.

use async_graphql::{Context, Object};

use super::{caseload, evaluation, types::*};
use crate::{
    clients::types::ClientStatusValue,
    error::GqlResult,
    graphql::{
        context,
        pagination::{Conn, PageRequest, connection, encode_cursor, wants_total},
    },
};

/// When a stored momentum is current: the server's window, and at most one evaluator
/// interval old.
pub fn freshness(config: &crate::config::Config) -> super::projection::Freshness {
    super::projection::Freshness {
        window_days: config.score_window_days,
        max_age: chrono::TimeDelta::from_std(config.alert_evaluation_interval)
            .unwrap_or(chrono::TimeDelta::MAX),
    }
}

/// Insight queries.
#[derive(Default)]
pub struct InsightsQuery;

#[Object]
impl InsightsQuery {
    /// The caseload dashboard: each client the viewer may read clinically (a therapist's
    /// care teams; a practice admin's own care teams; integrators with `CLINICAL_READ`:
    /// the practice) with momentum, last activity, open alerts, next session and homework
    /// due. Clients get `FORBIDDEN`. Computed in a fixed number of SQL statements whatever
    /// the page size. Pages forward.
    async fn caseload(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The order (ties by name, then id).",
            default_with = "CaseloadSortValue::Momentum"
        )]
        sort: CaseloadSortValue,
        #[graphql(desc = "Only clients with this status; ACTIVE when omitted.")] status: Option<
            ClientStatusValue,
        >,
        #[graphql(desc = "Page size (at most 100; 20 when omitted).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue from (from the same sort).")] after: Option<String>,
    ) -> GqlResult<Conn<CaseloadEntry>> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let page = PageRequest::parse(first, after, None, None)?;
        let sort = sort.into();
        let window_days = state.config.score_window_days;
        let page = caseload::caseload(
            &state.db,
            viewer,
            status.map(Into::into),
            sort,
            page,
            freshness(&state.config),
            wants_total(ctx),
        )
        .await?;
        Ok(connection(
            page,
            |r| encode_cursor(&r.key(sort)),
            |row| CaseloadEntry { row, window_days },
        ))
    }
}

/// Insight mutations.
#[derive(Default)]
pub struct InsightsMutation;

#[Object]
impl InsightsMutation {
    /// Evaluates the engagement-alert rules (DISENGAGEMENT, MISSED_HOMEWORK; see docs/insights.md)
    /// for every ACTIVE client of the practice now, instead of waiting for the periodic
    /// evaluator, and raises what is due. Practice admins only. Waits for an evaluation
    /// already running, so an alert is never raised twice.
    async fn evaluate_alerts(&self, ctx: &Context<'_>) -> GqlResult<EvaluateAlertsPayload> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        Ok(
            evaluation::evaluate_now(&state.db, viewer, state.config.score_window_days)
                .await?
                .into(),
        )
    }
}
