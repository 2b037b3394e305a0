//! A client of the practice (the person in therapy).
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "client")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub practice_id: Uuid,
    pub display_name: String,
    /// IANA time zone name, e.g. `Europe/Berlin`.
    pub timezone: String,
    /// `ACTIVE`, `PAUSED` or `DISCHARGED`.
    pub status: String,
    /// The integrating EHR's own id for this client.
    pub external_ref: Option<String>,
    /// The client's own login, once an invitation has been accepted.
    pub user_id: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
