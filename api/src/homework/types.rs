//! GraphQL types of homework.

use async_graphql::{Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::domain::HomeworkKind;

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
