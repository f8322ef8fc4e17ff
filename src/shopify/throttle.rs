//! Shopify's cost-based rate limit as a pure state machine.
//!
//! Every response carries `extensions.cost.throttleStatus` (`maximumAvailable`,
//! `currentlyAvailable`, `restoreRate`). The bucket learns those numbers (they depend on the
//! shop's plan and are never hard-coded), refills itself between responses at `restoreRate`
//! points per second, and tells a caller how long to wait *before* sending a query whose expected
//! cost exceeds what is available. Requests in flight reserve their expected cost so that
//! concurrent callers sharing one client queue behind each other instead of all being throttled.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// `extensions.cost.throttleStatus` of a response.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ThrottleStatus {
    /// Bucket size (2000 on standard plans at the time of writing; 10x on Plus).
    pub maximum_available: f64,
    /// Points available when the response was produced.
    pub currently_available: f64,
    /// Points restored per second.
    pub restore_rate: f64,
}

impl ThrottleStatus {
    /// A status from its three numbers.
    #[must_use]
    pub fn new(maximum_available: f64, currently_available: f64, restore_rate: f64) -> Self {
        Self {
            maximum_available,
            currently_available,
            restore_rate,
        }
    }
}

/// `extensions.cost` of a response.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct QueryCost {
    /// Cost Shopify computed before running the query.
    #[serde(default)]
    pub requested_query_cost: Option<f64>,
    /// Cost actually charged (`null` when throttled).
    #[serde(default)]
    pub actual_query_cost: Option<f64>,
    /// The bucket after the query.
    #[serde(default)]
    pub throttle_status: Option<ThrottleStatus>,
}

#[derive(Debug, Clone, Copy)]
struct Observation {
    status: ThrottleStatus,
    at: Instant,
}

/// The shared bucket estimate. All methods take `now`; nothing reads a clock.
#[derive(Debug, Clone, Default)]
pub struct CostBucket {
    last: Option<Observation>,
    reserved: f64,
}

impl CostBucket {
    /// A bucket that knows nothing yet: the first request goes straight out.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The last status Shopify reported, if any.
    #[must_use]
    pub fn last_status(&self) -> Option<ThrottleStatus> {
        self.last.map(|o| o.status)
    }

    /// Points expected to be available at `now`, after refilling since the last response and
    /// subtracting what requests in flight have reserved. `None` before the first response.
    #[must_use]
    pub fn available(&self, now: Instant) -> Option<f64> {
        let o = self.last?;
        let elapsed = now.saturating_duration_since(o.at).as_secs_f64();
        let refilled = (o.status.currently_available + elapsed * o.status.restore_rate)
            .min(o.status.maximum_available);
        Some(refilled - self.reserved)
    }

    /// How long to wait at `now` before a query of `cost` points can be sent.
    ///
    /// Zero when the bucket is unknown, when enough points are available, or when the cost is
    /// larger than the whole bucket (waiting cannot help; Shopify will answer
    /// `MAX_COST_EXCEEDED`, which is not retried).
    #[must_use]
    pub fn wait_for(&self, cost: f64, now: Instant) -> Duration {
        let (Some(o), Some(available)) = (self.last, self.available(now)) else {
            return Duration::ZERO;
        };
        if cost > o.status.maximum_available || o.status.restore_rate <= 0.0 {
            return Duration::ZERO;
        }
        let deficit = cost - available;
        if deficit <= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(deficit / o.status.restore_rate)
        }
    }

    /// Reserves `cost` points for a request about to be sent and returns the wait before
    /// sending it. Call [`CostBucket::release`] with the same cost when its response arrives.
    pub fn reserve(&mut self, cost: f64, now: Instant) -> Duration {
        let wait = self.wait_for(cost, now);
        self.reserved += cost.max(0.0);
        wait
    }

    /// Releases a reservation made by [`CostBucket::reserve`].
    pub fn release(&mut self, cost: f64) {
        self.reserved = (self.reserved - cost.max(0.0)).max(0.0);
    }

    /// Learns the bucket from a response's `throttleStatus`.
    pub fn observe(&mut self, status: ThrottleStatus, now: Instant) {
        self.last = Some(Observation { status, at: now });
    }

    /// The wait a `THROTTLED` answer calls for: the points missing for the requested cost
    /// divided by the restore rate. Falls back to one second when Shopify sent no numbers.
    #[must_use]
    pub fn throttled_wait(cost: &QueryCost) -> Duration {
        match (cost.requested_query_cost, cost.throttle_status) {
            (Some(requested), Some(s)) if s.restore_rate > 0.0 => {
                let deficit = (requested - s.currently_available).max(0.0);
                Duration::from_secs_f64(deficit / s.restore_rate)
            }
            _ => Duration::from_secs(1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn standard(available: f64) -> ThrottleStatus {
        ThrottleStatus::new(2000.0, available, 100.0)
    }

    #[test]
    fn unknown_bucket_never_waits() {
        let b = CostBucket::new();
        assert_eq!(b.wait_for(1000.0, Instant::now()), Duration::ZERO);
        assert_eq!(b.available(Instant::now()), None);
    }

    #[test]
    fn waits_for_the_deficit_at_the_restore_rate() {
        let t0 = Instant::now();
        let mut b = CostBucket::new();
        b.observe(standard(50.0), t0);
        // 250 needed, 50 there: 200 missing at 100/s = 2 s.
        assert_eq!(b.wait_for(250.0, t0), Duration::from_secs(2));
        // One second later 150 are there: 1 s to go.
        assert_eq!(
            b.wait_for(250.0, t0 + Duration::from_secs(1)),
            Duration::from_secs(1)
        );
        assert_eq!(
            b.wait_for(250.0, t0 + Duration::from_secs(3)),
            Duration::ZERO
        );
    }

    #[test]
    fn refill_is_capped_at_the_bucket_size() {
        let t0 = Instant::now();
        let mut b = CostBucket::new();
        b.observe(standard(0.0), t0);
        assert_eq!(b.available(t0 + Duration::from_secs(3600)), Some(2000.0));
    }

    #[test]
    fn learns_plus_plan_numbers() {
        let t0 = Instant::now();
        let mut b = CostBucket::new();
        b.observe(ThrottleStatus::new(20000.0, 0.0, 1000.0), t0);
        assert_eq!(b.wait_for(500.0, t0), Duration::from_millis(500));
    }

    #[test]
    fn reservations_queue_concurrent_callers() {
        let t0 = Instant::now();
        let mut b = CostBucket::new();
        b.observe(standard(1000.0), t0);
        assert_eq!(b.reserve(600.0, t0), Duration::ZERO);
        // 400 left; the next 600 misses 200 = 2 s.
        assert_eq!(b.reserve(600.0, t0), Duration::from_secs(2));
        b.release(600.0);
        b.release(600.0);
        assert_eq!(b.available(t0), Some(1000.0));
    }

    #[test]
    fn cost_above_the_bucket_is_not_waited_for() {
        let t0 = Instant::now();
        let mut b = CostBucket::new();
        b.observe(standard(0.0), t0);
        assert_eq!(b.wait_for(2500.0, t0), Duration::ZERO);
    }

    #[test]
    fn throttled_wait_from_the_cost_extension() {
        let cost: QueryCost = serde_json::from_value(serde_json::json!({
            "requestedQueryCost": 752, "actualQueryCost": null,
            "throttleStatus": {"maximumAvailable": 1000.0, "currentlyAvailable": 666, "restoreRate": 50.0}
        }))
        .unwrap();
        assert_eq!(
            CostBucket::throttled_wait(&cost),
            Duration::from_secs_f64(86.0 / 50.0)
        );
        let none = QueryCost {
            requested_query_cost: None,
            actual_query_cost: None,
            throttle_status: None,
        };
        assert_eq!(CostBucket::throttled_wait(&none), Duration::from_secs(1));
    }
}
