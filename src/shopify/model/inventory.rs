//! Inventory levels with named quantities.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::shopify::ids::{InventoryItemId, InventoryLevelId, LocationId};

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

/// The levels of some inventory items at some locations, read through the items
/// ([`crate::shopify::Client::inventory_levels_of_items`]): each (item, location) asked for
/// is in exactly one of the two lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ItemLevels {
    /// The levels found, each with the location it was read at (with the ID Shopify gave it).
    pub levels: Vec<(LocationId, InventoryLevel)>,
    /// The (item, location) pairs with no level, with what Shopify returned for them.
    pub absent: Vec<AbsentLevel>,
}

/// An (item, location) pair that has no inventory level, with the evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AbsentLevel {
    /// The inventory item asked for.
    pub item: InventoryItemId,
    /// The location asked for.
    pub location: LocationId,
    /// Why there is no level.
    pub why: LevelAbsence,
    /// The node exactly as Shopify returned it (compact JSON: `null`, or the item with
    /// `"inventoryLevel":null`).
    pub returned: String,
}

/// Why an (item, location) pair has no level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum LevelAbsence {
    /// `nodes` answered `null`, or something other than an inventory item: Shopify knows no
    /// such inventory item (deleted, or never existed).
    UnknownItem,
    /// The item exists but has no level at the location: it is not stocked there.
    NotStocked,
}

impl LevelAbsence {
    /// How reports name it.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::UnknownItem => "no such inventory item",
            Self::NotStocked => "not stocked at the location",
        }
    }
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

/// The input of `inventorySetQuantities`: absolute quantities with compare-and-set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct InventorySetQuantitiesInput {
    // Fields are declared in the order of their wire names (sorted), so that serde writes
    // the canonical JSON the idempotency key is derived from (see
    // [`InventorySetQuantitiesInput::idempotency_key`]); a test holds it so.
    /// `available` or `on_hand` (the only names Shopify accepts here).
    pub name: String,
    /// At most 250 quantities, one per (item, location).
    pub quantities: Vec<InventoryQuantityInput>,
    /// Why (`correction`, `cycle_count_available`, `received`...).
    pub reason: String,
    /// A URI naming the cause, e.g. `gid://stokly-shopify/InventorySync/2026-11-26T10:00Z`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference_document_uri: Option<String>,
}

impl InventorySetQuantitiesInput {
    /// An input setting `name` for `reason`.
    #[must_use]
    pub fn new(name: QuantityName, reason: impl Into<String>) -> Self {
        Self {
            name: name.as_str().to_owned(),
            reason: reason.into(),
            reference_document_uri: None,
            quantities: Vec::new(),
        }
    }

    /// Sets the reference document URI.
    #[must_use]
    pub fn with_reference_document_uri(mut self, uri: impl Into<String>) -> Self {
        self.reference_document_uri = Some(uri.into());
        self
    }

    /// Adds a quantity.
    #[must_use]
    pub fn with_quantity(mut self, quantity: InventoryQuantityInput) -> Self {
        self.quantities.push(quantity);
        self
    }

    /// The operation name the key is derived with (`InventorySetQuantities`).
    pub const OPERATION: &'static str = "InventorySetQuantities";

    /// The `@idempotent(key:)` value for this input: the one derivation both the client
    /// ([`crate::shopify::Client::set_inventory_quantities`]) and the inventory plan use.
    /// It equals [`crate::shopify::idempotency_key`] of the operation and `{"input": ...}`:
    /// the lowercase hex SHA-256 of the operation name, a zero byte and the canonical JSON
    /// (keys sorted, no whitespace), written here by serde straight from the fields, which
    /// are declared in sorted order, so no field can be left out of the key.
    ///
    /// # Errors
    /// A serialisation error (none is possible for this type's fields; kept rather than
    /// panicking).
    pub fn idempotency_key(&self) -> Result<String, serde_json::Error> {
        self.idempotency_key_with(&mut Vec::new())
    }

    /// [`Self::idempotency_key`], reusing `buffer` for the canonical JSON (planning many
    /// batches allocates it once).
    ///
    /// # Errors
    /// As [`Self::idempotency_key`].
    pub fn idempotency_key_with(&self, buffer: &mut Vec<u8>) -> Result<String, serde_json::Error> {
        use sha2::{Digest, Sha256};
        buffer.clear();
        buffer.extend_from_slice(br#"{"input":"#);
        serde_json::to_writer(&mut *buffer, self)?;
        buffer.push(b'}');
        let mut hasher = Sha256::new();
        hasher.update(Self::OPERATION.as_bytes());
        hasher.update([0u8]);
        hasher.update(buffer.as_slice());
        Ok(hex::encode(hasher.finalize()))
    }
}

/// One absolute quantity. `changeFromQuantity` is always sent (as `null` when `None`), as
/// API version 2026-04 requires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct InventoryQuantityInput {
    // Declared in the order of the wire names (sorted): see `InventorySetQuantitiesInput`.
    /// The quantity Shopify must still hold for the write to apply (compare-and-set);
    /// `None` writes unconditionally.
    pub change_from_quantity: Option<i64>,
    /// The inventory item.
    pub inventory_item_id: InventoryItemId,
    /// The location.
    pub location_id: crate::shopify::ids::LocationId,
    /// The new quantity.
    pub quantity: i64,
}

impl InventoryQuantityInput {
    /// Sets `item` at `location` to `quantity` if Shopify still holds `change_from`.
    #[must_use]
    pub fn new(
        inventory_item_id: InventoryItemId,
        location_id: crate::shopify::ids::LocationId,
        quantity: i64,
        change_from_quantity: Option<i64>,
    ) -> Self {
        Self {
            inventory_item_id,
            location_id,
            quantity,
            change_from_quantity,
        }
    }
}

/// The payload of `inventorySetQuantities`, with its `userErrors` kept for the caller to map
/// back to the quantities they name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct InventorySetQuantitiesPayload {
    /// The adjustments made (absent when nothing was applied).
    #[serde(default)]
    pub inventory_adjustment_group: Option<InventoryAdjustmentGroup>,
    /// Rejections, each naming `["input", "quantities", "<index>"]` where it applies.
    #[serde(default)]
    pub user_errors: Vec<crate::shopify::UserError>,
}

/// A group of inventory changes made by one mutation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct InventoryAdjustmentGroup {
    /// The group's ID.
    pub id: String,
    /// The reason given.
    pub reason: String,
    /// The reference document URI given.
    #[serde(default)]
    pub reference_document_uri: Option<String>,
    /// The changes (setting `available` also reports the `on_hand` change).
    #[serde(default)]
    pub changes: Vec<InventoryChange>,
}

/// One quantity change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct InventoryChange {
    /// The quantity name.
    pub name: String,
    /// The change.
    pub delta: i64,
    /// The quantity afterwards, when Shopify reports it.
    #[serde(default)]
    pub quantity_after_change: Option<i64>,
    /// The item.
    #[serde(default)]
    pub item: Option<IdOnly<InventoryItemId>>,
    /// The location.
    #[serde(default)]
    pub location: Option<IdOnly<crate::shopify::ids::LocationId>>,
}

/// An object selected only for its ID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IdOnly<T> {
    /// The ID.
    pub id: T,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shopify::ids::LocationId;

    /// The generic derivation the client uses for other mutations: canonical JSON through a
    /// `serde_json::Value` tree (keys sorted).
    fn through_value(input: &InventorySetQuantitiesInput) -> String {
        let mut variables = serde_json::Map::new();
        variables.insert("input".to_owned(), serde_json::to_value(input).unwrap());
        crate::shopify::idempotency_key(
            InventorySetQuantitiesInput::OPERATION,
            &serde_json::Value::Object(variables),
        )
    }

    fn quantity(
        item: u64,
        location: u64,
        target: i64,
        from: Option<i64>,
    ) -> InventoryQuantityInput {
        InventoryQuantityInput::new(
            InventoryItemId::from_numeric(item),
            LocationId::from_numeric(location),
            target,
            from,
        )
    }

    #[test]
    fn the_inputs_key_is_the_canonical_key_whatever_the_content() {
        // Fields declared out of sorted order, or one left out of the serialised form, would
        // make the two derivations differ here.
        let plain = InventorySetQuantitiesInput::new(QuantityName::Available, "correction");
        let mut odd = InventorySetQuantitiesInput::new(QuantityName::OnHand, "say \"hi\"\n\u{e9}")
            .with_reference_document_uri(
                "gid://stokly-shopify/InventorySync/\u{fc}n\u{ef} \\ \"x\"",
            )
            .with_quantity(quantity(1, 2, 3, Some(4)))
            .with_quantity(quantity(9_223_372_036_854_775_807, 1, -1_000_000_000, None))
            .with_quantity(quantity(7, 8, i64::MAX, Some(i64::MIN)));
        let mut buffer = Vec::new();
        for input in [&plain, &odd] {
            assert_eq!(input.idempotency_key().unwrap(), through_value(input));
            assert_eq!(
                input.idempotency_key_with(&mut buffer).unwrap(),
                through_value(input)
            );
        }
        odd.reference_document_uri = None;
        assert_eq!(odd.idempotency_key().unwrap(), through_value(&odd));
        // Content changes the key; the key is 64 hex digits.
        let other = odd.clone().with_quantity(quantity(3, 3, 3, None));
        assert_ne!(
            other.idempotency_key().unwrap(),
            odd.idempotency_key().unwrap()
        );
        assert_eq!(odd.idempotency_key().unwrap().len(), 64);
    }
}
