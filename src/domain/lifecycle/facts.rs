//! What the application knows about one order, from both systems, as plain facts.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::exception::ExceptionRecord;
use crate::shopify::{BalanceTransactionId, LocationId as ShopifyLocationId, OrderId, RefundId};
use crate::stokly::SaleOrderId;

/// Why a line of a posted sale order holds no stock in Stokly.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "cause", rename_all = "snake_case")]
#[non_exhaustive]
pub enum UnreservedCause {
    /// The line's SKU names no Stokly item that holds stock (a SKU mismatch: the sale order
    /// was posted against a placeholder, or the item was renamed after posting).
    SkuMismatch,
    /// The order's Shopify location feeds no Stokly location, so Stokly has nowhere to
    /// allocate from.
    MissingLocationMapping {
        /// The Shopify location the order ships from.
        location: ShopifyLocationId,
    },
    /// The item is known and mapped, but Stokly holds none to allocate.
    NoStock,
}

/// A line Stokly has not reserved stock for, with why when known.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UnreservedLine {
    /// The line's SKU as Shopify sent it.
    pub sku: String,
    /// Why it holds no stock.
    pub cause: UnreservedCause,
}

impl UnreservedLine {
    /// A line with no stock reserved, and why.
    #[must_use]
    pub fn new(sku: impl Into<String>, cause: UnreservedCause) -> Self {
        Self {
            sku: sku.into(),
            cause,
        }
    }
}

/// A refund given in Shopify and, once posted, its Stokly credit document.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RefundFact {
    /// The Shopify refund.
    pub refund: RefundId,
    /// When Shopify made it.
    pub refunded_at: DateTime<Utc>,
    /// When its credit document was posted in Stokly (`None`: not yet).
    pub credited_at: Option<DateTime<Utc>>,
}

impl RefundFact {
    /// A refund not yet credited.
    #[must_use]
    pub fn new(refund: RefundId, refunded_at: DateTime<Utc>) -> Self {
        Self {
            refund,
            refunded_at,
            credited_at: None,
        }
    }

    /// The same refund, credited at `at`.
    #[must_use]
    pub fn credited(mut self, at: DateTime<Utc>) -> Self {
        self.credited_at = Some(at);
        self
    }
}

/// A hold on the order's fulfilment (in Shopify or Stokly).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct HoldFact {
    /// Why it is held, as the system gave it (`HIGH_RISK_OF_FRAUD`, `AWAITING_PAYMENT`...).
    pub reason: String,
    /// Since when.
    pub since: DateTime<Utc>,
}

impl HoldFact {
    /// A hold placed at `since` for `reason`.
    #[must_use]
    pub fn new(reason: impl Into<String>, since: DateTime<Utc>) -> Self {
        Self {
            reason: reason.into(),
            since,
        }
    }
}

/// Everything known about one Shopify order: when each milestone was reached (`None`: not
/// yet), and the facts that explain a delay. The application gathers these from what it
/// already holds (the posting ledger, the Stokly sale order and its dispatches, the Shopify
/// fulfilments and refunds, the payout reconciliation) or reads; the lifecycle is derived
/// from them with no further I/O.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OrderFacts {
    /// The Shopify order.
    pub order: OrderId,
    /// Its name (`#1001`).
    pub name: String,
    /// When its payment was captured (the clock of every later stage starts here).
    pub captured_at: DateTime<Utc>,
    /// Its Stokly sale order, once posted.
    pub sale_order: Option<SaleOrderId>,
    /// When the sale order was posted.
    pub posted_at: Option<DateTime<Utc>>,
    /// When Stokly had reserved stock for every line.
    pub reserved_at: Option<DateTime<Utc>>,
    /// When Stokly released it for picking.
    pub released_at: Option<DateTime<Utc>>,
    /// When Stokly dispatched it (the last parcel).
    pub dispatched_at: Option<DateTime<Utc>>,
    /// When Shopify showed it fulfilled.
    pub fulfilled_at: Option<DateTime<Utc>>,
    /// When its charge was in a Shopify Payments payout.
    pub paid_out_at: Option<DateTime<Utc>>,
    /// When that payout's journal was posted in Stokly.
    pub journaled_at: Option<DateTime<Utc>>,
    /// Refunds and their credit documents.
    pub refunds: Vec<RefundFact>,
    /// Open holds on its fulfilment.
    pub holds: Vec<HoldFact>,
    /// Lines of the posted sale order that hold no stock.
    pub unreserved_lines: Vec<UnreservedLine>,
    /// Balance transactions of the order that a payout could not match.
    pub unmatched_payout_lines: Vec<BalanceTransactionId>,
    /// Open exceptions of any flow about this order (rejections, fulfilment exceptions...).
    pub exceptions: Vec<ExceptionRecord>,
}

impl OrderFacts {
    /// An order whose payment was captured at `captured_at`, with nothing else known yet.
    #[must_use]
    pub fn captured(order: OrderId, name: impl Into<String>, captured_at: DateTime<Utc>) -> Self {
        Self {
            order,
            name: name.into(),
            captured_at,
            sale_order: None,
            posted_at: None,
            reserved_at: None,
            released_at: None,
            dispatched_at: None,
            fulfilled_at: None,
            paid_out_at: None,
            journaled_at: None,
            refunds: Vec::new(),
            holds: Vec::new(),
            unreserved_lines: Vec::new(),
            unmatched_payout_lines: Vec::new(),
            exceptions: Vec::new(),
        }
    }

    /// Posted as `sale_order` at `at`.
    #[must_use]
    pub fn posted(mut self, sale_order: SaleOrderId, at: DateTime<Utc>) -> Self {
        self.sale_order = Some(sale_order);
        self.posted_at = Some(at);
        self
    }

    /// Every line reserved at `at`.
    #[must_use]
    pub fn reserved(mut self, at: DateTime<Utc>) -> Self {
        self.reserved_at = Some(at);
        self
    }

    /// Released for picking at `at`.
    #[must_use]
    pub fn released(mut self, at: DateTime<Utc>) -> Self {
        self.released_at = Some(at);
        self
    }

    /// Dispatched at `at`.
    #[must_use]
    pub fn dispatched(mut self, at: DateTime<Utc>) -> Self {
        self.dispatched_at = Some(at);
        self
    }

    /// Fulfilled in Shopify at `at`.
    #[must_use]
    pub fn fulfilled(mut self, at: DateTime<Utc>) -> Self {
        self.fulfilled_at = Some(at);
        self
    }

    /// Paid out at `at`.
    #[must_use]
    pub fn paid_out(mut self, at: DateTime<Utc>) -> Self {
        self.paid_out_at = Some(at);
        self
    }

    /// Journaled at `at`.
    #[must_use]
    pub fn journaled(mut self, at: DateTime<Utc>) -> Self {
        self.journaled_at = Some(at);
        self
    }

    /// With a refund.
    #[must_use]
    pub fn with_refund(mut self, refund: RefundFact) -> Self {
        self.refunds.push(refund);
        self
    }

    /// With an open hold.
    #[must_use]
    pub fn with_hold(mut self, hold: HoldFact) -> Self {
        self.holds.push(hold);
        self
    }

    /// With a line that holds no stock.
    #[must_use]
    pub fn with_unreserved_line(mut self, line: UnreservedLine) -> Self {
        self.unreserved_lines.push(line);
        self
    }

    /// With a balance transaction no payout could match.
    #[must_use]
    pub fn with_unmatched_payout_line(mut self, transaction: BalanceTransactionId) -> Self {
        self.unmatched_payout_lines.push(transaction);
        self
    }

    /// With an open exception about the order.
    #[must_use]
    pub fn with_exception(mut self, exception: ExceptionRecord) -> Self {
        self.exceptions.push(exception);
        self
    }
}
