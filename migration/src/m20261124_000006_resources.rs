//! The practice's resource library, resources shared with clients, and clients' support
//! contacts.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Client {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Resource {
    Table,
    Id,
    PracticeId,
    Title,
    Kind,
    Url,
    Description,
    Tags,
    ArchivedAt,
    CreatedBy,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ResourceShare {
    Table,
    Id,
    PracticeId,
    ClientId,
    ResourceId,
    Note,
    SharedBy,
    OpenedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SupportContact {
    Table,
    Id,
    PracticeId,
    ClientId,
    Name,
    Relationship,
    HowTheyHelp,
    Phone,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Resource::Table)
                    .col(uuid(Resource::Id).primary_key())
                    .col(uuid(Resource::PracticeId))
                    .col(string(Resource::Title))
                    .col(string(Resource::Kind))
                    .col(string_null(Resource::Url))
                    .col(text(Resource::Description))
                    .col(json_binary(Resource::Tags))
                    .col(timestamp_with_time_zone_null(Resource::ArchivedAt))
                    .col(uuid(Resource::CreatedBy))
                    .col(integer(Resource::Version))
                    .col(timestamp_with_time_zone(Resource::CreatedAt))
                    .col(timestamp_with_time_zone(Resource::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ResourceShare::Table)
                    .col(uuid(ResourceShare::Id).primary_key())
                    .col(uuid(ResourceShare::PracticeId))
                    .col(uuid(ResourceShare::ClientId))
                    .col(uuid(ResourceShare::ResourceId))
                    .col(text_null(ResourceShare::Note))
                    .col(uuid(ResourceShare::SharedBy))
                    .col(timestamp_with_time_zone_null(ResourceShare::OpenedAt))
                    .col(timestamp_with_time_zone(ResourceShare::CreatedAt))
                    .col(timestamp_with_time_zone(ResourceShare::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_resource_share_client")
                            .from(ResourceShare::Table, ResourceShare::ClientId)
                            .to(Client::Table, Client::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_resource_share_resource")
                            .from(ResourceShare::Table, ResourceShare::ResourceId)
                            .to(Resource::Table, Resource::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        // A resource is shared with a client once; sharing again updates the note.
        manager
            .create_index(
                Index::create()
                    .name("uq_resource_share_client_resource")
                    .table(ResourceShare::Table)
                    .col(ResourceShare::ClientId)
                    .col(ResourceShare::ResourceId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SupportContact::Table)
                    .col(uuid(SupportContact::Id).primary_key())
                    .col(uuid(SupportContact::PracticeId))
                    .col(uuid(SupportContact::ClientId))
                    .col(string(SupportContact::Name))
                    .col(string(SupportContact::Relationship))
                    .col(text_null(SupportContact::HowTheyHelp))
                    .col(string_null(SupportContact::Phone))
                    .col(integer(SupportContact::Version))
                    .col(timestamp_with_time_zone(SupportContact::CreatedAt))
                    .col(timestamp_with_time_zone(SupportContact::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_support_contact_client")
                            .from(SupportContact::Table, SupportContact::ClientId)
                            .to(Client::Table, Client::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            SupportContact::Table.into_iden(),
            ResourceShare::Table.into_iden(),
            Resource::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
