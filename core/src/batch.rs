//! Batched, scoped reads: the one shape every nested list and object field loads through.
//!
//! A [`Batch`] answers one field for many parents at once: a fixed number of statements
//! (usually one) for all the parents at one place in a document, whatever their number,
//! with the viewer's scope in the SQL (never a filter on fetched rows). The GraphQL layer
//! gathers the parents (`graphql::loaders`) and writes one audit row per batch; this module
//! and the services that implement [`Batch`] know nothing of GraphQL.
//!
//! Paged children use [`pages`]: every parent's window of rows in one statement
//! (`ROW_NUMBER() OVER (PARTITION BY parent …)`), and their totals in one more statement
//! only when the caller asks for them.

/// The most ids one statement's `IN (…)` list holds: readers of many clients' rows (the
/// reminder, programme and automation jobs) send longer lists in chunks of this many.
pub const IDS_PER_STATEMENT: usize = 10_000;

use std::{collections::HashMap, future::Future, hash::Hash};

use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, DbErr, EntityTrait, FromQueryResult, Order,
    QueryFilter as _, QuerySelect as _, QueryTrait as _, Select,
    sea_query::{Alias, Asterisk, Expr, ExprTrait as _, Query, WindowStatement},
};
use uuid::Uuid;

use crate::{
    auth::Viewer,
    error::ServiceError,
    pagination::{Direction, Page, PageRequest},
};

/// One field, loaded for many parents at once.
pub trait Batch: Send + Sync + 'static {
    /// The field's arguments: the same for every parent at one place in a document, so a
    /// batch holds one set (parents asked for with other arguments form their own batch).
    type Args: Clone + Eq + Hash + Send + Sync + 'static;
    /// What one parent gets.
    type Value: Clone + Send + Sync + 'static;
    /// The field named in the audit row of each batch; `None` for reads that are not of a
    /// client's record (time zones, practice libraries, the access check itself).
    const AUDIT: Option<&'static str>;

    /// Loads the value of every parent in `keys` that has one and that the viewer may see:
    /// a parent missing from the map has no value, or is not the viewer's to see.
    fn fetch(
        db: &DatabaseConnection,
        viewer: &Viewer,
        keys: &[Uuid],
        args: &Self::Args,
    ) -> impl Future<Output = Result<HashMap<Uuid, Self::Value>, ServiceError>> + Send;

    /// Adds the ids of the records in `value` to `out`, for the audit row.
    fn touched(_value: &Self::Value, _out: &mut Vec<Uuid>) {}
}

/// Groups `rows` by their parent, in order, with an entry (maybe empty) for every key.
pub fn group<V>(keys: &[Uuid], rows: Vec<V>, parent: impl Fn(&V) -> Uuid) -> HashMap<Uuid, Vec<V>> {
    let mut map: HashMap<Uuid, Vec<V>> = keys.iter().map(|k| (*k, Vec::new())).collect();
    for row in rows {
        map.entry(parent(&row)).or_default().push(row);
    }
    map
}

/// Keys `rows` by `key` (one row per parent).
pub fn by<V>(rows: Vec<V>, key: impl Fn(&V) -> Uuid) -> HashMap<Uuid, V> {
    rows.into_iter().map(|r| (key(&r), r)).collect()
}

/// The arguments of a paged field: the page, and whether `totalCount` was asked for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Paged<C, F = ()> {
    pub page: PageRequest<C>,
    /// Count every parent's rows (one more statement); when false, totals read 0 and must
    /// not be shown.
    pub totals: bool,
    /// The field's own filters.
    pub filter: F,
}

/// How a paged list orders its rows: by `key`, then `id`, both ascending.
pub struct Keyset<C> {
    pub parent: C,
    pub key: C,
    pub id: C,
}

/// One page per parent of `select` (scoped and filtered by the caller), ordered by the
/// keyset, in one statement, and with `totals` one more statement counting each parent's
/// rows. Every key gets a page, empty when it has no rows.
pub async fn pages<E, K>(
    db: &DatabaseConnection,
    select: Select<E>,
    keyset: Keyset<E::Column>,
    keys: &[Uuid],
    page: &PageRequest<(K, Uuid)>,
    totals: bool,
    parent_of: impl Fn(&E::Model) -> Uuid,
) -> Result<HashMap<Uuid, Page<E::Model>>, DbErr>
where
    E: EntityTrait,
    E::Model: FromQueryResult + Send + Sync,
    K: Into<sea_orm::Value> + Clone,
{
    let Keyset { parent, key, id } = keyset;
    let past = page.cursor.as_ref().map(|(k, i)| {
        let (key_past, id_past) = match page.direction {
            Direction::Forward => (key.gt(k.clone()), id.gt(*i)),
            Direction::Backward => (key.lt(k.clone()), id.lt(*i)),
        };
        Condition::any()
            .add(key_past)
            .add(Condition::all().add(key.eq(k.clone())).add(id_past))
    });
    pages_by(
        db,
        select,
        parent,
        &[key, id],
        past,
        keys,
        page,
        totals,
        parent_of,
    )
    .await
}

/// [`pages`] for any keyset: rows ordered by `order` (ascending; each parent's rows must be
/// totally ordered by it), `past` the condition "beyond the cursor" when there is one.
#[allow(clippy::too_many_arguments)]
pub async fn pages_by<E, C>(
    db: &DatabaseConnection,
    select: Select<E>,
    parent: E::Column,
    order: &[E::Column],
    past: Option<Condition>,
    keys: &[Uuid],
    page: &PageRequest<C>,
    totals: bool,
    parent_of: impl Fn(&E::Model) -> Uuid,
) -> Result<HashMap<Uuid, Page<E::Model>>, DbErr>
where
    E: EntityTrait,
    E::Model: FromQueryResult + Send + Sync,
{
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let select = select.filter(parent.is_in(keys.iter().copied()));
    let counts: HashMap<Uuid, u64> = if totals {
        select
            .clone()
            .select_only()
            .column(parent)
            .column_as(crate::sql::count_all(), "n")
            .group_by(parent)
            .into_tuple::<(Uuid, i64)>()
            .all(db)
            .await?
            .into_iter()
            .map(|(k, n)| (k, u64::try_from(n).unwrap_or_default()))
            .collect()
    } else {
        HashMap::new()
    };
    let direction = match page.direction {
        Direction::Forward => Order::Asc,
        Direction::Backward => Order::Desc,
    };
    let select = match past {
        Some(past) => select.filter(past),
        None => select,
    };
    let order: Vec<(E::Column, Order)> = order.iter().map(|c| (*c, direction.clone())).collect();
    let rows = firsts(db, select, parent, &order, page.fetch()).await?;
    Ok(group(keys, rows, parent_of)
        .into_iter()
        .map(|(k, rows)| {
            let total = counts.get(&k).copied().unwrap_or_default();
            (k, Page::from_rows(rows, page, total))
        })
        .collect())
}

/// The first `n` rows of each parent of `select` by `order` (e.g. "at most 200 alerts per
/// client"), in one statement.
pub async fn firsts<E>(
    db: &impl sea_orm::ConnectionTrait,
    select: Select<E>,
    parent: E::Column,
    order: &[(E::Column, Order)],
    n: u64,
) -> Result<Vec<E::Model>, DbErr>
where
    E: EntityTrait,
    E::Model: FromQueryResult + Send + Sync,
{
    let rank = Alias::new("row_in_parent");
    let mut window = WindowStatement::partition_by((E::default(), parent));
    for (col, o) in order {
        window.order_by((E::default(), *col), o.clone());
    }
    let mut inner = select.into_query();
    inner.expr_window_as(Expr::cust("ROW_NUMBER()"), window, rank.clone());
    let outer = Query::select()
        .column(Asterisk)
        .from_subquery(inner, Alias::new("windowed"))
        .and_where(Expr::col(rank.clone()).lte(n))
        .order_by(rank, Order::Asc)
        .take();
    E::Model::find_by_statement(db.get_database_backend().build(&outer))
        .all(db)
        .await
}
