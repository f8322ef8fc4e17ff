//! What the Shopify emulator holds. Public so that tests can seed it and inspect it.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::money::CurrencyCode;
use crate::shopify::model::ProductStatus;

/// The emulated shop.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct SandboxShop {
    /// Display name.
    pub name: String,
    /// `name.myshopify.com`.
    pub domain: String,
    /// Shop currency.
    pub currency: CurrencyCode,
    /// Presentment currencies.
    pub presentment_currencies: Vec<CurrencyCode>,
    /// IANA time zone.
    pub timezone: String,
}

/// A location.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct SandboxLocation {
    /// Numeric ID.
    pub id: u64,
    /// Name.
    pub name: String,
    /// Active.
    pub active: bool,
    /// Fulfils online orders.
    pub fulfills_online_orders: bool,
    /// The number Shopify puts in the IDs of this location's inventory levels
    /// (`gid://shopify/InventoryLevel/<this>?inventory_item_id=<item>`): Shopify's own, minted
    /// with the location and never equal to the location's ID.
    pub inventory_level_number: u64,
}

/// A product.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct SandboxProduct {
    /// Numeric ID.
    pub id: u64,
    /// Title.
    pub title: String,
    /// Status.
    pub status: ProductStatus,
}

/// A variant with its inventory item.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct SandboxVariant {
    /// Numeric ID.
    pub id: u64,
    /// Its product.
    pub product_id: u64,
    /// SKU (`None` when blank).
    pub sku: Option<String>,
    /// Barcode.
    pub barcode: Option<String>,
    /// Title.
    pub title: String,
    /// Price in the shop currency.
    pub price: Decimal,
    /// Its inventory item's numeric ID.
    pub inventory_item_id: u64,
    /// Whether the inventory item is tracked.
    pub tracked: bool,
    /// Whether Shopify derives it from components (a bundle parent).
    pub requires_components: bool,
    /// Bundle components.
    pub components: Vec<SandboxComponent>,
    /// Last update.
    pub updated_at: DateTime<Utc>,
}

/// One bundle component.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct SandboxComponent {
    /// The relation's numeric ID.
    pub id: u64,
    /// The component variant.
    pub variant_id: u64,
    /// Units per bundle.
    pub quantity: i64,
}

/// An order. Amounts are in the shop currency and include tax (`taxes_included`); the
/// emulator derives every total, tax line and presentment amount from the lines, the way
/// Shopify reports them.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct SandboxOrder {
    /// Numeric ID.
    pub id: u64,
    /// `#1001`.
    pub name: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Cancellation time, if cancelled.
    pub cancelled_at: Option<DateTime<Utc>>,
    /// Shop currency.
    pub currency: CurrencyCode,
    /// The currency the customer paid in.
    pub presentment_currency: CurrencyCode,
    /// Presentment units per shop unit.
    pub exchange_rate: Decimal,
    /// Whether prices include tax.
    pub taxes_included: bool,
    /// Lines.
    pub lines: Vec<SandboxLineItem>,
    /// Shipping charged (tax included).
    pub shipping: Decimal,
    /// Tax rate on shipping.
    pub shipping_tax_rate: Decimal,
    /// Customer e-mail.
    pub email: Option<String>,
    /// Customer ID, when the order has a customer.
    pub customer_id: Option<u64>,
    /// B2B company name, when bought through a company location.
    pub company: Option<String>,
    /// A test order.
    pub test: bool,
    /// Tip received (shop currency; zero for none).
    pub tip: Decimal,
    /// Import duties charged (shop currency, tax included at `duty_tax_rate`; zero for none),
    /// served as `Duty` records on the lines, shared in proportion to the lines' totals.
    pub duties: Decimal,
    /// Tax rate on the duties (zero: untaxed).
    pub duty_tax_rate: Decimal,
    /// The coin the customer's cash payment was rounded to (`0.05`), for an order paid in
    /// cash at a till; `None` when paid by card. The sale carries the rounding in
    /// `amountRoundingSet` and the order in `totalCashRoundingAdjustment`.
    pub cash_rounding: Option<Decimal>,
    /// An additional fee charged (shop currency, tax included at the shipping tax rate;
    /// zero for none).
    pub additional_fee: Decimal,
    /// Failed payment attempts recorded before the successful sale (each a transaction).
    pub failed_payment_attempts: usize,
}

/// An order line.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct SandboxLineItem {
    /// Numeric ID.
    pub id: u64,
    /// The variant sold (`None` for a custom line).
    pub variant_id: Option<u64>,
    /// SKU as recorded on the line.
    pub sku: Option<String>,
    /// Title.
    pub title: String,
    /// Units.
    pub quantity: i64,
    /// Line total before discounts (shop currency, tax included).
    pub original_total: Decimal,
    /// Discount allocated to the line (shop currency).
    pub discount: Decimal,
    /// Tax rate applied.
    pub tax_rate: Decimal,
    /// The native bundle this line is a component of.
    pub bundle: Option<SandboxLineGroup>,
}

/// A native bundle bought on an order (`lineItemGroup`).
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct SandboxLineGroup {
    /// Numeric ID.
    pub id: u64,
    /// The bundle variant's SKU.
    pub sku: String,
    /// The bundle variant.
    pub variant_id: Option<u64>,
    /// Bundle title.
    pub title: String,
    /// Bundles bought.
    pub quantity: i64,
}

/// A bulk operation.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct SandboxBulkOperation {
    /// Numeric ID.
    pub id: u64,
    /// `CREATED`, `RUNNING`, `COMPLETED`, `FAILED`...
    pub status: String,
    /// Error code when failed.
    pub error_code: Option<String>,
    /// Times it has been polled.
    pub polls: u32,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Completion time.
    pub completed_at: Option<DateTime<Utc>>,
    /// The JSONL result, once completed.
    #[serde(skip)]
    pub result: Option<String>,
    /// Objects in the result.
    pub object_count: u64,
    /// Root objects in the result.
    pub root_object_count: u64,
}

/// One applied inventory change (the emulator's ledger).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct SandboxInventoryChange {
    /// Inventory item.
    pub inventory_item_id: u64,
    /// Location.
    pub location_id: u64,
    /// Quantity name.
    pub name: String,
    /// Change.
    pub delta: i64,
    /// Reason given.
    pub reason: String,
    /// Reference document URI given.
    pub reference_document_uri: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct IdempotentRecord {
    pub(crate) input: serde_json::Value,
    pub(crate) payload: serde_json::Value,
}

/// Everything the Shopify emulator holds.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct ShopifyState {
    /// The shop.
    pub shop: SandboxShop,
    /// Locations by ID.
    pub locations: BTreeMap<u64, SandboxLocation>,
    /// Products by ID.
    pub products: BTreeMap<u64, SandboxProduct>,
    /// Variants by ID.
    pub variants: BTreeMap<u64, SandboxVariant>,
    /// Quantities by (inventory item, location), then by name (`available`, `on_hand`...).
    pub inventory: BTreeMap<(u64, u64), BTreeMap<String, i64>>,
    /// Orders by ID.
    pub orders: BTreeMap<u64, SandboxOrder>,
    /// Bulk operations by ID.
    pub bulk_operations: BTreeMap<u64, SandboxBulkOperation>,
    /// Every inventory change applied, in order.
    pub inventory_changes: Vec<SandboxInventoryChange>,
    /// Fulfillment orders and fulfillments by order.
    pub fulfillment: super::fulfillment::FulfillmentBook,
    /// Refunds by order.
    pub refunds: super::refund::RefundBook,
    /// The Shopify Payments account (`None`: payout reads are denied).
    #[serde(skip)]
    pub payments_account: Option<super::payouts::SandboxPaymentsAccount>,
    /// B2B: the plan flag, company locations, catalogs, price lists, customers.
    pub b2b: super::b2b::B2bBook,
    #[serde(skip)]
    pub(crate) idempotency: HashMap<(String, String), IdempotentRecord>,
    next_id: u64,
}

impl ShopifyState {
    /// An empty shop.
    #[must_use]
    pub fn new(domain: &str, currency: CurrencyCode) -> Self {
        Self {
            shop: SandboxShop {
                name: "Sandbox Store".to_owned(),
                domain: domain.to_owned(),
                currency,
                presentment_currencies: vec![currency],
                timezone: "Europe/London".to_owned(),
            },
            locations: BTreeMap::new(),
            products: BTreeMap::new(),
            variants: BTreeMap::new(),
            inventory: BTreeMap::new(),
            orders: BTreeMap::new(),
            bulk_operations: BTreeMap::new(),
            inventory_changes: Vec::new(),
            fulfillment: super::fulfillment::FulfillmentBook::default(),
            refunds: super::refund::RefundBook::default(),
            payments_account: None,
            b2b: super::b2b::B2bBook::default(),
            idempotency: HashMap::new(),
            next_id: 1000,
        }
    }

    /// A fresh numeric ID (unique across resource types, as Shopify's are in practice).
    pub fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Adds an active location and returns its ID.
    pub fn add_location(&mut self, name: &str) -> u64 {
        let id = self.next_id();
        let inventory_level_number = self.next_id();
        self.locations.insert(
            id,
            SandboxLocation {
                id,
                name: name.to_owned(),
                active: true,
                fulfills_online_orders: true,
                inventory_level_number,
            },
        );
        id
    }

    /// The ID Shopify gives the level of `inventory_item_id` at `location_id`, if the location
    /// exists (whether or not the item is stocked there).
    #[must_use]
    pub fn inventory_level_gid(&self, inventory_item_id: u64, location_id: u64) -> Option<String> {
        let location = self.locations.get(&location_id)?;
        Some(format!(
            "gid://shopify/InventoryLevel/{}?inventory_item_id={inventory_item_id}",
            location.inventory_level_number
        ))
    }

    /// The (inventory item, location) an inventory level ID names, as Shopify resolves it:
    /// `None` for an ID this shop did not mint (such as one built from a location's ID) or a
    /// level that does not exist.
    #[must_use]
    pub fn resolve_inventory_level(&self, gid: &str) -> Option<(u64, u64)> {
        let (number, item) = gid
            .strip_prefix("gid://shopify/InventoryLevel/")?
            .split_once("?inventory_item_id=")?;
        let number: u64 = number.parse().ok()?;
        let item: u64 = item.parse().ok()?;
        let location = self
            .locations
            .values()
            .find(|l| l.inventory_level_number == number)?;
        self.inventory
            .contains_key(&(item, location.id))
            .then_some((item, location.id))
    }

    /// Adds a product and returns its ID.
    pub fn add_product(&mut self, title: &str, status: ProductStatus) -> u64 {
        let id = self.next_id();
        self.products.insert(
            id,
            SandboxProduct {
                id,
                title: title.to_owned(),
                status,
            },
        );
        id
    }

    /// Adds a variant to a product and returns its ID; its inventory item is created with it.
    pub fn add_variant(
        &mut self,
        product_id: u64,
        sku: Option<&str>,
        barcode: Option<&str>,
        price: Decimal,
        tracked: bool,
        now: DateTime<Utc>,
    ) -> u64 {
        let id = self.next_id();
        let inventory_item_id = self.next_id();
        self.variants.insert(
            id,
            SandboxVariant {
                id,
                product_id,
                sku: sku.map(str::to_owned),
                barcode: barcode.map(str::to_owned),
                title: "Default Title".to_owned(),
                price,
                inventory_item_id,
                tracked,
                requires_components: false,
                components: Vec::new(),
                updated_at: now,
            },
        );
        id
    }

    /// Makes `bundle` a bundle parent of `components` (variant, units per bundle).
    pub fn set_components(&mut self, bundle: u64, components: &[(u64, i64)]) {
        let relations: Vec<SandboxComponent> = components
            .iter()
            .map(|(variant_id, quantity)| SandboxComponent {
                id: self.next_id(),
                variant_id: *variant_id,
                quantity: *quantity,
            })
            .collect();
        if let Some(v) = self.variants.get_mut(&bundle) {
            v.requires_components = !relations.is_empty();
            v.components = relations;
        }
    }

    /// Stocks an inventory item at a location with `available` (and `on_hand` equal to it).
    pub fn stock(&mut self, inventory_item_id: u64, location_id: u64, available: i64) {
        let level = self
            .inventory
            .entry((inventory_item_id, location_id))
            .or_default();
        level.insert("available".to_owned(), available);
        level.insert("on_hand".to_owned(), available);
        level.insert("committed".to_owned(), 0);
    }

    /// Adds a paid consumer order in the shop currency (taxes included, no shipping) with one
    /// line per `(variant, quantity, line total, tax rate)`, and returns its ID.
    pub fn add_order(
        &mut self,
        name: &str,
        created_at: DateTime<Utc>,
        lines: &[(u64, i64, Decimal, Decimal)],
    ) -> u64 {
        let id = self.next_id();
        let mut items = Vec::with_capacity(lines.len());
        for (variant, quantity, total, tax_rate) in lines {
            let line_id = self.next_id();
            let sku = self.variants.get(variant).and_then(|v| v.sku.clone());
            items.push(SandboxLineItem {
                id: line_id,
                variant_id: Some(*variant),
                title: sku.clone().unwrap_or_else(|| "Custom item".to_owned()),
                sku,
                quantity: *quantity,
                original_total: *total,
                discount: Decimal::ZERO,
                tax_rate: *tax_rate,
                bundle: None,
            });
        }
        let currency = self.shop.currency;
        self.orders.insert(
            id,
            SandboxOrder {
                id,
                name: name.to_owned(),
                created_at,
                updated_at: created_at,
                cancelled_at: None,
                currency,
                presentment_currency: currency,
                exchange_rate: Decimal::ONE,
                taxes_included: true,
                lines: items,
                shipping: Decimal::ZERO,
                shipping_tax_rate: Decimal::ZERO,
                email: None,
                customer_id: None,
                company: None,
                test: false,
                tip: Decimal::ZERO,
                duties: Decimal::ZERO,
                duty_tax_rate: Decimal::ZERO,
                cash_rounding: None,
                additional_fee: Decimal::ZERO,
                failed_payment_attempts: 0,
            },
        );
        id
    }

    /// A named quantity at a location, if the item is stocked there.
    #[must_use]
    pub fn quantity(&self, inventory_item_id: u64, location_id: u64, name: &str) -> Option<i64> {
        self.inventory
            .get(&(inventory_item_id, location_id))
            .and_then(|q| q.get(name).copied())
    }

    /// Variants whose SKU is exactly `sku`.
    #[must_use]
    pub fn variants_by_sku(&self, sku: &str) -> Vec<&SandboxVariant> {
        self.variants
            .values()
            .filter(|v| v.sku.as_deref() == Some(sku))
            .collect()
    }

    /// The variant owning an inventory item.
    #[must_use]
    pub fn variant_by_inventory_item(&self, inventory_item_id: u64) -> Option<&SandboxVariant> {
        self.variants
            .values()
            .find(|v| v.inventory_item_id == inventory_item_id)
    }
}
