//! What every request handler shares.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::{auth::tokens::TokenKeys, config::Config, ratelimit::AttemptLimiter};

/// Shared, cheaply cloned application state.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    pub tokens: Arc<TokenKeys>,
    /// Throttles password and secret guessing.
    pub attempts: Arc<AttemptLimiter>,
    /// Turns `true` when the server begins a graceful shutdown (open sockets close).
    pub shutdown: tokio::sync::watch::Receiver<bool>,
    /// The process's shared event reader for subscriptions.
    pub hub: Arc<crate::realtime::hub::Hub>,
    /// Seals and opens secrets kept at rest (webhook signing secrets).
    pub data_keys: Arc<crate::secrets::DataKeys>,
    /// The process's main runtime. Database work runs on it, not on an HTTP worker's own
    /// runtime: a pooled connection belongs to the runtime that opened it, and a worker's
    /// runtime stops during a graceful shutdown while other workers still serve
    /// (see [`AppState::on_main`]).
    pub runtime: tokio::runtime::Handle,
}

impl AppState {
    /// Runs `work` on the main runtime (in the current span) and waits for it. HTTP workers
    /// each have a runtime of their own, and a connection opened on one fails once that
    /// worker has stopped, so every request's database work goes through here.
    pub async fn on_main<T: Send + 'static>(
        &self,
        work: impl Future<Output = T> + Send + 'static,
    ) -> Result<T, crate::error::ServiceError> {
        use tracing::Instrument as _;
        self.runtime
            .spawn(work.in_current_span())
            .await
            .map_err(|e| crate::error::ServiceError::Internal(format!("request task: {e}")))
    }

    /// What the accounts service needs from the server (database, keys, limiter, lifetimes).
    pub fn accounts(&self) -> crate::accounts::service::Accounts<'_> {
        crate::accounts::service::Accounts {
            db: &self.db,
            tokens: &self.tokens,
            attempts: &self.attempts,
            policy: crate::accounts::service::AccountPolicy {
                refresh_token_ttl: self.config.refresh_token_ttl,
                invitation_ttl: self.config.invitation_ttl,
            },
        }
    }
}
