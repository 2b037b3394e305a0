//! Goals, goal steps, goal progress, action plans with their revisions, and the obstacle log.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Client {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Goal {
    Table,
    Id,
    PracticeId,
    ClientId,
    Title,
    Description,
    Measure,
    Baseline,
    Target,
    Unit,
    TargetDate,
    Confidence,
    WhyItMatters,
    Priority,
    Status,
    StatusReason,
    AchievedAt,
    CreatedBy,
    CreatedByRole,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum GoalStep {
    Table,
    Id,
    PracticeId,
    ClientId,
    GoalId,
    Title,
    DueOn,
    Position,
    Status,
    CompletedAt,
    CompletedBy,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum GoalProgress {
    Table,
    Id,
    PracticeId,
    ClientId,
    GoalId,
    Value,
    Note,
    RecordedAt,
    RecordedBy,
    RecordedByRole,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ActionPlan {
    Table,
    Id,
    PracticeId,
    ClientId,
    GoalId,
    Title,
    Actions,
    Obstacles,
    ReviewOn,
    Version,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ActionPlanRevision {
    Table,
    Id,
    PracticeId,
    PlanId,
    Version,
    Title,
    Actions,
    Obstacles,
    ReviewOn,
    Reason,
    ChangedFields,
    ChangedBy,
    ChangedByRole,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ObstacleLog {
    Table,
    Id,
    PracticeId,
    ClientId,
    PlanId,
    ObstacleId,
    Kind,
    OccurredAt,
    CopingUsed,
    Helped,
    Note,
    RecordedBy,
    RecordedByRole,
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

fn index(name: &str, table: impl IntoIden, cols: Vec<DynIden>) -> IndexCreateStatement {
    let mut i = Index::create().name(name).table(table).to_owned();
    for c in cols {
        i.col(c);
    }
    i
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Goal::Table)
                    .col(uuid(Goal::Id).primary_key())
                    .col(uuid(Goal::PracticeId))
                    .col(uuid(Goal::ClientId))
                    .col(string(Goal::Title))
                    .col(text_null(Goal::Description))
                    .col(string_null(Goal::Measure))
                    .col(double_null(Goal::Baseline))
                    .col(double_null(Goal::Target))
                    .col(string_null(Goal::Unit))
                    .col(date_null(Goal::TargetDate))
                    .col(integer_null(Goal::Confidence))
                    .col(text_null(Goal::WhyItMatters))
                    .col(string(Goal::Priority))
                    .col(string(Goal::Status))
                    .col(text_null(Goal::StatusReason))
                    .col(timestamp_with_time_zone_null(Goal::AchievedAt))
                    .col(uuid(Goal::CreatedBy))
                    .col(string(Goal::CreatedByRole))
                    .col(integer(Goal::Version))
                    .col(timestamp_with_time_zone(Goal::CreatedAt))
                    .col(timestamp_with_time_zone(Goal::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_goal_client",
                        (Goal::Table, Goal::ClientId),
                        (Client::Table, Client::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_goal_client_status",
                Goal::Table,
                vec![Goal::ClientId.into_iden(), Goal::Status.into_iden()],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(GoalStep::Table)
                    .col(uuid(GoalStep::Id).primary_key())
                    .col(uuid(GoalStep::PracticeId))
                    .col(uuid(GoalStep::ClientId))
                    .col(uuid(GoalStep::GoalId))
                    .col(string(GoalStep::Title))
                    .col(date_null(GoalStep::DueOn))
                    .col(integer(GoalStep::Position))
                    .col(string(GoalStep::Status))
                    .col(timestamp_with_time_zone_null(GoalStep::CompletedAt))
                    .col(uuid_null(GoalStep::CompletedBy))
                    .col(integer(GoalStep::Version))
                    .col(timestamp_with_time_zone(GoalStep::CreatedAt))
                    .col(timestamp_with_time_zone(GoalStep::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_goal_step_goal",
                        (GoalStep::Table, GoalStep::GoalId),
                        (Goal::Table, Goal::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_goal_step_goal_position",
                GoalStep::Table,
                vec![GoalStep::GoalId.into_iden(), GoalStep::Position.into_iden()],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(GoalProgress::Table)
                    .col(uuid(GoalProgress::Id).primary_key())
                    .col(uuid(GoalProgress::PracticeId))
                    .col(uuid(GoalProgress::ClientId))
                    .col(uuid(GoalProgress::GoalId))
                    .col(double(GoalProgress::Value))
                    .col(text_null(GoalProgress::Note))
                    .col(timestamp_with_time_zone(GoalProgress::RecordedAt))
                    .col(uuid(GoalProgress::RecordedBy))
                    .col(string(GoalProgress::RecordedByRole))
                    .col(timestamp_with_time_zone(GoalProgress::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_goal_progress_goal",
                        (GoalProgress::Table, GoalProgress::GoalId),
                        (Goal::Table, Goal::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_goal_progress_goal_recorded",
                GoalProgress::Table,
                vec![
                    GoalProgress::GoalId.into_iden(),
                    GoalProgress::RecordedAt.into_iden(),
                ],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ActionPlan::Table)
                    .col(uuid(ActionPlan::Id).primary_key())
                    .col(uuid(ActionPlan::PracticeId))
                    .col(uuid(ActionPlan::ClientId))
                    .col(uuid(ActionPlan::GoalId))
                    .col(string(ActionPlan::Title))
                    .col(json_binary(ActionPlan::Actions))
                    .col(json_binary(ActionPlan::Obstacles))
                    .col(date_null(ActionPlan::ReviewOn))
                    .col(integer(ActionPlan::Version))
                    .col(uuid(ActionPlan::CreatedBy))
                    .col(timestamp_with_time_zone(ActionPlan::CreatedAt))
                    .col(timestamp_with_time_zone(ActionPlan::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_action_plan_goal",
                        (ActionPlan::Table, ActionPlan::GoalId),
                        (Goal::Table, Goal::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_action_plan_goal",
                ActionPlan::Table,
                vec![ActionPlan::GoalId.into_iden()],
            ))
            .await?;
        manager
            .create_index(index(
                "idx_action_plan_client",
                ActionPlan::Table,
                vec![ActionPlan::ClientId.into_iden()],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ActionPlanRevision::Table)
                    .col(uuid(ActionPlanRevision::Id).primary_key())
                    .col(uuid(ActionPlanRevision::PracticeId))
                    .col(uuid(ActionPlanRevision::PlanId))
                    .col(integer(ActionPlanRevision::Version))
                    .col(string(ActionPlanRevision::Title))
                    .col(json_binary(ActionPlanRevision::Actions))
                    .col(json_binary(ActionPlanRevision::Obstacles))
                    .col(date_null(ActionPlanRevision::ReviewOn))
                    .col(text_null(ActionPlanRevision::Reason))
                    .col(json_binary(ActionPlanRevision::ChangedFields))
                    .col(uuid(ActionPlanRevision::ChangedBy))
                    .col(string(ActionPlanRevision::ChangedByRole))
                    .col(timestamp_with_time_zone(ActionPlanRevision::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_action_plan_revision_plan",
                        (ActionPlanRevision::Table, ActionPlanRevision::PlanId),
                        (ActionPlan::Table, ActionPlan::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "idx_action_plan_revision_plan_version",
                    ActionPlanRevision::Table,
                    vec![
                        ActionPlanRevision::PlanId.into_iden(),
                        ActionPlanRevision::Version.into_iden(),
                    ],
                )
                .unique()
                .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ObstacleLog::Table)
                    .col(uuid(ObstacleLog::Id).primary_key())
                    .col(uuid(ObstacleLog::PracticeId))
                    .col(uuid(ObstacleLog::ClientId))
                    .col(uuid(ObstacleLog::PlanId))
                    .col(uuid_null(ObstacleLog::ObstacleId))
                    .col(string(ObstacleLog::Kind))
                    .col(timestamp_with_time_zone(ObstacleLog::OccurredAt))
                    .col(boolean(ObstacleLog::CopingUsed))
                    .col(integer_null(ObstacleLog::Helped))
                    .col(text_null(ObstacleLog::Note))
                    .col(uuid(ObstacleLog::RecordedBy))
                    .col(string(ObstacleLog::RecordedByRole))
                    .col(timestamp_with_time_zone(ObstacleLog::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_obstacle_log_plan",
                        (ObstacleLog::Table, ObstacleLog::PlanId),
                        (ActionPlan::Table, ActionPlan::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_obstacle_log_client_occurred",
                ObstacleLog::Table,
                vec![
                    ObstacleLog::ClientId.into_iden(),
                    ObstacleLog::OccurredAt.into_iden(),
                ],
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ObstacleLog::Table.into_iden(),
            ActionPlanRevision::Table.into_iden(),
            ActionPlan::Table.into_iden(),
            GoalProgress::Table.into_iden(),
            GoalStep::Table.into_iden(),
            Goal::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
