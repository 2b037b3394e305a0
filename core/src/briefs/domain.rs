//! Pre-session brief values: where the window starts, its limits, and the suggested agenda.
//! The agenda is a pure function of the brief's figures ([`agenda`]); each rule, its
//! threshold and its priority are documented here and in the agenda table of docs/insights.md.

use crate::{
    measures::domain::{Instrument, ReliableChange, compare},
    plans::domain::ObstacleKind,
    tracking::domain::TrackerKind,
};

/// Where the brief's window starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SinceBasis {
    /// The caller's `since` argument.
    Argument,
    /// The scheduled time of the client's last COMPLETED therapy session.
    LastSession,
    /// The client's creation: they have no completed session yet.
    ClientCreated,
}

/// At most this many homework items awaiting review are listed (oldest submission first).
pub const TO_REVIEW_MAX: u64 = 20;
/// At most this many measure responses of the window are listed (the latest ones).
pub const MEASURES_MAX: u64 = 50;
/// At most this many check-in answers of the window are listed (the latest ones).
pub const CHECK_INS_MAX: u64 = 50;
/// At most this many trackers are summarised (active ones, and those archived in the
/// window; the oldest first).
pub const TRACKERS_MAX: u64 = 100;
/// The agenda has at most this many items.
pub const AGENDA_MAX: usize = 5;
/// A MOOD mean this share of the tracker's range lower than in the window before (2 points
/// on 0-10), or an ANXIETY mean this share higher (20 on 0-100), is worth raising.
pub const TRACKER_SHIFT_SHARE: f64 = 0.2;
/// Homework occurrences of the window reported NOT_DONE or left overdue, at least this many.
pub const NOT_DONE_MIN: i64 = 2;
/// Whole days since the last tracker entry (or since the client was added), at least this many.
pub const NO_ENTRIES_DAYS: i64 = 7;
/// The same kind of obstacle met at least this many times in the window.
pub const OBSTACLE_REPEAT_MIN: i64 = 3;
/// A goal "has not moved" only over a window of at least this many whole days.
pub const GOAL_STALLED_DAYS: i64 = 7;

/// The rule that suggested an agenda item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgendaRule {
    /// An unresolved SAFETY alert.
    SafetyAlert,
    /// A PHQ-9 or GAD-7 total rose over the window by at least the practice's reliable change.
    MeasureWorsened,
    /// Unresolved alerts other than SAFETY.
    OpenAlerts,
    /// Mood fell, or anxiety rose, by at least a fifth of the tracker's range.
    TrackerWorsened,
    /// Submitted homework not yet reviewed.
    HomeworkToReview,
    /// Homework of the window not done or overdue.
    HomeworkNotDone,
    /// No tracker entry for a week or more.
    NoEntries,
    /// The same obstacle came up again and again.
    ObstacleRecurring,
    /// An active goal without recorded progress or a completed step in the window.
    GoalStalled,
    /// A PHQ-9 or GAD-7 total fell over the window by at least the reliable change.
    MeasureImproved,
}

impl AgendaRule {
    /// Every rule, most urgent first.
    pub const ALL: [Self; 10] = [
        Self::SafetyAlert,
        Self::MeasureWorsened,
        Self::OpenAlerts,
        Self::TrackerWorsened,
        Self::HomeworkToReview,
        Self::HomeworkNotDone,
        Self::NoEntries,
        Self::ObstacleRecurring,
        Self::GoalStalled,
        Self::MeasureImproved,
    ];

    /// 1 is the most urgent; the agenda is ordered by it.
    pub fn priority(self) -> i32 {
        match self {
            Self::SafetyAlert => 1,
            Self::MeasureWorsened => 2,
            Self::OpenAlerts => 3,
            Self::TrackerWorsened => 4,
            Self::HomeworkToReview => 5,
            Self::HomeworkNotDone => 6,
            Self::NoEntries => 7,
            Self::ObstacleRecurring => 8,
            Self::GoalStalled => 9,
            Self::MeasureImproved => 10,
        }
    }
}

/// One suggested agenda item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgendaItem {
    pub rule: AgendaRule,
    pub priority: i32,
    /// E.g. "Review 2 unreviewed homework"; generated from figures, never the client's words
    /// (goal titles excepted: the care team wrote or accepted them).
    pub text: String,
}

/// How an instrument's total moved over the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MeasureMove {
    pub instrument: Instrument,
    /// The latest total of the window.
    pub latest: i32,
    /// What it is compared with: the last total before the window, or else the first of the
    /// window when there are two or more; `None` without either.
    pub reference: Option<i32>,
    /// The practice's reliable change of the instrument, in points.
    pub reliable_points: i32,
}

impl MeasureMove {
    /// `latest - reference` (negative: better).
    pub fn change(&self) -> Option<i32> {
        self.reference.map(|r| self.latest - r)
    }

    /// Reliable change over the window, by the measures domain's own rule.
    pub fn reliable_change(&self) -> Option<ReliableChange> {
        let reference = self.reference?;
        compare(
            self.instrument,
            self.latest,
            Some(reference),
            None,
            self.reliable_points,
        )
        .reliable_change
    }
}

/// A tracker's mean over the window against the window before.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackerMove {
    pub kind: TrackerKind,
    pub name: String,
    /// Mean of the window minus the mean of the same-length window before.
    pub change: Option<f64>,
    pub min: f64,
    pub max: f64,
}

/// Whether an active goal moved in the window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoalMove {
    pub title: String,
    /// ACTIVE, and created before the window started.
    pub active_throughout: bool,
    /// A value recorded or a step completed in the window.
    pub moved: bool,
}

/// The figures of a brief the agenda is derived from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures {
    /// Whole days from `since` to `until`.
    pub window_days: i64,
    pub safety_alerts: i64,
    pub other_alerts: i64,
    pub measures: Vec<MeasureMove>,
    pub trackers: Vec<TrackerMove>,
    pub awaiting_review: i64,
    /// Occurrences of the window reported NOT_DONE plus those due in it and still open.
    pub not_done: i64,
    /// Whole days since the last tracker entry, or since the client was added without one.
    pub days_without_entries: i64,
    /// Obstacles met in the window, per kind (logged and reported with homework).
    pub obstacles: Vec<(ObstacleKind, i64)>,
    /// In the order they should be raised (the most important goal first).
    pub goals: Vec<GoalMove>,
}

fn plural(n: i64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// A figure with at most one decimal, without a trailing `.0`.
pub fn one_decimal(x: f64) -> String {
    let rounded = (x * 10.0).round() / 10.0;
    if rounded.fract() == 0.0 {
        format!("{rounded:.0}")
    } else {
        format!("{rounded:.1}")
    }
}

fn obstacle_label(kind: ObstacleKind) -> &'static str {
    match kind {
        ObstacleKind::LackOfTime => "Lack of time",
        ObstacleKind::Overwhelm => "Feeling overwhelmed",
        ObstacleKind::FearOfFailure => "Fear of failure",
        ObstacleKind::NegativeSelfTalk => "Negative self-talk",
        ObstacleKind::Other => "Another obstacle",
    }
}

/// The suggested agenda: every rule that fires, most urgent first (by [`AgendaRule::priority`],
/// then in the order the rule lists its items), at most [`AGENDA_MAX`] items.
pub fn agenda(f: &Figures) -> Vec<AgendaItem> {
    let mut items = Vec::new();
    let mut push = |rule: AgendaRule, text: String| {
        items.push(AgendaItem {
            rule,
            priority: rule.priority(),
            text,
        });
    };
    if f.safety_alerts > 0 {
        let what = if f.safety_alerts == 1 {
            "Safety alert open".to_owned()
        } else {
            format!("{} safety alerts open", f.safety_alerts)
        };
        push(
            AgendaRule::SafetyAlert,
            format!("{what}: assess risk first"),
        );
    }
    let mut worse: Vec<(&MeasureMove, i32)> = f
        .measures
        .iter()
        .filter(|m| m.reliable_change() == Some(ReliableChange::ReliableDeterioration))
        .filter_map(|m| m.change().map(|c| (m, c)))
        .collect();
    worse.sort_by_key(|(_, c)| -c);
    for (m, change) in worse {
        push(
            AgendaRule::MeasureWorsened,
            format!("{} worsened by {change} points", m.instrument.spec().name),
        );
    }
    if f.other_alerts > 0 {
        push(
            AgendaRule::OpenAlerts,
            format!(
                "Go through {}",
                plural(f.other_alerts, "open alert", "open alerts")
            ),
        );
    }
    for t in &f.trackers {
        let (Some(change), range) = (t.change, t.max - t.min) else {
            continue;
        };
        let threshold = TRACKER_SHIFT_SHARE * range;
        match t.kind {
            TrackerKind::Mood if change <= -threshold => push(
                AgendaRule::TrackerWorsened,
                format!("{} down {} on average", t.name, one_decimal(-change)),
            ),
            TrackerKind::Anxiety if change >= threshold => push(
                AgendaRule::TrackerWorsened,
                format!("{} up {} on average", t.name, one_decimal(change)),
            ),
            _ => {}
        }
    }
    if f.awaiting_review > 0 {
        push(
            AgendaRule::HomeworkToReview,
            format!("Review {} unreviewed homework", f.awaiting_review),
        );
    }
    if f.not_done >= NOT_DONE_MIN {
        push(
            AgendaRule::HomeworkNotDone,
            format!(
                "{} homework not done: explore what got in the way",
                f.not_done
            ),
        );
    }
    if f.days_without_entries >= NO_ENTRIES_DAYS {
        push(
            AgendaRule::NoEntries,
            format!("No entries for {} days", f.days_without_entries),
        );
    }
    for (kind, n) in &f.obstacles {
        if *n >= OBSTACLE_REPEAT_MIN {
            push(
                AgendaRule::ObstacleRecurring,
                format!(
                    "{} came up {n} times: revisit the if-then plan",
                    obstacle_label(*kind)
                ),
            );
        }
    }
    if f.window_days >= GOAL_STALLED_DAYS {
        for g in f.goals.iter().filter(|g| g.active_throughout && !g.moved) {
            push(
                AgendaRule::GoalStalled,
                format!("Goal \"{}\" has not moved", g.title),
            );
        }
    }
    let mut better: Vec<(&MeasureMove, i32)> = f
        .measures
        .iter()
        .filter(|m| m.reliable_change() == Some(ReliableChange::ReliableImprovement))
        .filter_map(|m| m.change().map(|c| (m, c)))
        .collect();
    better.sort_by_key(|(_, c)| *c);
    for (m, change) in better {
        push(
            AgendaRule::MeasureImproved,
            format!(
                "{} improved by {} points: name the progress",
                m.instrument.spec().name,
                -change
            ),
        );
    }
    items.sort_by_key(|i| i.priority);
    items.truncate(AGENDA_MAX);
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(f: &Figures) -> Vec<AgendaRule> {
        agenda(f).into_iter().map(|i| i.rule).collect()
    }

    fn texts(f: &Figures) -> Vec<String> {
        agenda(f).into_iter().map(|i| i.text).collect()
    }

    fn phq9(latest: i32, reference: Option<i32>) -> MeasureMove {
        MeasureMove {
            instrument: Instrument::Phq9,
            latest,
            reference,
            reliable_points: 6,
        }
    }

    fn mood(change: Option<f64>) -> TrackerMove {
        TrackerMove {
            kind: TrackerKind::Mood,
            name: "Mood".to_owned(),
            change,
            min: 0.0,
            max: 10.0,
        }
    }

    fn anxiety(change: f64) -> TrackerMove {
        TrackerMove {
            kind: TrackerKind::Anxiety,
            name: "Anxiety (SUDS)".to_owned(),
            change: Some(change),
            min: 0.0,
            max: 100.0,
        }
    }

    #[test]
    fn nothing_to_raise_is_an_empty_agenda() {
        assert!(agenda(&Figures::default()).is_empty());
    }

    #[test]
    fn an_open_safety_alert_comes_first() {
        let f = Figures {
            safety_alerts: 1,
            ..Figures::default()
        };
        assert_eq!(texts(&f), ["Safety alert open: assess risk first"]);
        let f = Figures {
            safety_alerts: 2,
            ..Figures::default()
        };
        assert_eq!(texts(&f), ["2 safety alerts open: assess risk first"]);
        assert!(rules(&Figures::default()).is_empty());
    }

    #[test]
    fn a_measure_worsens_at_the_reliable_change_and_not_a_point_below() {
        let f = Figures {
            measures: vec![phq9(16, Some(10))],
            ..Figures::default()
        };
        assert_eq!(texts(&f), ["PHQ-9 worsened by 6 points"]);
        let f = Figures {
            measures: vec![phq9(15, Some(10))],
            ..Figures::default()
        };
        assert!(agenda(&f).is_empty());
        let f = Figures {
            measures: vec![phq9(16, None)],
            ..Figures::default()
        };
        assert!(agenda(&f).is_empty(), "no reference, no change");
    }

    #[test]
    fn the_practices_reliable_change_decides() {
        let mut m = phq9(14, Some(10));
        m.reliable_points = 4;
        let f = Figures {
            measures: vec![m],
            ..Figures::default()
        };
        assert_eq!(rules(&f), [AgendaRule::MeasureWorsened]);
    }

    #[test]
    fn a_measure_improves_at_the_reliable_change_and_not_a_point_above() {
        let gad7 = |latest| MeasureMove {
            instrument: Instrument::Gad7,
            latest,
            reference: Some(12),
            reliable_points: 4,
        };
        let f = Figures {
            measures: vec![gad7(8)],
            ..Figures::default()
        };
        assert_eq!(texts(&f), ["GAD-7 improved by 4 points: name the progress"]);
        let f = Figures {
            measures: vec![gad7(9)],
            ..Figures::default()
        };
        assert!(agenda(&f).is_empty());
    }

    #[test]
    fn other_open_alerts_are_counted() {
        let f = Figures {
            other_alerts: 1,
            ..Figures::default()
        };
        assert_eq!(texts(&f), ["Go through 1 open alert"]);
        let f = Figures {
            other_alerts: 3,
            ..Figures::default()
        };
        assert_eq!(texts(&f), ["Go through 3 open alerts"]);
    }

    #[test]
    fn mood_down_a_fifth_of_its_range_is_raised() {
        let f = Figures {
            trackers: vec![mood(Some(-2.0))],
            ..Figures::default()
        };
        assert_eq!(texts(&f), ["Mood down 2 on average"]);
        for change in [Some(-1.9), Some(3.0), None] {
            let f = Figures {
                trackers: vec![mood(change)],
                ..Figures::default()
            };
            assert!(agenda(&f).is_empty(), "{change:?}");
        }
    }

    #[test]
    fn anxiety_up_a_fifth_of_its_range_is_raised() {
        let f = Figures {
            trackers: vec![anxiety(20.0)],
            ..Figures::default()
        };
        assert_eq!(texts(&f), ["Anxiety (SUDS) up 20 on average"]);
        for change in [19.5, -40.0] {
            let f = Figures {
                trackers: vec![anxiety(change)],
                ..Figures::default()
            };
            assert!(agenda(&f).is_empty(), "{change}");
        }
    }

    #[test]
    fn custom_trackers_have_no_direction_and_never_fire() {
        let mut t = mood(Some(-9.0));
        t.kind = TrackerKind::Custom;
        let f = Figures {
            trackers: vec![t],
            ..Figures::default()
        };
        assert!(agenda(&f).is_empty());
    }

    #[test]
    fn homework_to_review_fires_from_one() {
        let f = Figures {
            awaiting_review: 1,
            ..Figures::default()
        };
        assert_eq!(texts(&f), ["Review 1 unreviewed homework"]);
        let f = Figures {
            awaiting_review: 0,
            ..Figures::default()
        };
        assert!(agenda(&f).is_empty());
    }

    #[test]
    fn homework_not_done_fires_from_two() {
        let f = Figures {
            not_done: 2,
            ..Figures::default()
        };
        assert_eq!(
            texts(&f),
            ["2 homework not done: explore what got in the way"]
        );
        let f = Figures {
            not_done: 1,
            ..Figures::default()
        };
        assert!(agenda(&f).is_empty());
    }

    #[test]
    fn no_entries_fires_after_a_week() {
        let f = Figures {
            days_without_entries: 7,
            ..Figures::default()
        };
        assert_eq!(texts(&f), ["No entries for 7 days"]);
        let f = Figures {
            days_without_entries: 6,
            ..Figures::default()
        };
        assert!(agenda(&f).is_empty());
    }

    #[test]
    fn an_obstacle_met_three_times_fires() {
        let f = Figures {
            obstacles: vec![(ObstacleKind::LackOfTime, 3), (ObstacleKind::Overwhelm, 2)],
            ..Figures::default()
        };
        assert_eq!(
            texts(&f),
            ["Lack of time came up 3 times: revisit the if-then plan"]
        );
    }

    #[test]
    fn a_goal_stalls_only_over_a_week_and_only_when_active_throughout() {
        let goal = |active_throughout, moved| GoalMove {
            title: "Walk daily".to_owned(),
            active_throughout,
            moved,
        };
        let f = Figures {
            window_days: 7,
            goals: vec![goal(true, false)],
            ..Figures::default()
        };
        assert_eq!(texts(&f), ["Goal \"Walk daily\" has not moved"]);
        for (days, g) in [
            (6, goal(true, false)),
            (7, goal(true, true)),
            (7, goal(false, false)),
        ] {
            let f = Figures {
                window_days: days,
                goals: vec![g],
                ..Figures::default()
            };
            assert!(agenda(&f).is_empty());
        }
    }

    #[test]
    fn the_agenda_is_ordered_by_priority_and_cut_at_five() {
        let f = Figures {
            window_days: 14,
            safety_alerts: 1,
            other_alerts: 1,
            measures: vec![
                phq9(18, Some(10)),
                MeasureMove {
                    instrument: Instrument::Gad7,
                    latest: 5,
                    reference: Some(12),
                    reliable_points: 4,
                },
            ],
            trackers: vec![mood(Some(-3.0))],
            awaiting_review: 2,
            not_done: 4,
            days_without_entries: 9,
            obstacles: vec![(ObstacleKind::LackOfTime, 5)],
            goals: vec![GoalMove {
                title: "Sleep".to_owned(),
                active_throughout: true,
                moved: false,
            }],
        };
        let priorities: Vec<i32> = AgendaRule::ALL.iter().map(|r| r.priority()).collect();
        assert_eq!(priorities, (1..=10).collect::<Vec<_>>());
        assert_eq!(
            rules(&f),
            [
                AgendaRule::SafetyAlert,
                AgendaRule::MeasureWorsened,
                AgendaRule::OpenAlerts,
                AgendaRule::TrackerWorsened,
                AgendaRule::HomeworkToReview,
            ]
        );
        let priorities: Vec<i32> = agenda(&f).iter().map(|i| i.priority).collect();
        assert_eq!(priorities, [1, 2, 3, 4, 5]);
    }

    #[test]
    fn figures_read_with_one_decimal() {
        assert_eq!(one_decimal(2.0), "2");
        assert_eq!(one_decimal(2.45), "2.5");
        assert_eq!(one_decimal(0.04), "0");
    }
}
