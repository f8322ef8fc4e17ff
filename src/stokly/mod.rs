//! The Stokly REST client.
//!
//! Stokly publishes no API specification; this client follows what public code that calls the
//! API shows, and says so wherever it goes further (look for **inferred**).
//!
//! - [`Client`] talks to `https://api.stok.ly` ([`Environment::Production`]) or
//!   `https://api.dev.stok.ly` ([`Environment::Development`]), or a loopback `base_url` for
//!   tests. It authenticates with app credentials at `POST /v1/grant` (`accountkey`,
//!   `clientId` and the lowercase hex HMAC-SHA256 of the client id keyed by the client secret)
//!   and caches the token for every clone: it is renewed a margin before its expiry, and once
//!   more when Stokly answers `401` or `jwt expired` (the call is then sent again once; a
//!   second `jwt expired` ends it with a retryable error). One grant runs at a time:
//!   concurrent callers wait for it and share its outcome, a failure included, so an outage of
//!   the grant costs many callers the requests of one. A failed grant then cools down
//!   ([`GrantCooldown`]: 5 s doubling to 5 minutes): until it ends, calls get its error at
//!   once and no grant is sent. A bearer token pasted from a session works too.
//! - A client-side rate budget, shared by clones, paces requests (4 per second by default)
//!   and pauses when `x-ratelimit-remaining` runs low ([`RateLimit`]). `429` is retried for
//!   every call; `5xx` and timeouts only for reads and writes safe to repeat. A create is never
//!   sent twice after an uncertain failure: Stokly has no idempotency key, so check first
//!   (for orders, [`Client::sale_orders_by_source_reference`]).
//! - Writes answer 202 and become readable later: [`Client::wait_until_visible`] polls a read
//!   with backoff and gives up with [`Error::NotVisible`].
//! - Lists are lazy streams over `page` (0-based) and `size` (default 100, at most 1000) with
//!   [`ListQuery`]; [`Filter`] builds the `[field]op{value}` filter grammar safely and
//!   [`Sort`] the `sortField` / `sortDirection` pair. See [`pagination`](ListQuery) for when a
//!   listing stops.
//! - Resources: items (formats, children with `composingItemQuantity`, composing items,
//!   barcodes, variable items), channels and listings, locations and bins (default bin),
//!   inventory records (with the `UNASSIGNED` aggregate rows, see
//!   [`model::RecordLevel`]) and adjustments, sale orders v2 (list, get, lines, create, patch,
//!   collect items, invoice), customers, invoices. Wire types live in [`model`], IDs are
//!   newtypes ([`ItemId`], [`SaleOrderId`]...).
//! - Every path is in [`endpoints`]. Those no source shows (journals, price lists, order
//!   dispatches and order credit notes) are in [`InferredEndpoints`], replaceable at build
//!   time.
//! - Errors ([`Error`]) keep Stokly's `{message}` with the status, and never carry the client
//!   secret, the signature or a token; neither do `Debug` output or logs.
//!
//! # Quick start
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use futures::TryStreamExt;
//! use rust_decimal::Decimal;
//! use stokly_shopify::CurrencyCode;
//! use stokly_shopify::stokly::model::{NewSaleOrder, NewSaleOrderLine};
//! use stokly_shopify::stokly::{Client, Environment, Filter, ListQuery, Sort};
//!
//! let client = Client::builder()
//!     .environment(Environment::Development)
//!     .account_key("acme")
//!     .client_id(std::env::var("STOKLY_CLIENT_ID").unwrap_or_default())
//!     .client_secret(std::env::var("STOKLY_CLIENT_SECRET").unwrap_or_default())
//!     .build()?;
//!
//! // Active items changed since a watermark, newest first.
//! let since = chrono::Utc::now() - chrono::Duration::hours(1);
//! let query = ListQuery::new()
//!     .filter(Filter::field("status").eq(0)?.and(Filter::field("timeUpdated").gt(since)?))
//!     .sort(Sort::desc("timeUpdated")?)
//!     .page_size(1000);
//! let changed: Vec<_> = client.items(query).try_collect().await?;
//!
//! // Post an order once: look for it first, then create and wait until it can be read.
//! if client.sale_orders_by_source_reference("SHOP-1001").await?.is_empty() {
//!     let Some(item) = changed.first() else { return Ok(()) };
//!     let line = NewSaleOrderLine::item(item.item_id.clone(), Decimal::ONE);
//!     let mut order = NewSaleOrder::new(CurrencyCode::new("GBP")?, vec![line]);
//!     order.source_reference_id = Some("SHOP-1001".into());
//!     let id = client.create_sale_order(&order).await?;
//!     let posted = client.wait_for_sale_order(&id).await?;
//!     println!("posted as order {:?}", posted.nice_id);
//! }
//! # Ok(())
//! # }
//! ```

mod auth;
mod budget;
mod channels;
mod client;
mod customers;
pub mod endpoints;
mod error;
mod filter;
mod ids;
mod inferred;
mod inventory;
mod invoices;
mod items;
mod journals;
mod listings;
mod locations;
pub mod model;
mod pagination;
mod sale_orders;

pub use auth::{DEFAULT_REFRESH_MARGIN, GrantCooldown};
pub use budget::{PacerBooking, RequestPacer};
pub use budget::{RateBudget, RateLimit};
pub use client::{Client, ClientBuilder, Environment, VisibilityPoll};
pub use customers::CUSTOMER_BARCODE_BATCH;
pub use endpoints::InferredEndpoints;
pub use error::Error;
pub use filter::{Field, Filter, FilterError, FilterValue, Op, Sort, SortDirection};
pub use ids::{
    AdjustmentId, BinId, ChannelId, CreditNoteId, CustomerId, DispatchId, IdError, InvoiceId,
    ItemAttributeId, ItemId, ItemTypeId, JournalId, ListingId, LocationId, MAX_ID_LEN, MappingId,
    PriceListId, SaleOrderId, SaleOrderLineId, TaxClassId, UNASSIGNED, UserId,
};
pub use inventory::record_level_filter;
pub use pagination::{DEFAULT_MAX_PAGES, DEFAULT_PAGE_SIZE, ListQuery, MAX_PAGE_SIZE};
pub use sale_orders::{SOURCE_REFERENCE_BATCH, awaiting_fulfilment_filter};
