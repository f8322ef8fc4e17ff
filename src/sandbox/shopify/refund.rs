//! Refunds in the Shopify emulator: `refundCreate`, `returnCreate`, `returnProcess` and the
//! refund and return reads (`OrderRefunds`, `RefundLineItems`, `ReturnDispositions`).
//!
//! `refundCreate` needs `@idempotent` (checked before it runs, as for inventory writes) and
//! answers as recorded where a recording shows how: a transaction of another kind than
//! `REFUND` is "Kind authorization is not a valid transaction"; one without a parent of the
//! order is "Transactions require a parent_id associated with the order"; more than the net
//! payment is "Refund amount $999.00 is greater than net payment received $35.00", even with
//! `allowOverRefunding`; more units than bought is "Quantity cannot refund more items than
//! were purchased". `LEGACY_RESTOCK` is refused. A refund's line amounts are the refunded
//! units' share of the line (tax included, as the emulator's orders are); shipping is the
//! amount asked (or what is left, with `fullRefund`); the money refunded is the sum of the
//! transactions (none: a restock-only refund of no money), and any difference between the
//! parts and the money is an order adjustment `REFUND_DISCREPANCY` stated from the order's
//! side.
//!
//! Returns: `returnCreate` makes an `OPEN` return of fulfilled, unrefunded units (named by
//! their fulfillment line items); `returnProcess` processes units with their dispositions
//! (`RESTOCKED` at a location, `PROCESSING_REQUIRED`, `NOT_RESTOCKED`, `MISSING`) and, as
//! recorded, leaves the return `OPEN` without `financialTransfer`; with
//! `financialTransfer.issueRefund` it refunds the processed units through `refundCreate`'s
//! rules, the refund belongs to the return, and a fully processed return is `CLOSED`
//! (assumed). `return(id:)` reads a return with its dispositions.
//! [`ShopifyState::add_processed_return`] still seeds a processed return directly.
//!
//! The order read reflects the refunds (what Shopify documents for these fields): a line's
//! `currentQuantity` and `refundableQuantity` drop the refunded units (`quantity` stays);
//! `currentSubtotalPriceSet`, `currentTotalPriceSet`, `currentTotalTaxSet`,
//! `currentTaxLines`, `currentTotalDiscountsSet` and `currentShippingPriceSet` (with the
//! shipping line's `currentDiscountedPriceSet`) drop the refunded lines' and shipping's
//! amounts; `totalRefundedSet` is the money refunded, `totalRefundedShippingSet` the shipping
//! refunded, `netPaymentSet` the money received less the money refunded; the order's
//! `transactions` gain each refund's `REFUND` transactions (after the sale); and
//! `displayFinancialStatus` is `PARTIALLY_REFUNDED` once some money is refunded and
//! `REFUNDED` once all of it is (as recorded for a partial and a full refund).
//!
//! Assumed where neither the reference nor a recording says:
//!
//! - the refunded units of a line are taken from its first units (the shares of
//!   [`share`] telescope, so a line's refunded and current amounts add up to the line);
//!   its discount leaves in the same proportion;
//! - a line's and a shipping line's own `taxLines`, `originalTotalSet`, `discountedTotalSet`
//!   and `originalPriceSet` stay as placed (they describe what was bought); only the
//!   order's `current…` fields and a shipping line's `currentDiscountedPriceSet` move;
//! - a refund discrepancy (money refunded other than the parts refunded) is not a current
//!   amount: the current total is the current lines, shipping and charges, and
//!   `totalOutstandingSet` is the current total less the net payment (negative, in the
//!   customer's favour, when units were refunded without their money);
//! - a refund of units with no money leaves the financial status as it was;
//! - duties and additional fees are never refunded (`refundDuties` is not emulated), and
//!   the fulfillment orders keep the refunded units.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::ops::{OpResult, gid, parse_gid};
use super::state::{SandboxOrder, ShopifyState};

/// Refunds by order, and processed returns.
#[derive(Debug, Clone, Default, Serialize)]
#[non_exhaustive]
pub struct RefundBook {
    /// Refunds of each order, oldest first.
    pub by_order: BTreeMap<u64, Vec<SandboxRefund>>,
    /// Processed returns by ID.
    pub returns: BTreeMap<u64, SandboxReturn>,
}

/// Where some returned units went: `RESTOCKED`, `PROCESSING_REQUIRED`, `NOT_RESTOCKED` or
/// `MISSING`, with the location for restocked units.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct SandboxDisposition {
    /// The disposition type.
    pub kind: String,
    /// Units.
    pub quantity: i64,
    /// Where restocked.
    pub location_id: Option<u64>,
}

/// One line of a return. Its `ReturnLineItem` and its reverse fulfillment order line share
/// the numeric ID `id` (their GIDs differ by type).
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct SandboxReturnLine {
    /// Numeric ID of the return line (and of its reverse fulfillment order line).
    pub id: u64,
    /// The order line.
    pub line_id: u64,
    /// The fulfillment line item returned (`None` for a return seeded without one).
    pub fulfillment_line_item: Option<u64>,
    /// Units returned.
    pub quantity: i64,
    /// Units processed (`returnProcess`).
    pub processed: i64,
    /// Where processed units went.
    pub dispositions: Vec<SandboxDisposition>,
}

/// A return of an order: `OPEN` once created, `CLOSED` once processed with its refund.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct SandboxReturn {
    /// Numeric ID (also its reverse fulfillment order's).
    pub id: u64,
    /// `#1001-R1`.
    pub name: String,
    /// The order.
    pub order_id: u64,
    /// `OPEN` or `CLOSED`.
    pub status: String,
    /// Its lines.
    pub lines: Vec<SandboxReturnLine>,
}

impl SandboxDisposition {
    /// `quantity` units of `kind` (at `location_id` when restocked).
    #[must_use]
    pub fn new(kind: &str, quantity: i64, location_id: Option<u64>) -> Self {
        Self {
            kind: kind.to_owned(),
            quantity,
            location_id,
        }
    }
}

impl ShopifyState {
    /// Records that the refund `refund_id` of `order_id` belongs to a return processed with
    /// these dispositions (per order line: units returned, dispositions), as `returnProcess`
    /// leaves it (the return's mutations themselves are not emulated). Returns the return's
    /// ID, or `None` when the order or the refund is unknown.
    pub fn add_processed_return(
        &mut self,
        order_id: u64,
        refund_id: u64,
        lines: Vec<(u64, i64, Vec<SandboxDisposition>)>,
    ) -> Option<u64> {
        let name = self.return_name(order_id)?;
        let id = self.next_id();
        let lines = lines
            .into_iter()
            .map(|(line_id, quantity, dispositions)| SandboxReturnLine {
                id: self.next_id(),
                line_id,
                fulfillment_line_item: None,
                quantity,
                processed: quantity,
                dispositions,
            })
            .collect();
        let refund = self
            .refunds
            .by_order
            .get_mut(&order_id)?
            .iter_mut()
            .find(|r| r.id == refund_id)?;
        refund.return_id = Some(id);
        self.refunds.returns.insert(
            id,
            SandboxReturn {
                id,
                name,
                order_id,
                status: "CLOSED".to_owned(),
                lines,
            },
        );
        Some(id)
    }

    /// The next return's name of `order_id` (`#1001-R1`, `#1001-R2`...).
    fn return_name(&self, order_id: u64) -> Option<String> {
        let order = self.orders.get(&order_id)?;
        let made = self
            .refunds
            .returns
            .values()
            .filter(|r| r.order_id == order_id)
            .count();
        Some(format!("{}-R{}", order.name, made + 1))
    }
}

/// One refunded line.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct SandboxRefundLine {
    /// The order line.
    pub line_id: u64,
    /// Its SKU.
    pub sku: Option<String>,
    /// Units.
    pub quantity: i64,
    /// `RETURN`, `CANCEL` or `NO_RESTOCK`.
    pub restock_type: String,
    /// Where restocked.
    pub location_id: Option<u64>,
    /// Refunded amount, tax included (shop currency, presentment currency).
    pub subtotal: (Decimal, Decimal),
    /// Its tax.
    pub tax: (Decimal, Decimal),
}

/// A refund.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct SandboxRefund {
    /// Numeric ID.
    pub id: u64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Note.
    pub note: Option<String>,
    /// Lines.
    pub lines: Vec<SandboxRefundLine>,
    /// Shipping refunded, tax included, and its tax.
    pub shipping: Option<((Decimal, Decimal), (Decimal, Decimal))>,
    /// Money refunded (the transactions), and its transaction IDs.
    pub transactions: Vec<(u64, u64, (Decimal, Decimal))>,
    /// Parts less money, from the order's side (zero: none).
    pub discrepancy: (Decimal, Decimal),
    /// The processed return it belongs to.
    pub return_id: Option<u64>,
}

impl SandboxRefund {
    fn total(&self) -> (Decimal, Decimal) {
        self.transactions
            .iter()
            .fold((Decimal::ZERO, Decimal::ZERO), |a, (_, _, m)| {
                (a.0 + m.0, a.1 + m.1)
            })
    }
}

fn ok(data: Value) -> OpResult {
    OpResult {
        data,
        errors: Vec::new(),
        returned_nodes: None,
    }
}

fn round2(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

fn included_tax(gross: Decimal, rate: Decimal) -> Decimal {
    if rate.is_zero() {
        Decimal::ZERO
    } else {
        round2(gross * rate / (Decimal::ONE + rate))
    }
}

/// `amount` in both currencies.
fn pair(order: &SandboxOrder, shop: Decimal) -> (Decimal, Decimal) {
    (shop, round2(shop * order.exchange_rate))
}

fn bag(order: &SandboxOrder, (shop, presentment): (Decimal, Decimal)) -> Value {
    json!({
        "shopMoney": {"amount": shop.to_string(), "currencyCode": order.currency.as_str()},
        "presentmentMoney": {"amount": presentment.to_string(), "currencyCode": order.presentment_currency.as_str()},
    })
}

fn refuse(field: Value, message: impl Into<String>) -> OpResult {
    ok(json!({"refundCreate": {
        "refund": null, "order": null,
        "userErrors": [{"field": field, "message": message.into()}],
    }}))
}

fn symbol(order: &SandboxOrder) -> &'static str {
    match order.currency.as_str() {
        "USD" | "CAD" | "AUD" => "$",
        "GBP" => "£",
        "EUR" => "€",
        _ => "",
    }
}

fn money(v: Option<&Value>) -> Option<Decimal> {
    match v? {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.to_string().parse().ok(),
        _ => None,
    }
}

/// The share of `whole` that units `from..from + k` of `quantity` carry, so that the shares
/// of every unit add up to `whole`.
fn share(whole: Decimal, quantity: i64, from: i64, k: i64) -> Decimal {
    let q = Decimal::from(quantity.max(1));
    round2(whole * Decimal::from(from + k) / q) - round2(whole * Decimal::from(from) / q)
}

/// `refundCreate(input:)`.
pub(crate) fn refund_create(
    state: &mut ShopifyState,
    now: DateTime<Utc>,
    vars: &Map<String, Value>,
) -> OpResult {
    let input = vars.get("input").cloned().unwrap_or(Value::Null);
    let Some(order_id) = parse_gid(input.get("orderId"), "Order") else {
        return refuse(json!(["orderId"]), "Order does not exist");
    };
    let Some(order) = state.orders.get(&order_id).cloned() else {
        return refuse(json!(["orderId"]), "Order does not exist");
    };
    let earlier = state
        .refunds
        .by_order
        .get(&order_id)
        .cloned()
        .unwrap_or_default();
    let refunded_units = |line: u64| -> i64 {
        earlier
            .iter()
            .flat_map(|r| &r.lines)
            .filter(|l| l.line_id == line)
            .map(|l| l.quantity)
            .sum()
    };
    let mut lines = Vec::new();
    let items = input
        .get("refundLineItems")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for (i, item) in items.iter().enumerate() {
        let Some(line_id) = parse_gid(item.get("lineItemId"), "LineItem") else {
            return refuse(
                json!(["refundLineItems", i.to_string(), "lineItemId"]),
                "Line item does not exist",
            );
        };
        let Some(line) = order.lines.iter().find(|l| l.id == line_id) else {
            return refuse(
                json!(["refundLineItems", i.to_string(), "lineItemId"]),
                "Line item does not exist",
            );
        };
        let quantity = item.get("quantity").and_then(Value::as_i64).unwrap_or(0);
        let before = refunded_units(line_id)
            + lines
                .iter()
                .filter(|l: &&SandboxRefundLine| l.line_id == line_id)
                .map(|l| l.quantity)
                .sum::<i64>();
        if quantity < 1 || before + quantity > line.quantity {
            return refuse(
                json!(["refundLineItems", i.to_string(), "quantity"]),
                "Quantity cannot refund more items than were purchased",
            );
        }
        let restock_type = item
            .get("restockType")
            .and_then(Value::as_str)
            .unwrap_or("NO_RESTOCK")
            .to_owned();
        if !matches!(restock_type.as_str(), "RETURN" | "CANCEL" | "NO_RESTOCK") {
            return refuse(
                json!(["refundLineItems", i.to_string(), "restockType"]),
                format!("Restock type {restock_type} is not accepted"),
            );
        }
        let location_id = parse_gid(item.get("locationId"), "Location");
        let discounted = line.original_total - line.discount;
        let gross = share(discounted, line.quantity, before, quantity);
        let tax_whole = included_tax(discounted, line.tax_rate);
        let tax = share(tax_whole, line.quantity, before, quantity);
        lines.push(SandboxRefundLine {
            line_id,
            sku: line.sku.clone(),
            quantity,
            restock_type,
            location_id,
            subtotal: pair(&order, gross),
            tax: pair(&order, tax),
        });
    }
    let shipping_refunded: Decimal = earlier
        .iter()
        .filter_map(|r| r.shipping.map(|s| s.0.0))
        .sum();
    let shipping_left = order.shipping - shipping_refunded;
    let shipping = match input.get("shipping") {
        Some(s) if s.get("fullRefund").and_then(Value::as_bool) == Some(true) => {
            Some(shipping_left)
        }
        Some(s) => money(s.get("amount")),
        None => None,
    }
    .filter(|a| !a.is_zero());
    if let Some(amount) = shipping {
        if amount > shipping_left || amount.is_sign_negative() {
            return refuse(
                json!(["shipping", "amount"]),
                format!("Shipping refund amount must be at most {shipping_left}"),
            );
        }
    }
    let shipping = shipping.map(|a| {
        (
            pair(&order, a),
            pair(&order, included_tax(a, order.shipping_tax_rate)),
        )
    });
    // Transactions: REFUND kind, a parent of the order, no more than the net payment.
    let sale_id = order.id;
    let mut transactions = Vec::new();
    let txs = input
        .get("transactions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for (i, tx) in txs.iter().enumerate() {
        if tx.get("kind").and_then(Value::as_str) != Some("REFUND") {
            let kind = tx
                .get("kind")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_lowercase();
            return refuse(
                json!(["transactions", i.to_string(), "kind"]),
                format!("Kind {kind} is not a valid transaction"),
            );
        }
        if parse_gid(tx.get("parentId"), "OrderTransaction") != Some(sale_id) {
            return refuse(
                json!(["transactions", i.to_string(), "parentId"]),
                "Transactions require a parent_id associated with the order",
            );
        }
        let Some(amount) = money(tx.get("amount")).filter(|a| a.is_sign_positive()) else {
            return refuse(
                json!(["transactions", i.to_string(), "amount"]),
                "Amount must be positive",
            );
        };
        transactions.push(amount);
    }
    let received = order
        .lines
        .iter()
        .map(|l| l.original_total - l.discount)
        .sum::<Decimal>()
        + order.shipping
        + order.tip
        + order.duties
        + order.additional_fee;
    let already: Decimal = earlier.iter().map(|r| r.total().0).sum();
    let net = received - already;
    let asked: Decimal = transactions.iter().sum();
    if asked > net {
        let s = symbol(&order);
        return refuse(
            json!(["transactions"]),
            format!("Refund amount {s}{asked:.2} is greater than net payment received {s}{net:.2}"),
        );
    }
    let parts_shop: Decimal = lines.iter().map(|l| l.subtotal.0).sum::<Decimal>()
        + shipping.map_or(Decimal::ZERO, |s| s.0.0);
    let parts_pres: Decimal = lines.iter().map(|l| l.subtotal.1).sum::<Decimal>()
        + shipping.map_or(Decimal::ZERO, |s| s.0.1);
    let refund_id = state.next_id();
    let transactions: Vec<(u64, u64, (Decimal, Decimal))> = transactions
        .into_iter()
        .map(|a| (state.next_id(), sale_id, pair(&order, a)))
        .collect();
    let money_pres: Decimal = transactions.iter().map(|t| t.2.1).sum();
    let refund = SandboxRefund {
        id: refund_id,
        created_at: now,
        note: input.get("note").and_then(Value::as_str).map(str::to_owned),
        lines,
        shipping,
        discrepancy: (parts_shop - asked, parts_pres - money_pres),
        transactions,
        return_id: None,
    };
    let payload = refund_json(&order, &refund);
    state
        .refunds
        .by_order
        .entry(order_id)
        .or_default()
        .push(refund);
    if let Some(o) = state.orders.get_mut(&order_id) {
        o.updated_at = now;
    }
    ok(json!({"refundCreate": {
        "refund": payload,
        "order": {"id": gid("Order", order_id)},
        "userErrors": [],
    }}))
}

fn page(nodes: Vec<Value>) -> Value {
    json!({"nodes": nodes, "pageInfo": {"hasNextPage": false, "endCursor": null}})
}

fn line_json(order: &SandboxOrder, l: &SandboxRefundLine) -> Value {
    let units = Decimal::from(l.quantity.max(1));
    json!({
        "quantity": l.quantity, "restockType": l.restock_type,
        "restocked": l.restock_type != "NO_RESTOCK",
        "location": l.location_id.map(|id| json!({"id": gid("Location", id)})),
        "lineItem": {"id": gid("LineItem", l.line_id), "sku": l.sku},
        "priceSet": bag(order, (round2(l.subtotal.0 / units), round2(l.subtotal.1 / units))),
        "subtotalSet": bag(order, l.subtotal),
        "totalTaxSet": bag(order, l.tax),
    })
}

/// A refund's `REFUND` transactions.
fn transactions_json(order: &SandboxOrder, r: &SandboxRefund) -> Vec<Value> {
    let stamp = r
        .created_at
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    r.transactions
        .iter()
        .map(|(id, _, amount)| {
            json!({"id": gid("OrderTransaction", *id), "kind": "REFUND", "status": "SUCCESS",
                   "gateway": "shopify_payments", "test": order.test, "processedAt": stamp,
                   "amountSet": bag(order, *amount)})
        })
        .collect()
}

fn refund_json(order: &SandboxOrder, r: &SandboxRefund) -> Value {
    let stamp = r
        .created_at
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let shipping: Vec<Value> = r
        .shipping
        .iter()
        .map(|(amount, tax)| {
            json!({"shippingLine": {"id": gid("ShippingLine", order.id), "title": "Standard delivery"},
                   "subtotalAmountSet": bag(order, *amount), "taxAmountSet": bag(order, *tax)})
        })
        .collect();
    let adjustments: Vec<Value> = if r.discrepancy.0.is_zero() && r.discrepancy.1.is_zero() {
        Vec::new()
    } else {
        vec![
            json!({"id": gid("OrderAdjustment", r.id), "reason": "REFUND_DISCREPANCY",
                    "amountSet": bag(order, r.discrepancy), "taxAmountSet": bag(order, (Decimal::ZERO, Decimal::ZERO))}),
        ]
    };
    let transactions = transactions_json(order, r);
    json!({
        "id": gid("Refund", r.id), "createdAt": stamp, "processedAt": stamp, "note": r.note,
        "totalRefundedSet": bag(order, r.total()),
        "return": r.return_id.map(|id| json!({"id": gid("Return", id)})), "duties": [],
        "refundLineItems": page(r.lines.iter().map(|l| line_json(order, l)).collect()),
        "refundShippingLines": page(shipping),
        "orderAdjustments": page(adjustments),
        "transactions": page(transactions),
    })
}

/// `order(id:) { refunds returns }`.
pub(crate) fn order_refunds(state: &ShopifyState, vars: &Map<String, Value>) -> OpResult {
    let Some((id, order)) =
        parse_gid(vars.get("id"), "Order").and_then(|id| state.orders.get(&id).map(|o| (id, o)))
    else {
        return ok(json!({"order": null}));
    };
    let refunds: Vec<Value> = state
        .refunds
        .by_order
        .get(&id)
        .map(|rs| rs.iter().map(|r| refund_json(order, r)).collect())
        .unwrap_or_default();
    ok(json!({"order": {
        "id": gid("Order", id), "name": order.name,
        "currencyCode": order.currency.as_str(),
        "presentmentCurrencyCode": order.presentment_currency.as_str(),
        "refunds": refunds,
    }}))
}

/// `refund(id:) { refundLineItems(first:, after:) }`: every line fits the first read, so a
/// follow-up page is empty.
pub(crate) fn refund_line_items(_state: &ShopifyState, _vars: &Map<String, Value>) -> OpResult {
    ok(json!({"refund": {"refundLineItems": page(Vec::new())}}))
}

/// `return(id:)`: a processed return with the dispositions of its units (`null` when
/// unknown).
pub(crate) fn return_dispositions(state: &ShopifyState, vars: &Map<String, Value>) -> OpResult {
    let Some(r) = parse_gid(vars.get("id"), "Return").and_then(|id| state.refunds.returns.get(&id))
    else {
        return ok(json!({"return": null}));
    };
    let sku = |line: u64| {
        state
            .orders
            .get(&r.order_id)
            .and_then(|o| o.lines.iter().find(|l| l.id == line))
            .and_then(|l| l.sku.clone())
    };
    ok(json!({ "return": return_json(r, &sku) }))
}

/// A return as `return(id:)` and the return mutations give it.
fn return_json(r: &SandboxReturn, sku: &dyn Fn(u64) -> Option<String>) -> Value {
    let fulfillment_line = |l: &SandboxReturnLine| {
        json!({"id": l.fulfillment_line_item.map(|f| gid("FulfillmentLineItem", f)),
               "lineItem": {"id": gid("LineItem", l.line_id), "sku": sku(l.line_id)}})
    };
    let rfo_lines: Vec<Value> = r
        .lines
        .iter()
        .map(|l| {
            let dispositions: Vec<Value> = l
                .dispositions
                .iter()
                .map(|d| {
                    json!({"type": d.kind, "quantity": d.quantity,
                    "location": d.location_id.map(|l| json!({"id": gid("Location", l)}))})
                })
                .collect();
            json!({"id": gid("ReverseFulfillmentOrderLineItem", l.id), "totalQuantity": l.quantity,
                   "fulfillmentLineItem": fulfillment_line(l), "dispositions": dispositions})
        })
        .collect();
    let return_lines: Vec<Value> = r
        .lines
        .iter()
        .map(|l| {
            json!({"id": gid("ReturnLineItem", l.id), "quantity": l.quantity,
                   "processedQuantity": l.processed, "unprocessedQuantity": l.quantity - l.processed,
                   "fulfillmentLineItem": fulfillment_line(l)})
        })
        .collect();
    json!({
        "id": gid("Return", r.id), "name": r.name, "status": r.status,
        "order": {"id": gid("Order", r.order_id)},
        "totalQuantity": r.lines.iter().map(|l| l.quantity).sum::<i64>(),
        "returnLineItems": page(return_lines),
        "reverseFulfillmentOrders": page(vec![json!({"id": gid("ReverseFulfillmentOrder", r.id),
            "lineItems": page(rfo_lines)})]),
    })
}

/// What the refunds of one order took from one of its lines.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct RefundedLine {
    /// Units refunded.
    pub(crate) units: i64,
    /// Amount refunded, tax included (shop, presentment).
    pub(crate) gross: (Decimal, Decimal),
    /// Its tax.
    pub(crate) tax: (Decimal, Decimal),
    /// The refunded units' share of the line's discount (shop currency).
    pub(crate) discount: Decimal,
}

/// What the refunds of one order took, as the order read shows it.
#[derive(Debug, Clone, Default)]
pub(crate) struct RefundedOrder {
    /// By order line.
    pub(crate) lines: BTreeMap<u64, RefundedLine>,
    /// Shipping refunded, tax included (shop, presentment).
    pub(crate) shipping: (Decimal, Decimal),
    /// Its tax.
    pub(crate) shipping_tax: (Decimal, Decimal),
    /// Money refunded (the refunds' transactions).
    pub(crate) money: (Decimal, Decimal),
    /// The refunds' `REFUND` transactions, oldest first, as the order's `transactions` list
    /// gives them.
    pub(crate) transactions: Vec<Value>,
}

fn add2(a: (Decimal, Decimal), b: (Decimal, Decimal)) -> (Decimal, Decimal) {
    (a.0 + b.0, a.1 + b.1)
}

impl RefundedOrder {
    /// What the order's line `line_id` lost to refunds (nothing when none).
    pub(crate) fn line(&self, line_id: u64) -> RefundedLine {
        self.lines.get(&line_id).copied().unwrap_or_default()
    }
}

/// What the refunds of `order` took from it.
pub(crate) fn refunded_order(state: &ShopifyState, order: &SandboxOrder) -> RefundedOrder {
    let mut out = RefundedOrder::default();
    let Some(refunds) = state.refunds.by_order.get(&order.id) else {
        return out;
    };
    for r in refunds {
        for l in &r.lines {
            let e = out.lines.entry(l.line_id).or_default();
            e.units += l.quantity;
            e.gross = add2(e.gross, l.subtotal);
            e.tax = add2(e.tax, l.tax);
        }
        if let Some((amount, tax)) = r.shipping {
            out.shipping = add2(out.shipping, amount);
            out.shipping_tax = add2(out.shipping_tax, tax);
        }
        out.money = add2(out.money, r.total());
        out.transactions.extend(transactions_json(order, r));
    }
    for line in &order.lines {
        if let Some(e) = out.lines.get_mut(&line.id) {
            e.discount = share(line.discount, line.quantity, 0, e.units);
        }
    }
    out
}

fn return_payload(root: &str, data: Value, errors: Vec<Value>) -> OpResult {
    ok(json!({ root: {"return": data, "userErrors": errors} }))
}

fn refuse_return(root: &str, field: Value, message: impl Into<String>) -> OpResult {
    return_payload(
        root,
        Value::Null,
        vec![json!({"field": field, "message": message.into()})],
    )
}

/// `returnCreate(returnInput:)`: an `OPEN` return of fulfilled units (as recorded, a return
/// needs a fulfilled line that is not refunded). Each line names a fulfillment line item of
/// the order and at most the units it fulfilled that are neither refunded nor on another
/// return. The messages of its refusals are assumed (none is recorded).
pub(crate) fn return_create(state: &mut ShopifyState, vars: &Map<String, Value>) -> OpResult {
    const ROOT: &str = "returnCreate";
    let input = vars.get("returnInput").cloned().unwrap_or(Value::Null);
    let Some(order_id) = parse_gid(input.get("orderId"), "Order") else {
        return refuse_return(
            ROOT,
            json!(["returnInput", "orderId"]),
            "Order does not exist",
        );
    };
    let Some(order) = state.orders.get(&order_id).cloned() else {
        return refuse_return(
            ROOT,
            json!(["returnInput", "orderId"]),
            "Order does not exist",
        );
    };
    let refunded = refunded_order(state, &order);
    let fulfilled: Vec<(u64, u64, i64)> = state
        .fulfillment
        .orders
        .get(&order_id)
        .map(|b| {
            b.fulfillments
                .iter()
                .filter(|f| f.status == "SUCCESS")
                .flat_map(|f| {
                    f.lines.iter().enumerate().map(|(i, (line, units))| {
                        (super::fulfillment::line_item_id(f.id, i), *line, *units)
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let on_returns = |fli: Option<u64>, line: Option<u64>| -> i64 {
        state
            .refunds
            .returns
            .values()
            .filter(|r| r.order_id == order_id)
            .flat_map(|r| &r.lines)
            .filter(|l| {
                fli.is_some_and(|f| l.fulfillment_line_item == Some(f))
                    || line.is_some_and(|x| l.line_id == x)
            })
            .map(|l| l.quantity)
            .sum()
    };
    let items = input
        .get("returnLineItems")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if items.is_empty() {
        return refuse_return(
            ROOT,
            json!(["returnInput", "returnLineItems"]),
            "Return must have at least one line item",
        );
    }
    let mut wanted: Vec<(u64, u64, i64)> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let field = |name: &str| json!(["returnInput", "returnLineItems", i.to_string(), name]);
        let found = parse_gid(item.get("fulfillmentLineItemId"), "FulfillmentLineItem")
            .and_then(|id| fulfilled.iter().find(|(fli, _, _)| *fli == id));
        let Some(&(fli, line, units)) = found else {
            return refuse_return(
                ROOT,
                field("fulfillmentLineItemId"),
                "Fulfillment line item does not exist",
            );
        };
        let quantity = item.get("quantity").and_then(Value::as_i64).unwrap_or(0);
        let asked_before: i64 = wanted
            .iter()
            .filter(|(_, l, _)| *l == line)
            .map(|(_, _, q)| q)
            .sum();
        let quantity_of_line = order
            .lines
            .iter()
            .find(|l| l.id == line)
            .map_or(0, |l| l.quantity);
        let unrefunded = quantity_of_line - refunded.line(line).units;
        let returnable = (units - on_returns(Some(fli), None))
            .min(unrefunded - on_returns(None, Some(line)) - asked_before);
        if quantity < 1 || quantity > returnable {
            return refuse_return(
                ROOT,
                field("quantity"),
                format!("Quantity must be between 1 and {}", returnable.max(0)),
            );
        }
        wanted.push((fli, line, quantity));
    }
    let Some(name) = state.return_name(order_id) else {
        return refuse_return(
            ROOT,
            json!(["returnInput", "orderId"]),
            "Order does not exist",
        );
    };
    let id = state.next_id();
    let lines = wanted
        .into_iter()
        .map(|(fli, line_id, quantity)| SandboxReturnLine {
            id: state.next_id(),
            line_id,
            fulfillment_line_item: Some(fli),
            quantity,
            processed: 0,
            dispositions: Vec::new(),
        })
        .collect();
    let created = SandboxReturn {
        id,
        name,
        order_id,
        status: "OPEN".to_owned(),
        lines,
    };
    let sku = |line: u64| {
        order
            .lines
            .iter()
            .find(|l| l.id == line)
            .and_then(|l| l.sku.clone())
    };
    let payload = return_json(&created, &sku);
    state.refunds.returns.insert(id, created);
    return_payload(ROOT, payload, Vec::new())
}

/// `returnProcess(input:)`: processes units of an `OPEN` return with their dispositions. As
/// recorded, without `financialTransfer` the lines are processed and the return stays
/// `OPEN`. With `financialTransfer.issueRefund` the processed units are refunded
/// (`RETURN`, with the refund shipping asked and the order transactions given) through the
/// same rules as `refundCreate`, the refund belongs to the return, and a return whose every
/// unit is processed is `CLOSED` (assumed). Refusal messages are assumed.
pub(crate) fn return_process(
    state: &mut ShopifyState,
    now: DateTime<Utc>,
    vars: &Map<String, Value>,
) -> OpResult {
    const ROOT: &str = "returnProcess";
    let input = vars.get("input").cloned().unwrap_or(Value::Null);
    let Some(mut ret) = parse_gid(input.get("returnId"), "Return")
        .and_then(|id| state.refunds.returns.get(&id))
        .cloned()
    else {
        return refuse_return(ROOT, json!(["input", "returnId"]), "Return does not exist");
    };
    if ret.status != "OPEN" {
        return refuse_return(
            ROOT,
            json!(["input", "returnId"]),
            format!(
                "Return is {} and cannot be processed",
                ret.status.to_lowercase()
            ),
        );
    }
    let items = input
        .get("returnLineItems")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    // Order line -> units processed now, and where a restocked unit went.
    let mut processed_now: Vec<(u64, i64, Option<u64>)> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let field = |name: &str| json!(["input", "returnLineItems", i.to_string(), name]);
        let found = parse_gid(item.get("id"), "ReturnLineItem")
            .and_then(|id| ret.lines.iter().position(|l| l.id == id));
        let (Some(at), Some(line)) = (found, found.and_then(|at| ret.lines.get(at).cloned()))
        else {
            return refuse_return(ROOT, field("id"), "Return line item does not exist");
        };
        let quantity = item.get("quantity").and_then(Value::as_i64).unwrap_or(0);
        if quantity < 1 || quantity > line.quantity - line.processed {
            return refuse_return(
                ROOT,
                field("quantity"),
                format!(
                    "Quantity must be between 1 and {}",
                    line.quantity - line.processed
                ),
            );
        }
        let mut dispositions = Vec::new();
        let list = item
            .get("dispositions")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for (j, d) in list.iter().enumerate() {
            let dfield = |name: &str| {
                json!([
                    "input",
                    "returnLineItems",
                    i.to_string(),
                    "dispositions",
                    j.to_string(),
                    name
                ])
            };
            if parse_gid(
                d.get("reverseFulfillmentOrderLineItemId"),
                "ReverseFulfillmentOrderLineItem",
            ) != Some(line.id)
            {
                return refuse_return(
                    ROOT,
                    dfield("reverseFulfillmentOrderLineItemId"),
                    "Reverse fulfillment order line item does not belong to the return line item",
                );
            }
            let kind = d
                .get("dispositionType")
                .and_then(Value::as_str)
                .unwrap_or("");
            if !matches!(
                kind,
                "RESTOCKED" | "PROCESSING_REQUIRED" | "NOT_RESTOCKED" | "MISSING"
            ) {
                return refuse_return(
                    ROOT,
                    dfield("dispositionType"),
                    "Disposition type is invalid",
                );
            }
            let location = parse_gid(d.get("locationId"), "Location");
            if kind == "RESTOCKED" && location.is_none() {
                return refuse_return(
                    ROOT,
                    dfield("locationId"),
                    "Location is required to restock",
                );
            }
            let units = d.get("quantity").and_then(Value::as_i64).unwrap_or(0);
            dispositions.push(SandboxDisposition::new(kind, units, location));
        }
        if dispositions.iter().any(|d| d.quantity < 1)
            || dispositions.iter().map(|d| d.quantity).sum::<i64>() > quantity
        {
            return refuse_return(
                ROOT,
                field("dispositions"),
                "Disposition quantities must be positive and at most the quantity processed",
            );
        }
        let restocked_at = dispositions
            .iter()
            .find(|d| d.kind == "RESTOCKED")
            .and_then(|d| d.location_id);
        processed_now.push((line.line_id, quantity, restocked_at));
        if let Some(l) = ret.lines.get_mut(at) {
            l.processed += quantity;
            l.dispositions.extend(dispositions);
        }
    }
    let issue = input
        .pointer("/financialTransfer/issueRefund/orderTransactions")
        .and_then(Value::as_array)
        .cloned();
    if let Some(transactions) = issue {
        let order_gid = gid("Order", ret.order_id);
        let refund_lines: Vec<Value> = processed_now
            .iter()
            .map(|(line, quantity, location)| {
                json!({"lineItemId": gid("LineItem", *line), "quantity": quantity,
                       "restockType": "RETURN",
                       "locationId": location.map(|l| gid("Location", l))})
            })
            .collect();
        let transactions: Vec<Value> = transactions
            .iter()
            .map(|t| {
                json!({"amount": t.pointer("/transactionAmount/amount").cloned().unwrap_or(Value::Null),
                       "kind": "REFUND", "gateway": "shopify_payments", "orderId": order_gid,
                       "parentId": t.get("parentId").cloned().unwrap_or(Value::Null)})
            })
            .collect();
        let mut refund_input = Map::new();
        refund_input.insert("orderId".to_owned(), json!(order_gid));
        refund_input.insert("refundLineItems".to_owned(), json!(refund_lines));
        refund_input.insert("transactions".to_owned(), json!(transactions));
        if let Some(shipping) = input.get("refundShipping") {
            refund_input.insert(
                "shipping".to_owned(),
                json!({
                    "fullRefund": shipping.get("fullRefund").cloned().unwrap_or(Value::Null),
                    "amount": shipping.pointer("/shippingRefundAmount/amount").cloned().unwrap_or(Value::Null),
                }),
            );
        }
        let refund_input = Value::Object(refund_input);
        let mut refund_vars = Map::new();
        refund_vars.insert("input".to_owned(), refund_input);
        let answer = refund_create(state, now, &refund_vars);
        let errors = answer
            .data
            .pointer("/refundCreate/userErrors")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if !errors.is_empty() {
            let errors = errors
                .into_iter()
                .map(|mut e| {
                    let mut field = vec![json!("input"), json!("financialTransfer")];
                    if let Some(map) = e.as_object_mut() {
                        let inner = map.remove("field");
                        field.extend(
                            inner
                                .as_ref()
                                .and_then(Value::as_array)
                                .cloned()
                                .unwrap_or_default(),
                        );
                        map.insert("field".to_owned(), Value::Array(field));
                    }
                    e
                })
                .collect();
            return return_payload(ROOT, Value::Null, errors);
        }
        let refund_id = parse_gid(answer.data.pointer("/refundCreate/refund/id"), "Refund");
        if let Some(r) = state
            .refunds
            .by_order
            .get_mut(&ret.order_id)
            .and_then(|rs| rs.iter_mut().find(|r| Some(r.id) == refund_id))
        {
            r.return_id = Some(ret.id);
        }
        if ret.lines.iter().all(|l| l.processed == l.quantity) {
            ret.status = "CLOSED".to_owned();
        }
    }
    let order = state.orders.get(&ret.order_id).cloned();
    let sku = |line: u64| {
        order
            .as_ref()
            .and_then(|o| o.lines.iter().find(|l| l.id == line))
            .and_then(|l| l.sku.clone())
    };
    let payload = return_json(&ret, &sku);
    state.refunds.returns.insert(ret.id, ret);
    return_payload(ROOT, payload, Vec::new())
}
