//! `map_order`: one Shopify order to one sale-order draft, or the reasons it cannot be.

use rust_decimal::Decimal;

use super::config::{CashRoundingDown, CurrencyPolicy, CustomerMatch, OrderMappingConfig, TaxKey};
use super::draft::{
    BundleRef, ChargeKind, CustomerLookup, DraftCharge, DraftLine, DraftPayment, DraftShipping,
    DraftTax, OmissionReason, OmittedLine, SaleOrderDraft,
};
use super::rejection::{
    LineSubject, OrderException, OrderPart, OrderRejection, OrderSubject, PaymentMeasure,
    SkipReason, ValueProblem,
};
use crate::domain::catalogue::{SkuIndex, StoklyMatch};
use crate::money::{CurrencyCode, Money, MoneyError};
use crate::shopify::model::{
    CountPrecision, LineItem, MailingAddress, MoneyBag, Order, PurchasingEntity, ShippingLine,
    TaxLine, TransactionKind, TransactionStatus,
};
use crate::stokly::model::lenient::exact_number;
use crate::stokly::model::{Address, PersonName};

/// Maps a Shopify order to a Stokly sale-order draft.
///
/// See the [module docs](super) for the rules. The order is first gated (status, test,
/// cancelled); then every line and tax is checked, and all problems are reported together.
///
/// # Errors
/// [`OrderRejection::Skipped`] when the gate keeps the order out (or no line has current
/// units); [`OrderRejection::Rejected`] with one [`OrderException`] per bad line, per
/// unmapped tax key, or for a total that cannot be made to equal Shopify's.
pub fn map_order(
    order: &Order,
    index: &SkuIndex,
    config: &OrderMappingConfig,
) -> Result<SaleOrderDraft, OrderRejection> {
    let subject = OrderSubject::new(order.id.clone(), order.name.clone());
    if let Some(reason) = gate(order, config) {
        return Err(OrderRejection::Skipped {
            order: subject,
            reason,
        });
    }
    let mut mapper = Mapper {
        order,
        config,
        subject: subject.clone(),
        currency: config.currency_policy().currency_of(order),
        exceptions: incomplete(order, &subject),
        unmapped: Vec::new(),
        split_lines: 0,
        off_lines: None,
    };
    let (lines, omitted_lines) = mapper.lines(index);
    let shipping = mapper.shipping();
    let charges = mapper.charges();
    let totals = mapper.order_totals();
    let split_lines = mapper.split_lines;
    let off_lines = mapper.off_lines;
    let mut exceptions = mapper.exceptions;
    exceptions.extend(b2b_price_exceptions(order, &subject, config));
    let (payments, payment_exceptions) = payments(order, &subject, config, mapper.currency);
    exceptions.extend(payment_exceptions);
    exceptions.extend(
        mapper
            .unmapped
            .into_iter()
            .map(|key| OrderException::UnmappedTax {
                order: subject.clone(),
                key,
            }),
    );
    let (Some(mut lines), Some(shipping), Some(charges), Some(totals), true) =
        (lines, shipping, charges, totals, exceptions.is_empty())
    else {
        return Err(rejected(subject, exceptions));
    };
    if lines.is_empty() {
        return Err(OrderRejection::Skipped {
            order: subject,
            reason: SkipReason::NothingToPost,
        });
    }
    let currency = mapper.currency;
    // Only splitting a partly removed line's amounts leaves a remainder (at most one minor
    // unit each); the configured limit bounds it per order.
    let allowance = Decimal::new(1, currency.minor_units())
        .checked_mul(Decimal::from(
            split_lines.min(usize::try_from(config.rounding_limit()).unwrap_or(usize::MAX)),
        ))
        .unwrap_or(Decimal::ZERO);
    // The sale order is for what changed hands: Shopify's total plus the cash rounding.
    let rounding = charges
        .iter()
        .filter(|c| c.kind == ChargeKind::CashRounding)
        .map(|c| &c.total)
        .chain(off_lines.as_ref());
    let target = match Money::sum(currency, rounding).and_then(|r| totals.total.checked_add(&r)) {
        Ok(target) => target,
        Err(e) => {
            let invalid = OrderException::InvalidAmount {
                order: subject.clone(),
                detail: format!("the cash rounding: {e}"),
            };
            return Err(rejected(subject, vec![invalid]));
        }
    };
    if let Some(down) = off_lines {
        if !take_off_lines(&mut lines, down) {
            let refused = OrderException::CashRoundedDown {
                order: subject.clone(),
                amount: down,
            };
            return Err(rejected(subject, vec![refused]));
        }
    }
    let adjustment = match reconcile(order, target, allowance, &mut lines, &charges, &shipping) {
        Ok(adjustment) => adjustment,
        Err(exception) => return Err(rejected(subject, vec![*exception])),
    };
    let tax_exceptions = check_taxes(
        order, &subject, config, totals.tax, allowance, &lines, &charges, &shipping,
    );
    if !tax_exceptions.is_empty() {
        return Err(rejected(subject, tax_exceptions));
    }
    for line in &mut lines {
        set_unit_amounts(line, config);
    }
    let unsendable = unsendable(&subject, order, &lines, &charges, &shipping, &payments);
    if !unsendable.is_empty() {
        return Err(rejected(subject, unsendable));
    }
    Ok(SaleOrderDraft {
        shopify_order_id: order.id.clone(),
        source_reference_id: order.id.numeric_id().to_string(),
        customer_reference: order.name.clone(),
        channel: config.channel().clone(),
        currency,
        ordered_at: order.processed_at,
        taxes_included: order.taxes_included,
        customer: customer(order, config.customer_match()),
        shipping,
        lines,
        charges,
        omitted_lines,
        payments,
        rounding_adjustment: adjustment,
        cash_rounding_off_lines: off_lines,
        total: target,
        tags: order.tags.clone(),
    })
}

/// An exception for each part of the order that was not read completely: a connection that
/// still has a next page, or fewer transactions than Shopify counts.
fn incomplete(order: &Order, subject: &OrderSubject) -> Vec<OrderException> {
    let mut out = Vec::new();
    let paged = [
        (
            OrderPart::LineItems,
            order.line_items.page_info.has_next_page,
            order.line_items.nodes.len(),
        ),
        (
            OrderPart::ShippingLines,
            order.shipping_lines.page_info.has_next_page,
            order.shipping_lines.nodes.len(),
        ),
    ];
    for (part, more, read) in paged {
        if more {
            out.push(OrderException::IncompleteOrder {
                order: subject.clone(),
                part,
                read,
                expected: None,
            });
        }
    }
    if let Some(count) = &order.transactions_count {
        let read = order.transactions.len();
        let short = i64::try_from(read).map_or(true, |r| r < count.count);
        if short || count.precision != CountPrecision::Exact {
            out.push(OrderException::IncompleteOrder {
                order: subject.clone(),
                part: OrderPart::Transactions,
                read,
                expected: Some(count.count),
            });
        }
    }
    out
}

fn rejected(order: OrderSubject, exceptions: Vec<OrderException>) -> OrderRejection {
    OrderRejection::Rejected { order, exceptions }
}

fn gate(order: &Order, config: &OrderMappingConfig) -> Option<SkipReason> {
    if order.cancelled_at.is_some() {
        return Some(SkipReason::Cancelled);
    }
    if order.test && !config.gate().posts_test_orders() {
        return Some(SkipReason::TestOrder);
    }
    if !config
        .gate()
        .admits(order.display_financial_status.as_ref())
    {
        return Some(SkipReason::FinancialStatus {
            status: order.display_financial_status.clone(),
        });
    }
    None
}

/// The running state of one mapping: what has gone wrong so far.
struct Mapper<'a> {
    order: &'a Order,
    config: &'a OrderMappingConfig,
    subject: OrderSubject,
    currency: CurrencyCode,
    exceptions: Vec<OrderException>,
    unmapped: Vec<TaxKey>,
    /// Lines whose amounts were split between current and removed units.
    split_lines: usize,
    /// Cash rounded down, to be taken off the goods lines ([`CashRoundingDown::OffTheLines`]).
    off_lines: Option<Money>,
}

/// Shopify's current totals in the posting currency.
struct OrderTotals {
    total: Money,
    tax: Money,
}

/// An amount problem, described for a person.
struct AmountFault(String);

impl AmountFault {
    fn from_money(what: &str, error: &MoneyError) -> Self {
        Self(format!("{what}: {error}"))
    }
}

impl Mapper<'_> {
    /// The amount of `bag` in the posting currency, checked.
    fn pick(&self, bag: &MoneyBag, what: &str) -> Result<Money, AmountFault> {
        let money = self.config.currency_policy().pick(bag);
        if money.currency() == self.currency {
            Ok(money)
        } else {
            Err(AmountFault(format!(
                "{what} is in {} but the order posts in {}",
                money.currency(),
                self.currency
            )))
        }
    }

    /// `money` unless it is finer than the currency's minor unit.
    fn exact(&self, money: Money, what: &str, field: &str) -> Result<Money, AmountFault> {
        if finer_than_minor_unit(money) {
            Err(AmountFault(format!(
                "{what}: {field} {} is finer than the minor unit of {}",
                money.amount(),
                money.currency()
            )))
        } else {
            Ok(money)
        }
    }

    fn line_value(
        &mut self,
        line: &LineSubject,
        field: &str,
        value: Decimal,
        problem: ValueProblem,
    ) {
        self.exceptions.push(OrderException::InvalidLineValue {
            order: self.subject.clone(),
            line: line.clone(),
            field: field.to_owned(),
            value,
            problem,
        });
    }

    /// Checks a line's quantities against the limit and its amounts for sign and precision;
    /// records one exception per bad value and answers whether all were good.
    fn check_line_values(&mut self, line: &LineItem, subject: &LineSubject) -> bool {
        let before = self.exceptions.len();
        let limit = self.config.max_line_quantity();
        for (field, units) in [
            ("quantity", line.quantity),
            ("currentQuantity", line.current_quantity),
        ] {
            if units > limit {
                self.line_value(subject, field, Decimal::from(units), ValueProblem::TooLarge);
            }
        }
        let policy = self.config.currency_policy();
        let mut amounts = vec![
            (
                "originalUnitPriceSet",
                policy.pick(&line.original_unit_price_set),
            ),
            ("originalTotalSet", policy.pick(&line.original_total_set)),
            ("totalDiscountSet", policy.pick(&line.total_discount_set)),
        ];
        amounts.extend(
            line.tax_lines
                .iter()
                .map(|t| ("taxLines.priceSet", policy.pick(&t.price_set))),
        );
        for duty in &line.duties {
            amounts.push(("duties.price", policy.pick(&duty.price)));
            amounts.extend(
                duty.tax_lines
                    .iter()
                    .map(|t| ("duties.taxLines.priceSet", policy.pick(&t.price_set))),
            );
        }
        for (field, money) in amounts {
            if money.amount().is_sign_negative() && !money.amount().is_zero() {
                self.line_value(subject, field, money.amount(), ValueProblem::Negative);
            } else if finer_than_minor_unit(money) {
                self.line_value(
                    subject,
                    field,
                    money.amount(),
                    ValueProblem::FinerThanMinorUnit,
                );
            }
        }
        self.exceptions.len() == before
    }

    fn fault(&mut self, fault: AmountFault) {
        self.exceptions.push(OrderException::InvalidAmount {
            order: self.subject.clone(),
            detail: fault.0,
        });
    }

    /// The draft lines and the omitted lines; `None` when a line was rejected.
    fn lines(&mut self, index: &SkuIndex) -> (Option<Vec<DraftLine>>, Vec<OmittedLine>) {
        let mut lines = Vec::new();
        let mut omitted = Vec::new();
        let mut ok = true;
        for line in &self.order.line_items.nodes {
            let subject = LineSubject {
                id: line.id.clone(),
                sku: line.sku.clone(),
                name: line.name.clone(),
                variant: line.variant.as_ref().map(|v| v.id.clone()),
            };
            if line.current_quantity < 0 || line.current_quantity > line.quantity {
                self.exceptions.push(OrderException::InvalidQuantity {
                    order: self.subject.clone(),
                    line: subject,
                    quantity: line.quantity,
                    current_quantity: line.current_quantity,
                });
                ok = false;
                continue;
            }
            if !self.check_line_values(line, &subject) {
                ok = false;
                continue;
            }
            if line.current_quantity == 0 {
                omitted.push(OmittedLine {
                    shopify_line_id: line.id.clone(),
                    sku: line.sku.clone(),
                    name: line.name.clone(),
                    quantity: line.quantity,
                    reason: OmissionReason::NoCurrentUnits,
                });
                continue;
            }
            let entry = match index.match_stokly(line.sku.as_deref()) {
                StoklyMatch::Unique(entry) => Some(entry),
                StoklyMatch::Blank => {
                    self.exceptions.push(OrderException::BlankSku {
                        order: self.subject.clone(),
                        line: subject,
                    });
                    None
                }
                StoklyMatch::NotFound => {
                    self.exceptions.push(OrderException::UnknownSku {
                        order: self.subject.clone(),
                        line: subject,
                    });
                    None
                }
                StoklyMatch::Ambiguous(entries) => {
                    self.exceptions.push(OrderException::DuplicateSku {
                        order: self.subject.clone(),
                        line: subject,
                        items: entries.iter().map(|e| e.id.clone()).collect(),
                    });
                    None
                }
                StoklyMatch::DeletedOnly(entries) => {
                    self.exceptions.push(OrderException::SkuOnDeletedItem {
                        order: self.subject.clone(),
                        line: subject,
                        items: entries.iter().map(|e| e.id.clone()).collect(),
                    });
                    None
                }
            };
            // Amounts and taxes are checked on every line, so one pass reports everything.
            let amounts = self.line_amounts(line);
            let (Some(entry), Some(amounts), Some(sku)) = (entry, amounts, line.sku.clone()) else {
                ok = false;
                continue;
            };
            lines.push(DraftLine {
                shopify_line_id: line.id.clone(),
                sku,
                item_id: entry.id.clone(),
                name: line.name.clone(),
                quantity: line.current_quantity,
                unit_price: Decimal::ZERO,
                unit_tax: Decimal::ZERO,
                unit_discount: Decimal::ZERO,
                line_price: amounts.net,
                line_tax: amounts.tax,
                line_discount: amounts.discount,
                line_total: amounts.total,
                taxes: amounts.taxes,
                bundle: line.line_item_group.as_ref().map(|g| BundleRef {
                    group_id: g.id.clone(),
                    title: g.title.clone(),
                    sku: g.variant_sku.clone(),
                    quantity: g.quantity,
                }),
                stokly_composite: entry.is_composite(),
                requires_shipping: line.requires_shipping,
            });
        }
        (ok.then_some(lines), omitted)
    }

    /// A line's amounts for its current units; `None` after recording the problem.
    fn line_amounts(&mut self, line: &LineItem) -> Option<Amounts> {
        match self.try_line_amounts(line) {
            Ok(amounts) => amounts,
            Err(fault) => {
                self.fault(fault);
                None
            }
        }
    }

    fn try_line_amounts(&mut self, line: &LineItem) -> Result<Option<Amounts>, AmountFault> {
        let what = format!("line {}", line.id.numeric_id());
        let original = self.pick(&line.original_total_set, &what)?;
        let discount = self.pick(&line.total_discount_set, &what)?;
        let after_discounts = original
            .checked_sub(&discount)
            .map_err(|e| AmountFault::from_money(&what, &e))?;
        if line.current_quantity != line.quantity {
            self.split_lines = self.split_lines.saturating_add(1);
        }
        let share = |amount: Money| current_share(amount, line.current_quantity, line.quantity);
        let gross = share(after_discounts).map_err(|e| AmountFault::from_money(&what, &e))?;
        let discount = share(discount).map_err(|e| AmountFault::from_money(&what, &e))?;
        let taxes = self.taxes(&line.tax_lines, &what, share)?;
        let Some(taxes) = taxes else {
            return Ok(None);
        };
        Ok(Some(self.split(gross, discount, taxes, &what)?))
    }

    /// Net, tax and total from a gross amount (tax included or not, as the order says).
    fn split(
        &self,
        gross: Money,
        discount: Money,
        taxes: Vec<DraftTax>,
        what: &str,
    ) -> Result<Amounts, AmountFault> {
        let tax = Money::sum(self.currency, taxes.iter().map(|t| &t.amount))
            .map_err(|e| AmountFault::from_money(what, &e))?;
        let (net, total) = if self.order.taxes_included {
            (gross.checked_sub(&tax), Ok(gross))
        } else {
            (Ok(gross), gross.checked_add(&tax))
        };
        Ok(Amounts {
            net: net.map_err(|e| AmountFault::from_money(what, &e))?,
            tax,
            discount,
            total: total.map_err(|e| AmountFault::from_money(what, &e))?,
            taxes,
        })
    }

    /// Tax lines with their accounts, each amount passed through `scale`; `None` when a key
    /// is unmapped (recorded once per key).
    fn taxes(
        &mut self,
        lines: &[TaxLine],
        what: &str,
        scale: impl Fn(Money) -> Result<Money, MoneyError>,
    ) -> Result<Option<Vec<DraftTax>>, AmountFault> {
        let mut out = Vec::with_capacity(lines.len());
        let mut complete = true;
        for line in lines {
            let key = TaxKey::of(line);
            let amount =
                scale(self.exact(self.pick(&line.price_set, what)?, what, "taxLines.priceSet")?)
                    .map_err(|e| AmountFault::from_money(what, &e))?;
            match self.config.tax_accounts().account(&key) {
                Some(account) => out.push(DraftTax {
                    key,
                    account: account.clone(),
                    amount,
                }),
                None => {
                    complete = false;
                    if !self.unmapped.contains(&key) {
                        self.unmapped.push(key);
                    }
                }
            }
        }
        Ok(complete.then_some(out))
    }

    /// Shipping from the shipping lines not removed; `None` after recording a problem.
    fn shipping(&mut self) -> Option<DraftShipping> {
        match self.try_shipping() {
            Ok(shipping) => shipping,
            Err(fault) => {
                self.fault(fault);
                None
            }
        }
    }

    fn try_shipping(&mut self) -> Result<Option<DraftShipping>, AmountFault> {
        let zero = Money::zero(self.currency);
        let live: Vec<&ShippingLine> = self
            .order
            .shipping_lines
            .nodes
            .iter()
            .filter(|s| !s.is_removed)
            .collect();
        let mut gross = zero;
        let mut discount = zero;
        let mut taxes = Vec::new();
        let mut complete = true;
        for line in &live {
            let what = format!("shipping line \"{}\"", line.title);
            let price = self.exact(
                self.pick(&line.current_discounted_price_set, &what)?,
                &what,
                "currentDiscountedPriceSet",
            )?;
            let original = self.exact(
                self.pick(&line.original_price_set, &what)?,
                &what,
                "originalPriceSet",
            )?;
            let discounted = self.exact(
                self.pick(&line.discounted_price_set, &what)?,
                &what,
                "discountedPriceSet",
            )?;
            let add = |a: Money, b: Money| {
                a.checked_add(&b)
                    .map_err(|e| AmountFault::from_money(&what, &e))
            };
            gross = add(gross, price)?;
            let off = original
                .checked_sub(&discounted)
                .map_err(|e| AmountFault::from_money(&what, &e))?;
            discount = add(discount, off)?;
            // A shipping line's tax lines are as charged; a shipping refund lowers only its
            // current price, so the tax follows the current share of the price.
            if price != discounted {
                self.split_lines = self.split_lines.saturating_add(1);
            }
            let share = |tax: Money| current_price_share(tax, price, discounted);
            match self.taxes(&line.tax_lines, &what, share)? {
                Some(line_taxes) => taxes.extend(line_taxes),
                None => complete = false,
            }
        }
        if !complete {
            return Ok(None);
        }
        let amounts = self.split(gross, discount, taxes, "shipping")?;
        let titles: Vec<&str> = live.iter().map(|s| s.title.as_str()).collect();
        let address = self.order.shipping_address.as_ref();
        Ok(Some(DraftShipping {
            method: (!titles.is_empty()).then(|| titles.join(" + ")),
            recipient: address.and_then(recipient),
            address: address.map(stokly_address),
            cost: amounts.net,
            tax: amounts.tax,
            discount: amounts.discount,
            taxes: amounts.taxes,
        }))
    }
}

impl Mapper<'_> {
    /// Tips, duties and additional fees as charges; `None` after recording a problem.
    fn charges(&mut self) -> Option<Vec<DraftCharge>> {
        let mut out = Vec::new();
        let mut ok = true;
        for kind in ChargeKind::ALL {
            match self.charge(kind) {
                Ok(ChargeOutcome::Charge(charge)) => out.push(charge),
                Ok(ChargeOutcome::Absent) => {}
                Ok(ChargeOutcome::Recorded) => ok = false,
                Err(fault) => {
                    self.fault(fault);
                    ok = false;
                }
            }
        }
        ok.then_some(out)
    }

    /// One charge of `kind`.
    fn charge(&mut self, kind: ChargeKind) -> Result<ChargeOutcome, AmountFault> {
        let order = self.order;
        let what = kind.label();
        let (gross, taxed) = match kind {
            ChargeKind::Tip => (Some(self.pick(&order.total_tip_received_set, what)?), false),
            ChargeKind::Duties => (
                self.pick_optional(order.current_total_duties_set.as_ref(), what)?,
                order
                    .line_items
                    .nodes
                    .iter()
                    .flat_map(|l| l.duties.iter())
                    .any(|d| !d.tax_lines.is_empty()),
            ),
            ChargeKind::AdditionalFees => (
                self.pick_optional(order.current_total_additional_fees_set.as_ref(), what)?,
                order
                    .additional_fees
                    .iter()
                    .any(|f| !f.tax_lines.is_empty()),
            ),
            ChargeKind::CashRounding => (self.cash_rounding(what)?, false),
        };
        let Some(gross) = gross else {
            return Ok(ChargeOutcome::Absent);
        };
        let gross = self.exact(gross, what, "amount")?;
        if gross.is_zero() && !taxed {
            return Ok(ChargeOutcome::Absent);
        }
        if gross.amount().is_sign_negative() {
            if kind == ChargeKind::CashRounding {
                // A Stokly sale-order line takes no negative price (the client refuses one),
                // so cash rounded down cannot be a line: taken off the goods lines when the
                // configuration says so, otherwise refused here, not when posting.
                return Ok(match self.config.cash_rounding_down() {
                    CashRoundingDown::OffTheLines => {
                        self.off_lines = Some(gross);
                        ChargeOutcome::Absent
                    }
                    CashRoundingDown::Refuse => {
                        self.exceptions.push(OrderException::CashRoundedDown {
                            order: self.subject.clone(),
                            amount: gross,
                        });
                        ChargeOutcome::Recorded
                    }
                });
            }
            return Err(AmountFault(format!(
                "{what}: the amount {gross} is negative"
            )));
        }
        let taxes = match kind {
            ChargeKind::Tip | ChargeKind::CashRounding => Some(Vec::new()),
            ChargeKind::Duties => self.duty_taxes(what)?,
            ChargeKind::AdditionalFees => {
                let owned: Vec<TaxLine> = order
                    .additional_fees
                    .iter()
                    .flat_map(|f| f.tax_lines.iter())
                    .cloned()
                    .collect();
                self.taxes(&owned, what, Ok)?
            }
        };
        let Some(taxes) = taxes else {
            return Ok(ChargeOutcome::Recorded);
        };
        let amounts = self.split(gross, Money::zero(self.currency), taxes, what)?;
        if amounts.net.amount().is_sign_negative() && !amounts.net.is_zero() {
            // Taxes larger than a tax-inclusive amount: no line can carry that.
            return Err(AmountFault(format!(
                "{what}: its taxes {} are more than its amount {gross}",
                amounts.tax
            )));
        }
        let Some(account) = self.config.charge_account(kind) else {
            self.exceptions.push(OrderException::UnmappedCharge {
                order: self.subject.clone(),
                charge: kind,
                amount: gross,
            });
            return Ok(ChargeOutcome::Recorded);
        };
        Ok(ChargeOutcome::Charge(DraftCharge {
            kind,
            item_id: account.item.clone(),
            account: account.account.clone(),
            amount: amounts.net,
            tax: amounts.tax,
            total: amounts.total,
            taxes: amounts.taxes,
        }))
    }

    /// The amount of an optional bag (`None` when Shopify gave none).
    fn pick_optional(
        &self,
        bag: Option<&MoneyBag>,
        what: &str,
    ) -> Result<Option<Money>, AmountFault> {
        bag.map(|b| self.pick(b, what)).transpose()
    }

    /// The taxes on the duties of the lines, each duty's share for the line's current units
    /// (as a line's own taxes are shared); `None` when a key is unmapped (recorded once per
    /// key). Lines with impossible quantities are left out: they reject the order already.
    fn duty_taxes(&mut self, what: &str) -> Result<Option<Vec<DraftTax>>, AmountFault> {
        let order = self.order;
        let mut out = Vec::new();
        let mut complete = true;
        for line in &order.line_items.nodes {
            if line.duties.is_empty()
                || line.current_quantity < 0
                || line.current_quantity > line.quantity
            {
                continue;
            }
            let (current, quantity) = (line.current_quantity, line.quantity);
            let split = current != quantity
                && line
                    .duties
                    .iter()
                    .flat_map(|d| d.tax_lines.iter())
                    .next()
                    .is_some();
            if split {
                // Sharing a duty's tax leaves at most one minor unit, as sharing a line does.
                self.split_lines = self.split_lines.saturating_add(1);
            }
            let share = |amount: Money| current_share(amount, current, quantity);
            for duty in &line.duties {
                match self.taxes(&duty.tax_lines, what, share)? {
                    Some(taxes) => out.extend(taxes),
                    None => complete = false,
                }
            }
        }
        Ok(complete.then_some(out))
    }

    /// The order's net cash rounding in the posting currency: the payments' rounding less
    /// the refunds' (`totalCashRoundingAdjustment`), `None` when the order was read without
    /// it.
    fn cash_rounding(&self, what: &str) -> Result<Option<Money>, AmountFault> {
        let Some(adjustment) = &self.order.total_cash_rounding_adjustment else {
            return Ok(None);
        };
        let paid = self.exact(
            self.pick(&adjustment.payment_set, what)?,
            what,
            "totalCashRoundingAdjustment.paymentSet",
        )?;
        let refunded = self.exact(
            self.pick(&adjustment.refund_set, what)?,
            what,
            "totalCashRoundingAdjustment.refundSet",
        )?;
        paid.checked_sub(&refunded)
            .map(Some)
            .map_err(|e| AmountFault::from_money(what, &e))
    }

    /// Shopify's current total and total tax, checked; `None` after recording a problem.
    fn order_totals(&mut self) -> Option<OrderTotals> {
        let order = self.order;
        let checked = |bag: &MoneyBag, field: &str| {
            self.exact(self.pick(bag, "the order")?, "the order", field)
        };
        let totals =
            checked(&order.current_total_price_set, "currentTotalPriceSet").and_then(|total| {
                let tax = checked(&order.current_total_tax_set, "currentTotalTaxSet")?;
                Ok(OrderTotals { total, tax })
            });
        match totals {
            Ok(totals) => Some(totals),
            Err(fault) => {
                self.fault(fault);
                None
            }
        }
    }
}

/// What one kind of charge came to.
enum ChargeOutcome {
    /// The order has none.
    Absent,
    /// A charge to post.
    Charge(DraftCharge),
    /// A problem, already recorded.
    Recorded,
}

fn finer_than_minor_unit(money: Money) -> bool {
    let places = money.currency().minor_units();
    money.amount().round_dp(places) != money.amount()
}

/// A line's or shipping's amounts.
struct Amounts {
    net: Money,
    tax: Money,
    discount: Money,
    total: Money,
    taxes: Vec<DraftTax>,
}

/// The part of `amount` (for `quantity` units) that belongs to `current` units, allocated so
/// that the current and removed parts sum exactly to `amount`.
fn current_share(amount: Money, current: i64, quantity: i64) -> Result<Money, MoneyError> {
    if current == quantity || amount.is_zero() {
        return Ok(amount);
    }
    let parts = amount.allocate(&[Decimal::from(current), Decimal::from(quantity - current)])?;
    Ok(parts.first().copied().unwrap_or(amount))
}

/// The part of a shipping line's `tax` that its current price `current` (after refunds)
/// carries of the price charged, `charged`, allocated so that the current and refunded parts
/// sum exactly to `tax`.
fn current_price_share(tax: Money, current: Money, charged: Money) -> Result<Money, MoneyError> {
    if current == charged || tax.is_zero() {
        return Ok(tax);
    }
    let current = current.amount().max(Decimal::ZERO);
    let refunded = (charged.amount() - current).max(Decimal::ZERO);
    if current.is_zero() {
        return Ok(Money::zero(tax.currency()));
    }
    let parts = tax.allocate(&[current, refunded])?;
    Ok(parts.first().copied().unwrap_or(tax))
}

/// Makes the draft total equal `shopify_total`: Shopify's current total, plus the cash
/// rounding when there is any. Shopify's line,
/// charge and shipping amounts are the authority and normally add up exactly; the only
/// remainder this mapping creates is from splitting a partly removed line's amounts between
/// its current and removed units. Up to `allowance` (one minor unit per split line, at most
/// the configured per-order limit) is allocated across the lines' net prices in proportion to
/// their totals (`Money::allocate`, so the parts sum exactly). Anything larger, or anything
/// at all on an order with no split line, is a [`OrderException::TotalMismatch`].
fn reconcile(
    order: &Order,
    shopify_total: Money,
    allowance: Decimal,
    lines: &mut [DraftLine],
    charges: &[DraftCharge],
    shipping: &DraftShipping,
) -> Result<Money, Box<OrderException>> {
    let subject = || OrderSubject::new(order.id.clone(), order.name.clone());
    let invalid = |e: MoneyError| {
        Box::new(OrderException::InvalidAmount {
            order: subject(),
            detail: format!("the order total: {e}"),
        })
    };
    let draft = draft_total(lines, charges, shipping).map_err(invalid)?;
    let difference = shopify_total.checked_sub(&draft).map_err(invalid)?;
    if difference.is_zero() {
        return Ok(difference);
    }
    let weights: Vec<Decimal> = lines.iter().map(|l| l.line_total.amount().abs()).collect();
    let mismatch = || {
        Box::new(OrderException::TotalMismatch {
            order: subject(),
            draft_total: draft,
            shopify_total,
            difference,
        })
    };
    if difference.amount().abs() > allowance || weights.iter().all(Decimal::is_zero) {
        return Err(mismatch());
    }
    let parts = difference.allocate(&weights).map_err(|_| mismatch())?;
    for (line, part) in lines.iter_mut().zip(parts) {
        line.line_price = line.line_price.checked_add(&part).map_err(invalid)?;
        line.line_total = line.line_total.checked_add(&part).map_err(invalid)?;
    }
    if draft_total(lines, charges, shipping).ok() == Some(shopify_total) {
        Ok(difference)
    } else {
        Err(mismatch())
    }
}

/// Takes cash rounded `down` (negative) off the lines' net prices, shared in proportion to
/// their totals so the parts sum exactly; `false` (nothing changed) when the lines have no
/// total to share it over or a line's net price would go below zero.
fn take_off_lines(lines: &mut [DraftLine], down: Money) -> bool {
    let weights: Vec<Decimal> = lines.iter().map(|l| l.line_total.amount().abs()).collect();
    if weights.iter().all(Decimal::is_zero) {
        return false;
    }
    let Ok(parts) = down.allocate(&weights) else {
        return false;
    };
    let mut changed = Vec::with_capacity(lines.len());
    for (line, part) in lines.iter().zip(&parts) {
        match (
            line.line_price.checked_add(part),
            line.line_total.checked_add(part),
        ) {
            (Ok(price), Ok(total)) if !price.amount().is_sign_negative() || price.is_zero() => {
                changed.push((price, total));
            }
            _ => return false,
        }
    }
    for (line, (price, total)) in lines.iter_mut().zip(changed) {
        line.line_price = price;
        line.line_total = total;
    }
    true
}

fn draft_total(
    lines: &[DraftLine],
    charges: &[DraftCharge],
    shipping: &DraftShipping,
) -> Result<Money, MoneyError> {
    let currency = shipping.cost.currency();
    let lines = Money::sum(currency, lines.iter().map(|l| &l.line_total))?;
    let charges = Money::sum(currency, charges.iter().map(|c| &c.total))?;
    lines
        .checked_add(&charges)?
        .checked_add(&shipping.cost)?
        .checked_add(&shipping.tax)
}

/// Checks the draft's taxes against Shopify's current total tax and, when Shopify gives
/// them, its current order-level tax lines (by title and rate). A difference beyond
/// `allowance` (the split-line remainder) is a [`OrderException::TaxMismatch`]; taxes are
/// never adjusted.
#[allow(clippy::too_many_arguments)] // one call site; each argument is a distinct input
fn check_taxes(
    order: &Order,
    subject: &OrderSubject,
    config: &OrderMappingConfig,
    shopify_tax: Money,
    allowance: Decimal,
    lines: &[DraftLine],
    charges: &[DraftCharge],
    shipping: &DraftShipping,
) -> Vec<OrderException> {
    let zero = Money::zero(shopify_tax.currency());
    let taxes = lines
        .iter()
        .flat_map(|l| l.taxes.iter())
        .chain(charges.iter().flat_map(|c| c.taxes.iter()))
        .chain(shipping.taxes.iter());
    let mut draft_tax = zero;
    let mut tallies: Vec<TaxTally> = Vec::new();
    let tally_all = || -> Result<(), MoneyError> {
        for tax in taxes {
            draft_tax = draft_tax.checked_add(&tax.amount)?;
            if let Some(t) = tally(&mut tallies, &tax.key, zero) {
                t.draft = t.draft.checked_add(&tax.amount)?;
            }
        }
        for line in &order.current_tax_lines {
            let amount = config.currency_policy().pick(&line.price_set);
            if let Some(t) = tally(&mut tallies, &TaxKey::of(line), zero) {
                t.shopify = t.shopify.checked_add(&amount)?;
            }
        }
        Ok(())
    };
    if let Err(e) = tally_all() {
        return vec![OrderException::InvalidAmount {
            order: subject.clone(),
            detail: format!("the order's taxes: {e}"),
        }];
    }
    let differs = |a: Money, b: Money| {
        a.checked_sub(&b)
            .map_or(true, |d| d.amount().abs() > allowance)
    };
    let mut out = Vec::new();
    if differs(draft_tax, shopify_tax) {
        out.push(OrderException::TaxMismatch {
            order: subject.clone(),
            key: None,
            draft_tax,
            shopify_tax,
        });
    }
    // Without current tax lines (an order read by another document) only the total is checked.
    if !order.current_tax_lines.is_empty() {
        out.extend(
            tallies
                .into_iter()
                .filter(|t| differs(t.draft, t.shopify))
                .map(|t| OrderException::TaxMismatch {
                    order: subject.clone(),
                    key: Some(t.key),
                    draft_tax: t.draft,
                    shopify_tax: t.shopify,
                }),
        );
    }
    out
}

/// One tax (by title and rate): what the draft carries and what Shopify's current tax lines
/// say.
struct TaxTally {
    key: TaxKey,
    draft: Money,
    shopify: Money,
}

/// The tally of `key`'s title and rate, added (at zero) if it is not there yet. Shopify's
/// order-level lines are one per title and rate, so source and liability do not split them.
fn tally<'a>(
    tallies: &'a mut Vec<TaxTally>,
    key: &TaxKey,
    zero: Money,
) -> Option<&'a mut TaxTally> {
    let at = tallies
        .iter()
        .position(|t| t.key.title == key.title && t.key.rate == key.rate)
        .unwrap_or_else(|| {
            tallies.push(TaxTally {
                key: key.clone(),
                draft: zero,
                shopify: zero,
            });
            tallies.len().saturating_sub(1)
        });
    tallies.get_mut(at)
}

/// Every amount the draft sends to Stokly must be an exact JSON number; one that is not is
/// refused here, naming the line and field, rather than failing when the body is written.
fn unsendable(
    subject: &OrderSubject,
    order: &Order,
    lines: &[DraftLine],
    charges: &[DraftCharge],
    shipping: &DraftShipping,
    payments: &[DraftPayment],
) -> Vec<OrderException> {
    let mut out = Vec::new();
    for line in lines {
        let values = [
            ("quantity", Decimal::from(line.quantity)),
            ("displayPrice", line.unit_price),
            ("displayTax", line.unit_tax),
            ("displayDiscount", line.unit_discount),
            ("displayLinePrice", line.line_price.amount()),
            ("displayLineTax", line.line_tax.amount()),
            ("displayLineDiscount", line.line_discount.amount()),
            ("displayLineTotal", line.line_total.amount()),
        ];
        for (field, value) in values {
            if exact_number(&value).is_none() {
                let source = order
                    .line_items
                    .nodes
                    .iter()
                    .find(|l| l.id == line.shopify_line_id);
                out.push(OrderException::InvalidLineValue {
                    order: subject.clone(),
                    line: LineSubject {
                        id: line.shopify_line_id.clone(),
                        sku: Some(line.sku.clone()),
                        name: line.name.clone(),
                        variant: source.and_then(|l| l.variant.as_ref().map(|v| v.id.clone())),
                    },
                    field: field.to_owned(),
                    value,
                    problem: ValueProblem::NotExactlySendable,
                });
            }
        }
    }
    let others = charges
        .iter()
        .flat_map(|c| {
            [
                (c.kind.label(), c.amount.amount()),
                (c.kind.label(), c.tax.amount()),
                (c.kind.label(), c.total.amount()),
            ]
        })
        .chain([
            ("shipping cost", shipping.cost.amount()),
            ("shipping tax", shipping.tax.amount()),
        ])
        .chain(payments.iter().map(|p| ("payment", p.amount.amount())));
    for (what, value) in others {
        if exact_number(&value).is_none() {
            out.push(OrderException::InvalidAmount {
                order: subject.clone(),
                detail: format!("the {what} {value} cannot be sent to Stokly as an exact number"),
            });
        }
    }
    out
}

/// Per-unit amounts: the line amounts divided by the quantity, rounded as configured.
fn set_unit_amounts(line: &mut DraftLine, config: &OrderMappingConfig) {
    let quantity = Decimal::from(line.quantity);
    let unit = |amount: Money| {
        amount
            .amount()
            .checked_div(quantity)
            .unwrap_or(Decimal::ZERO)
            .round_dp_with_strategy(config.unit_decimal_places(), config.rounding())
    };
    line.unit_price = unit(line.line_price);
    line.unit_tax = unit(line.line_tax);
    line.unit_discount = unit(line.line_discount);
}

fn customer(order: &Order, rule: CustomerMatch) -> CustomerLookup {
    if let Some(PurchasingEntity::PurchasingCompany { company, location }) =
        &order.purchasing_entity
    {
        return CustomerLookup::Trade {
            company_id: company.id.clone(),
            company_name: company.name.clone(),
            location_id: location.id.clone(),
            location_name: location.name.clone(),
            po_number: order.po_number.clone(),
        };
    }
    let name = order
        .customer
        .as_ref()
        .and_then(|c| person_name(c.first_name.as_deref(), c.last_name.as_deref()));
    let email = order
        .email
        .clone()
        .or_else(|| order.customer.as_ref().and_then(|c| c.email.clone()))
        .filter(|e| !e.trim().is_empty());
    let by_id = order
        .customer
        .as_ref()
        .map(|c| CustomerLookup::ByShopifyCustomerId {
            customer_id: c.id.clone(),
            barcode: c.id.numeric_id().to_string(),
            email: email.clone(),
            name: name.clone(),
        });
    let by_email = email.clone().map(|email| CustomerLookup::ByEmail {
        email,
        name: name.clone(),
    });
    let chosen = match rule {
        CustomerMatch::ShopifyCustomerId => by_id.or(by_email),
        CustomerMatch::Email => by_email.or(by_id),
    };
    chosen.unwrap_or(CustomerLookup::Guest)
}

/// The successful `SALE` and `CAPTURE` transactions as payments, with an exception for each
/// one in another currency than `currency` and for each transaction of a kind or status this
/// crate does not know. When every transaction is understood and the list is complete, the
/// transactions are reconciled with Shopify's payment totals: successful sales and captures
/// less change must equal `totalReceivedSet`, successful refunds `totalRefundedSet`, and
/// received less refunded plus `totalOutstandingSet` the current total.
fn payments(
    order: &Order,
    subject: &OrderSubject,
    config: &OrderMappingConfig,
    currency: CurrencyCode,
) -> (Vec<DraftPayment>, Vec<OrderException>) {
    let policy = config.currency_policy();
    let mut payments = Vec::new();
    let mut exceptions = Vec::new();
    let zero = Money::zero(currency);
    let (mut received, mut refunded) = (Ok(zero), Ok(zero));
    // The cash rounding of what was received and refunded, from the transactions.
    let (mut received_rounding, mut refunded_rounding) = (Ok(zero), Ok(zero));
    let mut understood = true;
    for t in &order.transactions {
        let unknown = || OrderException::UnknownTransaction {
            order: subject.clone(),
            transaction: t.id.clone(),
            transaction_kind: t.kind.clone(),
            transaction_status: t.status.clone(),
        };
        let succeeded = match &t.status {
            TransactionStatus::Success => Some(true),
            TransactionStatus::Failure
            | TransactionStatus::Pending
            | TransactionStatus::Error
            | TransactionStatus::AwaitingResponse => Some(false),
            TransactionStatus::UnknownStatus | TransactionStatus::Unknown(_) => None,
        };
        // Which running total a successful transaction moves: +1 received, -1 received
        // (change given), refunded, or none (authorisations, voids, suggestions).
        let moves = match &t.kind {
            TransactionKind::Sale | TransactionKind::Capture => Some(Some(Measure::Received)),
            TransactionKind::Change => Some(Some(Measure::Change)),
            TransactionKind::Refund => Some(Some(Measure::Refunded)),
            TransactionKind::Authorization
            | TransactionKind::Void
            | TransactionKind::EmvAuthorization
            | TransactionKind::SuggestedRefund => Some(None),
            TransactionKind::Unknown(_) => None,
        };
        let unknown_value = matches!(t.kind, TransactionKind::Unknown(_))
            || matches!(t.status, TransactionStatus::Unknown(_));
        let (Some(moves), Some(succeeded), false) = (moves, succeeded, unknown_value) else {
            // A value this crate does not know, or Shopify's own `UNKNOWN` status on a kind
            // that moves money. (`UNKNOWN` on an authorisation, void or suggestion moves
            // nothing, and the reconciliation below still checks the money.)
            if unknown_value || moves.is_some_and(|m| m.is_some()) {
                exceptions.push(unknown());
                understood = false;
            }
            continue;
        };
        let (Some(measure), true) = (moves, succeeded) else {
            continue;
        };
        let amount = policy.pick(&t.amount_set);
        if amount.currency() != currency {
            understood = false;
            if measure == Measure::Received {
                exceptions.push(OrderException::PaymentInOtherCurrency {
                    order: subject.clone(),
                    transaction: t.id.clone(),
                    amount,
                    currency,
                });
            }
            continue;
        }
        let rounding = t
            .amount_rounding_set
            .as_ref()
            .map_or(zero, |bag| policy.pick(bag));
        if rounding.currency() != currency {
            understood = false;
            exceptions.push(OrderException::InvalidAmount {
                order: subject.clone(),
                detail: format!(
                    "transaction {}: amountRoundingSet {rounding} is not in {currency}",
                    t.id.numeric_id()
                ),
            });
            continue;
        }
        match measure {
            Measure::Received => {
                received = received.and_then(|r| r.checked_add(&amount));
                received_rounding = received_rounding.and_then(|r| r.checked_add(&rounding));
                // A rounded cash payment posts the cash that changed hands.
                match amount.checked_add(&rounding) {
                    Ok(amount) => payments.push(DraftPayment {
                        transaction_id: t.id.clone(),
                        kind: t.kind.clone(),
                        gateway: t.gateway.clone(),
                        amount,
                        processed_at: t.processed_at,
                    }),
                    Err(e) => {
                        understood = false;
                        exceptions.push(OrderException::InvalidAmount {
                            order: subject.clone(),
                            detail: format!("transaction {}: {e}", t.id.numeric_id()),
                        });
                    }
                }
            }
            Measure::Change => {
                received = received.and_then(|r| r.checked_sub(&amount));
                received_rounding = received_rounding.and_then(|r| r.checked_sub(&rounding));
            }
            Measure::Refunded => {
                refunded = refunded.and_then(|r| r.checked_add(&amount));
                refunded_rounding = refunded_rounding.and_then(|r| r.checked_add(&rounding));
            }
        }
    }
    let complete = order.transactions_count.as_ref().is_none_or(|c| {
        c.precision == CountPrecision::Exact
            && i64::try_from(order.transactions.len()).is_ok_and(|n| n >= c.count)
    });
    if understood && complete {
        exceptions.extend(reconcile_payments(
            order,
            subject,
            policy,
            [received, refunded],
            [received_rounding, refunded_rounding],
        ));
    }
    (payments, exceptions)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Measure {
    Received,
    Change,
    Refunded,
}

fn reconcile_payments(
    order: &Order,
    subject: &OrderSubject,
    policy: CurrencyPolicy,
    [received, refunded]: [Result<Money, MoneyError>; 2],
    [received_rounding, refunded_rounding]: [Result<Money, MoneyError>; 2],
) -> Vec<OrderException> {
    let mut out = Vec::new();
    let invalid = |e: &MoneyError| OrderException::InvalidAmount {
        order: subject.clone(),
        detail: format!("the payments: {e}"),
    };
    let shopify_received = policy.pick(&order.total_received_set);
    let shopify_refunded = policy.pick(&order.total_refunded_set);
    let outstanding = policy.pick(&order.total_outstanding_set);
    let total = policy.pick(&order.current_total_price_set);
    let mut measures = vec![
        (PaymentMeasure::Received, received, shopify_received),
        (PaymentMeasure::Refunded, refunded, shopify_refunded),
    ];
    // The transactions' cash rounding must be the order's (when the order was read with it).
    if let Some(adjustment) = &order.total_cash_rounding_adjustment {
        measures.push((
            PaymentMeasure::CashRoundingReceived,
            received_rounding,
            policy.pick(&adjustment.payment_set),
        ));
        measures.push((
            PaymentMeasure::CashRoundingRefunded,
            refunded_rounding,
            policy.pick(&adjustment.refund_set),
        ));
    }
    for (measure, computed, shopify) in measures {
        match computed {
            Ok(computed) if computed == shopify => {}
            Ok(computed) => out.push(OrderException::PaymentMismatch {
                order: subject.clone(),
                measure,
                computed,
                shopify,
            }),
            Err(e) => out.push(invalid(&e)),
        }
    }
    match shopify_received
        .checked_sub(&shopify_refunded)
        .and_then(|n| n.checked_add(&outstanding))
    {
        Ok(balance) if balance == total => {}
        Ok(balance) => out.push(OrderException::PaymentMismatch {
            order: subject.clone(),
            measure: PaymentMeasure::Balance,
            computed: balance,
            shopify: total,
        }),
        Err(e) => out.push(invalid(&e)),
    }
    out
}

fn person_name(first: Option<&str>, last: Option<&str>) -> Option<PersonName> {
    if first.is_none() && last.is_none() {
        return None;
    }
    Some(PersonName {
        forename: first.map(str::to_owned),
        surname: last.map(str::to_owned),
    })
}

fn recipient(address: &MailingAddress) -> Option<PersonName> {
    person_name(address.first_name.as_deref(), address.last_name.as_deref())
}

fn stokly_address(address: &MailingAddress) -> Address {
    let mut out = Address::new();
    out.line1.clone_from(&address.address1);
    out.line2.clone_from(&address.address2);
    out.city.clone_from(&address.city);
    out.region.clone_from(&address.province);
    out.country.clone_from(&address.country_code_v2);
    out.postcode.clone_from(&address.zip);
    out
}

/// The lines of a B2B order charged another unit price than the buyer's Stokly price lists
/// hold (only with [`OrderMappingConfig::with_b2b_prices`]).
fn b2b_price_exceptions(
    order: &Order,
    subject: &OrderSubject,
    config: &OrderMappingConfig,
) -> Vec<OrderException> {
    use crate::domain::price_list::ListPriceCheck;
    use crate::shopify::model::PurchasingEntity;
    let (Some(book), Some(PurchasingEntity::PurchasingCompany { location, .. })) =
        (config.b2b_prices(), order.purchasing_entity.as_ref())
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for line in &order.line_items.nodes {
        let Some(sku) = line.sku.as_deref() else {
            continue;
        };
        if line.current_quantity == 0 {
            continue;
        }
        let bag = &line.original_unit_price_set;
        let mut charged = bag.presentment_money;
        let mut check = book.check(&location.id, sku, line.quantity, charged);
        if let ListPriceCheck::Differs { expected, .. } = &check {
            if expected.currency() != charged.currency()
                && expected.currency() == bag.shop_money.currency()
            {
                charged = bag.shop_money;
                check = book.check(&location.id, sku, line.quantity, charged);
            }
        }
        if let ListPriceCheck::Differs { list, expected } = check {
            out.push(OrderException::B2bPriceMismatch {
                order: subject.clone(),
                line: LineSubject {
                    id: line.id.clone(),
                    sku: line.sku.clone(),
                    name: line.name.clone(),
                    variant: line.variant.as_ref().map(|v| v.id.clone()),
                },
                list,
                charged,
                expected,
            });
        }
    }
    out
}
