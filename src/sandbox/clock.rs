//! The emulators' clock: wall time, optionally sped up, plus manual advances.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

/// A clock shared by the emulators. Emulated time = wall time elapsed since the clock started,
/// times `time_scale`, plus whatever [`SandboxClock::advance`] added. Cheap to clone; clones
/// share the same time.
#[derive(Debug, Clone)]
pub struct SandboxClock {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    started: Instant,
    epoch: DateTime<Utc>,
    time_scale: f64,
    advanced: Mutex<Duration>,
}

impl SandboxClock {
    /// A clock that starts at `epoch` and runs `time_scale` times faster than the wall clock
    /// (values below 0.001 are treated as 0.001).
    #[must_use]
    pub fn new(epoch: DateTime<Utc>, time_scale: f64) -> Self {
        Self {
            inner: Arc::new(Inner {
                started: Instant::now(),
                epoch,
                time_scale: if time_scale.is_finite() {
                    time_scale.max(0.001)
                } else {
                    1.0
                },
                advanced: Mutex::new(Duration::ZERO),
            }),
        }
    }

    /// A real-time clock starting now.
    #[must_use]
    pub fn real_time() -> Self {
        Self::new(Utc::now(), 1.0)
    }

    /// How many emulated seconds pass per wall-clock second.
    #[must_use]
    pub fn time_scale(&self) -> f64 {
        self.inner.time_scale
    }

    /// Emulated time elapsed since the clock started.
    #[must_use]
    pub fn elapsed(&self) -> Duration {
        let wall = self.inner.started.elapsed().mul_f64(self.inner.time_scale);
        let advanced = *self
            .inner
            .advanced
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        wall + advanced
    }

    /// The emulated date and time.
    #[must_use]
    pub fn now(&self) -> DateTime<Utc> {
        let elapsed = chrono::Duration::from_std(self.elapsed()).unwrap_or(chrono::Duration::MAX);
        self.inner
            .epoch
            .checked_add_signed(elapsed)
            .unwrap_or(self.inner.epoch)
    }

    /// Moves emulated time forward (token expiry, bucket refill) without waiting.
    pub fn advance(&self, by: Duration) {
        let mut advanced = self
            .inner
            .advanced
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *advanced += by;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advance_moves_time_forward() {
        let epoch = DateTime::parse_from_rfc3339("2026-11-26T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let clock = SandboxClock::new(epoch, 1.0);
        clock.advance(Duration::from_secs(3600));
        let now = clock.now();
        assert!(now >= epoch + chrono::Duration::hours(1));
        assert!(now < epoch + chrono::Duration::hours(1) + chrono::Duration::seconds(5));
        assert!(clock.clone().elapsed() >= Duration::from_secs(3600));
    }
}
