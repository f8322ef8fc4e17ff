//! Shopify orders as Stokly sale orders: the pure mapping.
//!
//! [`map_order`] turns one Shopify [`Order`](crate::shopify::model::Order) into one
//! [`SaleOrderDraft`] whose total equals Shopify's current total exactly (plus any cash
//! rounding), or into an [`OrderRejection`]: skipped by the gate, or rejected with every
//! problem found. The draft
//! is a serialisable work item; [`SaleOrderDraft::to_new_sale_order`] gives the body of
//! `POST /v2/saleorders`. Nothing here posts anything.
//!
//! # Rules
//!
//! - **Gate** ([`OrderGate`]): an order cancelled before posting is skipped, a test order is
//!   skipped unless test orders are allowed, and only the configured financial statuses post
//!   (by default `PAID`, and `PARTIALLY_REFUNDED`: a refund before posting is left out by
//!   posting the current units). An order with no current units at all is skipped too.
//! - **Lines** are matched on the exact SKU through the [`SkuIndex`](crate::domain::catalogue::SkuIndex).
//!   A blank, unknown or duplicate SKU (or one held only by deleted items) rejects the whole
//!   order, with one exception per bad line: never a partial order.
//! - **Completeness**: an order whose `lineItems` or `shippingLines` still say `hasNextPage`, or
//!   whose transactions are fewer than its `transactionsCount` (or counted only as a lower
//!   bound), is refused with [`OrderException::IncompleteOrder`]: never posted in part. Read
//!   orders with [`crate::shopify::Client::order`], which completes all three.
//! - **Values**: a negative unit price, line total, discount or tax, a quantity above
//!   [`OrderMappingConfig::max_line_quantity`] (default a million), or an amount finer than
//!   the currency's minor unit is an [`OrderException::InvalidLineValue`] naming the line and
//!   the field. Every amount the draft would send that is not an exact JSON number is refused
//!   the same way when mapping, not when the body is written.
//! - **Quantities** are Shopify's `currentQuantity`: removed and refunded units are not posted.
//!   A line with no current units is listed in [`SaleOrderDraft::omitted_lines`], never
//!   dropped silently. A line with some units removed posts the share of its amounts that
//!   belongs to the current units, allocated with [`Money::allocate`](crate::Money::allocate).
//! - **Amounts** are taken in one currency, chosen by the [`CurrencyPolicy`] (shop or
//!   presentment money), for every amount of the draft. A line's amount after all discounts is
//!   `originalTotalSet - totalDiscountSet`: line-level discounts and the line's share of
//!   order-level discounts (its discount allocations) are both in `totalDiscountSet`. Its tax
//!   is the sum of its tax lines. When the order's `taxesIncluded` is set the net amount is the
//!   gross amount minus the tax; otherwise the amount is net and the tax is added.
//! - **Shipping** is the sum of the shipping lines not removed, at their current discounted
//!   price, with their tax lines; free shipping posts a zero cost.
//! - **Charges**: tips (`totalTipReceivedSet`), duties (`currentTotalDutiesSet`), additional
//!   fees (`currentTotalAdditionalFeesSet`, with their tax lines) and cash rounding are each a
//!   [`DraftCharge`] posted as its own one-unit line on the Stokly item and general-ledger
//!   account configured for its [`ChargeKind`] ([`OrderMappingConfig::with_charge_account`]);
//!   a charge without one rejects the order ([`OrderException::UnmappedCharge`]).
//! - **Duties** are one charge for the order, not one per line: Shopify states the current
//!   duties (after returns and edits) only for the whole order, and the ERP needs one
//!   amount on the duties account, not the origin or HS code of each line's duty. Its taxes
//!   are the tax lines of every line's `duties`, each duty's share for the line's current
//!   units taken as a line's own taxes are, mapped through the [`TaxAccountMap`] like every
//!   other tax (an unmapped key is an [`OrderException::UnmappedTax`], once per key). As
//!   for fees and shipping, the duty amount includes its tax when the order's
//!   `taxesIncluded` is set; if Shopify states it otherwise for an order, the total check
//!   refuses the order rather than post it wrong. `dutiesIncluded` (duties inside the line
//!   prices) is not read: such an order posts only if its figures add up as above, and a
//!   charge whose taxes exceed its tax-inclusive amount is an
//!   [`OrderException::InvalidAmount`].
//! - **Cash rounding**: a cash payment at Point of Sale in a currency rounded to its coins
//!   (CHF, DKK, SEK...) changes hands for more or less than the order's total; Shopify keeps
//!   the total and `totalReceivedSet` unrounded and states the difference in
//!   `totalCashRoundingAdjustment` (and on each transaction in `amountRoundingSet`). The
//!   sale order is posted for the cash that changed hands: the payments' rounding less the
//!   refunds' is a [`ChargeKind::CashRounding`] line (untaxed), and each rounded payment is
//!   posted with its rounding. The draft's total is then Shopify's current total plus that
//!   rounding. The transactions' roundings must add up to the order's, or the order is an
//!   [`OrderException::PaymentMismatch`]. Cash rounded down would need a negative line,
//!   which a Stokly sale order does not take (the Stokly client refuses negative prices), so
//!   by default it is an [`OrderException::CashRoundedDown`] for finance, refused when
//!   mapping rather than when posting; with [`CashRoundingDown::OffTheLines`] it is taken
//!   off the goods lines' net prices instead and shown in
//!   [`SaleOrderDraft::cash_rounding_off_lines`].
//! - **Rounding**: line amounts are Shopify's and are the authority. Per-unit amounts (Stokly's
//!   `displayPrice`, `displayTax`, `displayDiscount`) are the line amounts divided by the
//!   quantity, rounded with the configured, named strategy (default half away from zero, four
//!   places), and are sent along with the line totals. Lines, charges and shipping must add up
//!   to Shopify's `currentTotalPriceSet` (plus the cash rounding). The only remainder the mapping itself makes is from
//!   splitting a partly removed line's amounts, at most one minor unit per such line; that
//!   much, and never more than [`OrderMappingConfig::rounding_limit`] per order (default two
//!   minor units), is allocated across the lines' net prices and shown in
//!   [`SaleOrderDraft::rounding_adjustment`]. Any other difference rejects the order with
//!   [`OrderException::TotalMismatch`] (owner finance), showing both totals.
//! - **Tax check**: the draft's taxes (lines, shipping, duties, fees) must equal Shopify's
//!   `currentTotalTaxSet` and, key by key (title and rate), its `currentTaxLines`, within the
//!   same split-line remainder; otherwise [`OrderException::TaxMismatch`] (owner finance). A tax
//!   the lines do not carry is never posted as revenue.
//! - **Taxes** are mapped to general-ledger accounts through the [`TaxAccountMap`], keyed by
//!   [`TaxKey`] (title, rate, source or jurisdiction, channel liability). A key not in the map
//!   rejects the order with [`OrderException::UnmappedTax`] (owner finance), once per key.
//! - **Bundles**: the components of a Shopify native bundle arrive as separate lines that carry
//!   a `lineItemGroup`; each is matched on its own SKU and posted as a component line, with the
//!   bundle named in [`DraftLine::bundle`] (the bundle itself is not a Stokly item on the order).
//!   A line whose SKU is a Stokly composite item posts as that composite
//!   ([`DraftLine::stokly_composite`]), and Stokly decrements its components.
//! - **Customer** ([`CustomerLookup`]): a B2B order (a purchasing company) names the trade
//!   customer by company and location; a consumer is named by Shopify customer ID (kept as the
//!   Stokly customer's barcode) or by e-mail, as [`CustomerMatch`] says; an order with neither
//!   is a guest sale. Finding or creating the Stokly customer is the caller's.
//! - **Payments** are the successful `SALE` and `CAPTURE` transactions. One in another currency
//!   than the posting currency rejects the order ([`OrderException::PaymentInOtherCurrency`]).
//!   A transaction whose kind or status the crate does not know (`SALE_V2`, `SETTLED`, or
//!   Shopify's `UNKNOWN` status on a money-moving kind) is kept as it came and rejects the
//!   order ([`OrderException::UnknownTransaction`]). The rest are reconciled with Shopify:
//!   sales and captures less change equal `totalReceivedSet`, refunds equal
//!   `totalRefundedSet`, and received less refunded plus `totalOutstandingSet` equals the
//!   current total (all before cash rounding, as Shopify states them); a difference is an
//!   [`OrderException::PaymentMismatch`]. No rule depends
//!   on how many transactions one request asks for
//!   ([`crate::shopify::FIRST_READ_TRANSACTIONS`] is only the first read's size).
//! - **References**: `sourceReferenceId` is the Shopify order's numeric ID (stable, the key to
//!   deduplicate on before posting) and `customerReference` is the order's name (`#1001`).

mod config;
mod draft;
mod map;
mod rejection;

pub use config::{
    CashRoundingDown, ChargeAccount, CurrencyPolicy, CustomerMatch, GlAccountCode, OrderGate,
    OrderMappingConfig, TaxAccountMap, TaxKey,
};
pub use draft::{
    BundleRef, ChargeKind, CustomerLookup, DraftCharge, DraftLine, DraftPayment, DraftShipping,
    DraftTax, OmissionReason, OmittedLine, SaleOrderDraft,
};
pub use map::map_order;
pub use rejection::{
    LineSubject, OrderException, OrderPart, OrderRejection, OrderSubject, PaymentMeasure,
    SkipReason, ValueProblem,
};

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code should fail loudly
pub(crate) mod test_support;
#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code should fail loudly
mod tests;
