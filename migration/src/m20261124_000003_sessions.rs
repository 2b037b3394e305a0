//! Therapy sessions (appointments, not logins), optionally keyed by the EHR's appointment id.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Client {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum TherapySession {
    Table,
    Id,
    PracticeId,
    ClientId,
    TherapistId,
    ScheduledAt,
    DurationMinutes,
    Focus,
    Status,
    CancelReason,
    CompletedAt,
    ExternalRef,
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
                    .table(TherapySession::Table)
                    .col(uuid(TherapySession::Id).primary_key())
                    .col(uuid(TherapySession::PracticeId))
                    .col(uuid(TherapySession::ClientId))
                    .col(uuid_null(TherapySession::TherapistId))
                    .col(timestamp_with_time_zone(TherapySession::ScheduledAt))
                    .col(integer(TherapySession::DurationMinutes))
                    .col(text_null(TherapySession::Focus))
                    .col(string(TherapySession::Status))
                    .col(text_null(TherapySession::CancelReason))
                    .col(timestamp_with_time_zone_null(TherapySession::CompletedAt))
                    .col(string_null(TherapySession::ExternalRef))
                    .col(uuid(TherapySession::CreatedBy))
                    .col(integer(TherapySession::Version))
                    .col(timestamp_with_time_zone(TherapySession::CreatedAt))
                    .col(timestamp_with_time_zone(TherapySession::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_therapy_session_client")
                            .from(TherapySession::Table, TherapySession::ClientId)
                            .to(Client::Table, Client::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_therapy_session_client_scheduled")
                    .table(TherapySession::Table)
                    .col(TherapySession::ClientId)
                    .col(TherapySession::ScheduledAt)
                    .to_owned(),
            )
            .await?;
        // One session per EHR appointment id within a practice: calendar syncs upsert on it.
        manager
            .create_index(
                Index::create()
                    .name("uq_therapy_session_external_ref")
                    .table(TherapySession::Table)
                    .col(TherapySession::PracticeId)
                    .col(TherapySession::ExternalRef)
                    .unique()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(TherapySession::Table).to_owned())
            .await
    }
}
