//! Each client's momentum figures as last computed (a projection of their records; see
//! `api/src/insights/projection.rs` for when a row is current).
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "momentum_projection")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub client_id: Uuid,
    pub practice_id: Uuid,
    /// The instant the figures were computed for (the score windows end here).
    pub as_of: DateTimeUtc,
    /// The score window the figures were computed with.
    pub window_days: i32,
    /// The client's latest event when the figures were computed (0: none).
    pub through_sequence: i64,
    /// The score (0 to 100), null before one can be made; the caseload sorts on it.
    pub score: Option<i32>,
    /// The latest activity; the caseload sorts on it.
    pub last_activity_at: Option<DateTimeUtc>,
    /// The rest of the figures (the inputs of both windows, streak, homework due), as JSON.
    pub figures: Json,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
