//! The push plan: `inventorySetQuantities` batches for the levels that differ.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::availability::{Availability, AvailabilityCalculator};
use super::finding::{InventoryFinding, ItemRef, VariantRef};
use super::{
    InventoryInputs, InventoryScope, MAX_QUANTITIES_PER_BATCH, ShopifyStockLevel, SyncRun,
};
use crate::domain::catalogue::{NO_SKU, ShopifyEntry, StoklyEntry, StoklyMatch};
#[cfg(doc)]
use crate::shopify::idempotency_key;
use crate::shopify::model::{InventoryQuantityInput, InventorySetQuantitiesInput, QuantityName};
use crate::shopify::{
    InventoryItemId, LocationId as ShopifyLocationId, ProductVariantId, UserError,
};
use crate::stokly::ItemId;

/// The operation name the Shopify client sends `inventorySetQuantities` under; it enters the
/// idempotency key.
pub const SET_QUANTITIES_OPERATION: &str = InventorySetQuantitiesInput::OPERATION;

/// The reason every planned quantity is set with.
const REASON: &str = "correction";

/// One level the plan changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PlannedLevel {
    /// The SKU shared by the variant and the item.
    pub sku: String,
    /// The Shopify variant.
    pub variant_id: ProductVariantId,
    /// The Stokly item.
    pub item_id: ItemId,
    /// The variant's inventory item.
    pub inventory_item_id: InventoryItemId,
    /// The Shopify location.
    pub location_id: ShopifyLocationId,
    /// Shopify's `available` the plan was computed from (sent as `changeFromQuantity`).
    pub shopify_available: i64,
    /// The new `available`.
    pub target: i64,
    /// How the target was reached.
    pub availability: Availability,
}

/// One `inventorySetQuantities` call: its input, the key the client sends with it, and the
/// level behind each quantity (same order as `input.quantities`, so a `userErrors` index
/// names a level).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct InventoryPushBatch {
    /// `idempotency_key("InventorySetQuantities", {"input": input})`: exactly what
    /// [`crate::shopify::Client::set_inventory_quantities`] sends in `@idempotent(key:)`.
    pub idempotency_key: String,
    /// The mutation input: name `available`, reason `correction`, the run's reference
    /// document, at most 250 quantities with `changeFromQuantity`.
    pub input: InventorySetQuantitiesInput,
    /// The level behind each quantity.
    pub levels: Vec<PlannedLevel>,
}

/// Counts of what a plan looked at.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PlanSummary {
    /// Shopify variants whose levels were compared.
    pub variants_compared: usize,
    /// Levels compared with Shopify.
    pub levels_compared: usize,
    /// Levels already right.
    pub unchanged: usize,
    /// Levels to change.
    pub changed: usize,
    /// Shopify levels in scope that are not written (see the findings).
    pub levels_skipped: usize,
    /// `inventorySetQuantities` calls.
    pub batches: usize,
}

/// What to write to Shopify, and why the rest is not written. A work item:
/// `Serialize + Deserialize`, and the same inputs give a byte-identical plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct InventoryPushPlan {
    /// The run (names the reference document).
    pub run: SyncRun,
    /// What was planned.
    pub scope: InventoryScope,
    /// The calls to make, in order.
    pub batches: Vec<InventoryPushBatch>,
    /// Skips and problems, sorted, each once.
    pub findings: Vec<InventoryFinding>,
    /// Counts.
    pub summary: PlanSummary,
}

impl InventoryPushPlan {
    /// Every planned level, batch after batch.
    pub fn levels(&self) -> impl Iterator<Item = &PlannedLevel> {
        self.batches.iter().flat_map(|b| b.levels.iter())
    }

    /// Whether there is nothing to write.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.batches.is_empty()
    }
}

/// A quantity whose compare-and-set failed: batch `batch` of a plan, quantity `index`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct StaleQuantity {
    /// The batch's position in [`InventoryPushPlan::batches`].
    pub batch: usize,
    /// The quantity's position in the batch.
    pub index: usize,
}

/// The quantities of batch `batch` that `user_errors` reject as stale
/// (`CHANGE_FROM_QUANTITY_STALE`, or `COMPARE_QUANTITY_STALE` from older API versions).
#[must_use]
pub fn stale_quantities(batch: usize, user_errors: &[UserError]) -> Vec<StaleQuantity> {
    let mut stale: Vec<StaleQuantity> = user_errors
        .iter()
        .filter(|e| e.is_stale())
        .filter_map(UserError::input_index)
        .map(|index| StaleQuantity { batch, index })
        .collect();
    stale.sort_unstable();
    stale.dedup();
    stale
}

/// Why a Shopify level in scope is not compared (drift classifies by it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SkipKind {
    NativeBundleParent,
    Untracked,
    UnmappedLocation,
    UnknownSku,
    Problem,
}

pub(crate) struct ComputedLevel<'a> {
    pub(crate) variant: &'a ShopifyEntry,
    pub(crate) item: &'a StoklyEntry,
    pub(crate) level: &'a ShopifyStockLevel,
    pub(crate) availability: Availability,
}

pub(crate) struct SkippedLevel<'a> {
    pub(crate) variant: &'a ShopifyEntry,
    pub(crate) level: &'a ShopifyStockLevel,
    pub(crate) kind: SkipKind,
}

pub(crate) struct Evaluation<'a> {
    pub(crate) computed: Vec<ComputedLevel<'a>>,
    pub(crate) skipped: Vec<SkippedLevel<'a>>,
    pub(crate) findings: Vec<InventoryFinding>,
    pub(crate) variants_compared: usize,
}

/// Which levels an evaluation covers.
pub(crate) struct Filter<'a> {
    items: Option<HashSet<&'a ItemId>>,
    levels: Option<HashSet<(&'a InventoryItemId, &'a ShopifyLocationId)>>,
}

impl<'a> Filter<'a> {
    pub(crate) fn from_scope(inputs: &InventoryInputs<'a>, scope: &'a InventoryScope) -> Self {
        match scope {
            InventoryScope::All => Self {
                items: None,
                levels: None,
            },
            InventoryScope::Items(changed) => {
                let mut items: HashSet<&'a ItemId> = changed.iter().collect();
                // The composites that contain a changed item change with it.
                for entry in inputs.index.stokly_items() {
                    if !entry.is_composite() {
                        continue;
                    }
                    if let Some(lines) = inputs.index.components(&entry.id) {
                        if lines.iter().any(|l| changed.contains(&l.item_id)) {
                            items.insert(&entry.id);
                        }
                    }
                }
                Self {
                    items: Some(items),
                    levels: None,
                }
            }
        }
    }
}

pub(crate) fn evaluate<'a>(
    inputs: &InventoryInputs<'a>,
    calculator: &AvailabilityCalculator<'a>,
    filter: &Filter<'_>,
) -> Evaluation<'a> {
    let locations = calculator.mapped_locations();
    // Per inventory item, the first level at each location, in input order: a list through
    // `slots` from `first` to `last`. Each level's mapped location (by index in
    // `locations`) is found once.
    struct Slot<'a> {
        level: &'a ShopifyStockLevel,
        mapped: Option<usize>,
        next: usize,
    }
    let mut slots: Vec<Slot<'a>> = Vec::with_capacity(inputs.shopify_levels.len());
    let mut levels_by_item: HashMap<&InventoryItemId, (usize, usize)> =
        HashMap::with_capacity(inputs.shopify_levels.len());
    for level in inputs.shopify_levels {
        let position = slots.len();
        match levels_by_item.entry(&level.inventory_item_id) {
            Entry::Vacant(vacant) => {
                vacant.insert((position, position));
            }
            Entry::Occupied(mut occupied) => {
                let (first, last) = *occupied.get();
                let mut at = first;
                let mut seen = false;
                while let Some(slot) = slots.get(at) {
                    if slot.level.location_id == level.location_id {
                        seen = true;
                        break;
                    }
                    at = slot.next;
                }
                if seen {
                    continue;
                }
                if let Some(slot) = slots.get_mut(last) {
                    slot.next = position;
                }
                occupied.get_mut().1 = position;
            }
        }
        slots.push(Slot {
            level,
            mapped: locations.iter().position(|l| l.id == &level.location_id),
            next: usize::MAX,
        });
    }
    let mut computed = Vec::new();
    let mut skipped = Vec::new();
    let mut findings: Vec<InventoryFinding> = calculator.demand_findings().to_vec();
    let mut unmapped: BTreeMap<&ShopifyLocationId, usize> = BTreeMap::new();
    let mut variants_compared = 0;
    let mut levels: Vec<(&'a ShopifyStockLevel, Option<usize>)> = Vec::new();
    let sku_numbers = inputs.index.shopify_sku_numbers();

    for (position, variant) in inputs.index.shopify_variants().iter().enumerate() {
        levels.clear();
        let mut at = levels_by_item
            .get(&variant.inventory_item_id)
            .map_or(usize::MAX, |&(first, _)| first);
        while let Some(slot) = slots.get(at) {
            let wanted = filter.levels.as_ref().is_none_or(|wanted| {
                wanted.contains(&(&slot.level.inventory_item_id, &slot.level.location_id))
            });
            if wanted {
                levels.push((slot.level, slot.mapped));
            }
            at = slot.next;
        }
        if filter.levels.is_some() && levels.is_empty() {
            continue;
        }
        let number = sku_numbers.get(position).copied().unwrap_or(NO_SKU);
        let matched = inputs.index.match_number(number);
        if let Some(items) = &filter.items {
            match &matched {
                StoklyMatch::Unique(item) if items.contains(&item.id) => {}
                _ => continue,
            }
        }
        let skip_all = |kind: SkipKind, skipped: &mut Vec<SkippedLevel<'a>>| {
            skipped.extend(levels.iter().map(|&(level, _)| SkippedLevel {
                variant,
                level,
                kind,
            }));
        };
        if variant.requires_components {
            findings.push(InventoryFinding::NativeBundleParent {
                variant: VariantRef::of(variant),
            });
            skip_all(SkipKind::NativeBundleParent, &mut skipped);
            continue;
        }
        if !variant.tracked {
            findings.push(InventoryFinding::UntrackedItem {
                variant: VariantRef::of(variant),
            });
            skip_all(SkipKind::Untracked, &mut skipped);
            continue;
        }
        let item = match sku_match(inputs, variant, number, matched) {
            Ok(item) => item,
            Err(finding) => {
                findings.push(finding);
                skip_all(SkipKind::UnknownSku, &mut skipped);
                continue;
            }
        };
        variants_compared += 1;
        let facts = calculator.item_facts(item);
        for (index, location) in locations.iter().enumerate() {
            if let Some(wanted) = &filter.levels {
                if !wanted.contains(&(&variant.inventory_item_id, location.id)) {
                    continue;
                }
            }
            let Some(level) = levels
                .iter()
                .find(|&&(_, mapped)| mapped == Some(index))
                .map(|&(level, _)| level)
            else {
                findings.push(InventoryFinding::NotStockedAtLocation {
                    variant: VariantRef::of(variant),
                    location: location.id.clone(),
                });
                continue;
            };
            match calculator.availability_at(item, &facts, location) {
                Ok(availability) => {
                    if availability.stock < 0 {
                        findings.push(InventoryFinding::NegativeStock {
                            item: ItemRef::of(item),
                            location: location.id.clone(),
                            quantity: availability.stock,
                        });
                    }
                    computed.push(ComputedLevel {
                        variant,
                        item,
                        level,
                        availability,
                    });
                }
                Err(finding) => {
                    findings.push(finding);
                    skipped.push(SkippedLevel {
                        variant,
                        level,
                        kind: SkipKind::Problem,
                    });
                }
            }
        }
        for &(level, mapped) in &levels {
            if mapped.is_none() {
                *unmapped.entry(&level.location_id).or_default() += 1;
                skipped.push(SkippedLevel {
                    variant,
                    level,
                    kind: SkipKind::UnmappedLocation,
                });
            }
        }
    }
    findings.extend(unmapped.into_iter().map(|(location, levels)| {
        InventoryFinding::UnmappedLocation {
            location: location.clone(),
            levels,
        }
    }));
    let findings: BTreeSet<InventoryFinding> = findings.into_iter().collect();
    Evaluation {
        computed,
        skipped,
        findings: findings.into_iter().collect(),
        variants_compared,
    }
}

/// The single active Stokly item a variant's SKU names, or the finding that says why not.
fn sku_match<'a>(
    inputs: &InventoryInputs<'a>,
    variant: &ShopifyEntry,
    number: u32,
    matched: StoklyMatch<'a>,
) -> Result<&'a StoklyEntry, InventoryFinding> {
    let Some(sku) = inputs.index.sku_of_number(number) else {
        return Err(InventoryFinding::BlankSku {
            variant: VariantRef::of(variant),
        });
    };
    if inputs
        .index
        .sku_group(number)
        .is_some_and(|group| group.shopify.len > 1)
    {
        let mut variants: Vec<VariantRef> = inputs
            .index
            .shopify_with_sku(sku)
            .map(VariantRef::of)
            .collect();
        variants.sort();
        return Err(InventoryFinding::DuplicateShopifySku {
            sku: sku.to_owned(),
            variants,
        });
    }
    let items = |entries: Vec<&StoklyEntry>| {
        let mut items: Vec<ItemRef> = entries.into_iter().map(ItemRef::of).collect();
        items.sort();
        items
    };
    match matched {
        StoklyMatch::Unique(item) if item.is_variable_parent() => {
            Err(InventoryFinding::VariableParentSku {
                variant: VariantRef::of(variant),
                item: ItemRef::of(item),
            })
        }
        StoklyMatch::Unique(item) => Ok(item),
        StoklyMatch::Ambiguous(entries) => Err(InventoryFinding::AmbiguousStoklySku {
            variant: VariantRef::of(variant),
            items: items(entries),
        }),
        StoklyMatch::DeletedOnly(entries) => Err(InventoryFinding::DeletedInStokly {
            variant: VariantRef::of(variant),
            items: items(entries),
        }),
        StoklyMatch::Blank => Err(InventoryFinding::BlankSku {
            variant: VariantRef::of(variant),
        }),
        StoklyMatch::NotFound => Err(InventoryFinding::UnknownSku {
            variant: VariantRef::of(variant),
        }),
    }
}

/// Plans the push of Stokly's stock to Shopify.
///
/// Compares the computed `available` (see the [module docs](super)) with Shopify's current
/// `available` for every variant in `scope` and every mapped Shopify location, and plans the
/// levels that differ, sorted by location and inventory item, in batches of at most 250.
/// Each quantity carries `changeFromQuantity` = the Shopify value it was computed from, so a
/// level changed in Shopify meanwhile is rejected (`CHANGE_FROM_QUANTITY_STALE`) rather than
/// overwritten; re-plan those with [`replan_stale_levels`]. Native bundle parents, untracked
/// items and unmapped locations are never written; every skip and problem is a finding.
///
/// With [`InventoryScope::Items`] only the variants of those items, and of the composites
/// that contain them, are planned (findings about other variants are not repeated).
#[must_use]
pub fn plan_inventory_push(
    inputs: InventoryInputs<'_>,
    scope: &InventoryScope,
    run: &SyncRun,
) -> InventoryPushPlan {
    let calculator = AvailabilityCalculator::new(inputs);
    let filter = Filter::from_scope(&inputs, scope);
    let evaluation = evaluate(&inputs, &calculator, &filter);
    build_plan(
        evaluation,
        scope.clone(),
        run.clone(),
        MAX_QUANTITIES_PER_BATCH,
    )
}

fn build_plan(
    evaluation: Evaluation<'_>,
    scope: InventoryScope,
    run: SyncRun,
    batch_size: usize,
) -> InventoryPushPlan {
    let Evaluation {
        computed,
        skipped,
        mut findings,
        variants_compared,
    } = evaluation;
    let levels_compared = computed.len();
    // Sorted by location and inventory item (then as evaluated) on small keys; each planned
    // level is built once, in its final place.
    let mut order: Vec<(u64, u64, usize)> = computed
        .iter()
        .enumerate()
        .filter(|(_, c)| c.level.available != c.availability.available)
        .map(|(i, c)| {
            (
                c.level.location_id.numeric_id(),
                c.level.inventory_item_id.numeric_id(),
                i,
            )
        })
        .collect();
    order.sort_unstable();
    let changed = order.len();
    let mut computed: Vec<Option<ComputedLevel<'_>>> = computed.into_iter().map(Some).collect();
    let changes = order
        .into_iter()
        .filter_map(|(_, _, i)| computed.get_mut(i).and_then(Option::take))
        .map(|c| PlannedLevel {
            sku: c.item.usable_sku().unwrap_or_default().to_owned(),
            variant_id: c.variant.id.clone(),
            item_id: c.item.id.clone(),
            inventory_item_id: c.level.inventory_item_id.clone(),
            location_id: c.level.location_id.clone(),
            shopify_available: c.level.available,
            target: c.availability.available,
            availability: c.availability,
        })
        .collect();
    let (batches, unencodable) = batch_levels(&run, changes, batch_size);
    findings.extend(unencodable);
    let summary = PlanSummary {
        variants_compared,
        levels_compared,
        unchanged: levels_compared - changed,
        changed,
        levels_skipped: skipped.len(),
        batches: batches.len(),
    };
    InventoryPushPlan {
        run,
        scope,
        batches,
        findings,
        summary,
    }
}

/// `levels` in `inventorySetQuantities` batches of at most `size` (1 to 250; other values
/// are brought into that range), in the order given, each exactly as a plan of `run` makes
/// them: name `available`, reason `correction`, the run's reference document,
/// `changeFromQuantity` = the Shopify value each level was planned from, and the key the
/// client will send. A batch whose input cannot be encoded is left out with a finding.
///
/// What a push uses to resend the quantities of a refused batch that were not themselves
/// refused, in smaller batches of their own.
#[must_use]
pub fn batch_levels(
    run: &SyncRun,
    levels: Vec<PlannedLevel>,
    size: usize,
) -> (Vec<InventoryPushBatch>, Vec<InventoryFinding>) {
    let size = size.clamp(1, MAX_QUANTITIES_PER_BATCH);
    let uri = run.reference_document_uri();
    let mut batches = Vec::with_capacity(levels.len().div_ceil(size));
    let mut findings = Vec::new();
    let mut buffer = Vec::new();
    let mut changes = levels.into_iter().peekable();
    while changes.peek().is_some() {
        let levels: Vec<PlannedLevel> = changes.by_ref().take(size).collect();
        let mut input = InventorySetQuantitiesInput::new(QuantityName::Available, REASON)
            .with_reference_document_uri(uri.clone());
        input.quantities = levels
            .iter()
            .map(|l| {
                InventoryQuantityInput::new(
                    l.inventory_item_id.clone(),
                    l.location_id.clone(),
                    l.target,
                    Some(l.shopify_available),
                )
            })
            .collect();
        match input.idempotency_key_with(&mut buffer) {
            Ok(idempotency_key) => batches.push(InventoryPushBatch {
                idempotency_key,
                input,
                levels,
            }),
            Err(error) => findings.push(InventoryFinding::BatchNotEncodable {
                message: error.to_string(),
            }),
        }
    }
    (batches, findings)
}

/// Re-plans only the quantities of `previous` whose compare-and-set failed, from fresh
/// inputs (fresh Shopify levels, and fresh Stokly stock and in-flight demand when the caller
/// has them).
///
/// Each stale level's target is recomputed and compared with Shopify's fresh value, so a
/// change made in Shopify meanwhile (an order, say) is taken into account rather than
/// overwritten; a level that is now right drops out. The run becomes
/// `<previous run>.retry-<attempt>`, so the new batches never reuse an earlier idempotency
/// key even when their content happens to repeat. Stale positions that name no planned
/// level are ignored.
#[must_use]
pub fn replan_stale_levels(
    previous: &InventoryPushPlan,
    stale: &[StaleQuantity],
    fresh: InventoryInputs<'_>,
    attempt: u32,
) -> InventoryPushPlan {
    let stale_levels: Vec<&PlannedLevel> = stale
        .iter()
        .filter_map(|s| previous.batches.get(s.batch)?.levels.get(s.index))
        .collect();
    replan_levels(
        &previous.run,
        &stale_levels,
        fresh,
        attempt,
        MAX_QUANTITIES_PER_BATCH,
    )
}

/// Re-plans `stale` levels of a plan of `run` from fresh inputs, as [`replan_stale_levels`]
/// does, in batches of at most `batch_size` (1 to 250): levels that just went stale are
/// likely to be sold again, so a push sends them in small batches of their own, where one
/// more sale refuses few other quantities. The run becomes `<run>.retry-<attempt>`.
#[must_use]
pub fn replan_levels(
    run: &SyncRun,
    stale: &[&PlannedLevel],
    fresh: InventoryInputs<'_>,
    attempt: u32,
    batch_size: usize,
) -> InventoryPushPlan {
    let scope = InventoryScope::Items(stale.iter().map(|l| l.item_id.clone()).collect());
    let filter = Filter {
        items: None,
        levels: Some(
            stale
                .iter()
                .map(|l| (&l.inventory_item_id, &l.location_id))
                .collect(),
        ),
    };
    let calculator = AvailabilityCalculator::new(fresh);
    let evaluation = evaluate(&fresh, &calculator, &filter);
    let run = SyncRun::new(&format!("{}.retry-{attempt}", run.id()));
    build_plan(evaluation, scope, run, batch_size)
}
