//! What reminders are about, loaded for many clients at once: homework occurrences, check-ins,
//! measures due, action-plan action times and trackers' prompt times, with one statement per
//! source whatever the number of clients; and the reminders already decided, for the back-off.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, NaiveTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait as _, QueryFilter as _,
    QuerySelect as _,
    sea_query::{Alias, Expr, ExprTrait as _, Func, IntoTableRef as _, Query},
};
use uuid::Uuid;

use super::domain::{Due, Past, ReminderKind};
use crate::{
    goals::domain::GoalStatus,
    homework::domain::HomeworkStatus,
    plans::domain::Action,
    recurrence::{local_instant, occurrences},
    values::local_today,
};
use entity::{
    action_plan, check_in, client, goal, homework, homework_occurrence, measure_assignment,
    measure_response, reminder_fired, tracker, tracker_entry,
};

/// Whose work to load.
pub enum Whose<'a> {
    /// These clients.
    Clients(&'a [Uuid]),
    /// Every ACTIVE client (the reminder job).
    Active,
}

impl Whose<'_> {
    /// The condition on a table's client-id column.
    pub fn condition(&self, column: impl ColumnTrait) -> Condition {
        match self {
            Self::Clients(ids) => Condition::all().add(column.is_in(ids.iter().copied())),
            Self::Active => Condition::all().add(
                column.in_subquery(
                    Query::select()
                        .column(client::Column::Id)
                        .from(client::Entity)
                        .and_where(client::Column::Status.eq("ACTIVE"))
                        .to_owned(),
                ),
            ),
        }
    }
}

/// A row with when its series was last done (a measure administered, a tracker logged).
type WithLast<M> = (M, Option<DateTime<Utc>>);

/// A latest decided reminder as read: client, kind, series, about, due, count before it,
/// whether its homework occurrence or check-in was answered.
type PastRow = (Uuid, String, Uuid, Uuid, DateTime<Utc>, i32, bool);

/// The work of many clients that reminders can be about, as stored.
#[derive(Default)]
pub struct Sources {
    /// Homework occurrences and check-ins due in the window, by client.
    due: HashMap<Uuid, Vec<Due>>,
    /// Measure assignments, with when the instrument was last administered, by client.
    measures: HashMap<Uuid, Vec<WithLast<measure_assignment::Model>>>,
    /// Action plans of active goals, by client.
    plans: HashMap<Uuid, Vec<action_plan::Model>>,
    /// Trackers with prompt times, with their latest entry, by client.
    trackers: HashMap<Uuid, Vec<WithLast<tracker::Model>>>,
}

impl Sources {
    /// Loads the work of `whose` whose reminders can fire from `from` to `to`. A reminder fires
    /// before its due time and quiet hours can push it past, so it looks a day beyond each end.
    /// At most seven statements, whatever the number of clients.
    pub async fn load(
        conn: &impl ConnectionTrait,
        whose: &Whose<'_>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Self, DbErr> {
        let (lo, hi) = (from - Duration::days(1), to + Duration::days(1));
        let open_homework = Query::select()
            .column(homework::Column::Id)
            .from(homework::Entity)
            .and_where(homework::Column::Status.is_in([
                HomeworkStatus::Assigned.as_str(),
                HomeworkStatus::InProgress.as_str(),
            ]))
            .to_owned();
        let occurrences = homework_occurrence::Entity::find()
            .filter(whose.condition(homework_occurrence::Column::ClientId))
            .filter(homework_occurrence::Column::SubmittedAt.is_null())
            .filter(homework_occurrence::Column::DueAt.between(lo, hi))
            .filter(homework_occurrence::Column::HomeworkId.in_subquery(open_homework))
            .all(conn)
            .await?;
        let check_ins = check_in::Entity::find()
            .filter(whose.condition(check_in::Column::ClientId))
            .filter(check_in::Column::RespondedAt.is_null())
            .filter(check_in::Column::DueAt.between(lo, hi))
            .all(conn)
            .await?;
        let mut due: HashMap<Uuid, Vec<Due>> = HashMap::new();
        let items = occurrences
            .into_iter()
            .map(|o| {
                (
                    o.client_id,
                    ReminderKind::HomeworkDue,
                    o.id,
                    o.homework_id,
                    o.due_at,
                )
            })
            .chain(check_ins.into_iter().map(|c| {
                (
                    c.client_id,
                    ReminderKind::CheckInDue,
                    c.id,
                    c.series_id,
                    c.due_at,
                )
            }));
        for (client_id, kind, about, series, at) in items {
            due.entry(client_id)
                .or_default()
                .push(Due::new(kind, about, series, at));
        }

        // Measures: the assignments, then the latest administration of each client's
        // instruments.
        let assignments = measure_assignment::Entity::find()
            .filter(whose.condition(measure_assignment::Column::ClientId))
            .all(conn)
            .await?;
        let administered: HashMap<(Uuid, String), DateTime<Utc>> = if assignments.is_empty() {
            HashMap::new()
        } else {
            measure_response::Entity::find()
                .select_only()
                .column(measure_response::Column::ClientId)
                .column(measure_response::Column::Instrument)
                .expr(Func::max(Expr::col(
                    measure_response::Column::AdministeredAt,
                )))
                .filter(whose.condition(measure_response::Column::ClientId))
                .group_by(measure_response::Column::ClientId)
                .group_by(measure_response::Column::Instrument)
                .into_tuple::<(Uuid, String, DateTime<Utc>)>()
                .all(conn)
                .await?
                .into_iter()
                .map(|(c, i, t)| ((c, i), t))
                .collect()
        };
        let mut measures: HashMap<Uuid, Vec<_>> = HashMap::new();
        for a in assignments {
            let last = administered
                .get(&(a.client_id, a.instrument.clone()))
                .copied();
            measures.entry(a.client_id).or_default().push((a, last));
        }

        let plans_found = action_plan::Entity::find()
            .filter(whose.condition(action_plan::Column::ClientId))
            .filter(
                action_plan::Column::GoalId.in_subquery(
                    Query::select()
                        .column(goal::Column::Id)
                        .from(goal::Entity)
                        .and_where(goal::Column::Status.eq(GoalStatus::Active.as_str()))
                        .to_owned(),
                ),
            )
            .all(conn)
            .await?;
        let mut plans: HashMap<Uuid, Vec<action_plan::Model>> = HashMap::new();
        for p in plans_found {
            plans.entry(p.client_id).or_default().push(p);
        }

        let prompting = || {
            Condition::all()
                .add(whose.condition(tracker::Column::ClientId))
                .add(tracker::Column::ArchivedAt.is_null())
                .add(
                    Expr::col(tracker::Column::PromptTimes)
                        .cast_as(Alias::new("TEXT"))
                        .ne("[]"),
                )
        };
        let trackers = tracker::Entity::find()
            .filter(prompting())
            .all(conn)
            .await?;
        let latest: HashMap<Uuid, DateTime<Utc>> = if trackers.is_empty() {
            HashMap::new()
        } else {
            tracker_entry::Entity::find()
                .select_only()
                .column(tracker_entry::Column::TrackerId)
                .expr(Func::max(Expr::col(tracker_entry::Column::RecordedAt)))
                .filter(
                    tracker_entry::Column::TrackerId.in_subquery(
                        Query::select()
                            .column(tracker::Column::Id)
                            .from(tracker::Entity)
                            .cond_where(prompting())
                            .to_owned(),
                    ),
                )
                .group_by(tracker_entry::Column::TrackerId)
                .into_tuple::<(Uuid, DateTime<Utc>)>()
                .all(conn)
                .await?
                .into_iter()
                .collect()
        };
        let mut by_client: HashMap<Uuid, Vec<_>> = HashMap::new();
        for t in trackers {
            let last = latest.get(&t.id).copied();
            by_client.entry(t.client_id).or_default().push((t, last));
        }
        let trackers = by_client;
        Ok(Self {
            due,
            measures,
            plans,
            trackers,
        })
    }

    /// The clients with something to remind of.
    pub fn clients(&self) -> HashSet<Uuid> {
        self.due
            .keys()
            .chain(self.measures.keys())
            .chain(self.plans.keys())
            .chain(self.trackers.keys())
            .copied()
            .collect()
    }

    /// When the client last did what each measure or tracker series asks: a reminder of it
    /// before then counts as answered.
    pub fn activity(&self) -> HashMap<Uuid, DateTime<Utc>> {
        self.measures
            .values()
            .flatten()
            .filter_map(|(m, last)| last.map(|t| (m.id, t)))
            .chain(
                self.trackers
                    .values()
                    .flatten()
                    .filter_map(|(t, last)| last.map(|l| (t.id, l))),
            )
            .collect()
    }

    /// Each of `clients`' items whose reminders can fire from `from` to `to` (see
    /// [`Self::items_of`]), and every series they belong to (for [`past_reminders`]).
    pub fn items_of_all<'c>(
        &mut self,
        clients: &'c [client::Model],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> (Vec<(&'c client::Model, Vec<Due>)>, Vec<Uuid>) {
        let items: Vec<_> = clients
            .iter()
            .map(|c| (c, self.items_of(c, from, to)))
            .collect();
        let series = items
            .iter()
            .flat_map(|(_, i)| i.iter().map(|d| d.series))
            .collect();
        (items, series)
    }

    /// `c`'s items whose reminders can fire from `from` to `to`, computed in their time zone.
    pub fn items_of(
        &mut self,
        c: &client::Model,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Vec<Due> {
        let tz = c.timezone.as_str();
        let (lo, hi) = (from - Duration::days(1), to + Duration::days(1));
        let (first, last) = (local_today(tz, lo), local_today(tz, hi));
        let mut out = self.due.remove(&c.id).unwrap_or_default();
        for (m, administered) in self.measures.remove(&c.id).unwrap_or_default() {
            let due = match administered {
                Some(t) => t + Duration::days(i64::from(m.every_days)),
                None => m.created_at,
            };
            if (lo..=hi).contains(&due) {
                out.push(Due::new(
                    ReminderKind::MeasureDue,
                    derived(m.id, &due.to_rfc3339()),
                    m.id,
                    due,
                ));
            }
        }
        for p in self.plans.remove(&c.id).unwrap_or_default() {
            let actions: Vec<Action> = serde_json::from_value(p.actions).unwrap_or_default();
            let start = local_today(tz, p.created_at);
            for a in actions {
                let Some(time) = a
                    .time_of_day
                    .as_deref()
                    .and_then(|t| NaiveTime::parse_from_str(t, "%H:%M").ok())
                else {
                    continue;
                };
                for date in occurrences(&a.recurrence, start, last, usize::MAX)
                    .into_iter()
                    .filter(|d| *d >= first)
                {
                    out.push(Due::new(
                        ReminderKind::ActionTime,
                        derived(a.id, &date.to_string()),
                        a.id,
                        local_instant(tz, date, time),
                    ));
                }
            }
        }
        for (t, logged) in self.trackers.remove(&c.id).unwrap_or_default() {
            let times: Vec<NaiveTime> = serde_json::from_value::<Vec<String>>(t.prompt_times)
                .unwrap_or_default()
                .iter()
                .filter_map(|s| NaiveTime::parse_from_str(s, "%H:%M").ok())
                .collect();
            let logged_on = logged.map(|l| local_today(tz, l));
            let mut date = first;
            while date <= last {
                for time in &times {
                    let at = local_instant(tz, date, *time);
                    out.push(Due {
                        // Logged that day already: no nudge.
                        done: logged_on == Some(date),
                        ..Due::new(
                            ReminderKind::TrackingNudge,
                            derived(t.id, &at.to_rfc3339()),
                            t.id,
                            at,
                        )
                    });
                }
                let Some(next) = date.succ_opt() else { break };
                date = next;
            }
        }
        out
    }
}

/// The id of a reminder of something with no row of its own (an action's day, a measure's
/// due date, a tracker's prompt): a UUID v5 of the series and the occasion, the same every
/// time it is computed.
fn derived(series: Uuid, occasion: &str) -> Uuid {
    Uuid::new_v5(&series, occasion.as_bytes())
}

/// The latest reminder the job decided in each of `series`, by client, with whether what it
/// was about has since been submitted, answered or done (`activity`: when a measure or
/// tracker series was last done). One statement per 10,000 series.
pub async fn past_reminders(
    conn: &impl ConnectionTrait,
    series: &[Uuid],
    activity: &HashMap<Uuid, DateTime<Utc>>,
) -> Result<HashMap<Uuid, Vec<Past>>, DbErr> {
    let answered = |table: sea_orm::sea_query::TableRef, id: Expr, at: Expr| {
        Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from(table)
                .and_where(id.equals((reminder_fired::Entity, reminder_fired::Column::AboutId)))
                .and_where(at.is_not_null())
                .to_owned(),
        )
    };
    // The series' latest: no later reminder in the same series.
    let latest = Query::select()
        .expr(Func::max(Expr::col((
            Alias::new("later"),
            reminder_fired::Column::DueAt,
        ))))
        .from_as(reminder_fired::Entity, Alias::new("later"))
        .and_where(
            Expr::col((Alias::new("later"), reminder_fired::Column::SeriesId))
                .equals((reminder_fired::Entity, reminder_fired::Column::SeriesId)),
        )
        .to_owned();
    let mut out: HashMap<Uuid, Vec<Past>> = HashMap::new();
    let mut unique: Vec<Uuid> = series.to_vec();
    unique.sort_unstable();
    unique.dedup();
    for chunk in unique.chunks(crate::batch::IDS_PER_STATEMENT) {
        let rows: Vec<PastRow> = reminder_fired::Entity::find()
            .select_only()
            .column(reminder_fired::Column::ClientId)
            .column(reminder_fired::Column::Kind)
            .column(reminder_fired::Column::SeriesId)
            .column(reminder_fired::Column::AboutId)
            .column(reminder_fired::Column::DueAt)
            .column(reminder_fired::Column::Ignored)
            .expr(
                answered(
                    homework_occurrence::Entity.into_table_ref(),
                    Expr::col((homework_occurrence::Entity, homework_occurrence::Column::Id)),
                    Expr::col((
                        homework_occurrence::Entity,
                        homework_occurrence::Column::SubmittedAt,
                    )),
                )
                .or(answered(
                    check_in::Entity.into_table_ref(),
                    Expr::col((check_in::Entity, check_in::Column::Id)),
                    Expr::col((check_in::Entity, check_in::Column::RespondedAt)),
                )),
            )
            .filter(reminder_fired::Column::SeriesId.is_in(chunk.iter().copied()))
            .filter(
                Expr::col(reminder_fired::Column::DueAt)
                    .eq(Expr::SubQuery(None, Box::new(latest.clone().into()))),
            )
            .into_tuple()
            .all(conn)
            .await?;
        for (client_id, kind, series, about, due_at, ignored, submitted) in rows {
            let done_since =
                |slack: Duration| activity.get(&series).is_some_and(|t| *t >= due_at - slack);
            let answered = match ReminderKind::parse(&kind) {
                // A measure done up to a day early answers its reminder.
                Some(ReminderKind::MeasureDue) => done_since(Duration::days(1)),
                Some(ReminderKind::TrackingNudge) => done_since(Duration::zero()),
                _ => submitted,
            };
            out.entry(client_id).or_default().push(Past {
                series,
                about,
                due_at,
                answered,
                ignored: u32::try_from(ignored).unwrap_or(0),
            });
        }
    }
    Ok(out)
}

/// Which of `abouts` the job has decided a reminder of already (one statement per 10,000).
pub async fn decided(conn: &impl ConnectionTrait, abouts: &[Uuid]) -> Result<HashSet<Uuid>, DbErr> {
    let mut out = HashSet::new();
    for chunk in abouts.chunks(crate::batch::IDS_PER_STATEMENT) {
        let found: Vec<Uuid> = reminder_fired::Entity::find()
            .select_only()
            .column(reminder_fired::Column::AboutId)
            .filter(reminder_fired::Column::AboutId.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(conn)
            .await?;
        out.extend(found);
    }
    Ok(out)
}
