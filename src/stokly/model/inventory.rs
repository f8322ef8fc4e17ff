//! Stock levels (`/v1/inventory-records`) and adjustments (`/v1/adjustments`).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::common::Extra;
use super::lenient;
use crate::stokly::ids::{BinId, ItemId, LocationId};

/// What an inventory record counts.
///
/// `/v1/inventory-records` mixes bin-level rows with **total rows** marked by the sentinel
/// `UNASSIGNED`:
///
/// | `locationId` | `binId` | row | |
/// |---|---|---|---|
/// | a location | a bin | [`RecordLevel::Bin`] | seen |
/// | a location | `UNASSIGNED` | [`RecordLevel::Location`]: the location's total | seen (`[locationId]!={UNASSIGNED}&&[binId]=={UNASSIGNED}` reads on-order per location) |
/// | `UNASSIGNED` | `UNASSIGNED` | [`RecordLevel::Item`]: the item's total | **inferred** |
///
/// Summing rows without choosing one level counts the same stock two or three times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RecordLevel {
    /// Stock in one bin.
    Bin,
    /// A location's total (bin `UNASSIGNED`).
    Location,
    /// The item's total over all locations (location `UNASSIGNED`; inferred).
    Item,
}

/// A row of `GET /v1/inventory-records`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct InventoryRecord {
    /// The item.
    pub item_id: ItemId,
    /// Its name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_name: Option<String>,
    /// Its SKU.
    #[serde(
        default,
        with = "lenient::option_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub item_sku: Option<String>,
    /// The location, or `UNASSIGNED` on item totals.
    pub location_id: LocationId,
    /// Its name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_name: Option<String>,
    /// The bin, or `UNASSIGNED` on location and item totals.
    pub bin_id: BinId,
    /// Its name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bin_name: Option<String>,
    /// Physically present.
    #[serde(
        default,
        with = "lenient::option_decimal",
        skip_serializing_if = "Option::is_none"
    )]
    pub on_hand: Option<Decimal>,
    /// On purchase orders and transfers, not yet received.
    #[serde(
        default,
        with = "lenient::option_decimal",
        skip_serializing_if = "Option::is_none"
    )]
    pub on_order: Option<Decimal>,
    /// Held in quarantine (not for sale).
    #[serde(
        default,
        with = "lenient::option_decimal",
        skip_serializing_if = "Option::is_none"
    )]
    pub quarantined: Option<Decimal>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}

impl InventoryRecord {
    /// Which level this row counts at (see [`RecordLevel`]).
    #[must_use]
    pub fn level(&self) -> RecordLevel {
        if self.location_id.is_unassigned() {
            RecordLevel::Item
        } else if self.bin_id.is_unassigned() {
            RecordLevel::Location
        } else {
            RecordLevel::Bin
        }
    }
}

/// One line of an adjustment: a signed change to an item's on-hand quantity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AdjustmentLine {
    /// The item.
    pub item_id: ItemId,
    /// The change: **a signed delta**, not a level (`-3` removes three).
    #[serde(with = "lenient::decimal")]
    pub quantity: Decimal,
}

impl AdjustmentLine {
    /// A change of `quantity` (signed) to `item_id`.
    #[must_use]
    pub fn new(item_id: ItemId, quantity: Decimal) -> Self {
        Self { item_id, quantity }
    }
}

/// The body of `POST /v1/adjustments`: signed deltas into one bin of one location.
///
/// Repeating an adjustment applies it twice, so the client never retries one after an
/// uncertain failure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct NewAdjustment {
    /// The location.
    pub location_id: LocationId,
    /// The bin (required in every use seen; see
    /// [`Client::default_bin`](crate::stokly::Client::default_bin)).
    pub bin_id: BinId,
    /// Free-text reason.
    pub reason: String,
    /// The changes.
    pub items: Vec<AdjustmentLine>,
}

impl NewAdjustment {
    /// An adjustment of `items` in `bin_id` of `location_id`.
    pub fn new(
        location_id: LocationId,
        bin_id: BinId,
        reason: impl Into<String>,
        items: Vec<AdjustmentLine>,
    ) -> Self {
        Self {
            location_id,
            bin_id,
            reason: reason.into(),
            items,
        }
    }
}
