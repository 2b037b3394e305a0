//! Nested fields load through one generic DataLoader, [`Batched`], over a service's
//! [`Batch`]: all the parents at one place in a document are answered by the same few
//! statements, whatever their number (docs/architecture.md, "Loading"). Loaders are made per request (lazily,
//! on a field's first use) and bound to the viewer: every batch query carries the viewer's
//! scope in its SQL, and every batch of clinical reads notes one audit row.

use std::{
    any::{Any, TypeId},
    collections::HashMap,
    marker::PhantomData,
    sync::{Arc, Mutex},
    time::Duration,
};

use async_graphql::{
    Context,
    dataloader::{DataLoader, Loader},
};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

pub use crate::batch::Batch;
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
struct Scoped {
    db: DatabaseConnection,
    viewer: Option<Viewer>,
}

/// The DataLoader of one [`Batch`]: keys are `(parent id, the field's arguments)`.
pub struct Batched<B> {
    scoped: Scoped,
    batch: PhantomData<fn() -> B>,
}

impl<B: Batch> Loader<(Uuid, B::Args)> for Batched<B> {
    type Value = B::Value;
    type Error = GqlError;

    async fn load(
        &self,
        keys: &[(Uuid, B::Args)],
    ) -> Result<HashMap<(Uuid, B::Args), B::Value>, GqlError> {
        let viewer = self
            .scoped
            .viewer
            .as_ref()
            .ok_or(ServiceError::Unauthenticated)?;
        // One batch normally holds one set of arguments; other sets are fetched apart.
        let mut by_args: Vec<(B::Args, Vec<Uuid>)> = Vec::new();
        for (id, args) in keys {
            match by_args.iter_mut().find(|(a, _)| a == args) {
                Some((_, ids)) => ids.push(*id),
                None => by_args.push((args.clone(), vec![*id])),
            }
        }
        let mut out = HashMap::with_capacity(keys.len());
        for (args, ids) in by_args {
            let fetched = B::fetch(&self.scoped.db, viewer, &ids, &args).await;
            if let Some(field) = B::AUDIT {
                let mut touched = ids.clone();
                if let Ok(values) = &fetched {
                    for v in values.values() {
                        B::touched(v, &mut touched);
                    }
                }
                audit::note(
                    &self.scoped.db,
                    viewer,
                    field,
                    &Target::many(touched),
                    fetched.as_ref().map(|_| ()),
                )
                .await
                .map_err(ServiceError::from)?;
            }
            for (id, value) in fetched? {
                out.insert((id, args.clone()), value);
            }
        }
        Ok(out)
    }
}

tokio::task_local! {
    static GATE: Arc<Mutex<()>>;
}

/// A future polled under its request's gate: a request and its loaders' batches are never
/// polled at the same time, on however many threads, so a batch gathers every key the
/// request's resolvers asked for in one poll (as on one thread) and one batch stays one
/// statement. [`Gated::request`] wraps a request; [`spawn`] wraps its batches.
pub struct Gated<F> {
    gate: Arc<Mutex<()>>,
    inner: std::pin::Pin<Box<F>>,
}

impl<F: Future> Gated<F> {
    /// `request` under a gate of its own, which its loaders' batches share.
    pub async fn request(request: F) -> F::Output {
        let gate = Arc::new(Mutex::new(()));
        GATE.scope(
            gate.clone(),
            Self {
                gate,
                inner: Box::pin(request),
            },
        )
        .await
    }
}

impl<F: Future> Future for Gated<F> {
    type Output = F::Output;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<F::Output> {
        let gate = self.gate.clone();
        let _polling = gate.lock().unwrap_or_else(|e| e.into_inner());
        self.inner.as_mut().poll(cx)
    }
}

/// Runs a loader's batch as a task of its own that stays in the request's trace, adds its
/// statements to the request's count, and is polled under the request's gate.
fn spawn(batch: futures_util::future::BoxFuture<'static, ()>) -> tokio::task::JoinHandle<()> {
    use tracing::Instrument as _;
    let batch = batch.in_current_span();
    let batch: futures_util::future::BoxFuture<'static, ()> =
        match crate::telemetry::sql::Counter::current() {
            Some(statements) => Box::pin(async move { statements.scope(batch).await }),
            None => Box::pin(batch),
        };
    match GATE.try_with(Arc::clone) {
        Ok(gate) => tokio::spawn(Gated {
            gate,
            inner: Box::pin(batch),
        }),
        Err(_) => tokio::spawn(batch),
    }
}

/// The request's loaders, one per [`Batch`], made on first use.
pub struct Loaders {
    scoped: Scoped,
    made: Mutex<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>,
}

impl Loaders {
    fn get<B: Batch>(&self) -> GqlResult<Arc<DataLoader<Batched<B>>>> {
        let mut made = self.made.lock().unwrap_or_else(|e| e.into_inner());
        let any = made
            .entry(TypeId::of::<B>())
            .or_insert_with(|| {
                let loader = Batched::<B> {
                    scoped: self.scoped.clone(),
                    batch: PhantomData,
                };
                Arc::new(DataLoader::new(loader, spawn).delay(LOADER_DELAY))
            })
            .clone();
        any.downcast::<DataLoader<Batched<B>>>()
            .map_err(|_| ServiceError::Internal("loader of another type".to_owned()).into())
    }
}

fn loaders<'a>(ctx: &Context<'a>) -> GqlResult<&'a Loaders> {
    ctx.data::<Loaders>()
        .map_err(|_| ServiceError::Internal("loaders missing".to_owned()).into())
}

/// The value of `key` through `B`; `None` when it has none or the viewer may not see it.
pub async fn load<B: Batch>(
    ctx: &Context<'_>,
    key: Uuid,
    args: B::Args,
) -> GqlResult<Option<B::Value>> {
    loaders(ctx)?.get::<B>()?.load_one((key, args)).await
}

/// The value of `key` through `B`; `NOT_FOUND` when the viewer may not see it.
pub async fn load_visible<B: Batch>(
    ctx: &Context<'_>,
    key: Uuid,
    args: B::Args,
) -> GqlResult<B::Value> {
    load::<B>(ctx, key, args)
        .await?
        .ok_or_else(|| ServiceError::NotFound.into())
}

/// `NOT_FOUND` unless the viewer may read the client clinically: one statement per
/// request for all the clients asked about ([`crate::clients::service::ClinicalAccess`]).
pub async fn check_clinical(ctx: &Context<'_>, client_id: Uuid) -> GqlResult<()> {
    load_visible::<crate::clients::service::ClinicalAccess>(ctx, client_id, ()).await
}

/// A client's clinical value through `B`, after [`check_clinical`]; `NOT_FOUND` when the
/// viewer may not read the client clinically.
pub async fn load_clinical<B: Batch>(
    ctx: &Context<'_>,
    client_id: Uuid,
    args: B::Args,
) -> GqlResult<B::Value> {
    check_clinical(ctx, client_id).await?;
    load_visible::<B>(ctx, client_id, args).await
}

/// A client's optional clinical value (e.g. the next session) through `B`, after
/// [`check_clinical`].
pub async fn load_clinical_optional<B: Batch>(
    ctx: &Context<'_>,
    client_id: Uuid,
    args: B::Args,
) -> GqlResult<Option<B::Value>> {
    check_clinical(ctx, client_id).await?;
    load::<B>(ctx, client_id, args).await
}

/// A client's record as the `Client` type's parts share it (one allocation per client).
pub type ClientModel = std::sync::Arc<entity::client::Model>;

/// A clinical list of `client_id` through `B`, each row made into `T`, after
/// [`check_clinical`].
pub async fn clinical_list<B, R, T>(
    ctx: &Context<'_>,
    client_id: Uuid,
    args: B::Args,
) -> GqlResult<Vec<T>>
where
    B: Batch<Value = Vec<R>>,
    T: From<R>,
{
    Ok(load_clinical::<B>(ctx, client_id, args)
        .await?
        .into_iter()
        .map(T::from)
        .collect())
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
    data.insert(Loaders {
        scoped: Scoped {
            db: state.db.clone(),
            viewer: match principal {
                Principal::Viewer(v) => Some(v.clone()),
                Principal::Anonymous => None,
            },
        },
        made: Mutex::default(),
    });
}
