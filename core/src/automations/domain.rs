//! Automation rules' rules, without I/O: a rule is data (a trigger, conditions on the client's
//! figures, actions), stored as JSON, checked field by field, and evaluated against a client's
//! facts into a firing with a reason written from the data (never from the client's words).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    alerts::domain::AlertKind, error::ServiceError, events::EventKind, measures::domain::Instrument,
};

/// Most conditions, and most actions, in a rule.
pub const PARTS_MAX: usize = 5;
/// The longest `NO_TRACKING_FOR_DAYS` and the latest an action's work may fall due.
pub const DAYS_MAX: i32 = 90;
/// Rules act on events of at most this automation depth: events people and the server's
/// schedules cause (0), and those a firing's actions cause (1), not those a firing on a
/// firing causes.
pub const DEPTH_MAX: i32 = 1;
/// The automation job's row in `job_cursor`: its lock, and (as JSON) its position in the
/// event feed.
pub const CURSOR_NAME: &str = "automations";
/// The most missed homework in a row a `MISSED_HOMEWORK` condition counts.
pub const MISSED_MAX: usize = 10;

/// What must hold of the client for a rule to act (all of a rule's conditions must).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Condition {
    /// The client's latest total on `instrument` is at least `total`.
    #[serde(rename_all = "camelCase")]
    ScoreAtLeast { instrument: String, total: i32 },
    /// The client's latest score on `instrument` is a reliable deterioration from their
    /// first.
    #[serde(rename_all = "camelCase")]
    ReliableDeterioration { instrument: String },
    /// Nothing tracked for at least `days` days.
    #[serde(rename_all = "camelCase")]
    NoTrackingForDays { days: i32 },
    /// At least `count` of the client's latest settled homework occurrences were missed, in a
    /// row.
    #[serde(rename_all = "camelCase")]
    MissedHomework { count: i32 },
}

/// What a rule does when it fires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Action {
    /// Assign homework from a library template, due `dueInDays` later.
    #[serde(rename_all = "camelCase")]
    AssignHomework { template_id: Uuid, due_in_days: i32 },
    /// Schedule a check-in with `prompt`, due `dueInDays` later.
    #[serde(rename_all = "camelCase")]
    ScheduleCheckIn { prompt: String, due_in_days: i32 },
    /// Share a library resource.
    #[serde(rename_all = "camelCase")]
    ShareResource { resource_id: Uuid },
    /// Enrol the client in a programme.
    #[serde(rename_all = "camelCase")]
    EnrollInProgram { program_id: Uuid },
    /// Raise an alert of `alertKind` for the care team.
    #[serde(rename_all = "camelCase")]
    RaiseAlert { alert_kind: String },
    /// Tell the care team through the event feed (an `AUTOMATION_FIRED` event).
    NotifyCareTeam,
}

/// A client's figures that conditions read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    /// Per instrument: the latest total and whether it is a reliable deterioration.
    pub latest: Vec<(Instrument, i32, bool)>,
    /// Whole days since the client last tracked anything; `None` when never.
    pub days_since_tracking: Option<i64>,
    /// How many of the latest settled homework occurrences were missed, in a row.
    pub missed_in_a_row: u32,
}

impl Condition {
    /// Checks the condition's values, naming `field` (`input.conditions[0]`) and its part.
    pub fn check(&self, field: &str) -> Result<(), ServiceError> {
        let instrument = |name: &str| {
            Instrument::parse(name).map(|_| ()).ok_or_else(|| {
                ServiceError::bad_input(format!("{field}.instrument"), "is not an instrument")
            })
        };
        match self {
            Self::ScoreAtLeast {
                instrument: i,
                total,
            } => {
                instrument(i)?;
                if !(0..=27).contains(total) {
                    return Err(ServiceError::bad_input(
                        format!("{field}.total"),
                        "must be 0 to 27",
                    ));
                }
            }
            Self::ReliableDeterioration { instrument: i } => instrument(i)?,
            Self::NoTrackingForDays { days } => {
                if !(1..=DAYS_MAX).contains(days) {
                    return Err(ServiceError::bad_input(
                        format!("{field}.days"),
                        format!("must be 1 to {DAYS_MAX}"),
                    ));
                }
            }
            Self::MissedHomework { count } => {
                if !(1..=MISSED_MAX as i32).contains(count) {
                    return Err(ServiceError::bad_input(
                        format!("{field}.count"),
                        format!("must be 1 to {MISSED_MAX}"),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Whether it holds of `f`, and if so why (from the figures, for the firing's reason).
    pub fn holds(&self, f: &Facts) -> Option<String> {
        let latest = |name: &str| {
            let i = Instrument::parse(name)?;
            f.latest
                .iter()
                .find(|(x, _, _)| *x == i)
                .map(|l| (i, l.1, l.2))
        };
        match self {
            Self::ScoreAtLeast { instrument, total } => latest(instrument)
                .filter(|(_, t, _)| t >= total)
                .map(|(i, t, _)| format!("latest {} total {t} is at least {total}", i.as_str())),
            Self::ReliableDeterioration { instrument } => latest(instrument)
                .filter(|(_, _, worse)| *worse)
                .map(|(i, t, _)| {
                    format!(
                        "latest {} total {t} is a reliable deterioration",
                        i.as_str()
                    )
                }),
            Self::NoTrackingForDays { days } => match f.days_since_tracking {
                Some(d) if d >= i64::from(*days) => Some(format!("nothing tracked for {d} days")),
                None => Some("nothing tracked yet".to_owned()),
                Some(_) => None,
            },
            Self::MissedHomework { count } => (i64::from(f.missed_in_a_row) >= i64::from(*count))
                .then(|| format!("{} homework missed in a row", f.missed_in_a_row)),
        }
    }
}

impl Action {
    /// Checks the action's values (the ids' existence is the service's), naming `field`.
    pub fn check(&self, field: &str) -> Result<(), ServiceError> {
        let days = |d: i32| {
            if (1..=DAYS_MAX).contains(&d) {
                Ok(())
            } else {
                Err(ServiceError::bad_input(
                    format!("{field}.dueInDays"),
                    format!("must be 1 to {DAYS_MAX}"),
                ))
            }
        };
        match self {
            Self::AssignHomework { due_in_days, .. } => days(*due_in_days),
            Self::ScheduleCheckIn {
                prompt,
                due_in_days,
            } => {
                let n = prompt.trim().chars().count();
                if n == 0 || n > 500 {
                    return Err(ServiceError::bad_input(
                        format!("{field}.prompt"),
                        "must be 1 to 500 characters",
                    ));
                }
                days(*due_in_days)
            }
            Self::RaiseAlert { alert_kind } => {
                AlertKind::parse(alert_kind).map(|_| ()).ok_or_else(|| {
                    ServiceError::bad_input(format!("{field}.alertKind"), "is not an alert kind")
                })
            }
            Self::ShareResource { .. } | Self::EnrollInProgram { .. } | Self::NotifyCareTeam => {
                Ok(())
            }
        }
    }
}

/// A rule's content: what triggers it, what must hold, what it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleContent {
    pub trigger: EventKind,
    pub conditions: Vec<Condition>,
    pub actions: Vec<Action>,
}

impl RuleContent {
    /// Checks every part, naming the first bad one (`input.actions[1].dueInDays`).
    pub fn check(&self) -> Result<(), ServiceError> {
        if self.conditions.len() > PARTS_MAX {
            return Err(ServiceError::bad_input(
                "input.conditions",
                format!("at most {PARTS_MAX}"),
            ));
        }
        if self.actions.is_empty() || self.actions.len() > PARTS_MAX {
            return Err(ServiceError::bad_input(
                "input.actions",
                format!("1 to {PARTS_MAX} actions"),
            ));
        }
        for (i, c) in self.conditions.iter().enumerate() {
            c.check(&format!("input.conditions[{i}]"))?;
        }
        for (i, a) in self.actions.iter().enumerate() {
            a.check(&format!("input.actions[{i}]"))?;
        }
        Ok(())
    }

    /// Whether the rule fires for a client with facts `f`: every condition holds. Returns the
    /// reason, from the figures (`"PHQ9 total 17 is at least 15"`; `"triggered"` without
    /// conditions).
    pub fn fires(&self, f: &Facts) -> Option<String> {
        let mut why = Vec::new();
        for c in &self.conditions {
            why.push(c.holds(f)?);
        }
        Some(if why.is_empty() {
            format!("{} happened", self.trigger.as_str())
        } else {
            why.join("; ")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> Facts {
        Facts {
            latest: vec![(Instrument::Phq9, 17, true), (Instrument::Gad7, 6, false)],
            days_since_tracking: Some(9),
            missed_in_a_row: 2,
        }
    }

    fn rule(conditions: Vec<Condition>) -> RuleContent {
        RuleContent {
            trigger: EventKind::MeasureSubmitted,
            conditions,
            actions: vec![Action::NotifyCareTeam],
        }
    }

    #[test]
    fn a_rule_fires_when_every_condition_holds_with_the_figures_as_its_reason() {
        let f = facts();
        let r = rule(vec![
            Condition::ScoreAtLeast {
                instrument: "PHQ9".into(),
                total: 15,
            },
            Condition::ReliableDeterioration {
                instrument: "PHQ9".into(),
            },
        ]);
        assert_eq!(
            r.fires(&f).as_deref(),
            Some(
                "latest PHQ9 total 17 is at least 15; latest PHQ9 total 17 is a reliable deterioration"
            )
        );
        let gad = rule(vec![Condition::ScoreAtLeast {
            instrument: "GAD7".into(),
            total: 10,
        }]);
        assert_eq!(gad.fires(&f), None);
        let quiet = rule(vec![
            Condition::NoTrackingForDays { days: 7 },
            Condition::MissedHomework { count: 2 },
        ]);
        assert!(quiet.fires(&f).is_some());
        let strict = rule(vec![Condition::MissedHomework { count: 3 }]);
        assert_eq!(strict.fires(&f), None);
        assert_eq!(
            rule(Vec::new()).fires(&f).as_deref(),
            Some("MEASURE_SUBMITTED happened")
        );
        // Never tracked counts as not tracking.
        let never = Facts {
            days_since_tracking: None,
            ..f
        };
        assert!(
            rule(vec![Condition::NoTrackingForDays { days: 30 }])
                .fires(&never)
                .is_some()
        );
    }

    #[test]
    fn bad_parts_are_refused_by_field() {
        let bad = |r: RuleContent| match r.check() {
            Err(ServiceError::BadInput { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        let mut r = rule(vec![Condition::ScoreAtLeast {
            instrument: "PHQ10".into(),
            total: 3,
        }]);
        assert_eq!(bad(r.clone()), "input.conditions[0].instrument");
        r.conditions = vec![Condition::NoTrackingForDays { days: 0 }];
        assert_eq!(bad(r.clone()), "input.conditions[0].days");
        r.conditions.clear();
        r.actions = vec![
            Action::NotifyCareTeam,
            Action::ScheduleCheckIn {
                prompt: " ".into(),
                due_in_days: 2,
            },
        ];
        assert_eq!(bad(r.clone()), "input.actions[1].prompt");
        r.actions = vec![Action::RaiseAlert {
            alert_kind: "PANIC".into(),
        }];
        assert_eq!(bad(r.clone()), "input.actions[0].alertKind");
        r.actions.clear();
        assert_eq!(bad(r), "input.actions");
    }

    #[test]
    fn rules_are_stored_as_tagged_json() {
        let a = Action::AssignHomework {
            template_id: Uuid::nil(),
            due_in_days: 3,
        };
        let json = serde_json::to_value(&a).unwrap_or_default();
        assert_eq!(
            json,
            serde_json::json!({ "kind": "ASSIGN_HOMEWORK",
                "templateId": "00000000-0000-0000-0000-000000000000", "dueInDays": 3 })
        );
        let c: Condition = serde_json::from_value(
            serde_json::json!({ "kind": "SCORE_AT_LEAST", "instrument": "PHQ9", "total": 15 }),
        )
        .unwrap_or(Condition::MissedHomework { count: 0 });
        assert_eq!(
            c,
            Condition::ScoreAtLeast {
                instrument: "PHQ9".into(),
                total: 15
            }
        );
    }
}
