//! The sale order a Shopify order becomes, before it is posted.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::config::{GlAccountCode, TaxKey};
use crate::money::{CurrencyCode, Money};
use crate::shopify::model::TransactionKind;
use crate::shopify::{
    CompanyId, CompanyLocationId, CustomerId as ShopifyCustomerId, LineItemId, OrderId,
    OrderTransactionId,
};
use crate::stokly::model::{
    Address, CustomerRef, FulfilmentType, NewSaleOrder, NewSaleOrderLine, Payment, PersonName,
    Shipping, SourceType,
};
use crate::stokly::{ChannelId, CustomerId, ItemId};

/// A tax amount and the account it posts to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DraftTax {
    /// What the tax is.
    pub key: TaxKey,
    /// Where it posts.
    pub account: GlAccountCode,
    /// How much (for the line's current units).
    pub amount: Money,
}

/// The Shopify native bundle a component line belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BundleRef {
    /// Shopify's `LineItemGroup` ID.
    pub group_id: String,
    /// The bundle's title.
    pub title: String,
    /// The bundle variant's SKU.
    pub sku: Option<String>,
    /// Bundles bought.
    pub quantity: i64,
}

/// One line of the sale order, from one Shopify line.
///
/// Line amounts are Shopify's, for the line's current units and after every discount
/// (line-level and the order-level share allocated to the line): `line_price` is net of tax,
/// `line_tax` is the tax, `line_total = line_price + line_tax`. `line_discount` is what the
/// discounts took off (already deducted from `line_price`; tax-inclusive for tax-inclusive
/// orders, as Shopify states it). Per-unit amounts are the line amounts divided by the
/// quantity and rounded with the configured strategy; they are for display, the line amounts
/// are the authority.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DraftLine {
    /// The Shopify line.
    pub shopify_line_id: LineItemId,
    /// The SKU that matched.
    pub sku: String,
    /// The Stokly item.
    pub item_id: ItemId,
    /// The Shopify line's name.
    pub name: String,
    /// Units (Shopify's `currentQuantity`).
    pub quantity: i64,
    /// Net unit price (rounded).
    pub unit_price: Decimal,
    /// Unit tax (rounded).
    pub unit_tax: Decimal,
    /// Unit discount (rounded).
    pub unit_discount: Decimal,
    /// Net line price after discounts.
    pub line_price: Money,
    /// Line tax.
    pub line_tax: Money,
    /// What the discounts took off the line.
    pub line_discount: Money,
    /// `line_price + line_tax`.
    pub line_total: Money,
    /// The line's taxes with their accounts (they sum to `line_tax`).
    pub taxes: Vec<DraftTax>,
    /// Set when the line is a component of a Shopify native bundle.
    pub bundle: Option<BundleRef>,
    /// Whether the Stokly item is a composite (Stokly decrements its components).
    pub stokly_composite: bool,
    /// Whether the goods are to be shipped (otherwise handed over already).
    pub requires_shipping: bool,
}

impl DraftLine {
    /// The line as `POST /v2/saleorders` takes it: the per-unit amounts and Shopify's line
    /// totals, to be delivered unless the goods need no shipping.
    #[must_use]
    pub fn to_new_sale_order_line(&self) -> NewSaleOrderLine {
        let mut item = NewSaleOrderLine::item(self.item_id.clone(), self.quantity.into());
        item.display_price = Some(self.unit_price);
        item.display_tax = Some(self.unit_tax);
        item.display_discount = Some(self.unit_discount);
        item.display_line_price = Some(self.line_price.amount());
        item.display_line_tax = Some(self.line_tax.amount());
        item.display_line_discount = Some(self.line_discount.amount());
        item.display_line_total = Some(self.line_total.amount());
        item.fulfilment_type = Some(if self.requires_shipping {
            FulfilmentType::Delivery
        } else {
            FulfilmentType::None
        });
        item
    }
}

/// An amount on the order that is not goods or shipping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ChargeKind {
    /// Tips (`totalTipReceivedSet`); never taxed.
    Tip,
    /// Import duties (`currentTotalDutiesSet`), with the taxes charged on them (the tax lines
    /// of every line's `duties`).
    Duties,
    /// Additional fees (`currentTotalAdditionalFeesSet`), with their tax lines.
    AdditionalFees,
    /// Cash rounding (`totalCashRoundingAdjustment`: the payments' rounding less the
    /// refunds'); never taxed. Only a rounding up is a charge: a Stokly line takes no
    /// negative price, so cash rounded down is an
    /// [`OrderException::CashRoundedDown`](super::OrderException::CashRoundedDown), or is
    /// taken off the goods lines with
    /// [`CashRoundingDown::OffTheLines`](super::CashRoundingDown::OffTheLines).
    CashRounding,
}

impl ChargeKind {
    /// Every kind, in the order a draft lists them.
    pub const ALL: [Self; 4] = [
        Self::Tip,
        Self::Duties,
        Self::AdditionalFees,
        Self::CashRounding,
    ];

    /// The charge's name as reports print it.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Tip => "tip",
            Self::Duties => "duties",
            Self::AdditionalFees => "additional fees",
            Self::CashRounding => "cash rounding",
        }
    }
}

/// A tip, duty, additional fee or cash rounding posted as its own line, on the Stokly item
/// and general-ledger account the configuration gives its kind.
///
/// `amount` is net of tax and `total = amount + tax`, as for goods lines (for a tax-inclusive
/// order the tax is taken out of Shopify's amount). None is negative.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DraftCharge {
    /// What it is.
    pub kind: ChargeKind,
    /// The Stokly item the line is posted on.
    pub item_id: ItemId,
    /// The account its amount posts to.
    pub account: GlAccountCode,
    /// Net amount.
    pub amount: Money,
    /// Tax on it.
    pub tax: Money,
    /// `amount + tax`.
    pub total: Money,
    /// The taxes with their accounts (they sum to `tax`).
    pub taxes: Vec<DraftTax>,
}

impl DraftCharge {
    /// The charge as a one-unit line of `POST /v2/saleorders`, needing no delivery.
    #[must_use]
    pub fn to_new_sale_order_line(&self) -> NewSaleOrderLine {
        let mut item = NewSaleOrderLine::item(self.item_id.clone(), Decimal::ONE);
        item.display_price = Some(self.amount.amount());
        item.display_tax = Some(self.tax.amount());
        item.display_discount = Some(Decimal::ZERO);
        item.display_line_price = Some(self.amount.amount());
        item.display_line_tax = Some(self.tax.amount());
        item.display_line_discount = Some(Decimal::ZERO);
        item.display_line_total = Some(self.total.amount());
        item.fulfilment_type = Some(FulfilmentType::None);
        item
    }
}

/// A Shopify line that is not posted, with the reason; nothing is dropped silently.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OmittedLine {
    /// The Shopify line.
    pub shopify_line_id: LineItemId,
    /// Its SKU.
    pub sku: Option<String>,
    /// Its name.
    pub name: String,
    /// Units ordered.
    pub quantity: i64,
    /// Why it is not posted.
    pub reason: OmissionReason,
}

/// Why a Shopify line is not posted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum OmissionReason {
    /// Every unit was removed by an edit or refunded (`currentQuantity` is 0).
    NoCurrentUnits,
}

/// Shipping of the sale order: the sum of the order's shipping lines that were not removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DraftShipping {
    /// The shipping methods' titles, joined with ` + `.
    pub method: Option<String>,
    /// Recipient.
    pub recipient: Option<PersonName>,
    /// Delivery address.
    pub address: Option<Address>,
    /// Net shipping cost after shipping discounts.
    pub cost: Money,
    /// Tax on shipping.
    pub tax: Money,
    /// What shipping discounts took off (as Shopify states it).
    pub discount: Money,
    /// Shipping taxes with their accounts (they sum to `tax`).
    pub taxes: Vec<DraftTax>,
}

impl DraftShipping {
    /// The `shipping` object of `POST /v2/saleorders`: recipient, address, method, net cost
    /// and tax.
    #[must_use]
    pub fn to_shipping(&self) -> Shipping {
        let mut shipping = Shipping::new();
        shipping.name.clone_from(&self.recipient);
        shipping.address.clone_from(&self.address);
        shipping.option.clone_from(&self.method);
        shipping.cost = Some(self.cost.amount());
        shipping.tax = Some(self.tax.amount());
        shipping
    }
}

/// Who the Stokly customer is to be; finding or creating it is the caller's (a port's) job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum CustomerLookup {
    /// A B2B order: the trade customer of the purchasing company location.
    Trade {
        /// The Shopify company.
        company_id: CompanyId,
        /// Its name.
        company_name: String,
        /// The company location that bought.
        location_id: CompanyLocationId,
        /// Its name.
        location_name: String,
        /// The buyer's purchase-order number.
        po_number: Option<String>,
    },
    /// A consumer, found by its Shopify customer ID kept as the Stokly customer's `barcode`.
    ByShopifyCustomerId {
        /// The Shopify customer.
        customer_id: ShopifyCustomerId,
        /// The barcode to look up (the customer's numeric ID).
        barcode: String,
        /// E-mail, for creating the customer.
        email: Option<String>,
        /// Name, for creating the customer.
        name: Option<PersonName>,
    },
    /// A consumer, found by e-mail.
    ByEmail {
        /// The e-mail address.
        email: String,
        /// Name, for creating the customer.
        name: Option<PersonName>,
    },
    /// Neither a customer nor an e-mail on the order (a guest sale).
    Guest,
}

/// A payment taken in Shopify (a successful `SALE` or `CAPTURE`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DraftPayment {
    /// The Shopify transaction.
    pub transaction_id: OrderTransactionId,
    /// `SALE` or `CAPTURE`.
    pub kind: TransactionKind,
    /// The gateway.
    pub gateway: Option<String>,
    /// The amount: Shopify's `amountSet`, plus its `amountRoundingSet` for a cash payment
    /// that was rounded (the cash that changed hands).
    pub amount: Money,
    /// When it was taken.
    pub processed_at: Option<DateTime<Utc>>,
}

/// A Shopify order mapped to a Stokly sale order, ready to post: a serialisable work item.
///
/// Built only by [`map_order`](super::map_order), which guarantees that [`Self::total`]
/// equals Shopify's current total in the posting currency, plus the order's cash rounding
/// when cash was rounded (then it equals the cash that changed hands).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaleOrderDraft {
    pub(super) shopify_order_id: OrderId,
    pub(super) source_reference_id: String,
    pub(super) customer_reference: String,
    pub(super) channel: ChannelId,
    pub(super) currency: CurrencyCode,
    pub(super) ordered_at: DateTime<Utc>,
    pub(super) taxes_included: bool,
    pub(super) customer: CustomerLookup,
    pub(super) shipping: DraftShipping,
    pub(super) lines: Vec<DraftLine>,
    pub(super) charges: Vec<DraftCharge>,
    pub(super) omitted_lines: Vec<OmittedLine>,
    pub(super) payments: Vec<DraftPayment>,
    pub(super) rounding_adjustment: Money,
    #[serde(default)]
    pub(super) cash_rounding_off_lines: Option<Money>,
    pub(super) total: Money,
    pub(super) tags: Vec<String>,
}

impl SaleOrderDraft {
    /// The Shopify order.
    #[must_use]
    pub fn shopify_order_id(&self) -> &OrderId {
        &self.shopify_order_id
    }

    /// `sourceReferenceId`: the Shopify order's numeric ID, the deduplication key.
    #[must_use]
    pub fn source_reference_id(&self) -> &str {
        &self.source_reference_id
    }

    /// `customerReference`: the order's name (`#1001`).
    #[must_use]
    pub fn customer_reference(&self) -> &str {
        &self.customer_reference
    }

    /// The Stokly channel (`sourceId`).
    #[must_use]
    pub fn channel(&self) -> &ChannelId {
        &self.channel
    }

    /// The posting currency.
    #[must_use]
    pub fn currency(&self) -> CurrencyCode {
        self.currency
    }

    /// When the order was placed (Shopify's `processedAt`).
    #[must_use]
    pub fn ordered_at(&self) -> DateTime<Utc> {
        self.ordered_at
    }

    /// Whether Shopify's prices included tax.
    #[must_use]
    pub fn taxes_included(&self) -> bool {
        self.taxes_included
    }

    /// Who the customer is to be.
    #[must_use]
    pub fn customer(&self) -> &CustomerLookup {
        &self.customer
    }

    /// Shipping.
    #[must_use]
    pub fn shipping(&self) -> &DraftShipping {
        &self.shipping
    }

    /// The lines, in Shopify's order.
    #[must_use]
    pub fn lines(&self) -> &[DraftLine] {
        &self.lines
    }

    /// Tips, duties, additional fees and cash rounding, each its own line (posted after the
    /// goods lines).
    #[must_use]
    pub fn charges(&self) -> &[DraftCharge] {
        &self.charges
    }

    /// The Shopify lines not posted, with why.
    #[must_use]
    pub fn omitted_lines(&self) -> &[OmittedLine] {
        &self.omitted_lines
    }

    /// The payments.
    #[must_use]
    pub fn payments(&self) -> &[DraftPayment] {
        &self.payments
    }

    /// What was added to (or, negative, taken from) the lines' net prices so that the total
    /// equals Shopify's to the cent: only the remainder of splitting a partly removed line's
    /// amounts, at most one minor unit per such line and never more than the configured
    /// per-order limit; zero when Shopify's own amounts already added up.
    #[must_use]
    pub fn rounding_adjustment(&self) -> Money {
        self.rounding_adjustment
    }

    /// Cash rounded down and taken off the goods lines' net prices (negative), with
    /// [`CashRoundingDown::OffTheLines`](super::CashRoundingDown::OffTheLines); `None`
    /// otherwise.
    #[must_use]
    pub fn cash_rounding_off_lines(&self) -> Option<Money> {
        self.cash_rounding_off_lines
    }

    /// Lines, charges and shipping, tax included: Shopify's current total, plus the cash
    /// rounding (on its charge, or taken off the lines) when there is any.
    #[must_use]
    pub fn total(&self) -> Money {
        self.total
    }

    /// The order's tags.
    #[must_use]
    pub fn tags(&self) -> &[String] {
        &self.tags
    }

    /// The body of `POST /v2/saleorders`, with `customer` the Stokly customer found or
    /// created for [`Self::customer`] (`None` posts the order without a customer).
    ///
    /// Lines carry both the per-unit amounts and Shopify's line totals; charges (tips,
    /// duties, additional fees, cash rounding) follow the goods lines as one-unit lines;
    /// payments (cash ones with their rounding) are posted as imported payments
    /// ([`Payment::IMPORTED`]) labelled with their gateway.
    #[must_use]
    pub fn to_new_sale_order(&self, customer: Option<CustomerId>) -> NewSaleOrder {
        let items = self
            .lines
            .iter()
            .map(DraftLine::to_new_sale_order_line)
            .chain(self.charges.iter().map(DraftCharge::to_new_sale_order_line))
            .collect();
        let mut order = NewSaleOrder::new(self.currency, items);
        order.created_at = Some(self.ordered_at);
        order.source_type = Some(SourceType::Other);
        order.source_id = Some(self.channel.clone());
        order.source_reference_id = Some(self.source_reference_id.clone());
        order.customer_reference = Some(self.customer_reference.clone());
        order.tags.clone_from(&self.tags);
        order.customer = customer.map(CustomerRef::new);
        order.shipping = Some(self.shipping.to_shipping());
        order.payments = self
            .payments
            .iter()
            .map(|p| {
                let mut payment = Payment::new(Payment::IMPORTED, p.amount.amount());
                payment.label.clone_from(&p.gateway);
                payment.timestamp = p.processed_at;
                payment
            })
            .collect();
        order
    }
}
