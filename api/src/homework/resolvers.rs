//! Homework queries and mutations: thin — guard, parse, call the service, map.

use async_graphql::{Context, ID, Object};

use super::{
    domain::{
        INSTRUCTIONS_MAX, MINUTES_RANGE, NOTES_MAX, NewTemplate, PURPOSE_MAX, REFLECTION_MAX,
        TITLE_MAX,
    },
    library,
    service::{self, NewAssignment, Review, Submission},
    types::*,
};
use crate::{
    error::{GqlResult, ServiceError},
    graphql::{
        context,
        pagination::{Conn, PageRequest, connection, encode_cursor},
        recurrence::RepeatInput,
    },
    values::{optional_text, parse_id, rating, required_free_text, required_text},
};

fn optional_id(id: Option<&ID>, field: &str) -> Result<Option<uuid::Uuid>, ServiceError> {
    id.map(|id| parse_id(id, field)).transpose()
}

/// Homework queries.
#[derive(Default)]
pub struct HomeworkQuery;

#[Object]
impl HomeworkQuery {
    /// The practice's homework templates by title (care team; integrators with
    /// `CLINICAL_READ`).
    async fn homework_templates(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Narrows the list.")] filter: Option<HomeworkTemplateFilter>,
        #[graphql(desc = "Page size, counting forward (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue forward from.")] after: Option<String>,
        #[graphql(desc = "Page size, counting backward (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue backward from.")] before: Option<String>,
    ) -> GqlResult<Conn<HomeworkTemplate>> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let page = PageRequest::parse(first, after, last, before)?;
        let filter = filter.unwrap_or_default();
        let page = library::templates(
            &state.db,
            viewer,
            filter.kind.map(Into::into),
            filter.include_archived.unwrap_or(false),
            page,
        )
        .await?;
        Ok(connection(
            page,
            |t| encode_cursor(&(&t.title, t.id)),
            HomeworkTemplate::from,
        ))
    }

    /// One homework template of the practice.
    async fn homework_template(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The template's id.")] id: ID,
    ) -> GqlResult<Option<HomeworkTemplate>> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let id = parse_id(&id, "id")?;
        Ok(Some(library::template(&state.db, viewer, id).await?.into()))
    }
}

#[Object]
impl HomeworkAssignmentsQuery {
    /// One homework assignment. `NOT_FOUND` when it does not exist or the viewer may not see it.
    async fn homework(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The homework's id.")] id: ID,
    ) -> GqlResult<Option<Homework>> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let id = parse_id(&id, "id")?;
        Ok(Some(service::get(&state.db, viewer, id).await?.into()))
    }
}

/// Homework assignment queries.
#[derive(Default)]
pub struct HomeworkAssignmentsQuery;

/// Homework mutations.
#[derive(Default)]
pub struct HomeworkMutation;

#[Object]
impl HomeworkMutation {
    /// Adds a template to the practice's library (therapists, admins, integrators with
    /// `CLINICAL_WRITE`).
    async fn create_homework_template(
        &self,
        ctx: &Context<'_>,
        input: CreateHomeworkTemplateInput,
    ) -> GqlResult<HomeworkTemplatePayload> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let instructions =
            required_free_text(&input.instructions, "input.instructions", INSTRUCTIONS_MAX)?;
        let purpose = required_free_text(&input.purpose, "input.purpose", PURPOSE_MAX)?;
        if let Some(m) = input.estimated_minutes
            && !MINUTES_RANGE.contains(&m)
        {
            return Err(ServiceError::bad_input(
                "input.estimatedMinutes",
                "must be 1 to 240 minutes",
            )
            .into());
        }
        let new = NewTemplate {
            title: required_text(&input.title, "input.title", TITLE_MAX)?,
            kind: input.kind.into(),
            instructions,
            purpose,
            estimated_minutes: input.estimated_minutes,
        };
        let template = library::create_template(&state.db, viewer, new).await?;
        Ok(HomeworkTemplatePayload {
            template: template.into(),
        })
    }

    /// Assigns homework to a client (the care team; integrators with `CLINICAL_WRITE`):
    /// one-off with `dueAt`, or recurring with `recurrence`.
    async fn assign_homework(
        &self,
        ctx: &Context<'_>,
        input: AssignHomeworkInput,
    ) -> GqlResult<HomeworkPayload> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let repeat = input.recurrence.map(RepeatInput::parse).transpose()?;
        let new = NewAssignment {
            client_id: parse_id(&input.client_id, "input.clientId")?,
            template_id: optional_id(input.template_id.as_ref(), "input.templateId")?,
            kind: input.kind.map(Into::into),
            title: input
                .title
                .as_deref()
                .map(|t| required_text(t, "input.title", TITLE_MAX))
                .transpose()?,
            instructions: input
                .instructions
                .as_deref()
                .map(|t| required_free_text(t, "input.instructions", INSTRUCTIONS_MAX))
                .transpose()?,
            purpose: optional_text(input.purpose.as_deref(), "input.purpose", PURPOSE_MAX)?,
            goal_id: optional_id(input.goal_id.as_ref(), "input.goalId")?,
            action_id: optional_id(input.action_id.as_ref(), "input.actionId")?,
            due_at: input.due_at,
            repeat,
            assigned_in_session_id: optional_id(
                input.assigned_in_session_id.as_ref(),
                "input.assignedInSessionId",
            )?,
        };
        let homework = service::assign(&state.db, viewer, new).await?;
        Ok(HomeworkPayload {
            homework: homework.into(),
        })
    }

    /// Marks homework IN_PROGRESS (client or care team). Starting twice changes nothing.
    async fn start_homework(
        &self,
        ctx: &Context<'_>,
        input: StartHomeworkInput,
    ) -> GqlResult<HomeworkPayload> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let id = parse_id(&input.homework_id, "input.homeworkId")?;
        let homework = service::start(&state.db, viewer, id).await?;
        Ok(HomeworkPayload {
            homework: homework.into(),
        })
    }

    /// Reports how homework (one occurrence of it) went: by the client, or by a therapist
    /// recording what the client reported in session (`reportedBy` shows who).
    async fn submit_homework(
        &self,
        ctx: &Context<'_>,
        input: SubmitHomeworkInput,
    ) -> GqlResult<HomeworkPayload> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let submission = Submission {
            homework_id: parse_id(&input.homework_id, "input.homeworkId")?,
            occurrence_id: optional_id(input.occurrence_id.as_ref(), "input.occurrenceId")?,
            outcome: input.outcome.into(),
            reflection: optional_text(
                input.reflection.as_deref(),
                "input.reflection",
                REFLECTION_MAX,
            )?,
            difficulty: input
                .difficulty
                .map(|d| rating(d, "input.difficulty"))
                .transpose()?,
            helpfulness: input
                .helpfulness
                .map(|h| rating(h, "input.helpfulness"))
                .transpose()?,
            obstacles_met: {
                let mut kinds: Vec<crate::plans::domain::ObstacleKind> = input
                    .obstacles_met
                    .unwrap_or_default()
                    .into_iter()
                    .map(Into::into)
                    .collect();
                kinds.dedup();
                kinds
            },
        };
        let homework = service::submit(&state.db, viewer, submission).await?;
        Ok(HomeworkPayload {
            homework: homework.into(),
        })
    }

    /// Reviews homework with the client (→ REVIEWED). The care team only; private notes
    /// never reach the client.
    async fn review_homework(
        &self,
        ctx: &Context<'_>,
        input: ReviewHomeworkInput,
    ) -> GqlResult<HomeworkPayload> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let review = Review {
            homework_id: parse_id(&input.homework_id, "input.homeworkId")?,
            notes: optional_text(input.notes.as_deref(), "input.notes", NOTES_MAX)?,
            private: input.private.unwrap_or(false),
            session_id: optional_id(
                input.reviewed_in_session_id.as_ref(),
                "input.reviewedInSessionId",
            )?,
        };
        let homework = service::review(&state.db, viewer, review).await?;
        Ok(HomeworkPayload {
            homework: homework.into(),
        })
    }
}
