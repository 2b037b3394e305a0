//! Configuration: `MOMENTUM_*` environment variables over defaults. A bad value stops
//! start-up with a message naming the variable.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use secrecy::SecretString;

/// Everything the server reads from its environment.
#[derive(Debug, Clone)]
pub struct Config {
    /// `MOMENTUM_DATABASE_URL`: `sqlite://file.db?mode=rwc` or `postgres://…`.
    pub database_url: String,
    /// `MOMENTUM_BIND`: the address the HTTP server listens on.
    pub bind: SocketAddr,
    /// `MOMENTUM_JWT_SECRET`: HMAC key for access tokens (at least 32 bytes).
    pub jwt_secret: Option<SecretString>,
    /// `MOMENTUM_DATA_KEY`: the key secrets are sealed with at rest (base64 of 32 bytes).
    pub data_key: Option<SecretString>,
    /// `MOMENTUM_DATA_KEY_PREVIOUS`: the key before a rotation, still read (not written).
    pub data_key_previous: Option<SecretString>,
    /// `MOMENTUM_JWT_ISSUER`.
    pub jwt_issuer: String,
    /// `MOMENTUM_JWT_AUDIENCE`.
    pub jwt_audience: String,
    /// `MOMENTUM_ACCESS_TOKEN_TTL_SECONDS`.
    pub access_token_ttl: Duration,
    /// `MOMENTUM_REFRESH_TOKEN_TTL_SECONDS`.
    pub refresh_token_ttl: Duration,
    /// `MOMENTUM_INVITATION_TTL_SECONDS`.
    pub invitation_ttl: Duration,
    /// `MOMENTUM_DB_POOL_SIZE`: the most connections the pool opens.
    pub db_pool_size: u32,
    /// `MOMENTUM_DB_STATEMENT_TIMEOUT_MS` (PostgreSQL): statements running longer are cancelled.
    pub db_statement_timeout: Duration,
    /// `MOMENTUM_DB_WAIT_MS`: how long a request waits for a database connection (or, on
    /// SQLite, for a lock another process holds) before it is answered 503
    /// `SERVICE_UNAVAILABLE`.
    pub db_wait: Duration,
    /// `MOMENTUM_GRAPHIQL`: serve GraphiQL at `GET /graphql`.
    pub graphiql: bool,
    /// `MOMENTUM_INTROSPECTION`: answer introspection queries and suggest field names.
    pub introspection: bool,
    /// `MOMENTUM_MIGRATE`: apply pending migrations at start.
    pub migrate: bool,
    /// `MOMENTUM_MAX_BODY_BYTES`: larger request bodies get 413 before any parsing.
    pub max_body_bytes: usize,
    /// `MOMENTUM_REQUEST_TIMEOUT_MS`: the longest a GraphQL request executes before it is
    /// stopped and answered `LIMIT_EXCEEDED`.
    pub request_timeout: Duration,
    /// `MOMENTUM_MAX_RESPONSE_BYTES`: a larger answer is not sent; `LIMIT_EXCEEDED` instead.
    pub max_response_bytes: usize,
    /// `MOMENTUM_MAX_DEPTH`: deepest selection nesting a query may have.
    pub max_depth: usize,
    /// `MOMENTUM_MAX_COMPLEXITY`: the most a document may cost, each list weighted by how
    /// many items it can return (`graphql::cost`).
    pub max_complexity: u64,
    /// `MOMENTUM_MAX_ALIASES`: most aliased fields in one document.
    pub max_aliases: usize,
    /// `MOMENTUM_MAX_FIELDS`: most field selections (including `__typename`) in one document.
    pub max_fields: usize,
    /// `MOMENTUM_LOGIN_ATTEMPTS_PER_MINUTE`: per email address, for login and token exchange.
    pub login_attempts_per_minute: u32,
    /// `MOMENTUM_EVENT_POLL_MS`: how often the process's event reader reads the event log
    /// without a wake-up (a safety net under the in-process and LISTEN/NOTIFY wake-ups).
    pub event_poll_ms: u64,
    /// `MOMENTUM_EVENT_BUFFER`: how many events the process's shared event reader keeps
    /// for subscribers that fall behind; one further behind replays from the event table.
    pub event_buffer: usize,
    /// `MOMENTUM_LOG_FORMAT`: `text` or `json`.
    pub log_json: bool,
    /// `MOMENTUM_EVENT_RETENTION_DAYS`: events are kept this long (at least 30 days), then
    /// deleted; subscribers can resume from cursors up to this old.
    pub event_retention: Duration,
    /// Webhook delivery settings (`MOMENTUM_WEBHOOK_*`).
    pub webhooks: WebhookConfig,
    /// `MOMENTUM_SCORE_WINDOW_DAYS`: the days the momentum score looks back over (7 to 90).
    pub score_window_days: i64,
    /// `MOMENTUM_ALERT_EVALUATION_SECONDS`: how often the engagement-alert evaluator runs
    /// (one replica at a time; 1 second to a day, 900 by default).
    pub alert_evaluation_interval: Duration,
    /// `MOMENTUM_REMINDER_SECONDS`: how often the reminder job fires the reminders that fell
    /// due (one replica at a time; 1 second to an hour, 60 by default).
    pub reminder_interval: Duration,
    /// `MOMENTUM_PROGRAM_SECONDS`: how often the programme job opens the modules whose rule
    /// is met (one replica at a time; 1 second to an hour, 60 by default).
    pub program_interval: Duration,
    /// `MOMENTUM_AUTOMATION_SECONDS`: how often the automation job reads the event feed and
    /// fires the practice's rules (one replica at a time; 1 second to an hour, 30 by
    /// default).
    pub automation_interval: Duration,
}

pub use momentum_core::webhooks::worker::WebhookConfig;

/// A configuration value that could not be used.
#[derive(Debug, thiserror::Error)]
#[error("{var}: {message}")]
pub struct ConfigError {
    /// The environment variable at fault.
    pub var: &'static str,
    pub message: String,
}

/// The SQLite database used when `MOMENTUM_DATABASE_URL` is not set.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://momentum.db?mode=rwc";

impl Default for Config {
    fn default() -> Self {
        Self {
            database_url: DEFAULT_DATABASE_URL.to_owned(),
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            jwt_secret: None,
            data_key: None,
            data_key_previous: None,
            jwt_issuer: "momentum".to_owned(),
            jwt_audience: "momentum-api".to_owned(),
            access_token_ttl: Duration::from_secs(15 * 60),
            refresh_token_ttl: Duration::from_secs(30 * 24 * 3600),
            invitation_ttl: Duration::from_secs(7 * 24 * 3600),
            db_pool_size: 10,
            db_statement_timeout: Duration::from_secs(10),
            db_wait: Duration::from_secs(2),
            graphiql: false,
            introspection: false,
            migrate: true,
            max_body_bytes: 1024 * 1024,
            request_timeout: Duration::from_secs(10),
            max_response_bytes: 8 * 1024 * 1024,
            max_depth: 12,
            max_complexity: 10_000_000,
            max_aliases: 50,
            max_fields: 500,
            login_attempts_per_minute: 10,
            event_poll_ms: 2_000,
            event_buffer: 4_096,
            log_json: false,
            event_retention: Duration::from_secs(90 * 24 * 3600),
            webhooks: WebhookConfig::default(),
            score_window_days: crate::insights::domain::WINDOW_DAYS,
            alert_evaluation_interval: Duration::from_secs(15 * 60),
            reminder_interval: Duration::from_secs(60),
            program_interval: Duration::from_secs(60),
            automation_interval: Duration::from_secs(30),
        }
    }
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads variables through `get` (the environment, or a map in tests).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let d = Self::default();
        let var = |name: &'static str| get(name).filter(|v| !v.trim().is_empty());
        Ok(Self {
            database_url: var("MOMENTUM_DATABASE_URL")
                .map(|url| check_database_url(&url).map(|()| url))
                .transpose()?
                .unwrap_or(d.database_url),
            bind: parse(var("MOMENTUM_BIND"), "MOMENTUM_BIND", d.bind)?,
            data_key: var("MOMENTUM_DATA_KEY").map(SecretString::from),
            data_key_previous: var("MOMENTUM_DATA_KEY_PREVIOUS").map(SecretString::from),
            jwt_secret: match var("MOMENTUM_JWT_SECRET") {
                Some(s) if s.len() < 32 => {
                    return Err(ConfigError {
                        var: "MOMENTUM_JWT_SECRET",
                        message: "must be at least 32 bytes".to_owned(),
                    });
                }
                Some(s) => Some(SecretString::from(s)),
                None => None,
            },
            jwt_issuer: var("MOMENTUM_JWT_ISSUER").unwrap_or(d.jwt_issuer),
            jwt_audience: var("MOMENTUM_JWT_AUDIENCE").unwrap_or(d.jwt_audience),
            access_token_ttl: seconds(
                var("MOMENTUM_ACCESS_TOKEN_TTL_SECONDS"),
                "MOMENTUM_ACCESS_TOKEN_TTL_SECONDS",
                d.access_token_ttl,
                60..=24 * 3600,
            )?,
            refresh_token_ttl: seconds(
                var("MOMENTUM_REFRESH_TOKEN_TTL_SECONDS"),
                "MOMENTUM_REFRESH_TOKEN_TTL_SECONDS",
                d.refresh_token_ttl,
                300..=365 * 24 * 3600,
            )?,
            invitation_ttl: seconds(
                var("MOMENTUM_INVITATION_TTL_SECONDS"),
                "MOMENTUM_INVITATION_TTL_SECONDS",
                d.invitation_ttl,
                60..=90 * 24 * 3600,
            )?,
            db_pool_size: ranged(
                var("MOMENTUM_DB_POOL_SIZE"),
                "MOMENTUM_DB_POOL_SIZE",
                d.db_pool_size,
                1..=500,
            )?,
            db_statement_timeout: Duration::from_millis(ranged(
                var("MOMENTUM_DB_STATEMENT_TIMEOUT_MS"),
                "MOMENTUM_DB_STATEMENT_TIMEOUT_MS",
                d.db_statement_timeout.as_millis() as u64,
                100..=600_000,
            )?),
            db_wait: Duration::from_millis(ranged(
                var("MOMENTUM_DB_WAIT_MS"),
                "MOMENTUM_DB_WAIT_MS",
                d.db_wait.as_millis() as u64,
                100..=60_000,
            )?),
            graphiql: boolean(var("MOMENTUM_GRAPHIQL"), "MOMENTUM_GRAPHIQL", d.graphiql)?,
            introspection: boolean(
                var("MOMENTUM_INTROSPECTION"),
                "MOMENTUM_INTROSPECTION",
                d.introspection,
            )?,
            migrate: boolean(var("MOMENTUM_MIGRATE"), "MOMENTUM_MIGRATE", d.migrate)?,
            max_body_bytes: ranged(
                var("MOMENTUM_MAX_BODY_BYTES"),
                "MOMENTUM_MAX_BODY_BYTES",
                d.max_body_bytes,
                1024..=16 * 1024 * 1024,
            )?,
            request_timeout: Duration::from_millis(ranged(
                var("MOMENTUM_REQUEST_TIMEOUT_MS"),
                "MOMENTUM_REQUEST_TIMEOUT_MS",
                d.request_timeout.as_millis() as u64,
                100..=600_000,
            )?),
            max_response_bytes: ranged(
                var("MOMENTUM_MAX_RESPONSE_BYTES"),
                "MOMENTUM_MAX_RESPONSE_BYTES",
                d.max_response_bytes,
                1024..=1024 * 1024 * 1024,
            )?,
            max_depth: ranged(
                var("MOMENTUM_MAX_DEPTH"),
                "MOMENTUM_MAX_DEPTH",
                d.max_depth,
                2..=64,
            )?,
            max_complexity: ranged(
                var("MOMENTUM_MAX_COMPLEXITY"),
                "MOMENTUM_MAX_COMPLEXITY",
                d.max_complexity,
                10..=100_000_000,
            )?,
            max_aliases: ranged(
                var("MOMENTUM_MAX_ALIASES"),
                "MOMENTUM_MAX_ALIASES",
                d.max_aliases,
                0..=10_000,
            )?,
            max_fields: ranged(
                var("MOMENTUM_MAX_FIELDS"),
                "MOMENTUM_MAX_FIELDS",
                d.max_fields,
                10..=100_000,
            )?,
            login_attempts_per_minute: ranged(
                var("MOMENTUM_LOGIN_ATTEMPTS_PER_MINUTE"),
                "MOMENTUM_LOGIN_ATTEMPTS_PER_MINUTE",
                d.login_attempts_per_minute,
                1..=10_000,
            )?,
            event_poll_ms: ranged(
                var("MOMENTUM_EVENT_POLL_MS"),
                "MOMENTUM_EVENT_POLL_MS",
                d.event_poll_ms,
                100..=600_000,
            )?,
            event_buffer: ranged(
                var("MOMENTUM_EVENT_BUFFER"),
                "MOMENTUM_EVENT_BUFFER",
                d.event_buffer,
                1..=1_048_576,
            )?,
            log_json: match var("MOMENTUM_LOG_FORMAT").as_deref() {
                None | Some("text") => false,
                Some("json") => true,
                Some(_) => {
                    return Err(ConfigError {
                        var: "MOMENTUM_LOG_FORMAT",
                        message: "must be `text` or `json`".to_owned(),
                    });
                }
            },
            event_retention: Duration::from_secs(
                24 * 3600
                    * ranged(
                        var("MOMENTUM_EVENT_RETENTION_DAYS"),
                        "MOMENTUM_EVENT_RETENTION_DAYS",
                        d.event_retention.as_secs() / (24 * 3600),
                        30..=3650,
                    )?,
            ),
            webhooks: {
                let w = d.webhooks;
                let millis = |name: &'static str, default: Duration, range| {
                    ranged(var(name), name, default.as_millis() as u64, range)
                        .map(Duration::from_millis)
                };
                WebhookConfig {
                    backoff_initial: millis(
                        "MOMENTUM_WEBHOOK_BACKOFF_INITIAL_MS",
                        w.backoff_initial,
                        10..=3_600_000,
                    )?,
                    backoff_max: millis(
                        "MOMENTUM_WEBHOOK_BACKOFF_MAX_MS",
                        w.backoff_max,
                        10..=24 * 3_600_000,
                    )?,
                    retry_for: seconds(
                        var("MOMENTUM_WEBHOOK_RETRY_SECONDS"),
                        "MOMENTUM_WEBHOOK_RETRY_SECONDS",
                        w.retry_for,
                        0..=30 * 24 * 3600,
                    )?,
                    disable_after_failures: ranged(
                        var("MOMENTUM_WEBHOOK_DISABLE_AFTER_FAILURES"),
                        "MOMENTUM_WEBHOOK_DISABLE_AFTER_FAILURES",
                        w.disable_after_failures,
                        1..=10_000,
                    )?,
                    timeout: millis("MOMENTUM_WEBHOOK_TIMEOUT_MS", w.timeout, 100..=120_000)?,
                    allow_http: boolean(
                        var("MOMENTUM_WEBHOOK_ALLOW_HTTP"),
                        "MOMENTUM_WEBHOOK_ALLOW_HTTP",
                        w.allow_http,
                    )?,
                    poll: millis("MOMENTUM_WEBHOOK_POLL_MS", w.poll, 10..=600_000)?,
                    resolve: Vec::new(),
                }
            },
            score_window_days: ranged(
                var("MOMENTUM_SCORE_WINDOW_DAYS"),
                "MOMENTUM_SCORE_WINDOW_DAYS",
                d.score_window_days,
                crate::insights::domain::WINDOW_DAYS_RANGE,
            )?,
            alert_evaluation_interval: seconds(
                var("MOMENTUM_ALERT_EVALUATION_SECONDS"),
                "MOMENTUM_ALERT_EVALUATION_SECONDS",
                d.alert_evaluation_interval,
                1..=24 * 3600,
            )?,
            reminder_interval: seconds(
                var("MOMENTUM_REMINDER_SECONDS"),
                "MOMENTUM_REMINDER_SECONDS",
                d.reminder_interval,
                1..=3600,
            )?,
            program_interval: seconds(
                var("MOMENTUM_PROGRAM_SECONDS"),
                "MOMENTUM_PROGRAM_SECONDS",
                d.program_interval,
                1..=3600,
            )?,
            automation_interval: seconds(
                var("MOMENTUM_AUTOMATION_SECONDS"),
                "MOMENTUM_AUTOMATION_SECONDS",
                d.automation_interval,
                1..=3600,
            )?,
        })
    }

    /// Whether the database is PostgreSQL (as opposed to the embedded SQLite).
    /// The token settings of this configuration.
    pub fn token_settings(&self) -> momentum_core::auth::tokens::TokenSettings {
        momentum_core::auth::tokens::TokenSettings {
            issuer: self.jwt_issuer.clone(),
            audience: self.jwt_audience.clone(),
            access_ttl: self.access_token_ttl,
        }
    }

    /// The event hub's settings: half the pool may read for subscriptions at once.
    pub fn hub_settings(&self) -> momentum_core::realtime::hub::HubSettings {
        momentum_core::realtime::hub::HubSettings {
            poll: Duration::from_millis(self.event_poll_ms),
            buffer: self.event_buffer,
            readers: self.db_pool_size as usize / 2,
        }
    }

    pub fn is_postgres(&self) -> bool {
        is_postgres_url(&self.database_url)
    }

    /// The SQLite database file, when the database is a SQLite file.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        let rest = self.database_url.strip_prefix("sqlite:")?;
        let rest = rest.trim_start_matches("//");
        let path = rest.split('?').next().unwrap_or_default();
        (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
    }
}

/// Whether a database URL names PostgreSQL.
pub fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

fn check_database_url(url: &str) -> Result<(), ConfigError> {
    if is_postgres_url(url) || url.starts_with("sqlite:") {
        Ok(())
    } else {
        Err(ConfigError {
            var: "MOMENTUM_DATABASE_URL",
            message: "must start with sqlite: or postgres://".to_owned(),
        })
    }
}

fn parse<T: std::str::FromStr>(
    value: Option<String>,
    var: &'static str,
    default: T,
) -> Result<T, ConfigError> {
    match value {
        None => Ok(default),
        Some(v) => v.trim().parse().map_err(|_| ConfigError {
            var,
            message: format!("cannot parse {v:?}"),
        }),
    }
}

fn ranged<T>(
    value: Option<String>,
    var: &'static str,
    default: T,
    range: std::ops::RangeInclusive<T>,
) -> Result<T, ConfigError>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display,
{
    let v = parse(value, var, default)?;
    if range.contains(&v) {
        Ok(v)
    } else {
        Err(ConfigError {
            var,
            message: format!("{v} is outside {}..={}", range.start(), range.end()),
        })
    }
}

fn seconds(
    value: Option<String>,
    var: &'static str,
    default: Duration,
    range: std::ops::RangeInclusive<u64>,
) -> Result<Duration, ConfigError> {
    ranged(value, var, default.as_secs(), range).map(Duration::from_secs)
}

fn boolean(value: Option<String>, var: &'static str, default: bool) -> Result<bool, ConfigError> {
    match value.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None => Ok(default),
        Some("1" | "true" | "yes" | "on") => Ok(true),
        Some("0" | "false" | "no" | "off") => Ok(false),
        Some(_) => Err(ConfigError {
            var,
            message: "must be true or false".to_owned(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::from_lookup(|k| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()))
    }

    #[test]
    fn defaults_use_a_sqlite_file_and_localhost() {
        let c = with(&[]).unwrap();
        assert_eq!(c.sqlite_path(), Some(PathBuf::from("momentum.db")));
        assert_eq!(c.bind.to_string(), "127.0.0.1:8080");
        assert!(c.migrate);
        assert!(!c.graphiql);
    }

    #[test]
    fn a_bad_value_names_its_variable() {
        let e = with(&[("MOMENTUM_DB_POOL_SIZE", "lots")]).unwrap_err();
        assert_eq!(e.var, "MOMENTUM_DB_POOL_SIZE");
        let e = with(&[("MOMENTUM_BIND", "nowhere")]).unwrap_err();
        assert_eq!(e.var, "MOMENTUM_BIND");
        let e = with(&[("MOMENTUM_MIGRATE", "perhaps")]).unwrap_err();
        assert_eq!(e.var, "MOMENTUM_MIGRATE");
        let e = with(&[("MOMENTUM_JWT_SECRET", "short")]).unwrap_err();
        assert_eq!(e.var, "MOMENTUM_JWT_SECRET");
        let e = with(&[("MOMENTUM_DATABASE_URL", "mysql://x")]).unwrap_err();
        assert_eq!(e.var, "MOMENTUM_DATABASE_URL");
    }

    #[test]
    fn postgres_urls_are_recognised() {
        let c = with(&[("MOMENTUM_DATABASE_URL", "postgres://u@h/db")]).unwrap();
        assert!(c.is_postgres());
        assert_eq!(c.sqlite_path(), None);
    }
}
