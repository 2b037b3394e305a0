//! An endpoint of a practice that receives signed event deliveries over HTTPS.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub practice_id: Uuid,
    pub url: String,
    /// Space-separated event kinds; empty for every kind.
    pub kinds: String,
    /// The signing key (HMAC-SHA256). Kept as is: signing needs it.
    pub secret: String,
    /// The key before the last rotation, still used to sign until `previous_secret_expires_at`.
    pub previous_secret: Option<String>,
    pub previous_secret_expires_at: Option<DateTimeUtc>,
    /// `ACTIVE` or `DISABLED`.
    pub status: String,
    pub disabled_at: Option<DateTimeUtc>,
    pub disabled_reason: Option<String>,
    /// Failed attempts since the last success.
    pub consecutive_failures: i32,
    /// The first failed attempt since the last success.
    pub failing_since: Option<DateTimeUtc>,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

impl ActiveModelBehavior for ActiveModel {}
