//! Sign-in attempts counted in the database, per key and minute, so the limit holds across
//! every replica (`api/src/ratelimit.rs`). Keys are SHA-256 hashes: no email is stored.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AttemptCounter {
    Table,
    KeyHash,
    Minute,
    Attempts,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AttemptCounter::Table)
                    .col(ColumnDef::new(AttemptCounter::KeyHash).string().not_null())
                    .col(
                        ColumnDef::new(AttemptCounter::Minute)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AttemptCounter::Attempts)
                            .integer()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(AttemptCounter::KeyHash)
                            .col(AttemptCounter::Minute),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_attempt_counter_minute")
                    .table(AttemptCounter::Table)
                    .col(AttemptCounter::Minute)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AttemptCounter::Table).to_owned())
            .await
    }
}
