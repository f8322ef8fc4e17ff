//! Payouts end to end on a generated month: every transaction matched or reported, every
//! journal balanced, journals posted exactly once through the protocol (a rerun creates
//! nothing), a posted payout that later fails is reversed once.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code should fail loudly

use stokly_shopify::adapters::exactly_once::SYSTEM_CLOCK;
use stokly_shopify::adapters::payouts::{InMemoryJournals, JournalPort, post_journals};
use stokly_shopify::domain::exactly_once::Outcome;
use stokly_shopify::domain::exception::DomainException;
use stokly_shopify::domain::payout::{
    JournalKind, PayoutAction, PayoutJournal, PayoutReconciliation, ReconcileConfig,
    reconcile_payout,
};
use stokly_shopify::domain::ports::Clock;
use stokly_shopify::domain::posting::PortError;
use stokly_shopify::domain::posting::{InMemoryPostingLedger, PostingConfig};
use stokly_shopify::sandbox::payouts::PayoutMonth;
use stokly_shopify::shopify::model::PayoutStatus;

fn reconcile_all(month: &PayoutMonth, config: &ReconcileConfig) -> Vec<PayoutReconciliation> {
    month
        .payouts
        .iter()
        .map(|(p, txs)| reconcile_payout(p, txs, &month.posted, &month.chart, config))
        .collect()
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

#[test]
fn every_generated_transaction_is_matched_or_reported_and_every_journal_balances() {
    for seed in 1..=20 {
        let month = PayoutMonth::generate(seed).unwrap();
        assert_eq!(month.chart.validate(), Ok(()));
        let results = reconcile_all(&month, &ReconcileConfig::new(month.month_end));
        for r in &results {
            for m in r.unmatched() {
                assert!(
                    r.findings.iter().any(|f| f.subject().iter().any(|s| s
                        .to_string()
                        .contains(&m.transaction.numeric_id().to_string()))),
                    "seed {seed}: transaction {:?} neither matched nor reported",
                    m.transaction
                );
            }
            if let Some(j) = &r.journal {
                let (d, c) = j.totals().unwrap();
                assert_eq!(d, c, "seed {seed}: unbalanced journal");
                assert_eq!(j.bank_deposit(), r.payout.net.amount());
            }
        }
        let actions: Vec<_> = results
            .iter()
            .map(|r| match &r.action {
                PayoutAction::Post(_) => "post",
                PayoutAction::Hold => "hold",
                PayoutAction::Wait => "wait",
                PayoutAction::Nothing => "nothing",
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            actions,
            [
                "post", "post", "post", "post", "post", "hold", "nothing", "wait"
            ],
            "seed {seed}: {:#?}",
            results[5]
                .findings
                .iter()
                .map(DomainException::reason)
                .collect::<Vec<_>>()
        );
        let held = &results[5].findings;
        assert_eq!(held.len(), 1);
        assert_eq!(held[0].code(), "unmatched_transaction");
        assert!(held[0].reason().contains("its order is not posted"));
    }
}

#[test]
fn after_the_grace_period_the_unposted_order_goes_to_suspense() {
    let month = PayoutMonth::generate(3).unwrap();
    let config = ReconcileConfig::new(month.month_end).with_suspense_after_days(7);
    let results = reconcile_all(&month, &config);
    assert!(matches!(results[5].action, PayoutAction::Post(_)));
    assert_eq!(results[5].findings[0].code(), "sent_to_suspense");
}

#[tokio::test(start_paused = true)]
async fn journals_post_exactly_once_and_a_failed_payout_is_reversed_once() {
    let mut month = PayoutMonth::generate(7).unwrap();
    let port = InMemoryJournals::new();
    let ledger = InMemoryPostingLedger::new();
    let config = ReconcileConfig::new(month.month_end);

    let journals = to_post(&reconcile_all(&month, &config));
    assert_eq!(journals.len(), 5);
    let first = post_journals(
        &journals,
        &port,
        &ledger,
        &SYSTEM_CLOCK,
        PostingConfig::default(),
    )
    .await;
    assert!(
        first
            .iter()
            .all(|r| matches!(r.outcome, Outcome::Created(_))),
        "{first:?}"
    );
    assert_eq!(port.journals().len(), 5);

    // A rerun (the application has not recorded them yet) finds them all: nothing created.
    let again = post_journals(
        &journals,
        &port,
        &ledger,
        &SYSTEM_CLOCK,
        PostingConfig::default(),
    )
    .await;
    assert!(
        again
            .iter()
            .all(|r| matches!(r.outcome, Outcome::AlreadyDone(_))),
        "{again:?}"
    );
    assert_eq!(port.journals().len(), 5);

    // The application records them; payout 1 then fails at the bank.
    for j in &journals {
        month.posted.add_journal(j.payout().clone());
    }
    month.payouts[0].0.status = PayoutStatus::Failed;
    let results = reconcile_all(&month, &config);
    let reversals = to_post(&results);
    assert_eq!(reversals.len(), 1);
    assert_eq!(reversals[0].kind(), JournalKind::Reversal);
    let posted = post_journals(
        &reversals,
        &port,
        &ledger,
        &SYSTEM_CLOCK,
        PostingConfig::default(),
    )
    .await;
    assert!(matches!(posted[0].outcome, Outcome::Created(_)));
    let again = post_journals(
        &reversals,
        &port,
        &ledger,
        &SYSTEM_CLOCK,
        PostingConfig::default(),
    )
    .await;
    assert!(matches!(again[0].outcome, Outcome::AlreadyDone(_)));
    let all = port.journals();
    assert_eq!(all.len(), 6);
    assert_eq!(all[5].bank_deposit(), -all[0].bank_deposit());
    let csv = PayoutJournal::csv(&all);
    assert!(
        csv.lines()
            .skip(1)
            .all(|l| l.starts_with("shopify-payout-"))
    );
}

/// A journal store that shows a new journal only after `lag` look-ups, like Stokly's 202.
struct LaggingJournals {
    inner: InMemoryJournals,
    hidden: std::sync::Mutex<Vec<(String, u32)>>,
    lag: u32,
}

#[async_trait::async_trait]
impl JournalPort for LaggingJournals {
    async fn find(
        &self,
        references: &[String],
    ) -> Result<std::collections::HashMap<String, String>, PortError> {
        let mut found = self.inner.find(references).await?;
        let mut hidden = self.hidden.lock().unwrap();
        for (reference, left) in hidden.iter_mut() {
            if *left > 0 {
                found.remove(reference);
                *left -= 1;
            }
        }
        Ok(found)
    }

    async fn create(&self, journal: &PayoutJournal) -> Result<String, PortError> {
        self.hidden
            .lock()
            .unwrap()
            .push((journal.natural_key(), self.lag));
        self.inner.create(journal).await
    }
}

struct SteppingClock(std::sync::Mutex<chrono::DateTime<chrono::Utc>>);

#[async_trait::async_trait]
impl Clock for SteppingClock {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        *self.0.lock().unwrap()
    }
    async fn sleep_until(&self, until: chrono::DateTime<chrono::Utc>) {
        let mut now = self.0.lock().unwrap();
        if until > *now {
            *now = until;
        }
    }
}

#[tokio::test]
async fn a_journal_is_read_back_before_its_claim_is_released() {
    let month = PayoutMonth::generate(3).unwrap();
    let journals = to_post(&reconcile_all(
        &month,
        &ReconcileConfig::new(month.month_end),
    ));
    assert!(!journals.is_empty());
    let port = LaggingJournals {
        inner: InMemoryJournals::new(),
        hidden: std::sync::Mutex::new(Vec::new()),
        lag: 3,
    };
    let clock = SteppingClock(std::sync::Mutex::new(month.month_end));
    let config = PostingConfig::default()
        .with_visibility_window(std::time::Duration::from_secs(60))
        .with_uncertain_polls(4, std::time::Duration::from_secs(1));
    let ledger = InMemoryPostingLedger::new();
    let first = post_journals(&journals, &port, &ledger, &clock, config).await;
    assert!(
        first
            .iter()
            .all(|o| matches!(o.outcome, Outcome::Created(_))),
        "{first:?}"
    );
    // Released only once visible: an immediate rerun (even from another process, with its
    // own ledger) finds every journal and creates none.
    let again = post_journals(
        &journals,
        &port,
        &InMemoryPostingLedger::new(),
        &clock,
        config,
    )
    .await;
    assert!(
        again
            .iter()
            .all(|o| matches!(o.outcome, Outcome::AlreadyDone(_))),
        "{again:?}"
    );
    assert_eq!(port.inner.journals().len(), journals.len());
}
