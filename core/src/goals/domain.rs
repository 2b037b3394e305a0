//! Goal values and the two pieces of goal arithmetic: SMART coaching and progress.

use chrono::NaiveDate;
use uuid::Uuid;

use crate::error::ServiceError;

/// Where a goal is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GoalStatus {
    Proposed,
    Active,
    OnHold,
    Achieved,
    Abandoned,
    Declined,
}

impl GoalStatus {
    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Proposed => "PROPOSED",
            Self::Active => "ACTIVE",
            Self::OnHold => "ON_HOLD",
            Self::Achieved => "ACHIEVED",
            Self::Abandoned => "ABANDONED",
            Self::Declined => "DECLINED",
        }
    }

    /// Parses the stored form.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "PROPOSED" => Self::Proposed,
            "ACTIVE" => Self::Active,
            "ON_HOLD" => Self::OnHold,
            "ACHIEVED" => Self::Achieved,
            "ABANDONED" => Self::Abandoned,
            "DECLINED" => Self::Declined,
            _ => return None,
        })
    }

    /// Whether the goal is still being worked on (or about to be).
    pub fn is_open(self) -> bool {
        matches!(self, Self::Proposed | Self::Active | Self::OnHold)
    }
}

/// How much a goal matters now, relative to the client's other goals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GoalPriority {
    Low,
    Medium,
    High,
}

impl GoalPriority {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "LOW",
            Self::Medium => "MEDIUM",
            Self::High => "HIGH",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "LOW" => Self::Low,
            "MEDIUM" => Self::Medium,
            "HIGH" => Self::High,
            _ => return None,
        })
    }
}

/// Whether a step is still to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepStatus {
    Open,
    Done,
}

impl StepStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "OPEN",
            Self::Done => "DONE",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "OPEN" => Self::Open,
            "DONE" => Self::Done,
            _ => return None,
        })
    }
}

/// Limits of goal fields.
pub const TITLE_MAX: usize = 200;
pub const MEASURE_MAX: usize = 200;
pub const UNIT_MAX: usize = 50;
pub const REASON_MAX: usize = 1000;
/// Steps per goal: enough for any real plan, few enough to read in one screen.
pub const STEPS_MAX: u64 = 50;
/// Goals per client, over all statuses.
pub const GOALS_PER_CLIENT_MAX: u64 = 200;

/// The measurable part of a goal: what is counted, from where, to where.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Measure {
    pub measure: Option<String>,
    pub baseline: Option<f64>,
    pub target: Option<f64>,
    pub unit: Option<String>,
}

impl Measure {
    /// Checks the combination: a target needs a unit, numbers are finite, and a target
    /// equal to the baseline measures nothing.
    pub fn check(self, prefix: &str) -> Result<Self, ServiceError> {
        for (name, v) in [("baseline", self.baseline), ("target", self.target)] {
            if v.is_some_and(|v| !v.is_finite()) {
                return Err(ServiceError::bad_input(
                    format!("{prefix}.{name}"),
                    "must be a finite number",
                ));
            }
        }
        if self.target.is_some() && self.unit.is_none() {
            return Err(ServiceError::bad_input(
                format!("{prefix}.unit"),
                "is required when a target is set (e.g. \"attacks per week\")",
            ));
        }
        if let (Some(b), Some(t)) = (self.baseline, self.target)
            && b == t
        {
            return Err(ServiceError::bad_input(
                format!("{prefix}.target"),
                "must differ from the baseline",
            ));
        }
        Ok(self)
    }
}

/// A new goal, parsed.
pub struct NewGoal {
    pub id: Option<Uuid>,
    pub client_id: Uuid,
    pub title: String,
    pub description: Option<String>,
    pub measure: Measure,
    pub target_date: Option<NaiveDate>,
    pub confidence: Option<i32>,
    pub why_it_matters: Option<String>,
    pub priority: GoalPriority,
}

/// A change to a goal; `None` leaves a field as it is, `Some(None)` clears it.
#[derive(Default)]
pub struct GoalChanges {
    pub title: Option<String>,
    pub description: Option<Option<String>>,
    pub measure: Option<Option<String>>,
    pub baseline: Option<Option<f64>>,
    pub target: Option<Option<f64>>,
    pub unit: Option<Option<String>>,
    pub target_date: Option<Option<NaiveDate>>,
    pub confidence: Option<Option<i32>>,
    pub why_it_matters: Option<Option<String>>,
    pub priority: Option<GoalPriority>,
}

/// One SMART criterion of a goal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Criterion {
    pub met: bool,
    /// What to add or change when not met.
    pub hint: Option<&'static str>,
}

impl Criterion {
    fn new(met: bool, hint: &'static str) -> Self {
        Self {
            met,
            hint: (!met).then_some(hint),
        }
    }
}

/// The SMART check of a goal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Smart {
    pub specific: Criterion,
    pub measurable: Criterion,
    pub achievable: Criterion,
    pub relevant: Criterion,
    pub time_bound: Criterion,
}

/// Confidence at or above this is "achievable"; below it, a smaller first step helps
/// (motivational-interviewing confidence ruler).
pub const CONFIDENT_FROM: i32 = 7;
/// A description shorter than this rarely says what, where and when.
const SPECIFIC_MIN_CHARS: usize = 15;

/// Coaches a goal towards SMART. `today` is the client's local date.
pub fn smart(goal: &entity::goal::Model, today: NaiveDate) -> Smart {
    let description = goal.description.as_deref().unwrap_or("").trim();
    let specific = Criterion::new(
        description.chars().count() >= SPECIFIC_MIN_CHARS,
        "describe exactly what you will do, where and when",
    );
    let measurable = Criterion::new(
        goal.measure.is_some() && goal.target.is_some() && goal.unit.is_some(),
        "say what you will count and the number you are aiming for",
    );
    let achievable = match goal.confidence {
        None => Criterion::new(
            false,
            "rate your confidence from 0 to 10 that you can do this",
        ),
        Some(c) => Criterion::new(c >= CONFIDENT_FROM, "consider a smaller first step"),
    };
    let relevant = Criterion::new(
        goal.why_it_matters
            .as_deref()
            .is_some_and(|w| !w.trim().is_empty()),
        "note why this matters to you",
    );
    let time_bound = match goal.target_date {
        None => Criterion::new(false, "choose a date to reach it by"),
        Some(d)
            if d < today && GoalStatus::parse(&goal.status).is_some_and(GoalStatus::is_open) =>
        {
            Criterion::new(false, "the target date has passed: choose a new one")
        }
        Some(_) => Criterion::new(true, ""),
    };
    Smart {
        specific,
        measurable,
        achievable,
        relevant,
        time_bound,
    }
}

/// What a goal's progress is computed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressBasis {
    /// From the baseline towards the target, using the latest recorded value.
    Measure,
    /// The share of completed steps.
    Steps,
    /// Neither a measure nor steps yet: progress is 0.
    None,
}

/// A goal's progress, 0 to 1, and what it was computed from.
///
/// A measured goal (baseline and target both set) moves from the baseline towards the
/// target in either direction, so "reduce panic attacks from 5 to 1 a week" at 2 is 0.75.
/// Values past the target count as 1, values on the wrong side of the baseline as 0.
pub fn progress(
    goal: &entity::goal::Model,
    latest_value: Option<f64>,
    steps_done: usize,
    steps_total: usize,
) -> (f64, ProgressBasis) {
    if let (Some(baseline), Some(target)) = (goal.baseline, goal.target)
        && baseline != target
    {
        let value = latest_value.unwrap_or(baseline);
        let fraction = (value - baseline) / (target - baseline);
        return (fraction.clamp(0.0, 1.0), ProgressBasis::Measure);
    }
    if steps_total > 0 {
        #[allow(clippy::cast_precision_loss)] // at most STEPS_MAX steps
        let fraction = steps_done as f64 / steps_total as f64;
        return (fraction, ProgressBasis::Steps);
    }
    (0.0, ProgressBasis::None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn goal() -> entity::goal::Model {
        entity::goal::Model {
            id: Uuid::nil(),
            practice_id: Uuid::nil(),
            client_id: Uuid::nil(),
            title: "t".into(),
            description: None,
            measure: None,
            baseline: None,
            target: None,
            unit: None,
            target_date: None,
            confidence: None,
            why_it_matters: None,
            priority: "MEDIUM".into(),
            status: "ACTIVE".into(),
            status_reason: None,
            achieved_at: None,
            created_by: Uuid::nil(),
            created_by_role: "THERAPIST".into(),
            version: 1,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn a_target_below_the_baseline_counts_down() {
        let g = entity::goal::Model {
            baseline: Some(5.0),
            target: Some(1.0),
            ..goal()
        };
        assert_eq!(
            progress(&g, Some(2.0), 0, 0),
            (0.75, ProgressBasis::Measure)
        );
        assert_eq!(progress(&g, None, 0, 0), (0.0, ProgressBasis::Measure));
        assert_eq!(progress(&g, Some(0.0), 0, 0).0, 1.0);
        assert_eq!(progress(&g, Some(7.0), 0, 0).0, 0.0);
    }

    #[test]
    fn without_a_measure_steps_count() {
        assert_eq!(progress(&goal(), None, 1, 4), (0.25, ProgressBasis::Steps));
        assert_eq!(
            progress(&goal(), Some(3.0), 0, 0),
            (0.0, ProgressBasis::None)
        );
    }

    #[test]
    fn low_confidence_suggests_a_smaller_step() {
        let today = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let s = smart(
            &entity::goal::Model {
                confidence: Some(5),
                ..goal()
            },
            today,
        );
        assert_eq!(s.achievable.hint, Some("consider a smaller first step"));
        assert!(!s.specific.met && !s.measurable.met && !s.relevant.met && !s.time_bound.met);
        let s = smart(
            &entity::goal::Model {
                confidence: Some(8),
                description: Some("Walk 20 minutes around the park after lunch".into()),
                measure: Some("walks".into()),
                target: Some(5.0),
                unit: Some("walks per week".into()),
                why_it_matters: Some("energy for my kids".into()),
                target_date: Some(today),
                ..goal()
            },
            today,
        );
        for c in [
            s.specific,
            s.measurable,
            s.achievable,
            s.relevant,
            s.time_bound,
        ] {
            assert_eq!(
                c,
                Criterion {
                    met: true,
                    hint: None
                }
            );
        }
    }

    #[test]
    fn a_target_needs_a_unit_and_must_differ_from_the_baseline() {
        let m = Measure {
            target: Some(1.0),
            ..Measure::default()
        };
        assert!(
            matches!(m.check("input"), Err(ServiceError::BadInput { field, .. }) if field == "input.unit")
        );
        let m = Measure {
            baseline: Some(1.0),
            target: Some(1.0),
            unit: Some("x".into()),
            ..Measure::default()
        };
        assert!(
            matches!(m.check("input"), Err(ServiceError::BadInput { field, .. }) if field == "input.target")
        );
    }
}
