//! Helpers for tests that edit a fixture order by hand.

use rust_decimal::Decimal;

use crate::money::Money;
use crate::shopify::model::{MoneyBag, Order};

fn bag(money: Money) -> MoneyBag {
    MoneyBag {
        shop_money: money,
        presentment_money: money,
    }
}

/// Makes the figures Shopify derives from an order's lines agree with a hand-edited order
/// (shop money only): the current total tax is the sum of the current units' tax lines and
/// the shipping taxes, the order-level current tax lines are dropped, and the outstanding
/// amount is what the payments leave of the current total.
pub(crate) fn settle_figures(order: &mut Order) {
    let total = order.current_total_price_set.shop_money;
    let currency = total.currency();
    let mut tax = Decimal::ZERO;
    for line in &order.line_items.nodes {
        for t in &line.tax_lines {
            let amount = t.price_set.shop_money;
            tax += if line.current_quantity == line.quantity
                || amount.is_zero()
                || line.quantity <= 0
                || line.current_quantity < 0
            {
                amount.amount()
            } else {
                amount
                    .allocate(&[
                        Decimal::from(line.current_quantity),
                        Decimal::from(line.quantity - line.current_quantity),
                    ])
                    .map_or(Decimal::ZERO, |parts| parts[0].amount())
            };
        }
    }
    for s in order.shipping_lines.nodes.iter().filter(|s| !s.is_removed) {
        tax += s
            .tax_lines
            .iter()
            .map(|t| t.price_set.shop_money.amount())
            .sum::<Decimal>();
    }
    order.current_total_tax_set = bag(Money::new(tax, currency));
    order.current_tax_lines.clear();
    let received = order.total_received_set.shop_money.amount();
    let refunded = order.total_refunded_set.shop_money.amount();
    order.total_outstanding_set = bag(Money::new(total.amount() - received + refunded, currency));
}
