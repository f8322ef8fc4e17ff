//! A month of Shopify Payments payouts read from Shopify, reconciled, and journaled in Stokly
//! exactly once, all on the sandbox.
//!
//! Run with:
//! ```sh
//! cargo run --example reconcile_payouts
//! ```
//!
//! It generates a consistent month of payouts ([`PayoutMonth`]: charges on posted orders,
//! refunds on posted credits, a chargeback with its fee, a reserve held and released, an
//! adjustment, a failed payout, a payout holding an order not posted yet, a payout still
//! scheduled) and loads it into the Shopify emulator. It reads the payouts and each payout's
//! balance transactions through `shopify::Client` (`read_payouts`,
//! `read_payout_transactions`), reconciles each payout, posts the journals of the paid ones
//! through the exactly-once protocol to the Stokly emulator's journal endpoint (an
//! **inferred** path: Stokly's is not public), writes the finance report to
//! `target/payouts.html` (and `.md`) and the journals to `target/payouts.csv`, then runs
//! again: nothing new is created. Against real accounts, point the two clients at Shopify
//! and Stokly (and set the journal path with `InferredEndpoints::with_journals`).

#![allow(clippy::unwrap_used, clippy::expect_used)] // an example should fail loudly

use std::time::{Duration, Instant};

use stokly_shopify::adapters::exactly_once::SYSTEM_CLOCK;
use stokly_shopify::adapters::payouts::{post_journals, read_payout_transactions, read_payouts};
use stokly_shopify::domain::exactly_once::Outcome;
use stokly_shopify::domain::payout::{
    PayoutAction, PayoutJournal, PayoutReconciliation, PayoutReport, ReconcileConfig,
    reconcile_payout,
};
use stokly_shopify::domain::posting::{InMemoryPostingLedger, PostingConfig};
use stokly_shopify::money::CurrencyCode;
use stokly_shopify::sandbox::payouts::PayoutMonth;
use stokly_shopify::sandbox::shopify::ShopifyState;
use stokly_shopify::sandbox::{
    SandboxClock, ShopifyConfig, ShopifyEmulator, StoklyConfig, StoklyEmulator, StoklyState,
};
use stokly_shopify::shopify::{DEFAULT_PAYOUT_OVERLAP, PayoutCursor};

fn journals(results: &[PayoutReconciliation]) -> Vec<PayoutJournal> {
    results
        .iter()
        .filter_map(|r| match &r.action {
            PayoutAction::Post(j) | PayoutAction::Reverse(j) => Some(j.clone()),
            _ => None,
        })
        .collect()
}

#[tokio::main]
async fn main() {
    let started = Instant::now();
    let month = PayoutMonth::generate(2026).expect("the sandbox chart is valid");
    month.chart.validate().expect("chart of accounts");

    // Both emulators on one clock, 50 emulated seconds per real second; Stokly shows a new
    // journal 10 emulated seconds after accepting it.
    let clock = SandboxClock::new(month.month_end, 50.0);
    let shop = ShopifyEmulator::start(
        ShopifyState::new("payouts.myshopify.com", CurrencyCode::GBP),
        ShopifyConfig::default(),
        clock.clone(),
    )
    .await
    .expect("Shopify emulator");
    shop.load_payouts(&month);
    let erp = StoklyEmulator::start(
        StoklyState::new("sandbox", 2026),
        StoklyConfig::default()
            .with_visibility_delay(Duration::from_secs(10))
            .with_requests_per_minute(100_000),
        clock,
    )
    .await
    .expect("Stokly emulator");
    let shopify = shop.client_builder().build().expect("Shopify client");
    let stokly = erp.client_builder().build().expect("Stokly client");

    let (payouts, cursor) = read_payouts(&shopify, &PayoutCursor::start(), DEFAULT_PAYOUT_OVERLAP)
        .await
        .expect("read payouts");
    let config = ReconcileConfig::new(month.month_end).with_suspense_after_days(45);
    let mut results: Vec<PayoutReconciliation> = Vec::new();
    for payout in &payouts {
        let txs = read_payout_transactions(&shopify, payout)
            .await
            .expect("read balance transactions");
        results.push(reconcile_payout(
            payout,
            &txs,
            &month.posted,
            &month.chart,
            &config,
        ));
    }
    println!(
        "read {} payouts in {} Shopify requests; store the cursor {:?}",
        payouts.len(),
        shop.requests().len(),
        cursor.issued_at
    );

    let transactions: usize = results.iter().map(|r| r.matches.len()).sum();
    let unmatched: usize = results.iter().map(|r| r.unmatched().count()).sum();
    println!(
        "{} payouts, {transactions} balance transactions, {unmatched} unmatched (each reported)",
        results.len()
    );
    for r in &results {
        let action = match &r.action {
            PayoutAction::Post(_) => "post",
            PayoutAction::Reverse(_) => "reverse",
            PayoutAction::Hold => "hold",
            PayoutAction::Wait => "wait (not paid)",
            PayoutAction::AlreadyPosted => "already posted",
            PayoutAction::Nothing => "nothing (failed before it was journaled)",
            _ => "other",
        };
        println!(
            "  payout {} {:<9} net {:>9} {}: {action}, {} exception(s)",
            r.payout.id.numeric_id(),
            r.payout.status.as_str(),
            r.payout.net.amount(),
            r.payout.net.currency(),
            r.findings.len()
        );
        if let Some(j) = &r.journal {
            let (debits, credits) = j.totals().expect("no overflow");
            assert_eq!(debits, credits, "every journal balances");
        }
    }

    let ledger = InMemoryPostingLedger::new();
    let to_post = journals(&results);
    let posting = PostingConfig::default()
        .with_visibility_window(Duration::from_secs(10))
        .with_uncertain_polls(8, Duration::from_millis(100));
    for run in 1..=2 {
        let outcomes = post_journals(&to_post, &stokly, &ledger, &SYSTEM_CLOCK, posting).await;
        let created = outcomes
            .iter()
            .filter(|o| matches!(o.outcome, Outcome::Created(_)))
            .count();
        let found = outcomes
            .iter()
            .filter(|o| matches!(o.outcome, Outcome::AlreadyDone(_)))
            .count();
        println!("run {run}: {created} journal(s) created, {found} already there");
    }
    println!(
        "Stokly holds {} journal(s) after both runs",
        erp.state().journals.len()
    );

    let report = PayoutReport::new(&results);
    std::fs::create_dir_all("target").expect("target directory");
    std::fs::write("target/payouts.html", report.to_html()).expect("write report");
    std::fs::write("target/payouts.md", report.to_markdown()).expect("write report");
    std::fs::write("target/payouts.csv", PayoutJournal::csv(&to_post)).expect("write csv");
    println!("report: target/payouts.html (and .md); journals: target/payouts.csv");
    println!("took {:.2?}", started.elapsed());
}
