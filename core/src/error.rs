//! The error model (docs/architecture.md, "Errors"): services return [`ServiceError`],
//! whose [`ErrorCode`] is what a caller finally reads in `extensions.code`. The API crate
//! wraps it for resolvers in a type without `Display`, so a database error's text never
//! reaches a caller.

/// The closed list of `extensions.code` values a caller can receive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// No valid token: missing where one is needed, or invalid, expired, forged or revoked.
    Unauthenticated,
    /// Signed in, but the role or integrator scopes do not allow the operation.
    Forbidden,
    /// Does not exist, or is not visible to the viewer (the two are indistinguishable).
    NotFound,
    /// An argument or input field is invalid; `extensions.field` names it.
    BadUserInput,
    /// A stale `expectedVersion`, a duplicate, or a state that forbids the change.
    Conflict,
    /// Too many attempts; retry later.
    RateLimited,
    /// Our fault. The message is always `internal error`; quote `extensions.requestId`.
    InternalServerError,
    /// The database could not be reached or used within a short wait (an outage, a
    /// restart, a lock held elsewhere). HTTP 503 with `Retry-After`; retry then (a write
    /// with a client-generated id is safe to retry).
    ServiceUnavailable,
    /// The request ran longer than `MOMENTUM_REQUEST_TIMEOUT_MS` or its answer would exceed
    /// `MOMENTUM_MAX_RESPONSE_BYTES` (HTTP 422); the message says which. Ask for less:
    /// smaller pages, fewer fields, a shorter range.
    LimitExceeded,
}

impl ErrorCode {
    /// The wire form used in `extensions.code`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::Forbidden => "FORBIDDEN",
            Self::NotFound => "NOT_FOUND",
            Self::BadUserInput => "BAD_USER_INPUT",
            Self::Conflict => "CONFLICT",
            Self::RateLimited => "RATE_LIMITED",
            Self::InternalServerError => "INTERNAL_SERVER_ERROR",
            Self::ServiceUnavailable => "SERVICE_UNAVAILABLE",
            Self::LimitExceeded => "LIMIT_EXCEEDED",
        }
    }
}

/// What a service can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("unauthenticated")]
    Unauthenticated,
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    #[error("not found")]
    NotFound,
    #[error("invalid {field}: {message}")]
    BadInput {
        /// The input field, as the caller spelled it (e.g. `input.displayName`).
        field: String,
        message: String,
    },
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("rate limited")]
    RateLimited,
    #[error("database: {0}")]
    Database(#[from] sea_orm::DbErr),
    /// A database error that [`unavailable`] classed as an outage, after its cause was
    /// dropped (see the API's `Clone for GqlError`).
    #[error("database unavailable")]
    Unavailable,
    #[error("internal: {0}")]
    Internal(String),
}

impl ServiceError {
    /// Shorthand for a [`ServiceError::BadInput`].
    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadInput {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The code this error reaches the caller with.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Unauthenticated => ErrorCode::Unauthenticated,
            Self::Forbidden(_) => ErrorCode::Forbidden,
            Self::NotFound => ErrorCode::NotFound,
            Self::BadInput { .. } => ErrorCode::BadUserInput,
            Self::Conflict(_) => ErrorCode::Conflict,
            Self::RateLimited => ErrorCode::RateLimited,
            Self::Database(e) if unavailable(e) => ErrorCode::ServiceUnavailable,
            Self::Unavailable => ErrorCode::ServiceUnavailable,
            Self::Database(_) | Self::Internal(_) => ErrorCode::InternalServerError,
        }
    }

    /// Prefixes the field of a [`ServiceError::BadInput`] (e.g. with `input`).
    pub fn in_field(self, prefix: &str) -> Self {
        match self {
            Self::BadInput { field, message } => Self::BadInput {
                field: format!("{prefix}.{field}"),
                message,
            },
            other => other,
        }
    }
}

/// What a caller reads when the database is unavailable.
pub const UNAVAILABLE_MESSAGE: &str = "the service is briefly unavailable; retry shortly";

/// Whether a database error means the database could not be reached or used in time, as
/// opposed to a fault of the statement: no connection could be had (the pool's wait ran
/// out, connecting failed), the connection broke (I/O), PostgreSQL is shutting down or
/// refusing connections (SQLSTATE classes 08 and 57P, too many connections), or SQLite's
/// file is locked by another process beyond the busy wait.
pub fn unavailable(e: &sea_orm::DbErr) -> bool {
    use sea_orm::{DbErr, RuntimeErr, sqlx::Error};
    let sqlx = match e {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => return true,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => e,
        _ => return false,
    };
    match sqlx.as_ref() {
        Error::Io(_) | Error::PoolTimedOut | Error::PoolClosed | Error::WorkerCrashed => true,
        Error::Database(d) => {
            let Some(code) = d.code() else {
                return false;
            };
            if d.try_downcast_ref::<sea_orm::sqlx::sqlite::SqliteError>()
                .is_some()
            {
                // Extended result codes of the SQLITE_BUSY and SQLITE_LOCKED families.
                code.parse::<u32>().is_ok_and(|n| matches!(n & 0xff, 5 | 6))
            } else {
                code.starts_with("08") || code.starts_with("57P") || code == "53300"
            }
        }
        _ => false,
    }
}
