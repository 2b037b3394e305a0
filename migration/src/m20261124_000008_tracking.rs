//! Self-monitoring: trackers (MOOD, ANXIETY and custom ones), their entries, and thought
//! records with their emotions. Every existing client gets the two built-in trackers.
//!
//! Entries keep the client's local date, day number and minute of the day as they were
//! when the entry was recorded, so trends group by local day in SQL on both databases and
//! stay correct across daylight-saving changes.
use ::uuid::Uuid;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Client {
    Table,
    Id,
    PracticeId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Tracker {
    Table,
    Id,
    PracticeId,
    ClientId,
    Kind,
    Builtin,
    Name,
    ValueType,
    MinValue,
    MaxValue,
    Unit,
    GoalId,
    PromptTimes,
    ArchivedAt,
    CreatedBy,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum TrackerEntry {
    Table,
    Id,
    PracticeId,
    ClientId,
    TrackerId,
    RecordedAt,
    LocalDate,
    LocalDay,
    LocalMinute,
    Value,
    Context,
    Note,
    Visibility,
    CreatedBy,
    CreatedByRole,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ThoughtRecord {
    Table,
    Id,
    PracticeId,
    ClientId,
    RecordedAt,
    Situation,
    AutomaticThought,
    BeliefBefore,
    EvidenceFor,
    EvidenceAgainst,
    Distortions,
    BalancedThought,
    BeliefAfter,
    Visibility,
    CreatedBy,
    CreatedByRole,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ThoughtRecordEmotion {
    Table,
    Id,
    ThoughtRecordId,
    Position,
    Name,
    IntensityBefore,
    IntensityAfter,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Tracker::Table)
                    .col(uuid(Tracker::Id).primary_key())
                    .col(uuid(Tracker::PracticeId))
                    .col(uuid(Tracker::ClientId))
                    .col(string_len(Tracker::Kind, 16))
                    // MOOD or ANXIETY for the built-ins (one each per client), else NULL.
                    .col(string_len_null(Tracker::Builtin, 16))
                    .col(string_len(Tracker::Name, 80))
                    .col(string_len(Tracker::ValueType, 24))
                    .col(double(Tracker::MinValue))
                    .col(double(Tracker::MaxValue))
                    .col(string_len_null(Tracker::Unit, 40))
                    .col(uuid_null(Tracker::GoalId))
                    .col(json_binary(Tracker::PromptTimes))
                    .col(timestamp_with_time_zone_null(Tracker::ArchivedAt))
                    .col(uuid(Tracker::CreatedBy))
                    .col(integer(Tracker::Version))
                    .col(timestamp_with_time_zone(Tracker::CreatedAt))
                    .col(timestamp_with_time_zone(Tracker::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_tracker_client")
                            .from(Tracker::Table, Tracker::ClientId)
                            .to(Client::Table, Client::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_tracker_client_builtin")
                    .table(Tracker::Table)
                    .col(Tracker::ClientId)
                    .col(Tracker::Builtin)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TrackerEntry::Table)
                    .col(uuid(TrackerEntry::Id).primary_key())
                    .col(uuid(TrackerEntry::PracticeId))
                    .col(uuid(TrackerEntry::ClientId))
                    .col(uuid(TrackerEntry::TrackerId))
                    .col(timestamp_with_time_zone(TrackerEntry::RecordedAt))
                    .col(date(TrackerEntry::LocalDate))
                    // Days since 1970-01-01 of the local date (integer arithmetic in SQL).
                    .col(integer(TrackerEntry::LocalDay))
                    .col(integer(TrackerEntry::LocalMinute))
                    .col(double(TrackerEntry::Value))
                    .col(string_len_null(TrackerEntry::Context, 120))
                    .col(text_null(TrackerEntry::Note))
                    .col(string_len(TrackerEntry::Visibility, 8))
                    .col(uuid(TrackerEntry::CreatedBy))
                    .col(string_len(TrackerEntry::CreatedByRole, 24))
                    .col(timestamp_with_time_zone(TrackerEntry::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_tracker_entry_tracker")
                            .from(TrackerEntry::Table, TrackerEntry::TrackerId)
                            .to(Tracker::Table, Tracker::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_tracker_entry_tracker_day")
                    .table(TrackerEntry::Table)
                    .col(TrackerEntry::TrackerId)
                    .col(TrackerEntry::LocalDay)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_tracker_entry_tracker_recorded")
                    .table(TrackerEntry::Table)
                    .col(TrackerEntry::TrackerId)
                    .col(TrackerEntry::RecordedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_tracker_entry_client_day")
                    .table(TrackerEntry::Table)
                    .col(TrackerEntry::ClientId)
                    .col(TrackerEntry::LocalDay)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ThoughtRecord::Table)
                    .col(uuid(ThoughtRecord::Id).primary_key())
                    .col(uuid(ThoughtRecord::PracticeId))
                    .col(uuid(ThoughtRecord::ClientId))
                    .col(timestamp_with_time_zone(ThoughtRecord::RecordedAt))
                    .col(text(ThoughtRecord::Situation))
                    .col(text(ThoughtRecord::AutomaticThought))
                    .col(integer(ThoughtRecord::BeliefBefore))
                    .col(text_null(ThoughtRecord::EvidenceFor))
                    .col(text_null(ThoughtRecord::EvidenceAgainst))
                    .col(json_binary(ThoughtRecord::Distortions))
                    .col(text_null(ThoughtRecord::BalancedThought))
                    .col(integer_null(ThoughtRecord::BeliefAfter))
                    .col(string_len(ThoughtRecord::Visibility, 8))
                    .col(uuid(ThoughtRecord::CreatedBy))
                    .col(string_len(ThoughtRecord::CreatedByRole, 24))
                    .col(timestamp_with_time_zone(ThoughtRecord::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_thought_record_client")
                            .from(ThoughtRecord::Table, ThoughtRecord::ClientId)
                            .to(Client::Table, Client::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_thought_record_client_recorded")
                    .table(ThoughtRecord::Table)
                    .col(ThoughtRecord::ClientId)
                    .col(ThoughtRecord::RecordedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ThoughtRecordEmotion::Table)
                    .col(uuid(ThoughtRecordEmotion::Id).primary_key())
                    .col(uuid(ThoughtRecordEmotion::ThoughtRecordId))
                    .col(integer(ThoughtRecordEmotion::Position))
                    .col(string_len(ThoughtRecordEmotion::Name, 60))
                    .col(integer(ThoughtRecordEmotion::IntensityBefore))
                    .col(integer(ThoughtRecordEmotion::IntensityAfter))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_thought_record_emotion_record")
                            .from(
                                ThoughtRecordEmotion::Table,
                                ThoughtRecordEmotion::ThoughtRecordId,
                            )
                            .to(ThoughtRecord::Table, ThoughtRecord::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_thought_record_emotion_record")
                    .table(ThoughtRecordEmotion::Table)
                    .col(ThoughtRecordEmotion::ThoughtRecordId)
                    .to_owned(),
            )
            .await?;
        builtins_for_existing_clients(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ThoughtRecordEmotion::Table.into_iden(),
            ThoughtRecord::Table.into_iden(),
            TrackerEntry::Table.into_iden(),
            Tracker::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

/// Gives every client that exists before this migration its MOOD and ANXIETY trackers
/// (new clients get them when they are created).
async fn builtins_for_existing_clients(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let select = Query::select()
        .columns([Client::Id, Client::PracticeId])
        .from(Client::Table)
        .order_by(Client::CreatedAt, Order::Asc)
        .to_owned();
    let rows = db.query_all(&select).await?;
    let now = chrono::Utc::now();
    for row in rows {
        let id: Uuid = row.try_get("", "id")?;
        let practice_id: Uuid = row.try_get("", "practice_id")?;
        for (builtin, name, max, unit) in [
            ("MOOD", "Mood", 10.0, None::<&str>),
            ("ANXIETY", "Anxiety (SUDS)", 100.0, Some("SUDS")),
        ] {
            let insert = Query::insert()
                .into_table(Tracker::Table)
                .columns([
                    Tracker::Id,
                    Tracker::PracticeId,
                    Tracker::ClientId,
                    Tracker::Kind,
                    Tracker::Builtin,
                    Tracker::Name,
                    Tracker::ValueType,
                    Tracker::MinValue,
                    Tracker::MaxValue,
                    Tracker::Unit,
                    Tracker::PromptTimes,
                    Tracker::CreatedBy,
                    Tracker::Version,
                    Tracker::CreatedAt,
                    Tracker::UpdatedAt,
                ])
                .values_panic([
                    Uuid::now_v7().into(),
                    practice_id.into(),
                    id.into(),
                    builtin.into(),
                    builtin.into(),
                    name.into(),
                    "SCALE".into(),
                    0.0_f64.into(),
                    max.into(),
                    unit.map(str::to_owned).into(),
                    serde_json::json!([]).into(),
                    id.into(),
                    1.into(),
                    now.into(),
                    now.into(),
                ])
                .to_owned();
            db.execute(&insert).await?;
        }
    }
    Ok(())
}
