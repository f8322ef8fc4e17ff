//! # stokly-shopify
//!
//! Connects Shopify (where goods are sold) to Stokly ERP (the single source of truth for stock,
//! product data and money) and keeps the order-to-cash loop exact: orders posted once, stock
//! pushed without overwriting a sale, dispatches fulfilled, payouts reconciled to the cent.
//!
//! ## Layers
//!
//! ```text
//!  your application: scheduling, queues, storage, the webhook endpoint        examples/
//!     |  calls                   |  implements the ports (ledger, dedup, clock...)
//!     v                          v
//!  adapters   reads that feed the domain, writes that apply its plans, and the one
//!     |       driver of the exactly-once protocol (run_exactly_once)
//!     |------------------------------------------------.
//!     v                                                 v
//!  domain     pure (sans-IO): mappings, plans,       shopify  Admin GraphQL client, webhooks
//!             reports, the exactly-once protocol,    stokly   REST client
//!             the ports as traits                       \__ http (private): retries, timeouts
//!             (reads the clients' wire models, never calls a client)
//!
//!  sandbox (feature): both APIs emulated on loopback, a clock you drive, seeded faults
//! ```
//!
//! Dependencies point down only. The domain takes time as an argument (`now`) and does no I/O,
//! so every plan is also a dry run and every rule is tested without a server (a test,
//! `tests/domain_purity.rs`, fails if code under `src/domain` reads the clock, sleeps, or
//! reaches the network, the file system, the clients or the adapters). The clients hold
//! no business rules: they send what they are given, pace themselves against the APIs' limits
//! and retry only what is safe to repeat. The adapters are the one place the two meet.
//!
//! ## Module map
//!
//! - [`shopify`]: the Shopify Admin GraphQL client: cost-based throttling shared by clones,
//!   cursor pagination, bulk operations streamed line by line, `@idempotent` keys, typed reads
//!   and writes, typed error codes; [`shopify::webhooks`] verifies deliveries (HMAC in
//!   constant time, both header forms) and turns them into events to deduplicate.
//! - [`stokly`]: the Stokly REST client: the signed grant and a shared token, a rate budget,
//!   the filter grammar, lazy paging, and [`stokly::Client::wait_until_visible`] for writes
//!   that become readable late.
//! - [`domain`]: the pure layer (no I/O, no clock, no tokio):
//!   - [`domain::exactly_once`]: creating a record exactly once in a system without
//!     idempotency keys, as a sans-IO protocol with typed outcomes and deferral reasons;
//!   - [`domain::order`]: a Shopify order as a Stokly sale-order draft whose total equals
//!     Shopify's, or one exception per problem;
//!   - [`domain::order_change`]: edits and cancellations of posted orders;
//!   - [`domain::inventory`]: safe availability, the compare-and-set push plan, the drift
//!     report and echo classification;
//!   - [`domain::fulfilment`]: Stokly dispatches as Shopify fulfilments and tracking;
//!   - [`domain::payout`]: payouts matched transaction by transaction, one balanced journal
//!     per payout, and the finance report;
//!   - [`domain::refund`]: Shopify refunds and returns as Stokly credit documents balancing
//!     to the refund's total, with restock decisions;
//!   - [`domain::catalogue`]: strict SKU matching, the catalogue audit and the ERP-first product
//!     push plan;
//!   - [`domain::posting`]: order work items, posting outcomes and the posting ports;
//!   - [`domain::ports`]: the async traits a flow reads and writes through (clock, dedup
//!     store, ...), with in-memory implementations;
//!   - [`domain::exception`]: the typed exception every flow reports (owner, severity,
//!     subject, reason, fix hint).
//!   - [`domain::lifecycle`]: each order from payment capture to the payout journal, with
//!     expected times per stage and stuck orders (reason and owner);
//!   - [`domain::exception_catalogue`]: every exception kind once, with owner, severity,
//!     meaning, fix and the check that finds it.
//! - [`ops`]: the daily health report (Markdown, or one HTML page with inline SVG charts)
//!   and the generated operations manual for business readers.
//! - [`adapters`]: the flows end to end: catalogue reads and the product push, inventory
//!   reads and push, order capture and posting, fulfilments, payouts and their journals,
//!   refunds and their credit documents, and
//!   [`adapters::exactly_once::run_exactly_once`], the driver every create goes through.
//! - `postgres` (feature `postgres`): fleet mode, the state several workers of one shop share
//!   in PostgreSQL: the posting ledger, webhook dedup and inbox, a work queue, the shared
//!   Shopify cost bucket and Stokly request budget, and checkpoints.
//! - `sandbox` (feature `sandbox`): stateful emulators of both APIs on loopback, a seeded
//!   scenario, fault injection and a controllable clock.
//! - [`money`]: [`Money`], exact amounts with a currency, checked arithmetic and allocation.
//! - [`Secret`]: credentials that never print.
//! - [`Error`]: the root error, with [`Error::is_retryable`] and [`Error::retry_after`].
//!
//! ## Quick start: Shopify
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
//!
//! ## Quick start: Stokly
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use futures::TryStreamExt;
//! use stokly_shopify::stokly::{self, Environment, Filter, ListQuery};
//!
//! let client = stokly::Client::builder()
//!     .environment(Environment::Development)
//!     .account_key("acme")
//!     .client_id(std::env::var("STOKLY_CLIENT_ID").unwrap_or_default())
//!     .client_secret(std::env::var("STOKLY_CLIENT_SECRET").unwrap_or_default())
//!     .build()?;
//! let active = ListQuery::new().filter(Filter::field("status").eq(0)?);
//! let items: Vec<_> = client.items(active).try_collect().await?;
//! println!("{} active items", items.len());
//! # Ok(())
//! # }
//! ```
//!
//! ## Quick start: webhooks
//!
//! A receiver answers quickly and leaves the work to a queue; the event is a doorbell (re-read
//! the resource before acting) and is deduplicated on [`shopify::webhooks::WebhookEvent::dedup_id`].
//!
//! ```
//! use stokly_shopify::Secret;
//! use stokly_shopify::shopify::webhooks::{WebhookEvent, WebhookVerifier};
//!
//! /// The HTTP status to answer, and the event to queue when there is one.
//! fn receive(
//!     verifier: &WebhookVerifier,
//!     headers: &[(&str, &str)],
//!     body: &[u8],
//! ) -> (u16, Option<WebhookEvent>) {
//!     match verifier.verify(headers.iter().copied(), body) {
//!         Ok(event) => (200, Some(event)),
//!         Err(refused) => (refused.http_status(), None),
//!     }
//! }
//!
//! let verifier = WebhookVerifier::new(Secret::new("app-client-secret"))?;
//! let (status, event) = receive(&verifier, &[("X-Shopify-Topic", "orders/paid")], b"{}");
//! assert_eq!((status, event), (401, None));
//! # Ok::<(), stokly_shopify::shopify::webhooks::WebhookError>(())
//! ```
//!
//! ## Quick start: the sandbox
//!
//! With the `sandbox` feature, both clients run against emulators seeded from a scenario, on a
//! clock the test drives:
//!
//! ```no_run
//! # #[cfg(feature = "sandbox")]
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use stokly_shopify::sandbox::{
//!     SandboxClock, ScenarioBuilder, ShopifyConfig, ShopifyEmulator, StoklyConfig,
//!     StoklyEmulator, StoklyState,
//! };
//!
//! let scenario = ScenarioBuilder::new(2026).skus(40).locations(2).orders(12).build();
//! let clock = SandboxClock::new(scenario.epoch, 1.0);
//! let shopify_emulator = ShopifyEmulator::start(
//!     scenario.shopify_state("acme-sandbox.myshopify.com"),
//!     ShopifyConfig::standard_plan(),
//!     clock.clone(),
//! )
//! .await?;
//! let stokly_emulator = StoklyEmulator::start(
//!     StoklyState::from_scenario(&scenario, "acme"),
//!     StoklyConfig::default(),
//!     clock,
//! )
//! .await?;
//! let shopify = shopify_emulator.client_builder().build()?;
//! let stokly = stokly_emulator.client_builder().build()?;
//! println!("{} in the sandbox", shopify.shop().await?.name);
//! # drop(stokly);
//! # Ok(())
//! # }
//! ```
//!
//! The `examples/` folder runs each flow end to end on the sandbox (`cargo run --example
//! quickstart`, `order_to_cash`, `sync_inventory`, `fulfil_orders`, `reconcile_payouts`...).

pub mod adapters;
pub mod domain;
mod error;
mod http;
pub mod money;
pub mod ops;
#[cfg(feature = "postgres")]
pub mod postgres;
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
