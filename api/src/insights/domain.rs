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
#[derive(Debug, Clone, Copy, Default, PartialEq)]
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

/// The score of one window.
pub fn score(i: &Inputs) -> Score {
    let raw = [
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
}
