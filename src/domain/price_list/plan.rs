//! `plan_price_lists`: what to send so that Shopify carries Stokly's price lists.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::finding::PriceListFinding;
use super::rule::{check_quantity_breaks, check_quantity_rule};
use crate::domain::catalogue::{SkuIndex, is_blank_sku};
use crate::money::{CurrencyCode, Money};
use crate::shopify::model::{
    CompanyLocation, CustomerPriceTags, FixedPrice, MetafieldsSetInput, PriceList as ShopifyList,
    PriceListPriceInput, QuantityPriceBreakInput, QuantityPricingUpdate, QuantityRule,
    QuantityRuleInput, Shop,
};
use crate::shopify::{
    CompanyLocationCatalogId, CompanyLocationId, CustomerId as ShopifyCustomerId,
    MAX_METAFIELDS_PER_CALL, MAX_PRICES_PER_CALL, PriceListId as ShopifyPriceListId,
    ProductVariantId,
};
use crate::stokly::model::inferred::{PriceList, PriceListCustomer, PriceListItem};
use crate::stokly::{CustomerId, PriceListId};

/// What every plan for a shop without Shopify Plus says, plainly.
pub const WITHOUT_PLUS_NOTICE: &str = "This shop is not on Shopify Plus: B2B catalogs and \
    price lists are not available, so checkout prices do not change. Customers are tagged \
    with their Stokly price lists and carry them in a metafield, for the storefront, apps \
    and staff to read.";

/// One Stokly price list with its customers and item prices, as read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StoklyPriceList {
    /// The list.
    pub list: PriceList,
    /// The customers it applies to.
    pub customers: Vec<PriceListCustomer>,
    /// Its item prices.
    pub items: Vec<PriceListItem>,
}

impl StoklyPriceList {
    /// A list with its customers and items.
    #[must_use]
    pub fn new(
        list: PriceList,
        customers: Vec<PriceListCustomer>,
        items: Vec<PriceListItem>,
    ) -> Self {
        Self {
            list,
            customers,
            items,
        }
    }
}

/// What Shopify holds, as read before planning. Everything is read in full (paged).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ShopifyPriceState {
    /// Every price list, with its catalog.
    pub price_lists: Vec<ShopifyList>,
    /// Every company location of each company-location catalog, by catalog GID.
    pub catalog_locations: HashMap<String, Vec<CompanyLocationId>>,
    /// The fixed prices of each price list the sync owns.
    pub fixed_prices: HashMap<ShopifyPriceListId, Vec<FixedPrice>>,
    /// The quantity rules of each price list the sync owns.
    pub quantity_rules: HashMap<ShopifyPriceListId, Vec<QuantityRule>>,
    /// The tags and price-list metafield of the mapped customers (shops without Plus).
    pub customers: Vec<CustomerPriceTags>,
}

/// What the shop can do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ShopCapabilities {
    /// Shopify Plus: B2B catalogs and price lists.
    pub shopify_plus: bool,
}

impl ShopCapabilities {
    /// What `shop.plan` says.
    #[must_use]
    pub fn of(shop: &Shop) -> Self {
        Self {
            shopify_plus: shop.plan.shopify_plus,
        }
    }

    /// A shop with (`true`) or without Shopify Plus.
    #[must_use]
    pub fn plus(shopify_plus: bool) -> Self {
        Self { shopify_plus }
    }
}

/// How Stokly's price lists map onto Shopify.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PriceListConfig {
    company_locations: HashMap<CustomerId, Vec<CompanyLocationId>>,
    customers: HashMap<CustomerId, ShopifyCustomerId>,
    name_prefix: String,
    tag_prefix: String,
    metafield_namespace: String,
    metafield_key: String,
    publish_prices: bool,
    remove_extra_prices: bool,
    remove_stale_locations: bool,
}

impl Default for PriceListConfig {
    fn default() -> Self {
        Self {
            company_locations: HashMap::new(),
            customers: HashMap::new(),
            name_prefix: "Stokly price list ".to_owned(),
            tag_prefix: "stokly-price-list:".to_owned(),
            metafield_namespace: "stokly".to_owned(),
            metafield_key: "price_lists".to_owned(),
            publish_prices: false,
            remove_extra_prices: true,
            remove_stale_locations: true,
        }
    }
}

impl PriceListConfig {
    /// No customer mapped; Shopify price lists named `Stokly price list <id>`, tags
    /// `stokly-price-list:<id>`, metafield `stokly.price_lists` with the list IDs only;
    /// fixed prices and quantity rules Stokly does not hold are removed from the price lists
    /// the sync owns, and company locations whose customers are no longer on a list are taken
    /// out of its catalog.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Maps a Stokly customer to a Shopify company location (Shopify Plus).
    #[must_use]
    pub fn with_company_location(
        mut self,
        customer: CustomerId,
        location: CompanyLocationId,
    ) -> Self {
        self.company_locations
            .entry(customer)
            .or_default()
            .push(location);
        self
    }

    /// Maps every company location whose external ID is a Stokly customer ID to it.
    #[must_use]
    pub fn with_company_locations_by_external_id(mut self, locations: &[CompanyLocation]) -> Self {
        for location in locations {
            if let Some(customer) = location
                .external_id
                .as_deref()
                .and_then(|e| CustomerId::new(e).ok())
            {
                self.company_locations
                    .entry(customer)
                    .or_default()
                    .push(location.id.clone());
            }
        }
        self
    }

    /// Maps a Stokly customer to a Shopify customer (shops without Plus).
    #[must_use]
    pub fn with_customer(mut self, customer: CustomerId, shopify: ShopifyCustomerId) -> Self {
        self.customers.insert(customer, shopify);
        self
    }

    /// Publishes each customer's prices (by SKU) in the metafield, as JSON, besides the
    /// list references.
    #[must_use]
    pub fn with_prices_in_metafield(mut self, publish: bool) -> Self {
        self.publish_prices = publish;
        self
    }

    /// Whether what a price list the sync owns holds beyond the Stokly list is removed
    /// (default yes): fixed prices of variants the list does not price (their price breaks
    /// go with them) and quantity rules the list does not set. Either way it is reported as
    /// drift.
    #[must_use]
    pub fn with_extra_prices_removed(mut self, remove: bool) -> Self {
        self.remove_extra_prices = remove;
        self
    }

    /// Whether company locations in a catalog the sync owns whose customers are no longer on
    /// the Stokly list are taken out of the catalog (default yes: the list's prices are
    /// Stokly's to give). Either way they are reported as drift. A list none of whose
    /// customers maps to a company location never empties its catalog: that is a finding.
    #[must_use]
    pub fn with_stale_locations_removed(mut self, remove: bool) -> Self {
        self.remove_stale_locations = remove;
        self
    }

    /// Sets the prefix of the Shopify price-list names and catalog titles.
    #[must_use]
    pub fn with_name_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.name_prefix = prefix.into();
        self
    }

    /// The Shopify price-list name for a Stokly list: the prefix and the Stokly ID, unique
    /// in the shop and never changed, so it is the list's natural key in Shopify.
    #[must_use]
    pub fn shopify_name(&self, list: &PriceListId) -> String {
        format!("{}{list}", self.name_prefix)
    }

    /// Whether a Shopify price list is one the sync made (its name has the prefix).
    #[must_use]
    pub fn owns(&self, shopify_name: &str) -> bool {
        shopify_name.starts_with(&self.name_prefix)
    }

    /// The customer tag for a Stokly list.
    #[must_use]
    pub fn tag(&self, list: &PriceListId) -> String {
        format!("{}{list}", self.tag_prefix)
    }

    /// The metafield's namespace and key.
    #[must_use]
    pub fn metafield(&self) -> (&str, &str) {
        (&self.metafield_namespace, &self.metafield_key)
    }

    /// The Shopify customers mapped, for the read before planning.
    #[must_use]
    pub fn mapped_customers(&self) -> Vec<ShopifyCustomerId> {
        let set: BTreeSet<&ShopifyCustomerId> = self.customers.values().collect();
        set.into_iter().cloned().collect()
    }

    /// The company locations of a Stokly customer.
    #[must_use]
    pub fn company_locations_of(&self, customer: &CustomerId) -> &[CompanyLocationId] {
        self.company_locations
            .get(customer)
            .map_or(&[], Vec::as_slice)
    }
}

/// How a plan reaches Shopify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PricingMode {
    /// Shopify Plus: a company-location catalog and price list per Stokly list.
    Catalogs,
    /// No Plus: customer tags and a metafield; checkout prices do not change.
    CustomerData,
}

/// A catalog to make for a price list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NewCatalog {
    /// Its title.
    pub title: String,
    /// Its company locations.
    pub locations: Vec<CompanyLocationId>,
}

/// What to send for one Stokly list (Shopify Plus).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ListPush {
    /// The Stokly list.
    pub stokly: PriceListId,
    /// The Shopify price list's name (its natural key).
    pub name: String,
    /// Its currency.
    pub currency: CurrencyCode,
    /// The Shopify price list, when it exists (`None`: create it first).
    pub price_list: Option<ShopifyPriceListId>,
    /// Its catalog, when it exists.
    pub catalog: Option<CompanyLocationCatalogId>,
    /// The catalog to make, when there is none.
    pub create_catalog: Option<NewCatalog>,
    /// Company locations to add to the existing catalog.
    pub add_locations: Vec<CompanyLocationId>,
    /// Company locations to take out of the existing catalog (their customers are no longer
    /// on the list).
    pub remove_locations: Vec<CompanyLocationId>,
    /// Fixed prices to set (`priceListFixedPricesAdd`), at most 250 a batch. Sent before the
    /// quantity updates: a price break needs its variant's fixed price.
    pub price_batches: Vec<Vec<PriceListPriceInput>>,
    /// Everything else, per variant (`quantityPricingByVariantUpdate`, atomic per batch,
    /// at most 250 entries in each of its lists; a variant's changes never span two
    /// batches): quantity rules set or removed, price breaks replaced (the variant's breaks
    /// deleted and Stokly's added in the same update), fixed prices removed.
    pub quantity_batches: Vec<QuantityPricingUpdate>,
}

impl ListPush {
    /// Whether nothing is to be sent for the list.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.price_list.is_some()
            && self.create_catalog.is_none()
            && self.add_locations.is_empty()
            && self.remove_locations.is_empty()
            && self.price_batches.is_empty()
            && self.quantity_batches.is_empty()
    }

    /// The calls it takes.
    #[must_use]
    pub fn calls(&self) -> usize {
        usize::from(self.price_list.is_none())
            + usize::from(self.create_catalog.is_some())
            + self.add_locations.len().div_ceil(MAX_PRICES_PER_CALL)
            + self.remove_locations.len().div_ceil(MAX_PRICES_PER_CALL)
            + self.price_batches.len()
            + self.quantity_batches.len()
    }
}

/// Tags to change on one customer (shops without Plus).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CustomerTagChange {
    /// The customer.
    pub customer: ShopifyCustomerId,
    /// Tags to add.
    pub add: Vec<String>,
    /// Tags of lists the customer is no longer on.
    pub remove: Vec<String>,
}

/// What differs between Shopify and Stokly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "cause", rename_all = "snake_case")]
#[non_exhaustive]
pub enum DriftCause {
    /// Shopify has no price list for the Stokly list.
    PriceListMissing,
    /// The price list has no catalog.
    CatalogMissing,
    /// A company location of the list is not in the catalog.
    LocationMissing {
        /// The location.
        location: CompanyLocationId,
    },
    /// The catalog holds a company location whose customer is not on the list (taken out
    /// unless [`PriceListConfig::with_stale_locations_removed`] says otherwise).
    LocationNotOnList {
        /// The location.
        location: CompanyLocationId,
    },
    /// The variant has no fixed price in Shopify.
    PriceMissing {
        /// The variant.
        variant: ProductVariantId,
        /// Stokly's price.
        stokly: Money,
    },
    /// Shopify's fixed price differs from Stokly's.
    PriceDiffers {
        /// The variant.
        variant: ProductVariantId,
        /// Shopify's.
        shopify: Money,
        /// Stokly's.
        stokly: Money,
    },
    /// Shopify has a fixed price Stokly's list does not hold.
    PriceNotOnList {
        /// The variant.
        variant: ProductVariantId,
        /// Shopify's.
        shopify: Money,
    },
    /// The variant has no quantity rule in Shopify, or another one.
    RuleDiffers {
        /// The variant.
        variant: ProductVariantId,
    },
    /// Shopify has a quantity rule Stokly's list does not hold (removed unless
    /// [`PriceListConfig::with_extra_prices_removed`] says otherwise).
    RuleNotOnList {
        /// The variant.
        variant: ProductVariantId,
    },
    /// The variant's quantity price breaks in Shopify are not Stokly's (other quantities or
    /// prices, or more than the read shows): they are replaced whole.
    BreaksDiffer {
        /// The variant.
        variant: ProductVariantId,
    },
    /// A customer lacks the tag of a list it is on.
    TagMissing {
        /// The customer.
        customer: ShopifyCustomerId,
    },
    /// A customer carries the tag of a list it is no longer on.
    TagStale {
        /// The customer.
        customer: ShopifyCustomerId,
    },
    /// A customer's price-list metafield differs.
    MetafieldDiffers {
        /// The customer.
        customer: ShopifyCustomerId,
    },
}

/// One difference, with the Stokly list it concerns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PriceDrift {
    /// The Stokly list (`None` for a customer's metafield, which carries all its lists).
    pub list: Option<PriceListId>,
    /// What differs.
    pub cause: DriftCause,
}

/// Everything to send, and what cannot be sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PriceListPlan {
    /// How the lists reach Shopify.
    pub mode: PricingMode,
    /// What the merchant must know ([`WITHOUT_PLUS_NOTICE`] without Plus).
    pub notice: Option<String>,
    /// Per Stokly list, what to send (Shopify Plus); lists with nothing to send are left out.
    pub lists: Vec<ListPush>,
    /// Customer tags to change (without Plus).
    pub customer_tags: Vec<CustomerTagChange>,
    /// Metafields to set, at most 25 a batch (without Plus).
    pub metafield_batches: Vec<Vec<MetafieldsSetInput>>,
    /// Lines and lists that cannot be pushed.
    pub findings: Vec<PriceListFinding>,
    /// What differs, by cause.
    pub drift: Vec<PriceDrift>,
}

impl PriceListPlan {
    /// Whether nothing is to be sent.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.lists.is_empty() && self.customer_tags.is_empty() && self.metafield_batches.is_empty()
    }

    /// The write calls the plan takes.
    #[must_use]
    pub fn calls(&self) -> usize {
        self.lists.iter().map(ListPush::calls).sum::<usize>()
            + self
                .customer_tags
                .iter()
                .map(|c| usize::from(!c.add.is_empty()) + usize::from(!c.remove.is_empty()))
                .sum::<usize>()
            + self.metafield_batches.len()
    }

    /// Fixed prices to set, over every list.
    #[must_use]
    pub fn prices_to_set(&self) -> usize {
        self.lists
            .iter()
            .flat_map(|l| &l.price_batches)
            .map(Vec::len)
            .sum()
    }
}

fn batches<T>(items: Vec<T>, size: usize) -> Vec<Vec<T>> {
    let mut out = Vec::with_capacity(items.len().div_ceil(size.max(1)));
    let mut current = Vec::with_capacity(size.min(items.len()));
    for item in items {
        current.push(item);
        if current.len() == size {
            out.push(std::mem::replace(&mut current, Vec::with_capacity(size)));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// The price of an item in a currency, rounded half away from zero to the currency's
/// minor unit (Shopify holds prices to the cent; Stokly may keep four places).
fn list_price(price: Decimal, currency: CurrencyCode) -> Money {
    Money::new(price, currency).round_to_minor_units()
}

/// A line of a list matched to its one Shopify variant (by position in the index).
struct Matched<'a> {
    item: &'a PriceListItem,
    position: usize,
}

/// What a list's lines did to a variant (by position in the index).
const UNTOUCHED: u8 = 0;
/// The variant is priced by exactly one line.
const PRICED: u8 = 1;
/// A line for the variant has a problem: its Shopify price and rule are left alone.
const HELD: u8 = 2;

/// Matches a list's lines to Shopify variants, SKU-strict; every line that cannot be
/// matched becomes a finding. Returns the matched lines and, per variant position, what
/// the list does to it ([`PRICED`], [`HELD`] or [`UNTOUCHED`]).
fn match_lines<'a>(
    list: &PriceListId,
    items: &'a [PriceListItem],
    index: &'a SkuIndex,
    findings: &mut Vec<PriceListFinding>,
) -> (Vec<Matched<'a>>, Vec<u8>) {
    let variants = index.shopify_variants();
    let mut status = vec![UNTOUCHED; variants.len()];
    let mut matched: Vec<Matched<'a>> = Vec::with_capacity(items.len());
    let mut twice = false;
    for item in items {
        let Some(sku) = item.sku.as_deref().filter(|s| !is_blank_sku(s)) else {
            findings.push(PriceListFinding::BlankSku {
                list: list.clone(),
                item: item.item_id.clone(),
            });
            continue;
        };
        let mut positions = index
            .sku_number(sku)
            .map(|number| index.shopify_positions(number))
            .into_iter()
            .flatten();
        let (Some(position), None) = (positions.next(), positions.next()) else {
            let all: Vec<ProductVariantId> =
                index.shopify_with_sku(sku).map(|v| v.id.clone()).collect();
            if all.is_empty() {
                findings.push(PriceListFinding::NoVariant {
                    list: list.clone(),
                    item: item.item_id.clone(),
                    sku: sku.to_owned(),
                });
            } else {
                findings.push(PriceListFinding::SeveralVariants {
                    list: list.clone(),
                    item: item.item_id.clone(),
                    sku: sku.to_owned(),
                    variants: all,
                });
            }
            continue;
        };
        let Some(slot) = status.get_mut(position) else {
            continue;
        };
        if item.price < Decimal::ZERO {
            findings.push(PriceListFinding::NegativePrice {
                list: list.clone(),
                item: item.item_id.clone(),
                price: item.price,
            });
            *slot = HELD;
            continue;
        }
        match *slot {
            UNTOUCHED => {
                *slot = PRICED;
                matched.push(Matched { item, position });
            }
            PRICED => {
                if let Some(variant) = variants.get(position) {
                    findings.push(PriceListFinding::VariantPricedTwice {
                        list: list.clone(),
                        variant: variant.id.clone(),
                        sku: sku.to_owned(),
                    });
                }
                *slot = HELD;
                twice = true;
            }
            _ => {}
        }
    }
    if twice {
        matched.retain(|m| status.get(m.position) == Some(&PRICED));
    }
    (matched, status)
}

/// A list price rounded to the minor unit only when it has more places (most do not).
fn rounded(price: Decimal, currency: CurrencyCode) -> Money {
    if price.scale() <= currency.minor_units() {
        Money::new(price, currency)
    } else {
        list_price(price, currency)
    }
}

/// Plans how Shopify comes to carry Stokly's price lists.
///
/// - **Shopify Plus** ([`PricingMode::Catalogs`]): per Stokly list, one Shopify price list
///   named [`PriceListConfig::shopify_name`] (created when missing) in one company-location
///   catalog holding the company locations of the list's customers (created, or completed);
///   a fixed price per variant (matched SKU-strict through `index`), set only where Shopify's
///   differs; quantity rules, checked as Shopify checks them, set only where they differ;
///   fixed prices Stokly does not hold removed (unless configured otherwise). Batches hold
///   at most 250 entries.
/// - **Without Plus** ([`PricingMode::CustomerData`]): each mapped customer is tagged with
///   its lists ([`PriceListConfig::tag`]) and carries them in a metafield (with the prices
///   when configured), 25 metafields a call; the plan says that checkout prices do not
///   change ([`WITHOUT_PLUS_NOTICE`]).
///
/// Whatever Shopify already holds is not sent again: a rerun with nothing changed plans
/// nothing. Every difference is in [`PriceListPlan::drift`] by cause; every line or list
/// that cannot be pushed is a [`PriceListFinding`], never dropped silently.
#[must_use]
pub fn plan_price_lists(
    stokly: &[StoklyPriceList],
    shopify: &ShopifyPriceState,
    index: &SkuIndex,
    capabilities: ShopCapabilities,
    config: &PriceListConfig,
) -> PriceListPlan {
    let mut plan = PriceListPlan {
        mode: if capabilities.shopify_plus {
            PricingMode::Catalogs
        } else {
            PricingMode::CustomerData
        },
        notice: (!capabilities.shopify_plus).then(|| WITHOUT_PLUS_NOTICE.to_owned()),
        lists: Vec::new(),
        customer_tags: Vec::new(),
        metafield_batches: Vec::new(),
        findings: Vec::new(),
        drift: Vec::new(),
    };
    if capabilities.shopify_plus {
        let by_name: HashMap<&str, &ShopifyList> = shopify
            .price_lists
            .iter()
            .map(|l| (l.name.as_str(), l))
            .collect();
        for list in stokly {
            if let Some(push) = plan_list(list, shopify, &by_name, index, config, &mut plan) {
                if !push.is_empty() {
                    plan.lists.push(push);
                }
            }
        }
    } else {
        plan_customer_data(stokly, shopify, config, &mut plan);
    }
    plan
}

fn plan_list(
    source: &StoklyPriceList,
    shopify: &ShopifyPriceState,
    by_name: &HashMap<&str, &ShopifyList>,
    index: &SkuIndex,
    config: &PriceListConfig,
    plan: &mut PriceListPlan,
) -> Option<ListPush> {
    let id = &source.list.price_list_id;
    let Some(currency) = source.list.currency else {
        plan.findings
            .push(PriceListFinding::NoCurrency { list: id.clone() });
        return None;
    };
    let name = config.shopify_name(id);
    let existing = by_name.get(name.as_str()).copied();
    if let Some(existing) = existing {
        if existing.currency != currency {
            plan.findings.push(PriceListFinding::CurrencyMismatch {
                list: id.clone(),
                stokly: currency,
                shopify: existing.currency,
            });
            return None;
        }
    }
    // The company locations of the list's customers.
    let mut wanted: Vec<CompanyLocationId> = Vec::new();
    let mut wanted_set: HashSet<&CompanyLocationId> = HashSet::new();
    for customer in &source.customers {
        let locations = config.company_locations_of(&customer.customer_id);
        if locations.is_empty() {
            plan.findings.push(PriceListFinding::UnmappedCustomer {
                list: id.clone(),
                customer: customer.customer_id.clone(),
            });
        }
        for location in locations {
            if wanted_set.insert(location) {
                wanted.push(location.clone());
            }
        }
    }
    let drift = |cause| PriceDrift {
        list: Some(id.clone()),
        cause,
    };
    let mut push = ListPush {
        stokly: id.clone(),
        name: name.clone(),
        currency,
        price_list: existing.map(|l| l.id.clone()),
        catalog: None,
        create_catalog: None,
        add_locations: Vec::new(),
        remove_locations: Vec::new(),
        price_batches: Vec::new(),
        quantity_batches: Vec::new(),
    };
    match existing.and_then(|l| l.catalog.as_ref()) {
        Some(catalog) => {
            let Some(catalog_id) = catalog.company_location_catalog_id() else {
                plan.findings.push(PriceListFinding::ForeignCatalog {
                    list: id.clone(),
                    catalog_type: catalog.typename.clone(),
                });
                return None;
            };
            let held: &[CompanyLocationId] = shopify
                .catalog_locations
                .get(&catalog.id)
                .map_or(&[], Vec::as_slice);
            let held_set: HashSet<&CompanyLocationId> = held.iter().collect();
            for location in &wanted {
                if !held_set.contains(location) {
                    plan.drift.push(drift(DriftCause::LocationMissing {
                        location: location.clone(),
                    }));
                    push.add_locations.push(location.clone());
                }
            }
            for location in held {
                if !wanted_set.contains(location) {
                    plan.drift.push(drift(DriftCause::LocationNotOnList {
                        location: location.clone(),
                    }));
                    if config.remove_stale_locations && !wanted.is_empty() {
                        push.remove_locations.push(location.clone());
                    }
                }
            }
            if wanted.is_empty() {
                // Never empty a catalog because no customer maps: say so instead.
                plan.findings
                    .push(PriceListFinding::NoCompanyLocation { list: id.clone() });
            }
            push.catalog = Some(catalog_id);
        }
        None => {
            if wanted.is_empty() {
                plan.findings
                    .push(PriceListFinding::NoCompanyLocation { list: id.clone() });
                return None;
            }
            if existing.is_none() {
                plan.drift.push(drift(DriftCause::PriceListMissing));
            }
            plan.drift.push(drift(DriftCause::CatalogMissing));
            push.create_catalog = Some(NewCatalog {
                title: name.clone(),
                locations: wanted,
            });
        }
    }

    let (matched, status) = match_lines(id, &source.items, index, &mut plan.findings);
    let variants = index.shopify_variants();
    let empty_prices = Vec::new();
    let current_prices = push
        .price_list
        .as_ref()
        .and_then(|l| shopify.fixed_prices.get(l))
        .unwrap_or(&empty_prices);
    // Shopify's fixed prices by variant position; one the list leaves untouched (or of a
    // variant the index does not know) is not on the list, and goes.
    let mut current: Vec<Option<&FixedPrice>> = vec![
        None;
        if current_prices.is_empty() {
            0
        } else {
            variants.len()
        }
    ];
    let mut changes: Vec<VariantChange> = Vec::new();
    for p in current_prices {
        let at = index.shopify_variant_position(&p.variant.id);
        if let Some(slot) = at.and_then(|at| current.get_mut(at)) {
            *slot = Some(p);
        }
        if at
            .and_then(|at| status.get(at))
            .is_none_or(|s| *s == UNTOUCHED)
        {
            plan.drift.push(drift(DriftCause::PriceNotOnList {
                variant: p.variant.id.clone(),
                shopify: p.price,
            }));
            if config.remove_extra_prices {
                changes.push(VariantChange {
                    delete_price: true,
                    ..VariantChange::of(p.variant.id.clone())
                });
            }
        }
    }
    let empty_rules = Vec::new();
    let current_rules = push
        .price_list
        .as_ref()
        .and_then(|l| shopify.quantity_rules.get(l))
        .unwrap_or(&empty_rules);
    let mut rules: Vec<Option<&QuantityRule>> = vec![
        None;
        if current_rules.is_empty() {
            0
        } else {
            variants.len()
        }
    ];
    for r in current_rules {
        if let Some(slot) = index
            .shopify_variant_position(&r.product_variant.id)
            .and_then(|at| rules.get_mut(at))
        {
            *slot = Some(r);
        }
    }
    // A list Shopify does not have yet misses every price: its drift is the one
    // `PriceListMissing`, not one entry per price.
    let new_list = push.price_list.is_none();

    let mut prices = Vec::with_capacity(if new_list { matched.len() } else { 0 });
    let mut ruled = vec![false; variants.len()];
    for Matched { item, position } in matched {
        let Some(variant) = variants.get(position).map(|v| &v.id) else {
            continue;
        };
        let price = rounded(item.price, currency);
        let now = current.get(position).copied().flatten();
        match now.map(|p| &p.price) {
            Some(now) if *now == price => {}
            Some(now) => {
                plan.drift.push(drift(DriftCause::PriceDiffers {
                    variant: variant.clone(),
                    shopify: *now,
                    stokly: price,
                }));
                prices.push(PriceListPriceInput::new(variant.clone(), price));
            }
            None => {
                if !new_list {
                    plan.drift.push(drift(DriftCause::PriceMissing {
                        variant: variant.clone(),
                        stokly: price,
                    }));
                }
                prices.push(PriceListPriceInput::new(variant.clone(), price));
            }
        }
        let mut change = VariantChange::of(variant.clone());
        let has_rule = item.minimum_quantity.is_some()
            || item.increment.is_some()
            || item.maximum_quantity.is_some();
        let minimum = item.minimum_quantity.unwrap_or(1);
        let increment = item.increment.unwrap_or(1);
        if has_rule {
            if let Some(slot) = ruled.get_mut(position) {
                *slot = true;
            }
            if let Err(problem) = check_quantity_rule(minimum, item.maximum_quantity, increment) {
                // Neither the rule nor breaks checked against it can be sent.
                plan.findings.push(PriceListFinding::InvalidQuantityRule {
                    list: id.clone(),
                    item: item.item_id.clone(),
                    problem,
                });
                continue;
            }
            let same = rules.get(position).copied().flatten().is_some_and(|r| {
                r.minimum == minimum
                    && r.maximum == item.maximum_quantity
                    && r.increment == increment
            });
            if !same {
                if !new_list {
                    plan.drift.push(drift(DriftCause::RuleDiffers {
                        variant: variant.clone(),
                    }));
                }
                change.add_rule = Some(QuantityRuleInput::new(
                    variant.clone(),
                    minimum,
                    item.maximum_quantity,
                    increment,
                ));
            }
        } else if rules.get(position).copied().flatten().is_some() {
            plan.drift.push(drift(DriftCause::RuleNotOnList {
                variant: variant.clone(),
            }));
            change.delete_rule = config.remove_extra_prices;
        }
        plan_breaks(
            BreakLine {
                list: id,
                item,
                variant,
                currency,
                rule: (minimum, item.maximum_quantity, increment),
                shopify: now,
                new_list,
            },
            &mut change,
            plan,
        );
        if !change.is_empty() {
            changes.push(change);
        }
    }
    for r in current_rules {
        let at = index.shopify_variant_position(&r.product_variant.id);
        // Rules of variants the list prices were settled above; a held line keeps its rule.
        let settled = at.is_some_and(|at| {
            ruled.get(at).copied().unwrap_or(false)
                || matches!(status.get(at), Some(&PRICED) | Some(&HELD))
        });
        if !settled {
            plan.drift.push(drift(DriftCause::RuleNotOnList {
                variant: r.product_variant.id.clone(),
            }));
            if config.remove_extra_prices {
                changes.push(VariantChange {
                    delete_rule: true,
                    ..VariantChange::of(r.product_variant.id.clone())
                });
            }
        }
    }
    push.price_batches = batches(prices, MAX_PRICES_PER_CALL);
    push.quantity_batches = quantity_batches(changes);
    Some(push)
}

/// One variant's share of a `quantityPricingByVariantUpdate`.
struct VariantChange {
    variant: ProductVariantId,
    delete_price: bool,
    add_rule: Option<QuantityRuleInput>,
    delete_rule: bool,
    /// Delete the variant's breaks (before adding `add_breaks`).
    delete_breaks: bool,
    add_breaks: Vec<QuantityPriceBreakInput>,
}

impl VariantChange {
    fn of(variant: ProductVariantId) -> Self {
        Self {
            variant,
            delete_price: false,
            add_rule: None,
            delete_rule: false,
            delete_breaks: false,
            add_breaks: Vec::new(),
        }
    }

    fn is_empty(&self) -> bool {
        !self.delete_price
            && self.add_rule.is_none()
            && !self.delete_rule
            && !self.delete_breaks
            && self.add_breaks.is_empty()
    }

    /// The entries it adds to each list of an update: (prices deleted, rules added, rules
    /// deleted, breaks deleted, breaks added).
    fn sizes(&self) -> [usize; 5] {
        [
            usize::from(self.delete_price),
            usize::from(self.add_rule.is_some()),
            usize::from(self.delete_rule),
            usize::from(self.delete_breaks),
            self.add_breaks.len(),
        ]
    }
}

/// Packs per-variant changes into updates of at most 250 entries per list, never splitting
/// a variant's changes.
fn quantity_batches(changes: Vec<VariantChange>) -> Vec<QuantityPricingUpdate> {
    let mut out: Vec<QuantityPricingUpdate> = Vec::new();
    let mut fill = [0usize; 5];
    for change in changes {
        let sizes = change.sizes();
        let fits = fill
            .iter()
            .zip(sizes)
            .all(|(used, more)| used + more <= MAX_PRICES_PER_CALL);
        if !fits || out.is_empty() {
            out.push(QuantityPricingUpdate::default());
            fill = [0; 5];
        }
        for (used, more) in fill.iter_mut().zip(sizes) {
            *used += more;
        }
        let Some(update) = out.last_mut() else {
            continue;
        };
        let VariantChange {
            variant,
            delete_price,
            add_rule,
            delete_rule,
            delete_breaks,
            add_breaks,
        } = change;
        if delete_price {
            update.prices_to_delete.push(variant.clone());
        }
        if let Some(rule) = add_rule {
            update.quantity_rules_to_add.push(rule);
        }
        if delete_rule {
            update.quantity_rules_to_delete.push(variant.clone());
        }
        if delete_breaks {
            update
                .quantity_price_breaks_to_delete_by_variant
                .push(variant);
        }
        update.quantity_price_breaks_to_add.extend(add_breaks);
    }
    out
}

/// A priced line, for its price breaks.
struct BreakLine<'a> {
    list: &'a PriceListId,
    item: &'a PriceListItem,
    variant: &'a ProductVariantId,
    currency: CurrencyCode,
    /// The line's quantity rule (minimum, maximum, increment; Shopify's default without one).
    rule: (i64, Option<i64>, i64),
    /// Shopify's fixed price of the variant, with its breaks.
    shopify: Option<&'a FixedPrice>,
    new_list: bool,
}

/// Plans a line's quantity price breaks: checked against its rule as Shopify checks them
/// (a problem is a finding, and Shopify's breaks stay); when they differ from Shopify's (or
/// Shopify's were not read whole), the variant's breaks are replaced whole.
fn plan_breaks(line: BreakLine<'_>, change: &mut VariantChange, plan: &mut PriceListPlan) {
    let held_none = line.shopify.is_none_or(|p| {
        p.quantity_price_breaks.nodes.is_empty() && !p.quantity_price_breaks.page_info.has_next_page
    });
    if line.item.quantity_breaks.is_empty() && held_none {
        return; // most lines: no breaks on either side
    }
    let mut wanted: Vec<(i64, Money)> = line
        .item
        .quantity_breaks
        .iter()
        .map(|b| (b.minimum_quantity, rounded(b.price, line.currency)))
        .collect();
    let raw: Vec<(i64, Decimal)> = wanted.iter().map(|(q, p)| (*q, p.amount())).collect();
    let (minimum, maximum, increment) = line.rule;
    if let Err((quantity, problem)) = check_quantity_breaks(&raw, minimum, maximum, increment) {
        plan.findings.push(PriceListFinding::InvalidQuantityBreak {
            list: line.list.clone(),
            item: line.item.item_id.clone(),
            minimum_quantity: quantity,
            problem,
        });
        return;
    }
    wanted.sort_by_key(|(q, _)| *q);
    let (held, complete): (Vec<(i64, Money)>, bool) =
        line.shopify.map_or((Vec::new(), true), |p| {
            let mut held: Vec<(i64, Money)> = p
                .quantity_price_breaks
                .nodes
                .iter()
                .map(|b| (b.minimum_quantity, b.price))
                .collect();
            held.sort_by_key(|(q, _)| *q);
            (held, !p.quantity_price_breaks.page_info.has_next_page)
        });
    if complete && held == wanted {
        return;
    }
    if !line.new_list {
        plan.drift.push(PriceDrift {
            list: Some(line.list.clone()),
            cause: DriftCause::BreaksDiffer {
                variant: line.variant.clone(),
            },
        });
    }
    // Always delete by variant before adding: the update then replaces the variant's
    // breaks whatever Shopify holds, so a retry after a lost answer ends the same.
    change.delete_breaks = true;
    change.add_breaks = wanted
        .into_iter()
        .map(|(quantity, price)| {
            QuantityPriceBreakInput::new(line.variant.clone(), quantity, price)
        })
        .collect();
}

fn plan_customer_data(
    stokly: &[StoklyPriceList],
    shopify: &ShopifyPriceState,
    config: &PriceListConfig,
    plan: &mut PriceListPlan,
) {
    // Per Shopify customer, the Stokly lists it is on (sorted, so values are stable).
    let mut wanted: BTreeMap<&ShopifyCustomerId, BTreeSet<usize>> = BTreeMap::new();
    for (i, source) in stokly.iter().enumerate() {
        let id = &source.list.price_list_id;
        if config.publish_prices && source.list.currency.is_none() {
            plan.findings
                .push(PriceListFinding::NoCurrency { list: id.clone() });
            continue;
        }
        for customer in &source.customers {
            match config.customers.get(&customer.customer_id) {
                Some(shopify_customer) => {
                    wanted.entry(shopify_customer).or_default().insert(i);
                }
                None => plan.findings.push(PriceListFinding::UnmappedCustomer {
                    list: id.clone(),
                    customer: customer.customer_id.clone(),
                }),
            }
        }
        if config.publish_prices {
            for item in &source.items {
                if item.sku.as_deref().is_none_or(is_blank_sku) {
                    plan.findings.push(PriceListFinding::BlankSku {
                        list: id.clone(),
                        item: item.item_id.clone(),
                    });
                }
            }
        }
    }
    let current: HashMap<&ShopifyCustomerId, &CustomerPriceTags> =
        shopify.customers.iter().map(|c| (&c.id, c)).collect();
    let mut customers: BTreeSet<&ShopifyCustomerId> = wanted.keys().copied().collect();
    customers.extend(current.keys().copied());
    let (namespace, key) = config.metafield();
    let mut metafields = Vec::new();
    let no_lists = BTreeSet::new();
    for customer in customers {
        let lists = wanted.get(customer).unwrap_or(&no_lists);
        let tags: BTreeSet<String> = lists
            .iter()
            .filter_map(|i| stokly.get(*i))
            .map(|s| config.tag(&s.list.price_list_id))
            .collect();
        let now = current.get(customer);
        let held: BTreeSet<&str> = now
            .map(|c| {
                c.tags
                    .iter()
                    .map(String::as_str)
                    .filter(|t| t.starts_with(&config.tag_prefix))
                    .collect()
            })
            .unwrap_or_default();
        let add: Vec<String> = tags
            .iter()
            .filter(|t| !held.contains(t.as_str()))
            .cloned()
            .collect();
        let remove: Vec<String> = held
            .iter()
            .filter(|t| !tags.contains(**t))
            .map(|t| (*t).to_owned())
            .collect();
        if !add.is_empty() {
            plan.drift.push(PriceDrift {
                list: None,
                cause: DriftCause::TagMissing {
                    customer: customer.clone(),
                },
            });
        }
        if !remove.is_empty() {
            plan.drift.push(PriceDrift {
                list: None,
                cause: DriftCause::TagStale {
                    customer: customer.clone(),
                },
            });
        }
        if !add.is_empty() || !remove.is_empty() {
            plan.customer_tags.push(CustomerTagChange {
                customer: customer.clone(),
                add,
                remove,
            });
        }
        if lists.is_empty() {
            continue;
        }
        let (kind, value) = metafield_value(stokly, lists, config);
        if now.and_then(|c| c.metafield.as_deref()) != Some(value.as_str()) {
            plan.drift.push(PriceDrift {
                list: None,
                cause: DriftCause::MetafieldDiffers {
                    customer: customer.clone(),
                },
            });
            metafields.push(MetafieldsSetInput::new(
                customer, namespace, key, kind, value,
            ));
        }
    }
    plan.metafield_batches = batches(metafields, MAX_METAFIELDS_PER_CALL);
}

/// The metafield a customer carries: its list IDs, or (when prices are published) JSON
/// with each list's name, currency and prices by SKU (and `quantityBreaks` by SKU for lines
/// that have them). Keys are sorted, so the same lists
/// always give the same text.
fn metafield_value(
    stokly: &[StoklyPriceList],
    lists: &BTreeSet<usize>,
    config: &PriceListConfig,
) -> (&'static str, String) {
    let sources = lists.iter().filter_map(|i| stokly.get(*i));
    if !config.publish_prices {
        let ids: Vec<&str> = sources.map(|s| s.list.price_list_id.as_str()).collect();
        return ("single_line_text_field", ids.join(","));
    }
    let lists: Vec<serde_json::Value> = sources
        .map(|s| {
            let prices: BTreeMap<&str, String> = s
                .items
                .iter()
                .filter_map(|item| {
                    let sku = item.sku.as_deref().filter(|s| !is_blank_sku(s))?;
                    let currency = s.list.currency?;
                    Some((sku, list_price(item.price, currency).amount().to_string()))
                })
                .collect();
            // Quantity breaks by SKU, lowest quantity first, only for lines that have them.
            let breaks: BTreeMap<&str, Vec<(i64, String)>> = s
                .items
                .iter()
                .filter(|item| !item.quantity_breaks.is_empty())
                .filter_map(|item| {
                    let sku = item.sku.as_deref().filter(|s| !is_blank_sku(s))?;
                    let currency = s.list.currency?;
                    let mut tiers: Vec<(i64, String)> = item
                        .quantity_breaks
                        .iter()
                        .map(|b| {
                            let price = list_price(b.price, currency).amount().to_string();
                            (b.minimum_quantity, price)
                        })
                        .collect();
                    tiers.sort();
                    Some((sku, tiers))
                })
                .collect();
            let mut value = serde_json::json!({
                "id": s.list.price_list_id.as_str(),
                "name": s.list.name,
                "currency": s.list.currency.map(|c| c.as_str().to_owned()),
                "prices": prices,
            });
            if let (false, Some(map)) = (breaks.is_empty(), value.as_object_mut()) {
                let breaks: serde_json::Map<String, serde_json::Value> = breaks
                    .into_iter()
                    .map(|(sku, tiers)| {
                        let tiers = tiers
                            .into_iter()
                            .map(|(q, p)| serde_json::json!({"minimumQuantity": q, "price": p}))
                            .collect();
                        (sku.to_owned(), serde_json::Value::Array(tiers))
                    })
                    .collect();
                map.insert(
                    "quantityBreaks".to_owned(),
                    serde_json::Value::Object(breaks),
                );
            }
            value
        })
        .collect();
    (
        "json",
        serde_json::json!({ "priceLists": lists }).to_string(),
    )
}
