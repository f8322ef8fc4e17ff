//! The pure domain layer: mappings, plans, reports and exceptions, with no I/O.
//!
//! Everything under `domain` is *sans-IO*. It never touches the network (no `reqwest`), never
//! awaits (no `tokio`), never reads the clock or the environment. A function that needs the
//! time takes `now: DateTime<Utc>` as an argument. Inputs are the wire models of
//! [`crate::shopify::model`] and [`crate::stokly::model`] (already fetched by a client or read
//! from a fixture); outputs are *plans* (the changes a caller may apply) and *reports*
//! (findings a person acts on). Nothing here performs a change, so every plan doubles as a
//! dry run, and every flow is tested exhaustively without a server.
//!
//! - [`exception`]: the typed exception shared by every flow (owner, severity, subject,
//!   reason, fix hint) and the plain [`exception::ExceptionRecord`] that queues and reports
//!   carry.
//! - [`exception_catalogue`]: every exception kind once, with owner, severity, meaning, fix
//!   and the daily or weekly check that finds it.
//! - [`catalogue`]: strict SKU matching between Stokly items and Shopify variants, the catalogue
//!   audit with its Markdown and HTML reports, and the ERP-first product push plan.
//! - [`order`]: a Shopify order mapped to a Stokly sale-order draft whose total equals
//!   Shopify's, or a rejection with one exception per problem.
//! - [`order_change`]: edits and cancellations of posted orders: amend, cancel, no change, or
//!   an exception for a person once Stokly is past the configured cut-off.
//! - [`inventory`]: Shopify availability from Stokly stock, the compare-and-set push plan, the
//!   drift report and echo classification.
//! - [`fulfilment`]: Stokly dispatches as Shopify fulfilments and tracking updates, or
//!   exceptions, as a deterministic plan.
//! - [`exactly_once`]: the sans-IO protocol that creates a record exactly once in a system
//!   without idempotency keys (claim, batched look-up, visibility window, lease check, create,
//!   settle), with typed outcomes and deferral reasons.
//! - [`payout`]: Shopify Payments payouts matched transaction by transaction to posted
//!   records and accounts, one balanced journal per payout, and the finance report.
//! - [`refund`]: Shopify refunds and returns as Stokly credit documents balancing to the
//!   refund's total, with restock decisions, or exceptions.
//! - [`posting`]: order work items, posting outcomes, and the ledger, sale-order and
//!   customer ports that make posting exactly-once.
//! - [`lifecycle`]: each order from payment capture to the payout journal, stage by stage,
//!   with expected times and stuck orders (reason and owner).
//! - [`ports`]: the small async traits a flow reads and writes through (the application
//!   implements them over its own storage; the in-memory implementations here do no I/O).

pub mod catalogue;
pub mod exactly_once;
pub mod exception;
pub mod exception_catalogue;
pub mod fulfilment;
pub mod inventory;
pub mod lifecycle;
pub mod order;
pub mod order_change;
pub mod payout;
pub mod ports;
pub mod posting;
pub mod price_list;
pub mod refund;
pub(crate) mod report;
