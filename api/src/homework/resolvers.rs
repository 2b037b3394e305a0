//! Homework queries and mutations: thin — guard, parse, call the service, map.

use async_graphql::{Context, ID, Object};

use super::{
    domain::{INSTRUCTIONS_MAX, MINUTES_RANGE, NewTemplate, PURPOSE_MAX, TITLE_MAX},
    service,
    types::*,
};
use crate::{
    error::{GqlResult, ServiceError},
    graphql::{
        context,
        pagination::{Conn, PageRequest, connection, encode_cursor},
    },
    values::{optional_text, parse_id, required_text},
};

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
        let page = service::templates(
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
        Ok(Some(service::template(&state.db, viewer, id).await?.into()))
    }
}

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
        let instructions = optional_text(
            Some(&input.instructions),
            "input.instructions",
            INSTRUCTIONS_MAX,
        )?
        .ok_or_else(|| ServiceError::bad_input("input.instructions", "must not be empty"))?;
        let purpose = optional_text(Some(&input.purpose), "input.purpose", PURPOSE_MAX)?
            .ok_or_else(|| ServiceError::bad_input("input.purpose", "must not be empty"))?;
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
        let template = service::create_template(&state.db, viewer, new).await?;
        Ok(HomeworkTemplatePayload {
            template: template.into(),
        })
    }
}
