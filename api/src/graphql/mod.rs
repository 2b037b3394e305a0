//! The GraphQL schema: a merge-only root of per-domain objects, plus limits, pagination
//! and the helpers resolvers use to reach the request's viewer and state.

pub mod context;
pub mod cost;
pub mod execute;
pub mod index;
pub mod inputs;
pub mod limits;
pub mod loaders;
pub mod pagination;
pub mod recurrence;

use async_graphql::{MergedObject, MergedSubscription, Schema};

use crate::{
    accounts, alerts, checkins, clients, config::Config, goals, homework, insights, integrations,
    measures, plans, practices, realtime, reports, resources, sessions, state::AppState, tracking,
    webhooks,
};

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
/// The alias and field caps ([`limits::check`]) are the caller's to apply to the parsed
/// document: the HTTP handler does (see [`socket_schema`] for subscriptions).
pub fn build_schema(config: &Config, state: Option<AppState>) -> AppSchema {
    builder(config, state).finish()
}

/// The schema of the subscription socket: [`build_schema`]'s, with the alias and field caps
/// and the input checks of [`inputs`] applied as an extension (the socket protocol parses
/// the documents itself).
pub fn socket_schema(
    config: &Config,
    state: Option<AppState>,
    index: std::sync::Arc<index::SchemaIndex>,
) -> SocketSchema {
    SocketSchema(
        builder(config, state)
            .extension(limits::DocumentChecks {
                limits: document_limits(config),
                index,
            })
            .finish(),
    )
}

/// The schema the subscription socket executes with.
#[derive(Clone)]
pub struct SocketSchema(pub AppSchema);

/// The depth, alias and field caps of `config`.
pub fn document_limits(config: &Config) -> limits::DocumentLimits {
    limits::DocumentLimits {
        max_depth: config.max_depth,
        max_cost: config.max_complexity,
        max_aliases: config.max_aliases,
        max_fields: config.max_fields,
    }
}

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
    build_schema(&Config::default(), None).sdl()
}
