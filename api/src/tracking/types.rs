//! GraphQL types of tracking. Content the viewer may not see (PRIVATE, not the client)
//! is `null`, with `hidden: true`.

use async_graphql::{ComplexObject, Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};

use crate::values::to_id;

use super::{
    domain::{self, reveals},
    service::{self as tracking, EntryOutcome},
    thoughts::ThoughtRecordRow,
    trends,
};
use crate::{
    error::{GqlResult, ServiceError},
    graphql::{
        context,
        loaders::load_visible,
        pagination::{Conn, connection, encode_cursor, paged},
    },
};

/// Which tracker it is.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "TrackerKind", remote = "super::domain::TrackerKind")]
pub enum TrackerKindValue {
    /// Mood, 0 (lowest) to 10 (best). Every client has one.
    Mood,
    /// Anxiety in SUDS (subjective units of distress), 0 to 100. Every client has one.
    Anxiety,
    /// Added by the care team or the client.
    Custom,
}

/// What a tracker's values are.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "TrackerValueType", remote = "super::domain::ValueType")]
pub enum ValueTypeValue {
    /// A rating between the tracker's min and max.
    Scale,
    /// How many times: a whole number, 0 or more.
    Count,
    /// How long, in minutes.
    DurationMinutes,
    /// 1 for yes, 0 for no.
    YesNo,
}

/// Who may see an entry's or thought record's content.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[graphql(name = "Visibility", remote = "super::domain::Visibility")]
pub enum VisibilityValue {
    /// The client and their care team.
    #[default]
    Shared,
    /// The client alone: others see only that it exists, and when.
    Private,
}

/// How a series is bucketed.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[graphql(name = "TrendBucket", remote = "super::domain::Bucket")]
pub enum BucketValue {
    /// One point per local day.
    #[default]
    Day,
    /// One point per local week, Monday to Sunday.
    Week,
}

/// A part of the client's local day.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "PartOfDay", remote = "super::domain::PartOfDay")]
pub enum PartOfDayValue {
    /// 00:00 to 06:00.
    Night,
    /// 06:00 to 12:00.
    Morning,
    /// 12:00 to 18:00.
    Afternoon,
    /// 18:00 to 24:00.
    Evening,
}

/// Common thinking traps named in thought records (after Beck, 1963, and Burns,
/// "Feeling Good", 1980).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(
    name = "CognitiveDistortion",
    remote = "super::domain::CognitiveDistortion"
)]
pub enum DistortionValue {
    /// Seeing things in black and white: anything short of perfect is a failure.
    AllOrNothing,
    /// One bad event seen as a never-ending pattern ("always", "never").
    Overgeneralization,
    /// Dwelling on one negative detail so that everything looks dark.
    MentalFilter,
    /// Insisting that positive experiences "don't count".
    DisqualifyingThePositive,
    /// Assuming others think badly of you without evidence.
    MindReading,
    /// Predicting that things will turn out badly.
    FortuneTelling,
    /// Expecting the worst, or blowing things out of proportion.
    Catastrophizing,
    /// "I feel it, so it must be true."
    EmotionalReasoning,
    /// Rigid rules of "should", "must" and "ought".
    ShouldStatements,
    /// Calling oneself or others names ("I'm a loser") instead of describing a mistake.
    Labeling,
    /// Blaming oneself for things outside one's control.
    Personalization,
    /// Holding others wholly responsible for one's feelings or problems.
    Blaming,
}

/// A self-monitoring tracker of a client.
pub struct Tracker {
    pub model: entity::tracker::Model,
}

impl From<entity::tracker::Model> for Tracker {
    fn from(model: entity::tracker::Model) -> Self {
        Self { model }
    }
}

/// A self-monitoring tracker of a client.
#[Object]
impl Tracker {
    /// The tracker's id.
    async fn id(&self) -> ID {
        to_id(self.model.id)
    }
    /// The client whose tracker it is.
    async fn client_id(&self) -> ID {
        to_id(self.model.client_id)
    }
    /// MOOD and ANXIETY are built in; the rest are CUSTOM.
    async fn kind(&self) -> Option<TrackerKindValue> {
        domain::TrackerKind::parse(&self.model.kind).map(Into::into)
    }
    /// What is tracked, e.g. "Urges to check" or "Hours of sleep".
    async fn name(&self) -> &str {
        &self.model.name
    }
    /// What the values are.
    async fn value_type(&self) -> Option<ValueTypeValue> {
        domain::ValueType::parse(&self.model.value_type).map(Into::into)
    }
    /// The lowest value accepted.
    async fn min(&self) -> f64 {
        self.model.min_value
    }
    /// The highest value accepted.
    async fn max(&self) -> f64 {
        self.model.max_value
    }
    /// The unit shown with values, e.g. "SUDS" or "cups".
    async fn unit(&self) -> Option<&str> {
        self.model.unit.as_deref()
    }
    /// The goal this tracker measures, if any.
    async fn goal_id(&self) -> Option<ID> {
        self.model.goal_id.map(to_id)
    }
    /// Local times of day (`HH:MM`) at which the app reminds the client to log.
    async fn prompt_times(&self) -> Vec<String> {
        serde_json::from_value(self.model.prompt_times.clone()).unwrap_or_default()
    }
    /// When it was archived (it then takes no entries).
    async fn archived_at(&self) -> Option<DateTime<Utc>> {
        self.model.archived_at
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at
    }
    /// The version, for optimistic concurrency.
    async fn version(&self) -> i32 {
        self.model.version
    }
    /// Entries by the time they were recorded, optionally within `[from, to)`.
    #[allow(clippy::too_many_arguments)]
    async fn entries(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, counting forward (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue forward from.")] after: Option<String>,
        #[graphql(desc = "Page size, counting backward (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue backward from.")] before: Option<String>,
        #[graphql(desc = "Only entries recorded at or after this instant.")] from: Option<
            DateTime<Utc>,
        >,
        #[graphql(desc = "Only entries recorded before this instant.")] to: Option<DateTime<Utc>>,
    ) -> GqlResult<Conn<TrackerEntry>> {
        let role = context::viewer(ctx)?.role();
        let args = paged(ctx, first, after, last, before, (from, to))?;
        let page = load_visible::<tracking::EntriesOf>(ctx, self.model.id, args).await?;
        Ok(connection(
            page,
            |e| encode_cursor(&(e.recorded_at, e.id)),
            |e| TrackerEntry::new(e, role),
        ))
    }
    /// One point per local day or week from `from` to `to` (inclusive, at most 366
    /// points), empty ones included. Computed in SQL by the client's local date.
    async fn series(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The first local date.")] from: NaiveDate,
        #[graphql(desc = "The last local date (inclusive).")] to: NaiveDate,
        #[graphql(desc = "Days or weeks (Monday to Sunday).", default)] bucket: BucketValue,
    ) -> GqlResult<Vec<TrendPoint>> {
        let range = trends::SeriesRange::parse(from, to, bucket.into())?;
        Ok(load_visible::<trends::Series>(ctx, self.model.id, range)
            .await?
            .into_iter()
            .map(TrendPoint::from)
            .collect())
    }
    /// The last `days` local days (today included) against the `days` before them.
    async fn summary(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The window, 1 to 365 days.", default = 14)] days: i32,
    ) -> GqlResult<TrackerSummary> {
        let days = trends::window(days, "days")?;
        Ok(load_visible::<trends::Summaries>(ctx, self.model.id, days)
            .await?
            .into())
    }
    /// The mean per part of the local day over the last `days` days: always four points,
    /// NIGHT to EVENING.
    async fn time_of_day(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The window, 1 to 365 days.", default = 30)] days: i32,
    ) -> GqlResult<Vec<PartOfDayPoint>> {
        let days = trends::window(days, "days")?;
        Ok(load_visible::<trends::TimesOfDay>(ctx, self.model.id, days)
            .await?
            .into_iter()
            .map(|p| PartOfDayPoint {
                part: p.part.into(),
                count: p.count,
                mean: p.mean,
            })
            .collect())
    }
    /// The contexts named most often over the last `days` days, with the mean value with
    /// each; most entries first.
    async fn top_contexts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The window, 1 to 365 days.", default = 30)] days: i32,
        #[graphql(desc = "How many contexts, 1 to 50.", default = 5)] limit: i32,
    ) -> GqlResult<Vec<ContextPoint>> {
        let days = trends::window(days, "days")?;
        let limit = trends::context_limit(limit)?;
        Ok(
            load_visible::<trends::TopContexts>(ctx, self.model.id, (days, limit))
                .await?
                .into_iter()
                .map(|p| ContextPoint {
                    context: p.context,
                    count: p.count,
                    mean: p.mean,
                })
                .collect(),
        )
    }
}

/// One value logged on a tracker.
#[derive(SimpleObject)]
pub struct TrackerEntry {
    /// The entry's id (client-generated ids are kept).
    pub id: ID,
    /// The tracker.
    pub tracker_id: ID,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
    /// Who may see its content.
    pub visibility: VisibilityValue,
    /// True when the viewer may not see the content (a PRIVATE entry, seen by anyone but
    /// the client): value, context and note are then null.
    pub hidden: bool,
    /// The value.
    pub value: Option<f64>,
    /// What was going on (trigger, place, company).
    pub context: Option<String>,
    /// The client's note.
    pub note: Option<String>,
}

impl TrackerEntry {
    /// The entry as `role` may see it.
    pub fn new(e: entity::tracker_entry::Model, role: crate::auth::Role) -> Self {
        let shown = reveals(role, &e.visibility);
        Self {
            id: to_id(e.id),
            tracker_id: to_id(e.tracker_id),
            recorded_at: e.recorded_at,
            visibility: domain::Visibility::parse(&e.visibility)
                .unwrap_or(domain::Visibility::Private)
                .into(),
            hidden: !shown,
            value: shown.then_some(e.value),
            context: e.context.filter(|_| shown),
            note: e.note.filter(|_| shown),
        }
    }
}

/// The statistics of one day or week.
#[derive(SimpleObject)]
pub struct TrendPoint {
    /// The first local date of the bucket.
    pub start: NaiveDate,
    /// The last local date of the bucket (inclusive).
    pub end: NaiveDate,
    /// Entries the statistics use.
    pub count: i64,
    /// PRIVATE entries left out because the viewer may not see them.
    pub hidden_count: i64,
    /// The mean value; null without entries.
    pub mean: Option<f64>,
    /// The lowest value.
    pub min: Option<f64>,
    /// The highest value.
    pub max: Option<f64>,
}

impl From<trends::Point> for TrendPoint {
    fn from(p: trends::Point) -> Self {
        Self {
            start: p.start,
            end: p.end,
            count: p.count,
            hidden_count: p.hidden,
            mean: p.mean,
            min: p.min,
            max: p.max,
        }
    }
}

/// A window of days against the window before it.
#[derive(SimpleObject)]
pub struct TrackerSummary {
    /// The window's length in days.
    pub days: i32,
    /// The window's first local date.
    pub from: NaiveDate,
    /// The window's last local date (today).
    pub to: NaiveDate,
    /// Entries in the window the statistics use.
    pub count: i64,
    /// PRIVATE entries in the window left out because the viewer may not see them.
    pub hidden_count: i64,
    /// The mean in the window.
    pub mean: Option<f64>,
    /// The mean in the window before.
    pub previous_mean: Option<f64>,
    /// `mean - previousMean`.
    pub change: Option<f64>,
    /// The least-squares trend in the window, per week (positive: rising).
    pub slope_per_week: Option<f64>,
}

impl From<trends::Summary> for TrackerSummary {
    fn from(s: trends::Summary) -> Self {
        Self {
            days: s.days,
            from: s.from,
            to: s.to,
            count: s.count,
            hidden_count: s.hidden,
            mean: s.mean,
            previous_mean: s.previous_mean,
            change: s.change,
            slope_per_week: s.slope_per_week,
        }
    }
}

/// The mean in one part of the day.
#[derive(SimpleObject)]
pub struct PartOfDayPoint {
    /// The part of the day.
    pub part: PartOfDayValue,
    /// Entries in it.
    pub count: i64,
    /// Their mean.
    pub mean: Option<f64>,
}

/// A context and how it went with it.
#[derive(SimpleObject)]
pub struct ContextPoint {
    /// The context as logged.
    pub context: String,
    /// How many entries named it.
    pub count: i64,
    /// Their mean value.
    pub mean: Option<f64>,
}

/// Add a custom tracker.
#[derive(InputObject)]
pub struct CreateTrackerInput {
    /// The client.
    pub client_id: ID,
    /// What is tracked (1 to 80 characters, unique among the client's active trackers).
    pub name: String,
    /// What the values are.
    pub value_type: ValueTypeValue,
    /// The lowest value (SCALE default 0; COUNT and DURATION_MINUTES 0; not for YES_NO).
    pub min: Option<f64>,
    /// The highest value (SCALE default 10; COUNT 10,000; DURATION_MINUTES 1,440; not for
    /// YES_NO).
    pub max: Option<f64>,
    /// The unit shown with values (at most 40 characters).
    pub unit: Option<String>,
    /// The client's goal this tracker measures.
    pub goal_id: Option<ID>,
    /// Local reminder times, `HH:MM` (at most 6).
    pub prompt_times: Option<Vec<String>>,
}

/// Archive a custom tracker.
#[derive(InputObject)]
pub struct ArchiveTrackerInput {
    /// The tracker.
    pub tracker_id: ID,
}

/// The tracker as it now is.
#[derive(SimpleObject)]
pub struct TrackerPayload {
    /// The tracker.
    pub tracker: Tracker,
}

/// One value to log.
#[derive(InputObject, Clone)]
pub struct LogEntryInput {
    /// A client-generated id (UUID) makes the call safe to repeat (offline sync).
    pub id: Option<ID>,
    /// The tracker.
    pub tracker_id: ID,
    /// When it was recorded (not in the future).
    pub recorded_at: DateTime<Utc>,
    /// The value, checked against the tracker's type and range.
    pub value: f64,
    /// What was going on (at most 120 characters).
    pub context: Option<String>,
    /// A note (at most 2,000 characters).
    pub note: Option<String>,
    /// Who may see it; only the client may log PRIVATE entries.
    #[graphql(default)]
    pub visibility: VisibilityValue,
}

/// The logged entry.
#[derive(SimpleObject)]
pub struct LogEntryPayload {
    /// The entry as stored.
    pub entry: TrackerEntry,
    /// True when the entry was already stored (a replay) and nothing was written.
    pub duplicate: bool,
}

/// Many entries at once (offline sync).
#[derive(InputObject)]
pub struct LogEntriesInput {
    /// At most 500 entries.
    pub entries: Vec<LogEntryInput>,
}

/// What became of one entry.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryResultStatus {
    /// Written now.
    Created,
    /// Already stored with the same content: acknowledged, not written again.
    Duplicate,
    /// An entry with the same id exists with other content; nothing written.
    Conflict,
    /// Rejected (see `error`); nothing written.
    Invalid,
}

/// Why an entry was not written.
#[derive(SimpleObject)]
pub struct EntryError {
    /// The error code, as in `extensions.code`.
    pub code: String,
    /// The input field at fault, e.g. `input.entries.3.value`.
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
}

/// The result of one entry of a batch.
#[derive(SimpleObject)]
pub struct EntryResult {
    /// The entry's position in the input, from 0.
    pub index: i32,
    /// The entry's id, when it has one.
    pub id: Option<ID>,
    /// What became of it.
    pub status: EntryResultStatus,
    /// The stored entry (CREATED or DUPLICATE).
    pub entry: Option<TrackerEntry>,
    /// Why it was not written (CONFLICT or INVALID).
    pub error: Option<EntryError>,
}

impl EntryResult {
    /// From a service outcome; `given` is the id the caller sent.
    pub fn new(
        index: usize,
        given: Option<ID>,
        outcome: EntryOutcome,
        role: crate::auth::Role,
    ) -> Self {
        let index = i32::try_from(index).unwrap_or(i32::MAX);
        match outcome {
            EntryOutcome::Created(m) => Self {
                index,
                id: Some(to_id(m.id)),
                status: EntryResultStatus::Created,
                entry: Some(TrackerEntry::new(m, role)),
                error: None,
            },
            EntryOutcome::Duplicate(m) => Self {
                index,
                id: Some(to_id(m.id)),
                status: EntryResultStatus::Duplicate,
                entry: Some(TrackerEntry::new(m, role)),
                error: None,
            },
            EntryOutcome::Rejected(e) => {
                let status = if matches!(e, ServiceError::Conflict(_)) {
                    EntryResultStatus::Conflict
                } else {
                    EntryResultStatus::Invalid
                };
                let code = e.code().as_str().to_owned();
                let field = match &e {
                    ServiceError::BadInput { field, .. } => Some(field.clone()),
                    _ => None,
                };
                let message = async_graphql::Error::from(crate::error::GqlError::from(e)).message;
                Self {
                    index,
                    id: given,
                    status,
                    entry: None,
                    error: Some(EntryError {
                        code,
                        field,
                        message,
                    }),
                }
            }
        }
    }
}

/// What a batch did.
#[derive(SimpleObject)]
pub struct LogEntriesPayload {
    /// One result per input entry, in input order.
    pub results: Vec<EntryResult>,
    /// Entries written now.
    pub created: i32,
    /// Entries already stored (replays).
    pub duplicates: i32,
    /// Entries not written (CONFLICT or INVALID).
    pub rejected: i32,
}

/// An emotion of a thought record.
#[derive(SimpleObject)]
pub struct Emotion {
    /// E.g. "anxious", "ashamed".
    pub name: String,
    /// Intensity before the exercise, 0 to 100.
    pub intensity_before: i32,
    /// Intensity after it, 0 to 100.
    pub intensity_after: i32,
}

/// A thought record (CBT): from situation and automatic thought, through the evidence,
/// to a balanced thought. Content is null when `hidden`.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct ThoughtRecord {
    /// The record's id.
    pub id: ID,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
    /// Who may see its content.
    pub visibility: VisibilityValue,
    /// True when the viewer may not see the content (PRIVATE, not the client).
    pub hidden: bool,
    /// What happened: where, when, with whom.
    pub situation: Option<String>,
    /// The thought that went through the client's mind.
    pub automatic_thought: Option<String>,
    /// How much the client believed it, 0 to 100.
    pub belief_before: Option<i32>,
    /// The emotions felt, with intensity before and after.
    pub emotions: Option<Vec<Emotion>>,
    /// Evidence that supports the thought.
    pub evidence_for: Option<String>,
    /// Evidence that does not.
    pub evidence_against: Option<String>,
    /// The thinking traps spotted.
    pub distortions: Option<Vec<DistortionValue>>,
    /// A more balanced alternative thought.
    pub balanced_thought: Option<String>,
    /// Belief in the automatic thought afterwards, 0 to 100.
    pub belief_after: Option<i32>,
}

#[ComplexObject]
impl ThoughtRecord {
    /// `beliefBefore - beliefAfter` (positive: the thought lost its grip).
    async fn belief_drop(&self) -> Option<i32> {
        Some(self.belief_before? - self.belief_after?)
    }
    /// The mean drop in emotion intensity over the emotions rated.
    async fn emotion_drop(&self) -> Option<f64> {
        let emotions = self.emotions.as_ref().filter(|e| !e.is_empty())?;
        let total: i32 = emotions
            .iter()
            .map(|e| e.intensity_before - e.intensity_after)
            .sum();
        #[allow(clippy::cast_precision_loss)]
        Some(f64::from(total) / emotions.len() as f64)
    }
}

impl ThoughtRecord {
    /// The record as `role` may see it.
    pub fn new((r, emotions): ThoughtRecordRow, role: crate::auth::Role) -> Self {
        let shown = reveals(role, &r.visibility);
        let distortions: Vec<String> = serde_json::from_value(r.distortions).unwrap_or_default();
        Self {
            id: to_id(r.id),
            recorded_at: r.recorded_at,
            visibility: domain::Visibility::parse(&r.visibility)
                .unwrap_or(domain::Visibility::Private)
                .into(),
            hidden: !shown,
            situation: shown.then_some(r.situation),
            automatic_thought: shown.then_some(r.automatic_thought),
            belief_before: shown.then_some(r.belief_before),
            emotions: shown.then(|| {
                emotions
                    .into_iter()
                    .map(|e| Emotion {
                        name: e.name,
                        intensity_before: e.intensity_before,
                        intensity_after: e.intensity_after,
                    })
                    .collect()
            }),
            evidence_for: r.evidence_for.filter(|_| shown),
            evidence_against: r.evidence_against.filter(|_| shown),
            distortions: shown.then(|| {
                distortions
                    .iter()
                    .filter_map(|d| domain::CognitiveDistortion::parse(d))
                    .map(Into::into)
                    .collect()
            }),
            balanced_thought: r.balanced_thought.filter(|_| shown),
            belief_after: r.belief_after.filter(|_| shown),
        }
    }
}

/// An emotion to rate.
#[derive(InputObject)]
pub struct EmotionInput {
    /// E.g. "anxious" (1 to 60 characters).
    pub name: String,
    /// Intensity before, 0 to 100.
    pub intensity_before: i32,
    /// Intensity after, 0 to 100.
    pub intensity_after: i32,
}

/// Record a thought record.
#[derive(InputObject)]
pub struct RecordThoughtRecordInput {
    /// A client-generated id (UUID) makes the call safe to repeat (offline sync).
    pub id: Option<ID>,
    /// The client.
    pub client_id: ID,
    /// When it was written; now when omitted (not in the future).
    pub recorded_at: Option<DateTime<Utc>>,
    /// What happened (1 to 2,000 characters).
    pub situation: String,
    /// The automatic thought (1 to 2,000 characters).
    pub automatic_thought: String,
    /// Belief in it, 0 to 100.
    pub belief_before: i32,
    /// 1 to 10 emotions.
    pub emotions: Vec<EmotionInput>,
    /// Evidence for the thought (at most 2,000 characters).
    pub evidence_for: Option<String>,
    /// Evidence against it (at most 2,000 characters).
    pub evidence_against: Option<String>,
    /// Thinking traps spotted.
    #[graphql(default)]
    pub distortions: Vec<DistortionValue>,
    /// A balanced alternative thought (at most 2,000 characters).
    pub balanced_thought: Option<String>,
    /// Belief in the automatic thought afterwards, 0 to 100.
    pub belief_after: Option<i32>,
    /// Who may see it; only the client may record PRIVATE.
    #[graphql(default)]
    pub visibility: VisibilityValue,
}

/// The recorded thought record.
#[derive(SimpleObject)]
pub struct ThoughtRecordPayload {
    /// The record as stored.
    pub thought_record: ThoughtRecord,
    /// True when it was already stored (a replay) and nothing was written.
    pub duplicate: bool,
}

/// Thought records in numbers.
#[derive(SimpleObject)]
pub struct ThoughtRecordSummary {
    /// All thought records in the period, PRIVATE ones included.
    pub count: i64,
    /// PRIVATE records the means leave out because the viewer may not see them.
    pub hidden_count: i64,
    /// The mean of the records' `emotionDrop` (each record weighs the same).
    pub mean_emotion_drop: Option<f64>,
    /// The mean drop in belief in the automatic thought.
    pub mean_belief_drop: Option<f64>,
}

/// A page of thought records.
pub type ThoughtRecordConn = Conn<ThoughtRecord>;
