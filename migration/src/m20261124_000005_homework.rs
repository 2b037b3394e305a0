//! Assigned homework and its occurrences (one for one-off homework, one a day it falls on
//! for recurring homework), each submitted on its own.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Client {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Homework {
    Table,
    Id,
    PracticeId,
    ClientId,
    TemplateId,
    Kind,
    Title,
    Instructions,
    Purpose,
    GoalId,
    ActionId,
    DueAt,
    Recurrence,
    Status,
    AssignedBy,
    AssignedInSessionId,
    StartedAt,
    SubmittedAt,
    ReviewNotes,
    ReviewNotesPrivate,
    ReviewedAt,
    ReviewedBy,
    ReviewedInSessionId,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum HomeworkOccurrence {
    Table,
    Id,
    PracticeId,
    ClientId,
    HomeworkId,
    DueAt,
    Outcome,
    Reflection,
    Difficulty,
    Helpfulness,
    ObstaclesMet,
    SubmittedAt,
    ReportedBy,
    ReportedByRole,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Homework::Table)
                    .col(uuid(Homework::Id).primary_key())
                    .col(uuid(Homework::PracticeId))
                    .col(uuid(Homework::ClientId))
                    .col(uuid_null(Homework::TemplateId))
                    .col(string(Homework::Kind))
                    .col(string(Homework::Title))
                    .col(text(Homework::Instructions))
                    .col(text_null(Homework::Purpose))
                    .col(uuid_null(Homework::GoalId))
                    .col(uuid_null(Homework::ActionId))
                    .col(timestamp_with_time_zone(Homework::DueAt))
                    .col(json_binary_null(Homework::Recurrence))
                    .col(string(Homework::Status))
                    .col(uuid(Homework::AssignedBy))
                    .col(uuid_null(Homework::AssignedInSessionId))
                    .col(timestamp_with_time_zone_null(Homework::StartedAt))
                    .col(timestamp_with_time_zone_null(Homework::SubmittedAt))
                    .col(text_null(Homework::ReviewNotes))
                    .col(boolean(Homework::ReviewNotesPrivate))
                    .col(timestamp_with_time_zone_null(Homework::ReviewedAt))
                    .col(uuid_null(Homework::ReviewedBy))
                    .col(uuid_null(Homework::ReviewedInSessionId))
                    .col(integer(Homework::Version))
                    .col(timestamp_with_time_zone(Homework::CreatedAt))
                    .col(timestamp_with_time_zone(Homework::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_homework_client")
                            .from(Homework::Table, Homework::ClientId)
                            .to(Client::Table, Client::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_homework_client_due")
                    .table(Homework::Table)
                    .col(Homework::ClientId)
                    .col(Homework::DueAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(HomeworkOccurrence::Table)
                    .col(uuid(HomeworkOccurrence::Id).primary_key())
                    .col(uuid(HomeworkOccurrence::PracticeId))
                    .col(uuid(HomeworkOccurrence::ClientId))
                    .col(uuid(HomeworkOccurrence::HomeworkId))
                    .col(timestamp_with_time_zone(HomeworkOccurrence::DueAt))
                    .col(string_null(HomeworkOccurrence::Outcome))
                    .col(text_null(HomeworkOccurrence::Reflection))
                    .col(integer_null(HomeworkOccurrence::Difficulty))
                    .col(integer_null(HomeworkOccurrence::Helpfulness))
                    .col(json_binary(HomeworkOccurrence::ObstaclesMet))
                    .col(timestamp_with_time_zone_null(
                        HomeworkOccurrence::SubmittedAt,
                    ))
                    .col(uuid_null(HomeworkOccurrence::ReportedBy))
                    .col(string_null(HomeworkOccurrence::ReportedByRole))
                    .col(timestamp_with_time_zone(HomeworkOccurrence::CreatedAt))
                    .col(timestamp_with_time_zone(HomeworkOccurrence::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_homework_occurrence_homework")
                            .from(HomeworkOccurrence::Table, HomeworkOccurrence::HomeworkId)
                            .to(Homework::Table, Homework::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_homework_occurrence_homework_due")
                    .table(HomeworkOccurrence::Table)
                    .col(HomeworkOccurrence::HomeworkId)
                    .col(HomeworkOccurrence::DueAt)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(HomeworkOccurrence::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Homework::Table).to_owned())
            .await
    }
}
