//! Ports: the small traits through which flows read and write state the application owns.
//!
//! Each port is an object-safe `#[async_trait]` trait, `Send + Sync`, so an application can hold
//! `Arc<dyn DedupStore>` and swap an in-memory implementation (tests, single-process demos) for
//! one over its own database. The crate ships the in-memory implementations; the embedding
//! application owns persistence.
//!
//! # Deduplicating webhook deliveries: [`DedupStore`]
//!
//! Shopify delivers each event at least once, in no particular order, and retries a failed
//! delivery for 4 hours with the original payload. A receiver therefore asks a [`DedupStore`]
//! about every verified delivery, in one atomic step that also records it:
//!
//! - [`DedupVerdict::New`]: first time this event id is seen, and the resource's `updated_at`
//!   (if any) is not older than what was already applied: enqueue it.
//! - [`DedupVerdict::Duplicate`]: this event id was already recorded: acknowledge and drop.
//! - [`DedupVerdict::Stale`]: a new event id, but the resource has already been seen at a later
//!   `updated_at`: acknowledge and drop (the newer event already rang the doorbell). The event
//!   id *is* recorded, so its own retries come back as duplicates.
//!
//! An equal `updated_at` is not stale: distinct topics (`orders/updated` and `orders/paid`) often
//! carry the same timestamp and each may matter. Deliveries without `updated_at` are never
//! stale. When the receiver cannot enqueue a recorded event, it calls
//! [`DedupStore::forget`] and answers with an error status, so that Shopify's retry is accepted
//! as new.
//!
//! ## Implementing it over Redis or SQL
//!
//! The contract is one atomic check-and-record per delivery, with entries kept for at least
//! the retention window (Shopify retries for 4 hours; deliveries have been seen a day late, so
//! 24 hours is a sound default):
//!
//! - **Redis**: a Lua script (atomic) that runs `SET {event_key} {now} NX EX {retention}`; if the
//!   key existed, answer `Duplicate`. Otherwise, when the entry has a resource and `updated_at`,
//!   read `{resource_key}`; if it holds a later timestamp answer `Stale`, else
//!   `SET {resource_key} {updated_at} EX {retention}` and answer `New`. `forget` is `DEL
//!   {event_key}`.
//! - **SQL**: tables `webhook_events(event_key PRIMARY KEY, seen_at)` and
//!   `resource_versions(resource_key PRIMARY KEY, updated_at, touched_at)`. In one transaction:
//!   `INSERT INTO webhook_events ... ON CONFLICT DO NOTHING` (zero rows inserted means
//!   `Duplicate`); then `SELECT updated_at ... FOR UPDATE` on the resource row to decide `Stale`,
//!   or upsert it with the greater timestamp. A periodic `DELETE ... WHERE seen_at < now -
//!   retention` keeps both tables bounded. `forget` deletes the event row.
//!
//! Either way, keys are the strings in [`DedupEntry`]: they already include the shop, so one
//! store serves many shops.
//!
//! # Applying order edits and cancellations: [`SaleOrderChanges`]
//!
//! Amends or cancels a Stokly sale order as [`crate::domain::order_change`] decided;
//! [`RecordingSaleOrderChanges`] only records the calls.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, PoisonError};

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::shopify::webhooks::{DedupSource, WebhookEvent};

pub use super::posting::{
    Claim, CustomerClaims, CustomerKey, CustomerPort, InMemoryPostingLedger, PortError,
    PostingLedger, SaleOrderPort,
};

/// The time, and waiting for it: the one clock a driver of a pure protocol reads (the domain
/// itself never reads the clock; its functions take `now`).
///
/// [`SystemClock`](crate::adapters::exactly_once::SystemClock) follows the system's time and
/// sleeps on the runtime's timer; a test or the sandbox can pass a clock of its own.
#[async_trait]
pub trait Clock: Send + Sync {
    /// Now.
    fn now(&self) -> DateTime<Utc>;

    /// Returns once [`Clock::now`] has reached `until` (at once when it has).
    async fn sleep_until(&self, until: DateTime<Utc>);
}

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

/// A [`DedupStore`] could not answer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DedupError {
    /// The backing store failed (connection, timeout, constraint).
    #[error("dedup store failed during {operation}")]
    Backend {
        /// What was being done (`record`, `forget`).
        operation: &'static str,
        /// The backend's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl DedupError {
    /// Whether trying again may succeed (backend failures are assumed transient). A receiver
    /// answers 5xx so Shopify retries the delivery.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Backend { .. } => true,
        }
    }
}

/// Remembers which deliveries were seen and which resource versions were applied.
#[async_trait]
pub trait DedupStore: Send + Sync {
    /// Atomically checks the entry and records it; see the [module docs](self) for the rules.
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

/// How long [`InMemoryDedupStore`] remembers entries by default: 24 hours, covering Shopify's
/// 4-hour retry window with room for late deliveries.
pub const DEFAULT_RETENTION: TimeDelta = TimeDelta::hours(24);

/// How many event keys [`InMemoryDedupStore`] keeps at most by default.
pub const DEFAULT_MAX_EVENTS: usize = 100_000;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Key {
    Event(String),
    Resource(String),
}

#[derive(Debug, Clone, Copy)]
struct Version {
    updated_at: DateTime<Utc>,
    touched_at: DateTime<Utc>,
}

#[derive(Debug, Default)]
struct State {
    events: HashMap<String, DateTime<Utc>>,
    resources: HashMap<String, Version>,
    /// Insertion order, for eviction: every record pushes its keys with `now`. A resource
    /// touched again leaves an outdated entry behind, recognised by its time and skipped.
    order: VecDeque<(DateTime<Utc>, Key)>,
}

impl State {
    fn pop_oldest(&mut self) -> bool {
        let Some((at, key)) = self.order.pop_front() else {
            return false;
        };
        match key {
            Key::Event(k) => {
                if self.events.get(&k) == Some(&at) {
                    self.events.remove(&k);
                }
            }
            Key::Resource(k) => {
                if self.resources.get(&k).is_some_and(|v| v.touched_at == at) {
                    self.resources.remove(&k);
                }
            }
        }
        true
    }

    fn evict(&mut self, now: DateTime<Utc>, retention: TimeDelta, max_events: usize) {
        if let Some(cutoff) = now.checked_sub_signed(retention) {
            while self.order.front().is_some_and(|(at, _)| *at < cutoff) {
                self.pop_oldest();
            }
        }
        while self.events.len() > max_events {
            if !self.pop_oldest() {
                break;
            }
        }
    }

    fn record(&mut self, entry: &DedupEntry, now: DateTime<Utc>) -> DedupVerdict {
        if self.events.contains_key(&entry.event_key) {
            return DedupVerdict::Duplicate;
        }
        self.events.insert(entry.event_key.clone(), now);
        self.order
            .push_back((now, Key::Event(entry.event_key.clone())));

        let (Some(resource), Some(updated_at)) = (&entry.resource_key, entry.updated_at) else {
            return DedupVerdict::New;
        };
        let applied = self.resources.get(resource).map(|v| v.updated_at);
        if let Some(applied) = applied {
            if updated_at < applied {
                return DedupVerdict::Stale { applied };
            }
        }
        self.resources.insert(
            resource.clone(),
            Version {
                updated_at,
                touched_at: now,
            },
        );
        self.order.push_back((now, Key::Resource(resource.clone())));
        DedupVerdict::New
    }
}

/// A [`DedupStore`] in process memory, for tests, demos and single-instance receivers.
///
/// Bounded two ways: entries older than the retention window (measured with the `now` passed
/// to [`DedupStore::record`]) are evicted, and past `max_events` event keys the oldest go
/// first. Evicting early weakens deduplication, so size `max_events` above the deliveries
/// expected within the window. State is lost on restart and not shared between processes;
/// production receivers implement the port over a shared store (see the module docs).
///
/// Eviction assumes `now` does not go backwards by much; if it does, entries simply live longer.
#[derive(Debug)]
pub struct InMemoryDedupStore {
    retention: TimeDelta,
    max_events: usize,
    state: Mutex<State>,
}

impl Default for InMemoryDedupStore {
    fn default() -> Self {
        Self::new()
    }
}

impl InMemoryDedupStore {
    /// A store with [`DEFAULT_RETENTION`] and [`DEFAULT_MAX_EVENTS`].
    #[must_use]
    pub fn new() -> Self {
        Self {
            retention: DEFAULT_RETENTION,
            max_events: DEFAULT_MAX_EVENTS,
            state: Mutex::new(State::default()),
        }
    }

    /// Sets how long entries are remembered. Anything shorter than Shopify's 4-hour retry
    /// window lets late retries through as new; negative values count as zero.
    #[must_use]
    pub fn with_retention(mut self, retention: TimeDelta) -> Self {
        self.retention = retention.max(TimeDelta::zero());
        self
    }

    /// Sets the most event keys kept (at least 1).
    #[must_use]
    pub fn with_max_events(mut self, max_events: usize) -> Self {
        self.max_events = max_events.max(1);
        self
    }

    /// The retention window.
    #[must_use]
    pub fn retention(&self) -> TimeDelta {
        self.retention
    }

    /// How many event keys are remembered now.
    #[must_use]
    pub fn event_count(&self) -> usize {
        self.lock().events.len()
    }

    /// How many resource versions are remembered now.
    #[must_use]
    pub fn resource_count(&self) -> usize {
        self.lock().resources.len()
    }

    /// The synchronous core of [`DedupStore::record`].
    pub fn record_now(&self, entry: &DedupEntry, now: DateTime<Utc>) -> DedupVerdict {
        let mut state = self.lock();
        state.evict(now, self.retention, self.max_events);
        let verdict = state.record(entry, now);
        state.evict(now, self.retention, self.max_events);
        verdict
    }

    /// The synchronous core of [`DedupStore::forget`].
    pub fn forget_now(&self, event_key: &str) {
        self.lock().events.remove(event_key);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state is consistent after every statement, so a panic elsewhere while the lock
        // was held leaves nothing half-written.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl DedupStore for InMemoryDedupStore {
    async fn record(
        &self,
        entry: &DedupEntry,
        now: DateTime<Utc>,
    ) -> Result<DedupVerdict, DedupError> {
        Ok(self.record_now(entry, now))
    }

    async fn forget(&self, event_key: &str) -> Result<(), DedupError> {
        self.forget_now(event_key);
        Ok(())
    }
}

// ----- Applying edits and cancellations to Stokly sale orders -----

/// A [`SaleOrderChanges`] call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SaleOrderChangeError {
    /// Stokly refused the change (the order cannot be changed, the body is not accepted):
    /// repeating it will not help; the change needs a person.
    #[error("sale-order change refused during {operation}")]
    Refused {
        /// What was being done (`amend`, `cancel`).
        operation: &'static str,
        /// The cause.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The call failed on the way (transport, timeout, throttling, 5xx) and nothing was
    /// applied, so repeating it is safe.
    #[error("sale-order change failed during {operation}")]
    Backend {
        /// What was being done (`amend`, `cancel`).
        operation: &'static str,
        /// The cause.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl SaleOrderChangeError {
    /// Whether trying again may succeed. An implementation that cannot tell whether part of
    /// an amendment was applied answers [`Self::Refused`], so nothing is applied twice.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Refused { .. } => false,
            Self::Backend { .. } => true,
        }
    }
}

/// Applies the decisions of [`crate::domain::order_change`] to Stokly sale orders.
///
/// Stokly's endpoints for amending and cancelling an order are not in the public evidence;
/// the implementation over the Stokly client takes its paths from
/// [`InferredEndpoints`](crate::stokly::InferredEndpoints).
#[async_trait]
pub trait SaleOrderChanges: Send + Sync {
    /// Makes every amendment to `sale_order`, in order.
    ///
    /// # Errors
    /// [`SaleOrderChangeError`] when Stokly refuses or cannot be reached.
    async fn amend(
        &self,
        sale_order: &crate::stokly::SaleOrderId,
        amendments: &[crate::domain::order_change::OrderAmendment],
    ) -> Result<(), SaleOrderChangeError>;

    /// Cancels `sale_order`.
    ///
    /// # Errors
    /// [`SaleOrderChangeError`] when Stokly refuses or cannot be reached.
    async fn cancel(
        &self,
        sale_order: &crate::stokly::SaleOrderId,
        cancellation: &crate::domain::order_change::Cancellation,
    ) -> Result<(), SaleOrderChangeError>;
}

/// One call a [`RecordingSaleOrderChanges`] received.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "call", rename_all = "snake_case")]
#[non_exhaustive]
pub enum SaleOrderChangeCall {
    /// [`SaleOrderChanges::amend`].
    Amend {
        /// The sale order.
        sale_order: crate::stokly::SaleOrderId,
        /// The amendments.
        amendments: Vec<crate::domain::order_change::OrderAmendment>,
    },
    /// [`SaleOrderChanges::cancel`].
    Cancel {
        /// The sale order.
        sale_order: crate::stokly::SaleOrderId,
        /// Why.
        cancellation: crate::domain::order_change::Cancellation,
    },
}

/// A [`SaleOrderChanges`] that only records the calls it receives, for tests and dry runs.
#[derive(Debug, Default)]
pub struct RecordingSaleOrderChanges {
    calls: Mutex<Vec<SaleOrderChangeCall>>,
}

impl RecordingSaleOrderChanges {
    /// An empty recorder.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The calls received so far, in order.
    #[must_use]
    pub fn calls(&self) -> Vec<SaleOrderChangeCall> {
        self.calls
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn push(&self, call: SaleOrderChangeCall) {
        self.calls
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(call);
    }
}

#[async_trait]
impl SaleOrderChanges for RecordingSaleOrderChanges {
    async fn amend(
        &self,
        sale_order: &crate::stokly::SaleOrderId,
        amendments: &[crate::domain::order_change::OrderAmendment],
    ) -> Result<(), SaleOrderChangeError> {
        self.push(SaleOrderChangeCall::Amend {
            sale_order: sale_order.clone(),
            amendments: amendments.to_vec(),
        });
        Ok(())
    }

    async fn cancel(
        &self,
        sale_order: &crate::stokly::SaleOrderId,
        cancellation: &crate::domain::order_change::Cancellation,
    ) -> Result<(), SaleOrderChangeError> {
        self.push(SaleOrderChangeCall::Cancel {
            sale_order: sale_order.clone(),
            cancellation: cancellation.clone(),
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(hour: u32, minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, hour, minute, 0).unwrap()
    }

    fn entry(event: &str, resource: Option<&str>, updated: Option<DateTime<Utc>>) -> DedupEntry {
        DedupEntry::new(event, resource.map(str::to_owned), updated)
    }

    #[test]
    fn first_delivery_is_new_and_its_copy_is_duplicate() {
        let store = InMemoryDedupStore::new();
        let e = entry("s/event:1", Some("s/gid://shopify/Order/1"), Some(at(9, 0)));
        assert_eq!(store.record_now(&e, at(10, 0)), DedupVerdict::New);
        assert_eq!(store.record_now(&e, at(10, 1)), DedupVerdict::Duplicate);
        assert_eq!(store.event_count(), 1);
    }

    #[test]
    fn older_version_of_a_resource_is_stale_and_then_duplicate() {
        let store = InMemoryDedupStore::new();
        let order = Some("s/gid://shopify/Order/1");
        let newer = entry("s/event:new", order, Some(at(9, 30)));
        let older = entry("s/event:old", order, Some(at(9, 0)));
        assert_eq!(store.record_now(&newer, at(10, 0)), DedupVerdict::New);
        assert_eq!(
            store.record_now(&older, at(10, 1)),
            DedupVerdict::Stale { applied: at(9, 30) }
        );
        // The stale event's retry is a plain duplicate.
        assert_eq!(store.record_now(&older, at(10, 2)), DedupVerdict::Duplicate);
    }

    #[test]
    fn equal_version_and_missing_version_are_never_stale() {
        let store = InMemoryDedupStore::new();
        let order = Some("s/gid://shopify/Order/1");
        let t = Some(at(9, 0));
        assert_eq!(
            store.record_now(&entry("a", order, t), at(10, 0)),
            DedupVerdict::New
        );
        assert_eq!(
            store.record_now(&entry("b", order, t), at(10, 0)),
            DedupVerdict::New
        );
        assert_eq!(
            store.record_now(&entry("c", order, None), at(10, 0)),
            DedupVerdict::New
        );
        assert_eq!(
            store.record_now(&entry("d", None, Some(at(1, 0))), at(10, 0)),
            DedupVerdict::New
        );
    }

    #[test]
    fn stale_does_not_lower_the_applied_version() {
        let store = InMemoryDedupStore::new();
        let order = Some("s/gid://shopify/Order/1");
        store.record_now(&entry("a", order, Some(at(9, 30))), at(10, 0));
        store.record_now(&entry("b", order, Some(at(9, 0))), at(10, 0));
        assert_eq!(
            store.record_now(&entry("c", order, Some(at(9, 10))), at(10, 0)),
            DedupVerdict::Stale { applied: at(9, 30) }
        );
    }

    #[test]
    fn resources_are_independent() {
        let store = InMemoryDedupStore::new();
        store.record_now(&entry("a", Some("r1"), Some(at(9, 30))), at(10, 0));
        assert_eq!(
            store.record_now(&entry("b", Some("r2"), Some(at(9, 0))), at(10, 0)),
            DedupVerdict::New
        );
    }

    #[test]
    fn entries_expire_after_the_retention_window() {
        let store = InMemoryDedupStore::new().with_retention(TimeDelta::hours(4));
        let e = entry("a", Some("r"), Some(at(1, 0)));
        assert_eq!(store.record_now(&e, at(2, 0)), DedupVerdict::New);
        // Exactly at the edge of the window the entry is still remembered.
        assert_eq!(store.record_now(&e, at(6, 0)), DedupVerdict::Duplicate);
        assert_eq!(store.event_count(), 1);
        // One minute past it, both the event and the resource version are gone.
        let other = entry("b", Some("r"), Some(at(0, 30)));
        assert_eq!(store.record_now(&other, at(6, 1)), DedupVerdict::New);
        assert_eq!(store.event_count(), 1);
        assert_eq!(store.record_now(&e, at(6, 2)), DedupVerdict::New);
    }

    #[test]
    fn touched_resource_outlives_its_first_queue_entry() {
        let store = InMemoryDedupStore::new().with_retention(TimeDelta::hours(1));
        store.record_now(&entry("a", Some("r"), Some(at(1, 0))), at(1, 0));
        store.record_now(&entry("b", Some("r"), Some(at(1, 50))), at(1, 50));
        // At 2:10 the first touch (1:00) has expired, the second (1:50) has not.
        assert_eq!(
            store.record_now(&entry("c", Some("r"), Some(at(1, 20))), at(2, 10)),
            DedupVerdict::Stale { applied: at(1, 50) }
        );
        assert_eq!(store.resource_count(), 1);
    }

    #[test]
    fn capacity_evicts_the_oldest_events() {
        let store = InMemoryDedupStore::new().with_max_events(2);
        for (i, key) in ["a", "b", "c"].into_iter().enumerate() {
            let now = at(10, u32::try_from(i).unwrap());
            assert_eq!(
                store.record_now(&entry(key, None, None), now),
                DedupVerdict::New
            );
        }
        assert_eq!(store.event_count(), 2);
        assert_eq!(
            store.record_now(&entry("c", None, None), at(10, 5)),
            DedupVerdict::Duplicate
        );
        // "a" was evicted to make room, so it counts as new again.
        assert_eq!(
            store.record_now(&entry("a", None, None), at(10, 6)),
            DedupVerdict::New
        );
    }

    #[test]
    fn forget_lets_the_retry_in() {
        let store = InMemoryDedupStore::new();
        let e = entry("a", Some("r"), Some(at(9, 0)));
        assert_eq!(store.record_now(&e, at(10, 0)), DedupVerdict::New);
        store.forget_now("a");
        assert_eq!(store.record_now(&e, at(10, 1)), DedupVerdict::New);
        assert_eq!(store.record_now(&e, at(10, 2)), DedupVerdict::Duplicate);
    }

    #[test]
    fn negative_retention_counts_as_zero() {
        let store = InMemoryDedupStore::new().with_retention(TimeDelta::hours(-3));
        assert_eq!(store.retention(), TimeDelta::zero());
        let e = entry("a", None, None);
        assert_eq!(store.record_now(&e, at(10, 0)), DedupVerdict::New);
        assert_eq!(store.record_now(&e, at(10, 0)), DedupVerdict::Duplicate);
        assert_eq!(store.record_now(&e, at(10, 1)), DedupVerdict::New);
    }

    #[test]
    fn port_is_object_safe_and_async() {
        let store: std::sync::Arc<dyn DedupStore> = std::sync::Arc::new(InMemoryDedupStore::new());
        let e = entry("a", None, None);
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let first = rt.block_on(store.record(&e, at(10, 0))).unwrap();
        let second = rt.block_on(store.record(&e, at(10, 0))).unwrap();
        rt.block_on(store.forget("a")).unwrap();
        let third = rt.block_on(store.record(&e, at(10, 0))).unwrap();
        assert_eq!(
            (first, second, third),
            (
                DedupVerdict::New,
                DedupVerdict::Duplicate,
                DedupVerdict::New
            )
        );
    }

    #[test]
    fn verdict_serialises_with_a_tag() {
        let json = serde_json::to_string(&DedupVerdict::Stale { applied: at(9, 0) }).unwrap();
        assert_eq!(
            json,
            r#"{"verdict":"stale","applied":"2026-03-01T09:00:00Z"}"#
        );
    }
}
