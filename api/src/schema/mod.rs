//! The schema's root, the top of the house: it merges the domains' queries, mutations and
//! subscriptions, and every domain's part of `Client`, into one schema, and does nothing
//! else. Adding a feature adds its parts to the lists here; no domain edits another.

pub mod execute;

use async_graphql::{MergedObject, MergedSubscription, Schema};

use crate::{
    accounts, alerts, automations, checkins, clients, config::Config, fhir, goals, homework,
    insights, integrations, measures, plans, practices, programs, realtime, reminders, reports,
    resources, sessions, state::AppState, tracking, webhooks,
};

// Each domain owns its fields of `Client` (its `client.rs`); they are merged here in this
// order, which is the order of the fields in the schema.
/// A client of the practice (the person in therapy).
#[derive(MergedObject)]
#[graphql(name = "Client")]
pub struct Client(
    clients::types::ClientRecord,
    goals::client::ClientGoals,
    plans::client::ClientPlans,
    sessions::client::ClientSessions,
    homework::client::ClientHomework,
    resources::client::ClientResources,
    checkins::client::ClientCheckIns,
    reminders::client::ClientReminders,
    programs::client::ClientPrograms,
    tracking::client::ClientTracking,
    measures::client::ClientMeasures,
    insights::client::ClientInsights,
    alerts::client::ClientAlerts,
    fhir::client::ClientFhir,
    clients::types::ClientActivity,
);

impl From<entity::client::Model> for Client {
    fn from(model: entity::client::Model) -> Self {
        let model = std::sync::Arc::new(model);
        let m = || model.clone();
        Self(
            clients::types::ClientRecord { model: m() },
            goals::client::ClientGoals { model: m() },
            plans::client::ClientPlans { model: m() },
            sessions::client::ClientSessions { model: m() },
            homework::client::ClientHomework { model: m() },
            resources::client::ClientResources { model: m() },
            checkins::client::ClientCheckIns { model: m() },
            reminders::client::ClientReminders { model: m() },
            programs::client::ClientPrograms { model: m() },
            tracking::client::ClientTracking { model: m() },
            measures::client::ClientMeasures { model: m() },
            insights::client::ClientInsights { model: m() },
            alerts::client::ClientAlerts { model: m() },
            fhir::client::ClientFhir { model: m() },
            clients::types::ClientActivity { model },
        )
    }
}

/// Every query field, merged from the domains.
#[derive(MergedObject, Default)]
pub struct QueryRoot(
    accounts::resolvers::AccountsQuery,
    practices::resolvers::PracticesQuery,
    clients::resolvers::ClientsQuery,
    goals::resolvers::GoalsQuery,
    plans::resolvers::PlansQuery,
    sessions::resolvers::SessionsQuery,
    homework::resolvers::HomeworkQuery,
    homework::resolvers::HomeworkAssignmentsQuery,
    resources::resolvers::ResourcesQuery,
    programs::resolvers::ProgramsQuery,
    automations::resolvers::AutomationsQuery,
    tracking::resolvers::TrackingQuery,
    measures::resolvers::MeasuresQuery,
    alerts::resolvers::AlertsQuery,
    crate::briefs::resolvers::BriefsQuery,
    realtime::resolvers::RealtimeQuery,
    integrations::resolvers::IntegrationsQuery,
    webhooks::resolvers::WebhooksQuery,
    insights::resolvers::InsightsQuery,
    reports::resolvers::ReportsQuery,
);

/// Every mutation, merged from the domains.
#[derive(MergedObject, Default)]
pub struct MutationRoot(
    accounts::resolvers::AccountsMutation,
    clients::resolvers::ClientsMutation,
    goals::resolvers::GoalsMutation,
    plans::resolvers::PlansMutation,
    sessions::resolvers::SessionsMutation,
    homework::resolvers::HomeworkMutation,
    resources::resolvers::ResourcesMutation,
    checkins::resolvers::CheckInsMutation,
    reminders::resolvers::RemindersMutation,
    programs::resolvers::ProgramsMutation,
    automations::resolvers::AutomationsMutation,
    tracking::resolvers::TrackingMutation,
    measures::resolvers::MeasuresMutation,
    alerts::resolvers::AlertsMutation,
    integrations::resolvers::IntegrationsMutation,
    webhooks::resolvers::WebhooksMutation,
    insights::resolvers::InsightsMutation,
);

/// Every subscription, merged from the domains.
#[derive(MergedSubscription, Default)]
pub struct SubscriptionRoot(realtime::resolvers::RealtimeSubscription);

/// The executable schema.
pub type AppSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// Builds the schema with the limits of `config`; `state` is reachable from every resolver.
/// The alias and field caps (`graphql::limits::check`) are the caller's to apply to the parsed
/// document: the HTTP handler does (see [`socket_schema`] for subscriptions).
pub fn build_schema(config: &Config, state: Option<AppState>) -> AppSchema {
    builder(config, state).finish()
}

/// The schema of the subscription socket: [`build_schema`]'s, with the alias and field caps
/// and the input checks of `graphql::inputs` applied as an extension (the socket protocol parses
/// the documents itself).
pub fn socket_schema(
    config: &Config,
    state: Option<AppState>,
    index: std::sync::Arc<crate::graphql::index::SchemaIndex>,
) -> SocketSchema {
    SocketSchema(
        builder(config, state)
            .extension(crate::graphql::limits::DocumentChecks {
                limits: crate::graphql::document_limits(config),
                index,
            })
            .finish(),
    )
}

/// The schema the subscription socket executes with.
#[derive(Clone)]
pub struct SocketSchema(pub AppSchema);

fn builder(
    config: &Config,
    state: Option<AppState>,
) -> async_graphql::SchemaBuilder<QueryRoot, MutationRoot, SubscriptionRoot> {
    let mut builder = Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        SubscriptionRoot::default(),
    )
    .limit_recursive_depth(32)
    .limit_directives(20);
    if !config.introspection {
        builder = builder.disable_introspection().disable_suggestions();
    }
    if let Some(state) = state {
        builder = builder.data(state);
    }
    builder
}

/// The schema in SDL, as committed in `schema.graphql`.
pub fn sdl() -> String {
    format!(
        "{SDL_HEADER}{}",
        build_schema(&Config::default(), None).sdl()
    )
}

/// The first lines of `schema.graphql`: where it comes from.
pub const SDL_HEADER: &str = "\
# Generated by `momentum schema` from the code; do not edit.
# Regenerate with: cargo run -- schema > schema.graphql
# A test fails when this file and the code differ.
";
