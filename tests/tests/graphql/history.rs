//! A client's history written straight to the database at chosen times (the API stamps
//! "now"), for tests and benchmarks that need a past: homework occurrences, self-monitoring
//! entries, check-ins, goals and their progress. Rows are whole, as the services write them.

use chrono::{DateTime, TimeDelta, Timelike as _, Utc};
use entity::{
    check_in, client, goal, goal_progress, homework, homework_occurrence, tracker, tracker_entry,
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
        let tracker_id = self.mood_tracker().await;
        for chunk in times.chunks(500) {
            tracker_entry::Entity::insert_many(
                chunk.iter().map(|at| self.entry_row(tracker_id, *at, 5.0)),
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
