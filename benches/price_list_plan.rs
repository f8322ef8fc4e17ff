//! Speed of [`plan_price_lists`] on a Shopify Plus shop: 50 Stokly price lists, each pricing
//! all 10,000 variants (every 100th item with a quantity rule and two price breaks) for two
//! customers with
//! company locations; 500,000 prices in all. Two cases: the first push (Shopify holds
//! nothing: every price is planned, in batches of 250) and the rerun (Shopify holds every
//! price: nothing is planned). Target: under 200 ms.
#![allow(clippy::unwrap_used, clippy::expect_used)] // bench set-up should fail loudly

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rust_decimal::Decimal;
use serde_json::json;
use stokly_shopify::domain::catalogue::{SkuIndex, StoklyCatalogue};
use stokly_shopify::domain::price_list::{
    PriceListConfig, ShopCapabilities, ShopifyPriceState, StoklyPriceList, plan_price_lists,
};
use stokly_shopify::shopify::CompanyLocationId;
use stokly_shopify::shopify::model::{
    FixedPrice, PriceList as ShopifyList, ProductVariant, QuantityRule,
};
use stokly_shopify::stokly::model::inferred::{PriceList, PriceListCustomer, PriceListItem};
use stokly_shopify::stokly::{CustomerId, ItemId, PriceListId};

const LISTS: usize = 50;
const VARIANTS: usize = 10_000;

fn price(list: usize, i: usize) -> Decimal {
    Decimal::new(1000 + ((list * 7 + i) % 500) as i64, 2)
}

fn inputs() -> (
    Vec<StoklyPriceList>,
    SkuIndex,
    PriceListConfig,
    ShopifyPriceState,
) {
    let variants: Vec<ProductVariant> = (0..VARIANTS)
        .map(|i| {
            serde_json::from_value(json!({
                "id": format!("gid://shopify/ProductVariant/{}", i + 1),
                "sku": format!("SKU-{i:05}"), "title": "v", "price": "20.00",
                "requiresComponents": false, "updatedAt": "2026-01-01T00:00:00Z",
                "product": {"id": format!("gid://shopify/Product/{}", i / 10 + 1), "title": "P", "status": "ACTIVE"},
                "inventoryItem": {"id": format!("gid://shopify/InventoryItem/{}", i + 1), "tracked": true},
            }))
            .unwrap()
        })
        .collect();
    let index = SkuIndex::build(StoklyCatalogue::new(&[]), &variants);
    let mut config = PriceListConfig::new();
    let mut lists = Vec::with_capacity(LISTS);
    let mut state = ShopifyPriceState::default();
    for l in 0..LISTS {
        let list_id = format!("pl-{l}");
        let list: PriceList = serde_json::from_value(
            json!({"priceListId": list_id, "name": format!("List {l}"), "currency": "GBP"}),
        )
        .unwrap();
        let mut customers = Vec::new();
        for c in 0..2 {
            let customer = CustomerId::new(format!("c-{l}-{c}")).unwrap();
            config = config.with_company_location(
                customer.clone(),
                CompanyLocationId::try_from_numeric((l * 2 + c + 1) as u64).unwrap(),
            );
            customers.push(PriceListCustomer::new(customer));
        }
        let items: Vec<PriceListItem> = (0..VARIANTS)
            .map(|i| {
                let item = PriceListItem::new(
                    ItemId::new(format!("item-{i}")).unwrap(),
                    format!("SKU-{i:05}"),
                    price(l, i),
                );
                if i % 100 == 0 {
                    item.with_quantity_rule(6, Some(600), 6)
                        .with_break(60, Decimal::new(900, 2))
                        .with_break(120, Decimal::new(800, 2))
                } else {
                    item
                }
            })
            .collect();
        lists.push(StoklyPriceList::new(list, customers, items));

        // Shopify as the first push leaves it.
        let catalog = format!("gid://shopify/CompanyLocationCatalog/{}", l + 1);
        let shopify_list: ShopifyList = serde_json::from_value(json!({
            "id": format!("gid://shopify/PriceList/{}", l + 1),
            "name": config.shopify_name(&PriceListId::new(list_id).unwrap()),
            "currency": "GBP", "fixedPricesCount": VARIANTS,
            "catalog": {"__typename": "CompanyLocationCatalog", "id": catalog, "title": "t", "status": "ACTIVE"}
        }))
        .unwrap();
        state.catalog_locations.insert(
            catalog,
            (0..2)
                .map(|c| CompanyLocationId::try_from_numeric((l * 2 + c + 1) as u64).unwrap())
                .collect(),
        );
        let prices: Vec<FixedPrice> = (0..VARIANTS)
            .map(|i| {
                let breaks = if i % 100 == 0 {
                    json!([{"minimumQuantity": 60, "price": {"amount": "9.00", "currencyCode": "GBP"}},
                           {"minimumQuantity": 120, "price": {"amount": "8.00", "currencyCode": "GBP"}}])
                } else {
                    json!([])
                };
                serde_json::from_value(json!({
                    "variant": {"id": format!("gid://shopify/ProductVariant/{}", i + 1)},
                    "price": {"amount": price(l, i).to_string(), "currencyCode": "GBP"},
                    "quantityPriceBreaks": {"nodes": breaks, "pageInfo": {"hasNextPage": false}}
                }))
                .unwrap()
            })
            .collect();
        let rules: Vec<QuantityRule> = (0..VARIANTS)
            .step_by(100)
            .map(|i| {
                serde_json::from_value(json!({
                    "minimum": 6, "maximum": 600, "increment": 6,
                    "productVariant": {"id": format!("gid://shopify/ProductVariant/{}", i + 1)}
                }))
                .unwrap()
            })
            .collect();
        state.fixed_prices.insert(shopify_list.id.clone(), prices);
        state.quantity_rules.insert(shopify_list.id.clone(), rules);
        state.price_lists.push(shopify_list);
    }
    (lists, index, config, state)
}

fn bench(c: &mut Criterion) {
    let (lists, index, config, synced) = inputs();
    let plus = ShopCapabilities::plus(true);
    let empty = ShopifyPriceState::default();
    let first = plan_price_lists(&lists, &empty, &index, plus, &config);
    let rerun = plan_price_lists(&lists, &synced, &index, plus, &config);
    println!(
        "first push: {} prices in {} calls, {} findings; rerun: {} calls, {} drift entries",
        first.prices_to_set(),
        first.calls(),
        first.findings.len(),
        rerun.calls(),
        rerun.drift.len()
    );
    assert_eq!(first.prices_to_set(), LISTS * VARIANTS);
    assert!(rerun.is_empty());
    let mut group = c.benchmark_group("price_list_plan");
    group.throughput(Throughput::Elements((LISTS * VARIANTS) as u64));
    group.bench_function("first_push_50_lists_x_10000_variants", |b| {
        b.iter(|| plan_price_lists(&lists, &empty, &index, plus, &config));
    });
    group.bench_function("rerun_50_lists_x_10000_variants", |b| {
        b.iter(|| plan_price_lists(&lists, &synced, &index, plus, &config));
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
