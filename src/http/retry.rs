//! The retry policy: a pure function of (attempt, failure, now).

use std::time::Duration;

use chrono::{DateTime, Utc};

/// Retry settings shared by both clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryConfig {
    /// Attempts in all, the first included. Default 5; 1 disables retries.
    pub max_attempts: u32,
    /// Backoff before the second attempt. Default 500 ms; doubles each attempt.
    pub initial_backoff: Duration,
    /// Cap on one backoff. Default 30 s.
    pub max_backoff: Duration,
    /// The longest server-requested wait (`Retry-After`, Shopify's throttle) that is honoured;
    /// a longer one gives up so that the caller can reschedule. Default 120 s.
    pub max_server_wait: Duration,
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            max_server_wait: Duration::from_secs(120),
        }
    }
}

impl RetryConfig {
    /// No retries at all.
    #[must_use]
    pub fn disabled() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }
    /// Sets the number of attempts (at least 1).
    #[must_use]
    pub fn with_max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }
    /// Sets the first backoff.
    #[must_use]
    pub fn with_initial_backoff(mut self, d: Duration) -> Self {
        self.initial_backoff = d;
        self
    }
    /// Sets the backoff cap.
    #[must_use]
    pub fn with_max_backoff(mut self, d: Duration) -> Self {
        self.max_backoff = d;
        self
    }
    /// Sets the longest server-requested wait honoured.
    #[must_use]
    pub fn with_max_server_wait(mut self, d: Duration) -> Self {
        self.max_server_wait = d;
        self
    }
}

/// When the server asked us to come back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RetryAfter {
    /// After a delay.
    Delay(Duration),
    /// At a moment (HTTP-date form of `Retry-After`).
    At(DateTime<Utc>),
}

impl RetryAfter {
    /// Parses a `Retry-After` header: seconds (possibly fractional, as Shopify sends `2.0`) or
    /// an HTTP date.
    pub(crate) fn parse(value: &str) -> Option<Self> {
        let v = value.trim();
        if let Ok(secs) = v.parse::<f64>() {
            return (secs.is_finite() && secs >= 0.0)
                .then(|| Self::Delay(Duration::from_secs_f64(secs.min(86_400.0))));
        }
        DateTime::parse_from_rfc2822(v)
            .ok()
            .map(|d| Self::At(d.with_timezone(&Utc)))
    }

    pub(crate) fn delay_from(self, now: DateTime<Utc>) -> Duration {
        match self {
            Self::Delay(d) => d,
            Self::At(at) => (at - now).to_std().unwrap_or(Duration::ZERO),
        }
    }
}

/// Whether repeating a request is safe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Idempotence {
    /// Reads, and writes carrying an idempotency key or otherwise safe to repeat.
    Safe,
    /// Writes that could take effect twice (a plain create).
    Unsafe,
}

/// What went wrong, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The request never reached the server (connect failure): always safe to send again.
    NotSent,
    /// The server refused the request without acting on it (rate limited, throttled), and
    /// said how long to wait: safe to send again after the wait.
    Rejected {
        /// The server's wait, if it gave one.
        wait: Option<RetryAfter>,
    },
    /// The outcome is unknown or the server failed (timeout, 5xx, reset): retry only if safe.
    Transient {
        /// The server's `Retry-After`, if any.
        retry_after: Option<RetryAfter>,
    },
    /// Retrying cannot help (4xx, validation, decode).
    Permanent,
}

/// The policy's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryDecision {
    /// Send again after this wait.
    RetryAfter(Duration),
    /// Stop and return the error.
    GiveUp,
}

/// Exponential backoff with equal jitter, honouring server waits.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RetryPolicy {
    config: RetryConfig,
}

impl RetryPolicy {
    pub(crate) fn new(config: RetryConfig) -> Self {
        Self { config }
    }

    /// Decides after `attempt` attempts (1 = the first one failed) have been made.
    ///
    /// The jitter is drawn from `now`, so the decision is a pure function of its inputs.
    pub(crate) fn decide(
        &self,
        attempt: u32,
        failure: &Failure,
        idempotence: Idempotence,
        now: DateTime<Utc>,
    ) -> RetryDecision {
        if attempt >= self.config.max_attempts {
            return RetryDecision::GiveUp;
        }
        let server_wait = match (failure, idempotence) {
            (Failure::Permanent, _) => return RetryDecision::GiveUp,
            (Failure::Transient { .. }, Idempotence::Unsafe) => return RetryDecision::GiveUp,
            (Failure::NotSent, _) => None,
            (Failure::Rejected { wait }, _) => *wait,
            (Failure::Transient { retry_after }, Idempotence::Safe) => *retry_after,
        };
        let server_wait = server_wait.map(|w| w.delay_from(now));
        if server_wait.is_some_and(|w| w > self.config.max_server_wait) {
            return RetryDecision::GiveUp;
        }
        let backoff = self.backoff(attempt, now);
        // A server's wait is exact (Shopify's bucket refills at a known rate); our own backoff
        // only applies when the server said nothing.
        RetryDecision::RetryAfter(server_wait.unwrap_or(backoff))
    }

    /// Equal jitter: half the exponential delay fixed, half drawn at random.
    fn backoff(&self, attempt: u32, now: DateTime<Utc>) -> Duration {
        let exp = 2u32.saturating_pow(attempt.saturating_sub(1).min(20));
        let full = self
            .config
            .initial_backoff
            .saturating_mul(exp)
            .min(self.config.max_backoff);
        let half = full / 2;
        let seed = (now.timestamp_nanos_opt().unwrap_or_default() as u64) ^ u64::from(attempt);
        let fraction = (splitmix64(seed) >> 11) as f64 / (1u64 << 53) as f64;
        half + half.mul_f64(fraction)
    }
}

fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 26, 12, 0, 0).unwrap()
    }

    fn policy() -> RetryPolicy {
        RetryPolicy::new(RetryConfig::default())
    }

    #[test]
    fn transient_read_backs_off_exponentially_with_jitter() {
        let f = Failure::Transient { retry_after: None };
        for (attempt, full_ms) in [(1u32, 500u64), (2, 1000), (3, 2000), (4, 4000)] {
            match policy().decide(attempt, &f, Idempotence::Safe, now()) {
                RetryDecision::RetryAfter(d) => {
                    let ms = d.as_millis() as u64;
                    assert!(
                        ms >= full_ms / 2 && ms <= full_ms,
                        "attempt {attempt}: {ms}ms"
                    );
                }
                other => panic!("attempt {attempt}: {other:?}"),
            }
        }
        assert_eq!(
            policy().decide(5, &f, Idempotence::Safe, now()),
            RetryDecision::GiveUp
        );
    }

    #[test]
    fn backoff_is_capped() {
        let p = RetryPolicy::new(RetryConfig::default().with_max_attempts(40));
        let f = Failure::Transient { retry_after: None };
        match p.decide(30, &f, Idempotence::Safe, now()) {
            RetryDecision::RetryAfter(d) => assert!(d <= Duration::from_secs(30)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn jitter_varies_with_time_but_is_deterministic() {
        let f = Failure::Transient { retry_after: None };
        let a = policy().decide(3, &f, Idempotence::Safe, now());
        let b = policy().decide(3, &f, Idempotence::Safe, now());
        let c = policy().decide(
            3,
            &f,
            Idempotence::Safe,
            now() + chrono::Duration::nanoseconds(7),
        );
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn unsafe_write_is_not_retried_after_a_transient_failure() {
        let f = Failure::Transient { retry_after: None };
        assert_eq!(
            policy().decide(1, &f, Idempotence::Unsafe, now()),
            RetryDecision::GiveUp
        );
    }

    #[test]
    fn unsafe_write_is_retried_when_never_sent_or_rejected() {
        assert!(matches!(
            policy().decide(1, &Failure::NotSent, Idempotence::Unsafe, now()),
            RetryDecision::RetryAfter(_)
        ));
        let rejected = Failure::Rejected {
            wait: Some(RetryAfter::Delay(Duration::from_millis(1500))),
        };
        assert_eq!(
            policy().decide(1, &rejected, Idempotence::Unsafe, now()),
            RetryDecision::RetryAfter(Duration::from_millis(1500))
        );
    }

    #[test]
    fn permanent_is_never_retried() {
        assert_eq!(
            policy().decide(1, &Failure::Permanent, Idempotence::Safe, now()),
            RetryDecision::GiveUp
        );
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        assert_eq!(
            RetryAfter::parse("2.0"),
            Some(RetryAfter::Delay(Duration::from_secs(2)))
        );
        assert_eq!(RetryAfter::parse("-1"), None);
        assert_eq!(RetryAfter::parse("soon"), None);
        let at = RetryAfter::parse("Thu, 26 Nov 2026 12:00:07 GMT").unwrap();
        assert_eq!(at.delay_from(now()), Duration::from_secs(7));
        let f = Failure::Transient {
            retry_after: Some(at),
        };
        assert_eq!(
            policy().decide(1, &f, Idempotence::Safe, now()),
            RetryDecision::RetryAfter(Duration::from_secs(7))
        );
    }

    #[test]
    fn too_long_a_server_wait_gives_up() {
        let f = Failure::Rejected {
            wait: Some(RetryAfter::Delay(Duration::from_secs(600))),
        };
        assert_eq!(
            policy().decide(1, &f, Idempotence::Safe, now()),
            RetryDecision::GiveUp
        );
    }
}
