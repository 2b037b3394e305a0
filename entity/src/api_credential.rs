//! A service account of an integrator (EHR vendor): exchanges its secret for INTEGRATOR tokens.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_credential")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub practice_id: Uuid,
    pub name: String,
    /// SHA-256 of the secret, hex (the secret is 256 random bits, so a slow hash adds nothing).
    pub secret_hash: String,
    /// Space-separated scope names, e.g. `CLIENTS_READ CLINICAL_READ`.
    pub scopes: String,
    pub created_by: Uuid,
    pub revoked_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
