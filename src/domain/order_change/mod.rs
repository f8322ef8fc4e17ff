//! Edits and cancellations of orders already posted to Stokly: the pure decision.
//!
//! When a posted Shopify order changes (an `orders/edited`, `orders/updated` or
//! `orders/cancelled` webhook rings), the application re-reads the order, maps it again with
//! [`map_order`](crate::domain::order::map_order), reads the Stokly sale order and its lines,
//! and asks [`decide_order_change`] what to do:
//!
//! - [`OrderChangeDecision::NoChange`]: nothing differs, or the order is cancelled on both
//!   sides.
//! - [`OrderChangeDecision::Amend`]: the changes ([`OrderChange`]) and the amendments to make
//!   in Stokly ([`OrderAmendment`]), when Stokly has not got past the configured
//!   [`CutOff`].
//! - [`OrderChangeDecision::Cancel`]: cancel the sale order ([`Cancellation`]), within the
//!   cut-off.
//! - [`OrderChangeDecision::Review`]: an [`OrderChangeException`] for a person (owner
//!   operations) naming the order, every change, Stokly's progress and the cut-off.
//!
//! The decision is a serialisable work item; the port
//! [`SaleOrderChanges`](crate::domain::ports::SaleOrderChanges) applies it. Stokly's
//! endpoints for amending and cancelling are not in the public evidence, so the default
//! implementation's paths are inferred and kept in one place
//! ([`InferredEndpoints`](crate::stokly::InferredEndpoints)).
//!
//! # What counts as a change
//!
//! [`diff_drafts`] compares the posted draft with the current one line by line on the
//! Shopify line ID: a quantity change (with the line's new amounts), a price change at the
//! same quantity, a line added, a line removed (gone, or no current units left), and a change
//! of the shipping address, recipient, method, cost or tax. A cancellation comes from
//! Shopify's `cancelledAt`; an order with no current units left at all is cancelled too.
//!
//! # How far Stokly has got
//!
//! [`StoklyProgress::of`] reads the sale order's stage and line statuses, in one place (see
//! the table there). Only `order`, `removed` and `unprocessed` are seen in the evidence; the
//! other values are inferred and listed in [`UNRELEASED_STAGES`], [`PICKING_STATUSES`] and
//! [`DISPATCHED_STATUSES`]. Anything else is [`StoklyProgress::Unrecognised`], which no
//! cut-off admits: a change is never applied to an order whose progress cannot be told.
//!
//! # Caveats for the caller
//!
//! - Shopify's `currentQuantity` also drops refunded units, so a refund without an edit shows
//!   in [`diff_drafts`] as a quantity change or a removed line. Refunded units belong to the
//!   refund flow ([`crate::domain::refund`]), which credits them: decide with
//!   [`decide_order_change_after_refunds`] and the [`RefundedUnits`] of the order's credits
//!   since posting ([`without_refunded_units`] is the rule), so the same units are never
//!   both credited and amended away. [`decide_order_change`] assumes no refunds.
//! - Decisions are relative to the posted draft: after an amendment is applied, store the
//!   current draft as the posted one, or the same change is decided again.

mod change;
mod decide;
mod progress;
mod refunds;
mod review;

pub use change::{
    Cancellation, LineAmounts, LineRef, OrderChange, ShippingDetails, ShopifyOrderState,
    diff_drafts,
};
pub use decide::{
    OrderAmendment, OrderChangeDecision, decide_order_change, decide_order_change_after_refunds,
};
pub use progress::{
    CutOff, DISPATCHED_STATUSES, OrderChangeConfig, PICKING_STATUSES, StoklyProgress,
    UNRELEASED_STAGES,
};
pub use refunds::{RefundedUnits, without_refunded_units};
pub use review::{LineMismatch, OrderChangeException};

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code should fail loudly
mod tests;
