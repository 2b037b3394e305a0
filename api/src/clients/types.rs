//! GraphQL types of clients.

use async_graphql::{Context, Enum, ID, InputObject, Json, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::domain::ClientStatus;
use crate::{
    accounts::types::{User, UserRole},
    alerts::types::{Alert, AlertStatusValue},
    auth::Role,
    checkins::types::{CheckIn, CheckInStatusValue},
    error::{GqlResult, ServiceError},
    goals::types::{Goal, GoalStatusValue},
    graphql::{
        context,
        loaders::{Batch, check_clinical, load, load_clinical, load_clinical_optional},
        pagination::{Conn, connection, encode_cursor, paged},
    },
    homework::types::{Homework, HomeworkStatusValue},
    measures::types::{InstrumentValue, MeasureAssignment, MeasureResponse},
    plans::types::{ActionPlan, ObstacleSummary},
    resources::types::{ResourceShare, SupportContact},
    sessions::types::{SessionStatusValue, TherapySession},
    tracking::types::{ThoughtRecord, ThoughtRecordSummary, Tracker},
    values::parse_id,
};

/// Where a client is in their care.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "super::domain::ClientStatus")]
pub enum ClientStatusValue {
    /// In active care.
    Active,
    /// Care is paused (e.g. a break between episodes).
    Paused,
    /// Care has ended.
    Discharged,
}

/// A client of the practice (the person in therapy).
pub struct Client {
    pub model: entity::client::Model,
}

impl From<entity::client::Model> for Client {
    fn from(model: entity::client::Model) -> Self {
        Self { model }
    }
}

impl Client {
    /// A clinical list of the client through `B`, each row made into `T`.
    async fn clinical_list<B, R, T>(&self, ctx: &Context<'_>, args: B::Args) -> GqlResult<Vec<T>>
    where
        B: Batch<Value = Vec<R>>,
        T: From<R>,
    {
        Ok(load_clinical::<B>(ctx, self.model.id, args)
            .await?
            .into_iter()
            .map(T::from)
            .collect())
    }
}

/// A client of the practice (the person in therapy).
#[Object]
impl Client {
    /// The client's id.
    async fn id(&self) -> ID {
        ID(self.model.id.to_string())
    }
    /// The client's name as shown to the care team.
    async fn display_name(&self) -> &str {
        &self.model.display_name
    }
    /// IANA time zone of the client; their local dates use it.
    async fn timezone(&self) -> &str {
        &self.model.timezone
    }
    /// Where the client is in their care.
    async fn status(&self) -> Option<ClientStatusValue> {
        ClientStatus::parse(&self.model.status).map(Into::into)
    }
    /// The integrating EHR's own id for this client.
    async fn external_ref(&self) -> Option<&str> {
        self.model.external_ref.as_deref()
    }
    /// Optimistic-concurrency version: pass it as `expectedVersion` when updating.
    async fn version(&self) -> i32 {
        self.model.version
    }
    /// Whether the client has accepted an invitation and can sign in.
    async fn has_login(&self) -> bool {
        self.model.user_id.is_some()
    }
    /// When the record was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at
    }
    /// When the record last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.model.updated_at
    }
    /// The therapists on the client's care team, by name (at most 50).
    async fn care_team(&self, ctx: &Context<'_>) -> GqlResult<Vec<User>> {
        let viewer = context::viewer(ctx)?;
        let members = load::<super::service::CareTeams>(ctx, self.model.id, ())
            .await?
            .unwrap_or_default();
        Ok(members
            .into_iter()
            .map(|u| User::for_viewer(u, viewer))
            .collect())
    }
    /// The client's goals, oldest first. Clinical: visible to the care team, the client,
    /// and integrators with `CLINICAL_READ`; others get `NOT_FOUND`.
    async fn goals(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only goals with one of these statuses; all when omitted.")]
        status: Option<Vec<GoalStatusValue>>,
    ) -> GqlResult<Vec<Goal>> {
        let goals =
            load_clinical::<crate::goals::service::GoalsOfClients>(ctx, self.model.id, ()).await?;
        let wanted: Option<Vec<&str>> = status.map(|s| {
            s.into_iter()
                .map(|v| crate::goals::domain::GoalStatus::from(v).as_str())
                .collect()
        });
        Ok(goals
            .into_iter()
            .filter(|g| {
                wanted
                    .as_ref()
                    .is_none_or(|w| w.contains(&g.status.as_str()))
            })
            .map(Goal::from)
            .collect())
    }
    /// The action plans of all the client's goals, oldest first (at most 200; each goal's
    /// `actionPlans` has all of its own). Clinical.
    async fn action_plans(&self, ctx: &Context<'_>) -> GqlResult<Vec<ActionPlan>> {
        self.clinical_list::<crate::plans::service::PlansOfClients, _, ActionPlan>(ctx, ())
            .await
    }
    /// Per obstacle kind: how often it was met, how often the coping plan was used, and
    /// how much it helped on average. Every kind is listed, in a fixed order. Clinical.
    async fn obstacle_summary(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only obstacles met at or after this instant; all when omitted.")]
        since: Option<DateTime<Utc>>,
    ) -> GqlResult<Vec<ObstacleSummary>> {
        self.clinical_list::<crate::plans::service::ObstacleSummaries, _, ObstacleSummary>(
            ctx, since,
        )
        .await
    }
    /// The client's therapy sessions by start time. Clinical.
    async fn sessions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only sessions with this status.")] status: Option<SessionStatusValue>,
        #[graphql(desc = "Page size, counting forward (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue forward from.")] after: Option<String>,
        #[graphql(desc = "Page size, counting backward (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue backward from.")] before: Option<String>,
    ) -> GqlResult<Conn<TherapySession>> {
        let args = paged(ctx, first, after, last, before, status.map(Into::into))?;
        let page =
            load_clinical::<crate::sessions::service::SessionsOf>(ctx, self.model.id, args).await?;
        Ok(connection(
            page,
            |s| encode_cursor(&(s.scheduled_at, s.id)),
            TherapySession::from,
        ))
    }
    /// The earliest SCHEDULED session from now on. Clinical.
    async fn next_session(&self, ctx: &Context<'_>) -> GqlResult<Option<TherapySession>> {
        Ok(
            load_clinical_optional::<crate::sessions::service::NextSession>(ctx, self.model.id, ())
                .await?
                .map(TherapySession::from),
        )
    }
    /// The latest COMPLETED session. Clinical.
    async fn last_session(&self, ctx: &Context<'_>) -> GqlResult<Option<TherapySession>> {
        Ok(
            load_clinical_optional::<crate::sessions::service::LastSession>(ctx, self.model.id, ())
                .await?
                .map(TherapySession::from),
        )
    }
    /// The client's homework by due date: the latest 200 assignments (of the statuses
    /// asked for). Clinical.
    async fn homework(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only homework with one of these statuses; all when omitted.")]
        status: Option<Vec<HomeworkStatusValue>>,
    ) -> GqlResult<Vec<Homework>> {
        let wanted: Option<Vec<String>> = status.map(|s| {
            let mut w: Vec<String> = s
                .into_iter()
                .map(|v| {
                    crate::homework::domain::HomeworkStatus::from(v)
                        .as_str()
                        .to_owned()
                })
                .collect();
            w.sort();
            w.dedup();
            w
        });
        Ok(
            load_clinical::<crate::homework::service::HomeworkOfClients>(
                ctx,
                self.model.id,
                wanted,
            )
            .await?
            .into_iter()
            .map(Homework::from)
            .collect(),
        )
    }
    /// Submitted homework not yet reviewed, oldest submission first (at most 100): the agenda
    /// for the next session. Clinical.
    async fn homework_to_review(&self, ctx: &Context<'_>) -> GqlResult<Vec<Homework>> {
        self.clinical_list::<crate::homework::service::ToReview, _, Homework>(ctx, ())
            .await
    }
    /// The resources shared with the client, newest first (at most 200), with whether they
    /// opened each. Clinical.
    async fn resources(&self, ctx: &Context<'_>) -> GqlResult<Vec<ResourceShare>> {
        Ok(
            load_clinical::<crate::resources::service::SharedWith>(ctx, self.model.id, ())
                .await?
                .into_iter()
                .map(|(share, resource)| ResourceShare { share, resource })
                .collect(),
        )
    }
    /// The client's support network, by name. Clinical: the care team and the client.
    async fn support_contacts(&self, ctx: &Context<'_>) -> GqlResult<Vec<SupportContact>> {
        self.clinical_list::<crate::resources::service::ContactsOf, _, SupportContact>(ctx, ())
            .await
    }
    /// The client's check-ins by due time (at most 200), optionally of one status. Clinical.
    async fn check_ins(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only check-ins with this status.")] status: Option<CheckInStatusValue>,
    ) -> GqlResult<Vec<CheckIn>> {
        self.clinical_list::<crate::checkins::service::CheckInsOf, _, CheckIn>(
            ctx,
            status.map(Into::into),
        )
        .await
    }
    /// The client's trackers: MOOD, ANXIETY, then custom ones by creation (with archived
    /// ones, the oldest 100). Clinical.
    async fn trackers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Include archived trackers.", default)] include_archived: bool,
    ) -> GqlResult<Vec<Tracker>> {
        self.clinical_list::<crate::tracking::service::TrackersOf, _, Tracker>(
            ctx,
            include_archived,
        )
        .await
    }
    /// The client's thought records by the time they were written. PRIVATE ones show to
    /// others than the client as `hidden`, without content. Clinical.
    async fn thought_records(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, counting forward (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue forward from.")] after: Option<String>,
        #[graphql(desc = "Page size, counting backward (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue backward from.")] before: Option<String>,
    ) -> GqlResult<Conn<ThoughtRecord>> {
        let role = context::viewer(ctx)?.role();
        let args = paged(ctx, first, after, last, before, ())?;
        let page =
            load_clinical::<crate::tracking::service::ThoughtRecordsOf>(ctx, self.model.id, args)
                .await?;
        Ok(connection(
            page,
            |(r, _)| encode_cursor(&(r.recorded_at, r.id)),
            |row| ThoughtRecord::new(row, role),
        ))
    }
    /// How many thought records, and the mean drop in emotion and belief over those the
    /// viewer may read. Clinical.
    async fn thought_record_summary(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only records written at or after this instant; all when omitted.")]
        since: Option<DateTime<Utc>>,
    ) -> GqlResult<ThoughtRecordSummary> {
        check_clinical(ctx, self.model.id).await?;
        let s =
            load::<crate::tracking::trends::ThoughtSummaries>(ctx, self.model.id, since).await?;
        Ok(ThoughtRecordSummary {
            count: s.as_ref().map_or(0, |s| s.count),
            hidden_count: s.as_ref().map_or(0, |s| s.hidden),
            mean_emotion_drop: s.as_ref().and_then(|s| s.mean_emotion_drop),
            mean_belief_drop: s.as_ref().and_then(|s| s.mean_belief_drop),
        })
    }
    /// The client's assigned measures that are due now, most overdue first. Clinical.
    async fn measures_due(&self, ctx: &Context<'_>) -> GqlResult<Vec<MeasureAssignment>> {
        self.clinical_list::<crate::measures::service::DueOf, _, MeasureAssignment>(ctx, ())
            .await
    }
    /// The client's responses to one instrument, oldest first (at most 500). Clinical.
    async fn measure_history(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which instrument.")] instrument: InstrumentValue,
    ) -> GqlResult<Vec<MeasureResponse>> {
        self.clinical_list::<crate::measures::service::HistoryOf, _, MeasureResponse>(
            ctx,
            instrument.into(),
        )
        .await
    }
    /// How engaged the client has been with the work between sessions over the last 14
    /// days (configurable): a 0-100 score, its trend and parts, the tracking streak and
    /// days since the last activity (clinical access; see the README's "Momentum score").
    async fn momentum(&self, ctx: &Context<'_>) -> GqlResult<crate::insights::types::Momentum> {
        let fresh = crate::insights::resolvers::freshness(&context::state(ctx)?.config);
        let window_days = fresh.window_days;
        let args = (window_days, fresh.max_age.num_seconds());
        let inner =
            load_clinical::<crate::insights::service::MomentumOf>(ctx, self.model.id, args).await?;
        Ok(crate::insights::types::Momentum { inner, window_days })
    }
    /// The client's alerts, most severe then oldest first (at most 200). For the care
    /// team and integrators with `CLINICAL_READ`; clients get `FORBIDDEN`.
    async fn alerts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only alerts with this status; all when omitted.")] status: Option<
            AlertStatusValue,
        >,
    ) -> GqlResult<Vec<Alert>> {
        self.clinical_list::<crate::alerts::service::AlertsOf, _, Alert>(
            ctx,
            status.map(Into::into),
        )
        .await
    }
    /// The client's record as a FHIR R4 `Bundle` (type `collection`): Patient, Goal,
    /// CarePlan, Task, Observation and QuestionnaireResponse resources linked by
    /// `urn:uuid:` references (see the README's FHIR export section for the mapping).
    /// Private entries are left out. Tracker entries (at most 1,000) and measures (at
    /// most 200) are the oldest from `since` on: to export more, call again with `since`
    /// set to the last one's time. Clinical: the care team, the client, and integrators
    /// with `CLINICAL_READ`; others get `NOT_FOUND`.
    async fn fhir_bundle(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Only tracker entries and measures at or after this instant (not in the future); all when omitted."
        )]
        since: Option<DateTime<Utc>>,
    ) -> GqlResult<crate::fhir::types::FhirJson> {
        crate::fhir::resolvers::client_bundle(ctx, self.model.id, since).await
    }
    /// The change history of the client's record, oldest first. Clinical: visible to the
    /// care team, the client, and integrators with `CLINICAL_READ`; others get `NOT_FOUND`.
    async fn activity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, counting forward (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue forward from.")] after: Option<String>,
        #[graphql(desc = "Page size, counting backward (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue backward from.")] before: Option<String>,
    ) -> GqlResult<Conn<ClientEvent>> {
        let args = paged(ctx, first, after, last, before, ())?;
        let page = load_clinical::<super::service::Activity>(ctx, self.model.id, args).await?;
        Ok(connection(
            page,
            |e| encode_cursor(&e.sequence),
            ClientEvent::from,
        ))
    }
}

/// One change to a client's record.
#[derive(SimpleObject)]
pub struct ClientEvent {
    /// Position in the practice's event log (a decimal integer, as a string).
    pub sequence: String,
    /// What happened, e.g. `CLIENT_CREATED`, `CARE_TEAM_MEMBER_ADDED`.
    pub kind: String,
    /// The record the event is about.
    pub entity_id: ID,
    /// Who did it (a user or API credential id); null for the system.
    pub actor_id: Option<ID>,
    /// The role of whoever did it.
    pub actor_role: Option<UserRole>,
    /// Ids and enum values describing the change (never free text).
    pub payload: Json<serde_json::Value>,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
}

impl From<entity::event::Model> for ClientEvent {
    fn from(e: entity::event::Model) -> Self {
        Self {
            sequence: e.sequence.to_string(),
            kind: e.kind,
            entity_id: ID(e.entity_id.to_string()),
            actor_id: e.actor_id.map(|a| ID(a.to_string())),
            actor_role: e
                .actor_role
                .as_deref()
                .and_then(Role::parse)
                .map(Into::into),
            payload: Json(e.payload),
            occurred_at: e.created_at,
        }
    }
}

/// Narrows the roster.
#[derive(InputObject, Default)]
pub struct ClientFilter {
    /// Only clients with this status.
    pub status: Option<ClientStatusValue>,
    /// Case-insensitive text found in the display name or external reference.
    pub search: Option<String>,
    /// Only clients on this therapist's care team.
    pub therapist_id: Option<ID>,
}

impl ClientFilter {
    /// Parses into the service filter.
    pub fn parse(self) -> Result<super::service::ClientFilter, ServiceError> {
        let search = match self.search.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) if s.chars().count() > 100 => {
                return Err(ServiceError::bad_input(
                    "filter.search",
                    "must be at most 100 characters",
                ));
            }
            Some(s) => Some(s.to_owned()),
        };
        Ok(super::service::ClientFilter {
            status: self.status.map(Into::into),
            search,
            therapist_id: self
                .therapist_id
                .as_ref()
                .map(|id| parse_id(id, "filter.therapistId"))
                .transpose()?,
        })
    }
}

/// Create a client.
#[derive(InputObject)]
pub struct CreateClientInput {
    /// Optional client-generated UUID: replaying the same create returns the existing
    /// client instead of a duplicate (offline sync).
    pub id: Option<ID>,
    /// The client's name as shown to the care team (1 to 120 characters).
    pub display_name: String,
    /// IANA time zone, e.g. `America/New_York`.
    pub timezone: String,
    /// The integrating EHR's own id for this client; unique within the practice.
    pub external_ref: Option<String>,
    /// Therapists to put on the care team. A therapist creating a client is added anyway.
    pub therapist_ids: Option<Vec<ID>>,
}

/// Change a client's roster fields. Omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateClientInput {
    /// The client.
    pub id: ID,
    /// The `version` you last read; a stale one is a `CONFLICT`.
    pub expected_version: i32,
    /// New display name (cannot be null).
    pub display_name: MaybeUndefined<String>,
    /// New IANA time zone (cannot be null).
    pub timezone: MaybeUndefined<String>,
    /// New external reference; null clears it.
    pub external_ref: MaybeUndefined<String>,
}

/// Change where a client is in their care.
#[derive(InputObject)]
pub struct SetClientStatusInput {
    /// The client.
    pub id: ID,
    /// The new status.
    pub status: ClientStatusValue,
    /// When given, the change applies only if the client is still at this version.
    pub expected_version: Option<i32>,
}

/// Put a therapist on a client's care team.
#[derive(InputObject)]
pub struct AddToCareTeamInput {
    /// The client.
    pub client_id: ID,
    /// An active therapist of the practice.
    pub therapist_id: ID,
}

/// Take a therapist off a client's care team.
#[derive(InputObject)]
pub struct RemoveFromCareTeamInput {
    /// The client.
    pub client_id: ID,
    /// The therapist to remove; the last member cannot be removed.
    pub therapist_id: ID,
}

/// Invite a client to create their own login.
#[derive(InputObject)]
pub struct InviteClientInput {
    /// The client.
    pub client_id: ID,
    /// When given, only this email may accept the invitation.
    pub email: Option<String>,
}

/// The client after a change.
#[derive(SimpleObject)]
pub struct ClientPayload {
    /// The client as it now is.
    pub client: Client,
}
