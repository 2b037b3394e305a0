//! GraphQL forms of a recurrence (`crate::recurrence`), shared by the domains that repeat.

use async_graphql::{Enum, InputObject, SimpleObject};

use crate::{error::ServiceError, recurrence as domain};

/// A day of the week.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::recurrence::Weekday")]
pub enum Weekday {
    /// Monday.
    Mon,
    /// Tuesday.
    Tue,
    /// Wednesday.
    Wed,
    /// Thursday.
    Thu,
    /// Friday.
    Fri,
    /// Saturday.
    Sat,
    /// Sunday.
    Sun,
}

/// How something repeats.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecurrenceKind {
    /// Every day.
    Daily,
    /// Monday to Friday.
    Weekdays,
    /// On the days in `days`.
    Weekly,
    /// Every `everyNDays` days.
    EveryNDays,
}

impl RecurrenceKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Daily => "DAILY",
            Self::Weekdays => "WEEKDAYS",
            Self::Weekly => "WEEKLY",
            Self::EveryNDays => "EVERY_N_DAYS",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "WEEKDAYS" => Self::Weekdays,
            "WEEKLY" => Self::Weekly,
            "EVERY_N_DAYS" => Self::EveryNDays,
            _ => Self::Daily,
        }
    }
}

/// When something repeats.
#[derive(SimpleObject)]
pub struct Recurrence {
    /// How it repeats.
    pub kind: RecurrenceKind,
    /// For WEEKLY: the days, Monday first.
    pub days: Vec<Weekday>,
    /// For EVERY_N_DAYS: the interval in days.
    pub every_n_days: Option<i32>,
}

impl From<domain::Recurrence> for Recurrence {
    fn from(r: domain::Recurrence) -> Self {
        let kind = RecurrenceKind::parse(r.kind());
        match r {
            domain::Recurrence::Weekly { days } => Self {
                kind,
                days: days.into_iter().map(Into::into).collect(),
                every_n_days: None,
            },
            domain::Recurrence::EveryNDays { every_n_days } => Self {
                kind,
                days: Vec::new(),
                every_n_days: Some(every_n_days),
            },
            _ => Self {
                kind,
                days: Vec::new(),
                every_n_days: None,
            },
        }
    }
}

/// When something repeats.
#[derive(InputObject)]
pub struct RecurrenceInput {
    /// How it repeats.
    pub kind: RecurrenceKind,
    /// For WEEKLY (required, at least one day); not allowed otherwise.
    pub days: Option<Vec<Weekday>>,
    /// For EVERY_N_DAYS (required, 2 to 365); not allowed otherwise.
    pub every_n_days: Option<i32>,
}

impl RecurrenceInput {
    pub fn parse(self, prefix: &str) -> Result<domain::Recurrence, ServiceError> {
        domain::Recurrence::parse(
            self.kind.as_str(),
            self.days.map(|d| d.into_iter().map(Into::into).collect()),
            self.every_n_days,
            prefix,
        )
    }
}

/// How something repeats for a while (recurring homework, check-ins).
#[derive(InputObject)]
pub struct RepeatInput {
    /// How it repeats.
    pub recurrence: RecurrenceInput,
    /// The first local date; today (client's time zone) when omitted.
    pub starts_on: Option<chrono::NaiveDate>,
    /// The last local date.
    pub until: chrono::NaiveDate,
    /// The local time each occurrence is due (`HH:MM`); the end of the day when omitted.
    pub time_of_day: Option<String>,
}

impl RepeatInput {
    /// Parses into the domain form; errors name `input.recurrence.*`.
    pub fn parse(self) -> Result<domain::Repeat, ServiceError> {
        Ok(domain::Repeat {
            recurrence: self.recurrence.parse("input.recurrence.recurrence")?,
            starts_on: self.starts_on,
            until: self.until,
            time_of_day: self
                .time_of_day
                .as_deref()
                .map(|t| {
                    chrono::NaiveTime::parse_from_str(t.trim(), "%H:%M").map_err(|_| {
                        ServiceError::bad_input(
                            "input.recurrence.timeOfDay",
                            "must be a 24-hour time, HH:MM",
                        )
                    })
                })
                .transpose()?,
        })
    }
}
