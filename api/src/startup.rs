//! Building and running the application: database, migrations, signing key, HTTP server.

use std::{net::TcpListener, sync::Arc};

use actix_web::{App, HttpServer, dev::Server, web};
use anyhow::Context as _;
use sea_orm::DatabaseConnection;
use secrecy::{ExposeSecret as _, SecretString};

use crate::{
    auth::tokens::{TokenKeys, new_signing_key},
    config::Config,
    db,
    graphql::index::SchemaIndex,
    http,
    ratelimit::AttemptLimiter,
    schema::{AppSchema, build_schema, socket_schema},
    state::AppState,
};

/// A built, bound, not yet running server.
pub struct Application {
    port: u16,
    server: Server,
    state: AppState,
    stopper: Stopper,
}

/// Stops a running [`Application`] gracefully: open subscription sockets are closed with
/// 1001 (going away), no new connections are accepted, and requests in flight finish
/// (up to actix's shutdown timeout of 30 s).
#[derive(Clone)]
pub struct Stopper {
    shutdown: Arc<tokio::sync::watch::Sender<bool>>,
    server: actix_web::dev::ServerHandle,
}

impl Stopper {
    /// Begins the shutdown and waits for the server to stop.
    pub async fn stop(&self) {
        self.shutdown.send_replace(true);
        self.server.stop(true).await;
    }
}

/// The state every request shares, over an open database with a known signing key, and
/// the sender that begins its shutdown (keep it: dropping it is not a shutdown).
pub fn shared_state(
    config: Config,
    db: DatabaseConnection,
    secret: &SecretString,
) -> anyhow::Result<(tokio::sync::watch::Sender<bool>, AppState)> {
    let (shutdown, shutdown_rx) = tokio::sync::watch::channel(false);
    let hub =
        crate::realtime::hub::Hub::new(db.clone(), config.hub_settings(), shutdown_rx.clone());
    let data_keys = data_keys(&config)?;
    let state = AppState {
        hub: Arc::new(hub),
        data_keys: Arc::new(data_keys),
        db,
        tokens: Arc::new(TokenKeys::new(secret, &config.token_settings())),
        attempts: Arc::new(AttemptLimiter::new(config.login_attempts_per_minute)),
        config: Arc::new(config),
        shutdown: shutdown_rx,
        runtime: tokio::runtime::Handle::current(),
    };
    Ok((shutdown, state))
}

impl Application {
    /// Connects, migrates (unless `MOMENTUM_MIGRATE=false`), resolves the signing key and
    /// binds `config.bind` (port 0 picks a free port, as tests do).
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let db = db::connect(&config)
            .await
            .context("cannot connect to the database (MOMENTUM_DATABASE_URL)")?;
        if config.migrate {
            db::migrate(&db).await.context("migrations failed")?;
        }
        let secret = resolve_jwt_secret(&config)?;
        let mut config = config;
        config.data_key = Some(resolve_data_key(&config)?);
        Self::build_with(config, db, &secret)
    }

    /// Builds on an open database with a known signing key.
    pub fn build_with(
        config: Config,
        db: DatabaseConnection,
        secret: &SecretString,
    ) -> anyhow::Result<Self> {
        let (shutdown, state) = shared_state(config, db, secret)?;
        crate::telemetry::observe_pool("requests", &state.db, state.config.db_pool_size);
        let listener = TcpListener::bind(state.config.bind)
            .with_context(|| format!("cannot listen on {} (MOMENTUM_BIND)", state.config.bind))?;
        let port = listener.local_addr()?.port();
        let schema: AppSchema = build_schema(&state.config, Some(state.clone()));
        let index = Arc::new(SchemaIndex::of(&schema.sdl()));
        let sockets = web::Data::new(socket_schema(
            &state.config,
            Some(state.clone()),
            index.clone(),
        ));
        let index = web::Data::from(index);
        let app_state = web::Data::new(state.clone());
        let schema = web::Data::new(schema);
        let server = HttpServer::new(move || {
            App::new()
                .wrap_fn(http::request_id::middleware)
                // Outermost: the server span covers the whole request.
                .wrap_fn(crate::telemetry::http::middleware)
                .app_data(app_state.clone())
                .app_data(schema.clone())
                .app_data(sockets.clone())
                .app_data(index.clone())
                .configure(http::routes)
        })
        // A response's last partial segment must not wait for the client's delayed ACK
        // (Nagle): that is 40 ms added to every answer larger than one segment.
        .tcp_nodelay(true)
        // A graceful stop waits for requests in flight, which the request deadline bounds.
        .shutdown_timeout(state.config.request_timeout.as_secs() + 1)
        .listen(listener)?
        // Signals are handled in `run_until_stopped`, so sockets can be closed first.
        .disable_signals()
        .run();
        let stopper = Stopper {
            shutdown: Arc::new(shutdown),
            server: server.handle(),
        };
        Ok(Self {
            port,
            server,
            state,
            stopper,
        })
    }

    /// The port actually bound.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The shared state (database, configuration, keys).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// What stops this server gracefully (SIGTERM and SIGINT do the same).
    pub fn stopper(&self) -> Stopper {
        self.stopper.clone()
    }

    /// Serves until the process is stopped: SIGTERM or SIGINT (or [`Stopper::stop`]) stops
    /// it gracefully.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let stopper = self.stopper.clone();
        let signals = tokio::spawn(async move {
            let signal = terminated().await;
            tracing::info!(
                signal,
                "shutting down: closing sockets, finishing requests in flight"
            );
            stopper.stop().await;
        });
        // With PostgreSQL, learn of events committed by any server process.
        let listener = (self.state.db.get_database_backend() == sea_orm::DatabaseBackend::Postgres)
            .then(|| {
                let pool = self.state.db.get_postgres_connection_pool().clone();
                (
                    tokio::spawn(crate::events::bus::listen_postgres(
                        pool.clone(),
                        crate::events::bus::notify,
                    )),
                    tokio::spawn(crate::events::bus::notify_postgres(pool)),
                )
            });
        // Background jobs, on connections of their own: the webhook dispatcher and sender,
        // the engagement-alert evaluator and event retention.
        let config = &self.state.config;
        // Secrets stored before encryption, or sealed with the previous data key, are
        // sealed with the current one.
        match crate::webhooks::service::reseal(&self.state.db, &self.state.data_keys).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(
                webhooks = n,
                "sealed webhook secrets with the current data key"
            ),
            Err(e) => tracing::error!(error = %e, "cannot reseal webhook secrets"),
        }
        let jobs = match crate::db::background(config, &self.state.db).await {
            Ok(db) => {
                // An in-memory database's jobs share the request pool (`db::background`).
                if config.is_postgres() || config.sqlite_path().is_some() {
                    crate::telemetry::observe_pool(
                        "background",
                        &db,
                        crate::db::BACKGROUND_POOL_SIZE,
                    );
                }
                vec![
                    tokio::spawn(crate::webhooks::worker::run(
                        db.clone(),
                        config.webhooks.clone(),
                        self.state.data_keys.clone(),
                        std::time::Duration::from_millis(config.event_poll_ms),
                        self.state.shutdown.clone(),
                    )),
                    tokio::spawn(crate::insights::worker::run(
                        db.clone(),
                        config.alert_evaluation_interval,
                        config.score_window_days,
                        self.state.shutdown.clone(),
                    )),
                    tokio::spawn(crate::programs::job::run(
                        db.clone(),
                        config.program_interval,
                        self.state.shutdown.clone(),
                    )),
                    tokio::spawn(crate::reminders::job::run(
                        db.clone(),
                        config.reminder_interval,
                        self.state.shutdown.clone(),
                    )),
                    tokio::spawn(crate::automations::job::run(
                        db.clone(),
                        config.automation_interval,
                        self.state.shutdown.clone(),
                    )),
                    tokio::spawn(crate::events::retention::run(
                        db,
                        config.event_retention,
                        // The event log's readers with a stored position: what they have not
                        // read is kept.
                        &[
                            crate::webhooks::worker::CURSOR_NAME,
                            crate::automations::job::CURSOR_NAME,
                        ],
                        self.state.shutdown.clone(),
                    )),
                ]
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot open the background pool; webhooks will not be sent by this process");
                Vec::new()
            }
        };
        let result = self.server.await;
        signals.abort();
        if let Some((listening, notifying)) = listener {
            listening.abort();
            notifying.abort();
        }
        // A webhook send in flight finishes (bounded by its timeout); the rest stays queued.
        let grace = self.state.config.webhooks.timeout + std::time::Duration::from_secs(1);
        for mut job in jobs {
            if tokio::time::timeout(grace, &mut job).await.is_err() {
                job.abort();
            }
        }
        result
    }
}

/// The data keys of `config`; without `MOMENTUM_DATA_KEY` (an in-memory database, or a
/// caller that builds the app itself) a random key for this process only.
fn data_keys(config: &Config) -> anyhow::Result<crate::secrets::DataKeys> {
    use crate::secrets::{new_key, parse_key};
    let current = match &config.data_key {
        Some(k) => parse_key(k.expose_secret(), "MOMENTUM_DATA_KEY")?,
        None => parse_key(&new_key(), "a generated key")?,
    };
    let previous = config
        .data_key_previous
        .as_ref()
        .map(|k| parse_key(k.expose_secret(), "MOMENTUM_DATA_KEY_PREVIOUS"))
        .transpose()?;
    Ok(crate::secrets::DataKeys::new(&current, previous.as_ref()))
}

/// The data key: `MOMENTUM_DATA_KEY`; required with PostgreSQL. With a SQLite file and none
/// set, one is generated once and kept beside the database (`<db>.data-key`, mode 0600), as
/// the JWT key is.
pub fn resolve_data_key(config: &Config) -> anyhow::Result<SecretString> {
    if let Some(key) = &config.data_key {
        crate::secrets::parse_key(key.expose_secret(), "MOMENTUM_DATA_KEY")?;
        return Ok(key.clone());
    }
    if config.is_postgres() {
        anyhow::bail!(
            "MOMENTUM_DATA_KEY: required when the database is PostgreSQL (base64 of 32 random bytes, e.g. `openssl rand -base64 32`)"
        );
    }
    let Some(db_path) = config.sqlite_path() else {
        return Ok(SecretString::from(crate::secrets::new_key()));
    };
    let mut name = db_path.file_name().unwrap_or_default().to_os_string();
    name.push(".data-key");
    let path = db_path.with_file_name(name);
    match std::fs::read_to_string(&path) {
        Ok(s) => {
            crate::secrets::parse_key(&s, "the data key file")?;
            return Ok(SecretString::from(s.trim().to_owned()));
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
    let key = crate::secrets::new_key();
    write_private(&path, &key).with_context(|| format!("cannot write {}", path.display()))?;
    tracing::info!("generated a data key beside the database");
    Ok(SecretString::from(key))
}

/// Resolves with the signal's name on SIGTERM or SIGINT (Ctrl-C). A signal stream that ends or
/// cannot be set up is reported and then never resolves: only a signal stops the server.
async fn terminated() -> &'static str {
    let interrupt = async {
        match tokio::signal::ctrl_c().await {
            Ok(()) => {}
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGINT");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let terminate = async {
            match signal(SignalKind::terminate()) {
                Ok(mut term) => {
                    if term.recv().await.is_none() {
                        tracing::warn!("the SIGTERM stream ended");
                    } else {
                        return;
                    }
                }
                Err(e) => tracing::warn!(error = %e, "cannot listen for SIGTERM"),
            }
            std::future::pending::<()>().await;
        };
        tokio::select! {
            () = terminate => "SIGTERM",
            () = interrupt => "SIGINT",
        }
    }
    #[cfg(not(unix))]
    {
        interrupt.await;
        "SIGINT"
    }
}

/// The access-token signing key: `MOMENTUM_JWT_SECRET`; required with PostgreSQL. With a
/// SQLite file and none set, one is generated once and kept beside the database
/// (`<db>.jwt-secret`, mode 0600), so tokens survive restarts.
pub fn resolve_jwt_secret(config: &Config) -> anyhow::Result<SecretString> {
    if let Some(secret) = &config.jwt_secret {
        return Ok(secret.clone());
    }
    if config.is_postgres() {
        anyhow::bail!("MOMENTUM_JWT_SECRET: required when the database is PostgreSQL");
    }
    let Some(db_path) = config.sqlite_path() else {
        // In-memory SQLite: nothing outlives the process, the key need not either.
        return Ok(SecretString::from(new_signing_key()));
    };
    let mut name = db_path.file_name().unwrap_or_default().to_os_string();
    name.push(".jwt-secret");
    let path = db_path.with_file_name(name);
    match std::fs::read_to_string(&path) {
        Ok(s) if s.trim().len() >= 32 => return Ok(SecretString::from(s.trim().to_owned())),
        Ok(_) => anyhow::bail!(
            "MOMENTUM_JWT_SECRET: the key file {} is too short; delete it to make a new one",
            path.display()
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            return Err(e).with_context(|| format!("cannot read {}", path.display()));
        }
    }
    let key = new_signing_key();
    write_private(&path, &key).with_context(|| format!("cannot write {}", path.display()))?;
    tracing::info!("generated a JWT signing key beside the database");
    Ok(SecretString::from(key))
}

fn write_private(path: &std::path::Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(contents.as_bytes())
}
