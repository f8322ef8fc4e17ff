//! A month of Shopify Payments payouts reconciled and journaled exactly once.
//!
//! Run with:
//! ```sh
//! cargo run --example reconcile_payouts
//! ```
//!
//! It generates a consistent month of payouts ([`PayoutMonth`]: charges on posted orders,
//! refunds on posted credits, a chargeback with its fee, a reserve held and released, an
//! adjustment, a failed payout, a payout holding an order not posted yet, a payout still
//! scheduled), reconciles each payout, posts the journals of the paid ones through the
//! exactly-once protocol, writes the finance report to `target/payouts.html` (and `.md`) and
//! the journals to `target/payouts.csv`, then runs again: nothing new is created.
//!
//! The payouts come from the generator, not from the Shopify emulator (which has no payouts
//! yet), and the journals go to an in-memory [`JournalPort`](stokly_shopify::adapters::payouts::JournalPort):
//! Stokly's journal endpoint is not public. Against real accounts, read the payouts with
//! `adapters::payouts::read_payouts` and post with `stokly::Client` as the port.

#![allow(clippy::unwrap_used, clippy::expect_used)] // an example should fail loudly

use stokly_shopify::adapters::exactly_once::SYSTEM_CLOCK;
use stokly_shopify::adapters::payouts::{InMemoryJournals, post_journals};
use stokly_shopify::domain::exactly_once::Outcome;
use stokly_shopify::domain::payout::{
    PayoutAction, PayoutJournal, PayoutReconciliation, PayoutReport, ReconcileConfig,
    reconcile_payout,
};
use stokly_shopify::domain::posting::{InMemoryPostingLedger, PostingConfig};
use stokly_shopify::sandbox::payouts::PayoutMonth;

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
    let month = PayoutMonth::generate(2026).expect("the sandbox chart is valid");
    month.chart.validate().expect("chart of accounts");
    let config = ReconcileConfig::new(month.month_end).with_suspense_after_days(45);
    let results: Vec<PayoutReconciliation> = month
        .payouts
        .iter()
        .map(|(payout, txs)| reconcile_payout(payout, txs, &month.posted, &month.chart, &config))
        .collect();

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

    let port = InMemoryJournals::new();
    let ledger = InMemoryPostingLedger::new();
    let to_post = journals(&results);
    for run in 1..=2 {
        let outcomes = post_journals(
            &to_post,
            &port,
            &ledger,
            &SYSTEM_CLOCK,
            PostingConfig::default(),
        )
        .await;
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

    let report = PayoutReport::new(&results);
    std::fs::create_dir_all("target").expect("target directory");
    std::fs::write("target/payouts.html", report.to_html()).expect("write report");
    std::fs::write("target/payouts.md", report.to_markdown()).expect("write report");
    std::fs::write("target/payouts.csv", PayoutJournal::csv(&port.journals())).expect("write csv");
    println!("report: target/payouts.html (and .md); journals: target/payouts.csv");
}
