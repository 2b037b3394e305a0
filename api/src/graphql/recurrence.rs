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
