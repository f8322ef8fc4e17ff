//! Stokly stock pushed to Shopify: a full reconciliation, then a burst of Stokly stock changes
//! and Shopify orders (captured, not yet posted to Stokly: in-flight demand) pushed
//! event-driven (only the items changed since a cursor and the items ordered), with calls,
//! cost, throttling, skips and drift reported.
//!
//! Run with:
//! ```sh
//! cargo run --release --example sync_inventory
//! ```
//!
//! It runs on the sandbox: 5,000 SKUs (and 60 bundles) at two warehouses, so 10,000 Shopify
//! levels, all of them typed into Shopify wrong by hand before the first run. The Shopify
//! emulator keeps a standard plan's bucket (2,000 points, 100 per second) on a clock running
//! 20 times faster than the wall clock, so the run takes seconds, not minutes; the client
//! paces itself by the numbers the emulator reports, as it would against a real shop.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use chrono::Utc;
use futures::TryStreamExt;
use rust_decimal::Decimal;
use stokly_shopify::adapters::catalogue::{CatalogueReadOptions, read_catalogue};
use stokly_shopify::adapters::inventory::{
    InventoryContext, InventoryPushReport, push_inventory, read_shopify_levels, read_stokly_records,
};
use stokly_shopify::adapters::orders::capture_orders;
use stokly_shopify::domain::exception::DomainException;
use stokly_shopify::domain::inventory::{
    BufferRules, DriftEvidence, InventoryInputs, InventoryScope, LocationMap, SyncRun, report_drift,
};
use stokly_shopify::domain::order::{GlAccountCode, OrderMappingConfig, TaxAccountMap, TaxKey};
use stokly_shopify::domain::posting::in_flight_demand;
use stokly_shopify::sandbox::shopify::Outcome;
use stokly_shopify::sandbox::{
    SandboxClock, ScenarioBuilder, ShopifyConfig, ShopifyEmulator, StoklyConfig, StoklyEmulator,
    StoklyState,
};
use stokly_shopify::shopify::{OrderId, PageOptions};
use stokly_shopify::stokly::model::{AdjustmentLine, NewAdjustment};
use stokly_shopify::stokly::{Filter, ListQuery, RateLimit};

type Failure = Box<dyn std::error::Error>;

fn print_report(
    title: &str,
    report: &InventoryPushReport,
    shopify: &ShopifyEmulator,
    since: usize,
) {
    let log = shopify.requests();
    let pushes: Vec<_> = log
        .iter()
        .skip(since)
        .filter(|r| r.operation == "InventorySetQuantities")
        .collect();
    let cost: u64 = pushes.iter().filter_map(|r| r.actual_cost).sum();
    let throttled = log
        .iter()
        .skip(since)
        .filter(|r| r.outcome == Outcome::Throttled)
        .count();
    println!("{title}");
    println!(
        "  inventorySetQuantities calls: {} ({} points), levels written: {}, re-planned: {}, still stale: {}, rejected: {}",
        report.calls,
        cost,
        report.written,
        report.replanned,
        report.still_stale.len(),
        report.rejected.len()
    );
    println!("  THROTTLED answers from Shopify during the run: {throttled}");
    let mut skips: BTreeMap<&str, usize> = BTreeMap::new();
    for finding in &report.findings {
        *skips.entry(finding.code()).or_default() += 1;
    }
    println!("  skips and problems: {skips:?}");
}

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let scenario = ScenarioBuilder::new(7070)
        .skus(5000)
        .bundles(60)
        .locations(2)
        .orders(0)
        .build();
    let clock = SandboxClock::new(scenario.epoch, 20.0);
    let mut shopify_state = scenario.shopify_state("acme-sandbox.myshopify.com");
    for quantities in shopify_state.inventory.values_mut() {
        if let Some(available) = quantities.get_mut("available") {
            *available += 1;
        }
    }
    let mut stokly_state = StoklyState::from_scenario(&scenario, "acme");
    stokly_state.link_shopify_listings(&shopify_state);
    let shopify_emu =
        ShopifyEmulator::start(shopify_state, ShopifyConfig::standard_plan(), clock.clone())
            .await?;
    let stokly_emu = StoklyEmulator::start(
        stokly_state,
        StoklyConfig::default().with_requests_per_minute(10_000),
        clock,
    )
    .await?;
    let shopify = shopify_emu.client_builder().build()?;
    // The sandbox's Stokly allows far more than the client's conservative default pace.
    let stokly = stokly_emu
        .client_builder()
        .rate_limit(
            RateLimit::default()
                .with_requests_per_second(50.0)
                .with_burst(5),
        )
        .build()?;

    let started = Instant::now();
    let index = read_catalogue(&shopify, &stokly, &CatalogueReadOptions::default())
        .await?
        .into_index();
    println!(
        "catalogue read in {:.1?}: {} Shopify variants, {} Stokly items",
        started.elapsed(),
        index.shopify_variants().len(),
        index.stokly_items().len()
    );

    // Each Shopify location is fed by the Stokly warehouse of the same name.
    let shopify_locations: Vec<_> = shopify
        .locations(PageOptions::default())
        .try_collect()
        .await?;
    let stokly_locations: Vec<_> = stokly.locations(ListQuery::new()).try_collect().await?;
    let mut locations = LocationMap::new();
    for l in &shopify_locations {
        if let Some(feed) = stokly_locations
            .iter()
            .find(|s| s.name.as_deref() == Some(l.name.as_str()))
        {
            locations.insert(l.id.clone(), [feed.location_id.clone()]);
        }
    }
    let buffers = BufferRules::new();
    let context = InventoryContext::new(&index, &locations, &buffers, &[]);

    let before = shopify_emu.requests().len();
    let started = Instant::now();
    let full = push_inventory(
        &shopify,
        &stokly,
        context,
        &InventoryScope::All,
        &SyncRun::new("full-2026-11-26"),
        3,
    )
    .await?;
    print_report(
        &format!("\nfull reconciliation ({:.1?})", started.elapsed()),
        &full,
        &shopify_emu,
        before,
    );

    // A burst of stock changes in Stokly: 40 items lose a unit at the first warehouse.
    let cursor = stokly_emu.clock().now();
    stokly_emu.clock().advance(Duration::from_secs(120));
    let first = stokly_locations.first().ok_or("no Stokly location")?;
    let bin = stokly
        .default_bin(&first.location_id)
        .await?
        .ok_or("no default bin")?;
    let changed_items: Vec<_> = index
        .stokly_items()
        .iter()
        .filter(|i| !i.is_composite())
        .take(40)
        .map(|i| i.id.clone())
        .collect();
    let lines: Vec<AdjustmentLine> = changed_items
        .iter()
        .map(|id| AdjustmentLine::new(id.clone(), Decimal::from(-1)))
        .collect();
    stokly
        .create_adjustment(&NewAdjustment::new(
            first.location_id.clone(),
            bin.bin_id.clone(),
            "sold in store",
            lines,
        ))
        .await?;

    // Meanwhile 12 orders arrive in Shopify, two units each of 12 other items. They are
    // captured but not posted to Stokly yet, so Stokly has not reserved their stock: the push
    // takes them off as in-flight demand.
    let ordered: Vec<_> = index
        .shopify_variants()
        .iter()
        .filter(|v| {
            v.tracked
                && !v.requires_components
                && v.sku.as_deref().is_some_and(|sku| {
                    index.stokly_items().iter().any(|i| {
                        i.sku.as_deref() == Some(sku)
                            && !i.is_composite()
                            && !changed_items.contains(&i.id)
                    })
                })
        })
        .take(12)
        .cloned()
        .collect();
    let order_ids: Vec<OrderId> = shopify_emu.with_state(|state| {
        ordered
            .iter()
            .enumerate()
            .map(|(n, v)| {
                let total = v.price * Decimal::TWO;
                let id = state.add_order(
                    &format!("#{}", 9001 + n),
                    Utc::now(),
                    &[(v.id.numeric_id(), 2, total, Decimal::new(20, 2))],
                );
                OrderId::from_numeric(id)
            })
            .collect()
    });
    let channel = stokly
        .channels(ListQuery::new())
        .try_collect::<Vec<_>>()
        .await?
        .into_iter()
        .find(|c| c.name.as_deref() == Some("Shopify"))
        .ok_or("no Shopify channel in Stokly")?
        .channel_id;
    let accounts = TaxAccountMap::new().with(
        TaxKey::new("VAT", Some(Decimal::new(20, 2)), Some("Shopify"), false),
        GlAccountCode::new("2200").ok_or("a blank GL account")?,
    );
    let captured = capture_orders(
        &shopify,
        &order_ids,
        &index,
        &OrderMappingConfig::new(channel, accounts),
    )
    .await?;
    if !captured.is_complete() {
        return Err(format!("orders not read: {:?}", captured.failed).into());
    }
    let drafts: Vec<_> = captured
        .mapped
        .iter()
        .filter_map(|m| m.as_ref().ok())
        .collect();
    let in_flight = in_flight_demand(drafts.iter().copied());
    println!(
        "\n{} orders captured, not yet posted: in-flight demand of {} units over {} SKUs",
        drafts.len(),
        in_flight.iter().map(|d| u64::from(d.quantity)).sum::<u64>(),
        in_flight.len()
    );
    let context = InventoryContext::new(&index, &locations, &buffers, &in_flight);

    // Event-driven: only the items Stokly changed since the cursor and the items just ordered
    // (and bundles containing them).
    let since = ListQuery::new()
        .page_size(1000)
        .filter(Filter::field("timeUpdated").gt(cursor)?);
    let mut changed: BTreeSet<_> = stokly
        .items(since)
        .map_ok(|i| i.item_id)
        .try_collect()
        .await?;
    changed.extend(
        drafts
            .iter()
            .flat_map(|d| d.lines().iter().map(|l| l.item_id.clone())),
    );
    let before = shopify_emu.requests().len();
    let started = Instant::now();
    let events = push_inventory(
        &shopify,
        &stokly,
        context,
        &InventoryScope::Items(changed.clone()),
        &SyncRun::new("event-2026-11-26T10:02"),
        3,
    )
    .await?;
    print_report(
        &format!(
            "\nevent-driven push of {} changed items ({:.1?})",
            changed.len(),
            started.elapsed()
        ),
        &events,
        &shopify_emu,
        before,
    );

    let records = read_stokly_records(&stokly).await?;
    let levels = read_shopify_levels(&shopify, &locations).await?;
    let inputs = InventoryInputs {
        index: &index,
        stokly_records: &records,
        locations: &locations,
        buffers: &buffers,
        in_flight: &in_flight,
        shopify_levels: &levels,
    };
    let drift = report_drift(inputs, DriftEvidence::default(), shopify_emu.clock().now());
    println!(
        "\ndrift afterwards: {} levels compared, {} in sync, differences by cause: {:?}",
        drift.summary.compared, drift.summary.in_sync, drift.summary.by_cause
    );
    Ok(())
}
