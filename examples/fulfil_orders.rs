//! Fulfilment: Stokly dispatches go back to Shopify as fulfilments with tracking, once.
//!
//! Run with:
//! ```sh
//! cargo run --example fulfil_orders
//! ```
//!
//! It runs against both sandboxes: three orders in Shopify, posted to the Stokly emulator
//! as sale orders (referenced by Shopify's order ID, as order capture posts them), then
//! dispatched there: one in part, in two parcels of one carrier plus a second carrier for
//! the rest; one whole, with a line held in Shopify; one cancelled in Shopify after dispatch;
//! one with a Shopify-native bundle (two gift sets of a cup and two saucers each) of which
//! Stokly dispatched one whole set and one more saucer: one set is fulfilled, the saucer
//! waits for its cup (a bundle is never fulfilled in part).
//! The dispatches are read back with `adapters::fulfilment::read_stokly_dispatches` on the
//! **inferred** dispatch path of `stokly::InferredEndpoints` (Stokly's dispatch endpoint is
//! not public: set the real path before running against a real account). It prints the plan
//! (the dry run), applies it through the exactly-once protocol, reads and plans again
//! (nothing to send), and prints what was fulfilled and what went to review.

use std::collections::BTreeMap;

use chrono::{TimeZone, Utc};
use rust_decimal::Decimal;
use stokly_shopify::adapters::exactly_once::SYSTEM_CLOCK;
use stokly_shopify::adapters::fulfilment::{
    FulfilmentPorts, apply_fulfilment_plan, read_order_states, read_stokly_dispatches,
};
use stokly_shopify::domain::exception::DomainException;
use stokly_shopify::domain::fulfilment::{FulfilmentConfig, plan_fulfilments};
use stokly_shopify::domain::posting::InMemoryPostingLedger;
use stokly_shopify::money::CurrencyCode;
use stokly_shopify::sandbox::shopify::ShopifyState;
use stokly_shopify::sandbox::stokly::{DispatchSpec, ParcelSpec};
use stokly_shopify::sandbox::{
    SandboxClock, ShopifyConfig, ShopifyEmulator, StoklyConfig, StoklyEmulator, StoklyState,
};
use stokly_shopify::shopify::model::ProductStatus;
use stokly_shopify::shopify::{LocationId, OrderId};
use stokly_shopify::stokly::model::{NewSaleOrder, NewSaleOrderLine};
use stokly_shopify::stokly::{ItemId, LocationId as StoklyLocationId, SaleOrderId};

type Failure = Box<dyn std::error::Error>;

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let epoch = Utc
        .with_ymd_and_hms(2026, 12, 1, 9, 0, 0)
        .single()
        .ok_or("bad epoch")?;
    let clock = SandboxClock::new(epoch, 50.0);
    let mut state = ShopifyState::new("fulfil-demo.myshopify.com", CurrencyCode::GBP);
    let warehouse = state.add_location("Warehouse");
    let product = state.add_product("Kitchen", ProductStatus::Active);
    let mut skus = BTreeMap::new();
    for sku in ["MUG", "TEA", "CUP", "SAUCER"] {
        let v = state.add_variant(product, Some(sku), None, Decimal::TEN, true, epoch);
        skus.insert(sku, v);
    }
    let (ten, vat) = (Decimal::TEN, Decimal::new(20, 2));
    let line = |sku: &str, qty: i64| (skus.get(sku).copied().unwrap_or_default(), qty, ten, vat);
    let order_lines = [
        ("partial", "#1001", vec![("MUG", 3), ("TEA", 1)]),
        ("held", "#1003", vec![("MUG", 1), ("TEA", 2)]),
        ("cancelled", "#1004", vec![("MUG", 1)]),
        ("bundle", "#1005", vec![("CUP", 2), ("SAUCER", 4)]),
    ];
    let mut shopify_ids = BTreeMap::new();
    for (name, number, lines) in &order_lines {
        let lines: Vec<_> = lines.iter().map(|(sku, q)| line(sku, *q)).collect();
        shopify_ids.insert(*name, state.add_order(number, epoch, &lines));
    }
    // Order #1005 bought two gift sets: Shopify shows their cups and saucers as component
    // lines of one bundle group.
    let gift_set: Vec<u64> = ["CUP", "SAUCER"]
        .iter()
        .filter_map(|sku| skus.get(sku).copied())
        .collect();
    let bundle_order = shopify_ids.get("bundle").copied().ok_or("no order")?;
    state
        .bundle_order_lines(bundle_order, "GIFT-SET", 2, &gift_set)
        .ok_or("no bundle lines")?;
    let shopify =
        ShopifyEmulator::start(state, ShopifyConfig::standard_plan(), clock.clone()).await?;

    let mut state = StoklyState::new("sandbox", 15);
    let (stokly_warehouse, _) = state.add_location("Warehouse");
    let items: BTreeMap<&str, String> = ["MUG", "TEA", "CUP", "SAUCER"]
        .into_iter()
        .map(|sku| (sku, state.add_item(sku, sku, 0, None, epoch)))
        .collect();
    let stokly = StoklyEmulator::start(state, StoklyConfig::default(), clock).await?;
    let stokly_client = stokly.client_builder().build()?;

    // The orders posted to Stokly.
    let mut sale_orders: BTreeMap<&str, SaleOrderId> = BTreeMap::new();
    for (name, _, lines) in &order_lines {
        let mut new_lines = Vec::new();
        for (sku, q) in lines {
            let item = items.get(sku).ok_or("no item")?;
            new_lines.push(NewSaleOrderLine::item(
                ItemId::new(item.clone())?,
                Decimal::from(*q),
            ));
        }
        let mut order = NewSaleOrder::new(CurrencyCode::GBP, new_lines);
        order.source_reference_id = shopify_ids.get(name).map(u64::to_string);
        sale_orders.insert(name, stokly_client.create_sale_order(&order).await?);
    }
    let so = |name: &str| -> Result<String, Failure> {
        Ok(sale_orders.get(name).ok_or("no sale order")?.to_string())
    };

    // Shopify's side of the story: a hold on a line, a cancellation after dispatch.
    let id_of = |name: &str| shopify_ids.get(name).copied().ok_or("no order");
    let held = id_of("held")?;
    let held_tea = shopify
        .order_fulfillment(held)
        .and_then(|s| {
            s.fulfillment_orders
                .iter()
                .flat_map(|f| f.lines.iter())
                .find(|l| l.sku.as_deref() == Some("TEA"))
                .map(|l| l.id)
        })
        .ok_or("no TEA line")?;
    shopify
        .hold_fulfillment_order_lines(held, &[(held_tea, 2)], "INCORRECT_ADDRESS")
        .ok_or("hold failed")?;
    let cancelled = id_of("cancelled")?;
    shopify.with_state(|s| {
        if let Some(o) = s.orders.get_mut(&cancelled) {
            o.cancelled_at = Some(epoch);
        }
    });

    // Stokly's dispatches, made in the emulator.
    let from = || DispatchSpec::from(stokly_warehouse.clone());
    stokly.dispatch(
        &so("partial")?,
        &from()
            .carrier("ups")
            .parcel(ParcelSpec::tracked("1ZA", None))
            .parcel(ParcelSpec::tracked("1ZB", None))
            .line("MUG", 2),
    )?;
    stokly.dispatch(
        &so("partial")?,
        &from()
            .parcel(ParcelSpec::tracked("RM1", None).carrier("Royal Mail"))
            .line("TEA", 1),
    )?;
    stokly.dispatch(
        &so("held")?,
        &from()
            .carrier("UPS")
            .parcel(ParcelSpec::tracked("1ZC", None)),
    )?;
    stokly.dispatch(
        &so("bundle")?,
        &from()
            .carrier("DPD")
            .parcel(ParcelSpec::tracked("DPD1", None))
            .line("CUP", 1)
            .line("SAUCER", 3),
    )?;
    stokly.dispatch(
        &so("cancelled")?,
        &from()
            .carrier("UPS")
            .parcel(ParcelSpec::tracked("1ZD", None)),
    )?;

    let mut locations = BTreeMap::new();
    locations.insert(
        StoklyLocationId::new(stokly_warehouse.clone())?,
        LocationId::from_numeric(warehouse),
    );
    let config = FulfilmentConfig::new(locations);
    let client = shopify.client_builder().build()?;
    let orders: Vec<OrderId> = shopify_ids
        .values()
        .map(|&o| OrderId::from_numeric(o))
        .collect();
    let ledger = InMemoryPostingLedger::new();
    let ports = FulfilmentPorts::new(&client, &ledger, &SYSTEM_CLOCK, "fulfil-demo");

    for run in 1..=2 {
        let (states, failed) = read_order_states(&client, &orders).await;
        for (order, e) in failed {
            println!("could not read {order}: {e}");
        }
        let mut dispatches = Vec::new();
        for (name, sale_order) in &sale_orders {
            let id = OrderId::from_numeric(id_of(name)?);
            let Some(state) = states.iter().find(|s| s.id == id) else {
                continue;
            };
            let (mut read, unreadable) =
                read_stokly_dispatches(&stokly_client, sale_order, state).await?;
            for e in &unreadable {
                println!("  review [{}] {}: {}", e.owner(), e.code(), e.reason());
            }
            dispatches.append(&mut read);
        }
        let plan = plan_fulfilments(&dispatches, &states, &config);
        println!(
            "run {run}: {} dispatches read from Stokly; {} fulfilments, {} tracking updates, {} moves to send",
            dispatches.len(),
            plan.creates.len(),
            plan.tracking_updates.len(),
            plan.moves.len()
        );
        if run == 1 {
            println!(
                "plan (dry run):\n{}",
                serde_json::to_string_pretty(&plan.creates)?
            );
        }
        let report = apply_fulfilment_plan(&plan, &states, ports).await;
        for write in &report.writes {
            println!(
                "  {} {} {}: {:?}",
                write.operation, write.order, write.subject, write.result
            );
        }
        for e in &plan.exceptions {
            println!(
                "  review [{}] {} ({}): {}",
                e.owner(),
                e.code(),
                e.severity(),
                e.reason()
            );
        }
    }
    let sent = shopify
        .requests()
        .iter()
        .filter(|r| r.operation.starts_with("Fulfillment"))
        .count();
    println!("Shopify fulfilment mutations sent in total: {sent}");
    Ok(())
}
