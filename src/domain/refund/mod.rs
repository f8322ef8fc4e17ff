//! Shopify refunds and returns as Stokly credit documents: the pure mapping.
//!
//! [`map_refund`] turns one Shopify [`Refund`](crate::shopify::model::Refund) of a posted
//! order into a [`RefundDecision`]: a [`CreditDraft`] against the sale order whose total is
//! the refund's `totalRefundedSet` to the cent, nothing to do, or a [`RefundRejection`] with
//! one [`RefundException`] per problem. The draft is a serialisable work item;
//! [`CreditDraft::to_new_credit_note`] gives the (**inferred**) body of the credit create,
//! and the adapter posts it through the exactly-once protocol with the refund GID as the
//! natural key ([`CreditDocuments`] is the port).
//!
//! # Rules
//!
//! - **Read, don't sum webhooks.** `refunds/create` is a doorbell: the refund is re-read with
//!   [`Client::order_refunds`](crate::shopify::Client::order_refunds). Shipping refunded is the
//!   sum of `refundShippingLines`; order adjustments are discrepancies only (GraphQL has no
//!   shipping-refund adjustment; the REST webhook body carries the shipping refund twice). A
//!   refund with a connection still on `hasNextPage` is refused
//!   ([`RefundException::IncompleteRefund`]), never credited in part.
//! - **Timing.** Not posted yet ([`SaleOrderState::NotPosted`]), or created before the sale
//!   order was posted (compared at whole seconds, as Shopify stamps them; a refund in the
//!   second of posting counts as after it): [`RefundDecision::BeforePosting`]. Posting takes Shopify's current
//!   quantities, so the sale order never carried the refunded units: the sale order is the
//!   amended document, and there is nothing to credit. Posted: a credit. Posted and already
//!   paid out ([`SaleOrderFacts::paid_out`]): a credit with
//!   [`FinanceNote::RefundAfterPayout`] (the money leaves in a later payout).
//! - **Currency.** Every amount is taken in the currency the [`RefundMappingConfig`]'s policy
//!   picks (shop or presentment money), which must be the sale order's; any other is
//!   [`RefundException::OtherCurrency`]. Shop and presentment amounts are never mixed.
//! - **Lines** are credited on the Stokly item the line was posted as, at the refunded
//!   subtotal and tax (`subtotalSet`, `totalTaxSet`). For a tax-inclusive order the subtotal
//!   includes the tax (**inferred**, as Shopify states line subtotals), so the net is the
//!   subtotal less the tax. Refunds carry one tax figure per line: it is split over the
//!   posted line's tax lines in proportion to their amounts, with the remainder rule of
//!   [`Money::allocate`](crate::Money::allocate); tax on a line with no tax lines is
//!   [`RefundException::TaxWithoutTaxLines`]. A line not posted is an exception, and so are
//!   more units than posted, counted over the order's refunds since posting in Shopify's
//!   order (oldest first, as [`OrderRefunds`](crate::shopify::model::OrderRefunds) lists
//!   them): two refunds of 2 units each of a 3-unit line credit the first and refuse the
//!   second ([`RefundException::MoreUnitsThanPosted`] names the units earlier refunds took).
//!   An entry refused so takes no units from later ones.
//! - **Units** ([`StockEffect`]): units Stokly has not dispatched yet (posted less
//!   [`SaleOrderFacts::dispatched_units`], which [`SaleOrderFacts::with_dispatches`] fills from
//!   Stokly's dispatches) are taken first, the order's earlier refunds first of all, and come
//!   off the sale order ([`StockEffect::RemoveFromOrder`]): they never left, so they are not
//!   returned stock.
//!   The rest follow `restockType`: `RETURN` (and the deprecated `LEGACY_RESTOCK`) restock at
//!   the refund line's location mapped to a Stokly location; `NO_RESTOCK` is money only;
//!   `CANCEL` may only take undispatched units ([`RefundException::CancelOfDispatchedUnits`]
//!   otherwise). When the refund belongs to a return, the return's dispositions decide first:
//!   `RESTOCKED` at the disposition's location, `NOT_RESTOCKED`, `MISSING` and
//!   `PROCESSING_REQUIRED` not restocked (the last for a person to restock once processed).
//!   An unknown restock type is an exception.
//! - **Bundles.** The components of a Shopify native bundle are order lines of their own:
//!   each refunded component is credited and restocked on its own item, so a refunded bundle
//!   credits and restocks its components in the proportion Shopify refunded them
//!   ([`CreditLine::bundle`] names the bundle). A line posted as a Stokly composite is
//!   credited as that composite ([`CreditLine::stokly_composite`]) and Stokly restocks its
//!   components, as it decremented them.
//! - **Shipping, duties, adjustments** each go to their own configured account: shipping
//!   (with its tax split over the posted shipping's tax lines), duties and adjustments on
//!   their non-stock items. An adjustment is stated from the order's side (the REST
//!   recording shows `-5.00` for 5.00 paid back), so the credit takes its negation. A kind
//!   of amount without an account is [`RefundException::UnmappedAccount`].
//! - **Balance.** Lines, shipping, duties and adjustments must add up to
//!   `totalRefundedSet`. A difference up to the configured limit (default 0.05) is posted as a
//!   [`CreditChargeKind::Difference`] line on the adjustments account; more is
//!   [`RefundException::DoesNotBalance`] (owner finance). So every credit draft equals the
//!   refund's total exactly.
//! - **Ownership of refunded units.** Shopify's `currentQuantity` drops refunded units, so
//!   the order-change flow sees a refund as a quantity change. Refunded units belong to this
//!   flow: [`order_change::without_refunded_units`](crate::domain::order_change::without_refunded_units)
//!   takes them out of the order-change diff, so a refund is never both credited and
//!   amended.

mod config;
mod dispatched;
mod draft;
mod exception;
mod map;
mod port;

pub use config::RefundMappingConfig;
pub use dispatched::dispatched_units;
pub use draft::{
    CreditCharge, CreditChargeKind, CreditDraft, CreditLine, CreditShipping, FinanceNote,
    NotRestockedReason, StockEffect, StockMovement,
};
pub use exception::{RefundAccount, RefundException, RefundRef, RefundRejection};
pub use map::{RefundDecision, SaleOrderFacts, SaleOrderState, map_refund};
pub use port::CreditDocuments;

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code should fail loudly
mod tests;
