//! A self-monitoring tracker of a client: the built-in MOOD and ANXIETY, or a custom one.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "tracker")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub practice_id: Uuid,
    pub client_id: Uuid,
    /// `MOOD`, `ANXIETY` or `CUSTOM`.
    pub kind: String,
    /// `MOOD` or `ANXIETY` for the built-ins (unique per client), else `None`.
    pub builtin: Option<String>,
    pub name: String,
    /// `SCALE`, `COUNT`, `DURATION_MINUTES` or `YES_NO`.
    pub value_type: String,
    pub min_value: f64,
    pub max_value: f64,
    pub unit: Option<String>,
    pub goal_id: Option<Uuid>,
    /// Local times of day (`HH:MM`) at which the app prompts the client.
    pub prompt_times: Json,
    pub archived_at: Option<DateTimeUtc>,
    pub created_by: Uuid,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
