//! Programme queries and mutations: thin — guard, parse, call the service, map.

use async_graphql::{Context, ID, Object};
use uuid::Uuid;

use super::{
    domain::{CheckInSpec, HomeworkSpec, Unlock},
    service::{self, Change, NewModule, NewProgram},
    types::*,
};
use crate::{
    error::{GqlResult, ServiceError},
    graphql::context,
    homework::domain::HomeworkKind,
    values::parse_id,
};

/// Programme queries.
#[derive(Default)]
pub struct ProgramsQuery;

#[Object]
impl ProgramsQuery {
    /// The practice's programme library, by title (therapists, admins; integrators with
    /// `PROGRAMS_READ`).
    async fn programs(&self, ctx: &Context<'_>) -> GqlResult<Vec<Program>> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        Ok(service::programs(&state.db, viewer)
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }
}

/// Programme mutations.
#[derive(Default)]
pub struct ProgramsMutation;

fn module(i: usize, m: ProgramModuleInput) -> Result<NewModule, ServiceError> {
    let at = format!("input.modules[{i}]");
    let unlock = match (m.unlock_rule, m.unlock_after_days) {
        (UnlockRule::AfterDays, Some(d)) => Unlock::AfterDays(d),
        (UnlockRule::AfterDays, None) => {
            return Err(ServiceError::bad_input(
                format!("{at}.unlockAfterDays"),
                "is required for AFTER_DAYS",
            ));
        }
        (_, Some(_)) => {
            return Err(ServiceError::bad_input(
                format!("{at}.unlockAfterDays"),
                "is only for AFTER_DAYS",
            ));
        }
        (UnlockRule::PreviousDone, None) => Unlock::PreviousDone,
        (UnlockRule::ByTherapist, None) => Unlock::ByTherapist,
    };
    Ok(NewModule {
        title: m.title,
        summary: m.summary,
        unlock,
        homework: m
            .homework
            .into_iter()
            .map(|h| HomeworkSpec {
                title: h.title,
                kind: HomeworkKind::from(h.kind).as_str().to_owned(),
                instructions: h.instructions,
                purpose: h.purpose,
                estimated_minutes: h.estimated_minutes,
                due_in_days: h.due_in_days,
            })
            .collect(),
        check_ins: m
            .check_ins
            .into_iter()
            .map(|c| CheckInSpec {
                prompt: c.prompt,
                due_in_days: c.due_in_days,
            })
            .collect(),
        resource_ids: m
            .resource_ids
            .iter()
            .enumerate()
            .map(|(k, id)| parse_id(id, &format!("{at}.resourceIds[{k}]")))
            .collect::<Result<Vec<Uuid>, _>>()?,
        measure: m.measure.map(Into::into),
    })
}

/// The enrolment `id` as it now stands.
async fn payload(
    ctx: &Context<'_>,
    e: entity::program_enrollment::Model,
) -> GqlResult<EnrollmentPayload> {
    let state = context::state(ctx)?;
    let progress = service::progress_of(&state.db, vec![e], chrono::Utc::now()).await?;
    let enrollment = progress
        .into_iter()
        .next()
        .ok_or(ServiceError::NotFound)?
        .into();
    Ok(EnrollmentPayload { enrollment })
}

async fn change(ctx: &Context<'_>, id: &ID, what: Change) -> GqlResult<EnrollmentPayload> {
    let viewer = context::viewer(ctx)?;
    let state = context::state(ctx)?;
    let id = parse_id(id, "input.enrollmentId")?;
    let e = service::change(&state.db, viewer, id, what).await?;
    payload(ctx, e).await
}

#[Object]
impl ProgramsMutation {
    /// Adds a programme to the practice's library (therapists, admins; integrators with
    /// `PROGRAMS_WRITE`). Bad input names its field, as `input.modules[1].homework[0].dueInDays`.
    async fn create_program(
        &self,
        ctx: &Context<'_>,
        input: CreateProgramInput,
    ) -> GqlResult<ProgramPayload> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let modules = input
            .modules
            .into_iter()
            .enumerate()
            .map(|(i, m)| module(i, m))
            .collect::<Result<Vec<_>, _>>()?;
        let row = service::create_program(
            &state.db,
            viewer,
            NewProgram {
                title: input.title,
                description: input.description,
                modules,
            },
        )
        .await?;
        Ok(ProgramPayload {
            program: row.into(),
        })
    }

    /// Enrols a client in a programme and opens its first module, which assigns its work (the
    /// care team; integrators with `PROGRAMS_WRITE` and `CLINICAL_WRITE`). A programme the
    /// client left or finished is taken up again where it stopped; one they are in is
    /// `CONFLICT`.
    async fn enroll_in_program(
        &self,
        ctx: &Context<'_>,
        input: EnrollInProgramInput,
    ) -> GqlResult<EnrollmentPayload> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let e = service::enroll(
            &state.db,
            viewer,
            parse_id(&input.client_id, "input.clientId")?,
            parse_id(&input.program_id, "input.programId")?,
        )
        .await?;
        payload(ctx, e).await
    }

    /// Pauses an active enrolment: no module opens until it is resumed (the client or the
    /// care team).
    async fn pause_program(
        &self,
        ctx: &Context<'_>,
        input: EnrollmentInput,
    ) -> GqlResult<EnrollmentPayload> {
        change(ctx, &input.enrollment_id, Change::Pause).await
    }

    /// Resumes a paused enrolment (the client or the care team).
    async fn resume_program(
        &self,
        ctx: &Context<'_>,
        input: EnrollmentInput,
    ) -> GqlResult<EnrollmentPayload> {
        change(ctx, &input.enrollment_id, Change::Resume).await
    }

    /// Leaves a programme (the client or the care team). The work already assigned stays.
    async fn leave_program(
        &self,
        ctx: &Context<'_>,
        input: EnrollmentInput,
    ) -> GqlResult<EnrollmentPayload> {
        change(ctx, &input.enrollment_id, Change::Leave).await
    }

    /// Opens the next locked module of an active enrolment now, whatever its rule (the care
    /// team): how `BY_THERAPIST` modules open.
    async fn open_program_module(
        &self,
        ctx: &Context<'_>,
        input: EnrollmentInput,
    ) -> GqlResult<EnrollmentPayload> {
        change(ctx, &input.enrollment_id, Change::OpenNext).await
    }
}
