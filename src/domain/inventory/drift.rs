//! Drift: what Stokly says against what Shopify shows, each difference with its cause.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::availability::AvailabilityCalculator;
use super::echo::{InventoryLevelUpdate, PushedLevel};
use super::finding::InventoryFinding;
use super::plan::{ComputedLevel, Filter, SkipKind, evaluate};
use super::{InventoryInputs, InventoryScope, ShopifyStockLevel};
use crate::shopify::{InventoryItemId, LocationId as ShopifyLocationId, ProductVariantId};

/// Why Shopify's `available` differs from Stokly's stock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DriftCause {
    /// Shopify orders not yet in Stokly account for the difference.
    InFlightOrders,
    /// The safety buffer (with any in-flight orders) accounts for it: Shopify shows what we
    /// mean it to.
    Buffer,
    /// The level is at a Shopify location no Stokly location feeds.
    UnmappedLocation,
    /// The variant's SKU names no single active Stokly item.
    UnknownSku,
    /// Shopify does not track the item.
    UntrackedItem,
    /// A Shopify native bundle parent, derived by Shopify.
    BundleParent,
    /// The level was changed in Shopify by something other than our push.
    ChangedInShopify,
    /// Nothing above explains it (the next push corrects it).
    Unexplained,
}

impl DriftCause {
    /// Every cause, in report order.
    pub const ALL: [DriftCause; 8] = [
        Self::InFlightOrders,
        Self::Buffer,
        Self::UnmappedLocation,
        Self::UnknownSku,
        Self::UntrackedItem,
        Self::BundleParent,
        Self::ChangedInShopify,
        Self::Unexplained,
    ];

    /// How reports name it.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::InFlightOrders => "in-flight orders",
            Self::Buffer => "buffer",
            Self::UnmappedLocation => "unmapped location",
            Self::UnknownSku => "unknown SKU",
            Self::UntrackedItem => "untracked item",
            Self::BundleParent => "bundle parent",
            Self::ChangedInShopify => "changed in Shopify by someone else",
            Self::Unexplained => "unexplained",
        }
    }
}

/// One level where Shopify differs from Stokly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DriftEntry {
    /// The variant's SKU.
    pub sku: Option<String>,
    /// The variant.
    pub variant_id: ProductVariantId,
    /// Its inventory item.
    pub inventory_item_id: InventoryItemId,
    /// The Shopify location.
    pub location_id: ShopifyLocationId,
    /// What Stokly holds for sale there (`None` when nothing is compared: unmapped location,
    /// unknown SKU, untracked item, bundle parent).
    pub stokly: Option<i64>,
    /// Units on Shopify orders not yet in Stokly.
    pub in_flight: i64,
    /// Units held back by the buffer.
    pub buffer: i64,
    /// What we would set (`None` when not compared).
    pub target: Option<i64>,
    /// Shopify's `available`.
    pub shopify: i64,
    /// Why they differ.
    pub cause: DriftCause,
}

/// What a drift report may use to tell our changes from others'.
#[derive(Debug, Clone, Copy, Default)]
pub struct DriftEvidence<'a> {
    /// Levels we pushed (most recent per level wins).
    pub pushed: &'a [PushedLevel],
    /// `inventory_levels/update` webhooks that were not our echo
    /// (see [`super::classify_level_update`]).
    pub foreign_updates: &'a [InventoryLevelUpdate],
}

/// Counts of a drift report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DriftSummary {
    /// Levels compared.
    pub compared: usize,
    /// Levels where Shopify equals Stokly.
    pub in_sync: usize,
    /// Differences per cause.
    pub by_cause: BTreeMap<DriftCause, usize>,
}

/// Expected against Shopify per SKU and location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DriftReport {
    /// When it was made.
    pub generated_at: DateTime<Utc>,
    /// The differences, by location, SKU and variant.
    pub entries: Vec<DriftEntry>,
    /// Findings met on the way (problems that stop a level being compared).
    pub findings: Vec<InventoryFinding>,
    /// Counts.
    pub summary: DriftSummary,
}

/// Compares every level Shopify holds with what Stokly says, and classifies each
/// difference. Levels blocked by a problem (a fractional quantity, an ambiguous SKU...) are
/// not entries; their findings are.
#[must_use]
pub fn report_drift(
    inputs: InventoryInputs<'_>,
    evidence: DriftEvidence<'_>,
    now: DateTime<Utc>,
) -> DriftReport {
    let calculator = AvailabilityCalculator::new(inputs);
    let scope = InventoryScope::All;
    let filter = Filter::from_scope(&inputs, &scope);
    let evaluation = evaluate(&inputs, &calculator, &filter);
    let mut latest_push: BTreeMap<(u64, u64), &PushedLevel> = BTreeMap::new();
    for push in evidence.pushed {
        let key = (
            push.inventory_item_id.numeric_id(),
            push.location_id.numeric_id(),
        );
        let slot = latest_push.entry(key).or_insert(push);
        if push.pushed_at > slot.pushed_at {
            *slot = push;
        }
    }
    let changed_elsewhere = |level: &ShopifyStockLevel| {
        let key = (
            level.inventory_item_id.numeric_id(),
            level.location_id.numeric_id(),
        );
        let foreign = evidence.foreign_updates.iter().any(|u| {
            (u.inventory_item_id, u.location_id) == key && u.available == Some(level.available)
        });
        let after_our_push = latest_push
            .get(&key)
            .is_some_and(|p| p.quantity != level.available && level.updated_at > p.pushed_at);
        foreign || after_our_push
    };

    let mut summary = DriftSummary {
        compared: evaluation.computed.len(),
        ..DriftSummary::default()
    };
    let mut entries = Vec::new();
    for computed in &evaluation.computed {
        let ComputedLevel {
            variant,
            level,
            availability: a,
            ..
        } = computed;
        if level.available == a.stock {
            summary.in_sync += 1;
            continue;
        }
        let cause = if explained_by_in_flight(level.available, a.stock, a.in_flight) {
            DriftCause::InFlightOrders
        } else if level.available == a.available && a.buffer > 0 {
            DriftCause::Buffer
        } else if level.available == a.available && a.in_flight > 0 {
            DriftCause::InFlightOrders
        } else if changed_elsewhere(level) {
            DriftCause::ChangedInShopify
        } else {
            DriftCause::Unexplained
        };
        entries.push(DriftEntry {
            sku: variant.sku.clone(),
            variant_id: variant.id.clone(),
            inventory_item_id: level.inventory_item_id.clone(),
            location_id: level.location_id.clone(),
            stokly: Some(a.stock),
            in_flight: a.in_flight,
            buffer: a.buffer,
            target: Some(a.available),
            shopify: level.available,
            cause,
        });
    }
    for skipped in &evaluation.skipped {
        let cause = match skipped.kind {
            SkipKind::NativeBundleParent => DriftCause::BundleParent,
            SkipKind::Untracked => DriftCause::UntrackedItem,
            SkipKind::UnmappedLocation => DriftCause::UnmappedLocation,
            SkipKind::UnknownSku => DriftCause::UnknownSku,
            SkipKind::Problem => continue,
        };
        entries.push(DriftEntry {
            sku: skipped.variant.sku.clone(),
            variant_id: skipped.variant.id.clone(),
            inventory_item_id: skipped.level.inventory_item_id.clone(),
            location_id: skipped.level.location_id.clone(),
            stokly: None,
            in_flight: 0,
            buffer: 0,
            target: None,
            shopify: skipped.level.available,
            cause,
        });
    }
    entries.sort_by(|a, b| {
        (
            a.location_id.numeric_id(),
            &a.sku,
            a.variant_id.numeric_id(),
        )
            .cmp(&(
                b.location_id.numeric_id(),
                &b.sku,
                b.variant_id.numeric_id(),
            ))
    });
    for entry in &entries {
        *summary.by_cause.entry(entry.cause).or_default() += 1;
    }
    DriftReport {
        generated_at: now,
        entries,
        findings: evaluation.findings,
        summary,
    }
}

/// Whether Shopify's `available` is Stokly's `stock` less the in-flight units exactly. The
/// difference is checked: in-flight demand may be as large as `i64::MAX`.
pub(crate) fn explained_by_in_flight(available: i64, stock: i64, in_flight: i64) -> bool {
    in_flight > 0 && stock.checked_sub(in_flight) == Some(available)
}
