//! Telling our own `inventory_levels/update` echoes from changes made by someone else.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::shopify::{InventoryItemId, LocationId as ShopifyLocationId, MAX_NUMERIC_ID};

/// A level we set in Shopify: what, where, and when the call returned.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PushedLevel {
    /// The inventory item.
    pub inventory_item_id: InventoryItemId,
    /// The location.
    pub location_id: ShopifyLocationId,
    /// The `available` we set.
    pub quantity: i64,
    /// When Shopify accepted it.
    pub pushed_at: DateTime<Utc>,
}

impl PushedLevel {
    /// We set `inventory_item_id` at `location_id` to `quantity` at `pushed_at`.
    #[must_use]
    pub fn new(
        inventory_item_id: InventoryItemId,
        location_id: ShopifyLocationId,
        quantity: i64,
        pushed_at: DateTime<Utc>,
    ) -> Self {
        Self {
            inventory_item_id,
            location_id,
            quantity,
            pushed_at,
        }
    }
}

/// The body of an `inventory_levels/update` webhook (Shopify's REST inventory level:
/// numeric IDs, and only `available`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct InventoryLevelUpdate {
    /// The inventory item's numeric ID (1 to [`MAX_NUMERIC_ID`]; a body with another number
    /// does not decode).
    #[serde(deserialize_with = "shopify_number")]
    pub inventory_item_id: u64,
    /// The location's numeric ID (1 to [`MAX_NUMERIC_ID`]; a body with another number does
    /// not decode).
    #[serde(deserialize_with = "shopify_number")]
    pub location_id: u64,
    /// The new `available` (`null` when the item is not tracked).
    #[serde(default)]
    pub available: Option<i64>,
    /// When the level changed.
    pub updated_at: DateTime<Utc>,
}

/// A numeric Shopify ID from a webhook body, refused unless in Shopify's range, so that the
/// global IDs built from it ([`InventoryLevelUpdate::inventory_item`]) are valid.
fn shopify_number<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    let n = u64::deserialize(deserializer)?;
    if (1..=MAX_NUMERIC_ID).contains(&n) {
        Ok(n)
    } else {
        Err(serde::de::Error::custom(format!(
            "{n} is not a Shopify ID (1 to {MAX_NUMERIC_ID})"
        )))
    }
}

impl InventoryLevelUpdate {
    /// The inventory item as a global ID.
    #[must_use]
    pub fn inventory_item(&self) -> InventoryItemId {
        InventoryItemId::from_numeric(self.inventory_item_id)
    }

    /// The location as a global ID.
    #[must_use]
    pub fn location(&self) -> ShopifyLocationId {
        ShopifyLocationId::from_numeric(self.location_id)
    }
}

/// Where an `inventory_levels/update` came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "origin", rename_all = "snake_case")]
#[non_exhaustive]
pub enum LevelUpdateOrigin {
    /// The echo of a level we pushed.
    OwnEcho {
        /// The push it echoes.
        pushed: PushedLevel,
    },
    /// A change we did not make (an order, a person in the admin, another app), or an echo
    /// that arrived after the window.
    Foreign,
}

/// Whether `update` is the echo of one of our `pushes`.
///
/// It is, when some push set the same inventory item at the same location to the same
/// quantity, the push is at most `window` old at `now`, and the webhook's `updated_at` is
/// within `window` of the push (either side, to allow for clock skew). Deliveries are
/// unordered, so any matching push counts, not only the latest. An update with no
/// `available` is never an echo.
#[must_use]
pub fn classify_level_update(
    update: &InventoryLevelUpdate,
    pushes: &[PushedLevel],
    window: Duration,
    now: DateTime<Utc>,
) -> LevelUpdateOrigin {
    let Some(available) = update.available else {
        return LevelUpdateOrigin::Foreign;
    };
    let item = update.inventory_item();
    let location = update.location();
    let echoed = pushes
        .iter()
        .filter(|p| {
            p.inventory_item_id == item
                && p.location_id == location
                && p.quantity == available
                && p.pushed_at <= now
                && now - p.pushed_at <= window
                && (update.updated_at - p.pushed_at).abs() <= window
        })
        .max_by_key(|p| p.pushed_at);
    match echoed {
        Some(push) => LevelUpdateOrigin::OwnEcho {
            pushed: push.clone(),
        },
        None => LevelUpdateOrigin::Foreign,
    }
}
