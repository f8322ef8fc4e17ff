//! Items: simple stock items, composites (bundles), variable parents and manufactured items.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::codes::int_code;
use super::common::{Amount, AttributeValue, Extra, Image};
use super::lenient;
use crate::stokly::ids::{ItemAttributeId, ItemId, ItemTypeId, TaxClassId};

int_code!(
    /// An item's `format`.
    ItemFormat {
        /// `0`: a simple stock item (also each variant of a variable item).
        Simple => 0,
        /// `1`: a composite (bundle or kit); components from `/children` or `/v0/composing-items`.
        Composite => 1,
        /// `2`: a variable parent; written through `/v0/variable-items`.
        Variable => 2,
        /// `3`: a manufactured item with a bill of materials.
        Manufactured => 3,
    }
);

int_code!(
    /// An item's `status`.
    ItemStatus {
        /// `0`: active.
        Active => 0,
        /// `1`: deleted (set asynchronously after `DELETE`).
        Deleted => 1,
    }
);

int_code!(
    /// An item's `acquisition` (meanings inferred from use).
    Acquisition {
        /// `0`: purchased (new items are created with it).
        Purchased => 0,
        /// `2`: manufactured (set together with a bill of materials).
        Manufactured => 2,
    }
);

/// An item as `GET /v0/items` and `GET /v0/items/{id}` return it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Item {
    /// The item's ID.
    pub item_id: ItemId,
    /// The account's key (the item list carries it).
    #[serde(
        default,
        rename = "accountkey",
        skip_serializing_if = "Option::is_none"
    )]
    pub account_key: Option<String>,
    /// The SKU, exactly as Stokly holds it (matched case-sensitively against Shopify).
    #[serde(
        default,
        with = "lenient::option_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub sku: Option<String>,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<ItemFormat>,
    /// Status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ItemStatus>,
    /// The main barcode.
    #[serde(
        default,
        with = "lenient::option_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub barcode: Option<String>,
    /// All barcodes.
    #[serde(
        default,
        deserialize_with = "lenient::string_list::deserialize",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub barcodes: Vec<String>,
    /// Tags.
    #[serde(
        default,
        deserialize_with = "lenient::string_list::deserialize",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub tags: Vec<String>,
    /// The item type's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub type_name: Option<String>,
    /// Number of images.
    #[serde(
        default,
        with = "lenient::option_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub image_count: Option<u64>,
    /// Total on hand across locations.
    #[serde(
        default,
        with = "lenient::option_decimal",
        skip_serializing_if = "Option::is_none"
    )]
    pub on_hand: Option<Decimal>,
    /// Total on order.
    #[serde(
        default,
        with = "lenient::option_decimal",
        skip_serializing_if = "Option::is_none"
    )]
    pub on_order: Option<Decimal>,
    /// Description (single-item reads).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Last update (filterable with `[timeUpdated]>>{...}`).
    #[serde(
        default,
        with = "lenient::option_datetime",
        skip_serializing_if = "Option::is_none"
    )]
    pub time_updated: Option<DateTime<Utc>>,
    /// Creation time.
    #[serde(
        default,
        with = "lenient::option_datetime",
        skip_serializing_if = "Option::is_none"
    )]
    pub time_created: Option<DateTime<Utc>>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Item {
    /// Whether the item is deleted (`status` 1).
    #[must_use]
    pub fn is_deleted(&self) -> bool {
        self.status == Some(ItemStatus::Deleted)
    }
}

/// A row of `GET /v0/items/{id}/children`: a variant of a variable item, or a component of a
/// composite with its quantity per parent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ItemChild {
    /// The child item.
    pub item_id: ItemId,
    /// Its SKU.
    #[serde(
        default,
        with = "lenient::option_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub sku: Option<String>,
    /// Its name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Its format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<ItemFormat>,
    /// Its status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ItemStatus>,
    /// Units of this component in one composite (composites only).
    #[serde(
        default,
        with = "lenient::option_decimal",
        skip_serializing_if = "Option::is_none"
    )]
    pub composing_item_quantity: Option<Decimal>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A row of `GET /v0/composing-items`: one component of one composite.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ComposingItem {
    /// The composite (parent).
    pub item_id: ItemId,
    /// The component.
    pub composing_item_id: ItemId,
    /// Units of the component in one composite.
    #[serde(with = "lenient::decimal")]
    pub quantity: Decimal,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A row of `GET /v0/items/{id}/barcodes`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ItemBarcode {
    /// The barcode.
    #[serde(with = "barcode_text")]
    pub barcode: String,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A row of `GET /v0/item-barcodes` (barcode look-up across items).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BarcodeMatch {
    /// The item carrying the barcode.
    pub item_id: ItemId,
    /// The barcode.
    #[serde(
        default,
        with = "lenient::option_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub barcode: Option<String>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}

mod barcode_text {
    use serde::{Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(v: &str, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(v)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        super::lenient::option_text::deserialize(d)?
            .ok_or_else(|| serde::de::Error::custom("barcode is null"))
    }
}

/// The body of `POST /v0/items`: a simple, composite or manufactured item. Variable parents
/// are created with [`NewVariableItem`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct NewItem {
    /// Format (default simple). [`ItemFormat::Variable`] is rejected: use [`NewVariableItem`].
    pub format: ItemFormat,
    /// Name (required).
    pub name: String,
    /// SKU.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    /// Whether the item is sold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_sold: Option<bool>,
    /// Acquisition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acquisition: Option<Acquisition>,
    /// Item type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub type_id: Option<ItemTypeId>,
    /// Tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Barcodes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub barcodes: Vec<String>,
    /// Attribute values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<AttributeValue>,
    /// Add `attributes` to the item's instead of replacing them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub append_attributes: Option<bool>,
    /// Tax class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_class_id: Option<TaxClassId>,
    /// Harmonized System code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub harmony_code: Option<String>,
    /// Country of origin (ISO 3166-1 alpha-2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_of_origin: Option<String>,
    /// Sale price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sale_price: Option<Amount>,
}

impl NewItem {
    /// A simple item with a name and SKU.
    pub fn simple(name: impl Into<String>, sku: impl Into<String>) -> Self {
        Self {
            format: ItemFormat::Simple,
            name: name.into(),
            sku: Some(sku.into()),
            is_sold: None,
            acquisition: None,
            type_id: None,
            tags: Vec::new(),
            barcodes: Vec::new(),
            attributes: Vec::new(),
            append_attributes: None,
            tax_class_id: None,
            harmony_code: None,
            country_of_origin: None,
            sale_price: None,
        }
    }
}

/// The body of `PATCH /v0/items/{id}` or `PATCH /v0/variable-items/{id}`: only the fields set
/// are sent. Lists (`images`, `attributes`, `tags`) replace the item's, unless
/// `append_attributes` is set for attributes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ItemPatch {
    /// New SKU.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    /// New name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// New description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// New main barcode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub barcode: Option<String>,
    /// Replacement tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// Replacement images (`[]` clears them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub images: Option<Vec<Image>>,
    /// Attribute values (replace the item's unless `append_attributes`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributes: Option<Vec<AttributeValue>>,
    /// Add `attributes` instead of replacing; such a patch is not safe to repeat blindly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub append_attributes: Option<bool>,
}

impl ItemPatch {
    /// An empty patch, to fill field by field.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether nothing would be changed.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }
}

/// The body of `POST /v0/variable-items`: a variable parent over existing simple items.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct NewVariableItem {
    /// Always [`ItemFormat::Variable`].
    pub format: ItemFormat,
    /// Name (required).
    pub name: String,
    /// SKU of the parent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Item type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub type_id: Option<ItemTypeId>,
    /// Attribute values of the parent.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<AttributeValue>,
    /// Add `attributes` instead of replacing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub append_attributes: Option<bool>,
    /// Images.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<Image>,
    /// The attributes the variants differ on (required, non-empty).
    pub variable_attributes: Vec<ItemAttributeId>,
    /// The variants: simple items created beforehand (required, non-empty).
    pub variant_items: Vec<ItemId>,
}

impl NewVariableItem {
    /// A variable parent named `name` over `variant_items`, varying on `variable_attributes`.
    pub fn new(
        name: impl Into<String>,
        variable_attributes: Vec<ItemAttributeId>,
        variant_items: Vec<ItemId>,
    ) -> Self {
        Self {
            format: ItemFormat::Variable,
            name: name.into(),
            sku: None,
            description: None,
            type_id: None,
            attributes: Vec::new(),
            append_attributes: None,
            images: Vec::new(),
            variable_attributes,
            variant_items,
        }
    }
}
