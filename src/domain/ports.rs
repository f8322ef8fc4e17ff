//! Ports: the small traits through which flows read and write state the application owns,
//! one file per port, the in-memory implementations together in [`memory`] (re-exported
//! here), and one error, [`PortError`], naming its [`PortOperation`].
//!
//! Each port is an object-safe `#[async_trait]` trait, `Send + Sync`, so an application can hold
//! `Arc<dyn DedupStore>` and swap an in-memory implementation (tests, single-process demos) for
//! one over its own database. The crate ships the in-memory implementations; the embedding
//! application owns persistence.
//!
//! # Deduplicating webhook deliveries: [`DedupStore`]
//!
//! Shopify delivers each event at least once, in no particular order, and retries a failed
//! delivery for 4 hours with the original payload. A receiver therefore asks a [`DedupStore`]
//! about every verified delivery, in one atomic step that also records it:
//!
//! - [`DedupVerdict::New`]: first time this event id is seen, and the resource's `updated_at`
//!   (if any) is not older than what was already applied: enqueue it.
//! - [`DedupVerdict::Duplicate`]: this event id was already recorded: acknowledge and drop.
//! - [`DedupVerdict::Stale`]: a new event id, but the resource has already been seen at a later
//!   `updated_at`: acknowledge and drop (the newer event already rang the doorbell). The event
//!   id *is* recorded, so its own retries come back as duplicates.
//!
//! An equal `updated_at` is not stale: distinct topics (`orders/updated` and `orders/paid`) often
//! carry the same timestamp and each may matter. Deliveries without `updated_at` are never
//! stale. When the receiver cannot enqueue a recorded event, it calls
//! [`DedupStore::forget`] and answers with an error status, so that Shopify's retry is accepted
//! as new.
//!
//! ## Implementing it over Redis or SQL
//!
//! The contract is one atomic check-and-record per delivery, with entries kept for at least
//! the retention window (Shopify retries for 4 hours; deliveries have been seen a day late, so
//! 24 hours is a sound default):
//!
//! - **Redis**: a Lua script (atomic) that runs `SET {event_key} {now} NX EX {retention}`; if the
//!   key existed, answer `Duplicate`. Otherwise, when the entry has a resource and `updated_at`,
//!   read `{resource_key}`; if it holds a later timestamp answer `Stale`, else
//!   `SET {resource_key} {updated_at} EX {retention}` and answer `New`. `forget` is `DEL
//!   {event_key}`.
//! - **SQL**: tables `webhook_events(event_key PRIMARY KEY, seen_at)` and
//!   `resource_versions(resource_key PRIMARY KEY, updated_at, touched_at)`. In one transaction:
//!   `INSERT INTO webhook_events ... ON CONFLICT DO NOTHING` (zero rows inserted means
//!   `Duplicate`); then `SELECT updated_at ... FOR UPDATE` on the resource row to decide `Stale`,
//!   or upsert it with the greater timestamp. A periodic `DELETE ... WHERE seen_at < now -
//!   retention` keeps both tables bounded. `forget` deletes the event row.
//!
//! Either way, keys are the strings in [`DedupEntry`]: they already include the shop, so one
//! store serves many shops.
//!
//! # Stock and catalogue: [`StoklyStockPort`], [`ShopifyStockPort`], [`StoklyCataloguePort`], [`ShopifyCataloguePort`]
//!
//! The inventory push and the catalogue read and product push read and write both systems
//! through these, as the order flows do through theirs; the Stokly and Shopify clients
//! implement them (in `adapters`), so an application can put a cache, a queue or a recorder
//! in between.
//!
//! # Applying order edits and cancellations: [`SaleOrderChanges`]
//!
//! Amends or cancels a Stokly sale order as [`crate::domain::order_change`] decided;
//! [`RecordingSaleOrderChanges`] only records the calls.

mod catalogue;
mod clock;
mod customers;
mod dedup;
mod error;
mod inventory;
mod ledger;
pub mod memory;
mod sale_order_changes;
mod sale_orders;

pub use catalogue::{ShopifyCataloguePort, StoklyCataloguePort};
pub use clock::Clock;
pub use customers::{CustomerClaims, CustomerKey, CustomerPort, customer_ledger_key};
pub use dedup::{DedupEntry, DedupError, DedupStore, DedupVerdict};
pub use error::{PortError, PortOperation};
pub use inventory::{ShopifyStockPort, StoklyStockPort};
pub use ledger::{Claim, LedgerRecordId, PostingLedger};
pub use memory::{
    DEFAULT_MAX_EVENTS, DEFAULT_RETENTION, InMemoryDedupStore, InMemoryPostingLedger,
    RecordingSaleOrderChanges,
};
pub use sale_order_changes::{SaleOrderChangeCall, SaleOrderChangeError, SaleOrderChanges};
pub use sale_orders::{PostedSaleOrder, SaleOrderPort};
