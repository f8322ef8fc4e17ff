//! The seeded day of operations on the sandbox: every order posted through the real
//! capture and posting path, the rest of the day played with deliberate faults, and every
//! stuck order found with the stage it waits for and the team that owns it; no healthy order
//! is reported.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeSet;

use chrono::TimeDelta;
use futures::TryStreamExt;
use rust_decimal::Decimal;
use stokly_shopify::adapters::catalogue::{CatalogueReadOptions, read_catalogue};
use stokly_shopify::adapters::orders::{
    PostingPorts, StoklyCustomers, capture_orders, post_orders,
};
use stokly_shopify::domain::exception::{DomainException, Owner};
use stokly_shopify::domain::lifecycle::{
    LifecycleConfig, OrderLifecycle, Stage, StuckReason, assess_lifecycle,
};
use stokly_shopify::domain::order::{GlAccountCode, OrderMappingConfig, TaxAccountMap, TaxKey};
use stokly_shopify::domain::posting::{InMemoryPostingLedger, PostOutcome, PostingConfig};
use stokly_shopify::ops::{HealthInputs, HealthReport, OperationsManual};
use stokly_shopify::sandbox::operations_day::{SeededFault, play_day};
use stokly_shopify::sandbox::{
    SandboxClock, ScenarioBuilder, ShopifyConfig, ShopifyEmulator, StoklyConfig, StoklyEmulator,
    StoklyState,
};
use stokly_shopify::shopify::OrderId;
use stokly_shopify::stokly::ListQuery;

const SHOP: &str = "operations-day.myshopify.com";

async fn posted_day() -> (Vec<PostOutcome>, chrono::DateTime<chrono::Utc>) {
    let scenario = ScenarioBuilder::new(18)
        .skus(20)
        .unknown_skus(1)
        .orders(60)
        .build();
    let clock = SandboxClock::new(scenario.epoch, 200.0);
    let shopify_state = scenario.shopify_state(SHOP);
    let mut stokly_state = StoklyState::from_scenario(&scenario, "operations-day");
    stokly_state.link_shopify_listings(&shopify_state);
    let shopify_emulator = ShopifyEmulator::start(
        shopify_state,
        ShopifyConfig::standard_plan().with_bucket(10_000.0, 500.0),
        clock.clone(),
    )
    .await
    .unwrap();
    let stokly_emulator = StoklyEmulator::start(stokly_state, StoklyConfig::default(), clock)
        .await
        .unwrap();
    let shopify = shopify_emulator.client_builder().build().unwrap();
    let stokly = stokly_emulator.client_builder().build().unwrap();
    let index = read_catalogue(&shopify, &stokly, &CatalogueReadOptions::default())
        .await
        .unwrap()
        .into_index();
    let channel = stokly
        .channels(ListQuery::new())
        .try_collect::<Vec<_>>()
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.name.as_deref() == Some("Shopify"))
        .unwrap()
        .channel_id;
    let mut accounts = TaxAccountMap::new();
    for (rate, account) in [(Decimal::new(20, 2), "2200"), (Decimal::new(5, 2), "2205")] {
        accounts.insert(
            TaxKey::new("VAT", Some(rate), Some("Shopify"), false),
            GlAccountCode::new(account).unwrap(),
        );
    }
    let config = OrderMappingConfig::new(channel, accounts);
    let ids: Vec<OrderId> = shopify_emulator
        .state()
        .orders
        .keys()
        .map(|&n| OrderId::from_numeric(n))
        .collect();
    let captured = capture_orders(&shopify, &ids, &index, &config)
        .await
        .unwrap();
    assert_eq!(captured.mapped.len(), 60);
    let customers = StoklyCustomers::new(stokly.clone());
    let ledger = InMemoryPostingLedger::new();
    let ports = PostingPorts::new(&ledger, &stokly, &customers);
    let outcomes = post_orders(SHOP, &captured.mapped, ports, &PostingConfig::default()).await;
    (outcomes, shopify_emulator.clock().now())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_stuck_order_of_the_seeded_day_is_found_with_its_stage_and_owner() {
    let (outcomes, now) = posted_day().await;
    let rejected = outcomes
        .iter()
        .filter(|o| o.result.kind() == "rejected")
        .count();
    assert!(rejected >= 1, "the scenario's unknown SKU rejects an order");

    let day = play_day(&outcomes, now + TimeDelta::days(5));
    let config = LifecycleConfig::default();
    let lifecycles: Vec<OrderLifecycle> = day
        .facts
        .iter()
        .map(|f| assess_lifecycle(f, &config, day.now))
        .collect();

    // Every fault kind is seeded, the rejected orders among them.
    let faults: BTreeSet<SeededFault> = day.expected.iter().map(|e| e.fault).collect();
    assert_eq!(
        faults,
        BTreeSet::from([
            SeededFault::RejectedSku,
            SeededFault::SkuMismatch,
            SeededFault::MissingLocationMapping,
            SeededFault::Hold,
            SeededFault::RefundNotCredited,
            SeededFault::UnmatchedPayoutLine,
        ])
    );

    // Found: exactly the seeded orders, each first stuck at the expected stage and owner.
    let expected: BTreeSet<(String, Stage, Owner)> = day
        .expected
        .iter()
        .map(|e| (e.order.to_string(), e.stage, e.owner))
        .collect();
    let found: BTreeSet<(String, Stage, Owner)> = lifecycles
        .iter()
        .filter_map(|l| {
            l.first_stuck()
                .map(|s| (l.order.to_string(), s.stage, s.owner))
        })
        .collect();
    assert_eq!(found, expected);

    // The reasons are the seeded ones.
    let reason_of = |fault: SeededFault| {
        let order = &day
            .expected
            .iter()
            .find(|e| e.fault == fault)
            .unwrap()
            .order;
        let life = lifecycles.iter().find(|l| &l.order == order).unwrap();
        life.first_stuck().unwrap().clone()
    };
    let sku = reason_of(SeededFault::SkuMismatch);
    assert_eq!(sku.code(), "posted_not_reserved");
    assert!(matches!(sku.reason, Some(StuckReason::SkuMismatch { .. })));
    let location = reason_of(SeededFault::MissingLocationMapping);
    assert!(location.is_posted_not_reserved());
    assert!(matches!(
        location.reason,
        Some(StuckReason::MissingLocationMapping { .. })
    ));
    assert!(matches!(
        reason_of(SeededFault::Hold).reason,
        Some(StuckReason::OnHold { .. })
    ));
    assert!(matches!(
        reason_of(SeededFault::RefundNotCredited).reason,
        Some(StuckReason::RefundNotCredited { .. })
    ));
    assert!(matches!(
        reason_of(SeededFault::UnmatchedPayoutLine).reason,
        Some(StuckReason::UnmatchedPayoutLine { .. })
    ));
    assert!(matches!(
        reason_of(SeededFault::RejectedSku).reason,
        Some(StuckReason::SkuMismatch { .. })
    ));

    // The report counts the same, oldest first, and its pages are self-contained.
    let report = HealthReport::build(
        &HealthInputs {
            lifecycles: &lifecycles,
            exceptions: &day.exceptions,
            ..HealthInputs::default()
        },
        day.now,
    );
    assert_eq!(report.orders, 60);
    assert_eq!(report.stuck_orders, day.expected.len());
    assert!(report.stuck.windows(2).all(|w| w[0].due <= w[1].due));
    assert_eq!(
        report.complete
            + report.stuck_orders
            + (report.orders - report.complete - report.stuck_orders),
        60
    );
    let html = report.to_html();
    assert!(html.contains("<svg") && !html.contains("<script") && !html.contains("src="));
    let manual = OperationsManual::generate(&config).to_html();
    assert!(manual.contains("posted_not_reserved") && !manual.contains("<script"));
}
