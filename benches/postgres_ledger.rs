//! One posting-ledger claim round trip on PostgreSQL (target: under 2 ms on a local server):
//! a first claim of a new order (the insert), and a claim of an order another run released
//! (the update), each one statement over the pool. Also the work queue's take-and-complete of
//! one item, the fleet's unit of work, and a claim over sessions with `synchronous_commit =
//! off`, which shows how much of a round trip is the commit's flush to disk.
//!
//! Run with:
//! ```sh
//! DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \
//!   cargo bench --features postgres --bench postgres_ledger -- --warm-up-time 1 --measurement-time 3
//! ```
//! Without `DATABASE_URL` it prints a notice and measures nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // bench set-up should fail loudly

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::Utc;
use criterion::{Criterion, criterion_group, criterion_main};
use stokly_shopify::domain::posting::{Claim, PostingLedger};
use stokly_shopify::postgres::Fleet;

const LEASE: Duration = Duration::from_secs(300);

fn ledger_claims(c: &mut Criterion) {
    let Ok(url) = std::env::var("DATABASE_URL") else {
        eprintln!("NOTICE: DATABASE_URL is not set; the PostgreSQL ledger bench measures nothing");
        return;
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let fleet = rt.block_on(async {
        let pool = stokly_shopify::postgres::sqlx::postgres::PgPoolOptions::new()
            .max_connections(2)
            .connect(&url)
            .await
            .unwrap();
        let fleet = Fleet::new(pool, &format!("bench_{}_", std::process::id())).unwrap();
        fleet.drop_tables().await.unwrap();
        fleet.migrate().await.unwrap();
        fleet
    });
    let ledger = fleet.ledger();
    let next = AtomicU64::new(1);
    // The same ledger over sessions that do not wait for the commit's disk flush: what the
    // statement costs apart from the disk (on a busy disk most of a claim is the flush).
    let unflushed = rt.block_on(async {
        let options: stokly_shopify::postgres::sqlx::postgres::PgConnectOptions =
            url.parse().unwrap();
        let pool = stokly_shopify::postgres::sqlx::postgres::PgPoolOptions::new()
            .max_connections(2)
            .connect_with(options.options([("synchronous_commit", "off")]))
            .await
            .unwrap();
        Fleet::new(pool, fleet.prefix()).unwrap().ledger()
    });
    let mut group = c.benchmark_group("postgres_ledger");
    group.bench_function("claim a new order, commit not flushed", |b| {
        b.iter(|| {
            rt.block_on(async {
                let n = next.fetch_add(1, Ordering::Relaxed);
                let key = format!("bench.myshopify.com/orders/{n}");
                let claim = unflushed.claim(&key, Utc::now(), LEASE).await.unwrap();
                assert!(matches!(claim, Claim::Acquired { .. }));
            })
        });
    });
    group.bench_function("claim a new order", |b| {
        b.iter(|| {
            rt.block_on(async {
                let n = next.fetch_add(1, Ordering::Relaxed);
                let claim = ledger
                    .claim(
                        &format!("bench.myshopify.com/orders/{n}"),
                        Utc::now(),
                        LEASE,
                    )
                    .await
                    .unwrap();
                assert!(matches!(claim, Claim::Acquired { .. }));
            })
        });
    });
    let key = "bench.myshopify.com/orders/released";
    group.bench_function("claim a released order", |b| {
        b.iter(|| {
            rt.block_on(async {
                let claim = ledger.claim(key, Utc::now(), LEASE).await.unwrap();
                assert!(matches!(claim, Claim::Acquired { .. }));
                // Released outside the claim's own round trip would be fairer, but a release is
                // the same kind of statement: the figure is two round trips.
                ledger.release(key, None).await.unwrap();
            })
        });
    });
    let queue = fleet.queue("bench");
    group.bench_function("queue take and complete one item", |b| {
        b.iter(|| {
            rt.block_on(async {
                queue.enqueue(&1u32, None, Utc::now()).await.unwrap();
                let items = queue
                    .take::<u32>("bench", 1, Utc::now(), LEASE)
                    .await
                    .unwrap();
                assert!(queue.complete(&items[0]).await.unwrap());
            })
        });
    });
    group.finish();
    rt.block_on(fleet.drop_tables()).unwrap();
}

criterion_group!(benches, ledger_claims);
criterion_main!(benches);
