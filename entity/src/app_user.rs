//! A login: practice admin, therapist or client. Integrators use `api_credential` instead.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "app_user")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub practice_id: Uuid,
    /// Lower-cased; unique across all practices because login takes only an email.
    #[sea_orm(unique)]
    pub email: String,
    /// PHC string (argon2id).
    pub password_hash: String,
    /// `PRACTICE_ADMIN`, `THERAPIST` or `CLIENT`.
    pub role: String,
    pub display_name: String,
    pub disabled_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
