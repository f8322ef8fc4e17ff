//! `map_order`: one Shopify order to one sale-order draft, or the reasons it cannot be.

use rust_decimal::Decimal;

use super::config::{CurrencyPolicy, CustomerMatch, OrderMappingConfig, TaxKey};
use super::draft::{
    BundleRef, CustomerLookup, DraftLine, DraftPayment, DraftShipping, DraftTax, OmissionReason,
    OmittedLine, SaleOrderDraft,
};
use super::rejection::{LineSubject, OrderException, OrderRejection, OrderSubject, SkipReason};
use crate::domain::sku::{SkuIndex, StoklyMatch};
use crate::money::{CurrencyCode, Money, MoneyError};
use crate::shopify::ORDER_TRANSACTIONS;
use crate::shopify::model::{
    LineItem, MailingAddress, MoneyBag, Order, PurchasingEntity, ShippingLine, TaxLine,
    TransactionKind, TransactionStatus,
};
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
        exceptions: Vec::new(),
        unmapped: Vec::new(),
    };
    let (lines, omitted_lines) = mapper.lines(index);
    let shipping = mapper.shipping();
    let mut exceptions = mapper.exceptions;
    let (payments, payment_exceptions) =
        payments(order, &subject, config.currency_policy(), mapper.currency);
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
    let (Some(mut lines), Some(shipping), true) = (lines, shipping, exceptions.is_empty()) else {
        return Err(rejected(subject, exceptions));
    };
    if lines.is_empty() {
        return Err(OrderRejection::Skipped {
            order: subject,
            reason: SkipReason::NothingToPost,
        });
    }
    let currency = mapper.currency;
    let adjustment = match reconcile(order, config, currency, &mut lines, &shipping) {
        Ok(adjustment) => adjustment,
        Err(exception) => return Err(rejected(subject, vec![*exception])),
    };
    for line in &mut lines {
        set_unit_amounts(line, config);
    }
    let total = config
        .currency_policy()
        .pick(&order.current_total_price_set);
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
        omitted_lines,
        payments,
        rounding_adjustment: adjustment,
        total,
        tags: order.tags.clone(),
    })
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
            let amount = scale(self.pick(&line.price_set, what)?)
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
            let price = self.pick(&line.current_discounted_price_set, &what)?;
            let original = self.pick(&line.original_price_set, &what)?;
            let discounted = self.pick(&line.discounted_price_set, &what)?;
            let add = |a: Money, b: Money| {
                a.checked_add(&b)
                    .map_err(|e| AmountFault::from_money(&what, &e))
            };
            gross = add(gross, price)?;
            let off = original
                .checked_sub(&discounted)
                .map_err(|e| AmountFault::from_money(&what, &e))?;
            discount = add(discount, off)?;
            match self.taxes(&line.tax_lines, &what, Ok)? {
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

/// Makes the draft total equal Shopify's current total. Shopify rounds each line, each tax
/// line and the order total separately, and a partly refunded line's share is allocated
/// here, so the sum of the mapped amounts can differ from the total by a few minor units:
/// up to one minor unit per line and shipping line is allocated across the lines' net prices
/// in proportion to their totals (`Money::allocate`, so the parts sum exactly). Anything
/// larger is a [`OrderException::TotalMismatch`].
fn reconcile(
    order: &Order,
    config: &OrderMappingConfig,
    currency: CurrencyCode,
    lines: &mut [DraftLine],
    shipping: &DraftShipping,
) -> Result<Money, Box<OrderException>> {
    let subject = || OrderSubject::new(order.id.clone(), order.name.clone());
    let invalid = |e: MoneyError| {
        Box::new(OrderException::InvalidAmount {
            order: subject(),
            detail: format!("the order total: {e}"),
        })
    };
    let shopify_total = config
        .currency_policy()
        .pick(&order.current_total_price_set);
    if shopify_total.currency() != currency {
        return Err(invalid(MoneyError::CurrencyMismatch {
            left: shopify_total.currency(),
            right: currency,
        }));
    }
    let draft_total = draft_total(lines, shipping).map_err(invalid)?;
    let difference = shopify_total.checked_sub(&draft_total).map_err(invalid)?;
    if difference.is_zero() {
        return Ok(difference);
    }
    let live_shipping = order
        .shipping_lines
        .nodes
        .iter()
        .filter(|s| !s.is_removed)
        .count();
    let units = Decimal::from(lines.len().saturating_add(live_shipping));
    let minor_unit = Decimal::new(1, currency.minor_units());
    let tolerance = minor_unit.checked_mul(units).unwrap_or(Decimal::ZERO);
    let weights: Vec<Decimal> = lines.iter().map(|l| l.line_total.amount().abs()).collect();
    let mismatch = || {
        Box::new(OrderException::TotalMismatch {
            order: subject(),
            draft_total,
            shopify_total,
            difference,
        })
    };
    if difference.amount().abs() > tolerance || weights.iter().all(Decimal::is_zero) {
        return Err(mismatch());
    }
    let parts = difference.allocate(&weights).map_err(|_| mismatch())?;
    for (line, part) in lines.iter_mut().zip(parts) {
        line.line_price = line.line_price.checked_add(&part).map_err(invalid)?;
        line.line_total = line.line_total.checked_add(&part).map_err(invalid)?;
    }
    if draft_total_of(lines, shipping) == Some(shopify_total) {
        Ok(difference)
    } else {
        Err(mismatch())
    }
}

fn draft_total(lines: &[DraftLine], shipping: &DraftShipping) -> Result<Money, MoneyError> {
    let lines = Money::sum(
        shipping.cost.currency(),
        lines.iter().map(|l| &l.line_total),
    )?;
    lines
        .checked_add(&shipping.cost)?
        .checked_add(&shipping.tax)
}

fn draft_total_of(lines: &[DraftLine], shipping: &DraftShipping) -> Option<Money> {
    draft_total(lines, shipping).ok()
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

/// The successful `SALE` and `CAPTURE` transactions as payments, and an exception for each
/// one in another currency than `currency` and for a transaction list that may be cut short
/// (as many as [`ORDER_TRANSACTIONS`] were read).
fn payments(
    order: &Order,
    subject: &OrderSubject,
    policy: CurrencyPolicy,
    currency: CurrencyCode,
) -> (Vec<DraftPayment>, Vec<OrderException>) {
    let mut payments = Vec::new();
    let mut exceptions = Vec::new();
    if order.transactions.len() >= ORDER_TRANSACTIONS {
        exceptions.push(OrderException::TooManyTransactions {
            order: subject.clone(),
            read: order.transactions.len(),
        });
    }
    let paid = order.transactions.iter().filter(|t| {
        matches!(t.kind, TransactionKind::Sale | TransactionKind::Capture)
            && t.status == TransactionStatus::Success
    });
    for t in paid {
        let amount = policy.pick(&t.amount_set);
        if amount.currency() != currency {
            exceptions.push(OrderException::PaymentInOtherCurrency {
                order: subject.clone(),
                transaction: t.id.clone(),
                amount,
                currency,
            });
            continue;
        }
        payments.push(DraftPayment {
            transaction_id: t.id.clone(),
            kind: t.kind.clone(),
            gateway: t.gateway.clone(),
            amount,
            processed_at: t.processed_at,
        });
    }
    (payments, exceptions)
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
