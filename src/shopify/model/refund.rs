//! Refunds and returns of an order, as the refund flow reads them (`Order.refunds`,
//! `Order.returns`).
//!
//! A refund is the money side (what was paid back, line by line, with shipping, duties and
//! discrepancy adjustments); a return is the goods side (what came back, and where each unit
//! went: its dispositions). Webhook bodies are never summed: the refund is re-read here.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::order::{MoneyBag, OrderTransaction};
use super::page::Connection;
use crate::money::CurrencyCode;
use crate::shopify::ids::{LineItemId, LocationId, OrderId, RefundId};
use crate::wire_enum::wire_enum;

wire_enum!(
    /// `RefundLineItemRestockType`: what happens to the refunded units.
    RestockType {
        /// Fulfilled units come back to the location.
        Return => "RETURN",
        /// Unfulfilled units are taken off the order (never shipped).
        Cancel => "CANCEL",
        /// Deprecated; Shopify no longer accepts it on writes.
        LegacyRestock => "LEGACY_RESTOCK",
        /// Money only: the goods stay where they are.
        NoRestock => "NO_RESTOCK",
    }
);

wire_enum!(
    /// `OrderAdjustmentDiscrepancyReason`.
    AdjustmentReason {
        /// Restocking fee.
        Restock => "RESTOCK",
        /// Damage.
        Damage => "DAMAGE",
        /// Goodwill to the customer.
        Customer => "CUSTOMER",
        /// The refunded amount differs from the items' value.
        RefundDiscrepancy => "REFUND_DISCREPANCY",
        /// Balancing a full return.
        FullReturnBalancingAdjustment => "FULL_RETURN_BALANCING_ADJUSTMENT",
        /// A pending refund's discrepancy.
        PendingRefundDiscrepancy => "PENDING_REFUND_DISCREPANCY",
    }
);

wire_enum!(
    /// `ReverseFulfillmentOrderDispositionType`: where a returned unit went.
    DispositionType {
        /// Back in stock at the disposition's location.
        Restocked => "RESTOCKED",
        /// Needs processing before it can be sold again.
        ProcessingRequired => "PROCESSING_REQUIRED",
        /// Not restocked (damaged, disposed of).
        NotRestocked => "NOT_RESTOCKED",
        /// Never arrived.
        Missing => "MISSING",
    }
);

wire_enum!(
    /// `ReturnStatus`.
    ReturnStatus {
        /// Cancelled.
        Canceled => "CANCELED",
        /// Closed (processed).
        Closed => "CLOSED",
        /// Open.
        Open => "OPEN",
        /// Requested by the customer.
        Requested => "REQUESTED",
        /// Declined.
        Declined => "DECLINED",
    }
);

/// An order's refunds and returns, with the currencies their amounts are in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OrderRefunds {
    /// The order.
    pub id: OrderId,
    /// `#1001`.
    pub name: String,
    /// Shop currency.
    pub currency_code: CurrencyCode,
    /// The currency the customer paid in.
    pub presentment_currency_code: CurrencyCode,
    /// Every refund, oldest first (a list: Shopify gives it whole).
    #[serde(default)]
    pub refunds: Vec<Refund>,
    /// The returns the refunds belong to (goods side), with their dispositions.
    #[serde(default)]
    pub returns: Connection<Return>,
}

/// A refund (`Refund`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Refund {
    /// The refund's ID: the natural key of its credit document.
    pub id: RefundId,
    /// Created.
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
    /// Processed (when the money moved).
    pub processed_at: DateTime<Utc>,
    /// The merchant's note.
    #[serde(default)]
    pub note: Option<String>,
    /// What the refund paid back in total: what its credit document must equal.
    pub total_refunded_set: MoneyBag,
    /// Lines refunded (complete when read through [`crate::shopify::Client::order_refunds`]).
    #[serde(default)]
    pub refund_line_items: Connection<RefundLineItem>,
    /// Shipping refunded.
    #[serde(default)]
    pub refund_shipping_lines: Connection<RefundShippingLine>,
    /// Duties refunded.
    #[serde(default)]
    pub duties: Option<Vec<RefundDuty>>,
    /// Discrepancy adjustments (never the shipping refund: GraphQL keeps that in
    /// `refundShippingLines` only).
    #[serde(default)]
    pub order_adjustments: Connection<OrderAdjustment>,
    /// The money movements.
    #[serde(default)]
    pub transactions: Connection<OrderTransaction>,
    /// The return it refunds, if any.
    #[serde(default)]
    pub r#return: Option<ReturnRef>,
}

impl Refund {
    /// Whether a part of the refund was not read (a connection says `hasNextPage`).
    #[must_use]
    pub fn has_unread_parts(&self) -> bool {
        self.refund_line_items.page_info.has_next_page
            || self.refund_shipping_lines.page_info.has_next_page
            || self.order_adjustments.page_info.has_next_page
            || self.transactions.page_info.has_next_page
    }
}

/// A return named by ID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ReturnRef {
    /// `gid://shopify/Return/...`.
    pub id: String,
}

/// A line named by ID (and SKU, for messages).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RefundedLine {
    /// The order line.
    pub id: LineItemId,
    /// Its SKU.
    #[serde(default)]
    pub sku: Option<String>,
}

/// A location named by ID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LocationRef {
    /// The location.
    pub id: LocationId,
}

/// A refunded line (`RefundLineItem`): units, what happens to them, and the money.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RefundLineItem {
    /// The order line.
    pub line_item: RefundedLine,
    /// Units refunded.
    pub quantity: i64,
    /// What happens to the units.
    pub restock_type: RestockType,
    /// Whether Shopify restocked them.
    pub restocked: bool,
    /// Where they were restocked.
    #[serde(default)]
    pub location: Option<LocationRef>,
    /// Unit price.
    #[serde(default)]
    pub price_set: Option<MoneyBag>,
    /// Refunded amount before tax (after discounts).
    pub subtotal_set: MoneyBag,
    /// Refunded tax (one figure for the line: no split per tax line).
    pub total_tax_set: MoneyBag,
}

/// A shipping line named by ID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RefundedShippingLine {
    /// Its ID.
    #[serde(default)]
    pub id: Option<String>,
    /// Its title.
    #[serde(default)]
    pub title: Option<String>,
}

/// Shipping refunded (`RefundShippingLine`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RefundShippingLine {
    /// The shipping line.
    #[serde(default)]
    pub shipping_line: Option<RefundedShippingLine>,
    /// Refunded before tax.
    pub subtotal_amount_set: MoneyBag,
    /// Refunded tax.
    pub tax_amount_set: MoneyBag,
}

/// A duty named by ID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DutyRef {
    /// Its ID.
    pub id: String,
}

/// A duty refunded (`RefundDuty`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RefundDuty {
    /// Refunded.
    pub amount_set: MoneyBag,
    /// The duty.
    #[serde(default)]
    pub original_duty: Option<DutyRef>,
}

/// A discrepancy adjustment (`OrderAdjustment`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OrderAdjustment {
    /// Its ID.
    #[serde(default)]
    pub id: Option<String>,
    /// The amount (signed as Shopify states it: what the refund pays back).
    pub amount_set: MoneyBag,
    /// Its tax.
    pub tax_amount_set: MoneyBag,
    /// Why.
    #[serde(default)]
    pub reason: Option<AdjustmentReason>,
}

/// A return (`Return`) with where its units went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Return {
    /// `gid://shopify/Return/...`.
    pub id: String,
    /// `#1001-R1`.
    pub name: String,
    /// Status.
    pub status: ReturnStatus,
    /// Its reverse fulfilment orders, whose lines carry the dispositions.
    #[serde(default)]
    pub reverse_fulfillment_orders: Connection<ReverseFulfillmentOrder>,
}

impl Return {
    /// Whether a part of the return was not read (a connection says `hasNextPage`).
    #[must_use]
    pub fn has_unread_parts(&self) -> bool {
        self.reverse_fulfillment_orders.page_info.has_next_page
            || self
                .reverse_fulfillment_orders
                .nodes
                .iter()
                .any(|rfo| rfo.line_items.page_info.has_next_page)
    }
}

/// A reverse fulfilment order of a return.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ReverseFulfillmentOrder {
    /// Its lines.
    #[serde(default)]
    pub line_items: Connection<ReverseFulfillmentOrderLineItem>,
}

/// The order line a fulfilment line item is a part of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FulfilledLineRef {
    /// The order line.
    pub line_item: RefundedLine,
}

/// A line of a reverse fulfilment order, with its dispositions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ReverseFulfillmentOrderLineItem {
    /// The fulfilled line it returns.
    #[serde(default)]
    pub fulfillment_line_item: Option<FulfilledLineRef>,
    /// Units returned.
    pub total_quantity: i64,
    /// Where the units went.
    #[serde(default)]
    pub dispositions: Vec<Disposition>,
}

/// Where some returned units went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Disposition {
    /// What was done with them.
    #[serde(rename = "type")]
    pub kind: DispositionType,
    /// Units.
    pub quantity: i64,
    /// Where (for restocked units).
    #[serde(default)]
    pub location: Option<LocationRef>,
}
