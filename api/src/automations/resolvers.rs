//! Automation queries and mutations: thin — guard, parse, call the service, map.

use async_graphql::{Context, ID, Object};

use super::{
    domain::RuleContent,
    service::{self, Change, FIRINGS_LISTED, NewRule},
    types::*,
};
use crate::{error::GqlResult, graphql::context, values::parse_id};

/// Automation queries.
#[derive(Default)]
pub struct AutomationsQuery;

#[Object]
impl AutomationsQuery {
    /// The practice's automation rules the viewer may read, newest first: practice-wide rules
    /// and those of clients the viewer may read clinically (therapists, admins; integrators
    /// with `AUTOMATIONS_READ`, and `CLINICAL_READ` for clients' own rules). Clients get
    /// `FORBIDDEN`: rule text is the care team's.
    async fn automations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Include archived rules.", default = false)] archived: bool,
    ) -> GqlResult<Vec<AutomationRule>> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        Ok(service::rules(&state.db, viewer, archived)
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Every version of a rule, oldest first (who changed it, when, and what it said).
    async fn automation_versions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The rule.")] rule_id: ID,
    ) -> GqlResult<Vec<AutomationRuleVersion>> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let id = parse_id(&rule_id, "ruleId")?;
        Ok(service::versions(&state.db, viewer, id)
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Firings, newest first: of one rule, of one client, or of the practice; only of clients
    /// the viewer may read clinically (integrators also need `CLINICAL_READ`).
    async fn automation_firings(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this rule's.")] rule_id: Option<ID>,
        #[graphql(desc = "Only this client's.")] client_id: Option<ID>,
        #[graphql(desc = "How many, 1 to 200.", default = 50)] first: i32,
    ) -> GqlResult<Vec<AutomationFiring>> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let rule_id = rule_id.map(|id| parse_id(&id, "ruleId")).transpose()?;
        let client_id = client_id.map(|id| parse_id(&id, "clientId")).transpose()?;
        let first = u64::try_from(first).unwrap_or(1).clamp(1, FIRINGS_LISTED);
        Ok(
            service::firings(&state.db, viewer, rule_id, client_id, first)
                .await?
                .into_iter()
                .map(Into::into)
                .collect(),
        )
    }

    /// What a rule would have done over the last `days` days (1 to 30), without doing it: the
    /// events of its trigger it would have fired on, with the reason from the client's figures
    /// (scores as recorded by the event's time, as the automation job judges them; tracking
    /// and homework at the end of the event's day, UTC). Reads a fixed number of statements per day.
    /// Integrators also need `CLINICAL_READ`: the events are clients'.
    async fn dry_run_automation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The rule.")] rule_id: ID,
        #[graphql(desc = "How many days back, 1 to 30.")] days: i32,
    ) -> GqlResult<AutomationDryRun> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let id = parse_id(&rule_id, "ruleId")?;
        Ok(
            service::dry_run(&state.db, viewer, id, days, chrono::Utc::now())
                .await?
                .into(),
        )
    }

    /// The practice's automation settings (staff; integrators with `AUTOMATIONS_READ`).
    async fn automation_settings(&self, ctx: &Context<'_>) -> GqlResult<AutomationSettings> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        Ok(AutomationSettings {
            therapists_manage_own_clients: service::settings(&state.db, viewer).await?,
        })
    }
}

/// Automation mutations.
#[derive(Default)]
pub struct AutomationsMutation;

#[Object]
impl AutomationsMutation {
    /// Adds a rule: practice admins and integrators with `AUTOMATIONS_WRITE` for any client or
    /// the whole practice; therapists for a client on their care team, where the practice lets
    /// them (`updateAutomationSettings`). Bad input names its field, as
    /// `input.actions[1].dueInDays`; ids the actions name must be in the practice's libraries.
    async fn create_automation(
        &self,
        ctx: &Context<'_>,
        input: CreateAutomationInput,
    ) -> GqlResult<AutomationPayload> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let client_id = input
            .client_id
            .map(|id| parse_id(&id, "input.clientId"))
            .transpose()?;
        let new = NewRule {
            client_id,
            name: input.name,
            content: RuleContent {
                trigger: input.trigger.into(),
                conditions: conditions(input.conditions),
                actions: actions(input.actions)?,
            },
            enabled: input.enabled,
        };
        let row = service::create(&state.db, viewer, new).await?;
        Ok(AutomationPayload { rule: row.into() })
    }

    /// Rewrites a rule (who may: as `createAutomation`, for the rule's client), keeping the
    /// version before; the client it is for stays.
    async fn update_automation(
        &self,
        ctx: &Context<'_>,
        input: UpdateAutomationInput,
    ) -> GqlResult<AutomationPayload> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let id = parse_id(&input.id, "input.id")?;
        let what = Change::Rewrite {
            name: input.name,
            content: RuleContent {
                trigger: input.trigger.into(),
                conditions: conditions(input.conditions),
                actions: actions(input.actions)?,
            },
            enabled: input.enabled,
        };
        let row = service::change(&state.db, viewer, id, input.expected_version, what).await?;
        Ok(AutomationPayload { rule: row.into() })
    }

    /// Archives a rule: it fires no more; its versions and firings stay.
    async fn archive_automation(
        &self,
        ctx: &Context<'_>,
        input: ArchiveAutomationInput,
    ) -> GqlResult<AutomationPayload> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let id = parse_id(&input.id, "input.id")?;
        let row = service::change(
            &state.db,
            viewer,
            id,
            input.expected_version,
            Change::Archive,
        )
        .await?;
        Ok(AutomationPayload { rule: row.into() })
    }

    /// Lets therapists manage rules for clients on their care team, or stops them (practice
    /// admins).
    async fn update_automation_settings(
        &self,
        ctx: &Context<'_>,
        input: UpdateAutomationSettingsInput,
    ) -> GqlResult<AutomationSettings> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let on = service::update_settings(&state.db, viewer, input.therapists_manage_own_clients)
            .await?;
        Ok(AutomationSettings {
            therapists_manage_own_clients: on,
        })
    }
}
