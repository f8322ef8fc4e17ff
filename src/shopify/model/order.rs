//! Orders as the order-to-cash flow reads them.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::page::Connection;
use crate::money::{CurrencyCode, Money};
use crate::shopify::ids::{
    CompanyId, CompanyLocationId, CustomerId, LineItemId, OrderId, OrderTransactionId,
    ProductVariantId,
};
use crate::wire_enum::wire_enum;

/// An amount in the shop currency and in the currency the customer saw (`MoneyBag`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MoneyBag {
    /// Shop currency.
    pub shop_money: Money,
    /// Presentment (customer) currency.
    pub presentment_money: Money,
}

wire_enum!(
    /// `OrderDisplayFinancialStatus`.
    FinancialStatus {
        /// Pending.
        Pending => "PENDING",
        /// Authorized.
        Authorized => "AUTHORIZED",
        /// Partially paid.
        PartiallyPaid => "PARTIALLY_PAID",
        /// Partially refunded.
        PartiallyRefunded => "PARTIALLY_REFUNDED",
        /// Voided.
        Voided => "VOIDED",
        /// Paid.
        Paid => "PAID",
        /// Refunded.
        Refunded => "REFUNDED",
        /// Expired.
        Expired => "EXPIRED",
    }
);

wire_enum!(
    /// `OrderDisplayFulfillmentStatus`.
    FulfillmentStatus {
        /// Unfulfilled.
        Unfulfilled => "UNFULFILLED",
        /// Partially fulfilled.
        PartiallyFulfilled => "PARTIALLY_FULFILLED",
        /// Fulfilled.
        Fulfilled => "FULFILLED",
        /// Restocked.
        Restocked => "RESTOCKED",
        /// Pending fulfilment.
        PendingFulfillment => "PENDING_FULFILLMENT",
        /// Open.
        Open => "OPEN",
        /// In progress.
        InProgress => "IN_PROGRESS",
        /// On hold.
        OnHold => "ON_HOLD",
        /// Scheduled.
        Scheduled => "SCHEDULED",
        /// Request declined.
        RequestDeclined => "REQUEST_DECLINED",
    }
);

wire_enum!(
    /// `OrderTransactionKind`.
    TransactionKind {
        /// Authorisation and capture in one.
        Sale => "SALE",
        /// Capture of an authorisation.
        Capture => "CAPTURE",
        /// Authorisation.
        Authorization => "AUTHORIZATION",
        /// Void.
        Void => "VOID",
        /// Refund.
        Refund => "REFUND",
        /// Change given.
        Change => "CHANGE",
        /// Card-present authorisation.
        EmvAuthorization => "EMV_AUTHORIZATION",
        /// Suggested refund.
        SuggestedRefund => "SUGGESTED_REFUND",
    }
);

wire_enum!(
    /// `OrderTransactionStatus`.
    TransactionStatus {
        /// Succeeded.
        Success => "SUCCESS",
        /// Failed.
        Failure => "FAILURE",
        /// Pending.
        Pending => "PENDING",
        /// Errored.
        Error => "ERROR",
        /// Awaiting a response.
        AwaitingResponse => "AWAITING_RESPONSE",
        /// Unknown.
        UnknownStatus => "UNKNOWN",
    }
);

/// An order with everything the ERP needs. Line items and shipping lines are complete when
/// read through [`crate::shopify::Client::order`] (later pages are fetched).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Order {
    /// The order's ID.
    pub id: OrderId,
    /// `#1001`.
    pub name: String,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Processed (the order date).
    pub processed_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Cancelled, if it was.
    #[serde(default)]
    pub cancelled_at: Option<DateTime<Utc>>,
    /// Why it was cancelled.
    #[serde(default)]
    pub cancel_reason: Option<String>,
    /// Closed (archived).
    pub closed: bool,
    /// A test order.
    pub test: bool,
    /// Payment status (`None` on some draft-derived orders).
    #[serde(default)]
    pub display_financial_status: Option<FinancialStatus>,
    /// Fulfilment status.
    pub display_fulfillment_status: FulfillmentStatus,
    /// Shop currency.
    pub currency_code: CurrencyCode,
    /// The currency the customer paid in.
    pub presentment_currency_code: CurrencyCode,
    /// Whether prices include tax.
    pub taxes_included: bool,
    /// Whether the order is exempt from tax.
    pub tax_exempt: bool,
    /// Customer e-mail.
    #[serde(default)]
    pub email: Option<String>,
    /// Customer phone.
    #[serde(default)]
    pub phone: Option<String>,
    /// Purchase-order number (B2B).
    #[serde(default)]
    pub po_number: Option<String>,
    /// Sales channel source (`web`, `pos`...).
    #[serde(default)]
    pub source_name: Option<String>,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Discount codes used.
    #[serde(default)]
    pub discount_codes: Vec<String>,
    /// Subtotal as placed.
    #[serde(default)]
    pub subtotal_price_set: Option<MoneyBag>,
    /// Subtotal after edits and refunds.
    pub current_subtotal_price_set: MoneyBag,
    /// Total as placed.
    pub total_price_set: MoneyBag,
    /// Total after edits and refunds: what the sale order must equal.
    pub current_total_price_set: MoneyBag,
    /// Tax as placed.
    #[serde(default)]
    pub total_tax_set: Option<MoneyBag>,
    /// Tax after edits and refunds.
    pub current_total_tax_set: MoneyBag,
    /// Discounts after edits and refunds.
    pub current_total_discounts_set: MoneyBag,
    /// Shipping after edits and refunds.
    pub current_shipping_price_set: MoneyBag,
    /// Order-level tax lines as placed (before returns), one per title and rate.
    #[serde(default)]
    pub tax_lines: Vec<TaxLine>,
    /// Order-level tax lines after returns and edits, one per title and rate: what the
    /// draft's taxes are checked against, key by key.
    #[serde(default)]
    pub current_tax_lines: Vec<TaxLine>,
    /// Tips received (`totalTipReceivedSet`, zero when none).
    pub total_tip_received_set: MoneyBag,
    /// Duties after returns and edits (`None` when the order has no duties).
    #[serde(default)]
    pub current_total_duties_set: Option<MoneyBag>,
    /// Additional fees after returns and edits (`None` when the order has none).
    #[serde(default)]
    pub current_total_additional_fees_set: Option<MoneyBag>,
    /// The additional fees, with their taxes.
    #[serde(default)]
    pub additional_fees: Vec<AdditionalFee>,
    /// Received from the customer before returns (`totalReceivedSet`).
    pub total_received_set: MoneyBag,
    /// Cash rounding of the order's cash payments and refunds
    /// (`totalCashRoundingAdjustment`; `None` when the document did not ask for it).
    #[serde(default)]
    pub total_cash_rounding_adjustment: Option<CashRoundingAdjustment>,
    /// Refunded to the customer (`totalRefundedSet`).
    pub total_refunded_set: MoneyBag,
    /// Still to be paid by the customer (`totalOutstandingSet`).
    pub total_outstanding_set: MoneyBag,
    /// The customer.
    #[serde(default)]
    pub customer: Option<OrderCustomer>,
    /// Where it ships.
    #[serde(default)]
    pub shipping_address: Option<MailingAddress>,
    /// Billing address.
    #[serde(default)]
    pub billing_address: Option<MailingAddress>,
    /// Who bought: a customer, or a B2B company location.
    #[serde(default)]
    pub purchasing_entity: Option<PurchasingEntity>,
    /// Payment transactions (a list, not a connection, in Shopify's schema). Complete when
    /// read through [`crate::shopify::Client::order`], which reads them again with a larger
    /// `first` when [`Self::transactions_count`] says there are more.
    #[serde(default)]
    pub transactions: Vec<OrderTransaction>,
    /// How many transactions the order has (`None` when Shopify gave no count).
    #[serde(default)]
    pub transactions_count: Option<Count>,
    /// Lines.
    pub line_items: Connection<LineItem>,
    /// Shipping lines, removed ones included (`is_removed`).
    pub shipping_lines: Connection<ShippingLine>,
}

impl Order {
    /// Transactions Shopify counts beyond those read (0 when the list is complete or no
    /// count was given).
    #[must_use]
    pub fn unread_transactions(&self) -> i64 {
        let counted = self.transactions_count.as_ref().map_or(0, |c| c.count);
        let read = i64::try_from(self.transactions.len()).unwrap_or(i64::MAX);
        counted.saturating_sub(read).max(0)
    }

    /// Whether a part of the order was not read: more line items or shipping lines (the
    /// connections say `hasNextPage`) or more transactions than the list holds.
    #[must_use]
    pub fn has_unread_parts(&self) -> bool {
        self.line_items.page_info.has_next_page
            || self.shipping_lines.page_info.has_next_page
            || self.unread_transactions() > 0
    }
}

/// A number of records as Shopify counts them (`Count`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Count {
    /// The count.
    pub count: i64,
    /// Whether it is exact or a lower bound.
    pub precision: CountPrecision,
}

impl Count {
    /// An exact count of `count`.
    #[must_use]
    pub fn exact(count: i64) -> Self {
        Self {
            count,
            precision: CountPrecision::Exact,
        }
    }
}

wire_enum!(
    /// `CountPrecision`.
    CountPrecision {
        /// The count is exact.
        Exact => "EXACT",
        /// There are at least this many.
        AtLeast => "AT_LEAST",
    }
);

/// An additional fee on an order (`AdditionalFee`), such as an import fee.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AdditionalFee {
    /// Its ID.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its price as placed.
    pub price: MoneyBag,
    /// Taxes on it.
    #[serde(default)]
    pub tax_lines: Vec<TaxLine>,
}

/// Shopify's `CashRoundingAdjustment`: how much cash payments and refunds were rounded to the
/// nearest coin (Point of Sale, in currencies such as CHF, DKK or SEK). Each amount is
/// signed and zero when nothing was rounded; `totalReceivedSet` and `totalRefundedSet` are
/// before the rounding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CashRoundingAdjustment {
    /// Rounding of the payments: what the cash received was, less `totalReceivedSet`.
    pub payment_set: MoneyBag,
    /// Rounding of the refunds: what the cash paid back was, less `totalRefundedSet`.
    pub refund_set: MoneyBag,
}

/// An import duty on a line (`Duty`), with the taxes charged on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Duty {
    /// Its ID.
    pub id: String,
    /// The duty's amount (for all the line's units, as placed).
    pub price: MoneyBag,
    /// Taxes charged on the duty.
    #[serde(default)]
    pub tax_lines: Vec<TaxLine>,
}

/// A tax line on an order, line or shipping line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TaxLine {
    /// `VAT`, `State tax`...
    pub title: String,
    /// Rate as a fraction (`0.2`).
    #[serde(default)]
    pub rate: Option<Decimal>,
    /// Rate as a percentage (`20.0`).
    #[serde(default)]
    pub rate_percentage: Option<Decimal>,
    /// Whether the channel (marketplace) is liable for the tax.
    #[serde(default)]
    pub channel_liable: Option<bool>,
    /// Which tax engine computed it.
    #[serde(default)]
    pub source: Option<String>,
    /// The amount.
    pub price_set: MoneyBag,
}

/// The order's customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OrderCustomer {
    /// The customer's ID.
    pub id: CustomerId,
    /// E-mail.
    #[serde(default)]
    pub email: Option<String>,
    /// First name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default)]
    pub last_name: Option<String>,
}

/// A postal address.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MailingAddress {
    /// First name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// Company.
    #[serde(default)]
    pub company: Option<String>,
    /// Line 1.
    #[serde(default)]
    pub address1: Option<String>,
    /// Line 2.
    #[serde(default)]
    pub address2: Option<String>,
    /// City.
    #[serde(default)]
    pub city: Option<String>,
    /// Region.
    #[serde(default)]
    pub province: Option<String>,
    /// Region code.
    #[serde(default)]
    pub province_code: Option<String>,
    /// Postcode.
    #[serde(default)]
    pub zip: Option<String>,
    /// ISO country code.
    #[serde(default)]
    pub country_code_v2: Option<String>,
    /// Phone.
    #[serde(default)]
    pub phone: Option<String>,
}

/// Who placed the order (`PurchasingEntity`: a customer or a B2B company).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "__typename")]
#[non_exhaustive]
pub enum PurchasingEntity {
    /// A consumer (the customer is in [`Order::customer`]).
    Customer {},
    /// A B2B purchase through a company location.
    PurchasingCompany {
        /// The company.
        company: NamedCompany,
        /// The company location that bought.
        location: NamedCompanyLocation,
    },
}

/// A company by ID and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NamedCompany {
    /// The company's ID.
    pub id: CompanyId,
    /// Its name.
    pub name: String,
}

/// A company location by ID and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NamedCompanyLocation {
    /// The location's ID.
    pub id: CompanyLocationId,
    /// Its name.
    pub name: String,
}

/// A payment transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OrderTransaction {
    /// The transaction's ID.
    pub id: OrderTransactionId,
    /// Kind.
    pub kind: TransactionKind,
    /// Status.
    pub status: TransactionStatus,
    /// Payment gateway.
    #[serde(default)]
    pub gateway: Option<String>,
    /// A test transaction.
    pub test: bool,
    /// When processed.
    #[serde(default)]
    pub processed_at: Option<DateTime<Utc>>,
    /// Amount.
    pub amount_set: MoneyBag,
    /// Cash rounding of the amount (`amountRoundingSet`: the cash that changed hands less
    /// `amountSet`); `None` for non-cash transactions.
    #[serde(default)]
    pub amount_rounding_set: Option<MoneyBag>,
}

/// An order line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LineItem {
    /// The line's ID.
    pub id: LineItemId,
    /// SKU as recorded on the line.
    #[serde(default)]
    pub sku: Option<String>,
    /// Product and variant name.
    pub name: String,
    /// Variant title.
    #[serde(default)]
    pub variant_title: Option<String>,
    /// Units ordered, refunded and removed ones included.
    pub quantity: i64,
    /// Units still on the order (refunded and removed ones excluded).
    pub current_quantity: i64,
    /// Whether tax applies.
    pub taxable: bool,
    /// Whether it ships.
    pub requires_shipping: bool,
    /// A gift card.
    pub is_gift_card: bool,
    /// The variant sold (`None` for custom lines or deleted variants).
    #[serde(default)]
    pub variant: Option<VariantId>,
    /// Unit price before discounts.
    pub original_unit_price_set: MoneyBag,
    /// Unit price after every discount.
    pub discounted_unit_price_after_all_discounts_set: MoneyBag,
    /// Line total before discounts.
    pub original_total_set: MoneyBag,
    /// Line total after line-level discounts.
    pub discounted_total_set: MoneyBag,
    /// All discounts allocated to the line.
    pub total_discount_set: MoneyBag,
    /// Taxes on the line.
    #[serde(default)]
    pub tax_lines: Vec<TaxLine>,
    /// How discounts were allocated to the line.
    #[serde(default)]
    pub discount_allocations: Vec<DiscountAllocation>,
    /// Import duties on the line, with their taxes (empty when none).
    #[serde(default)]
    pub duties: Vec<Duty>,
    /// The bundle this line is a component of.
    #[serde(default)]
    pub line_item_group: Option<LineItemGroup>,
}

/// A variant named by ID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct VariantId {
    /// The variant's ID.
    pub id: ProductVariantId,
}

/// A discount allocated to a line or shipping line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DiscountAllocation {
    /// The amount.
    pub allocated_amount_set: MoneyBag,
    /// The discount it comes from.
    pub discount_application: DiscountApplication,
}

/// A discount applied to the order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DiscountApplication {
    /// Its position among the order's discounts.
    pub index: i64,
    /// `ACROSS`, `EACH`, `ONE`.
    pub allocation_method: String,
    /// `ALL`, `ENTITLED`, `EXPLICIT`.
    pub target_selection: String,
    /// `LINE_ITEM`, `SHIPPING_LINE`.
    pub target_type: String,
}

/// The bundle a line belongs to (Shopify native bundles).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LineItemGroup {
    /// The group's ID.
    pub id: String,
    /// The bundle's title.
    pub title: String,
    /// Bundles bought.
    pub quantity: i64,
    /// The bundle variant.
    #[serde(default)]
    pub variant_id: Option<ProductVariantId>,
    /// The bundle variant's SKU.
    #[serde(default)]
    pub variant_sku: Option<String>,
}

/// A shipping line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ShippingLine {
    /// Its ID.
    #[serde(default)]
    pub id: Option<String>,
    /// Method shown to the customer.
    pub title: String,
    /// Rate code.
    #[serde(default)]
    pub code: Option<String>,
    /// Rate source.
    #[serde(default)]
    pub source: Option<String>,
    /// Removed by an edit.
    pub is_removed: bool,
    /// Price before discounts.
    pub original_price_set: MoneyBag,
    /// Price after discounts.
    pub discounted_price_set: MoneyBag,
    /// Price after discounts, edits and refunds.
    pub current_discounted_price_set: MoneyBag,
    /// Taxes on shipping.
    #[serde(default)]
    pub tax_lines: Vec<TaxLine>,
    /// Discounts allocated to shipping.
    #[serde(default)]
    pub discount_allocations: Vec<DiscountAllocation>,
}

/// An order named in an incremental read: enough to fetch it and to advance the cursor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OrderRef {
    /// The order's ID.
    pub id: OrderId,
    /// `#1001`.
    pub name: String,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}
