//! Check-ins between sessions: a prompt due at a time, and the client's answer.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Client {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum CheckIn {
    Table,
    Id,
    PracticeId,
    ClientId,
    SeriesId,
    Prompt,
    DueAt,
    ResponseText,
    Mood,
    RespondedAt,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CheckIn::Table)
                    .col(uuid(CheckIn::Id).primary_key())
                    .col(uuid(CheckIn::PracticeId))
                    .col(uuid(CheckIn::ClientId))
                    .col(uuid(CheckIn::SeriesId))
                    .col(text(CheckIn::Prompt))
                    .col(timestamp_with_time_zone(CheckIn::DueAt))
                    .col(text_null(CheckIn::ResponseText))
                    .col(integer_null(CheckIn::Mood))
                    .col(timestamp_with_time_zone_null(CheckIn::RespondedAt))
                    .col(uuid(CheckIn::CreatedBy))
                    .col(timestamp_with_time_zone(CheckIn::CreatedAt))
                    .col(timestamp_with_time_zone(CheckIn::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_check_in_client")
                            .from(CheckIn::Table, CheckIn::ClientId)
                            .to(Client::Table, Client::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_check_in_client_due")
                    .table(CheckIn::Table)
                    .col(CheckIn::ClientId)
                    .col(CheckIn::DueAt)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CheckIn::Table).to_owned())
            .await
    }
}
