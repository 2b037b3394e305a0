//! A module opened for an enrolment, with the work it assigned. Unique per enrolment and
//! module, so a module opens once.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "program_unlock")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub enrollment_id: Uuid,
    pub module_id: Uuid,
    pub practice_id: Uuid,
    pub client_id: Uuid,
    pub position: i32,
    /// `ENROLLED`, `PREVIOUS_DONE`, `AFTER_DAYS` or `BY_THERAPIST`.
    pub reason: String,
    /// The therapist who opened it; null when its rule did.
    pub unlocked_by: Option<Uuid>,
    pub unlocked_at: DateTimeUtc,
    /// JSON array of the homework ids it assigned.
    pub homework_ids: Json,
    /// JSON array of the check-in ids it scheduled.
    pub check_in_ids: Json,
}

impl ActiveModelBehavior for ActiveModel {}
