//! Fulfilment from the Stokly emulator: orders are posted to Stokly, dispatched there (in
//! part, in several parcels, with two carriers), read back with `read_stokly_dispatches` on
//! the inferred dispatch path, planned against Shopify's fulfillment orders and applied on
//! the Shopify emulator; a rerun sends nothing.
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
    FulfilmentPorts, apply_fulfilment_plan, read_order_states, read_stokly_dispatches,
};
use stokly_shopify::domain::fulfilment::{Dispatch, FulfilmentConfig, plan_fulfilments};
use stokly_shopify::domain::ports::Clock;
use stokly_shopify::domain::posting::InMemoryPostingLedger;
use stokly_shopify::money::CurrencyCode;
use stokly_shopify::sandbox::shopify::ShopifyState;
use stokly_shopify::sandbox::stokly::{DispatchSpec, ParcelSpec};
use stokly_shopify::sandbox::{
    SandboxClock, ShopifyConfig, ShopifyEmulator, StoklyConfig, StoklyEmulator, StoklyState,
};
use stokly_shopify::shopify::model::ProductStatus;
use stokly_shopify::shopify::{self, LocationId, OrderId};
use stokly_shopify::stokly::model::{NewSaleOrder, NewSaleOrderLine};
use stokly_shopify::stokly::{self, ItemId, LocationId as StoklyLocationId, SaleOrderId};

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
    stokly: StoklyEmulator,
    warehouse: u64,
    stokly_warehouse: String,
    /// Shopify order and Stokly sale order, by name.
    orders: BTreeMap<&'static str, (u64, SaleOrderId)>,
}

async fn world() -> World {
    let clock = SandboxClock::new(epoch(), 50.0);
    let mut state = ShopifyState::new("fulfil.myshopify.com", CurrencyCode::GBP);
    let warehouse = state.add_location("Warehouse");
    let product = state.add_product("Kitchen", ProductStatus::Active);
    let mut variant =
        |sku: &str| state.add_variant(product, Some(sku), None, Decimal::TEN, true, epoch());
    let (mug, tea) = (variant("MUG"), variant("TEA"));
    let (ten, vat) = (Decimal::TEN, Decimal::new(20, 2));
    let partial = state.add_order("#1001", epoch(), &[(mug, 3, ten, vat), (tea, 1, ten, vat)]);
    let whole = state.add_order("#1002", epoch(), &[(mug, 1, ten, vat), (tea, 2, ten, vat)]);
    let shopify = ShopifyEmulator::start(state, ShopifyConfig::standard_plan(), clock.clone())
        .await
        .unwrap();

    let mut state = StoklyState::new("sandbox", 15);
    let (stokly_warehouse, _) = state.add_location("Warehouse");
    let items: BTreeMap<&str, String> = ["MUG", "TEA"]
        .into_iter()
        .map(|sku| (sku, state.add_item(sku, sku, 0, None, epoch())))
        .collect();
    let stokly = StoklyEmulator::start(state, StoklyConfig::default(), clock)
        .await
        .unwrap();
    // Post the two orders to Stokly, as order capture does (referenced by Shopify's ID).
    let client = stokly.client_builder().build().unwrap();
    let mut orders = BTreeMap::new();
    for (name, id, lines) in [
        ("partial", partial, [("MUG", 3), ("TEA", 1)]),
        ("whole", whole, [("MUG", 1), ("TEA", 2)]),
    ] {
        let lines = lines
            .iter()
            .map(|(sku, q)| {
                NewSaleOrderLine::item(ItemId::new(items[sku].clone()).unwrap(), Decimal::from(*q))
            })
            .collect();
        let mut order = NewSaleOrder::new(CurrencyCode::GBP, lines);
        order.source_reference_id = Some(id.to_string());
        let so = client.create_sale_order(&order).await.unwrap();
        orders.insert(name, (id, so));
    }
    World {
        shopify,
        stokly,
        warehouse,
        stokly_warehouse,
        orders,
    }
}

impl World {
    fn config(&self) -> FulfilmentConfig {
        let mut locations = BTreeMap::new();
        locations.insert(
            StoklyLocationId::new(self.stokly_warehouse.clone()).unwrap(),
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

    /// Every order's fulfillment state and Stokly dispatches, as the adapters read them.
    async fn read(
        &self,
        shopify: &shopify::Client,
        stokly: &stokly::Client,
    ) -> (Vec<shopify::model::OrderFulfillments>, Vec<Dispatch>) {
        let ids: Vec<OrderId> = self
            .orders
            .values()
            .map(|(id, _)| OrderId::from_numeric(*id))
            .collect();
        let (states, failed) = read_order_states(shopify, &ids).await;
        assert!(failed.is_empty());
        let mut dispatches = Vec::new();
        for (id, so) in self.orders.values() {
            let state = states
                .iter()
                .find(|s| s.id == OrderId::from_numeric(*id))
                .unwrap();
            let (mut d, exceptions) = read_stokly_dispatches(stokly, so, state).await.unwrap();
            assert!(exceptions.is_empty(), "{exceptions:?}");
            dispatches.append(&mut d);
        }
        (states, dispatches)
    }
}

#[tokio::test]
async fn stokly_dispatches_become_shopify_fulfilments_once() {
    let w = world().await;
    let so = |name: &str| w.orders[name].1.as_str().to_owned();
    // Partial, in two parcels of one carrier.
    w.stokly
        .dispatch(
            &so("partial"),
            &DispatchSpec::from(&w.stokly_warehouse)
                .carrier("UPS")
                .parcel(ParcelSpec::tracked("1ZA", None))
                .parcel(ParcelSpec::tracked("1ZB", None))
                .line("MUG", 2),
        )
        .unwrap();
    // The same order's TEA with a second carrier.
    w.stokly
        .dispatch(
            &so("partial"),
            &DispatchSpec::from(&w.stokly_warehouse)
                .parcel(
                    ParcelSpec::tracked("RM1", Some("https://track.example/RM1"))
                        .carrier("Royal Mail"),
                )
                .line("TEA", 1),
        )
        .unwrap();
    // A whole order in one parcel.
    w.stokly
        .dispatch(
            &so("whole"),
            &DispatchSpec::from(&w.stokly_warehouse)
                .carrier("DPD")
                .parcel(ParcelSpec::tracked("DPD1", None)),
        )
        .unwrap();
    // The emulator refuses more than is left, naming the field.
    let refused = w
        .stokly
        .dispatch(
            &so("partial"),
            &DispatchSpec::from(&w.stokly_warehouse).line("MUG", 2),
        )
        .unwrap_err();
    assert_eq!(refused.field, "lines[0].quantity");

    let shopify = w.shopify.client_builder().build().unwrap();
    let stokly = w.stokly.client_builder().build().unwrap();
    let (states, dispatches) = w.read(&shopify, &stokly).await;
    assert_eq!(dispatches.len(), 3);
    let plan = plan_fulfilments(&dispatches, &states, &w.config());
    assert!(plan.exceptions.is_empty(), "{:?}", plan.exceptions);
    // partial: UPS and Royal Mail; whole: DPD.
    assert_eq!(plan.creates.len(), 3);

    let ledger = InMemoryPostingLedger::new();
    let clock = SteppingClock(Mutex::new(epoch()));
    let ports = FulfilmentPorts::new(&shopify, &ledger, &clock, "fulfil");
    let report = apply_fulfilment_plan(&plan, &states, ports).await;
    assert_eq!(report.done(), 3, "{report:?}");
    assert_eq!(w.mutations(), 3);

    let partial = w.shopify.order_fulfillment(w.orders["partial"].0).unwrap();
    let mut tracking: Vec<(Option<String>, Vec<String>)> = partial
        .fulfillments
        .iter()
        .map(|f| {
            (
                f.tracking[0].0.clone(),
                f.tracking.iter().map(|t| t.1.clone()).collect(),
            )
        })
        .collect();
    tracking.sort();
    assert_eq!(
        tracking,
        vec![
            (Some("Royal Mail".to_owned()), vec!["RM1".to_owned()]),
            (
                Some("UPS".to_owned()),
                vec!["1ZA".to_owned(), "1ZB".to_owned()]
            ),
        ]
    );
    let left: i64 = partial
        .fulfillment_orders
        .iter()
        .flat_map(|f| &f.lines)
        .map(|l| l.remaining)
        .sum();
    assert_eq!(left, 1, "one MUG stays open");
    let whole = w.shopify.order_fulfillment(w.orders["whole"].0).unwrap();
    let sent: i64 = whole.fulfillments[0].lines.iter().map(|l| l.1).sum();
    assert_eq!(sent, 3);

    // A rerun reads the same dispatches and sends nothing.
    let (states, dispatches) = w.read(&shopify, &stokly).await;
    let again = plan_fulfilments(&dispatches, &states, &w.config());
    assert_eq!(again.mutations(), 0, "{again:?}");
    let report = apply_fulfilment_plan(&again, &states, ports).await;
    assert!(report.writes.is_empty());
    assert_eq!(w.mutations(), 3);
    // Dispatches were read on the inferred path, once per order per run.
    let reads = w
        .stokly
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/dispatches") && r.status == 200)
        .count();
    assert_eq!(reads, 4);
}
