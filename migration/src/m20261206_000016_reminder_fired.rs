//! Each reminder the reminder job decided (issue 18): one row per reminder (its kind and what
//! it is about, unique, so a reminder fires once whichever replica runs the job), whether it
//! was sent or held back by the back-off, and the series it belongs to (the back-off counts
//! the series' reminders the client let pass).
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ReminderFired {
    Table,
    Id,
    PracticeId,
    ClientId,
    Kind,
    AboutId,
    SeriesId,
    DueAt,
    FireAt,
    Outcome,
    Ignored,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Client {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ReminderFired::Table)
                    .col(
                        ColumnDef::new(ReminderFired::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(ReminderFired::PracticeId).uuid().not_null())
                    .col(ColumnDef::new(ReminderFired::ClientId).uuid().not_null())
                    .col(ColumnDef::new(ReminderFired::Kind).string().not_null())
                    .col(ColumnDef::new(ReminderFired::AboutId).uuid().not_null())
                    .col(ColumnDef::new(ReminderFired::SeriesId).uuid().not_null())
                    .col(
                        ColumnDef::new(ReminderFired::DueAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ReminderFired::FireAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(ReminderFired::Outcome).string().not_null())
                    .col(ColumnDef::new(ReminderFired::Ignored).integer().not_null())
                    .col(
                        ColumnDef::new(ReminderFired::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ReminderFired::Table, ReminderFired::ClientId)
                            .to(Client::Table, Client::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_reminder_fired_kind_about")
                    .table(ReminderFired::Table)
                    .col(ReminderFired::Kind)
                    .col(ReminderFired::AboutId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_reminder_fired_series_due")
                    .table(ReminderFired::Table)
                    .col(ReminderFired::SeriesId)
                    .col(ReminderFired::DueAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_reminder_fired_client")
                    .table(ReminderFired::Table)
                    .col(ReminderFired::ClientId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ReminderFired::Table).to_owned())
            .await
    }
}
