//! Standardised measures (PHQ-9, GAD-7): responses with their scoring as computed when
//! submitted, assignments (every N days), per-practice thresholds; and clinical alerts.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Client {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Practice {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum MeasureResponse {
    Table,
    Id,
    PracticeId,
    ClientId,
    Instrument,
    Answers,
    Total,
    Severity,
    SafetyFlag,
    ChangeFromBaseline,
    ChangeFromPrevious,
    ReliableChange,
    Response,
    Remission,
    AdministeredAt,
    SubmittedBy,
    SubmittedByRole,
    CreatedAt,
}

#[derive(DeriveIden)]
enum MeasureAssignment {
    Table,
    Id,
    PracticeId,
    ClientId,
    Instrument,
    EveryDays,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum MeasureSetting {
    Table,
    PracticeId,
    Phq9ReliableChange,
    Gad7ReliableChange,
    SafetyItemThreshold,
    UpdatedBy,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Alert {
    Table,
    Id,
    PracticeId,
    ClientId,
    Kind,
    Severity,
    Status,
    /// The client's local date while the alert is unresolved, NULL once resolved: the
    /// unique key (client, kind, open_day) allows one unresolved alert per kind and day.
    OpenDay,
    Reason,
    MeasureId,
    RaisedAt,
    AcknowledgedAt,
    AcknowledgedBy,
    ResolvedAt,
    ResolvedBy,
    ResolutionNote,
    Version,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(MeasureResponse::Table)
                    .col(uuid(MeasureResponse::Id).primary_key())
                    .col(uuid(MeasureResponse::PracticeId))
                    .col(uuid(MeasureResponse::ClientId))
                    .col(string_len(MeasureResponse::Instrument, 16))
                    .col(json_binary(MeasureResponse::Answers))
                    .col(integer(MeasureResponse::Total))
                    .col(string_len(MeasureResponse::Severity, 24))
                    .col(boolean(MeasureResponse::SafetyFlag))
                    .col(integer_null(MeasureResponse::ChangeFromBaseline))
                    .col(integer_null(MeasureResponse::ChangeFromPrevious))
                    .col(string_len_null(MeasureResponse::ReliableChange, 32))
                    .col(boolean_null(MeasureResponse::Response))
                    .col(boolean_null(MeasureResponse::Remission))
                    .col(timestamp_with_time_zone(MeasureResponse::AdministeredAt))
                    .col(uuid(MeasureResponse::SubmittedBy))
                    .col(string_len(MeasureResponse::SubmittedByRole, 24))
                    .col(timestamp_with_time_zone(MeasureResponse::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_measure_response_client")
                            .from(MeasureResponse::Table, MeasureResponse::ClientId)
                            .to(Client::Table, Client::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_measure_response_client_instrument")
                    .table(MeasureResponse::Table)
                    .col(MeasureResponse::ClientId)
                    .col(MeasureResponse::Instrument)
                    .col(MeasureResponse::AdministeredAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(MeasureAssignment::Table)
                    .col(uuid(MeasureAssignment::Id).primary_key())
                    .col(uuid(MeasureAssignment::PracticeId))
                    .col(uuid(MeasureAssignment::ClientId))
                    .col(string_len(MeasureAssignment::Instrument, 16))
                    .col(integer(MeasureAssignment::EveryDays))
                    .col(uuid(MeasureAssignment::CreatedBy))
                    .col(timestamp_with_time_zone(MeasureAssignment::CreatedAt))
                    .col(timestamp_with_time_zone(MeasureAssignment::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_measure_assignment_client")
                            .from(MeasureAssignment::Table, MeasureAssignment::ClientId)
                            .to(Client::Table, Client::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_measure_assignment_client_instrument")
                    .table(MeasureAssignment::Table)
                    .col(MeasureAssignment::ClientId)
                    .col(MeasureAssignment::Instrument)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(MeasureSetting::Table)
                    .col(uuid(MeasureSetting::PracticeId).primary_key())
                    .col(integer(MeasureSetting::Phq9ReliableChange))
                    .col(integer(MeasureSetting::Gad7ReliableChange))
                    .col(integer(MeasureSetting::SafetyItemThreshold))
                    .col(uuid(MeasureSetting::UpdatedBy))
                    .col(timestamp_with_time_zone(MeasureSetting::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_measure_setting_practice")
                            .from(MeasureSetting::Table, MeasureSetting::PracticeId)
                            .to(Practice::Table, Practice::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Alert::Table)
                    .col(uuid(Alert::Id).primary_key())
                    .col(uuid(Alert::PracticeId))
                    .col(uuid(Alert::ClientId))
                    .col(string_len(Alert::Kind, 24))
                    .col(integer(Alert::Severity))
                    .col(string_len(Alert::Status, 16))
                    .col(date_null(Alert::OpenDay))
                    .col(string_len(Alert::Reason, 300))
                    .col(uuid_null(Alert::MeasureId))
                    .col(timestamp_with_time_zone(Alert::RaisedAt))
                    .col(timestamp_with_time_zone_null(Alert::AcknowledgedAt))
                    .col(uuid_null(Alert::AcknowledgedBy))
                    .col(timestamp_with_time_zone_null(Alert::ResolvedAt))
                    .col(uuid_null(Alert::ResolvedBy))
                    .col(text_null(Alert::ResolutionNote))
                    .col(integer(Alert::Version))
                    .col(timestamp_with_time_zone(Alert::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_alert_client")
                            .from(Alert::Table, Alert::ClientId)
                            .to(Client::Table, Client::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_alert_open_per_kind_and_day")
                    .table(Alert::Table)
                    .col(Alert::ClientId)
                    .col(Alert::Kind)
                    .col(Alert::OpenDay)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_alert_practice_status_order")
                    .table(Alert::Table)
                    .col(Alert::PracticeId)
                    .col(Alert::Status)
                    .col(Alert::Severity)
                    .col(Alert::RaisedAt)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Alert::Table.into_iden(),
            MeasureSetting::Table.into_iden(),
            MeasureAssignment::Table.into_iden(),
            MeasureResponse::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
