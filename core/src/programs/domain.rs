//! Programmes' rules, without I/O: a practice's programmes are ordered modules, each with
//! homework to assign, check-in prompts, library resources to share and an optional measure;
//! a module opens (is unlocked) by its rule: when the previous module's homework is
//! completed or reviewed, a number of days after the previous module opened, or by the
//! therapist.

use crate::{
    homework::domain::HomeworkKind, measures::domain::Instrument, resources::domain::ResourceKind,
};

/// When a module opens. The first module opens at enrolment whatever its rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unlock {
    /// When every homework of the previous module is completed or reviewed.
    PreviousDone,
    /// This many days after the previous module opened.
    AfterDays(i32),
    /// When the therapist opens it.
    ByTherapist,
}

/// A homework of a starter module: assigned when the module opens, due `due_in_days` days
/// later at the end of the client's day.
pub struct StarterHomework {
    pub title: &'static str,
    pub kind: HomeworkKind,
    pub instructions: &'static str,
    pub purpose: &'static str,
    pub minutes: i32,
    pub due_in_days: i32,
}

/// A check-in of a starter module: scheduled when the module opens, due `due_in_days` days
/// later.
pub struct StarterCheckIn {
    pub prompt: &'static str,
    pub due_in_days: i32,
}

/// A resource of a starter module: added to the practice's library with the programme, shared
/// when the module opens.
pub struct StarterResource {
    pub title: &'static str,
    pub kind: ResourceKind,
    pub description: &'static str,
}

/// One module of a starter programme.
pub struct StarterModule {
    pub title: &'static str,
    /// What the module is about, for the client (shown once it opens).
    pub summary: &'static str,
    pub unlock: Unlock,
    pub homework: &'static [StarterHomework],
    pub check_ins: &'static [StarterCheckIn],
    pub resources: &'static [StarterResource],
    pub measure: Option<Instrument>,
}

/// A programme shipped with the demo practice.
pub struct StarterProgram {
    pub title: &'static str,
    /// What it is for and who it suits, for the care team.
    pub description: &'static str,
    pub modules: &'static [StarterModule],
}

impl Unlock {
    /// The stored rule.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PreviousDone => "PREVIOUS_DONE",
            Self::AfterDays(_) => "AFTER_DAYS",
            Self::ByTherapist => "BY_THERAPIST",
        }
    }

    /// The rule of a stored module.
    pub fn of(rule: &str, after_days: Option<i32>) -> Self {
        match (rule, after_days) {
            ("AFTER_DAYS", Some(d)) => Self::AfterDays(d),
            ("BY_THERAPIST", _) => Self::ByTherapist,
            _ => Self::PreviousDone,
        }
    }

    /// The days of `AFTER_DAYS`.
    pub fn days(self) -> Option<i32> {
        match self {
            Self::AfterDays(d) => Some(d),
            _ => None,
        }
    }
}

/// Most modules in a programme.
pub const MODULES_MAX: usize = 12;
/// Most homework, or check-ins, or resources, in a module.
pub const WORK_MAX: usize = 5;
/// The longest a module's work may be due after it opens, and the longest `AFTER_DAYS`.
pub const DAYS_MAX: i32 = 90;
/// Most programmes in a practice's library.
pub const PROGRAMS_MAX: u64 = 200;
/// How often a module's measure is asked for, when it is not assigned already.
pub const MEASURE_EVERY_DAYS: i32 = 14;

/// A homework of a module, as stored (`program_module.homework`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HomeworkSpec {
    pub title: String,
    /// The stored [`HomeworkKind`].
    pub kind: String,
    pub instructions: String,
    pub purpose: Option<String>,
    pub estimated_minutes: Option<i32>,
    /// Due this many days after the module opens, at the end of the client's day.
    pub due_in_days: i32,
}

/// A check-in of a module, as stored (`program_module.check_ins`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckInSpec {
    pub prompt: String,
    pub due_in_days: i32,
}

/// Where an enrolment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnrollmentStatus {
    Active,
    Paused,
    Left,
    Completed,
}

impl EnrollmentStatus {
    pub const ALL: [Self; 4] = [Self::Active, Self::Paused, Self::Left, Self::Completed];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "ACTIVE",
            Self::Paused => "PAUSED",
            Self::Left => "LEFT",
            Self::Completed => "COMPLETED",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// Why a module opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenedBecause {
    /// The first module, at enrolment.
    Enrolled,
    /// The previous module's homework was done.
    PreviousDone,
    /// The days after the previous module passed.
    AfterDays,
    /// The therapist opened it.
    ByTherapist,
}

impl OpenedBecause {
    pub const ALL: [Self; 4] = [
        Self::Enrolled,
        Self::PreviousDone,
        Self::AfterDays,
        Self::ByTherapist,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Enrolled => "ENROLLED",
            Self::PreviousDone => "PREVIOUS_DONE",
            Self::AfterDays => "AFTER_DAYS",
            Self::ByTherapist => "BY_THERAPIST",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// Why a module is still locked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locked {
    /// An earlier module is still locked.
    EarlierModule,
    /// Waiting for the previous module's homework (`done` of `of` completed or reviewed).
    WaitingForHomework { done: usize, of: usize },
    /// Opens at this time.
    OpensAt(chrono::DateTime<chrono::Utc>),
    /// Waits for the therapist.
    WaitingForTherapist,
    /// The enrolment is paused, left or completed.
    NotActive,
}

/// Whether the next module opens now, by its rule: `previous_opened` is when the module
/// before it opened, `done`/`of` how many of that module's homework are completed or
/// reviewed. `Ok(why)` when it opens, `Err(why not)` when it stays locked.
pub fn next_opens(
    rule: Unlock,
    previous_opened: chrono::DateTime<chrono::Utc>,
    done: usize,
    of: usize,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<OpenedBecause, Locked> {
    match rule {
        Unlock::PreviousDone if done >= of => Ok(OpenedBecause::PreviousDone),
        Unlock::PreviousDone => Err(Locked::WaitingForHomework { done, of }),
        Unlock::AfterDays(days) => {
            let at = previous_opened + chrono::Duration::days(i64::from(days));
            if now >= at {
                Ok(OpenedBecause::AfterDays)
            } else {
                Err(Locked::OpensAt(at))
            }
        }
        Unlock::ByTherapist => Err(Locked::WaitingForTherapist),
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone as _, Utc};

    use super::*;

    #[test]
    fn a_module_opens_by_its_rule() {
        let opened = Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap();
        let later = |d: i64| opened + chrono::Duration::days(d);
        assert_eq!(
            next_opens(Unlock::PreviousDone, opened, 2, 2, later(1)),
            Ok(OpenedBecause::PreviousDone)
        );
        assert_eq!(
            next_opens(Unlock::PreviousDone, opened, 1, 2, later(30)),
            Err(Locked::WaitingForHomework { done: 1, of: 2 })
        );
        // A module whose predecessor assigned no homework opens at once.
        assert_eq!(
            next_opens(Unlock::PreviousDone, opened, 0, 0, opened),
            Ok(OpenedBecause::PreviousDone)
        );
        assert_eq!(
            next_opens(Unlock::AfterDays(7), opened, 0, 2, later(6)),
            Err(Locked::OpensAt(later(7)))
        );
        assert_eq!(
            next_opens(Unlock::AfterDays(7), opened, 0, 2, later(7)),
            Ok(OpenedBecause::AfterDays)
        );
        assert_eq!(
            next_opens(Unlock::ByTherapist, opened, 2, 2, later(90)),
            Err(Locked::WaitingForTherapist)
        );
        assert_eq!(Unlock::of("AFTER_DAYS", Some(3)), Unlock::AfterDays(3));
        assert_eq!(Unlock::of("BY_THERAPIST", None), Unlock::ByTherapist);
    }
}
