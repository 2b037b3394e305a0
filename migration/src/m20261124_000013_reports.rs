//! Practice reports: indexes for the report's range scans by client and time (homework
//! occurrences by due time, tracker entries by recording time). Measures, thought records
//! and sessions already have a (client, time) index.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum HomeworkOccurrence {
    Table,
    ClientId,
    DueAt,
}

#[derive(DeriveIden)]
enum TrackerEntry {
    Table,
    ClientId,
    RecordedAt,
}

const OCCURRENCE_INDEX: &str = "idx_homework_occurrence_client_due";
const ENTRY_INDEX: &str = "idx_tracker_entry_client_recorded";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(OCCURRENCE_INDEX)
                    .table(HomeworkOccurrence::Table)
                    .col(HomeworkOccurrence::ClientId)
                    .col(HomeworkOccurrence::DueAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(ENTRY_INDEX)
                    .table(TrackerEntry::Table)
                    .col(TrackerEntry::ClientId)
                    .col(TrackerEntry::RecordedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(ENTRY_INDEX)
                    .table(TrackerEntry::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name(OCCURRENCE_INDEX)
                    .table(HomeworkOccurrence::Table)
                    .to_owned(),
            )
            .await
    }
}
