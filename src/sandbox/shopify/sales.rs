//! Sales landing in the emulated shop while a client works: what makes a compare-and-set
//! write go stale. Deterministic: time is counted per request, not read from the wall clock.

use std::time::Duration;

use super::state::ShopifyState;
use crate::sandbox::rng::SeededRng;

/// Shopify sales arriving at a steady rate while requests are answered. Each sale takes one
/// unit of `available` (and adds one to `committed`) at a stocked level drawn at random; a
/// level with nothing available is left alone.
///
/// Time for the sales is emulated per request: each GraphQL request the emulator answers
/// takes `request_time`, and the sales due by then land before it runs. The same requests in
/// the same order meet the same sales, however fast or loaded the machine is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct SalesChurn {
    /// Time between two sales (a sale every 2 ms is 500 a second).
    pub sale_every: Duration,
    /// Emulated time each request takes, from the client's sending it to its answer.
    pub request_time: Duration,
    /// Seed of the generator that picks the level of each sale.
    pub seed: u64,
}

impl SalesChurn {
    /// A sale every `sale_every`, each request taking `request_time`.
    #[must_use]
    pub fn new(sale_every: Duration, request_time: Duration) -> Self {
        Self {
            sale_every,
            request_time,
            seed: 0,
        }
    }

    /// Sets the seed.
    #[must_use]
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
}

/// How far the sales have got.
#[derive(Debug)]
pub(crate) struct SalesProgress {
    churn: SalesChurn,
    busy: Duration,
    made: u64,
    rng: SeededRng,
}

impl SalesProgress {
    pub(crate) fn new(churn: SalesChurn) -> Self {
        Self {
            churn,
            busy: Duration::ZERO,
            made: 0,
            rng: SeededRng::new(churn.seed),
        }
    }

    /// Sales made so far.
    pub(crate) fn made(&self) -> u64 {
        self.made
    }

    /// One more request arrives: the sales due by its end land in `state`.
    pub(crate) fn on_request(&mut self, state: &mut ShopifyState) {
        self.busy += self.churn.request_time;
        let every = self.churn.sale_every.as_nanos().max(1);
        let due = u64::try_from(self.busy.as_nanos() / every).unwrap_or(u64::MAX);
        if due <= self.made {
            return;
        }
        let keys: Vec<(u64, u64)> = state.inventory.keys().copied().collect();
        while self.made < due {
            self.made += 1;
            let pick = usize::try_from(self.rng.below(keys.len() as u64)).unwrap_or(0);
            let Some(level) = keys.get(pick).and_then(|k| state.inventory.get_mut(k)) else {
                continue;
            };
            let available = level.get("available").copied().unwrap_or(0);
            if available > 0 {
                level.insert("available".to_owned(), available - 1);
                *level.entry("committed".to_owned()).or_insert(0) += 1;
            }
        }
    }
}
