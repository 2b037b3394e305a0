//! GraphQL-shaped inputs: ids and fields that may be omitted or null. The shared input
//! values themselves (`Email`, `DisplayName`, the text and date rules) are
//! `momentum_core::values`, re-exported here.

use async_graphql::{ID, MaybeUndefined};
use uuid::Uuid;

pub use momentum_core::values::*;

use crate::error::ServiceError;

/// Parses a GraphQL `ID` that must be a Momentum UUID.
pub fn parse_id(id: &ID, field: &str) -> Result<Uuid, ServiceError> {
    Uuid::parse_str(id.as_str()).map_err(|_| ServiceError::bad_input(field, "not a valid id"))
}

/// The GraphQL `ID` of a Momentum UUID (the inverse of [`parse_id`]).
pub fn to_id(id: Uuid) -> ID {
    ID(id.to_string())
}

/// `Some(None)` for null, `Some(Some(v))` for a value, `None` when omitted.
pub fn maybe<T, U>(
    v: MaybeUndefined<T>,
    parse: impl FnOnce(T) -> Result<U, ServiceError>,
) -> Result<Option<Option<U>>, ServiceError> {
    Ok(match v {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(parse(v)?)),
    })
}

/// Like [`maybe`] for fields that cannot be cleared.
pub fn not_null<T, U>(
    v: MaybeUndefined<T>,
    field: &str,
    parse: impl FnOnce(T) -> Result<U, ServiceError>,
) -> Result<Option<U>, ServiceError> {
    match v {
        MaybeUndefined::Undefined => Ok(None),
        MaybeUndefined::Null => Err(ServiceError::bad_input(field, "cannot be null")),
        MaybeUndefined::Value(v) => parse(v).map(Some),
    }
}
