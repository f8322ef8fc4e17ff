//! The Shopify Admin GraphQL client.
//!
//! - [`Client`] sends [`GraphQlRequest`]s to `/admin/api/{version}/graphql.json` with the
//!   `X-Shopify-Access-Token` header. It learns the shop's cost bucket from every response and
//!   waits *before* sending a query the bucket cannot afford; `THROTTLED` answers (HTTP 200 or
//!   429) are waited out and retried; `MAX_COST_EXCEEDED`, `ACCESS_DENIED` and validation errors
//!   are not. Clones share the bucket.
//! - [`Client::paginate`] pages any connection lazily; [`Client::run_bulk_query`] and
//!   [`Client::bulk_lines`] run bulk operations and stream their JSONL result.
//! - [`GraphQlRequest::idempotent`] derives the `@idempotent(key:)` value from the content.
//! - Typed reads: [`Client::shop`], [`Client::locations`], [`Client::product_variants`],
//!   [`Client::bulk_product_variants`], [`Client::inventory_levels`], [`Client::order`] and
//!   [`Client::orders_updated_since`] (with an [`OrderCursor`] the application stores).
//!
//! ```no_run
//! # async fn run() -> Result<(), stokly_shopify::shopify::Error> {
//! use futures::TryStreamExt;
//! use stokly_shopify::shopify::{Client, PageOptions};
//!
//! let client = Client::builder()
//!     .shop("acme-store.myshopify.com")
//!     .access_token("shpat_...")
//!     .build()?;
//! let variants: Vec<_> = client
//!     .product_variants(Some("sku:ABC-1"), PageOptions::default())
//!     .try_collect()
//!     .await?;
//! # Ok(())
//! # }
//! ```

mod bulk;
mod client;
#[doc(hidden)]
pub mod documents;
mod error;
mod fulfillments;
mod idempotency;
mod ids;
mod inventory;
pub mod model;
mod orders;
mod pagination;
mod payouts;
mod price_lists;
mod products;
mod refunds;
mod shop;
mod throttle;
pub mod webhooks;

pub use bulk::{BulkNode, BulkPollConfig, MAX_LINE_BYTES, group_by_parent, jsonl_lines};
pub use client::{
    Client, ClientBuilder, DEFAULT_API_VERSION, GraphQlRequest, OLDEST_API_VERSION, Response,
};
pub use documents::BULK_PRODUCT_VARIANTS;
pub use error::{
    BulkFailure, Error, GraphQlError, GraphQlErrorCode, UserError, UserErrorCode, UserErrorsByInput,
};
pub use fulfillments::{
    FULFILLMENT_ORDERS_PER_PAGE, FULFILLMENTS_PER_READ, LINES_PER_PAGE, MAX_FULFILLMENTS,
};
pub use idempotency::idempotency_key;
pub use ids::{
    BalanceTransactionId, BulkOperationId, CompanyId, CompanyLocationCatalogId, CompanyLocationId,
    CustomerId, FulfillmentId, FulfillmentOrderId, FulfillmentOrderLineItemId, Gid, IdError,
    InventoryItemId, InventoryLevelId, LineItemId, LocationId, MAX_NUMERIC_ID, OrderId,
    OrderTransactionId, PayoutId, PriceListId, ProductId, ProductVariantComponentId,
    ProductVariantId, RefundId, ShopId,
};
pub use inventory::{LEVELS_PER_QUERY, MAX_INPUT_ITEMS};
pub(crate) use orders::ORDERS_BATCH;
pub use orders::{DEFAULT_ORDER_OVERLAP, FIRST_READ_TRANSACTIONS, OrderCursor};
pub use pagination::{MAX_PAGE_SIZE, PageOptions};
pub use payouts::{
    DEFAULT_PAYOUT_OVERLAP, PAYOUTS_SCOPE, PayoutCursor, payout_transactions_search,
};
pub use price_lists::{
    CUSTOMERS_PER_READ, FIXED_PRICES_PER_PAGE, MAX_METAFIELDS_PER_CALL, MAX_PRICES_PER_CALL,
    PRICE_LISTS_PER_PAGE,
};
pub use products::CatalogueRead;
pub use throttle::{
    CostBucket, DEFAULT_EXPECTED_COST, DEFAULT_MAX_WAIT, LearnedCosts, QueryCost, ThrottleStatus,
};
pub use throttle::{CostPacer, PacedRequest};
pub use webhooks::{WebhookError, WebhookEvent, WebhookTopic, WebhookVerifier};
