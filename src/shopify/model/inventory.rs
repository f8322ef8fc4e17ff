//! Inventory levels with named quantities.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::shopify::ids::{InventoryItemId, InventoryLevelId};

/// The quantity names Shopify reports on an inventory level.
///
/// `available` and `on_hand` can be set with `inventorySetQuantities`; `safety_stock`,
/// `damaged` and `quality_control` are part of `on_hand` but not for sale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum QuantityName {
    /// For sale.
    Available,
    /// Physically present.
    OnHand,
    /// Allocated to unfulfilled orders.
    Committed,
    /// Held for draft orders and the like.
    Reserved,
    /// On its way.
    Incoming,
    /// Damaged.
    Damaged,
    /// In quality control.
    QualityControl,
    /// Kept back as safety stock.
    SafetyStock,
}

impl QuantityName {
    /// Every name, in the order above.
    pub const ALL: [QuantityName; 8] = [
        Self::Available,
        Self::OnHand,
        Self::Committed,
        Self::Reserved,
        Self::Incoming,
        Self::Damaged,
        Self::QualityControl,
        Self::SafetyStock,
    ];

    /// The name as Shopify spells it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Available => "available",
            Self::OnHand => "on_hand",
            Self::Committed => "committed",
            Self::Reserved => "reserved",
            Self::Incoming => "incoming",
            Self::Damaged => "damaged",
            Self::QualityControl => "quality_control",
            Self::SafetyStock => "safety_stock",
        }
    }
}

/// An inventory item's level at one location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct InventoryLevel {
    /// The level's ID (`gid://shopify/InventoryLevel/..?inventory_item_id=..`).
    pub id: InventoryLevelId,
    /// Last update.
    pub updated_at: DateTime<Utc>,
    /// The inventory item.
    pub item: InventoryItemRef,
    /// The quantities asked for.
    pub quantities: Vec<InventoryQuantity>,
}

impl InventoryLevel {
    /// The quantity of `name`, if it was asked for.
    #[must_use]
    pub fn quantity(&self, name: QuantityName) -> Option<i64> {
        self.quantities
            .iter()
            .find(|q| q.name == name.as_str())
            .map(|q| q.quantity)
    }
}

/// The inventory item of a level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct InventoryItemRef {
    /// The item's ID.
    pub id: InventoryItemId,
    /// Its SKU.
    #[serde(default)]
    pub sku: Option<String>,
    /// Whether Shopify tracks it.
    pub tracked: bool,
}

/// One named quantity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct InventoryQuantity {
    /// `available`, `on_hand`...
    pub name: String,
    /// The quantity (may be negative for `available`).
    pub quantity: i64,
}
