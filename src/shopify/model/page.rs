//! Cursor-paginated connections.

use serde::{Deserialize, Serialize};

/// A connection's `pageInfo`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PageInfo {
    /// Whether another page follows.
    pub has_next_page: bool,
    /// The cursor to pass as `after` for the next page.
    #[serde(default)]
    pub end_cursor: Option<String>,
}

/// A connection read with `nodes` and `pageInfo`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Connection<T> {
    /// The page's nodes.
    pub nodes: Vec<T>,
    /// Where the next page starts.
    #[serde(default)]
    pub page_info: PageInfo,
}

impl<T> Default for Connection<T> {
    fn default() -> Self {
        Self {
            nodes: Vec::new(),
            page_info: PageInfo::default(),
        }
    }
}
