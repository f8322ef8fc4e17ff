//! The webhook deduplication port (see the [module docs](super) for its rules and for
//! implementations over Redis or SQL).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::PortError;
use crate::shopify::webhooks::{DedupSource, WebhookEvent};

/// What a [`DedupStore`] is asked about one delivery.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DedupEntry {
    /// The delivery's identity (`{shop}/event:{event id}`), the same on every duplicate.
    pub event_key: String,
    /// The resource the delivery is about (`{shop}/{gid}`), for detecting stale deliveries.
    pub resource_key: Option<String>,
    /// The resource's version in this delivery (the body's `updated_at`).
    pub updated_at: Option<DateTime<Utc>>,
}

impl DedupEntry {
    /// An entry from its parts.
    #[must_use]
    pub fn new(
        event_key: impl Into<String>,
        resource_key: Option<String>,
        updated_at: Option<DateTime<Utc>>,
    ) -> Self {
        Self {
            event_key: event_key.into(),
            resource_key,
            updated_at,
        }
    }
}

impl From<&WebhookEvent> for DedupEntry {
    /// Keys scoped by shop: `{shop}/event:{id}` (or `{shop}/webhook:{id}` when the delivery had
    /// no event id) and `{shop}/{admin_graphql_api_id}`.
    fn from(event: &WebhookEvent) -> Self {
        let shop = event.shop_domain();
        let dedup = event.dedup_id();
        let kind = match dedup.source() {
            DedupSource::EventId => "event",
            DedupSource::WebhookId => "webhook",
        };
        Self {
            event_key: format!("{shop}/{kind}:{}", dedup.as_str()),
            resource_key: event.resource_gid().map(|gid| format!("{shop}/{gid}")),
            updated_at: event.updated_at(),
        }
    }
}

/// A [`DedupStore`]'s answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum DedupVerdict {
    /// Not seen before and not older than the applied state: process it.
    New,
    /// This event was already recorded: drop it.
    Duplicate,
    /// A new event about a resource already seen at a later version: drop it.
    Stale {
        /// The latest `updated_at` recorded for the resource.
        applied: DateTime<Utc>,
    },
}

/// A [`DedupStore`] could not answer: the one port error, with
/// [`PortOperation::DedupRecord`](super::PortOperation::DedupRecord) or
/// [`PortOperation::DedupForget`](super::PortOperation::DedupForget) as its operation, and
/// [`PortError::Unavailable`] for a failing backend (retryable: a receiver answers 5xx so that
/// Shopify retries the delivery).
pub type DedupError = PortError;

/// Remembers which deliveries were seen and which resource versions were applied.
#[async_trait]
pub trait DedupStore: Send + Sync {
    /// Atomically checks the entry and records it; see the [module docs](super) for the rules.
    ///
    /// # Errors
    /// [`DedupError`] when the backing store fails; nothing is recorded then.
    async fn record(
        &self,
        entry: &DedupEntry,
        now: DateTime<Utc>,
    ) -> Result<DedupVerdict, DedupError>;

    /// Forgets an event key, so its next delivery counts as new (call it when a recorded
    /// event could not be enqueued). Resource versions are kept.
    ///
    /// # Errors
    /// [`DedupError`] when the backing store fails.
    async fn forget(&self, event_key: &str) -> Result<(), DedupError>;
}
