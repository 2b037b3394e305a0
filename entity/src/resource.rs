//! A resource in the practice's library (article, book, website, crisis line, ...).
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "resource")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub practice_id: Uuid,
    pub title: String,
    /// `ARTICLE`, `BOOK`, `WEBSITE`, `VIDEO`, `WORKSHEET`, `SUPPORT_GROUP`, `CRISIS_LINE` or `APP`.
    pub kind: String,
    /// An http or https address.
    pub url: Option<String>,
    pub description: String,
    /// JSON array of tags.
    pub tags: Json,
    pub archived_at: Option<DateTimeUtc>,
    pub created_by: Uuid,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
