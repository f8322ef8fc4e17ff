//! Shopify Payments payouts reconciled transaction by transaction, and one balanced journal
//! per payout.
//!
//! - [`chart`]: the [`ChartOfAccounts`] (bank, suspense, sales, shipping, refunds, taxes by
//!   [`PayoutTaxKey`], accounts and fee accounts by [`TransactionFamily`]), validated up front.
//! - [`records`]: the index of what is already posted ([`PostedRecords`]): sale orders by
//!   Shopify order, credit documents by Shopify refund, journals by payout.
//! - [`reconcile_payout`]: the checks (every `net == amount - fee`, the nets sum to the
//!   payout's net, the summary agrees), the matching, suspense after N days, and the
//!   [`PayoutAction`]: post when `PAID`, reverse when a posted payout turns `FAILED` or
//!   `CANCELED`.
//! - [`PayoutJournal`]: balanced by construction, with its reversal and a CSV export.
//! - [`PayoutFinding`]: the exceptions, each naming the payout, the figure or transaction,
//!   its owner and a fix.
//! - [`PayoutReport`]: the finance report in Markdown and self-contained HTML.

pub mod chart;
mod finding;
mod journal;
mod reconcile;
pub mod records;
mod report;
#[cfg(test)]
mod tests;

pub use chart::{ChartError, ChartOfAccounts, PayoutTaxKey, TransactionFamily};
pub use finding::{PayoutFinding, SummaryFigure, UnmatchedReason};
pub use journal::{JournalKind, JournalLine, Leg, PayoutJournal, Side, UnbalancedJournal};
pub use reconcile::{
    MatchStatus, PayoutAction, PayoutReconciliation, ReconcileConfig, TransactionMatch,
    reconcile_payout,
};
pub use records::{Breakdown, BreakdownError, PostedCredit, PostedRecords, PostedSale};
pub use report::PayoutReport;
