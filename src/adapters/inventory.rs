//! Reading stock on both sides and applying an inventory push plan, with bounded
//! compare-and-set re-plans.

use std::collections::BTreeSet;

use futures::TryStreamExt;

use crate::domain::inventory::{
    BufferRules, InFlightDemand, InventoryFinding, InventoryInputs, InventoryPushPlan,
    InventoryScope, LocationMap, PlannedLevel, ShopifyStockLevel, StaleQuantity, SyncRun,
    plan_inventory_push, replan_stale_levels, stale_quantities,
};
use crate::domain::sku::SkuIndex;
use crate::shopify::model::QuantityName;
use crate::shopify::{self, InventoryItemId, PageOptions, UserError};
use crate::stokly::ItemId;
use crate::stokly::model::InventoryRecord;
use crate::stokly::{self, ListQuery};

/// Everything a push needs besides the two systems' stock.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct InventoryContext<'a> {
    /// The SKU index (from [`super::catalogue::read_catalogue`]).
    pub index: &'a SkuIndex,
    /// Which Stokly locations feed each Shopify location.
    pub locations: &'a LocationMap,
    /// Safety buffers.
    pub buffers: &'a BufferRules,
    /// Orders captured in Shopify but not yet posted to Stokly.
    pub in_flight: &'a [InFlightDemand],
}

impl<'a> InventoryContext<'a> {
    /// A context with no buffers and no in-flight demand.
    #[must_use]
    pub fn new(
        index: &'a SkuIndex,
        locations: &'a LocationMap,
        buffers: &'a BufferRules,
        in_flight: &'a [InFlightDemand],
    ) -> Self {
        Self {
            index,
            locations,
            buffers,
            in_flight,
        }
    }

    fn inputs(
        &self,
        stokly_records: &'a [InventoryRecord],
        shopify_levels: &'a [ShopifyStockLevel],
    ) -> InventoryInputs<'a> {
        InventoryInputs {
            index: self.index,
            stokly_records,
            locations: self.locations,
            buffers: self.buffers,
            in_flight: self.in_flight,
            shopify_levels,
        }
    }
}

/// What applying a plan did.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct InventoryPushReport {
    /// `inventorySetQuantities` calls made.
    pub calls: usize,
    /// Quantities Shopify accepted.
    pub written: usize,
    /// Quantities refused as stale (someone changed them since they were read) and planned
    /// again from fresh levels.
    pub replanned: usize,
    /// Quantities still stale after the last allowed re-plan.
    pub still_stale: Vec<PlannedLevel>,
    /// Quantities Shopify refused for another reason, with its error. An error naming no
    /// quantity (batch-wide) is paired with every level of its batch, which is not re-planned.
    pub rejected: Vec<(PlannedLevel, UserError)>,
    /// The first plan's findings (skips and problems, each with an owner).
    pub findings: Vec<InventoryFinding>,
}

/// Every Stokly inventory record (all levels; the domain picks the right ones).
///
/// # Errors
/// The Stokly client's errors.
pub async fn read_stokly_records(
    stokly: &stokly::Client,
) -> Result<Vec<InventoryRecord>, crate::Error> {
    Ok(stokly
        .inventory_records(ListQuery::new().page_size(1000))
        .try_collect()
        .await?)
}

/// The Stokly items an event-driven push of `changed` covers: those items and the
/// composites that contain one of them.
fn stokly_items_in_scope(index: &SkuIndex, changed: &BTreeSet<ItemId>) -> BTreeSet<ItemId> {
    let mut scope = changed.clone();
    for entry in index.stokly_items() {
        let contains_changed = entry.is_composite()
            && index
                .components(&entry.id)
                .is_some_and(|lines| lines.iter().any(|l| changed.contains(&l.item_id)));
        if contains_changed {
            scope.insert(entry.id.clone());
        }
    }
    scope
}

/// Stokly inventory records of the items an event-driven push of `changed` needs: the
/// changed items, the composites containing them, and those composites' components (whose
/// stock makes a composite's availability). Read with `[itemId]=*{...}`, 200 items per
/// request.
///
/// # Errors
/// The Stokly client's errors.
pub async fn read_stokly_records_for(
    stokly: &stokly::Client,
    index: &SkuIndex,
    changed: &BTreeSet<ItemId>,
) -> Result<Vec<InventoryRecord>, crate::Error> {
    let mut needed = stokly_items_in_scope(index, changed);
    let composites: Vec<ItemId> = needed.iter().cloned().collect();
    for composite in &composites {
        if let Some(lines) = index.components(composite) {
            needed.extend(lines.iter().map(|l| l.item_id.clone()));
        }
    }
    let needed: Vec<&str> = needed.iter().map(ItemId::as_str).collect();
    let mut records = Vec::new();
    for chunk in needed.chunks(STOKLY_ITEMS_PER_FILTER) {
        let filter = stokly::Filter::field("itemId")
            .in_list(chunk.iter().copied())
            .map_err(stokly::Error::from)?;
        let page: Vec<InventoryRecord> = stokly
            .inventory_records(ListQuery::new().page_size(1000).filter(filter))
            .try_collect()
            .await?;
        records.extend(page);
    }
    Ok(records)
}

/// Item IDs per `[itemId]=*{...}` filter (the largest list seen in use).
const STOKLY_ITEMS_PER_FILTER: usize = 200;

/// The `available` quantity of every item at every mapped Shopify location.
///
/// # Errors
/// The Shopify client's errors.
pub async fn read_shopify_levels(
    shopify: &shopify::Client,
    locations: &LocationMap,
) -> Result<Vec<ShopifyStockLevel>, crate::Error> {
    let mut levels = Vec::new();
    for location in locations.shopify_locations() {
        let read: Vec<_> = shopify
            .inventory_levels(location, &[QuantityName::Available], PageOptions::default())
            .try_collect()
            .await?;
        levels.extend(
            read.iter()
                .filter_map(|level| ShopifyStockLevel::from_level(location, level)),
        );
    }
    Ok(levels)
}

/// The `available` quantity of `items` at every mapped Shopify location, read by level ID
/// (100 per query) instead of location by location: an event-driven push of a few changed
/// items costs a few points, not a read of the whole shop.
///
/// # Errors
/// The Shopify client's errors.
pub async fn read_shopify_levels_of(
    shopify: &shopify::Client,
    locations: &LocationMap,
    items: &[InventoryItemId],
) -> Result<Vec<ShopifyStockLevel>, crate::Error> {
    if items.is_empty() {
        return Ok(Vec::new());
    }
    let mapped: Vec<_> = locations.shopify_locations().cloned().collect();
    let read = shopify
        .inventory_levels_by_id(items, &mapped, &[QuantityName::Available])
        .await?;
    Ok(read
        .iter()
        .filter_map(|(location, level)| ShopifyStockLevel::from_level(location, level))
        .collect())
}

/// The Shopify inventory items an event-driven push of `changed` Stokly items can write:
/// the variants whose SKU is held by a changed item or by a composite containing one (the
/// scope [`InventoryScope::Items`] plans).
#[must_use]
pub fn inventory_items_in_scope(
    index: &SkuIndex,
    changed: &BTreeSet<ItemId>,
) -> Vec<InventoryItemId> {
    let mut items = BTreeSet::new();
    for id in &stokly_items_in_scope(index, changed) {
        let Some(sku) = index.stokly_item(id).and_then(|e| e.usable_sku()) else {
            continue;
        };
        for variant in index.shopify_with_sku(sku) {
            items.insert(variant.inventory_item_id.clone());
        }
    }
    items.into_iter().collect()
}

/// Reads both sides, plans and applies (see [`apply_inventory_plan`]).
///
/// # Errors
/// The clients' errors.
pub async fn push_inventory(
    shopify: &shopify::Client,
    stokly: &stokly::Client,
    context: InventoryContext<'_>,
    scope: &InventoryScope,
    run: &SyncRun,
    max_replans: u32,
) -> Result<InventoryPushReport, crate::Error> {
    let (records, levels) = match scope {
        InventoryScope::Items(changed) => {
            let items = inventory_items_in_scope(context.index, changed);
            (
                read_stokly_records_for(stokly, context.index, changed).await?,
                read_shopify_levels_of(shopify, context.locations, &items).await?,
            )
        }
        _ => (
            read_stokly_records(stokly).await?,
            read_shopify_levels(shopify, context.locations).await?,
        ),
    };
    let plan = plan_inventory_push(context.inputs(&records, &levels), scope, run);
    apply_inventory_plan(shopify, context, &records, plan, max_replans).await
}

/// Sends every batch of `plan`. Quantities refused as `CHANGE_FROM_QUANTITY_STALE` are planned
/// again from freshly read Shopify levels (and the same Stokly records), at most
/// `max_replans` times; whatever is still stale then is reported, never forced. A batch
/// refused with a user error that names no quantity is rejected whole (each level with that
/// error, and with any error naming it) and not planned again.
///
/// # Errors
/// The Shopify client's errors (a batch already sent stays applied; the plan's idempotency
/// keys make sending it again harmless).
pub async fn apply_inventory_plan(
    shopify: &shopify::Client,
    context: InventoryContext<'_>,
    stokly_records: &[InventoryRecord],
    plan: InventoryPushPlan,
    max_replans: u32,
) -> Result<InventoryPushReport, crate::Error> {
    let mut report = InventoryPushReport {
        findings: plan.findings.clone(),
        ..InventoryPushReport::default()
    };
    let mut plan = plan;
    let mut attempt = 0;
    loop {
        let mut stale: Vec<StaleQuantity> = Vec::new();
        for (b, batch) in plan.batches.iter().enumerate() {
            let payload = shopify.set_inventory_quantities(&batch.input).await?;
            report.calls += 1;
            if payload.user_errors.is_empty() {
                report.written += batch.levels.len();
                continue;
            }
            // All or nothing: a refused batch wrote none of its quantities.
            let batch_wide: Vec<&UserError> = payload
                .user_errors
                .iter()
                .filter(|e| e.input_index().is_none())
                .collect();
            if !batch_wide.is_empty() {
                // An error naming no quantity refuses the whole batch: every level is rejected
                // with it, and none is planned again (the same batch would be refused again).
                for level in &batch.levels {
                    for error in &batch_wide {
                        report.rejected.push((level.clone(), (*error).clone()));
                    }
                }
                for error in &payload.user_errors {
                    if let Some(level) = error.input_index().and_then(|i| batch.levels.get(i)) {
                        report.rejected.push((level.clone(), error.clone()));
                    }
                }
                continue;
            }
            let batch_stale = stale_quantities(b, &payload.user_errors);
            for error in &payload.user_errors {
                let index = error.input_index();
                let is_stale = batch_stale.iter().any(|s| Some(s.index) == index);
                if let (false, Some(level)) = (is_stale, index.and_then(|i| batch.levels.get(i))) {
                    report.rejected.push((level.clone(), error.clone()));
                }
            }
            // Quantities of the batch that were neither stale nor rejected: plan them again too.
            let named: Vec<usize> = payload
                .user_errors
                .iter()
                .filter_map(UserError::input_index)
                .collect();
            stale.extend(batch_stale);
            stale.extend(
                (0..batch.levels.len())
                    .filter(|i| !named.contains(i))
                    .map(|index| StaleQuantity { batch: b, index }),
            );
        }
        if stale.is_empty() {
            return Ok(report);
        }
        if attempt >= max_replans {
            report.still_stale.extend(
                stale
                    .iter()
                    .filter_map(|s| plan.batches.get(s.batch)?.levels.get(s.index).cloned()),
            );
            return Ok(report);
        }
        attempt += 1;
        report.replanned += stale.len();
        // Only what the re-plan covers is read again: the stale quantities' items and the
        // composites that contain them.
        let stale_items: BTreeSet<ItemId> = stale
            .iter()
            .filter_map(|s| plan.batches.get(s.batch)?.levels.get(s.index))
            .map(|level| level.item_id.clone())
            .collect();
        let items = inventory_items_in_scope(context.index, &stale_items);
        let fresh = read_shopify_levels_of(shopify, context.locations, &items).await?;
        plan = replan_stale_levels(
            &plan,
            &stale,
            context.inputs(stokly_records, &fresh),
            attempt,
        );
    }
}
