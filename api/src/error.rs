//! The resolvers' error (docs/architecture.md, "Errors"): [`GqlResult`], whose error type
//! deliberately has no `Display`, so `?` on a database error can never put SQL or
//! constraint names in front of a caller. The service side of the model (`ServiceError`,
//! `ErrorCode`) is `momentum_core::error`, re-exported here.

use async_graphql::ErrorExtensions;

pub use momentum_core::error::*;

/// The boundary error of every resolver. It has no `Display` on purpose (docs/architecture.md, "Errors").
#[derive(Debug)]
pub struct GqlError(ServiceError);

/// What resolvers return.
pub type GqlResult<T> = Result<T, GqlError>;

impl From<ServiceError> for GqlError {
    fn from(e: ServiceError) -> Self {
        Self(e)
    }
}

impl From<sea_orm::DbErr> for GqlError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self(ServiceError::Database(e))
    }
}

impl GqlError {
    /// The service error inside.
    pub fn inner(&self) -> &ServiceError {
        &self.0
    }
}

impl From<GqlError> for async_graphql::Error {
    fn from(GqlError(e): GqlError) -> Self {
        let code = e.code();
        let message = match &e {
            ServiceError::Unauthenticated => "a valid access token is required".to_owned(),
            ServiceError::Forbidden(why) => format!("forbidden: {why}"),
            ServiceError::NotFound => "not found".to_owned(),
            ServiceError::BadInput { field, message } => format!("{field}: {message}"),
            ServiceError::Conflict(why) => why.clone(),
            ServiceError::RateLimited => "too many attempts; try again later".to_owned(),
            ServiceError::Database(e) if unavailable(e) => {
                tracing::warn!(error = %e, "database unavailable");
                UNAVAILABLE_MESSAGE.to_owned()
            }
            ServiceError::Unavailable => UNAVAILABLE_MESSAGE.to_owned(),
            ServiceError::Database(_) | ServiceError::Internal(_) => {
                // The cause is logged (inside the request's span, which carries the
                // request id); the caller sees only the code and the request id.
                tracing::error!(error = %e, "internal error");
                "internal error".to_owned()
            }
        };
        async_graphql::Error::new(message).extend_with(|_, ext| {
            ext.set("code", code.as_str());
            if let ServiceError::BadInput { field, .. } = &e {
                ext.set("field", field.as_str());
            }
        })
    }
}

/// A `Clone` is required of resolver errors by async-graphql; the clone keeps the code and
/// the safe message but drops the underlying database error.
impl Clone for GqlError {
    fn clone(&self) -> Self {
        Self(match &self.0 {
            ServiceError::Unauthenticated => ServiceError::Unauthenticated,
            ServiceError::Forbidden(w) => ServiceError::Forbidden(w),
            ServiceError::NotFound => ServiceError::NotFound,
            ServiceError::BadInput { field, message } => ServiceError::BadInput {
                field: field.clone(),
                message: message.clone(),
            },
            ServiceError::Conflict(w) => ServiceError::Conflict(w.clone()),
            ServiceError::RateLimited => ServiceError::RateLimited,
            ServiceError::Database(e) if unavailable(e) => ServiceError::Unavailable,
            ServiceError::Database(e) => ServiceError::Internal(e.to_string()),
            ServiceError::Unavailable => ServiceError::Unavailable,
            ServiceError::Internal(w) => ServiceError::Internal(w.clone()),
        })
    }
}
