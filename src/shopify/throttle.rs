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

impl ThrottleStatus {
    /// Checks that the figures can describe a bucket: all finite, a positive size and restore
    /// rate, and availability no further from zero than the bucket's size.
    ///
    /// # Errors
    /// What is wrong, for a protocol error.
    pub fn check(&self) -> Result<(), String> {
        let Self {
            maximum_available: max,
            currently_available: now,
            restore_rate: rate,
        } = *self;
        if !(max.is_finite() && now.is_finite() && rate.is_finite()) {
            return Err(format!(
                "throttleStatus has a figure that is not a finite number \
                 (maximumAvailable {}, currentlyAvailable {}, restoreRate {})",
                figure(max),
                figure(now),
                figure(rate)
            ));
        }
        if max <= 0.0 || rate <= 0.0 {
            return Err(format!(
                "throttleStatus has a bucket of {} points restoring {} per second; \
                 both must be positive",
                figure(max),
                figure(rate)
            ));
        }
        if now.abs() > max {
            return Err(format!(
                "throttleStatus reports currentlyAvailable {} in a bucket of {}",
                figure(now),
                figure(max)
            ));
        }
        Ok(())
    }
}

impl QueryCost {
    /// Checks the figures: costs finite and not negative, and a usable
    /// [`ThrottleStatus`] (see [`ThrottleStatus::check`]).
    ///
    /// # Errors
    /// What is wrong, for a protocol error.
    pub fn check(&self) -> Result<(), String> {
        for (name, value) in [
            ("requestedQueryCost", self.requested_query_cost),
            ("actualQueryCost", self.actual_query_cost),
        ] {
            if let Some(v) = value {
                if !v.is_finite() || v < 0.0 {
                    return Err(format!("{name} is {}, not a cost", figure(v)));
                }
            }
        }
        self.throttle_status.map_or(Ok(()), |s| s.check())
    }
}

/// A figure for a message: plain when of a usual size, in exponent form when huge or tiny.
fn figure(v: f64) -> String {
    let size = v.abs();
    if v == 0.0 || (1e-4..1e15).contains(&size) || !v.is_finite() {
        format!("{v}")
    } else {
        format!("{v:e}")
    }
}

/// The longest wait [`CostBucket`] ever computes unless configured otherwise.
pub const DEFAULT_MAX_WAIT: Duration = Duration::from_secs(120);

/// `seconds` as a wait no longer than `max`: a figure too large for a `Duration` (or not a
/// number at all) is `max`, a negative one zero.
fn bounded_wait(seconds: f64, max: Duration) -> Duration {
    if seconds.is_nan() || seconds >= max.as_secs_f64() {
        max
    } else if seconds <= 0.0 {
        Duration::ZERO
    } else {
        Duration::try_from_secs_f64(seconds).map_or(max, |d| d.min(max))
    }
}

#[derive(Debug, Clone, Copy)]
struct Observation {
    status: ThrottleStatus,
    at: Instant,
}

/// The shared bucket estimate. All methods take `now`; nothing reads a clock.
///
/// Until Shopify has reported a bucket, [`CostBucket::is_known`] is false: the client then
/// lets a single request go first and holds the others until its answer tells the bucket's
/// size and the query's cost, so a burst of first requests does not stampede.
#[derive(Debug, Clone)]
pub struct CostBucket {
    last: Option<Observation>,
    reserved: f64,
    max_wait: Duration,
}

impl Default for CostBucket {
    fn default() -> Self {
        Self {
            last: None,
            reserved: 0.0,
            max_wait: DEFAULT_MAX_WAIT,
        }
    }
}

impl CostBucket {
    /// A bucket that knows nothing yet, computing waits of at most [`DEFAULT_MAX_WAIT`].
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Caps every wait the bucket computes (the client passes its
    /// [`RetryConfig::max_server_wait`](crate::http::RetryConfig::max_server_wait)).
    #[must_use]
    pub fn with_max_wait(mut self, max_wait: Duration) -> Self {
        self.max_wait = max_wait;
        self
    }

    /// The last status Shopify reported, if any.
    #[must_use]
    pub fn last_status(&self) -> Option<ThrottleStatus> {
        self.last.map(|o| o.status)
    }

    /// Whether Shopify has reported the bucket yet.
    #[must_use]
    pub fn is_known(&self) -> bool {
        self.last.is_some()
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

    /// How long to wait at `now` before a query of `cost` points can be sent, never longer
    /// than the configured maximum.
    ///
    /// Zero when the bucket is unknown, when enough points are available, or when the cost is
    /// larger than the whole bucket (waiting cannot help; Shopify will answer
    /// `MAX_COST_EXCEEDED`, which is not retried).
    #[must_use]
    pub fn wait_for(&self, cost: f64, now: Instant) -> Duration {
        let (Some(o), Some(available)) = (self.last, self.available(now)) else {
            return Duration::ZERO;
        };
        let cost = sane_cost(cost);
        if cost > o.status.maximum_available || o.status.restore_rate <= 0.0 {
            return Duration::ZERO;
        }
        bounded_wait((cost - available) / o.status.restore_rate, self.max_wait)
    }

    /// Reserves `cost` points for a request about to be sent and returns the wait before
    /// sending it. Call [`CostBucket::release`] with the same cost when its response arrives.
    pub fn reserve(&mut self, cost: f64, now: Instant) -> Duration {
        let wait = self.wait_for(cost, now);
        self.reserved += sane_cost(cost);
        wait
    }

    /// Releases a reservation made by [`CostBucket::reserve`].
    pub fn release(&mut self, cost: f64) {
        self.reserved = (self.reserved - sane_cost(cost)).max(0.0);
    }

    /// Learns the bucket from a response's `throttleStatus`. Figures that fail
    /// [`ThrottleStatus::check`] are not learned: the previous estimate stays.
    pub fn observe(&mut self, status: ThrottleStatus, now: Instant) {
        if status.check().is_ok() {
            self.last = Some(Observation { status, at: now });
        }
    }

    /// The wait a `THROTTLED` answer calls for: the points missing for the requested cost
    /// divided by the restore rate, at most [`DEFAULT_MAX_WAIT`]. Falls back to one second when
    /// Shopify sent no usable numbers (the client refuses unusable ones before asking).
    #[must_use]
    pub fn throttled_wait(cost: &QueryCost) -> Duration {
        match (cost.requested_query_cost, cost.throttle_status) {
            (Some(requested), Some(s)) if cost.check().is_ok() => bounded_wait(
                (requested - s.currently_available).max(0.0) / s.restore_rate,
                DEFAULT_MAX_WAIT,
            ),
            _ => Duration::from_secs(1),
        }
    }
}

/// A reservation's size: a finite, non-negative number of points.
fn sane_cost(cost: f64) -> f64 {
    if cost.is_finite() { cost.max(0.0) } else { 0.0 }
}

/// Expected cost of an operation before Shopify has reported one and without a hint.
pub const DEFAULT_EXPECTED_COST: f64 = 50.0;

/// The cost Shopify last reported per operation name, used as the reservation for the next
/// request of that operation. A caller's hint is only a first guess, used until Shopify has
/// answered once.
#[derive(Debug, Clone, Default)]
pub struct LearnedCosts {
    by_operation: std::collections::HashMap<String, f64>,
}

impl LearnedCosts {
    /// Nothing learned yet.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Learns from a response's `extensions.cost`: the requested cost (what Shopify checks
    /// against the bucket before running a query), or the charged one when only that came.
    /// Unusable figures are ignored.
    pub fn learn(&mut self, operation: &str, cost: &QueryCost) {
        let usable = |v: Option<f64>| v.filter(|v| v.is_finite() && *v >= 0.0);
        if let Some(points) =
            usable(cost.requested_query_cost).or_else(|| usable(cost.actual_query_cost))
        {
            self.by_operation.insert(operation.to_owned(), points);
        }
    }

    /// The cost last learned for `operation`, if any.
    #[must_use]
    pub fn learned(&self, operation: &str) -> Option<f64> {
        self.by_operation.get(operation).copied()
    }

    /// The reservation for the next request of `operation`: what Shopify last reported,
    /// else `hint`, else [`DEFAULT_EXPECTED_COST`].
    #[must_use]
    pub fn estimate(&self, operation: &str, hint: Option<f64>) -> f64 {
        self.learned(operation)
            .or(hint.filter(|h| h.is_finite() && *h >= 0.0))
            .unwrap_or(DEFAULT_EXPECTED_COST)
    }
}

/// A shop's cost bucket kept outside the client, so that several processes pace themselves
/// against one bucket: the seam fleet mode plugs into (see
/// [`ClientBuilder::cost_pacer`](super::ClientBuilder::cost_pacer)).
///
/// Without a pacer (the default), a client paces through its own in-process [`CostBucket`],
/// shared by its clones only. With one, every attempt first [reserves](CostPacer::reserve)
/// its expected cost and sleeps the wait it is given, then [settles](CostPacer::settle) the
/// reservation with the answer's `extensions.cost`. The client still learns the bucket and
/// the query costs locally (for [`Client::throttle_status`](super::Client::throttle_status)
/// and its estimates); only the pacing moves to the pacer. A pacer's answers are advice: it
/// cannot fail a request, and one that cannot reach its store answers a wait of its own.
#[async_trait::async_trait]
pub trait CostPacer: Send + Sync + std::fmt::Debug {
    /// Takes `cost` points (the request's expected cost) for a request about to be sent, and
    /// answers how long to wait before sending it and how many points were taken.
    async fn reserve(&self, cost: f64) -> PacedRequest;

    /// Settles a reservation once its answer has arrived: `cost` is the answer's
    /// `extensions.cost` (`None` when there was none, or no answer: the points stay taken and
    /// come back as the bucket restores).
    async fn settle(&self, reserved: f64, cost: Option<&QueryCost>);
}

/// A [`CostPacer`]'s answer to a reservation.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct PacedRequest {
    /// How long to wait before sending.
    pub wait: Duration,
    /// The points taken, handed back to [`CostPacer::settle`] (0 when the bucket is not known
    /// yet, or the cost is larger than the bucket).
    pub reserved: f64,
}

impl PacedRequest {
    /// A wait and the points taken.
    #[must_use]
    pub fn new(wait: Duration, reserved: f64) -> Self {
        Self { wait, reserved }
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
    fn hostile_figures_never_panic_and_are_clamped_or_refused() {
        let t0 = Instant::now();
        // A restore rate of 1e-300 used to overflow Duration::from_secs_f64 and panic.
        let mut b = CostBucket::new().with_max_wait(Duration::from_secs(90));
        b.observe(ThrottleStatus::new(2000.0, 0.0, 1e-300), t0);
        assert_eq!(b.wait_for(100.0, t0), Duration::from_secs(90));
        for absurd in [
            ThrottleStatus::new(2000.0, -1e308, 100.0),
            ThrottleStatus::new(2000.0, f64::NAN, 100.0),
            ThrottleStatus::new(f64::INFINITY, 10.0, 100.0),
            ThrottleStatus::new(2000.0, 10.0, 0.0),
            ThrottleStatus::new(2000.0, 10.0, -5.0),
            ThrottleStatus::new(0.0, 0.0, 100.0),
            ThrottleStatus::new(2000.0, 2001.0, 100.0),
        ] {
            assert!(absurd.check().is_err(), "{absurd:?}");
            let mut fresh = CostBucket::new();
            fresh.observe(absurd, t0);
            assert!(!fresh.is_known(), "{absurd:?} must not be learned");
            let cost = QueryCost {
                requested_query_cost: Some(100.0),
                actual_query_cost: None,
                throttle_status: Some(absurd),
            };
            assert!(cost.check().is_err());
            assert_eq!(CostBucket::throttled_wait(&cost), Duration::from_secs(1));
        }
        let nan_cost = QueryCost {
            requested_query_cost: Some(f64::NAN),
            actual_query_cost: None,
            throttle_status: Some(standard(10.0)),
        };
        assert!(nan_cost.check().is_err());
        let huge = QueryCost {
            requested_query_cost: Some(1e300),
            actual_query_cost: None,
            throttle_status: Some(ThrottleStatus::new(2000.0, 0.0, 1e-300)),
        };
        assert_eq!(CostBucket::throttled_wait(&huge), DEFAULT_MAX_WAIT);
        // Reservations of absurd sizes neither panic nor poison the estimate.
        let mut b = CostBucket::new();
        b.observe(standard(1000.0), t0);
        let _ = b.reserve(f64::NAN, t0);
        let _ = b.reserve(f64::INFINITY, t0);
        assert_eq!(b.available(t0), Some(1000.0));
        assert_eq!(b.wait_for(f64::NAN, t0), Duration::ZERO);
    }

    #[test]
    fn learned_costs_replace_the_hint() {
        let mut costs = LearnedCosts::new();
        assert_eq!(costs.estimate("Order", None), DEFAULT_EXPECTED_COST);
        assert_eq!(costs.estimate("Order", Some(400.0)), 400.0);
        let reported = |requested: Option<f64>, actual: Option<f64>| QueryCost {
            requested_query_cost: requested,
            actual_query_cost: actual,
            throttle_status: None,
        };
        costs.learn("Order", &reported(Some(17.0), Some(12.0)));
        assert_eq!(costs.estimate("Order", Some(400.0)), 17.0);
        assert_eq!(costs.estimate("Locations", Some(6.0)), 6.0);
        // The latest report wins; a charged-only report still teaches; garbage does not.
        costs.learn("Order", &reported(Some(23.0), None));
        assert_eq!(costs.learned("Order"), Some(23.0));
        costs.learn("Locations", &reported(None, Some(7.0)));
        assert_eq!(costs.learned("Locations"), Some(7.0));
        costs.learn("Order", &reported(Some(f64::NAN), Some(-1.0)));
        assert_eq!(costs.learned("Order"), Some(23.0));
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
