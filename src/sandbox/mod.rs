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
//!   the document by a model fitted to real Shopify's costs
//!   ([`shopify::requested_query_cost`]; connections far below `2 + first x node`) with
//!   `extensions.cost` on every answer and `THROTTLED` when empty, `MAX_COST_EXCEEDED` above
//!   1,000 points, input arrays over 250 rejected, `@idempotent` keys, `changeFromQuantity`
//!   compare-and-set, bulk operations whose JSONL the same server serves, and a request log.
//! - [`StoklyEmulator`]: `/v1/grant` with the HMAC signature checked and tokens that expire
//!   (`{"message":"jwt expired"}`), the list/single/create envelopes with 202 on writes and an
//!   optional visibility delay, a real parser for the filter grammar, `page`/`size` paging
//!   (`size` at most 1,000), sorting, `x-ratelimit-remaining` and 429 when the per-minute budget
//!   is spent, the `UNASSIGNED` aggregate rows of inventory records, adjustments into bins, sale
//!   orders with lines, collection and invoices, customers; unknown routes answer 404.
//! - [`Scenario`]: a seeded, deterministic catalogue (SKUs, bundles), locations, stock and an
//!   order stream, with deliberate defects listed so that tests can check each is found.
//! - [`FaultConfig`]: 5xx answers, throttling, latency and dropped connections at chosen rates
//!   (and, on Stokly, answers lost after the work was done and tokens expiring early), drawn
//!   from a seeded generator so that a failing run can be replayed.
//!
//! - [`operations_day`]: a seeded day of operations over posted orders, with deliberate
//!   faults and the stuck orders a monitor must report for them.
//!
//! Time: the emulators run on a [`SandboxClock`] that can run faster than the wall clock
//! (`time_scale`) and can be advanced by hand, so token expiry and bucket refills can be tested
//! without waiting.

mod clock;
mod faults;
pub mod operations_day;
pub mod payouts;
mod rng;
mod scenario;
pub mod shopify;
pub mod stokly;

pub use clock::SandboxClock;
pub use faults::FaultConfig;
pub use rng::SeededRng;
pub use scenario::{
    CapturedShop, DefectKind, SANDBOX_CHANNEL, SandboxSetupError, Scenario, ScenarioBuilder,
    ScenarioDefect, ScenarioItem, ScenarioLine, ScenarioLocation, ScenarioOrder, capture_shop,
    read_catalogue_and_mapping, sandbox_mapping_config,
};
pub use shopify::{ShopifyConfig, ShopifyEmulator};
pub use stokly::{LoggedRequest as LoggedStoklyRequest, StoklyConfig, StoklyEmulator, StoklyState};
