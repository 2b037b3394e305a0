//! A single-use, expiring invitation to create a login (therapist or client).
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invitation")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub practice_id: Uuid,
    /// SHA-256 of the code, hex; the code itself is shown once and never stored.
    #[sea_orm(unique)]
    pub code_hash: String,
    /// Role of the login the invitation creates: `THERAPIST` or `CLIENT`.
    pub role: String,
    /// When set, only this (lower-cased) email may accept.
    pub email: Option<String>,
    pub display_name: Option<String>,
    /// For a `CLIENT` invitation: the client record the login is linked to.
    pub client_id: Option<Uuid>,
    pub created_by: Uuid,
    pub expires_at: DateTimeUtc,
    pub accepted_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
