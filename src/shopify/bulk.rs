//! Bulk operations: start a query, poll it to the end, stream its JSONL result.
//!
//! The result is read line by line from the HTTP body; memory use depends on the longest line
//! (and, when grouping, on the largest parent with its children), never on the file size.

use std::time::Duration;

use bytes::Bytes;
use futures::stream::{self, BoxStream, Stream, StreamExt};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use url::Url;

use super::client::{Client, GraphQlRequest};
use super::documents::{GET_OPERATION, RUN_QUERY};
use super::error::{BulkFailure, Error};
use super::ids::BulkOperationId;
use super::model::{BulkOperation, BulkOperationStatus};
use crate::http;

/// The longest JSONL line accepted (a guard against a corrupt file, not a real limit).
pub const MAX_LINE_BYTES: usize = 64 * 1024 * 1024;

/// How a bulk operation is polled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct BulkPollConfig {
    /// First wait between polls (default 1 s).
    pub initial_interval: Duration,
    /// Longest wait between polls (default 30 s); each wait is 1.5x the previous one.
    pub max_interval: Duration,
    /// Give up after this long (default 6 h).
    pub timeout: Duration,
}

impl Default for BulkPollConfig {
    fn default() -> Self {
        Self {
            initial_interval: Duration::from_secs(1),
            max_interval: Duration::from_secs(30),
            timeout: Duration::from_secs(6 * 3600),
        }
    }
}

impl BulkPollConfig {
    /// Sets the first interval.
    #[must_use]
    pub fn with_initial_interval(mut self, d: Duration) -> Self {
        self.initial_interval = d;
        self
    }
    /// Sets the longest interval.
    #[must_use]
    pub fn with_max_interval(mut self, d: Duration) -> Self {
        self.max_interval = d;
        self
    }
    /// Sets the timeout.
    #[must_use]
    pub fn with_timeout(mut self, d: Duration) -> Self {
        self.timeout = d;
        self
    }
}

#[derive(Deserialize)]
struct RunPayload {
    #[serde(rename = "bulkOperation")]
    bulk_operation: Option<BulkOperation>,
}

#[derive(Deserialize)]
struct GetData {
    #[serde(rename = "bulkOperation")]
    bulk_operation: Option<BulkOperation>,
}

/// A root object of a bulk result with the lines that belong to it (children carry
/// `__parentId`; grandchildren name their own parent, which is one of the children).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct BulkNode {
    /// The root object.
    pub object: serde_json::Value,
    /// Its descendants, in file order.
    pub children: Vec<serde_json::Value>,
}

impl Client {
    /// Starts a bulk query (`bulkOperationRunQuery`). Not retried after an uncertain failure:
    /// a second start would run a second operation.
    ///
    /// # Errors
    /// [`Error::UserErrors`] (`OPERATION_IN_PROGRESS`, `LIMIT_REACHED`, `INVALID`) and the
    /// errors of [`Client::mutate`].
    pub async fn start_bulk_query(&self, query: &str) -> Result<BulkOperation, Error> {
        let request = GraphQlRequest::mutation(RUN_QUERY, "BulkOperationRunQuery")
            .variable("query", query)?
            .cost_hint(10.0);
        let payload: RunPayload = self.mutate(&request, "bulkOperationRunQuery").await?;
        payload.bulk_operation.ok_or_else(|| Error::MissingPayload {
            operation: "BulkOperationRunQuery".to_owned(),
            detail: "neither a bulk operation nor userErrors",
        })
    }

    /// Reads a bulk operation's state; `None` if Shopify does not know the ID.
    ///
    /// # Errors
    /// The errors of [`Client::query`].
    pub async fn bulk_operation(
        &self,
        id: &BulkOperationId,
    ) -> Result<Option<BulkOperation>, Error> {
        let request = GraphQlRequest::query(GET_OPERATION, "BulkOperation")
            .variable("id", id)?
            .cost_hint(1.0);
        let data: GetData = self.query(&request).await?;
        Ok(data.bulk_operation)
    }

    /// Polls until the operation reaches a terminal status, waiting longer each time.
    ///
    /// # Errors
    /// [`Error::BulkOperation`] when it ends failed, canceled or expired (with
    /// `partialDataUrl`, if any), or completed with objects but without a result `url`;
    /// [`Error::BulkTimeout`] when `poll.timeout` passes.
    pub async fn wait_for_bulk_operation(
        &self,
        id: &BulkOperationId,
        poll: &BulkPollConfig,
    ) -> Result<BulkOperation, Error> {
        let started = tokio::time::Instant::now();
        let mut interval = poll.initial_interval;
        loop {
            let op = self.bulk_operation(id).await?.ok_or_else(|| {
                Error::BulkOperation(BulkFailure {
                    id: id.to_string(),
                    status: "NOT_FOUND".to_owned(),
                    error_code: None,
                    partial_data_url: None,
                })
            })?;
            tracing::debug!(id = %id, status = %op.status, objects = op.object_count, "bulk operation");
            if op.status.is_terminal() {
                return match op.status {
                    // Shopify gives no file only when nothing matched; objects without a
                    // file would read as an empty result.
                    BulkOperationStatus::Completed if op.url.is_none() && op.object_count > 0 => {
                        Err(Error::BulkOperation(BulkFailure {
                            id: op.id.to_string(),
                            status: format!(
                                "COMPLETED with {} objects but no result url",
                                op.object_count
                            ),
                            error_code: op.error_code,
                            partial_data_url: op.partial_data_url,
                        }))
                    }
                    BulkOperationStatus::Completed => Ok(op),
                    _ => Err(Error::BulkOperation(BulkFailure {
                        id: op.id.to_string(),
                        status: op.status.to_string(),
                        error_code: op.error_code,
                        partial_data_url: op.partial_data_url,
                    })),
                };
            }
            let waited = started.elapsed();
            if waited.saturating_add(interval) > poll.timeout {
                return Err(Error::BulkTimeout {
                    id: id.to_string(),
                    status: op.status.to_string(),
                    waited,
                });
            }
            tokio::time::sleep(interval).await;
            // 1.5x, saturating: a huge configured interval cannot overflow.
            interval = interval.saturating_add(interval / 2).min(poll.max_interval);
        }
    }

    /// Starts a bulk query and waits for it to complete.
    ///
    /// # Errors
    /// Those of [`Client::start_bulk_query`] and [`Client::wait_for_bulk_operation`].
    pub async fn run_bulk_query(
        &self,
        query: &str,
        poll: &BulkPollConfig,
    ) -> Result<BulkOperation, Error> {
        let op = self.start_bulk_query(query).await?;
        self.wait_for_bulk_operation(&op.id, poll).await
    }

    /// Streams the JSONL file at `url` (a completed operation's `url` or `partialDataUrl`),
    /// one decoded line at a time. Blank lines are skipped; a line that does not decode ends
    /// the stream with [`Error::BulkLine`] naming its line number.
    ///
    /// The URL must be https (or http on loopback). No access token is sent: Shopify's result
    /// URLs are pre-signed.
    pub fn bulk_lines<T>(&self, url: &str) -> BoxStream<'static, Result<T, Error>>
    where
        T: DeserializeOwned + Send + 'static,
    {
        let client = self.clone();
        let url = url.to_owned();
        let start = async move {
            let url = Url::parse(&url).map_err(|e| Error::InvalidArgument {
                operation: "download".to_owned(),
                argument: "url",
                reason: e.to_string(),
            })?;
            http::check_base_url(&url).map_err(|r| Error::InvalidArgument {
                operation: "download".to_owned(),
                argument: "url",
                reason: r.to_owned(),
            })?;
            let response = client
                .http()
                .get(url)
                .timeout(client.timeouts().download)
                .send()
                .await
                .map_err(|source| Error::Transport {
                    operation: "download".to_owned(),
                    source,
                })?;
            let status = response.status();
            if !status.is_success() {
                let body = response.text().await.unwrap_or_default();
                return Err(Error::Http {
                    operation: "download".to_owned(),
                    status: status.as_u16(),
                    request_id: None,
                    body: http::truncate_body(&body, 1024),
                    retry_after: None,
                });
            }
            let bytes = response.bytes_stream().map(|chunk| {
                chunk.map_err(|source| Error::Transport {
                    operation: "download".to_owned(),
                    source,
                })
            });
            Ok(jsonl_lines::<T, _>(bytes))
        };
        stream::once(start)
            .flat_map(|started| match started {
                Ok(lines) => lines,
                Err(e) => stream::once(async move { Err(e) }).boxed(),
            })
            .boxed()
    }

    /// Streams a bulk result grouped by root object: each root line with the lines whose
    /// `__parentId` chain leads to it. Shopify writes children after their parent; a child
    /// whose parent is not the current root or one of its descendants ends the stream with
    /// [`Error::BulkLine`] rather than being dropped.
    pub fn bulk_nodes(&self, url: &str) -> BoxStream<'static, Result<BulkNode, Error>> {
        group_by_parent(self.bulk_lines::<serde_json::Value>(url)).boxed()
    }
}

/// Splits a byte stream (a bulk result read from anywhere: Shopify's URL, a file, object
/// storage) into JSONL lines and decodes each one, with memory bounded by the longest line.
/// Blank lines are skipped; a line that does not decode ends the stream with
/// [`Error::BulkLine`] naming its 1-based number.
pub fn jsonl_lines<T, S>(bytes: S) -> BoxStream<'static, Result<T, Error>>
where
    T: DeserializeOwned + Send + 'static,
    S: Stream<Item = Result<Bytes, Error>> + Send + 'static,
{
    struct Lines<S> {
        bytes: std::pin::Pin<Box<S>>,
        buffer: Vec<u8>,
        start: usize,
        line: u64,
        finished: bool,
    }
    let state = Lines {
        bytes: Box::pin(bytes),
        buffer: Vec::new(),
        start: 0,
        line: 0,
        finished: false,
    };
    stream::unfold(state, |mut st| async move {
        loop {
            if st.finished && st.start >= st.buffer.len() {
                return None;
            }
            let unread = st.buffer.get(st.start..).unwrap_or_default();
            let newline = unread.iter().position(|b| *b == b'\n');
            let line_end = match newline {
                Some(pos) => Some(st.start + pos),
                None if st.finished => Some(st.buffer.len()),
                None => None,
            };
            if let Some(end) = line_end {
                st.line += 1;
                let raw = st.buffer.get(st.start..end).unwrap_or_default();
                st.start = (end + 1).min(st.buffer.len());
                let trimmed = raw.trim_ascii();
                if trimmed.is_empty() {
                    continue;
                }
                let parsed = serde_json::from_slice::<T>(trimmed).map_err(|e| Error::BulkLine {
                    line: st.line,
                    reason: "the line does not decode".to_owned(),
                    source: Some(e),
                });
                if parsed.is_err() {
                    st.finished = true;
                    st.start = st.buffer.len();
                }
                return Some((parsed, st));
            }
            if unread.len() > MAX_LINE_BYTES {
                st.finished = true;
                st.start = st.buffer.len();
                let e = Error::BulkLine {
                    line: st.line + 1,
                    reason: format!("line longer than {MAX_LINE_BYTES} bytes"),
                    source: None,
                };
                return Some((Err(e), st));
            }
            match st.bytes.next().await {
                Some(Ok(chunk)) => {
                    // Drop consumed bytes before growing the buffer.
                    st.buffer.drain(..st.start);
                    st.start = 0;
                    st.buffer.extend_from_slice(&chunk);
                }
                Some(Err(e)) => {
                    st.finished = true;
                    st.start = st.buffer.len();
                    return Some((Err(e), st));
                }
                None => st.finished = true,
            }
        }
    })
    .boxed()
}

/// Groups decoded JSONL objects under their root (the lines without `__parentId`), as
/// [`Client::bulk_nodes`] does. A child that does not follow its parent ends the stream with
/// [`Error::BulkLine`].
pub fn group_by_parent<S>(lines: S) -> impl Stream<Item = Result<BulkNode, Error>> + Send
where
    S: Stream<Item = Result<serde_json::Value, Error>> + Send + Unpin + 'static,
{
    struct Group<S> {
        lines: S,
        current: Option<BulkNode>,
        ids: std::collections::HashSet<String>,
        line: u64,
        done: bool,
    }
    let state = Group {
        lines,
        current: None,
        ids: std::collections::HashSet::new(),
        line: 0,
        done: false,
    };
    stream::unfold(state, |mut st| async move {
        if st.done {
            return None;
        }
        loop {
            match st.lines.next().await {
                None => {
                    st.done = true;
                    return st.current.take().map(|node| (Ok(node), st));
                }
                Some(Err(e)) => {
                    st.done = true;
                    return Some((Err(e), st));
                }
                Some(Ok(object)) => {
                    st.line += 1;
                    let id = object.get("id").and_then(|v| v.as_str()).map(str::to_owned);
                    match object.get("__parentId").and_then(|v| v.as_str()) {
                        None => {
                            st.ids.clear();
                            st.ids.extend(id);
                            let finished = st.current.replace(BulkNode {
                                object,
                                children: Vec::new(),
                            });
                            if let Some(node) = finished {
                                return Some((Ok(node), st));
                            }
                        }
                        Some(parent) => {
                            let belongs = st.ids.contains(parent);
                            match (&mut st.current, belongs) {
                                (Some(node), true) => {
                                    st.ids.extend(id);
                                    node.children.push(object);
                                }
                                _ => {
                                    st.done = true;
                                    let e = Error::BulkLine {
                                        line: st.line,
                                        reason: format!(
                                            "child of {parent} does not follow its parent"
                                        ),
                                        source: None,
                                    };
                                    return Some((Err(e), st));
                                }
                            }
                        }
                    }
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(parts: &[&str]) -> impl Stream<Item = Result<Bytes, Error>> + Send + 'static {
        let owned: Vec<Result<Bytes, Error>> = parts
            .iter()
            .map(|p| Ok(Bytes::copy_from_slice(p.as_bytes())))
            .collect();
        stream::iter(owned)
    }

    #[tokio::test]
    async fn lines_split_across_chunks_and_without_final_newline() {
        let s = jsonl_lines::<serde_json::Value, _>(chunks(&[
            "{\"a\":",
            "1}\n\n{\"a\"",
            ":2}\n{\"a\":3}",
        ]));
        let out: Vec<_> = s.map(|r| r.unwrap()["a"].as_i64().unwrap()).collect().await;
        assert_eq!(out, vec![1, 2, 3]);
    }

    #[tokio::test]
    async fn bad_line_names_its_number_and_ends_the_stream() {
        let s = jsonl_lines::<serde_json::Value, _>(chunks(&["{}\n{}\nnot json\n{}\n"]));
        let out: Vec<_> = s.collect().await;
        assert_eq!(out.len(), 3);
        match &out[2] {
            Err(Error::BulkLine { line, .. }) => assert_eq!(*line, 3),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn groups_children_and_grandchildren_under_their_root() {
        let text = concat!(
            r#"{"id":"gid:\/\/shopify\/Product\/1"}"#,
            "\n",
            r#"{"id":"gid:\/\/shopify\/ProductVariant\/11","__parentId":"gid:\/\/shopify\/Product\/1"}"#,
            "\n",
            r#"{"id":"gid:\/\/shopify\/ProductVariantComponent\/111","__parentId":"gid:\/\/shopify\/ProductVariant\/11"}"#,
            "\n",
            r#"{"id":"gid:\/\/shopify\/Product\/2"}"#,
            "\n",
        );
        let lines = jsonl_lines::<serde_json::Value, _>(chunks(&[text]));
        let nodes: Vec<_> = group_by_parent(lines).map(|r| r.unwrap()).collect().await;
        assert_eq!(nodes.len(), 2);
        assert_eq!(nodes[0].object["id"], "gid://shopify/Product/1");
        assert_eq!(nodes[0].children.len(), 2);
        assert!(nodes[1].children.is_empty());
    }

    #[tokio::test]
    async fn orphan_child_is_an_error_not_a_drop() {
        let text = concat!(
            r#"{"id":"gid://shopify/Product/1"}"#,
            "\n",
            r#"{"id":"gid://shopify/ProductVariant/9","__parentId":"gid://shopify/Product/7"}"#,
            "\n",
        );
        let lines = jsonl_lines::<serde_json::Value, _>(chunks(&[text]));
        let out: Vec<_> = group_by_parent(lines).collect().await;
        match out.last() {
            Some(Err(Error::BulkLine { line, reason, .. })) => {
                assert_eq!(*line, 2);
                assert!(reason.contains("gid://shopify/Product/7"));
            }
            other => panic!("{other:?}"),
        }
    }
}
