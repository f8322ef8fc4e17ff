//! The pure mapping of one refund to one credit document draft.

use std::collections::BTreeMap;

use chrono::{DateTime, SubsecRound, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::config::RefundMappingConfig;
use super::draft::{
    CreditCharge, CreditChargeKind, CreditDraft, CreditLine, CreditShipping, FinanceNote,
    NotRestockedReason, StockEffect, StockMovement,
};
use super::exception::{RefundAccount, RefundException, RefundRef, RefundRejection};
use crate::domain::order::{DraftTax, SaleOrderDraft};
use crate::money::Money;
use crate::shopify::LineItemId;
use crate::shopify::model::{
    DispositionType, MoneyBag, OrderRefunds, Refund, RefundLineItem, RestockType, Return,
};
use crate::stokly::SaleOrderId;

/// A sale order as posted to Stokly, with what the refund mapping needs to know about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SaleOrderFacts {
    /// The Stokly sale order.
    pub sale_order_id: SaleOrderId,
    /// The draft it was posted from (as posted: amendments applied since replace it).
    pub draft: SaleOrderDraft,
    /// When it was posted. A refund Shopify created before then is already left out of the
    /// sale order (posting takes Shopify's current quantities).
    pub posted_at: DateTime<Utc>,
    /// Units Stokly has dispatched, by Shopify line (a line not named: none):
    /// [`SaleOrderFacts::with_dispatches`] fills it from Stokly's dispatches, and
    /// [`read_dispatched_units`](crate::adapters::refunds::read_dispatched_units) reads them.
    pub dispatched_units: BTreeMap<LineItemId, i64>,
    /// Whether the order's money was already paid out (its payout journal is posted).
    pub paid_out: bool,
}

impl SaleOrderFacts {
    /// `draft`, posted as `sale_order_id` at `posted_at`, nothing dispatched, not paid out.
    #[must_use]
    pub fn new(
        sale_order_id: SaleOrderId,
        draft: SaleOrderDraft,
        posted_at: DateTime<Utc>,
    ) -> Self {
        Self {
            sale_order_id,
            draft,
            posted_at,
            dispatched_units: BTreeMap::new(),
            paid_out: false,
        }
    }

    /// Stokly has dispatched `units` of the Shopify line `line`.
    #[must_use]
    pub fn with_dispatched(mut self, line: LineItemId, units: i64) -> Self {
        self.dispatched_units.insert(line, units);
        self
    }

    /// The order's money was (or was not) paid out already.
    #[must_use]
    pub fn with_paid_out(mut self, paid_out: bool) -> Self {
        self.paid_out = paid_out;
        self
    }
}

/// Where the sale order of the refunded order stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SaleOrderState<'a> {
    /// Not posted yet: it will be posted with Shopify's current quantities, which already
    /// leave the refunded units out.
    NotPosted,
    /// Posted.
    Posted(&'a SaleOrderFacts),
}

/// What to do about one refund.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
#[non_exhaustive]
#[allow(clippy::large_enum_variant)] // a work item, moved rarely
pub enum RefundDecision {
    /// Post this credit document against the sale order.
    Credit(CreditDraft),
    /// The refund came before the sale order was posted: the sale order is (or will be)
    /// posted with Shopify's current quantities, so it never carried the refunded units.
    /// Nothing to credit.
    BeforePosting,
    /// The refund credits nothing (no line, no shipping, no charge, a zero total).
    NothingToCredit,
}

struct Ctx<'a> {
    refund: RefundRef,
    config: &'a RefundMappingConfig,
    draft: &'a SaleOrderDraft,
    errors: Vec<RefundException>,
}

impl Ctx<'_> {
    fn money(&mut self, bag: &MoneyBag, field: &str) -> Option<Money> {
        let m = self.config.currency_policy().pick(bag);
        if m.currency() != self.draft.currency() {
            self.errors.push(RefundException::OtherCurrency {
                refund: self.refund.clone(),
                field: field.to_owned(),
                expected: self.draft.currency(),
                found: m.currency(),
            });
            return None;
        }
        if m.amount().normalize().scale() > m.currency().minor_units() {
            self.invalid(
                field,
                m.amount().to_string(),
                "finer than the currency's minor unit",
            );
            return None;
        }
        Some(m)
    }

    fn non_negative(&mut self, bag: &MoneyBag, field: &str) -> Option<Money> {
        let m = self.money(bag, field)?;
        if m.amount().is_sign_negative() && !m.is_zero() {
            self.invalid(field, m.amount().to_string(), "must not be negative");
            return None;
        }
        Some(m)
    }

    fn invalid(&mut self, field: &str, value: String, problem: &str) {
        self.errors.push(RefundException::InvalidValue {
            refund: self.refund.clone(),
            field: field.to_owned(),
            value,
            problem: problem.to_owned(),
        });
    }

    fn add(&mut self, a: Money, b: Money) -> Money {
        match a.checked_add(&b) {
            Ok(sum) => sum,
            Err(e) => {
                self.invalid("amounts", format!("{a} + {b}"), &e.to_string());
                a
            }
        }
    }

    fn sub(&mut self, a: Money, b: Money) -> Money {
        self.add(a, b.negate())
    }

    /// Net of tax: a tax-inclusive order's refunded subtotal includes the tax.
    fn net_of(&mut self, subtotal: Money, tax: Money) -> Money {
        if self.draft.taxes_included() {
            self.sub(subtotal, tax)
        } else {
            subtotal
        }
    }

    /// `tax` split over `taxes` in proportion to their amounts, with the remainder rule of
    /// [`Money::allocate`].
    fn split_tax(&mut self, tax: Money, taxes: &[DraftTax], field: &str) -> Vec<DraftTax> {
        if tax.is_zero() {
            return Vec::new();
        }
        let weights: Vec<Decimal> = taxes.iter().map(|t| t.amount.amount().abs()).collect();
        match tax.allocate(&weights) {
            Ok(parts) => taxes
                .iter()
                .zip(parts)
                .map(|(t, amount)| DraftTax {
                    key: t.key.clone(),
                    account: t.account.clone(),
                    amount,
                })
                .collect(),
            Err(_) => {
                self.errors.push(RefundException::TaxWithoutTaxLines {
                    refund: self.refund.clone(),
                    field: field.to_owned(),
                    tax,
                });
                Vec::new()
            }
        }
    }
}

/// Maps one Shopify refund to what to do in Stokly: a credit document draft against the
/// posted sale order whose total equals the refund's `totalRefundedSet`, nothing (the refund
/// came before posting, or credits nothing), or a rejection with every problem found.
///
/// `order` is the order's refunds read with [`crate::shopify::Client::order_refunds`] (its
/// returns give the dispositions of returned units). See the [module](super) for the rules.
///
/// # Errors
/// A [`RefundRejection`] with one [`RefundException`] per problem.
pub fn map_refund(
    refund: &Refund,
    order: &OrderRefunds,
    state: SaleOrderState<'_>,
    config: &RefundMappingConfig,
) -> Result<RefundDecision, RefundRejection> {
    let refund_ref = RefundRef {
        refund_id: refund.id.clone(),
        order_id: order.id.clone(),
        order_name: order.name.clone(),
    };
    let posted = match state {
        SaleOrderState::NotPosted => return Ok(RefundDecision::BeforePosting),
        SaleOrderState::Posted(posted) => posted,
    };
    // Shopify stamps whole seconds: a refund in the second the order was posted counts as
    // after it.
    let after_posting =
        |r: &Refund| r.created_at.unwrap_or(r.processed_at) >= posted.posted_at.trunc_subsecs(0);
    if !after_posting(refund) {
        return Ok(RefundDecision::BeforePosting);
    }
    let returned = refund.r#return.as_ref().and_then(|r| {
        order
            .returns
            .nodes
            .iter()
            .find(|candidate| candidate.id == r.id)
    });
    if refund.has_unread_parts() || returned.is_some_and(Return::has_unread_parts) {
        return Err(RefundRejection {
            refund: refund_ref.clone(),
            exceptions: vec![RefundException::IncompleteRefund { refund: refund_ref }],
        });
    }
    let mut ctx = Ctx {
        refund: refund_ref.clone(),
        config,
        draft: &posted.draft,
        errors: Vec::new(),
    };
    let zero = Money::zero(posted.draft.currency());

    // Units the order's earlier refunds since posting took, by line: this refund is checked
    // and allocated on top of them.
    let mut taken = earlier_units(refund, order, &posted.draft, after_posting);
    let mut lines = Vec::new();
    let mut parts = zero;
    for (i, item) in refund.refund_line_items.nodes.iter().enumerate() {
        let earlier = taken.take(item, &posted.draft);
        if let Some(line) = credit_line(&mut ctx, posted, returned, (i, earlier), item) {
            if let Ok(total) = line.total() {
                parts = ctx.add(parts, total);
            }
            lines.push(line);
        }
    }

    let mut shipping_subtotal = zero;
    let mut shipping_tax = zero;
    for (i, s) in refund.refund_shipping_lines.nodes.iter().enumerate() {
        let sub = ctx.non_negative(
            &s.subtotal_amount_set,
            &format!("refundShippingLines[{i}].subtotalAmountSet"),
        );
        let tax = ctx.non_negative(
            &s.tax_amount_set,
            &format!("refundShippingLines[{i}].taxAmountSet"),
        );
        if let (Some(sub), Some(tax)) = (sub, tax) {
            shipping_subtotal = ctx.add(shipping_subtotal, sub);
            shipping_tax = ctx.add(shipping_tax, tax);
        }
    }
    let shipping_net = ctx.net_of(shipping_subtotal, shipping_tax);
    let shipping = if shipping_net.is_zero() && shipping_tax.is_zero() {
        None
    } else {
        let total = ctx.add(shipping_net, shipping_tax);
        parts = ctx.add(parts, total);
        match config.shipping_account() {
            Some(account) => {
                let taxes = ctx.split_tax(
                    shipping_tax,
                    &posted.draft.shipping().taxes,
                    "refundShippingLines.taxAmountSet",
                );
                Some(CreditShipping {
                    account: account.clone(),
                    amount: shipping_net,
                    tax: shipping_tax,
                    taxes,
                })
            }
            None => {
                ctx.errors.push(RefundException::UnmappedAccount {
                    refund: refund_ref.clone(),
                    account: RefundAccount::Shipping,
                    amount: total,
                });
                None
            }
        }
    };

    let mut charges = Vec::new();
    let mut duties = zero;
    for (i, d) in refund.duties.iter().flatten().enumerate() {
        if let Some(m) = ctx.non_negative(&d.amount_set, &format!("duties[{i}].amountSet")) {
            duties = ctx.add(duties, m);
        }
    }
    if !duties.is_zero() {
        parts = ctx.add(parts, duties);
        match config.duties() {
            Some(account) => charges.push(CreditCharge {
                kind: CreditChargeKind::Duties,
                item_id: account.item.clone(),
                account: account.account.clone(),
                amount: duties,
                tax: zero,
                reason: None,
            }),
            None => ctx.errors.push(RefundException::UnmappedAccount {
                refund: refund_ref.clone(),
                account: RefundAccount::Duties,
                amount: duties,
            }),
        }
    }

    for (i, a) in refund.order_adjustments.nodes.iter().enumerate() {
        let amount = ctx.money(&a.amount_set, &format!("orderAdjustments[{i}].amountSet"));
        let tax = ctx.money(
            &a.tax_amount_set,
            &format!("orderAdjustments[{i}].taxAmountSet"),
        );
        let (Some(amount), Some(tax)) = (amount, tax) else {
            continue;
        };
        // An adjustment is stated from the order's side: -5.00 is 5.00 more paid back.
        let (amount, tax) = (amount.negate(), tax.negate());
        if amount.is_zero() && tax.is_zero() {
            continue;
        }
        let total = ctx.add(amount, tax);
        parts = ctx.add(parts, total);
        match config.adjustments() {
            Some(account) => charges.push(CreditCharge {
                kind: CreditChargeKind::Adjustment,
                item_id: account.item.clone(),
                account: account.account.clone(),
                amount,
                tax,
                reason: a.reason.as_ref().map(|r| r.as_str().to_owned()),
            }),
            None => ctx.errors.push(RefundException::UnmappedAccount {
                refund: refund_ref.clone(),
                account: RefundAccount::Adjustments,
                amount: total,
            }),
        }
    }

    let total = ctx.money(&refund.total_refunded_set, "totalRefundedSet");
    if let (Some(total), true) = (total, ctx.errors.is_empty()) {
        let difference = ctx.sub(total, parts);
        if !difference.is_zero() {
            if difference.amount().abs() > config.difference_limit() {
                ctx.errors.push(RefundException::DoesNotBalance {
                    refund: refund_ref.clone(),
                    parts,
                    total,
                });
            } else if let Some(account) = config.adjustments() {
                charges.push(CreditCharge {
                    kind: CreditChargeKind::Difference,
                    item_id: account.item.clone(),
                    account: account.account.clone(),
                    amount: difference,
                    tax: zero,
                    reason: None,
                });
            } else {
                ctx.errors.push(RefundException::UnmappedAccount {
                    refund: refund_ref.clone(),
                    account: RefundAccount::Adjustments,
                    amount: difference,
                });
            }
        }
    }

    let (errors, total) = (ctx.errors, total);
    let total = match total {
        Some(total) if errors.is_empty() => total,
        _ => {
            return Err(RefundRejection {
                refund: refund_ref,
                exceptions: errors,
            });
        }
    };
    if lines.is_empty() && shipping.is_none() && charges.is_empty() && total.is_zero() {
        return Ok(RefundDecision::NothingToCredit);
    }
    Ok(RefundDecision::Credit(CreditDraft {
        refund_id: refund.id.clone(),
        order_id: order.id.clone(),
        order_name: order.name.clone(),
        sale_order_id: posted.sale_order_id.clone(),
        currency: posted.draft.currency(),
        processed_at: refund.processed_at,
        note: refund.note.clone(),
        lines,
        shipping,
        charges,
        total,
        finance_note: posted.paid_out.then_some(FinanceNote::RefundAfterPayout),
        unit_decimal_places: config.unit_decimal_places(),
    }))
}

/// Units of each posted line that refunds since posting took, counted in Shopify's order.
#[derive(Default)]
struct UnitsTaken(BTreeMap<LineItemId, i64>);

impl UnitsTaken {
    /// Counts `item` and answers the units of its line taken before it. An entry that would
    /// take more than was posted (refused as [`RefundException::MoreUnitsThanPosted`]), or
    /// of a line not posted, takes nothing.
    fn take(&mut self, item: &RefundLineItem, draft: &SaleOrderDraft) -> i64 {
        let line = &item.line_item.id;
        let earlier = self.0.get(line).copied().unwrap_or(0);
        let posted = draft
            .lines()
            .iter()
            .find(|l| &l.shopify_line_id == line)
            .map_or(0, |l| l.quantity);
        let after = earlier.saturating_add(item.quantity);
        if item.quantity > 0 && after <= posted {
            self.0.insert(line.clone(), after);
        }
        earlier
    }
}

/// The units of each line that the order's refunds before `refund` (in Shopify's order,
/// oldest first) took since the sale order was posted.
fn earlier_units(
    refund: &Refund,
    order: &OrderRefunds,
    draft: &SaleOrderDraft,
    after_posting: impl Fn(&Refund) -> bool,
) -> UnitsTaken {
    let created = |r: &Refund| r.created_at.unwrap_or(r.processed_at);
    let position = order.refunds.iter().position(|r| r.id == refund.id);
    let earlier = order
        .refunds
        .iter()
        .enumerate()
        .filter(|(i, r)| match position {
            Some(p) => *i < p,
            // A refund not in the order's list: the ones created before it.
            None => r.id != refund.id && created(r) < created(refund),
        });
    let mut taken = UnitsTaken::default();
    for (_, r) in earlier.filter(|(_, r)| after_posting(r)) {
        for item in &r.refund_line_items.nodes {
            taken.take(item, draft);
        }
    }
    taken
}

/// One refunded line as a credit line. `earlier` is the units of the line that earlier
/// refunds (and earlier entries of this one) already took since posting: they count against
/// the posted units, and they took the undispatched units first.
fn credit_line(
    ctx: &mut Ctx<'_>,
    posted: &SaleOrderFacts,
    returned: Option<&Return>,
    (i, earlier): (usize, i64),
    item: &RefundLineItem,
) -> Option<CreditLine> {
    let line_id = &item.line_item.id;
    if item.quantity <= 0 {
        ctx.invalid(
            &format!("refundLineItems[{i}].quantity"),
            item.quantity.to_string(),
            "must be positive",
        );
        return None;
    }
    let Some(draft_line) = posted
        .draft
        .lines()
        .iter()
        .find(|l| &l.shopify_line_id == line_id)
    else {
        ctx.errors.push(RefundException::LineNotPosted {
            refund: ctx.refund.clone(),
            line: line_id.clone(),
            sku: item.line_item.sku.clone(),
        });
        return None;
    };
    if earlier.saturating_add(item.quantity) > draft_line.quantity {
        ctx.errors.push(RefundException::MoreUnitsThanPosted {
            refund: ctx.refund.clone(),
            line: line_id.clone(),
            item_id: draft_line.item_id.clone(),
            refunded: item.quantity,
            posted: draft_line.quantity,
            earlier,
        });
        return None;
    }
    let subtotal = ctx.non_negative(
        &item.subtotal_set,
        &format!("refundLineItems[{i}].subtotalSet"),
    );
    let tax = ctx.non_negative(
        &item.total_tax_set,
        &format!("refundLineItems[{i}].totalTaxSet"),
    );
    let (subtotal, tax) = (subtotal?, tax?);
    let net = ctx.net_of(subtotal, tax);
    let taxes = ctx.split_tax(
        tax,
        &draft_line.taxes,
        &format!("refundLineItems[{i}].totalTaxSet"),
    );

    let dispatched = posted.dispatched_units.get(line_id).copied().unwrap_or(0);
    let open = draft_line.quantity.saturating_sub(dispatched).max(0);
    // Earlier refunds took the undispatched units first.
    let open = open.saturating_sub(earlier.min(open));
    let from_open = item.quantity.min(open);
    let shipped = item.quantity.saturating_sub(from_open);
    let mut stock = vec![StockMovement {
        units: from_open,
        effect: StockEffect::RemoveFromOrder,
    }];
    match &item.restock_type {
        RestockType::Cancel => {
            if shipped > 0 {
                ctx.errors.push(RefundException::CancelOfDispatchedUnits {
                    refund: ctx.refund.clone(),
                    line: line_id.clone(),
                    item_id: draft_line.item_id.clone(),
                    cancelled: item.quantity,
                    open,
                });
                return None;
            }
        }
        RestockType::Return | RestockType::LegacyRestock | RestockType::NoRestock => {
            let money_only = item.restock_type == RestockType::NoRestock;
            let mut left = shipped;
            for (units, effect) in dispositions(returned, line_id) {
                let units = units.min(left);
                if units <= 0 {
                    continue;
                }
                left = left.saturating_sub(units);
                let effect = match effect {
                    DispositionEffect::Restock(location) => restock_effect(
                        ctx,
                        line_id,
                        location.or(item.location.as_ref().map(|l| &l.id)),
                    )?,
                    DispositionEffect::Not(reason) => StockEffect::NotRestocked { reason },
                };
                stock.push(StockMovement { units, effect });
            }
            if left > 0 {
                let effect = if money_only {
                    StockEffect::NotRestocked {
                        reason: NotRestockedReason::MoneyOnly,
                    }
                } else {
                    restock_effect(ctx, line_id, item.location.as_ref().map(|l| &l.id))?
                };
                stock.push(StockMovement {
                    units: left,
                    effect,
                });
            }
        }
        RestockType::Unknown(value) => {
            ctx.errors.push(RefundException::UnknownRestockType {
                refund: ctx.refund.clone(),
                line: line_id.clone(),
                value: value.clone(),
            });
            return None;
        }
    }
    stock.retain(|m| m.units > 0);
    Some(CreditLine {
        shopify_line_id: line_id.clone(),
        sku: draft_line.sku.clone(),
        item_id: draft_line.item_id.clone(),
        name: draft_line.name.clone(),
        quantity: item.quantity,
        net,
        tax,
        taxes,
        stock,
        bundle: draft_line.bundle.clone(),
        stokly_composite: draft_line.stokly_composite,
    })
}

enum DispositionEffect<'a> {
    Restock(Option<&'a crate::shopify::LocationId>),
    Not(NotRestockedReason),
}

/// The dispositions of a processed return for one order line, in Shopify's order.
fn dispositions<'a>(
    returned: Option<&'a Return>,
    line: &LineItemId,
) -> Vec<(i64, DispositionEffect<'a>)> {
    let Some(returned) = returned else {
        return Vec::new();
    };
    returned
        .reverse_fulfillment_orders
        .nodes
        .iter()
        .flat_map(|rfo| rfo.line_items.nodes.iter())
        .filter(|li| {
            li.fulfillment_line_item
                .as_ref()
                .is_some_and(|f| &f.line_item.id == line)
        })
        .flat_map(|li| li.dispositions.iter())
        .map(|d| {
            let effect = match &d.kind {
                DispositionType::Restocked => {
                    DispositionEffect::Restock(d.location.as_ref().map(|l| &l.id))
                }
                DispositionType::NotRestocked => {
                    DispositionEffect::Not(NotRestockedReason::NotRestocked)
                }
                DispositionType::Missing => DispositionEffect::Not(NotRestockedReason::Missing),
                DispositionType::ProcessingRequired | DispositionType::Unknown(_) => {
                    DispositionEffect::Not(NotRestockedReason::ProcessingRequired)
                }
            };
            (d.quantity, effect)
        })
        .collect()
}

fn restock_effect(
    ctx: &mut Ctx<'_>,
    line: &LineItemId,
    location: Option<&crate::shopify::LocationId>,
) -> Option<StockEffect> {
    match ctx.config.restock_location(location) {
        Some(l) => Some(StockEffect::Restock {
            location: l.clone(),
        }),
        None => {
            ctx.errors.push(RefundException::UnmappedRestockLocation {
                refund: ctx.refund.clone(),
                line: line.clone(),
                location: location.cloned(),
            });
            None
        }
    }
}
