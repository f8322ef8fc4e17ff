//! The in-memory implementations of the ports, together: for tests, demos and a single
//! process that works alone. Each forgets everything on restart.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};

use super::{
    Claim, DedupEntry, DedupStore, DedupVerdict, LedgerRecordId, PortError, PostingLedger,
    SaleOrderChangeCall, SaleOrderChangeError, SaleOrderChanges,
};

// ----- Webhook deduplication -----

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
    ) -> Result<DedupVerdict, PortError> {
        Ok(self.record_now(entry, now))
    }

    async fn forget(&self, event_key: &str) -> Result<(), PortError> {
        self.forget_now(event_key);
        Ok(())
    }
}

// ----- The posting ledger -----

#[derive(Debug, Clone, Default)]
struct LedgerEntry {
    posted: Option<LedgerRecordId>,
    uncertain_since: Option<DateTime<Utc>>,
    lease_until: Option<DateTime<Utc>>,
}

/// A [`PostingLedger`] in memory: for tests, and for a single process that posts alone. It
/// forgets everything on restart (the look-up of the exactly-once protocol still prevents
/// duplicates then, outside the visibility window).
#[derive(Debug, Default)]
pub struct InMemoryPostingLedger {
    entries: Mutex<HashMap<String, LedgerEntry>>,
}

impl InMemoryPostingLedger {
    /// An empty ledger.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The record ID noted for `key`, if any.
    #[must_use]
    pub fn posted_as(&self, key: &str) -> Option<LedgerRecordId> {
        self.lock().get(key).and_then(|e| e.posted.clone())
    }

    /// Keys recorded as posted.
    #[must_use]
    pub fn posted_count(&self) -> usize {
        self.lock().values().filter(|e| e.posted.is_some()).count()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, LedgerEntry>> {
        // Every statement leaves the map consistent, so a poisoned lock holds nothing
        // half-written.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// [`PostingLedger::claim`], synchronously.
    pub fn claim_now(&self, key: &str, now: DateTime<Utc>, lease: Duration) -> Claim {
        let mut entries = self.lock();
        let entry = entries.entry(key.to_owned()).or_default();
        if let Some(record) = &entry.posted {
            return Claim::Posted {
                record: record.clone(),
            };
        }
        if let Some(until) = entry.lease_until.filter(|until| *until > now) {
            return Claim::Busy { until };
        }
        let lease = TimeDelta::from_std(lease).unwrap_or(TimeDelta::MAX);
        entry.lease_until = Some(
            now.checked_add_signed(lease)
                .unwrap_or(DateTime::<Utc>::MAX_UTC),
        );
        Claim::Acquired {
            uncertain_since: entry.uncertain_since,
        }
    }
}

#[async_trait]
impl PostingLedger for InMemoryPostingLedger {
    async fn claim(
        &self,
        key: &str,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<Claim, PortError> {
        Ok(self.claim_now(key, now, lease))
    }

    async fn posted(&self, key: &str, record: &LedgerRecordId) -> Result<(), PortError> {
        let mut entries = self.lock();
        let entry = entries.entry(key.to_owned()).or_default();
        entry.posted = Some(record.clone());
        entry.lease_until = None;
        Ok(())
    }

    async fn release(
        &self,
        key: &str,
        uncertain_since: Option<DateTime<Utc>>,
    ) -> Result<(), PortError> {
        let mut entries = self.lock();
        let entry = entries.entry(key.to_owned()).or_default();
        entry.lease_until = None;
        entry.uncertain_since = match (entry.uncertain_since, uncertain_since) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        Ok(())
    }
}

// ----- Sale-order changes -----

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
