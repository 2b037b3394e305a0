//! The practice's library of homework templates.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum HomeworkTemplate {
    Table,
    Id,
    PracticeId,
    Title,
    Kind,
    Instructions,
    Purpose,
    EstimatedMinutes,
    Starter,
    ArchivedAt,
    CreatedBy,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(HomeworkTemplate::Table)
                    .col(uuid(HomeworkTemplate::Id).primary_key())
                    .col(uuid(HomeworkTemplate::PracticeId))
                    .col(string(HomeworkTemplate::Title))
                    .col(string(HomeworkTemplate::Kind))
                    .col(text(HomeworkTemplate::Instructions))
                    .col(text(HomeworkTemplate::Purpose))
                    .col(integer_null(HomeworkTemplate::EstimatedMinutes))
                    .col(boolean(HomeworkTemplate::Starter))
                    .col(timestamp_with_time_zone_null(HomeworkTemplate::ArchivedAt))
                    .col(uuid_null(HomeworkTemplate::CreatedBy))
                    .col(integer(HomeworkTemplate::Version))
                    .col(timestamp_with_time_zone(HomeworkTemplate::CreatedAt))
                    .col(timestamp_with_time_zone(HomeworkTemplate::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_homework_template_practice_title")
                    .table(HomeworkTemplate::Table)
                    .col(HomeworkTemplate::PracticeId)
                    .col(HomeworkTemplate::Title)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(HomeworkTemplate::Table).to_owned())
            .await
    }
}
