//! Capturing 1,000 orders from Shopify: query points and time, one order per request read
//! one after another (how `capture_orders` read before) against batched, concurrent reads
//! (how it reads now).
//!
//! Run with:
//! ```sh
//! cargo run --release --example capture_orders
//! ```
//!
//! It runs on the sandbox: a seeded shop of 1,000 orders, a standard plan's bucket (2,000
//! points, 100 per second) on a clock running 50 times faster than the wall clock, and 20 ms
//! of wall-clock latency per Shopify answer (a real shop answers in about 100-300 ms, so the
//! request count matters as much as the points). The emulator charges the costs of its model
//! fitted to real Shopify (`tests/shopify_cost_calibration.rs`). For each way of reading it
//! prints requests, points requested and charged, wall time, and how long a real
//! standard-plan bucket alone would take for the points charged.

use std::time::{Duration, Instant};

use futures::TryStreamExt;
use rust_decimal::Decimal;
use stokly_shopify::adapters::catalogue::{CatalogueReadOptions, read_catalogue};
use stokly_shopify::adapters::orders::capture_orders;
use stokly_shopify::domain::order::{
    GlAccountCode, OrderMappingConfig, TaxAccountMap, TaxKey, map_order,
};
use stokly_shopify::sandbox::{
    FaultConfig, SandboxClock, ScenarioBuilder, ShopifyConfig, ShopifyEmulator, StoklyConfig,
    StoklyEmulator, StoklyState,
};
use stokly_shopify::shopify::{DEFAULT_ORDER_OVERLAP, OrderCursor, OrderId, PageOptions};
use stokly_shopify::stokly::ListQuery;

type Failure = Box<dyn std::error::Error>;

const ORDERS: usize = 1000;
const TIME_SCALE: f64 = 50.0;

fn report(title: &str, emu: &ShopifyEmulator, orders: usize, wall: Duration) {
    let log = emu.requests();
    let requested: u64 = log.iter().filter_map(|r| r.requested_cost).sum();
    let charged: u64 = log.iter().filter_map(|r| r.actual_cost).sum();
    let per_1000 = |n: u64| n * 1000 / orders.max(1) as u64;
    println!("{title}");
    println!(
        "  {} requests; points requested {requested}, charged {charged} ({} / {} per 1,000 orders)",
        log.len(),
        per_1000(requested),
        per_1000(charged)
    );
    println!(
        "  wall time {:.2} s ({:.2} s per 1,000 orders)",
        wall.as_secs_f64(),
        wall.as_secs_f64() * 1000.0 / orders.max(1) as f64,
    );
    // On a real standard-plan shop the bucket allows 2,000 points at once, then 100 a second.
    println!(
        "  a real standard-plan bucket alone would need {:.0} s per 1,000 orders",
        (per_1000(charged).saturating_sub(2000)) as f64 / 100.0
    );
}

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let scenario = ScenarioBuilder::new(7)
        .skus(200)
        .bundles(10)
        .orders(ORDERS)
        .build();
    let clock = SandboxClock::new(scenario.epoch, TIME_SCALE);
    let state = scenario.shopify_state("capture.myshopify.com");
    let mut stokly_state = StoklyState::from_scenario(&scenario, "capture");
    stokly_state.link_shopify_listings(&state);
    let setup =
        ShopifyEmulator::start(state.clone(), ShopifyConfig::standard_plan(), clock.clone())
            .await?;
    let stokly =
        StoklyEmulator::start(stokly_state, StoklyConfig::default(), clock.clone()).await?;
    let setup_client = setup.client_builder().build()?;
    let stokly_client = stokly.client_builder().build()?;
    let index = read_catalogue(
        &setup_client,
        &stokly_client,
        &CatalogueReadOptions::default(),
    )
    .await?
    .into_index();
    let channel = stokly_client
        .channels(ListQuery::new())
        .try_collect::<Vec<_>>()
        .await?
        .into_iter()
        .find(|c| c.name.as_deref() == Some("Shopify"))
        .ok_or("no Shopify channel in Stokly")?
        .channel_id;
    let accounts = TaxAccountMap::new()
        .with(
            TaxKey::new("VAT", Some(Decimal::new(20, 2)), Some("Shopify"), false),
            GlAccountCode::new("2200").ok_or("a blank GL account")?,
        )
        .with(
            TaxKey::new("VAT", Some(Decimal::new(5, 2)), Some("Shopify"), false),
            GlAccountCode::new("2205").ok_or("a blank GL account")?,
        );
    let config = OrderMappingConfig::new(channel, accounts);
    let ids: Vec<OrderId> = setup_client
        .orders_updated_since(
            &OrderCursor::start(),
            DEFAULT_ORDER_OVERLAP,
            PageOptions::default(),
        )
        .map_ok(|r| r.id)
        .try_collect()
        .await?;
    println!(
        "{} orders; standard bucket, clock x{TIME_SCALE}, 20 ms per answer\n",
        ids.len()
    );
    let shop = || {
        ShopifyConfig::standard_plan()
            .with_faults(FaultConfig::none().with_latency(Duration::from_millis(20)))
    };

    // Before: one complete order read after another.
    let emu = ShopifyEmulator::start(state.clone(), shop(), clock.clone()).await?;
    let client = emu.client_builder().build()?;
    let started = Instant::now();
    let mut mapped = 0;
    for id in &ids {
        if let Some(order) = client.order(id).await? {
            let _draft = map_order(&order, &index, &config);
            mapped += 1;
        }
    }
    report(
        &format!("one order per request, serial ({mapped} mapped)"),
        &emu,
        ids.len(),
        started.elapsed(),
    );

    // After: capture_orders.
    let emu = ShopifyEmulator::start(state.clone(), shop(), clock.clone()).await?;
    let client = emu.client_builder().build()?;
    let started = Instant::now();
    let captured = capture_orders(&client, &ids, &index, &config).await?;
    let wall = started.elapsed();
    report(
        &format!(
            "capture_orders: ten per request, four in flight ({} mapped, {} missing, {} failed)",
            captured.mapped.len(),
            captured.missing.len(),
            captured.failed.len()
        ),
        &emu,
        ids.len(),
        wall,
    );
    Ok(())
}
