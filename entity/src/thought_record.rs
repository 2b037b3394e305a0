//! A thought record (CBT): situation, automatic thought, evidence, balanced thought.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "thought_record")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub practice_id: Uuid,
    pub client_id: Uuid,
    pub recorded_at: DateTimeUtc,
    pub situation: String,
    pub automatic_thought: String,
    /// How strongly the automatic thought was believed, 0-100.
    pub belief_before: i32,
    pub evidence_for: Option<String>,
    pub evidence_against: Option<String>,
    /// Cognitive distortions, stored names.
    pub distortions: Json,
    pub balanced_thought: Option<String>,
    /// Belief in the automatic thought after the exercise, 0-100.
    pub belief_after: Option<i32>,
    /// `SHARED` or `PRIVATE`.
    pub visibility: String,
    pub created_by: Uuid,
    pub created_by_role: String,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
