//! Inventory push from Stokly to Shopify: safe availability per Shopify location, the
//! compare-and-set push plan, the drift report and echo suppression.
//!
//! # What Shopify is told
//!
//! For each Shopify variant whose SKU matches exactly one active Stokly item (the rule of
//! [`crate::domain::catalogue`]) and each Shopify location in the [`LocationMap`], the `available`
//! quantity Shopify should show is:
//!
//! 1. **Stock**: the sum, over the Stokly locations that feed the Shopify location, of
//!    `onHand − quarantined`. Per (item, Stokly location) the location total row (bin
//!    `UNASSIGNED`) is used when present, otherwise the sum of the bin rows; item totals
//!    (location `UNASSIGNED`) are never used, so no stock is counted twice. Quarantined stock
//!    is taken to be part of `onHand` (as `quality_control` is part of Shopify's `on_hand`) and
//!    is subtracted; if Stokly counts it separately this under-states stock, never over-states
//!    it. Every Stokly quantity must be a whole number that fits Shopify's bounds; otherwise
//!    the level is not written and an [`InventoryFinding`] names the item and location.
//! 2. **Minus in-flight demand** ([`InFlightDemand`]): units of Shopify orders captured but
//!    not yet posted to Stokly, which Stokly cannot have reserved yet. Demand with no location
//!    counts against every location of the SKU (the cautious reading). Demand for a Stokly
//!    composite is counted against its components.
//! 3. Floored at zero (negative stock is reported, never pushed as a negative number).
//! 4. **Minus the safety buffer** ([`BufferRules`]): the most specific rule wins (SKU at a
//!    location, then SKU, then location, then global); fixed units or a percentage rounded
//!    with a named [`BufferRounding`]; the result is never below zero.
//!
//! A Stokly composite sold as an ordinary Shopify variant gets, per location, the minimum
//! over its components of `floor(component stock after in-flight demand / units per
//! composite)`, then its own buffer. A Shopify native bundle parent (`requiresComponents`)
//! is never written: Shopify derives it from its components.
//!
//! # Pieces
//!
//! - [`compute_availability`] / [`AvailabilityCalculator`]: the numbers above, with a
//!   [`Availability`] breakdown.
//! - [`plan_inventory_push`]: an [`InventoryPushPlan`] of `inventorySetQuantities` batches
//!   (only the levels that differ, at most 250 per batch, compare-and-set, deterministic
//!   idempotency keys), event-driven or full ([`InventoryScope`]), with every skip explained;
//!   [`replan_stale_levels`] re-plans the quantities whose compare-and-set failed.
//! - [`report_drift`]: expected versus Shopify per SKU and location with a [`DriftCause`]
//!   per difference, rendered as Markdown or self-contained HTML.
//! - [`classify_level_update`]: whether an `inventory_levels/update` webhook is the echo of
//!   our own push.

mod availability;
mod drift;
mod echo;
mod finding;
mod plan;
mod render;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use crate::shopify::model::{InventoryLevel, QuantityName};
use crate::shopify::{InventoryItemId, LocationId as ShopifyLocationId};
use crate::stokly::ItemId;
use crate::stokly::LocationId as StoklyLocationId;

pub use availability::{
    Availability, AvailabilityCalculator, AvailabilitySource, ComponentAvailability,
    compute_availability,
};
pub use drift::{DriftCause, DriftEntry, DriftEvidence, DriftReport, DriftSummary, report_drift};
pub use echo::{InventoryLevelUpdate, LevelUpdateOrigin, PushedLevel, classify_level_update};
pub use finding::{InventoryFinding, ItemRef, StockField, VariantRef};
pub use plan::{
    InventoryPushBatch, InventoryPushPlan, PlanSummary, PlannedLevel, SET_QUANTITIES_OPERATION,
    StaleQuantity, batch_levels, plan_inventory_push, replan_levels, replan_stale_levels,
    stale_quantities,
};

/// Most quantities one `inventorySetQuantities` call accepts.
pub const MAX_QUANTITIES_PER_BATCH: usize = crate::shopify::MAX_INPUT_ITEMS;

/// The largest magnitude Shopify accepts for a quantity in `inventorySetQuantities`.
pub const MAX_SHOPIFY_QUANTITY: i64 = 1_000_000_000;

/// Which Stokly locations feed each Shopify location.
///
/// A Shopify location that is not in the map is never written. A Stokly location may feed
/// several Shopify locations (its stock is then offered at each of them, which a buffer
/// should account for).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocationMap {
    feeds: BTreeMap<ShopifyLocationId, BTreeSet<StoklyLocationId>>,
}

impl LocationMap {
    /// No location mapped: nothing is ever written.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Maps `shopify` to be fed by `stokly` (added to any Stokly locations already mapped).
    /// The `UNASSIGNED` sentinel is not a location and is ignored.
    #[must_use]
    pub fn with(
        mut self,
        shopify: ShopifyLocationId,
        stokly: impl IntoIterator<Item = StoklyLocationId>,
    ) -> Self {
        self.insert(shopify, stokly);
        self
    }

    /// Maps `shopify` to be fed by `stokly`, as [`LocationMap::with`].
    pub fn insert(
        &mut self,
        shopify: ShopifyLocationId,
        stokly: impl IntoIterator<Item = StoklyLocationId>,
    ) {
        let feeds = self.feeds.entry(shopify).or_default();
        feeds.extend(stokly.into_iter().filter(|l| !l.is_unassigned()));
    }

    /// The Stokly locations that feed `shopify`, or `None` when it is unmapped.
    #[must_use]
    pub fn feeds_of(&self, shopify: &ShopifyLocationId) -> Option<&BTreeSet<StoklyLocationId>> {
        self.feeds.get(shopify)
    }

    /// Whether `shopify` is mapped (and so may be written).
    #[must_use]
    pub fn is_mapped(&self, shopify: &ShopifyLocationId) -> bool {
        self.feeds.contains_key(shopify)
    }

    /// The mapped Shopify locations, in ID order.
    pub fn shopify_locations(&self) -> impl Iterator<Item = &ShopifyLocationId> {
        self.feeds.keys()
    }
}

/// How a percentage buffer is rounded to whole units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BufferRounding {
    /// Up to the next whole unit (holds back the most; the cautious choice).
    Up,
    /// Down to the whole unit below.
    Down,
    /// To the nearest unit, halves away from zero.
    HalfUp,
    /// To the nearest unit, halves to the even unit (banker's rounding).
    HalfEven,
}

impl BufferRounding {
    /// The `rust_decimal` strategy this names (quantities here are never negative).
    #[must_use]
    pub fn strategy(self) -> RoundingStrategy {
        match self {
            Self::Up => RoundingStrategy::AwayFromZero,
            Self::Down => RoundingStrategy::ToZero,
            Self::HalfUp => RoundingStrategy::MidpointAwayFromZero,
            Self::HalfEven => RoundingStrategy::MidpointNearestEven,
        }
    }
}

/// A safety buffer: stock held back from Shopify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", try_from = "BufferRuleWire")]
pub enum BufferRule {
    /// Hold back a fixed number of units.
    Units {
        /// Units held back.
        units: u32,
    },
    /// Hold back a percentage of the sellable stock, rounded to whole units.
    Percent {
        /// The percentage, from 0 to 100.
        percent: Decimal,
        /// How the held-back units are rounded.
        rounding: BufferRounding,
    },
}

#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum BufferRuleWire {
    Units {
        units: u32,
    },
    Percent {
        percent: Decimal,
        rounding: BufferRounding,
    },
}

impl TryFrom<BufferRuleWire> for BufferRule {
    type Error = String;
    fn try_from(wire: BufferRuleWire) -> Result<Self, String> {
        match wire {
            BufferRuleWire::Units { units } => Ok(Self::units(units)),
            BufferRuleWire::Percent { percent, rounding } => Self::percent(percent, rounding),
        }
    }
}

impl BufferRule {
    /// Hold back `units` units.
    #[must_use]
    pub fn units(units: u32) -> Self {
        Self::Units { units }
    }

    /// Hold back `percent` % of the sellable stock, rounded with `rounding`.
    ///
    /// # Errors
    /// A message naming the value when `percent` is not between 0 and 100.
    pub fn percent(percent: Decimal, rounding: BufferRounding) -> Result<Self, String> {
        if percent < Decimal::ZERO || percent > Decimal::ONE_HUNDRED {
            return Err(format!(
                "a buffer percentage must be between 0 and 100, got {percent}"
            ));
        }
        Ok(Self::Percent { percent, rounding })
    }

    /// The units held back from `sellable` (never more than `sellable`; zero when
    /// `sellable` is not positive).
    #[must_use]
    pub fn held_back(&self, sellable: i64) -> i64 {
        if sellable <= 0 {
            return 0;
        }
        let held = match *self {
            Self::Units { units } => i64::from(units),
            Self::Percent { percent, rounding } => {
                let exact = Decimal::from(sellable) * percent / Decimal::ONE_HUNDRED;
                let rounded = exact.round_dp_with_strategy(0, rounding.strategy());
                // `rounded` lies between 0 and `sellable`, so it always fits.
                i64::try_from(rounded).unwrap_or(sellable)
            }
        };
        held.clamp(0, sellable)
    }
}

/// Which buffer rule applied to a level: the most specific one present wins, in the order
/// `SkuAtLocation`, `Sku`, `Location`, `Global`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BufferScope {
    /// A rule for this SKU at this Shopify location.
    SkuAtLocation,
    /// A rule for this SKU at every location.
    Sku,
    /// A rule for every SKU at this Shopify location.
    Location,
    /// The rule for everything.
    Global,
}

impl BufferScope {
    /// How reports name it.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::SkuAtLocation => "SKU at location",
            Self::Sku => "SKU",
            Self::Location => "location",
            Self::Global => "global",
        }
    }
}

/// The safety buffer rules: global, per Shopify location, per SKU, per SKU at a location.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BufferRules {
    global: Option<BufferRule>,
    by_location: BTreeMap<ShopifyLocationId, BufferRule>,
    by_sku: BTreeMap<String, BufferRule>,
    by_sku_at_location: BTreeMap<ShopifyLocationId, BTreeMap<String, BufferRule>>,
}

impl BufferRules {
    /// No buffer at all.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The rule for everything not covered by a more specific rule.
    #[must_use]
    pub fn global(mut self, rule: BufferRule) -> Self {
        self.global = Some(rule);
        self
    }

    /// The rule for every SKU at one Shopify location.
    #[must_use]
    pub fn at_location(mut self, location: ShopifyLocationId, rule: BufferRule) -> Self {
        self.by_location.insert(location, rule);
        self
    }

    /// The rule for one SKU (exact, case-sensitive) at every location.
    #[must_use]
    pub fn for_sku(mut self, sku: impl Into<String>, rule: BufferRule) -> Self {
        self.by_sku.insert(sku.into(), rule);
        self
    }

    /// The rule for one SKU at one Shopify location.
    #[must_use]
    pub fn for_sku_at_location(
        mut self,
        sku: impl Into<String>,
        location: ShopifyLocationId,
        rule: BufferRule,
    ) -> Self {
        self.by_sku_at_location
            .entry(location)
            .or_default()
            .insert(sku.into(), rule);
        self
    }

    /// The rule for everything, if any.
    pub(crate) fn global_rule(&self) -> Option<BufferRule> {
        self.global
    }

    /// The rule for every SKU at `location`, if any.
    pub(crate) fn location_rule(&self, location: &ShopifyLocationId) -> Option<BufferRule> {
        self.by_location.get(location).copied()
    }

    /// The rule for `sku` at every location, if any.
    pub(crate) fn sku_rule(&self, sku: &str) -> Option<BufferRule> {
        self.by_sku.get(sku).copied()
    }

    /// The rules for single SKUs at `location`, if any.
    pub(crate) fn sku_rules_at(
        &self,
        location: &ShopifyLocationId,
    ) -> Option<&BTreeMap<String, BufferRule>> {
        self.by_sku_at_location.get(location)
    }

    /// The most specific rule for `sku` (`None` for an item without a SKU, which only
    /// location and global rules reach) at `location`, and which kind it is.
    #[must_use]
    pub fn rule_for(
        &self,
        sku: Option<&str>,
        location: &ShopifyLocationId,
    ) -> Option<(BufferScope, BufferRule)> {
        if let Some(sku) = sku {
            if let Some(rule) = self
                .by_sku_at_location
                .get(location)
                .and_then(|rules| rules.get(sku))
            {
                return Some((BufferScope::SkuAtLocation, *rule));
            }
            if let Some(rule) = self.by_sku.get(sku) {
                return Some((BufferScope::Sku, *rule));
            }
        }
        if let Some(rule) = self.by_location.get(location) {
            return Some((BufferScope::Location, *rule));
        }
        self.global.map(|rule| (BufferScope::Global, rule))
    }
}

/// Units of a SKU sold in Shopify orders that are captured but not yet posted to Stokly:
/// Shopify has already taken them off `available`, Stokly has not reserved them yet.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[non_exhaustive]
pub struct InFlightDemand {
    /// The SKU ordered, exactly as on the order line.
    pub sku: String,
    /// The Shopify location the line is assigned to; `None` counts against every location.
    pub shopify_location: Option<ShopifyLocationId>,
    /// Units ordered.
    pub quantity: u32,
}

impl InFlightDemand {
    /// `quantity` units of `sku` at `shopify_location` (or anywhere, with `None`).
    #[must_use]
    pub fn new(
        sku: impl Into<String>,
        shopify_location: Option<ShopifyLocationId>,
        quantity: u32,
    ) -> Self {
        Self {
            sku: sku.into(),
            shopify_location,
            quantity,
        }
    }
}

/// Shopify's current `available` for one inventory item at one location, as the plan was
/// computed from it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ShopifyStockLevel {
    /// The inventory item.
    pub inventory_item_id: InventoryItemId,
    /// The location.
    pub location_id: ShopifyLocationId,
    /// Its `available` quantity.
    pub available: i64,
    /// When the level last changed in Shopify.
    pub updated_at: DateTime<Utc>,
}

impl ShopifyStockLevel {
    /// A level.
    #[must_use]
    pub fn new(
        inventory_item_id: InventoryItemId,
        location_id: ShopifyLocationId,
        available: i64,
        updated_at: DateTime<Utc>,
    ) -> Self {
        Self {
            inventory_item_id,
            location_id,
            available,
            updated_at,
        }
    }

    /// From a level read at `location` (Shopify's `InventoryLevel` does not repeat its
    /// location). `None` when `available` was not asked for.
    #[must_use]
    pub fn from_level(location: &ShopifyLocationId, level: &InventoryLevel) -> Option<Self> {
        Some(Self {
            inventory_item_id: level.item.id.clone(),
            location_id: location.clone(),
            available: level.quantity(QuantityName::Available)?,
            updated_at: level.updated_at,
        })
    }
}

/// Which Stokly items a plan covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "scope", content = "items", rename_all = "snake_case")]
pub enum InventoryScope {
    /// Full reconciliation: every item.
    All,
    /// Event-driven: the items changed since a cursor, and the composites that contain any
    /// of them.
    Items(BTreeSet<ItemId>),
}

/// One sync run: names the `referenceDocumentUri` Shopify records with each change.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SyncRun {
    id: String,
}

impl SyncRun {
    /// A run named `id` (a timestamp, a UUID, a job ID...). Characters other than ASCII
    /// letters, digits, `-`, `_`, `.` and `:` are replaced by `-` so the URI stays valid.
    #[must_use]
    pub fn new(id: &str) -> Self {
        let id = id
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':') {
                    c
                } else {
                    '-'
                }
            })
            .collect();
        Self { id }
    }

    /// The run's ID.
    #[must_use]
    pub fn id(&self) -> &str {
        &self.id
    }

    /// `gid://stokly-shopify/InventorySync/<id>`.
    #[must_use]
    pub fn reference_document_uri(&self) -> String {
        format!("gid://stokly-shopify/InventorySync/{}", self.id)
    }
}

/// Everything a plan, an availability computation or a drift report reads. All borrowed;
/// nothing is fetched.
#[derive(Debug, Clone, Copy)]
pub struct InventoryInputs<'a> {
    /// Both catalogues keyed by exact SKU (with Stokly composite components).
    pub index: &'a crate::domain::catalogue::SkuIndex,
    /// Rows of Stokly's `/v1/inventory-records` (any mix of levels).
    pub stokly_records: &'a [crate::stokly::model::InventoryRecord],
    /// Which Stokly locations feed which Shopify location.
    pub locations: &'a LocationMap,
    /// Safety buffers.
    pub buffers: &'a BufferRules,
    /// Shopify orders captured but not yet in Stokly.
    pub in_flight: &'a [InFlightDemand],
    /// Shopify's current `available` levels.
    pub shopify_levels: &'a [ShopifyStockLevel],
}

#[cfg(test)]
mod tests;
