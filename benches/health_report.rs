//! Building the health report for 100,000 orders (target: under 500 ms), from lifecycles
//! already assessed, and assessing them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{TimeDelta, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use stokly_shopify::domain::lifecycle::{
    HoldFact, LifecycleConfig, OrderFacts, RefundFact, UnreservedCause, UnreservedLine,
    assess_lifecycle,
};
use stokly_shopify::ops::{HealthInputs, HealthReport};
use stokly_shopify::shopify::{OrderId, RefundId};
use stokly_shopify::stokly::SaleOrderId;

const ORDERS: u64 = 100_000;

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 15, 12, 0, 0).unwrap()
}

fn facts() -> Vec<OrderFacts> {
    let start = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
    (0..ORDERS)
        .map(|n| {
            // Spread over 14 days; in every 50 orders, four carry a fault (not reserved, on
            // hold, a refund not credited, never paid out).
            let captured = start + TimeDelta::seconds((n * 12) as i64);
            let mut f = OrderFacts::captured(
                OrderId::from_numeric(n + 1),
                format!("#{}", n + 1001),
                captured,
            )
            .posted(
                SaleOrderId::new(format!("so-{n}")).unwrap(),
                captured + TimeDelta::minutes(2),
            );
            match n % 50 {
                0 => {
                    f = f.with_unreserved_line(UnreservedLine::new(
                        "SKU",
                        UnreservedCause::SkuMismatch,
                    ))
                }
                1 => {
                    f = f
                        .reserved(captured)
                        .with_hold(HoldFact::new("OTHER", captured))
                }
                2 => {
                    f = f
                        .reserved(captured)
                        .released(captured)
                        .dispatched(captured)
                        .fulfilled(captured)
                        .with_refund(RefundFact::new(RefundId::from_numeric(n + 1), captured));
                }
                _ => {
                    f = f
                        .reserved(captured + TimeDelta::minutes(5))
                        .released(captured + TimeDelta::hours(2))
                        .dispatched(captured + TimeDelta::hours(20))
                        .fulfilled(captured + TimeDelta::hours(21));
                }
            }
            // Paid out after two days and journaled three hours later, as far as `now`.
            if n % 50 != 3 {
                for (offset, journal) in [(TimeDelta::days(2), false), (TimeDelta::hours(51), true)]
                {
                    let at = captured + offset;
                    if at <= now() {
                        f = if journal {
                            f.journaled(at)
                        } else {
                            f.paid_out(at)
                        };
                    }
                }
            }
            f
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let facts = facts();
    let config = LifecycleConfig::default();
    let now = now();
    let lifecycles: Vec<_> = facts
        .iter()
        .map(|f| assess_lifecycle(f, &config, now))
        .collect();
    let mut group = c.benchmark_group("health_report");
    group.sample_size(10);
    group.bench_function("assess_100k_orders", |b| {
        b.iter(|| {
            facts
                .iter()
                .map(|f| assess_lifecycle(black_box(f), &config, now))
                .collect::<Vec<_>>()
        })
    });
    let stuck: usize = lifecycles.iter().map(|l| l.stuck.len()).sum();
    println!("{} orders, {stuck} stuck stages", lifecycles.len());
    // The same orders with nothing paid out: most of them stuck (a bad day's worst case).
    let unpaid: Vec<_> = facts
        .iter()
        .map(|f| {
            let mut f = f.clone();
            f.paid_out_at = None;
            f.journaled_at = None;
            assess_lifecycle(&f, &config, now)
        })
        .collect();
    group.bench_function("build_100k_orders_most_stuck", |b| {
        b.iter(|| {
            HealthReport::build(
                &HealthInputs {
                    lifecycles: black_box(&unpaid),
                    ..HealthInputs::default()
                },
                now,
            )
        })
    });
    group.bench_function("build_100k_orders", |b| {
        b.iter(|| {
            HealthReport::build(
                &HealthInputs {
                    lifecycles: black_box(&lifecycles),
                    ..HealthInputs::default()
                },
                now,
            )
        })
    });
    group.bench_function("build_and_render_html_100k_orders", |b| {
        b.iter(|| {
            HealthReport::build(
                &HealthInputs {
                    lifecycles: black_box(&lifecycles),
                    ..HealthInputs::default()
                },
                now,
            )
            .to_html()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
