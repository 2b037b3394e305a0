//! Programmes (issue 18): a practice's library of programmes of ordered modules, clients'
//! enrolments, and each module's opening for an enrolment (unique, so a module opens once
//! whichever replica runs the programme job) with the work it assigned.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Program {
    Table,
    Id,
    PracticeId,
    Title,
    Description,
    ArchivedAt,
    CreatedBy,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ProgramModule {
    Table,
    Id,
    ProgramId,
    PracticeId,
    Position,
    Title,
    Summary,
    UnlockRule,
    UnlockAfterDays,
    Homework,
    CheckIns,
    ResourceIds,
    Measure,
}

#[derive(DeriveIden)]
enum ProgramEnrollment {
    Table,
    Id,
    PracticeId,
    ClientId,
    ProgramId,
    Status,
    EnrolledBy,
    EnrolledAt,
    PausedAt,
    EndedAt,
    Version,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ProgramUnlock {
    Table,
    Id,
    EnrollmentId,
    ModuleId,
    PracticeId,
    ClientId,
    Position,
    Reason,
    UnlockedBy,
    UnlockedAt,
    HomeworkIds,
    CheckInIds,
}

#[derive(DeriveIden)]
enum Client {
    Table,
    Id,
}

fn ts(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Program::Table)
                    .col(ColumnDef::new(Program::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Program::PracticeId).uuid().not_null())
                    .col(ColumnDef::new(Program::Title).string().not_null())
                    .col(ColumnDef::new(Program::Description).text().not_null())
                    .col(
                        ColumnDef::new(Program::ArchivedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new(Program::CreatedBy).uuid().null())
                    .col(ColumnDef::new(Program::Version).integer().not_null())
                    .col(ts(Program::CreatedAt))
                    .col(ts(Program::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_program_practice_title")
                    .table(Program::Table)
                    .col(Program::PracticeId)
                    .col(Program::Title)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ProgramModule::Table)
                    .col(
                        ColumnDef::new(ProgramModule::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(ProgramModule::ProgramId).uuid().not_null())
                    .col(ColumnDef::new(ProgramModule::PracticeId).uuid().not_null())
                    .col(ColumnDef::new(ProgramModule::Position).integer().not_null())
                    .col(ColumnDef::new(ProgramModule::Title).string().not_null())
                    .col(ColumnDef::new(ProgramModule::Summary).text().not_null())
                    .col(
                        ColumnDef::new(ProgramModule::UnlockRule)
                            .string()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ProgramModule::UnlockAfterDays)
                            .integer()
                            .null(),
                    )
                    .col(ColumnDef::new(ProgramModule::Homework).json().not_null())
                    .col(ColumnDef::new(ProgramModule::CheckIns).json().not_null())
                    .col(ColumnDef::new(ProgramModule::ResourceIds).json().not_null())
                    .col(ColumnDef::new(ProgramModule::Measure).string().null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(ProgramModule::Table, ProgramModule::ProgramId)
                            .to(Program::Table, Program::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_program_module_position")
                    .table(ProgramModule::Table)
                    .col(ProgramModule::ProgramId)
                    .col(ProgramModule::Position)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ProgramEnrollment::Table)
                    .col(
                        ColumnDef::new(ProgramEnrollment::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(ProgramEnrollment::PracticeId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ProgramEnrollment::ClientId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ProgramEnrollment::ProgramId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ProgramEnrollment::Status)
                            .string()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ProgramEnrollment::EnrolledBy)
                            .uuid()
                            .not_null(),
                    )
                    .col(ts(ProgramEnrollment::EnrolledAt))
                    .col(
                        ColumnDef::new(ProgramEnrollment::PausedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(ProgramEnrollment::EndedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(ProgramEnrollment::Version)
                            .integer()
                            .not_null(),
                    )
                    .col(ts(ProgramEnrollment::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ProgramEnrollment::Table, ProgramEnrollment::ClientId)
                            .to(Client::Table, Client::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ProgramEnrollment::Table, ProgramEnrollment::ProgramId)
                            .to(Program::Table, Program::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_program_enrollment_client_program")
                    .table(ProgramEnrollment::Table)
                    .col(ProgramEnrollment::ClientId)
                    .col(ProgramEnrollment::ProgramId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ProgramUnlock::Table)
                    .col(
                        ColumnDef::new(ProgramUnlock::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(ProgramUnlock::EnrollmentId)
                            .uuid()
                            .not_null(),
                    )
                    .col(ColumnDef::new(ProgramUnlock::ModuleId).uuid().not_null())
                    .col(ColumnDef::new(ProgramUnlock::PracticeId).uuid().not_null())
                    .col(ColumnDef::new(ProgramUnlock::ClientId).uuid().not_null())
                    .col(ColumnDef::new(ProgramUnlock::Position).integer().not_null())
                    .col(ColumnDef::new(ProgramUnlock::Reason).string().not_null())
                    .col(ColumnDef::new(ProgramUnlock::UnlockedBy).uuid().null())
                    .col(ts(ProgramUnlock::UnlockedAt))
                    .col(ColumnDef::new(ProgramUnlock::HomeworkIds).json().not_null())
                    .col(ColumnDef::new(ProgramUnlock::CheckInIds).json().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(ProgramUnlock::Table, ProgramUnlock::EnrollmentId)
                            .to(ProgramEnrollment::Table, ProgramEnrollment::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_program_unlock_enrollment_module")
                    .table(ProgramUnlock::Table)
                    .col(ProgramUnlock::EnrollmentId)
                    .col(ProgramUnlock::ModuleId)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ProgramUnlock::Table.into_iden(),
            ProgramEnrollment::Table.into_iden(),
            ProgramModule::Table.into_iden(),
            Program::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
