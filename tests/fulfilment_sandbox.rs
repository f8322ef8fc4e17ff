//! Fulfilment end to end on the Shopify sandbox: orders get fulfillment orders, dispatches
//! (partial, several parcels, several carriers, a bundle, a held line, an order cancelled
//! after dispatch) are planned against what Shopify shows and applied through the
//! exactly-once protocol; a second run sends nothing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code should fail loudly

use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use rust_decimal::Decimal;
use stokly_shopify::adapters::fulfilment::{
    FulfilmentPorts, WriteResult, apply_fulfilment_plan, read_order_states,
};
use stokly_shopify::domain::exception::DomainException;
use stokly_shopify::domain::fulfilment::{
    BundleComponent, Dispatch, FulfilmentConfig, Parcel, plan_fulfilments,
};
use stokly_shopify::domain::ports::Clock;
use stokly_shopify::domain::posting::InMemoryPostingLedger;
use stokly_shopify::money::CurrencyCode;
use stokly_shopify::sandbox::shopify::Outcome;
use stokly_shopify::sandbox::shopify::ShopifyState;
use stokly_shopify::sandbox::{FaultConfig, SandboxClock, ShopifyConfig, ShopifyEmulator};
use stokly_shopify::shopify::model::ProductStatus;
use stokly_shopify::shopify::{LineItemId, LocationId, OrderId};
use stokly_shopify::stokly::{LocationId as StoklyLocationId, SaleOrderId};

struct SteppingClock(Mutex<DateTime<Utc>>);

#[async_trait]
impl Clock for SteppingClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
    async fn sleep_until(&self, until: DateTime<Utc>) {
        let mut now = self.0.lock().unwrap();
        if until > *now {
            *now = until;
        }
    }
}

fn epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap()
}

struct World {
    shopify: ShopifyEmulator,
    warehouse: u64,
    orders: BTreeMap<&'static str, u64>,
}

async fn world() -> World {
    let mut state = ShopifyState::new("fulfil.myshopify.com", CurrencyCode::GBP);
    let warehouse = state.add_location("Warehouse");
    let product = state.add_product("Kitchen", ProductStatus::Active);
    let mut variant =
        |sku: &str| state.add_variant(product, Some(sku), None, Decimal::TEN, true, epoch());
    let (mug, tea, gift) = (variant("MUG"), variant("TEA"), variant("GIFT-BOX"));
    let ten = Decimal::TEN;
    let vat = Decimal::new(20, 2);
    let mut orders = BTreeMap::new();
    orders.insert(
        "partial",
        state.add_order("#1001", epoch(), &[(mug, 3, ten, vat), (tea, 1, ten, vat)]),
    );
    orders.insert(
        "bundle",
        state.add_order("#1002", epoch(), &[(gift, 2, ten, vat)]),
    );
    orders.insert(
        "held",
        state.add_order("#1003", epoch(), &[(mug, 1, ten, vat), (tea, 2, ten, vat)]),
    );
    orders.insert(
        "cancelled",
        state.add_order("#1004", epoch(), &[(mug, 1, ten, vat)]),
    );
    let clock = SandboxClock::new(epoch(), 50.0);
    let shopify = ShopifyEmulator::start(state, ShopifyConfig::standard_plan(), clock)
        .await
        .unwrap();
    World {
        shopify,
        warehouse,
        orders,
    }
}

impl World {
    /// The order line of `sku` on an order, and its fulfillment-order line.
    fn line(&self, order: &str, sku: &str) -> (LineItemId, u64) {
        let state = self.shopify.order_fulfillment(self.orders[order]).unwrap();
        let line = state
            .fulfillment_orders
            .iter()
            .flat_map(|f| &f.lines)
            .find(|l| l.sku.as_deref() == Some(sku))
            .unwrap();
        (LineItemId::from_numeric(line.line_item), line.id)
    }

    fn dispatch(&self, id: &str, order: &str) -> Dispatch {
        Dispatch::new(
            id,
            SaleOrderId::new(format!("so-{order}")).unwrap(),
            OrderId::from_numeric(self.orders[order]),
            StoklyLocationId::new("wh-1").unwrap(),
            epoch(),
        )
    }

    fn config(&self) -> FulfilmentConfig {
        let mut locations = BTreeMap::new();
        locations.insert(
            StoklyLocationId::new("wh-1").unwrap(),
            LocationId::from_numeric(self.warehouse),
        );
        FulfilmentConfig::new(locations)
    }

    fn mutations(&self) -> usize {
        self.shopify
            .requests()
            .iter()
            .filter(|r| r.operation.starts_with("Fulfillment"))
            .count()
    }
}

#[tokio::test]
async fn dispatches_become_fulfilments_once() {
    let w = world().await;
    // A held line: Shopify splits it into its own fulfillment order.
    let (_, held_fo_line) = w.line("held", "TEA");
    w.shopify
        .hold_fulfillment_order_lines(w.orders["held"], &[(held_fo_line, 2)], "INCORRECT_ADDRESS")
        .unwrap();
    let dispatches = vec![
        // Partial, two parcels of one carrier, and a second carrier.
        w.dispatch("D1", "partial")
            .carrier("ups")
            .parcel(Parcel::tracked("1ZA", None))
            .parcel(Parcel::tracked("1ZB", None))
            .item(w.line("partial", "MUG").0, 2),
        w.dispatch("D2", "partial")
            .carrier("Royal Mail")
            .parcel(Parcel::tracked("RM1", None))
            .item(w.line("partial", "TEA").0, 1),
        // A bundle: one whole unit and part of the next.
        w.dispatch("D3", "bundle")
            .carrier("DPD")
            .parcel(Parcel::tracked("DPD1", None))
            .bundle(
                w.line("bundle", "GIFT-BOX").0,
                vec![
                    BundleComponent::new("CUP", 2, 3),
                    BundleComponent::new("SAUCER", 1, 2),
                ],
            ),
        // Everything of the held order left.
        w.dispatch("D4", "held")
            .carrier("UPS")
            .parcel(Parcel::tracked("1ZC", None))
            .item(w.line("held", "MUG").0, 1)
            .item(w.line("held", "TEA").0, 2),
        w.dispatch("D5", "cancelled")
            .carrier("UPS")
            .item(w.line("cancelled", "MUG").0, 1),
    ];
    w.shopify.with_state(|s| {
        s.orders
            .get_mut(&w.orders["cancelled"])
            .unwrap()
            .cancelled_at = Some(epoch());
    });

    let shopify = w.shopify.client_builder().build().unwrap();
    let order_ids: Vec<OrderId> = w
        .orders
        .values()
        .map(|&o| OrderId::from_numeric(o))
        .collect();
    let (states, failed) = read_order_states(&shopify, &order_ids).await;
    assert!(failed.is_empty());
    let plan = plan_fulfilments(&dispatches, &states, &w.config());
    let codes: Vec<&str> = plan.exceptions.iter().map(DomainException::code).collect();
    assert_eq!(
        codes,
        vec!["bundle_incomplete", "on_hold", "cancelled_after_dispatch"]
    );
    // partial: UPS + Royal Mail; bundle: DPD; held: UPS for the MUG line only.
    assert_eq!(plan.creates.len(), 4);

    let ledger = InMemoryPostingLedger::new();
    let clock = SteppingClock(Mutex::new(epoch()));
    let ports = FulfilmentPorts::new(&shopify, &ledger, &clock, "fulfil");
    let report = apply_fulfilment_plan(&plan, &states, ports).await;
    assert_eq!(report.done(), 4, "{report:?}");
    assert_eq!(w.mutations(), 4);

    // What Shopify shows now.
    let partial = w.shopify.order_fulfillment(w.orders["partial"]).unwrap();
    let numbers: Vec<Vec<String>> = partial
        .fulfillments
        .iter()
        .map(|f| f.tracking.iter().map(|t| t.1.clone()).collect())
        .collect();
    assert_eq!(
        numbers,
        vec![
            vec!["RM1".to_owned()],
            vec!["1ZA".to_owned(), "1ZB".to_owned()]
        ]
    );
    let companies: Vec<Option<String>> = partial
        .fulfillments
        .iter()
        .map(|f| f.tracking[0].0.clone())
        .collect();
    assert_eq!(
        companies,
        vec![Some("Royal Mail".to_owned()), Some("UPS".to_owned())]
    );
    let mug_left: i64 = partial.fulfillment_orders[0]
        .lines
        .iter()
        .map(|l| l.remaining)
        .sum();
    assert_eq!(mug_left, 1, "one MUG stays open");
    let bundle = w.shopify.order_fulfillment(w.orders["bundle"]).unwrap();
    assert_eq!(bundle.fulfillments[0].lines[0].1, 1, "one whole bundle");

    // A second run: nothing sent.
    let (states, _) = read_order_states(&shopify, &order_ids).await;
    let again = plan_fulfilments(&dispatches, &states, &w.config());
    assert_eq!(again.mutations(), 0, "{again:?}");
    let report = apply_fulfilment_plan(&again, &states, ports).await;
    assert!(report.writes.is_empty());
    assert_eq!(w.mutations(), 4);

    // The hold is released: the held line goes, with its dispatch's tracking.
    let held = w.shopify.order_fulfillment(w.orders["held"]).unwrap();
    assert!(
        w.shopify
            .release_fulfillment_holds(held.fulfillment_orders[1].id)
    );
    let (states, _) = read_order_states(&shopify, &order_ids).await;
    let third = plan_fulfilments(&dispatches, &states, &w.config());
    assert_eq!(third.creates.len(), 1);
    assert_eq!(third.creates[0].input.tracking_info.numbers, vec!["1ZC"]);
    let report = apply_fulfilment_plan(&third, &states, ports).await;
    assert!(matches!(report.writes[0].result, WriteResult::Done { .. }));
}

#[tokio::test]
async fn shopify_refusals_are_the_recorded_ones() {
    let w = world().await;
    let shopify = w.shopify.client_builder().build().unwrap();
    let state = w.shopify.order_fulfillment(w.orders["partial"]).unwrap();
    let fo = &state.fulfillment_orders[0];
    let input: stokly_shopify::shopify::model::FulfillmentInput = serde_json::from_value(serde_json::json!({
        "trackingInfo": {"numbers": [], "urls": []},
        "notifyCustomer": false,
        "lineItemsByFulfillmentOrder": [{
            "fulfillmentOrderId": format!("gid://shopify/FulfillmentOrder/{}", fo.id),
            "fulfillmentOrderLineItems": [{"id": format!("gid://shopify/FulfillmentOrderLineItem/{}", fo.lines[0].id), "quantity": 9}]
        }]
    }))
    .unwrap();
    let error = shopify.fulfillment_create(&input).await.unwrap_err();
    assert!(
        error
            .to_string()
            .contains("Invalid fulfillment order line item quantity requested."),
        "{error}"
    );
}

/// A shop with one order of `lines` distinct lines (one unit each); answers the emulator,
/// the warehouse and the order.
async fn one_big_order(lines: usize) -> (ShopifyEmulator, u64, u64) {
    one_big_order_on(lines, ShopifyConfig::standard_plan()).await
}

/// [`one_big_order`] on an emulator with this configuration (faults).
async fn one_big_order_on(lines: usize, config: ShopifyConfig) -> (ShopifyEmulator, u64, u64) {
    let mut state = ShopifyState::new("paging.myshopify.com", CurrencyCode::GBP);
    let warehouse = state.add_location("Warehouse");
    let product = state.add_product("Shelf", ProductStatus::Active);
    let vat = Decimal::new(20, 2);
    let items: Vec<(u64, i64, Decimal, Decimal)> = (0..lines)
        .map(|i| {
            let sku = format!("SKU-{i:03}");
            let v = state.add_variant(product, Some(&sku), None, Decimal::TEN, true, epoch());
            (v, 1, Decimal::TEN, vat)
        })
        .collect();
    let order = state.add_order("#2001", epoch(), &items);
    let clock = SandboxClock::new(epoch(), 50.0);
    let shopify = ShopifyEmulator::start(state, config, clock).await.unwrap();
    (shopify, warehouse, order)
}

fn config_for(warehouse: u64) -> FulfilmentConfig {
    let mut locations = BTreeMap::new();
    locations.insert(
        StoklyLocationId::new("wh-1").unwrap(),
        LocationId::from_numeric(warehouse),
    );
    FulfilmentConfig::new(locations)
}

fn order_lines(shopify: &ShopifyEmulator, order: u64) -> Vec<LineItemId> {
    shopify
        .order_fulfillment(order)
        .unwrap()
        .fulfillment_orders
        .iter()
        .flat_map(|f| &f.lines)
        .map(|l| LineItemId::from_numeric(l.line_item))
        .collect()
}

fn big_dispatch(id: &str, order: u64) -> Dispatch {
    Dispatch::new(
        id,
        SaleOrderId::new("so-big").unwrap(),
        OrderId::from_numeric(order),
        StoklyLocationId::new("wh-1").unwrap(),
        epoch(),
    )
}

fn operations(shopify: &ShopifyEmulator, name: &str) -> Vec<serde_json::Value> {
    shopify
        .requests()
        .into_iter()
        .filter(|r| r.operation == name)
        .map(|r| r.variables)
        .collect()
}

#[tokio::test]
async fn a_sixty_line_fulfillment_order_is_read_whole_and_fulfilled_once() {
    let (shopify_emulator, warehouse, order) = one_big_order(60).await;
    let lines = order_lines(&shopify_emulator, order);
    assert_eq!(lines.len(), 60);
    let mut dispatch = big_dispatch("D-BIG", order)
        .carrier("UPS")
        .parcel(Parcel::tracked("1ZBIG", None));
    for line in &lines {
        dispatch = dispatch.item(line.clone(), 1);
    }
    let dispatches = vec![dispatch];
    let shopify = shopify_emulator.client_builder().build().unwrap();
    let ids = vec![OrderId::from_numeric(order)];
    let (states, failed) = read_order_states(&shopify, &ids).await;
    assert!(failed.is_empty());
    // The fulfillment order's 60 lines were read: 25 with it, 35 paged through its own
    // connection (a real page limit of 25 nested lines).
    let fo = &states[0].fulfillment_orders.nodes[0];
    assert_eq!(fo.line_items.nodes.len(), 60);
    assert!(!states[0].is_truncated());
    let paged = operations(&shopify_emulator, "FulfillmentOrderLineItems");
    assert_eq!(paged.len(), 1);
    assert_eq!(
        paged[0]["after"],
        serde_json::json!(format!("fol{}:25", fo.id.numeric_id()))
    );

    let plan = plan_fulfilments(&dispatches, &states, &config_for(warehouse));
    assert!(plan.exceptions.is_empty(), "{:?}", plan.exceptions);
    assert_eq!(plan.creates.len(), 1);
    assert_eq!(plan.creates[0].lines.len(), 60);
    let ledger = InMemoryPostingLedger::new();
    let clock = SteppingClock(Mutex::new(epoch()));
    let ports = FulfilmentPorts::new(&shopify, &ledger, &clock, "paging");
    let report = apply_fulfilment_plan(&plan, &states, ports).await;
    assert_eq!(report.done(), 1, "{report:?}");
    let after = shopify_emulator.order_fulfillment(order).unwrap();
    assert_eq!(after.fulfillment_orders[0].status, "CLOSED");
    assert_eq!(after.fulfillments[0].lines.len(), 60);

    // The rerun reads the fulfilment's 60 lines (25, then the rest through its own
    // connection) and sends nothing.
    let (states, _) = read_order_states(&shopify, &ids).await;
    assert_eq!(
        states[0].fulfillments[0].fulfillment_line_items.nodes.len(),
        60
    );
    assert_eq!(
        operations(&shopify_emulator, "FulfillmentLineItems").len(),
        1
    );
    let again = plan_fulfilments(&dispatches, &states, &config_for(warehouse));
    assert_eq!(again.mutations(), 0, "{again:?}");
    assert!(again.exceptions.is_empty(), "{:?}", again.exceptions);
}

#[tokio::test]
async fn an_order_with_twelve_fulfilments_is_read_whole_and_a_rerun_sends_nothing() {
    let (shopify_emulator, warehouse, order) = one_big_order(12).await;
    let lines = order_lines(&shopify_emulator, order);
    // Twelve carriers: twelve fulfilments, more than the first read's ten.
    let dispatches: Vec<Dispatch> = lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            big_dispatch(&format!("D{i:02}"), order)
                .carrier(format!("Courier {i}"))
                .parcel(Parcel::tracked(
                    format!("C{i}"),
                    Some(format!("https://track.example/C{i}")),
                ))
                .item(line.clone(), 1)
        })
        .collect();
    let shopify = shopify_emulator.client_builder().build().unwrap();
    let ids = vec![OrderId::from_numeric(order)];
    let (states, _) = read_order_states(&shopify, &ids).await;
    let plan = plan_fulfilments(&dispatches, &states, &config_for(warehouse));
    assert_eq!(plan.creates.len(), 12);
    let ledger = InMemoryPostingLedger::new();
    let clock = SteppingClock(Mutex::new(epoch()));
    let ports = FulfilmentPorts::new(&shopify, &ledger, &clock, "paging");
    let report = apply_fulfilment_plan(&plan, &states, ports).await;
    assert_eq!(report.done(), 12, "{report:?}");

    let before = operations(&shopify_emulator, "OrderFulfillments").len();
    let (states, _) = read_order_states(&shopify, &ids).await;
    assert_eq!(states[0].fulfillments.len(), 12);
    assert!(!states[0].is_truncated());
    // The list was cut at ten, then read again sized to Shopify's count.
    let reads = operations(&shopify_emulator, "OrderFulfillments");
    let sizes: Vec<&serde_json::Value> =
        reads[before..].iter().map(|v| &v["fulfillments"]).collect();
    assert_eq!(sizes, vec![&serde_json::json!(10), &serde_json::json!(12)]);
    let again = plan_fulfilments(&dispatches, &states, &config_for(warehouse));
    assert_eq!(again.mutations(), 0, "{again:?}");
    assert!(again.exceptions.is_empty(), "{:?}", again.exceptions);
}

#[tokio::test]
async fn a_move_is_made_once_even_when_its_plan_is_applied_twice() {
    let mut state = ShopifyState::new("moves.myshopify.com", CurrencyCode::GBP);
    let warehouse = state.add_location("Warehouse");
    let store = state.add_location("Store");
    let product = state.add_product("Kitchen", ProductStatus::Active);
    let mug = state.add_variant(product, Some("MUG"), None, Decimal::TEN, true, epoch());
    let order = state.add_order(
        "#3001",
        epoch(),
        &[(mug, 3, Decimal::TEN, Decimal::new(20, 2))],
    );
    let shopify_emulator = ShopifyEmulator::start(
        state,
        ShopifyConfig::standard_plan(),
        SandboxClock::new(epoch(), 50.0),
    )
    .await
    .unwrap();
    let line = order_lines(&shopify_emulator, order)[0].clone();
    // One mug left from the store; the order is assigned to the warehouse.
    let dispatches = vec![
        Dispatch::new(
            "D-STORE",
            SaleOrderId::new("so-move").unwrap(),
            OrderId::from_numeric(order),
            StoklyLocationId::new("store-1").unwrap(),
            epoch(),
        )
        .carrier("UPS")
        .parcel(Parcel::tracked("1ZSTORE", None))
        .item(line, 1),
    ];
    let mut locations = BTreeMap::new();
    locations.insert(
        StoklyLocationId::new("store-1").unwrap(),
        LocationId::from_numeric(store),
    );
    let config = FulfilmentConfig::new(locations)
        .with_location_mismatch(stokly_shopify::domain::fulfilment::LocationMismatchPolicy::Move);
    let shopify = shopify_emulator.client_builder().build().unwrap();
    let ids = vec![OrderId::from_numeric(order)];
    let (states, _) = read_order_states(&shopify, &ids).await;
    let plan = plan_fulfilments(&dispatches, &states, &config);
    assert_eq!(plan.moves.len(), 1, "{plan:?}");
    let ledger = InMemoryPostingLedger::new();
    let clock = SteppingClock(Mutex::new(epoch()));
    let ports = FulfilmentPorts::new(&shopify, &ledger, &clock, "moves");
    let first = apply_fulfilment_plan(&plan, &states, ports).await;
    assert!(
        matches!(first.writes[0].result, WriteResult::Done { .. }),
        "{first:?}"
    );
    // The same plan again (a second worker, or a retry after a crash): the look-up reads the
    // fulfillment orders, sees the unit at the store, and sends no second move (which would
    // move another of the two mugs still at the warehouse).
    let second = apply_fulfilment_plan(&plan, &states, ports).await;
    assert!(
        matches!(second.writes[0].result, WriteResult::AlreadyDone { .. }),
        "{second:?}"
    );
    assert_eq!(
        operations(&shopify_emulator, "FulfillmentOrderMove").len(),
        1
    );
    let after = shopify_emulator.order_fulfillment(order).unwrap();
    let at = |location: u64| -> i64 {
        after
            .fulfillment_orders
            .iter()
            .filter(|f| f.location == location)
            .flat_map(|f| &f.lines)
            .map(|l| l.total)
            .sum()
    };
    assert_eq!((at(warehouse), at(store)), (2, 1));

    // Next run: the unit is fulfilled from the store; nothing is moved again.
    let (states, _) = read_order_states(&shopify, &ids).await;
    let next = plan_fulfilments(&dispatches, &states, &config);
    assert!(next.moves.is_empty(), "{next:?}");
    assert_eq!(next.creates.len(), 1);
}

/// Every mutation's answer is lost (the emulator carries it out and answers 504): the
/// fulfilment is created once, found by re-reading the order, and a rerun sends nothing.
#[tokio::test]
async fn a_fulfilment_whose_answer_was_lost_is_created_once() {
    let config = ShopifyConfig::standard_plan()
        .with_faults(FaultConfig::none().with_lost_response_rate(1.0));
    let (shopify_emulator, warehouse, order) = one_big_order_on(3, config).await;
    let lines = order_lines(&shopify_emulator, order);
    let mut dispatch = big_dispatch("D-LOST", order)
        .carrier("UPS")
        .parcel(Parcel::tracked("1ZLOST", None));
    for line in &lines {
        dispatch = dispatch.item(line.clone(), 1);
    }
    let dispatches = vec![dispatch];
    let shopify = shopify_emulator.client_builder().build().unwrap();
    let ids = vec![OrderId::from_numeric(order)];
    let (states, failed) = read_order_states(&shopify, &ids).await;
    assert!(failed.is_empty());
    let plan = plan_fulfilments(&dispatches, &states, &config_for(warehouse));
    assert_eq!(plan.creates.len(), 1, "{plan:?}");
    let ledger = InMemoryPostingLedger::new();
    let clock = SteppingClock(Mutex::new(epoch()));
    let ports = FulfilmentPorts::new(&shopify, &ledger, &clock, "lost");
    let report = apply_fulfilment_plan(&plan, &states, ports).await;

    // One fulfillmentCreate reached Shopify, its answer was lost, and nothing sent it again.
    let creates: Vec<_> = shopify_emulator
        .requests()
        .into_iter()
        .filter(|r| r.operation == "FulfillmentCreate")
        .collect();
    assert_eq!(creates.len(), 1, "{creates:?}");
    assert_eq!(creates[0].outcome, Outcome::LostAnswer);
    let after = shopify_emulator.order_fulfillment(order).unwrap();
    assert_eq!(after.fulfillments.len(), 1);
    assert_eq!(after.fulfillments[0].lines.len(), 3);
    // The run settled it by reading the order's fulfilments back.
    assert!(
        matches!(
            report.writes[0].result,
            WriteResult::Done { .. } | WriteResult::AlreadyDone { .. }
        ),
        "{report:?}"
    );

    let (states, _) = read_order_states(&shopify, &ids).await;
    let again = plan_fulfilments(&dispatches, &states, &config_for(warehouse));
    assert_eq!(again.mutations(), 0, "{again:?}");
}
