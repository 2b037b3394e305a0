//! The momentum (engagement) score: one formula, in one place.
//!
//! Over a window of the last `W` days (14 by default), four components, each a share
//! between 0 and 1:
//!
//! | component | value | weight | why |
//! |---|---|---|---|
//! | `HOMEWORK` | homework due in the window that was done (PARTIAL counts half) | 0.35 | the article's core mechanism: skills practised between sessions and reviewed in the next |
//! | `TRACKING` | days with at least one self-monitoring entry, of the days observed | 0.25 | self-monitoring builds the awareness the other work draws on, and is always possible |
//! | `GOALS` | active goals that moved (progress recorded or a step completed) | 0.25 | momentum on what the client came for |
//! | `CHECK_INS` | check-ins due in the window that were answered | 0.15 | a light touch between sessions: a signal, but the least effort of the four |
//!
//! A component with nothing to measure (no homework due, no check-ins due, no active goals)
//! is left out and the weights of the others are scaled up to sum to 1, so a client with
//! nothing assigned is scored on tracking alone rather than punished for what nobody asked
//! of them. Days observed are the window's days since the client was created, so a client
//! created three days ago who tracked on all three scores 100 on tracking. On the day a
//! client is created nothing is observed yet and the score is null.

/// The default window, in days.
pub const WINDOW_DAYS: i64 = 14;

/// One component's name and weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComponentName {
    Homework,
    Tracking,
    Goals,
    CheckIns,
}

impl ComponentName {
    /// The weight before scaling.
    pub fn weight(self) -> f64 {
        match self {
            Self::Homework => 0.35,
            Self::Tracking => 0.25,
            Self::Goals => 0.25,
            Self::CheckIns => 0.15,
        }
    }
}

/// What the window held for one client (counted in SQL).
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Inputs {
    /// Days of the window the client existed for (0 on the day they were created).
    pub days_observed: i64,
    /// Homework occurrences due in the window.
    pub homework_due: i64,
    /// Of those, done: COMPLETED counts 1, PARTIAL 0.5.
    pub homework_done: f64,
    /// Distinct local days with a self-monitoring entry.
    pub tracking_days: i64,
    /// Goals active during the window.
    pub goals_active: i64,
    /// Of those, goals with progress recorded or a step completed in the window.
    pub goals_moved: i64,
    /// Check-ins due in the window.
    pub check_ins_due: i64,
    /// Of those, answered.
    pub check_ins_answered: i64,
}

/// One component of a score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Component {
    pub name: ComponentName,
    /// The share (0 to 1); `None` when there was nothing to measure.
    pub value: Option<f64>,
    /// The weight it carried (scaled; 0 when left out).
    pub weight: f64,
}

/// A score and how it was made.
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    /// 0 to 100; `None` when nothing could be measured yet.
    pub score: Option<i32>,
    pub components: Vec<Component>,
}

fn share(part: f64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| (part / whole as f64).clamp(0.0, 1.0))
}

/// The components of a score: homework, tracking, goals, check-ins.
pub const COMPONENTS: usize = 4;

/// The score of one window.
pub fn score(i: &Inputs) -> Score {
    let raw: [_; COMPONENTS] = [
        (
            ComponentName::Homework,
            share(i.homework_done, i.homework_due),
        ),
        (
            ComponentName::Tracking,
            share(i.tracking_days as f64, i.days_observed),
        ),
        (
            ComponentName::Goals,
            share(i.goals_moved as f64, i.goals_active),
        ),
        (
            ComponentName::CheckIns,
            share(i.check_ins_answered as f64, i.check_ins_due),
        ),
    ];
    let total: f64 = raw
        .iter()
        .filter(|(_, v)| v.is_some())
        .map(|(n, _)| n.weight())
        .sum();
    let components: Vec<Component> = raw
        .iter()
        .map(|&(name, value)| Component {
            name,
            value,
            weight: match value {
                Some(_) if total > 0.0 => name.weight() / total,
                _ => 0.0,
            },
        })
        .collect();
    let score = (total > 0.0).then(|| {
        let s: f64 = components
            .iter()
            .filter_map(|c| c.value.map(|v| v * c.weight))
            .sum();
        (s * 100.0).round() as i32
    });
    Score { score, components }
}

/// How many days back the trend compares: the score now against the score of the window
/// that ended this many days ago.
pub const TREND_DAYS: i64 = 7;

/// The smallest and largest window a deployment may configure, in days.
pub const WINDOW_DAYS_RANGE: std::ops::RangeInclusive<i64> = 7..=90;

/// A client's momentum: the score, where it is heading, and the plainer signals beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct Momentum {
    pub score: Score,
    /// Points gained (positive) or lost since the window that ended [`TREND_DAYS`] ago;
    /// `None` unless both scores exist.
    pub trend: Option<i32>,
    /// The score [`TREND_DAYS`] ago.
    pub previous: Option<i32>,
    pub streak_days: i64,
    pub days_since_last_activity: Option<i64>,
    pub last_activity_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// The momentum of a client from the inputs of the two windows.
pub fn momentum(
    now: &Inputs,
    week_ago: &Inputs,
    streak_days: i64,
    days_since_last_activity: Option<i64>,
    last_activity_at: Option<chrono::DateTime<chrono::Utc>>,
) -> Momentum {
    let current = score(now);
    let previous = score(week_ago).score;
    Momentum {
        trend: current.score.zip(previous).map(|(a, b)| a - b),
        score: current,
        previous,
        streak_days,
        days_since_last_activity,
        last_activity_at,
    }
}

/// How the caseload dashboard orders clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseloadSort {
    /// Lowest score first (who is drifting); clients without a score yet last.
    Momentum,
    /// Longest without activity first; clients never active first of all.
    LastActivity,
    /// Most severe unresolved alert first, then most unresolved alerts.
    OpenAlerts,
    /// Soonest next session first; clients without one booked last.
    NextSession,
}

/// Engagement alert rules (documented in docs/insights.md; the evaluator applies them).
pub mod rules {
    /// DISENGAGEMENT (inactivity): local days without any activity.
    pub const INACTIVE_DAYS: i64 = 7;
    /// DISENGAGEMENT (drop): points the score fell over [`super::TREND_DAYS`] days.
    pub const SCORE_DROP: i32 = 30;
    /// MISSED_HOMEWORK: consecutive settled occurrences not done.
    pub const MISSED_IN_A_ROW: usize = 2;
    /// An occurrence not submitted this many hours after it was due counts as not done.
    pub const GRACE_HOURS: i64 = 48;
    /// Occurrences due longer ago than this are not looked at.
    pub const MISSED_LOOKBACK_DAYS: i64 = 30;

    /// Why a DISENGAGEMENT alert is due.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum Disengagement {
        /// No activity for `days` local days while `overdue` homework went unsubmitted.
        Inactive { days: i64, overdue: i64 },
        /// The score fell from `from` to `to` in [`super::TREND_DAYS`] days.
        ScoreDrop { from: i32, to: i32 },
    }

    impl Disengagement {
        /// The alert's reason (generated, no client words).
        pub fn reason(&self) -> String {
            match self {
                Self::Inactive { days, overdue } => format!(
                    "No activity for {days} days while {overdue} homework {} due",
                    if *overdue == 1 { "was" } else { "were" }
                ),
                Self::ScoreDrop { from, to } => format!(
                    "Momentum fell from {from} to {to} in {} days",
                    super::TREND_DAYS
                ),
            }
        }
    }

    /// The DISENGAGEMENT rule. `days_inactive` counts from the last activity, or from the
    /// client's creation when there was none; `overdue` is homework due in the last 7 days
    /// and not submitted. Inactivity is checked first (it is the plainer reason).
    pub fn disengagement(
        days_inactive: i64,
        overdue: i64,
        score_now: Option<i32>,
        score_week_ago: Option<i32>,
    ) -> Option<Disengagement> {
        if days_inactive >= INACTIVE_DAYS && overdue > 0 {
            return Some(Disengagement::Inactive {
                days: days_inactive,
                overdue,
            });
        }
        match (score_week_ago, score_now) {
            (Some(from), Some(to)) if from - to >= SCORE_DROP => {
                Some(Disengagement::ScoreDrop { from, to })
            }
            _ => None,
        }
    }

    /// The MISSED_HOMEWORK rule: the latest [`MISSED_IN_A_ROW`] settled occurrences (newest
    /// first, `true` = not done) were all not done.
    pub fn missed_homework(latest_not_done: &[bool]) -> bool {
        latest_not_done.len() >= MISSED_IN_A_ROW
            && latest_not_done[..MISSED_IN_A_ROW].iter().all(|m| *m)
    }
}

/// The keyset of the caseload: the sort's two keys, then the name and id. Absent values
/// are mapped to the end the sort documents.
pub type CaseloadCursor = (i64, i64, String, uuid::Uuid);

#[cfg(test)]
mod tests {
    use super::*;

    fn weights(s: &Score) -> Vec<f64> {
        s.components.iter().map(|c| c.weight).collect()
    }

    #[test]
    fn a_client_created_today_has_no_score_yet() {
        let s = score(&Inputs::default());
        assert_eq!(s.score, None);
        assert!(
            s.components
                .iter()
                .all(|c| c.value.is_none() && c.weight == 0.0)
        );
    }

    #[test]
    fn a_client_with_nothing_assigned_is_scored_on_tracking_alone() {
        let s = score(&Inputs {
            days_observed: 14,
            tracking_days: 7,
            ..Inputs::default()
        });
        assert_eq!(s.score, Some(50));
        assert_eq!(weights(&s), vec![0.0, 1.0, 0.0, 0.0]);
        let none = score(&Inputs {
            days_observed: 14,
            ..Inputs::default()
        });
        assert_eq!(none.score, Some(0), "observed and did nothing");
    }

    #[test]
    fn a_new_client_is_scored_on_the_days_they_existed() {
        let s = score(&Inputs {
            days_observed: 3,
            tracking_days: 3,
            ..Inputs::default()
        });
        assert_eq!(s.score, Some(100));
    }

    #[test]
    fn everything_done_is_100_and_weights_sum_to_one() {
        let s = score(&Inputs {
            days_observed: 14,
            homework_due: 4,
            homework_done: 4.0,
            tracking_days: 14,
            goals_active: 2,
            goals_moved: 2,
            check_ins_due: 5,
            check_ins_answered: 5,
        });
        assert_eq!(s.score, Some(100));
        assert!((weights(&s).iter().sum::<f64>() - 1.0).abs() < 1e-9);
        assert_eq!(weights(&s), vec![0.35, 0.25, 0.25, 0.15]);
    }

    #[test]
    fn components_mix_by_weight_and_partial_homework_counts_half() {
        // homework 1.5/3 = 0.5, tracking 7/14 = 0.5, goals 0/1, check-ins 2/2.
        let s = score(&Inputs {
            days_observed: 14,
            homework_due: 3,
            homework_done: 1.5,
            tracking_days: 7,
            goals_active: 1,
            goals_moved: 0,
            check_ins_due: 2,
            check_ins_answered: 2,
        });
        // 0.35*0.5 + 0.25*0.5 + 0.25*0 + 0.15*1 = 0.45
        assert_eq!(s.score, Some(45));
    }

    #[test]
    fn left_out_components_scale_the_others_up() {
        // No check-ins due: the other weights become 0.35/0.85, 0.25/0.85, 0.25/0.85.
        let s = score(&Inputs {
            days_observed: 14,
            homework_due: 2,
            homework_done: 2.0,
            tracking_days: 0,
            goals_active: 1,
            goals_moved: 1,
            ..Inputs::default()
        });
        assert_eq!(s.score, Some(71)); // (0.35 + 0.25) / 0.85 = 0.7059
        assert_eq!(s.components[3].value, None);
        assert_eq!(s.components[3].weight, 0.0);
    }

    #[test]
    fn shares_never_leave_zero_to_one() {
        let s = score(&Inputs {
            days_observed: 2,
            tracking_days: 5,
            ..Inputs::default()
        });
        assert_eq!(s.score, Some(100));
    }
    #[test]
    fn the_trend_is_the_change_against_a_week_ago_and_needs_both_scores() {
        let full = Inputs {
            days_observed: 14,
            tracking_days: 14,
            ..Inputs::default()
        };
        let half = Inputs {
            tracking_days: 7,
            ..full
        };
        let m = momentum(&half, &full, 0, None, None);
        assert_eq!(
            (m.score.score, m.previous, m.trend),
            (Some(50), Some(100), Some(-50))
        );
        let new = momentum(&half, &Inputs::default(), 0, None, None);
        assert_eq!(new.trend, None, "no score a week ago");
    }

    #[test]
    fn inactivity_alerts_only_with_homework_overdue_and_from_seven_days() {
        use rules::{Disengagement, disengagement};
        assert_eq!(disengagement(6, 3, None, None), None);
        assert_eq!(disengagement(7, 0, None, None), None, "nothing was asked");
        assert_eq!(
            disengagement(7, 2, None, None),
            Some(Disengagement::Inactive {
                days: 7,
                overdue: 2
            })
        );
    }

    #[test]
    fn a_drop_of_thirty_points_in_a_week_alerts_and_twenty_nine_does_not() {
        use rules::{Disengagement, disengagement};
        assert_eq!(disengagement(0, 0, Some(41), Some(70)), None);
        assert_eq!(
            disengagement(0, 0, Some(40), Some(70)),
            Some(Disengagement::ScoreDrop { from: 70, to: 40 })
        );
        assert_eq!(disengagement(0, 0, None, Some(70)), None);
        assert_eq!(
            Disengagement::ScoreDrop { from: 70, to: 40 }.reason(),
            "Momentum fell from 70 to 40 in 7 days"
        );
    }

    #[test]
    fn missed_homework_needs_the_latest_two_not_done() {
        use rules::missed_homework;
        assert!(missed_homework(&[true, true]));
        assert!(missed_homework(&[true, true, false]));
        assert!(!missed_homework(&[true, false, true]));
        assert!(!missed_homework(&[false, true]));
        assert!(!missed_homework(&[true]), "one miss is not a pattern");
    }
}
