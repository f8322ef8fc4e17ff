//! Lazy cursor pagination over any connection.

use std::collections::HashSet;

use futures::stream::{self, BoxStream, StreamExt};
use serde::de::DeserializeOwned;

use super::client::{Client, GraphQlRequest, decode};
use super::error::Error;
use super::model::Connection;

/// Shopify's largest page.
pub const MAX_PAGE_SIZE: u32 = 250;

/// How a connection is paged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PageOptions {
    /// Nodes per page, 1 to 250. `None` (the default) uses the query's own default, chosen so
    /// that one page stays under Shopify's 1,000-point single-query limit (250 for flat
    /// lists, less for queries with nested objects).
    pub page_size: Option<u32>,
    /// Stop after this many pages (default: no cap).
    pub max_pages: Option<u32>,
}

impl PageOptions {
    /// Sets the page size.
    #[must_use]
    pub fn with_page_size(mut self, n: u32) -> Self {
        self.page_size = Some(n);
        self
    }
    /// Caps the number of pages.
    #[must_use]
    pub fn with_max_pages(mut self, n: u32) -> Self {
        self.max_pages = Some(n);
        self
    }
}

struct State {
    client: Client,
    request: GraphQlRequest,
    path: Vec<String>,
    options: PageOptions,
    default_page_size: u32,
    cursor: Option<String>,
    seen: HashSet<String>,
    pages: u32,
    done: bool,
}

impl Client {
    /// Pages through the connection at `connection_path` (e.g. `["location", "inventoryLevels"]`)
    /// of `request`, whose document takes `$first: Int!` and `$after: String`.
    ///
    /// Nothing is sent until the stream is polled. The stream ends after the last page, after
    /// `max_pages`, or with an [`Error::Pagination`] if Shopify repeats a cursor (which would
    /// otherwise loop forever).
    pub fn paginate<T>(
        &self,
        request: GraphQlRequest,
        connection_path: &[&str],
        options: PageOptions,
    ) -> BoxStream<'static, Result<T, Error>>
    where
        T: DeserializeOwned + Send + 'static,
    {
        self.paginate_after(request, connection_path, options, None)
    }

    /// [`Client::paginate`] starting after `cursor`.
    pub(crate) fn paginate_after<T>(
        &self,
        request: GraphQlRequest,
        connection_path: &[&str],
        options: PageOptions,
        cursor: Option<String>,
    ) -> BoxStream<'static, Result<T, Error>>
    where
        T: DeserializeOwned + Send + 'static,
    {
        self.pages_after::<T>(request, connection_path, options, cursor)
            .flat_map(|page| {
                stream::iter(match page {
                    Ok(nodes) => nodes.into_iter().map(Ok).collect::<Vec<_>>(),
                    Err(e) => vec![Err(e)],
                })
            })
            .boxed()
    }

    /// Like [`Client::paginate`], one item per page.
    pub fn pages<T>(
        &self,
        request: GraphQlRequest,
        connection_path: &[&str],
        options: PageOptions,
    ) -> BoxStream<'static, Result<Vec<T>, Error>>
    where
        T: DeserializeOwned + Send + 'static,
    {
        self.pages_after(request, connection_path, options, None)
    }

    pub(crate) fn pages_after<T>(
        &self,
        request: GraphQlRequest,
        connection_path: &[&str],
        options: PageOptions,
        cursor: Option<String>,
    ) -> BoxStream<'static, Result<Vec<T>, Error>>
    where
        T: DeserializeOwned + Send + 'static,
    {
        let state = State {
            client: self.clone(),
            default_page_size: request.default_page_size.unwrap_or(MAX_PAGE_SIZE),
            request,
            path: connection_path.iter().map(|s| (*s).to_owned()).collect(),
            options,
            seen: cursor.iter().cloned().collect(),
            cursor,
            pages: 0,
            done: false,
        };
        stream::unfold(state, |mut st| async move {
            if st.done || st.options.max_pages.is_some_and(|cap| st.pages >= cap) {
                return None;
            }
            let result = next_page::<T>(&mut st).await;
            if result.is_err() {
                st.done = true;
            }
            Some((result, st))
        })
        .boxed()
    }
}

async fn next_page<T: DeserializeOwned>(st: &mut State) -> Result<Vec<T>, Error> {
    let operation = st.request.operation_name().to_owned();
    let page_size = st.options.page_size.unwrap_or(st.default_page_size);
    if page_size == 0 || page_size > MAX_PAGE_SIZE {
        return Err(Error::InvalidArgument {
            operation,
            argument: "first",
            reason: format!("page size must be 1 to {MAX_PAGE_SIZE}, got {page_size}"),
        });
    }
    st.request
        .set_variable("first", serde_json::Value::from(page_size));
    st.request.set_variable(
        "after",
        st.cursor
            .clone()
            .map_or(serde_json::Value::Null, serde_json::Value::String),
    );
    let data: serde_json::Value = st.client.query(&st.request).await?;
    st.pages += 1;
    let mut node = &data;
    for segment in &st.path {
        node = node.get(segment).unwrap_or(&serde_json::Value::Null);
    }
    if node.is_null() {
        return Err(Error::Pagination {
            operation,
            reason: format!("no connection at data.{} (null)", st.path.join(".")),
        });
    }
    let connection: Connection<T> = decode(&operation, None, node.clone())?;
    match (
        connection.page_info.has_next_page,
        connection.page_info.end_cursor,
    ) {
        (true, Some(cursor)) => {
            if !st.seen.insert(cursor.clone()) {
                return Err(Error::Pagination {
                    operation,
                    reason: format!("Shopify repeated the cursor {cursor:?}"),
                });
            }
            st.cursor = Some(cursor);
        }
        (true, None) => {
            return Err(Error::Pagination {
                operation,
                reason: "hasNextPage is true but endCursor is null".to_owned(),
            });
        }
        (false, _) => st.done = true,
    }
    Ok(connection.nodes)
}
