//! Tracking queries and mutations: thin — guard, parse, call the service, map.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};

use super::{
    domain::{
        CONTEXT_MAX, EMOTION_NAME_MAX, EMOTIONS_MAX, Emotion, NAME_MAX, NOTE_MAX, NewEntry,
        NewThoughtRecord, Range, THOUGHT_TEXT_MAX, UNIT_MAX, percent, prompt_times,
    },
    service::{self, EntryOutcome, NewTracker},
    thoughts,
    types::*,
};
use crate::{
    error::{GqlResult, ServiceError},
    graphql::context,
    values::{happened_at, optional_text, parse_id, required_free_text, required_text},
};

/// Tracking queries.
#[derive(Default)]
pub struct TrackingQuery;

#[Object]
impl TrackingQuery {
    /// One tracker. Clinical: `NOT_FOUND` unless the viewer may read the client's record.
    async fn tracker(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The tracker's id.")] id: ID,
    ) -> GqlResult<Option<Tracker>> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let id = parse_id(&id, "id")?;
        Ok(Some(service::get(&state.db, viewer, id).await?.into()))
    }
}

/// Tracking mutations.
#[derive(Default)]
pub struct TrackingMutation;

/// Parses one entry; errors name fields under `prefix` (`input`, `input.entries.3`).
fn parse_entry(
    input: LogEntryInput,
    prefix: &str,
    now: DateTime<Utc>,
) -> Result<NewEntry, ServiceError> {
    Ok(NewEntry {
        id: input
            .id
            .as_ref()
            .map(|id| parse_id(id, &format!("{prefix}.id")))
            .transpose()?,
        tracker_id: parse_id(&input.tracker_id, &format!("{prefix}.trackerId"))?,
        recorded_at: happened_at(
            Some(input.recorded_at),
            &format!("{prefix}.recordedAt"),
            now,
        )?,
        value: input.value,
        context: optional_text(
            input.context.as_deref(),
            &format!("{prefix}.context"),
            CONTEXT_MAX,
        )?,
        note: optional_text(input.note.as_deref(), &format!("{prefix}.note"), NOTE_MAX)?,
        visibility: input.visibility.into(),
    })
}

#[Object]
impl TrackingMutation {
    /// Adds a custom tracker (the care team, the client, integrators with
    /// `CLINICAL_WRITE`). Names are unique among the client's active trackers.
    async fn create_tracker(
        &self,
        ctx: &Context<'_>,
        input: CreateTrackerInput,
    ) -> GqlResult<TrackerPayload> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let new = NewTracker {
            client_id: parse_id(&input.client_id, "input.clientId")?,
            name: required_text(&input.name, "input.name", NAME_MAX)?,
            range: Range::parse(input.value_type.into(), input.min, input.max)?,
            unit: input
                .unit
                .as_deref()
                .map(|u| required_text(u, "input.unit", UNIT_MAX))
                .transpose()?,
            goal_id: input
                .goal_id
                .as_ref()
                .map(|g| parse_id(g, "input.goalId"))
                .transpose()?,
            prompt_times: prompt_times(
                input.prompt_times.as_deref().unwrap_or_default(),
                "input.promptTimes",
            )?,
        };
        let t = service::create(&state.db, viewer, new).await?;
        Ok(TrackerPayload { tracker: t.into() })
    }

    /// Archives a custom tracker: it takes no more entries and leaves `Client.trackers`;
    /// its entries stay. The built-in MOOD and ANXIETY trackers cannot be archived.
    async fn archive_tracker(
        &self,
        ctx: &Context<'_>,
        input: ArchiveTrackerInput,
    ) -> GqlResult<TrackerPayload> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let id = parse_id(&input.tracker_id, "input.trackerId")?;
        let t = service::archive(&state.db, viewer, id).await?;
        Ok(TrackerPayload { tracker: t.into() })
    }

    /// Logs one value (the client; the care team in session; integrators with
    /// `CLINICAL_WRITE`). The value is checked against the tracker: out of range is
    /// `BAD_USER_INPUT` on `input.value` and writes nothing. With an `id`, a repeat with
    /// the same content returns the stored entry (`duplicate: true`); other content is
    /// `CONFLICT`.
    async fn log_entry(
        &self,
        ctx: &Context<'_>,
        input: LogEntryInput,
    ) -> GqlResult<LogEntryPayload> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let entry = parse_entry(input, "input", Utc::now())?;
        let (model, duplicate) = service::log_one(&state.db, viewer, entry).await?;
        Ok(LogEntryPayload {
            entry: TrackerEntry::new(model, viewer.role()),
            duplicate,
        })
    }

    /// Logs up to 500 values at once (offline sync), each with its own result: CREATED,
    /// DUPLICATE (same id and content already stored), CONFLICT (same id, other content)
    /// or INVALID. A rejected entry writes nothing; the others are written.
    async fn log_entries(
        &self,
        ctx: &Context<'_>,
        input: LogEntriesInput,
    ) -> GqlResult<LogEntriesPayload> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        let now = Utc::now();
        let given: Vec<Option<ID>> = input.entries.iter().map(|e| e.id.clone()).collect();
        let requests = input
            .entries
            .into_iter()
            .enumerate()
            .map(|(i, e)| {
                let prefix = format!("input.entries.{i}");
                let parsed = parse_entry(e, &prefix, now);
                (prefix, parsed)
            })
            .collect();
        let outcomes = service::log_batch(&state.db, viewer, requests).await?;
        let (mut created, mut duplicates, mut rejected) = (0, 0, 0);
        let results = outcomes
            .into_iter()
            .zip(given)
            .enumerate()
            .map(|(i, (outcome, id))| {
                match &outcome {
                    EntryOutcome::Created(_) => created += 1,
                    EntryOutcome::Duplicate(_) => duplicates += 1,
                    EntryOutcome::Rejected(_) => rejected += 1,
                }
                EntryResult::new(i, id, outcome, viewer.role())
            })
            .collect();
        Ok(LogEntriesPayload {
            results,
            created,
            duplicates,
            rejected,
        })
    }

    /// Records a thought record (the client; the care team in session; integrators with
    /// `CLINICAL_WRITE`). With an `id`, a repeat with the same content returns the stored
    /// record (`duplicate: true`); other content is `CONFLICT`.
    async fn record_thought_record(
        &self,
        ctx: &Context<'_>,
        input: RecordThoughtRecordInput,
    ) -> GqlResult<ThoughtRecordPayload> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        if input.emotions.is_empty() || input.emotions.len() > EMOTIONS_MAX {
            return Err(ServiceError::bad_input(
                "input.emotions",
                format!("rate 1 to {EMOTIONS_MAX} emotions"),
            )
            .into());
        }
        let emotions = input
            .emotions
            .iter()
            .enumerate()
            .map(|(i, e)| {
                Ok(Emotion {
                    name: required_text(
                        &e.name,
                        &format!("input.emotions.{i}.name"),
                        EMOTION_NAME_MAX,
                    )?,
                    before: percent(
                        e.intensity_before,
                        &format!("input.emotions.{i}.intensityBefore"),
                    )?,
                    after: percent(
                        e.intensity_after,
                        &format!("input.emotions.{i}.intensityAfter"),
                    )?,
                })
            })
            .collect::<Result<Vec<_>, ServiceError>>()?;
        let mut distortions: Vec<_> = input.distortions.into_iter().map(Into::into).collect();
        distortions.dedup();
        let text =
            |v: &Option<String>, field: &str| optional_text(v.as_deref(), field, THOUGHT_TEXT_MAX);
        let new = NewThoughtRecord {
            id: input
                .id
                .as_ref()
                .map(|id| parse_id(id, "input.id"))
                .transpose()?,
            client_id: parse_id(&input.client_id, "input.clientId")?,
            recorded_at: input
                .recorded_at
                .map(|t| happened_at(Some(t), "input.recordedAt", Utc::now()))
                .transpose()?,
            situation: required_free_text(&input.situation, "input.situation", THOUGHT_TEXT_MAX)?,
            automatic_thought: required_free_text(
                &input.automatic_thought,
                "input.automaticThought",
                THOUGHT_TEXT_MAX,
            )?,
            belief_before: percent(input.belief_before, "input.beliefBefore")?,
            emotions,
            evidence_for: text(&input.evidence_for, "input.evidenceFor")?,
            evidence_against: text(&input.evidence_against, "input.evidenceAgainst")?,
            distortions,
            balanced_thought: text(&input.balanced_thought, "input.balancedThought")?,
            belief_after: input
                .belief_after
                .map(|b| percent(b, "input.beliefAfter"))
                .transpose()?,
            visibility: input.visibility.into(),
        };
        let (row, duplicate) = thoughts::record_thought(&state.db, viewer, new).await?;
        Ok(ThoughtRecordPayload {
            thought_record: ThoughtRecord::new(row, viewer.role()),
            duplicate,
        })
    }
}
