//! Automation rules (issue 18): a practice's rules (practice-wide, or for one client), every
//! version of each (like action-plan revisions), each firing (unique per rule and event, so a
//! rule fires once for an event whichever replica runs the automation job) with its reason
//! and outcome, the practice's setting for who manages rules, and on each event the firing
//! that caused it and its automation depth (so a rule's own actions trigger rules at most one
//! level on).
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AutomationRule {
    Table,
    Id,
    PracticeId,
    ClientId,
    Name,
    Trigger,
    Conditions,
    Actions,
    Enabled,
    CreatedBy,
    Version,
    CreatedAt,
    UpdatedAt,
    ArchivedAt,
}

#[derive(DeriveIden)]
enum AutomationRuleVersion {
    Table,
    Id,
    RuleId,
    PracticeId,
    Version,
    Name,
    Trigger,
    Conditions,
    Actions,
    Enabled,
    Archived,
    ChangedBy,
    ChangedAt,
}

#[derive(DeriveIden)]
enum AutomationFiring {
    Table,
    Id,
    PracticeId,
    RuleId,
    RuleVersion,
    ClientId,
    EventId,
    EventKind,
    EventAt,
    Depth,
    Status,
    Reason,
    Outcome,
    Attempts,
    LastError,
    NextAttemptAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AutomationSetting {
    Table,
    PracticeId,
    TherapistsManage,
    UpdatedBy,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Event {
    Table,
    AutomationFiringId,
    AutomationDepth,
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

fn ts_null(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AutomationRule::Table)
                    .col(
                        ColumnDef::new(AutomationRule::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(AutomationRule::PracticeId).uuid().not_null())
                    .col(ColumnDef::new(AutomationRule::ClientId).uuid().null())
                    .col(ColumnDef::new(AutomationRule::Name).string().not_null())
                    .col(ColumnDef::new(AutomationRule::Trigger).string().not_null())
                    .col(ColumnDef::new(AutomationRule::Conditions).json().not_null())
                    .col(ColumnDef::new(AutomationRule::Actions).json().not_null())
                    .col(ColumnDef::new(AutomationRule::Enabled).boolean().not_null())
                    .col(ColumnDef::new(AutomationRule::CreatedBy).uuid().not_null())
                    .col(ColumnDef::new(AutomationRule::Version).integer().not_null())
                    .col(ts(AutomationRule::CreatedAt))
                    .col(ts(AutomationRule::UpdatedAt))
                    .col(ts_null(AutomationRule::ArchivedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(AutomationRule::Table, AutomationRule::ClientId)
                            .to(Client::Table, Client::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_automation_rule_practice_trigger")
                    .table(AutomationRule::Table)
                    .col(AutomationRule::PracticeId)
                    .col(AutomationRule::Trigger)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AutomationRuleVersion::Table)
                    .col(
                        ColumnDef::new(AutomationRuleVersion::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(AutomationRuleVersion::RuleId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AutomationRuleVersion::PracticeId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AutomationRuleVersion::Version)
                            .integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AutomationRuleVersion::Name)
                            .string()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AutomationRuleVersion::Trigger)
                            .string()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AutomationRuleVersion::Conditions)
                            .json()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AutomationRuleVersion::Actions)
                            .json()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AutomationRuleVersion::Enabled)
                            .boolean()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AutomationRuleVersion::Archived)
                            .boolean()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AutomationRuleVersion::ChangedBy)
                            .uuid()
                            .not_null(),
                    )
                    .col(ts(AutomationRuleVersion::ChangedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(AutomationRuleVersion::Table, AutomationRuleVersion::RuleId)
                            .to(AutomationRule::Table, AutomationRule::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_automation_rule_version")
                    .table(AutomationRuleVersion::Table)
                    .col(AutomationRuleVersion::RuleId)
                    .col(AutomationRuleVersion::Version)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AutomationFiring::Table)
                    .col(
                        ColumnDef::new(AutomationFiring::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(AutomationFiring::PracticeId)
                            .uuid()
                            .not_null(),
                    )
                    .col(ColumnDef::new(AutomationFiring::RuleId).uuid().not_null())
                    .col(
                        ColumnDef::new(AutomationFiring::RuleVersion)
                            .integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(AutomationFiring::ClientId).uuid().not_null())
                    .col(ColumnDef::new(AutomationFiring::EventId).uuid().not_null())
                    .col(
                        ColumnDef::new(AutomationFiring::EventKind)
                            .string()
                            .not_null(),
                    )
                    .col(ts(AutomationFiring::EventAt))
                    .col(ColumnDef::new(AutomationFiring::Depth).integer().not_null())
                    .col(ColumnDef::new(AutomationFiring::Status).string().not_null())
                    .col(ColumnDef::new(AutomationFiring::Reason).text().not_null())
                    .col(ColumnDef::new(AutomationFiring::Outcome).json().not_null())
                    .col(
                        ColumnDef::new(AutomationFiring::Attempts)
                            .integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(AutomationFiring::LastError).text().null())
                    .col(ts_null(AutomationFiring::NextAttemptAt))
                    .col(ts(AutomationFiring::CreatedAt))
                    .col(ts(AutomationFiring::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(AutomationFiring::Table, AutomationFiring::RuleId)
                            .to(AutomationRule::Table, AutomationRule::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(AutomationFiring::Table, AutomationFiring::ClientId)
                            .to(Client::Table, Client::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_automation_firing_rule_event")
                    .table(AutomationFiring::Table)
                    .col(AutomationFiring::RuleId)
                    .col(AutomationFiring::EventId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_automation_firing_status_next")
                    .table(AutomationFiring::Table)
                    .col(AutomationFiring::Status)
                    .col(AutomationFiring::NextAttemptAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_automation_firing_practice_created")
                    .table(AutomationFiring::Table)
                    .col(AutomationFiring::PracticeId)
                    .col(AutomationFiring::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AutomationSetting::Table)
                    .col(
                        ColumnDef::new(AutomationSetting::PracticeId)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(AutomationSetting::TherapistsManage)
                            .boolean()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AutomationSetting::UpdatedBy)
                            .uuid()
                            .not_null(),
                    )
                    .col(ts(AutomationSetting::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Event::Table)
                    .add_column(ColumnDef::new(Event::AutomationFiringId).uuid().null())
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Event::Table)
                    .add_column(
                        ColumnDef::new(Event::AutomationDepth)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Event::AutomationDepth, Event::AutomationFiringId] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Event::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for table in [
            AutomationSetting::Table.into_iden(),
            AutomationFiring::Table.into_iden(),
            AutomationRuleVersion::Table.into_iden(),
            AutomationRule::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
