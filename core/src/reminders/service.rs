//! Reminder preferences and the schedule, in SQL. The client sets their preferences; the care
//! team reads them (clinical scope) and changes them only when the client allows it.

use std::collections::HashMap;

use chrono::{DateTime, NaiveTime, Utc};
use sea_orm::{
    ColumnTrait as _, DatabaseConnection, EntityTrait as _, QueryFilter as _, Set,
    sea_query::OnConflict,
};
use uuid::Uuid;

use super::{
    domain::{Preferences, QuietHours, Reminder, ReminderKind, count_ignored, schedule},
    sources::{Sources, Whose, past_reminders},
};
use crate::{
    audit::{self, Target},
    auth::{Viewer, viewer::ViewerKind},
    batch::Batch,
    error::ServiceError,
    scope::{self, Access},
};
use entity::{client, reminder_preference};

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
        let mut sources = Sources::load(db, &whose, from, to).await?;
        let (items, series) = sources.items_of_all(&visible, from, to);
        let mut past = past_reminders(db, &series, &sources.activity()).await?;
        Ok(items
            .into_iter()
            .map(|(c, mut items)| {
                let prefs = preferences_of(rows.get(&c.id));
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
