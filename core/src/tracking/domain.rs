//! Tracking values: tracker kinds and value types, visibility, cognitive distortions,
//! value checks, and the client's local day and minute of an instant.

use chrono::{DateTime, Datelike as _, NaiveDate, NaiveTime, Timelike as _, Utc};
use uuid::Uuid;

use crate::{auth::Role, error::ServiceError};

/// Which tracker it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrackerKind {
    /// Mood, 0 (lowest) to 10 (best); built in.
    Mood,
    /// Anxiety as SUDS (subjective units of distress), 0 to 100; built in.
    Anxiety,
    /// Added by the care team or the client.
    Custom,
}

impl TrackerKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mood => "MOOD",
            Self::Anxiety => "ANXIETY",
            Self::Custom => "CUSTOM",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Mood, Self::Anxiety, Self::Custom]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// What a tracker's values are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueType {
    /// A rating between the tracker's min and max.
    Scale,
    /// How many times (a whole number, 0 or more).
    Count,
    /// How long, in minutes.
    DurationMinutes,
    /// 1 for yes, 0 for no.
    YesNo,
}

impl ValueType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Scale => "SCALE",
            Self::Count => "COUNT",
            Self::DurationMinutes => "DURATION_MINUTES",
            Self::YesNo => "YES_NO",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Scale, Self::Count, Self::DurationMinutes, Self::YesNo]
            .into_iter()
            .find(|k| k.as_str() == s)
    }

    /// The default range of a new tracker of this type.
    pub fn default_range(self) -> (f64, f64) {
        match self {
            Self::Scale => (0.0, 10.0),
            Self::Count => (0.0, COUNT_MAX),
            Self::DurationMinutes => (0.0, 1440.0),
            Self::YesNo => (0.0, 1.0),
        }
    }
}

/// Who may see an entry's or thought record's content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// The care team sees it.
    Shared,
    /// The client's alone: others see only that it exists.
    Private,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Shared => "SHARED",
            Self::Private => "PRIVATE",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "SHARED" => Some(Self::Shared),
            "PRIVATE" => Some(Self::Private),
            _ => None,
        }
    }

    /// Only the client may keep something to themselves.
    pub fn check(self, role: Role, field: &str) -> Result<Self, ServiceError> {
        if self == Self::Private && role != Role::Client {
            Err(ServiceError::bad_input(
                field,
                "only the client can record something as PRIVATE",
            ))
        } else {
            Ok(self)
        }
    }
}

/// Whether `role` may see the content of a record with `visibility` (clients see all of
/// their own; scope has already decided that the record is theirs).
pub fn reveals(role: Role, visibility: &str) -> bool {
    role == Role::Client || visibility == Visibility::Shared.as_str()
}

/// The common cognitive distortions (after Beck, 1963, and Burns, "Feeling Good", 1980).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CognitiveDistortion {
    AllOrNothing,
    Overgeneralization,
    MentalFilter,
    DisqualifyingThePositive,
    MindReading,
    FortuneTelling,
    Catastrophizing,
    EmotionalReasoning,
    ShouldStatements,
    Labeling,
    Personalization,
    Blaming,
}

impl CognitiveDistortion {
    pub const ALL: [Self; 12] = [
        Self::AllOrNothing,
        Self::Overgeneralization,
        Self::MentalFilter,
        Self::DisqualifyingThePositive,
        Self::MindReading,
        Self::FortuneTelling,
        Self::Catastrophizing,
        Self::EmotionalReasoning,
        Self::ShouldStatements,
        Self::Labeling,
        Self::Personalization,
        Self::Blaming,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::AllOrNothing => "ALL_OR_NOTHING",
            Self::Overgeneralization => "OVERGENERALIZATION",
            Self::MentalFilter => "MENTAL_FILTER",
            Self::DisqualifyingThePositive => "DISQUALIFYING_THE_POSITIVE",
            Self::MindReading => "MIND_READING",
            Self::FortuneTelling => "FORTUNE_TELLING",
            Self::Catastrophizing => "CATASTROPHIZING",
            Self::EmotionalReasoning => "EMOTIONAL_REASONING",
            Self::ShouldStatements => "SHOULD_STATEMENTS",
            Self::Labeling => "LABELING",
            Self::Personalization => "PERSONALIZATION",
            Self::Blaming => "BLAMING",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == s)
    }
}

/// Limits.
pub const NAME_MAX: usize = 80;
pub const UNIT_MAX: usize = 40;
pub const CONTEXT_MAX: usize = 120;
pub const NOTE_MAX: usize = 2000;
pub const PROMPT_TIMES_MAX: usize = 6;
/// Active custom trackers per client.
pub const CUSTOM_TRACKERS_MAX: u64 = 30;
/// Entries in one `logEntries` call.
pub const BATCH_MAX: usize = 500;
/// The largest count a COUNT tracker accepts by default.
pub const COUNT_MAX: f64 = 10_000.0;
/// The widest range a tracker may have (keeps sums far from overflow).
pub const RANGE_LIMIT: f64 = 1_000_000.0;
pub const EMOTIONS_MAX: usize = 10;
pub const EMOTION_NAME_MAX: usize = 60;
pub const THOUGHT_TEXT_MAX: usize = 2000;

/// The trackers every client has from the start: kind, name, max, unit (all SCALE from 0).
pub const BUILTINS: [(TrackerKind, &str, f64, Option<&str>); 2] = [
    (TrackerKind::Mood, "Mood", 10.0, None),
    (TrackerKind::Anxiety, "Anxiety (SUDS)", 100.0, Some("SUDS")),
];

/// A tracker's value type and range, checked.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    pub value_type: ValueType,
    pub min: f64,
    pub max: f64,
}

impl Range {
    /// The range of a new tracker: defaults per type; YES_NO is always 0-1; COUNT and
    /// DURATION_MINUTES never go below 0.
    pub fn parse(
        value_type: ValueType,
        min: Option<f64>,
        max: Option<f64>,
    ) -> Result<Self, ServiceError> {
        let (dmin, dmax) = value_type.default_range();
        if value_type == ValueType::YesNo && (min.is_some() || max.is_some()) {
            let field = if min.is_some() {
                "input.min"
            } else {
                "input.max"
            };
            return Err(ServiceError::bad_input(
                field,
                "a YES_NO tracker is always 0 (no) or 1 (yes)",
            ));
        }
        let min = min.unwrap_or(dmin);
        let max = max.unwrap_or(dmax);
        for (v, field) in [(min, "input.min"), (max, "input.max")] {
            if !v.is_finite() || v.abs() > RANGE_LIMIT {
                return Err(ServiceError::bad_input(
                    field,
                    format!("must be a number between -{RANGE_LIMIT} and {RANGE_LIMIT}"),
                ));
            }
        }
        if matches!(value_type, ValueType::Count | ValueType::DurationMinutes) && min < 0.0 {
            return Err(ServiceError::bad_input("input.min", "must not be negative"));
        }
        if min >= max {
            return Err(ServiceError::bad_input(
                "input.max",
                "must be greater than min",
            ));
        }
        Ok(Self {
            value_type,
            min,
            max,
        })
    }

    /// Checks a value against the tracker: in range, whole for counts, 0 or 1 for yes/no.
    pub fn check(&self, value: f64, field: &str) -> Result<f64, ServiceError> {
        if !value.is_finite() {
            return Err(ServiceError::bad_input(field, "must be a number"));
        }
        match self.value_type {
            ValueType::YesNo if value != 0.0 && value != 1.0 => {
                return Err(ServiceError::bad_input(field, "must be 0 (no) or 1 (yes)"));
            }
            ValueType::Count if value.fract() != 0.0 => {
                return Err(ServiceError::bad_input(field, "must be a whole number"));
            }
            _ => {}
        }
        if value < self.min || value > self.max {
            return Err(ServiceError::bad_input(
                field,
                format!("must be between {} and {}", self.min, self.max),
            ));
        }
        Ok(value)
    }
}

/// Parses the local prompt times (`HH:MM`), sorted and without duplicates.
pub fn prompt_times(raw: &[String], field: &str) -> Result<Vec<String>, ServiceError> {
    if raw.len() > PROMPT_TIMES_MAX {
        return Err(ServiceError::bad_input(
            field,
            format!("at most {PROMPT_TIMES_MAX} prompt times"),
        ));
    }
    let mut times = raw
        .iter()
        .enumerate()
        .map(|(i, t)| {
            NaiveTime::parse_from_str(t.trim(), "%H:%M")
                .map(|t| t.format("%H:%M").to_string())
                .map_err(|_| ServiceError::bad_input(format!("{field}.{i}"), "must be HH:MM"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    times.sort();
    times.dedup();
    Ok(times)
}

/// Where an instant falls in the client's day: local date, its day number since
/// 1970-01-01, and minutes since local midnight. Computed with the tz database, so it is
/// right on both sides of a daylight-saving change. An unknown zone counts as UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalPosition {
    pub date: NaiveDate,
    pub day: i32,
    pub minute: i32,
}

/// The local position of `at` in the IANA zone `tz`.
pub fn local_position(tz: &str, at: DateTime<Utc>) -> LocalPosition {
    let local = match tz.parse::<chrono_tz::Tz>() {
        Ok(zone) => at.with_timezone(&zone).naive_local(),
        Err(_) => at.naive_utc(),
    };
    let date = local.date();
    LocalPosition {
        date,
        day: day_number(date),
        // At most 1439: fits.
        minute: i32::try_from(local.hour() * 60 + local.minute()).unwrap_or(0),
    }
}

/// Days since 1970-01-01.
pub fn day_number(date: NaiveDate) -> i32 {
    date.num_days_from_ce() - EPOCH_DAYS_FROM_CE
}

/// The date of a day number.
pub fn date_of_day(day: i32) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt(day + EPOCH_DAYS_FROM_CE).unwrap_or_default()
}

/// 1970-01-01 counted from 0001-01-01 (day 1).
const EPOCH_DAYS_FROM_CE: i32 = 719_163;

/// The Monday on or before day number `day` (1970-01-01 was a Thursday).
pub fn week_start(day: i32) -> i32 {
    day - (day + 3).rem_euclid(7)
}

/// A part of the local day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartOfDay {
    /// 00:00 to 06:00.
    Night,
    /// 06:00 to 12:00.
    Morning,
    /// 12:00 to 18:00.
    Afternoon,
    /// 18:00 to 24:00.
    Evening,
}

impl PartOfDay {
    /// In order through the day; the index is what the SQL `CASE` yields.
    pub const ALL: [Self; 4] = [Self::Night, Self::Morning, Self::Afternoon, Self::Evening];
}

/// How a trend is bucketed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bucket {
    Day,
    /// Monday to Sunday.
    Week,
}

/// The most buckets one series returns.
pub const SERIES_BUCKETS_MAX: i32 = 366;
/// The longest window of summaries and breakdowns, in days.
pub const WINDOW_DAYS_MAX: i32 = 365;

/// A least-squares slope per day from the sums of a regression of y on x.
pub fn slope(n: f64, sx: f64, sy: f64, sxx: f64, sxy: f64) -> Option<f64> {
    let denominator = n * sxx - sx * sx;
    if n < 2.0 || denominator.abs() < f64::EPSILON {
        None
    } else {
        Some((n * sxy - sx * sy) / denominator)
    }
}

/// A new entry, parsed (the tracker's range is checked by the service).
#[derive(Debug, Clone)]
pub struct NewEntry {
    pub id: Option<Uuid>,
    pub tracker_id: Uuid,
    pub recorded_at: DateTime<Utc>,
    pub value: f64,
    pub context: Option<String>,
    pub note: Option<String>,
    pub visibility: Visibility,
}

/// An emotion of a thought record, 0-100 before and after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Emotion {
    pub name: String,
    pub before: i32,
    pub after: i32,
}

/// A new thought record, parsed.
#[derive(Debug, Clone)]
pub struct NewThoughtRecord {
    pub id: Option<Uuid>,
    pub client_id: Uuid,
    /// When it was written; now when `None`.
    pub recorded_at: Option<DateTime<Utc>>,
    pub situation: String,
    pub automatic_thought: String,
    pub belief_before: i32,
    pub emotions: Vec<Emotion>,
    pub evidence_for: Option<String>,
    pub evidence_against: Option<String>,
    pub distortions: Vec<CognitiveDistortion>,
    pub balanced_thought: Option<String>,
    pub belief_after: Option<i32>,
    pub visibility: Visibility,
}

/// A percentage-like rating, 0 to 100 (belief, emotion intensity).
pub fn percent(value: i32, field: &str) -> Result<i32, ServiceError> {
    if (0..=100).contains(&value) {
        Ok(value)
    } else {
        Err(ServiceError::bad_input(field, "must be 0 to 100"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mood_accepts_zero_to_ten_only() {
        let r = Range::parse(ValueType::Scale, Some(0.0), Some(10.0)).unwrap();
        assert!(r.check(10.0, "v").is_ok());
        assert!(r.check(0.0, "v").is_ok());
        assert!(r.check(10.5, "v").is_err());
        assert!(r.check(-0.1, "v").is_err());
        assert!(r.check(f64::NAN, "v").is_err());
    }

    #[test]
    fn counts_are_whole_and_yes_no_is_binary() {
        let c = Range::parse(ValueType::Count, None, None).unwrap();
        assert!(c.check(3.0, "v").is_ok());
        assert!(c.check(2.5, "v").is_err());
        let y = Range::parse(ValueType::YesNo, None, None).unwrap();
        assert!(y.check(1.0, "v").is_ok());
        assert!(y.check(2.0, "v").is_err());
        assert!(Range::parse(ValueType::YesNo, Some(0.0), None).is_err());
        assert!(Range::parse(ValueType::Scale, Some(5.0), Some(5.0)).is_err());
        assert!(Range::parse(ValueType::Count, Some(-1.0), None).is_err());
    }

    #[test]
    fn local_days_follow_daylight_saving() {
        // New York fell back on 2025-11-02 at 02:00 EDT (06:00 UTC).
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        let tz = "America/New_York";
        let before = local_position(tz, at("2025-11-02T04:30:00Z")); // 00:30 EDT
        let late = local_position(tz, at("2025-11-03T04:30:00Z")); // 23:30 EST, Nov 2
        let next = local_position(tz, at("2025-11-03T05:30:00Z")); // 00:30 EST, Nov 3
        assert_eq!(before.date, NaiveDate::from_ymd_opt(2025, 11, 2).unwrap());
        assert_eq!(late.date, before.date);
        assert_eq!(late.minute, 23 * 60 + 30);
        assert_eq!(next.day, before.day + 1);
        assert_eq!(date_of_day(before.day), before.date);
    }

    #[test]
    fn weeks_start_on_monday() {
        let monday = NaiveDate::from_ymd_opt(2025, 11, 3).unwrap();
        for offset in 0..7 {
            let d = day_number(monday) + offset;
            assert_eq!(date_of_day(week_start(d)), monday);
        }
        assert_eq!(day_number(NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()), 0);
    }

    #[test]
    fn slope_needs_two_distinct_points() {
        assert_eq!(slope(1.0, 0.0, 5.0, 0.0, 0.0), None);
        // y = 2x + 1 at x = 0, 1, 2.
        let s = slope(3.0, 3.0, 1.0 + 3.0 + 5.0, 5.0, 3.0 + 10.0).unwrap();
        assert!((s - 2.0).abs() < 1e-9);
    }
}
