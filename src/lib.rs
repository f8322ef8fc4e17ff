//! # stokly-shopify
//!
//! Connects Shopify (where goods are sold) to Stokly ERP (the single source of truth for stock,
//! product data and money) and keeps the order-to-cash loop exact.
//!
//! ## Layers
//!
//! ```text
//!  your application (scheduling, queues, persistence)      examples/
//!            |
//!  domain   pure mappings, plans and reports (no I/O)
//!            |
//!  shopify  typed Admin GraphQL client      stokly  typed REST client
//!            \_________ http (private): retry policy, timeouts _________/
//! ```
//!
//! ## Module map
//!
//! - [`shopify`]: the Shopify Admin GraphQL client: cost-based throttling shared by clones,
//!   cursor pagination, bulk operations streamed line by line, idempotency keys, typed reads.
//! - [`stokly`]: the Stokly REST client.
//! - [`domain`]: the pure layer (no I/O): typed exceptions, strict SKU matching, the catalogue
//!   audit and the ERP-first product push plan.
//! - [`adapters`]: the reads and writes that connect the domain to the two clients.
//! - [`money`]: [`Money`], exact amounts with a currency, checked arithmetic and allocation.
//! - `sandbox` (feature `sandbox`): stateful emulators of both APIs on loopback.
//! - [`Secret`]: credentials that never print.
//! - [`Error`]: the root error, with [`Error::is_retryable`] and [`Error::retry_after`].
//!
//! ## Quick start
//!
//! ```no_run
//! # async fn run() -> Result<(), stokly_shopify::Error> {
//! use stokly_shopify::shopify;
//!
//! let client = shopify::Client::builder()
//!     .shop("acme-store.myshopify.com")
//!     .access_token(std::env::var("SHOPIFY_ACCESS_TOKEN").unwrap_or_default())
//!     .build()?;
//! let shop = client.shop().await?;
//! println!("{} sells in {}", shop.name, shop.currency_code);
//! # Ok(())
//! # }
//! ```

pub mod adapters;
pub mod domain;
mod error;
mod http;
pub mod money;
#[cfg(feature = "sandbox")]
pub mod sandbox;
mod secret;
pub mod shopify;
pub mod stokly;
mod wire_enum;

pub use error::Error;
pub use http::{RetryConfig, RetryDecision, Timeouts};
pub use money::{CurrencyCode, Money, MoneyError};
pub use secret::Secret;
