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
}

impl AppState {
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
