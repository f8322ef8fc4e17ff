//! Why an order is not posted: skipped by the gate, or rejected with exceptions.

use serde::{Deserialize, Serialize};

use rust_decimal::Decimal;

use super::config::TaxKey;
use super::draft::ChargeKind;
use crate::domain::exception::{
    DomainException, ExceptionRecord, Flow, Owner, RecordRef, Severity, printable,
};
use crate::money::{CurrencyCode, Money};
use crate::shopify::model::{FinancialStatus, TransactionKind, TransactionStatus};
use crate::shopify::{LineItemId, OrderId, OrderTransactionId, ProductVariantId};
use crate::stokly::ItemId;

/// The Shopify order an outcome is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OrderSubject {
    /// The order.
    pub id: OrderId,
    /// Its name (`#1001`).
    pub name: String,
}

impl OrderSubject {
    /// The order `id` named `name`.
    #[must_use]
    pub fn new(id: OrderId, name: impl Into<String>) -> Self {
        Self {
            id,
            name: name.into(),
        }
    }
}

/// A Shopify order line an exception is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LineSubject {
    /// The line.
    pub id: LineItemId,
    /// Its SKU exactly as recorded on the line.
    pub sku: Option<String>,
    /// Product and variant name.
    pub name: String,
    /// The variant sold, if it still exists.
    pub variant: Option<ProductVariantId>,
}

impl LineSubject {
    fn record(&self) -> Option<RecordRef> {
        self.variant.clone().map(|id| RecordRef::ShopifyVariant {
            id,
            sku: self.sku.clone(),
        })
    }

    fn describe(&self) -> String {
        let sku = match &self.sku {
            Some(sku) => format!("SKU \"{}\"", printable(sku)),
            None => "no SKU".to_owned(),
        };
        format!(
            "line {} \"{}\" ({sku})",
            self.id.numeric_id(),
            printable(&self.name)
        )
    }
}

/// Why the gate did not let an order through. Not an error: the order is not to be posted
/// (now).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
#[non_exhaustive]
pub enum SkipReason {
    /// The financial status is not one the gate posts (`None`: Shopify gave no status).
    FinancialStatus {
        /// The order's status.
        status: Option<FinancialStatus>,
    },
    /// A test order, and test orders are not posted.
    TestOrder,
    /// Cancelled before it was posted.
    Cancelled,
    /// No line has a current quantity: every unit was removed or refunded.
    NothingToPost,
}

/// A part of an order that is read in pages or counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum OrderPart {
    /// `lineItems`.
    LineItems,
    /// `shippingLines`.
    ShippingLines,
    /// `transactions` (checked against `transactionsCount`).
    Transactions,
}

impl OrderPart {
    fn label(self) -> &'static str {
        match self {
            Self::LineItems => "line items",
            Self::ShippingLines => "shipping lines",
            Self::Transactions => "transactions",
        }
    }
}

/// What is wrong with one value of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ValueProblem {
    /// Below zero where only zero or more makes sense.
    Negative,
    /// Larger than the mapping accepts
    /// ([`OrderMappingConfig::max_line_quantity`](super::OrderMappingConfig::max_line_quantity)
    /// for quantities).
    TooLarge,
    /// More decimal places than the currency's minor unit.
    FinerThanMinorUnit,
    /// Cannot be sent to Stokly as an exact JSON number.
    NotExactlySendable,
}

impl ValueProblem {
    fn label(self) -> &'static str {
        match self {
            Self::Negative => "is negative",
            Self::TooLarge => "is larger than the mapping accepts",
            Self::FinerThanMinorUnit => "is finer than the currency's minor unit",
            Self::NotExactlySendable => "cannot be sent to Stokly as an exact number",
        }
    }
}

/// Which payment figure did not reconcile with Shopify's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PaymentMeasure {
    /// Successful `SALE` and `CAPTURE` less `CHANGE`, against `totalReceivedSet`.
    Received,
    /// Successful `REFUND`, against `totalRefundedSet`.
    Refunded,
    /// `totalReceivedSet - totalRefundedSet + totalOutstandingSet`, against the current total.
    Balance,
    /// The cash rounding (`amountRoundingSet`) of successful sales and captures less change,
    /// against `totalCashRoundingAdjustment.paymentSet`.
    CashRoundingReceived,
    /// The cash rounding of successful refunds, against
    /// `totalCashRoundingAdjustment.refundSet`.
    CashRoundingRefunded,
}

impl PaymentMeasure {
    fn label(self) -> &'static str {
        match self {
            Self::Received => "received (successful sales and captures less change)",
            Self::Refunded => "refunded (successful refunds)",
            Self::Balance => "received less refunded plus outstanding",
            Self::CashRoundingReceived => {
                "the cash rounding of the payments (sales and captures less change)"
            }
            Self::CashRoundingRefunded => "the cash rounding of the refunds",
        }
    }
}

/// A problem that stops an order from being posted. Every variant names the order; line
/// problems name the line too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum OrderException {
    /// No active Stokly item has the line's SKU.
    UnknownSku {
        /// The order.
        order: OrderSubject,
        /// The line.
        line: LineSubject,
    },
    /// The line has no SKU, or only spaces and invisible characters.
    BlankSku {
        /// The order.
        order: OrderSubject,
        /// The line.
        line: LineSubject,
    },
    /// Several active Stokly items have the line's SKU.
    DuplicateSku {
        /// The order.
        order: OrderSubject,
        /// The line.
        line: LineSubject,
        /// The items that share it.
        items: Vec<ItemId>,
    },
    /// Only deleted Stokly items have the line's SKU.
    SkuOnDeletedItem {
        /// The order.
        order: OrderSubject,
        /// The line.
        line: LineSubject,
        /// The deleted items.
        items: Vec<ItemId>,
    },
    /// The line's quantities make no sense (negative, or more current units than ordered).
    InvalidQuantity {
        /// The order.
        order: OrderSubject,
        /// The line.
        line: LineSubject,
        /// Units ordered.
        quantity: i64,
        /// Units still on the order.
        current_quantity: i64,
    },
    /// A tax on the order has no general-ledger account.
    UnmappedTax {
        /// The order.
        order: OrderSubject,
        /// The key missing from the tax account map.
        key: TaxKey,
    },
    /// The draft's total differs from Shopify's current total by more than rounding can
    /// explain.
    TotalMismatch {
        /// The order.
        order: OrderSubject,
        /// Lines plus shipping as mapped.
        draft_total: Money,
        /// Shopify's `currentTotalPriceSet` in the posting currency.
        shopify_total: Money,
        /// `shopify_total - draft_total`.
        difference: Money,
    },
    /// An amount is in another currency than the order's, or too large to compute with.
    InvalidAmount {
        /// The order.
        order: OrderSubject,
        /// What is wrong, and where.
        detail: String,
    },
    /// Part of the order was not read: a connection still says `hasNextPage`, or fewer
    /// transactions were returned than `transactionsCount` gives. Never posted in part.
    IncompleteOrder {
        /// The order.
        order: OrderSubject,
        /// What is incomplete.
        part: OrderPart,
        /// How many were read.
        read: usize,
        /// How many Shopify counts, when it gave a count.
        expected: Option<i64>,
    },
    /// A line's value is negative, absurdly large, finer than the currency's minor unit, or
    /// cannot be sent exactly.
    InvalidLineValue {
        /// The order.
        order: OrderSubject,
        /// The line.
        line: LineSubject,
        /// The field, as Shopify (or, for values sent, Stokly) names it.
        field: String,
        /// The value.
        value: Decimal,
        /// What is wrong with it.
        problem: ValueProblem,
    },
    /// The draft's taxes differ from Shopify's current total tax (`key: None`) or from one
    /// of the order's current tax lines.
    TaxMismatch {
        /// The order.
        order: OrderSubject,
        /// The tax line that differs; `None` for the total tax.
        key: Option<TaxKey>,
        /// What the draft's taxes add up to.
        draft_tax: Money,
        /// What Shopify says.
        shopify_tax: Money,
    },
    /// A tip, duty, additional fee or cash rounding on the order has no account (and Stokly
    /// item) to post to.
    UnmappedCharge {
        /// The order.
        order: OrderSubject,
        /// Which charge.
        charge: ChargeKind,
        /// Its amount.
        amount: Money,
    },
    /// The cash was rounded down: the sale order would need a negative line on the rounding
    /// item, which a Stokly sale order does not take.
    CashRoundedDown {
        /// The order.
        order: OrderSubject,
        /// The rounding (negative).
        amount: Money,
    },
    /// A transaction whose kind or status this crate does not know; what it means for the
    /// payments cannot be decided.
    UnknownTransaction {
        /// The order.
        order: OrderSubject,
        /// The transaction.
        transaction: OrderTransactionId,
        /// Its kind.
        transaction_kind: TransactionKind,
        /// Its status.
        transaction_status: TransactionStatus,
    },
    /// The transactions do not add up to Shopify's payment totals.
    PaymentMismatch {
        /// The order.
        order: OrderSubject,
        /// Which figure.
        measure: PaymentMeasure,
        /// The figure from the transactions (or totals) read.
        computed: Money,
        /// Shopify's figure.
        shopify: Money,
    },
    /// A successful payment (`SALE` or `CAPTURE`) in another currency than the order is
    /// posted in; posting without it would understate what was paid.
    PaymentInOtherCurrency {
        /// The order.
        order: OrderSubject,
        /// The transaction.
        transaction: OrderTransactionId,
        /// Its amount, in the money the currency policy picks.
        amount: Money,
        /// The posting currency.
        currency: CurrencyCode,
    },
    /// A B2B line was charged another unit price than the buyer's Stokly price list holds
    /// (beyond the tolerance), or in another currency.
    B2bPriceMismatch {
        /// The order.
        order: OrderSubject,
        /// The line.
        line: LineSubject,
        /// The Stokly price list.
        list: crate::stokly::PriceListId,
        /// The unit price charged (before discounts).
        charged: Money,
        /// The list's unit price.
        expected: Money,
    },
}

impl OrderException {
    /// The order it is about.
    #[must_use]
    pub fn order(&self) -> &OrderSubject {
        match self {
            Self::UnknownSku { order, .. }
            | Self::BlankSku { order, .. }
            | Self::DuplicateSku { order, .. }
            | Self::SkuOnDeletedItem { order, .. }
            | Self::InvalidQuantity { order, .. }
            | Self::UnmappedTax { order, .. }
            | Self::TotalMismatch { order, .. }
            | Self::InvalidAmount { order, .. }
            | Self::IncompleteOrder { order, .. }
            | Self::InvalidLineValue { order, .. }
            | Self::TaxMismatch { order, .. }
            | Self::UnmappedCharge { order, .. }
            | Self::CashRoundedDown { order, .. }
            | Self::UnknownTransaction { order, .. }
            | Self::PaymentMismatch { order, .. }
            | Self::PaymentInOtherCurrency { order, .. }
            | Self::B2bPriceMismatch { order, .. } => order,
        }
    }
}

fn item_records(items: &[ItemId]) -> impl Iterator<Item = RecordRef> + '_ {
    items.iter().map(|id| RecordRef::StoklyItem {
        id: id.clone(),
        sku: None,
    })
}

fn item_list(items: &[ItemId]) -> String {
    items
        .iter()
        .map(ItemId::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

impl DomainException for OrderException {
    fn flow(&self) -> Flow {
        Flow::Order
    }

    fn code(&self) -> &'static str {
        match self {
            Self::UnknownSku { .. } => "unknown_sku",
            Self::BlankSku { .. } => "blank_sku",
            Self::DuplicateSku { .. } => "duplicate_sku",
            Self::SkuOnDeletedItem { .. } => "sku_on_deleted_item",
            Self::InvalidQuantity { .. } => "invalid_quantity",
            Self::UnmappedTax { .. } => "unmapped_tax",
            Self::TotalMismatch { .. } => "total_mismatch",
            Self::InvalidAmount { .. } => "invalid_amount",
            Self::IncompleteOrder { .. } => "incomplete_order",
            Self::InvalidLineValue { .. } => "invalid_line_value",
            Self::TaxMismatch { .. } => "tax_mismatch",
            Self::UnmappedCharge { .. } => "unmapped_charge",
            Self::CashRoundedDown { .. } => "cash_rounded_down",
            Self::UnknownTransaction { .. } => "unknown_transaction",
            Self::PaymentMismatch { .. } => "payment_mismatch",
            Self::PaymentInOtherCurrency { .. } => "payment_in_other_currency",
            Self::B2bPriceMismatch { .. } => "b2b_price_mismatch",
        }
    }

    fn owner(&self) -> Owner {
        match self {
            Self::UnknownSku { .. }
            | Self::BlankSku { .. }
            | Self::DuplicateSku { .. }
            | Self::InvalidQuantity { .. }
            | Self::InvalidLineValue { .. }
            | Self::B2bPriceMismatch { .. } => Owner::Ecommerce,
            Self::SkuOnDeletedItem { .. } | Self::IncompleteOrder { .. } => Owner::Operations,
            Self::UnmappedTax { .. }
            | Self::TotalMismatch { .. }
            | Self::InvalidAmount { .. }
            | Self::TaxMismatch { .. }
            | Self::UnmappedCharge { .. }
            | Self::CashRoundedDown { .. }
            | Self::UnknownTransaction { .. }
            | Self::PaymentMismatch { .. }
            | Self::PaymentInOtherCurrency { .. } => Owner::Finance,
        }
    }

    fn severity(&self) -> Severity {
        Severity::Blocking
    }

    fn subject(&self) -> Vec<RecordRef> {
        // The order comes first: the same bad SKU on two orders is two exceptions, each
        // with its own key, so a queue that deduplicates on the key never drops an order.
        let order = RecordRef::ShopifyOrder {
            id: self.order().id.clone(),
            name: self.order().name.clone(),
        };
        let records: Vec<RecordRef> = match self {
            Self::UnknownSku { line, .. }
            | Self::BlankSku { line, .. }
            | Self::InvalidQuantity { line, .. }
            | Self::InvalidLineValue { line, .. } => line.record().into_iter().collect(),
            Self::B2bPriceMismatch { line, list, .. } => line
                .record()
                .into_iter()
                .chain(std::iter::once(RecordRef::StoklyPriceList {
                    id: list.clone(),
                }))
                .collect(),
            Self::DuplicateSku { line, items, .. } | Self::SkuOnDeletedItem { line, items, .. } => {
                line.record()
                    .into_iter()
                    .chain(item_records(items))
                    .collect()
            }
            Self::UnmappedTax { .. }
            | Self::TotalMismatch { .. }
            | Self::InvalidAmount { .. }
            | Self::IncompleteOrder { .. }
            | Self::TaxMismatch { .. }
            | Self::UnmappedCharge { .. }
            | Self::CashRoundedDown { .. }
            | Self::UnknownTransaction { .. }
            | Self::PaymentMismatch { .. }
            | Self::PaymentInOtherCurrency { .. } => Vec::new(),
        };
        std::iter::once(order).chain(records).collect()
    }

    fn reason(&self) -> String {
        let order = &self.order().name;
        match self {
            Self::UnknownSku { line, .. } => format!(
                "Order {order}: {} matches no active Stokly item.",
                line.describe()
            ),
            Self::BlankSku { line, .. } => format!(
                "Order {order}: {} has no usable SKU, so it cannot be matched to a Stokly item.",
                line.describe()
            ),
            Self::DuplicateSku { line, items, .. } => format!(
                "Order {order}: {} matches {} active Stokly items ({}); nobody can say which one \
                 was sold.",
                line.describe(),
                items.len(),
                item_list(items)
            ),
            Self::SkuOnDeletedItem { line, items, .. } => format!(
                "Order {order}: {} matches only deleted Stokly items ({}).",
                line.describe(),
                item_list(items)
            ),
            Self::InvalidQuantity {
                line,
                quantity,
                current_quantity,
                ..
            } => format!(
                "Order {order}: {} has quantity {quantity} and current quantity \
                 {current_quantity}.",
                line.describe()
            ),
            Self::UnmappedTax { key, .. } => format!(
                "Order {order}: the tax {key} has no general-ledger account in the tax account \
                 map."
            ),
            Self::TotalMismatch {
                draft_total,
                shopify_total,
                difference,
                ..
            } => format!(
                "Order {order}: the sale order would total {draft_total} but Shopify's current \
                 total is {shopify_total} (difference {difference})."
            ),
            Self::InvalidAmount { detail, .. } => format!("Order {order}: {detail}."),
            Self::IncompleteOrder {
                part,
                read,
                expected,
                ..
            } => match expected {
                Some(expected) => format!(
                    "Order {order}: {read} of its {expected} {} were read; it is not posted in \
                     part.",
                    part.label()
                ),
                None => format!(
                    "Order {order}: only the first {read} {} were read (Shopify has more); it is \
                     not posted in part.",
                    part.label()
                ),
            },
            Self::InvalidLineValue {
                line,
                field,
                value,
                problem,
                ..
            } => format!(
                "Order {order}: {} has {field} {value}, which {}.",
                line.describe(),
                problem.label()
            ),
            Self::TaxMismatch {
                key,
                draft_tax,
                shopify_tax,
                ..
            } => match key {
                Some(key) => format!(
                    "Order {order}: the sale order's tax {key} adds up to {draft_tax} but \
                     Shopify's current tax line says {shopify_tax}."
                ),
                None => format!(
                    "Order {order}: the sale order's taxes add up to {draft_tax} but Shopify's \
                     current total tax is {shopify_tax}."
                ),
            },
            Self::UnmappedCharge { charge, amount, .. } => format!(
                "Order {order}: the {} of {amount} has no account to post to.",
                charge.label()
            ),
            Self::CashRoundedDown { amount, .. } => format!(
                "Order {order}: the cash payment was rounded down by {}, and a Stokly sale \
                 order line cannot carry a negative price.",
                amount.negate()
            ),
            Self::UnknownTransaction {
                transaction,
                transaction_kind,
                transaction_status,
                ..
            } => format!(
                "Order {order}: transaction {} has kind {transaction_kind} and status \
                 {transaction_status}, which this \
                 connector does not know.",
                transaction.numeric_id()
            ),
            Self::PaymentMismatch {
                measure,
                computed,
                shopify,
                ..
            } => format!(
                "Order {order}: {} is {computed} but Shopify says {shopify}.",
                measure.label()
            ),
            Self::PaymentInOtherCurrency {
                transaction,
                amount,
                currency,
                ..
            } => format!(
                "Order {order}: payment {} of {amount} is not in the posting currency \
                 {currency}.",
                transaction.numeric_id()
            ),
            Self::B2bPriceMismatch {
                line,
                list,
                charged,
                expected,
                ..
            } => format!(
                "Order {order}: {} was charged {charged} a unit, but the buyer's Stokly price \
                 list {list} says {expected}.",
                line.describe()
            ),
        }
    }

    fn fix_hint(&self) -> String {
        match self {
            Self::UnknownSku { .. } => {
                "Correct the variant's SKU in Shopify, or create the Stokly \
                item with exactly this SKU, then post the order again."
                    .to_owned()
            }
            Self::BlankSku { .. } => "Give the Shopify variant the SKU of its Stokly item (and \
                check custom lines), then post the order again."
                .to_owned(),
            Self::DuplicateSku { .. } => "Make the SKU unique in Stokly (rename or delete the \
                extra items), then post the order again."
                .to_owned(),
            Self::SkuOnDeletedItem { .. } => "Restore the Stokly item, or point the Shopify \
                variant at the item that replaced it, then post the order again."
                .to_owned(),
            Self::InvalidQuantity { .. } => "Check the order in Shopify; re-read it once any edit \
                in progress is committed."
                .to_owned(),
            Self::UnmappedTax { key, .. } => format!(
                "Add the key {key} to the tax account map with the account its amounts post to."
            ),
            Self::TotalMismatch { .. } => "Compare the order's lines, discounts, shipping and \
                taxes in Shopify with the mapped amounts; post it by hand if Shopify's figures \
                are right."
                .to_owned(),
            Self::InvalidAmount { .. } => "Check the order's currencies in Shopify and the \
                currency policy of the mapping."
                .to_owned(),
            Self::IncompleteOrder { .. } => "Read the order again with the Shopify client's \
                complete order read (it pages lines and re-reads transactions), then post it."
                .to_owned(),
            Self::InvalidLineValue { .. } => "Correct the line in Shopify (or post the order by \
                hand if the value is right), then post the order again."
                .to_owned(),
            Self::TaxMismatch { .. } => "Compare the order's tax lines (lines, shipping, duties, \
                fees) with its tax total in Shopify; post it by hand if Shopify's figures are \
                right."
                .to_owned(),
            Self::UnmappedCharge { charge, .. } => format!(
                "Give {} an account and a Stokly item in the order mapping configuration, then \
                 post the order again.",
                charge.label()
            ),
            Self::CashRoundedDown { .. } => "Post the order by hand in Stokly for the cash \
                received, with the rounding on the cash rounding account."
                .to_owned(),
            Self::UnknownTransaction { .. } => "Check the transaction in Shopify and record the \
                payment by hand in Stokly, or update the connector."
                .to_owned(),
            Self::PaymentMismatch { .. } => "Compare the order's transactions with its payment \
                totals in Shopify before posting it by hand."
                .to_owned(),
            Self::PaymentInOtherCurrency { currency, .. } => format!(
                "Record the payment by hand in Stokly in {currency} (or change the mapping's \
                 currency policy), then post the order again."
            ),
            Self::B2bPriceMismatch { .. } => "Check the company location's catalog in Shopify \
                (run the price-list sync); post the order by hand at the price agreed, or \
                correct the Stokly price list if Shopify's price is right."
                .to_owned(),
        }
    }
}

/// Why [`map_order`](super::map_order) gave no draft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
#[non_exhaustive]
pub enum OrderRejection {
    /// The gate did not let the order through; nothing is wrong.
    Skipped {
        /// The order.
        order: OrderSubject,
        /// Why.
        reason: SkipReason,
    },
    /// The order cannot be posted as it stands. Every problem found is listed (one per bad
    /// line), never only the first.
    Rejected {
        /// The order.
        order: OrderSubject,
        /// The problems, in line order, order-level problems last.
        exceptions: Vec<OrderException>,
    },
}

impl OrderRejection {
    /// The order it is about.
    #[must_use]
    pub fn order(&self) -> &OrderSubject {
        match self {
            Self::Skipped { order, .. } | Self::Rejected { order, .. } => order,
        }
    }

    /// The exceptions (none when skipped).
    #[must_use]
    pub fn exceptions(&self) -> &[OrderException] {
        match self {
            Self::Skipped { .. } => &[],
            Self::Rejected { exceptions, .. } => exceptions,
        }
    }

    /// The exceptions as plain records for a queue or report.
    #[must_use]
    pub fn records(&self) -> Vec<ExceptionRecord> {
        self.exceptions()
            .iter()
            .map(DomainException::to_record)
            .collect()
    }
}
