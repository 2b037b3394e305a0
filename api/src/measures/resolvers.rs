//! Measure queries and mutations: thin — guard, parse, call the service, map.

use async_graphql::{Context, Object};
use chrono::Utc;

use super::{
    domain::Instrument,
    service::{self, NewMeasure, Thresholds, every_days},
    types::*,
};
use crate::{
    error::GqlResult,
    graphql::context,
    values::{happened_at, parse_id},
};

/// Measure queries.
#[derive(Default)]
pub struct MeasuresQuery;

#[Object]
impl MeasuresQuery {
    /// The instruments the practice can use, with items, answer options, scoring, bands
    /// and licence; reliable change as the viewer's practice has set it.
    async fn instruments(&self, ctx: &Context<'_>) -> GqlResult<Vec<InstrumentInfo>> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let t = service::thresholds(&state.db, viewer.practice_id).await?;
        Ok(Instrument::ALL
            .into_iter()
            .map(|i| InstrumentInfo::new(i, &t))
            .collect())
    }

    /// The practice's measure thresholds (staff and integrators; clients get
    /// `FORBIDDEN`).
    async fn measure_settings(&self, ctx: &Context<'_>) -> GqlResult<MeasureSettings> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        Ok(service::settings(&state.db, viewer).await?.into())
    }
}

/// Measure mutations.
#[derive(Default)]
pub struct MeasuresMutation;

#[Object]
impl MeasuresMutation {
    /// Scores and stores a completed measure (the client; the care team in session;
    /// integrators with `CLINICAL_WRITE`). A wrong number of answers is `BAD_USER_INPUT`
    /// on `input.answers`, an answer out of range on `input.answers.N`. A PHQ-9 item 9
    /// answer at or above the practice's threshold raises a SAFETY alert at once and
    /// returns crisis lines; a reliable deterioration raises a WORSENING alert.
    async fn submit_measure(
        &self,
        ctx: &Context<'_>,
        input: SubmitMeasureInput,
    ) -> GqlResult<SubmitMeasurePayload> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let new = NewMeasure {
            client_id: parse_id(&input.client_id, "input.clientId")?,
            instrument: input.instrument.into(),
            answers: input.answers,
            administered_at: happened_at(
                input.administered_at,
                "input.administeredAt",
                Utc::now(),
            )?,
        };
        let s = service::submit(&state.db, viewer, new).await?;
        let measure = MeasureResponse::from(s.response);
        Ok(SubmitMeasurePayload {
            total: measure.total,
            severity: measure.severity,
            safety_flag: measure.safety_flag,
            change_from_baseline: measure.change_from_baseline,
            change_from_previous: measure.change_from_previous,
            reliable_change: measure.reliable_change,
            response: measure.response,
            remission: measure.remission,
            measure,
            crisis_resources: s.crisis.into_iter().map(Into::into).collect(),
        })
    }

    /// Asks the client to complete a measure every N days (the care team; integrators
    /// with `CLINICAL_WRITE`). Assigning the same instrument again changes the interval.
    async fn assign_measure(
        &self,
        ctx: &Context<'_>,
        input: AssignMeasureInput,
    ) -> GqlResult<MeasureAssignmentPayload> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let client_id = parse_id(&input.client_id, "input.clientId")?;
        let days = every_days(input.every_days, "input.everyDays")?;
        let due =
            service::assign(&state.db, viewer, client_id, input.instrument.into(), days).await?;
        Ok(MeasureAssignmentPayload {
            assignment: due.into(),
        })
    }

    /// Changes the practice's reliable-change points and the PHQ-9 item 9 threshold
    /// (practice admins). Applies to measures submitted from now on.
    async fn update_measure_settings(
        &self,
        ctx: &Context<'_>,
        input: UpdateMeasureSettingsInput,
    ) -> GqlResult<MeasureSettingsPayload> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let t = Thresholds {
            phq9_reliable_change: input.phq9_reliable_change,
            gad7_reliable_change: input.gad7_reliable_change,
            safety_item_threshold: input.safety_item_threshold,
        };
        let t = service::update_settings(&state.db, viewer, t).await?;
        Ok(MeasureSettingsPayload { settings: t.into() })
    }
}
