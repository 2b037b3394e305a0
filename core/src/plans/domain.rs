//! Action plan values: actions with when, where and how long; anticipated obstacles with
//! if-then coping plans. Stored as JSON documents on the plan and on each revision.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub use crate::recurrence::{Recurrence, Weekday};
use uuid::Uuid;

use crate::error::ServiceError;

/// Limits of plan content.
pub const TITLE_MAX: usize = 200;
pub const ACTIONS_MAX: usize = 20;
pub const OBSTACLES_MAX: usize = 20;
pub const WHAT_MAX: usize = 200;
pub const CUE_MAX: usize = 200;
pub const DESCRIPTION_MAX: usize = 500;
pub const COPING_MAX: usize = 500;
pub const REASON_MAX: usize = 1000;
/// An action lasts at most a day.
pub const DURATION_MAX_MINUTES: i32 = 24 * 60;
/// Plans per goal.
pub const PLANS_PER_GOAL_MAX: u64 = 20;

/// A planned action: what, when, where or after what cue, for how long.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Action {
    /// Stable across revisions, so homework and logs can point at it.
    pub id: Uuid,
    pub what: String,
    pub recurrence: Recurrence,
    /// Local time of day, `HH:MM`.
    pub time_of_day: Option<String>,
    /// Where, or the cue it follows ("after breakfast, at the kitchen table").
    pub where_or_cue: Option<String>,
    pub duration_minutes: Option<i32>,
}

/// Parses a local time of day, `HH:MM` (24-hour).
pub fn time_of_day(raw: &str, field: &str) -> Result<String, ServiceError> {
    chrono::NaiveTime::parse_from_str(raw.trim(), "%H:%M")
        .map(|t| t.format("%H:%M").to_string())
        .map_err(|_| ServiceError::bad_input(field, "must be a 24-hour time, HH:MM"))
}

/// Checks a duration in minutes.
pub fn duration(minutes: i32, field: &str) -> Result<i32, ServiceError> {
    if (1..=DURATION_MAX_MINUTES).contains(&minutes) {
        Ok(minutes)
    } else {
        Err(ServiceError::bad_input(
            field,
            format!("must be 1 to {DURATION_MAX_MINUTES} minutes"),
        ))
    }
}

/// What kind of obstacle gets in the way (from the seed article's common obstacles).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ObstacleKind {
    LackOfTime,
    Overwhelm,
    FearOfFailure,
    NegativeSelfTalk,
    Other,
}

impl ObstacleKind {
    /// Every kind, in the order summaries list them.
    pub const ALL: [Self; 5] = [
        Self::LackOfTime,
        Self::Overwhelm,
        Self::FearOfFailure,
        Self::NegativeSelfTalk,
        Self::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::LackOfTime => "LACK_OF_TIME",
            Self::Overwhelm => "OVERWHELM",
            Self::FearOfFailure => "FEAR_OF_FAILURE",
            Self::NegativeSelfTalk => "NEGATIVE_SELF_TALK",
            Self::Other => "OTHER",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// An anticipated obstacle and the if-then plan for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Obstacle {
    /// Stable across revisions, so the obstacle log can point at it.
    pub id: Uuid,
    pub kind: ObstacleKind,
    pub description: String,
    /// "If I feel I have no time, then I do the 2-minute version."
    pub coping_plan: String,
}

/// The content of a plan: what a revision snapshots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanContent {
    pub title: String,
    pub actions: Vec<Action>,
    pub obstacles: Vec<Obstacle>,
    pub review_on: Option<NaiveDate>,
}

impl PlanContent {
    /// The names of the fields that differ from `other`, as the API spells them.
    pub fn changed_fields(&self, other: &Self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.title != other.title {
            out.push("title");
        }
        if self.actions != other.actions {
            out.push("actions");
        }
        if self.obstacles != other.obstacles {
            out.push("obstacles");
        }
        if self.review_on != other.review_on {
            out.push("reviewOn");
        }
        out
    }

    /// Reads the stored JSON of a plan or revision.
    pub fn from_json(
        title: &str,
        actions: &serde_json::Value,
        obstacles: &serde_json::Value,
        review_on: Option<NaiveDate>,
    ) -> Result<Self, ServiceError> {
        let bad = |e: serde_json::Error| ServiceError::Internal(format!("stored plan: {e}"));
        Ok(Self {
            title: title.to_owned(),
            actions: serde_json::from_value(actions.clone()).map_err(bad)?,
            obstacles: serde_json::from_value(obstacles.clone()).map_err(bad)?,
            review_on,
        })
    }

    /// The stored JSON of actions and obstacles.
    pub fn to_json(&self) -> Result<(serde_json::Value, serde_json::Value), ServiceError> {
        let bad = |e: serde_json::Error| ServiceError::Internal(format!("plan to json: {e}"));
        Ok((
            serde_json::to_value(&self.actions).map_err(bad)?,
            serde_json::to_value(&self.obstacles).map_err(bad)?,
        ))
    }
}

/// An action or obstacle as sent: with the id of an existing one to keep it, or none for a
/// new one.
pub struct Keyed<T> {
    pub id: Option<Uuid>,
    pub item: T,
}

/// Gives every item an id: sent ids must belong to `existing` and appear once; the rest
/// get new ids. `field` is e.g. `input.actions`.
pub fn assign_ids<T>(
    items: Vec<Keyed<T>>,
    existing: &[Uuid],
    field: &str,
    set_id: impl Fn(&mut T, Uuid),
) -> Result<Vec<T>, ServiceError> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(items.len());
    for (i, Keyed { id, mut item }) in items.into_iter().enumerate() {
        let id = match id {
            Some(id) => {
                if !existing.contains(&id) {
                    return Err(ServiceError::bad_input(
                        format!("{field}.{i}.id"),
                        "is not an id in this plan; omit it for a new entry",
                    ));
                }
                if !seen.insert(id) {
                    return Err(ServiceError::bad_input(
                        format!("{field}.{i}.id"),
                        "appears more than once",
                    ));
                }
                id
            }
            None => Uuid::now_v7(),
        };
        set_id(&mut item, id);
        out.push(item);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_of_day_are_24_hour() {
        assert_eq!(time_of_day("7:05", "t").unwrap(), "07:05");
        assert!(time_of_day("25:00", "t").is_err());
        assert!(time_of_day("7pm", "t").is_err());
    }

    #[test]
    fn sent_ids_must_exist_and_be_unique() {
        let a = Uuid::now_v7();
        let keyed = |id| Keyed {
            id,
            item: Uuid::nil(),
        };
        let out = assign_ids(vec![keyed(Some(a)), keyed(None)], &[a], "x", |t, id| {
            *t = id
        })
        .unwrap();
        assert_eq!(out[0], a);
        assert_ne!(out[1], a);
        assert!(
            assign_ids(vec![keyed(Some(Uuid::now_v7()))], &[a], "x", |t, id| *t =
                id)
            .is_err()
        );
        assert!(
            assign_ids(vec![keyed(Some(a)), keyed(Some(a))], &[a], "x", |t, id| {
                *t = id
            })
            .is_err()
        );
    }
}
