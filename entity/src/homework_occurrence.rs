//! One time a homework is due (one-off homework has exactly one), and its submission.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "homework_occurrence")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub practice_id: Uuid,
    pub client_id: Uuid,
    pub homework_id: Uuid,
    pub due_at: DateTimeUtc,
    /// `COMPLETED`, `PARTIAL` or `NOT_DONE`; null until submitted.
    pub outcome: Option<String>,
    pub reflection: Option<String>,
    pub difficulty: Option<i32>,
    pub helpfulness: Option<i32>,
    /// JSON array of obstacle kinds met.
    pub obstacles_met: Json,
    pub submitted_at: Option<DateTimeUtc>,
    /// Who submitted it: the client, or a therapist recording what the client reported.
    pub reported_by: Option<Uuid>,
    pub reported_by_role: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
