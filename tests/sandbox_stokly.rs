//! The real Stokly client driven against the Stokly emulator: grant, token expiry and renewal
//! mid-run, pagination over 10,000 items, filters answered by the emulator's parser, the
//! per-minute budget (its window in emulated time), tokens expiring early, eventual visibility
//! of writes, and stock adjustments.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code should fail loudly

use std::time::Duration;

use chrono::Utc;
use futures::TryStreamExt;
use rust_decimal::Decimal;
use stokly_shopify::RetryConfig;
use stokly_shopify::sandbox::{
    FaultConfig, SandboxClock, ScenarioBuilder, StoklyConfig, StoklyEmulator, StoklyState,
};
use stokly_shopify::stokly::model::{
    AdjustmentLine, NewAdjustment, NewSaleOrder, NewSaleOrderLine, RecordLevel,
};
use stokly_shopify::stokly::{Error, Filter, ItemId, ListQuery, RateLimit, Sort};

async fn emulator(state: StoklyState, config: StoklyConfig, scale: f64) -> StoklyEmulator {
    StoklyEmulator::start(state, config, SandboxClock::new(Utc::now(), scale))
        .await
        .unwrap()
}

fn fast_retry() -> RetryConfig {
    RetryConfig::default()
        .with_initial_backoff(Duration::from_millis(5))
        .with_max_backoff(Duration::from_millis(50))
        .with_max_attempts(8)
}

fn scenario_state(skus: usize) -> (stokly_shopify::sandbox::Scenario, StoklyState) {
    let scenario = ScenarioBuilder::new(4)
        .skus(skus)
        .bundles(3)
        .locations(2)
        .unknown_skus(2)
        .build();
    let state = StoklyState::from_scenario(&scenario, "sandbox");
    (scenario, state)
}

#[tokio::test]
async fn grant_expiry_and_renewal_mid_run() {
    let (_, state) = scenario_state(10);
    let config = StoklyConfig::default().with_token_ttl(Duration::from_secs(600));
    let emu = emulator(state, config, 1.0).await;
    let client = emu.client_builder().retry(fast_retry()).build().unwrap();

    let first: Vec<_> = client
        .locations(ListQuery::new())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(first.len(), 2);
    // A clone reuses the cached token: still one grant.
    let _: Vec<_> = client
        .clone()
        .channels(ListQuery::new())
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    assert_eq!(emu.grants(), 1);

    // Ten minutes pass on Stokly's side: the token is refused as expired, the client grants
    // again once and repeats the call.
    emu.clock().advance(Duration::from_secs(601));
    let again: Vec<_> = client
        .locations(ListQuery::new())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(again.len(), 2);
    assert_eq!(emu.grants(), 2);
    let statuses: Vec<u16> = emu
        .requests()
        .iter()
        .filter(|r| r.path == "/v0/locations")
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, vec![200, 401, 200]);
}

#[tokio::test]
async fn a_wrong_secret_is_refused_and_never_shown() {
    let (_, state) = scenario_state(2);
    let emu = emulator(state, StoklyConfig::default(), 1.0).await;
    let client = emu
        .client_builder()
        .client_secret("not-the-secret-at-all")
        .retry(fast_retry())
        .build()
        .unwrap();
    let err = client
        .locations(ListQuery::new())
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(
        shown.contains("401") || shown.contains("Invalid credentials"),
        "{shown}"
    );
    assert!(!shown.contains("not-the-secret-at-all"), "{shown}");
    assert_eq!(emu.grants(), 0);
}

#[tokio::test]
async fn pages_through_ten_thousand_items() {
    let mut state = StoklyState::new("sandbox", 1);
    let now = Utc::now();
    for i in 0..10_000 {
        state.add_item(&format!("BULK-{i:05}"), &format!("Item {i}"), 0, None, now);
    }
    let emu = emulator(state, StoklyConfig::default(), 1.0).await;
    let client = emu.client_builder().retry(fast_retry()).build().unwrap();
    let items: Vec<_> = client
        .items(ListQuery::new().page_size(1000))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len(), 10_000);
    let mut skus: Vec<_> = items.iter().map(|i| i.sku.clone().unwrap()).collect();
    skus.dedup();
    assert_eq!(skus.len(), 10_000, "no item twice");
    let pages = emu
        .requests()
        .iter()
        .filter(|r| r.path == "/v0/items")
        .count();
    assert!((10..=11).contains(&pages), "{pages} pages");
}

#[tokio::test]
async fn filters_are_answered_by_the_grammar() {
    let (scenario, state) = scenario_state(30);
    let emu = emulator(state, StoklyConfig::default(), 1.0).await;
    let client = emu.client_builder().retry(fast_retry()).build().unwrap();

    let hit = client.items_by_sku("SKU-00007").await.unwrap();
    assert_eq!(hit.len(), 1);
    assert_eq!(hit[0].sku.as_deref(), Some("SKU-00007"));
    assert!(
        client.items_by_sku("sku-00007").await.unwrap().is_empty(),
        "SKU match is exact"
    );
    assert!(
        client
            .items_by_sku("SHOPIFY-ONLY-001")
            .await
            .unwrap()
            .is_empty()
    );

    let composites: Vec<_> = client
        .items(
            ListQuery::new()
                .filter(Filter::field("format").eq(1).unwrap())
                .sort(Sort::asc("sku").unwrap()),
        )
        .try_collect()
        .await
        .unwrap();
    let skus: Vec<_> = composites.iter().map(|i| i.sku.clone().unwrap()).collect();
    assert_eq!(skus, vec!["BUNDLE-001", "BUNDLE-002", "BUNDLE-003"]);

    let either = Filter::field("sku")
        .eq("SKU-00001")
        .unwrap()
        .or(Filter::field("sku").eq("SKU-00002").unwrap());
    let both: Vec<_> = client
        .items(ListQuery::new().filter(either))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(both.len(), 2);

    // Inventory records by level: bins, location totals and item totals agree.
    let sku = &scenario.items[0].sku;
    let item = client.items_by_sku(sku).await.unwrap().remove(0);
    let by_item =
        ListQuery::new().filter(Filter::field("itemId").eq(item.item_id.as_str()).unwrap());
    let bins: Vec<_> = client
        .inventory_records_at(RecordLevel::Bin, by_item.clone())
        .try_collect()
        .await
        .unwrap();
    let totals: Vec<_> = client
        .inventory_records_at(RecordLevel::Item, by_item)
        .try_collect()
        .await
        .unwrap();
    let expected: i64 = scenario.items[0].stock.iter().sum();
    let bin_sum: Decimal = bins.iter().map(|r| r.on_hand.unwrap()).sum();
    assert_eq!(bin_sum, Decimal::from(expected));
    assert_eq!(totals.len(), 1);
    assert_eq!(totals[0].on_hand, Some(Decimal::from(expected)));

    let components: Vec<_> = client
        .item_children(&composites[0].item_id, ListQuery::new())
        .try_collect()
        .await
        .unwrap();
    let bundle = scenario
        .items
        .iter()
        .find(|i| i.sku == "BUNDLE-001")
        .unwrap();
    assert_eq!(components.len(), bundle.components.len());
}

#[tokio::test]
async fn the_client_paces_itself_to_the_reported_budget() {
    let (_, state) = scenario_state(5);
    // Five requests per emulated minute; time runs 60x, so a window lasts one wall second.
    let config = StoklyConfig::default().with_requests_per_minute(5);
    let emu = emulator(state, config, 60.0).await;
    let pace = RateLimit::default()
        .with_window(Duration::from_secs(1))
        .with_requests_per_second(50.0);
    let client = emu
        .client_builder()
        .rate_limit(pace)
        .retry(fast_retry())
        .build()
        .unwrap();
    for _ in 0..8 {
        let _: Vec<_> = client
            .locations(ListQuery::new())
            .try_collect()
            .await
            .unwrap();
    }
    let log = emu.requests();
    assert_eq!(
        log.iter().filter(|r| r.status == 429).count(),
        0,
        "x-ratelimit-remaining was honoured"
    );
    assert_eq!(
        log.iter()
            .filter(|r| r.path == "/v0/locations" && r.status == 200)
            .count(),
        8
    );
}

#[tokio::test]
async fn a_spent_budget_answers_429_and_the_client_retries() {
    let (_, state) = scenario_state(5);
    let config = StoklyConfig::default().with_requests_per_minute(5);
    // Time runs 12x: a window lasts five wall seconds, so eight quick calls surely share one
    // even on a loaded machine.
    let emu = emulator(state, config, 12.0).await;
    let pace = RateLimit::default()
        .with_window(Duration::from_secs(5))
        .with_requests_per_second(50.0);
    // Eight separate processes (fresh clients, not clones) share one account budget; each
    // starts knowing nothing of what the others spent, so the sixth meets a 429 and retries.
    for _ in 0..8 {
        let fresh = emu
            .client_builder()
            .rate_limit(pace)
            .retry(fast_retry())
            .build()
            .unwrap();
        let _: Vec<_> = fresh
            .locations(ListQuery::new())
            .try_collect()
            .await
            .unwrap();
    }
    let log = emu.requests();
    assert!(
        log.iter().any(|r| r.status == 429),
        "the shared budget ran out"
    );
    assert_eq!(
        log.iter()
            .filter(|r| r.path == "/v0/locations" && r.status == 200)
            .count(),
        8
    );
}

#[tokio::test]
async fn writes_are_eventually_visible_and_adjustments_move_stock() {
    let (scenario, state) = scenario_state(5);
    let config = StoklyConfig::default().with_visibility_delay(Duration::from_secs(2));
    let emu = emulator(state, config, 1.0).await;
    let client = emu.client_builder().retry(fast_retry()).build().unwrap();
    let item = client
        .items_by_sku(&scenario.items[1].sku)
        .await
        .unwrap()
        .remove(0);

    let order = NewSaleOrder::new(
        stokly_shopify::CurrencyCode::GBP,
        vec![NewSaleOrderLine::item(
            item.item_id.clone(),
            Decimal::from(2),
        )],
    );
    let id = client.create_sale_order(&order).await.unwrap();
    // Not visible at once...
    assert!(client.sale_order(&id).await.unwrap_err().is_not_found());
    // ...but the bounded wait finds it.
    let visible = client.wait_for_sale_order(&id).await.unwrap();
    assert_eq!(visible.sale_order_id, id);
    let lines: Vec<_> = client
        .sale_order_lines(&id, ListQuery::new())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].quantity, Some(Decimal::from(2)));

    let location = client
        .locations(ListQuery::new())
        .try_collect::<Vec<_>>()
        .await
        .unwrap()
        .remove(0);
    let bin = client
        .default_bin(&location.location_id)
        .await
        .unwrap()
        .unwrap();
    let before =
        emu.with_state(|s| s.on_hand_at(item.item_id.as_str(), location.location_id.as_str()));
    client
        .create_adjustment(&NewAdjustment::new(
            location.location_id.clone(),
            bin.bin_id.clone(),
            "sandbox test",
            vec![AdjustmentLine::new(item.item_id.clone(), Decimal::from(-3))],
        ))
        .await
        .unwrap();
    let after =
        emu.with_state(|s| s.on_hand_at(item.item_id.as_str(), location.location_id.as_str()));
    assert_eq!(after, before - 3);
}

#[tokio::test]
async fn unknown_routes_and_bad_filters_are_errors() {
    let (_, state) = scenario_state(2);
    let emu = emulator(state, StoklyConfig::default(), 1.0).await;
    let client = emu.client_builder().retry(fast_retry()).build().unwrap();
    let err = client
        .item(&ItemId::new("00000000-0000-4000-8000-000000000000").unwrap())
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    match client
        .get_at::<serde_json::Value>("/v0/gift-registries")
        .await
        .unwrap_err()
    {
        Error::Api {
            status, message, ..
        } => {
            assert_eq!(status, 404);
            assert!(message.unwrap().contains("not emulated"));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn after_an_injected_429_the_client_waits_an_emulated_minute_not_a_wall_clock_one() {
    let (_, state) = scenario_state(2);
    // Every request is throttled; time runs 60x, so Stokly's minute lasts one wall second.
    let faults = FaultConfig::none().with_seed(3).with_throttle_rate(1.0);
    let emu = emulator(state, StoklyConfig::default().with_faults(faults), 60.0).await;
    let client = emu
        .client_builder()
        .retry(RetryConfig::disabled())
        .build()
        .unwrap();
    let err = client
        .locations(ListQuery::new())
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(429));
    assert_eq!(client.rate_limit_remaining(), Some(0));
    // The spent window is waited out until one emulated minute after it began: at most one
    // wall-clock second here (a wall-clock minute before).
    let wait = client.rate_limit_wait();
    assert!(wait <= Duration::from_secs(1), "{wait:?}");
}

#[tokio::test]
async fn a_token_that_expires_early_is_renewed_and_a_second_expiry_is_retryable() {
    let (_, state) = scenario_state(2);
    // Every token expires at its first use.
    let faults = FaultConfig::none().with_seed(5).with_token_expiry_rate(1.0);
    let emu = emulator(state, StoklyConfig::default().with_faults(faults), 1.0).await;
    let client = emu.client_builder().retry(fast_retry()).build().unwrap();
    let err = client
        .locations(ListQuery::new())
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(401));
    assert_eq!(err.message(), Some("jwt expired"));
    assert!(err.is_retryable(), "a second expiry is retried later");
    assert!(!err.may_have_been_applied());
    assert_eq!(emu.grants(), 2, "one renewal within the call");
    let statuses: Vec<u16> = emu
        .requests()
        .iter()
        .filter(|r| r.path == "/v0/locations")
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, vec![401, 401]);
}

#[tokio::test]
async fn a_dropped_grant_connection_is_a_retryable_grant_error_and_is_counted() {
    let (_, state) = scenario_state(2);
    let faults = FaultConfig::none()
        .with_seed(9)
        .with_dropped_connection_rate(1.0);
    let emu = emulator(state, StoklyConfig::default().with_faults(faults), 1.0).await;
    let client = emu
        .client_builder()
        .retry(RetryConfig::disabled())
        .build()
        .unwrap();
    let err = client
        .item(&ItemId::new("00000000-0000-4000-8000-000000000000").unwrap())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Grant { status: None, .. }), "{err:?}");
    assert!(err.is_retryable());
    assert!(!err.may_have_been_applied(), "only the grant was sent");
    assert_eq!(emu.dropped_connections(), 1);
    assert!(emu.requests().is_empty());
}

#[tokio::test]
async fn connections_are_dropped_per_request_even_when_kept_alive() {
    let (_, state) = scenario_state(2);
    let faults = FaultConfig::none()
        .with_seed(11)
        .with_dropped_connection_rate(0.3);
    let emu = emulator(state, StoklyConfig::default().with_faults(faults), 60.0).await;
    let client = emu.client_builder().retry(fast_retry()).build().unwrap();
    for _ in 0..30 {
        let _: Vec<_> = client
            .locations(ListQuery::new())
            .try_collect()
            .await
            .unwrap();
    }
    let answered = emu.requests().len() as u64;
    let dropped = emu.dropped_connections();
    // About 30% of all requests, though one kept-alive connection could carry them all.
    assert!(
        dropped * 10 >= (answered + dropped),
        "{dropped} dropped of {}",
        answered + dropped
    );
}
