//! GraphQL types of the pre-session brief. Records reuse their domains' types (`Client`,
//! `Homework`, `Goal`, `Tracker`, `MeasureResponse`, `CheckIn`, `Alert`); the figures are
//! the brief's own.

use async_graphql::{Enum, ID, SimpleObject};
use chrono::{DateTime, Utc};

use super::{
    domain::{self, MeasureMove},
    figures::{
        CheckInFigures, GoalFigures, HomeworkFigures, MeasureFigures, ObstacleFigures,
        TrackerFigures,
    },
    service::Brief,
};
use crate::{
    alerts::types::Alert,
    checkins::types::CheckIn,
    goals::types::{Goal, ProgressBasisValue},
    homework::types::{Homework, HomeworkOccurrence},
    measures::types::{InstrumentValue, MeasureResponse, ReliableChangeValue, SeverityValue},
    plans::types::ObstacleKindValue,
    schema::Client,
    tracking::{trends::ThoughtSummary, types::Tracker},
    values::to_id,
};

/// Where a brief's window starts.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "BriefSinceBasis", remote = "super::domain::SinceBasis")]
pub enum BriefSinceBasisValue {
    /// The `since` argument.
    Argument,
    /// The scheduled time of the client's last COMPLETED therapy session (the default).
    LastSession,
    /// When the client was added: they have no completed session yet.
    ClientCreated,
}

/// The rule that suggested an agenda item (docs/insights.md lists each with its threshold).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "BriefAgendaRule", remote = "super::domain::AgendaRule")]
pub enum BriefAgendaRuleValue {
    /// Priority 1: an unresolved SAFETY alert.
    SafetyAlert,
    /// Priority 2: a PHQ-9 or GAD-7 total rose over the window by at least the practice's
    /// reliable change.
    MeasureWorsened,
    /// Priority 3: unresolved alerts other than SAFETY.
    OpenAlerts,
    /// Priority 4: the mean mood fell, or the mean anxiety rose, by at least a fifth of the
    /// tracker's range against the window before.
    TrackerWorsened,
    /// Priority 5: homework submitted and not yet reviewed.
    HomeworkToReview,
    /// Priority 6: two or more occurrences of the window not done or overdue.
    HomeworkNotDone,
    /// Priority 7: no tracker entry for 7 days or more.
    NoEntries,
    /// Priority 8: the same kind of obstacle met 3 times or more in the window.
    ObstacleRecurring,
    /// Priority 9: an ACTIVE goal, older than a window of at least 7 days, with no value
    /// recorded and no step completed in it.
    GoalStalled,
    /// Priority 10: a PHQ-9 or GAD-7 total fell over the window by at least the reliable
    /// change.
    MeasureImproved,
}

/// A suggested agenda item.
#[derive(SimpleObject)]
#[graphql(name = "BriefAgendaItem")]
pub struct BriefAgendaItem {
    /// The rule that suggested it.
    pub rule: BriefAgendaRuleValue,
    /// 1 is the most urgent; the agenda is ordered by it.
    pub priority: i32,
    /// What to raise, e.g. "Review 2 unreviewed homework" or "PHQ-9 worsened by 6 points".
    pub text: String,
}

impl From<domain::AgendaItem> for BriefAgendaItem {
    fn from(i: domain::AgendaItem) -> Self {
        Self {
            rule: i.rule.into(),
            priority: i.priority,
            text: i.text,
        }
    }
}

/// Homework submitted and awaiting review, with what the client said about each time.
#[derive(SimpleObject)]
pub struct BriefHomeworkToReview {
    /// The homework (COMPLETED, PARTIAL or NOT_DONE, not yet reviewed).
    pub homework: Homework,
    /// Its submitted occurrences, by due time, each with the client's reflection,
    /// difficulty, helpfulness and obstacles met.
    pub submissions: Vec<HomeworkOccurrence>,
}

/// The homework of the window. Counts are of occurrences (one-off homework has one).
#[derive(SimpleObject)]
pub struct BriefHomework {
    /// Occurrences due in the window.
    pub due: i32,
    /// Occurrences submitted in the window, whenever they were due.
    pub submitted: i32,
    /// Of those submitted, COMPLETED.
    pub completed: i32,
    /// Of those submitted, PARTIAL.
    pub partial: i32,
    /// Of those submitted, NOT_DONE.
    pub not_done: i32,
    /// Occurrences due in the window and not submitted.
    pub overdue: i32,
    /// Homework submitted in full and not yet reviewed, whenever submitted.
    pub awaiting_review: i32,
    /// The oldest of them (at most 20), oldest submission first.
    pub to_review: Vec<BriefHomeworkToReview>,
}

fn int(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

impl From<HomeworkFigures> for BriefHomework {
    fn from(h: HomeworkFigures) -> Self {
        Self {
            due: int(h.due),
            submitted: int(h.submitted),
            completed: int(h.completed),
            partial: int(h.partial),
            not_done: int(h.not_done),
            overdue: int(h.overdue),
            awaiting_review: int(h.awaiting_review),
            to_review: h
                .to_review
                .into_iter()
                .map(|(h, occurrences)| BriefHomeworkToReview {
                    homework: h.into(),
                    submissions: occurrences.into_iter().map(Into::into).collect(),
                })
                .collect(),
        }
    }
}

/// How a goal moved in the window.
#[derive(SimpleObject)]
pub struct BriefGoal {
    /// The goal: ACTIVE or ON_HOLD, or ACHIEVED in the window.
    pub goal: Goal,
    /// The latest value recorded before the window.
    pub from_value: Option<f64>,
    /// The latest value recorded in the window.
    pub to_value: Option<f64>,
    /// Values recorded in the window.
    pub values_recorded: i32,
    /// Steps completed in the window.
    pub steps_completed: i32,
    /// Progress (0 to 1, as `Goal.progress`) at the start of the window: from `fromValue`,
    /// or the steps completed before it.
    pub progress_from: f64,
    /// Progress at the end of the window (now).
    pub progress_to: f64,
    /// What the progress is computed from.
    pub progress_basis: ProgressBasisValue,
    /// True when a value was recorded or a step completed in the window.
    pub moved: bool,
}

impl From<GoalFigures> for BriefGoal {
    fn from(g: GoalFigures) -> Self {
        Self {
            moved: g.values_recorded > 0 || g.steps_completed > 0,
            goal: g.goal.into(),
            from_value: g.from_value,
            to_value: g.to_value,
            values_recorded: int(g.values_recorded),
            steps_completed: int(g.steps_completed),
            progress_from: g.progress_from,
            progress_to: g.progress_to,
            progress_basis: g.basis.into(),
        }
    }
}

/// A tracker value and when it was recorded.
#[derive(SimpleObject)]
pub struct BriefTrackerPoint {
    /// The value.
    pub value: f64,
    /// When it was recorded (the latest entry with this value).
    pub recorded_at: DateTime<Utc>,
}

/// A tracker's window. PRIVATE entries are counted in `hiddenCount` and left out of every
/// statistic.
#[derive(SimpleObject)]
pub struct BriefTracker {
    /// The tracker (MOOD, ANXIETY or custom).
    pub tracker: Tracker,
    /// Entries in the window whose values the viewer may see.
    pub count: i32,
    /// PRIVATE entries in the window.
    pub hidden_count: i32,
    /// The mean value of the window.
    pub mean: Option<f64>,
    /// The mean of the same-length window just before `since`.
    pub previous_mean: Option<f64>,
    /// `mean - previousMean`; null when either is.
    pub change: Option<f64>,
    /// The highest value of the window (the latest entry with it).
    pub high: Option<BriefTrackerPoint>,
    /// The lowest value of the window (the latest entry with it).
    pub low: Option<BriefTrackerPoint>,
    /// When the last entry was recorded, in the window or before, PRIVATE ones included.
    pub last_entry_at: Option<DateTime<Utc>>,
}

fn point(p: Option<(f64, DateTime<Utc>)>) -> Option<BriefTrackerPoint> {
    p.map(|(value, recorded_at)| BriefTrackerPoint { value, recorded_at })
}

impl From<TrackerFigures> for BriefTracker {
    fn from(t: TrackerFigures) -> Self {
        Self {
            tracker: t.tracker.into(),
            count: int(t.count),
            hidden_count: int(t.hidden),
            mean: t.mean,
            previous_mean: t.previous_mean,
            change: t.change,
            high: point(t.high),
            low: point(t.low),
            last_entry_at: t.last_entry_at,
        }
    }
}

/// Thought records of the window.
#[derive(SimpleObject)]
pub struct BriefThoughtRecords {
    /// Thought records written in the window, PRIVATE ones included.
    pub count: i32,
    /// PRIVATE ones: left out of the means.
    pub hidden_count: i32,
    /// Mean drop in emotion intensity, before minus after (each record's mean over its
    /// emotions, averaged over the records).
    pub mean_emotion_drop: Option<f64>,
    /// Mean drop in belief in the automatic thought, before minus after.
    pub mean_belief_drop: Option<f64>,
}

impl From<ThoughtSummary> for BriefThoughtRecords {
    fn from(s: ThoughtSummary) -> Self {
        Self {
            count: int(s.count),
            hidden_count: int(s.hidden),
            mean_emotion_drop: s.mean_emotion_drop,
            mean_belief_drop: s.mean_belief_drop,
        }
    }
}

/// How an instrument's total moved over the window.
#[derive(SimpleObject)]
pub struct BriefMeasureChange {
    /// The instrument.
    pub instrument: InstrumentValue,
    /// The latest total of the window.
    pub latest_total: i32,
    /// Its severity band.
    pub latest_severity: SeverityValue,
    /// What it is compared with: the last total before the window, or else the first of
    /// the window; null with neither.
    pub reference_total: Option<i32>,
    /// `latestTotal - referenceTotal` (negative: better).
    pub change: Option<i32>,
    /// Reliable change over the window, at the practice's threshold.
    pub reliable_change: Option<ReliableChangeValue>,
    /// The practice's reliable change of the instrument, in points.
    pub reliable_change_points: i32,
}

impl From<MeasureMove> for BriefMeasureChange {
    fn from(m: MeasureMove) -> Self {
        Self {
            instrument: m.instrument.into(),
            latest_total: m.latest,
            latest_severity: crate::measures::domain::severity(m.instrument, m.latest).into(),
            reference_total: m.reference,
            change: m.change(),
            reliable_change: m.reliable_change().map(Into::into),
            reliable_change_points: m.reliable_points,
        }
    }
}

/// Measures of the window.
#[derive(SimpleObject)]
pub struct BriefMeasures {
    /// Responses administered in the window, oldest first (the latest 50), each with the
    /// severity band and reliable change against the baseline scored when submitted.
    pub responses: Vec<MeasureResponse>,
    /// Per instrument answered in the window: the change over the window.
    pub changes: Vec<BriefMeasureChange>,
}

impl From<MeasureFigures> for BriefMeasures {
    fn from(m: MeasureFigures) -> Self {
        Self {
            responses: m.responses.into_iter().map(Into::into).collect(),
            changes: m.moves.into_iter().map(Into::into).collect(),
        }
    }
}

/// An obstacle kind met in the window, and whether coping helped.
#[derive(SimpleObject)]
pub struct BriefObstacle {
    /// The kind.
    pub kind: ObstacleKindValue,
    /// Logged against an action plan (`logObstacle`) in the window.
    pub logged: i32,
    /// Named in homework occurrences submitted in the window.
    pub with_homework: i32,
    /// `logged + withHomework`.
    pub total: i32,
    /// Logged entries where the if-then coping plan was used.
    pub coping_used: i32,
    /// How much the coping plan helped, 0 to 10, averaged over the logged entries that rated
    /// it; null when none did.
    pub mean_helpfulness: Option<f64>,
}

impl From<ObstacleFigures> for BriefObstacle {
    fn from(o: ObstacleFigures) -> Self {
        Self {
            kind: o.kind.into(),
            logged: int(o.logged),
            with_homework: int(o.with_homework),
            total: int(o.logged + o.with_homework),
            coping_used: int(o.coping_used),
            mean_helpfulness: o.mean_helpfulness,
        }
    }
}

/// Check-ins of the window.
#[derive(SimpleObject)]
pub struct BriefCheckIns {
    /// Check-ins due in the window.
    pub due: i32,
    /// Check-ins answered in the window, whenever due.
    pub answered: i32,
    /// Due in the window and still unanswered a day later.
    pub missed: i32,
    /// The mean mood given with the answers of the window.
    pub mean_mood: Option<f64>,
    /// The answers of the window, oldest first (the latest 50).
    pub answers: Vec<CheckIn>,
}

impl From<CheckInFigures> for BriefCheckIns {
    fn from(c: CheckInFigures) -> Self {
        Self {
            due: int(c.due),
            answered: int(c.answered),
            missed: int(c.missed),
            mean_mood: c.mean_mood,
            answers: c.answers.into_iter().map(Into::into).collect(),
        }
    }
}

/// What happened between `since` and `until` (now), for the care team before a session.
#[derive(SimpleObject)]
pub struct SessionBrief {
    /// The client.
    pub client: Client,
    /// The start of the window.
    pub since: DateTime<Utc>,
    /// The end of the window: now.
    pub until: DateTime<Utc>,
    /// Where `since` came from.
    pub since_basis: BriefSinceBasisValue,
    /// The completed session `since` is the scheduled time of (when `sinceBasis` is
    /// LAST_SESSION).
    pub since_session_id: Option<ID>,
    /// Homework.
    pub homework: BriefHomework,
    /// Goals worked on: ACTIVE or ON_HOLD, or ACHIEVED in the window; HIGH priority first.
    pub goals: Vec<BriefGoal>,
    /// Trackers (not archived before the window), oldest first.
    pub trackers: Vec<BriefTracker>,
    /// Thought records.
    pub thought_records: BriefThoughtRecords,
    /// Measures.
    pub measures: BriefMeasures,
    /// Every obstacle kind, in the order of `ObstacleKindValue`.
    pub obstacles: Vec<BriefObstacle>,
    /// Check-ins.
    pub check_ins: BriefCheckIns,
    /// Unresolved alerts (OPEN or ACKNOWLEDGED), most severe then oldest first.
    pub open_alerts: Vec<Alert>,
    /// Suggested agenda items, most urgent first (at most 5).
    pub agenda: Vec<BriefAgendaItem>,
}

impl From<Brief> for SessionBrief {
    fn from(b: Brief) -> Self {
        Self {
            client: b.client.into(),
            since: b.since,
            until: b.until,
            since_basis: b.basis.into(),
            since_session_id: b.session_id.map(to_id),
            homework: b.homework.into(),
            goals: b.goals.into_iter().map(Into::into).collect(),
            trackers: b.trackers.into_iter().map(Into::into).collect(),
            thought_records: b.thoughts.into(),
            measures: b.measures.into(),
            obstacles: b.obstacles.into_iter().map(Into::into).collect(),
            check_ins: b.check_ins.into(),
            open_alerts: b.alerts.into_iter().map(Into::into).collect(),
            agenda: b.agenda.into_iter().map(Into::into).collect(),
        }
    }
}
