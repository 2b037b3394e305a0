//! Reminders' rules, without I/O: a client's preferences (quiet hours, preferred times, which
//! kinds, a pause), when a reminder of something due fires, and the back-off when the client
//! lets reminders pass. Every time is computed in the client's own time zone, so a reminder
//! keeps its local time across daylight-saving changes and follows the client to a new zone.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Timelike as _, Utc};
use uuid::Uuid;

use crate::{error::ServiceError, recurrence::local_instant};

/// What a reminder is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ReminderKind {
    /// A homework occurrence is due.
    HomeworkDue,
    /// A check-in is due.
    CheckInDue,
    /// An action of an action plan is planned for now.
    ActionTime,
    /// A measure (PHQ-9, GAD-7) is due.
    MeasureDue,
    /// Nothing was tracked today.
    TrackingNudge,
}

impl ReminderKind {
    /// Every kind, in the order the schema lists them.
    pub const ALL: [Self; 5] = [
        Self::HomeworkDue,
        Self::CheckInDue,
        Self::ActionTime,
        Self::MeasureDue,
        Self::TrackingNudge,
    ];

    /// The stored and wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::HomeworkDue => "HOMEWORK_DUE",
            Self::CheckInDue => "CHECK_IN_DUE",
            Self::ActionTime => "ACTION_TIME",
            Self::MeasureDue => "MEASURE_DUE",
            Self::TrackingNudge => "TRACKING_NUDGE",
        }
    }

    /// The kind of a stored value.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether its reminder fires at the time itself (an action the client planned, a
    /// tracker's prompt time) rather than ahead of a due time.
    pub fn at_its_time(self) -> bool {
        matches!(self, Self::ActionTime | Self::TrackingNudge)
    }

    /// Whether reminders of it back off when the client lets them pass. An action's time is
    /// the client's own plan, with nothing to answer, so it always fires.
    pub fn backs_off(self) -> bool {
        self != Self::ActionTime
    }
}

/// Quiet hours: a local time range in which nothing fires. It may span midnight
/// (22:00 to 07:00); the start is inside, the end is not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl QuietHours {
    /// Quiet hours from `start` to `end`, whole minutes, not empty; errors name `field`.
    pub fn parse(start: NaiveTime, end: NaiveTime, field: &str) -> Result<Self, ServiceError> {
        if start.second() != 0
            || end.second() != 0
            || start.nanosecond() != 0
            || end.nanosecond() != 0
        {
            return Err(ServiceError::bad_input(field, "give whole minutes"));
        }
        if start == end {
            return Err(ServiceError::bad_input(
                format!("{field}.end"),
                "must differ from the start (leave quietHours out for none)",
            ));
        }
        Ok(Self { start, end })
    }

    /// Whether the local time `t` is quiet.
    pub fn contains(&self, t: NaiveTime) -> bool {
        if self.start < self.end {
            self.start <= t && t < self.end
        } else {
            t >= self.start || t < self.end
        }
    }
}

/// The most preferred reminder times a client keeps.
pub const PREFERRED_TIMES_MAX: usize = 4;

/// How long before something is due its reminder fires when no preferred time fits.
pub const DEFAULT_LEAD: Duration = Duration::hours(1);

/// A client's reminder preferences.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preferences {
    /// Nothing fires inside them; a reminder that would is moved to their end.
    pub quiet_hours: Option<QuietHours>,
    /// Local times of day reminders prefer, sorted, each once.
    pub preferred_times: Vec<NaiveTime>,
    /// The kinds the client wants.
    pub kinds: Vec<ReminderKind>,
    /// Nothing fires before this instant.
    pub paused_until: Option<DateTime<Utc>>,
}

impl Default for Preferences {
    /// Quiet from 21:00 to 08:00, reminders at 09:00 and 18:00, every kind, not paused.
    fn default() -> Self {
        Self {
            quiet_hours: Some(QuietHours {
                start: hm(21, 0),
                end: hm(8, 0),
            }),
            preferred_times: vec![hm(9, 0), hm(18, 0)],
            kinds: ReminderKind::ALL.to_vec(),
            paused_until: None,
        }
    }
}

fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN)
}

impl Preferences {
    /// Preferences from their parts: at most [`PREFERRED_TIMES_MAX`] whole-minute times
    /// (sorted, repeats dropped), kinds each once. Errors name `prefix.preferredTimes`.
    pub fn parse(
        quiet_hours: Option<QuietHours>,
        preferred_times: Vec<NaiveTime>,
        kinds: Vec<ReminderKind>,
        paused_until: Option<DateTime<Utc>>,
        prefix: &str,
    ) -> Result<Self, ServiceError> {
        let mut times = preferred_times;
        if times.iter().any(|t| t.second() != 0 || t.nanosecond() != 0) {
            return Err(ServiceError::bad_input(
                format!("{prefix}.preferredTimes"),
                "give whole minutes",
            ));
        }
        times.sort();
        times.dedup();
        if times.len() > PREFERRED_TIMES_MAX {
            return Err(ServiceError::bad_input(
                format!("{prefix}.preferredTimes"),
                format!("at most {PREFERRED_TIMES_MAX} times"),
            ));
        }
        let mut kinds = kinds;
        kinds.sort();
        kinds.dedup();
        Ok(Self {
            quiet_hours,
            preferred_times: times,
            kinds,
            paused_until,
        })
    }

    /// Whether reminders of `kind` fire at all.
    pub fn wants(&self, kind: ReminderKind) -> bool {
        self.kinds.contains(&kind)
    }
}

/// The local date and time of `at` in `tz` (UTC for a zone that does not parse).
fn local(at: DateTime<Utc>, tz: &str) -> (NaiveDate, NaiveTime) {
    match tz.parse::<chrono_tz::Tz>() {
        Ok(zone) => {
            let l = at.with_timezone(&zone).naive_local();
            (l.date(), l.time())
        }
        Err(_) => (at.date_naive(), at.time()),
    }
}

/// `at` in `tz` as RFC 3339 with the zone's offset at that instant (UTC for a zone that does
/// not parse).
pub fn local_rfc3339(at: DateTime<Utc>, tz: &str) -> String {
    match tz.parse::<chrono_tz::Tz>() {
        Ok(zone) => at.with_timezone(&zone).to_rfc3339(),
        Err(_) => at.to_rfc3339(),
    }
}

/// `at` moved out of `quiet` hours in `tz`: an instant whose local time is quiet fires at
/// the local end of the quiet hours (the next morning when they span midnight and `at` is
/// before it), in whatever offset the zone has then.
pub fn outside_quiet(at: DateTime<Utc>, tz: &str, quiet: &QuietHours) -> DateTime<Utc> {
    let (date, time) = local(at, tz);
    if !quiet.contains(time) {
        return at;
    }
    let end_date = if quiet.start > quiet.end && time >= quiet.start {
        date.succ_opt().unwrap_or(date)
    } else {
        date
    };
    local_instant(tz, end_date, quiet.end).max(at)
}

/// When the reminder of something due at `due` fires: at the latest preferred time on the
/// local due date at least [`DEFAULT_LEAD`] before it, else [`DEFAULT_LEAD`] before it (not
/// before `now`); then out of quiet hours.
pub fn due_reminder(
    due: DateTime<Utc>,
    tz: &str,
    prefs: &Preferences,
    now: DateTime<Utc>,
) -> DateTime<Utc> {
    let (date, _) = local(due, tz);
    let preferred = prefs
        .preferred_times
        .iter()
        .rev()
        .map(|t| local_instant(tz, date, *t))
        .find(|at| *at <= due - DEFAULT_LEAD);
    let at = preferred.unwrap_or(due - DEFAULT_LEAD).max(now.min(due));
    match &prefs.quiet_hours {
        Some(q) => outside_quiet(at, tz, q),
        None => at,
    }
}

/// Whether a reminder fires after the client let `ignored` reminders of the same thing pass
/// in a row: the first three always, then only the 4th, 8th, 16th, … so a client who does
/// not answer is reminded less and less, never stopped.
pub fn fires_after(ignored: u32) -> bool {
    ignored < 3 || ignored.is_power_of_two()
}

/// Something a reminder can be about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    pub kind: ReminderKind,
    /// The homework occurrence, check-in, action plan or measure assignment.
    pub about: Uuid,
    /// What it repeats with (the homework; the check-ins scheduled together): the back-off
    /// counts within it.
    pub series: Uuid,
    /// When it is due (or, for an action, planned).
    pub at: DateTime<Utc>,
    /// Completed, answered or cancelled: nothing to remind of.
    pub done: bool,
    /// Reminders of the same thing the client let pass in a row before this one.
    pub ignored: u32,
}

impl Due {
    /// Something open (not done), with no reminder let pass yet.
    pub fn new(kind: ReminderKind, about: Uuid, series: Uuid, at: DateTime<Utc>) -> Self {
        Self {
            kind,
            about,
            series,
            at,
            done: false,
            ignored: 0,
        }
    }
}

/// The latest reminder decided in a series, for the back-off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Past {
    pub series: Uuid,
    pub about: Uuid,
    /// When what it was about was due.
    pub due_at: DateTime<Utc>,
    /// Whether the client has submitted, answered or done what it was about.
    pub answered: bool,
    /// Reminders of the series the client had let pass in a row before it.
    pub ignored: u32,
}

/// Sets each item's [`Due::ignored`]: the reminders of its series the client let pass in a row
/// before it, counting on from the series' latest decided reminder (`latest`) through the
/// series' open items due before it. Kinds that do not back off stay at 0.
pub fn count_ignored(items: &mut [Due], latest: &[Past]) {
    let mut base: HashMap<Uuid, &Past> = HashMap::new();
    for p in latest {
        if base.get(&p.series).is_none_or(|b| b.due_at < p.due_at) {
            base.insert(p.series, p);
        }
    }
    let mut by_series: HashMap<Uuid, Vec<usize>> = HashMap::new();
    for (i, d) in items.iter().enumerate() {
        if d.kind.backs_off() {
            by_series.entry(d.series).or_default().push(i);
        }
    }
    for (series, mut idx) in by_series {
        idx.sort_by_key(|i| (items[*i].at, items[*i].about));
        let latest = base.get(&series);
        let mut streak = latest.map_or(0, |p| {
            if p.answered {
                0
            } else {
                p.ignored.saturating_add(1)
            }
        });
        for i in idx {
            let d = &mut items[i];
            match latest {
                // Decided already (or due before what was): counted in the stored figure.
                Some(p) if d.about == p.about || d.at <= p.due_at => d.ignored = p.ignored,
                _ => {
                    d.ignored = streak;
                    streak = if d.done { 0 } else { streak.saturating_add(1) };
                }
            }
        }
    }
}

/// A reminder on the schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reminder {
    pub kind: ReminderKind,
    pub about: Uuid,
    /// When it fires.
    pub fire_at: DateTime<Utc>,
    /// When what it is about is due.
    pub due_at: DateTime<Utc>,
    /// Why it fires when it does.
    pub reason: Reason,
}

/// Why a reminder fires when it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// At one of the client's preferred times before it is due.
    PreferredTime,
    /// A while before it is due (no preferred time fitted).
    BeforeDue,
    /// At the time the action was planned for.
    PlannedTime,
    /// Moved to the end of the client's quiet hours.
    AfterQuietHours,
}

impl Reason {
    /// The wire form (as in the GraphQL enum).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PreferredTime => "PREFERRED_TIME",
            Self::BeforeDue => "BEFORE_DUE",
            Self::PlannedTime => "PLANNED_TIME",
            Self::AfterQuietHours => "AFTER_QUIET_HOURS",
        }
    }
}

/// The reminders of `items` that fire from `from` (included) to `to` (excluded), in the
/// order they fire: none of a kind the client turned off, of something done, while paused,
/// or held back by [`fires_after`].
pub fn schedule(
    items: &[Due],
    tz: &str,
    prefs: &Preferences,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Vec<Reminder> {
    let mut out: Vec<Reminder> = items
        .iter()
        .filter(|d| !d.done && prefs.wants(d.kind) && fires_after(d.ignored))
        .filter_map(|d| {
            let (planned, reason) = if d.kind.at_its_time() {
                (d.at, Reason::PlannedTime)
            } else {
                let at = due_reminder_unquiet(d.at, tz, prefs, now);
                (at.0, at.1)
            };
            let fire_at = match &prefs.quiet_hours {
                Some(q) => outside_quiet(planned, tz, q),
                None => planned,
            };
            let reason = if fire_at != planned {
                Reason::AfterQuietHours
            } else {
                reason
            };
            let paused = prefs.paused_until.is_some_and(|p| fire_at < p);
            (!paused && from <= fire_at && fire_at < to).then_some(Reminder {
                kind: d.kind,
                about: d.about,
                fire_at,
                due_at: d.at,
                reason,
            })
        })
        .collect();
    out.sort_by_key(|r| (r.fire_at, r.kind, r.about));
    out
}

/// [`due_reminder`] before quiet hours apply, with the reason.
fn due_reminder_unquiet(
    due: DateTime<Utc>,
    tz: &str,
    prefs: &Preferences,
    now: DateTime<Utc>,
) -> (DateTime<Utc>, Reason) {
    let unquiet = Preferences {
        quiet_hours: None,
        ..prefs.clone()
    };
    let at = due_reminder(due, tz, &unquiet, now);
    let (date, time) = local(at, tz);
    let preferred = prefs.preferred_times.contains(&time) && local_instant(tz, date, time) == at;
    (
        at,
        if preferred {
            Reason::PreferredTime
        } else {
            Reason::BeforeDue
        },
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use chrono::TimeZone as _;

    use super::*;
    use crate::recurrence::{Recurrence, local_instant, occurrences};

    fn t(h: u32, m: u32) -> NaiveTime {
        hm(h, m)
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    fn prefs(quiet: Option<(NaiveTime, NaiveTime)>, times: &[NaiveTime]) -> Preferences {
        Preferences::parse(
            quiet.map(|(s, e)| QuietHours::parse(s, e, "q").unwrap()),
            times.to_vec(),
            ReminderKind::ALL.to_vec(),
            None,
            "input",
        )
        .unwrap()
    }

    fn due(kind: ReminderKind, at: DateTime<Utc>) -> Due {
        Due {
            kind,
            about: Uuid::nil(),
            series: Uuid::nil(),
            at,
            done: false,
            ignored: 0,
        }
    }

    #[test]
    fn quiet_hours_may_span_midnight() {
        let q = QuietHours::parse(t(22, 0), t(7, 0), "q").unwrap();
        assert!(q.contains(t(22, 0)) && q.contains(t(23, 59)) && q.contains(t(0, 0)));
        assert!(q.contains(t(6, 59)) && !q.contains(t(7, 0)) && !q.contains(t(21, 59)));
        let day_q = QuietHours::parse(t(12, 0), t(13, 30), "q").unwrap();
        assert!(
            day_q.contains(t(12, 0)) && !day_q.contains(t(13, 30)) && !day_q.contains(t(11, 0))
        );
        assert!(QuietHours::parse(t(7, 0), t(7, 0), "q").is_err());
    }

    #[test]
    fn a_quiet_reminder_moves_to_the_end_of_the_quiet_hours_on_the_right_morning() {
        let q = QuietHours::parse(t(22, 0), t(7, 0), "q").unwrap();
        // 23:30 in New York (EST, UTC-5) on 14 January: the next morning at 07:00.
        let late = utc(2026, 1, 15, 4, 30);
        assert_eq!(
            outside_quiet(late, "America/New_York", &q),
            utc(2026, 1, 15, 12, 0)
        );
        // 05:00 the same night: that morning at 07:00.
        assert_eq!(
            outside_quiet(utc(2026, 1, 15, 10, 0), "America/New_York", &q),
            utc(2026, 1, 15, 12, 0)
        );
        // Not quiet: unchanged.
        let noon = utc(2026, 1, 15, 17, 0);
        assert_eq!(outside_quiet(noon, "America/New_York", &q), noon);
    }

    #[test]
    fn quiet_hours_end_at_their_local_time_across_the_spring_and_autumn_changes() {
        let q = QuietHours::parse(t(22, 0), t(7, 0), "q").unwrap();
        // New York springs forward on 8 March 2026 (02:00 EST → 03:00 EDT): the night's
        // quiet hours end at 07:00 EDT = 11:00 UTC, not 12:00.
        assert_eq!(
            outside_quiet(utc(2026, 3, 8, 4, 0), "America/New_York", &q),
            utc(2026, 3, 8, 11, 0)
        );
        // It falls back on 1 November 2026: 07:00 EST = 12:00 UTC.
        assert_eq!(
            outside_quiet(utc(2026, 11, 1, 4, 0), "America/New_York", &q),
            utc(2026, 11, 1, 12, 0)
        );
        // Berlin springs forward on 29 March 2026 (CET → CEST): 07:00 CEST = 05:00 UTC.
        assert_eq!(
            outside_quiet(utc(2026, 3, 28, 23, 0), "Europe/Berlin", &q),
            utc(2026, 3, 29, 5, 0)
        );
        // And falls back on 25 October 2026: 07:00 CET = 06:00 UTC.
        assert_eq!(
            outside_quiet(utc(2026, 10, 24, 23, 0), "Europe/Berlin", &q),
            utc(2026, 10, 25, 6, 0)
        );
    }

    #[test]
    fn quiet_hours_ending_in_a_skipped_hour_end_an_hour_later() {
        // 02:30 does not exist in Berlin on 29 March 2026: the quiet hours end at 03:30 CEST.
        let q = QuietHours::parse(t(23, 0), t(2, 30), "q").unwrap();
        assert_eq!(
            outside_quiet(utc(2026, 3, 28, 23, 0), "Europe/Berlin", &q),
            utc(2026, 3, 29, 1, 30)
        );
    }

    #[test]
    fn a_due_reminder_fires_at_the_latest_preferred_time_an_hour_before() {
        let p = prefs(Some((t(22, 0), t(7, 0))), &[t(9, 0), t(18, 0)]);
        let now = utc(2026, 1, 1, 0, 0);
        // Due 20:00 in New York: the 18:00 reminder.
        let due_at = local_instant("America/New_York", day(2026, 1, 20), t(20, 0));
        assert_eq!(
            due_reminder(due_at, "America/New_York", &p, now),
            local_instant("America/New_York", day(2026, 1, 20), t(18, 0))
        );
        // Due 10:30: 09:00 (at least an hour before).
        let due_at = local_instant("America/New_York", day(2026, 1, 20), t(10, 30));
        assert_eq!(
            due_reminder(due_at, "America/New_York", &p, now),
            local_instant("America/New_York", day(2026, 1, 20), t(9, 0))
        );
        // Due 09:30: no preferred time an hour before; 08:30.
        let due_at = local_instant("America/New_York", day(2026, 1, 20), t(9, 30));
        assert_eq!(
            due_reminder(due_at, "America/New_York", &p, now),
            local_instant("America/New_York", day(2026, 1, 20), t(8, 30))
        );
        // Due 07:30: 06:30 is quiet; the end of the quiet hours, 07:00.
        let due_at = local_instant("America/New_York", day(2026, 1, 20), t(7, 30));
        assert_eq!(
            due_reminder(due_at, "America/New_York", &p, now),
            local_instant("America/New_York", day(2026, 1, 20), t(7, 0))
        );
    }

    #[test]
    fn reminders_keep_their_local_time_through_every_two_weeks_and_weekday_recurrences_across_dst()
    {
        let p = prefs(Some((t(22, 0), t(7, 0))), &[t(9, 0)]);
        let now = utc(2026, 1, 1, 0, 0);
        for tz in ["America/New_York", "Europe/Berlin"] {
            // Every two weeks from 1 March to 30 April, due at 12:00: both zones change
            // their clocks in between; every reminder is at 09:00 local.
            let every_two_weeks = Recurrence::EveryNDays { every_n_days: 14 };
            let dates = occurrences(&every_two_weeks, day(2026, 3, 1), day(2026, 4, 30), 100);
            assert_eq!(dates.len(), 5, "{tz}");
            let items: Vec<Due> = dates
                .iter()
                .map(|d| due(ReminderKind::HomeworkDue, local_instant(tz, *d, t(12, 0))))
                .collect();
            let fired = schedule(
                &items,
                tz,
                &p,
                utc(2026, 2, 1, 0, 0),
                utc(2026, 6, 1, 0, 0),
                now,
            );
            assert_eq!(fired.len(), 5, "{tz}: every occurrence is reminded of");
            for (r, d) in fired.iter().zip(&dates) {
                assert_eq!(local(r.fire_at, tz), (*d, t(9, 0)), "{tz}");
                assert_eq!(r.reason, Reason::PreferredTime);
            }
            // Weekdays in the week of the autumn change (Berlin 25 October, New York
            // 1 November): Monday to Friday, each at 09:00 local, none at weekends.
            let weekdays = occurrences(
                &Recurrence::Weekdays,
                day(2026, 10, 22),
                day(2026, 11, 4),
                100,
            );
            assert!(weekdays.iter().all(|d| !matches!(
                chrono::Datelike::weekday(d),
                chrono::Weekday::Sat | chrono::Weekday::Sun
            )));
            let items: Vec<Due> = weekdays
                .iter()
                .map(|d| due(ReminderKind::CheckInDue, local_instant(tz, *d, t(17, 0))))
                .collect();
            let fired = schedule(
                &items,
                tz,
                &p,
                utc(2026, 10, 1, 0, 0),
                utc(2026, 12, 1, 0, 0),
                now,
            );
            assert_eq!(fired.len(), weekdays.len(), "{tz}");
            for (r, d) in fired.iter().zip(&weekdays) {
                assert_eq!(local(r.fire_at, tz), (*d, t(9, 0)), "{tz}");
            }
        }
    }

    #[test]
    fn an_action_planned_in_quiet_hours_fires_when_they_end() {
        let p = prefs(Some((t(22, 0), t(7, 0))), &[]);
        let now = utc(2026, 1, 1, 0, 0);
        let planned = local_instant("Europe/Berlin", day(2026, 3, 29), t(6, 0));
        let fired = schedule(
            &[due(ReminderKind::ActionTime, planned)],
            "Europe/Berlin",
            &p,
            utc(2026, 3, 1, 0, 0),
            utc(2026, 4, 1, 0, 0),
            now,
        );
        assert_eq!(fired.len(), 1);
        assert_eq!(
            fired[0].fire_at,
            local_instant("Europe/Berlin", day(2026, 3, 29), t(7, 0))
        );
        assert_eq!(fired[0].reason, Reason::AfterQuietHours);
    }

    #[test]
    fn nothing_fires_for_work_done_kinds_turned_off_while_paused_or_held_back() {
        let now = utc(2026, 1, 1, 0, 0);
        let at = utc(2026, 1, 20, 17, 0);
        let (from, to) = (utc(2026, 1, 1, 0, 0), utc(2026, 2, 1, 0, 0));
        let p = prefs(None, &[]);
        let done = Due {
            done: true,
            ..due(ReminderKind::HomeworkDue, at)
        };
        assert!(schedule(&[done], "UTC", &p, from, to, now).is_empty());
        let off = Preferences {
            kinds: vec![ReminderKind::CheckInDue],
            ..p.clone()
        };
        assert!(
            schedule(
                &[due(ReminderKind::HomeworkDue, at)],
                "UTC",
                &off,
                from,
                to,
                now
            )
            .is_empty()
        );
        let paused = Preferences {
            paused_until: Some(utc(2026, 1, 25, 0, 0)),
            ..p.clone()
        };
        assert!(
            schedule(
                &[due(ReminderKind::HomeworkDue, at)],
                "UTC",
                &paused,
                from,
                to,
                now
            )
            .is_empty()
        );
        let fired: Vec<u32> = (0..20)
            .filter(|i| {
                let d = Due {
                    ignored: *i,
                    ..due(ReminderKind::HomeworkDue, at)
                };
                !schedule(&[d], "UTC", &p, from, to, now).is_empty()
            })
            .collect();
        assert_eq!(fired, vec![0, 1, 2, 4, 8, 16]);
    }

    #[test]
    fn preferences_are_checked_and_named() {
        let many = vec![t(8, 0), t(9, 0), t(10, 0), t(11, 0), t(12, 0)];
        let e = Preferences::parse(None, many, vec![], None, "input").unwrap_err();
        assert!(
            matches!(e, ServiceError::BadInput { ref field, .. } if field == "input.preferredTimes")
        );
        let p = Preferences::parse(
            None,
            vec![t(18, 0), t(9, 0), t(18, 0)],
            vec![
                ReminderKind::MeasureDue,
                ReminderKind::HomeworkDue,
                ReminderKind::MeasureDue,
            ],
            None,
            "input",
        )
        .unwrap();
        assert_eq!(p.preferred_times, vec![t(9, 0), t(18, 0)]);
        assert_eq!(
            p.kinds,
            vec![ReminderKind::HomeworkDue, ReminderKind::MeasureDue]
        );
        assert!(
            QuietHours::parse(NaiveTime::from_hms_opt(22, 0, 30).unwrap(), t(7, 0), "q").is_err()
        );
    }

    #[test]
    fn the_back_off_counts_on_from_the_latest_reminder_of_the_series() {
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let at = |d: u32| utc(2026, 1, d, 12, 0);
        // Day 5's reminder was the third let pass in a row (2 before it) and is unanswered.
        let latest = |answered: bool| Past {
            series: a,
            about: Uuid::from_u128(105),
            due_at: at(5),
            answered,
            ignored: 2,
        };
        let item = |d: u32, series: Uuid| Due {
            about: Uuid::from_u128(100 + u128::from(d)),
            series,
            ..due(ReminderKind::HomeworkDue, at(d))
        };
        let mut items = vec![item(7, a), item(6, a), item(8, b), item(5, a)];
        count_ignored(&mut items, &[latest(false)]);
        let got: Vec<u32> = items.iter().map(|d| d.ignored).collect();
        assert_eq!(got, vec![4, 3, 0, 2]);
        // Answered: what follows starts again.
        let mut items = vec![item(6, a), item(7, a)];
        count_ignored(&mut items, &[latest(true)]);
        assert_eq!(
            items.iter().map(|d| d.ignored).collect::<Vec<_>>(),
            vec![0, 1]
        );
        // An open item answered in between (done) resets the count after it.
        let mut items = vec![
            item(6, a),
            Due {
                done: true,
                ..item(7, a)
            },
            item(8, a),
        ];
        count_ignored(&mut items, &[latest(false)]);
        assert_eq!(
            items.iter().map(|d| d.ignored).collect::<Vec<_>>(),
            vec![3, 4, 0]
        );
        // Action times never back off.
        let mut actions = vec![Due {
            kind: ReminderKind::ActionTime,
            ..item(6, a)
        }];
        count_ignored(&mut actions, &[latest(false)]);
        assert_eq!(actions[0].ignored, 0);
    }
}
