//! Schema migrations: one file per change, every `up` has a `down`. Never imports `entity`.
pub use sea_orm_migration::prelude::*;

mod m20261124_000001_foundation;
mod m20261124_000002_goals_plans;
mod m20261124_000003_sessions;
mod m20261124_000004_homework_templates;
mod m20261124_000005_homework;
mod m20261124_000006_resources;
mod m20261124_000007_check_ins;
mod m20261124_000008_tracking;
mod m20261124_000009_measures_alerts;
mod m20261124_000010_event_feed;
mod m20261124_000011_webhooks;
mod m20261124_000012_insights;
mod m20261204_000013_momentum_projection;
mod m20261205_000014_attempt_counter;
mod m20261205_000015_reminder_preference;
mod m20261206_000016_reminder_fired;
mod m20261206_000017_programs;
mod m20261207_000018_automations;

/// Applies the migrations in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_foundation::Migration),
            Box::new(m20261124_000002_goals_plans::Migration),
            Box::new(m20261124_000003_sessions::Migration),
            Box::new(m20261124_000004_homework_templates::Migration),
            Box::new(m20261124_000005_homework::Migration),
            Box::new(m20261124_000006_resources::Migration),
            Box::new(m20261124_000007_check_ins::Migration),
            Box::new(m20261124_000008_tracking::Migration),
            Box::new(m20261124_000009_measures_alerts::Migration),
            Box::new(m20261124_000010_event_feed::Migration),
            Box::new(m20261124_000011_webhooks::Migration),
            Box::new(m20261124_000012_insights::Migration),
            Box::new(m20261204_000013_momentum_projection::Migration),
            Box::new(m20261205_000014_attempt_counter::Migration),
            Box::new(m20261205_000015_reminder_preference::Migration),
            Box::new(m20261206_000016_reminder_fired::Migration),
            Box::new(m20261206_000017_programs::Migration),
            Box::new(m20261207_000018_automations::Migration),
        ]
    }
}
