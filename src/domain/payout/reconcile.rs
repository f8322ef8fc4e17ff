//! [`reconcile_payout`]: one payout and its balance transactions checked, matched to posted
//! records and accounts, and turned into a journal, a reversal, or a reason to wait.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, TimeDelta, Utc};
use rust_decimal::Decimal;

use super::chart::{ChartOfAccounts, PayoutTaxKey, TransactionFamily};
use super::finding::{PayoutFinding, SummaryFigure, UnmatchedReason};
use super::journal::{Leg, LegSums, PayoutJournal};
use super::records::{Breakdown, PostedRecords};
use crate::domain::order::GlAccountCode;
use crate::money::Money;
use crate::shopify::model::{
    AssociatedOrder, BalanceTransaction, BalanceTransactionType, Payout, PayoutStatus,
    PayoutTransactionType,
};
use crate::shopify::{BalanceTransactionId, OrderId, RefundId};
use crate::stokly::SaleOrderId;

/// What a reconciliation needs besides its data: the time, and when unmatched transactions
/// go to suspense.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReconcileConfig {
    now: DateTime<Utc>,
    suspense_after: Option<TimeDelta>,
}

impl ReconcileConfig {
    /// Reconciles as of `now`; unmatched transactions hold the payout back for ever.
    #[must_use]
    pub fn new(now: DateTime<Utc>) -> Self {
        Self {
            now,
            suspense_after: None,
        }
    }

    /// Unmatched transactions at least `days` old go to the suspense account, and no longer
    /// hold the payout back.
    #[must_use]
    pub fn with_suspense_after_days(mut self, days: u32) -> Self {
        self.suspense_after = Some(TimeDelta::days(i64::from(days)));
        self
    }

    /// The time of the reconciliation.
    #[must_use]
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// The age at which unmatched transactions go to suspense.
    #[must_use]
    pub fn suspense_after(&self) -> Option<TimeDelta> {
        self.suspense_after
    }
}

/// What a transaction was matched to.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MatchStatus {
    /// A charge on a posted sale order.
    SaleOrder(SaleOrderId),
    /// A refund on a posted credit document.
    CreditDocument {
        /// The Shopify refund.
        refund: RefundId,
        /// The credit document.
        credit_document: String,
    },
    /// Posted to the account of its family.
    Account(GlAccountCode),
    /// The payout itself, seen from the balance: not journaled.
    Transfer,
    /// Unmatched past its grace period: posted to suspense.
    Suspense(UnmatchedReason),
    /// Unmatched: the payout waits for it.
    Unmatched(UnmatchedReason),
    /// Its family has no account: the payout waits for the chart of accounts.
    NoAccount,
    /// Its figures cannot be used (another currency): reconcile it by hand.
    Rejected,
    /// It belongs to another payout: left out.
    Foreign,
}

impl MatchStatus {
    /// Whether the transaction is accounted for in the journal (or is the transfer).
    #[must_use]
    pub fn is_matched(&self) -> bool {
        matches!(
            self,
            Self::SaleOrder(_)
                | Self::CreditDocument { .. }
                | Self::Account(_)
                | Self::Transfer
                | Self::Suspense(_)
        )
    }
}

/// One balance transaction and what it was matched to.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TransactionMatch {
    /// The transaction.
    pub transaction: BalanceTransactionId,
    /// Its type as Shopify sent it.
    pub transaction_type: BalanceTransactionType,
    /// Its family, when known.
    pub family: Option<TransactionFamily>,
    /// Its order, when it names one.
    pub order: Option<AssociatedOrder>,
    /// The orders an adjustment relates to (`adjustmentsOrders`, by name), with the net
    /// adjusted on each: an adjustment posts to its family's account, and these say which
    /// orders it concerns.
    pub adjusted_orders: Vec<(String, Money)>,
    /// Gross.
    pub amount: Money,
    /// Fee.
    pub fee: Money,
    /// Net.
    pub net: Money,
    /// Its age at the reconciliation.
    pub age: TimeDelta,
    /// What it was matched to.
    pub status: MatchStatus,
}

/// What to do with a payout.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PayoutAction {
    /// Post this journal (the payout is paid and reconciled).
    Post(PayoutJournal),
    /// Post this reversal (the payout was journaled, then failed or was cancelled).
    Reverse(PayoutJournal),
    /// The payout is paid but cannot be journaled: see the blocking findings.
    Hold,
    /// The payout is not paid yet: nothing to post.
    Wait,
    /// The journal (or its reversal) is already posted.
    AlreadyPosted,
    /// The payout failed or was cancelled before it was journaled: nothing to post.
    Nothing,
}

/// The result of [`reconcile_payout`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PayoutReconciliation {
    /// The payout.
    pub payout: Payout,
    /// Every transaction given, in the order given.
    pub matches: Vec<TransactionMatch>,
    /// The exceptions found.
    pub findings: Vec<PayoutFinding>,
    /// The journal the payout reconciles to, when it does (also for a payout already posted).
    pub journal: Option<PayoutJournal>,
    /// What to do.
    pub action: PayoutAction,
}

impl PayoutReconciliation {
    /// Transactions not accounted for (unmatched, without account, rejected or foreign).
    pub fn unmatched(&self) -> impl Iterator<Item = &TransactionMatch> {
        self.matches.iter().filter(|m| !m.status.is_matched())
    }
}

const FIGURES: usize = 12;

fn figures_of(family: Option<TransactionFamily>) -> Option<(SummaryFigure, SummaryFigure)> {
    use SummaryFigure as F;
    let pair = match family {
        Some(TransactionFamily::Charge) => (F::ChargesGross, F::ChargesFee),
        Some(TransactionFamily::Refund) => (F::RefundsGross, F::RefundsFee),
        Some(TransactionFamily::Reserve) => (F::ReservedFundsGross, F::ReservedFundsFee),
        Some(TransactionFamily::Lending) => (F::AdvanceGross, F::AdvanceFees),
        Some(TransactionFamily::RetriedPayout) => (F::RetriedPayoutsGross, F::RetriedPayoutsFee),
        Some(TransactionFamily::Transfer) => return None,
        Some(
            TransactionFamily::Dispute
            | TransactionFamily::DisputeFee
            | TransactionFamily::ShopifyServices
            | TransactionFamily::DutiesAndTaxes
            | TransactionFamily::Adjustment,
        )
        | None => (F::AdjustmentsGross, F::AdjustmentsFee),
    };
    Some(pair)
}

fn figure_index(figure: SummaryFigure) -> usize {
    use SummaryFigure as F;
    match figure {
        F::ChargesGross => 0,
        F::ChargesFee => 1,
        F::RefundsGross => 2,
        F::RefundsFee => 3,
        F::ReservedFundsGross => 4,
        F::ReservedFundsFee => 5,
        F::AdjustmentsGross => 6,
        F::AdjustmentsFee => 7,
        F::AdvanceGross => 8,
        F::AdvanceFees => 9,
        F::RetriedPayoutsGross => 10,
        F::RetriedPayoutsFee => 11,
    }
}

fn summary_figures(payout: &Payout) -> [(SummaryFigure, Money); FIGURES] {
    use SummaryFigure as F;
    let s = &payout.summary;
    [
        (F::ChargesGross, s.charges_gross),
        (F::ChargesFee, s.charges_fee),
        (F::RefundsGross, s.refunds_fee_gross),
        (F::RefundsFee, s.refunds_fee),
        (F::ReservedFundsGross, s.reserved_funds_gross),
        (F::ReservedFundsFee, s.reserved_funds_fee),
        (F::AdjustmentsGross, s.adjustments_gross),
        (F::AdjustmentsFee, s.adjustments_fee),
        (F::AdvanceGross, s.advance_gross),
        (F::AdvanceFees, s.advance_fees),
        (F::RetriedPayoutsGross, s.retried_payouts_gross),
        (F::RetriedPayoutsFee, s.retried_payouts_fee),
    ]
}

/// The running state of one reconciliation. Amounts are summed per posted record and per
/// family while the transactions are read, and split into legs once at the end, so the cost
/// per transaction is a few additions and one look-up.
struct Run<'a> {
    payout: &'a Payout,
    chart: &'a ChartOfAccounts,
    sums: LegSums<'a>,
    findings: Vec<PayoutFinding>,
    /// Per posted record (by address) and kind (refund or not): the sum of its amounts.
    records: Vec<(&'a Breakdown, &'a OrderId, bool, Decimal)>,
    record_index: HashMap<(usize, bool), usize>,
    family_amounts: [Decimal; FAMILIES],
    fee_amounts: [Decimal; FAMILIES],
    suspense: Decimal,
    unmapped_taxes: HashSet<&'a PayoutTaxKey>,
    unmapped_families: HashSet<TransactionFamily>,
    unmapped_fees: HashSet<TransactionFamily>,
    overflow: bool,
}

const FAMILIES: usize = TransactionFamily::ALL.len();

fn family_index(family: TransactionFamily) -> usize {
    TransactionFamily::ALL
        .iter()
        .position(|f| *f == family)
        .unwrap_or(0)
}

fn add_to(slot: &mut Decimal, x: Decimal, overflow: &mut bool) {
    match slot.checked_add(x) {
        Some(total) => *slot = total,
        None => *overflow = true,
    }
}

impl<'a> Run<'a> {
    /// Adds a transaction's amount to its posted record's sum.
    fn on_record(
        &mut self,
        breakdown: &'a Breakdown,
        order: &'a OrderId,
        refund: bool,
        x: Decimal,
    ) {
        let key = (std::ptr::from_ref(breakdown) as usize, refund);
        let index = *self.record_index.entry(key).or_insert_with(|| {
            self.records.push((breakdown, order, refund, Decimal::ZERO));
            self.records.len() - 1
        });
        if let Some(entry) = self.records.get_mut(index) {
            add_to(&mut entry.3, x, &mut self.overflow);
        }
    }

    /// Splits `amount` (signed: the money into the balance, credited) over a posted record's
    /// breakdown. `refund` sends goods to the refunds account when there is one.
    fn split(&mut self, amount: Decimal, breakdown: &'a Breakdown, order: &OrderId, refund: bool) {
        let goods_account = match (refund, self.chart.refunds()) {
            (true, Some(account)) => (account, Leg::Refunds),
            _ => (self.chart.sales(), Leg::Sales),
        };
        if breakdown.is_empty() {
            self.sums.add(goods_account.0, goods_account.1, -amount);
            return;
        }
        let Ok(parts) =
            Money::new(amount, self.payout.net.currency()).allocate(breakdown.weights())
        else {
            self.overflow = true;
            return;
        };
        for (i, part) in parts.iter().enumerate() {
            let credit = -part.amount();
            match i {
                0 => self.sums.add(goods_account.0, goods_account.1, credit),
                1 => self.sums.add(self.chart.shipping(), Leg::Shipping, credit),
                _ => {
                    let Some(key) = breakdown.taxes().get(i - 2) else {
                        continue;
                    };
                    match self.chart.tax(key) {
                        Some(account) => self.sums.add(account, Leg::Tax, credit),
                        None => {
                            if self.unmapped_taxes.insert(key) {
                                self.findings.push(PayoutFinding::UnmappedTax {
                                    payout: self.payout.id.clone(),
                                    order: order.clone(),
                                    key: key.clone(),
                                });
                            }
                        }
                    }
                }
            }
        }
    }

    /// Turns the sums per record, family and fee into legs.
    fn flush_legs(&mut self) {
        let records = std::mem::take(&mut self.records);
        for (breakdown, order, refund, amount) in records {
            self.split(amount, breakdown, order, refund);
        }
        for family in TransactionFamily::ALL {
            let i = family_index(family);
            if let (Some(account), Some(x)) =
                (self.chart.family(family), self.family_amounts.get(i))
            {
                self.sums.add(account, Leg::Family(family), -*x);
            }
            if let (Some(account), Some(x)) = (self.chart.fee(family), self.fee_amounts.get(i)) {
                self.sums.add(account, Leg::Fees(family), *x);
            }
        }
        self.sums
            .add(self.chart.suspense(), Leg::Suspense, -self.suspense);
    }
}

/// Reconciles one payout: checks its figures, matches every transaction to a posted sale
/// order, credit document or account, and decides what to post.
///
/// - Every transaction must have `net == amount - fee` and be in the payout currency; the
///   nets of the payout's transactions (the `TRANSFER` row aside) must sum to the payout's
///   net; each figure of Shopify's summary must equal the transactions' sum. A failure is a
///   finance exception naming the figure, and nothing is journaled.
/// - Charges match the posted sale of their order and are split over its goods, shipping and
///   taxes; refunds match their credit document likewise; every other family posts to its
///   account in the chart. Fees post to their family's fee account.
/// - A transaction that matches nothing holds the payout back, with its age, until it is
///   `suspense_after` days old (when configured); then its net posts to suspense.
/// - A `PAID` payout gets [`PayoutAction::Post`]; a payout whose journal is posted and that is
///   now `FAILED` or `CANCELED` gets [`PayoutAction::Reverse`]. The journal always balances;
///   its bank-deposit line is the payout's net.
///
/// Transactions given for this payout that name another payout are reported and left out.
#[must_use]
pub fn reconcile_payout(
    payout: &Payout,
    transactions: &[BalanceTransaction],
    posted: &PostedRecords,
    chart: &ChartOfAccounts,
    config: &ReconcileConfig,
) -> PayoutReconciliation {
    let currency = payout.net.currency();
    let mut run = Run {
        payout,
        chart,
        sums: LegSums::default(),
        findings: Vec::new(),
        records: Vec::new(),
        record_index: HashMap::new(),
        family_amounts: [Decimal::ZERO; FAMILIES],
        fee_amounts: [Decimal::ZERO; FAMILIES],
        suspense: Decimal::ZERO,
        unmapped_taxes: HashSet::new(),
        unmapped_families: HashSet::new(),
        unmapped_fees: HashSet::new(),
        overflow: false,
    };
    let mut totals = [Decimal::ZERO; FIGURES];
    let mut nets = Decimal::ZERO;
    let mut transfers: Option<Decimal> = None;
    let mut matches = Vec::with_capacity(transactions.len());

    for tx in transactions {
        let family = TransactionFamily::of(tx.transaction_type.as_str());
        let age = config.now - tx.transaction_date;
        let mut record = |status: MatchStatus| {
            matches.push(TransactionMatch {
                transaction: tx.id.clone(),
                transaction_type: tx.transaction_type.clone(),
                family,
                order: tx.associated_order.clone(),
                adjusted_orders: tx
                    .adjustments_orders
                    .iter()
                    .map(|a| (a.name.clone(), a.net))
                    .collect(),
                amount: tx.amount,
                fee: tx.fee,
                net: tx.net,
                age,
                status,
            });
        };
        if tx.associated_payout.id.as_ref() != Some(&payout.id) {
            run.findings.push(PayoutFinding::ForeignTransaction {
                payout: payout.id.clone(),
                transaction: tx.id.clone(),
                other: tx.associated_payout.id.clone(),
            });
            record(MatchStatus::Foreign);
            continue;
        }
        if let Some(found) = [tx.amount, tx.fee, tx.net]
            .iter()
            .map(Money::currency)
            .find(|c| *c != currency)
        {
            run.findings.push(PayoutFinding::CurrencyMismatch {
                payout: payout.id.clone(),
                transaction: tx.id.clone(),
                expected: currency,
                found,
            });
            record(MatchStatus::Rejected);
            continue;
        }
        let (amount, fee, net) = (tx.amount.amount(), tx.fee.amount(), tx.net.amount());
        if amount.checked_sub(fee) != Some(net) {
            run.findings.push(PayoutFinding::NetMismatch {
                payout: payout.id.clone(),
                transaction: tx.id.clone(),
                amount: tx.amount,
                fee: tx.fee,
                net: tx.net,
            });
        }
        let Some((gross_figure, fee_figure)) = figures_of(family) else {
            let mut sum = transfers.unwrap_or_default();
            add_to(&mut sum, net, &mut run.overflow);
            transfers = Some(sum);
            record(MatchStatus::Transfer);
            continue;
        };
        if let Some(slot) = totals.get_mut(figure_index(gross_figure)) {
            add_to(slot, amount, &mut run.overflow);
        }
        if let Some(slot) = totals.get_mut(figure_index(fee_figure)) {
            add_to(slot, fee, &mut run.overflow);
        }
        add_to(&mut nets, net, &mut run.overflow);

        let order = tx.associated_order.as_ref();
        let outcome: Result<MatchStatus, UnmatchedReason> = match family {
            None => {
                run.findings.push(PayoutFinding::UnknownTransactionType {
                    payout: payout.id.clone(),
                    transaction: tx.id.clone(),
                    transaction_type: tx.transaction_type.as_str().to_owned(),
                });
                Err(UnmatchedReason::UnknownType)
            }
            Some(TransactionFamily::Charge) => match order {
                None => Err(UnmatchedReason::UnknownSource),
                Some(o) => match posted.sale(&o.id) {
                    None => Err(UnmatchedReason::OrderNotPosted),
                    Some(sale) => {
                        run.on_record(&sale.breakdown, &sale.order, false, amount);
                        Ok(MatchStatus::SaleOrder(sale.sale_order.clone()))
                    }
                },
            },
            Some(TransactionFamily::Refund) => {
                match posted.credit(tx.source_order_transaction_id, order.map(|o| &o.id)) {
                    Some(credit) => {
                        run.on_record(&credit.breakdown, &credit.order, true, amount);
                        Ok(MatchStatus::CreditDocument {
                            refund: credit.refund.clone(),
                            credit_document: credit.credit_document.clone(),
                        })
                    }
                    None if order.is_none() => Err(UnmatchedReason::UnknownSource),
                    None => Err(UnmatchedReason::RefundNotCredited),
                }
            }
            Some(other) => match chart.family(other) {
                Some(account) => {
                    if let Some(slot) = run.family_amounts.get_mut(family_index(other)) {
                        add_to(slot, amount, &mut run.overflow);
                    }
                    Ok(MatchStatus::Account(account.clone()))
                }
                None => {
                    if run.unmapped_families.insert(other) {
                        run.findings.push(PayoutFinding::UnmappedFamily {
                            payout: payout.id.clone(),
                            transaction: tx.id.clone(),
                            family: other,
                        });
                    }
                    Ok(MatchStatus::NoAccount)
                }
            },
        };
        let status = match outcome {
            Ok(status) => {
                if let Some(family) = family.filter(|_| !fee.is_zero()) {
                    match chart.fee(family) {
                        Some(_) => {
                            if let Some(slot) = run.fee_amounts.get_mut(family_index(family)) {
                                add_to(slot, fee, &mut run.overflow);
                            }
                        }
                        None => {
                            if run.unmapped_fees.insert(family) {
                                run.findings.push(PayoutFinding::UnmappedFee {
                                    payout: payout.id.clone(),
                                    transaction: tx.id.clone(),
                                    family,
                                });
                            }
                        }
                    }
                }
                status
            }
            Err(reason) => match config.suspense_after {
                Some(after) if age >= after => {
                    add_to(&mut run.suspense, net, &mut run.overflow);
                    run.findings.push(PayoutFinding::SentToSuspense {
                        payout: payout.id.clone(),
                        transaction: tx.id.clone(),
                        reason,
                        order: tx.associated_order.clone(),
                        net: tx.net,
                        age,
                        account: chart.suspense().clone(),
                    });
                    MatchStatus::Suspense(reason)
                }
                _ => {
                    run.findings.push(PayoutFinding::Unmatched {
                        payout: payout.id.clone(),
                        transaction: tx.id.clone(),
                        reason,
                        order: tx.associated_order.clone(),
                        net: tx.net,
                        age,
                        suspense_after: config.suspense_after,
                    });
                    MatchStatus::Unmatched(reason)
                }
            },
        };
        record(status);
    }

    let expected = match payout.transaction_type {
        PayoutTransactionType::Withdrawal => -payout.net.amount().abs(),
        PayoutTransactionType::Deposit | PayoutTransactionType::Unknown(_) => payout.net.amount(),
    };
    if nets != expected {
        run.findings.push(PayoutFinding::PayoutNetMismatch {
            payout: payout.id.clone(),
            payout_net: Money::new(expected, currency),
            transactions_net: Money::new(nets, currency),
        });
    }
    if let Some(transfers) = transfers.filter(|t| *t != -expected) {
        run.findings.push(PayoutFinding::TransferMismatch {
            payout: payout.id.clone(),
            payout_net: Money::new(expected, currency),
            transfers: Money::new(transfers, currency),
        });
    }
    for (figure, stated) in summary_figures(payout) {
        let computed = Money::new(
            totals
                .get(figure_index(figure))
                .copied()
                .unwrap_or_default(),
            currency,
        );
        if stated != computed {
            run.findings.push(PayoutFinding::SummaryMismatch {
                payout: payout.id.clone(),
                figure,
                summary: stated,
                transactions: computed,
            });
        }
    }
    if let PayoutStatus::Unknown(status) = &payout.status {
        run.findings.push(PayoutFinding::UnknownPayoutStatus {
            payout: payout.id.clone(),
            status: status.clone(),
        });
    }

    run.flush_legs();
    run.sums.add(chart.bank(), Leg::BankDeposit, nets);
    let blocked = run.overflow || run.findings.iter().any(PayoutFinding::blocks_journal);
    let journal = if blocked {
        if run.overflow {
            run.findings.push(PayoutFinding::Unbalanced {
                payout: payout.id.clone(),
            });
        }
        None
    } else {
        match PayoutJournal::from_sums(
            payout.id.clone(),
            currency,
            payout.issued_at,
            payout.external_trace_id.clone(),
            run.sums,
        ) {
            Ok(journal) => Some(journal),
            Err(_) => {
                run.findings.push(PayoutFinding::Unbalanced {
                    payout: payout.id.clone(),
                });
                None
            }
        }
    };

    let action = decide(payout, posted, journal.as_ref(), config.now);
    PayoutReconciliation {
        payout: payout.clone(),
        matches,
        findings: run.findings,
        journal,
        action,
    }
}

fn decide(
    payout: &Payout,
    posted: &PostedRecords,
    journal: Option<&PayoutJournal>,
    now: DateTime<Utc>,
) -> PayoutAction {
    let is_posted = posted.journal_posted(&payout.id);
    let is_reversed = posted.journal_reversed(&payout.id);
    match &payout.status {
        PayoutStatus::Paid => match journal {
            _ if is_posted => PayoutAction::AlreadyPosted,
            Some(journal) => PayoutAction::Post(journal.clone()),
            None => PayoutAction::Hold,
        },
        PayoutStatus::Failed | PayoutStatus::Canceled => match journal {
            _ if is_reversed => PayoutAction::AlreadyPosted,
            _ if !is_posted => PayoutAction::Nothing,
            Some(journal) => PayoutAction::Reverse(journal.reversed(now)),
            None => PayoutAction::Hold,
        },
        PayoutStatus::Scheduled | PayoutStatus::InTransit => PayoutAction::Wait,
        PayoutStatus::Unknown(_) => PayoutAction::Hold,
    }
}
