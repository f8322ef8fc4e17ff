//! B2B price lists, catalogs, fixed prices, quantity rules, and the customer tags and
//! metafields a shop without Shopify Plus carries price lists in.

use serde::{Deserialize, Serialize};

use super::page::{Connection, PageInfo};
use crate::money::{CurrencyCode, Money};
use crate::shopify::UserError;
use crate::shopify::ids::{
    CompanyLocationCatalogId, CompanyLocationId, CustomerId, PriceListId, ProductVariantId,
};

/// A price list as `priceLists` reads it, with the catalog it belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PriceList {
    /// The price list's ID.
    pub id: PriceListId,
    /// Its name (unique in the shop).
    pub name: String,
    /// Its currency.
    pub currency: CurrencyCode,
    /// How many fixed prices it holds.
    #[serde(default)]
    pub fixed_prices_count: i64,
    /// The catalog it prices, if any.
    #[serde(default)]
    pub catalog: Option<PriceListCatalog>,
}

/// The catalog of a price list (any catalog type; only company-location catalogs carry
/// company locations).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PriceListCatalog {
    /// `CompanyLocationCatalog`, `MarketCatalog`, `AppCatalog`...
    #[serde(rename = "__typename")]
    pub typename: String,
    /// The catalog's GID, as Shopify gave it.
    pub id: String,
    /// Its title.
    pub title: String,
    /// `ACTIVE`, `ARCHIVED` or `DRAFT`.
    pub status: String,
    /// The first page of its company locations (company-location catalogs only).
    #[serde(default)]
    pub company_locations: Option<Connection<CompanyLocationRef>>,
}

impl PriceListCatalog {
    /// The catalog's ID when it is a company-location catalog.
    #[must_use]
    pub fn company_location_catalog_id(&self) -> Option<CompanyLocationCatalogId> {
        self.id.parse().ok()
    }
}

/// A company location selected by ID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CompanyLocationRef {
    /// The company location.
    pub id: CompanyLocationId,
}

/// A company location with the external ID that names its customer in another system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CompanyLocation {
    /// The company location.
    pub id: CompanyLocationId,
    /// Its name.
    pub name: String,
    /// The external ID (the Stokly customer ID, when the company was set up so).
    #[serde(default)]
    pub external_id: Option<String>,
}

/// A fixed price of a price list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FixedPrice {
    /// The variant.
    pub variant: PricedVariantRef,
    /// The price.
    pub price: Money,
    /// The first page of its quantity price breaks (lowest minimum first).
    #[serde(default)]
    pub quantity_price_breaks: QuantityPriceBreaks,
}

/// The quantity price breaks of a fixed price, as read (the read asks for the first 10).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct QuantityPriceBreaks {
    /// The breaks read.
    pub nodes: Vec<QuantityPriceBreak>,
    /// Whether more breaks follow (the set read is then not the whole set).
    #[serde(default)]
    pub page_info: PageInfo,
}

/// A lower unit price from a quantity on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct QuantityPriceBreak {
    /// From this many units.
    pub minimum_quantity: i64,
    /// The unit price from there on.
    pub price: Money,
}

/// `QuantityPriceBreakInput`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct QuantityPriceBreakInput {
    /// The variant.
    pub variant_id: ProductVariantId,
    /// The unit price, in the price list's currency.
    pub price: Money,
    /// From this many units.
    pub minimum_quantity: i64,
}

impl QuantityPriceBreakInput {
    /// `variant_id` at `price` from `minimum_quantity` units.
    #[must_use]
    pub fn new(variant_id: ProductVariantId, minimum_quantity: i64, price: Money) -> Self {
        Self {
            variant_id,
            price,
            minimum_quantity,
        }
    }
}

/// `QuantityPricingByVariantUpdateInput`: one atomic change of some variants' fixed prices,
/// quantity rules and quantity price breaks on a price list. Shopify runs the deletions
/// first and applies nothing when any part is refused, so deleting a variant's breaks and
/// adding its new ones in one update replaces them whole.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct QuantityPricingUpdate {
    /// Fixed prices to set.
    pub prices_to_add: Vec<PriceListPriceInput>,
    /// Variants whose fixed price goes (their breaks go with it).
    #[serde(rename = "pricesToDeleteByVariantId")]
    pub prices_to_delete: Vec<ProductVariantId>,
    /// Quantity rules to set.
    pub quantity_rules_to_add: Vec<QuantityRuleInput>,
    /// Variants whose quantity rule goes.
    #[serde(rename = "quantityRulesToDeleteByVariantId")]
    pub quantity_rules_to_delete: Vec<ProductVariantId>,
    /// Price breaks to add.
    pub quantity_price_breaks_to_add: Vec<QuantityPriceBreakInput>,
    /// Price breaks to delete by their own ID (the crate deletes by variant; always empty
    /// unless set by a caller).
    pub quantity_price_breaks_to_delete: Vec<String>,
    /// Variants whose price breaks all go.
    #[serde(rename = "quantityPriceBreaksToDeleteByVariantId")]
    pub quantity_price_breaks_to_delete_by_variant: Vec<ProductVariantId>,
}

impl QuantityPricingUpdate {
    /// Whether the update changes nothing.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.prices_to_add.is_empty()
            && self.prices_to_delete.is_empty()
            && self.quantity_rules_to_add.is_empty()
            && self.quantity_rules_to_delete.is_empty()
            && self.quantity_price_breaks_to_add.is_empty()
            && self.quantity_price_breaks_to_delete.is_empty()
            && self.quantity_price_breaks_to_delete_by_variant.is_empty()
    }

    /// The longest of its lists (each is limited to 250 entries).
    #[must_use]
    pub fn longest_list(&self) -> usize {
        [
            self.prices_to_add.len(),
            self.prices_to_delete.len(),
            self.quantity_rules_to_add.len(),
            self.quantity_rules_to_delete.len(),
            self.quantity_price_breaks_to_add.len(),
            self.quantity_price_breaks_to_delete.len(),
            self.quantity_price_breaks_to_delete_by_variant.len(),
        ]
        .into_iter()
        .max()
        .unwrap_or(0)
    }

    /// Every variant the update touches, each once, in first-mention order.
    #[must_use]
    pub fn variants(&self) -> Vec<&ProductVariantId> {
        let mut seen = std::collections::HashSet::new();
        self.prices_to_add
            .iter()
            .map(|p| &p.variant_id)
            .chain(&self.prices_to_delete)
            .chain(self.quantity_rules_to_add.iter().map(|r| &r.variant_id))
            .chain(&self.quantity_rules_to_delete)
            .chain(
                self.quantity_price_breaks_to_add
                    .iter()
                    .map(|b| &b.variant_id),
            )
            .chain(&self.quantity_price_breaks_to_delete_by_variant)
            .filter(|v| seen.insert(*v))
            .collect()
    }
}

/// A variant selected by ID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PricedVariantRef {
    /// The variant.
    pub id: ProductVariantId,
}

/// A quantity rule of a price list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct QuantityRule {
    /// Fewest units.
    pub minimum: i64,
    /// Most units.
    #[serde(default)]
    pub maximum: Option<i64>,
    /// Units come in multiples of this.
    pub increment: i64,
    /// The variant.
    pub product_variant: PricedVariantRef,
}

/// `PriceListPriceInput`: a fixed price for a variant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PriceListPriceInput {
    /// The variant.
    pub variant_id: ProductVariantId,
    /// The price, in the price list's currency.
    pub price: Money,
}

impl PriceListPriceInput {
    /// `variant` at `price`.
    #[must_use]
    pub fn new(variant_id: ProductVariantId, price: Money) -> Self {
        Self { variant_id, price }
    }
}

/// `QuantityRuleInput`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct QuantityRuleInput {
    /// The variant.
    pub variant_id: ProductVariantId,
    /// Fewest units (at least 1).
    pub minimum: i64,
    /// Most units.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maximum: Option<i64>,
    /// Units come in multiples of this (at least 1, at most the minimum).
    pub increment: i64,
}

impl QuantityRuleInput {
    /// A rule for `variant_id`.
    #[must_use]
    pub fn new(
        variant_id: ProductVariantId,
        minimum: i64,
        maximum: Option<i64>,
        increment: i64,
    ) -> Self {
        Self {
            variant_id,
            minimum,
            maximum,
            increment,
        }
    }
}

/// `MetafieldsSetInput`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MetafieldsSetInput {
    /// The owner (a customer here).
    pub owner_id: String,
    /// Namespace.
    pub namespace: String,
    /// Key.
    pub key: String,
    /// Value, as text.
    pub value: String,
    /// Type (`single_line_text_field`, `json`).
    #[serde(rename = "type")]
    pub kind: String,
}

impl MetafieldsSetInput {
    /// A metafield on `owner`.
    #[must_use]
    pub fn new(
        owner: &CustomerId,
        namespace: impl Into<String>,
        key: impl Into<String>,
        kind: impl Into<String>,
        value: impl Into<String>,
    ) -> Self {
        Self {
            owner_id: owner.as_str().to_owned(),
            namespace: namespace.into(),
            key: key.into(),
            value: value.into(),
            kind: kind.into(),
        }
    }
}

/// A customer's tags and one metafield's value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CustomerPriceTags {
    /// The customer.
    pub id: CustomerId,
    /// Its tags.
    pub tags: Vec<String>,
    /// The metafield's value, if set.
    pub metafield: Option<String>,
}

/// What a B2B mutation answered: the IDs it made or touched and its `userErrors`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct B2bPayload<T> {
    /// What it made or touched (`None` when refused).
    pub result: Option<T>,
    /// Rejections.
    pub user_errors: Vec<UserError>,
}
