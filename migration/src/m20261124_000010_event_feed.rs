//! The event log as a feed subscribers can resume without gaps: on PostgreSQL each event
//! records the id of the transaction that wrote it, so a reader can tell committed history
//! (every transaction older than the oldest one still running) from what may still change.
//! SQLite serializes writers, so its sequence order is commit order and needs nothing more.
use sea_orm_migration::{prelude::*, schema::*, sea_orm::DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Event {
    Table,
    TxId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Event::Table)
                    .add_column(big_integer_null(Event::TxId))
                    .to_owned(),
            )
            .await?;
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            let db = manager.get_connection();
            db.execute_unprepared(
                "ALTER TABLE event ALTER COLUMN tx_id SET DEFAULT (pg_current_xact_id()::text::bigint)",
            )
            .await?;
            db.execute_unprepared("CREATE INDEX idx_event_tx_id ON event (tx_id, sequence)")
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("DROP INDEX IF EXISTS idx_event_tx_id")
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Event::Table)
                    .drop_column(Event::TxId)
                    .to_owned(),
            )
            .await
    }
}
