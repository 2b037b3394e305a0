//! Webhooks: endpoints of a practice, the durable outbox of deliveries to them (one row per
//! endpoint and event, with every attempt), the stored position of the dispatcher in the
//! event feed, and alerts to practice admins (an endpoint disabled after failing).
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Practice {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Webhook {
    Table,
    Id,
    PracticeId,
    Url,
    /// Space-separated event kinds; empty for every kind.
    Kinds,
    Secret,
    /// The secret before the last rotation, still signed with until `PreviousSecretExpiresAt`.
    PreviousSecret,
    PreviousSecretExpiresAt,
    /// `ACTIVE` or `DISABLED`.
    Status,
    DisabledAt,
    DisabledReason,
    /// Failed attempts since the last success.
    ConsecutiveFailures,
    /// The first failed attempt since the last success.
    FailingSince,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden)]
enum WebhookDelivery {
    Table,
    Id,
    WebhookId,
    PracticeId,
    EventId,
    EventKind,
    /// The JSON body, fixed when the delivery is queued (every attempt sends the same bytes).
    Body,
    /// `PENDING`, `DELIVERED` or `FAILED`.
    Status,
    Attempts,
    NextAttemptAt,
    /// A sender working on it holds it until then (a crashed sender's claim runs out).
    ClaimedUntil,
    LastAttemptAt,
    LastStatusCode,
    LastError,
    DeliveredAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum WebhookAttempt {
    Table,
    Id,
    DeliveryId,
    Attempt,
    AttemptedAt,
    StatusCode,
    Error,
    DurationMs,
}

#[derive(DeriveIden)]
enum JobCursor {
    Table,
    Name,
    Position,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AdminAlert {
    Table,
    Id,
    PracticeId,
    Kind,
    /// What it is about (for WEBHOOK_DISABLED, the webhook).
    SubjectId,
    Reason,
    /// `OPEN` or `ACKNOWLEDGED`.
    Status,
    RaisedAt,
    AcknowledgedAt,
    AcknowledgedBy,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Webhook::Table)
                    .col(uuid(Webhook::Id).primary_key())
                    .col(uuid(Webhook::PracticeId))
                    .col(string_len(Webhook::Url, 2048))
                    .col(text(Webhook::Kinds))
                    .col(string_len(Webhook::Secret, 128))
                    .col(string_len_null(Webhook::PreviousSecret, 128))
                    .col(timestamp_with_time_zone_null(
                        Webhook::PreviousSecretExpiresAt,
                    ))
                    .col(string_len(Webhook::Status, 16))
                    .col(timestamp_with_time_zone_null(Webhook::DisabledAt))
                    .col(string_len_null(Webhook::DisabledReason, 500))
                    .col(integer(Webhook::ConsecutiveFailures))
                    .col(timestamp_with_time_zone_null(Webhook::FailingSince))
                    .col(uuid(Webhook::CreatedBy))
                    .col(timestamp_with_time_zone(Webhook::CreatedAt))
                    .col(timestamp_with_time_zone(Webhook::UpdatedAt))
                    .col(integer(Webhook::Version))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_webhook_practice")
                            .from(Webhook::Table, Webhook::PracticeId)
                            .to(Practice::Table, Practice::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_webhook_practice")
                    .table(Webhook::Table)
                    .col(Webhook::PracticeId)
                    .col(Webhook::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WebhookDelivery::Table)
                    .col(uuid(WebhookDelivery::Id).primary_key())
                    .col(uuid(WebhookDelivery::WebhookId))
                    .col(uuid(WebhookDelivery::PracticeId))
                    .col(uuid(WebhookDelivery::EventId))
                    .col(string_len(WebhookDelivery::EventKind, 48))
                    .col(text(WebhookDelivery::Body))
                    .col(string_len(WebhookDelivery::Status, 16))
                    .col(integer(WebhookDelivery::Attempts))
                    .col(timestamp_with_time_zone(WebhookDelivery::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(WebhookDelivery::ClaimedUntil))
                    .col(timestamp_with_time_zone_null(
                        WebhookDelivery::LastAttemptAt,
                    ))
                    .col(integer_null(WebhookDelivery::LastStatusCode))
                    .col(string_len_null(WebhookDelivery::LastError, 500))
                    .col(timestamp_with_time_zone_null(WebhookDelivery::DeliveredAt))
                    .col(timestamp_with_time_zone(WebhookDelivery::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_webhook_delivery_webhook")
                            .from(WebhookDelivery::Table, WebhookDelivery::WebhookId)
                            .to(Webhook::Table, Webhook::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, cols, unique) in [
            (
                "idx_webhook_delivery_event",
                vec![WebhookDelivery::WebhookId, WebhookDelivery::EventId],
                true,
            ),
            (
                "idx_webhook_delivery_due",
                vec![WebhookDelivery::Status, WebhookDelivery::NextAttemptAt],
                false,
            ),
            (
                "idx_webhook_delivery_list",
                vec![WebhookDelivery::WebhookId, WebhookDelivery::CreatedAt],
                false,
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(WebhookDelivery::Table);
            for c in cols {
                index.col(c);
            }
            if unique {
                index.unique();
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(WebhookAttempt::Table)
                    .col(uuid(WebhookAttempt::Id).primary_key())
                    .col(uuid(WebhookAttempt::DeliveryId))
                    .col(integer(WebhookAttempt::Attempt))
                    .col(timestamp_with_time_zone(WebhookAttempt::AttemptedAt))
                    .col(integer_null(WebhookAttempt::StatusCode))
                    .col(string_len_null(WebhookAttempt::Error, 500))
                    .col(integer(WebhookAttempt::DurationMs))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_webhook_attempt_delivery")
                            .from(WebhookAttempt::Table, WebhookAttempt::DeliveryId)
                            .to(WebhookDelivery::Table, WebhookDelivery::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_webhook_attempt_delivery")
                    .table(WebhookAttempt::Table)
                    .col(WebhookAttempt::DeliveryId)
                    .col(WebhookAttempt::Attempt)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(JobCursor::Table)
                    .col(string_len(JobCursor::Name, 64).primary_key())
                    .col(text(JobCursor::Position))
                    .col(timestamp_with_time_zone(JobCursor::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AdminAlert::Table)
                    .col(uuid(AdminAlert::Id).primary_key())
                    .col(uuid(AdminAlert::PracticeId))
                    .col(string_len(AdminAlert::Kind, 32))
                    .col(uuid(AdminAlert::SubjectId))
                    .col(string_len(AdminAlert::Reason, 500))
                    .col(string_len(AdminAlert::Status, 16))
                    .col(timestamp_with_time_zone(AdminAlert::RaisedAt))
                    .col(timestamp_with_time_zone_null(AdminAlert::AcknowledgedAt))
                    .col(uuid_null(AdminAlert::AcknowledgedBy))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_admin_alert_practice")
                            .from(AdminAlert::Table, AdminAlert::PracticeId)
                            .to(Practice::Table, Practice::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_admin_alert_practice")
                    .table(AdminAlert::Table)
                    .col(AdminAlert::PracticeId)
                    .col(AdminAlert::Status)
                    .col(AdminAlert::RaisedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AdminAlert::Table.into_iden(),
            JobCursor::Table.into_iden(),
            WebhookAttempt::Table.into_iden(),
            WebhookDelivery::Table.into_iden(),
            Webhook::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
