//! When something repeats: daily, on weekdays, on given days of the week, or every n days.
//! Action plans, homework and check-ins share it; [`occurrences`] turns a recurrence into
//! the local dates it falls on.

use chrono::{DateTime, Datelike as _, NaiveDate, NaiveTime, TimeZone as _, Utc};
use serde::{Deserialize, Serialize};

use crate::{
    error::ServiceError,
    values::{CLOCK_SKEW, local_today, stored_instant},
};

/// `EVERY_N_DAYS` repeats every 2 to 365 days (every day is `DAILY`).
pub const EVERY_N_DAYS_RANGE: std::ops::RangeInclusive<i32> = 2..=365;

/// A day of the week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Weekday {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

/// When an action repeats.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Recurrence {
    Daily,
    /// Monday to Friday.
    Weekdays,
    /// On the given days, sorted, each once.
    Weekly {
        days: Vec<Weekday>,
    },
    /// Every `n` days.
    #[serde(rename_all = "camelCase")]
    EveryNDays {
        every_n_days: i32,
    },
}

impl Recurrence {
    /// Builds a recurrence from its parts, naming `prefix` in errors.
    pub fn parse(
        kind: &str,
        days: Option<Vec<Weekday>>,
        every_n_days: Option<i32>,
        prefix: &str,
    ) -> Result<Self, ServiceError> {
        let no_days = |r: Self| {
            if days.as_ref().is_some_and(|d| !d.is_empty()) {
                Err(ServiceError::bad_input(
                    format!("{prefix}.days"),
                    "is only for WEEKLY",
                ))
            } else {
                Ok(r)
            }
        };
        let no_n = |r: Self| {
            if every_n_days.is_some() {
                Err(ServiceError::bad_input(
                    format!("{prefix}.everyNDays"),
                    "is only for EVERY_N_DAYS",
                ))
            } else {
                Ok(r)
            }
        };
        match kind {
            "DAILY" => no_n(no_days(Self::Daily)?),
            "WEEKDAYS" => no_n(no_days(Self::Weekdays)?),
            "WEEKLY" => {
                let mut days = days.unwrap_or_default();
                days.sort();
                days.dedup();
                if days.is_empty() {
                    return Err(ServiceError::bad_input(
                        format!("{prefix}.days"),
                        "WEEKLY needs at least one day",
                    ));
                }
                no_n(Self::Weekly { days })
            }
            "EVERY_N_DAYS" => {
                let n = every_n_days.ok_or_else(|| {
                    ServiceError::bad_input(
                        format!("{prefix}.everyNDays"),
                        "is required for EVERY_N_DAYS",
                    )
                })?;
                if !EVERY_N_DAYS_RANGE.contains(&n) {
                    return Err(ServiceError::bad_input(
                        format!("{prefix}.everyNDays"),
                        "must be 2 to 365 (every day is DAILY)",
                    ));
                }
                no_days(Self::EveryNDays { every_n_days: n })
            }
            _ => Err(ServiceError::bad_input(
                format!("{prefix}.kind"),
                "is not a recurrence",
            )),
        }
    }

    /// The stored kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Daily => "DAILY",
            Self::Weekdays => "WEEKDAYS",
            Self::Weekly { .. } => "WEEKLY",
            Self::EveryNDays { .. } => "EVERY_N_DAYS",
        }
    }
}

impl Weekday {
    fn of(date: NaiveDate) -> Self {
        match date.weekday() {
            chrono::Weekday::Mon => Self::Mon,
            chrono::Weekday::Tue => Self::Tue,
            chrono::Weekday::Wed => Self::Wed,
            chrono::Weekday::Thu => Self::Thu,
            chrono::Weekday::Fri => Self::Fri,
            chrono::Weekday::Sat => Self::Sat,
            chrono::Weekday::Sun => Self::Sun,
        }
    }
}

/// The local dates from `start` to `until` (both included) on which `recurrence` falls,
/// at most `max` of them. `EVERY_N_DAYS` counts from `start`.
pub fn occurrences(
    recurrence: &Recurrence,
    start: NaiveDate,
    until: NaiveDate,
    max: usize,
) -> Vec<NaiveDate> {
    let mut out = Vec::new();
    let mut day = start;
    while day <= until && out.len() < max {
        let falls = match recurrence {
            Recurrence::Daily => true,
            Recurrence::Weekdays => !matches!(Weekday::of(day), Weekday::Sat | Weekday::Sun),
            Recurrence::Weekly { days } => days.contains(&Weekday::of(day)),
            Recurrence::EveryNDays { every_n_days } => {
                (day - start).num_days() % i64::from(*every_n_days) == 0
            }
        };
        if falls {
            out.push(day);
        }
        match day.succ_opt() {
            Some(next) => day = next,
            None => break,
        }
    }
    out
}

/// When something repeats for a while: a recurrence between two local dates, due at a local
/// time of day.
#[derive(Debug, Clone)]
pub struct Repeat {
    pub recurrence: Recurrence,
    /// First local date; today in the client's time zone when omitted.
    pub starts_on: Option<NaiveDate>,
    /// Last local date.
    pub until: NaiveDate,
    /// Local time each occurrence is due; the end of the day when omitted.
    pub time_of_day: Option<NaiveTime>,
}

/// The instant a local date and time in `tz` is (the earlier one when clocks go back, an
/// hour later when the local time is skipped).
pub fn local_instant(tz: &str, date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let naive = date.and_time(time);
    match tz.parse::<chrono_tz::Tz>() {
        Ok(zone) => zone
            .from_local_datetime(&naive)
            .earliest()
            .or_else(|| {
                zone.from_local_datetime(&(naive + chrono::Duration::hours(1)))
                    .earliest()
            })
            .map_or_else(|| naive.and_utc(), |t| t.with_timezone(&Utc)),
        Err(_) => naive.and_utc(),
    }
}

/// The instants something is due: once at `due_at`, or on every date `repeat` falls on, in
/// the client's time zone `tz`; at most `max` of them. Errors name `input.dueAt` and
/// `input.recurrence.*`.
pub fn due_instants(
    due_at: Option<DateTime<Utc>>,
    repeat: Option<&Repeat>,
    tz: &str,
    now: DateTime<Utc>,
    max: usize,
) -> Result<Vec<DateTime<Utc>>, ServiceError> {
    match (repeat, due_at) {
        (Some(_), Some(_)) => Err(ServiceError::bad_input(
            "input.dueAt",
            "give either dueAt (once) or recurrence, not both",
        )),
        (None, None) => Err(ServiceError::bad_input(
            "input.dueAt",
            "is required without a recurrence",
        )),
        (None, Some(due)) => {
            if due < now - CLOCK_SKEW {
                Err(ServiceError::bad_input(
                    "input.dueAt",
                    "must not be in the past",
                ))
            } else {
                Ok(vec![stored_instant(due)])
            }
        }
        (Some(r), None) => {
            let today = local_today(tz, now);
            let start = r.starts_on.unwrap_or(today);
            if start < today {
                return Err(ServiceError::bad_input(
                    "input.recurrence.startsOn",
                    "must not be in the past (in the client's time zone)",
                ));
            }
            if r.until < start {
                return Err(ServiceError::bad_input(
                    "input.recurrence.until",
                    "must not be before the start",
                ));
            }
            let dates = occurrences(&r.recurrence, start, r.until, max + 1);
            if dates.len() > max {
                return Err(ServiceError::bad_input(
                    "input.recurrence.until",
                    format!("gives more than {max} occurrences; choose an earlier date"),
                ));
            }
            if dates.is_empty() {
                return Err(ServiceError::bad_input(
                    "input.recurrence",
                    "falls on no day between the start and until",
                ));
            }
            let time = r
                .time_of_day
                .or_else(|| NaiveTime::from_hms_opt(23, 59, 0))
                .unwrap_or_default();
            Ok(dates
                .into_iter()
                .map(|d| stored_instant(local_instant(tz, d, time)))
                .collect())
        }
    }
}

/// The end (23:59 local) of the client's day `days` after `now`, in time zone `tz`: when work
/// assigned "due in N days" falls due (programme modules, automation actions).
pub fn end_of_day_after(tz: &str, now: DateTime<Utc>, days: i32) -> DateTime<Utc> {
    let date = crate::values::local_today(tz, now) + chrono::Duration::days(i64::from(days));
    local_instant(
        tz,
        date,
        chrono::NaiveTime::from_hms_opt(23, 59, 0).unwrap_or(chrono::NaiveTime::MIN),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recurrences_are_checked_and_stored_tagged() {
        let r = Recurrence::parse(
            "WEEKLY",
            Some(vec![Weekday::Wed, Weekday::Mon, Weekday::Wed]),
            None,
            "r",
        )
        .unwrap();
        assert_eq!(
            serde_json::to_value(&r).unwrap(),
            serde_json::json!({ "kind": "WEEKLY", "days": ["MON", "WED"] })
        );
        let r = Recurrence::parse("EVERY_N_DAYS", None, Some(3), "r").unwrap();
        assert_eq!(
            serde_json::to_value(&r).unwrap(),
            serde_json::json!({ "kind": "EVERY_N_DAYS", "everyNDays": 3 })
        );
        assert!(Recurrence::parse("WEEKLY", Some(vec![]), None, "r").is_err());
        assert!(Recurrence::parse("EVERY_N_DAYS", None, Some(1), "r").is_err());
        assert!(Recurrence::parse("DAILY", Some(vec![Weekday::Mon]), None, "r").is_err());
    }

    #[test]
    fn occurrences_fall_on_the_right_local_dates() {
        let d = |day| NaiveDate::from_ymd_opt(2026, 11, day).unwrap();
        // 2026-11-23 is a Monday.
        assert_eq!(occurrences(&Recurrence::Daily, d(23), d(29), 100).len(), 7);
        assert_eq!(
            occurrences(&Recurrence::Weekdays, d(23), d(29), 100),
            (23..=27).map(d).collect::<Vec<_>>()
        );
        let weekly = Recurrence::Weekly {
            days: vec![Weekday::Mon, Weekday::Thu],
        };
        assert_eq!(
            occurrences(&weekly, d(23), d(30), 100),
            [d(23), d(26), d(30)]
        );
        let every3 = Recurrence::EveryNDays { every_n_days: 3 };
        assert_eq!(
            occurrences(&every3, d(24), d(30), 100),
            [d(24), d(27), d(30)]
        );
        assert_eq!(occurrences(&Recurrence::Daily, d(23), d(29), 2).len(), 2);
        assert!(occurrences(&Recurrence::Daily, d(29), d(23), 100).is_empty());
    }
}
