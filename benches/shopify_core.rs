//! Speed of the Shopify client's pure hot paths: the bulk JSONL reader with parent grouping,
//! idempotency keys for a full 250-item inventory batch, and money allocation.
#![allow(clippy::unwrap_used, clippy::expect_used)] // bench set-up should fail loudly

use bytes::Bytes;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use futures::StreamExt;
use rust_decimal::Decimal;
use serde_json::json;
use stokly_shopify::shopify::{group_by_parent, idempotency_key, jsonl_lines};
use stokly_shopify::{CurrencyCode, Money};

fn jsonl(lines: usize) -> Vec<Bytes> {
    let mut text = String::new();
    for i in 0..lines {
        let root = i / 3;
        if i % 3 == 0 {
            text.push_str(&format!(
                "{{\"id\":\"gid://shopify/ProductVariant/{root}\",\"sku\":\"SKU-{root}\",\"inventoryItem\":{{\"id\":\"gid://shopify/InventoryItem/{root}\",\"tracked\":true}}}}\n"
            ));
        } else {
            text.push_str(&format!(
                "{{\"id\":\"gid://shopify/ProductVariantComponent/{i}\",\"quantity\":1,\"__parentId\":\"gid://shopify/ProductVariant/{root}\"}}\n"
            ));
        }
    }
    text.into_bytes()
        .chunks(64 * 1024)
        .map(Bytes::copy_from_slice)
        .collect()
}

fn bulk_jsonl(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut group = c.benchmark_group("bulk_jsonl");
    for lines in [10_000usize, 100_000] {
        let chunks = jsonl(lines);
        group.throughput(Throughput::Elements(lines as u64));
        group.bench_with_input(
            BenchmarkId::new("lines_grouped", lines),
            &chunks,
            |b, chunks| {
                b.iter(|| {
                    runtime.block_on(async {
                        let bytes = futures::stream::iter(chunks.clone().into_iter().map(Ok));
                        let nodes = group_by_parent(jsonl_lines::<serde_json::Value, _>(bytes));
                        nodes
                            .fold(
                                0usize,
                                |n, r| async move { n + 1 + r.unwrap().children.len() },
                            )
                            .await
                    })
                });
            },
        );
    }
    group.finish();
}

fn idempotency(c: &mut Criterion) {
    let quantities: Vec<_> = (0..250)
        .map(|i| {
            json!({"inventoryItemId": format!("gid://shopify/InventoryItem/{i}"),
                   "locationId": "gid://shopify/Location/1", "quantity": i, "changeFromQuantity": i + 1})
        })
        .collect();
    let input =
        json!({"input": {"name": "available", "reason": "correction", "quantities": quantities}});
    c.bench_function("idempotency_key_250_quantities", |b| {
        b.iter(|| idempotency_key("InventorySetQuantities", &input))
    });
}

fn allocation(c: &mut Criterion) {
    let total = Money::new(
        Decimal::new(1_234_567, 2),
        CurrencyCode::new("EUR").unwrap(),
    );
    let weights: Vec<Decimal> = (1..=1000).map(Decimal::from).collect();
    c.bench_function("money_allocate_1000_parts", |b| {
        b.iter(|| total.allocate(&weights).unwrap())
    });
}

criterion_group!(benches, bulk_jsonl, idempotency, allocation);
criterion_main!(benches);
