//! Relay connections with `totalCount`, built from a service's [`Page`].

use async_graphql::{
    Context, OutputType, SimpleObject,
    connection::{Connection, Edge, EmptyFields},
};
use serde::de::DeserializeOwned;

pub use crate::batch::Paged;
use crate::error::GqlResult;
pub use crate::pagination::{Page, PageRequest, encode_cursor};

/// Whether the connection being resolved has `totalCount` selected (directly or through a
/// fragment): counting costs a statement, so it runs only when asked for.
pub fn wants_total(ctx: &Context<'_>) -> bool {
    ctx.look_ahead().field("totalCount").exists()
}

/// The arguments of a connection field for a [`crate::batch::Batch`]: the parsed page,
/// whether `totalCount` is selected, and the field's own `filter`.
pub fn paged<C: DeserializeOwned, F>(
    ctx: &Context<'_>,
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
    filter: F,
) -> GqlResult<Paged<C, F>> {
    Ok(Paged {
        page: PageRequest::parse(first, after, last, before)?,
        totals: wants_total(ctx),
        filter,
    })
}

/// Fields every connection carries besides edges and page info.
#[derive(SimpleObject, Debug, Clone, Copy)]
pub struct ConnectionTotals {
    /// How many items match the filter, over all pages.
    pub total_count: u64,
}

/// A Relay connection with `totalCount`.
pub type Conn<N> = Connection<String, N, ConnectionTotals, EmptyFields>;

/// Turns a page into a connection, given each row's cursor and node.
pub fn connection<T, N: OutputType>(
    page: Page<T>,
    cursor: impl Fn(&T) -> String,
    node: impl Fn(T) -> N,
) -> Conn<N> {
    let mut conn = Connection::with_additional_fields(
        page.has_previous,
        page.has_next,
        ConnectionTotals {
            total_count: page.total,
        },
    );
    conn.edges.extend(
        page.items
            .into_iter()
            .map(|item| Edge::new(cursor(&item), node(item))),
    );
    conn
}
