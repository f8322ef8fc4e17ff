//! Inputs and payloads of `productVariantsBulkCreate` / `productVariantsBulkUpdate`.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::catalogue::VariantInventoryItem;
use crate::shopify::UserError;
use crate::shopify::ids::ProductVariantId;

/// One variant of a bulk create or update (`ProductVariantsBulkInput`). Unset fields are not
/// sent, so they keep their value in Shopify.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ProductVariantsBulkInput {
    /// The variant to update (`None` when creating).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<ProductVariantId>,
    /// The barcode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub barcode: Option<String>,
    /// The price in the shop currency.
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "rust_decimal::serde::str_option"
    )]
    #[serde(default)]
    pub price: Option<Decimal>,
    /// SKU and tracking (the only way to set a SKU: `ProductVariantsBulkInput` has no `sku`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inventory_item: Option<InventoryItemInput>,
    /// Option values, required when creating a variant of a product with options.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub option_values: Vec<VariantOptionValueInput>,
}

impl ProductVariantsBulkInput {
    /// An update of an existing variant.
    #[must_use]
    pub fn update(id: ProductVariantId) -> Self {
        Self {
            id: Some(id),
            ..Self::default()
        }
    }
    /// A new variant.
    #[must_use]
    pub fn create() -> Self {
        Self::default()
    }
    /// Sets the barcode.
    #[must_use]
    pub fn with_barcode(mut self, barcode: impl Into<String>) -> Self {
        self.barcode = Some(barcode.into());
        self
    }
    /// Sets the price.
    #[must_use]
    pub fn with_price(mut self, price: Decimal) -> Self {
        self.price = Some(price);
        self
    }
    /// Sets the SKU and tracking.
    #[must_use]
    pub fn with_inventory_item(mut self, sku: Option<String>, tracked: Option<bool>) -> Self {
        self.inventory_item = Some(InventoryItemInput { sku, tracked });
        self
    }
    /// Adds an option value.
    #[must_use]
    pub fn with_option_value(
        mut self,
        option_name: impl Into<String>,
        name: impl Into<String>,
    ) -> Self {
        self.option_values.push(VariantOptionValueInput {
            option_name: option_name.into(),
            name: name.into(),
        });
        self
    }
}

/// `InventoryItemInput`, the parts the product push sets.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct InventoryItemInput {
    /// The SKU.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    /// Whether Shopify tracks quantities.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tracked: Option<bool>,
}

/// `VariantOptionValueInput` by names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct VariantOptionValueInput {
    /// The option (`Size`).
    pub option_name: String,
    /// The value (`XL`).
    pub name: String,
}

impl VariantOptionValueInput {
    /// The value `name` for option `option_name`.
    #[must_use]
    pub fn new(option_name: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            option_name: option_name.into(),
            name: name.into(),
        }
    }
}

/// How `productVariantsBulkCreate` treats a product's stand-alone default variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum BulkCreateStrategy {
    /// Shopify's default.
    Default,
    /// Remove the stand-alone default variant.
    RemoveStandaloneVariant,
    /// Keep the stand-alone default variant.
    PreserveStandaloneVariant,
}

/// The payload of a bulk create or update, `userErrors` kept for the caller to map back to
/// the input list (`field: ["variants", "<index>", ...]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ProductVariantsBulkPayload {
    /// The variants as saved (absent when nothing was saved).
    #[serde(default)]
    pub product_variants: Option<Vec<PushedVariant>>,
    /// Rejections.
    #[serde(default)]
    pub user_errors: Vec<UserError>,
}

/// A variant as saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PushedVariant {
    /// The variant's ID.
    pub id: ProductVariantId,
    /// Its SKU.
    #[serde(default)]
    pub sku: Option<String>,
    /// Its barcode.
    #[serde(default)]
    pub barcode: Option<String>,
    /// Its price.
    #[serde(with = "rust_decimal::serde::str")]
    pub price: Decimal,
    /// Its inventory item.
    pub inventory_item: VariantInventoryItem,
}
