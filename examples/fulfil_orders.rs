//! Fulfilment: Stokly dispatches go back to Shopify as fulfilments with tracking, once.
//!
//! Run with:
//! ```sh
//! cargo run --example fulfil_orders
//! ```
//!
//! It runs against the Shopify sandbox: four orders, then dispatches as Stokly would report
//! them (a partial dispatch in two parcels plus a second carrier, a bundle with one whole unit
//! and part of the next, an order with a held line, an order cancelled after dispatch). It
//! prints the plan (the dry run), applies it through the exactly-once protocol, plans again
//! (nothing to send), and prints what was fulfilled and what went to review.
//!
//! Stokly's dispatch endpoint is not public: against real accounts the dispatches come from
//! `adapters::fulfilment::read_stokly_dispatches` over the inferred path in
//! `stokly::InferredEndpoints` (set the real one first). This example builds them directly.

use std::collections::BTreeMap;

use chrono::{TimeZone, Utc};
use rust_decimal::Decimal;
use stokly_shopify::adapters::exactly_once::SYSTEM_CLOCK;
use stokly_shopify::adapters::fulfilment::{
    FulfilmentPorts, apply_fulfilment_plan, read_order_states,
};
use stokly_shopify::domain::exception::DomainException;
use stokly_shopify::domain::fulfilment::{
    BundleComponent, Dispatch, FulfilmentConfig, Parcel, plan_fulfilments,
};
use stokly_shopify::domain::posting::InMemoryPostingLedger;
use stokly_shopify::money::CurrencyCode;
use stokly_shopify::sandbox::shopify::ShopifyState;
use stokly_shopify::sandbox::{SandboxClock, ShopifyConfig, ShopifyEmulator};
use stokly_shopify::shopify::model::ProductStatus;
use stokly_shopify::shopify::{LineItemId, LocationId, OrderId};
use stokly_shopify::stokly::{LocationId as StoklyLocationId, SaleOrderId};

type Failure = Box<dyn std::error::Error>;

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let epoch = Utc
        .with_ymd_and_hms(2026, 12, 1, 9, 0, 0)
        .single()
        .ok_or("bad epoch")?;
    let mut state = ShopifyState::new("fulfil-demo.myshopify.com", CurrencyCode::GBP);
    let warehouse = state.add_location("Warehouse");
    let product = state.add_product("Kitchen", ProductStatus::Active);
    let mut skus = BTreeMap::new();
    for sku in ["MUG", "TEA", "GIFT-BOX"] {
        let v = state.add_variant(product, Some(sku), None, Decimal::TEN, true, epoch);
        skus.insert(sku, v);
    }
    let (ten, vat) = (Decimal::TEN, Decimal::new(20, 2));
    let line = |sku: &str, qty: i64| (skus.get(sku).copied().unwrap_or_default(), qty, ten, vat);
    let partial = state.add_order("#1001", epoch, &[line("MUG", 3), line("TEA", 1)]);
    let bundle = state.add_order("#1002", epoch, &[line("GIFT-BOX", 2)]);
    let held = state.add_order("#1003", epoch, &[line("MUG", 1), line("TEA", 2)]);
    let cancelled = state.add_order("#1004", epoch, &[line("MUG", 1)]);
    let shopify = ShopifyEmulator::start(
        state,
        ShopifyConfig::standard_plan(),
        SandboxClock::new(epoch, 50.0),
    )
    .await?;

    // Shopify's side of the story: a hold on a line, a cancellation after dispatch.
    let fo_line = |order: u64, sku: &str| {
        shopify.order_fulfillment(order).and_then(|s| {
            s.fulfillment_orders
                .iter()
                .flat_map(|f| f.lines.iter())
                .find(|l| l.sku.as_deref() == Some(sku))
                .map(|l| (LineItemId::from_numeric(l.line_item), l.id))
        })
    };
    let (_, held_tea) = fo_line(held, "TEA").ok_or("no TEA line")?;
    shopify
        .hold_fulfillment_order_lines(held, &[(held_tea, 2)], "INCORRECT_ADDRESS")
        .ok_or("hold failed")?;
    shopify.with_state(|s| {
        if let Some(o) = s.orders.get_mut(&cancelled) {
            o.cancelled_at = Some(epoch);
        }
    });

    // Stokly's dispatches.
    let dispatch = |id: &str, order: u64| -> Result<Dispatch, Failure> {
        Ok(Dispatch::new(
            id,
            SaleOrderId::new(format!("so-{order}"))?,
            OrderId::from_numeric(order),
            StoklyLocationId::new("wh-1")?,
            epoch,
        ))
    };
    let line_of = |order: u64, sku: &str| fo_line(order, sku).map(|(l, _)| l).ok_or("no line");
    let dispatches = vec![
        dispatch("D1", partial)?
            .carrier("ups")
            .parcel(Parcel::tracked("1ZA", None))
            .parcel(Parcel::tracked("1ZB", None))
            .item(line_of(partial, "MUG")?, 2),
        dispatch("D2", partial)?
            .carrier("Royal Mail")
            .parcel(Parcel::tracked("RM1", None))
            .item(line_of(partial, "TEA")?, 1),
        dispatch("D3", bundle)?
            .carrier("DPD")
            .parcel(Parcel::tracked("DPD1", None))
            .bundle(
                line_of(bundle, "GIFT-BOX")?,
                vec![
                    BundleComponent::new("CUP", 2, 3),
                    BundleComponent::new("SAUCER", 1, 2),
                ],
            ),
        dispatch("D4", held)?
            .carrier("UPS")
            .parcel(Parcel::tracked("1ZC", None))
            .item(line_of(held, "MUG")?, 1)
            .item(line_of(held, "TEA")?, 2),
        dispatch("D5", cancelled)?
            .carrier("UPS")
            .parcel(Parcel::tracked("1ZD", None))
            .item(line_of(cancelled, "MUG")?, 1),
    ];

    let mut locations = BTreeMap::new();
    locations.insert(
        StoklyLocationId::new("wh-1")?,
        LocationId::from_numeric(warehouse),
    );
    let config = FulfilmentConfig::new(locations);
    let client = shopify.client_builder().build()?;
    let orders: Vec<OrderId> = dispatches.iter().map(|d| d.order.clone()).collect();
    let ledger = InMemoryPostingLedger::new();
    let ports = FulfilmentPorts::new(&client, &ledger, &SYSTEM_CLOCK, "fulfil-demo");

    for run in 1..=2 {
        let (states, failed) = read_order_states(&client, &orders).await;
        for (order, e) in failed {
            println!("could not read {order}: {e}");
        }
        let plan = plan_fulfilments(&dispatches, &states, &config);
        println!(
            "run {run}: {} fulfilments, {} tracking updates, {} moves to send",
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
