//! Reading stock on both sides and applying an inventory push plan, with bounded
//! compare-and-set re-plans.

use std::collections::{BTreeSet, VecDeque};

use futures::TryStreamExt;

use crate::domain::catalogue::SkuIndex;
use crate::domain::inventory::{
    BufferRules, InFlightDemand, InventoryFinding, InventoryInputs, InventoryPushBatch,
    InventoryPushPlan, InventoryScope, LocationMap, MAX_QUANTITIES_PER_BATCH, PlannedLevel,
    ShopifyStockLevel, SyncRun, batch_levels, plan_inventory_push, replan_levels,
};
use crate::shopify::model::{AbsentLevel, QuantityName};
use crate::shopify::{
    self, InventoryItemId, LEVELS_PER_QUERY, PageOptions, UserError, UserErrorsByInput,
};
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

/// Quantities per batch when quantities that went stale are planned again, before the push
/// has seen how fast levels go stale.
pub const STALE_BATCH_SIZE: usize = 10;

/// A batch waiting to be sent, with when (in Shopify requests made by this push) the
/// quantities it compares against were last known to be current.
struct Pending {
    batch: InventoryPushBatch,
    known_at: u64,
}

/// What a push is doing: its report, its request count, and the batch size it has learnt.
struct Push<'r> {
    report: &'r mut InventoryPushReport,
    /// Shopify requests made so far (writes and reads): the clock staleness is measured on.
    requests: u64,
    /// Quantities per batch that, at the rate levels have been going stale, most batches get
    /// through: about one stale quantity per two batches.
    batch_size: usize,
}

impl Push<'_> {
    /// Learns from a refusal: `stale` of `sent` quantities, known `age` requests ago, went stale.
    fn learn(&mut self, sent: usize, stale: usize, age: u64) {
        if stale == 0 {
            return;
        }
        // Stale quantities per level per request, and the batch that meets half a sale.
        let per_request = stale as f64 / (sent as f64 * age.max(1) as f64);
        let size = (0.5 / per_request).floor();
        self.batch_size = if size >= MAX_QUANTITIES_PER_BATCH as f64 {
            MAX_QUANTITIES_PER_BATCH
        } else if size < 1.0 {
            1
        } else {
            // In range 1..250, so the conversion is exact.
            size as usize
        };
    }

    /// Sends every batch of `queue` (and whatever refusals put back into it); returns the
    /// quantities refused as stale.
    async fn send_all(
        &mut self,
        shopify: &shopify::Client,
        run: &SyncRun,
        mut queue: VecDeque<Pending>,
    ) -> Result<Vec<PlannedLevel>, crate::Error> {
        let mut stale = Vec::new();
        while let Some(Pending { batch, known_at }) = queue.pop_front() {
            let payload = shopify.set_inventory_quantities(&batch.input).await?;
            self.requests += 1;
            self.report.calls += 1;
            if payload.user_errors.is_empty() {
                // Applied, or nothing to apply (no adjustment group): Shopify holds the targets.
                self.report.written += batch.levels.len();
                continue;
            }
            let by_input = UserErrorsByInput::partition(&payload.user_errors, batch.levels.len());
            if !by_input.batch_wide.is_empty() {
                // An error naming no quantity of the batch refuses the whole batch: every level
                // is rejected with it (and with its own errors), and none is sent again (the
                // same batch would be refused again).
                for level in &batch.levels {
                    for error in &by_input.batch_wide {
                        self.report.rejected.push((level.clone(), (*error).clone()));
                    }
                }
                for (level, own) in batch.levels.iter().zip(&by_input.per_input) {
                    for error in own {
                        self.report.rejected.push((level.clone(), (*error).clone()));
                    }
                }
                continue;
            }
            let sent = batch.levels.len();
            let mut rest = Vec::with_capacity(sent);
            let mut stale_here = 0;
            for (level, own) in batch.levels.into_iter().zip(&by_input.per_input) {
                if own.is_empty() {
                    rest.push(level);
                } else if own.iter().any(|e| e.is_stale()) {
                    // Re-read and re-planned, whatever else was said of it.
                    stale_here += 1;
                    stale.push(level);
                } else {
                    for error in own {
                        self.report.rejected.push((level.clone(), (*error).clone()));
                    }
                }
            }
            self.learn(sent, stale_here, self.requests - known_at);
            // The refusal named every stale quantity, so the rest were current as of this
            // request: they go again at once, unchanged, in batches of the learnt size.
            let (resend, unencodable) = batch_levels(run, rest, self.batch_size);
            self.report.findings.extend(unencodable);
            for batch in resend.into_iter().rev() {
                queue.push_front(Pending {
                    batch,
                    known_at: self.requests,
                });
            }
        }
        Ok(stale)
    }
}

/// Sends every batch of `plan`, keeping progress when quantities go stale under live sales.
///
/// Shopify refuses a whole `inventorySetQuantities` call when one of its quantities is
/// refused (the emulator's reading; a stale `changeFromQuantity` was never recorded from real
/// Shopify), and the refusal names every stale quantity. So when a batch is refused:
/// - the quantities refused as `CHANGE_FROM_QUANTITY_STALE` are set aside;
/// - quantities refused for another reason are reported in
///   [`InventoryPushReport::rejected`], with their error;
/// - the quantities the refusal did not name were current as of that call: they are resent
///   at once, unchanged (same `changeFromQuantity`, nothing read), in smaller batches sized
///   by how fast levels have been going stale (about one stale quantity per two batches).
///
/// When every batch has been sent, the stale quantities, and only they, are read again from
/// Shopify and planned again (with the same Stokly records): a few at a time, each group read
/// just before it is written, in batches of the learnt size ([`STALE_BATCH_SIZE`] before
/// anything was learnt). At most `max_replans` rounds; whatever is still stale then is
/// reported, never forced. A batch refused with a user error that names no quantity is
/// rejected whole (each level with that error, and with any error naming it) and not sent
/// again. An answer with no adjustment group and no error is a success: Shopify already held
/// the targets.
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
    let mut push = Push {
        report: &mut report,
        requests: 0,
        batch_size: STALE_BATCH_SIZE,
    };
    let queue = plan
        .batches
        .into_iter()
        .map(|batch| Pending { batch, known_at: 0 })
        .collect();
    let mut stale = push.send_all(shopify, &plan.run, queue).await?;
    let locations: Vec<_> = context.locations.shopify_locations().collect();
    let mut attempt = 0;
    while !stale.is_empty() {
        if attempt >= max_replans {
            push.report.still_stale.extend(stale);
            break;
        }
        attempt += 1;
        push.report.replanned += stale.len();
        let mut next = Vec::new();
        // A group is read just before it is written, so it has little time to go stale again.
        let group_size = (2 * push.batch_size).max(STALE_BATCH_SIZE);
        for group in stale.chunks(group_size) {
            let items: Vec<InventoryItemId> = group
                .iter()
                .map(|level| level.inventory_item_id.clone())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            let fresh = read_shopify_levels_of(shopify, context.locations, &items).await?;
            push.requests += (locations.len() * items.len().div_ceil(LEVELS_PER_QUERY)) as u64;
            for absent in fresh.absent {
                if !push.report.absent.contains(&absent) {
                    push.report.absent.push(absent);
                }
            }
            let group: Vec<&PlannedLevel> = group.iter().collect();
            let replan = replan_levels(
                &plan.run,
                &group,
                context.inputs(stokly_records, &fresh.levels),
                attempt,
                push.batch_size,
            );
            for finding in replan.findings {
                if !push.report.findings.contains(&finding) {
                    push.report.findings.push(finding);
                }
            }
            let queue = replan
                .batches
                .into_iter()
                .map(|batch| Pending {
                    batch,
                    known_at: push.requests,
                })
                .collect();
            next.extend(push.send_all(shopify, &replan.run, queue).await?);
        }
        stale = next;
    }
    Ok(report)
}
