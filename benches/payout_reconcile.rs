//! Reconciling one payout of 100,000 balance transactions (target: under 200 ms), and of
//! 10,000 to show the cost is linear. The mix: charges on 1,000 posted orders split over
//! goods, shipping and two taxes; refunds on posted credits; chargebacks, dispute fees,
//! reserves, adjustments and shipping labels on their accounts; one transfer row.
//!
//! Run with `cargo bench --bench payout_reconcile -- --warm-up-time 1 --measurement-time 2`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // bench set-up should fail loudly

use chrono::{TimeZone, Utc};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use stokly_shopify::domain::order::{GlAccountCode, TaxKey};
use stokly_shopify::domain::payout::{
    Breakdown, ChartOfAccounts, PayoutAction, PayoutTaxKey, PostedCredit, PostedRecords,
    PostedSale, ReconcileConfig, TransactionFamily, reconcile_payout,
};
use stokly_shopify::shopify::model::{BalanceTransaction, Payout};
use stokly_shopify::shopify::{OrderId, RefundId};
use stokly_shopify::stokly::SaleOrderId;

const ORDERS: u64 = 1_000;

fn acc(code: &str) -> GlAccountCode {
    GlAccountCode::new(code).unwrap()
}

fn tax(title: &str, rate: &str) -> PayoutTaxKey {
    PayoutTaxKey::new(
        TaxKey::new(title, Some(rate.parse().unwrap()), None, false),
        Some("US"),
        false,
    )
}

fn chart() -> ChartOfAccounts {
    let mut chart = ChartOfAccounts::new(acc("1200"), acc("9999"), acc("4000"), acc("4100"))
        .with_refunds(acc("4010"))
        .with_tax(tax("State", "0.06"), acc("2200"))
        .with_tax(tax("County", "0.01"), acc("2210"));
    for f in TransactionFamily::ALL {
        chart = chart
            .with_family(f, acc(&format!("7-{f}")))
            .with_fee(f, acc("6000"));
    }
    chart
}

fn posted() -> PostedRecords {
    let mut p = PostedRecords::new();
    for o in 1..=ORDERS {
        let breakdown = Breakdown::new(
            Decimal::from(100),
            Decimal::from(10),
            [
                (tax("State", "0.06"), Decimal::new(660, 2)),
                (tax("County", "0.01"), Decimal::new(110, 2)),
            ],
        )
        .unwrap();
        p.add_sale(PostedSale::new(
            OrderId::from_numeric(o),
            SaleOrderId::new(format!("so-{o}")).unwrap(),
            breakdown.clone(),
        ));
        p.add_credit(PostedCredit::new(
            RefundId::from_numeric(o),
            OrderId::from_numeric(o),
            vec![o + 1_000_000],
            format!("CR-{o}"),
            breakdown,
        ));
    }
    p
}

fn money(cents: i64) -> Value {
    json!({"amount": Decimal::new(cents, 2).to_string(), "currencyCode": "USD"})
}

fn data(n: usize) -> (Payout, Vec<BalanceTransaction>) {
    let kinds = [
        ("CHARGE", 11_770, 350),
        ("CHARGE", 5_885, 200),
        ("CHARGE", 2_000, 90),
        ("REFUND", -2_354, 0),
        ("DISPUTE_WITHDRAWAL", -5_000, 0),
        ("CHARGEBACK_FEE", 0, 1_500),
        ("RESERVED_FUNDS", -1_000, 0),
        ("ADJUSTMENT", 125, 0),
        ("SHIPPING_LABEL", -780, 0),
        ("CHARGE", 11_770, 350),
    ];
    let mut sums = [0i64; 8]; // charges gross/fee, refunds gross/fee, reserved gross/fee, adjustments gross/fee
    let mut net = 0i64;
    let mut txs = Vec::with_capacity(n + 1);
    for i in 0..n {
        let (kind, amount, fee) = kinds[i % kinds.len()];
        let order = (i as u64 % ORDERS) + 1;
        let slot = match kind {
            "CHARGE" => 0,
            "REFUND" => 2,
            "RESERVED_FUNDS" => 4,
            _ => 6,
        };
        sums[slot] += amount;
        sums[slot + 1] += fee;
        net += amount - fee;
        txs.push(json!({
            "id": format!("gid://shopify/ShopifyPaymentsBalanceTransaction/{}", i + 1),
            "type": kind,
            "test": false,
            "amount": money(amount),
            "fee": money(fee),
            "net": money(amount - fee),
            "sourceOrderTransactionId": (order + 1_000_000).to_string(),
            "associatedOrder": {"id": format!("gid://shopify/Order/{order}"), "name": format!("#{order}")},
            "associatedPayout": {"id": "gid://shopify/ShopifyPaymentsPayout/1", "status": "PAID"},
            "adjustmentsOrders": [],
            "transactionDate": "2026-11-01T10:00:00Z",
        }));
    }
    txs.push(json!({
        "id": format!("gid://shopify/ShopifyPaymentsBalanceTransaction/{}", n + 1),
        "type": "TRANSFER", "test": false,
        "amount": money(-net), "fee": money(0), "net": money(-net),
        "associatedPayout": {"id": "gid://shopify/ShopifyPaymentsPayout/1", "status": "PAID"},
        "transactionDate": "2026-11-02T10:00:00Z",
    }));
    let payout = json!({
        "id": "gid://shopify/ShopifyPaymentsPayout/1",
        "issuedAt": "2026-11-02T10:00:00Z",
        "net": money(net),
        "status": "PAID",
        "transactionType": "DEPOSIT",
        "externalTraceId": "T-1",
        "summary": {
            "chargesGross": money(sums[0]), "chargesFee": money(sums[1]),
            "refundsFeeGross": money(sums[2]), "refundsFee": money(sums[3]),
            "reservedFundsGross": money(sums[4]), "reservedFundsFee": money(sums[5]),
            "adjustmentsGross": money(sums[6]), "adjustmentsFee": money(sums[7]),
            "advanceGross": money(0), "advanceFees": money(0),
            "retriedPayoutsGross": money(0), "retriedPayoutsFee": money(0),
        },
    });
    (
        serde_json::from_value(payout).unwrap(),
        serde_json::from_value(Value::Array(txs)).unwrap(),
    )
}

fn payout_reconcile(c: &mut Criterion) {
    let chart = chart();
    let posted = posted();
    let config = ReconcileConfig::new(Utc.with_ymd_and_hms(2026, 11, 5, 0, 0, 0).unwrap());
    let mut group = c.benchmark_group("reconcile_payout");
    group.sample_size(10);
    for n in [10_000usize, 100_000] {
        let (payout, txs) = data(n);
        let check = reconcile_payout(&payout, &txs, &posted, &chart, &config);
        assert!(check.findings.is_empty(), "{:?}", check.findings.first());
        assert!(matches!(check.action, PayoutAction::Post(_)));
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), &txs, |b, txs| {
            b.iter(|| reconcile_payout(&payout, txs, &posted, &chart, &config));
        });
    }
    group.finish();
}

criterion_group!(benches, payout_reconcile);
criterion_main!(benches);
