//! Stokly's response envelopes: list `{data: [...], metadata: {count}}`, single `{data: {...}}`,
//! create `{data: {id}}`, error `{message}`.

use serde::{Deserialize, Serialize};

use super::lenient;

/// One page of a list, as [`Client::page_at`](crate::stokly::Client::page_at) and
/// [`Client::pages_at`](crate::stokly::Client::pages_at) return it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Page<T> {
    /// The rows.
    pub items: Vec<T>,
    /// `metadata.count`: rows matching the filter in all pages, when Stokly said.
    pub count: Option<u64>,
    /// The page number (0-based).
    pub page: u32,
    /// The page size asked for.
    pub size: u32,
}

/// `{data: [...], metadata: {count}}`, rows kept raw for the pagination guards.
#[derive(Debug, Deserialize)]
pub(crate) struct ListEnvelope {
    #[serde(default)]
    pub(crate) data: Option<Vec<serde_json::Value>>,
    #[serde(default)]
    pub(crate) metadata: Option<Metadata>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Metadata {
    #[serde(default, with = "lenient::option_u64")]
    pub(crate) count: Option<u64>,
}

/// `{data: T}`.
#[derive(Debug, Deserialize)]
pub(crate) struct DataEnvelope<T> {
    pub(crate) data: T,
}

/// `data` of a create answer: `{id}`.
#[derive(Debug, Deserialize)]
pub(crate) struct CreatedData {
    #[serde(with = "id_text")]
    pub(crate) id: String,
}

/// `{message}` of an error answer.
#[derive(Debug, Deserialize, Serialize)]
pub(crate) struct ErrorBody {
    #[serde(default)]
    pub(crate) message: Option<String>,
}

mod id_text {
    use serde::Deserializer;

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        super::lenient::option_text::deserialize(d)?
            .ok_or_else(|| serde::de::Error::custom("id is null"))
    }
}
