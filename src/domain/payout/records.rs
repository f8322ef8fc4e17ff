//! What the application has already posted, as the payout reconciliation sees it: sale orders
//! by Shopify order, credit documents by Shopify refund, and the payout journals themselves.

use std::collections::{HashMap, HashSet};

use rust_decimal::Decimal;

use super::chart::PayoutTaxKey;
use crate::shopify::{OrderId, PayoutId, RefundId};
use crate::stokly::SaleOrderId;

/// A posted amount broken into goods, shipping and taxes, in any one currency. A payout
/// transaction on the record is split in the same proportions (so a partial capture or a
/// settlement in another currency splits correctly).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Breakdown {
    weights: Vec<Decimal>,
    taxes: Vec<PayoutTaxKey>,
}

/// A breakdown with a negative part, found by [`Breakdown::new`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the {part} part of a posted record's breakdown is negative ({amount})")]
pub struct BreakdownError {
    /// `goods`, `shipping` or the tax key.
    pub part: String,
    /// The amount given.
    pub amount: Decimal,
}

impl Breakdown {
    /// Goods (net of discounts, tax excluded), shipping (tax excluded) and each tax.
    ///
    /// # Errors
    /// [`BreakdownError`] naming the first negative part.
    pub fn new(
        goods: Decimal,
        shipping: Decimal,
        taxes: impl IntoIterator<Item = (PayoutTaxKey, Decimal)>,
    ) -> Result<Self, BreakdownError> {
        let negative = |part: String, amount: Decimal| {
            if amount.is_sign_negative() && !amount.is_zero() {
                Err(BreakdownError { part, amount })
            } else {
                Ok(())
            }
        };
        negative("goods".into(), goods)?;
        negative("shipping".into(), shipping)?;
        let mut weights = vec![goods, shipping];
        let mut keys = Vec::new();
        for (key, amount) in taxes {
            negative(key.to_string(), amount)?;
            weights.push(amount);
            keys.push(key);
        }
        Ok(Self {
            weights,
            taxes: keys,
        })
    }

    /// Goods only (no shipping, no tax).
    #[must_use]
    pub fn goods_only() -> Self {
        Self {
            weights: vec![Decimal::ONE, Decimal::ZERO],
            taxes: Vec::new(),
        }
    }

    /// The weights: goods, shipping, then one per tax in [`taxes`](Self::taxes) order.
    #[must_use]
    pub fn weights(&self) -> &[Decimal] {
        &self.weights
    }

    /// The tax keys.
    #[must_use]
    pub fn taxes(&self) -> &[PayoutTaxKey] {
        &self.taxes
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.weights.iter().all(Decimal::is_zero)
    }
}

/// A Shopify order posted as a Stokly sale order.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PostedSale {
    /// The Shopify order.
    pub order: OrderId,
    /// The Stokly sale order.
    pub sale_order: SaleOrderId,
    /// What it was made of.
    pub breakdown: Breakdown,
}

impl PostedSale {
    /// A posted sale.
    #[must_use]
    pub fn new(order: OrderId, sale_order: SaleOrderId, breakdown: Breakdown) -> Self {
        Self {
            order,
            sale_order,
            breakdown,
        }
    }
}

/// A Shopify refund posted as a credit document.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PostedCredit {
    /// The Shopify refund.
    pub refund: RefundId,
    /// The order refunded.
    pub order: OrderId,
    /// The refund's order transactions (numeric IDs), which balance transactions name in
    /// `sourceOrderTransactionId`.
    pub order_transactions: Vec<u64>,
    /// The credit document, as the system that holds it names it.
    pub credit_document: String,
    /// What was refunded.
    pub breakdown: Breakdown,
}

impl PostedCredit {
    /// A posted credit.
    #[must_use]
    pub fn new(
        refund: RefundId,
        order: OrderId,
        order_transactions: Vec<u64>,
        credit_document: impl Into<String>,
        breakdown: Breakdown,
    ) -> Self {
        Self {
            refund,
            order,
            order_transactions,
            credit_document: credit_document.into(),
            breakdown,
        }
    }
}

/// The index of posted records the application fills from its own store.
#[derive(Debug, Clone, Default)]
pub struct PostedRecords {
    sales: HashMap<OrderId, PostedSale>,
    credits: Vec<PostedCredit>,
    credit_by_transaction: HashMap<u64, usize>,
    credits_by_order: HashMap<OrderId, Vec<usize>>,
    journals: HashSet<PayoutId>,
    reversals: HashSet<PayoutId>,
}

impl PostedRecords {
    /// An empty index.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a posted sale (replacing one for the same order).
    pub fn add_sale(&mut self, sale: PostedSale) {
        self.sales.insert(sale.order.clone(), sale);
    }

    /// Adds a posted credit.
    pub fn add_credit(&mut self, credit: PostedCredit) {
        let index = self.credits.len();
        for tx in &credit.order_transactions {
            self.credit_by_transaction.insert(*tx, index);
        }
        self.credits_by_order
            .entry(credit.order.clone())
            .or_default()
            .push(index);
        self.credits.push(credit);
    }

    /// Records that the journal of `payout` was posted.
    pub fn add_journal(&mut self, payout: PayoutId) {
        self.journals.insert(payout);
    }

    /// Records that the journal of `payout` was reversed.
    pub fn add_reversal(&mut self, payout: PayoutId) {
        self.reversals.insert(payout);
    }

    /// The sale of an order.
    #[must_use]
    pub fn sale(&self, order: &OrderId) -> Option<&PostedSale> {
        self.sales.get(order)
    }

    /// The credit of a refund balance transaction: by its order transaction, else the only
    /// credit of its order.
    #[must_use]
    pub fn credit(
        &self,
        order_transaction: Option<u64>,
        order: Option<&OrderId>,
    ) -> Option<&PostedCredit> {
        if let Some(i) = order_transaction.and_then(|tx| self.credit_by_transaction.get(&tx)) {
            return self.credits.get(*i);
        }
        match order
            .and_then(|o| self.credits_by_order.get(o))
            .map(Vec::as_slice)
        {
            Some([only]) => self.credits.get(*only),
            _ => None,
        }
    }

    /// Whether the journal of `payout` was posted.
    #[must_use]
    pub fn journal_posted(&self, payout: &PayoutId) -> bool {
        self.journals.contains(payout)
    }

    /// Whether the journal of `payout` was reversed.
    #[must_use]
    pub fn journal_reversed(&self, payout: &PayoutId) -> bool {
        self.reversals.contains(payout)
    }
}
