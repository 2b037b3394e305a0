//! A therapy session: an appointment between client and therapist (not a login session).
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "therapy_session")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub practice_id: Uuid,
    pub client_id: Uuid,
    /// The therapist who holds the session, when known.
    pub therapist_id: Option<Uuid>,
    pub scheduled_at: DateTimeUtc,
    pub duration_minutes: i32,
    /// What the session is about.
    pub focus: Option<String>,
    /// `SCHEDULED`, `COMPLETED` or `CANCELLED`.
    pub status: String,
    pub cancel_reason: Option<String>,
    pub completed_at: Option<DateTimeUtc>,
    /// The EHR's appointment id, unique within the practice.
    pub external_ref: Option<String>,
    pub created_by: Uuid,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
