//! What mapping an order costs next to reading it: a 10-line order deserialised from the
//! Admin GraphQL JSON, against `map_order` on the same order. The target is mapping at less
//! than half the cost of deserialising; the ratio is printed after the two measurements.
//!
//! The order is the `vat_included_discounts` fixture (tax included, line and order
//! discounts, discounted shipping, several transactions) with its first line repeated ten
//! times under ten SKUs, and its totals made to match.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // bench set-up should fail loudly

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use stokly_shopify::domain::catalogue::{SkuIndex, StoklyCatalogue};
use stokly_shopify::domain::order::{
    GlAccountCode, OrderMappingConfig, TaxAccountMap, TaxKey, map_order,
};
use stokly_shopify::shopify::model::Order;
use stokly_shopify::stokly::ChannelId;
use stokly_shopify::stokly::model::Item;

const LINES: usize = 10;

fn amount(set: &Value) -> Decimal {
    set["shopMoney"]["amount"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap()
}

fn money_set(amount: Decimal) -> Value {
    let money = json!({"amount": amount.to_string(), "currencyCode": "GBP"});
    json!({"shopMoney": money, "presentmentMoney": money})
}

/// The order JSON (the `order` object of the query's `data`).
fn order_json() -> String {
    let text = include_str!("../tests/fixtures/shopify/orders/vat_included_discounts.json");
    let mut order: Value = serde_json::from_str::<Value>(text).unwrap()["data"]["order"].clone();
    let lines = order["lineItems"]["nodes"].as_array().unwrap().clone();
    // A line's share of the order total: its discounted amount for its current units.
    let net = |line: &Value| {
        let share = Decimal::from(line["currentQuantity"].as_i64().unwrap())
            / Decimal::from(line["quantity"].as_i64().unwrap());
        ((amount(&line["originalTotalSet"]) - amount(&line["totalDiscountSet"])) * share)
            .round_dp(2)
    };
    // Its tax for its current units (a line with none left carries none).
    let tax = |line: &Value| {
        let share = Decimal::from(line["currentQuantity"].as_i64().unwrap())
            / Decimal::from(line["quantity"].as_i64().unwrap());
        (line["taxLines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| amount(&t["priceSet"]))
            .sum::<Decimal>()
            * share)
            .round_dp(2)
    };
    let old_lines: Decimal = lines.iter().map(net).sum();
    let old_tax: Decimal = lines.iter().map(tax).sum();
    let template = &lines[0];
    let mut new_lines = Vec::new();
    for i in 0..LINES {
        let mut line = template.clone();
        line["id"] = json!(format!("gid://shopify/LineItem/{}", 500 + i));
        line["sku"] = json!(format!("BENCH-{i:02}"));
        line["variant"]["id"] = json!(format!("gid://shopify/ProductVariant/{}", 900 + i));
        new_lines.push(line);
    }
    let added: Decimal = new_lines.iter().map(net).sum::<Decimal>() - old_lines;
    let added_tax: Decimal = new_lines.iter().map(tax).sum::<Decimal>() - old_tax;
    order["lineItems"]["nodes"] = Value::Array(new_lines);
    for key in ["currentTotalPriceSet", "totalPriceSet"] {
        let total = amount(&order[key]) + added;
        order[key] = money_set(total);
    }
    for key in ["currentSubtotalPriceSet", "subtotalPriceSet"] {
        let total = amount(&order[key]) + added;
        order[key] = money_set(total);
    }
    for key in ["currentTotalTaxSet", "totalTaxSet"] {
        let total = amount(&order[key]) + added_tax;
        order[key] = money_set(total);
    }
    let order_tax = amount(&order["taxLines"][0]["priceSet"]) + added_tax;
    order["taxLines"][0]["priceSet"] = money_set(order_tax);
    order["currentTaxLines"] = order["taxLines"].clone();
    let paid = amount(&order["currentTotalPriceSet"]);
    order["totalReceivedSet"] = money_set(paid);
    for t in order["transactions"].as_array_mut().unwrap() {
        t["amountSet"] = money_set(paid);
    }
    serde_json::to_string(&order).unwrap()
}

fn index() -> SkuIndex {
    let items: Vec<Item> = (0..LINES)
        .map(|i| {
            serde_json::from_value(json!({
                "itemId": format!("item-{i}"), "sku": format!("BENCH-{i:02}"),
                "name": format!("Bench item {i}"), "format": 0, "status": 0
            }))
            .unwrap()
        })
        .collect();
    SkuIndex::build(StoklyCatalogue::new(&items), &[])
}

fn config() -> OrderMappingConfig {
    let accounts = TaxAccountMap::new().with(
        TaxKey::new("VAT", Some(Decimal::new(2, 1)), Some("Shopify"), false),
        GlAccountCode::new("2200").unwrap(),
    );
    OrderMappingConfig::new(ChannelId::new("chan-shopify").unwrap(), accounts)
}

/// Mean time per call over a fixed number of calls, for the printed ratio.
fn mean(mut f: impl FnMut(), calls: u32) -> Duration {
    let started = Instant::now();
    for _ in 0..calls {
        f();
    }
    started.elapsed() / calls
}

fn order_mapping(c: &mut Criterion) {
    let text = order_json();
    let order: Order = serde_json::from_str(&text).unwrap();
    assert_eq!(order.line_items.nodes.len(), LINES);
    let index = index();
    let config = config();
    let draft = map_order(&order, &index, &config).expect("the bench order maps");
    assert_eq!(draft.lines().len(), LINES);

    let mut group = c.benchmark_group("order_mapping");
    group.bench_function("deserialize_10_lines", |b| {
        b.iter(|| serde_json::from_str::<Order>(std::hint::black_box(&text)).unwrap());
    });
    group.bench_function("map_10_lines", |b| {
        b.iter(|| map_order(std::hint::black_box(&order), &index, &config));
    });
    group.finish();

    let calls = 20_000;
    let read = mean(
        || {
            std::hint::black_box(serde_json::from_str::<Order>(&text).unwrap());
        },
        calls,
    );
    let map = mean(
        || {
            std::hint::black_box(map_order(&order, &index, &config).ok());
        },
        calls,
    );
    println!(
        "order_mapping: deserialize {read:?}, map {map:?}, map / deserialize = {:.2} (target below 0.50)",
        map.as_secs_f64() / read.as_secs_f64()
    );
}

criterion_group!(benches, order_mapping);
criterion_main!(benches);
