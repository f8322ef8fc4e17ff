//! The clock port: the one clock a driver of a pure protocol reads.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

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
