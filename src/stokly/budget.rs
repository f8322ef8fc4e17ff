//! The client-side request budget, as a pure state machine (every method takes `now`).
//!
//! Two limits apply, and a request waits for the later of the two:
//!
//! 1. **Our own pace**: at most [`RateLimit::requests_per_second`] (default a conservative 4),
//!    with bursts of [`RateLimit::burst`] (default 1: requests evenly spaced). This is a
//!    generic cell-rate algorithm: each request books the next free slot.
//! 2. **Stokly's window**: every answer carries `x-ratelimit-remaining`. Stokly's window is
//!    believed to be a fixed minute per account (inferred; the over-limit answer has never been
//!    seen). When the remaining count, less the requests still in flight, falls to
//!    [`RateLimit::low_watermark`] (default 3, as Stokly's own scripts do), requests wait until
//!    one [`RateLimit::window`] after the window was seen to start. A window is taken to start
//!    at the first answer and whenever the remaining count goes up.
//!
//! The budget is shared by all clones of a client. A 429 that gets through anyway is retried
//! by the retry policy.

use std::time::{Duration, Instant};

/// Rate-limit settings.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct RateLimit {
    /// Sustained requests per second (default 4).
    pub requests_per_second: f64,
    /// Requests that may go out back to back before pacing applies (default 1).
    pub burst: u32,
    /// Pause when Stokly reports this many requests or fewer remaining (default 3).
    pub low_watermark: u32,
    /// Length of Stokly's window (default 60 s, inferred).
    pub window: Duration,
}

impl Default for RateLimit {
    fn default() -> Self {
        Self {
            requests_per_second: 4.0,
            burst: 1,
            low_watermark: 3,
            window: Duration::from_secs(60),
        }
    }
}

impl RateLimit {
    /// Sets the sustained rate.
    #[must_use]
    pub fn with_requests_per_second(mut self, rate: f64) -> Self {
        self.requests_per_second = rate;
        self
    }
    /// Sets the burst (at least 1).
    #[must_use]
    pub fn with_burst(mut self, burst: u32) -> Self {
        self.burst = burst.max(1);
        self
    }
    /// Sets the remaining count at which requests pause.
    #[must_use]
    pub fn with_low_watermark(mut self, n: u32) -> Self {
        self.low_watermark = n;
        self
    }
    /// Sets the assumed window length.
    #[must_use]
    pub fn with_window(mut self, window: Duration) -> Self {
        self.window = window;
        self
    }

    /// Checks the settings.
    pub(crate) fn validate(&self) -> Result<(), &'static str> {
        let rate = self.requests_per_second;
        if !(rate.is_finite() && rate > 0.0 && rate <= 10_000.0) {
            return Err("requests_per_second must be above 0 and at most 10000");
        }
        Ok(())
    }

    fn interval(&self) -> Duration {
        Duration::try_from_secs_f64(1.0 / self.requests_per_second)
            .unwrap_or(Duration::from_millis(250))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ServerWindow {
    remaining: u32,
    started: Instant,
}

/// The shared budget.
#[derive(Debug, Clone)]
pub struct RateBudget {
    config: RateLimit,
    /// Theoretical arrival time of the next request at the sustained rate.
    next_slot: Option<Instant>,
    server: Option<ServerWindow>,
    in_flight: u32,
}

impl RateBudget {
    /// A fresh budget.
    #[must_use]
    pub fn new(config: RateLimit) -> Self {
        Self {
            config,
            next_slot: None,
            server: None,
            in_flight: 0,
        }
    }

    /// Books a request at `now` and returns how long to wait before sending it. Call
    /// [`RateBudget::release`] when its answer arrives (or it fails).
    pub fn reserve(&mut self, now: Instant) -> Duration {
        let (send_at, slot) = self.next_send(now);
        let interval = self.config.interval();
        self.next_slot = Some(slot.max(send_at).checked_add(interval).unwrap_or(slot));
        self.in_flight = self.in_flight.saturating_add(1);
        send_at.saturating_duration_since(now)
    }

    /// How long a request booked at `now` would wait, without booking it.
    #[must_use]
    pub fn wait_at(&self, now: Instant) -> Duration {
        self.next_send(now).0.saturating_duration_since(now)
    }

    /// When a request booked at `now` may be sent, and its pacing slot.
    fn next_send(&self, now: Instant) -> (Instant, Instant) {
        let interval = self.config.interval();
        let tolerance = interval.saturating_mul(self.config.burst.max(1) - 1);
        let slot = self.next_slot.map_or(now, |s| s.max(now));
        let mut send_at = slot.checked_sub(tolerance).map_or(now, |t| t.max(now));
        if let Some(resume) = self.server_resume(now) {
            send_at = send_at.max(resume);
        }
        (send_at, slot)
    }

    /// When Stokly's window allows sending again, if it is nearly spent.
    fn server_resume(&self, now: Instant) -> Option<Instant> {
        let w = self.server?;
        let left = w.remaining.saturating_sub(self.in_flight);
        if left > self.config.low_watermark {
            return None;
        }
        w.started
            .checked_add(self.config.window)
            .filter(|resume| *resume > now)
    }

    /// Ends a booking made by [`RateBudget::reserve`].
    pub fn release(&mut self) {
        self.in_flight = self.in_flight.saturating_sub(1);
    }

    /// Learns `x-ratelimit-remaining` from an answer received at `now`.
    pub fn observe_remaining(&mut self, remaining: u32, now: Instant) {
        let started = match self.server {
            Some(w) if remaining <= w.remaining => w.started,
            _ => now,
        };
        self.server = Some(ServerWindow { remaining, started });
    }

    /// The last `x-ratelimit-remaining` seen.
    #[must_use]
    pub fn remaining(&self) -> Option<u32> {
        self.server.map(|w| w.remaining)
    }

    /// Requests booked and not yet answered.
    #[must_use]
    pub fn in_flight(&self) -> u32 {
        self.in_flight
    }
}

/// An account's request budget kept outside the client, so that several processes pace
/// themselves against one Stokly account: the seam fleet mode plugs into (see
/// [`ClientBuilder::request_pacer`](super::ClientBuilder::request_pacer)).
///
/// Without a pacer (the default), a client paces through its own in-process [`RateBudget`],
/// shared by its clones only. With one, every attempt first [books](RequestPacer::reserve) a
/// slot and sleeps the wait it is given, and every `x-ratelimit-remaining` received is
/// [reported](RequestPacer::observe_remaining) to it (the client keeps its own copy too, for
/// [`Client::rate_limit_remaining`](super::Client::rate_limit_remaining)). A pacer's answers
/// are advice: it cannot fail a request, and one that cannot reach its store answers a wait
/// of its own.
///
/// A pacer that counts requests in flight (as the in-process budget does, so that requests
/// sent but not yet answered count against `x-ratelimit-remaining`) implements
/// [`RequestPacer::book`] and [`RequestPacer::release`]: the client books every attempt with
/// `book`, and releases the booking's lease once the answer (or the failure) is in; an attempt
/// abandoned mid-flight releases it from a spawned task. A pacer shared between processes must
/// still let leases expire, since a process that dies never releases them.
#[async_trait::async_trait]
pub trait RequestPacer: Send + Sync + std::fmt::Debug {
    /// Books one request about to be sent; answers how long to wait before sending it.
    async fn reserve(&self) -> Duration;

    /// Learns `x-ratelimit-remaining` from an answer just received.
    async fn observe_remaining(&self, remaining: u32);

    /// Books one request about to be sent and counts it in flight until its lease is
    /// [released](RequestPacer::release). The default books with [`RequestPacer::reserve`]
    /// and counts nothing (no lease).
    async fn book(&self) -> PacerBooking {
        PacerBooking::new(self.reserve().await, None)
    }

    /// Ends the booking that gave `lease`: its answer arrived, or it was abandoned. The
    /// default does nothing.
    async fn release(&self, lease: String) {
        let _ = lease;
    }
}

/// A request booked with [`RequestPacer::book`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PacerBooking {
    /// How long to wait before sending the request.
    pub wait: Duration,
    /// The pacer's handle on the booking, handed back to [`RequestPacer::release`]; `None`
    /// when the pacer does not count requests in flight.
    pub lease: Option<String>,
}

impl PacerBooking {
    /// A booking that waits `wait`, counted in flight under `lease` if there is one.
    #[must_use]
    pub fn new(wait: Duration, lease: Option<String>) -> Self {
        Self { wait, lease }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn paces_at_four_per_second_by_default() {
        let t0 = Instant::now();
        let mut b = RateBudget::new(RateLimit::default());
        let waits: Vec<_> = (0..5)
            .map(|_| {
                let w = b.reserve(t0);
                b.release();
                w
            })
            .collect();
        assert_eq!(waits, vec![ms(0), ms(250), ms(500), ms(750), ms(1000)]);
    }

    #[test]
    fn idle_time_is_not_banked_beyond_the_burst() {
        let t0 = Instant::now();
        let mut b = RateBudget::new(RateLimit::default());
        assert_eq!(b.reserve(t0), ms(0));
        // Ten seconds idle, then two at once: the second still waits one interval.
        let t1 = t0 + Duration::from_secs(10);
        assert_eq!(b.reserve(t1), ms(0));
        assert_eq!(b.reserve(t1), ms(250));
    }

    #[test]
    fn bursts_then_paces() {
        let t0 = Instant::now();
        let mut b = RateBudget::new(RateLimit::default().with_burst(3));
        let waits: Vec<_> = (0..5).map(|_| b.reserve(t0)).collect();
        assert_eq!(waits, vec![ms(0), ms(0), ms(0), ms(250), ms(500)]);
    }

    #[test]
    fn pauses_until_the_window_ends_when_stokly_runs_low() {
        let t0 = Instant::now();
        let config = RateLimit::default()
            .with_requests_per_second(1000.0)
            .with_window(Duration::from_secs(60));
        let mut b = RateBudget::new(config);
        b.observe_remaining(100, t0);
        assert_eq!(b.reserve(t0 + ms(10)), ms(0));
        b.release();
        // Remaining falls in the same window: no new window start.
        b.observe_remaining(3, t0 + Duration::from_secs(20));
        // Asking does not book.
        assert_eq!(
            b.wait_at(t0 + Duration::from_secs(20)),
            Duration::from_secs(40)
        );
        assert_eq!(b.in_flight(), 0);
        let wait = b.reserve(t0 + Duration::from_secs(20));
        assert_eq!(wait, Duration::from_secs(40));
        b.release();
        // The count going up means a new window began: no pause.
        let t2 = t0 + Duration::from_secs(61);
        b.observe_remaining(120, t2);
        assert_eq!(b.wait_at(t2), ms(0));
        assert_eq!(b.reserve(t2), ms(0));
        assert_eq!(b.remaining(), Some(120));
    }

    #[test]
    fn in_flight_requests_count_against_the_remaining() {
        let t0 = Instant::now();
        let config = RateLimit::default().with_requests_per_second(1000.0);
        let mut b = RateBudget::new(config);
        b.observe_remaining(5, t0);
        assert_eq!(b.reserve(t0), ms(0)); // 5 left, none in flight
        assert_eq!(b.reserve(t0), ms(1)); // 4 left after one in flight: paced only
        let wait = b.reserve(t0); // 5 - 2 in flight = 3: at the watermark
        assert_eq!(wait, Duration::from_secs(60));
        assert_eq!(b.in_flight(), 3);
        b.release();
        b.release();
        b.release();
        assert_eq!(b.in_flight(), 0);
        b.release();
        assert_eq!(b.in_flight(), 0);
    }

    #[test]
    fn rejects_nonsense_rates() {
        for rate in [0.0, -1.0, f64::NAN, f64::INFINITY, 1e9] {
            assert!(
                RateLimit::default()
                    .with_requests_per_second(rate)
                    .validate()
                    .is_err()
            );
        }
        assert!(RateLimit::default().validate().is_ok());
    }
}
