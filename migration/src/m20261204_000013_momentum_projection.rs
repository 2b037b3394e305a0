//! The momentum projection: each client's momentum figures as last computed, so the caseload
//! pages in SQL and `Client.momentum` reads one row instead of every record of the window.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MomentumProjection {
    Table,
    ClientId,
    PracticeId,
    AsOf,
    WindowDays,
    ThroughSequence,
    Score,
    LastActivityAt,
    Figures,
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
                    .table(MomentumProjection::Table)
                    .col(
                        ColumnDef::new(MomentumProjection::ClientId)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(MomentumProjection::PracticeId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(MomentumProjection::AsOf)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(MomentumProjection::WindowDays)
                            .integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(MomentumProjection::ThroughSequence)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(MomentumProjection::Score).integer().null())
                    .col(
                        ColumnDef::new(MomentumProjection::LastActivityAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(MomentumProjection::Figures)
                            .json()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(MomentumProjection::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(MomentumProjection::Table, MomentumProjection::ClientId)
                            .to(Client::Table, Client::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_momentum_projection_practice_score")
                    .table(MomentumProjection::Table)
                    .col(MomentumProjection::PracticeId)
                    .col(MomentumProjection::Score)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(MomentumProjection::Table).to_owned())
            .await
    }
}
