//! Speed of [`plan_fulfilments`]: 10,000 Stokly dispatches (5,000 orders, two dispatches
//! each, three lines an order, two parcels a dispatch, two carriers) against their orders'
//! fulfillment orders; on every other order the first dispatch is already fulfilled in
//! Shopify (so the plan matches fulfilments by tracking number), and one order in fifty has a
//! held fulfillment order. Target: under 50 ms.
#![allow(clippy::unwrap_used, clippy::expect_used)] // bench set-up should fail loudly

use std::collections::BTreeMap;

use chrono::{TimeZone, Utc};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::json;
use stokly_shopify::domain::fulfilment::{Dispatch, FulfilmentConfig, Parcel, plan_fulfilments};
use stokly_shopify::shopify::model::OrderFulfillments;
use stokly_shopify::shopify::{LineItemId, LocationId, OrderId};
use stokly_shopify::stokly::{LocationId as StoklyLocationId, SaleOrderId};

const ORDERS: u64 = 5_000;

fn inputs() -> (Vec<Dispatch>, Vec<OrderFulfillments>, FulfilmentConfig) {
    let mut locations = BTreeMap::new();
    locations.insert(
        StoklyLocationId::new("wh-1").unwrap(),
        LocationId::from_numeric(7),
    );
    let config = FulfilmentConfig::new(locations);
    let at = Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).unwrap();
    let mut dispatches = Vec::new();
    let mut orders = Vec::new();
    for o in 1..=ORDERS {
        let line = |i: u64| o * 10 + i;
        let done = o % 2 == 0;
        let held = o % 50 == 0;
        let first = Dispatch::new(
            format!("D{o}-1"),
            SaleOrderId::new(format!("so-{o}")).unwrap(),
            OrderId::from_numeric(o),
            StoklyLocationId::new("wh-1").unwrap(),
            at,
        )
        .carrier("UPS")
        .parcel(Parcel::tracked(format!("1Z{o}A"), None))
        .parcel(Parcel::tracked(format!("1Z{o}B"), None))
        .item(LineItemId::from_numeric(line(1)), 2)
        .item(LineItemId::from_numeric(line(2)), 1);
        let second = Dispatch::new(
            format!("D{o}-2"),
            SaleOrderId::new(format!("so-{o}")).unwrap(),
            OrderId::from_numeric(o),
            StoklyLocationId::new("wh-1").unwrap(),
            at,
        )
        .carrier("Royal Mail")
        .parcel(Parcel::tracked(format!("RM{o}A"), None))
        .parcel(Parcel::tracked(format!("RM{o}B"), None))
        .item(LineItemId::from_numeric(line(3)), 1);
        dispatches.push(first);
        dispatches.push(second);
        let fo_line = |i: u64, remaining: i64, total: i64| {
            json!({
                "id": format!("gid://shopify/FulfillmentOrderLineItem/{}", line(i)),
                "lineItem": {"id": format!("gid://shopify/LineItem/{}", line(i))},
                "remainingQuantity": remaining, "totalQuantity": total,
            })
        };
        let fulfillments = if done {
            vec![json!({
                "id": format!("gid://shopify/Fulfillment/{o}"),
                "status": "SUCCESS",
                "location": {"id": "gid://shopify/Location/7"},
                "trackingInfo": [{"company": "UPS", "number": format!("1Z{o}A")},
                                 {"company": "UPS", "number": format!("1Z{o}B")}],
                "fulfillmentLineItems": {"nodes": [
                    {"lineItem": {"id": format!("gid://shopify/LineItem/{}", line(1))}, "quantity": 2},
                    {"lineItem": {"id": format!("gid://shopify/LineItem/{}", line(2))}, "quantity": 1},
                ]},
            })]
        } else {
            vec![]
        };
        let (r1, r2) = if done { (0, 0) } else { (2, 1) };
        let status = if held { "ON_HOLD" } else { "OPEN" };
        orders.push(
            serde_json::from_value(json!({
                "id": format!("gid://shopify/Order/{o}"),
                "name": format!("#{o}"),
                "fulfillmentOrders": {"nodes": [{
                    "id": format!("gid://shopify/FulfillmentOrder/{o}"),
                    "status": status,
                    "assignedLocation": {"location": {"id": "gid://shopify/Location/7"}},
                    "fulfillmentHolds": [],
                    "supportedActions": [{"action": "CREATE_FULFILLMENT"}],
                    "lineItems": {"nodes": [fo_line(1, r1, 2), fo_line(2, r2, 1), fo_line(3, 1, 1)]},
                }]},
                "fulfillments": fulfillments,
            }))
            .unwrap(),
        );
    }
    (dispatches, orders, config)
}

fn bench(c: &mut Criterion) {
    let (dispatches, orders, config) = inputs();
    let plan = plan_fulfilments(&dispatches, &orders, &config);
    // Every order sends its undone dispatches; held orders send nothing.
    println!(
        "plan: {} creates, {} tracking updates, {} exceptions",
        plan.creates.len(),
        plan.tracking_updates.len(),
        plan.exceptions.len()
    );
    let mut group = c.benchmark_group("fulfilment_plan");
    group.throughput(Throughput::Elements(dispatches.len() as u64));
    group.bench_function("plan_10000_dispatches", |b| {
        b.iter(|| plan_fulfilments(&dispatches, &orders, &config));
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
