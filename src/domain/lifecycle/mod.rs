//! Each order's way from payment to the books, and where it is stuck.
//!
//! Dashboards show that a sync ran; this shows whether each order got through. An order
//! passes the [`Stage`]s of its line: payment captured in Shopify, posted to Stokly as a
//! sale order, stock reserved, released for picking, dispatched, fulfilled in Shopify, paid
//! out by Shopify Payments, journaled in Stokly; each refund must also be credited. Every
//! stage has an expected time ([`LifecycleConfig`]), counted from the stage before it. An
//! order past it is a [`StuckOrder`], with the stage it waits for, the reason when the
//! facts say (SKU mismatch, missing location mapping, a hold, an unmatched payout line, a
//! refund without credit...) and the team that owns it.
//!
//! The silent failure this exists for: an order posted to Stokly whose stock was never
//! reserved (a SKU that matched a placeholder, an unmapped location). Posting succeeded, so
//! nothing failed loudly; the order waits for [`Stage::Reserved`] and is reported as
//! `posted_not_reserved`.
//!
//! Pure: the application gathers [`OrderFacts`] from what it holds (the posting ledger,
//! Stokly sale orders and dispatches, Shopify fulfilments and refunds, payout
//! reconciliations) and [`assess_lifecycle`] derives the state at a given `now`.

mod assess;
mod facts;

#[cfg(test)]
mod tests;

pub use assess::{
    LifecycleConfig, OrderLifecycle, Stage, StuckOrder, StuckReason, assess_lifecycle,
};
pub use facts::{HoldFact, OrderFacts, RefundFact, UnreservedCause, UnreservedLine};
