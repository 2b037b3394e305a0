//! Keyset pagination for services (the GraphQL side is `graphql::pagination`):
//! `first/after`, `last/before`, `edges { cursor node }`, `pageInfo`,
//! `totalCount`; at most [`MAX_PAGE`] per page. Cursors are opaque (base64url JSON of the
//! keyset position) and services paginate by keyset, never by offset.

use base64::Engine as _;
use serde::{Serialize, de::DeserializeOwned};

use crate::error::ServiceError;

/// The largest page a caller may ask for.
pub const MAX_PAGE: u64 = 100;
/// The page size when neither `first` nor `last` is given.
pub const DEFAULT_PAGE: u64 = 20;

/// Which way a page reads from its cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// `first`/`after`: ascending from after the cursor.
    Forward,
    /// `last`/`before`: descending from before the cursor (rows are returned ascending).
    Backward,
}

/// A parsed page request with a decoded keyset cursor.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageRequest<C> {
    pub cursor: Option<C>,
    pub limit: u64,
    pub direction: Direction,
}

impl<C: DeserializeOwned> PageRequest<C> {
    /// Validates the four Relay arguments.
    pub fn parse(
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Self, ServiceError> {
        let size = |n: i32, field: &str| -> Result<u64, ServiceError> {
            u64::try_from(n)
                .ok()
                .filter(|n| (1..=MAX_PAGE).contains(n))
                .ok_or_else(|| {
                    ServiceError::bad_input(field, format!("must be between 1 and {MAX_PAGE}"))
                })
        };
        match (first, last) {
            (Some(_), Some(_)) => Err(ServiceError::bad_input(
                "last",
                "give either first or last, not both",
            )),
            (_, Some(n)) => {
                if after.is_some() {
                    return Err(ServiceError::bad_input("after", "use before with last"));
                }
                Ok(Self {
                    cursor: before.map(|c| decode_cursor(&c, "before")).transpose()?,
                    limit: size(n, "last")?,
                    direction: Direction::Backward,
                })
            }
            (first, None) => {
                if before.is_some() {
                    return Err(ServiceError::bad_input("before", "use after with first"));
                }
                Ok(Self {
                    cursor: after.map(|c| decode_cursor(&c, "after")).transpose()?,
                    limit: first
                        .map(|n| size(n, "first"))
                        .transpose()?
                        .unwrap_or(DEFAULT_PAGE),
                    direction: Direction::Forward,
                })
            }
        }
    }
}

impl<C> PageRequest<C> {
    /// How many rows to fetch: one more than the page, to learn whether more exist.
    pub fn fetch(&self) -> u64 {
        self.limit + 1
    }
}

/// Decodes a cursor made by [`encode_cursor`]; `BAD_USER_INPUT` on `field` otherwise.
pub fn decode_cursor<C: DeserializeOwned>(cursor: &str, field: &str) -> Result<C, ServiceError> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| ServiceError::bad_input(field, "not a cursor from this list"))
}

/// Encodes a keyset position as an opaque cursor.
pub fn encode_cursor<C: Serialize>(c: &C) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(serde_json::to_vec(c).unwrap_or_default())
}

/// One page of rows, ascending, with what lies either side.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub has_next: bool,
    pub has_previous: bool,
    pub total: u64,
}

impl<T> Page<T> {
    /// From rows fetched in the request's direction (up to `fetch()` of them).
    pub fn from_rows<C>(mut rows: Vec<T>, req: &PageRequest<C>, total: u64) -> Self {
        let more = rows.len() as u64 > req.limit;
        rows.truncate(req.limit as usize);
        match req.direction {
            Direction::Forward => Self {
                items: rows,
                has_next: more,
                has_previous: req.cursor.is_some(),
                total,
            },
            Direction::Backward => {
                rows.reverse();
                Self {
                    items: rows,
                    has_next: req.cursor.is_some(),
                    has_previous: more,
                    total,
                }
            }
        }
    }
}

/// The keyset of lists ordered by a name and then the id (rosters, therapists).
pub type NameCursor = (String, uuid::Uuid);

/// Fetches one page of `select`, ordered by `key` then `id`, after/before the cursor.
pub async fn fetch_page<E, K>(
    db: &impl sea_orm::ConnectionTrait,
    select: sea_orm::Select<E>,
    key: E::Column,
    id: E::Column,
    page: &PageRequest<(K, uuid::Uuid)>,
) -> Result<Vec<E::Model>, sea_orm::DbErr>
where
    E: sea_orm::EntityTrait,
    K: Into<sea_orm::Value> + Clone,
{
    use sea_orm::{
        ColumnTrait as _, Condition, Order, QueryFilter as _, QueryOrder as _, QuerySelect as _,
    };
    let (order, after) = match page.direction {
        Direction::Forward => (Order::Asc, true),
        Direction::Backward => (Order::Desc, false),
    };
    let mut select = select;
    if let Some((k, i)) = &page.cursor {
        let (key_past, id_past) = if after {
            (key.gt(k.clone()), id.gt(*i))
        } else {
            (key.lt(k.clone()), id.lt(*i))
        };
        select = select.filter(
            Condition::any()
                .add(key_past)
                .add(Condition::all().add(key.eq(k.clone())).add(id_past)),
        );
    }
    select
        .order_by(key, order.clone())
        .order_by(id, order)
        .limit(page.fetch())
        .all(db)
        .await
}

/// The keyset condition of lists ordered newest first by a time and then the id (descending):
/// the rows after the cursor `(at, id)`.
pub fn older_than<C: sea_orm::ColumnTrait>(
    at_col: C,
    id_col: C,
    (at, id): (chrono::DateTime<chrono::Utc>, uuid::Uuid),
) -> sea_orm::Condition {
    use sea_orm::Condition;
    Condition::any()
        .add(at_col.lt(at))
        .add(Condition::all().add(at_col.eq(at)).add(id_col.lt(id)))
}

/// [`fetch_page`] for lists ordered by a name.
pub async fn fetch_by_name<E>(
    db: &impl sea_orm::ConnectionTrait,
    select: sea_orm::Select<E>,
    name: E::Column,
    id: E::Column,
    page: &PageRequest<NameCursor>,
) -> Result<Vec<E::Model>, sea_orm::DbErr>
where
    E: sea_orm::EntityTrait,
{
    fetch_page(db, select, name, id, page).await
}
