//! Speed of the catalogue audit at 10,000, 30,000, 100,000 and 200,000 records per side, on
//! catalogues seeded with realistic defects (about one record in twenty is wrong in some
//! way). Four measurements per size:
//!
//! - `read_inputs`: hashing, once, every string the index keys (IDs, SKUs, barcodes,
//!   product IDs) straight from the wire models. No index can do less, so it is the
//!   reference for how the machine's caches, not the algorithm, change the cost per record
//!   as the catalogues grow.
//! - `index_and_audit`: [`SkuIndex::build`] (which copies what it keeps) plus the audit,
//!   everything dropped inside the timing.
//! - `owned_index_and_audit`: [`SkuIndex::build_owned`] (which takes the wire models'
//!   strings) plus the audit, the audit dropped inside the timing. The index, which now holds
//!   the catalogue's own strings, is dropped outside it, as the caller's catalogue would be.
//! - `audit_only`: the audit of a built index.
//!
//! The audit should scale linearly: its cost per record should follow `read_inputs`, and
//! 100,000 records per side should take well under a second.
#![allow(clippy::unwrap_used, clippy::expect_used)] // bench set-up should fail loudly

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use serde_json::{Value, json};
use stokly_shopify::domain::sku::{
    CompositeComponents, OwnedStoklyCatalogue, SkuIndex, StoklyCatalogue, audit_catalogue,
};
use stokly_shopify::shopify::model::ProductVariant;
use stokly_shopify::stokly::model::{ComposingItem, Item, Listing};

#[derive(Clone)]
struct Catalogues {
    items: Vec<Item>,
    composites: CompositeComponents,
    listings: Vec<Listing>,
    variants: Vec<ProductVariant>,
}

fn variant_json(
    n: usize,
    sku: Option<String>,
    tracked: bool,
    components: &[(usize, &str)],
) -> Value {
    json!({
        "id": format!("gid://shopify/ProductVariant/{}", n + 1),
        "sku": sku,
        "barcode": format!("50{n:011}"),
        "title": format!("Variant {n}"),
        "price": "19.99",
        "requiresComponents": !components.is_empty(),
        "updatedAt": "2026-01-01T00:00:00Z",
        "product": {
            "id": format!("gid://shopify/Product/{}", n / 4 + 1),
            "title": format!("Product {}", n / 4),
            "status": if n % 97 == 0 { "DRAFT" } else { "ACTIVE" },
        },
        "inventoryItem": {"id": format!("gid://shopify/InventoryItem/{}", n + 1), "tracked": tracked},
        "productVariantComponents": {
            "nodes": components.iter().enumerate().map(|(i, (id, sku))| json!({
                "id": format!("gid://shopify/ProductVariantComponent/{}", n * 10 + i + 1),
                "quantity": 2,
                "productVariant": {"id": format!("gid://shopify/ProductVariant/{}", id + 1), "sku": sku},
            })).collect::<Vec<_>>(),
            "pageInfo": {"hasNextPage": false, "endCursor": null},
        },
    })
}

/// `n` Stokly items and `n` Shopify variants sharing most SKUs, with defects of every kind.
fn catalogues(n: usize) -> Catalogues {
    let mut items = Vec::with_capacity(n);
    let mut variants = Vec::with_capacity(n);
    let mut listings = Vec::new();
    let mut composing = Vec::new();
    for i in 0..n {
        let sku = format!("SKU-{i:06}");
        // Stokly side.
        let stokly_sku = match i % 200 {
            7 => None,                               // blank
            11 => Some(format!("SKU-{:06}", i - 1)), // duplicate of the previous item
            _ => Some(sku.clone()),
        };
        let format = if i % 100 == 3 { 1 } else { 0 };
        let status = if i % 250 == 5 { 1 } else { 0 };
        let barcode = if i % 300 == 9 {
            format!("50{:011}", i - 1) // collides with the previous item's barcode
        } else {
            format!("50{i:011}")
        };
        items.push(json!({
            "itemId": format!("item-{i}"),
            "sku": stokly_sku,
            "name": format!("Item {i}"),
            "format": format,
            "status": status,
            "barcode": barcode,
        }));
        if format == 1 {
            composing.push(json!({"itemId": format!("item-{i}"), "composingItemId": format!("item-{}", i + 1), "quantity": 2}));
            composing.push(json!({"itemId": format!("item-{i}"), "composingItemId": format!("item-{}", i + 2), "quantity": 1}));
        }
        if i % 10 == 0 {
            let reference = if i % 50 == 0 {
                Value::Null
            } else {
                json!(format!("gid://shopify/ProductVariant/{}", i + 1))
            };
            listings.push(json!({"listingId": format!("listing-{i}"), "itemId": format!("item-{i}"), "referenceId": reference, "status": 0}));
        }

        // Shopify side.
        let shopify_sku = match i % 100 {
            13 => Some(sku.to_lowercase()),            // letter case
            17 => Some(format!("{sku} ")),             // trailing space
            19 => Some(format!("SKU-\u{200B}{i:06}")), // zero-width space
            23 => Some(format!("WEB-ONLY-{i}")),       // not in Stokly
            29 => None,                                // blank
            31 => Some(format!("SKU-{:06}", i - 1)),   // duplicate in Shopify
            _ => Some(sku.clone()),
        };
        let components: Vec<(usize, String)> = if format == 1 {
            vec![
                (i + 1, format!("SKU-{:06}", i + 1)),
                (i + 2, format!("SKU-{:06}", i + 2)),
            ]
        } else {
            Vec::new()
        };
        let component_refs: Vec<(usize, &str)> =
            components.iter().map(|(id, s)| (*id, s.as_str())).collect();
        variants.push(variant_json(i, shopify_sku, i % 100 != 41, &component_refs));
    }
    let composing: Vec<ComposingItem> = serde_json::from_value(Value::Array(composing)).unwrap();
    Catalogues {
        items: serde_json::from_value(Value::Array(items)).unwrap(),
        composites: CompositeComponents::from_composing_items(&composing),
        listings: serde_json::from_value(Value::Array(listings)).unwrap(),
        variants: serde_json::from_value(Value::Array(variants)).unwrap(),
    }
}

/// Hashes every string the index keys, once, and sums the hashes.
fn read_inputs(data: &Catalogues, hasher: &RandomState) -> u64 {
    let mut sum = 0u64;
    let mut add = |text: &str| sum = sum.wrapping_add(hasher.hash_one(text));
    for item in &data.items {
        add(item.item_id.as_str());
        item.sku.iter().chain(&item.barcode).for_each(|s| add(s));
    }
    for variant in &data.variants {
        add(variant.id.as_str());
        add(variant.product.id.as_str());
        variant
            .sku
            .iter()
            .chain(&variant.barcode)
            .for_each(|s| add(s));
    }
    sum
}

fn catalogue_audit(c: &mut Criterion) {
    let mut group = c.benchmark_group("catalogue_audit");
    group.sample_size(10);
    let hasher = RandomState::new();
    for n in [10_000usize, 30_000, 100_000, 200_000] {
        let data = catalogues(n);
        let stokly = StoklyCatalogue::new(&data.items)
            .with_composites(&data.composites)
            .with_shopify_listings(&data.listings);
        let index = SkuIndex::build(stokly, &data.variants);
        let audit = audit_catalogue(&index);
        assert!(
            audit.findings.len() > n / 50,
            "the seeded defects are found"
        );
        group.throughput(Throughput::Elements(2 * n as u64));
        group.bench_with_input(BenchmarkId::new("read_inputs", n), &data, |b, data| {
            b.iter(|| read_inputs(data, &hasher));
        });
        group.bench_with_input(BenchmarkId::new("index_and_audit", n), &data, |b, data| {
            b.iter(|| {
                let stokly = StoklyCatalogue::new(&data.items)
                    .with_composites(&data.composites)
                    .with_shopify_listings(&data.listings);
                audit_catalogue(&SkuIndex::build(stokly, &data.variants))
                    .findings
                    .len()
            });
        });
        group.bench_with_input(
            BenchmarkId::new("owned_index_and_audit", n),
            &data,
            |b, data| {
                b.iter_batched(
                    || data.clone(),
                    |data| {
                        let stokly = OwnedStoklyCatalogue::new(data.items)
                            .with_composites(data.composites)
                            .with_shopify_listings(data.listings);
                        let index = SkuIndex::build_owned(stokly, data.variants);
                        let found = audit_catalogue(&index).findings.len();
                        (index, found)
                    },
                    BatchSize::PerIteration,
                );
            },
        );
        group.bench_with_input(BenchmarkId::new("audit_only", n), &index, |b, index| {
            b.iter(|| audit_catalogue(index).findings.len());
        });
    }
    group.finish();
}

criterion_group!(benches, catalogue_audit);
criterion_main!(benches);
