//! What a deployment decides about posting orders: channel, currency, tax accounts, gating,
//! rounding and how customers are found.

use std::collections::HashMap;
use std::fmt;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use super::draft::ChargeKind;
use crate::money::{CurrencyCode, Money};
use crate::shopify::model::{FinancialStatus, MoneyBag, Order, TaxLine};
use crate::stokly::{ChannelId, ItemId};

/// Which of the two amounts in every Shopify `MoneyBag` the sale order is posted in.
///
/// The policy applies to every amount of the draft (lines, taxes, shipping, payments and the
/// total it is checked against), so a draft never mixes currencies.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CurrencyPolicy {
    /// The shop's currency (`shopMoney`, the order's `currencyCode`). The default.
    #[default]
    ShopMoney,
    /// The currency the customer paid in (`presentmentMoney`, `presentmentCurrencyCode`).
    PresentmentMoney,
}

impl CurrencyPolicy {
    /// The currency the draft of `order` is in under this policy.
    #[must_use]
    pub fn currency_of(self, order: &Order) -> CurrencyCode {
        match self {
            Self::ShopMoney => order.currency_code,
            Self::PresentmentMoney => order.presentment_currency_code,
        }
    }

    /// The amount of `bag` this policy posts.
    #[must_use]
    pub fn pick(self, bag: &MoneyBag) -> Money {
        match self {
            Self::ShopMoney => bag.shop_money,
            Self::PresentmentMoney => bag.presentment_money,
        }
    }
}

/// A general-ledger account code in Stokly (or the ledger behind it), such as `2200`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct GlAccountCode(String);

impl GlAccountCode {
    /// An account code; `None` when `code` is blank.
    #[must_use]
    pub fn new(code: impl Into<String>) -> Option<Self> {
        let code = code.into();
        if code.trim().is_empty() {
            None
        } else {
            Some(Self(code))
        }
    }

    /// The code as given.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for GlAccountCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What identifies a tax for accounting: its title, rate, the engine or jurisdiction that
/// computed it (Shopify's `source`), and whether the channel (a marketplace) is liable for it.
///
/// The rate is kept as a fraction (`0.2` for 20%) with trailing zeros removed, so `0.2`,
/// `0.20` and a `ratePercentage` of `20.0` give the same key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TaxKey {
    /// The tax's title (`VAT`, `CA State Tax`), exactly as Shopify gives it.
    pub title: String,
    /// The rate as a fraction, when Shopify gave one.
    pub rate: Option<Decimal>,
    /// The jurisdiction or tax engine (`source`), when Shopify gave one.
    pub source: Option<String>,
    /// Whether the channel is liable for the tax (Shopify's `channelLiable`, `false` when
    /// absent).
    pub channel_liable: bool,
}

impl TaxKey {
    /// A key from its four parts; `rate` is a fraction (`0.2`).
    #[must_use]
    pub fn new(
        title: impl Into<String>,
        rate: Option<Decimal>,
        source: Option<&str>,
        channel_liable: bool,
    ) -> Self {
        Self {
            title: title.into(),
            rate: rate.map(|r| r.normalize()),
            source: source.map(str::to_owned),
            channel_liable,
        }
    }

    /// The key of a Shopify tax line. The rate is `rate`, or `ratePercentage / 100` when only
    /// the percentage is given.
    #[must_use]
    pub fn of(line: &TaxLine) -> Self {
        let rate = line.rate.or_else(|| {
            line.rate_percentage
                .and_then(|p| p.checked_div(Decimal::ONE_HUNDRED))
        });
        Self::new(
            line.title.clone(),
            rate,
            line.source.as_deref(),
            line.channel_liable.unwrap_or(false),
        )
    }
}

impl fmt::Display for TaxKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{}\"", self.title)?;
        match self.rate {
            Some(rate) => write!(f, " at rate {rate}")?,
            None => f.write_str(" with no rate")?,
        }
        match &self.source {
            Some(source) => write!(f, " from source \"{source}\"")?,
            None => f.write_str(" with no source")?,
        }
        if self.channel_liable {
            f.write_str(", channel liable")
        } else {
            f.write_str(", not channel liable")
        }
    }
}

/// Tax keys to the general-ledger accounts their amounts post to. A tax on an order whose key
/// is not here rejects the order (owner finance), naming the key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaxAccountMap {
    accounts: HashMap<TaxKey, GlAccountCode>,
}

impl TaxAccountMap {
    /// An empty map.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Maps `key` to `account`, replacing any earlier account for it.
    #[must_use]
    pub fn with(mut self, key: TaxKey, account: GlAccountCode) -> Self {
        self.insert(key, account);
        self
    }

    /// Maps `key` to `account`; returns the account it replaced.
    pub fn insert(&mut self, key: TaxKey, account: GlAccountCode) -> Option<GlAccountCode> {
        self.accounts.insert(key, account)
    }

    /// The account of `key`.
    #[must_use]
    pub fn account(&self, key: &TaxKey) -> Option<&GlAccountCode> {
        self.accounts.get(key)
    }

    /// How many keys are mapped.
    #[must_use]
    pub fn len(&self) -> usize {
        self.accounts.len()
    }

    /// Whether no key is mapped.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty()
    }
}

/// Which orders are posted at all.
///
/// By default `PAID` orders post, and paid orders refunded in part before they were posted
/// (`PARTIALLY_REFUNDED`): posting takes Shopify's current quantities, so the refunded units
/// are left out and the refund flow has nothing to credit for them. Test orders are skipped,
/// and an order cancelled before it was posted is skipped (cancellations after posting
/// belong to the order-change flow).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderGate {
    statuses: Vec<FinancialStatus>,
    post_test_orders: bool,
}

impl Default for OrderGate {
    fn default() -> Self {
        Self {
            statuses: vec![FinancialStatus::Paid, FinancialStatus::PartiallyRefunded],
            post_test_orders: false,
        }
    }
}

impl OrderGate {
    /// The default gate: paid orders (`PAID`, and `PARTIALLY_REFUNDED`), no test orders.
    #[must_use]
    pub fn paid_only() -> Self {
        Self::default()
    }

    /// Posts orders whose financial status is one of `statuses` (replacing the list).
    #[must_use]
    pub fn with_statuses(mut self, statuses: impl IntoIterator<Item = FinancialStatus>) -> Self {
        self.statuses = statuses.into_iter().collect();
        self
    }

    /// Whether test orders are posted too.
    #[must_use]
    pub fn with_test_orders(mut self, post: bool) -> Self {
        self.post_test_orders = post;
        self
    }

    /// Whether an order with `status` posts (`None`, which Shopify sends for some
    /// draft-derived orders, never does).
    #[must_use]
    pub fn admits(&self, status: Option<&FinancialStatus>) -> bool {
        status.is_some_and(|s| self.statuses.contains(s))
    }

    /// Whether test orders are posted.
    #[must_use]
    pub fn posts_test_orders(&self) -> bool {
        self.post_test_orders
    }
}

/// How a consumer (not B2B) customer is to be found or created in Stokly.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustomerMatch {
    /// By the Shopify customer's numeric ID, kept as the Stokly customer's `barcode`
    /// (falling back to the e-mail for orders without a customer). The default.
    #[default]
    ShopifyCustomerId,
    /// By e-mail address (falling back to the Shopify customer ID when there is no e-mail).
    Email,
}

/// Where a charge (tip, duties, additional fees) posts: the Stokly item its line is posted on
/// (a non-stock service item) and the general-ledger account of its amount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ChargeAccount {
    /// The Stokly item of the line.
    pub item: ItemId,
    /// The account.
    pub account: GlAccountCode,
}

impl ChargeAccount {
    /// Posts on `item` to `account`.
    #[must_use]
    pub fn new(item: ItemId, account: GlAccountCode) -> Self {
        Self { item, account }
    }
}

/// What the mapping does with cash rounded down (a cash payment at a till that took less
/// than the order's total), which a Stokly sale order cannot carry as a line: Stokly lines
/// take no negative price.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CashRoundingDown {
    /// Refuse the order with
    /// [`OrderException::CashRoundedDown`](super::OrderException::CashRoundedDown) for
    /// finance. The default: nothing is taken off revenue unasked.
    #[default]
    Refuse,
    /// Take the rounding off the goods lines' net prices, shared in proportion to their
    /// totals (taxes unchanged), so that the sale order still equals the cash taken; the
    /// draft shows how much in
    /// [`SaleOrderDraft::cash_rounding_off_lines`](super::SaleOrderDraft::cash_rounding_off_lines).
    OffTheLines,
}

/// Everything [`map_order`](super::map_order) needs besides the order and the SKU index.
#[derive(Debug, Clone)]
pub struct OrderMappingConfig {
    channel: ChannelId,
    currency: CurrencyPolicy,
    tax_accounts: TaxAccountMap,
    gate: OrderGate,
    rounding: RoundingStrategy,
    unit_decimal_places: u32,
    customer_match: CustomerMatch,
    charges: HashMap<ChargeKind, ChargeAccount>,
    max_line_quantity: i64,
    rounding_limit_minor_units: u32,
    b2b_prices: Option<std::sync::Arc<crate::domain::price_list::B2bPriceBook>>,
    cash_rounding_down: CashRoundingDown,
}

impl OrderMappingConfig {
    /// Units one line may have by default (a million); more is refused as absurd.
    pub const DEFAULT_MAX_LINE_QUANTITY: i64 = 1_000_000;

    /// Minor units the rounding adjustment of one order may reach by default.
    pub const DEFAULT_ROUNDING_LIMIT_MINOR_UNITS: u32 = 2;

    /// Decimal places of the per-unit amounts by default (Stokly keeps four).
    pub const DEFAULT_UNIT_DECIMAL_PLACES: u32 = 4;

    /// Posts to the Stokly channel `channel` with the tax accounts `tax_accounts`, in shop
    /// money, paid non-test orders only, per-unit amounts rounded half away from zero to
    /// [`Self::DEFAULT_UNIT_DECIMAL_PLACES`], consumers matched by Shopify customer ID.
    #[must_use]
    pub fn new(channel: ChannelId, tax_accounts: TaxAccountMap) -> Self {
        Self {
            channel,
            currency: CurrencyPolicy::default(),
            tax_accounts,
            gate: OrderGate::default(),
            rounding: RoundingStrategy::MidpointAwayFromZero,
            unit_decimal_places: Self::DEFAULT_UNIT_DECIMAL_PLACES,
            customer_match: CustomerMatch::default(),
            charges: HashMap::new(),
            max_line_quantity: Self::DEFAULT_MAX_LINE_QUANTITY,
            rounding_limit_minor_units: Self::DEFAULT_ROUNDING_LIMIT_MINOR_UNITS,
            cash_rounding_down: CashRoundingDown::default(),
            b2b_prices: None,
        }
    }

    /// Checks the unit prices of orders bought through a company location against the
    /// customer's Stokly price lists: a price charged that differs from the list's by more
    /// than the book's tolerance makes the order an
    /// [`OrderException::B2bPriceMismatch`](super::OrderException::B2bPriceMismatch) for
    /// ecommerce instead of a sale order. Without a book (the default) no price is checked.
    #[must_use]
    pub fn with_b2b_prices(
        mut self,
        book: std::sync::Arc<crate::domain::price_list::B2bPriceBook>,
    ) -> Self {
        self.b2b_prices = Some(book);
        self
    }

    /// The B2B price book, if set.
    #[must_use]
    pub fn b2b_prices(&self) -> Option<&crate::domain::price_list::B2bPriceBook> {
        self.b2b_prices.as_deref()
    }

    /// Posts charges of `kind` on `account` (without one, an order with such a charge is
    /// rejected with [`OrderException::UnmappedCharge`](super::OrderException::UnmappedCharge)).
    #[must_use]
    pub fn with_charge_account(mut self, kind: ChargeKind, account: ChargeAccount) -> Self {
        self.charges.insert(kind, account);
        self
    }

    /// Refuses lines of more than `units` units (ordered or current).
    #[must_use]
    pub fn with_max_line_quantity(mut self, units: i64) -> Self {
        self.max_line_quantity = units;
        self
    }

    /// Lets the rounding adjustment of one order reach `minor_units` minor units of the
    /// posting currency (it is also never more than one minor unit per partly removed line).
    #[must_use]
    pub fn with_rounding_limit(mut self, minor_units: u32) -> Self {
        self.rounding_limit_minor_units = minor_units;
        self
    }

    /// What cash rounded down does (by default it refuses the order).
    #[must_use]
    pub fn with_cash_rounding_down(mut self, policy: CashRoundingDown) -> Self {
        self.cash_rounding_down = policy;
        self
    }

    /// What cash rounded down does.
    #[must_use]
    pub fn cash_rounding_down(&self) -> CashRoundingDown {
        self.cash_rounding_down
    }

    /// Where charges of `kind` post.
    #[must_use]
    pub fn charge_account(&self, kind: ChargeKind) -> Option<&ChargeAccount> {
        self.charges.get(&kind)
    }

    /// Units one line may have.
    #[must_use]
    pub fn max_line_quantity(&self) -> i64 {
        self.max_line_quantity
    }

    /// Minor units the rounding adjustment of one order may reach.
    #[must_use]
    pub fn rounding_limit(&self) -> u32 {
        self.rounding_limit_minor_units
    }

    /// Posts in the currency `policy` picks.
    #[must_use]
    pub fn with_currency_policy(mut self, policy: CurrencyPolicy) -> Self {
        self.currency = policy;
        self
    }

    /// Replaces the gate.
    #[must_use]
    pub fn with_gate(mut self, gate: OrderGate) -> Self {
        self.gate = gate;
        self
    }

    /// Rounds per-unit amounts to `decimal_places` with `strategy`. Line totals are never
    /// rounded: they are Shopify's amounts.
    #[must_use]
    pub fn with_unit_rounding(mut self, strategy: RoundingStrategy, decimal_places: u32) -> Self {
        self.rounding = strategy;
        self.unit_decimal_places = decimal_places;
        self
    }

    /// Finds consumers by `rule`.
    #[must_use]
    pub fn with_customer_match(mut self, rule: CustomerMatch) -> Self {
        self.customer_match = rule;
        self
    }

    /// The Stokly channel (`sourceId`).
    #[must_use]
    pub fn channel(&self) -> &ChannelId {
        &self.channel
    }

    /// The currency policy.
    #[must_use]
    pub fn currency_policy(&self) -> CurrencyPolicy {
        self.currency
    }

    /// The tax accounts.
    #[must_use]
    pub fn tax_accounts(&self) -> &TaxAccountMap {
        &self.tax_accounts
    }

    /// The gate.
    #[must_use]
    pub fn gate(&self) -> &OrderGate {
        &self.gate
    }

    /// The rounding strategy of per-unit amounts.
    #[must_use]
    pub fn rounding(&self) -> RoundingStrategy {
        self.rounding
    }

    /// Decimal places of per-unit amounts.
    #[must_use]
    pub fn unit_decimal_places(&self) -> u32 {
        self.unit_decimal_places
    }

    /// How consumers are found.
    #[must_use]
    pub fn customer_match(&self) -> CustomerMatch {
        self.customer_match
    }
}
