//! Insights: indexes for the momentum score, the caseload dashboard, practice reports and the
//! engagement-alert evaluator, which read each client's homework, entries, goal movement and
//! alerts by client and time.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum HomeworkOccurrence {
    Table,
    ClientId,
    DueAt,
}

#[derive(DeriveIden)]
enum TrackerEntry {
    Table,
    ClientId,
    RecordedAt,
}

#[derive(DeriveIden)]
enum GoalProgress {
    Table,
    ClientId,
    RecordedAt,
}

#[derive(DeriveIden)]
enum GoalStep {
    Table,
    ClientId,
    CompletedAt,
}

#[derive(DeriveIden)]
enum Alert {
    Table,
    ClientId,
    Kind,
    Status,
}

/// (name, table, columns) of every index this migration adds.
fn indexes() -> Vec<(&'static str, DynIden, Vec<DynIden>)> {
    vec![
        (
            "idx_homework_occurrence_client_due",
            HomeworkOccurrence::Table.into_iden(),
            vec![
                HomeworkOccurrence::ClientId.into_iden(),
                HomeworkOccurrence::DueAt.into_iden(),
            ],
        ),
        (
            "idx_tracker_entry_client_recorded",
            TrackerEntry::Table.into_iden(),
            vec![
                TrackerEntry::ClientId.into_iden(),
                TrackerEntry::RecordedAt.into_iden(),
            ],
        ),
        (
            "idx_goal_progress_client_recorded",
            GoalProgress::Table.into_iden(),
            vec![
                GoalProgress::ClientId.into_iden(),
                GoalProgress::RecordedAt.into_iden(),
            ],
        ),
        (
            "idx_goal_step_client_completed",
            GoalStep::Table.into_iden(),
            vec![
                GoalStep::ClientId.into_iden(),
                GoalStep::CompletedAt.into_iden(),
            ],
        ),
        (
            "idx_alert_client_kind_status",
            Alert::Table.into_iden(),
            vec![
                Alert::ClientId.into_iden(),
                Alert::Kind.into_iden(),
                Alert::Status.into_iden(),
            ],
        ),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, cols) in indexes() {
            let mut index = Index::create().name(name).table(table).to_owned();
            for c in cols {
                index.col(c);
            }
            manager.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, _) in indexes() {
            manager
                .drop_index(Index::drop().name(name).table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
