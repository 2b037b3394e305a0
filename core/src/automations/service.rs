//! Automation rules in SQL: managing them (practice admins and integrators with
//! `AUTOMATIONS_WRITE`; therapists for clients on their care team where the practice lets
//! them), every version kept, the firings, the practice's setting and the dry run. The
//! automation job ([`super::job`]) fires them.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::{
    ColumnTrait as _, Condition as Where, ConnectionTrait, DatabaseConnection, EntityTrait as _,
    PaginatorTrait as _, QueryFilter as _, QueryOrder as _, QuerySelect as _, Set,
    sea_query::OnConflict,
};
use uuid::Uuid;

use super::domain::{Action, Condition, RuleContent};
use crate::{
    alerts::{
        domain::AlertKind,
        service::{self as alerts, Raise},
    },
    audit::{self, Target},
    auth::{Role, Scope, Viewer},
    error::ServiceError,
    events::{Acting, EventKind},
    homework::{domain::HomeworkKind, service::Assignment},
    recurrence::end_of_day_after,
    scope::{self, Access},
};
use entity::{
    automation_firing as firing, automation_rule as rule, automation_rule_version as version,
    automation_setting as setting, client, event, homework_template as template,
};

/// Most rules a practice keeps (archived ones included).
pub const RULES_MAX: u64 = 200;
/// The longest rule name, in characters.
pub const NAME_MAX: usize = 120;
/// The longest dry run, in days.
pub const DRY_RUN_DAYS_MAX: i32 = 30;
/// Most events a dry run reads (the newest are left out beyond it).
pub const DRY_RUN_EVENTS_MAX: u64 = 2_000;
/// Most versions one `automationVersions` answer lists (the newest are left out beyond it).
pub const VERSIONS_LISTED: u64 = 500;
/// Most firings one `automationFirings` answer lists.
pub const FIRINGS_LISTED: u64 = 200;

/// A firing's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FiringStatus {
    /// Every action applied.
    Applied,
    /// An action failed: nothing of the firing was applied; tried again at `next_attempt_at`.
    Failed,
    /// Failed [`super::job::ATTEMPTS_MAX`] times; not tried again.
    GaveUp,
}

impl FiringStatus {
    pub const ALL: [Self; 3] = [Self::Applied, Self::Failed, Self::GaveUp];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Applied => "APPLIED",
            Self::Failed => "FAILED",
            Self::GaveUp => "GAVE_UP",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// A rule as written by whoever manages it.
#[derive(Debug, Clone)]
pub struct NewRule {
    /// The one client it is for; `None` for every client of the practice (admins and
    /// integrators only).
    pub client_id: Option<Uuid>,
    pub name: String,
    pub content: RuleContent,
    pub enabled: bool,
}

impl NewRule {
    fn check(&self) -> Result<(), ServiceError> {
        let n = self.name.trim().chars().count();
        if n == 0 || n > NAME_MAX {
            return Err(ServiceError::bad_input(
                "input.name",
                format!("must be 1 to {NAME_MAX} characters"),
            ));
        }
        self.content.check()
    }
}

/// A stored rule's content, parsed.
pub fn content_of(r: &rule::Model) -> Result<RuleContent, ServiceError> {
    parse_content(&r.trigger, &r.conditions, &r.actions)
}

/// A stored version's content, parsed.
pub fn version_content(v: &version::Model) -> Result<RuleContent, ServiceError> {
    parse_content(&v.trigger, &v.conditions, &v.actions)
}

fn parse_content(
    trigger: &str,
    conditions: &serde_json::Value,
    actions: &serde_json::Value,
) -> Result<RuleContent, ServiceError> {
    let bad = |e: serde_json::Error| ServiceError::Internal(format!("stored rule: {e}"));
    Ok(RuleContent {
        trigger: EventKind::parse(trigger)
            .ok_or_else(|| ServiceError::Internal(format!("stored trigger {trigger}")))?,
        conditions: serde_json::from_value::<Vec<Condition>>(conditions.clone()).map_err(bad)?,
        actions: serde_json::from_value::<Vec<Action>>(actions.clone()).map_err(bad)?,
    })
}

/// Whether therapists manage rules for clients on their care team (off until an admin turns
/// it on).
pub async fn therapists_manage(
    conn: &impl ConnectionTrait,
    practice_id: Uuid,
) -> Result<bool, ServiceError> {
    Ok(setting::Entity::find_by_id(practice_id)
        .one(conn)
        .await?
        .is_some_and(|s| s.therapists_manage))
}

/// Reading rules: staff and integrators with `AUTOMATIONS_READ`; clients get `FORBIDDEN`
/// (rule text is the care team's).
fn may_read(viewer: &Viewer) -> Result<(), ServiceError> {
    match viewer.role() {
        Role::Client => Err(ServiceError::Forbidden(
            "automation rules are for the care team",
        )),
        _ => viewer.require_scope(Scope::AutomationsRead),
    }
}

/// Writing a rule for `client_id` (or the whole practice): admins and integrators with
/// `AUTOMATIONS_WRITE` (a client's rule needs `CLINICAL_WRITE` on the client, the care team
/// for admins); therapists only for a client on their care team, and only where the practice
/// lets them. Returns the client.
async fn may_write(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    client_id: Option<Uuid>,
) -> Result<Option<client::Model>, ServiceError> {
    viewer.require_scope(Scope::AutomationsWrite)?;
    match viewer.role() {
        Role::Client => {
            return Err(ServiceError::Forbidden(
                "automation rules are for the care team",
            ));
        }
        Role::Therapist => {
            if client_id.is_none() {
                return Err(ServiceError::Forbidden(
                    "practice-wide rules are for practice admins",
                ));
            }
            if !therapists_manage(conn, viewer.practice_id).await? {
                return Err(ServiceError::Forbidden(
                    "this practice lets only its admins manage automation rules",
                ));
            }
        }
        Role::PracticeAdmin | Role::Integrator => {}
    }
    Ok(match client_id {
        Some(id) => Some(scope::find_visible(conn, viewer, Access::ClinicalWrite, id).await?),
        None => None,
    })
}

/// The rules `viewer` may read: practice-wide ones, and those of clients they may read
/// clinically (an integrator without `CLINICAL_READ` reads practice-wide rules only).
fn readable(viewer: &Viewer) -> Result<Where, ServiceError> {
    let mine = Where::any().add(rule::Column::ClientId.is_null());
    let mine = match scope::visible_ids(viewer, Access::Clinical) {
        Ok(ids) => mine.add(rule::Column::ClientId.in_subquery(ids)),
        Err(ServiceError::Forbidden(_)) if viewer.role() == Role::Integrator => mine,
        Err(e) => return Err(e),
    };
    Ok(Where::all()
        .add(rule::Column::PracticeId.eq(viewer.practice_id))
        .add(mine))
}

/// Checks that the ids the actions name are in the practice's libraries, naming the first
/// that is not (`input.actions[0].templateId`).
async fn check_refs(
    conn: &impl ConnectionTrait,
    practice_id: Uuid,
    content: &RuleContent,
) -> Result<(), ServiceError> {
    for (i, a) in content.actions.iter().enumerate() {
        let at = format!("input.actions[{i}]");
        match a {
            Action::AssignHomework { template_id, .. } => {
                live_template(conn, practice_id, *template_id)
                    .await?
                    .ok_or_else(|| {
                        ServiceError::bad_input(
                            format!("{at}.templateId"),
                            "is not a homework template of this practice's library",
                        )
                    })?;
            }
            Action::ShareResource { resource_id } => {
                let live =
                    crate::programs::service::live_resources(conn, practice_id, &[*resource_id])
                        .await?;
                if live.is_empty() {
                    return Err(ServiceError::bad_input(
                        format!("{at}.resourceId"),
                        "is not a resource of this practice's library",
                    ));
                }
            }
            Action::EnrollInProgram { program_id } => {
                crate::programs::service::find_program(
                    conn,
                    practice_id,
                    *program_id,
                    &format!("{at}.programId"),
                )
                .await?;
            }
            _ => {}
        }
    }
    Ok(())
}

async fn live_template(
    conn: &impl ConnectionTrait,
    practice_id: Uuid,
    id: Uuid,
) -> Result<Option<template::Model>, ServiceError> {
    Ok(template::Entity::find_by_id(id)
        .filter(template::Column::PracticeId.eq(practice_id))
        .filter(template::Column::ArchivedAt.is_null())
        .one(conn)
        .await?)
}

fn json<T: serde::Serialize>(v: &T) -> Result<serde_json::Value, ServiceError> {
    serde_json::to_value(v).map_err(|e| ServiceError::Internal(format!("rule to JSON: {e}")))
}

/// Records `r` as it now stands as its version `r.version`.
async fn keep_version(
    conn: &impl ConnectionTrait,
    r: &rule::Model,
    by: Uuid,
) -> Result<(), ServiceError> {
    version::Entity::insert(version::ActiveModel {
        id: Set(Uuid::now_v7()),
        rule_id: Set(r.id),
        practice_id: Set(r.practice_id),
        version: Set(r.version),
        name: Set(r.name.clone()),
        trigger: Set(r.trigger.clone()),
        conditions: Set(r.conditions.clone()),
        actions: Set(r.actions.clone()),
        enabled: Set(r.enabled),
        archived: Set(r.archived_at.is_some()),
        changed_by: Set(by),
        changed_at: Set(r.updated_at),
    })
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// Adds a rule (see [`may_write`] for who). Every part is checked by field; ids the actions
/// name must be in the practice's libraries.
#[tracing::instrument(skip_all)]
pub async fn create(
    db: &DatabaseConnection,
    viewer: &Viewer,
    new: NewRule,
) -> Result<rule::Model, ServiceError> {
    viewer.require_scope(Scope::AutomationsWrite)?;
    new.check()?;
    audit::write(
        db,
        viewer,
        "createAutomation",
        Target::default(),
        async |txn| {
            let c = may_write(txn, viewer, new.client_id)
                .await
                .map_err(|e| e.in_field("input.clientId"))?;
            let count = rule::Entity::find()
                .filter(rule::Column::PracticeId.eq(viewer.practice_id))
                .count(txn)
                .await?;
            if count >= RULES_MAX {
                return Err(ServiceError::bad_input(
                    "input",
                    format!("a practice keeps at most {RULES_MAX} automation rules"),
                ));
            }
            check_refs(txn, viewer.practice_id, &new.content).await?;
            let now = Utc::now();
            let row = rule::Entity::insert(rule::ActiveModel {
                id: Set(Uuid::now_v7()),
                practice_id: Set(viewer.practice_id),
                client_id: Set(c.as_ref().map(|c| c.id)),
                name: Set(new.name.trim().to_owned()),
                trigger: Set(new.content.trigger.as_str().to_owned()),
                conditions: Set(json(&new.content.conditions)?),
                actions: Set(json(&new.content.actions)?),
                enabled: Set(new.enabled),
                created_by: Set(viewer.id),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
                archived_at: Set(None),
            })
            .exec_with_returning(txn)
            .await?;
            keep_version(txn, &row, viewer.id).await?;
            // The automation job reads the feed from its position: a practice's first rule
            // gives it one here unless it has one, so no event after the rule is missed
            // whenever the job's first pass comes.
            let at = crate::events::feed::now(txn).await?;
            let at = serde_json::to_string(&at)
                .map_err(|e| ServiceError::Internal(format!("feed cursor: {e}")))?;
            crate::jobs::place_cursor(txn, super::domain::CURSOR_NAME, at).await?;
            let t = match row.client_id {
                Some(id) => Target::client(id).with(row.id),
                None => Target::many(vec![row.id]),
            };
            Ok((row, t))
        },
    )
    .await
}

/// A rule `viewer` may write, or `NOT_FOUND` (another practice's, or a client's they may not
/// read); `FORBIDDEN` when they may read it but not change it.
async fn writable(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> Result<rule::Model, ServiceError> {
    let r = rule::Entity::find_by_id(id)
        .filter(readable(viewer)?)
        .one(conn)
        .await?
        .ok_or(ServiceError::NotFound)?;
    may_write(conn, viewer, r.client_id).await?;
    Ok(r)
}

/// What a change does to a rule.
#[derive(Debug, Clone)]
pub enum Change {
    /// New name, content and switch (the client it is for stays).
    Rewrite {
        name: String,
        content: RuleContent,
        enabled: bool,
    },
    /// Archive it: it fires no more; its versions and firings stay.
    Archive,
}

/// Changes a rule at `expected_version` (a stale version is `CONFLICT`), keeping the new
/// version; an archived rule is `BAD_USER_INPUT` on `input.id`.
#[tracing::instrument(skip_all, fields(rule_id = %id))]
pub async fn change(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
    expected_version: i32,
    what: Change,
) -> Result<rule::Model, ServiceError> {
    viewer.require_scope(Scope::AutomationsWrite)?;
    let name = match &what {
        Change::Rewrite {
            name,
            content,
            enabled,
        } => {
            NewRule {
                client_id: None,
                name: name.clone(),
                content: content.clone(),
                enabled: *enabled,
            }
            .check()?;
            "updateAutomation"
        }
        Change::Archive => "archiveAutomation",
    };
    audit::write(db, viewer, name, Target::many(vec![id]), async |txn| {
        let r = writable(txn, viewer, id).await?;
        if r.archived_at.is_some() {
            return Err(ServiceError::bad_input("input.id", "the rule is archived"));
        }
        let now = Utc::now();
        let changes = match &what {
            Change::Rewrite {
                name,
                content,
                enabled,
            } => {
                check_refs(txn, viewer.practice_id, content).await?;
                rule::ActiveModel {
                    name: Set(name.trim().to_owned()),
                    trigger: Set(content.trigger.as_str().to_owned()),
                    conditions: Set(json(&content.conditions)?),
                    actions: Set(json(&content.actions)?),
                    enabled: Set(*enabled),
                    updated_at: Set(now),
                    ..Default::default()
                }
            }
            Change::Archive => rule::ActiveModel {
                enabled: Set(false),
                archived_at: Set(Some(now)),
                updated_at: Set(now),
                ..Default::default()
            },
        };
        let row = crate::concurrency::update_versioned::<rule::Entity>(
            txn,
            rule::Column::Id,
            rule::Column::Version,
            r.id,
            expected_version,
            changes,
            "automation rule",
        )
        .await?;
        keep_version(txn, &row, viewer.id).await?;
        let t = match row.client_id {
            Some(c) => Target::client(c).with(row.id),
            None => Target::many(vec![row.id]),
        };
        Ok((row, t))
    })
    .await
}

/// The rules `viewer` may read, newest first (archived ones when `archived`).
#[tracing::instrument(skip_all)]
pub async fn rules(
    db: &DatabaseConnection,
    viewer: &Viewer,
    archived: bool,
) -> Result<Vec<rule::Model>, ServiceError> {
    may_read(viewer)?;
    let mut q = rule::Entity::find().filter(readable(viewer)?);
    if !archived {
        q = q.filter(rule::Column::ArchivedAt.is_null());
    }
    Ok(q.order_by_desc(rule::Column::CreatedAt)
        .order_by_desc(rule::Column::Id)
        .limit(RULES_MAX)
        .all(db)
        .await?)
}

/// One rule `viewer` may read, or `NOT_FOUND`.
pub async fn rule(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> Result<rule::Model, ServiceError> {
    may_read(viewer)?;
    rule::Entity::find_by_id(id)
        .filter(readable(viewer)?)
        .one(conn)
        .await?
        .ok_or(ServiceError::NotFound)
}

/// Every version of a rule, oldest first.
#[tracing::instrument(skip_all, fields(rule_id = %id))]
pub async fn versions(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
) -> Result<Vec<version::Model>, ServiceError> {
    let r = rule(db, viewer, id).await?;
    Ok(version::Entity::find()
        .filter(version::Column::RuleId.eq(r.id))
        .order_by_asc(version::Column::Version)
        .limit(VERSIONS_LISTED)
        .all(db)
        .await?)
}

/// Firings, newest first: of one rule, of one client, or of the practice; only of clients
/// `viewer` may read clinically. The read is audited with the firings it returned.
#[tracing::instrument(skip_all)]
pub async fn firings(
    db: &DatabaseConnection,
    viewer: &Viewer,
    rule_id: Option<Uuid>,
    client_id: Option<Uuid>,
    first: u64,
) -> Result<Vec<firing::Model>, ServiceError> {
    may_read(viewer)?;
    let requested = match client_id {
        Some(c) => Target::client(c),
        None => Target::default(),
    };
    audit::read(db, viewer, "automationFirings", requested, async |db| {
        let mut q = firing::Entity::find().filter(scope::records_of_visible(
            viewer,
            Access::Clinical,
            firing::Column::PracticeId,
            firing::Column::ClientId,
        )?);
        if let Some(id) = rule_id {
            q = q.filter(firing::Column::RuleId.eq(rule(db, viewer, id).await?.id));
        }
        if let Some(id) = client_id {
            q = q.filter(firing::Column::ClientId.eq(id));
        }
        let rows = q
            .order_by_desc(firing::Column::CreatedAt)
            .order_by_desc(firing::Column::Id)
            .limit(first.clamp(1, FIRINGS_LISTED))
            .all(db)
            .await?;
        let t = Target::many(rows.iter().map(|f| f.id).collect());
        Ok((rows, t))
    })
    .await
}

/// The practice's setting (staff and integrators with `AUTOMATIONS_READ`).
pub async fn settings(db: &DatabaseConnection, viewer: &Viewer) -> Result<bool, ServiceError> {
    may_read(viewer)?;
    therapists_manage(db, viewer.practice_id).await
}

/// Lets therapists manage rules for their own clients, or stops them (practice admins).
#[tracing::instrument(skip_all)]
pub async fn update_settings(
    db: &DatabaseConnection,
    viewer: &Viewer,
    therapists: bool,
) -> Result<bool, ServiceError> {
    viewer.require_role(&[Role::PracticeAdmin])?;
    audit::write(
        db,
        viewer,
        "updateAutomationSettings",
        Target::default(),
        async |txn| {
            setting::Entity::insert(setting::ActiveModel {
                practice_id: Set(viewer.practice_id),
                therapists_manage: Set(therapists),
                updated_by: Set(viewer.id),
                updated_at: Set(Utc::now()),
            })
            .on_conflict(
                OnConflict::column(setting::Column::PracticeId)
                    .update_columns([
                        setting::Column::TherapistsManage,
                        setting::Column::UpdatedBy,
                        setting::Column::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(txn)
            .await?;
            Ok((therapists, Target::default()))
        },
    )
    .await
}

/// What one action of a firing did, for its outcome.
fn done(a: &Action, id: Option<Uuid>, note: Option<&str>) -> serde_json::Value {
    let kind = serde_json::to_value(a)
        .ok()
        .and_then(|v| v.get("kind").cloned())
        .unwrap_or_default();
    let mut v = serde_json::json!({ "kind": kind });
    if let Some(id) = id {
        v["id"] = serde_json::json!(id);
    }
    if let Some(n) = note {
        v["note"] = serde_json::json!(n);
    }
    v
}

/// Applies `actions` for client `c` inside `txn` (the caller's savepoint: all or nothing),
/// through the same insert functions the practice's own mutations use. Returns what each
/// did.
pub async fn apply(
    txn: &impl ConnectionTrait,
    by: Acting,
    c: &client::Model,
    f: &firing::Model,
    actions: &[Action],
    now: DateTime<Utc>,
) -> Result<Vec<serde_json::Value>, ServiceError> {
    let tz = c.timezone.as_str();
    let mut out = Vec::new();
    for (i, a) in actions.iter().enumerate() {
        let gone = |what: &str| ServiceError::bad_input(format!("actions[{i}]"), what.to_owned());
        match a {
            Action::AssignHomework {
                template_id,
                due_in_days,
            } => {
                let t = live_template(txn, by.practice_id, *template_id)
                    .await?
                    .ok_or_else(|| gone("the homework template is no longer in the library"))?;
                let row = crate::homework::service::insert(
                    txn,
                    by,
                    c,
                    Assignment {
                        template_id: Some(t.id),
                        kind: HomeworkKind::parse(&t.kind).unwrap_or(HomeworkKind::Other),
                        title: t.title,
                        instructions: t.instructions,
                        purpose: Some(t.purpose),
                        goal_id: None,
                        action_id: None,
                        dues: vec![end_of_day_after(tz, now, *due_in_days)],
                        recurrence: None,
                        assigned_in_session_id: None,
                    },
                )
                .await?;
                out.push(done(a, Some(row.id), None));
            }
            Action::ScheduleCheckIn {
                prompt,
                due_in_days,
            } => {
                let (series, _) = crate::checkins::service::insert_series(
                    txn,
                    by,
                    c,
                    prompt.trim(),
                    &[end_of_day_after(tz, now, *due_in_days)],
                )
                .await?;
                out.push(done(a, Some(series), None));
            }
            Action::ShareResource { resource_id } => {
                let live =
                    crate::programs::service::live_resources(txn, by.practice_id, &[*resource_id])
                        .await?;
                if live.is_empty() {
                    return Err(gone("the resource is no longer in the library"));
                }
                let share =
                    crate::resources::service::upsert_share(txn, by, c.id, *resource_id, None)
                        .await?;
                out.push(done(a, Some(share.id), None));
            }
            Action::EnrollInProgram { program_id } => {
                let p = crate::programs::service::find_program(
                    txn,
                    by.practice_id,
                    *program_id,
                    &format!("actions[{i}].programId"),
                )
                .await?;
                match crate::programs::service::enroll_client(txn, by, c, &p, now).await {
                    Ok(e) => out.push(done(a, Some(e.id), None)),
                    // In it already: nothing to do, and nothing failed.
                    Err(ServiceError::Conflict(_)) => {
                        out.push(done(a, None, Some("enrolled already")));
                    }
                    Err(e) => return Err(e),
                }
            }
            Action::RaiseAlert { alert_kind } => {
                let kind = AlertKind::parse(alert_kind)
                    .ok_or_else(|| gone("the alert kind is not known"))?;
                let raised = alerts::raise_in(
                    txn,
                    by.practice_id,
                    None,
                    Raise {
                        client_id: c.id,
                        timezone: tz,
                        kind,
                        reason: format!("Automation rule: {}", f.reason),
                        measure_id: None,
                    },
                )
                .await?;
                match raised {
                    Some(r) => out.push(done(a, Some(r.id), None)),
                    None => out.push(done(a, None, Some("one was open already"))),
                }
            }
            Action::NotifyCareTeam => {
                by.client_event(
                    txn,
                    c.id,
                    f.id,
                    EventKind::AutomationFired,
                    serde_json::json!({
                        "firingId": f.id,
                        "ruleId": f.rule_id,
                        "ruleVersion": f.rule_version,
                        "eventId": f.event_id,
                    }),
                )
                .await?;
                out.push(done(a, None, None));
            }
        }
    }
    Ok(out)
}

/// A firing's error as kept on its row: the field and message of bad input, the message of a
/// conflict, otherwise the error's code (never a database message, which may hold values).
pub fn error_text(e: &ServiceError) -> String {
    let text = match e {
        ServiceError::BadInput { field, message } => format!("{field}: {message}"),
        ServiceError::Conflict(m) => m.clone(),
        ServiceError::Forbidden(m) => (*m).to_owned(),
        other => other.code().as_str().to_owned(),
    };
    crate::values::clip(&text, 500)
}

/// One event a dry run found the rule would have fired on.
#[derive(Debug, Clone)]
pub struct WouldFire {
    pub event: event::Model,
    /// Why, from the client's figures: scores as recorded by the event's time, tracking and
    /// homework as they stood at the end of its day (UTC).
    pub reason: String,
    /// Whether the rule did fire on it.
    pub fired: bool,
}

/// What a rule would have done over the last days, without doing it.
#[derive(Debug, Clone)]
pub struct DryRun {
    pub rule: rule::Model,
    pub actions: Vec<Action>,
    /// Events of the rule's trigger (and client) in the window.
    pub events_considered: u64,
    pub would_fire: Vec<WouldFire>,
    /// Whether more events than [`DRY_RUN_EVENTS_MAX`] happened (the newest were left out).
    pub truncated: bool,
}

/// Runs rule `id` over the events of the last `days` days (1 to [`DRY_RUN_DAYS_MAX`])
/// without applying anything: for each event of its trigger, whether every condition held of
/// the client's figures (scores as recorded by the event's time, as the job judges them;
/// tracking and homework at the end of the event's day, UTC, or now for today). A fixed
/// number of statements per day, whatever the number of clients.
#[tracing::instrument(skip_all, fields(rule_id = %id))]
pub async fn dry_run(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
    days: i32,
    now: DateTime<Utc>,
) -> Result<DryRun, ServiceError> {
    if !(1..=DRY_RUN_DAYS_MAX).contains(&days) {
        return Err(ServiceError::bad_input(
            "days",
            format!("must be 1 to {DRY_RUN_DAYS_MAX}"),
        ));
    }
    audit::read(
        db,
        viewer,
        "dryRunAutomation",
        Target::many(vec![id]),
        async |db| {
            let run = judge(db, viewer, id, days, now).await?;
            let t = Target::many(run.would_fire.iter().map(|w| w.event.id).collect()).with(id);
            Ok((run, t))
        },
    )
    .await
}

async fn judge(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
    days: i32,
    now: DateTime<Utc>,
) -> Result<DryRun, ServiceError> {
    let r = rule(db, viewer, id).await?;
    let content = content_of(&r)?;
    let mut q = event::Entity::find()
        .filter(scope::records_of_visible(
            viewer,
            Access::Clinical,
            event::Column::PracticeId,
            event::Column::ClientId,
        )?)
        .filter(event::Column::Kind.eq(content.trigger.as_str()))
        .filter(event::Column::CreatedAt.gte(now - TimeDelta::days(i64::from(days))))
        .filter(event::Column::CreatedAt.lte(now))
        .filter(event::Column::AutomationDepth.lte(super::domain::DEPTH_MAX));
    if let Some(c) = r.client_id {
        q = q.filter(event::Column::ClientId.eq(c));
    }
    let mut events = q
        .order_by_asc(event::Column::Sequence)
        .limit(DRY_RUN_EVENTS_MAX + 1)
        .all(db)
        .await?;
    let truncated = events.len() as u64 > DRY_RUN_EVENTS_MAX;
    events.truncate(DRY_RUN_EVENTS_MAX as usize);
    let fired: HashSet<Uuid> = firing::Entity::find()
        .select_only()
        .column(firing::Column::EventId)
        .filter(firing::Column::RuleId.eq(r.id))
        .filter(firing::Column::EventId.is_in(events.iter().map(|e| e.id)))
        .into_tuple::<Uuid>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let client_ids: HashSet<Uuid> = events.iter().filter_map(|e| e.client_id).collect();
    let clients: HashMap<Uuid, client::Model> = client::Entity::find()
        .filter(client::Column::Id.is_in(client_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let mut by_day: std::collections::BTreeMap<chrono::NaiveDate, Vec<&event::Model>> =
        std::collections::BTreeMap::new();
    for e in &events {
        by_day.entry(e.created_at.date_naive()).or_default().push(e);
    }
    let mut would_fire = Vec::new();
    for (day, evs) in by_day {
        let end = day
            .succ_opt()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map_or(now, |t| t.and_utc())
            .min(now);
        let who: Vec<&client::Model> = evs
            .iter()
            .filter_map(|e| e.client_id.and_then(|c| clients.get(&c)))
            .collect();
        let facts = super::facts::load(db, &who, end).await?;
        for e in evs {
            let Some(f) = e.client_id.and_then(|c| facts.at(c, e.created_at)) else {
                continue;
            };
            if let Some(reason) = content.fires(&f) {
                would_fire.push(WouldFire {
                    event: e.clone(),
                    reason,
                    fired: fired.contains(&e.id),
                });
            }
        }
    }
    Ok(DryRun {
        rule: r,
        actions: content.actions,
        events_considered: events.len() as u64,
        would_fire,
        truncated,
    })
}
