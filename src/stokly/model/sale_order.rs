//! Sale orders (v2): reads, lines, the create body, patches, collection and invoicing.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::codes::text_code;
use super::common::{Address, Extra, PersonName};
use super::lenient;
use crate::money::CurrencyCode;
use crate::stokly::ids::{
    ChannelId, CustomerId, ItemId, LocationId, SaleOrderId, SaleOrderLineId, UserId,
};

text_code!(
    /// A sale order's `stage`. Only two values are seen; others surely exist.
    SaleOrderStage {
        /// `order`: a live order (create with it).
        Order => "order",
        /// `removed`: excluded from every report; taken as cancelled (inferred).
        Removed => "removed",
    }
);

text_code!(
    /// A sale-order line's `status` (also the values of an order's `itemStatuses`). Only
    /// `unprocessed` is seen; the values after collection or dispatch are not.
    LineStatus {
        /// `unprocessed`: waiting to be fulfilled.
        Unprocessed => "unprocessed",
    }
);

text_code!(
    /// The `type` of a sale-order line, and the `referenceType` of an invoice line.
    LineType {
        /// `item`: `referenceId` is an item ID.
        Item => "item",
    }
);

text_code!(
    /// A line's `fulfilmentType`.
    FulfilmentType {
        /// `delivery`: to be shipped.
        Delivery => "delivery",
        /// `none`: already handed over (EPOS sales).
        None => "none",
    }
);

text_code!(
    /// The `sourceType` of an order: what kind of channel it came from.
    SourceType {
        /// `other`.
        Other => "other",
        /// `magento_two`.
        MagentoTwo => "magento_two",
        /// `epos`.
        Epos => "epos",
    }
);

text_code!(
    /// A sale invoice's `status`.
    InvoiceStatus {
        /// `paid` (sale invoices).
        Paid => "paid",
        /// `issued` (purchase-order invoices).
        Issued => "issued",
    }
);

/// A sale order as `GET /v2/saleorders` and `GET /v2/saleorders/{id}` return it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SaleOrder {
    /// The order's ID.
    pub sale_order_id: SaleOrderId,
    /// Human-facing sequence number.
    #[serde(
        default,
        with = "lenient::option_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub nice_id: Option<u64>,
    /// The external order number (the dedup key for posted orders).
    #[serde(
        default,
        with = "lenient::option_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub source_reference_id: Option<String>,
    /// The customer's own reference (PO number).
    #[serde(
        default,
        with = "lenient::option_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub customer_reference: Option<String>,
    /// Name of the channel the order belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_name: Option<String>,
    /// The channel the order belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_id: Option<ChannelId>,
    /// What kind of source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_type: Option<SourceType>,
    /// Stage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<SaleOrderStage>,
    /// The statuses of the order's lines. Whether Stokly sends an array or a delimited string
    /// is not known; both decode.
    #[serde(
        default,
        deserialize_with = "item_statuses",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub item_statuses: Vec<LineStatus>,
    /// Document currency.
    #[serde(
        default,
        with = "lenient::option_currency",
        skip_serializing_if = "Option::is_none"
    )]
    pub currency: Option<CurrencyCode>,
    /// Carrier reference (tracking), on single-order reads.
    #[serde(
        default,
        with = "lenient::option_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub carrier_reference: Option<String>,
    /// Tags.
    #[serde(
        default,
        deserialize_with = "lenient::string_list::deserialize",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub tags: Vec<String>,
    /// Creation time.
    #[serde(
        default,
        with = "lenient::option_datetime",
        skip_serializing_if = "Option::is_none"
    )]
    pub created_at: Option<DateTime<Utc>>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}

impl SaleOrder {
    /// Live and waiting for fulfilment: stage `order` with an `unprocessed` line (the
    /// "released" reading of the evidence; there is no separate flag).
    #[must_use]
    pub fn awaits_fulfilment(&self) -> bool {
        self.stage == Some(SaleOrderStage::Order)
            && self.item_statuses.contains(&LineStatus::Unprocessed)
    }
}

fn item_statuses<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<LineStatus>, D::Error> {
    Ok(lenient::string_list::deserialize(d)?
        .iter()
        .map(|s| LineStatus::from(s.as_str()))
        .collect())
}

/// A line of `GET /v2/saleorders/{id}/items`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SaleOrderLine {
    /// The line's ID (used by collect-items).
    pub line_id: SaleOrderLineId,
    /// Line type.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub line_type: Option<LineType>,
    /// What the line is for: the item ID on `item` lines.
    #[serde(
        default,
        with = "lenient::option_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub reference_id: Option<String>,
    /// The item's SKU.
    #[serde(
        default,
        with = "lenient::option_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub item_sku: Option<String>,
    /// The item's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_name: Option<String>,
    /// Quantity.
    #[serde(
        default,
        with = "lenient::option_decimal",
        skip_serializing_if = "Option::is_none"
    )]
    pub quantity: Option<Decimal>,
    /// Status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<LineStatus>,
    /// The parent line, on the exploded components of a composite line (inferred);
    /// `[parentId]=={@null;}` lists top-level lines only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<SaleOrderLineId>,
    /// Net unit price in the document currency.
    #[serde(
        default,
        with = "lenient::option_decimal",
        skip_serializing_if = "Option::is_none"
    )]
    pub display_price: Option<Decimal>,
    /// Unit tax in the document currency.
    #[serde(
        default,
        with = "lenient::option_decimal",
        skip_serializing_if = "Option::is_none"
    )]
    pub display_tax: Option<Decimal>,
    /// Net unit price in the base currency (inferred).
    #[serde(
        default,
        with = "lenient::option_decimal",
        skip_serializing_if = "Option::is_none"
    )]
    pub price: Option<Decimal>,
    /// Unit tax in the base currency (inferred).
    #[serde(
        default,
        with = "lenient::option_decimal",
        skip_serializing_if = "Option::is_none"
    )]
    pub tax: Option<Decimal>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}

impl SaleOrderLine {
    /// The item of an `item` line.
    #[must_use]
    pub fn item_id(&self) -> Option<ItemId> {
        match self.line_type {
            Some(LineType::Item) | None => self
                .reference_id
                .as_deref()
                .and_then(|r| ItemId::new(r).ok()),
            Some(_) => None,
        }
    }
}

/// `customer: {customerId}` on a new order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CustomerRef {
    /// The customer.
    pub customer_id: CustomerId,
}

impl CustomerRef {
    /// A reference to `customer_id`.
    #[must_use]
    pub fn new(customer_id: CustomerId) -> Self {
        Self { customer_id }
    }
}

/// Shipping of a new order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Shipping {
    /// Recipient.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<PersonName>,
    /// Delivery address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
    /// Shipping method label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub option: Option<String>,
    /// Net shipping cost.
    #[serde(
        default,
        with = "lenient::option_decimal",
        skip_serializing_if = "Option::is_none"
    )]
    pub cost: Option<Decimal>,
    /// Tax on shipping.
    #[serde(
        default,
        with = "lenient::option_decimal",
        skip_serializing_if = "Option::is_none"
    )]
    pub tax: Option<Decimal>,
}

impl Shipping {
    /// Empty shipping details, to fill field by field.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }
}

/// A line of a new order. Prices are per unit (`display_price` net, `display_tax`), line
/// totals in the `display_line_*` fields, all in the order's currency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct NewSaleOrderLine {
    /// Always [`LineType::Item`].
    #[serde(rename = "type")]
    pub line_type: LineType,
    /// The item.
    pub reference_id: ItemId,
    /// Quantity (positive).
    #[serde(with = "lenient::decimal")]
    pub quantity: Decimal,
    /// Net unit price.
    #[serde(
        default,
        with = "lenient::option_decimal",
        skip_serializing_if = "Option::is_none"
    )]
    pub display_price: Option<Decimal>,
    /// Unit tax.
    #[serde(
        default,
        with = "lenient::option_decimal",
        skip_serializing_if = "Option::is_none"
    )]
    pub display_tax: Option<Decimal>,
    /// Unit discount.
    #[serde(
        default,
        with = "lenient::option_decimal",
        skip_serializing_if = "Option::is_none"
    )]
    pub display_discount: Option<Decimal>,
    /// Net line price.
    #[serde(
        default,
        with = "lenient::option_decimal",
        skip_serializing_if = "Option::is_none"
    )]
    pub display_line_price: Option<Decimal>,
    /// Line tax.
    #[serde(
        default,
        with = "lenient::option_decimal",
        skip_serializing_if = "Option::is_none"
    )]
    pub display_line_tax: Option<Decimal>,
    /// Line discount.
    #[serde(
        default,
        with = "lenient::option_decimal",
        skip_serializing_if = "Option::is_none"
    )]
    pub display_line_discount: Option<Decimal>,
    /// Line total.
    #[serde(
        default,
        with = "lenient::option_decimal",
        skip_serializing_if = "Option::is_none"
    )]
    pub display_line_total: Option<Decimal>,
    /// Delivery or none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fulfilment_type: Option<FulfilmentType>,
}

impl NewSaleOrderLine {
    /// `quantity` of `item_id`, to be delivered; set the prices next.
    #[must_use]
    pub fn item(item_id: ItemId, quantity: Decimal) -> Self {
        Self {
            line_type: LineType::Item,
            reference_id: item_id,
            quantity,
            display_price: None,
            display_tax: None,
            display_discount: None,
            display_line_price: None,
            display_line_tax: None,
            display_line_discount: None,
            display_line_total: None,
            fulfilment_type: Some(FulfilmentType::Delivery),
        }
    }
}

/// A payment on an order or invoice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Payment {
    /// Payment method code (only `4`, used for imported payments, is seen; kept open).
    pub method: u32,
    /// Amount in the document currency.
    #[serde(with = "lenient::decimal")]
    pub amount: Decimal,
    /// Label (`"Imported Order"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// When it was taken.
    #[serde(
        default,
        with = "lenient::option_datetime",
        skip_serializing_if = "Option::is_none"
    )]
    pub timestamp: Option<DateTime<Utc>>,
}

impl Payment {
    /// The method code used for imported payments.
    pub const IMPORTED: u32 = 4;

    /// A payment of `amount` with method `method`.
    #[must_use]
    pub fn new(method: u32, amount: Decimal) -> Self {
        Self {
            method,
            amount,
            label: None,
            timestamp: None,
        }
    }
}

/// A line of an invoice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct InvoiceLine {
    /// Always [`LineType::Item`].
    pub reference_type: LineType,
    /// The item.
    pub reference_id: ItemId,
    /// Item name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_name: Option<String>,
    /// Item SKU.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_sku: Option<String>,
    /// Quantity.
    #[serde(with = "lenient::decimal")]
    pub quantity: Decimal,
    /// Net unit price.
    #[serde(
        default,
        with = "lenient::option_decimal",
        skip_serializing_if = "Option::is_none"
    )]
    pub display_price: Option<Decimal>,
    /// Unit tax.
    #[serde(
        default,
        with = "lenient::option_decimal",
        skip_serializing_if = "Option::is_none"
    )]
    pub display_tax: Option<Decimal>,
}

impl InvoiceLine {
    /// `quantity` of `item_id`; set the prices next.
    #[must_use]
    pub fn item(item_id: ItemId, quantity: Decimal) -> Self {
        Self {
            reference_type: LineType::Item,
            reference_id: item_id,
            item_name: None,
            item_sku: None,
            quantity,
            display_price: None,
            display_tax: None,
        }
    }
}

/// An invoice to raise on a sale order (in `POST /v2/saleorders/{id}/invoices`, or inline on
/// create).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct NewInvoice {
    /// Status (`paid`).
    pub status: InvoiceStatus,
    /// Currency.
    pub currency: CurrencyCode,
    /// Exchange rate to the base currency.
    #[serde(
        default,
        with = "lenient::option_decimal",
        skip_serializing_if = "Option::is_none"
    )]
    pub exchange_rate: Option<Decimal>,
    /// Use Stokly's rate instead of `exchange_rate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_system_exchange_rate: Option<bool>,
    /// Payments against the invoice.
    #[serde(default)]
    pub payments: Vec<Payment>,
    /// Lines.
    pub items: Vec<InvoiceLine>,
}

impl NewInvoice {
    /// An invoice in `currency` with `status` over `items`.
    #[must_use]
    pub fn new(status: InvoiceStatus, currency: CurrencyCode, items: Vec<InvoiceLine>) -> Self {
        Self {
            status,
            currency,
            exchange_rate: None,
            use_system_exchange_rate: None,
            payments: Vec::new(),
            items,
        }
    }
}

/// The body of `POST /v2/saleorders` (all keys of the reference's section 3.9).
///
/// There is no idempotency key: look the order up by `source_reference_id` first
/// ([`Client::sale_orders_by_source_reference`](crate::stokly::Client::sale_orders_by_source_reference)).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct NewSaleOrder {
    /// Stage (default `order`).
    pub stage: SaleOrderStage,
    /// Order time.
    #[serde(
        default,
        with = "lenient::option_datetime",
        skip_serializing_if = "Option::is_none"
    )]
    pub created_at: Option<DateTime<Utc>>,
    /// Document currency.
    pub currency: CurrencyCode,
    /// Kind of source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_type: Option<SourceType>,
    /// The Stokly channel the order belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_id: Option<ChannelId>,
    /// The external order number (dedup key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_reference_id: Option<String>,
    /// The customer's reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_reference: Option<String>,
    /// Barcode (EPOS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub barcode: Option<String>,
    /// Tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Operator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<UserId>,
    /// Use Stokly's exchange rate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_system_exchange_rate: Option<bool>,
    /// Exchange rate to the base currency.
    #[serde(
        default,
        with = "lenient::option_decimal",
        skip_serializing_if = "Option::is_none"
    )]
    pub exchange_rate: Option<Decimal>,
    /// The customer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<CustomerRef>,
    /// Shipping.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping: Option<Shipping>,
    /// Lines (at least one).
    pub items: Vec<NewSaleOrderLine>,
    /// Payments (`[]` allowed, always sent).
    #[serde(default)]
    pub payments: Vec<Payment>,
    /// Invoices to raise at once.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub invoices: Vec<NewInvoice>,
    /// Mark the order invoiced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoiced: Option<bool>,
    /// Invoice every line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice_all: Option<bool>,
}

impl NewSaleOrder {
    /// An order in `currency` with `items`, stage `order`; set the rest field by field.
    #[must_use]
    pub fn new(currency: CurrencyCode, items: Vec<NewSaleOrderLine>) -> Self {
        Self {
            stage: SaleOrderStage::Order,
            created_at: None,
            currency,
            source_type: None,
            source_id: None,
            source_reference_id: None,
            customer_reference: None,
            barcode: None,
            tags: Vec::new(),
            user_id: None,
            use_system_exchange_rate: None,
            exchange_rate: None,
            customer: None,
            shipping: None,
            items,
            payments: Vec::new(),
            invoices: Vec::new(),
            invoiced: None,
            invoice_all: None,
        }
    }
}

/// The body of `PATCH /v2/saleorders/{id}`. Only `tags` is seen; `extra` carries any other
/// key the caller knows to be accepted.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SaleOrderPatch {
    /// Replacement tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// Other keys to set.
    #[serde(flatten)]
    pub extra: Extra,
}

impl SaleOrderPatch {
    /// An empty patch.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// A patch replacing the tags.
    #[must_use]
    pub fn tags(tags: Vec<String>) -> Self {
        Self {
            tags: Some(tags),
            extra: Extra::new(),
        }
    }
}

/// One line to collect.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CollectLine {
    /// The order line.
    pub line_id: SaleOrderLineId,
    /// Quantity collected.
    #[serde(with = "lenient::decimal")]
    pub quantity: Decimal,
}

impl CollectLine {
    /// `quantity` of line `line_id`.
    #[must_use]
    pub fn new(line_id: SaleOrderLineId, quantity: Decimal) -> Self {
        Self { line_id, quantity }
    }
}

/// The body of `POST /v2/saleorders/{id}/collect-items`: mark lines collected from a location
/// (this also takes the stock out of that location, inferred).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CollectItems {
    /// Where the goods were collected from.
    pub location_id: LocationId,
    /// The lines.
    pub items: Vec<CollectLine>,
}

impl CollectItems {
    /// Collect `items` from `location_id`.
    #[must_use]
    pub fn new(location_id: LocationId, items: Vec<CollectLine>) -> Self {
        Self { location_id, items }
    }
}
