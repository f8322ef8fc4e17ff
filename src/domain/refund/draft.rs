//! The credit document a refund becomes, before it is posted.

use chrono::{DateTime, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use crate::domain::order::{BundleRef, DraftTax, GlAccountCode};
use crate::money::{CurrencyCode, Money};
use crate::shopify::{LineItemId, OrderId, RefundId};
use crate::stokly::model::inferred::{CreditNoteLine, CreditNoteMovement, NewCreditNote};
use crate::stokly::{ItemId, LocationId as StoklyLocationId, SaleOrderId};

/// What happens to refunded units in Stokly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "effect", rename_all = "snake_case")]
#[non_exhaustive]
pub enum StockEffect {
    /// The units were never dispatched: they come off the sale order's open quantity (Stokly
    /// does not ship them), and no returned stock is booked.
    RemoveFromOrder,
    /// The units came back and go into stock at this location.
    Restock {
        /// The Stokly location.
        location: StoklyLocationId,
    },
    /// The units are not restocked (money only, damaged, missing, or awaiting processing).
    NotRestocked {
        /// Why.
        reason: NotRestockedReason,
    },
}

/// Why refunded units do not go back into stock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum NotRestockedReason {
    /// `NO_RESTOCK`: the refund is money only.
    MoneyOnly,
    /// The return's disposition says `NOT_RESTOCKED`.
    NotRestocked,
    /// The return's disposition says `MISSING`.
    Missing,
    /// The return's disposition says `PROCESSING_REQUIRED`: restock by hand once processed.
    ProcessingRequired,
}

/// Some units of a credit line and what happens to them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StockMovement {
    /// Units.
    pub units: i64,
    /// What happens to them.
    pub effect: StockEffect,
}

/// One refunded order line: the money and the units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CreditLine {
    /// The Shopify line.
    pub shopify_line_id: LineItemId,
    /// Its SKU.
    pub sku: String,
    /// The Stokly item credited (the one the line was posted as).
    pub item_id: ItemId,
    /// Its name.
    pub name: String,
    /// Units refunded.
    pub quantity: i64,
    /// Refunded amount net of tax.
    pub net: Money,
    /// Refunded tax.
    pub tax: Money,
    /// The tax split over the original line's tax lines (sums to `tax`).
    pub taxes: Vec<DraftTax>,
    /// What happens to the units (sums to `quantity`).
    pub stock: Vec<StockMovement>,
    /// The Shopify native bundle the line is a component of.
    pub bundle: Option<BundleRef>,
    /// Whether the item is a Stokly composite (Stokly restocks its components).
    pub stokly_composite: bool,
}

impl CreditLine {
    /// `net + tax`.
    ///
    /// # Errors
    /// None in practice (both amounts are in the draft's currency).
    pub fn total(&self) -> Result<Money, crate::money::MoneyError> {
        self.net.checked_add(&self.tax)
    }
}

/// What a money-only credit line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CreditChargeKind {
    /// Refunded duties.
    Duties,
    /// A discrepancy adjustment of the refund (Shopify's `orderAdjustments`).
    Adjustment,
    /// What was left between the refund's parts and its total, within the configured limit.
    Difference,
}

impl CreditChargeKind {
    /// Its name as reports print it.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Duties => "duties",
            Self::Adjustment => "adjustment",
            Self::Difference => "refund difference",
        }
    }
}

/// A money-only line of the credit (duties, adjustments, a difference), on a non-stock item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CreditCharge {
    /// What it is.
    pub kind: CreditChargeKind,
    /// The Stokly item it is posted on.
    pub item_id: ItemId,
    /// The account.
    pub account: GlAccountCode,
    /// Net amount credited (negative: the refund paid back less than the parts).
    pub amount: Money,
    /// Tax credited.
    pub tax: Money,
    /// Shopify's reason, for adjustments.
    pub reason: Option<String>,
}

/// Shipping refunded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CreditShipping {
    /// The account.
    pub account: GlAccountCode,
    /// Net shipping refunded.
    pub amount: Money,
    /// Its tax.
    pub tax: Money,
    /// The tax split over the order's shipping tax lines.
    pub taxes: Vec<DraftTax>,
}

/// A note for finance that travels with a credit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "note", rename_all = "snake_case")]
#[non_exhaustive]
pub enum FinanceNote {
    /// The order's money was already paid out: the refund comes out of a later payout, and
    /// its journal carries it (not the order's).
    RefundAfterPayout,
}

/// A Shopify refund mapped to a Stokly credit document against the posted sale order: a
/// serialisable work item.
///
/// Built only by [`map_refund`](super::map_refund), which guarantees that [`Self::total`]
/// equals the refund's `totalRefundedSet` in the draft's currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditDraft {
    pub(super) refund_id: RefundId,
    pub(super) order_id: OrderId,
    pub(super) order_name: String,
    pub(super) sale_order_id: SaleOrderId,
    pub(super) currency: CurrencyCode,
    pub(super) processed_at: DateTime<Utc>,
    pub(super) note: Option<String>,
    pub(super) lines: Vec<CreditLine>,
    pub(super) shipping: Option<CreditShipping>,
    pub(super) charges: Vec<CreditCharge>,
    pub(super) total: Money,
    pub(super) finance_note: Option<FinanceNote>,
    pub(super) unit_decimal_places: u32,
}

impl CreditDraft {
    /// The Shopify refund: the credit's natural key.
    #[must_use]
    pub fn refund_id(&self) -> &RefundId {
        &self.refund_id
    }

    /// The natural key the exactly-once protocol claims and looks up (the refund's GID).
    #[must_use]
    pub fn natural_key(&self) -> String {
        self.refund_id.as_str().to_owned()
    }

    /// The Shopify order.
    #[must_use]
    pub fn order_id(&self) -> &OrderId {
        &self.order_id
    }

    /// The order's name (`#1001`).
    #[must_use]
    pub fn order_name(&self) -> &str {
        &self.order_name
    }

    /// The sale order credited.
    #[must_use]
    pub fn sale_order_id(&self) -> &SaleOrderId {
        &self.sale_order_id
    }

    /// The currency.
    #[must_use]
    pub fn currency(&self) -> CurrencyCode {
        self.currency
    }

    /// When Shopify processed the refund.
    #[must_use]
    pub fn processed_at(&self) -> DateTime<Utc> {
        self.processed_at
    }

    /// The refund's note.
    #[must_use]
    pub fn note(&self) -> Option<&str> {
        self.note.as_deref()
    }

    /// Goods lines.
    #[must_use]
    pub fn lines(&self) -> &[CreditLine] {
        &self.lines
    }

    /// Shipping refunded, if any.
    #[must_use]
    pub fn shipping(&self) -> Option<&CreditShipping> {
        self.shipping.as_ref()
    }

    /// Duties, adjustments and a difference.
    #[must_use]
    pub fn charges(&self) -> &[CreditCharge] {
        &self.charges
    }

    /// Everything credited, tax included: the refund's `totalRefundedSet`.
    #[must_use]
    pub fn total(&self) -> Money {
        self.total
    }

    /// A note for finance (a refund after the order's payout).
    #[must_use]
    pub fn finance_note(&self) -> Option<FinanceNote> {
        self.finance_note
    }

    /// The **inferred** body of the credit-note create: goods lines with per-unit amounts
    /// (line amounts divided by the units, rounded half away from zero) and a restock flag
    /// per stock movement, then one-unit lines for duties, adjustments and a difference;
    /// shipping and its tax; the refund's GID as `externalReference`.
    #[must_use]
    pub fn to_new_credit_note(&self) -> NewCreditNote {
        let per_unit = |amount: Decimal, units: i64| {
            if units == 0 {
                return amount;
            }
            amount
                .checked_div(Decimal::from(units))
                .unwrap_or(amount)
                .round_dp_with_strategy(
                    self.unit_decimal_places,
                    RoundingStrategy::MidpointAwayFromZero,
                )
        };
        let mut items = Vec::new();
        for line in &self.lines {
            let mut item = CreditNoteLine::item(
                line.item_id.clone(),
                Decimal::from(line.quantity),
                per_unit(line.net.amount(), line.quantity),
                per_unit(line.tax.amount(), line.quantity),
                line.stock
                    .iter()
                    .any(|m| matches!(m.effect, StockEffect::Restock { .. })),
            );
            item.display_line_price = Some(line.net.amount());
            item.display_line_tax = Some(line.tax.amount());
            item.movements = line
                .stock
                .iter()
                .map(|m| match &m.effect {
                    StockEffect::Restock { location } => {
                        CreditNoteMovement::restock(Decimal::from(m.units), location.clone())
                    }
                    StockEffect::RemoveFromOrder => {
                        CreditNoteMovement::remove_from_order(Decimal::from(m.units))
                    }
                    StockEffect::NotRestocked { .. } => {
                        CreditNoteMovement::not_restocked(Decimal::from(m.units))
                    }
                })
                .collect();
            items.push(item);
        }
        for charge in &self.charges {
            let mut item = CreditNoteLine::item(
                charge.item_id.clone(),
                Decimal::ONE,
                charge.amount.amount(),
                charge.tax.amount(),
                false,
            );
            item.display_line_price = Some(charge.amount.amount());
            item.display_line_tax = Some(charge.tax.amount());
            item.account = Some(charge.account.as_str().to_owned());
            items.push(item);
        }
        let mut note = NewCreditNote::new(self.currency, items);
        note.reason.clone_from(&self.note);
        note.external_reference = Some(self.natural_key());
        if let Some(shipping) = &self.shipping {
            note.shipping = Some(shipping.amount.amount());
            note.shipping_tax = Some(shipping.tax.amount());
        }
        note
    }
}
