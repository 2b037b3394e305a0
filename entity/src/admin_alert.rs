//! An operational alert to a practice's admins (not clinical), e.g. WEBHOOK_DISABLED.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "admin_alert")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub practice_id: Uuid,
    pub kind: String,
    /// What it is about (for WEBHOOK_DISABLED, the webhook).
    pub subject_id: Uuid,
    pub reason: String,
    /// `OPEN` or `ACKNOWLEDGED`.
    pub status: String,
    pub raised_at: DateTimeUtc,
    pub acknowledged_at: Option<DateTimeUtc>,
    pub acknowledged_by: Option<Uuid>,
}

impl ActiveModelBehavior for ActiveModel {}
