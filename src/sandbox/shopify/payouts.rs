//! Shopify Payments in the Shopify emulator: `shopifyPaymentsAccount { payouts,
//! balanceTransactions }` served from a [`PayoutMonth`] loaded into the state.
//!
//! Payouts page by issue date (`sortKey: ISSUED_AT`) and accept the `issued_at:>='…'` search
//! the crate's cursor sends; balance transactions page by ID (`sortKey: ID`). The
//! `payments_transfer_id:<payout>` term the client sends is accepted but not honoured: it is
//! not a documented filter, so the emulator answers as a Shopify that ignores it would, and the
//! client must join on `associatedPayout.id`. Any other search term is refused with an error,
//! so a client that starts sending one is noticed. A shop with no payments account loaded
//! answers as a store without Shopify Payments was recorded answering: `ACCESS_DENIED`
//! naming the `read_shopify_payments_payouts` scope, with `shopifyPaymentsAccount: null`.
//! `BigInt` fields (`sourceId`, `sourceOrderTransactionId`, `orderTransactionId`) are sent as
//! strings, as Shopify encodes them.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::ShopifyEmulator;
use super::ops::{OpResult, top_error};
use super::state::ShopifyState;
use crate::sandbox::payouts::PayoutMonth;
use crate::shopify::model::{BalanceTransaction, Payout};

/// The Shopify Payments account of the emulated shop.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct SandboxPaymentsAccount {
    /// Payouts, in any order (served by issue date, then ID).
    pub payouts: Vec<Payout>,
    /// Balance transactions of every payout (served by ID).
    pub transactions: Vec<BalanceTransaction>,
}

impl SandboxPaymentsAccount {
    /// The account holding every payout and balance transaction of `month`.
    #[must_use]
    pub fn from_month(month: &PayoutMonth) -> Self {
        let mut account = Self::default();
        for (payout, transactions) in &month.payouts {
            account.payouts.push(payout.clone());
            account.transactions.extend(transactions.iter().cloned());
        }
        account
    }
}

impl ShopifyEmulator {
    /// Gives the shop a Shopify Payments account holding `month`'s payouts and balance
    /// transactions (until then, payout reads are denied as on a shop without one).
    pub fn load_payouts(&self, month: &PayoutMonth) {
        self.with_state(|s| s.payments_account = Some(SandboxPaymentsAccount::from_month(month)));
    }
}

const MAX_FIRST: u64 = 250;

fn denied() -> OpResult {
    OpResult {
        data: json!({"shopifyPaymentsAccount": null}),
        errors: vec![json!({
            "message": "Access denied for shopifyPaymentsAccount field. Required access: `read_shopify_payments_payouts` access scope. Also: Staff member must have `view_payouts` permission.",
            "locations": [{"line": 2, "column": 3}],
            "path": ["shopifyPaymentsAccount"],
            "extensions": {"code": "ACCESS_DENIED", "documentation": "https://shopify.dev/api/usage/access-scopes", "requiredAccess": "`read_shopify_payments_payouts` access scope. Also: Staff member must have `view_payouts` permission."}
        })],
        returned_nodes: None,
    }
}

fn failed(error: Value) -> OpResult {
    OpResult {
        data: Value::Null,
        errors: vec![error],
        returned_nodes: None,
    }
}

fn encode_cursor(kind: &str, id: u64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{kind}:{id}"))
}

fn decode_cursor(vars: &Map<String, Value>, kind: &str) -> Result<Option<u64>, Value> {
    let Some(text) = vars.get("after").and_then(Value::as_str) else {
        return Ok(None);
    };
    URL_SAFE_NO_PAD
        .decode(text)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.strip_prefix(&format!("{kind}:"))?.parse().ok())
        .map(Some)
        .ok_or_else(|| {
            top_error(
                "INVALID_CURSOR",
                format!("Invalid cursor for {kind}: {text}"),
            )
        })
}

fn page_size(vars: &Map<String, Value>) -> Result<usize, Value> {
    match vars.get("first").and_then(Value::as_u64) {
        Some(n) if (1..=MAX_FIRST).contains(&n) => Ok(usize::try_from(n).unwrap_or(1)),
        other => Err(top_error(
            "BAD_REQUEST",
            format!("first must be between 1 and {MAX_FIRST}, got {other:?}"),
        )),
    }
}

/// Search terms (`key:value`, separated by spaces or `AND`); none for a blank search.
fn terms(vars: &Map<String, Value>) -> Vec<(String, String)> {
    vars.get("query")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .split_whitespace()
        .filter(|t| *t != "AND")
        .map(|t| {
            let (k, v) = t.split_once(':').unwrap_or((t, ""));
            (k.to_owned(), v.to_owned())
        })
        .collect()
}

fn unsupported(key: &str) -> Value {
    top_error(
        "BAD_REQUEST",
        format!("sandbox: search term {key:?} is not emulated"),
    )
}

/// `>=`/`>`/`<=`/`<`/exact comparison of an instant with a search value (quotes optional).
fn time_matches(at: DateTime<Utc>, value: &str) -> Result<bool, Value> {
    let (op, rest) = [">=", "<=", ">", "<"]
        .iter()
        .find_map(|op| value.strip_prefix(op).map(|r| (*op, r)))
        .unwrap_or(("=", value));
    let rest = rest.trim_matches(|c| c == '\'' || c == '"');
    let t = DateTime::parse_from_rfc3339(rest)
        .map_err(|e| top_error("BAD_REQUEST", format!("sandbox: bad date {rest:?}: {e}")))?
        .with_timezone(&Utc);
    Ok(match op {
        ">=" => at >= t,
        "<=" => at <= t,
        ">" => at > t,
        "<" => at < t,
        _ => at == t,
    })
}

fn connection(nodes: Vec<Value>, has_next: bool, end: Option<String>, field: &str) -> OpResult {
    let returned = nodes.len() as u64;
    OpResult {
        data: json!({"shopifyPaymentsAccount": {field: {
            "nodes": nodes,
            "pageInfo": {"hasNextPage": has_next, "endCursor": end}
        }}}),
        errors: Vec::new(),
        returned_nodes: Some(returned),
    }
}

/// `shopifyPaymentsAccount { payouts(first, after, query, sortKey: ISSUED_AT) }`.
pub(crate) fn payouts(state: &ShopifyState, vars: &Map<String, Value>) -> OpResult {
    let Some(account) = &state.payments_account else {
        return denied();
    };
    let run = || -> Result<OpResult, Value> {
        let size = page_size(vars)?;
        let after = decode_cursor(vars, "ShopifyPaymentsPayout")?;
        let terms = terms(vars);
        let mut selected = Vec::new();
        for payout in &account.payouts {
            let mut keep = true;
            for (key, value) in &terms {
                keep &= match key.as_str() {
                    "issued_at" => time_matches(payout.issued_at, value)?,
                    "status" => payout.status.as_str().eq_ignore_ascii_case(value),
                    other => return Err(unsupported(other)),
                };
            }
            if keep {
                selected.push(payout);
            }
        }
        selected.sort_by_key(|p| (p.issued_at, p.id.numeric_id()));
        let start = match after {
            None => 0,
            Some(id) => selected
                .iter()
                .position(|p| p.id.numeric_id() == id)
                .map_or(selected.len(), |i| i + 1),
        };
        let rest = selected.get(start..).unwrap_or_default();
        let chunk = rest.get(..size.min(rest.len())).unwrap_or_default();
        let end = chunk
            .last()
            .map(|p| encode_cursor("ShopifyPaymentsPayout", p.id.numeric_id()));
        let nodes = chunk
            .iter()
            .map(|p| payout_json(p))
            .collect::<Result<_, _>>()?;
        Ok(connection(nodes, rest.len() > chunk.len(), end, "payouts"))
    };
    run().unwrap_or_else(failed)
}

/// `shopifyPaymentsAccount { balanceTransactions(first, after, query, sortKey: ID) }`.
pub(crate) fn balance_transactions(state: &ShopifyState, vars: &Map<String, Value>) -> OpResult {
    let Some(account) = &state.payments_account else {
        return denied();
    };
    let run = || -> Result<OpResult, Value> {
        let size = page_size(vars)?;
        let after = decode_cursor(vars, "ShopifyPaymentsBalanceTransaction")?.unwrap_or(0);
        let terms = terms(vars);
        let mut selected = Vec::new();
        for tx in &account.transactions {
            let mut keep = tx.id.numeric_id() > after;
            for (key, _value) in &terms {
                keep &= match key.as_str() {
                    // Not a documented filter of Shopify's: the emulator does not honour it
                    // (as a Shopify that ignores it would not), so the client's own join on
                    // `associatedPayout.id` is what selects a payout's transactions.
                    "payments_transfer_id" => true,
                    other => return Err(unsupported(other)),
                };
            }
            if keep {
                selected.push(tx);
            }
        }
        selected.sort_by_key(|t| t.id.numeric_id());
        let chunk = selected.get(..size.min(selected.len())).unwrap_or_default();
        let end = chunk
            .last()
            .map(|t| encode_cursor("ShopifyPaymentsBalanceTransaction", t.id.numeric_id()));
        let nodes = chunk
            .iter()
            .map(|t| transaction_json(t))
            .collect::<Result<_, _>>()?;
        Ok(connection(
            nodes,
            selected.len() > chunk.len(),
            end,
            "balanceTransactions",
        ))
    };
    run().unwrap_or_else(failed)
}

fn internal(e: &serde_json::Error) -> Value {
    top_error("INTERNAL_SERVER_ERROR", format!("sandbox: {e}"))
}

fn payout_json(payout: &Payout) -> Result<Value, Value> {
    serde_json::to_value(payout).map_err(|e| internal(&e))
}

/// A `BigInt` as Shopify sends it: a string of digits.
fn big_int_as_text(map: &mut Map<String, Value>, key: &str) {
    if let Some(n) = map.get(key).and_then(Value::as_u64) {
        map.insert(key.to_owned(), Value::String(n.to_string()));
    }
}

fn transaction_json(tx: &BalanceTransaction) -> Result<Value, Value> {
    let mut value = serde_json::to_value(tx).map_err(|e| internal(&e))?;
    if let Some(map) = value.as_object_mut() {
        big_int_as_text(map, "sourceId");
        big_int_as_text(map, "sourceOrderTransactionId");
        if let Some(orders) = map
            .get_mut("adjustmentsOrders")
            .and_then(Value::as_array_mut)
        {
            for order in orders.iter_mut().filter_map(Value::as_object_mut) {
                big_int_as_text(order, "orderTransactionId");
            }
        }
    }
    Ok(value)
}
