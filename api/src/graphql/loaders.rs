//! DataLoaders: nested lists load in one query per level, never one per parent (DESIGN §8).
//! Loaders are made per request and bound to the viewer: every batch query carries the
//! viewer's scope in its SQL, and every batch of clinical reads leaves one audit row.

use std::{collections::HashMap, hash::Hash, time::Duration};

use async_graphql::{
    Context,
    dataloader::{DataLoader, Loader},
};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::{
    audit::{self, Target},
    auth::{Principal, Viewer},
    error::{GqlError, GqlResult, ServiceError},
    state::AppState,
};

/// How long a loader waits to gather keys before querying. The resolvers of one list are
/// polled together, so a short wait collects all of them; a longer one only adds latency.
pub const LOADER_DELAY: Duration = Duration::from_millis(1);

/// What every loader holds: the database and the request's viewer.
#[derive(Clone)]
pub struct Scoped {
    db: DatabaseConnection,
    viewer: Option<Viewer>,
}

impl Scoped {
    fn viewer(&self) -> Result<&Viewer, GqlError> {
        self.viewer
            .as_ref()
            .ok_or_else(|| ServiceError::Unauthenticated.into())
    }

    /// Records one audit row for a batch read of `ids`.
    async fn audited(&self, operation: &'static str, ids: &[Uuid]) -> Result<(), GqlError> {
        audit::record(
            &self.db,
            self.viewer()?,
            operation,
            &Target::many(ids.to_vec()),
            Ok(()),
        )
        .await?;
        Ok(())
    }
}

fn group<K: Eq + Hash, V>(rows: Vec<V>, key: impl Fn(&V) -> K) -> HashMap<K, Vec<V>> {
    let mut map: HashMap<K, Vec<V>> = HashMap::new();
    for row in rows {
        map.entry(key(&row)).or_default().push(row);
    }
    map
}

/// Groups `rows` by `key` with an entry (possibly empty) for every key in `present`: a key
/// without an entry is one the viewer may not see.
fn group_present<V>(
    present: &[Uuid],
    rows: Vec<V>,
    key: impl Fn(&V) -> Uuid,
) -> HashMap<Uuid, Vec<V>> {
    let mut map = group(rows, key);
    for id in present {
        map.entry(*id).or_default();
    }
    map
}

/// The loader of type `L` attached to this request.
pub fn loader<'a, L: Send + Sync + 'static>(ctx: &Context<'a>) -> GqlResult<&'a DataLoader<L>> {
    ctx.data::<DataLoader<L>>()
        .map_err(|_| ServiceError::Internal("loader missing".to_owned()).into())
}

/// Loads one key, `NOT_FOUND` when the loader has no entry for it (not visible).
pub async fn load_visible<L, K>(ctx: &Context<'_>, key: K) -> GqlResult<L::Value>
where
    L: Loader<K, Error = GqlError>,
    K: Send + Sync + Hash + Eq + Clone + 'static,
{
    loader::<L>(ctx)?
        .load_one(key)
        .await?
        .ok_or_else(|| ServiceError::NotFound.into())
}

/// Loads a client's clinical list through `L`: `NOT_FOUND` unless the viewer may read the
/// client clinically, checked once per request for all clients ([`ClinicalAccessLoader`]).
pub async fn load_clinical<L>(ctx: &Context<'_>, client_id: Uuid) -> GqlResult<L::Value>
where
    L: Loader<Uuid, Error = GqlError>,
{
    load_visible::<ClinicalAccessLoader, _>(ctx, client_id).await?;
    load_visible::<L, _>(ctx, client_id).await
}

/// Care-team members by client id. Callers pass only ids of clients already shown to be
/// visible; the practice bound here keeps the query inside the tenant regardless.
pub struct CareTeamLoader(Scoped);

impl Loader<Uuid> for CareTeamLoader {
    type Value = Vec<entity::app_user::Model>;
    type Error = GqlError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let practice_id = self.0.viewer()?.practice_id;
        let rows = crate::clients::service::care_teams(&self.0.db, practice_id, keys).await?;
        Ok(group(rows, |(client_id, _)| *client_id)
            .into_iter()
            .map(|(k, v)| (k, v.into_iter().map(|(_, u)| u).collect()))
            .collect())
    }
}

/// Clients by id, as the roster shows them (e.g. the client of an alert).
pub struct ClientLoader(Scoped);

impl Loader<Uuid> for ClientLoader {
    type Value = entity::client::Model;
    type Error = GqlError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let viewer = self.0.viewer()?;
        let rows = crate::clients::service::by_ids(&self.0.db, viewer, keys).await?;
        self.0.audited("clients", keys).await?;
        Ok(rows.into_iter().map(|c| (c.id, c)).collect())
    }
}

/// The IANA time zone of clients by id (for their local dates). Not clinical.
pub struct ClientTimezoneLoader(Scoped);

impl Loader<Uuid> for ClientTimezoneLoader {
    type Value = String;
    type Error = GqlError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, String>, Self::Error> {
        let practice_id = self.0.viewer()?.practice_id;
        Ok(
            crate::clients::service::timezones(&self.0.db, practice_id, keys)
                .await?
                .into_iter()
                .collect(),
        )
    }
}

/// Whether the viewer may read a client clinically: an entry for each client they may.
pub struct ClinicalAccessLoader(Scoped);

impl Loader<Uuid> for ClinicalAccessLoader {
    type Value = ();
    type Error = GqlError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, ()>, Self::Error> {
        let viewer = self.0.viewer()?;
        let present = crate::clients::service::clinically_visible(&self.0.db, viewer, keys).await?;
        Ok(present.into_iter().map(|id| (id, ())).collect())
    }
}

/// A client's goals, by client id. Load through [`load_clinical`], which checks clinical
/// access first; the query keeps the clinical scope in its SQL regardless.
pub struct ClientGoalsLoader(Scoped);

impl Loader<Uuid> for ClientGoalsLoader {
    type Value = Vec<entity::goal::Model>;
    type Error = GqlError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let viewer = self.0.viewer()?;
        let rows = crate::goals::service::goals_of_clients(&self.0.db, viewer, keys).await?;
        self.0.audited("Client.goals", keys).await?;
        Ok(group_present(keys, rows, |g| g.client_id))
    }
}

/// Goals by id (e.g. the goal of an action plan).
pub struct GoalLoader(Scoped);

impl Loader<Uuid> for GoalLoader {
    type Value = entity::goal::Model;
    type Error = GqlError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let viewer = self.0.viewer()?;
        let rows = crate::goals::service::goals_by_ids(&self.0.db, viewer, keys).await?;
        self.0.audited("goals", keys).await?;
        Ok(rows.into_iter().map(|g| (g.id, g)).collect())
    }
}

/// A goal's steps in order, by goal id.
pub struct GoalStepsLoader(Scoped);

impl Loader<Uuid> for GoalStepsLoader {
    type Value = Vec<entity::goal_step::Model>;
    type Error = GqlError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let viewer = self.0.viewer()?;
        let rows = crate::goals::service::steps_of_goals(&self.0.db, viewer, keys).await?;
        self.0.audited("Goal.steps", keys).await?;
        Ok(group_present(keys, rows, |s| s.goal_id))
    }
}

/// The latest recorded value of a goal, by goal id; no entry when none was recorded.
pub struct LatestProgressLoader(Scoped);

impl Loader<Uuid> for LatestProgressLoader {
    type Value = entity::goal_progress::Model;
    type Error = GqlError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let viewer = self.0.viewer()?;
        let rows = crate::goals::service::latest_progress(&self.0.db, viewer, keys).await?;
        self.0.audited("Goal.progress", keys).await?;
        Ok(rows.into_iter().map(|p| (p.goal_id, p)).collect())
    }
}

/// A goal's action plans, by goal id.
pub struct GoalPlansLoader(Scoped);

impl Loader<Uuid> for GoalPlansLoader {
    type Value = Vec<entity::action_plan::Model>;
    type Error = GqlError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let viewer = self.0.viewer()?;
        let rows = crate::plans::service::plans_of_goals(&self.0.db, viewer, keys).await?;
        self.0.audited("Goal.actionPlans", keys).await?;
        Ok(group_present(keys, rows, |p| p.goal_id))
    }
}

/// A client's action plans, by client id. Load through [`load_clinical`].
pub struct ClientPlansLoader(Scoped);

impl Loader<Uuid> for ClientPlansLoader {
    type Value = Vec<entity::action_plan::Model>;
    type Error = GqlError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let viewer = self.0.viewer()?;
        let rows = crate::plans::service::plans_of_clients(&self.0.db, viewer, keys).await?;
        self.0.audited("Client.actionPlans", keys).await?;
        Ok(group_present(keys, rows, |p| p.client_id))
    }
}

/// The next scheduled session of a client, by client id; no entry when none is booked.
pub struct NextSessionLoader(Scoped);

impl Loader<Uuid> for NextSessionLoader {
    type Value = entity::therapy_session::Model;
    type Error = GqlError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        self.0
            .nearest_session(
                keys,
                crate::sessions::service::Nearest::Next,
                "Client.nextSession",
            )
            .await
    }
}

/// The last completed session of a client, by client id; no entry when none was held.
pub struct LastSessionLoader(Scoped);

impl Loader<Uuid> for LastSessionLoader {
    type Value = entity::therapy_session::Model;
    type Error = GqlError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        self.0
            .nearest_session(
                keys,
                crate::sessions::service::Nearest::Last,
                "Client.lastSession",
            )
            .await
    }
}

impl Scoped {
    async fn nearest_session(
        &self,
        keys: &[Uuid],
        which: crate::sessions::service::Nearest,
        operation: &'static str,
    ) -> Result<HashMap<Uuid, entity::therapy_session::Model>, GqlError> {
        let viewer = self.viewer()?;
        let rows = crate::sessions::service::nearest(&self.db, viewer, keys, which).await?;
        self.audited(operation, keys).await?;
        Ok(rows.into_iter().map(|s| (s.client_id, s)).collect())
    }
}

/// A client's homework by due date, by client id. Load through [`load_clinical`].
pub struct ClientHomeworkLoader(Scoped);

impl Loader<Uuid> for ClientHomeworkLoader {
    type Value = Vec<entity::homework::Model>;
    type Error = GqlError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let viewer = self.0.viewer()?;
        let rows = crate::homework::service::homework_of_clients(&self.0.db, viewer, keys).await?;
        self.0.audited("Client.homework", keys).await?;
        Ok(group_present(keys, rows, |h| h.client_id))
    }
}

/// The occurrences of homework, by homework id.
pub struct HomeworkOccurrencesLoader(Scoped);

impl Loader<Uuid> for HomeworkOccurrencesLoader {
    type Value = Vec<entity::homework_occurrence::Model>;
    type Error = GqlError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let viewer = self.0.viewer()?;
        let rows = crate::homework::service::occurrences_of(&self.0.db, viewer, keys).await?;
        self.0.audited("Homework.occurrences", keys).await?;
        Ok(group_present(keys, rows, |o| o.homework_id))
    }
}

/// Homework templates of the viewer's practice, by id (not clinical).
pub struct TemplateLoader(Scoped);

impl Loader<Uuid> for TemplateLoader {
    type Value = entity::homework_template::Model;
    type Error = GqlError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let practice_id = self.0.viewer()?.practice_id;
        let rows =
            crate::homework::service::templates_by_ids(&self.0.db, practice_id, keys).await?;
        Ok(rows.into_iter().map(|t| (t.id, t)).collect())
    }
}

/// A client's momentum, by client id. Load through [`load_clinical`]: the score is made
/// from clinical records.
pub struct MomentumLoader {
    scoped: Scoped,
    window_days: i64,
}

impl Loader<Uuid> for MomentumLoader {
    type Value = crate::insights::domain::Momentum;
    type Error = GqlError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        use crate::insights::service::{Clients, Windows, facts};
        let viewer = self.scoped.viewer()?;
        let rows = facts(
            &self.scoped.db,
            &Clients::Ids(keys.to_vec()),
            Windows::new(chrono::Utc::now(), self.window_days),
        )
        .await
        .map_err(ServiceError::from)?;
        self.scoped.audited("Client.momentum", keys).await?;
        Ok(rows
            .into_iter()
            .filter(|f| f.client.practice_id == viewer.practice_id)
            .map(|f| (f.client.id, f.momentum()))
            .collect())
    }
}

fn add<L>(data: &mut async_graphql::Data, loader: L)
where
    L: Send + Sync + 'static,
{
    data.insert(DataLoader::new(loader, tokio::spawn).delay(LOADER_DELAY));
}

/// Adds the request's loaders to `request`.
pub fn attach(
    mut request: async_graphql::Request,
    state: &AppState,
    principal: &Principal,
) -> async_graphql::Request {
    fill(&mut request.data, state, principal);
    request
}

/// Puts a fresh set of loaders bound to `principal` into `data` (per request, or per
/// subscription connection).
pub fn fill(data: &mut async_graphql::Data, state: &AppState, principal: &Principal) {
    let scoped = Scoped {
        db: state.db.clone(),
        viewer: match principal {
            Principal::Viewer(v) => Some(v.clone()),
            Principal::Anonymous => None,
        },
    };
    add(data, CareTeamLoader(scoped.clone()));
    add(data, ClientLoader(scoped.clone()));
    add(data, ClientTimezoneLoader(scoped.clone()));
    add(data, ClinicalAccessLoader(scoped.clone()));
    add(data, ClientGoalsLoader(scoped.clone()));
    add(data, GoalLoader(scoped.clone()));
    add(data, GoalStepsLoader(scoped.clone()));
    add(data, LatestProgressLoader(scoped.clone()));
    add(data, GoalPlansLoader(scoped.clone()));
    add(data, ClientPlansLoader(scoped.clone()));
    add(data, NextSessionLoader(scoped.clone()));
    add(data, ClientHomeworkLoader(scoped.clone()));
    add(data, HomeworkOccurrencesLoader(scoped.clone()));
    add(data, TemplateLoader(scoped.clone()));
    add(data, LastSessionLoader(scoped.clone()));
    add(
        data,
        MomentumLoader {
            scoped,
            window_days: state.config.score_window_days,
        },
    );
}
