//! Report queries: thin — parse the period, call the service, map.

use async_graphql::{Context, Object};
use chrono::{DateTime, Utc};

use super::{
    domain::Period,
    service,
    types::{PracticeReport, ReportGroupByValue},
};
use crate::{error::GqlResult, graphql::context};

/// Report queries.
#[derive(Default)]
pub struct ReportsQuery;

#[Object]
impl ReportsQuery {
    /// Aggregate figures of the viewer's practice over `[from, to)`: homework completion,
    /// weekly self-monitoring, measures administered and PHQ-9/GAD-7 outcomes, in rows by
    /// therapist or by month, with totals. Practice admins and integrators with
    /// `REPORTS_READ`; anyone else gets `FORBIDDEN`. `to` not after `from`, or more than
    /// 1096 days (three years) after it, is `BAD_USER_INPUT` on `to`. Rows hold counts and
    /// rates only, never a client's id or name. Every definition is in docs/reports.md
    /// ("Practice reports").
    async fn practice_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The period's first instant, included (RFC 3339; months and \
                          weeks are counted in UTC).")]
        from: DateTime<Utc>,
        #[graphql(desc = "The first instant after the period, excluded.")] to: DateTime<Utc>,
        #[graphql(desc = "One row per care-team member, or per calendar month (UTC).")]
        group_by: ReportGroupByValue,
    ) -> GqlResult<PracticeReport> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let period = Period::parse(from, to)?;
        Ok(
            service::practice_report(&state.db, viewer, period, group_by.into())
                .await?
                .into(),
        )
    }

    /// The rows of `practiceReport` as CSV text (RFC 4180, comma-separated, a header row,
    /// the totals row last with `group` = `TOTAL`). Same arguments, access and errors.
    /// Counts are integers; `homework_done` has one decimal, mean changes two, rates four
    /// (fractions 0 to 1); an undefined value is an empty cell. Columns are listed in the
    /// docs/reports.md.
    async fn export_report_csv(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The period's first instant, included.")] from: DateTime<Utc>,
        #[graphql(desc = "The first instant after the period, excluded.")] to: DateTime<Utc>,
        #[graphql(desc = "One row per care-team member, or per calendar month (UTC).")]
        group_by: ReportGroupByValue,
    ) -> GqlResult<String> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let period = Period::parse(from, to)?;
        Ok(service::export_csv(&state.db, viewer, period, group_by.into()).await?)
    }
}
