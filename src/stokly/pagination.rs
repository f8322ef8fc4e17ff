//! Lazy page iteration over Stokly's `page` / `size` lists.
//!
//! Pages are numbered from 0; `size` is 100 unless set, at most 1000 (the largest size seen;
//! the limit itself is inferred). Nothing is sent until the stream is polled. The stream ends:
//!
//! - after an **empty page**;
//! - after a **short page** (fewer rows than `size`), without asking for the next one;
//! - after [`ListQuery::max_pages`] pages (default [`DEFAULT_MAX_PAGES`]), with a warning in
//!   the log, since more rows may exist;
//!
//! and it ends with an [`Error::Pagination`] instead of looping, or instead of ending early
//! without a word:
//!
//! - a page whose rows are exactly the previous page's (the server ignored `page`, or rows
//!   shifted by a full page);
//! - more rows seen than the first page's `metadata.count` plus one page (rows are being
//!   added as fast as they are read);
//! - a short first page while its `metadata.count` says more rows lie beyond it (Stokly
//!   serves smaller pages than asked: the next page would skip rows);
//! - a page without `data`, unless its `metadata.count` is 0.
//!
//! Offset paging over a set that changes while it is read can skip or repeat rows (a row
//! deleted from page 0 moves the rest up by one). Filter on something stable (`createdAt`,
//! `niceId`, a `timeUpdated` watermark) and deduplicate on the ID when that matters.

use futures::TryStreamExt;
use futures::stream::{self, BoxStream, StreamExt};
use reqwest::Method;
use serde::de::DeserializeOwned;

use super::client::{Client, decode_text, decode_value};
use super::error::Error;
use super::filter::{Filter, Sort};
use super::model::{ListEnvelope, Page};
use crate::http::Idempotence;

/// Rows per page unless set.
pub const DEFAULT_PAGE_SIZE: u32 = 100;
/// The largest page size accepted.
pub const MAX_PAGE_SIZE: u32 = 1000;
/// Pages read at most unless set (a safety net: ten million rows at the largest size).
pub const DEFAULT_MAX_PAGES: u32 = 10_000;

/// What to list: filter, sort, page size and limits.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct ListQuery {
    filter: Option<Filter>,
    sort: Option<Sort>,
    page_size: u32,
    max_pages: u32,
    first_page: u32,
}

impl Default for ListQuery {
    fn default() -> Self {
        Self {
            filter: None,
            sort: None,
            page_size: DEFAULT_PAGE_SIZE,
            max_pages: DEFAULT_MAX_PAGES,
            first_page: 0,
        }
    }
}

impl ListQuery {
    /// Everything, 100 rows per page.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only rows matching `filter`.
    pub fn filter(mut self, filter: Filter) -> Self {
        self.filter = Some(filter);
        self
    }

    /// Sorted by `sort`.
    pub fn sort(mut self, sort: Sort) -> Self {
        self.sort = Some(sort);
        self
    }

    /// Rows per page, 1 to [`MAX_PAGE_SIZE`]; anything else makes the listing fail with
    /// [`Error::InvalidArgument`] before a request is sent.
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = size;
        self
    }

    /// Stops after this many pages.
    pub fn max_pages(mut self, pages: u32) -> Self {
        self.max_pages = pages;
        self
    }

    /// Starts at this page (0-based) instead of the first.
    pub fn starting_page(mut self, page: u32) -> Self {
        self.first_page = page;
        self
    }

    /// The filter.
    #[must_use]
    pub fn filter_ref(&self) -> Option<&Filter> {
        self.filter.as_ref()
    }

    /// The page size.
    #[must_use]
    pub fn size(&self) -> u32 {
        self.page_size
    }

    /// Adds `filter` with `&&` to the query's own.
    pub(crate) fn and_filter(mut self, filter: Filter) -> Self {
        self.filter = Some(match self.filter.take() {
            Some(own) => own.and(filter),
            None => filter,
        });
        self
    }

    fn check(&self, operation: &str) -> Result<(), Error> {
        if self.page_size == 0 || self.page_size > MAX_PAGE_SIZE {
            return Err(Error::InvalidArgument {
                operation: operation.to_owned(),
                argument: "size".to_owned(),
                reason: format!(
                    "page size must be 1 to {MAX_PAGE_SIZE}, got {}",
                    self.page_size
                ),
            });
        }
        Ok(())
    }

    /// The query pairs for page `page`.
    fn pairs(&self, page: u32) -> Vec<(&'static str, String)> {
        let mut pairs = vec![
            ("page", page.to_string()),
            ("size", self.page_size.to_string()),
        ];
        if let Some(filter) = &self.filter {
            pairs.push(("filter", filter.render()));
        }
        if let Some(sort) = &self.sort {
            pairs.push(("sortField", sort.field().to_owned()));
            pairs.push(("sortDirection", sort.direction().as_str().to_owned()));
        }
        pairs
    }
}

struct State {
    client: Client,
    path: String,
    query: ListQuery,
    operation: String,
    next_page: u32,
    pages_read: u32,
    rows_seen: u64,
    count: Option<u64>,
    previous: Option<Vec<serde_json::Value>>,
    done: bool,
}

impl Client {
    /// Reads one page of `GET {path}` (relative, starting with `/`).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a bad page size or path; otherwise as any read.
    pub async fn page_at<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &ListQuery,
        page: u32,
    ) -> Result<Page<T>, Error> {
        let operation = format!("GET {path}");
        query.check(&operation)?;
        let (rows, count) = self.raw_page(path, query, page).await?;
        Ok(Page {
            items: decode_value(&operation, "data", serde_json::Value::Array(rows))?,
            count,
            page,
            size: query.page_size,
        })
    }

    async fn raw_page(
        &self,
        path: &str,
        query: &ListQuery,
        page: u32,
    ) -> Result<(Vec<serde_json::Value>, Option<u64>), Error> {
        let call = self.call::<()>(
            Method::GET,
            path,
            &query.pairs(page),
            None,
            Idempotence::Safe,
        )?;
        let answer = self.execute(&call).await?;
        let operation = format!("GET {path}");
        let envelope: ListEnvelope = decode_text(&operation, &answer.text)?;
        let count = envelope.metadata.and_then(|m| m.count);
        match envelope.data {
            Some(rows) => Ok((rows, count)),
            // Only a list said to be empty may come without rows.
            None if count == Some(0) => Ok((Vec::new(), count)),
            None => Err(Error::Pagination {
                operation,
                reason: format!(
                    "page {page} answered without `data` (metadata count {}): reading on \
                     would take a missing page for the end of the list",
                    count.map_or_else(|| "absent".to_owned(), |c| c.to_string())
                ),
            }),
        }
    }

    /// Every row of `GET {path}`, page by page, lazily (see the module docs for when it stops):
    /// an escape hatch for lists the crate does not model.
    ///
    /// # Errors
    /// The stream yields [`Error::InvalidArgument`] for a page size outside 1 to 1000,
    /// [`Error::Pagination`] when a loop guard trips, and the errors of a read
    /// ([`Error::Api`], [`Error::Transport`], [`Error::Grant`], [`Error::Decode`] naming the
    /// row), after which it ends.
    pub fn list_at<T>(&self, path: &str, query: ListQuery) -> BoxStream<'static, Result<T, Error>>
    where
        T: DeserializeOwned + Send + 'static,
    {
        self.pages_at::<T>(path, query)
            .flat_map(|page| {
                stream::iter(match page {
                    Ok(page) => page.items.into_iter().map(Ok).collect::<Vec<_>>(),
                    Err(e) => vec![Err(e)],
                })
            })
            .boxed()
    }

    /// The rows of `path` whose `field` is one of `values`, through `[field]=*{a,b,...}` with
    /// at most `batch` values per request (pages of 1000). Blank values and repeats are
    /// dropped before asking; rows whose `key` is not exactly one of the values asked (a
    /// server may match loosely) are dropped from the answer.
    pub(crate) async fn list_in<T>(
        &self,
        path: &str,
        field: &'static str,
        values: &[&str],
        batch: usize,
        key: impl Fn(&T) -> Option<&str>,
    ) -> Result<Vec<T>, Error>
    where
        T: DeserializeOwned + Send + 'static,
    {
        let mut wanted: Vec<&str> = values
            .iter()
            .copied()
            .filter(|v| !v.trim().is_empty())
            .collect();
        wanted.sort_unstable();
        wanted.dedup();
        let mut found = Vec::new();
        for chunk in wanted.chunks(batch.max(1)) {
            let filter = Filter::field(field).in_list(chunk.iter().copied())?;
            let rows: Vec<T> = self
                .list_at(
                    path,
                    ListQuery::new().filter(filter).page_size(MAX_PAGE_SIZE),
                )
                .try_collect()
                .await?;
            found.extend(
                rows.into_iter()
                    .filter(|row| key(row).is_some_and(|k| chunk.binary_search(&k).is_ok())),
            );
        }
        Ok(found)
    }

    /// Like [`Client::list_at`], one [`Page`] at a time.
    ///
    /// # Errors
    /// The stream yields [`Error::InvalidArgument`] for a page size outside 1 to 1000,
    /// [`Error::Pagination`] when a loop guard trips, and the errors of a read
    /// ([`Error::Api`], [`Error::Transport`], [`Error::Grant`], [`Error::Decode`] naming the
    /// row), after which it ends.
    pub fn pages_at<T>(
        &self,
        path: &str,
        query: ListQuery,
    ) -> BoxStream<'static, Result<Page<T>, Error>>
    where
        T: DeserializeOwned + Send + 'static,
    {
        let state = State {
            client: self.clone(),
            path: path.to_owned(),
            operation: format!("GET {path}"),
            next_page: query.first_page,
            query,
            pages_read: 0,
            rows_seen: 0,
            count: None,
            previous: None,
            done: false,
        };
        stream::unfold(state, |mut st| async move {
            if st.done {
                return None;
            }
            if st.pages_read >= st.query.max_pages {
                tracing::warn!(
                    operation = %st.operation,
                    pages = st.pages_read,
                    "stopped at the page cap; more rows may exist"
                );
                return None;
            }
            match next_page::<T>(&mut st).await {
                Ok(Some(page)) => Some((Ok(page), st)),
                Ok(None) => None,
                Err(e) => {
                    st.done = true;
                    Some((Err(e), st))
                }
            }
        })
        .boxed()
    }
}

async fn next_page<T: DeserializeOwned>(st: &mut State) -> Result<Option<Page<T>>, Error> {
    st.query.check(&st.operation)?;
    let page = st.next_page;
    let (rows, count) = st.client.raw_page(&st.path, &st.query, page).await?;
    st.pages_read += 1;
    if st.pages_read == 1 {
        st.count = count;
    }
    if rows.is_empty() {
        st.done = true;
        return Ok(None);
    }
    if st.previous.as_ref() == Some(&rows) {
        return Err(Error::Pagination {
            operation: st.operation.clone(),
            reason: format!(
                "page {page} repeated the rows of page {}: the list is changing under the \
                 iteration or the server ignores `page`",
                page.saturating_sub(1)
            ),
        });
    }
    let size = st.query.page_size;
    st.rows_seen += rows.len() as u64;
    if let Some(total) = st.count {
        if st.rows_seen > total + u64::from(size) {
            return Err(Error::Pagination {
                operation: st.operation.clone(),
                reason: format!(
                    "read {} rows but the first page reported {total} in all: rows are being \
                     added faster than they are read",
                    st.rows_seen
                ),
            });
        }
    }
    if rows.len() < size as usize {
        // A short first page while the count says more exist means Stokly serves smaller
        // pages than asked: the next page would start past rows never read.
        let through_here = u64::from(page)
            .saturating_mul(u64::from(size))
            .saturating_add(rows.len() as u64);
        if let Some(total) = count.filter(|&t| st.pages_read == 1 && t > through_here) {
            return Err(Error::Pagination {
                operation: st.operation.clone(),
                reason: format!(
                    "the first page has {} rows for a page size of {size}, but Stokly reports \
                     {total} in all: it serves smaller pages than asked, and reading on would \
                     skip rows; ask for pages of at most {} rows",
                    rows.len(),
                    rows.len()
                ),
            });
        }
        st.done = true;
    }
    let items = decode_value(
        &st.operation,
        "data",
        serde_json::Value::Array(rows.clone()),
    )?;
    st.previous = Some(rows);
    st.next_page = page.saturating_add(1);
    Ok(Some(Page {
        items,
        count,
        page,
        size,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_pairs_in_order() {
        let q = ListQuery::new()
            .filter(Filter::field("stage").ne("removed").unwrap())
            .sort(Sort::desc("niceId").unwrap())
            .page_size(250);
        assert_eq!(
            q.pairs(3),
            vec![
                ("page", "3".to_owned()),
                ("size", "250".to_owned()),
                ("filter", "[stage]!={removed}".to_owned()),
                ("sortField", "niceId".to_owned()),
                ("sortDirection", "DESC".to_owned()),
            ]
        );
        assert_eq!(ListQuery::new().pairs(0).len(), 2);
    }

    #[test]
    fn page_size_limits() {
        assert!(ListQuery::new().page_size(1000).check("x").is_ok());
        for bad in [0, 1001] {
            match ListQuery::new().page_size(bad).check("GET /v0/items") {
                Err(Error::InvalidArgument { argument, .. }) => assert_eq!(argument, "size"),
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn and_filter_combines() {
        let q = ListQuery::new()
            .filter(Filter::field("a").eq(1).unwrap())
            .and_filter(Filter::field("b").eq(2).unwrap());
        assert_eq!(
            q.filter_ref().map(Filter::render).as_deref(),
            Some("[a]=={1}&&[b]=={2}")
        );
    }
}
