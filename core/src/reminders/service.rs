//! Reminder preferences and the schedule, in SQL. The client sets their preferences; the care
//! team reads them (clinical scope) and changes them only when the client allows it.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait as _,
    QueryFilter as _, QuerySelect as _, Set,
    sea_query::{Expr, ExprTrait as _, IntoTableRef as _, OnConflict, Query},
};
use uuid::Uuid;

use super::domain::{
    Due, Past, Preferences, QuietHours, Reminder, ReminderKind, count_ignored, schedule,
};
use crate::{
    audit::{self, Target},
    auth::{Viewer, viewer::ViewerKind},
    batch::Batch,
    error::ServiceError,
    homework::domain::HomeworkStatus,
    scope::{self, Access},
};
use entity::{
    check_in, client, homework, homework_occurrence, reminder_fired, reminder_preference,
};

/// The longest window `upcomingReminders` covers.
pub const WINDOW_MAX_DAYS: i64 = 31;

/// Most reminders one client's schedule returns.
pub const UPCOMING_MAX: u64 = 500;

fn time_text(t: NaiveTime) -> String {
    t.format("%H:%M").to_string()
}

fn parse_time(s: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(s, "%H:%M").ok()
}

/// The preferences a stored row holds; the defaults without one.
pub fn preferences_of(row: Option<&reminder_preference::Model>) -> Preferences {
    let Some(r) = row else {
        return Preferences::default();
    };
    let strings = |v: &serde_json::Value| -> Vec<String> {
        serde_json::from_value::<Vec<String>>(v.clone()).unwrap_or_default()
    };
    Preferences {
        quiet_hours: match (
            r.quiet_start.as_deref().and_then(parse_time),
            r.quiet_end.as_deref().and_then(parse_time),
        ) {
            (Some(start), Some(end)) if start != end => Some(QuietHours { start, end }),
            _ => None,
        },
        preferred_times: strings(&r.preferred_times)
            .iter()
            .filter_map(|s| parse_time(s))
            .collect(),
        kinds: strings(&r.kinds)
            .iter()
            .filter_map(|s| ReminderKind::parse(s))
            .collect(),
        paused_until: r.paused_until,
    }
}

/// A client's preferences as set, with whether the care team may change them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub client_id: Uuid,
    pub preferences: Preferences,
    pub care_team_may_edit: bool,
    /// When they were last set; `None` while they are the defaults.
    pub updated_at: Option<DateTime<Utc>>,
}

impl Stored {
    fn of(client_id: Uuid, row: Option<&reminder_preference::Model>) -> Self {
        Self {
            client_id,
            preferences: preferences_of(row),
            care_team_may_edit: row.is_some_and(|r| r.care_team_may_edit),
            updated_at: row.map(|r| r.updated_at),
        }
    }
}

/// New preferences for a client, parsed.
pub struct NewPreferences {
    pub client_id: Uuid,
    pub preferences: Preferences,
    /// Only the client sets it; unchanged when `None`.
    pub care_team_may_edit: Option<bool>,
}

/// Sets a client's reminder preferences: the client's own, or the care team's when the
/// client allows it (integrators: `FORBIDDEN`).
#[tracing::instrument(skip_all, fields(client_id = %new.client_id))]
pub async fn set_preferences(
    db: &DatabaseConnection,
    viewer: &Viewer,
    new: NewPreferences,
) -> Result<Stored, ServiceError> {
    audit::write(
        db,
        viewer,
        "setReminderPreferences",
        Target::client(new.client_id),
        async |txn| {
            let c = scope::find_visible(txn, viewer, Access::ClinicalWrite, new.client_id).await?;
            let current = reminder_preference::Entity::find_by_id(c.id)
                .one(txn)
                .await?;
            let may_edit = match &viewer.kind {
                ViewerKind::Client { .. } => new
                    .care_team_may_edit
                    .unwrap_or_else(|| current.as_ref().is_some_and(|r| r.care_team_may_edit)),
                ViewerKind::Therapist | ViewerKind::PracticeAdmin => {
                    if !current.as_ref().is_some_and(|r| r.care_team_may_edit) {
                        return Err(ServiceError::Forbidden(
                            "the client has not let the care team change their reminders",
                        ));
                    }
                    if new.care_team_may_edit.is_some() {
                        return Err(ServiceError::bad_input(
                            "input.careTeamMayEdit",
                            "only the client decides who may change their reminders",
                        ));
                    }
                    true
                }
                ViewerKind::Integrator { .. } => {
                    return Err(ServiceError::Forbidden(
                        "reminder preferences are set by the client (or their care team)",
                    ));
                }
            };
            let p = &new.preferences;
            let now = Utc::now();
            let row = reminder_preference::ActiveModel {
                client_id: Set(c.id),
                practice_id: Set(c.practice_id),
                quiet_start: Set(p.quiet_hours.map(|q| time_text(q.start))),
                quiet_end: Set(p.quiet_hours.map(|q| time_text(q.end))),
                preferred_times: Set(serde_json::json!(
                    p.preferred_times
                        .iter()
                        .map(|t| time_text(*t))
                        .collect::<Vec<_>>()
                )),
                kinds: Set(serde_json::json!(
                    p.kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>()
                )),
                paused_until: Set(p.paused_until),
                care_team_may_edit: Set(may_edit),
                updated_by: Set(viewer.id),
                updated_at: Set(now),
            };
            reminder_preference::Entity::insert(row)
                .on_conflict(
                    OnConflict::column(reminder_preference::Column::ClientId)
                        .update_columns([
                            reminder_preference::Column::QuietStart,
                            reminder_preference::Column::QuietEnd,
                            reminder_preference::Column::PreferredTimes,
                            reminder_preference::Column::Kinds,
                            reminder_preference::Column::PausedUntil,
                            reminder_preference::Column::CareTeamMayEdit,
                            reminder_preference::Column::UpdatedBy,
                            reminder_preference::Column::UpdatedAt,
                        ])
                        .to_owned(),
                )
                .exec_without_returning(txn)
                .await?;
            let stored = reminder_preference::Entity::find_by_id(c.id)
                .one(txn)
                .await?;
            Ok((Stored::of(c.id, stored.as_ref()), Target::client(c.id)))
        },
    )
    .await
}

/// `Client.reminderPreferences`: each client's preferences (the defaults where none are set).
pub struct PreferencesOf;

impl Batch for PreferencesOf {
    type Args = ();
    type Value = Stored;
    const AUDIT: Option<&'static str> = Some("Client.reminderPreferences");

    async fn fetch(
        db: &DatabaseConnection,
        viewer: &Viewer,
        keys: &[Uuid],
        _: &(),
    ) -> Result<HashMap<Uuid, Stored>, ServiceError> {
        let visible = visible_clients(db, viewer, keys).await?;
        let rows = stored_rows(db, &visible).await?;
        Ok(visible
            .iter()
            .map(|c| (c.id, Stored::of(c.id, rows.get(&c.id))))
            .collect())
    }
}

/// The clients of `keys` the viewer may read clinically.
async fn visible_clients(
    db: &DatabaseConnection,
    viewer: &Viewer,
    keys: &[Uuid],
) -> Result<Vec<client::Model>, ServiceError> {
    Ok(client::Entity::find()
        .filter(scope::visible(viewer, Access::Clinical)?)
        .filter(client::Column::Id.is_in(keys.iter().copied()))
        .all(db)
        .await?)
}

async fn stored_rows(
    db: &DatabaseConnection,
    clients: &[client::Model],
) -> Result<HashMap<Uuid, reminder_preference::Model>, ServiceError> {
    Ok(reminder_preference::Entity::find()
        .filter(reminder_preference::Column::ClientId.is_in(clients.iter().map(|c| c.id)))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.client_id, r))
        .collect())
}

/// The window of `upcomingReminders`: from before to, at most [`WINDOW_MAX_DAYS`] long.
pub fn window(
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<(DateTime<Utc>, DateTime<Utc>), ServiceError> {
    if to <= from {
        return Err(ServiceError::bad_input("to", "must be after from"));
    }
    if to - from > chrono::Duration::days(WINDOW_MAX_DAYS) {
        return Err(ServiceError::bad_input(
            "to",
            format!("at most {WINDOW_MAX_DAYS} days after from"),
        ));
    }
    Ok((from, to))
}

/// `Client.upcomingReminders(from, to)`: each client's reminders in the window, computed
/// from their preferences, time zone, open homework occurrences and unanswered check-ins;
/// one statement per source whatever the number of clients.
pub struct UpcomingOf;

impl Batch for UpcomingOf {
    type Args = (DateTime<Utc>, DateTime<Utc>);
    type Value = Vec<Reminder>;
    const AUDIT: Option<&'static str> = Some("Client.upcomingReminders");

    async fn fetch(
        db: &DatabaseConnection,
        viewer: &Viewer,
        keys: &[Uuid],
        (from, to): &Self::Args,
    ) -> Result<HashMap<Uuid, Vec<Reminder>>, ServiceError> {
        let (from, to) = (*from, *to);
        let visible = visible_clients(db, viewer, keys).await?;
        let ids: Vec<Uuid> = visible.iter().map(|c| c.id).collect();
        let rows = stored_rows(db, &visible).await?;
        let now = Utc::now();
        let whose = Whose::Clients(&ids);
        let mut due = due_items(db, &whose, from, to).await?;
        let mut past = past_reminders(db, &whose, now).await?;
        Ok(visible
            .iter()
            .map(|c| {
                let prefs = preferences_of(rows.get(&c.id));
                let mut items = due.remove(&c.id).unwrap_or_default();
                count_ignored(&mut items, &past.remove(&c.id).unwrap_or_default());
                let mut reminders = schedule(&items, &c.timezone, &prefs, from, to, now);
                reminders.truncate(usize::try_from(UPCOMING_MAX).unwrap_or(usize::MAX));
                (c.id, reminders)
            })
            .collect())
    }

    fn touched(rows: &Self::Value, out: &mut Vec<Uuid>) {
        out.extend(rows.iter().map(|r| r.about));
    }
}

/// Whose due work to load.
pub enum Whose<'a> {
    /// These clients.
    Clients(&'a [Uuid]),
    /// Every ACTIVE client (the reminder job).
    Active,
}

impl Whose<'_> {
    /// The condition on a table's client-id column.
    fn condition(&self, column: impl ColumnTrait) -> Condition {
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

/// The open work of `whose` whose reminders can fire from `from` to `to`, by client:
/// occurrences of open homework not yet submitted, and unanswered check-ins. A reminder fires
/// before its due time and quiet hours can push it past, so it looks a day beyond each end.
/// One statement per source, whatever the number of clients.
pub async fn due_items(
    conn: &impl ConnectionTrait,
    whose: &Whose<'_>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<HashMap<Uuid, Vec<Due>>, DbErr> {
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
    for o in occurrences {
        due.entry(o.client_id).or_default().push(Due {
            kind: ReminderKind::HomeworkDue,
            about: o.id,
            series: o.homework_id,
            at: o.due_at,
            done: false,
            ignored: 0,
        });
    }
    for c in check_ins {
        due.entry(c.client_id).or_default().push(Due {
            kind: ReminderKind::CheckInDue,
            about: c.id,
            series: c.series_id,
            at: c.due_at,
            done: false,
            ignored: 0,
        });
    }
    Ok(due)
}

/// How far back the back-off looks for reminders the client let pass.
pub const HISTORY_DAYS: i64 = 120;

/// The reminders the job decided for `whose` about work due in the [`HISTORY_DAYS`] before
/// `now` or later, by client, each with whether what it was about has since been submitted
/// or answered. One statement.
pub async fn past_reminders(
    conn: &impl ConnectionTrait,
    whose: &Whose<'_>,
    now: DateTime<Utc>,
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
    let rows: Vec<(Uuid, Uuid, Uuid, DateTime<Utc>, bool)> = reminder_fired::Entity::find()
        .select_only()
        .column(reminder_fired::Column::ClientId)
        .column(reminder_fired::Column::SeriesId)
        .column(reminder_fired::Column::AboutId)
        .column(reminder_fired::Column::DueAt)
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
        .filter(whose.condition(reminder_fired::Column::ClientId))
        .filter(reminder_fired::Column::DueAt.gte(now - Duration::days(HISTORY_DAYS)))
        .into_tuple()
        .all(conn)
        .await?;
    let mut out: HashMap<Uuid, Vec<Past>> = HashMap::new();
    for (client_id, series, about, due_at, answered) in rows {
        out.entry(client_id).or_default().push(Past {
            series,
            about,
            due_at,
            answered,
        });
    }
    Ok(out)
}
