//! GraphQL types of programmes.

use async_graphql::{ComplexObject, Context, Enum, ID, InputObject, SimpleObject};
use chrono::{DateTime, Utc};

use super::{
    domain::{CheckInSpec, HomeworkSpec, Locked, Unlock},
    service::{ModuleState, ModulesOf, Progress},
};
use crate::{
    error::GqlResult,
    graphql::loaders::load,
    homework::{domain::HomeworkKind, types::HomeworkKindValue},
    measures::{domain::Instrument, types::InstrumentValue},
};

/// Where an enrolment stands.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "EnrollmentStatus", remote = "super::domain::EnrollmentStatus")]
pub enum EnrollmentStatusValue {
    /// Modules open by their rules.
    Active,
    /// Nothing opens until it is resumed.
    Paused,
    /// The client left the programme (enrolling again takes it up where it stopped).
    Left,
    /// Every module open and its homework done.
    Completed,
}

/// Why a module opened.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "super::domain::OpenedBecause")]
pub enum ModuleOpenedBecause {
    /// The first module, at enrolment.
    Enrolled,
    /// The previous module's homework was completed or reviewed.
    PreviousDone,
    /// The days after the previous module opened passed.
    AfterDays,
    /// The therapist opened it.
    ByTherapist,
}

/// When a module opens (the first one opens at enrolment whatever its rule).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnlockRule {
    /// When every homework of the previous module is completed or reviewed.
    PreviousDone,
    /// `afterDays` days after the previous module opened.
    AfterDays,
    /// When the therapist opens it (`openProgramModule`).
    ByTherapist,
}

/// Why a module is still locked.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockedReason {
    /// An earlier module is still locked.
    EarlierModule,
    /// The previous module's homework is not all completed or reviewed yet.
    WaitingForHomework,
    /// It opens at `opensAt` (at the programme job's next pass when that is now).
    OpensAt,
    /// The therapist opens it.
    WaitingForTherapist,
    /// The enrolment is paused, left or completed.
    NotActive,
}

/// A homework a module assigns when it opens.
#[derive(SimpleObject, Debug, Clone)]
pub struct ProgramHomework {
    /// What to do, for the client.
    pub title: String,
    /// What kind of homework it is.
    pub kind: HomeworkKindValue,
    /// How to do it.
    pub instructions: String,
    /// Why it helps.
    pub purpose: Option<String>,
    /// About how long it takes.
    pub estimated_minutes: Option<i32>,
    /// Due this many days after the module opens, at the end of the client's day.
    pub due_in_days: i32,
}

impl From<HomeworkSpec> for ProgramHomework {
    fn from(h: HomeworkSpec) -> Self {
        Self {
            title: h.title,
            kind: HomeworkKind::parse(&h.kind)
                .unwrap_or(HomeworkKind::Other)
                .into(),
            instructions: h.instructions,
            purpose: h.purpose,
            estimated_minutes: h.estimated_minutes,
            due_in_days: h.due_in_days,
        }
    }
}

/// A check-in a module schedules when it opens.
#[derive(SimpleObject, Debug, Clone)]
pub struct ProgramCheckIn {
    /// The question the client answers.
    pub prompt: String,
    /// Due this many days after the module opens, at the end of the client's day.
    pub due_in_days: i32,
}

impl From<CheckInSpec> for ProgramCheckIn {
    fn from(c: CheckInSpec) -> Self {
        Self {
            prompt: c.prompt,
            due_in_days: c.due_in_days,
        }
    }
}

/// One module of a programme.
#[derive(SimpleObject, Debug, Clone)]
pub struct ProgramModule {
    /// The module id.
    pub id: ID,
    /// 1, 2, ... in order.
    pub position: i32,
    /// Its title.
    pub title: String,
    /// What the module is about, for the client.
    pub summary: String,
    /// When it opens (the first module opens at enrolment).
    pub unlock_rule: UnlockRule,
    /// For `AFTER_DAYS`: days after the previous module opened.
    pub unlock_after_days: Option<i32>,
    /// Homework assigned when it opens (ordinary homework then).
    pub homework: Vec<ProgramHomework>,
    /// Check-ins scheduled when it opens.
    pub check_ins: Vec<ProgramCheckIn>,
    /// Library resources shared when it opens.
    pub resource_ids: Vec<ID>,
    /// The measure asked for when it opens (every 14 days unless already assigned).
    pub measure: Option<InstrumentValue>,
}

impl From<entity::program_module::Model> for ProgramModule {
    fn from(m: entity::program_module::Model) -> Self {
        let rule = match Unlock::of(&m.unlock_rule, m.unlock_after_days) {
            Unlock::PreviousDone => UnlockRule::PreviousDone,
            Unlock::AfterDays(_) => UnlockRule::AfterDays,
            Unlock::ByTherapist => UnlockRule::ByTherapist,
        };
        let homework: Vec<HomeworkSpec> = serde_json::from_value(m.homework).unwrap_or_default();
        let check_ins: Vec<CheckInSpec> = serde_json::from_value(m.check_ins).unwrap_or_default();
        let resources: Vec<uuid::Uuid> = serde_json::from_value(m.resource_ids).unwrap_or_default();
        Self {
            id: ID(m.id.to_string()),
            position: m.position,
            title: m.title,
            summary: m.summary,
            unlock_rule: rule,
            unlock_after_days: m.unlock_after_days,
            homework: homework.into_iter().map(Into::into).collect(),
            check_ins: check_ins.into_iter().map(Into::into).collect(),
            resource_ids: resources.into_iter().map(|r| ID(r.to_string())).collect(),
            measure: m
                .measure
                .as_deref()
                .and_then(Instrument::parse)
                .map(Into::into),
        }
    }
}

/// A programme of the practice's library: ordered modules that open one after another.
#[derive(SimpleObject, Debug, Clone)]
#[graphql(complex)]
pub struct Program {
    /// The programme id.
    pub id: ID,
    /// Its title.
    pub title: String,
    /// What it is for and who it suits (for the care team).
    pub description: String,
    /// Whether Momentum ships it (the demo's starter programmes).
    pub starter: bool,
    /// When it was added to the library.
    pub created_at: DateTime<Utc>,
    #[graphql(skip)]
    pub uuid: uuid::Uuid,
}

impl From<entity::program::Model> for Program {
    fn from(p: entity::program::Model) -> Self {
        Self {
            id: ID(p.id.to_string()),
            title: p.title,
            description: p.description,
            starter: p.created_by.is_none(),
            created_at: p.created_at,
            uuid: p.id,
        }
    }
}

#[ComplexObject]
impl Program {
    /// The modules, in order.
    async fn modules(&self, ctx: &Context<'_>) -> GqlResult<Vec<ProgramModule>> {
        Ok(load::<ModulesOf>(ctx, self.uuid, ())
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(Into::into)
            .collect())
    }
}

/// Where one module of an enrolment stands.
#[derive(SimpleObject, Debug, Clone)]
pub struct ModuleProgress {
    /// The module.
    pub module: ProgramModule,
    /// Whether it has opened.
    pub open: bool,
    /// When it opened.
    pub opened_at: Option<DateTime<Utc>>,
    /// Why it opened.
    pub opened_because: Option<ModuleOpenedBecause>,
    /// Why it is locked (null once open).
    pub locked: Option<LockedReason>,
    /// For `OPENS_AT`: when.
    pub opens_at: Option<DateTime<Utc>>,
    /// Of the homework it assigned, how many are completed or reviewed.
    pub homework_done: i32,
    /// How many homework it assigned.
    pub homework_total: i32,
    /// The homework it assigned (ordinary homework: `Client.homework` lists it).
    pub homework_ids: Vec<ID>,
    /// The check-ins it scheduled.
    pub check_in_ids: Vec<ID>,
}

fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

impl From<ModuleState> for ModuleProgress {
    fn from(s: ModuleState) -> Self {
        let ids = |v: &serde_json::Value| -> Vec<ID> {
            serde_json::from_value::<Vec<uuid::Uuid>>(v.clone())
                .unwrap_or_default()
                .into_iter()
                .map(|i| ID(i.to_string()))
                .collect()
        };
        let (locked, opens_at) = match s.locked {
            None => (None, None),
            Some(Locked::EarlierModule) => (Some(LockedReason::EarlierModule), None),
            Some(Locked::WaitingForHomework { .. }) => {
                (Some(LockedReason::WaitingForHomework), None)
            }
            Some(Locked::OpensAt(at)) => (Some(LockedReason::OpensAt), Some(at)),
            Some(Locked::WaitingForTherapist) => (Some(LockedReason::WaitingForTherapist), None),
            Some(Locked::NotActive) => (Some(LockedReason::NotActive), None),
        };
        Self {
            open: s.opened.is_some(),
            opened_at: s.opened.as_ref().map(|u| u.unlocked_at),
            opened_because: s
                .opened
                .as_ref()
                .and_then(|u| super::domain::OpenedBecause::parse(&u.reason))
                .map(Into::into),
            locked,
            opens_at,
            homework_done: count(s.homework_done),
            homework_total: count(s.homework_total),
            homework_ids: s
                .opened
                .as_ref()
                .map(|u| ids(&u.homework_ids))
                .unwrap_or_default(),
            check_in_ids: s
                .opened
                .as_ref()
                .map(|u| ids(&u.check_in_ids))
                .unwrap_or_default(),
            module: s.module.into(),
        }
    }
}

/// A client's enrolment in a programme, with where each module stands.
#[derive(SimpleObject, Debug, Clone)]
pub struct ProgramEnrollment {
    /// The enrolment id.
    pub id: ID,
    /// The programme.
    pub program: Program,
    /// Where it stands.
    pub status: EnrollmentStatusValue,
    /// When the client was first enrolled.
    pub enrolled_at: DateTime<Utc>,
    /// When it was paused (while paused).
    pub paused_at: Option<DateTime<Utc>>,
    /// When it was left or completed.
    pub ended_at: Option<DateTime<Utc>>,
    /// The last module opened.
    pub current_module: Option<ModuleProgress>,
    /// Every module, in order: open ones with their work, locked ones with why.
    pub modules: Vec<ModuleProgress>,
    /// Bumped by every change of status.
    pub version: i32,
}

impl From<Progress> for ProgramEnrollment {
    fn from(p: Progress) -> Self {
        let current = p.current().cloned().map(Into::into);
        let e = p.enrollment;
        Self {
            id: ID(e.id.to_string()),
            program: p.program.into(),
            status: super::domain::EnrollmentStatus::parse(&e.status)
                .unwrap_or(super::domain::EnrollmentStatus::Left)
                .into(),
            enrolled_at: e.enrolled_at,
            paused_at: e.paused_at,
            ended_at: e.ended_at,
            current_module: current,
            modules: p.modules.into_iter().map(Into::into).collect(),
            version: e.version,
        }
    }
}

/// A homework of a new module.
#[derive(InputObject, Debug, Clone)]
pub struct ProgramHomeworkInput {
    /// 1 to 200 characters.
    pub title: String,
    /// What kind of homework it is.
    pub kind: HomeworkKindValue,
    /// 1 to 4,000 characters.
    pub instructions: String,
    /// Why it helps (shown to the client).
    pub purpose: Option<String>,
    /// About how long it takes.
    pub estimated_minutes: Option<i32>,
    /// 1 to 90.
    pub due_in_days: i32,
}

/// A check-in of a new module.
#[derive(InputObject, Debug, Clone)]
pub struct ProgramCheckInInput {
    /// 1 to 500 characters.
    pub prompt: String,
    /// 1 to 90.
    pub due_in_days: i32,
}

/// A module of a new programme.
#[derive(InputObject, Debug, Clone)]
pub struct ProgramModuleInput {
    /// 1 to 200 characters.
    pub title: String,
    /// At most 2,000 characters.
    #[graphql(default)]
    pub summary: String,
    /// When it opens (the first module opens at enrolment whatever its rule).
    pub unlock_rule: UnlockRule,
    /// For `AFTER_DAYS` (required then): 1 to 90.
    pub unlock_after_days: Option<i32>,
    /// At most 5.
    #[graphql(default)]
    pub homework: Vec<ProgramHomeworkInput>,
    /// At most 5.
    #[graphql(default)]
    pub check_ins: Vec<ProgramCheckInInput>,
    /// Library resources to share, at most 5.
    #[graphql(default)]
    pub resource_ids: Vec<ID>,
    /// A measure to ask for when it opens (every 14 days unless already assigned).
    pub measure: Option<InstrumentValue>,
}

/// A new programme.
#[derive(InputObject, Debug, Clone)]
pub struct CreateProgramInput {
    /// 1 to 200 characters.
    pub title: String,
    /// At most 4,000 characters.
    #[graphql(default)]
    pub description: String,
    /// 1 to 12 modules, in order.
    pub modules: Vec<ProgramModuleInput>,
}

/// `createProgram`'s result.
#[derive(SimpleObject)]
pub struct ProgramPayload {
    /// The programme as stored.
    pub program: Program,
}

/// Enrols a client in a programme.
#[derive(InputObject, Debug, Clone)]
pub struct EnrollInProgramInput {
    /// The client.
    pub client_id: ID,
    /// A programme of the practice library.
    pub program_id: ID,
}

/// An enrolment to change.
#[derive(InputObject, Debug, Clone)]
pub struct EnrollmentInput {
    /// The enrolment.
    pub enrollment_id: ID,
}

/// An enrolment as it now is.
#[derive(SimpleObject)]
pub struct EnrollmentPayload {
    /// The enrolment as it now stands.
    pub enrollment: ProgramEnrollment,
}
