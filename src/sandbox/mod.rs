//! Stateful emulators of the Shopify Admin GraphQL API and the Stokly REST API on loopback
//! (cargo feature `sandbox`).
//!
//! The emulators keep the real APIs' rules, so that code which passes against them has been
//! exercised against throttling, pagination, idempotency, compare-and-set and bad data before
//! it meets a live store:
//!
//! - [`ShopifyEmulator`]: `/admin/api/{version}/graphql.json`, access-token check, dispatch on
//!   the operation names the crate's documents use (an unknown operation is a GraphQL error, never
//!   a silent success), GIDs, cursor pagination with `first <= 250`, a cost bucket computed from
//!   the document (objects 1 point, connections `2 + first x node`, mutations 10) with
//!   `extensions.cost` on every answer and `THROTTLED` when empty, `MAX_COST_EXCEEDED` above
//!   1,000 points, input arrays over 250 rejected, `@idempotent` keys, `changeFromQuantity`
//!   compare-and-set, bulk operations whose JSONL the same server serves, and a request log.
//! - [`Scenario`]: a seeded, deterministic catalogue (SKUs, bundles), locations, stock and an
//!   order stream, with deliberate defects listed so that tests can check each is found.
//! - [`FaultConfig`]: 5xx answers, throttling, latency and dropped connections at chosen rates,
//!   drawn from a seeded generator so that a failing run can be replayed.
//!
//! Time: the emulators run on a [`SandboxClock`] that can run faster than the wall clock
//! (`time_scale`) and can be advanced by hand, so token expiry and bucket refills can be tested
//! without waiting.

mod clock;
mod faults;
mod rng;
mod scenario;
pub mod shopify;

pub use clock::SandboxClock;
pub use faults::FaultConfig;
pub use rng::SeededRng;
pub use scenario::{
    DefectKind, Scenario, ScenarioBuilder, ScenarioDefect, ScenarioItem, ScenarioLine,
    ScenarioLocation, ScenarioOrder,
};
pub use shopify::{ShopifyConfig, ShopifyEmulator};
