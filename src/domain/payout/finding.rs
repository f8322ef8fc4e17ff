//! Payout exceptions: what stops a payout from being journaled, or what finance must know.

use std::fmt;

use chrono::TimeDelta;
use serde::{Deserialize, Serialize};

use super::chart::{PayoutTaxKey, TransactionFamily};
use crate::domain::exception::{DomainException, Flow, Owner, RecordRef, Severity};
use crate::domain::order::GlAccountCode;
use crate::money::{CurrencyCode, Money};
use crate::shopify::model::AssociatedOrder;
use crate::shopify::{BalanceTransactionId, OrderId, PayoutId};

/// A figure of Shopify's payout summary checked against the transactions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SummaryFigure {
    /// `chargesGross`.
    ChargesGross,
    /// `chargesFee`.
    ChargesFee,
    /// `refundsFeeGross`.
    RefundsGross,
    /// `refundsFee`.
    RefundsFee,
    /// `reservedFundsGross`.
    ReservedFundsGross,
    /// `reservedFundsFee`.
    ReservedFundsFee,
    /// `adjustmentsGross`.
    AdjustmentsGross,
    /// `adjustmentsFee`.
    AdjustmentsFee,
    /// `advanceGross`.
    AdvanceGross,
    /// `advanceFees`.
    AdvanceFees,
    /// `retriedPayoutsGross`.
    RetriedPayoutsGross,
    /// `retriedPayoutsFee`.
    RetriedPayoutsFee,
}

impl SummaryFigure {
    /// The field's name in Shopify's `ShopifyPaymentsPayoutSummary`.
    #[must_use]
    pub fn field(self) -> &'static str {
        match self {
            Self::ChargesGross => "chargesGross",
            Self::ChargesFee => "chargesFee",
            Self::RefundsGross => "refundsFeeGross",
            Self::RefundsFee => "refundsFee",
            Self::ReservedFundsGross => "reservedFundsGross",
            Self::ReservedFundsFee => "reservedFundsFee",
            Self::AdjustmentsGross => "adjustmentsGross",
            Self::AdjustmentsFee => "adjustmentsFee",
            Self::AdvanceGross => "advanceGross",
            Self::AdvanceFees => "advanceFees",
            Self::RetriedPayoutsGross => "retriedPayoutsGross",
            Self::RetriedPayoutsFee => "retriedPayoutsFee",
        }
    }
}

impl fmt::Display for SummaryFigure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.field())
    }
}

/// Why a transaction is not matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum UnmatchedReason {
    /// A charge on an order that is not posted as a sale order (yet).
    OrderNotPosted,
    /// A refund that is not credited (yet).
    RefundNotCredited,
    /// A charge or refund that names no order.
    UnknownSource,
    /// A transaction type this crate does not know.
    UnknownType,
}

impl UnmatchedReason {
    /// The reason in a sentence fragment.
    #[must_use]
    pub fn describe(self) -> &'static str {
        match self {
            Self::OrderNotPosted => "its order is not posted as a sale order",
            Self::RefundNotCredited => "its refund has no credit document",
            Self::UnknownSource => "it names no order",
            Self::UnknownType => "its transaction type is unknown",
        }
    }

    fn owner(self) -> Owner {
        match self {
            Self::OrderNotPosted => Owner::Operations,
            Self::RefundNotCredited | Self::UnknownSource | Self::UnknownType => Owner::Finance,
        }
    }
}

/// A payout exception. Every variant names the payout; transaction-level ones name the
/// transaction too.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PayoutFinding {
    /// A transaction type this crate does not map to a family.
    UnknownTransactionType {
        /// The payout.
        payout: PayoutId,
        /// The transaction.
        transaction: BalanceTransactionId,
        /// The type as Shopify sent it.
        transaction_type: String,
    },
    /// A transaction whose `net` is not `amount - fee`.
    NetMismatch {
        /// The payout.
        payout: PayoutId,
        /// The transaction.
        transaction: BalanceTransactionId,
        /// Its amount.
        amount: Money,
        /// Its fee.
        fee: Money,
        /// Its stated net.
        net: Money,
    },
    /// A transaction in another currency than the payout's.
    CurrencyMismatch {
        /// The payout.
        payout: PayoutId,
        /// The transaction.
        transaction: BalanceTransactionId,
        /// The payout currency.
        expected: CurrencyCode,
        /// The transaction's currency.
        found: CurrencyCode,
    },
    /// The nets of the payout's transactions (transfers aside) do not sum to its net.
    PayoutNetMismatch {
        /// The payout.
        payout: PayoutId,
        /// The payout's net (negated for a withdrawal).
        payout_net: Money,
        /// The sum of the transactions' nets.
        transactions_net: Money,
    },
    /// The payout's own row in the balance (`TRANSFER`) is not the payout's net negated.
    TransferMismatch {
        /// The payout.
        payout: PayoutId,
        /// The payout's net (negated for a withdrawal).
        payout_net: Money,
        /// The sum of the transfer rows.
        transfers: Money,
    },
    /// A figure of Shopify's summary disagrees with the transactions.
    SummaryMismatch {
        /// The payout.
        payout: PayoutId,
        /// The figure.
        figure: SummaryFigure,
        /// What the summary says.
        summary: Money,
        /// What the transactions sum to.
        transactions: Money,
    },
    /// A transaction not matched to a posted record or an account.
    Unmatched {
        /// The payout.
        payout: PayoutId,
        /// The transaction.
        transaction: BalanceTransactionId,
        /// Why.
        reason: UnmatchedReason,
        /// Its order, when it names one.
        order: Option<AssociatedOrder>,
        /// Its net.
        net: Money,
        /// Its age at the reconciliation.
        age: TimeDelta,
        /// The age at which it goes to suspense, when configured.
        suspense_after: Option<TimeDelta>,
    },
    /// An unmatched transaction past its grace period, posted to the suspense account.
    SentToSuspense {
        /// The payout.
        payout: PayoutId,
        /// The transaction.
        transaction: BalanceTransactionId,
        /// Why it is unmatched.
        reason: UnmatchedReason,
        /// Its order, when it names one.
        order: Option<AssociatedOrder>,
        /// Its net.
        net: Money,
        /// Its age.
        age: TimeDelta,
        /// The suspense account.
        account: GlAccountCode,
    },
    /// A tax of a posted record with no account in the chart (reported once per key).
    UnmappedTax {
        /// The payout.
        payout: PayoutId,
        /// The first order met with it.
        order: OrderId,
        /// The key.
        key: PayoutTaxKey,
    },
    /// A family met in the payout with no account for its amounts (once per family).
    UnmappedFamily {
        /// The payout.
        payout: PayoutId,
        /// The first transaction met with it.
        transaction: BalanceTransactionId,
        /// The family.
        family: TransactionFamily,
    },
    /// A family whose fees are not zero with no fee account (once per family).
    UnmappedFee {
        /// The payout.
        payout: PayoutId,
        /// The first transaction met with it.
        transaction: BalanceTransactionId,
        /// The family.
        family: TransactionFamily,
    },
    /// A transaction given for this payout that belongs to another one (left out).
    ForeignTransaction {
        /// The payout reconciled.
        payout: PayoutId,
        /// The transaction.
        transaction: BalanceTransactionId,
        /// The payout it names.
        other: Option<PayoutId>,
    },
    /// A payout status this crate does not know: nothing is posted.
    UnknownPayoutStatus {
        /// The payout.
        payout: PayoutId,
        /// The status as Shopify sent it.
        status: String,
    },
    /// The journal could not be balanced (an amount overflowed): nothing is posted.
    Unbalanced {
        /// The payout.
        payout: PayoutId,
    },
}

fn days(age: TimeDelta) -> i64 {
    age.num_days()
}

impl PayoutFinding {
    /// The payout the finding is about.
    #[must_use]
    pub fn payout(&self) -> &PayoutId {
        match self {
            Self::UnknownTransactionType { payout, .. }
            | Self::NetMismatch { payout, .. }
            | Self::CurrencyMismatch { payout, .. }
            | Self::PayoutNetMismatch { payout, .. }
            | Self::TransferMismatch { payout, .. }
            | Self::SummaryMismatch { payout, .. }
            | Self::Unmatched { payout, .. }
            | Self::SentToSuspense { payout, .. }
            | Self::UnmappedTax { payout, .. }
            | Self::UnmappedFamily { payout, .. }
            | Self::UnmappedFee { payout, .. }
            | Self::ForeignTransaction { payout, .. }
            | Self::UnknownPayoutStatus { payout, .. }
            | Self::Unbalanced { payout } => payout,
        }
    }

    /// Whether it stops the payout from being journaled.
    #[must_use]
    pub fn blocks_journal(&self) -> bool {
        self.severity() == Severity::Blocking
    }
}

impl DomainException for PayoutFinding {
    fn flow(&self) -> Flow {
        Flow::Payout
    }

    fn code(&self) -> &'static str {
        match self {
            Self::UnknownTransactionType { .. } => "unknown_transaction_type",
            Self::NetMismatch { .. } => "net_mismatch",
            Self::CurrencyMismatch { .. } => "currency_mismatch",
            Self::PayoutNetMismatch { .. } => "payout_net_mismatch",
            Self::TransferMismatch { .. } => "transfer_mismatch",
            Self::SummaryMismatch { .. } => "summary_mismatch",
            Self::Unmatched { .. } => "unmatched_transaction",
            Self::SentToSuspense { .. } => "sent_to_suspense",
            Self::UnmappedTax { .. } => "unmapped_tax",
            Self::UnmappedFamily { .. } => "unmapped_family",
            Self::UnmappedFee { .. } => "unmapped_fee",
            Self::ForeignTransaction { .. } => "foreign_transaction",
            Self::UnknownPayoutStatus { .. } => "unknown_payout_status",
            Self::Unbalanced { .. } => "unbalanced_journal",
        }
    }

    fn owner(&self) -> Owner {
        match self {
            Self::Unmatched { reason, .. } => reason.owner(),
            _ => Owner::Finance,
        }
    }

    fn severity(&self) -> Severity {
        match self {
            Self::SentToSuspense { .. } | Self::ForeignTransaction { .. } => Severity::Warning,
            _ => Severity::Blocking,
        }
    }

    fn subject(&self) -> Vec<RecordRef> {
        let mut subject = vec![RecordRef::ShopifyPayout {
            id: self.payout().clone(),
        }];
        match self {
            Self::UnknownTransactionType { transaction, .. }
            | Self::NetMismatch { transaction, .. }
            | Self::CurrencyMismatch { transaction, .. }
            | Self::UnmappedFamily { transaction, .. }
            | Self::UnmappedFee { transaction, .. }
            | Self::ForeignTransaction { transaction, .. } => {
                subject.push(RecordRef::ShopifyBalanceTransaction {
                    id: transaction.clone(),
                });
            }
            Self::Unmatched {
                transaction, order, ..
            }
            | Self::SentToSuspense {
                transaction, order, ..
            } => {
                subject.push(RecordRef::ShopifyBalanceTransaction {
                    id: transaction.clone(),
                });
                if let Some(order) = order {
                    subject.push(RecordRef::ShopifyOrder {
                        id: order.id.clone(),
                        name: order.name.clone(),
                    });
                }
            }
            Self::UnmappedTax { order, .. } => subject.push(RecordRef::ShopifyOrder {
                id: order.clone(),
                name: String::new(),
            }),
            Self::PayoutNetMismatch { .. }
            | Self::TransferMismatch { .. }
            | Self::SummaryMismatch { .. }
            | Self::UnknownPayoutStatus { .. }
            | Self::Unbalanced { .. } => {}
        }
        subject
    }

    fn reason(&self) -> String {
        let payout = self.payout().numeric_id();
        match self {
            Self::UnknownTransactionType {
                transaction,
                transaction_type,
                ..
            } => format!(
                "Payout {payout}: balance transaction {} has type {transaction_type:?}, which no transaction family covers.",
                transaction.numeric_id()
            ),
            Self::NetMismatch {
                transaction,
                amount,
                fee,
                net,
                ..
            } => format!(
                "Payout {payout}: balance transaction {} has net {} {}, but amount {} minus fee {} is {}.",
                transaction.numeric_id(),
                net.amount(),
                net.currency(),
                amount.amount(),
                fee.amount(),
                amount.amount() - fee.amount()
            ),
            Self::CurrencyMismatch {
                transaction,
                expected,
                found,
                ..
            } => format!(
                "Payout {payout} is in {expected}, but balance transaction {} is in {found}.",
                transaction.numeric_id()
            ),
            Self::PayoutNetMismatch {
                payout_net,
                transactions_net,
                ..
            } => format!(
                "Payout {payout}: the payout net is {} {} but its transactions' nets (transfers aside) sum to {}.",
                payout_net.amount(),
                payout_net.currency(),
                transactions_net.amount()
            ),
            Self::TransferMismatch {
                payout_net,
                transfers,
                ..
            } => format!(
                "Payout {payout}: its transfer rows sum to {} {}, not the payout net {} negated.",
                transfers.amount(),
                transfers.currency(),
                payout_net.amount()
            ),
            Self::SummaryMismatch {
                figure,
                summary,
                transactions,
                ..
            } => format!(
                "Payout {payout}: the summary's {figure} is {} {} but the transactions sum to {}.",
                summary.amount(),
                summary.currency(),
                transactions.amount()
            ),
            Self::Unmatched {
                transaction,
                reason,
                net,
                age,
                ..
            } => format!(
                "Payout {payout}: balance transaction {} (net {} {}) is unmatched: {}; it is {} days old.",
                transaction.numeric_id(),
                net.amount(),
                net.currency(),
                reason.describe(),
                days(*age)
            ),
            Self::SentToSuspense {
                transaction,
                reason,
                net,
                age,
                account,
                ..
            } => format!(
                "Payout {payout}: balance transaction {} (net {} {}) was posted to suspense account {account} after {} days: {}.",
                transaction.numeric_id(),
                net.amount(),
                net.currency(),
                days(*age),
                reason.describe()
            ),
            Self::UnmappedTax { order, key, .. } => format!(
                "Payout {payout}: order {} has tax {key}, which has no account in the chart of accounts.",
                order.numeric_id()
            ),
            Self::UnmappedFamily {
                transaction,
                family,
                ..
            } => format!(
                "Payout {payout}: balance transaction {} is of family {family}, which has no account in the chart of accounts.",
                transaction.numeric_id()
            ),
            Self::UnmappedFee {
                transaction,
                family,
                ..
            } => format!(
                "Payout {payout}: balance transaction {} has a fee of family {family}, which has no fee account in the chart of accounts.",
                transaction.numeric_id()
            ),
            Self::ForeignTransaction {
                transaction, other, ..
            } => match other {
                Some(other) => format!(
                    "Balance transaction {} was given for payout {payout} but belongs to payout {}; it was left out.",
                    transaction.numeric_id(),
                    other.numeric_id()
                ),
                None => format!(
                    "Balance transaction {} was given for payout {payout} but belongs to no payout yet; it was left out.",
                    transaction.numeric_id()
                ),
            },
            Self::UnknownPayoutStatus { status, .. } => {
                format!("Payout {payout} has status {status:?}, which this crate does not know.")
            }
            Self::Unbalanced { .. } => {
                format!("Payout {payout}: the journal's amounts overflowed; nothing was posted.")
            }
        }
    }

    fn fix_hint(&self) -> String {
        match self {
            Self::UnknownTransactionType { .. } => "Ask for the type to be added to TransactionFamily::of, or reconcile the transaction by hand.".into(),
            Self::NetMismatch { .. }
            | Self::PayoutNetMismatch { .. }
            | Self::TransferMismatch { .. }
            | Self::SummaryMismatch { .. } => {
                "Compare the payout with the Shopify Payments payout statement and raise the difference with Shopify support; post by hand if finance accepts it.".into()
            }
            Self::CurrencyMismatch { .. } => "Reconcile multi-currency transactions by hand; the journal is in the payout currency.".into(),
            Self::Unmatched { reason, suspense_after, .. } => {
                let then = match suspense_after {
                    Some(after) => format!(" It goes to suspense once {} days old.", after.num_days()),
                    None => String::new(),
                };
                let what = match reason {
                    UnmatchedReason::OrderNotPosted => "Post the order to Stokly (check the order posting exceptions).",
                    UnmatchedReason::RefundNotCredited => "Post the refund's credit document.",
                    UnmatchedReason::UnknownSource => "Find the order in Shopify Payments and reconcile the transaction by hand.",
                    UnmatchedReason::UnknownType => "Map the type to a family, or reconcile it by hand.",
                };
                format!("{what}{then}")
            }
            Self::SentToSuspense { account, .. } => format!("Clear account {account} by hand once the transaction's record is found."),
            Self::UnmappedTax { key, .. } => format!("Add an account for tax {key} to the chart of accounts (ChartOfAccounts::with_tax)."),
            Self::UnmappedFamily { family, .. } => format!("Add an account for family {family} to the chart of accounts (ChartOfAccounts::with_family)."),
            Self::UnmappedFee { family, .. } => format!("Add a fee account for family {family} to the chart of accounts (ChartOfAccounts::with_fee)."),
            Self::ForeignTransaction { .. } => "Reconcile the transaction with its own payout.".into(),
            Self::UnknownPayoutStatus { .. } => "Check the payout in Shopify and post or reverse its journal by hand.".into(),
            Self::Unbalanced { .. } => "Post the journal by hand and report the payout as a bug.".into(),
        }
    }
}
