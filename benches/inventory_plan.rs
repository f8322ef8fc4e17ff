//! Speed of a full inventory push plan: 10,000 SKUs at 3 Shopify locations (30,000 levels),
//! 500 of them Stokly composites of two components, with in-flight demand and buffers, and
//! Shopify showing a different number on about a third of the levels. The target is well
//! under 100 ms for the plan (the SKU index is built once, outside the measurement, as a
//! sync does with a catalogue it already holds).
#![allow(clippy::unwrap_used, clippy::expect_used)] // bench set-up should fail loudly

use chrono::{TimeZone, Utc};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use stokly_shopify::domain::catalogue::{CompositeComponents, SkuIndex, StoklyCatalogue};
use stokly_shopify::domain::inventory::{
    BufferRounding, BufferRule, BufferRules, InFlightDemand, InventoryInputs, InventoryScope,
    LocationMap, ShopifyStockLevel, SyncRun, plan_inventory_push,
};
use stokly_shopify::shopify::model::ProductVariant;
use stokly_shopify::shopify::{InventoryItemId, LocationId as ShopifyLocationId};
use stokly_shopify::stokly::LocationId as StoklyLocationId;
use stokly_shopify::stokly::model::{ComposingItem, InventoryRecord, Item};

const SKUS: usize = 10_000;
const BUNDLES: usize = 500;
const SHOPIFY_LOCATIONS: u64 = 3;

struct Inputs {
    index: SkuIndex,
    records: Vec<InventoryRecord>,
    locations: LocationMap,
    buffers: BufferRules,
    in_flight: Vec<InFlightDemand>,
    levels: Vec<ShopifyStockLevel>,
}

fn inputs() -> Inputs {
    let mut items = Vec::with_capacity(SKUS);
    let mut variants = Vec::with_capacity(SKUS);
    let mut composing = Vec::new();
    let mut records = Vec::new();
    let mut levels = Vec::with_capacity(SKUS * 3);
    let mut in_flight = Vec::new();
    let updated = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
    for i in 0..SKUS {
        let sku = format!("SKU-{i:06}");
        // Every 20th item is a composite of the two items after it (500 in all).
        let composite = i % 20 == 0;
        items.push(json!({
            "itemId": format!("item-{i}"),
            "sku": sku,
            "name": format!("Item {i}"),
            "format": if composite { 1 } else { 0 },
            "status": 0,
        }));
        if composite {
            composing.push(json!({"itemId": format!("item-{i}"), "composingItemId": format!("item-{}", i + 1), "quantity": 2}));
            composing.push(json!({"itemId": format!("item-{i}"), "composingItemId": format!("item-{}", i + 2), "quantity": 1}));
        } else {
            for (location, bins) in [("WH-A", 2), ("WH-B", 1), ("WH-C", 3)] {
                for bin in 0..bins {
                    records.push(json!({
                        "itemId": format!("item-{i}"), "locationId": location,
                        "binId": format!("{location}-bin-{bin}"),
                        "onHand": (i % 37 + bin) as i64, "quarantined": if i % 11 == 0 { 1 } else { 0 },
                    }));
                }
            }
        }
        variants.push(json!({
            "id": format!("gid://shopify/ProductVariant/{}", i + 1),
            "sku": sku,
            "barcode": null,
            "title": format!("Variant {i}"),
            "price": "19.99",
            "requiresComponents": false,
            "updatedAt": "2026-01-01T00:00:00Z",
            "product": {"id": format!("gid://shopify/Product/{}", i + 1), "title": format!("Product {i}"), "status": "ACTIVE"},
            "inventoryItem": {"id": format!("gid://shopify/InventoryItem/{}", i + 1), "tracked": true},
            "productVariantComponents": {"nodes": [], "pageInfo": {"hasNextPage": false, "endCursor": null}},
        }));
        for location in 1..=SHOPIFY_LOCATIONS {
            levels.push(ShopifyStockLevel::new(
                InventoryItemId::from_numeric(i as u64 + 1),
                ShopifyLocationId::from_numeric(location),
                (i % 37) as i64 + if i % 3 == 0 { 5 } else { 0 },
                updated,
            ));
        }
        if i % 50 == 7 {
            in_flight.push(InFlightDemand::new(sku, None, 1));
        }
    }
    let items: Vec<Item> = serde_json::from_value(Value::Array(items)).unwrap();
    let variants: Vec<ProductVariant> = serde_json::from_value(Value::Array(variants)).unwrap();
    let composing: Vec<ComposingItem> = serde_json::from_value(Value::Array(composing)).unwrap();
    let records: Vec<InventoryRecord> = serde_json::from_value(Value::Array(records)).unwrap();
    assert_eq!(composing.len(), BUNDLES * 2);
    let composites = CompositeComponents::from_composing_items(&composing);
    let index = SkuIndex::build(
        StoklyCatalogue::new(&items).with_composites(&composites),
        &variants,
    );
    let stokly = |name: &str| StoklyLocationId::new(name).unwrap();
    let locations = LocationMap::new()
        .with(ShopifyLocationId::from_numeric(1), [stokly("WH-A")])
        .with(
            ShopifyLocationId::from_numeric(2),
            [stokly("WH-B"), stokly("WH-C")],
        )
        .with(ShopifyLocationId::from_numeric(3), [stokly("WH-C")]);
    let buffers = BufferRules::new()
        .global(BufferRule::units(1))
        .at_location(
            ShopifyLocationId::from_numeric(2),
            BufferRule::percent(Decimal::new(10, 0), BufferRounding::Up).unwrap(),
        )
        .for_sku("SKU-000042", BufferRule::units(5));
    Inputs {
        index,
        records,
        locations,
        buffers,
        in_flight,
        levels,
    }
}

fn bench(c: &mut Criterion) {
    let data = inputs();
    let inputs = InventoryInputs {
        index: &data.index,
        stokly_records: &data.records,
        locations: &data.locations,
        buffers: &data.buffers,
        in_flight: &data.in_flight,
        shopify_levels: &data.levels,
    };
    let run = SyncRun::new("bench");
    let plan = plan_inventory_push(inputs, &InventoryScope::All, &run);
    assert_eq!(
        plan.summary.levels_compared,
        SKUS * SHOPIFY_LOCATIONS as usize
    );
    assert!(plan.summary.changed > 0 && plan.batches.len() >= plan.summary.changed / 250);

    let mut group = c.benchmark_group("inventory_plan");
    group.throughput(Throughput::Elements((SKUS as u64) * SHOPIFY_LOCATIONS));
    group.bench_function("full_plan_10k_skus_3_locations_500_bundles", |b| {
        b.iter(|| plan_inventory_push(inputs, &InventoryScope::All, &run));
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
