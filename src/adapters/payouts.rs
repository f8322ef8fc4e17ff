//! Payouts end to end: reads from Shopify (paged, with a cursor the application stores) and
//! the journal write through the exactly-once protocol (natural key: the payout).
//!
//! Stokly's journal endpoint is not public, so the write goes through [`JournalPort`]: the
//! crate implements it for [`stokly::Client`] on the inferred path (replace the path with
//! [`InferredEndpoints::with_journals`](crate::stokly::InferredEndpoints::with_journals), or
//! the whole port with the application's own), and [`InMemoryJournals`] keeps journals in
//! memory for tests and the sandbox. The same journals export as CSV
//! ([`PayoutJournal::csv`]) for an accounting system.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;

use super::exactly_once::{CreateTarget, LookUpAnswer, read_back_until_visible, run_exactly_once};
use crate::domain::exactly_once::{ExactlyOnce, Outcome, ProtocolConfig};
use crate::domain::payout::{JournalKind, PayoutJournal, Side};
use crate::domain::ports::{Clock, LedgerRecordId, PortOperation};
use crate::domain::posting::{PortError, PostingConfig, PostingLedger};
use crate::shopify::model::{BalanceTransaction, Payout};
use crate::shopify::{self, PayoutCursor, PayoutId, payout_transactions_search};
use crate::stokly;
use crate::stokly::model::inferred::{JournalLine as NewJournalLine, NewJournal};

/// Pages a read follows before it stops with an error (a loop guard): 1,000 pages of 250.
pub const MAX_PAYOUT_PAGES: u32 = 1_000;

/// Page size of payout and balance-transaction reads.
const PAGE: u32 = 250;

/// The payouts issued since `cursor` (less `overlap`), oldest first, and the cursor to store
/// once they are handled (it stops before the first payout not yet settled).
///
/// # Errors
/// [`shopify::Error::AccessDenied`] naming `read_shopify_payments_payouts`; any read error;
/// [`shopify::Error::Pagination`] when Shopify repeats a page cursor or the page guard is hit.
pub async fn read_payouts(
    client: &shopify::Client,
    cursor: &PayoutCursor,
    overlap: std::time::Duration,
) -> Result<(Vec<Payout>, PayoutCursor), shopify::Error> {
    let search = cursor.search(overlap);
    let mut payouts = Vec::new();
    let mut after: Option<String> = None;
    let mut seen = std::collections::HashSet::new();
    for _ in 0..MAX_PAYOUT_PAGES {
        let page = client
            .payouts_page(search.as_deref(), after.as_deref(), PAGE)
            .await?;
        payouts.extend(page.nodes);
        match (page.page_info.has_next_page, page.page_info.end_cursor) {
            (true, Some(next)) => {
                if !seen.insert(next.clone()) {
                    return Err(repeated("ShopifyPaymentsPayouts"));
                }
                after = Some(next);
            }
            _ => {
                let mut next = *cursor;
                next.advance(&payouts);
                return Ok((payouts, next));
            }
        }
    }
    Err(repeated("ShopifyPaymentsPayouts"))
}

/// The balance transactions of one payout: every page of `payments_transfer_id:<payout>`,
/// joined on `associatedPayout.id`. The search is not documented as a payout filter, so it
/// only narrows what is read: the join decides, and a Shopify that ignores the term costs
/// more pages, never a wrong payout (the sandbox ignores it for that reason).
///
/// # Errors
/// As [`read_payouts`].
pub async fn read_payout_transactions(
    client: &shopify::Client,
    payout: &Payout,
) -> Result<Vec<BalanceTransaction>, shopify::Error> {
    let search = payout_transactions_search(&payout.id);
    let mut transactions = Vec::new();
    let mut after: Option<String> = None;
    let mut seen = std::collections::HashSet::new();
    for _ in 0..MAX_PAYOUT_PAGES {
        let page = client
            .balance_transactions_page(Some(&search), after.as_deref(), PAGE)
            .await?;
        // The search term only narrows (it is not a documented filter); the join on
        // `associatedPayout.id` decides.
        transactions.extend(
            page.nodes
                .into_iter()
                .filter(|t| t.associated_payout.id.as_ref() == Some(&payout.id)),
        );
        match (page.page_info.has_next_page, page.page_info.end_cursor) {
            (true, Some(next)) => {
                if !seen.insert(next.clone()) {
                    return Err(repeated("ShopifyPaymentsBalanceTransactions"));
                }
                after = Some(next);
            }
            _ => return Ok(transactions),
        }
    }
    Err(repeated("ShopifyPaymentsBalanceTransactions"))
}

/// The balance transactions of several payouts, by payout, each list in Shopify's order.
///
/// Each payout is read as [`read_payout_transactions`] reads it, with its
/// `payments_transfer_id:` search, and joined on `associatedPayout.id`. When a read returns
/// transactions of other payouts, Shopify did not apply the search: that read paged through
/// every balance transaction, so it already holds the transactions of every payout asked
/// for, and no further payout is read (one pass through the list, not one per payout).
/// Should Shopify ever apply the term with another meaning, a payout would come back short,
/// and its reconciliation refuses it (its nets no longer sum to the payout's net).
///
/// # Errors
/// As [`read_payouts`].
pub async fn read_transactions_of_payouts(
    client: &shopify::Client,
    payouts: &[Payout],
) -> Result<std::collections::BTreeMap<PayoutId, Vec<BalanceTransaction>>, shopify::Error> {
    let mut by_payout: std::collections::BTreeMap<PayoutId, Vec<BalanceTransaction>> =
        payouts.iter().map(|p| (p.id.clone(), Vec::new())).collect();
    for payout in payouts {
        let search = payout_transactions_search(&payout.id);
        let mut after: Option<String> = None;
        let mut seen = std::collections::HashSet::new();
        let mut read: Vec<BalanceTransaction> = Vec::new();
        for pages in 1.. {
            if pages > MAX_PAYOUT_PAGES {
                return Err(repeated("ShopifyPaymentsBalanceTransactions"));
            }
            let page = client
                .balance_transactions_page(Some(&search), after.as_deref(), PAGE)
                .await?;
            read.extend(page.nodes);
            match (page.page_info.has_next_page, page.page_info.end_cursor) {
                (true, Some(next)) => {
                    if !seen.insert(next.clone()) {
                        return Err(repeated("ShopifyPaymentsBalanceTransactions"));
                    }
                    after = Some(next);
                }
                _ => break,
            }
        }
        let unfiltered = read
            .iter()
            .any(|t| t.associated_payout.id.as_ref() != Some(&payout.id));
        if unfiltered {
            // Every balance transaction was read: it answers for every payout at once.
            for list in by_payout.values_mut() {
                list.clear();
            }
            for tx in read {
                if let Some(list) = tx
                    .associated_payout
                    .id
                    .as_ref()
                    .and_then(|owner| by_payout.get_mut(owner))
                {
                    list.push(tx);
                }
            }
            break;
        }
        if let Some(list) = by_payout.get_mut(&payout.id) {
            *list = read;
        }
    }
    Ok(by_payout)
}

fn repeated(operation: &str) -> shopify::Error {
    shopify::Error::Pagination {
        operation: operation.into(),
        reason: format!("a page cursor repeated or more than {MAX_PAYOUT_PAGES} pages"),
    }
}

/// Where payout journals are written: a batched look-up by reference (the journal's
/// [natural key](PayoutJournal::natural_key)) and a create that is never retried on its own.
#[async_trait]
pub trait JournalPort: Send + Sync {
    /// The IDs of the journals whose reference is one of `references`, by reference.
    async fn find(&self, references: &[String]) -> Result<HashMap<String, String>, PortError>;

    /// Creates one journal and answers its ID; an uncertain failure is
    /// [`PortError::Uncertain`].
    async fn create(&self, journal: &PayoutJournal) -> Result<String, PortError>;
}

/// The journal as the inferred Stokly body: one line per journal line, the leg as the
/// description, the natural key as the reference.
#[must_use]
pub fn stokly_journal(journal: &PayoutJournal) -> NewJournal {
    let lines = journal
        .lines()
        .iter()
        .map(|l| {
            let mut line = match l.side {
                Side::Debit => NewJournalLine::debit(l.account.as_str(), l.amount),
                Side::Credit => NewJournalLine::credit(l.account.as_str(), l.amount),
            };
            line.description = Some(l.leg.label());
            line
        })
        .collect();
    NewJournal::new(
        journal.date(),
        journal.currency(),
        journal.natural_key(),
        lines,
    )
}

#[async_trait]
impl JournalPort for stokly::Client {
    async fn find(&self, references: &[String]) -> Result<HashMap<String, String>, PortError> {
        let refs: Vec<&str> = references.iter().map(String::as_str).collect();
        let journals = self
            .journals_by_references(&refs)
            .await
            .map_err(|e| super::orders::read_error("find journals", e))?;
        Ok(journals
            .into_iter()
            .map(|j| (j.reference, j.journal_id.as_str().to_owned()))
            .collect())
    }

    async fn create(&self, journal: &PayoutJournal) -> Result<String, PortError> {
        self.create_journal(&stokly_journal(journal))
            .await
            .map(|id| id.as_str().to_owned())
            .map_err(|e| super::orders::write_error("create journal", e))
    }
}

/// Journals kept in memory, by reference: the port of tests, examples and the sandbox.
#[derive(Debug, Default)]
pub struct InMemoryJournals {
    journals: Mutex<Vec<PayoutJournal>>,
}

impl InMemoryJournals {
    /// No journals.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Every journal created, in order.
    #[must_use]
    pub fn journals(&self) -> Vec<PayoutJournal> {
        self.journals
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

#[async_trait]
impl JournalPort for InMemoryJournals {
    async fn find(&self, references: &[String]) -> Result<HashMap<String, String>, PortError> {
        let journals = self
            .journals
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Ok(journals
            .iter()
            .enumerate()
            .filter(|(_, j)| references.contains(&j.natural_key()))
            .map(|(i, j)| (j.natural_key(), format!("journal-{}", i + 1)))
            .collect())
    }

    async fn create(&self, journal: &PayoutJournal) -> Result<String, PortError> {
        let mut journals = self
            .journals
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        journals.push(journal.clone());
        Ok(format!("journal-{}", journals.len()))
    }
}

/// One journal's outcome.
#[derive(Debug)]
#[non_exhaustive]
pub struct JournalResult {
    /// The journal's natural key.
    pub reference: String,
    /// Payout or reversal.
    pub kind: JournalKind,
    /// What happened (the record is the journal's ID in the ledger system).
    pub outcome: Outcome<String>,
}

struct JournalTarget<'a> {
    port: &'a dyn JournalPort,
    journals: &'a [PayoutJournal],
    clock: &'a dyn Clock,
    config: PostingConfig,
}

#[async_trait]
impl CreateTarget for JournalTarget<'_> {
    type Record = String;

    async fn look_up(&mut self, items: &[usize]) -> Result<LookUpAnswer<String>, PortError> {
        let references: Vec<String> = items
            .iter()
            .filter_map(|&i| self.journals.get(i).map(PayoutJournal::natural_key))
            .collect();
        let found = self.port.find(&references).await?;
        Ok(LookUpAnswer::found(
            items
                .iter()
                .filter_map(|&i| {
                    let key = self.journals.get(i)?.natural_key();
                    found.get(&key).map(|id| (i, id.clone()))
                })
                .collect(),
        ))
    }

    async fn create(&mut self, item: usize) -> Result<String, PortError> {
        let Some(journal) = self.journals.get(item) else {
            return Err(PortError::Refused {
                operation: PortOperation::CreateJournal,
                message: format!("no journal at position {item}"),
            });
        };
        self.port.create(journal).await
    }

    // Journals are never recorded in the ledger, so a claim may only be released once the
    // journal can be found by its reference: until then a rerun would create it again. Polls
    // the look-up every `uncertain_poll_delay` for up to `visibility_window`.
    async fn confirm(&mut self, items: &[usize]) -> Result<(), PortError> {
        let references: Vec<String> = items
            .iter()
            .filter_map(|&i| self.journals.get(i).map(PayoutJournal::natural_key))
            .collect();
        let (port, references) = (self.port, &references);
        read_back_until_visible(
            references.len(),
            || async move {
                let found = port.find(references).await?;
                Ok(references
                    .iter()
                    .filter(|r| !found.contains_key(*r))
                    .count())
            },
            self.clock,
            &self.config,
            PortOperation::ReadBackNewJournals,
            "journal(s)",
        )
        .await
    }

    // Journals are never recorded in the ledger (it keeps sale-order IDs): a claim is
    // released once the journal is visible, and later runs find it by its reference.
    fn record_known_to_ledger(&self, _record: LedgerRecordId) -> Option<String> {
        None
    }

    fn ledger_id(&self, _record: &String) -> Option<LedgerRecordId> {
        None
    }
}

/// Posts journals (and reversals) exactly once each: claimed in `ledger` under their natural
/// key, looked up by reference in one batch, created only when missing, read back before the
/// claims are released ([`ProtocolConfig::confirmed`]). A rerun creates nothing.
pub async fn post_journals(
    journals: &[PayoutJournal],
    port: &dyn JournalPort,
    ledger: &dyn PostingLedger,
    clock: &dyn Clock,
    config: PostingConfig,
) -> Vec<JournalResult> {
    let keys: Vec<String> = journals.iter().map(PayoutJournal::natural_key).collect();
    let mut machine = ExactlyOnce::new(keys.clone(), ProtocolConfig::confirmed(config));
    let mut target = JournalTarget {
        port,
        journals,
        clock,
        config,
    };
    run_exactly_once(&mut machine, &mut target, ledger, clock).await;
    keys.into_iter()
        .zip(journals)
        .zip(machine.into_outcomes())
        .map(|((reference, journal), outcome)| JournalResult {
            reference,
            kind: journal.kind(),
            outcome,
        })
        .collect()
}
