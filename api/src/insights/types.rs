//! GraphQL types of insights: the momentum score, the caseload dashboard and the result
//! of an alert evaluation.

use async_graphql::{Enum, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::{caseload, domain, evaluation};
use crate::schema::Client;

/// One of the four parts of the momentum score.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "super::domain::ComponentName")]
pub enum MomentumComponentName {
    /// Homework due in the window that was done (PARTIAL counts half). Weight 0.35.
    Homework,
    /// Days of the window with a self-monitoring entry. Weight 0.25.
    Tracking,
    /// Active goals that moved (progress recorded, a step completed, achieved). Weight 0.25.
    Goals,
    /// Check-ins due in the window that were answered. Weight 0.15.
    CheckIns,
}

/// One part of the momentum score.
#[derive(SimpleObject, Debug, Clone)]
pub struct MomentumComponent {
    /// Which part.
    pub name: MomentumComponentName,
    /// The share achieved, 0 to 1; null when there was nothing to measure (e.g. no
    /// homework was due), and the part is then left out of the score.
    pub value: Option<f64>,
    /// The weight the part carried in this score: its base weight scaled so that the
    /// weights of the parts measured sum to 1; 0 when left out.
    pub weight: f64,
}

/// A client's momentum: how engaged they have been with the work between sessions over
/// the last `windowDays` days. The formula is in docs/insights.md ("Momentum score").
pub struct Momentum {
    pub inner: domain::Momentum,
    pub window_days: i64,
}

/// A client's momentum: how engaged they have been with the work between sessions over
/// the last `windowDays` days. The formula is in docs/insights.md ("Momentum score").
#[Object]
impl Momentum {
    /// 0 to 100: the weighted share of what was asked that was done. Null in the client's
    /// first 24 hours (nothing observed yet).
    async fn score(&self) -> Option<i32> {
        self.inner.score.score
    }
    /// Points gained (positive) or lost (negative) against the score of the window that
    /// ended 7 days ago; null unless both scores exist.
    async fn trend(&self) -> Option<i32> {
        self.inner.trend
    }
    /// The score of the window that ended 7 days ago.
    async fn previous_score(&self) -> Option<i32> {
        self.inner.previous
    }
    /// The four parts, in the order HOMEWORK, TRACKING, GOALS, CHECK_INS.
    async fn components(&self) -> Vec<MomentumComponent> {
        self.inner
            .score
            .components
            .iter()
            .map(|c| MomentumComponent {
                name: c.name.into(),
                value: c.value,
                weight: c.weight,
            })
            .collect()
    }
    /// Consecutive local days with a self-monitoring entry, ending today or yesterday (a
    /// streak is not broken until a whole day passes without one); 0 otherwise. Counted
    /// up to 366.
    async fn streak_days(&self) -> i64 {
        self.inner.streak_days
    }
    /// Local days since the client's last activity (0: today): an entry or thought record,
    /// homework submitted, a check-in answered, a measure completed, goal progress or a
    /// step completed. Null when there was none.
    async fn days_since_last_activity(&self) -> Option<i64> {
        self.inner.days_since_last_activity
    }
    /// When the last activity happened.
    async fn last_activity_at(&self) -> Option<DateTime<Utc>> {
        self.inner.last_activity_at
    }
    /// The days the score looks back over (`MOMENTUM_SCORE_WINDOW_DAYS`, 14 by default).
    async fn window_days(&self) -> i64 {
        self.window_days
    }
}

/// How the caseload is ordered.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "CaseloadSort", remote = "super::domain::CaseloadSort")]
pub enum CaseloadSortValue {
    /// Lowest momentum score first (who is drifting); clients without a score yet last.
    Momentum,
    /// Longest without activity first; clients never active first of all.
    LastActivity,
    /// Most severe unresolved alert first, then the most unresolved alerts; clients
    /// without any last.
    OpenAlerts,
    /// Soonest next session first; clients without one booked last.
    NextSession,
}

/// One client on the caseload dashboard. Ties in any order are broken by name, then id.
pub struct CaseloadEntry {
    pub row: caseload::CaseloadRow,
    pub window_days: i64,
}

/// One client on the caseload dashboard. Ties in any order are broken by name, then id.
#[Object]
impl CaseloadEntry {
    /// The client.
    async fn client(&self) -> Client {
        Client::from(self.row.facts.client.clone())
    }
    /// Their momentum.
    async fn momentum(&self) -> Momentum {
        Momentum {
            inner: self.row.momentum.clone(),
            window_days: self.window_days,
        }
    }
    /// When they last did anything (see `Momentum.daysSinceLastActivity`).
    async fn last_activity_at(&self) -> Option<DateTime<Utc>> {
        self.row.facts.last_activity_at
    }
    /// Local days since then (0: today); null when never.
    async fn days_since_last_activity(&self) -> Option<i64> {
        self.row.facts.days_since_last_activity
    }
    /// Unresolved (OPEN or ACKNOWLEDGED) alerts.
    async fn open_alerts(&self) -> i64 {
        self.row.alerts.unresolved
    }
    /// The severity of the most severe unresolved alert (SAFETY 4, WORSENING 3,
    /// DISENGAGEMENT 2, MISSED_HOMEWORK 1); null without any.
    async fn highest_alert_severity(&self) -> Option<i32> {
        self.row.alerts.worst
    }
    /// When the next scheduled session starts; null when none is booked
    /// (`client { nextSession }` has the session itself).
    async fn next_session_at(&self) -> Option<DateTime<Utc>> {
        self.row.next_session_at
    }
    /// Homework occurrences due in the next 7 days and not yet submitted.
    async fn homework_due(&self) -> i64 {
        self.row.facts.homework_due
    }
    /// Homework occurrences due in the last 7 days and not submitted.
    async fn homework_overdue(&self) -> i64 {
        self.row.facts.homework_overdue
    }
}

/// What `evaluateAlerts` did.
#[derive(SimpleObject, Debug, Clone, Copy)]
pub struct EvaluateAlertsPayload {
    /// ACTIVE clients of the practice evaluated.
    pub clients_evaluated: u64,
    /// DISENGAGEMENT alerts raised now.
    pub disengagement_raised: u64,
    /// MISSED_HOMEWORK alerts raised now.
    pub missed_homework_raised: u64,
}

impl From<evaluation::Evaluated> for EvaluateAlertsPayload {
    fn from(e: evaluation::Evaluated) -> Self {
        Self {
            clients_evaluated: e.clients,
            disengagement_raised: e.disengagement,
            missed_homework_raised: e.missed_homework,
        }
    }
}
