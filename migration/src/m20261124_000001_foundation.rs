//! Practices, users, clients and care teams, invitations, tokens, API credentials,
//! the event outbox and the audit log.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Practice {
    Table,
    Id,
    Name,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AppUser {
    Table,
    Id,
    PracticeId,
    Email,
    PasswordHash,
    Role,
    DisplayName,
    DisabledAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Client {
    Table,
    Id,
    PracticeId,
    DisplayName,
    Timezone,
    Status,
    ExternalRef,
    UserId,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CareTeam {
    Table,
    ClientId,
    UserId,
    PracticeId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Invitation {
    Table,
    Id,
    PracticeId,
    CodeHash,
    Role,
    Email,
    DisplayName,
    ClientId,
    CreatedBy,
    ExpiresAt,
    AcceptedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RefreshToken {
    Table,
    Id,
    PracticeId,
    UserId,
    FamilyId,
    TokenHash,
    ExpiresAt,
    UsedAt,
    RevokedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ApiCredential {
    Table,
    Id,
    PracticeId,
    Name,
    SecretHash,
    Scopes,
    CreatedBy,
    RevokedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Event {
    Table,
    Sequence,
    Id,
    PracticeId,
    ClientId,
    Kind,
    EntityId,
    Payload,
    ActorId,
    ActorRole,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    PracticeId,
    ActorId,
    ActorRole,
    Operation,
    ClientId,
    EntityIds,
    Outcome,
    RequestId,
    CreatedAt,
}

fn fk(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Practice::Table)
                    .col(uuid(Practice::Id).primary_key())
                    .col(string(Practice::Name))
                    .col(timestamp_with_time_zone(Practice::CreatedAt))
                    .col(timestamp_with_time_zone(Practice::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AppUser::Table)
                    .col(uuid(AppUser::Id).primary_key())
                    .col(uuid(AppUser::PracticeId))
                    .col(string_uniq(AppUser::Email))
                    .col(string(AppUser::PasswordHash))
                    .col(string(AppUser::Role))
                    .col(string(AppUser::DisplayName))
                    .col(timestamp_with_time_zone_null(AppUser::DisabledAt))
                    .col(timestamp_with_time_zone(AppUser::CreatedAt))
                    .col(timestamp_with_time_zone(AppUser::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_app_user_practice",
                        (AppUser::Table, AppUser::PracticeId),
                        (Practice::Table, Practice::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_app_user_practice_role")
                    .table(AppUser::Table)
                    .col(AppUser::PracticeId)
                    .col(AppUser::Role)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Client::Table)
                    .col(uuid(Client::Id).primary_key())
                    .col(uuid(Client::PracticeId))
                    .col(string(Client::DisplayName))
                    .col(string(Client::Timezone))
                    .col(string(Client::Status))
                    .col(string_null(Client::ExternalRef))
                    .col(uuid_null(Client::UserId).unique_key())
                    .col(integer(Client::Version))
                    .col(timestamp_with_time_zone(Client::CreatedAt))
                    .col(timestamp_with_time_zone(Client::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_client_practice",
                        (Client::Table, Client::PracticeId),
                        (Practice::Table, Practice::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_client_user",
                        (Client::Table, Client::UserId),
                        (AppUser::Table, AppUser::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_client_practice_name")
                    .table(Client::Table)
                    .col(Client::PracticeId)
                    .col(Client::DisplayName)
                    .col(Client::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_client_practice_external_ref")
                    .table(Client::Table)
                    .col(Client::PracticeId)
                    .col(Client::ExternalRef)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(CareTeam::Table)
                    .col(uuid(CareTeam::ClientId))
                    .col(uuid(CareTeam::UserId))
                    .col(uuid(CareTeam::PracticeId))
                    .col(timestamp_with_time_zone(CareTeam::CreatedAt))
                    .col(timestamp_with_time_zone(CareTeam::UpdatedAt))
                    .primary_key(
                        Index::create()
                            .col(CareTeam::ClientId)
                            .col(CareTeam::UserId),
                    )
                    .foreign_key(&mut fk(
                        "fk_care_team_client",
                        (CareTeam::Table, CareTeam::ClientId),
                        (Client::Table, Client::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_care_team_user",
                        (CareTeam::Table, CareTeam::UserId),
                        (AppUser::Table, AppUser::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_care_team_user")
                    .table(CareTeam::Table)
                    .col(CareTeam::UserId)
                    .col(CareTeam::ClientId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Invitation::Table)
                    .col(uuid(Invitation::Id).primary_key())
                    .col(uuid(Invitation::PracticeId))
                    .col(string_uniq(Invitation::CodeHash))
                    .col(string(Invitation::Role))
                    .col(string_null(Invitation::Email))
                    .col(string_null(Invitation::DisplayName))
                    .col(uuid_null(Invitation::ClientId))
                    .col(uuid(Invitation::CreatedBy))
                    .col(timestamp_with_time_zone(Invitation::ExpiresAt))
                    .col(timestamp_with_time_zone_null(Invitation::AcceptedAt))
                    .col(timestamp_with_time_zone(Invitation::CreatedAt))
                    .col(timestamp_with_time_zone(Invitation::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_invitation_practice",
                        (Invitation::Table, Invitation::PracticeId),
                        (Practice::Table, Practice::Id),
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RefreshToken::Table)
                    .col(uuid(RefreshToken::Id).primary_key())
                    .col(uuid(RefreshToken::PracticeId))
                    .col(uuid(RefreshToken::UserId))
                    .col(uuid(RefreshToken::FamilyId))
                    .col(string_uniq(RefreshToken::TokenHash))
                    .col(timestamp_with_time_zone(RefreshToken::ExpiresAt))
                    .col(timestamp_with_time_zone_null(RefreshToken::UsedAt))
                    .col(timestamp_with_time_zone_null(RefreshToken::RevokedAt))
                    .col(timestamp_with_time_zone(RefreshToken::CreatedAt))
                    .col(timestamp_with_time_zone(RefreshToken::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_refresh_token_user",
                        (RefreshToken::Table, RefreshToken::UserId),
                        (AppUser::Table, AppUser::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_refresh_token_family")
                    .table(RefreshToken::Table)
                    .col(RefreshToken::FamilyId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_refresh_token_user")
                    .table(RefreshToken::Table)
                    .col(RefreshToken::UserId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ApiCredential::Table)
                    .col(uuid(ApiCredential::Id).primary_key())
                    .col(uuid(ApiCredential::PracticeId))
                    .col(string(ApiCredential::Name))
                    .col(string(ApiCredential::SecretHash))
                    .col(string(ApiCredential::Scopes))
                    .col(uuid(ApiCredential::CreatedBy))
                    .col(timestamp_with_time_zone_null(ApiCredential::RevokedAt))
                    .col(timestamp_with_time_zone(ApiCredential::CreatedAt))
                    .col(timestamp_with_time_zone(ApiCredential::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_api_credential_practice",
                        (ApiCredential::Table, ApiCredential::PracticeId),
                        (Practice::Table, Practice::Id),
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Event::Table)
                    .col(big_pk_auto(Event::Sequence))
                    .col(uuid_uniq(Event::Id))
                    .col(uuid(Event::PracticeId))
                    .col(uuid_null(Event::ClientId))
                    .col(string(Event::Kind))
                    .col(uuid(Event::EntityId))
                    .col(json_binary(Event::Payload))
                    .col(uuid_null(Event::ActorId))
                    .col(string_null(Event::ActorRole))
                    .col(timestamp_with_time_zone(Event::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_event_practice_sequence")
                    .table(Event::Table)
                    .col(Event::PracticeId)
                    .col(Event::Sequence)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_event_client_sequence")
                    .table(Event::Table)
                    .col(Event::ClientId)
                    .col(Event::Sequence)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(uuid(AuditLog::Id).primary_key())
                    .col(uuid(AuditLog::PracticeId))
                    .col(uuid(AuditLog::ActorId))
                    .col(string(AuditLog::ActorRole))
                    .col(string(AuditLog::Operation))
                    .col(uuid_null(AuditLog::ClientId))
                    .col(json_binary(AuditLog::EntityIds))
                    .col(string(AuditLog::Outcome))
                    .col(string(AuditLog::RequestId))
                    .col(timestamp_with_time_zone(AuditLog::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_log_practice_client")
                    .table(AuditLog::Table)
                    .col(AuditLog::PracticeId)
                    .col(AuditLog::ClientId)
                    .col(AuditLog::CreatedAt)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AuditLog::Table.into_iden(),
            Event::Table.into_iden(),
            ApiCredential::Table.into_iden(),
            RefreshToken::Table.into_iden(),
            Invitation::Table.into_iden(),
            CareTeam::Table.into_iden(),
            Client::Table.into_iden(),
            AppUser::Table.into_iden(),
            Practice::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
