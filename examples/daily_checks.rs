//! The daily checks on the sandbox: a seeded day of orders with deliberate faults, the
//! health report an operations manager reads, and the operations manual.
//!
//! Run with:
//! ```sh
//! cargo run --example daily_checks
//! ```
//!
//! 1. Both emulators start with a seeded shop (one SKU only Shopify knows). The catalogue
//!    is read and audited, and every order is captured and posted to Stokly exactly as a
//!    worker does: the orders with the unknown SKU are rejected.
//! 2. The stock levels are read and compared (the drift report); one Shopify location is
//!    left out of the location map on purpose.
//! 3. A month of Shopify Payments payouts is reconciled (one order is not posted, so a
//!    payout line stays unmatched).
//! 4. The rest of the day is played over the posted orders with seeded faults: a SKU
//!    mismatch and a missing location mapping (posted, never reserved), a hold, a refund
//!    not yet credited and an unmatched payout line. Each order's lifecycle is assessed.
//! 5. The health report is built; its summary and stuck orders are printed, and it is
//!    written to `target/health-report.html` and `.md`. The operations manual is written to
//!    `target/operations-manual.html` and `.md`.
//!
//! Everything runs on loopback; nothing needs an account.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;

use chrono::TimeDelta;
use futures::TryStreamExt;
use rust_decimal::Decimal;
use stokly_shopify::adapters::catalogue::{CatalogueReadOptions, read_catalogue};
use stokly_shopify::adapters::inventory::{read_shopify_levels, read_stokly_records};
use stokly_shopify::adapters::orders::{
    PostingPorts, StoklyCustomers, capture_orders, post_orders,
};
use stokly_shopify::domain::catalogue::audit_catalogue;
use stokly_shopify::domain::exception::DomainException;
use stokly_shopify::domain::inventory::{
    BufferRules, DriftEvidence, InventoryInputs, LocationMap, report_drift,
};
use stokly_shopify::domain::lifecycle::{LifecycleConfig, OrderLifecycle, assess_lifecycle};
use stokly_shopify::domain::order::{GlAccountCode, OrderMappingConfig, TaxAccountMap, TaxKey};
use stokly_shopify::domain::payout::{ReconcileConfig, reconcile_payout};
use stokly_shopify::domain::posting::{InMemoryPostingLedger, PostingConfig};
use stokly_shopify::ops::{HealthInputs, HealthReport, OperationsManual};
use stokly_shopify::sandbox::operations_day::play_day;
use stokly_shopify::sandbox::payouts::PayoutMonth;
use stokly_shopify::sandbox::{
    SandboxClock, ScenarioBuilder, ShopifyConfig, ShopifyEmulator, StoklyConfig, StoklyEmulator,
    StoklyState,
};
use stokly_shopify::shopify::{OrderId, PageOptions};
use stokly_shopify::stokly::ListQuery;

type Failure = Box<dyn std::error::Error>;

const SHOP: &str = "daily-checks.myshopify.com";

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let scenario = ScenarioBuilder::new(18)
        .skus(40)
        .locations(3)
        .unknown_skus(1)
        .orders(300)
        .build();
    let clock = SandboxClock::new(scenario.epoch, 200.0);
    let shopify_state = scenario.shopify_state(SHOP);
    let mut stokly_state = StoklyState::from_scenario(&scenario, "daily-checks");
    stokly_state.link_shopify_listings(&shopify_state);
    let shopify_emulator = ShopifyEmulator::start(
        shopify_state,
        ShopifyConfig::standard_plan().with_bucket(10_000.0, 500.0),
        clock.clone(),
    )
    .await?;
    let stokly_emulator =
        StoklyEmulator::start(stokly_state, StoklyConfig::default(), clock).await?;
    let shopify = shopify_emulator.client_builder().build()?;
    let stokly = stokly_emulator.client_builder().build()?;

    // 1. Catalogue, audit, capture and post.
    let catalogue = read_catalogue(&shopify, &stokly, &CatalogueReadOptions::default()).await?;
    let index = catalogue.into_index();
    let audit = audit_catalogue(&index);
    let channel = stokly
        .channels(ListQuery::new())
        .try_collect::<Vec<_>>()
        .await?
        .into_iter()
        .find(|c| c.name.as_deref() == Some("Shopify"))
        .ok_or("no Shopify channel in Stokly")?
        .channel_id;
    let mut accounts = TaxAccountMap::new();
    for (rate, account) in [(Decimal::new(20, 2), "2200"), (Decimal::new(5, 2), "2205")] {
        accounts.insert(
            TaxKey::new("VAT", Some(rate), Some("Shopify"), false),
            GlAccountCode::new(account).ok_or("a blank GL account")?,
        );
    }
    let config = OrderMappingConfig::new(channel, accounts);
    let ids: Vec<OrderId> = shopify_emulator
        .state()
        .orders
        .keys()
        .map(|&n| OrderId::from_numeric(n))
        .collect();
    let captured = capture_orders(&shopify, &ids, &index, &config).await?;
    let customers = StoklyCustomers::new(stokly.clone());
    let ledger = InMemoryPostingLedger::new();
    let ports = PostingPorts::new(&ledger, &stokly, &customers);
    let outcomes = post_orders(SHOP, &captured.mapped, ports, &PostingConfig::default()).await;
    let rejected = outcomes
        .iter()
        .filter(|o| o.result.kind() == "rejected")
        .count();
    println!(
        "posted {} orders to Stokly ({rejected} rejected); catalogue audit: {}",
        outcomes.len() - rejected,
        audit.readiness().sentence()
    );

    // 2. Drift, with the last Shopify location left unmapped on purpose.
    let shopify_locations: Vec<_> = shopify
        .locations(PageOptions::default())
        .try_collect()
        .await?;
    let stokly_locations: Vec<_> = stokly.locations(ListQuery::new()).try_collect().await?;
    let mut locations = LocationMap::new();
    let mapped_count = shopify_locations.len().saturating_sub(1);
    for l in shopify_locations.iter().take(mapped_count) {
        if let Some(feed) = stokly_locations
            .iter()
            .find(|s| s.name.as_deref() == Some(l.name.as_str()))
        {
            locations.insert(l.id.clone(), [feed.location_id.clone()]);
        }
    }
    let records = read_stokly_records(&stokly).await?;
    let levels = read_shopify_levels(&shopify, &locations).await?;
    let buffers = BufferRules::new();
    let inputs = InventoryInputs {
        index: &index,
        stokly_records: &records,
        locations: &locations,
        buffers: &buffers,
        in_flight: &[],
        shopify_levels: &levels,
    };
    let now = shopify_emulator.clock().now();
    let drift = report_drift(inputs, DriftEvidence::default(), now);

    // 3. A month of payouts.
    let month = PayoutMonth::generate(2026).ok_or("payout month")?;
    let reconcile = ReconcileConfig::new(month.month_end);
    let payouts: Vec<_> = month
        .payouts
        .iter()
        .map(|(payout, txs)| reconcile_payout(payout, txs, &month.posted, &month.chart, &reconcile))
        .collect();

    // 4. The rest of the day, with seeded faults, and each order's lifecycle.
    let day_end = now + TimeDelta::days(5);
    let day = play_day(&outcomes, day_end);
    let lifecycle = LifecycleConfig::default();
    let lifecycles: Vec<OrderLifecycle> = day
        .facts
        .iter()
        .map(|f| assess_lifecycle(f, &lifecycle, day.now))
        .collect();

    // 5. The report and the manual.
    let report = HealthReport::build(
        &HealthInputs {
            lifecycles: &lifecycles,
            exceptions: &day.exceptions,
            drift: Some(&drift),
            audit: Some(&audit),
            payouts: &payouts,
        },
        day.now,
    );
    println!("\n{}", report.summary());
    println!("stuck orders, oldest first:");
    for s in &report.stuck {
        println!(
            "  {:>6}  waits for {:<22} {:<9} {}",
            s.name,
            s.stage.label(),
            s.owner.label(),
            s.reason
                .as_ref()
                .map_or_else(|| "reason not known".to_owned(), |r| r.describe())
        );
    }
    let missed: Vec<_> = day
        .expected
        .iter()
        .filter(|e| {
            !lifecycles.iter().any(|l| {
                l.order == e.order
                    && l.first_stuck()
                        .is_some_and(|s| s.stage == e.stage && s.owner == e.owner)
            })
        })
        .collect();
    println!(
        "seeded faults: {}, found with the right stage and owner: {}",
        day.expected.len(),
        day.expected.len() - missed.len()
    );
    if !missed.is_empty() {
        return Err(format!("seeded faults not found: {missed:?}").into());
    }
    let first_stuck_codes: Vec<&str> = report.stuck.iter().map(|s| s.code()).collect();
    if !first_stuck_codes.contains(&"posted_not_reserved") {
        return Err("the silent failure (posted, not reserved) was not reported".into());
    }

    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
    std::fs::create_dir_all(&target)?;
    std::fs::write(target.join("health-report.html"), report.to_html())?;
    std::fs::write(target.join("health-report.md"), report.to_markdown())?;
    let manual = OperationsManual::generate(&lifecycle);
    std::fs::write(target.join("operations-manual.html"), manual.to_html())?;
    std::fs::write(target.join("operations-manual.md"), manual.to_markdown())?;
    println!(
        "\nwrote {0}/health-report.html, {0}/health-report.md, {0}/operations-manual.html and {0}/operations-manual.md",
        target.display()
    );
    Ok(())
}
