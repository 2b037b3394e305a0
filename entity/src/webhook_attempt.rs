//! One try at sending a webhook delivery: the response code or the error.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_attempt")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub delivery_id: Uuid,
    /// 1 for the first try.
    pub attempt: i32,
    pub attempted_at: DateTimeUtc,
    /// The HTTP status the receiver answered; `None` when no answer came.
    pub status_code: Option<i32>,
    /// What went wrong (connection refused, timeout, a non-2xx status), in our words.
    pub error: Option<String>,
    pub duration_ms: i32,
}

impl ActiveModelBehavior for ActiveModel {}
