//! Products and variants as the SKU index needs them.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::page::Connection;
use crate::shopify::ids::{
    InventoryItemId, ProductId, ProductVariantComponentId, ProductVariantId,
};
use crate::wire_enum::wire_enum;

wire_enum!(
    /// `ProductStatus`.
    ProductStatus {
        /// On sale.
        Active => "ACTIVE",
        /// Archived.
        Archived => "ARCHIVED",
        /// Draft.
        Draft => "DRAFT",
        /// Unlisted.
        Unlisted => "UNLISTED",
    }
);

/// A product variant with its SKU, barcode, inventory item and bundle components.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ProductVariant {
    /// The variant's ID.
    pub id: ProductVariantId,
    /// The SKU, case-sensitive, exactly as Shopify holds it (`None` when unset).
    #[serde(default)]
    pub sku: Option<String>,
    /// The barcode.
    #[serde(default)]
    pub barcode: Option<String>,
    /// Variant title (`Default Title` for single-variant products).
    pub title: String,
    /// Price in the shop currency.
    #[serde(with = "rust_decimal::serde::str")]
    pub price: Decimal,
    /// Whether Shopify derives this variant from components (a native bundle parent).
    pub requires_components: bool,
    /// Last update.
    pub updated_at: DateTime<Utc>,
    /// The product.
    pub product: ProductRef,
    /// The inventory item.
    pub inventory_item: VariantInventoryItem,
    /// Bundle components (complete: the client pages past the first page).
    #[serde(default, deserialize_with = "components")]
    pub product_variant_components: Connection<VariantComponent>,
}

/// Bulk results use `edges { node }` for nested connections; paginated reads use `nodes`.
fn components<'de, D>(deserializer: D) -> Result<Connection<VariantComponent>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Shape {
        Nodes(Connection<VariantComponent>),
        Edges { edges: Vec<Edge> },
    }
    #[derive(Deserialize)]
    struct Edge {
        node: VariantComponent,
    }
    Ok(match Option::<Shape>::deserialize(deserializer)? {
        Some(Shape::Nodes(c)) => c,
        Some(Shape::Edges { edges }) => Connection {
            nodes: edges.into_iter().map(|e| e.node).collect(),
            page_info: super::PageInfo::default(),
        },
        None => Connection::default(),
    })
}

/// The product a variant belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ProductRef {
    /// The product's ID.
    pub id: ProductId,
    /// Its title.
    pub title: String,
    /// Its status.
    pub status: ProductStatus,
}

/// A variant's inventory item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct VariantInventoryItem {
    /// The inventory item's ID.
    pub id: InventoryItemId,
    /// Whether Shopify tracks its quantities.
    pub tracked: bool,
}

/// One component of a bundle variant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct VariantComponent {
    /// The component relation's ID.
    pub id: ProductVariantComponentId,
    /// Units of the component in one bundle.
    pub quantity: i64,
    /// The component variant.
    pub product_variant: VariantRef,
}

/// A variant named by ID and SKU.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct VariantRef {
    /// The variant's ID.
    pub id: ProductVariantId,
    /// Its SKU.
    #[serde(default)]
    pub sku: Option<String>,
}
