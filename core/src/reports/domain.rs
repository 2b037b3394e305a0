//! What a practice report counts, over which stretches of time, and how it is written as
//! CSV. The SQL that counts lives in `service`; the clinical numbers it applies (reliable
//! change, response, remission) come from `measures::domain`, and the credit of a PARTIAL
//! homework from `homework::domain::Outcome::credit`.

use chrono::{DateTime, Datelike as _, NaiveDate, TimeDelta, Utc};
use uuid::Uuid;

use crate::{error::ServiceError, measures::domain::Instrument};

/// The longest period a report covers: three years (365 + 365 + 366 days).
pub const MAX_SPAN_DAYS: i64 = 1096;

/// A full week: seven days counted from the start of a window.
pub const WEEK: TimeDelta = TimeDelta::days(7);

/// The key of the window that covers the whole period (the totals, and therapist rows).
pub const PERIOD_KEY: &str = "*";

/// How the rows of a report are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    /// One row per member of a care team, over the whole period.
    Therapist,
    /// One row per calendar month (UTC) of the period.
    Month,
}

impl GroupBy {
    /// The stored and CSV form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Therapist => "THERAPIST",
            Self::Month => "MONTH",
        }
    }
}

/// The period of a report: `from` included, `to` excluded, `from < to`, at most
/// [`MAX_SPAN_DAYS`] long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    from: DateTime<Utc>,
    to: DateTime<Utc>,
}

impl Period {
    /// Checks the bounds; errors name the argument `to`.
    pub fn parse(from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Self, ServiceError> {
        if to <= from {
            return Err(ServiceError::bad_input("to", "must be after from"));
        }
        if to - from > TimeDelta::days(MAX_SPAN_DAYS) {
            return Err(ServiceError::bad_input(
                "to",
                format!("a report covers at most {MAX_SPAN_DAYS} days (three years)"),
            ));
        }
        Ok(Self { from, to })
    }

    /// The first instant of the period.
    pub fn from(self) -> DateTime<Utc> {
        self.from
    }

    /// The first instant after the period.
    pub fn to(self) -> DateTime<Utc> {
        self.to
    }
}

/// A stretch of time the figures of a row are counted over: `start` included, `end`
/// excluded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    /// [`PERIOD_KEY`] for the whole period, else the month as `YYYY-MM`.
    pub key: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// The windows a report counts over: the whole period first, then (grouped by month)
/// each calendar month in UTC that overlaps the period, cut to the period.
pub fn windows(period: Period, group_by: GroupBy) -> Vec<Window> {
    let mut all = vec![Window {
        key: PERIOD_KEY.to_owned(),
        start: period.from,
        end: period.to,
    }];
    if group_by == GroupBy::Month {
        let mut month = month_start(period.from.date_naive());
        loop {
            let start = utc_midnight(month);
            if start >= period.to {
                break;
            }
            let next = next_month(month);
            all.push(Window {
                key: month.format("%Y-%m").to_string(),
                start: start.max(period.from),
                end: utc_midnight(next).min(period.to),
            });
            month = next;
        }
    }
    all
}

fn month_start(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

fn next_month(first: NaiveDate) -> NaiveDate {
    first
        .checked_add_months(chrono::Months::new(1))
        .unwrap_or(NaiveDate::MAX)
}

fn utc_midnight(d: NaiveDate) -> DateTime<Utc> {
    d.and_time(chrono::NaiveTime::MIN).and_utc()
}

/// The full weeks of a window that have ended by `now`: seven-day blocks counted from the
/// window's start; a remainder shorter than seven days is not a full week.
pub fn full_weeks(window: &Window, now: DateTime<Utc>) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let limit = window.end.min(now);
    let mut weeks = Vec::new();
    let mut start = window.start;
    while start + WEEK <= limit {
        weeks.push((start, start + WEEK));
        start += WEEK;
    }
    weeks
}

/// `part / whole`, or `None` when `whole` is zero (the rate is undefined, not 0).
pub fn rate(part: f64, whole: i64) -> Option<f64> {
    // Counts of clients and assignments are far below 2^53: the conversion is exact.
    #[allow(clippy::cast_precision_loss)]
    let whole = whole as f64;
    (whole > 0.0).then(|| part / whole)
}

/// What a row is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Group {
    /// A member of care teams: the row counts the clients on their care teams.
    Therapist { id: Uuid, display_name: String },
    /// A calendar month in UTC, `YYYY-MM`.
    Month(String),
    /// The whole practice over the whole period, each client once.
    Total,
}

/// How the clients of a row with at least two scores of an instrument changed, first to
/// last score in the row's window.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcomes {
    pub instrument: Instrument,
    /// The points of change counted as reliable (the practice's setting).
    pub reliable_change_points: i32,
    /// Clients with at least two scores in the window: the denominator of every rate.
    pub clients: i64,
    /// The mean of last minus first (negative is improvement).
    pub mean_change: Option<f64>,
    pub improved: i64,
    pub deteriorated: i64,
    pub responded: i64,
    /// `None` when the instrument defines no remission.
    pub remitted: Option<i64>,
}

impl Outcomes {
    #[allow(clippy::cast_precision_loss)]
    fn share(&self, n: i64) -> Option<f64> {
        rate(n as f64, self.clients)
    }

    pub fn reliable_improvement_rate(&self) -> Option<f64> {
        self.share(self.improved)
    }

    pub fn reliable_deterioration_rate(&self) -> Option<f64> {
        self.share(self.deteriorated)
    }

    pub fn response_rate(&self) -> Option<f64> {
        self.share(self.responded)
    }

    pub fn remission_rate(&self) -> Option<f64> {
        self.remitted.and_then(|n| self.share(n))
    }
}

/// One row of a report: aggregates only, never a client's id or name.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub group: Group,
    /// The row's window: the whole period, or the month cut to the period.
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// Clients with something in their care in the window.
    pub clients: i64,
    /// Homework occurrences due in the window (up to now).
    pub homework_due: i64,
    /// Of those, done: COMPLETED 1, PARTIAL 0.5, anything else 0.
    pub homework_done: f64,
    /// Clients with at least one full week in the window since they were created.
    pub clients_with_full_weeks: i64,
    /// Of those, clients with a self-monitoring entry in every such week.
    pub clients_tracking_weekly: i64,
    /// Measures (any instrument) administered in the window.
    pub measures_administered: i64,
    /// One per instrument, in [`Instrument::ALL`] order.
    pub outcomes: Vec<Outcomes>,
}

impl Row {
    pub fn homework_completion_rate(&self) -> Option<f64> {
        rate(self.homework_done, self.homework_due)
    }

    #[allow(clippy::cast_precision_loss)]
    pub fn tracking_weekly_share(&self) -> Option<f64> {
        rate(
            self.clients_tracking_weekly as f64,
            self.clients_with_full_weeks,
        )
    }
}

/// A report: its rows in order (therapists by name, months in order) and the totals.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub period: Period,
    pub group_by: GroupBy,
    pub rows: Vec<Row>,
    pub totals: Row,
}

/// Keeps a spreadsheet from reading a cell as a formula (OWASP CSV injection): text that
/// starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`.
fn cell_text(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    }
}

fn fixed(v: Option<f64>, decimals: usize) -> String {
    v.map_or_else(String::new, |v| format!("{v:.decimals$}"))
}

/// The CSV columns, in order (the header row).
pub fn csv_header() -> Vec<String> {
    let mut h: Vec<String> = [
        "group",
        "therapist_id",
        "therapist_name",
        "month",
        "from",
        "to",
        "clients",
        "homework_due",
        "homework_done",
        "homework_completion_rate",
        "clients_with_full_weeks",
        "clients_tracking_weekly",
        "tracking_weekly_share",
        "measures_administered",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    for i in Instrument::ALL {
        let p = i.as_str().to_lowercase();
        for c in [
            "clients_with_two_scores",
            "mean_change",
            "reliable_improvement_rate",
            "reliable_deterioration_rate",
            "response_rate",
            "remission_rate",
        ] {
            h.push(format!("{p}_{c}"));
        }
    }
    h
}

fn csv_record(row: &Row) -> Vec<String> {
    let (group, id, name, month) = match &row.group {
        Group::Therapist { id, display_name } => (
            GroupBy::Therapist.as_str(),
            id.to_string(),
            cell_text(display_name),
            String::new(),
        ),
        Group::Month(m) => (
            GroupBy::Month.as_str(),
            String::new(),
            String::new(),
            m.clone(),
        ),
        Group::Total => ("TOTAL", String::new(), String::new(), String::new()),
    };
    let mut r = vec![
        group.to_owned(),
        id,
        name,
        month,
        row.start
            .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false),
        row.end
            .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false),
        row.clients.to_string(),
        row.homework_due.to_string(),
        fixed(Some(row.homework_done), 1),
        fixed(row.homework_completion_rate(), 4),
        row.clients_with_full_weeks.to_string(),
        row.clients_tracking_weekly.to_string(),
        fixed(row.tracking_weekly_share(), 4),
        row.measures_administered.to_string(),
    ];
    for i in Instrument::ALL {
        match row.outcomes.iter().find(|o| o.instrument == i) {
            Some(o) => r.extend([
                o.clients.to_string(),
                fixed(o.mean_change, 2),
                fixed(o.reliable_improvement_rate(), 4),
                fixed(o.reliable_deterioration_rate(), 4),
                fixed(o.response_rate(), 4),
                fixed(o.remission_rate(), 4),
            ]),
            None => r.extend(std::iter::repeat_n(String::new(), 6)),
        }
    }
    r
}

/// The report as CSV: a header row, the rows in order, then the totals row (`TOTAL`).
/// Counts are integers, homework done has one decimal, mean change two, rates four (as a
/// fraction, not a percentage); an undefined value is an empty cell.
pub fn to_csv(report: &Report) -> Result<String, ServiceError> {
    let fail = |e: csv::Error| ServiceError::Internal(format!("csv: {e}"));
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(csv_header()).map_err(fail)?;
    for row in report.rows.iter().chain(std::iter::once(&report.totals)) {
        w.write_record(csv_record(row)).map_err(fail)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| ServiceError::Internal(format!("csv: {e}")))?;
    String::from_utf8(bytes).map_err(|e| ServiceError::Internal(format!("csv: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn a_period_must_run_forwards_and_at_most_three_years() {
        let from = at("2025-01-01T00:00:00Z");
        assert!(Period::parse(from, at("2025-01-01T00:00:01Z")).is_ok());
        for to in [from, at("2024-12-31T00:00:00Z")] {
            let e = Period::parse(from, to).unwrap_err();
            assert!(matches!(e, ServiceError::BadInput { ref field, .. } if field == "to"));
        }
        assert!(Period::parse(from, from + TimeDelta::days(MAX_SPAN_DAYS)).is_ok());
        let e = Period::parse(
            from,
            from + TimeDelta::days(MAX_SPAN_DAYS) + TimeDelta::seconds(1),
        )
        .unwrap_err();
        assert!(matches!(e, ServiceError::BadInput { ref field, .. } if field == "to"));
    }

    #[test]
    fn months_are_utc_calendar_months_cut_to_the_period() {
        let p = Period::parse(at("2024-12-15T12:00:00Z"), at("2025-02-10T00:00:00Z")).unwrap();
        let w = windows(p, GroupBy::Month);
        let keys: Vec<&str> = w.iter().map(|w| w.key.as_str()).collect();
        assert_eq!(keys, ["*", "2024-12", "2025-01", "2025-02"]);
        assert_eq!(w[1].start, at("2024-12-15T12:00:00Z"));
        assert_eq!(w[1].end, at("2025-01-01T00:00:00Z"));
        assert_eq!(w[2].start, at("2025-01-01T00:00:00Z"));
        assert_eq!(w[2].end, at("2025-02-01T00:00:00Z"));
        assert_eq!(w[3].end, at("2025-02-10T00:00:00Z"));
        // A period ending exactly at a month's start has no row for that month.
        let p = Period::parse(at("2025-01-01T00:00:00Z"), at("2025-03-01T00:00:00Z")).unwrap();
        assert_eq!(windows(p, GroupBy::Month).len(), 3);
        assert_eq!(windows(p, GroupBy::Therapist).len(), 1);
    }

    #[test]
    fn full_weeks_count_from_the_window_start_and_end_by_now() {
        let w = Window {
            key: "2025-01".to_owned(),
            start: at("2025-01-01T00:00:00Z"),
            end: at("2025-02-01T00:00:00Z"),
        };
        let weeks = full_weeks(&w, at("2030-01-01T00:00:00Z"));
        assert_eq!(
            weeks.len(),
            4,
            "31 days: four full weeks, three days left over"
        );
        assert_eq!(
            weeks[3],
            (at("2025-01-22T00:00:00Z"), at("2025-01-29T00:00:00Z"))
        );
        assert_eq!(full_weeks(&w, at("2025-01-14T23:59:59Z")).len(), 1);
        assert_eq!(full_weeks(&w, at("2025-01-15T00:00:00Z")).len(), 2);
    }

    #[test]
    fn a_rate_of_nothing_is_undefined() {
        assert_eq!(rate(0.0, 0), None);
        assert_eq!(rate(1.5, 3), Some(0.5));
    }

    fn row(group: Group) -> Row {
        Row {
            group,
            start: at("2025-01-01T00:00:00Z"),
            end: at("2025-02-01T00:00:00Z"),
            clients: 3,
            homework_due: 4,
            homework_done: 2.5,
            clients_with_full_weeks: 3,
            clients_tracking_weekly: 2,
            measures_administered: 5,
            outcomes: vec![
                Outcomes {
                    instrument: Instrument::Phq9,
                    reliable_change_points: 6,
                    clients: 3,
                    mean_change: Some(-14.0 / 3.0),
                    improved: 2,
                    deteriorated: 0,
                    responded: 1,
                    remitted: Some(1),
                },
                Outcomes {
                    instrument: Instrument::Gad7,
                    reliable_change_points: 4,
                    clients: 0,
                    mean_change: None,
                    improved: 0,
                    deteriorated: 0,
                    responded: 0,
                    remitted: None,
                },
            ],
        }
    }

    #[test]
    fn csv_has_fixed_decimals_and_empty_cells_for_undefined_rates() {
        let report = Report {
            period: Period::parse(at("2025-01-01T00:00:00Z"), at("2025-02-01T00:00:00Z")).unwrap(),
            group_by: GroupBy::Therapist,
            rows: vec![row(Group::Therapist {
                id: Uuid::nil(),
                display_name: "=Dr, \"Who\"".to_owned(),
            })],
            totals: row(Group::Total),
        };
        let csv = to_csv(&report).unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0].split(',').count(), 26);
        assert!(lines[0].starts_with("group,therapist_id,therapist_name,month,from,to,clients,"));
        assert!(lines[0].ends_with(",gad7_response_rate,gad7_remission_rate"));
        assert_eq!(
            lines[1],
            "THERAPIST,00000000-0000-0000-0000-000000000000,\"'=Dr, \"\"Who\"\"\",,\
             2025-01-01T00:00:00+00:00,2025-02-01T00:00:00+00:00,3,4,2.5,0.6250,\
             3,2,0.6667,5,3,-4.67,0.6667,0.0000,0.3333,0.3333,0,,,,,"
        );
        assert!(
            lines[2].starts_with("TOTAL,,,,2025-01-01T00:00:00+00:00,2025-02-01T00:00:00+00:00,3,")
        );
    }
}
