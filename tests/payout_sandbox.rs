//! Payouts on the sandbox: a generated month is read through the Shopify emulator (paged,
//! `payments_transfer_id:` per payout), reconciled, and journaled through the Stokly
//! emulator's inferred journal endpoint exactly once; a rerun creates nothing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code should fail loudly

use std::collections::HashSet;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use rust_decimal::Decimal;
use stokly_shopify::adapters::exactly_once::SYSTEM_CLOCK;
use stokly_shopify::adapters::payouts::{post_journals, read_payout_transactions, read_payouts};
use stokly_shopify::domain::exactly_once::Outcome;
use stokly_shopify::domain::exception::DomainException;
use stokly_shopify::domain::payout::{
    PayoutAction, PayoutJournal, PayoutReconciliation, ReconcileConfig, reconcile_payout,
};
use stokly_shopify::domain::posting::{InMemoryPostingLedger, PostingConfig};
use stokly_shopify::money::CurrencyCode;
use stokly_shopify::sandbox::payouts::PayoutMonth;
use stokly_shopify::sandbox::shopify::ShopifyState;
use stokly_shopify::sandbox::{
    SandboxClock, ShopifyConfig, ShopifyEmulator, StoklyConfig, StoklyEmulator, StoklyState,
};
use stokly_shopify::shopify::{DEFAULT_PAYOUT_OVERLAP, Error, PAYOUTS_SCOPE, PayoutCursor};
use stokly_shopify::stokly::model::inferred::{JournalLine, NewJournal};

fn epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap()
}

async fn shopify(clock: &SandboxClock, month: Option<&PayoutMonth>) -> ShopifyEmulator {
    let state = ShopifyState::new("payouts.myshopify.com", CurrencyCode::GBP);
    let emulator = ShopifyEmulator::start(state, ShopifyConfig::default(), clock.clone())
        .await
        .unwrap();
    if let Some(month) = month {
        emulator.load_payouts(month);
    }
    emulator
}

async fn stokly(clock: &SandboxClock, visibility_delay: Duration) -> StoklyEmulator {
    StoklyEmulator::start(
        StoklyState::new("sandbox", 17),
        StoklyConfig::default()
            .with_visibility_delay(visibility_delay)
            .with_requests_per_minute(100_000),
        clock.clone(),
    )
    .await
    .unwrap()
}

fn to_post(results: &[PayoutReconciliation]) -> Vec<PayoutJournal> {
    results
        .iter()
        .filter_map(|r| match &r.action {
            PayoutAction::Post(j) | PayoutAction::Reverse(j) => Some(j.clone()),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn a_month_read_through_shopify_is_reconciled_and_journaled_once_in_stokly() {
    let month = PayoutMonth::generate(2026).unwrap();
    // 50 emulated seconds per real second: a 10 s visibility delay is 0.2 s.
    let clock = SandboxClock::new(epoch(), 50.0);
    let shop = shopify(&clock, Some(&month)).await;
    let erp = stokly(&clock, Duration::from_secs(10)).await;
    let shopify_client = shop.client_builder().build().unwrap();
    let stokly_client = erp.client_builder().build().unwrap();

    let (payouts, cursor) = read_payouts(
        &shopify_client,
        &PayoutCursor::start(),
        DEFAULT_PAYOUT_OVERLAP,
    )
    .await
    .unwrap();
    let generated: Vec<_> = month.payouts.iter().map(|(p, _)| p.clone()).collect();
    assert_eq!(
        payouts, generated,
        "every payout, oldest first, as generated"
    );
    // The cursor stops before the scheduled payout (the last), at the failed one before it.
    assert_eq!(cursor, PayoutCursor::at(generated[6].issued_at));

    let config = ReconcileConfig::new(month.month_end);
    let mut results = Vec::new();
    let mut transactions = 0;
    for (payout, (_, expected)) in payouts.iter().zip(&month.payouts) {
        let txs = read_payout_transactions(&shopify_client, payout)
            .await
            .unwrap();
        assert_eq!(&txs, expected, "payout {}", payout.id.numeric_id());
        transactions += txs.len();
        results.push(reconcile_payout(
            payout,
            &txs,
            &month.posted,
            &month.chart,
            &config,
        ));
    }
    // One balance-transaction request per payout (each fits a page), each by payout.
    let searches: Vec<String> = shop
        .requests()
        .iter()
        .filter(|r| r.operation == "ShopifyPaymentsBalanceTransactions")
        .map(|r| r.variables["query"].as_str().unwrap().to_owned())
        .collect();
    let wanted: Vec<String> = payouts
        .iter()
        .map(|p| format!("payments_transfer_id:{}", p.id.numeric_id()))
        .collect();
    assert_eq!(searches, wanted);

    // 100% matched or reported; 0 unbalanced.
    let mut matched = 0;
    let mut reported = 0;
    for r in &results {
        for m in &r.matches {
            if m.status.is_matched() {
                matched += 1;
            } else {
                assert!(
                    r.findings.iter().any(|f| f.subject().iter().any(|s| s
                        .to_string()
                        .contains(&m.transaction.numeric_id().to_string()))),
                    "transaction {:?} neither matched nor reported",
                    m.transaction
                );
                reported += 1;
            }
        }
        if let Some(j) = &r.journal {
            let (debits, credits) = j.totals().unwrap();
            assert_eq!(debits, credits, "payout {} unbalanced", r.payout.id);
        }
    }
    assert_eq!(matched + reported, transactions);
    assert!(reported > 0, "the unposted order's charge is reported");

    let journals = to_post(&results);
    assert_eq!(journals.len(), 5, "the five paid, reconciled payouts");
    let posting = PostingConfig::default()
        .with_visibility_window(Duration::from_secs(5))
        .with_uncertain_polls(8, Duration::from_millis(100));
    let ledger = InMemoryPostingLedger::new();
    let first = post_journals(&journals, &stokly_client, &ledger, &SYSTEM_CLOCK, posting).await;
    for o in &first {
        assert!(
            matches!(o.outcome, Outcome::Created(_)),
            "{}: {:?}",
            o.reference,
            o.outcome
        );
    }
    let stored = erp.state().journals;
    assert_eq!(stored.len(), 5);
    let references: HashSet<&str> = stored
        .iter()
        .map(|j| j["reference"].as_str().unwrap())
        .collect();
    let keys: Vec<String> = journals.iter().map(PayoutJournal::natural_key).collect();
    assert_eq!(
        references,
        keys.iter().map(String::as_str).collect::<HashSet<_>>()
    );
    // What Stokly holds balances, line by line as sent.
    for j in &stored {
        let sum = |key: &str| -> Decimal {
            j["lines"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| {
                    l[key]
                        .to_string()
                        .trim_matches('"')
                        .parse::<Decimal>()
                        .unwrap()
                })
                .sum()
        };
        assert_eq!(sum("debit"), sum("credit"), "{}", j["reference"]);
    }

    // A rerun, with a fresh ledger (another process): found by reference, nothing created.
    let again = post_journals(
        &journals,
        &stokly_client,
        &InMemoryPostingLedger::new(),
        &SYSTEM_CLOCK,
        posting,
    )
    .await;
    for o in &again {
        if !matches!(o.outcome, Outcome::AlreadyDone(_)) {
            for r in erp.requests() {
                eprintln!("{} {} {:?} {}", r.method, r.path, r.filter, r.status);
            }
        }
        assert!(
            matches!(o.outcome, Outcome::AlreadyDone(_)),
            "{}: {:?}",
            o.reference,
            o.outcome
        );
    }
    assert_eq!(erp.state().journals.len(), 5);
}

#[tokio::test]
async fn payouts_and_balance_transactions_page_with_cursors_and_search() {
    let month = PayoutMonth::generate(5).unwrap();
    let clock = SandboxClock::new(epoch(), 50.0);
    let shop = shopify(&clock, Some(&month)).await;
    let client = shop.client_builder().build().unwrap();

    let mut ids = Vec::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = client
            .payouts_page(None, after.as_deref(), 3)
            .await
            .unwrap();
        pages += 1;
        assert!(page.nodes.len() <= 3);
        ids.extend(page.nodes.iter().map(|p| p.id.numeric_id()));
        if !page.page_info.has_next_page {
            break;
        }
        after = page.page_info.end_cursor;
    }
    assert_eq!(pages, 3);
    assert_eq!(ids, (7001..=7008).collect::<Vec<_>>());

    // `issued_at:>=` selects the payouts issued from then on.
    let from = month.payouts[5].0.issued_at;
    let search = PayoutCursor::at(from).search(Duration::ZERO).unwrap();
    let later = client.payouts_page(Some(&search), None, 250).await.unwrap();
    assert_eq!(
        later
            .nodes
            .iter()
            .map(|p| p.id.numeric_id())
            .collect::<Vec<_>>(),
        [7006, 7007, 7008]
    );

    // Every balance transaction, by ID, in pages of 7.
    let all: Vec<u64> = month
        .payouts
        .iter()
        .flat_map(|(_, txs)| txs.iter().map(|t| t.id.numeric_id()))
        .collect();
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = client
            .balance_transactions_page(None, after.as_deref(), 7)
            .await
            .unwrap();
        seen.extend(page.nodes.iter().map(|t| t.id.numeric_id()));
        if !page.page_info.has_next_page {
            break;
        }
        after = page.page_info.end_cursor;
    }
    assert_eq!(seen, all);

    // A search term the emulator does not know is an error, not an unfiltered list.
    let err = client
        .balance_transactions_page(Some("payout_date:2026-11-04"), None, 10)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("payout_date"), "{err}");
}

#[tokio::test]
async fn a_shop_without_shopify_payments_is_denied_naming_the_scope() {
    let clock = SandboxClock::new(epoch(), 50.0);
    let shop = shopify(&clock, None).await;
    let client = shop.client_builder().build().unwrap();
    let err = read_payouts(&client, &PayoutCursor::start(), DEFAULT_PAYOUT_OVERLAP)
        .await
        .unwrap_err();
    let Error::AccessDenied { scope, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(*scope, PAYOUTS_SCOPE);
    let err = client
        .balance_transactions_page(None, None, 10)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::AccessDenied { .. }), "{err:?}");
}

#[tokio::test]
async fn a_journal_create_is_accepted_and_visible_by_reference_after_the_delay() {
    // Time moves only when the test advances it.
    let clock = SandboxClock::new(epoch(), 0.001);
    let erp = stokly(&clock, Duration::from_secs(30)).await;
    let client = erp.client_builder().build().unwrap();
    let journal = NewJournal::new(
        epoch(),
        CurrencyCode::GBP,
        "payout:7001",
        vec![
            JournalLine::debit("1200", Decimal::new(10_050, 2)),
            JournalLine::credit("1100", Decimal::new(10_050, 2)),
        ],
    );
    let id = client.create_journal(&journal).await.unwrap();
    assert!(
        client
            .journals_by_references(&["payout:7001"])
            .await
            .unwrap()
            .is_empty(),
        "not visible before the delay"
    );
    clock.advance(Duration::from_secs(30));
    let found = client
        .journals_by_references(&["payout:7001", "payout:7002"])
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].journal_id, id);
    assert_eq!(found[0].reference, "payout:7001");
    let posts: Vec<_> = erp
        .requests()
        .into_iter()
        .filter(|r| r.path == "/v0/journals")
        .map(|r| (r.method, r.status))
        .collect();
    assert_eq!(posts[0], ("POST".to_owned(), 202));
}

/// Balance transactions of a payout outside the month, `n` of them, numbered from 100,000:
/// with them the account's list runs over several pages.
fn foreign_transactions(
    month: &PayoutMonth,
    n: u64,
) -> Vec<stokly_shopify::shopify::model::BalanceTransaction> {
    let template = month.payouts[0].1[0].clone();
    (0..n)
        .map(|i| {
            let mut tx = template.clone();
            tx.id = stokly_shopify::shopify::BalanceTransactionId::from_numeric(100_000 + i);
            tx.associated_payout.id = Some(stokly_shopify::shopify::PayoutId::from_numeric(7999));
            tx
        })
        .collect()
}

#[tokio::test]
async fn every_page_is_read_when_shopify_ignores_the_payout_search() {
    let month = PayoutMonth::generate(2026).unwrap();
    let clock = SandboxClock::new(epoch(), 50.0);
    let shop = shopify(&clock, Some(&month)).await;
    shop.with_state(|s| {
        let account = s.payments_account.as_mut().unwrap();
        account
            .transactions
            .extend(foreign_transactions(&month, 600));
    });
    let client = shop.client_builder().build().unwrap();
    let pages = || {
        shop.requests()
            .iter()
            .filter(|r| r.operation == "ShopifyPaymentsBalanceTransactions")
            .count()
    };
    let total = month.payouts.iter().map(|(_, t)| t.len()).sum::<usize>() + 600;
    let per_scan = total.div_ceil(250);
    assert!(per_scan >= 3, "{total} transactions");

    // One payout: the emulator ignores `payments_transfer_id:`, so the read pages through
    // every transaction and the join keeps the payout's own, in order.
    let (first, expected) = &month.payouts[0];
    let txs = read_payout_transactions(&client, first).await.unwrap();
    assert_eq!(&txs, expected);
    assert_eq!(pages(), per_scan);

    // Every payout at once: the first read shows the search was not applied, so its pass
    // through the list answers for all of them; no payout is read again.
    let payouts: Vec<_> = month.payouts.iter().map(|(p, _)| p.clone()).collect();
    let by_payout =
        stokly_shopify::adapters::payouts::read_transactions_of_payouts(&client, &payouts)
            .await
            .unwrap();
    assert_eq!(pages(), 2 * per_scan);
    for (payout, expected) in &month.payouts {
        assert_eq!(
            &by_payout[&payout.id],
            expected,
            "payout {}",
            payout.id.numeric_id()
        );
    }
}

#[test]
fn a_month_is_derived_from_a_scenarios_orders_and_reconciles() {
    use stokly_shopify::sandbox::ScenarioBuilder;
    use stokly_shopify::sandbox::payouts::MonthOrder;
    let scenario = ScenarioBuilder::new(11).orders(40).build();
    let state = scenario.shopify_state("derived.myshopify.com");
    let orders = MonthOrder::from_shop(&state, CurrencyCode::GBP);
    assert!(orders.len() >= 30, "{} plain orders", orders.len());
    let month = PayoutMonth::from_orders(11, orders.clone()).unwrap();
    assert_eq!(
        month.payouts[0].0.issued_at.date_naive(),
        orders[0].created_at.date_naive() + chrono::Days::new(3),
        "the month starts on the first order's day"
    );
    // Every scenario order is charged once, for what its customer paid.
    let mut charged = std::collections::BTreeMap::new();
    for (_, txs) in &month.payouts {
        for t in txs
            .iter()
            .filter(|t| t.transaction_type.as_str() == "CHARGE")
        {
            let order = t.associated_order.as_ref().unwrap().id.clone();
            *charged.entry(order).or_insert(Decimal::ZERO) += t.amount.amount();
        }
    }
    for order in &orders {
        let paid = Decimal::new(order.total(), 2);
        assert_eq!(charged.get(&order.id), Some(&paid), "order {}", order.id);
    }
    // Reconciled: every paid payout posts, but the one with the unposted order.
    let config = ReconcileConfig::new(month.month_end);
    let mut posted = 0;
    for (payout, txs) in &month.payouts {
        let r = reconcile_payout(payout, txs, &month.posted, &month.chart, &config);
        let blocking: Vec<&str> = r
            .findings
            .iter()
            .filter(|f| f.blocks_journal())
            .map(DomainException::code)
            .collect();
        match &r.action {
            PayoutAction::Post(j) => {
                posted += 1;
                let (debits, credits) = j.totals().unwrap();
                assert_eq!(debits, credits);
                assert_eq!(j.bank_deposit(), payout.net.amount());
            }
            PayoutAction::Hold => assert_eq!(blocking, vec!["unmatched_transaction"]),
            _ => {}
        }
        assert!(
            blocking.iter().all(|c| *c == "unmatched_transaction"),
            "payout {}: {blocking:?}",
            payout.id
        );
    }
    assert_eq!(
        posted, 5,
        "eight payouts: one held, one failed, one scheduled"
    );
}
