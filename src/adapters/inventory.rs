//! Reading stock on both sides and applying an inventory push plan, with bounded
//! compare-and-set re-plans.

use std::collections::{BTreeSet, VecDeque};

use futures::TryStreamExt;

use crate::domain::inventory::{
    BufferRules, InFlightDemand, InventoryFinding, InventoryInputs, InventoryPushBatch,
    InventoryPushPlan, InventoryScope, LocationMap, MAX_QUANTITIES_PER_BATCH, PlannedLevel,
    ShopifyStockLevel, SyncRun, batch_levels, plan_inventory_push, replan_levels,
    stale_quantities,
};
use crate::domain::sku::SkuIndex;
use crate::shopify::model::{AbsentLevel, QuantityName};
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
    /// again from fresh levels (counted once per re-plan).
    pub replanned: usize,
    /// Quantities still stale after the last allowed re-plan.
    pub still_stale: Vec<PlannedLevel>,
    /// Quantities Shopify refused for another reason, with its error. An error naming no
    /// quantity (batch-wide) is paired with every level of its batch, which is not re-planned.
    pub rejected: Vec<(PlannedLevel, UserError)>,
    /// The plans' findings (skips and problems, each with an owner), each once.
    pub findings: Vec<InventoryFinding>,
    /// The (item, location) pairs read that Shopify has no level for, with what it answered
    /// (an event-driven push and every re-plan read levels through the items).
    pub absent: Vec<AbsentLevel>,
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

/// Shopify's `available` for some inventory items at the mapped locations, and the pairs
/// that have no level there (with Shopify's answer as evidence).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ShopifyLevelsOf {
    /// The levels found.
    pub levels: Vec<ShopifyStockLevel>,
    /// The (item, location) pairs with no level.
    pub absent: Vec<AbsentLevel>,
}

/// The `available` quantity of `items` at every mapped Shopify location, read through the
/// inventory items ([`shopify::Client::inventory_levels_of_items`], 250 items per query per
/// location) instead of location by location: an event-driven push of a few changed items
/// costs a few points, not a read of the whole shop. A pair with no level is returned in
/// [`ShopifyLevelsOf::absent`] with what Shopify answered, never silently dropped.
///
/// # Errors
/// The Shopify client's errors.
pub async fn read_shopify_levels_of(
    shopify: &shopify::Client,
    locations: &LocationMap,
    items: &[InventoryItemId],
) -> Result<ShopifyLevelsOf, crate::Error> {
    if items.is_empty() {
        return Ok(ShopifyLevelsOf::default());
    }
    let mapped: Vec<_> = locations.shopify_locations().cloned().collect();
    let read = shopify
        .inventory_levels_of_items(items, &mapped, &[QuantityName::Available])
        .await?;
    Ok(ShopifyLevelsOf {
        levels: read
            .levels
            .iter()
            .filter_map(|(location, level)| ShopifyStockLevel::from_level(location, level))
            .collect(),
        absent: read.absent,
    })
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
    let (records, read) = match scope {
        InventoryScope::Items(changed) => {
            let items = inventory_items_in_scope(context.index, changed);
            (
                read_stokly_records_for(stokly, context.index, changed).await?,
                read_shopify_levels_of(shopify, context.locations, &items).await?,
            )
        }
        _ => (
            read_stokly_records(stokly).await?,
            ShopifyLevelsOf {
                levels: read_shopify_levels(shopify, context.locations).await?,
                absent: Vec::new(),
            },
        ),
    };
    let plan = plan_inventory_push(context.inputs(&records, &read.levels), scope, run);
    let mut report = apply_inventory_plan(shopify, context, &records, plan, max_replans).await?;
    let mut absent = read.absent;
    absent.append(&mut report.absent);
    report.absent = absent;
    Ok(report)
}

/// Quantities per batch when quantities that just went stale are planned again.
pub const STALE_BATCH_SIZE: usize = 10;

/// How a refused batch's remaining quantities are resent: in batches small enough that,
/// at the rate the batch met stale quantities (`stale` of `sent`), most go through. Half the
/// quantities per stale one keeps about two in three of the resent batches clear of a sale
/// landing at the same rate.
fn resend_size(sent: usize, stale: usize) -> usize {
    (sent / (2 * stale.max(1))).clamp(1, MAX_QUANTITIES_PER_BATCH)
}

/// Sends every batch of `plan`, keeping progress when quantities go stale under live sales.
///
/// Shopify refuses a whole `inventorySetQuantities` call when one of its quantities is
/// refused (the emulator's reading; a stale `changeFromQuantity` was never recorded from real
/// Shopify). So when a batch is refused:
/// - the quantities refused as `CHANGE_FROM_QUANTITY_STALE` are set aside;
/// - quantities refused for another reason are reported in
///   [`InventoryPushReport::rejected`], with their error;
/// - the quantities the refusal did not name are resent at once, unchanged (same
///   `changeFromQuantity`), in smaller batches sized by how many went stale, so one more
///   sale holds back few of them. This is not a re-plan: nothing is read.
///
/// When every batch has been sent, the stale quantities, and only they, are read again from
/// Shopify and planned again (with the same Stokly records) in batches of
/// [`STALE_BATCH_SIZE`], at most `max_replans` times; whatever is still stale then is
/// reported, never forced. A batch refused with a user error that names no quantity is
/// rejected whole (each level with that error, and with any error naming it) and not sent
/// again. An empty answer (no adjustment group, no error) is a success: Shopify already held
/// the target.
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
    let mut run = plan.run.clone();
    let mut queue: VecDeque<InventoryPushBatch> = plan.batches.into();
    let mut attempt = 0;
    loop {
        let mut stale: Vec<PlannedLevel> = Vec::new();
        while let Some(batch) = queue.pop_front() {
            let payload = shopify.set_inventory_quantities(&batch.input).await?;
            report.calls += 1;
            if payload.user_errors.is_empty() {
                report.written += batch.levels.len();
                continue;
            }
            let batch_wide: Vec<&UserError> = payload
                .user_errors
                .iter()
                .filter(|e| e.input_index().is_none())
                .collect();
            if !batch_wide.is_empty() {
                // An error naming no quantity refuses the whole batch: every level is rejected
                // with it, and none is sent again (the same batch would be refused again).
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
            let batch_stale: BTreeSet<usize> = stale_quantities(0, &payload.user_errors)
                .into_iter()
                .map(|s| s.index)
                .collect();
            let mut named = BTreeSet::new();
            for error in &payload.user_errors {
                let Some(index) = error.input_index() else {
                    continue;
                };
                named.insert(index);
                if let (false, Some(level)) =
                    (batch_stale.contains(&index), batch.levels.get(index))
                {
                    report.rejected.push((level.clone(), error.clone()));
                }
            }
            let sent = batch.levels.len();
            let mut rest = Vec::with_capacity(sent);
            for (i, level) in batch.levels.into_iter().enumerate() {
                if batch_stale.contains(&i) {
                    stale.push(level);
                } else if !named.contains(&i) {
                    rest.push(level);
                }
            }
            // The quantities the refusal did not name go again at once, in smaller batches.
            let (resend, unencodable) =
                batch_levels(&run, rest, resend_size(sent, batch_stale.len()));
            report.findings.extend(unencodable);
            for batch in resend.into_iter().rev() {
                queue.push_front(batch);
            }
        }
        if stale.is_empty() {
            return Ok(report);
        }
        if attempt >= max_replans {
            report.still_stale.extend(stale);
            return Ok(report);
        }
        attempt += 1;
        report.replanned += stale.len();
        // Only the stale levels are read again (through their items, at the mapped locations).
        let items: Vec<InventoryItemId> = stale
            .iter()
            .map(|level| level.inventory_item_id.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let fresh = read_shopify_levels_of(shopify, context.locations, &items).await?;
        for absent in fresh.absent {
            if !report.absent.contains(&absent) {
                report.absent.push(absent);
            }
        }
        let stale_refs: Vec<&PlannedLevel> = stale.iter().collect();
        let replan = replan_levels(
            &run,
            &stale_refs,
            context.inputs(stokly_records, &fresh.levels),
            attempt,
            STALE_BATCH_SIZE,
        );
        run = replan.run;
        for finding in replan.findings {
            if !report.findings.contains(&finding) {
                report.findings.push(finding);
            }
        }
        queue = replan.batches.into();
    }
}
