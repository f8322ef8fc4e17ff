//! Refunds end to end: read an order's refunds from Shopify, map each with
//! [`map_refund`], and post the credit documents through the exactly-once protocol (natural
//! key: the Shopify refund GID, kept as the credit's external reference).
//!
//! Stokly's credit endpoint for sale orders is not public (`POST /v0/credit-notes` creates
//! gift vouchers), so the write goes through the [`CreditDocuments`] port: the crate
//! implements it for [`stokly::Client`] on the **inferred** paths of
//! [`InferredEndpoints`](crate::stokly::InferredEndpoints) (`sale_order_credit_notes` to
//! create, `credit_notes` to look up many refunds in one request), and
//! [`InMemoryCreditDocuments`] keeps credits in memory for tests.
//!
//! [`read_dispatched_units`] fills a sale order's [`SaleOrderFacts`] with the units Stokly
//! dispatched, from Stokly's dispatches as the fulfilment flow reads them.
//!
//! Requests per credit in steady state: one batched look-up per 200 refunds, one create per
//! new credit, one batched read-back per batch (a credit is not in the ledger, which keeps
//! sale orders, so the claim is released only once the credit can be found).

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;

use super::exactly_once::{CreateTarget, LookUpAnswer, read_back_until_visible, run_exactly_once};
use super::fulfilment::read_stokly_dispatches;
use crate::domain::exactly_once::{ExactlyOnce, Outcome, ProtocolConfig};
use crate::domain::fulfilment::FulfilmentException;
use crate::domain::ports::{Clock, LedgerRecordId, PortOperation};
use crate::domain::posting::{PortError, PostingConfig, PostingLedger};
use crate::domain::refund::{
    CreditDocuments, CreditDraft, RefundDecision, RefundMappingConfig, RefundRejection,
    SaleOrderFacts, SaleOrderState, map_refund,
};
use crate::shopify::{self, OrderId, RefundId};
use crate::stokly::{self, CreditNoteId, SaleOrderId};

/// What one refund of an order comes to.
#[derive(Debug)]
#[non_exhaustive]
pub struct MappedRefund {
    /// The refund.
    pub refund_id: RefundId,
    /// The decision, or the exceptions.
    pub decision: Result<RefundDecision, RefundRejection>,
}

/// Reads the refunds of `order` (every refunded line, and the returns) and maps each
/// against the sale order's `state`. `None` when Shopify does not know the order.
///
/// # Errors
/// The read's errors ([`shopify::Client::order_refunds`]).
pub async fn read_and_map_refunds(
    client: &shopify::Client,
    order: &OrderId,
    state: SaleOrderState<'_>,
    config: &RefundMappingConfig,
) -> Result<Option<Vec<MappedRefund>>, shopify::Error> {
    let Some(refunds) = client.order_refunds(order).await? else {
        return Ok(None);
    };
    Ok(Some(
        refunds
            .refunds
            .iter()
            .map(|refund| MappedRefund {
                refund_id: refund.id.clone(),
                decision: map_refund(refund, &refunds, state, config),
            })
            .collect(),
    ))
}

/// A sale order's facts with the units Stokly dispatched, read from Stokly.
#[derive(Debug)]
#[non_exhaustive]
pub struct DispatchedFacts {
    /// The facts, [`SaleOrderFacts::dispatched_units`] filled from Stokly's dispatches.
    pub facts: SaleOrderFacts,
    /// Dispatches that could not be read as lines of the Shopify order. While there is one,
    /// the dispatched units may be undercounted (a refund of units that left would be taken
    /// off the order instead of restocked): map no refund of the order with these facts.
    pub exceptions: Vec<FulfilmentException>,
}

impl DispatchedFacts {
    /// The facts, when every dispatch was read; the exceptions otherwise.
    ///
    /// # Errors
    /// The dispatches that could not be read as lines of the Shopify order.
    pub fn complete(self) -> Result<SaleOrderFacts, Vec<FulfilmentException>> {
        if self.exceptions.is_empty() {
            Ok(self.facts)
        } else {
            Err(self.exceptions)
        }
    }
}

/// Fills `facts` with the units Stokly dispatched of each Shopify line: reads the Shopify
/// order's fulfillment orders (which name its lines), then Stokly's dispatches of the sale
/// order as the fulfilment flow reads them ([`read_stokly_dispatches`]: the sale order, its
/// lines, and the dispatches on the **inferred** dispatch path), and counts them
/// ([`SaleOrderFacts::with_dispatches`]). So a refund flow needs no hand-made facts: the
/// draft and posting time come from the posting, the dispatched units from Stokly. `None`
/// when Shopify does not know the order.
///
/// Requests: one Shopify order read (more for an order with many fulfillment orders), and
/// three Stokly reads.
///
/// # Errors
/// The first Shopify or Stokly error.
pub async fn read_dispatched_units(
    shopify: &shopify::Client,
    stokly: &stokly::Client,
    facts: SaleOrderFacts,
) -> Result<Option<DispatchedFacts>, crate::Error> {
    let Some(state) = shopify
        .order_fulfillments(facts.draft.shopify_order_id())
        .await?
    else {
        return Ok(None);
    };
    let (dispatches, exceptions) =
        read_stokly_dispatches(stokly, &facts.sale_order_id, &state).await?;
    Ok(Some(DispatchedFacts {
        facts: facts.with_dispatches(&dispatches),
        exceptions,
    }))
}

#[async_trait]
impl CreditDocuments for stokly::Client {
    async fn find(
        &self,
        references: &[String],
    ) -> Result<HashMap<String, CreditNoteId>, PortError> {
        let refs: Vec<&str> = references.iter().map(String::as_str).collect();
        let notes = self
            .credit_notes_by_references(&refs)
            .await
            .map_err(|e| super::orders::read_error("find credit notes", e))?;
        Ok(notes
            .into_iter()
            .filter_map(|n| Some((n.external_reference?, n.credit_note_id)))
            .collect())
    }

    async fn create(&self, draft: &CreditDraft) -> Result<CreditNoteId, PortError> {
        self.create_credit_note(draft.sale_order_id(), &draft.to_new_credit_note())
            .await
            .map_err(|e| super::orders::write_error("create credit note", e))
    }
}

/// Credit documents kept in memory, by natural key: the port of tests and examples.
#[derive(Debug, Default)]
pub struct InMemoryCreditDocuments {
    credits: Mutex<Vec<CreditDraft>>,
}

impl InMemoryCreditDocuments {
    /// No credits.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Every credit created, in order.
    #[must_use]
    pub fn credits(&self) -> Vec<CreditDraft> {
        self.credits
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

fn memory_id(position: usize) -> Result<CreditNoteId, PortError> {
    CreditNoteId::new(format!("credit-{}", position + 1)).map_err(|e| PortError::Refused {
        operation: "in-memory credit".into(),
        message: e.to_string(),
    })
}

#[async_trait]
impl CreditDocuments for InMemoryCreditDocuments {
    async fn find(
        &self,
        references: &[String],
    ) -> Result<HashMap<String, CreditNoteId>, PortError> {
        let credits = self
            .credits
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut found = HashMap::new();
        for (i, c) in credits.iter().enumerate() {
            if references.contains(&c.natural_key()) {
                found.insert(c.natural_key(), memory_id(i)?);
            }
        }
        Ok(found)
    }

    async fn create(&self, draft: &CreditDraft) -> Result<CreditNoteId, PortError> {
        let mut credits = self
            .credits
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        credits.push(draft.clone());
        memory_id(credits.len().saturating_sub(1))
    }
}

/// One credit's outcome.
#[derive(Debug)]
#[non_exhaustive]
pub struct CreditResult {
    /// The Shopify refund (the natural key).
    pub refund_id: RefundId,
    /// The sale order credited.
    pub sale_order_id: SaleOrderId,
    /// What happened (the record is the credit note's ID).
    pub outcome: Outcome<CreditNoteId>,
}

struct CreditTarget<'a> {
    port: &'a dyn CreditDocuments,
    credits: &'a [CreditDraft],
    clock: &'a dyn Clock,
    config: PostingConfig,
}

impl CreditTarget<'_> {
    fn keys(&self, items: &[usize]) -> Vec<String> {
        items
            .iter()
            .filter_map(|&i| self.credits.get(i).map(CreditDraft::natural_key))
            .collect()
    }
}

#[async_trait]
impl CreateTarget for CreditTarget<'_> {
    type Record = CreditNoteId;

    async fn look_up(&mut self, items: &[usize]) -> Result<LookUpAnswer<CreditNoteId>, PortError> {
        let found = self.port.find(&self.keys(items)).await?;
        Ok(LookUpAnswer::found(
            items
                .iter()
                .filter_map(|&i| {
                    let key = self.credits.get(i)?.natural_key();
                    found.get(&key).map(|id| (i, id.clone()))
                })
                .collect(),
        ))
    }

    async fn create(&mut self, item: usize) -> Result<CreditNoteId, PortError> {
        let Some(credit) = self.credits.get(item) else {
            return Err(PortError::Refused {
                operation: PortOperation::CreateCreditNote,
                message: format!("no credit at position {item}"),
            });
        };
        self.port.create(credit).await
    }

    // Credits are not kept in the ledger (it keeps sale-order IDs), so a claim may only be
    // released once the credit can be found by its reference: until then a rerun would
    // create it again. Polls the look-up every `uncertain_poll_delay` for up to
    // `visibility_window`.
    async fn confirm(&mut self, items: &[usize]) -> Result<(), PortError> {
        let keys = self.keys(items);
        let (port, keys) = (self.port, &keys);
        read_back_until_visible(
            keys.len(),
            || async move {
                let found = port.find(keys).await?;
                Ok(keys.iter().filter(|k| !found.contains_key(*k)).count())
            },
            self.clock,
            &self.config,
            PortOperation::ReadBackNewCreditNotes,
            "credit note(s)",
        )
        .await
    }

    fn record_known_to_ledger(&self, _record: LedgerRecordId) -> Option<CreditNoteId> {
        None
    }

    fn ledger_id(&self, _record: &CreditNoteId) -> Option<LedgerRecordId> {
        None
    }
}

/// Posts credit documents exactly once each: claimed in `ledger` under the refund GID,
/// looked up by reference in one batch, created only when missing, read back before the
/// claims are released ([`ProtocolConfig::confirmed`]). A rerun creates nothing; an answer
/// lost after Stokly created the credit is found by the look-up, never created twice.
pub async fn post_credits(
    credits: &[CreditDraft],
    port: &dyn CreditDocuments,
    ledger: &dyn PostingLedger,
    clock: &dyn Clock,
    config: PostingConfig,
) -> Vec<CreditResult> {
    let keys: Vec<String> = credits.iter().map(CreditDraft::natural_key).collect();
    let mut machine = ExactlyOnce::new(keys, ProtocolConfig::confirmed(config));
    let mut target = CreditTarget {
        port,
        credits,
        clock,
        config,
    };
    run_exactly_once(&mut machine, &mut target, ledger, clock).await;
    credits
        .iter()
        .zip(machine.into_outcomes())
        .map(|(credit, outcome)| CreditResult {
            refund_id: credit.refund_id().clone(),
            sale_order_id: credit.sale_order_id().clone(),
            outcome,
        })
        .collect()
}
