//! Programmes in SQL: the practice's library (staff; integrators with `PROGRAMS_*`),
//! enrolments (the care team enrols; the client or the care team pauses, resumes and leaves)
//! and the opening of modules, which assigns their work in the same transaction.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait as _, ConnectionTrait, DatabaseConnection, EntityTrait as _, PaginatorTrait as _,
    QueryFilter as _, QueryOrder as _, QuerySelect as _, Set,
};
use uuid::Uuid;

use super::{
    domain::{
        CheckInSpec, DAYS_MAX, EnrollmentStatus, HomeworkSpec, Locked, MEASURE_EVERY_DAYS,
        MODULES_MAX, OpenedBecause, PROGRAMS_MAX, Unlock, WORK_MAX, next_opens,
    },
    starter::STARTER_PROGRAMS,
};
use crate::{
    audit::{self, Target},
    auth::{Role, Scope, Viewer},
    batch::Batch,
    error::ServiceError,
    events::{Acting, EventKind},
    homework::{
        domain::{HomeworkKind, HomeworkStatus},
        service::Assignment,
    },
    measures::domain::Instrument,
    scope::{self, Access},
};
use entity::{
    client, homework, measure_assignment, program, program_enrollment as enrollment,
    program_module as module, program_unlock as unlock, resource,
};

/// A module to add, parsed.
#[derive(Debug, Clone)]
pub struct NewModule {
    pub title: String,
    pub summary: String,
    pub unlock: Unlock,
    pub homework: Vec<HomeworkSpec>,
    pub check_ins: Vec<CheckInSpec>,
    pub resource_ids: Vec<Uuid>,
    pub measure: Option<Instrument>,
}

/// A programme to add, parsed.
#[derive(Debug, Clone)]
pub struct NewProgram {
    pub title: String,
    pub description: String,
    pub modules: Vec<NewModule>,
}

fn text(value: &str, field: &str, max: usize) -> Result<(), ServiceError> {
    let n = value.trim().chars().count();
    if n == 0 {
        return Err(ServiceError::bad_input(field, "must not be empty"));
    }
    if n > max {
        return Err(ServiceError::bad_input(
            field,
            format!("at most {max} characters"),
        ));
    }
    Ok(())
}

fn days(d: i32, field: &str) -> Result<(), ServiceError> {
    if (1..=DAYS_MAX).contains(&d) {
        Ok(())
    } else {
        Err(ServiceError::bad_input(
            field,
            format!("must be 1 to {DAYS_MAX} days"),
        ))
    }
}

impl NewProgram {
    /// Checks every field, naming the first bad one (`input.modules[2].homework[0].dueInDays`).
    pub fn check(&self) -> Result<(), ServiceError> {
        text(&self.title, "input.title", 200)?;
        if self.description.chars().count() > 4000 {
            return Err(ServiceError::bad_input(
                "input.description",
                "at most 4000 characters",
            ));
        }
        if self.modules.is_empty() || self.modules.len() > MODULES_MAX {
            return Err(ServiceError::bad_input(
                "input.modules",
                format!("1 to {MODULES_MAX} modules"),
            ));
        }
        for (i, m) in self.modules.iter().enumerate() {
            let at = format!("input.modules[{i}]");
            text(&m.title, &format!("{at}.title"), 200)?;
            if m.summary.chars().count() > 2000 {
                return Err(ServiceError::bad_input(
                    format!("{at}.summary"),
                    "at most 2000 characters",
                ));
            }
            if let Unlock::AfterDays(d) = m.unlock {
                days(d, &format!("{at}.unlock.afterDays"))?;
            }
            for (what, n) in [
                ("homework", m.homework.len()),
                ("checkIns", m.check_ins.len()),
                ("resourceIds", m.resource_ids.len()),
            ] {
                if n > WORK_MAX {
                    return Err(ServiceError::bad_input(
                        format!("{at}.{what}"),
                        format!("at most {WORK_MAX}"),
                    ));
                }
            }
            for (j, h) in m.homework.iter().enumerate() {
                let at = format!("{at}.homework[{j}]");
                text(&h.title, &format!("{at}.title"), 200)?;
                text(&h.instructions, &format!("{at}.instructions"), 4000)?;
                days(h.due_in_days, &format!("{at}.dueInDays"))?;
                if HomeworkKind::parse(&h.kind).is_none() {
                    return Err(ServiceError::bad_input(
                        format!("{at}.kind"),
                        "is not a homework kind",
                    ));
                }
            }
            for (j, c) in m.check_ins.iter().enumerate() {
                let at = format!("{at}.checkIns[{j}]");
                text(&c.prompt, &format!("{at}.prompt"), 500)?;
                days(c.due_in_days, &format!("{at}.dueInDays"))?;
            }
        }
        Ok(())
    }
}

/// Inserts a programme and its modules into `practice_id`'s library inside `txn`.
pub async fn insert_program(
    txn: &impl ConnectionTrait,
    practice_id: Uuid,
    created_by: Option<Uuid>,
    new: &NewProgram,
) -> Result<program::Model, ServiceError> {
    let now = Utc::now();
    let row = program::Entity::insert(program::ActiveModel {
        id: Set(Uuid::now_v7()),
        practice_id: Set(practice_id),
        title: Set(new.title.trim().to_owned()),
        description: Set(new.description.trim().to_owned()),
        archived_at: Set(None),
        created_by: Set(created_by),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_with_returning(txn)
    .await?;
    module::Entity::insert_many(
        new.modules
            .iter()
            .enumerate()
            .map(|(i, m)| module::ActiveModel {
                id: Set(Uuid::now_v7()),
                program_id: Set(row.id),
                practice_id: Set(practice_id),
                position: Set(i32::try_from(i + 1).unwrap_or(i32::MAX)),
                title: Set(m.title.trim().to_owned()),
                summary: Set(m.summary.trim().to_owned()),
                unlock_rule: Set(m.unlock.as_str().to_owned()),
                unlock_after_days: Set(m.unlock.days()),
                homework: Set(serde_json::json!(m.homework)),
                check_ins: Set(serde_json::json!(m.check_ins)),
                resource_ids: Set(serde_json::json!(m.resource_ids)),
                measure: Set(m.measure.map(|i| i.as_str().to_owned())),
            }),
    )
    .exec_without_returning(txn)
    .await?;
    Ok(row)
}

/// Adds the starter programmes (and the resources they share) to a practice's library.
pub async fn add_starter_programs(
    txn: &impl ConnectionTrait,
    practice_id: Uuid,
    created_by: Uuid,
) -> Result<(), ServiceError> {
    let now = Utc::now();
    for p in STARTER_PROGRAMS {
        let mut modules = Vec::new();
        for m in p.modules {
            let mut resource_ids = Vec::new();
            for r in m.resources {
                let id = Uuid::now_v7();
                resource::Entity::insert(resource::ActiveModel {
                    id: Set(id),
                    practice_id: Set(practice_id),
                    title: Set(r.title.to_owned()),
                    kind: Set(r.kind.as_str().to_owned()),
                    url: Set(None),
                    description: Set(r.description.to_owned()),
                    tags: Set(serde_json::json!([])),
                    archived_at: Set(None),
                    created_by: Set(created_by),
                    version: Set(1),
                    created_at: Set(now),
                    updated_at: Set(now),
                })
                .exec_without_returning(txn)
                .await?;
                resource_ids.push(id);
            }
            modules.push(NewModule {
                title: m.title.to_owned(),
                summary: m.summary.to_owned(),
                unlock: m.unlock,
                homework: m
                    .homework
                    .iter()
                    .map(|h| HomeworkSpec {
                        title: h.title.to_owned(),
                        kind: h.kind.as_str().to_owned(),
                        instructions: h.instructions.to_owned(),
                        purpose: Some(h.purpose.to_owned()),
                        estimated_minutes: Some(h.minutes),
                        due_in_days: h.due_in_days,
                    })
                    .collect(),
                check_ins: m
                    .check_ins
                    .iter()
                    .map(|c| CheckInSpec {
                        prompt: c.prompt.to_owned(),
                        due_in_days: c.due_in_days,
                    })
                    .collect(),
                resource_ids,
                measure: m.measure,
            });
        }
        insert_program(
            txn,
            practice_id,
            None,
            &NewProgram {
                title: p.title.to_owned(),
                description: p.description.to_owned(),
                modules,
            },
        )
        .await?;
    }
    Ok(())
}

fn library(viewer: &Viewer, write: bool) -> Result<(), ServiceError> {
    viewer.require_staff(if write {
        Scope::ProgramsWrite
    } else {
        Scope::ProgramsRead
    })
}

/// Adds a programme to the practice's library (therapists, admins; integrators with
/// `PROGRAMS_WRITE`).
#[tracing::instrument(skip_all)]
pub async fn create_program(
    db: &DatabaseConnection,
    viewer: &Viewer,
    new: NewProgram,
) -> Result<program::Model, ServiceError> {
    library(viewer, true)?;
    new.check()?;
    audit::write(
        db,
        viewer,
        "createProgram",
        Target::default(),
        async |txn| {
            let count = program::Entity::find()
                .filter(program::Column::PracticeId.eq(viewer.practice_id))
                .count(txn)
                .await?;
            if count >= PROGRAMS_MAX {
                return Err(ServiceError::bad_input(
                    "input",
                    format!("a practice keeps at most {PROGRAMS_MAX} programmes"),
                ));
            }
            let ids: Vec<Uuid> = new
                .modules
                .iter()
                .flat_map(|m| m.resource_ids.iter().copied())
                .collect();
            let known = live_resources(txn, viewer.practice_id, &ids).await?;
            for (i, m) in new.modules.iter().enumerate() {
                if let Some(k) = m.resource_ids.iter().position(|r| !known.contains(r)) {
                    return Err(ServiceError::bad_input(
                        format!("input.modules[{i}].resourceIds[{k}]"),
                        "is not a resource of this practice's library",
                    ));
                }
            }
            let row = insert_program(txn, viewer.practice_id, Some(viewer.id), &new).await?;
            let t = Target::many(vec![row.id]);
            Ok((row, t))
        },
    )
    .await
}

/// Which of `ids` are resources of `practice_id`'s library, not archived.
pub(crate) async fn live_resources(
    conn: &impl ConnectionTrait,
    practice_id: Uuid,
    ids: &[Uuid],
) -> Result<Vec<Uuid>, ServiceError> {
    Ok(resource::Entity::find()
        .filter(resource::Column::PracticeId.eq(practice_id))
        .filter(resource::Column::ArchivedAt.is_null())
        .filter(resource::Column::Id.is_in(ids.iter().copied()))
        .all(conn)
        .await?
        .into_iter()
        .map(|r| r.id)
        .collect())
}

/// The practice's programmes, by title (staff; integrators with `PROGRAMS_READ`).
#[tracing::instrument(skip_all)]
pub async fn programs(
    db: &DatabaseConnection,
    viewer: &Viewer,
) -> Result<Vec<program::Model>, ServiceError> {
    library(viewer, false)?;
    Ok(program::Entity::find()
        .filter(program::Column::PracticeId.eq(viewer.practice_id))
        .filter(program::Column::ArchivedAt.is_null())
        .order_by_asc(program::Column::Title)
        .order_by_asc(program::Column::Id)
        .limit(PROGRAMS_MAX)
        .all(db)
        .await?)
}

/// `Program.modules`: each programme's modules in order (one statement).
pub struct ModulesOf;

impl Batch for ModulesOf {
    type Args = ();
    type Value = Vec<module::Model>;
    const AUDIT: Option<&'static str> = None;

    async fn fetch(
        db: &DatabaseConnection,
        viewer: &Viewer,
        keys: &[Uuid],
        _: &(),
    ) -> Result<HashMap<Uuid, Self::Value>, ServiceError> {
        let rows = module::Entity::find()
            .filter(module::Column::PracticeId.eq(viewer.practice_id))
            .filter(module::Column::ProgramId.is_in(keys.iter().copied()))
            .order_by_asc(module::Column::Position)
            .all(db)
            .await?;
        Ok(crate::batch::group(keys, rows, |m| m.program_id))
    }
}

/// `program_id` of the viewer's practice, not archived; `BAD_USER_INPUT` on `field` otherwise.
pub(crate) async fn find_program(
    conn: &impl ConnectionTrait,
    practice_id: Uuid,
    program_id: Uuid,
    field: &str,
) -> Result<program::Model, ServiceError> {
    program::Entity::find_by_id(program_id)
        .filter(program::Column::PracticeId.eq(practice_id))
        .filter(program::Column::ArchivedAt.is_null())
        .one(conn)
        .await?
        .ok_or_else(|| ServiceError::bad_input(field, "is not a programme of this practice"))
}

/// Enrols a client in a programme and opens its first module (the care team; integrators
/// with `PROGRAMS_WRITE` and `CLINICAL_WRITE`). Enrolling again in a programme the client
/// left or finished takes it up again where it stopped; one they are in is `CONFLICT`.
#[tracing::instrument(skip_all, fields(client_id = %client_id))]
pub async fn enroll(
    db: &DatabaseConnection,
    viewer: &Viewer,
    client_id: Uuid,
    program_id: Uuid,
) -> Result<enrollment::Model, ServiceError> {
    viewer.require_scope(Scope::ProgramsWrite)?;
    audit::write(
        db,
        viewer,
        "enrollInProgram",
        Target::client(client_id),
        async |txn| {
            let c = scope::find_visible(txn, viewer, Access::ClinicalWrite, client_id).await?;
            viewer.require_care_team("clients are enrolled by the care team")?;
            let p = find_program(txn, viewer.practice_id, program_id, "input.programId").await?;
            let e = enroll_client(txn, Acting::from(viewer), &c, &p, Utc::now()).await?;
            let t = Target::client(c.id).with(e.id);
            Ok((e, t))
        },
    )
    .await
}

/// Enrols client `c` in programme `p` inside `txn` and opens its first module (enrolling again
/// after leaving or finishing takes it up where it stopped). `CONFLICT` when the client is in
/// it already (active or paused).
pub async fn enroll_client(
    txn: &impl ConnectionTrait,
    by: Acting,
    c: &client::Model,
    p: &program::Model,
    now: DateTime<Utc>,
) -> Result<enrollment::Model, ServiceError> {
    let existing = enrollment::Entity::find()
        .filter(enrollment::Column::ClientId.eq(c.id))
        .filter(enrollment::Column::ProgramId.eq(p.id))
        .one(txn)
        .await?;
    let e = match existing {
        Some(e)
            if matches!(
                EnrollmentStatus::parse(&e.status),
                Some(EnrollmentStatus::Active | EnrollmentStatus::Paused)
            ) =>
        {
            return Err(ServiceError::Conflict(
                "the client is enrolled in this programme already".into(),
            ));
        }
        Some(e) => set_status(txn, &e, EnrollmentStatus::Active, now).await?,
        None => {
            enrollment::Entity::insert(enrollment::ActiveModel {
                id: Set(Uuid::now_v7()),
                practice_id: Set(by.practice_id),
                client_id: Set(c.id),
                program_id: Set(p.id),
                status: Set(EnrollmentStatus::Active.as_str().to_owned()),
                enrolled_by: Set(by.by),
                enrolled_at: Set(now),
                paused_at: Set(None),
                ended_at: Set(None),
                version: Set(1),
                updated_at: Set(now),
            })
            .exec_with_returning(txn)
            .await?
        }
    };
    enrollment_event(txn, by, &e, EventKind::ProgramEnrolled).await?;
    let first = module::Entity::find()
        .filter(module::Column::ProgramId.eq(p.id))
        .filter(module::Column::Position.eq(1))
        .one(txn)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let opened = unlock::Entity::find()
        .filter(unlock::Column::EnrollmentId.eq(e.id))
        .filter(unlock::Column::ModuleId.eq(first.id))
        .one(txn)
        .await?;
    if opened.is_none() {
        open_module(txn, by, c, &e, &first, OpenedBecause::Enrolled, now).await?;
    }
    Ok(e)
}

async fn enrollment_event(
    txn: &impl ConnectionTrait,
    by: Acting,
    e: &enrollment::Model,
    kind: EventKind,
) -> Result<(), ServiceError> {
    by.client_event(
        txn,
        e.client_id,
        e.id,
        kind,
        serde_json::json!({ "enrollmentId": e.id, "programId": e.program_id, "status": e.status }),
    )
    .await?;
    Ok(())
}

/// Moves an enrolment to `status` at `now` (its version checked).
async fn set_status(
    txn: &impl ConnectionTrait,
    e: &enrollment::Model,
    status: EnrollmentStatus,
    now: DateTime<Utc>,
) -> Result<enrollment::Model, ServiceError> {
    let changes = enrollment::ActiveModel {
        status: Set(status.as_str().to_owned()),
        paused_at: Set((status == EnrollmentStatus::Paused).then_some(now)),
        ended_at: Set(
            matches!(status, EnrollmentStatus::Left | EnrollmentStatus::Completed).then_some(now),
        ),
        updated_at: Set(now),
        ..Default::default()
    };
    crate::concurrency::update_versioned::<enrollment::Entity>(
        txn,
        enrollment::Column::Id,
        enrollment::Column::Version,
        e.id,
        e.version,
        changes,
        "enrolment",
    )
    .await
}

/// Marks `e` COMPLETED (the programme job, when every module is open and done).
pub(super) async fn finish(
    txn: &impl ConnectionTrait,
    e: &enrollment::Model,
    now: DateTime<Utc>,
) -> Result<enrollment::Model, ServiceError> {
    set_status(txn, e, EnrollmentStatus::Completed, now).await
}

/// Opens module `m` of enrolment `e` for client `c` inside `txn`: assigns its homework,
/// schedules its check-ins, shares its resources (those still in the library), asks for its
/// measure unless the client has it assigned already, and records the opening (unique per
/// enrolment and module: a module opens once) with its event.
pub async fn open_module(
    txn: &impl ConnectionTrait,
    by: Acting,
    c: &client::Model,
    e: &enrollment::Model,
    m: &module::Model,
    because: OpenedBecause,
    now: DateTime<Utc>,
) -> Result<unlock::Model, ServiceError> {
    let tz = c.timezone.as_str();
    let homework: Vec<HomeworkSpec> = serde_json::from_value(m.homework.clone())
        .map_err(|e| ServiceError::Internal(format!("stored module homework: {e}")))?;
    let check_ins: Vec<CheckInSpec> = serde_json::from_value(m.check_ins.clone())
        .map_err(|e| ServiceError::Internal(format!("stored module check-ins: {e}")))?;
    let resource_ids: Vec<Uuid> = serde_json::from_value(m.resource_ids.clone())
        .map_err(|e| ServiceError::Internal(format!("stored module resources: {e}")))?;
    let mut homework_ids = Vec::new();
    for h in homework {
        let row = crate::homework::service::insert(
            txn,
            by,
            c,
            Assignment {
                template_id: None,
                kind: HomeworkKind::parse(&h.kind).unwrap_or(HomeworkKind::Other),
                title: h.title,
                instructions: h.instructions,
                purpose: h.purpose,
                goal_id: None,
                action_id: None,
                dues: vec![crate::recurrence::end_of_day_after(tz, now, h.due_in_days)],
                recurrence: None,
                assigned_in_session_id: None,
            },
        )
        .await?;
        homework_ids.push(row.id);
    }
    let mut check_in_ids = Vec::new();
    for ci in check_ins {
        let (_, rows) = crate::checkins::service::insert_series(
            txn,
            by,
            c,
            &ci.prompt,
            &[crate::recurrence::end_of_day_after(tz, now, ci.due_in_days)],
        )
        .await?;
        check_in_ids.extend(rows.into_iter().map(|r| r.id));
    }
    if !resource_ids.is_empty() {
        let live = live_resources(txn, e.practice_id, &resource_ids).await?;
        for id in resource_ids.into_iter().filter(|id| live.contains(id)) {
            crate::resources::service::upsert_share(txn, by, c.id, id, None).await?;
        }
    }
    if let Some(instrument) = m.measure.as_deref().and_then(Instrument::parse) {
        let assigned = measure_assignment::Entity::find()
            .filter(measure_assignment::Column::ClientId.eq(c.id))
            .filter(measure_assignment::Column::Instrument.eq(instrument.as_str()))
            .one(txn)
            .await?;
        if assigned.is_none() {
            crate::measures::service::insert_assignment(txn, by, c, instrument, MEASURE_EVERY_DAYS)
                .await?;
        }
    }
    let row = unlock::Entity::insert(unlock::ActiveModel {
        id: Set(Uuid::now_v7()),
        enrollment_id: Set(e.id),
        module_id: Set(m.id),
        practice_id: Set(e.practice_id),
        client_id: Set(c.id),
        position: Set(m.position),
        reason: Set(because.as_str().to_owned()),
        unlocked_by: Set(by.actor.map(|_| by.by)),
        unlocked_at: Set(now),
        homework_ids: Set(serde_json::json!(homework_ids)),
        check_in_ids: Set(serde_json::json!(check_in_ids)),
    })
    .exec_with_returning(txn)
    .await?;
    by.client_event(
        txn,
        c.id,
        e.id,
        EventKind::ProgramModuleUnlocked,
        serde_json::json!({
            "enrollmentId": e.id,
            "programId": e.program_id,
            "moduleId": m.id,
            "position": m.position,
            "reason": because.as_str(),
        }),
    )
    .await?;
    Ok(row)
}

/// What a viewer does to an enrolment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Pause,
    Resume,
    Leave,
    /// Open the next locked module now (the care team).
    OpenNext,
}

/// Pauses, resumes or leaves an enrolment (the client their own, or the care team), or opens
/// its next module (the care team). A change the enrolment's status does not allow is
/// `BAD_USER_INPUT` on `input.enrollmentId`.
#[tracing::instrument(skip_all, fields(enrollment_id = %enrollment_id))]
pub async fn change(
    db: &DatabaseConnection,
    viewer: &Viewer,
    enrollment_id: Uuid,
    what: Change,
) -> Result<enrollment::Model, ServiceError> {
    viewer.require_scope(Scope::ProgramsWrite)?;
    let name = match what {
        Change::Pause => "pauseProgram",
        Change::Resume => "resumeProgram",
        Change::Leave => "leaveProgram",
        Change::OpenNext => "openProgramModule",
    };
    audit::write(
        db,
        viewer,
        name,
        Target::many(vec![enrollment_id]),
        async |txn| {
            let e = enrollment::Entity::find_by_id(enrollment_id)
                .filter(scope::records_of_visible(
                    viewer,
                    Access::ClinicalWrite,
                    enrollment::Column::PracticeId,
                    enrollment::Column::ClientId,
                )?)
                .one(txn)
                .await?
                .ok_or(ServiceError::NotFound)?;
            let c = scope::find_visible(txn, viewer, Access::ClinicalWrite, e.client_id).await?;
            let status = EnrollmentStatus::parse(&e.status).unwrap_or(EnrollmentStatus::Left);
            let refuse = |why: String| Err(ServiceError::bad_input("input.enrollmentId", why));
            let now = Utc::now();
            let by = Acting::from(viewer);
            let (row, kind) = match (what, status) {
                (Change::Pause, EnrollmentStatus::Active) => (
                    set_status(txn, &e, EnrollmentStatus::Paused, now).await?,
                    EventKind::ProgramPaused,
                ),
                (Change::Resume, EnrollmentStatus::Paused) => (
                    set_status(txn, &e, EnrollmentStatus::Active, now).await?,
                    EventKind::ProgramResumed,
                ),
                (Change::Leave, EnrollmentStatus::Active | EnrollmentStatus::Paused) => (
                    set_status(txn, &e, EnrollmentStatus::Left, now).await?,
                    EventKind::ProgramLeft,
                ),
                (Change::OpenNext, EnrollmentStatus::Active) => {
                    viewer.require_care_team("modules are opened by the care team")?;
                    let progress = progress_of(txn, vec![e.clone()], now).await?;
                    let next = progress
                        .first()
                        .and_then(|p| p.modules.iter().find(|m| m.opened.is_none()))
                        .map(|m| m.module.clone());
                    let Some(next) = next else {
                        return refuse("every module of this programme is open".into());
                    };
                    open_module(txn, by, &c, &e, &next, OpenedBecause::ByTherapist, now).await?;
                    let t = Target::client(e.client_id).with(e.id);
                    return Ok((e, t));
                }
                (_, status) => {
                    return refuse(format!(
                        "the enrolment is {}",
                        status.as_str().to_lowercase()
                    ));
                }
            };
            enrollment_event(txn, by, &row, kind).await?;
            let t = Target::client(e.client_id).with(e.id);
            Ok((row, t))
        },
    )
    .await
}

/// One module of an enrolment, as it stands.
#[derive(Debug, Clone, PartialEq)]
pub struct ModuleState {
    pub module: module::Model,
    /// When and why it opened, with the work it assigned.
    pub opened: Option<unlock::Model>,
    /// Why it is still locked.
    pub locked: Option<Locked>,
    /// Why its rule opens it now (the programme job opens it at its next pass); `None` when
    /// it is open or stays locked.
    pub opens: Option<OpenedBecause>,
    /// Of the homework it assigned, how many are completed or reviewed.
    pub homework_done: usize,
    pub homework_total: usize,
}

/// An enrolment with its programme and where each module stands.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    pub enrollment: enrollment::Model,
    pub program: program::Model,
    pub modules: Vec<ModuleState>,
}

impl Progress {
    /// The last module opened.
    pub fn current(&self) -> Option<&ModuleState> {
        self.modules.iter().rev().find(|m| m.opened.is_some())
    }

    /// The next module to open and whether its rule opens it now.
    pub fn next(&self) -> Option<&ModuleState> {
        self.modules.iter().find(|m| m.opened.is_none())
    }

    /// Whether every module is open and every homework they assigned is done.
    pub fn finished(&self) -> bool {
        self.modules
            .iter()
            .all(|m| m.opened.is_some() && m.homework_done >= m.homework_total)
    }
}

/// Where each of `enrollments` stands at `now`: four statements (programmes, modules,
/// openings, the assigned homework's statuses), and one more of the last two per 10,000
/// enrolments or homework.
pub async fn progress_of(
    conn: &impl ConnectionTrait,
    enrollments: Vec<enrollment::Model>,
    now: DateTime<Utc>,
) -> Result<Vec<Progress>, ServiceError> {
    if enrollments.is_empty() {
        return Ok(Vec::new());
    }
    let program_ids: Vec<Uuid> = enrollments
        .iter()
        .map(|e| e.program_id)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let programs: HashMap<Uuid, program::Model> = program::Entity::find()
        .filter(program::Column::Id.is_in(program_ids.iter().copied()))
        .all(conn)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let mut modules: HashMap<Uuid, Vec<module::Model>> = HashMap::new();
    for m in module::Entity::find()
        .filter(module::Column::ProgramId.is_in(program_ids.iter().copied()))
        .order_by_asc(module::Column::Position)
        .all(conn)
        .await?
    {
        modules.entry(m.program_id).or_default().push(m);
    }
    // Long id lists go in chunks, within every database's limit on bound values.
    let mut opened: HashMap<(Uuid, Uuid), unlock::Model> = HashMap::new();
    let enrollment_ids: Vec<Uuid> = enrollments.iter().map(|e| e.id).collect();
    for chunk in enrollment_ids.chunks(crate::batch::IDS_PER_STATEMENT) {
        for u in unlock::Entity::find()
            .filter(unlock::Column::EnrollmentId.is_in(chunk.iter().copied()))
            .all(conn)
            .await?
        {
            opened.insert((u.enrollment_id, u.module_id), u);
        }
    }
    let ids_of = |u: &unlock::Model| -> Vec<Uuid> {
        serde_json::from_value(u.homework_ids.clone()).unwrap_or_default()
    };
    let homework_ids: Vec<Uuid> = opened.values().flat_map(ids_of).collect();
    let mut done: std::collections::HashSet<Uuid> = std::collections::HashSet::new();
    for chunk in homework_ids.chunks(crate::batch::IDS_PER_STATEMENT) {
        let found: Vec<Uuid> = homework::Entity::find()
            .select_only()
            .column(homework::Column::Id)
            .filter(homework::Column::Id.is_in(chunk.iter().copied()))
            .filter(homework::Column::Status.is_in([
                HomeworkStatus::Completed.as_str(),
                HomeworkStatus::Reviewed.as_str(),
            ]))
            .into_tuple()
            .all(conn)
            .await?;
        done.extend(found);
    }
    let mut out = Vec::new();
    for e in enrollments {
        let Some(program) = programs.get(&e.program_id).cloned() else {
            continue;
        };
        let active = e.status == EnrollmentStatus::Active.as_str();
        let mut states: Vec<ModuleState> = Vec::new();
        for m in modules.get(&e.program_id).cloned().unwrap_or_default() {
            let opening = opened.get(&(e.id, m.id)).cloned();
            let (homework_done, homework_total) = opening.as_ref().map_or((0, 0), |u| {
                let ids = ids_of(u);
                (ids.iter().filter(|id| done.contains(id)).count(), ids.len())
            });
            // Whether its rule opens it now (`Ok`) or why it stays locked (`Err`); the first
            // module counts from the enrolment.
            let rule: Option<Result<OpenedBecause, Locked>> = match (&opening, states.last()) {
                (Some(_), _) => None,
                (None, Some(prev)) if prev.opened.is_none() => Some(Err(Locked::EarlierModule)),
                (None, _) if !active => Some(Err(Locked::NotActive)),
                (None, prev) => Some(next_opens(
                    Unlock::of(&m.unlock_rule, m.unlock_after_days),
                    prev.and_then(|p| p.opened.as_ref())
                        .map_or(e.enrolled_at, |u| u.unlocked_at),
                    prev.map_or(0, |p| p.homework_done),
                    prev.map_or(0, |p| p.homework_total),
                    now,
                )),
            };
            let (opens, locked) = match rule {
                None => (None, None),
                // Due now: it opens at the programme job's next pass.
                Some(Ok(because)) => (Some(because), Some(Locked::OpensAt(now))),
                Some(Err(why)) => (None, Some(why)),
            };
            states.push(ModuleState {
                module: m,
                opened: opening,
                locked,
                opens,
                homework_done,
                homework_total,
            });
        }
        out.push(Progress {
            enrollment: e,
            program,
            modules: states,
        });
    }
    Ok(out)
}

/// Most enrolments `Client.programs` lists per client.
pub const ENROLLMENTS_LISTED: u64 = 50;

/// `Client.programs`: each client's enrolments with where they stand, newest first (clinical
/// scope; integrators also need `PROGRAMS_READ`). Five statements whatever the number of
/// clients.
pub struct EnrollmentsOf;

impl Batch for EnrollmentsOf {
    type Args = ();
    type Value = Vec<Progress>;
    const AUDIT: Option<&'static str> = Some("Client.programs");

    async fn fetch(
        db: &DatabaseConnection,
        viewer: &Viewer,
        keys: &[Uuid],
        _: &(),
    ) -> Result<HashMap<Uuid, Self::Value>, ServiceError> {
        if viewer.role() == Role::Integrator {
            viewer.require_scope(Scope::ProgramsRead)?;
        }
        let rows = crate::batch::firsts(
            db,
            enrollment::Entity::find()
                .filter(scope::records_of_visible(
                    viewer,
                    Access::Clinical,
                    enrollment::Column::PracticeId,
                    enrollment::Column::ClientId,
                )?)
                .filter(enrollment::Column::ClientId.is_in(keys.iter().copied())),
            enrollment::Column::ClientId,
            &[
                (enrollment::Column::EnrolledAt, sea_orm::Order::Desc),
                (enrollment::Column::Id, sea_orm::Order::Desc),
            ],
            ENROLLMENTS_LISTED,
        )
        .await?;
        let progress = progress_of(db, rows, Utc::now()).await?;
        Ok(crate::batch::group(keys, progress, |p| {
            p.enrollment.client_id
        }))
    }

    fn touched(rows: &Self::Value, out: &mut Vec<Uuid>) {
        out.extend(rows.iter().map(|p| p.enrollment.id));
    }
}
