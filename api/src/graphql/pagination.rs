//! Relay connections with `totalCount`, built from a service's [`Page`].

use async_graphql::{
    OutputType, SimpleObject,
    connection::{Connection, Edge, EmptyFields},
};

pub use crate::pagination::{Page, PageRequest, encode_cursor};

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
