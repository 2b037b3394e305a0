//! GraphQL types of homework.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};

use super::domain::{HomeworkKind, HomeworkStatus, Outcome};
use crate::{
    auth::Role,
    error::GqlResult,
    goals::types::{Author, Goal},
    graphql::{
        context,
        loaders::{load, load_visible},
        recurrence::{Recurrence, RepeatInput},
    },
    plans::{domain::ObstacleKind, types::ObstacleKindValue},
};

/// What kind of homework it is.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "super::domain::HomeworkKind")]
pub enum HomeworkKindValue {
    /// Catch and test automatic thoughts (situation, thought, feeling, evidence, balanced thought).
    ThoughtRecord,
    /// Face a feared situation step by step.
    Exposure,
    /// Plan and do activities that bring pleasure or achievement.
    BehavioralActivation,
    /// Write to reflect and notice patterns.
    Journaling,
    /// Practise a skill learnt in session (breathing, assertiveness, ...).
    SkillPractice,
    /// Read something chosen together.
    Reading,
    /// Anything else.
    Other,
}

/// A homework template in the practice's library.
pub struct HomeworkTemplate {
    pub model: entity::homework_template::Model,
}

impl From<entity::homework_template::Model> for HomeworkTemplate {
    fn from(model: entity::homework_template::Model) -> Self {
        Self { model }
    }
}

/// A homework template in the practice's library.
#[Object]
impl HomeworkTemplate {
    /// The template's id.
    async fn id(&self) -> ID {
        ID(self.model.id.to_string())
    }
    /// A short name.
    async fn title(&self) -> &str {
        &self.model.title
    }
    /// What kind of homework it is.
    async fn kind(&self) -> Option<HomeworkKindValue> {
        HomeworkKind::parse(&self.model.kind).map(Into::into)
    }
    /// What to do, in plain language for the client.
    async fn instructions(&self) -> &str {
        &self.model.instructions
    }
    /// Why it helps, tied to the client's goals.
    async fn purpose(&self) -> &str {
        &self.model.purpose
    }
    /// About how long it takes, in minutes.
    async fn estimated_minutes(&self) -> Option<i32> {
        self.model.estimated_minutes
    }
    /// Whether it came with the practice (the starter set).
    async fn starter(&self) -> bool {
        self.model.starter
    }
    /// When it was archived (hidden from the library by default).
    async fn archived_at(&self) -> Option<DateTime<Utc>> {
        self.model.archived_at
    }
    /// Optimistic-concurrency version.
    async fn version(&self) -> i32 {
        self.model.version
    }
    /// When it was added.
    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at
    }
}

/// Narrows the template library.
#[derive(InputObject, Default)]
pub struct HomeworkTemplateFilter {
    /// Only templates of this kind.
    pub kind: Option<HomeworkKindValue>,
    /// Include archived templates (default false).
    pub include_archived: Option<bool>,
}

/// Add a template to the practice's library.
#[derive(InputObject)]
pub struct CreateHomeworkTemplateInput {
    /// A short name (1 to 200 characters).
    pub title: String,
    /// What kind of homework it is.
    pub kind: HomeworkKindValue,
    /// What to do, in plain language (1 to 4,000 characters).
    pub instructions: String,
    /// Why it helps (1 to 1,000 characters).
    pub purpose: String,
    /// About how long it takes, 1 to 240 minutes.
    pub estimated_minutes: Option<i32>,
}

/// The template after a change.
#[derive(SimpleObject)]
pub struct HomeworkTemplatePayload {
    /// The template as it now is.
    pub template: HomeworkTemplate,
}

/// Where an assignment stands.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "super::domain::HomeworkStatus")]
pub enum HomeworkStatusValue {
    /// Assigned, not started.
    Assigned,
    /// Started, or some occurrences of recurring homework are in.
    InProgress,
    /// Every occurrence was completed.
    Completed,
    /// Some of it was done.
    Partial,
    /// None of it was done.
    NotDone,
    /// Reviewed with the care team.
    Reviewed,
}

/// How one occurrence went.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "super::domain::Outcome")]
pub enum HomeworkOutcome {
    /// Done as planned.
    Completed,
    /// Some of it was done.
    Partial,
    /// Not done.
    NotDone,
}

/// When recurring homework repeats.
#[derive(SimpleObject)]
pub struct HomeworkRepeat {
    /// How it repeats.
    pub recurrence: Recurrence,
    /// The first local date.
    pub starts_on: Option<NaiveDate>,
    /// The last local date.
    pub until: Option<NaiveDate>,
    /// The local time each occurrence is due (`HH:MM`); the end of the day when null.
    pub time_of_day: Option<String>,
}

/// Homework assigned to a client.
pub struct Homework {
    pub model: entity::homework::Model,
}

impl From<entity::homework::Model> for Homework {
    fn from(model: entity::homework::Model) -> Self {
        Self { model }
    }
}

impl Homework {
    async fn occurrences_loaded(
        &self,
        ctx: &Context<'_>,
    ) -> GqlResult<Vec<entity::homework_occurrence::Model>> {
        load_visible::<super::service::OccurrencesOf>(ctx, self.model.id, ()).await
    }
}

/// Homework assigned to a client: a task between sessions, reviewed in the next one.
#[Object]
impl Homework {
    /// The assignment's id.
    async fn id(&self) -> ID {
        ID(self.model.id.to_string())
    }
    /// The client.
    async fn client_id(&self) -> ID {
        ID(self.model.client_id.to_string())
    }
    /// The library template it came from.
    async fn template(&self, ctx: &Context<'_>) -> GqlResult<Option<HomeworkTemplate>> {
        let Some(id) = self.model.template_id else {
            return Ok(None);
        };
        Ok(load::<super::library::TemplatesById>(ctx, id, ())
            .await?
            .map(HomeworkTemplate::from))
    }
    /// The goal it serves.
    async fn goal(&self, ctx: &Context<'_>) -> GqlResult<Option<Goal>> {
        let Some(id) = self.model.goal_id else {
            return Ok(None);
        };
        Ok(load::<crate::goals::service::GoalsById>(ctx, id, ())
            .await?
            .map(Goal::from))
    }
    /// The action of the goal's plan it practises.
    async fn action_id(&self) -> Option<ID> {
        self.model.action_id.map(|a| ID(a.to_string()))
    }
    /// What kind of homework it is.
    async fn kind(&self) -> Option<HomeworkKindValue> {
        HomeworkKind::parse(&self.model.kind).map(Into::into)
    }
    /// A short name.
    async fn title(&self) -> &str {
        &self.model.title
    }
    /// What to do.
    async fn instructions(&self) -> &str {
        &self.model.instructions
    }
    /// Why it helps.
    async fn purpose(&self) -> Option<&str> {
        self.model.purpose.as_deref()
    }
    /// When it is due; for recurring homework, the last occurrence.
    async fn due_at(&self) -> DateTime<Utc> {
        self.model.due_at
    }
    /// For recurring homework: how it repeats.
    async fn repeat(&self) -> Option<HomeworkRepeat> {
        let r = self.model.recurrence.as_ref()?;
        let recurrence: crate::recurrence::Recurrence =
            serde_json::from_value(r["recurrence"].clone()).ok()?;
        Some(HomeworkRepeat {
            recurrence: recurrence.into(),
            starts_on: serde_json::from_value(r["startsOn"].clone()).ok(),
            until: serde_json::from_value(r["until"].clone()).ok(),
            time_of_day: r["timeOfDay"].as_str().map(str::to_owned),
        })
    }
    /// Where it stands.
    async fn status(&self) -> Option<HomeworkStatusValue> {
        HomeworkStatus::parse(&self.model.status).map(Into::into)
    }
    /// Who assigned it.
    async fn assigned_by(&self) -> ID {
        ID(self.model.assigned_by.to_string())
    }
    /// The session it was assigned in.
    async fn assigned_in_session_id(&self) -> Option<ID> {
        self.model.assigned_in_session_id.map(|s| ID(s.to_string()))
    }
    /// When it was started.
    async fn started_at(&self) -> Option<DateTime<Utc>> {
        self.model.started_at
    }
    /// When the last occurrence was submitted.
    async fn submitted_at(&self) -> Option<DateTime<Utc>> {
        self.model.submitted_at
    }
    /// Every time it is due, with how each went.
    async fn occurrences(&self, ctx: &Context<'_>) -> GqlResult<Vec<HomeworkOccurrence>> {
        Ok(self
            .occurrences_loaded(ctx)
            .await?
            .into_iter()
            .map(HomeworkOccurrence::from)
            .collect())
    }
    /// From 0 to 1: completed occurrences count 1 and partial ones 0.5, over those due by now
    /// or already submitted. Null before anything is due.
    async fn completion_rate(&self, ctx: &Context<'_>) -> GqlResult<Option<f64>> {
        Ok(super::service::completion_rate(
            &self.occurrences_loaded(ctx).await?,
            Utc::now(),
        ))
    }
    /// True when an occurrence is past due without a submission (and it is not reviewed).
    async fn overdue(&self, ctx: &Context<'_>) -> GqlResult<bool> {
        if self.model.status == HomeworkStatus::Reviewed.as_str() {
            return Ok(false);
        }
        let now = Utc::now();
        Ok(self
            .occurrences_loaded(ctx)
            .await?
            .iter()
            .any(|o| o.outcome.is_none() && o.due_at < now))
    }
    /// The care team's review notes. Private notes are null for the client.
    async fn review_notes(&self, ctx: &Context<'_>) -> GqlResult<Option<&str>> {
        let viewer = context::viewer(ctx)?;
        if self.model.review_notes_private && viewer.role() == Role::Client {
            return Ok(None);
        }
        Ok(self.model.review_notes.as_deref())
    }
    /// Whether the review notes are for the care team only.
    async fn review_notes_private(&self) -> bool {
        self.model.review_notes_private
    }
    /// When it was reviewed.
    async fn reviewed_at(&self) -> Option<DateTime<Utc>> {
        self.model.reviewed_at
    }
    /// Who reviewed it.
    async fn reviewed_by(&self) -> Option<ID> {
        self.model.reviewed_by.map(|r| ID(r.to_string()))
    }
    /// The session it was reviewed in.
    async fn reviewed_in_session_id(&self) -> Option<ID> {
        self.model.reviewed_in_session_id.map(|s| ID(s.to_string()))
    }
    /// Optimistic-concurrency version.
    async fn version(&self) -> i32 {
        self.model.version
    }
    /// When it was assigned.
    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at
    }
}

/// One time a homework is due, and how it went.
#[derive(SimpleObject)]
pub struct HomeworkOccurrence {
    /// The occurrence's id.
    pub id: ID,
    /// When it is due.
    pub due_at: DateTime<Utc>,
    /// How it went; null until submitted.
    pub outcome: Option<HomeworkOutcome>,
    /// The client's reflection.
    pub reflection: Option<String>,
    /// How hard it was, 0 to 10.
    pub difficulty: Option<i32>,
    /// How much it helped, 0 to 10.
    pub helpfulness: Option<i32>,
    /// Obstacles met.
    pub obstacles_met: Vec<ObstacleKindValue>,
    /// When it was submitted.
    pub submitted_at: Option<DateTime<Utc>>,
    /// Who submitted it: the client, or a therapist recording what the client reported.
    pub reported_by: Option<Author>,
}

impl From<entity::homework_occurrence::Model> for HomeworkOccurrence {
    fn from(o: entity::homework_occurrence::Model) -> Self {
        let obstacles: Vec<String> = serde_json::from_value(o.obstacles_met).unwrap_or_default();
        Self {
            id: ID(o.id.to_string()),
            due_at: o.due_at,
            outcome: o
                .outcome
                .as_deref()
                .and_then(Outcome::parse)
                .map(Into::into),
            reflection: o.reflection,
            difficulty: o.difficulty,
            helpfulness: o.helpfulness,
            obstacles_met: obstacles
                .iter()
                .filter_map(|k| ObstacleKind::parse(k))
                .map(Into::into)
                .collect(),
            submitted_at: o.submitted_at,
            reported_by: o
                .reported_by
                .map(|id| Author::new(id, o.reported_by_role.as_deref().unwrap_or(""))),
        }
    }
}

/// Assign homework. From a template, title, instructions, purpose and kind default to the
/// template's.
#[derive(InputObject)]
pub struct AssignHomeworkInput {
    /// The client.
    pub client_id: ID,
    /// A template of the practice's library.
    pub template_id: Option<ID>,
    /// A short name (1 to 200 characters); required without a template.
    pub title: Option<String>,
    /// What to do (at most 4,000 characters); required without a template.
    pub instructions: Option<String>,
    /// Why it helps (at most 1,000 characters).
    pub purpose: Option<String>,
    /// What kind of homework; OTHER when neither this nor a template says.
    pub kind: Option<HomeworkKindValue>,
    /// A goal of the client it serves.
    pub goal_id: Option<ID>,
    /// An action of one of that goal's plans (needs `goalId`).
    pub action_id: Option<ID>,
    /// When one-off homework is due (not in the past).
    pub due_at: Option<DateTime<Utc>>,
    /// For recurring homework instead of `dueAt`.
    pub recurrence: Option<RepeatInput>,
    /// The session it was assigned in.
    pub assigned_in_session_id: Option<ID>,
}

/// Start homework.
#[derive(InputObject)]
pub struct StartHomeworkInput {
    /// The homework.
    pub homework_id: ID,
}

/// Report how homework (one occurrence of it) went.
#[derive(InputObject)]
pub struct SubmitHomeworkInput {
    /// The homework.
    pub homework_id: ID,
    /// Which occurrence; the earliest open one when omitted.
    pub occurrence_id: Option<ID>,
    /// How it went.
    pub outcome: HomeworkOutcome,
    /// A reflection (at most 2,000 characters).
    pub reflection: Option<String>,
    /// How hard it was, 0 to 10.
    pub difficulty: Option<i32>,
    /// How much it helped, 0 to 10.
    pub helpfulness: Option<i32>,
    /// Obstacles met.
    pub obstacles_met: Option<Vec<ObstacleKindValue>>,
}

/// Review homework with the client.
#[derive(InputObject)]
pub struct ReviewHomeworkInput {
    /// The homework.
    pub homework_id: ID,
    /// Notes (at most 4,000 characters).
    pub notes: Option<String>,
    /// Keep the notes with the care team: the client never sees them. Default false.
    pub private: Option<bool>,
    /// The session it was reviewed in.
    pub reviewed_in_session_id: Option<ID>,
}

/// The homework after a change.
#[derive(SimpleObject)]
pub struct HomeworkPayload {
    /// The homework as it now is.
    pub homework: Homework,
}
