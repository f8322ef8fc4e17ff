//! Bulk operations.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};

use crate::shopify::ids::BulkOperationId;
use crate::wire_enum::wire_enum;

wire_enum!(
    /// `BulkOperationStatus`.
    BulkOperationStatus {
        /// Canceled.
        Canceled => "CANCELED",
        /// Being canceled.
        Canceling => "CANCELING",
        /// Finished; `url` holds the result.
        Completed => "COMPLETED",
        /// Created, not started.
        Created => "CREATED",
        /// The result expired (seven days after completion).
        Expired => "EXPIRED",
        /// Failed; see `errorCode` and `partialDataUrl`.
        Failed => "FAILED",
        /// Running.
        Running => "RUNNING",
    }
);

impl BulkOperationStatus {
    /// Whether the operation will not change any more.
    #[must_use]
    pub fn is_terminal(&self) -> bool {
        match self {
            Self::Canceled | Self::Completed | Self::Expired | Self::Failed => true,
            Self::Canceling | Self::Created | Self::Running => false,
            // An unknown status is not assumed final: polling goes on until the timeout.
            Self::Unknown(_) => false,
        }
    }
}

/// A bulk operation's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BulkOperation {
    /// The operation's ID.
    pub id: BulkOperationId,
    /// Its status.
    pub status: BulkOperationStatus,
    /// Why it failed (`ACCESS_DENIED`, `INTERNAL_SERVER_ERROR`, `TIMEOUT`).
    #[serde(default)]
    pub error_code: Option<String>,
    /// Objects written so far.
    #[serde(deserialize_with = "u64_string")]
    pub object_count: u64,
    /// Root objects written so far.
    #[serde(deserialize_with = "u64_string")]
    pub root_object_count: u64,
    /// Result size in bytes.
    #[serde(default, deserialize_with = "opt_u64_string")]
    pub file_size: Option<u64>,
    /// Result URL (expires seven days after completion); `None` for an empty result.
    #[serde(default)]
    pub url: Option<String>,
    /// Partial result of a failed operation.
    #[serde(default)]
    pub partial_data_url: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Completion time.
    #[serde(default)]
    pub completed_at: Option<DateTime<Utc>>,
}

/// `UnsignedInt64` arrives as a string of digits; accept a number too.
fn u64_string<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        S(String),
        N(u64),
    }
    match Either::deserialize(d)? {
        Either::S(s) => s.parse().map_err(serde::de::Error::custom),
        Either::N(n) => Ok(n),
    }
}

fn opt_u64_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    struct Wrap(#[serde(deserialize_with = "u64_string")] u64);
    Ok(Option::<Wrap>::deserialize(d)?.map(|w| w.0))
}
