//! Which flow owns refunded units: the refund flow, never the order-change flow.
//!
//! Shopify's `currentQuantity` drops refunded units, so a refund without an edit shows in
//! [`diff_drafts`](super::diff_drafts) as a quantity change or a removed line, and a refund of
//! every unit as "no units left". The refund flow credits those units (and the shipping it
//! refunded) in a credit document; [`without_refunded_units`] takes them out of the changes,
//! so the same units are never both credited and amended away.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::change::{OrderChange, ShippingDetails};
use crate::domain::order::SaleOrderDraft;
use crate::domain::refund::CreditDraft;
use crate::money::Money;
use crate::shopify::LineItemId;

/// Units and shipping refunded since the sale order was posted: what the refund flow owns.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundedUnits {
    lines: BTreeMap<LineItemId, i64>,
    shipping: Option<(Money, Money)>,
}

impl RefundedUnits {
    /// Nothing refunded.
    #[must_use]
    pub fn none() -> Self {
        Self::default()
    }

    /// The units and shipping of these credit drafts (the refunds of the order since it was
    /// posted, credited or to be credited).
    #[must_use]
    pub fn of_credits<'a>(credits: impl IntoIterator<Item = &'a CreditDraft>) -> Self {
        let mut refunded = Self::default();
        for credit in credits {
            for line in credit.lines() {
                refunded.add_units(line.shopify_line_id.clone(), line.quantity);
            }
            if let Some(s) = credit.shipping() {
                refunded.add_shipping(s.amount, s.tax);
            }
        }
        refunded
    }

    /// Adds `units` refunded of `line`.
    pub fn add_units(&mut self, line: LineItemId, units: i64) {
        let entry = self.lines.entry(line).or_insert(0);
        *entry = entry.saturating_add(units);
    }

    /// Adds shipping refunded (`net` and `tax`, in the sale order's currency).
    pub fn add_shipping(&mut self, net: Money, tax: Money) {
        self.shipping = Some(match self.shipping {
            None => (net, tax),
            Some((n, t)) => (
                n.checked_add(&net).unwrap_or(n),
                t.checked_add(&tax).unwrap_or(t),
            ),
        });
    }

    /// Units refunded of `line`.
    #[must_use]
    pub fn units(&self, line: &LineItemId) -> i64 {
        self.lines.get(line).copied().unwrap_or(0)
    }

    /// Whether the refunds took every unit `posted` carries.
    #[must_use]
    pub fn covers_every_unit_of(&self, posted: &SaleOrderDraft) -> bool {
        !posted.lines().is_empty()
            && posted
                .lines()
                .iter()
                .all(|l| self.units(&l.shopify_line_id) >= l.quantity)
    }
}

/// `changes` less what the refunds in `refunded` explain:
///
/// - a quantity change is measured from the posted units less those refunded: none left
///   means no change; what is left (an edit on top of a refund) stays, from the adjusted
///   quantity;
/// - a removed line whose posted units were all refunded is no change; otherwise the units
///   not refunded are still removed;
/// - a shipping change of cost and tax by exactly the shipping refunded, with the same
///   address, recipient and method, is no change; otherwise the refunded shipping is added
///   back to the new cost and tax before comparing;
/// - a cancellation for "no units left" is no change when the refunds took every posted
///   unit (the credits carry them; cancelling would take the same money off twice).
#[must_use]
pub fn without_refunded_units(
    posted: &SaleOrderDraft,
    changes: Vec<OrderChange>,
    refunded: &RefundedUnits,
) -> Vec<OrderChange> {
    changes
        .into_iter()
        .filter_map(|change| match change {
            OrderChange::QuantityChanged {
                line,
                from,
                to,
                before,
                after,
            } => {
                let from = from.saturating_sub(refunded.units(&line.shopify_line_id));
                (from != to).then_some(OrderChange::QuantityChanged {
                    line,
                    from,
                    to,
                    before,
                    after,
                })
            }
            OrderChange::LineRemoved { line, quantity } => {
                let quantity = quantity.saturating_sub(refunded.units(&line.shopify_line_id));
                (quantity > 0).then_some(OrderChange::LineRemoved { line, quantity })
            }
            OrderChange::ShippingChanged { before, after } => {
                let after = match refunded.shipping {
                    Some((net, tax)) => ShippingDetails {
                        cost: after.cost.checked_add(&net).unwrap_or(after.cost),
                        tax: after.tax.checked_add(&tax).unwrap_or(after.tax),
                        ..after
                    },
                    None => after,
                };
                (before != after).then_some(OrderChange::ShippingChanged { before, after })
            }
            OrderChange::Cancelled { cancellation }
                if cancellation == super::Cancellation::NoUnitsLeft
                    && refunded.covers_every_unit_of(posted) =>
            {
                None
            }
            other => Some(other),
        })
        .collect()
}
