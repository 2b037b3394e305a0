//! GraphQL types of practice reports.

use async_graphql::{Enum, ID, SimpleObject};
use chrono::{DateTime, Utc};

use super::domain::{self, Group};
use crate::{measures::types::InstrumentValue, values::to_id};

/// How the rows of a practice report are grouped.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "ReportGroupBy", remote = "super::domain::GroupBy")]
pub enum ReportGroupByValue {
    /// One row per care-team member, over the whole period, counting the clients on their
    /// care teams (as the care teams are now). A client on two care teams counts in both
    /// rows, and once in the totals.
    Therapist,
    /// One row per calendar month in UTC (`YYYY-MM`) that overlaps the period, cut to the
    /// period; every month is listed, even one with no client.
    Month,
}

/// The care-team member a row is about.
#[derive(SimpleObject)]
pub struct ReportTherapist {
    /// The user's id.
    pub id: ID,
    /// The user's display name.
    pub display_name: String,
}

/// How the clients of a row changed on one instrument: first to last score within the
/// row's window, among the clients with at least two scores in it. Every rate is a fraction
/// (0 to 1) of `clientsWithTwoScores`, null when that is 0.
#[derive(SimpleObject)]
pub struct ReportInstrumentOutcome {
    /// Which instrument.
    pub instrument: InstrumentValue,
    /// Clients with at least two scores of the instrument in the window.
    pub clients_with_two_scores: i32,
    /// The points of change counted as reliable (the practice's setting; by default PHQ-9
    /// 6, GAD-7 4).
    pub reliable_change_points: i32,
    /// The mean of (last score - first score); negative is improvement.
    pub mean_change: Option<f64>,
    /// Share whose score dropped by at least `reliableChangePoints`.
    pub reliable_improvement_rate: Option<f64>,
    /// Share whose score rose by at least `reliableChangePoints`.
    pub reliable_deterioration_rate: Option<f64>,
    /// Share whose last score is at least 50% below a first score above 0.
    pub response_rate: Option<f64>,
    /// Share whose last score is below the remission cut-off (PHQ-9: under 5); always null
    /// for GAD-7, which has no remission cut-off in the measures table.
    pub remission_rate: Option<f64>,
}

impl From<&domain::Outcomes> for ReportInstrumentOutcome {
    fn from(o: &domain::Outcomes) -> Self {
        Self {
            instrument: o.instrument.into(),
            clients_with_two_scores: clamp(o.clients),
            reliable_change_points: o.reliable_change_points,
            mean_change: o.mean_change,
            reliable_improvement_rate: o.reliable_improvement_rate(),
            reliable_deterioration_rate: o.reliable_deterioration_rate(),
            response_rate: o.response_rate(),
            remission_rate: o.remission_rate(),
        }
    }
}

fn clamp(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// One row of a practice report: counts and rates of a group of clients in a window, never
/// a client's id or name.
#[derive(SimpleObject)]
pub struct PracticeReportRow {
    /// The care-team member (grouped by THERAPIST); null otherwise.
    pub therapist: Option<ReportTherapist>,
    /// The month as `YYYY-MM` in UTC (grouped by MONTH); null otherwise.
    pub month: Option<String>,
    /// True for the totals row (the whole practice over the whole period).
    pub total: bool,
    /// The first instant the row counts (included).
    pub from: DateTime<Utc>,
    /// The first instant after the row's window (excluded).
    pub to: DateTime<Utc>,
    /// Clients with something in their care in the window: a session that was not
    /// cancelled, homework due, a tracker entry, a thought record or a measure.
    pub clients: i32,
    /// Homework occurrences due in the window, up to now.
    pub homework_due: i32,
    /// Of those, done: COMPLETED counts 1, PARTIAL 0.5, NOT_DONE and unsubmitted 0.
    pub homework_done: f64,
    /// `homeworkDone / homeworkDue`; null when nothing was due.
    pub homework_completion_rate: Option<f64>,
    /// Clients with at least one full week (seven days counted from the window's start,
    /// ended by now) that began on or after the client was created.
    pub clients_with_full_weeks: i32,
    /// Of those, clients with a tracker entry or thought record in every such week.
    pub clients_tracking_weekly: i32,
    /// `clientsTrackingWeekly / clientsWithFullWeeks`; null when no client had a full week.
    pub tracking_weekly_share: Option<f64>,
    /// Measures (PHQ-9 and GAD-7) administered in the window.
    pub measures_administered: i32,
    /// Change per instrument, PHQ-9 then GAD-7.
    pub outcomes: Vec<ReportInstrumentOutcome>,
}

impl From<&domain::Row> for PracticeReportRow {
    fn from(r: &domain::Row) -> Self {
        let (therapist, month) = match &r.group {
            Group::Therapist { id, display_name } => (
                Some(ReportTherapist {
                    id: to_id(*id),
                    display_name: display_name.clone(),
                }),
                None,
            ),
            Group::Month(m) => (None, Some(m.clone())),
            Group::Total => (None, None),
        };
        Self {
            therapist,
            month,
            total: r.group == Group::Total,
            from: r.start,
            to: r.end,
            clients: clamp(r.clients),
            homework_due: clamp(r.homework_due),
            homework_done: r.homework_done,
            homework_completion_rate: r.homework_completion_rate(),
            clients_with_full_weeks: clamp(r.clients_with_full_weeks),
            clients_tracking_weekly: clamp(r.clients_tracking_weekly),
            tracking_weekly_share: r.tracking_weekly_share(),
            measures_administered: clamp(r.measures_administered),
            outcomes: r.outcomes.iter().map(Into::into).collect(),
        }
    }
}

/// A practice report: rows by therapist or month, and the totals.
#[derive(SimpleObject)]
pub struct PracticeReport {
    /// The period's first instant (included).
    pub from: DateTime<Utc>,
    /// The first instant after the period (excluded).
    pub to: DateTime<Utc>,
    /// How the rows are grouped.
    pub group_by: ReportGroupByValue,
    /// Therapists by display name (at most 1,000), or months in order.
    pub rows: Vec<PracticeReportRow>,
    /// The whole practice over the whole period, each client counted once.
    pub totals: PracticeReportRow,
}

impl From<domain::Report> for PracticeReport {
    fn from(r: domain::Report) -> Self {
        Self {
            from: r.period.from(),
            to: r.period.to(),
            group_by: r.group_by.into(),
            rows: r.rows.iter().map(Into::into).collect(),
            totals: (&r.totals).into(),
        }
    }
}
