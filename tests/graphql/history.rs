//! A client's history written straight to the database at chosen times (the API stamps
//! "now"), for tests and benchmarks that need a past: homework occurrences, self-monitoring
//! entries, check-ins, goals and their progress, scored measures, sessions, the care team,
//! and a whole realistic year of all of it ([`History::year`], which the insights benchmark
//! writes for 500 clients). Rows are whole, as the services write them.

use chrono::{DateTime, TimeDelta, Timelike as _, Utc};
use entity::{
    care_team, check_in, client, goal, goal_progress, homework, homework_occurrence,
    measure_response, therapy_session, tracker, tracker_entry,
};
use momentum_api::measures::domain::{
    DEFAULT_SAFETY_ITEM_THRESHOLD, Instrument, compare, safety_flag, score,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait as _, DatabaseConnection, EntityTrait as _, QueryFilter as _,
};
use uuid::Uuid;

/// A homework occurrence: due, outcome, submitted.
pub type Occurrence<'a> = (DateTime<Utc>, Option<&'a str>, Option<DateTime<Utc>>);

/// Writes one client's history as `by` (a therapist of the practice).
pub struct History<'a> {
    pub db: &'a DatabaseConnection,
    pub practice_id: Uuid,
    pub client_id: Uuid,
    pub by: Uuid,
}

/// Days since 1970-01-01 of `at`'s UTC date.
pub fn utc_day(at: DateTime<Utc>) -> i32 {
    (at.date_naive() - chrono::NaiveDate::default()).num_days() as i32
}

/// Noon UTC of the day `days` before yesterday (so always in the past, a whole UTC day).
pub fn noon(now: DateTime<Utc>, days_before_yesterday: i64) -> DateTime<Utc> {
    let yesterday = now - TimeDelta::days(1 + days_before_yesterday);
    yesterday
        .date_naive()
        .and_hms_opt(12, 0, 0)
        .unwrap_or_default()
        .and_utc()
}

impl History<'_> {
    /// Makes the client UTC and created at `at`.
    pub async fn created(&self, at: DateTime<Utc>) {
        client::Entity::update_many()
            .col_expr(
                client::Column::CreatedAt,
                sea_orm::sea_query::Expr::value(at),
            )
            .col_expr(
                client::Column::Timezone,
                sea_orm::sea_query::Expr::value("UTC"),
            )
            .filter(client::Column::Id.eq(self.client_id))
            .exec(self.db)
            .await
            .unwrap();
    }

    fn homework_row(&self, due: DateTime<Utc>) -> homework::ActiveModel {
        homework::ActiveModel {
            id: Set(Uuid::now_v7()),
            practice_id: Set(self.practice_id),
            client_id: Set(self.client_id),
            template_id: Set(None),
            kind: Set("OTHER".into()),
            title: Set("Practice".into()),
            instructions: Set("Practise the skill.".into()),
            purpose: Set(None),
            goal_id: Set(None),
            action_id: Set(None),
            due_at: Set(due),
            recurrence: Set(None),
            status: Set("ASSIGNED".into()),
            assigned_by: Set(self.by),
            assigned_in_session_id: Set(None),
            started_at: Set(None),
            submitted_at: Set(None),
            review_notes: Set(None),
            review_notes_private: Set(false),
            reviewed_at: Set(None),
            reviewed_by: Set(None),
            reviewed_in_session_id: Set(None),
            version: Set(1),
            created_at: Set(due - TimeDelta::days(3)),
            updated_at: Set(due - TimeDelta::days(3)),
        }
    }

    fn occurrence_row(
        &self,
        homework_id: Uuid,
        due: DateTime<Utc>,
        outcome: Option<&str>,
        submitted: Option<DateTime<Utc>>,
    ) -> homework_occurrence::ActiveModel {
        homework_occurrence::ActiveModel {
            id: Set(Uuid::now_v7()),
            practice_id: Set(self.practice_id),
            client_id: Set(self.client_id),
            homework_id: Set(homework_id),
            due_at: Set(due),
            outcome: Set(outcome.map(str::to_owned)),
            reflection: Set(None),
            difficulty: Set(None),
            helpfulness: Set(None),
            obstacles_met: Set(serde_json::json!([])),
            submitted_at: Set(submitted),
            reported_by: Set(submitted.map(|_| self.by)),
            reported_by_role: Set(submitted.map(|_| "THERAPIST".to_owned())),
            created_at: Set(due - TimeDelta::days(3)),
            updated_at: Set(submitted.unwrap_or(due)),
        }
    }

    /// One-off homework due at `due`, with its outcome when submitted at `submitted`.
    pub async fn homework(
        &self,
        due: DateTime<Utc>,
        outcome: Option<&str>,
        submitted: Option<DateTime<Utc>>,
    ) {
        let h = self.homework_row(due);
        let id = h.id.clone().unwrap();
        homework::Entity::insert(h)
            .exec_without_returning(self.db)
            .await
            .unwrap();
        homework_occurrence::Entity::insert(self.occurrence_row(id, due, outcome, submitted))
            .exec_without_returning(self.db)
            .await
            .unwrap();
    }

    /// Recurring homework with one occurrence per `(due, outcome, submitted)`, inserted in
    /// batches (for large histories).
    pub async fn recurring_homework(&self, occurrences: &[Occurrence<'_>]) {
        let Some(first) = occurrences.first() else {
            return;
        };
        let h = self.homework_row(first.0);
        let id = h.id.clone().unwrap();
        homework::Entity::insert(h)
            .exec_without_returning(self.db)
            .await
            .unwrap();
        for chunk in occurrences.chunks(500) {
            homework_occurrence::Entity::insert_many(chunk.iter().map(
                |(due, outcome, submitted)| self.occurrence_row(id, *due, *outcome, *submitted),
            ))
            .exec_without_returning(self.db)
            .await
            .unwrap();
        }
    }

    /// The client's built-in MOOD tracker.
    pub async fn mood_tracker(&self) -> Uuid {
        tracker::Entity::find()
            .filter(tracker::Column::ClientId.eq(self.client_id))
            .filter(tracker::Column::Builtin.eq("MOOD"))
            .one(self.db)
            .await
            .unwrap()
            .expect("every client has a MOOD tracker")
            .id
    }

    fn entry_row(
        &self,
        tracker_id: Uuid,
        at: DateTime<Utc>,
        value: f64,
    ) -> tracker_entry::ActiveModel {
        tracker_entry::ActiveModel {
            id: Set(Uuid::now_v7()),
            practice_id: Set(self.practice_id),
            client_id: Set(self.client_id),
            tracker_id: Set(tracker_id),
            recorded_at: Set(at),
            local_date: Set(at.date_naive()),
            local_day: Set(utc_day(at)),
            local_minute: Set((at.hour() * 60 + at.minute()) as i32),
            value: Set(value),
            context: Set(None),
            note: Set(None),
            visibility: Set("SHARED".into()),
            created_by: Set(self.by),
            created_by_role: Set("CLIENT".into()),
            created_at: Set(at),
        }
    }

    /// MOOD entries (value 5) at each of `times` (the client is UTC: see [`Self::created`]).
    pub async fn entries(&self, times: &[DateTime<Utc>]) {
        let entries: Vec<_> = times.iter().map(|at| (*at, 5.0)).collect();
        self.mood_entries(&entries).await;
    }

    /// MOOD entries of the paired values (the client is UTC: see [`Self::created`]).
    pub async fn mood_entries(&self, entries: &[(DateTime<Utc>, f64)]) {
        let tracker_id = self.mood_tracker().await;
        for chunk in entries.chunks(500) {
            tracker_entry::Entity::insert_many(
                chunk
                    .iter()
                    .map(|(at, value)| self.entry_row(tracker_id, *at, *value)),
            )
            .exec_without_returning(self.db)
            .await
            .unwrap();
        }
    }

    /// Check-ins due at each time, answered at the paired time when given.
    pub async fn check_ins(&self, check_ins: &[(DateTime<Utc>, Option<DateTime<Utc>>)]) {
        let series = Uuid::now_v7();
        for chunk in check_ins.chunks(500) {
            check_in::Entity::insert_many(chunk.iter().map(|(due, answered)| {
                check_in::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    practice_id: Set(self.practice_id),
                    client_id: Set(self.client_id),
                    series_id: Set(series),
                    prompt: Set("How did today go?".into()),
                    due_at: Set(*due),
                    response_text: Set(answered.map(|_| "Fine".to_owned())),
                    mood: Set(answered.map(|_| 6)),
                    responded_at: Set(*answered),
                    created_by: Set(self.by),
                    created_at: Set(*due - TimeDelta::days(1)),
                    updated_at: Set(answered.unwrap_or(*due)),
                }
            }))
            .exec_without_returning(self.db)
            .await
            .unwrap();
        }
    }

    /// A goal with `status`, created at `created`; returns its id.
    pub async fn goal(&self, status: &str, created: DateTime<Utc>) -> Uuid {
        let id = Uuid::now_v7();
        goal::Entity::insert(goal::ActiveModel {
            id: Set(id),
            practice_id: Set(self.practice_id),
            client_id: Set(self.client_id),
            title: Set("Walk daily".into()),
            description: Set(None),
            measure: Set(None),
            baseline: Set(None),
            target: Set(None),
            unit: Set(None),
            target_date: Set(None),
            confidence: Set(Some(7)),
            why_it_matters: Set(None),
            priority: Set("MEDIUM".into()),
            status: Set(status.into()),
            status_reason: Set(None),
            achieved_at: Set(None),
            created_by: Set(self.by),
            created_by_role: Set("THERAPIST".into()),
            version: Set(1),
            created_at: Set(created),
            updated_at: Set(created),
        })
        .exec_without_returning(self.db)
        .await
        .unwrap();
        id
    }

    /// Progress recorded on `goal_id` at each time.
    pub async fn progress(&self, goal_id: Uuid, times: &[DateTime<Utc>]) {
        for chunk in times.chunks(500) {
            goal_progress::Entity::insert_many(chunk.iter().map(|at| goal_progress::ActiveModel {
                id: Set(Uuid::now_v7()),
                practice_id: Set(self.practice_id),
                client_id: Set(self.client_id),
                goal_id: Set(goal_id),
                value: Set(1.0),
                note: Set(None),
                recorded_at: Set(*at),
                recorded_by: Set(self.by),
                recorded_by_role: Set("CLIENT".into()),
                created_at: Set(*at),
            }))
            .exec_without_returning(self.db)
            .await
            .unwrap();
        }
    }
}

impl History<'_> {
    /// Puts `user_id` on the client's care team.
    pub async fn care_team(&self, user_id: Uuid) {
        let now = Utc::now();
        care_team::Entity::insert(care_team::ActiveModel {
            client_id: Set(self.client_id),
            user_id: Set(user_id),
            practice_id: Set(self.practice_id),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .exec_without_returning(self.db)
        .await
        .unwrap();
    }

    /// Responses to `instrument` with these answers at these times, scored and compared
    /// with the client's earlier ones (baseline, previous, reliable change, response,
    /// remission) as `submitMeasure` does with the default thresholds. The client must have
    /// no earlier response to `instrument`.
    pub async fn measures(&self, instrument: Instrument, responses: &[(DateTime<Utc>, Vec<i32>)]) {
        let mut sorted: Vec<&(DateTime<Utc>, Vec<i32>)> = responses.iter().collect();
        sorted.sort_by_key(|(at, _)| *at);
        let spec = instrument.spec();
        let (mut baseline, mut previous) = (None, None);
        let mut rows = Vec::with_capacity(sorted.len());
        for (at, answers) in sorted {
            let scored = score(instrument, answers).unwrap();
            let change = compare(
                instrument,
                scored.total,
                baseline,
                previous,
                spec.reliable_change_default,
            );
            baseline = baseline.or(Some(scored.total));
            previous = Some(scored.total);
            rows.push(measure_response::ActiveModel {
                id: Set(Uuid::now_v7()),
                practice_id: Set(self.practice_id),
                client_id: Set(self.client_id),
                instrument: Set(instrument.as_str().to_owned()),
                answers: Set(serde_json::json!(answers)),
                total: Set(scored.total),
                severity: Set(scored.severity.as_str().to_owned()),
                safety_flag: Set(safety_flag(
                    instrument,
                    answers,
                    DEFAULT_SAFETY_ITEM_THRESHOLD,
                )),
                change_from_baseline: Set(change.from_baseline),
                change_from_previous: Set(change.from_previous),
                reliable_change: Set(change.reliable_change.map(|r| r.as_str().to_owned())),
                response: Set(change.response),
                remission: Set(change.remission),
                administered_at: Set(*at),
                submitted_by: Set(self.by),
                submitted_by_role: Set("THERAPIST".into()),
                created_at: Set(*at),
            });
        }
        for chunk in rows.chunks(500) {
            measure_response::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(self.db)
                .await
                .unwrap();
        }
    }

    /// Sessions with `by` at each time, in the paired status (`SCHEDULED`, `COMPLETED`,
    /// `CANCELLED`); a completed one ends 50 minutes after it starts.
    pub async fn sessions(&self, sessions: &[(DateTime<Utc>, &str)]) {
        for chunk in sessions.chunks(500) {
            therapy_session::Entity::insert_many(chunk.iter().map(|(at, status)| {
                therapy_session::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    practice_id: Set(self.practice_id),
                    client_id: Set(self.client_id),
                    therapist_id: Set(Some(self.by)),
                    scheduled_at: Set(*at),
                    duration_minutes: Set(50),
                    focus: Set(None),
                    status: Set((*status).to_owned()),
                    cancel_reason: Set(None),
                    completed_at: Set(
                        (*status == "COMPLETED").then(|| *at + TimeDelta::minutes(50))
                    ),
                    external_ref: Set(None),
                    created_by: Set(self.by),
                    version: Set(1),
                    created_at: Set(*at - TimeDelta::days(14)),
                    updated_at: Set(*at),
                }
            }))
            .exec_without_returning(self.db)
            .await
            .unwrap();
        }
    }
}

/// What [`History::year`] wrote.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Year {
    /// MOOD entries.
    pub entries: usize,
    /// Weekly homework occurrences due in the past (all within the last 365 days).
    pub past_occurrences: usize,
    /// The credit of those (COMPLETED 1, PARTIAL 0.5, NOT_DONE and unsubmitted 0).
    pub homework_done: f64,
    /// Occurrences due in the next 7 days (one) and the 7 after (one), not submitted.
    pub future_occurrences: usize,
    /// Weekly check-ins, the last one still to come.
    pub check_ins: usize,
    /// Progress records on the client's two ACTIVE goals.
    pub progress: usize,
    /// Monthly PHQ-9 and GAD-7 responses, all within the last 365 days.
    pub measures: usize,
    /// Sessions every four weeks (some CANCELLED) and two SCHEDULED ones to come.
    pub sessions: usize,
    /// The first session to come.
    pub next_session: DateTime<Utc>,
}

/// A deterministic pseudo-random number from two keys (SplitMix64's finaliser).
fn mix(a: u64, b: u64) -> u64 {
    let mut z = a.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ b.wrapping_add(0xD1B5_4A32_D192_ED03);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Answers to `instrument` adding up to `total` (at most 24 for PHQ-9, whose item 9 stays 0,
/// so no safety flag; at most 21 for GAD-7), spread evenly over the items.
fn answers_for(instrument: Instrument, total: i32) -> Vec<i32> {
    let items = instrument.spec().items.len();
    let scored = match instrument {
        Instrument::Phq9 => items - 1,
        Instrument::Gad7 => items,
    };
    let total = total.clamp(0, 3 * scored as i32);
    let (each, rest) = (total / scored as i32, total % scored as i32);
    (0..items)
        .map(|i| match i {
            i if i >= scored => 0,
            i if (i as i32) < rest => each + 1,
            _ => each,
        })
        .collect()
}

impl History<'_> {
    /// A realistic year for the client (who must have been created before it: see
    /// [`Self::created`]), varied by `seed`: MOOD entries on most days with gaps (some
    /// clients stopped a week or more ago), weekly homework occurrences with mixed outcomes
    /// (two still to come), weekly check-ins mostly answered, two ACTIVE goals with progress,
    /// monthly PHQ-9 and GAD-7 responses that mostly improve, and a session every four weeks
    /// with two to come, all with `by` (see [`Self::care_team`] for the care team).
    pub async fn year(&self, now: DateTime<Utc>, seed: u64) -> Year {
        let r = |key: u64| mix(seed, key) % 100;
        // Share of days without an entry (10-59 %); 15 % of clients stopped 8-37 days ago.
        let gaps = 10 + r(1) % 50;
        let stopped = if r(2) < 15 { 8 + r(3) as i64 % 30 } else { 0 };
        let active = |days_ago: i64| days_ago >= stopped;

        // MOOD: from 2-4 a year ago towards 1-5 points higher, with a wobble of ±1.
        let (start, rise) = (2 + r(4) % 3, r(5) % 5);
        let entries: Vec<(DateTime<Utc>, f64)> = (stopped..365)
            .filter(|d| r(1_000 + *d as u64) >= gaps)
            .map(|d| {
                let at = noon(now, d) - TimeDelta::hours(r(2_000 + d as u64) as i64 % 10);
                let trend = start as f64 + rise as f64 * (365 - d) as f64 / 365.0;
                let wobble = (r(3_000 + d as u64) % 3) as f64 - 1.0;
                (at, (trend + wobble).round().clamp(0.0, 10.0))
            })
            .collect();
        self.mood_entries(&entries).await;

        // Homework: weekly, completing 40-89 % of it; nothing submitted since stopping.
        let done = 40 + r(6) % 50;
        let weekday = (seed % 7) as i64;
        let mut occurrences: Vec<Occurrence<'_>> = (0..52)
            .rev()
            .map(|w| {
                let days_ago = 7 * w + weekday;
                let due = noon(now, days_ago);
                let roll = r(4_000 + w as u64);
                let outcome = match roll {
                    _ if !active(days_ago) => None,
                    x if x < done => Some("COMPLETED"),
                    x if x < done + 10 => Some("PARTIAL"),
                    x if x < done + 20 => Some("NOT_DONE"),
                    _ => None,
                };
                (due, outcome, outcome.map(|_| due - TimeDelta::hours(3)))
            })
            .collect();
        let homework_done = occurrences
            .iter()
            .map(|(_, outcome, _)| match *outcome {
                Some("COMPLETED") => 1.0,
                Some("PARTIAL") => 0.5,
                _ => 0.0,
            })
            .sum();
        let next_due = now + TimeDelta::days(1 + weekday % 6);
        occurrences.push((next_due, None, None));
        occurrences.push((next_due + TimeDelta::days(7), None, None));
        self.recurring_homework(&occurrences).await;

        // Check-ins: weekly, 80 % answered two hours later; the next one to come.
        let mut check_ins: Vec<(DateTime<Utc>, Option<DateTime<Utc>>)> = (0..52)
            .rev()
            .map(|w| {
                let days_ago = 7 * w + 3;
                let due = noon(now, days_ago) - TimeDelta::hours(4);
                let answered = active(days_ago) && r(5_000 + w as u64) < 80;
                (due, answered.then(|| due + TimeDelta::hours(2)))
            })
            .collect();
        check_ins.push((now + TimeDelta::days(2), None));
        self.check_ins(&check_ins).await;

        // Goals: progress on one in 60 % of weeks, on the other in 50 % of fortnights.
        let first = self.goal("ACTIVE", now - TimeDelta::days(360)).await;
        let second = self.goal("ACTIVE", now - TimeDelta::days(360)).await;
        let weekly: Vec<DateTime<Utc>> = (0..51)
            .filter(|w| active(7 * w + 2) && r(6_000 + *w as u64) < 60)
            .map(|w| noon(now, 7 * w + 2))
            .collect();
        let fortnightly: Vec<DateTime<Utc>> = (0..25)
            .filter(|f| active(14 * f + 5) && r(7_000 + *f as u64) < 50)
            .map(|f| noon(now, 14 * f + 5))
            .collect();
        self.progress(first, &weekly).await;
        self.progress(second, &fortnightly).await;

        // Measures: monthly; 60 % improve to 40 % of the baseline, 25 % stay, 15 % worsen
        // by 5 points; ±1 point of noise.
        let course = r(8);
        for (instrument, key, baseline) in [
            (Instrument::Phq9, 9, 8 + r(9) as i32 % 15),
            (Instrument::Gad7, 10, 6 + r(10) as i32 % 14),
        ] {
            let end = match course {
                c if c < 60 => baseline * 2 / 5,
                c if c < 85 => baseline,
                _ => baseline + 5,
            };
            let responses: Vec<(DateTime<Utc>, Vec<i32>)> = (0..12)
                .map(|m| {
                    let months_in = 11 - m as i32;
                    let noise = (r(key * 1_000 + m) % 3) as i32 - 1;
                    let total = baseline + (end - baseline) * months_in / 11 + noise;
                    let at = noon(now, 30 * m as i64 + 5) - TimeDelta::hours(1);
                    (at, answers_for(instrument, total))
                })
                .collect();
            self.measures(instrument, &responses).await;
        }

        // Sessions: every four weeks, one in five CANCELLED; two to come.
        let next_session = now + TimeDelta::days(2 + (seed % 5) as i64) + TimeDelta::hours(1);
        let mut sessions: Vec<(DateTime<Utc>, &str)> = (0..13)
            .map(|k| {
                let status = if r(9_000 + k) < 20 {
                    "CANCELLED"
                } else {
                    "COMPLETED"
                };
                (noon(now, 28 * k as i64 + 1) - TimeDelta::hours(2), status)
            })
            .collect();
        sessions.push((next_session, "SCHEDULED"));
        sessions.push((next_session + TimeDelta::days(28), "SCHEDULED"));
        self.sessions(&sessions).await;

        Year {
            entries: entries.len(),
            past_occurrences: occurrences.len() - 2,
            homework_done,
            future_occurrences: 2,
            check_ins: check_ins.len(),
            progress: weekly.len() + fortnightly.len(),
            measures: 24,
            sessions: sessions.len(),
            next_session,
        }
    }
}
