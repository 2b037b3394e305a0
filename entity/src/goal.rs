//! A SMART goal of a client.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "goal")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub practice_id: Uuid,
    pub client_id: Uuid,
    pub title: String,
    /// Specific: what exactly, where, with whom.
    pub description: Option<String>,
    /// Measurable: what is counted, e.g. "panic attacks per week".
    pub measure: Option<String>,
    pub baseline: Option<f64>,
    pub target: Option<f64>,
    pub unit: Option<String>,
    /// Time-bound.
    pub target_date: Option<Date>,
    /// Achievable: the client's confidence, 0-10.
    pub confidence: Option<i32>,
    /// Relevant: why it matters to the client.
    pub why_it_matters: Option<String>,
    /// `LOW`, `MEDIUM` or `HIGH`.
    pub priority: String,
    /// `PROPOSED`, `ACTIVE`, `ON_HOLD`, `ACHIEVED`, `ABANDONED` or `DECLINED`.
    pub status: String,
    /// Why the goal was declined, abandoned or put on hold; the client can read it.
    pub status_reason: Option<String>,
    pub achieved_at: Option<DateTimeUtc>,
    /// Who proposed or created it, and in which role.
    pub created_by: Uuid,
    pub created_by_role: String,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
