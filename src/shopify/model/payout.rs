//! Shopify Payments payouts and the balance transactions they carry, as the payout flow reads
//! them (`shopifyPaymentsAccount.payouts` and `.balanceTransactions`).

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};

use crate::money::Money;
use crate::shopify::ids::{BalanceTransactionId, OrderId, PayoutId};
use crate::wire_enum::wire_enum;

wire_enum!(
    /// `ShopifyPaymentsPayoutStatus` (and `IN_TRANSIT`, deprecated but still documented).
    PayoutStatus {
        /// Not yet sent to the bank.
        Scheduled => "SCHEDULED",
        /// On its way to the bank (deprecated by Shopify).
        InTransit => "IN_TRANSIT",
        /// Deposited in the bank account.
        Paid => "PAID",
        /// Declined by the bank.
        Failed => "FAILED",
        /// Cancelled by Shopify.
        Canceled => "CANCELED",
    }
);

wire_enum!(
    /// `ShopifyPaymentsPayoutTransactionType`.
    PayoutTransactionType {
        /// Money sent to the merchant's bank.
        Deposit => "DEPOSIT",
        /// Money taken from the merchant's bank.
        Withdrawal => "WITHDRAWAL",
    }
);

wire_enum!(
    /// `ShopifyPaymentsSourceType`: what a balance transaction came from.
    BalanceSourceType {
        /// Reversal of an adjustment.
        AdjustmentReversal => "ADJUSTMENT_REVERSAL",
        /// A card charge.
        Charge => "CHARGE",
        /// A refund.
        Refund => "REFUND",
        /// An adjustment made by the system.
        SystemAdjustment => "SYSTEM_ADJUSTMENT",
        /// A dispute (chargeback or inquiry).
        Dispute => "DISPUTE",
        /// An adjustment.
        Adjustment => "ADJUSTMENT",
        /// A transfer to or from the bank (a payout).
        Transfer => "TRANSFER",
    }
);

wire_enum!(
    /// `ShopifyPaymentsBalanceTransactionPayoutStatus`: the status of the payout a balance
    /// transaction belongs to, as seen from the transaction.
    BalanceTransactionPayoutStatus {
        /// The payout is scheduled.
        Scheduled => "SCHEDULED",
        /// The payout was paid.
        Paid => "PAID",
        /// The payout failed.
        Failed => "FAILED",
        /// The payout was cancelled.
        Canceled => "CANCELED",
        /// Not assigned to a payout yet.
        Pending => "PENDING",
        /// The merchant must act before the payout is made.
        ActionRequired => "ACTION_REQUIRED",
    }
);

/// `ShopifyPaymentsTransactionType`: an open set of 113 values in 2026-01 to 2026-07, kept as
/// the text Shopify sent. [`crate::domain::payout::TransactionFamily::of`] groups it for
/// accounting; a value it does not know is a finance exception, never dropped.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct BalanceTransactionType(String);

impl BalanceTransactionType {
    /// A type exactly as Shopify spells it (`CHARGE`, `CHARGEBACK_FEE`).
    #[must_use]
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The type as Shopify spells it.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for BalanceTransactionType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `ShopifyPaymentsPayoutSummary`: Shopify's own totals of a payout, by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PayoutSummary {
    /// Fees of adjustments (disputes included).
    pub adjustments_fee: Money,
    /// Gross of adjustments (disputes included).
    pub adjustments_gross: Money,
    /// Fees of advances.
    pub advance_fees: Money,
    /// Gross of advances.
    pub advance_gross: Money,
    /// Fees of charges.
    pub charges_fee: Money,
    /// Gross of charges.
    pub charges_gross: Money,
    /// Fees of refunds.
    pub refunds_fee: Money,
    /// Gross of refunds.
    pub refunds_fee_gross: Money,
    /// Fees of reserved funds.
    pub reserved_funds_fee: Money,
    /// Gross of reserved funds.
    pub reserved_funds_gross: Money,
    /// Fees of retried payouts.
    pub retried_payouts_fee: Money,
    /// Gross of retried payouts.
    pub retried_payouts_gross: Money,
}

/// `ShopifyPaymentsPayout`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Payout {
    /// The payout's ID.
    pub id: PayoutId,
    /// When it was issued; it holds only the balance transactions available at that time.
    pub issued_at: DateTime<Utc>,
    /// The amount deposited (or withdrawn), in the payout currency.
    pub net: Money,
    /// Where the payout is.
    pub status: PayoutStatus,
    /// Shopify's totals by kind.
    pub summary: PayoutSummary,
    /// Deposit or withdrawal.
    pub transaction_type: PayoutTransactionType,
    /// The bank's trace ID, to match the deposit on the bank statement.
    #[serde(default)]
    pub external_trace_id: Option<String>,
}

/// `ShopifyPaymentsAssociatedOrder`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AssociatedOrder {
    /// The order.
    pub id: OrderId,
    /// `#1001`.
    pub name: String,
}

/// `ShopifyPaymentsBalanceTransactionAssociatedPayout`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AssociatedPayout {
    /// The payout, once assigned.
    #[serde(default)]
    pub id: Option<PayoutId>,
    /// Its status as seen from the transaction.
    #[serde(default)]
    pub status: Option<BalanceTransactionPayoutStatus>,
}

/// `ShopifyPaymentsAdjustmentOrder`: an order an adjustment relates to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AdjustmentOrder {
    /// The order transaction adjusted (numeric ID).
    #[serde(deserialize_with = "u64_text")]
    pub order_transaction_id: u64,
    /// Gross adjusted.
    pub amount: Money,
    /// Fees adjusted.
    pub fees: Money,
    /// Net adjusted.
    pub net: Money,
    /// The order's name.
    pub name: String,
}

/// `ShopifyPaymentsBalanceTransaction`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BalanceTransaction {
    /// The transaction's ID.
    pub id: BalanceTransactionId,
    /// What kind of movement it is (an open set).
    #[serde(rename = "type")]
    pub transaction_type: BalanceTransactionType,
    /// A test transaction.
    pub test: bool,
    /// Gross.
    pub amount: Money,
    /// Fee Shopify took.
    pub fee: Money,
    /// `amount - fee`, as Shopify states it.
    pub net: Money,
    /// What it came from.
    #[serde(default)]
    pub source_type: Option<BalanceSourceType>,
    /// The ID of the source (numeric).
    #[serde(default, deserialize_with = "opt_u64_text")]
    pub source_id: Option<u64>,
    /// The order transaction it came from (the numeric tail of an `OrderTransaction` GID).
    #[serde(default, deserialize_with = "opt_u64_text")]
    pub source_order_transaction_id: Option<u64>,
    /// The order it belongs to.
    #[serde(default)]
    pub associated_order: Option<AssociatedOrder>,
    /// The payout it is in.
    pub associated_payout: AssociatedPayout,
    /// Why an adjustment was made.
    #[serde(default)]
    pub adjustment_reason: Option<String>,
    /// The orders an adjustment relates to.
    #[serde(default)]
    pub adjustments_orders: Vec<AdjustmentOrder>,
    /// When it happened.
    pub transaction_date: DateTime<Utc>,
}

/// `BigInt` arrives as a string of digits; accept a number too.
fn u64_text<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        S(String),
        N(u64),
    }
    match Either::deserialize(d)? {
        Either::S(s) => s.parse().map_err(serde::de::Error::custom),
        Either::N(n) => Ok(n),
    }
}

fn opt_u64_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    struct Wrap(#[serde(deserialize_with = "u64_text")] u64);
    Ok(Option::<Wrap>::deserialize(d)?.map(|w| w.0))
}
