//! Each client's reminder preferences (issue 18): quiet hours, preferred times of day, which
//! kinds of reminder, a pause, and whether the care team may change them. No row means the
//! defaults (`core/src/reminders/domain.rs`).
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ReminderPreference {
    Table,
    ClientId,
    PracticeId,
    QuietStart,
    QuietEnd,
    PreferredTimes,
    Kinds,
    PausedUntil,
    CareTeamMayEdit,
    UpdatedBy,
    UpdatedAt,
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
                    .table(ReminderPreference::Table)
                    .col(
                        ColumnDef::new(ReminderPreference::ClientId)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(ReminderPreference::PracticeId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ReminderPreference::QuietStart)
                            .string()
                            .null(),
                    )
                    .col(ColumnDef::new(ReminderPreference::QuietEnd).string().null())
                    .col(
                        ColumnDef::new(ReminderPreference::PreferredTimes)
                            .json()
                            .not_null(),
                    )
                    .col(ColumnDef::new(ReminderPreference::Kinds).json().not_null())
                    .col(
                        ColumnDef::new(ReminderPreference::PausedUntil)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(ReminderPreference::CareTeamMayEdit)
                            .boolean()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ReminderPreference::UpdatedBy)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ReminderPreference::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ReminderPreference::Table, ReminderPreference::ClientId)
                            .to(Client::Table, Client::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ReminderPreference::Table).to_owned())
            .await
    }
}
