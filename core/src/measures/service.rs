//! Measure rules and SQL: scoring happens at submission, against the responses
//! administered before it (baseline = the earliest, previous = the latest), and is stored
//! with the response so history reads what the clinician saw then.

use std::collections::HashMap;

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::{
    ColumnTrait as _, DatabaseConnection, EntityTrait as _, Order, QueryFilter as _,
    QueryOrder as _, QuerySelect as _, Set, sea_query::OnConflict,
};
use uuid::Uuid;

use super::domain::{
    AnswerError, DEFAULT_SAFETY_ITEM_THRESHOLD, Instrument, ReliableChange, compare, safety_answer,
    score,
};
use crate::{
    alerts::{
        domain::AlertKind,
        service::{self as alerts, Raise},
    },
    audit::{self, Target},
    auth::{Role, Viewer},
    batch::{self, Batch},
    error::ServiceError,
    events::{self, Acting, EventKind},
    resources::domain::ResourceKind,
    scope::{self, Access},
};
use entity::{measure_assignment as assignment, measure_response as response, measure_setting};

/// A practice's thresholds (the published defaults unless the practice changed them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    pub phq9_reliable_change: i32,
    pub gad7_reliable_change: i32,
    /// A PHQ-9 item 9 answer at or above this raises a SAFETY alert.
    pub safety_item_threshold: i32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            phq9_reliable_change: Instrument::Phq9.spec().reliable_change_default,
            gad7_reliable_change: Instrument::Gad7.spec().reliable_change_default,
            safety_item_threshold: DEFAULT_SAFETY_ITEM_THRESHOLD,
        }
    }
}

impl Thresholds {
    /// The reliable change of `instrument`, in points.
    pub fn reliable_change(&self, instrument: Instrument) -> i32 {
        match instrument {
            Instrument::Phq9 => self.phq9_reliable_change,
            Instrument::Gad7 => self.gad7_reliable_change,
        }
    }

    /// Checks values an admin sets: reliable change 1 to the instrument's maximum total,
    /// the item threshold 1 to 3.
    pub fn check(self) -> Result<Self, ServiceError> {
        for (value, instrument, field) in [
            (
                self.phq9_reliable_change,
                Instrument::Phq9,
                "input.phq9ReliableChange",
            ),
            (
                self.gad7_reliable_change,
                Instrument::Gad7,
                "input.gad7ReliableChange",
            ),
        ] {
            let max = instrument.spec().max_total;
            if !(1..=max).contains(&value) {
                return Err(ServiceError::bad_input(
                    field,
                    format!("must be 1 to {max}"),
                ));
            }
        }
        if !(1..=3).contains(&self.safety_item_threshold) {
            return Err(ServiceError::bad_input(
                "input.safetyItemThreshold",
                "must be 1 to 3 (an item answer)",
            ));
        }
        Ok(self)
    }
}

/// The thresholds of a practice.
pub async fn thresholds(
    conn: &impl sea_orm::ConnectionTrait,
    practice_id: Uuid,
) -> Result<Thresholds, ServiceError> {
    Ok(measure_setting::Entity::find_by_id(practice_id)
        .one(conn)
        .await?
        .map_or_else(Thresholds::default, |s| Thresholds {
            phq9_reliable_change: s.phq9_reliable_change,
            gad7_reliable_change: s.gad7_reliable_change,
            safety_item_threshold: s.safety_item_threshold,
        }))
}

/// The viewer's practice thresholds (staff and integrators; clients get `FORBIDDEN`).
pub async fn settings(
    db: &DatabaseConnection,
    viewer: &Viewer,
) -> Result<Thresholds, ServiceError> {
    viewer.require_care_team("measure settings are for the practice")?;
    thresholds(db, viewer.practice_id).await
}

/// Changes the practice's thresholds (practice admins).
#[tracing::instrument(skip_all)]
pub async fn update_settings(
    db: &DatabaseConnection,
    viewer: &Viewer,
    new: Thresholds,
) -> Result<Thresholds, ServiceError> {
    viewer.require_role(&[Role::PracticeAdmin])?;
    let new = new.check()?;
    audit::write(
        db,
        viewer,
        "updateMeasureSettings",
        Target::default(),
        async |txn| {
            measure_setting::Entity::insert(measure_setting::ActiveModel {
                practice_id: Set(viewer.practice_id),
                phq9_reliable_change: Set(new.phq9_reliable_change),
                gad7_reliable_change: Set(new.gad7_reliable_change),
                safety_item_threshold: Set(new.safety_item_threshold),
                updated_by: Set(viewer.id),
                updated_at: Set(Utc::now()),
            })
            .on_conflict(
                OnConflict::column(measure_setting::Column::PracticeId)
                    .update_columns([
                        measure_setting::Column::Phq9ReliableChange,
                        measure_setting::Column::Gad7ReliableChange,
                        measure_setting::Column::SafetyItemThreshold,
                        measure_setting::Column::UpdatedBy,
                        measure_setting::Column::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(txn)
            .await?;
            Ok((
                thresholds(txn, viewer.practice_id).await?,
                Target::default(),
            ))
        },
    )
    .await
}

/// A crisis resource shown to a client whose answers raised a safety flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Crisis {
    pub title: String,
    pub url: Option<String>,
    pub description: String,
    pub built_in: bool,
}

/// Shown when the practice has no CRISIS_LINE resource of its own (US; the practice
/// should add its local lines).
pub fn default_crisis() -> Crisis {
    Crisis {
        title: "988 Suicide & Crisis Lifeline".to_owned(),
        url: Some("https://988lifeline.org".to_owned()),
        description: "Call or text 988 (US), any time, day or night. If you are in immediate \
                      danger, call your local emergency number now."
            .to_owned(),
        built_in: true,
    }
}

/// A submitted measure and what to show the client with it.
#[derive(Debug)]
pub struct Submitted {
    pub response: response::Model,
    /// Non-empty exactly when the response carries a safety flag.
    pub crisis: Vec<Crisis>,
}

/// A measure to submit, parsed.
pub struct NewMeasure {
    pub client_id: Uuid,
    pub instrument: Instrument,
    pub answers: Vec<i32>,
    pub administered_at: DateTime<Utc>,
}

fn answer_error(e: AnswerError) -> ServiceError {
    match e {
        AnswerError::Count { expected, got } => ServiceError::bad_input(
            "input.answers",
            format!("expected {expected} answers, got {got}"),
        ),
        AnswerError::OutOfRange { index, value } => ServiceError::bad_input(
            format!("input.answers.{index}"),
            format!("{value} is not an answer option (0 to 3)"),
        ),
    }
}

/// Scores and stores a measure (the client; the care team in session; integrators with
/// `CLINICAL_WRITE`), raising SAFETY and WORSENING alerts in the same transaction.
#[tracing::instrument(skip_all, fields(client_id = %new.client_id))]
pub async fn submit(
    db: &DatabaseConnection,
    viewer: &Viewer,
    new: NewMeasure,
) -> Result<Submitted, ServiceError> {
    let scored = score(new.instrument, &new.answers).map_err(answer_error)?;
    audit::write(
        db,
        viewer,
        "submitMeasure",
        Target::client(new.client_id),
        async |txn| {
            let c = scope::find_visible(txn, viewer, Access::ClinicalWrite, new.client_id).await?;
            let limits = thresholds(txn, viewer.practice_id).await?;
            let earlier = || {
                response::Entity::find()
                    .filter(response::Column::ClientId.eq(c.id))
                    .filter(response::Column::Instrument.eq(new.instrument.as_str()))
                    .filter(response::Column::AdministeredAt.lt(new.administered_at))
            };
            let baseline = earlier()
                .order_by_asc(response::Column::AdministeredAt)
                .one(txn)
                .await?;
            let previous = earlier()
                .order_by_desc(response::Column::AdministeredAt)
                .one(txn)
                .await?;
            let change = compare(
                new.instrument,
                scored.total,
                baseline.as_ref().map(|b| b.total),
                previous.as_ref().map(|p| p.total),
                limits.reliable_change(new.instrument),
            );
            let item = safety_answer(new.instrument, &new.answers);
            let flagged = item.is_some_and(|a| a >= limits.safety_item_threshold);
            let now = Utc::now();
            let row = response::Entity::insert(response::ActiveModel {
                id: Set(Uuid::now_v7()),
                practice_id: Set(viewer.practice_id),
                client_id: Set(c.id),
                instrument: Set(new.instrument.as_str().to_owned()),
                answers: Set(serde_json::json!(new.answers)),
                total: Set(scored.total),
                severity: Set(scored.severity.as_str().to_owned()),
                safety_flag: Set(flagged),
                change_from_baseline: Set(change.from_baseline),
                change_from_previous: Set(change.from_previous),
                reliable_change: Set(change.reliable_change.map(|r| r.as_str().to_owned())),
                response: Set(change.response),
                remission: Set(change.remission),
                administered_at: Set(new.administered_at),
                submitted_by: Set(viewer.id),
                submitted_by_role: Set(viewer.role().as_str().to_owned()),
                created_at: Set(now),
            })
            .exec_with_returning(txn)
            .await?;
            events::client_event(
                txn,
                viewer,
                c.id,
                row.id,
                EventKind::MeasureSubmitted,
                serde_json::json!({
                    "measureId": row.id,
                    "instrument": row.instrument,
                    "severity": row.severity,
                    "safetyFlag": row.safety_flag,
                }),
            )
            .await?;
            let name = new.instrument.spec().name;
            if flagged {
                let answer = item.unwrap_or_default();
                alerts::raise(
                    txn,
                    viewer,
                    Raise {
                        client_id: c.id,
                        timezone: &c.timezone,
                        kind: AlertKind::Safety,
                        reason: format!(
                            "{name} item 9 answered {answer} (threshold {})",
                            limits.safety_item_threshold
                        ),
                        measure_id: Some(row.id),
                    },
                )
                .await?;
            }
            if change.reliable_change == Some(ReliableChange::ReliableDeterioration) {
                alerts::raise(
                    txn,
                    viewer,
                    Raise {
                        client_id: c.id,
                        timezone: &c.timezone,
                        kind: AlertKind::Worsening,
                        reason: format!(
                            "{name} rose {} points from baseline to {} (reliable change is {})",
                            change.from_baseline.unwrap_or_default(),
                            row.total,
                            limits.reliable_change(new.instrument)
                        ),
                        measure_id: Some(row.id),
                    },
                )
                .await?;
            }
            let crisis = if flagged {
                crisis_resources(txn, viewer.practice_id).await?
            } else {
                Vec::new()
            };
            let t = Target::client(c.id).with(row.id);
            Ok((
                Submitted {
                    response: row,
                    crisis,
                },
                t,
            ))
        },
    )
    .await
}

/// The practice's CRISIS_LINE resources, or the built-in default when it has none.
async fn crisis_resources(
    conn: &impl sea_orm::ConnectionTrait,
    practice_id: Uuid,
) -> Result<Vec<Crisis>, ServiceError> {
    use entity::resource;
    let own: Vec<Crisis> = resource::Entity::find()
        .filter(resource::Column::PracticeId.eq(practice_id))
        .filter(resource::Column::Kind.eq(ResourceKind::CrisisLine.as_str()))
        .filter(resource::Column::ArchivedAt.is_null())
        .order_by_asc(resource::Column::Title)
        .limit(CRISIS_RESOURCES_MAX)
        .all(conn)
        .await?
        .into_iter()
        .map(|r| Crisis {
            title: r.title,
            url: r.url,
            description: r.description,
            built_in: false,
        })
        .collect();
    Ok(if own.is_empty() {
        vec![default_crisis()]
    } else {
        own
    })
}

/// A safety-flagged submission lists at most this many of the practice's crisis lines.
pub const CRISIS_RESOURCES_MAX: u64 = 10;

/// The most responses one history returns.
pub const HISTORY_MAX: u64 = 500;

/// `Client.measureHistory(instrument)`: each client's responses to one instrument, oldest
/// first (at most [`HISTORY_MAX`] per client).
pub struct HistoryOf;

impl Batch for HistoryOf {
    type Args = Instrument;
    type Value = Vec<response::Model>;
    const AUDIT: Option<&'static str> = Some("Client.measureHistory");

    async fn fetch(
        db: &DatabaseConnection,
        viewer: &Viewer,
        keys: &[Uuid],
        instrument: &Self::Args,
    ) -> Result<HashMap<Uuid, Self::Value>, ServiceError> {
        let q = response::Entity::find()
            .filter(scope::records_of_visible(
                viewer,
                Access::Clinical,
                response::Column::PracticeId,
                response::Column::ClientId,
            )?)
            .filter(response::Column::ClientId.is_in(keys.iter().copied()))
            .filter(response::Column::Instrument.eq(instrument.as_str()));
        let rows = batch::firsts(
            db,
            q,
            response::Column::ClientId,
            &[
                (response::Column::AdministeredAt, Order::Asc),
                (response::Column::Id, Order::Asc),
            ],
            HISTORY_MAX,
        )
        .await?;
        Ok(batch::group(keys, rows, |r| r.client_id))
    }

    fn touched(rows: &Self::Value, out: &mut Vec<Uuid>) {
        out.extend(rows.iter().map(|r| r.id));
    }
}

/// How often a measure is assigned: 1 to 365 days.
pub fn every_days(days: i32, field: &str) -> Result<i32, ServiceError> {
    if (1..=365).contains(&days) {
        Ok(days)
    } else {
        Err(ServiceError::bad_input(field, "must be 1 to 365 days"))
    }
}

/// Asks a client to complete `instrument` every `every_days` days (the care team;
/// integrators with `CLINICAL_WRITE`). Assigning again changes the interval.
#[tracing::instrument(skip_all, fields(client_id = %client_id))]
pub async fn assign(
    db: &DatabaseConnection,
    viewer: &Viewer,
    client_id: Uuid,
    instrument: Instrument,
    every_days: i32,
) -> Result<Due, ServiceError> {
    audit::write(
        db,
        viewer,
        "assignMeasure",
        Target::client(client_id),
        async |txn| {
            let c = scope::find_visible(txn, viewer, Access::ClinicalWrite, client_id).await?;
            viewer.require_care_team("measures are assigned by the care team")?;
            let row = insert_assignment(txn, viewer.into(), &c, instrument, every_days).await?;
            let due = with_due(txn, row, Utc::now()).await?;
            let t = Target::client(c.id).with(due.assignment.id);
            Ok((due, t))
        },
    )
    .await
}

/// Asks client `c` to complete `instrument` every `every_days` days (again: the new
/// interval), with its MEASURE_ASSIGNED event, inside `txn` (the caller checked scope).
pub async fn insert_assignment(
    txn: &impl sea_orm::ConnectionTrait,
    by: Acting,
    c: &entity::client::Model,
    instrument: Instrument,
    every_days: i32,
) -> Result<assignment::Model, ServiceError> {
    let now = Utc::now();
    assignment::Entity::insert(assignment::ActiveModel {
        id: Set(Uuid::now_v7()),
        practice_id: Set(by.practice_id),
        client_id: Set(c.id),
        instrument: Set(instrument.as_str().to_owned()),
        every_days: Set(every_days),
        created_by: Set(by.by),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([assignment::Column::ClientId, assignment::Column::Instrument])
            .update_columns([assignment::Column::EveryDays, assignment::Column::UpdatedAt])
            .to_owned(),
    )
    .exec_without_returning(txn)
    .await?;
    let row = assignment::Entity::find()
        .filter(assignment::Column::ClientId.eq(c.id))
        .filter(assignment::Column::Instrument.eq(instrument.as_str()))
        .one(txn)
        .await?
        .ok_or(ServiceError::NotFound)?;
    by.client_event(
        txn,
        c.id,
        row.id,
        EventKind::MeasureAssigned,
        serde_json::json!({
            "assignmentId": row.id,
            "instrument": row.instrument,
            "everyDays": row.every_days,
        }),
    )
    .await?;
    Ok(row)
}

/// An assignment and when it is next due.
#[derive(Debug, Clone)]
pub struct Due {
    pub assignment: assignment::Model,
    pub last_administered_at: Option<DateTime<Utc>>,
    /// The last administration plus the interval; the assignment itself when never done.
    pub due_at: DateTime<Utc>,
    pub due: bool,
}

fn due_of(a: assignment::Model, last: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Due {
    let due_at = match last {
        Some(t) => t + TimeDelta::days(i64::from(a.every_days)),
        None => a.created_at,
    };
    Due {
        assignment: a,
        last_administered_at: last,
        due_at,
        due: due_at <= now,
    }
}

async fn with_due(
    conn: &impl sea_orm::ConnectionTrait,
    a: assignment::Model,
    now: DateTime<Utc>,
) -> Result<Due, ServiceError> {
    let last = last_administered(conn, a.client_id).await?;
    let at = last
        .iter()
        .find(|(i, _)| *i == a.instrument)
        .map(|(_, t)| *t);
    Ok(due_of(a, at, now))
}

/// The latest administration per instrument of a client (one grouped query).
async fn last_administered(
    conn: &impl sea_orm::ConnectionTrait,
    client_id: Uuid,
) -> Result<Vec<(String, DateTime<Utc>)>, ServiceError> {
    use sea_orm::sea_query::{Expr, Func};
    Ok(response::Entity::find()
        .select_only()
        .column(response::Column::Instrument)
        .expr(Func::max(Expr::col(response::Column::AdministeredAt)))
        .filter(response::Column::ClientId.eq(client_id))
        .group_by(response::Column::Instrument)
        .into_tuple()
        .all(conn)
        .await?)
}

/// `Client.measuresDue`: each client's assigned measures that are due now, most overdue
/// first (two statements: the assignments, then the latest administration of each
/// client's instruments).
pub struct DueOf;

impl Batch for DueOf {
    type Args = ();
    type Value = Vec<Due>;
    const AUDIT: Option<&'static str> = Some("Client.measuresDue");

    async fn fetch(
        db: &DatabaseConnection,
        viewer: &Viewer,
        keys: &[Uuid],
        _: &(),
    ) -> Result<HashMap<Uuid, Self::Value>, ServiceError> {
        use sea_orm::sea_query::{Expr, Func};
        let now = Utc::now();
        let assignments = assignment::Entity::find()
            .filter(scope::records_of_visible(
                viewer,
                Access::Clinical,
                assignment::Column::PracticeId,
                assignment::Column::ClientId,
            )?)
            .filter(assignment::Column::ClientId.is_in(keys.iter().copied()))
            .all(db)
            .await?;
        let clients_with: Vec<Uuid> = assignments.iter().map(|a| a.client_id).collect();
        let last: Vec<(Uuid, String, DateTime<Utc>)> = if clients_with.is_empty() {
            Vec::new()
        } else {
            response::Entity::find()
                .select_only()
                .column(response::Column::ClientId)
                .column(response::Column::Instrument)
                .expr(Func::max(Expr::col(response::Column::AdministeredAt)))
                .filter(response::Column::PracticeId.eq(viewer.practice_id))
                .filter(response::Column::ClientId.is_in(clients_with))
                .group_by(response::Column::ClientId)
                .group_by(response::Column::Instrument)
                .into_tuple()
                .all(db)
                .await?
        };
        let mut due: Vec<Due> = assignments
            .into_iter()
            .map(|a| {
                let at = last
                    .iter()
                    .find(|(c, i, _)| *c == a.client_id && *i == a.instrument)
                    .map(|(_, _, t)| *t);
                due_of(a, at, now)
            })
            .filter(|d| d.due)
            .collect();
        due.sort_by_key(|d| d.due_at);
        Ok(batch::group(keys, due, |d| d.assignment.client_id))
    }
}
