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
use stokly_shopify::domain::catalogue::{
    OwnedStoklyCatalogue, SkuIndex, StoklyCatalogue, audit_catalogue,
};

#[path = "support/catalogue.rs"]
mod catalogue;
use catalogue::{Catalogues, catalogues};

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
