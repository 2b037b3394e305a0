//! Sign-in attempts per key (a SHA-256 hash) and minute, shared by every replica.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "attempt_counter")]
pub struct Model {
    /// SHA-256 (hex) of what is limited, e.g. `login:<email>`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub key_hash: String,
    /// Minutes since the Unix epoch.
    #[sea_orm(primary_key, auto_increment = false)]
    pub minute: i64,
    pub attempts: i32,
}

impl ActiveModelBehavior for ActiveModel {}
