//! **Inferred** shapes for what no public source shows: dispatches with tracking, credit notes
//! against orders, price lists and journals.
//!
//! Every field name here is a guess in Stokly's style (camelCase, `...Id`, `display*` amounts
//! in the document currency), made so that the domain layer has types to plan with. Reads keep
//! every unknown field in `extra`, so a real payload still decodes and nothing is lost; writes
//! send exactly these keys. Check them against `api.dev.stok.ly` before relying on them, and
//! change the paths in [`InferredEndpoints`](crate::stokly::InferredEndpoints).

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::common::Extra;
use super::lenient;
use super::sale_order::{LineType, Payment};
use crate::money::CurrencyCode;
use crate::stokly::ids::{
    CreditNoteId, CustomerId, DispatchId, ItemId, LocationId, PriceListId, SaleOrderId,
    SaleOrderLineId,
};

/// **Inferred.** A dispatch (shipment) of part or all of a sale order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Dispatch {
    /// The dispatch's ID.
    pub dispatch_id: DispatchId,
    /// The order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sale_order_id: Option<SaleOrderId>,
    /// Where it shipped from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<LocationId>,
    /// Carrier name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier: Option<String>,
    /// Tracking number (the order's `carrierReference` is the one tracking field seen).
    #[serde(
        default,
        with = "lenient::option_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub carrier_reference: Option<String>,
    /// Tracking URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_url: Option<String>,
    /// **Inferred.** The parcels, each with its own tracking; when present they replace
    /// `carrierReference` and `trackingUrl` (which then describe at most the first parcel).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parcels: Vec<DispatchParcel>,
    /// When it shipped.
    #[serde(
        default,
        with = "lenient::option_datetime",
        skip_serializing_if = "Option::is_none"
    )]
    pub dispatched_at: Option<DateTime<Utc>>,
    /// What shipped.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<DispatchLine>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}

/// **Inferred.** One parcel of a dispatch: its carrier, tracking number and tracking page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DispatchParcel {
    /// Carrier name (`None`: the dispatch's `carrier`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier: Option<String>,
    /// Tracking number.
    #[serde(
        default,
        with = "lenient::option_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub tracking_number: Option<String>,
    /// Tracking URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_url: Option<String>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}

/// **Inferred.** One order line (or part of it) in a dispatch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DispatchLine {
    /// The order line.
    pub line_id: SaleOrderLineId,
    /// The item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_id: Option<ItemId>,
    /// Quantity shipped.
    #[serde(with = "lenient::decimal")]
    pub quantity: Decimal,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}

/// **Inferred.** A line of a credit note: an order line refunded, with or without restock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CreditNoteLine {
    /// Always [`LineType::Item`].
    pub reference_type: LineType,
    /// The item.
    pub reference_id: ItemId,
    /// The order line refunded, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line_id: Option<SaleOrderLineId>,
    /// Quantity refunded (positive).
    #[serde(with = "lenient::decimal")]
    pub quantity: Decimal,
    /// Net unit amount refunded.
    #[serde(with = "lenient::decimal")]
    pub display_price: Decimal,
    /// Unit tax refunded.
    #[serde(with = "lenient::decimal")]
    pub display_tax: Decimal,
    /// Whether the goods go back into stock.
    pub restock: bool,
    /// **Inferred.** Net amount of the whole line (the authority; `displayPrice` is it per
    /// unit, rounded).
    #[serde(
        default,
        with = "lenient::option_decimal",
        skip_serializing_if = "Option::is_none"
    )]
    pub display_line_price: Option<Decimal>,
    /// **Inferred.** Tax of the whole line.
    #[serde(
        default,
        with = "lenient::option_decimal",
        skip_serializing_if = "Option::is_none"
    )]
    pub display_line_tax: Option<Decimal>,
    /// **Inferred.** What happens to the units, part by part (they sum to `quantity`);
    /// empty for a money-only line.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub movements: Vec<CreditNoteMovement>,
    /// **Inferred.** The ledger account of a money-only line (duties, adjustments); such a
    /// line may be negative.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
}

/// **Inferred.** Some units of a credit-note line and what happens to them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CreditNoteMovement {
    /// Units.
    #[serde(with = "lenient::decimal")]
    pub quantity: Decimal,
    /// `restock` (back into stock at `locationId`), `removeFromOrder` (never dispatched: off
    /// the order's open quantity) or `notRestocked`.
    pub kind: String,
    /// Where restocked units go.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<LocationId>,
}

impl CreditNoteMovement {
    /// `quantity` units back into stock at `location`.
    #[must_use]
    pub fn restock(quantity: Decimal, location: LocationId) -> Self {
        Self {
            quantity,
            kind: "restock".to_owned(),
            location_id: Some(location),
        }
    }

    /// `quantity` units taken off the order's open quantity (never dispatched).
    #[must_use]
    pub fn remove_from_order(quantity: Decimal) -> Self {
        Self {
            quantity,
            kind: "removeFromOrder".to_owned(),
            location_id: None,
        }
    }

    /// `quantity` units not restocked.
    #[must_use]
    pub fn not_restocked(quantity: Decimal) -> Self {
        Self {
            quantity,
            kind: "notRestocked".to_owned(),
            location_id: None,
        }
    }
}

impl CreditNoteLine {
    /// `quantity` of `item_id` refunded at `display_price` net plus `display_tax` per unit.
    #[must_use]
    pub fn item(
        item_id: ItemId,
        quantity: Decimal,
        display_price: Decimal,
        display_tax: Decimal,
        restock: bool,
    ) -> Self {
        Self {
            reference_type: LineType::Item,
            reference_id: item_id,
            line_id: None,
            quantity,
            display_price,
            display_tax,
            restock,
            display_line_price: None,
            display_line_tax: None,
            movements: Vec::new(),
            account: None,
        }
    }
}

/// **Inferred.** A credit note (refund or return) against a sale order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct NewCreditNote {
    /// Currency (the order's).
    pub currency: CurrencyCode,
    /// Why (the Shopify refund note or a reason code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The caller's reference (the Shopify refund ID), for dedup.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_reference: Option<String>,
    /// Lines refunded.
    #[serde(default)]
    pub items: Vec<CreditNoteLine>,
    /// Shipping refunded, net.
    #[serde(
        default,
        with = "lenient::option_decimal",
        skip_serializing_if = "Option::is_none"
    )]
    pub shipping: Option<Decimal>,
    /// Tax on the shipping refunded.
    #[serde(
        default,
        with = "lenient::option_decimal",
        skip_serializing_if = "Option::is_none"
    )]
    pub shipping_tax: Option<Decimal>,
    /// Amounts paid back.
    #[serde(default)]
    pub payments: Vec<Payment>,
}

impl NewCreditNote {
    /// A credit note in `currency` over `items`.
    #[must_use]
    pub fn new(currency: CurrencyCode, items: Vec<CreditNoteLine>) -> Self {
        Self {
            currency,
            reason: None,
            external_reference: None,
            items,
            shipping: None,
            shipping_tax: None,
            payments: Vec::new(),
        }
    }
}

/// **Inferred.** A credit note as Stokly would list it: the fields the refund flow reads
/// back (every other field is kept in `extra`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CreditNote {
    /// The credit note.
    pub credit_note_id: CreditNoteId,
    /// The sale order credited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sale_order_id: Option<SaleOrderId>,
    /// The caller's reference (the Shopify refund GID).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_reference: Option<String>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}

/// **Inferred.** A price list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PriceList {
    /// The list's ID.
    pub price_list_id: PriceListId,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Currency.
    #[serde(
        default,
        with = "lenient::option_currency",
        skip_serializing_if = "Option::is_none"
    )]
    pub currency: Option<CurrencyCode>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}

/// **Inferred.** A customer a price list applies to (`GET` on the list's customers path).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PriceListCustomer {
    /// The customer.
    pub customer_id: CustomerId,
    /// Name, for reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}

impl PriceListCustomer {
    /// The customer `customer_id`.
    #[must_use]
    pub fn new(customer_id: CustomerId) -> Self {
        Self {
            customer_id,
            name: None,
            extra: Extra::default(),
        }
    }
}

/// **Inferred.** One item's price on a price list, in the list's currency, with the
/// quantity rule and quantity breaks where the list has them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PriceListItem {
    /// The item.
    pub item_id: ItemId,
    /// Its SKU (how the price reaches a Shopify variant).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    /// Unit price.
    #[serde(with = "lenient::decimal")]
    pub price: Decimal,
    /// Fewest units a buyer may order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_quantity: Option<i64>,
    /// Most units a buyer may order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum_quantity: Option<i64>,
    /// Units are ordered in multiples of this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub increment: Option<i64>,
    /// Lower unit prices from a quantity on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quantity_breaks: Vec<QuantityBreak>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}

impl PriceListItem {
    /// `item_id` (SKU `sku`) at `price`, with no quantity rule or breaks.
    #[must_use]
    pub fn new(item_id: ItemId, sku: impl Into<String>, price: Decimal) -> Self {
        Self {
            item_id,
            sku: Some(sku.into()),
            price,
            minimum_quantity: None,
            maximum_quantity: None,
            increment: None,
            quantity_breaks: Vec::new(),
            extra: Extra::default(),
        }
    }

    /// Sets the quantity rule.
    #[must_use]
    pub fn with_quantity_rule(
        mut self,
        minimum: i64,
        maximum: Option<i64>,
        increment: i64,
    ) -> Self {
        self.minimum_quantity = Some(minimum);
        self.maximum_quantity = maximum;
        self.increment = Some(increment);
        self
    }

    /// Adds a quantity break.
    #[must_use]
    pub fn with_break(mut self, minimum_quantity: i64, price: Decimal) -> Self {
        self.quantity_breaks.push(QuantityBreak {
            minimum_quantity,
            price,
        });
        self
    }
}

/// **Inferred.** A unit price from a quantity on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct QuantityBreak {
    /// From this many units.
    pub minimum_quantity: i64,
    /// The unit price.
    #[serde(with = "lenient::decimal")]
    pub price: Decimal,
}

/// **Inferred.** One line of a journal: a debit or a credit to one account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct JournalLine {
    /// Ledger account code.
    pub account: String,
    /// Narrative.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Debit (zero or positive).
    #[serde(with = "lenient::decimal")]
    pub debit: Decimal,
    /// Credit (zero or positive).
    #[serde(with = "lenient::decimal")]
    pub credit: Decimal,
}

impl JournalLine {
    /// A debit of `amount` to `account`.
    pub fn debit(account: impl Into<String>, amount: Decimal) -> Self {
        Self {
            account: account.into(),
            description: None,
            debit: amount,
            credit: Decimal::ZERO,
        }
    }

    /// A credit of `amount` to `account`.
    pub fn credit(account: impl Into<String>, amount: Decimal) -> Self {
        Self {
            account: account.into(),
            description: None,
            debit: Decimal::ZERO,
            credit: amount,
        }
    }
}

/// **Inferred.** A balanced journal (one per payout).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct NewJournal {
    /// Posting date.
    #[serde(with = "lenient::datetime")]
    pub date: DateTime<Utc>,
    /// Currency.
    pub currency: CurrencyCode,
    /// The caller's reference (the payout ID), for dedup.
    pub reference: String,
    /// Lines; debits must equal credits.
    pub lines: Vec<JournalLine>,
}

impl NewJournal {
    /// A journal dated `date` in `currency`, referenced `reference`.
    pub fn new(
        date: DateTime<Utc>,
        currency: CurrencyCode,
        reference: impl Into<String>,
        lines: Vec<JournalLine>,
    ) -> Self {
        Self {
            date,
            currency,
            reference: reference.into(),
            lines,
        }
    }
}
