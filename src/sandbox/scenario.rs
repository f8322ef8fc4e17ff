//! Seeded scenarios: a catalogue with bundles, locations, stock and a stream of orders, with
//! deliberate defects recorded so that tests can check each one is found, and nothing else.
//!
//! And the set-up most order flows start from on the sandbox, in one place for the examples
//! and tests: both emulators' states with the Stokly listings linked
//! ([`Scenario::linked_states`]), the order mapping a scenario's taxes need
//! ([`sandbox_mapping_config`]), and the catalogue read and every order captured
//! ([`read_catalogue_and_mapping`], [`capture_shop`]).

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use rust_decimal::Decimal;
use serde::Serialize;

use futures::TryStreamExt;

use super::rng::SeededRng;
use super::shopify::{SandboxLineGroup, SandboxLineItem, SandboxOrder, ShopifyState};
use super::stokly::StoklyState;
use crate::adapters::catalogue::{CatalogueReadOptions, read_catalogue};
use crate::adapters::orders::{CapturedOrders, capture_orders};
use crate::domain::catalogue::SkuIndex;
use crate::domain::order::{GlAccountCode, OrderMappingConfig, TaxAccountMap, TaxKey};
use crate::money::{CurrencyCode, Money};
use crate::shopify::model::ProductStatus;
use crate::shopify::{DEFAULT_ORDER_OVERLAP, OrderCursor, OrderId, PageOptions};

/// The kinds of deliberate defect a scenario can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[non_exhaustive]
pub enum DefectKind {
    /// A Shopify variant whose SKU Stokly does not know.
    UnknownSku,
    /// Two Shopify variants with the same SKU.
    DuplicateSku,
    /// A Shopify variant with no SKU.
    BlankSku,
}

/// One deliberate defect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ScenarioDefect {
    /// The kind.
    pub kind: DefectKind,
    /// The SKU involved (`None` for a blank SKU).
    pub sku: Option<String>,
    /// The Shopify product title that carries it.
    pub product_title: String,
}

/// A location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ScenarioLocation {
    /// Name (the same in both systems).
    pub name: String,
}

/// A catalogue item, as both systems should hold it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ScenarioItem {
    /// SKU.
    pub sku: String,
    /// Name.
    pub name: String,
    /// Barcode.
    pub barcode: String,
    /// Price (shop currency).
    pub price: Decimal,
    /// Components (SKU, units) for a bundle/composite; empty for a simple item.
    pub components: Vec<(String, i64)>,
    /// Stock per location (same order as the scenario's locations); zero for bundles.
    pub stock: Vec<i64>,
    /// Whether Stokly holds the item (false for an unknown-SKU defect).
    pub in_stokly: bool,
}

/// An order line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ScenarioLine {
    /// SKU on the line (`None` for a blank-SKU variant).
    pub sku: Option<String>,
    /// Units.
    pub quantity: i64,
    /// Unit price (shop currency).
    pub unit_price: Decimal,
    /// Discount allocated to the line.
    pub discount: Decimal,
    /// Tax rate.
    pub tax_rate: Decimal,
    /// The bundle this line is a component of.
    pub bundle_sku: Option<String>,
}

/// An order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ScenarioOrder {
    /// `#1001`...
    pub name: String,
    /// Placed at.
    pub created_at: DateTime<Utc>,
    /// The currency the customer paid in.
    pub presentment_currency: CurrencyCode,
    /// Lines.
    pub lines: Vec<ScenarioLine>,
    /// Shipping charged.
    pub shipping: Decimal,
    /// B2B company, if any.
    pub company: Option<String>,
    /// Tip received.
    pub tip: Decimal,
    /// Import duties (tax included at `duty_tax_rate`).
    pub duties: Decimal,
    /// Tax rate on the duties (zero: untaxed).
    pub duty_tax_rate: Decimal,
    /// The coin a cash payment was rounded to; `None` when paid by card.
    pub cash_rounding: Option<Decimal>,
    /// Additional fee (tax included).
    pub additional_fee: Decimal,
    /// Failed payment attempts before the sale.
    pub failed_payment_attempts: usize,
    /// Customer e-mail.
    pub email: String,
}

/// A generated scenario. The same builder settings and seed always give the same scenario.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Scenario {
    /// The seed.
    pub seed: u64,
    /// When the scenario's clock starts.
    pub epoch: DateTime<Utc>,
    /// The shop currency.
    pub currency: CurrencyCode,
    /// Locations.
    pub locations: Vec<ScenarioLocation>,
    /// Catalogue (simple items first, then bundles, then defect-only variants).
    pub items: Vec<ScenarioItem>,
    /// Orders, oldest first.
    pub orders: Vec<ScenarioOrder>,
    /// Every deliberate defect.
    pub defects: Vec<ScenarioDefect>,
}

/// Builds a [`Scenario`].
#[derive(Debug, Clone)]
#[must_use]
pub struct ScenarioBuilder {
    seed: u64,
    skus: usize,
    bundles: usize,
    locations: usize,
    orders: usize,
    currency: CurrencyCode,
    presentment: Vec<CurrencyCode>,
    unknown_skus: usize,
    duplicate_skus: usize,
    blank_skus: usize,
    tips: usize,
    duties: usize,
    duty_tax_rate: Decimal,
    cash_payments: usize,
    additional_fees: usize,
    many_transactions: usize,
    epoch: DateTime<Utc>,
}

impl ScenarioBuilder {
    /// A builder with `seed`: 50 SKUs, 5 bundles, 2 locations, 20 orders, no defects.
    pub fn new(seed: u64) -> Self {
        Self {
            seed,
            skus: 50,
            bundles: 5,
            locations: 2,
            orders: 20,
            currency: CurrencyCode::GBP,
            presentment: vec![CurrencyCode::GBP, CurrencyCode::EUR, CurrencyCode::USD],
            unknown_skus: 0,
            duplicate_skus: 0,
            blank_skus: 0,
            tips: 0,
            duties: 0,
            duty_tax_rate: Decimal::ZERO,
            cash_payments: 0,
            additional_fees: 0,
            many_transactions: 0,
            epoch: DateTime::parse_from_rfc3339("2026-11-01T09:00:00Z")
                .map_or_else(|_| Utc::now(), |t| t.with_timezone(&Utc)),
        }
    }
    /// Simple SKUs.
    pub fn skus(mut self, n: usize) -> Self {
        self.skus = n;
        self
    }
    /// Bundles (each of two to four simple SKUs).
    pub fn bundles(mut self, n: usize) -> Self {
        self.bundles = n;
        self
    }
    /// Locations (at least one).
    pub fn locations(mut self, n: usize) -> Self {
        self.locations = n.max(1);
        self
    }
    /// Orders.
    pub fn orders(mut self, n: usize) -> Self {
        self.orders = n;
        self
    }
    /// Shopify variants whose SKU Stokly lacks.
    pub fn unknown_skus(mut self, n: usize) -> Self {
        self.unknown_skus = n;
        self
    }
    /// Extra Shopify variants repeating an existing SKU.
    pub fn duplicate_skus(mut self, n: usize) -> Self {
        self.duplicate_skus = n;
        self
    }
    /// Shopify variants with no SKU.
    pub fn blank_skus(mut self, n: usize) -> Self {
        self.blank_skus = n;
        self
    }

    /// The first `n` orders carry a tip (0.41 plus a penny per order).
    pub fn tips(mut self, n: usize) -> Self {
        self.tips = n;
        self
    }
    /// The first `n` orders carry import duties (3.00).
    pub fn duties(mut self, n: usize) -> Self {
        self.duties = n;
        self
    }
    /// Duties carry tax at `rate` (VAT, included in the duty as in the sandbox's prices);
    /// by default they are untaxed.
    pub fn duty_tax_rate(mut self, rate: Decimal) -> Self {
        self.duty_tax_rate = rate;
        self
    }
    /// The first `n` orders are paid in cash at a till, in the shop's currency, rounded to
    /// the nearest 0.05 (as Point of Sale rounds cash in CHF, DKK or SEK).
    pub fn cash_payments(mut self, n: usize) -> Self {
        self.cash_payments = n;
        self
    }
    /// The first `n` orders carry an additional fee (2.40, VAT included).
    pub fn additional_fees(mut self, n: usize) -> Self {
        self.additional_fees = n;
        self
    }
    /// The first `n` orders have 120 failed payment attempts before the sale: more
    /// transactions than the client's first read of an order asks for.
    pub fn many_transactions(mut self, n: usize) -> Self {
        self.many_transactions = n;
        self
    }

    /// Generates the scenario.
    #[must_use]
    pub fn build(self) -> Scenario {
        let mut rng = SeededRng::new(self.seed);
        let locations = (0..self.locations)
            .map(|i| ScenarioLocation {
                name: format!("Warehouse {}", i + 1),
            })
            .collect::<Vec<_>>();
        let mut items = Vec::new();
        for i in 0..self.skus {
            let cents = rng.between(199, 19_999) as i64;
            items.push(ScenarioItem {
                sku: format!("SKU-{:05}", i + 1),
                name: format!("Product {}", i + 1),
                barcode: format!(
                    "50{:011}",
                    self.seed.wrapping_mul(1_000_003).wrapping_add(i as u64) % 100_000_000_000
                ),
                price: Decimal::new(cents, 2),
                components: Vec::new(),
                stock: (0..self.locations).map(|_| rng.below(120) as i64).collect(),
                in_stokly: true,
            });
        }
        for b in 0..self.bundles.min(self.skus / 2) {
            let parts = rng.between(2, 4) as usize;
            let mut components: Vec<(String, i64)> = Vec::new();
            while components.len() < parts.min(self.skus) {
                let pick = rng.below(self.skus as u64) as usize;
                let sku = format!("SKU-{:05}", pick + 1);
                if !components.iter().any(|(s, _)| *s == sku) {
                    components.push((sku, rng.between(1, 3) as i64));
                }
            }
            let price = Decimal::new(rng.between(2_999, 29_999) as i64, 2);
            items.push(ScenarioItem {
                sku: format!("BUNDLE-{:03}", b + 1),
                name: format!("Bundle {}", b + 1),
                barcode: format!("59{:011}", b),
                price,
                components,
                stock: vec![0; self.locations],
                in_stokly: true,
            });
        }
        let mut defects = Vec::new();
        for u in 0..self.unknown_skus {
            let sku = format!("SHOPIFY-ONLY-{:03}", u + 1);
            items.push(ScenarioItem {
                sku: sku.clone(),
                name: format!("Shopify-only {}", u + 1),
                barcode: format!("58{:011}", u),
                price: Decimal::new(999, 2),
                components: Vec::new(),
                stock: vec![5; self.locations],
                in_stokly: false,
            });
            defects.push(ScenarioDefect {
                kind: DefectKind::UnknownSku,
                sku: Some(sku),
                product_title: format!("Shopify-only {}", u + 1),
            });
        }
        for d in 0..self.duplicate_skus.min(self.skus) {
            let pick = rng.below(self.skus as u64) as usize;
            let sku = format!("SKU-{:05}", pick + 1);
            if defects.iter().any(|x: &ScenarioDefect| {
                x.kind == DefectKind::DuplicateSku && x.sku.as_deref() == Some(&sku)
            }) {
                continue;
            }
            defects.push(ScenarioDefect {
                kind: DefectKind::DuplicateSku,
                sku: Some(sku),
                product_title: format!("Duplicate listing {}", d + 1),
            });
        }
        for b in 0..self.blank_skus {
            defects.push(ScenarioDefect {
                kind: DefectKind::BlankSku,
                sku: None,
                product_title: format!("Untitled import {}", b + 1),
            });
        }
        let orders = self.orders_for(&mut rng, &items, &defects);
        Scenario {
            seed: self.seed,
            epoch: self.epoch,
            currency: self.currency,
            locations,
            items,
            orders,
            defects,
        }
    }

    fn orders_for(
        &self,
        rng: &mut SeededRng,
        items: &[ScenarioItem],
        defects: &[ScenarioDefect],
    ) -> Vec<ScenarioOrder> {
        let mut orders = Vec::new();
        if items.is_empty() {
            return orders;
        }
        let rates = [Decimal::new(20, 2), Decimal::new(5, 2), Decimal::ZERO];
        for n in 0..self.orders {
            let mut lines = Vec::new();
            for _ in 0..rng.between(1, 4) {
                let item = items.get(rng.below(items.len() as u64) as usize);
                let Some(item) = item else { continue };
                let quantity = rng.between(1, 3) as i64;
                let discount = if rng.chance(0.3) {
                    (item.price * Decimal::from(quantity) * Decimal::new(10, 2)).round_dp(2)
                } else {
                    Decimal::ZERO
                };
                let tax_rate = rates
                    .get(rng.below(rates.len() as u64) as usize)
                    .copied()
                    .unwrap_or_default();
                lines.push(ScenarioLine {
                    sku: Some(item.sku.clone()),
                    quantity,
                    unit_price: item.price,
                    discount,
                    tax_rate,
                    bundle_sku: None,
                });
                for (component, units) in &item.components {
                    lines.push(ScenarioLine {
                        sku: Some(component.clone()),
                        quantity: quantity * units,
                        unit_price: Decimal::ZERO,
                        discount: Decimal::ZERO,
                        tax_rate,
                        bundle_sku: Some(item.sku.clone()),
                    });
                }
            }
            // Every tenth order sells a blank-SKU variant when the scenario has one.
            if n % 10 == 9 && defects.iter().any(|d| d.kind == DefectKind::BlankSku) {
                lines.push(ScenarioLine {
                    sku: None,
                    quantity: 1,
                    unit_price: Decimal::new(1500, 2),
                    discount: Decimal::ZERO,
                    tax_rate: Decimal::new(20, 2),
                    bundle_sku: None,
                });
            }
            let presentment = self
                .presentment
                .get(rng.below(self.presentment.len() as u64) as usize)
                .copied()
                .unwrap_or(self.currency);
            let cash = n < self.cash_payments;
            orders.push(ScenarioOrder {
                name: format!("#{}", 1001 + n),
                created_at: self.epoch + Duration::minutes(7 * n as i64),
                // Cash at a till changes hands in the shop's own currency.
                presentment_currency: if cash { self.currency } else { presentment },
                lines,
                shipping: if rng.chance(0.7) {
                    Decimal::new(495, 2)
                } else {
                    Decimal::ZERO
                },
                company: rng
                    .chance(0.15)
                    .then(|| format!("Trade Customer {}", rng.between(1, 9))),
                email: format!("customer{}@example.com", rng.between(1, 500)),
                // Charges draw nothing from the generator, so scenarios without them are
                // the same as before they existed.
                tip: if n < self.tips {
                    Decimal::new(41 + n as i64, 2)
                } else {
                    Decimal::ZERO
                },
                duties: if n < self.duties {
                    Decimal::new(300, 2)
                } else {
                    Decimal::ZERO
                },
                duty_tax_rate: self.duty_tax_rate,
                cash_rounding: cash.then(|| Decimal::new(5, 2)),
                additional_fee: if n < self.additional_fees {
                    Decimal::new(240, 2)
                } else {
                    Decimal::ZERO
                },
                failed_payment_attempts: if n < self.many_transactions { 120 } else { 0 },
            });
        }
        orders
    }
}

impl Scenario {
    /// Both emulators' states for one shop and Stokly account: [`Scenario::shopify_state`]
    /// for `domain`, and [`StoklyState::from_scenario`] for `account_key` with its listings
    /// linked to the Shopify variants ([`StoklyState::link_shopify_listings`]).
    #[must_use]
    pub fn linked_states(&self, domain: &str, account_key: &str) -> (ShopifyState, StoklyState) {
        let shopify = self.shopify_state(domain);
        let mut stokly = StoklyState::from_scenario(self, account_key);
        stokly.link_shopify_listings(&shopify);
        (shopify, stokly)
    }

    /// The Shopify side: one product per item, bundles with components, stock per location,
    /// the defects, and the orders.
    #[must_use]
    pub fn shopify_state(&self, domain: &str) -> ShopifyState {
        let mut state = ShopifyState::new(domain, self.currency);
        state.shop.presentment_currencies = vec![self.currency];
        let locations: Vec<u64> = self
            .locations
            .iter()
            .map(|l| state.add_location(&l.name))
            .collect();
        let mut by_sku = std::collections::HashMap::new();
        for item in &self.items {
            let product = state.add_product(&item.name, ProductStatus::Active);
            let tracked = item.components.is_empty();
            let variant = state.add_variant(
                product,
                Some(&item.sku),
                Some(&item.barcode),
                item.price,
                tracked,
                self.epoch,
            );
            by_sku.insert(item.sku.clone(), variant);
            if tracked {
                if let Some(inventory_item) =
                    state.variants.get(&variant).map(|v| v.inventory_item_id)
                {
                    for (location, qty) in locations.iter().zip(&item.stock) {
                        state.stock(inventory_item, *location, *qty);
                    }
                }
            }
        }
        for item in self.items.iter().filter(|i| !i.components.is_empty()) {
            let components: Vec<(u64, i64)> = item
                .components
                .iter()
                .filter_map(|(sku, qty)| by_sku.get(sku).map(|v| (*v, *qty)))
                .collect();
            if let Some(bundle) = by_sku.get(&item.sku) {
                state.set_components(*bundle, &components);
            }
        }
        for defect in &self.defects {
            match defect.kind {
                DefectKind::DuplicateSku | DefectKind::BlankSku => {
                    let product = state.add_product(&defect.product_title, ProductStatus::Active);
                    let variant = state.add_variant(
                        product,
                        defect.sku.as_deref(),
                        None,
                        Decimal::new(1500, 2),
                        true,
                        self.epoch,
                    );
                    if defect.sku.is_none() {
                        by_sku.insert(String::new(), variant);
                    }
                }
                DefectKind::UnknownSku => {}
            }
        }
        // One Shopify customer per e-mail address: customers come back.
        let mut customers: HashMap<String, u64> = HashMap::new();
        for order in &self.orders {
            let id = state.next_id();
            let lines = shopify_lines(&mut state, &order.lines, &by_sku, self.currency);
            let fresh = state.next_id();
            let customer_id = Some(*customers.entry(order.email.clone()).or_insert(fresh));
            state.orders.insert(
                id,
                SandboxOrder {
                    id,
                    name: order.name.clone(),
                    created_at: order.created_at,
                    updated_at: order.created_at,
                    cancelled_at: None,
                    currency: self.currency,
                    presentment_currency: order.presentment_currency,
                    exchange_rate: exchange_rate(self.currency, order.presentment_currency),
                    taxes_included: true,
                    lines,
                    shipping: order.shipping,
                    shipping_tax_rate: Decimal::new(20, 2),
                    email: Some(order.email.clone()),
                    customer_id,
                    company: order.company.clone(),
                    test: false,
                    tip: order.tip,
                    duties: order.duties,
                    duty_tax_rate: order.duty_tax_rate,
                    cash_rounding: order.cash_rounding,
                    additional_fee: order.additional_fee,
                    failed_payment_attempts: order.failed_payment_attempts,
                },
            );
        }
        state
    }
}

/// Presentment units per shop unit, fixed for the sandbox.
fn exchange_rate(shop: CurrencyCode, presentment: CurrencyCode) -> Decimal {
    let per_gbp = |c: CurrencyCode| match c.as_str() {
        "EUR" => Decimal::new(117, 2),
        "USD" => Decimal::new(127, 2),
        _ => Decimal::ONE,
    };
    (per_gbp(presentment) / per_gbp(shop)).round_dp(6)
}

/// Shopify's lines for a scenario order: a native bundle is not a line of its own; its price
/// and discount are allocated over its component lines, which carry the `lineItemGroup`.
fn shopify_lines(
    state: &mut ShopifyState,
    lines: &[ScenarioLine],
    by_sku: &std::collections::HashMap<String, u64>,
    currency: CurrencyCode,
) -> Vec<SandboxLineItem> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(line) = lines.get(i) {
        let components: Vec<&ScenarioLine> = lines
            .iter()
            .skip(i + 1)
            .take_while(|c| c.bundle_sku.is_some() && c.bundle_sku == line.sku)
            .collect();
        let variant = by_sku.get(line.sku.as_deref().unwrap_or_default()).copied();
        let total = line.unit_price * Decimal::from(line.quantity);
        if components.is_empty() {
            out.push(SandboxLineItem {
                id: state.next_id(),
                variant_id: variant,
                sku: line.sku.clone(),
                title: line
                    .sku
                    .clone()
                    .unwrap_or_else(|| "Untitled import".to_owned()),
                quantity: line.quantity,
                original_total: total,
                discount: line.discount,
                tax_rate: line.tax_rate,
                bundle: None,
            });
            i += 1;
            continue;
        }
        let group = SandboxLineGroup {
            id: state.next_id(),
            sku: line.sku.clone().unwrap_or_default(),
            variant_id: variant,
            title: line.sku.clone().unwrap_or_default(),
            quantity: line.quantity,
        };
        let weights: Vec<Decimal> = components
            .iter()
            .map(|c| Decimal::from(c.quantity))
            .collect();
        let split = |amount: Decimal| {
            Money::new(amount, currency)
                .allocate(&weights)
                .map(|parts| parts.iter().map(Money::amount).collect::<Vec<_>>())
                .unwrap_or_else(|_| vec![Decimal::ZERO; weights.len()])
        };
        let totals = split(total);
        let discounts = split(line.discount);
        for ((component, part), discount) in components.iter().zip(totals).zip(discounts) {
            out.push(SandboxLineItem {
                id: state.next_id(),
                variant_id: by_sku
                    .get(component.sku.as_deref().unwrap_or_default())
                    .copied(),
                sku: component.sku.clone(),
                title: component.sku.clone().unwrap_or_default(),
                quantity: component.quantity,
                original_total: part,
                discount,
                tax_rate: line.tax_rate,
                bundle: Some(group.clone()),
            });
        }
        i += 1 + components.len();
    }
    out
}

/// The Stokly channel the scenarios' orders are posted to.
pub const SANDBOX_CHANNEL: &str = "Shopify";

/// A sandbox set-up step failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SandboxSetupError {
    /// A read through the clients failed.
    #[error("sandbox set-up read failed")]
    Read(#[from] crate::Error),
    /// The Stokly account has no channel of that name.
    #[error("no {0:?} channel in Stokly")]
    MissingChannel(&'static str),
}

impl From<crate::stokly::Error> for SandboxSetupError {
    fn from(error: crate::stokly::Error) -> Self {
        Self::Read(error.into())
    }
}

impl From<crate::shopify::Error> for SandboxSetupError {
    fn from(error: crate::shopify::Error) -> Self {
        Self::Read(error.into())
    }
}

/// The order mapping a scenario's orders need: the Stokly account's [`SANDBOX_CHANNEL`]
/// channel (read through `stokly`), and the scenarios' two VAT rates, 20% on GL account
/// 2200 and 5% on 2205.
///
/// # Errors
/// [`SandboxSetupError::Read`] when the channels cannot be read,
/// [`SandboxSetupError::MissingChannel`] when the account has none of that name.
pub async fn sandbox_mapping_config(
    stokly: &crate::stokly::Client,
) -> Result<OrderMappingConfig, SandboxSetupError> {
    let channel = stokly
        .channels(crate::stokly::ListQuery::new())
        .try_collect::<Vec<_>>()
        .await?
        .into_iter()
        .find(|c| c.name.as_deref() == Some(SANDBOX_CHANNEL))
        .ok_or(SandboxSetupError::MissingChannel(SANDBOX_CHANNEL))?
        .channel_id;
    let mut accounts = TaxAccountMap::new();
    for (rate, account) in [(Decimal::new(20, 2), "2200"), (Decimal::new(5, 2), "2205")] {
        if let Some(account) = GlAccountCode::new(account) {
            accounts.insert(
                TaxKey::new("VAT", Some(rate), Some(SANDBOX_CHANNEL), false),
                account,
            );
        }
    }
    Ok(OrderMappingConfig::new(channel, accounts))
}

/// Reads both catalogues into a SKU index (with the default read options) and the order
/// mapping ([`sandbox_mapping_config`]), through the clients given, so that their retries,
/// budgets and pacers apply.
///
/// # Errors
/// As [`sandbox_mapping_config`], and [`SandboxSetupError::Read`] when a catalogue read fails.
pub async fn read_catalogue_and_mapping(
    shopify: &crate::shopify::Client,
    stokly: &crate::stokly::Client,
) -> Result<(SkuIndex, OrderMappingConfig), SandboxSetupError> {
    let index = read_catalogue(shopify, stokly, &CatalogueReadOptions::default())
        .await?
        .into_index();
    let mapping = sandbox_mapping_config(stokly).await?;
    Ok((index, mapping))
}

/// A shop read and captured by [`capture_shop`].
#[derive(Debug)]
#[non_exhaustive]
pub struct CapturedShop {
    /// The SKU index of both catalogues.
    pub index: SkuIndex,
    /// The order mapping used.
    pub mapping: OrderMappingConfig,
    /// Every order of the shop, as the incremental read from the start listed them.
    pub order_ids: Vec<OrderId>,
    /// Those orders read and mapped.
    pub captured: CapturedOrders,
}

/// Reads the catalogues and the mapping ([`read_catalogue_and_mapping`]), lists every order
/// of the shop (updated since the start) and captures them all ([`capture_orders`]).
///
/// # Errors
/// As [`read_catalogue_and_mapping`]; [`SandboxSetupError::Read`] when listing or capturing
/// fails.
pub async fn capture_shop(
    shopify: &crate::shopify::Client,
    stokly: &crate::stokly::Client,
) -> Result<CapturedShop, SandboxSetupError> {
    let (index, mapping) = read_catalogue_and_mapping(shopify, stokly).await?;
    let order_ids: Vec<OrderId> = shopify
        .orders_updated_since(
            &OrderCursor::start(),
            DEFAULT_ORDER_OVERLAP,
            PageOptions::default(),
        )
        .map_ok(|r| r.id)
        .try_collect()
        .await?;
    let captured = capture_orders(shopify, &order_ids, &index, &mapping).await?;
    Ok(CapturedShop {
        index,
        mapping,
        order_ids,
        captured,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_for_a_seed() {
        let a = ScenarioBuilder::new(42).skus(30).orders(10).build();
        let b = ScenarioBuilder::new(42).skus(30).orders(10).build();
        let c = ScenarioBuilder::new(43).skus(30).orders(10).build();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn defects_are_recorded_and_placed() {
        let s = ScenarioBuilder::new(7)
            .skus(20)
            .bundles(3)
            .unknown_skus(2)
            .duplicate_skus(1)
            .blank_skus(1)
            .build();
        let kinds: Vec<DefectKind> = s.defects.iter().map(|d| d.kind).collect();
        assert_eq!(
            kinds,
            vec![
                DefectKind::UnknownSku,
                DefectKind::UnknownSku,
                DefectKind::DuplicateSku,
                DefectKind::BlankSku
            ]
        );
        let shop = s.shopify_state("sandbox.myshopify.com");
        let dup = s
            .defects
            .iter()
            .find(|d| d.kind == DefectKind::DuplicateSku)
            .and_then(|d| d.sku.clone())
            .unwrap_or_default();
        assert_eq!(shop.variants_by_sku(&dup).len(), 2);
        assert_eq!(
            shop.variants.values().filter(|v| v.sku.is_none()).count(),
            1
        );
        // 20 simple + 3 bundles + 2 Shopify-only + 1 duplicate + 1 blank.
        assert_eq!(shop.variants.len(), 27);
        let bundles: Vec<_> = shop
            .variants
            .values()
            .filter(|v| v.requires_components)
            .collect();
        assert_eq!(bundles.len(), 3);
        assert!(
            bundles
                .iter()
                .all(|b| (2..=4).contains(&b.components.len()))
        );
        assert_eq!(s.items.iter().filter(|i| !i.in_stokly).count(), 2);
    }
}
