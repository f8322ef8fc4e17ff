//! A month of Shopify Payments payouts generated consistently from orders, refunds and fees:
//! every payout's transactions sum to its net and agree with its summary, every charge is on
//! an order posted as a sale order (but one), every refund on a posted credit. The month has
//! a chargeback with its fee, a reserve held and released, an adjustment, a failed payout,
//! a payout with an order not posted yet, and a payout still scheduled.
//!
//! [`PayoutMonth::generate`] makes its orders up; [`PayoutMonth::from_orders`] charges the
//! orders it is given instead (for example a scenario's, through [`MonthOrder::from_shop`]),
//! so the month's payouts settle the very orders the other flows post.

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};

use super::rng::SeededRng;
use crate::domain::order::{GlAccountCode, TaxKey};
use crate::domain::payout::{
    Breakdown, ChartOfAccounts, PayoutTaxKey, PostedCredit, PostedRecords, PostedSale,
    TransactionFamily,
};
use crate::money::{CurrencyCode, Money};
use crate::shopify::model::{
    AssociatedOrder, AssociatedPayout, BalanceTransaction, BalanceTransactionPayoutStatus,
    BalanceTransactionType, Payout, PayoutStatus, PayoutSummary, PayoutTransactionType,
};
use crate::shopify::{BalanceTransactionId, OrderId, PayoutId, RefundId};
use crate::stokly::SaleOrderId;

/// Payouts in a generated month.
pub const PAYOUTS_PER_MONTH: u64 = 8;

/// A generated month: the payouts with their transactions, what the application has posted,
/// and a chart of accounts that maps everything the month holds.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PayoutMonth {
    /// Payouts, oldest first, each with its balance transactions (the transfer row last).
    pub payouts: Vec<(Payout, Vec<BalanceTransaction>)>,
    /// Sale orders and credit documents posted (one order is left out on purpose).
    pub posted: PostedRecords,
    /// The chart of accounts.
    pub chart: ChartOfAccounts,
    /// The order left unposted.
    pub unposted_order: OrderId,
    /// The end of the month (reconcile as of this time).
    pub month_end: DateTime<Utc>,
}

/// The tax every generated order carries: 20% UK VAT, prices tax-excluded.
#[must_use]
pub fn sandbox_vat() -> PayoutTaxKey {
    PayoutTaxKey::new(
        TaxKey::new("VAT", Some(Decimal::new(2, 1)), None, false),
        Some("GB"),
        false,
    )
}

/// The chart of accounts the generated month maps to (`None` never: the codes are
/// constants, and only a blank code is refused).
#[must_use]
pub fn sandbox_chart() -> Option<ChartOfAccounts> {
    let account = GlAccountCode::new;
    let mut chart = ChartOfAccounts::new(
        account("1200")?,
        account("9999")?,
        account("4000")?,
        account("4100")?,
    )
    .with_refunds(account("4010")?)
    .with_tax(sandbox_vat(), account("2200")?);
    for (family, code) in [
        (TransactionFamily::Dispute, "6100"),
        (TransactionFamily::DisputeFee, "6110"),
        (TransactionFamily::Reserve, "1250"),
        (TransactionFamily::Adjustment, "6900"),
        (TransactionFamily::ShopifyServices, "6200"),
        (TransactionFamily::RetriedPayout, "1210"),
    ] {
        chart = chart.with_family(family, account(code)?);
    }
    for family in TransactionFamily::ALL {
        chart = chart.with_fee(family, account("6000")?);
    }
    Some(chart)
}

fn gbp(cents: i64) -> Money {
    Money::new(Decimal::new(cents, 2), CurrencyCode::GBP)
}

/// An order a month is built from: what its customer paid, split as its sale order was
/// posted (amounts in pence, tax excluded from goods and shipping).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MonthOrder {
    /// The Shopify order.
    pub id: OrderId,
    /// When it was placed.
    pub created_at: DateTime<Utc>,
    /// Goods, tax excluded.
    pub goods: i64,
    /// Shipping, tax excluded.
    pub shipping: i64,
    /// Each tax charged.
    pub taxes: Vec<(PayoutTaxKey, i64)>,
}

impl MonthOrder {
    /// What the customer paid.
    #[must_use]
    pub fn total(&self) -> i64 {
        self.goods + self.shipping + self.taxes.iter().map(|(_, t)| t).sum::<i64>()
    }

    /// The orders of an emulated shop (for example one loaded from a
    /// [`Scenario`](crate::sandbox::Scenario)), oldest first: each line's price
    /// (tax included, after discounts) and the shipping split into net and tax at their
    /// rates, in the shop's currency (what the payout settles). Cancelled orders, test
    /// orders, shops in another currency than `currency`, and orders with tips, duties or
    /// additional fees are left out (the month's charges are plain sales).
    #[must_use]
    pub fn from_shop(
        state: &crate::sandbox::shopify::ShopifyState,
        currency: CurrencyCode,
    ) -> Vec<Self> {
        let pence = |x: Decimal| {
            (x * Decimal::ONE_HUNDRED)
                .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
                .to_i64()
                .unwrap_or(0)
        };
        let split = |gross: Decimal, rate: Decimal| {
            let tax = if rate.is_zero() {
                Decimal::ZERO
            } else {
                (gross * rate / (Decimal::ONE + rate))
                    .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
            };
            (pence(gross - tax), pence(tax))
        };
        let key = |rate: Decimal| {
            PayoutTaxKey::new(
                TaxKey::new("VAT", Some(rate), None, false),
                Some("GB"),
                false,
            )
        };
        let mut orders: Vec<Self> = state
            .orders
            .values()
            .filter(|o| {
                o.cancelled_at.is_none()
                    && !o.test
                    && o.currency == currency
                    && o.tip.is_zero()
                    && o.duties.is_zero()
                    && o.additional_fee.is_zero()
            })
            .map(|o| {
                let mut goods = 0;
                let mut taxes: Vec<(PayoutTaxKey, i64)> = Vec::new();
                let mut add_tax = |rate: Decimal, tax: i64| {
                    if tax == 0 {
                        return;
                    }
                    let k = key(rate);
                    match taxes.iter_mut().find(|(t, _)| *t == k) {
                        Some((_, sum)) => *sum += tax,
                        None => taxes.push((k, tax)),
                    }
                };
                for line in &o.lines {
                    let (net, tax) = split(line.original_total - line.discount, line.tax_rate);
                    goods += net;
                    add_tax(line.tax_rate, tax);
                }
                let (shipping, tax) = split(o.shipping, o.shipping_tax_rate);
                add_tax(o.shipping_tax_rate, tax);
                Self {
                    id: OrderId::from_numeric(o.id),
                    created_at: o.created_at,
                    goods,
                    shipping,
                    taxes,
                }
            })
            .collect();
        orders.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        orders
    }
}

struct Builder {
    rng: SeededRng,
    next_tx: u64,
    next_order: u64,
    posted: PostedRecords,
    unposted_order: Option<OrderId>,
    /// Orders to build the month from, oldest first (empty: orders are made up).
    given: std::collections::VecDeque<MonthOrder>,
}

impl Builder {
    fn tx(
        &mut self,
        payout: &PayoutId,
        kind: &str,
        amount: i64,
        fee: i64,
        order: Option<&OrderId>,
        date: DateTime<Utc>,
    ) -> BalanceTransaction {
        self.next_tx += 1;
        BalanceTransaction {
            id: BalanceTransactionId::from_numeric(self.next_tx),
            transaction_type: BalanceTransactionType::new(kind),
            test: false,
            amount: gbp(amount),
            fee: gbp(fee),
            net: gbp(amount - fee),
            source_type: None,
            source_id: None,
            source_order_transaction_id: None,
            associated_order: order.map(|id| AssociatedOrder {
                id: id.clone(),
                name: format!("#{}", id.numeric_id()),
            }),
            associated_payout: AssociatedPayout {
                id: Some(payout.clone()),
                status: Some(BalanceTransactionPayoutStatus::Paid),
            },
            adjustment_reason: None,
            adjustments_orders: Vec::new(),
            transaction_date: date,
        }
    }

    /// The next order: a given one, or one made up.
    fn order(&mut self, post: bool) -> (OrderId, i64) {
        let Some(order) = self.given.pop_front() else {
            return self.made_up_order(post);
        };
        let total = order.total();
        if post {
            let taxes = order
                .taxes
                .iter()
                .map(|(k, t)| (k.clone(), Decimal::new(*t, 2)));
            if let (Ok(sale_order), Ok(breakdown)) = (
                SaleOrderId::new(format!("so-{}", order.id.numeric_id())),
                Breakdown::new(
                    Decimal::new(order.goods, 2),
                    Decimal::new(order.shipping, 2),
                    taxes,
                ),
            ) {
                self.posted
                    .add_sale(PostedSale::new(order.id.clone(), sale_order, breakdown));
            }
        } else {
            self.unposted_order = Some(order.id.clone());
        }
        (order.id, total)
    }

    /// An order made up: goods and shipping in pence, VAT at 20% (rounded half away from
    /// zero).
    fn made_up_order(&mut self, post: bool) -> (OrderId, i64) {
        self.next_order += 1;
        let id = OrderId::from_numeric(1000 + self.next_order);
        let goods = i64::try_from(self.rng.between(1_000, 20_000)).unwrap_or(1_000);
        let shipping = if self.rng.chance(0.5) { 495 } else { 0 };
        let vat = Decimal::new((goods + shipping) * 2, 1)
            .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero);
        let vat = i64::try_from(vat.mantissa()).unwrap_or(0);
        if post {
            if let (Ok(sale_order), Ok(breakdown)) = (
                SaleOrderId::new(format!("so-{}", id.numeric_id())),
                Breakdown::new(
                    Decimal::new(goods, 2),
                    Decimal::new(shipping, 2),
                    [(sandbox_vat(), Decimal::new(vat, 2))],
                ),
            ) {
                self.posted
                    .add_sale(PostedSale::new(id.clone(), sale_order, breakdown));
            }
        } else {
            self.unposted_order = Some(id.clone());
        }
        (id, goods + shipping + vat)
    }
}

fn summary_of(transactions: &[BalanceTransaction]) -> PayoutSummary {
    use TransactionFamily as F;
    let sum = |families: &[F], fee: bool| {
        let total: Decimal = transactions
            .iter()
            .filter(|t| {
                TransactionFamily::of(t.transaction_type.as_str())
                    .is_some_and(|f| families.contains(&f))
            })
            .map(|t| {
                if fee {
                    t.fee.amount()
                } else {
                    t.amount.amount()
                }
            })
            .sum();
        Money::new(total, CurrencyCode::GBP)
    };
    let adjustments = [
        F::Dispute,
        F::DisputeFee,
        F::ShopifyServices,
        F::DutiesAndTaxes,
        F::Adjustment,
    ];
    PayoutSummary {
        adjustments_fee: sum(&adjustments, true),
        adjustments_gross: sum(&adjustments, false),
        advance_fees: sum(&[F::Lending], true),
        advance_gross: sum(&[F::Lending], false),
        charges_fee: sum(&[F::Charge], true),
        charges_gross: sum(&[F::Charge], false),
        refunds_fee: sum(&[F::Refund], true),
        refunds_fee_gross: sum(&[F::Refund], false),
        reserved_funds_fee: sum(&[F::Reserve], true),
        reserved_funds_gross: sum(&[F::Reserve], false),
        retried_payouts_fee: sum(&[F::RetriedPayout], true),
        retried_payouts_gross: sum(&[F::RetriedPayout], false),
    }
}

impl PayoutMonth {
    /// November 2026, generated from `seed` (the same seed gives the same month); `None`
    /// never (see [`sandbox_chart`]).
    #[must_use]
    pub fn generate(seed: u64) -> Option<Self> {
        let start = Utc
            .with_ymd_and_hms(2026, 11, 1, 9, 0, 0)
            .single()
            .unwrap_or_default();
        Self::build(seed, start, Vec::new())
    }

    /// A month whose charges are these orders (oldest first, for example
    /// [`MonthOrder::from_shop`] of a scenario's shop), shared out over the payouts in
    /// turn; it starts on the day of the first order. The rest is as [`generate`](Self::generate)
    /// makes it (a refund now and then, the chargeback, reserve, adjustment, failed and
    /// scheduled payouts, and one order of the sixth payout left unposted); orders run
    /// short are made up. `None` when `orders` is empty (or never otherwise).
    #[must_use]
    pub fn from_orders(seed: u64, orders: Vec<MonthOrder>) -> Option<Self> {
        let first = orders.iter().map(|o| o.created_at).min()?;
        let start = Utc.from_utc_datetime(&first.date_naive().and_hms_opt(9, 0, 0)?);
        Self::build(seed, start, orders)
    }

    fn build(seed: u64, start: DateTime<Utc>, orders: Vec<MonthOrder>) -> Option<Self> {
        let per_payout = orders
            .len()
            .div_ceil(usize::try_from(PAYOUTS_PER_MONTH).unwrap_or(1));
        // The chart maps everything the month holds: every tax of the orders given too.
        let mut chart = sandbox_chart()?;
        for order in &orders {
            for (key, _) in &order.taxes {
                if chart.tax(key).is_none() {
                    chart = chart.with_tax(key.clone(), GlAccountCode::new("2200")?);
                }
            }
        }
        let mut b = Builder {
            rng: SeededRng::new(seed),
            next_tx: 0,
            next_order: 0,
            posted: PostedRecords::new(),
            unposted_order: None,
            given: orders.into(),
        };
        let mut payouts = Vec::new();
        for n in 1..=PAYOUTS_PER_MONTH {
            let id = PayoutId::from_numeric(7000 + n);
            let day = start + TimeDelta::days(i64::try_from(n * 3).unwrap_or(0));
            let mut txs = Vec::new();
            let orders = if per_payout > 0 {
                u64::try_from(per_payout.min(b.given.len()).max(1)).unwrap_or(1)
            } else {
                b.rng.between(4, 12)
            };
            for i in 0..orders {
                let post = !(n == 6 && i == 0);
                let (order, total) = b.order(post);
                let fee = total * 29 / 1000 + 20;
                txs.push(b.tx(&id, "CHARGE", total, fee, Some(&order), day));
                if b.rng.chance(0.25) && post {
                    let refunded = total / 2;
                    let mut refund = b.tx(&id, "REFUND", -refunded, 0, Some(&order), day);
                    let order_tx = 50_000 + refund.id.numeric_id();
                    refund.source_order_transaction_id = Some(order_tx);
                    if let Ok(breakdown) = Breakdown::new(
                        Decimal::new(5, 1),
                        Decimal::ZERO,
                        [(sandbox_vat(), Decimal::new(1, 1))],
                    ) {
                        b.posted.add_credit(PostedCredit::new(
                            RefundId::from_numeric(order_tx),
                            order.clone(),
                            vec![order_tx],
                            format!("CR-{order_tx}"),
                            breakdown,
                        ));
                    }
                    txs.push(refund);
                }
            }
            match n {
                2 => {
                    let (order, total) = b.order(true);
                    txs.push(b.tx(&id, "CHARGE", total, 0, Some(&order), day));
                    txs.push(b.tx(&id, "DISPUTE_WITHDRAWAL", -total, 0, Some(&order), day));
                    txs.push(b.tx(&id, "CHARGEBACK_FEE", 0, 1_500, Some(&order), day));
                }
                3 => txs.push(b.tx(&id, "RESERVED_FUNDS", -5_000, 0, None, day)),
                4 => txs.push(b.tx(&id, "ADJUSTMENT", 123, 0, None, day)),
                5 => {
                    txs.push(b.tx(&id, "RESERVED_FUNDS", 5_000, 0, None, day));
                    txs.push(b.tx(&id, "SHIPPING_LABEL", -780, 0, None, day));
                }
                _ => {}
            }
            let net: Decimal = txs.iter().map(|t| t.net.amount()).sum();
            let net_cents = (net * Decimal::ONE_HUNDRED).trunc().to_i64().unwrap_or(0);
            let transfer = b.tx(&id, "TRANSFER", -net_cents, 0, None, day);
            let summary = summary_of(&txs);
            txs.push(transfer);
            let status = match n {
                7 => PayoutStatus::Failed,
                PAYOUTS_PER_MONTH => PayoutStatus::Scheduled,
                _ => PayoutStatus::Paid,
            };
            payouts.push((
                Payout {
                    id,
                    issued_at: day + TimeDelta::hours(12),
                    net: Money::new(net, CurrencyCode::GBP),
                    status,
                    summary,
                    transaction_type: PayoutTransactionType::Deposit,
                    external_trace_id: Some(format!("BACS-{n:04}")),
                },
                txs,
            ));
        }
        Some(Self {
            payouts,
            posted: b.posted,
            chart,
            unposted_order: b.unposted_order.unwrap_or_else(|| OrderId::from_numeric(1)),
            month_end: start + TimeDelta::days(30),
        })
    }
}
