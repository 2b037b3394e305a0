//! Alert queries and mutations: thin — guard, parse, call the service, map.

use async_graphql::{Context, Object};

use super::{domain::NOTE_MAX, service, types::*};
use crate::{
    error::GqlResult,
    graphql::{
        context,
        pagination::{Conn, PageRequest, connection, encode_cursor},
    },
    values::{parse_id, required_free_text},
};

/// Alert queries.
#[derive(Default)]
pub struct AlertsQuery;

#[Object]
impl AlertsQuery {
    /// Alerts across the viewer's caseload (a therapist's care teams; integrators with
    /// `CLINICAL_READ`: the practice), most severe first, then oldest first. Clients get
    /// `FORBIDDEN`. Pages forward.
    async fn alerts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only alerts with this status; all when omitted.")] status: Option<
            AlertStatusValue,
        >,
        #[graphql(desc = "Page size (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue from.")] after: Option<String>,
    ) -> GqlResult<Conn<Alert>> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let page = PageRequest::parse(first, after, None, None)?;
        let page = service::list(&state.db, viewer, status.map(Into::into), page).await?;
        Ok(connection(
            page,
            |a| encode_cursor(&(a.severity, a.raised_at, a.id)),
            Alert::from,
        ))
    }

    /// Operational alerts to practice admins (e.g. a webhook disabled after failing),
    /// newest first. Practice admins only. Pages forward.
    async fn admin_alerts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only admin alerts with this status; all when omitted.")] status: Option<
            AdminAlertStatusValue,
        >,
        #[graphql(desc = "Page size (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue from.")] after: Option<String>,
    ) -> GqlResult<Conn<AdminAlert>> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let page = PageRequest::parse(first, after, None, None)?;
        let page = service::list_admin(&state.db, viewer, status.map(Into::into), page).await?;
        Ok(connection(
            page,
            |a| encode_cursor(&(a.raised_at, a.id)),
            AdminAlert::from,
        ))
    }
}

/// Alert mutations.
#[derive(Default)]
pub struct AlertsMutation;

#[Object]
impl AlertsMutation {
    /// Marks an OPEN alert as seen and in hand (the care team; integrators with
    /// `CLINICAL_WRITE`). Anything but OPEN is `CONFLICT`.
    async fn acknowledge_alert(
        &self,
        ctx: &Context<'_>,
        input: AcknowledgeAlertInput,
    ) -> GqlResult<AlertPayload> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let id = parse_id(&input.alert_id, "input.alertId")?;
        let a = service::acknowledge(&state.db, viewer, id).await?;
        Ok(AlertPayload { alert: a.into() })
    }

    /// Resolves an OPEN or ACKNOWLEDGED alert with a note of what was done. A resolved
    /// alert is `CONFLICT`.
    async fn resolve_alert(
        &self,
        ctx: &Context<'_>,
        input: ResolveAlertInput,
    ) -> GqlResult<AlertPayload> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let id = parse_id(&input.alert_id, "input.alertId")?;
        let note = required_free_text(&input.note, "input.note", NOTE_MAX)?;
        let a = service::resolve(&state.db, viewer, id, note).await?;
        Ok(AlertPayload { alert: a.into() })
    }

    /// Practice admins: marks an OPEN admin alert as seen. Anything else is `CONFLICT`.
    async fn acknowledge_admin_alert(
        &self,
        ctx: &Context<'_>,
        input: AcknowledgeAdminAlertInput,
    ) -> GqlResult<AdminAlertPayload> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let id = parse_id(&input.admin_alert_id, "input.adminAlertId")?;
        let a = service::acknowledge_admin(&state.db, viewer, id).await?;
        Ok(AdminAlertPayload {
            admin_alert: a.into(),
        })
    }
}
