//! Capturing orders on the sandbox: orders are read ten to a request, a few requests at a time,
//! complete (long orders read again on their own) and in the order asked for; a failed read
//! leaves the others read and names the orders it left unread.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code should fail loudly

mod support;

use std::collections::HashSet;

use futures::TryStreamExt;
use rust_decimal::Decimal;
use stokly_shopify::RetryConfig;
use stokly_shopify::adapters::catalogue::{CatalogueReadOptions, read_catalogue};
use stokly_shopify::adapters::orders::capture_orders;
use stokly_shopify::domain::catalogue::SkuIndex;
use stokly_shopify::domain::exception::DomainException;
use stokly_shopify::domain::order::OrderMappingConfig;
use stokly_shopify::sandbox::shopify::ShopifyState;
use stokly_shopify::sandbox::{
    FaultConfig, SandboxClock, Scenario, ScenarioBuilder, ShopifyConfig, ShopifyEmulator,
    StoklyConfig, StoklyEmulator, StoklyState,
};
use stokly_shopify::shopify::{DEFAULT_ORDER_OVERLAP, OrderCursor, OrderId, PageOptions};
use support::orders::sandbox_mapping_config;

const SHOP: &str = "capture.myshopify.com";

struct World {
    state: ShopifyState,
    clock: SandboxClock,
    index: SkuIndex,
    config: OrderMappingConfig,
    /// The scenario's orders, oldest change first.
    ids: Vec<OrderId>,
    /// An order with 45 lines (more than the first read's 20).
    long: OrderId,
}

async fn world(orders: usize) -> World {
    let scenario = ScenarioBuilder::new(17)
        .skus(20)
        .bundles(2)
        .orders(orders)
        .build();
    let clock = SandboxClock::new(scenario.epoch, 200.0);
    let mut state = scenario.shopify_state(SHOP);
    let (variant, price) = state
        .variants
        .values()
        .find(|v| v.sku.is_some())
        .map(|v| (v.id, v.price))
        .unwrap();
    let lines: Vec<_> = (0..45)
        .map(|_| (variant, 1, price, Decimal::new(20, 2)))
        .collect();
    let long = OrderId::from_numeric(state.add_order("#LONG", scenario.epoch, &lines));
    let read = read_side(&scenario, state.clone(), &clock).await;
    let ids = read.ids;
    let ids = ids.into_iter().filter(|id| *id != long).collect();
    World {
        state,
        clock,
        index: read.index,
        config: read.config,
        ids,
        long,
    }
}

/// Both emulators started on `state` and the scenario's Stokly side, with what capturing
/// needs: the Shopify client, the SKU index, the mapping config and every order's ID.
struct ReadSide {
    _emulators: (ShopifyEmulator, StoklyEmulator),
    shopify: stokly_shopify::shopify::Client,
    index: SkuIndex,
    config: OrderMappingConfig,
    ids: Vec<OrderId>,
}

async fn read_side(scenario: &Scenario, state: ShopifyState, clock: &SandboxClock) -> ReadSide {
    let mut stokly_state = StoklyState::from_scenario(scenario, "capture");
    stokly_state.link_shopify_listings(&state);
    let shopify = ShopifyEmulator::start(state, ShopifyConfig::standard_plan(), clock.clone())
        .await
        .unwrap();
    let stokly = StoklyEmulator::start(stokly_state, StoklyConfig::default(), clock.clone())
        .await
        .unwrap();
    let shopify_client = shopify.client_builder().build().unwrap();
    let stokly_client = stokly.client_builder().build().unwrap();
    let index = read_catalogue(
        &shopify_client,
        &stokly_client,
        &CatalogueReadOptions::default(),
    )
    .await
    .unwrap()
    .into_index();
    let config = sandbox_mapping_config(&stokly_client).await;
    let ids: Vec<OrderId> = shopify_client
        .orders_updated_since(
            &OrderCursor::start(),
            DEFAULT_ORDER_OVERLAP,
            PageOptions::default(),
        )
        .map_ok(|r| r.id)
        .try_collect()
        .await
        .unwrap();
    ReadSide {
        _emulators: (shopify, stokly),
        shopify: shopify_client,
        index,
        config,
        ids,
    }
}

fn mapped_ids(captured: &stokly_shopify::adapters::orders::CapturedOrders) -> Vec<OrderId> {
    captured
        .mapped
        .iter()
        .map(|m| match m {
            Ok(draft) => draft.shopify_order_id().clone(),
            Err(rejection) => rejection.order().id.clone(),
        })
        .collect()
}

#[tokio::test]
async fn orders_are_read_in_batches_completely_and_in_the_order_asked() {
    let w = world(60).await;
    let emu = ShopifyEmulator::start(
        w.state.clone(),
        ShopifyConfig::standard_plan(),
        w.clock.clone(),
    )
    .await
    .unwrap();
    let client = emu.client_builder().build().unwrap();
    // Newest first (not the store's order), an unknown order in the middle, the long order,
    // and a repeat.
    let unknown = OrderId::from_numeric(999_999_999);
    let mut asked: Vec<OrderId> = w.ids.iter().rev().cloned().collect();
    asked.insert(30, unknown.clone());
    asked.insert(7, w.long.clone());
    asked.push(asked[3].clone());

    let captured = capture_orders(&client, &asked, &w.index, &w.config)
        .await
        .unwrap();

    assert!(captured.is_complete(), "{:?}", captured.failed);
    assert_eq!(captured.missing, vec![unknown.clone()]);
    let mut seen = HashSet::new();
    let expected: Vec<OrderId> = asked
        .iter()
        .filter(|id| **id != unknown && seen.insert((*id).clone()))
        .cloned()
        .collect();
    assert_eq!(mapped_ids(&captured), expected);
    let long = captured
        .mapped
        .iter()
        .flatten()
        .find(|d| *d.shopify_order_id() == w.long)
        .expect("the long order maps");
    assert_eq!(long.lines().len(), 45, "all 45 lines, not the first 20");

    // 62 distinct orders: 7 batched reads; only the long order is read again on its own.
    let log = emu.requests();
    let count = |op: &str| log.iter().filter(|r| r.operation == op).count();
    assert_eq!(count("OrdersById"), 7);
    assert_eq!(count("Order"), 1);
    assert_eq!(count("OrderLineItems"), 1);
    assert!(log.iter().all(|r| r.requested_cost.unwrap_or(0) <= 1000));
    let points: u64 = log.iter().filter_map(|r| r.actual_cost).sum();
    eprintln!("{} requests, {points} points for 62 orders", log.len());
    assert!(
        points < 62 * 20,
        "{points} points: a batch is charged about as much as one order"
    );
}

#[tokio::test]
async fn a_failed_read_leaves_the_others_read_and_names_its_orders() {
    let w = world(100).await;
    let faults = FaultConfig::none().with_seed(5).with_server_error_rate(0.4);
    let emu = ShopifyEmulator::start(
        w.state.clone(),
        ShopifyConfig::standard_plan().with_faults(faults),
        w.clock.clone(),
    )
    .await
    .unwrap();
    // No retries: every injected 503 fails its read.
    let client = emu
        .client_builder()
        .retry(RetryConfig::default().with_max_attempts(1))
        .build()
        .unwrap();
    let captured = capture_orders(&client, &w.ids, &w.index, &w.config)
        .await
        .unwrap();
    let failed: Vec<OrderId> = captured
        .failed
        .iter()
        .flat_map(|f| f.orders.iter().cloned())
        .collect();
    assert!(!failed.is_empty() && !captured.mapped.is_empty());
    assert!(!captured.is_complete());
    // Every order is in exactly one place; the read ones keep the order asked for.
    let read = mapped_ids(&captured);
    let mut all: Vec<OrderId> = read
        .iter()
        .chain(&failed)
        .chain(&captured.missing)
        .cloned()
        .collect();
    assert_eq!(all.len(), w.ids.len());
    all.sort_by_key(OrderId::numeric_id);
    let mut want = w.ids.clone();
    want.sort_by_key(OrderId::numeric_id);
    assert_eq!(all, want);
    let expected: Vec<OrderId> = w
        .ids
        .iter()
        .filter(|id| read.contains(id))
        .cloned()
        .collect();
    assert_eq!(read, expected);
    for failure in &captured.failed {
        assert!(
            matches!(
                failure.error,
                stokly_shopify::shopify::Error::Http { status: 503, .. }
            ),
            "{}",
            failure.error
        );
    }
}

#[tokio::test]
async fn nothing_read_at_all_is_one_error() {
    let w = world(30).await;
    let emu = ShopifyEmulator::start(
        w.state.clone(),
        ShopifyConfig::standard_plan().with_faults(FaultConfig::none().with_server_error_rate(1.0)),
        w.clock.clone(),
    )
    .await
    .unwrap();
    let client = emu
        .client_builder()
        .retry(RetryConfig::default().with_max_attempts(1))
        .build()
        .unwrap();
    let error = capture_orders(&client, &w.ids, &w.index, &w.config)
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            stokly_shopify::Error::Shopify(stokly_shopify::shopify::Error::Http {
                status: 503,
                ..
            })
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn reads_in_flight_wait_for_the_shared_bucket_instead_of_being_throttled() {
    let w = world(150).await;
    // A bucket that holds five batches' worth of points and refills slowly: 15 batches must
    // wait for it.
    let emu = ShopifyEmulator::start(
        w.state.clone(),
        ShopifyConfig::standard_plan().with_bucket(300.0, 20.0),
        // 200 points a wall-clock second: the 525 points beyond the bucket take about 2.6 s.
        SandboxClock::new(w.clock.now(), 10.0),
    )
    .await
    .unwrap();
    let client = emu.client_builder().build().unwrap();
    let captured = capture_orders(&client, &w.ids, &w.index, &w.config)
        .await
        .unwrap();
    assert!(captured.is_complete(), "{:?}", captured.failed);
    assert_eq!(captured.mapped.len(), 150);
    let log = emu.requests();
    assert_eq!(
        log.iter().filter(|r| r.operation == "OrdersById").count(),
        15
    );
    assert!(
        log.iter()
            .all(|r| r.outcome == stokly_shopify::sandbox::shopify::Outcome::Ok),
        "{:?}",
        log.iter().map(|r| &r.outcome).collect::<Vec<_>>()
    );
    // The bucket ran low: the client waited rather than overdrawing it.
    assert!(log.iter().any(|r| r.available_after < 100.0));
}

/// Against wiremock: a batch whose answer does not decode is read again order by order, so
/// the bad answer costs only the orders it concerns.
#[tokio::test]
async fn a_batch_that_does_not_decode_is_read_order_by_order() {
    use stokly_shopify::domain::catalogue::StoklyCatalogue;
    use stokly_shopify::domain::order::TaxAccountMap;
    use stokly_shopify::stokly::ChannelId;
    use wiremock::matchers::body_partial_json;
    use wiremock::{Mock, MockServer, ResponseTemplate};

    let server = MockServer::start().await;
    Mock::given(body_partial_json(serde_json::json!({
        "operationName": "OrdersById",
        "variables": {"ids": ["gid://shopify/Order/1", "gid://shopify/Order/2"]}
    })))
    .respond_with(
        ResponseTemplate::new(200).set_body_json(serde_json::json!({"data": {"nodes": [
            {"__typename": "Order", "id": "gid://shopify/Order/1"}, null
        ]}})),
    )
    .expect(1)
    .named("the batch, with an order that does not decode")
    .mount(&server)
    .await;
    for id in [1, 2] {
        Mock::given(body_partial_json(serde_json::json!({
            "operationName": "Order",
            "variables": {"id": format!("gid://shopify/Order/{id}")}
        })))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(serde_json::json!({"data": {"order": null}})),
        )
        .expect(1)
        .named("each order alone")
        .mount(&server)
        .await;
    }
    let client = support::client(&server);
    let index = SkuIndex::build(StoklyCatalogue::new(&[]), &[]);
    let config = OrderMappingConfig::new(ChannelId::new("chan").unwrap(), TaxAccountMap::new());
    let ids = [OrderId::from_numeric(1), OrderId::from_numeric(2)];
    let captured = capture_orders(&client, &ids, &index, &config)
        .await
        .unwrap();
    assert!(captured.is_complete());
    assert_eq!(captured.missing, ids.to_vec());
}

#[tokio::test]
async fn orders_with_more_transactions_than_the_first_read_are_completed_not_refused() {
    // Two orders with over a hundred transactions: the ten-to-a-request read holds only the
    // first 50 of each, so they are read again alone (and mapped whole).
    let scenario = ScenarioBuilder::new(23)
        .skus(10)
        .orders(6)
        .many_transactions(2)
        .build();
    let clock = SandboxClock::new(scenario.epoch, 200.0);
    let read = read_side(&scenario, scenario.shopify_state(SHOP), &clock).await;
    let long: Vec<&str> = scenario
        .orders
        .iter()
        .filter(|o| o.failed_payment_attempts > 50)
        .map(|o| o.name.as_str())
        .collect();
    assert_eq!(
        long.len(),
        2,
        "the scenario seeds two long transaction lists"
    );

    let captured = capture_orders(&read.shopify, &read.ids, &read.index, &read.config)
        .await
        .unwrap();

    assert!(captured.is_complete(), "{:?}", captured.failed);
    assert_eq!(captured.mapped.len(), read.ids.len());
    for result in &captured.mapped {
        if let Err(rejection) = result {
            assert!(
                rejection
                    .exceptions()
                    .iter()
                    .all(|e| e.code() != "incomplete_order"),
                "{}: {:?}",
                rejection.order().name,
                rejection.exceptions()
            );
        }
    }
    let completed = captured
        .mapped
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .filter(|d| long.contains(&d.customer_reference()))
        .count();
    assert_eq!(completed, 2, "both long orders are mapped whole");
}
