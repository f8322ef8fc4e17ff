//! Fulfillment orders and fulfillments of the Shopify emulator.
//!
//! An order gets its fulfillment orders on first use: one per assigned location (the shop's
//! first location that fulfils online orders), holding every line; a cancelled order's open
//! fulfillment orders read as `CANCELLED`. `fulfillmentCreate` checks what real Shopify was
//! recorded checking, with its messages (one order, one location, fulfillable status, known
//! lines, quantity above 0 and within `remainingQuantity`); `fulfillmentTrackingInfoUpdate`
//! replaces the tracking set; `fulfillmentOrderMove` moves lines to a new fulfillment order.
//! [`ShopifyEmulator::hold_fulfillment_order_lines`](super::ShopifyEmulator::hold_fulfillment_order_lines)
//! places a line hold, which splits the fulfillment order as real Shopify does.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::ops::{OpResult, gid, parse_gid};
use super::state::ShopifyState;

/// A fulfillment order line.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct SandboxFoLine {
    /// Numeric ID.
    pub id: u64,
    /// The order line.
    pub line_item: u64,
    /// Its SKU.
    pub sku: Option<String>,
    /// Units left to fulfil.
    pub remaining: i64,
    /// Units on the fulfillment order.
    pub total: i64,
}

/// A fulfillment order.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct SandboxFulfillmentOrder {
    /// Numeric ID.
    pub id: u64,
    /// Assigned location.
    pub location: u64,
    /// `OPEN`, `IN_PROGRESS`, `ON_HOLD`, `CLOSED`, `CANCELLED`.
    pub status: String,
    /// Holds: (numeric ID, reason).
    pub holds: Vec<(u64, String)>,
    /// Lines.
    pub lines: Vec<SandboxFoLine>,
}

/// A fulfillment.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct SandboxFulfillment {
    /// Numeric ID.
    pub id: u64,
    /// Where it shipped from.
    pub location: u64,
    /// `SUCCESS` or `CANCELLED`.
    pub status: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// Tracking: (company, number, url).
    pub tracking: Vec<(Option<String>, String, Option<String>)>,
    /// (order line, units).
    pub lines: Vec<(u64, i64)>,
}

/// The fulfillment state of one order.
#[derive(Debug, Clone, Default, Serialize)]
#[non_exhaustive]
pub struct SandboxOrderFulfillment {
    /// Fulfillment orders, by creation.
    pub fulfillment_orders: Vec<SandboxFulfillmentOrder>,
    /// Fulfillments, by creation.
    pub fulfillments: Vec<SandboxFulfillment>,
}

/// Every order's fulfillment state.
#[derive(Debug, Clone, Default, Serialize)]
#[non_exhaustive]
pub struct FulfillmentBook {
    /// By order ID.
    pub orders: BTreeMap<u64, SandboxOrderFulfillment>,
    next_id: u64,
}

impl FulfillmentBook {
    fn next(&mut self) -> u64 {
        self.next_id += 1;
        900_000 + self.next_id
    }
}

fn data(data: Value) -> OpResult {
    OpResult {
        data,
        errors: Vec::new(),
        returned_nodes: None,
    }
}

/// Makes the order's fulfillment orders if it has none yet, and marks those of a cancelled
/// order cancelled. `false` when the order does not exist.
pub(crate) fn ensure(state: &mut ShopifyState, order_id: u64) -> bool {
    let Some(order) = state.orders.get(&order_id) else {
        return false;
    };
    let cancelled = order.cancelled_at.is_some();
    let lines: Vec<(u64, Option<String>, i64)> = order
        .lines
        .iter()
        .map(|l| (l.id, l.sku.clone(), l.quantity))
        .collect();
    let location = state
        .locations
        .values()
        .find(|l| l.fulfills_online_orders)
        .or_else(|| state.locations.values().next())
        .map_or(0, |l| l.id);
    let book = &mut state.fulfillment;
    if !book.orders.contains_key(&order_id) {
        let id = book.next();
        let mut fo = SandboxFulfillmentOrder {
            id,
            location,
            status: "OPEN".to_owned(),
            holds: Vec::new(),
            lines: Vec::new(),
        };
        for (line, sku, quantity) in lines {
            let line_id = book.next();
            fo.lines.push(SandboxFoLine {
                id: line_id,
                line_item: line,
                sku,
                remaining: quantity,
                total: quantity,
            });
        }
        book.orders.insert(
            order_id,
            SandboxOrderFulfillment {
                fulfillment_orders: vec![fo],
                fulfillments: Vec::new(),
            },
        );
    }
    if cancelled {
        if let Some(o) = book.orders.get_mut(&order_id) {
            for fo in &mut o.fulfillment_orders {
                if fo.status != "CLOSED" {
                    fo.status = "CANCELLED".to_owned();
                }
            }
        }
    }
    true
}

fn actions(status: &str) -> Value {
    match status {
        "OPEN" | "IN_PROGRESS" => {
            json!([{"action": "CREATE_FULFILLMENT"}, {"action": "REPORT_PROGRESS"},
                                         {"action": "MOVE"}, {"action": "HOLD"}])
        }
        "ON_HOLD" => json!([{"action": "RELEASE_HOLD"}, {"action": "HOLD"}, {"action": "MOVE"}]),
        _ => json!([]),
    }
}

/// Lines of a fulfillment order or fulfillment in the first page of a nested connection, as
/// the crate's documents ask for (`lineItems(first: 25)`, `fulfillmentLineItems(first: 25)`).
const NESTED_LINES: usize = 25;

/// A page of `items` from the position in `after` (a cursor `"<prefix>:<n>"`), `first` long:
/// the nodes and the `pageInfo`.
fn page_of<T>(
    items: &[T],
    prefix: &str,
    after: Option<&str>,
    first: usize,
    node: impl Fn(&T) -> Value,
) -> (Vec<Value>, Value) {
    let start: usize = after
        .and_then(|c| c.strip_prefix(prefix))
        .and_then(|c| c.strip_prefix(':'))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let end = start.saturating_add(first).min(items.len());
    let nodes: Vec<Value> = items
        .get(start.min(end)..end)
        .unwrap_or_default()
        .iter()
        .map(node)
        .collect();
    let info = json!({"hasNextPage": end < items.len(), "endCursor": format!("{prefix}:{end}")});
    (nodes, info)
}

/// A fulfillment order line as the crate reads it, with its order line's quantity and
/// bundle group.
fn fo_line_json(state: &ShopifyState, order: u64, l: &SandboxFoLine) -> Value {
    let line = state
        .orders
        .get(&order)
        .and_then(|o| o.lines.iter().find(|x| x.id == l.line_item));
    let group = line
        .and_then(|x| x.bundle.as_ref())
        .map(|g| json!({"id": gid("LineItemGroup", g.id), "quantity": g.quantity}));
    json!({
        "id": gid("FulfillmentOrderLineItem", l.id),
        "sku": l.sku, "remainingQuantity": l.remaining, "totalQuantity": l.total,
        "lineItem": {"id": gid("LineItem", l.line_item), "quantity": line.map(|x| x.quantity),
                     "lineItemGroup": group}
    })
}

fn fo_json(state: &ShopifyState, order: u64, fo: &SandboxFulfillmentOrder) -> Value {
    let prefix = format!("fol{}", fo.id);
    let (nodes, info) = page_of(&fo.lines, &prefix, None, NESTED_LINES, |l| {
        fo_line_json(state, order, l)
    });
    json!({
        "id": gid("FulfillmentOrder", fo.id),
        "status": fo.status,
        "assignedLocation": {"location": {"id": gid("Location", fo.location)}},
        "fulfillmentHolds": fo.holds.iter().map(|(id, reason)| json!({
            "id": gid("FulfillmentHold", *id), "reason": reason, "reasonNotes": null
        })).collect::<Vec<_>>(),
        "supportedActions": actions(&fo.status),
        "lineItems": {"nodes": nodes, "pageInfo": info}
    })
}

/// The numeric ID of the `index`-th line of fulfillment `fulfillment` (a fulfillment has
/// fewer than 1,000 lines in the emulator; the GID's type keeps it apart from other IDs).
pub(crate) fn line_item_id(fulfillment: u64, index: usize) -> u64 {
    fulfillment
        .saturating_mul(1000)
        .saturating_add(index as u64 + 1)
}

/// A fulfillment's lines with their IDs.
fn numbered(f: &SandboxFulfillment) -> Vec<(u64, (u64, i64))> {
    f.lines
        .iter()
        .enumerate()
        .map(|(i, l)| (line_item_id(f.id, i), *l))
        .collect()
}

fn fulfillment_line_json((id, line): &(u64, (u64, i64))) -> Value {
    json!({"id": gid("FulfillmentLineItem", *id), "lineItem": {"id": gid("LineItem", line.0)}, "quantity": line.1})
}

fn fulfillment_json(f: &SandboxFulfillment) -> Value {
    let prefix = format!("fl{}", f.id);
    let (nodes, info) = page_of(
        &numbered(f),
        &prefix,
        None,
        NESTED_LINES,
        fulfillment_line_json,
    );
    json!({
        "id": gid("Fulfillment", f.id),
        "status": f.status,
        "createdAt": f.created_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "location": {"id": gid("Location", f.location)},
        "trackingInfo": f.tracking.iter().map(|(c, n, u)| json!({"company": c, "number": n, "url": u})).collect::<Vec<_>>(),
        "fulfillmentLineItems": {"nodes": nodes, "pageInfo": info}
    })
}

fn first_of(vars: &Map<String, Value>, name: &str) -> usize {
    vars.get(name)
        .and_then(Value::as_u64)
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(0)
}

/// `OrderFulfillments`: the order's header, its fulfillment count and its first
/// `$fulfillments` fulfillments (a list: Shopify gives no cursor for it), each with its
/// first 25 lines.
pub(crate) fn order_fulfillments(state: &mut ShopifyState, vars: &Map<String, Value>) -> OpResult {
    let Some(id) = parse_gid(vars.get("id"), "Order").filter(|id| ensure(state, *id)) else {
        return data(json!({"order": null}));
    };
    let first = first_of(vars, "fulfillments");
    let order = state.orders.get(&id);
    let book = state.fulfillment.orders.get(&id);
    let count = book.map_or(0, |b| b.fulfillments.len());
    data(json!({"order": {
        "id": gid("Order", id),
        "name": order.map(|o| o.name.clone()),
        "cancelledAt": order.and_then(|o| o.cancelled_at).map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        "fulfillmentsCount": {"count": count, "precision": "EXACT"},
        "fulfillments": book.map(|b| b.fulfillments.iter().take(first).map(fulfillment_json).collect::<Vec<_>>()).unwrap_or_default(),
    }}))
}

/// `OrderFulfillmentOrders`: a page of the order's fulfillment orders (cursor: position).
pub(crate) fn order_fulfillment_orders(
    state: &mut ShopifyState,
    vars: &Map<String, Value>,
) -> OpResult {
    let Some(id) = parse_gid(vars.get("id"), "Order").filter(|id| ensure(state, *id)) else {
        return data(json!({"order": null}));
    };
    let state = &*state;
    let fos: &[SandboxFulfillmentOrder] = state
        .fulfillment
        .orders
        .get(&id)
        .map(|b| b.fulfillment_orders.as_slice())
        .unwrap_or_default();
    let (page, info) = page_of(
        fos,
        "fo",
        vars.get("after").and_then(Value::as_str),
        first_of(vars, "first"),
        |fo| fo_json(state, id, fo),
    );
    let returned = page.len();
    OpResult {
        data: json!({"order": {"fulfillmentOrders": {"nodes": page, "pageInfo": info}}}),
        errors: Vec::new(),
        returned_nodes: Some(returned as u64),
    }
}

/// `FulfillmentOrderLineItems`: a page of one fulfillment order's lines.
pub(crate) fn fulfillment_order_line_items(
    state: &mut ShopifyState,
    vars: &Map<String, Value>,
) -> OpResult {
    let id = parse_gid(vars.get("id"), "FulfillmentOrder");
    let state = &*state;
    let found = state.fulfillment.orders.iter().find_map(|(order, b)| {
        b.fulfillment_orders
            .iter()
            .find(|f| Some(f.id) == id)
            .map(|fo| (*order, fo))
    });
    let Some((order, fo)) = found else {
        return data(json!({"fulfillmentOrder": null}));
    };
    let (nodes, info) = page_of(
        &fo.lines,
        &format!("fol{}", fo.id),
        vars.get("after").and_then(Value::as_str),
        first_of(vars, "first"),
        |l| fo_line_json(state, order, l),
    );
    let returned = nodes.len();
    OpResult {
        data: json!({"fulfillmentOrder": {"lineItems": {"nodes": nodes, "pageInfo": info}}}),
        errors: Vec::new(),
        returned_nodes: Some(returned as u64),
    }
}

/// `FulfillmentLineItems`: a page of one fulfillment's lines.
pub(crate) fn fulfillment_line_items(
    state: &mut ShopifyState,
    vars: &Map<String, Value>,
) -> OpResult {
    let id = parse_gid(vars.get("id"), "Fulfillment");
    let found = state
        .fulfillment
        .orders
        .values()
        .flat_map(|b| &b.fulfillments)
        .find(|f| Some(f.id) == id);
    let Some(f) = found else {
        return data(json!({"fulfillment": null}));
    };
    let (nodes, info) = page_of(
        &numbered(f),
        &format!("fl{}", f.id),
        vars.get("after").and_then(Value::as_str),
        first_of(vars, "first"),
        fulfillment_line_json,
    );
    let returned = nodes.len();
    OpResult {
        data: json!({"fulfillment": {"fulfillmentLineItems": {"nodes": nodes, "pageInfo": info}}}),
        errors: Vec::new(),
        returned_nodes: Some(returned as u64),
    }
}

fn refuse(root: &str, field: Value, message: impl Into<String>) -> OpResult {
    let mut payload = Map::new();
    payload.insert("fulfillment".to_owned(), Value::Null);
    payload.insert(
        "userErrors".to_owned(),
        json!([{"field": field, "message": message.into()}]),
    );
    let mut root_map = Map::new();
    root_map.insert(root.to_owned(), Value::Object(payload));
    data(Value::Object(root_map))
}

/// Finds the order holding a fulfillment order.
fn order_of(state: &ShopifyState, fo: u64) -> Option<u64> {
    state
        .fulfillment
        .orders
        .iter()
        .find(|(_, b)| b.fulfillment_orders.iter().any(|f| f.id == fo))
        .map(|(id, _)| *id)
}

/// `fulfillmentCreate`.
pub(crate) fn fulfillment_create(
    state: &mut ShopifyState,
    now: DateTime<Utc>,
    vars: &Map<String, Value>,
) -> OpResult {
    const ROOT: &str = "fulfillmentCreate";
    let input = vars.get("fulfillment").cloned().unwrap_or(Value::Null);
    let groups = input
        .get("lineItemsByFulfillmentOrder")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    // Every fulfillment order: exists, one order, one location, fulfillable.
    let mut order: Option<u64> = None;
    let mut location: Option<u64> = None;
    let mut wanted: Vec<(u64, Vec<(u64, i64)>)> = Vec::new();
    for (g, group) in groups.iter().enumerate() {
        let Some(fo_id) = parse_gid(group.get("fulfillmentOrderId"), "FulfillmentOrder") else {
            return refuse(
                ROOT,
                json!(["fulfillment"]),
                "Fulfillment order does not exist.",
            );
        };
        let Some(owner) = order_of(state, fo_id) else {
            return refuse(
                ROOT,
                json!(["fulfillment"]),
                "Fulfillment order does not exist.",
            );
        };
        if order.is_some_and(|o| o != owner) {
            return refuse(
                ROOT,
                json!(["fulfillment"]),
                format!(
                    "All fulfillment orders must belong to the same order. Multiple orders with ids [{}, {owner}] were found.",
                    order.unwrap_or_default()
                ),
            );
        }
        order = Some(owner);
        ensure(state, owner);
        let fo = state
            .fulfillment
            .orders
            .get(&owner)
            .and_then(|b| b.fulfillment_orders.iter().find(|f| f.id == fo_id));
        let Some(fo) = fo else {
            return refuse(
                ROOT,
                json!(["fulfillment"]),
                "Fulfillment order does not exist.",
            );
        };
        if location.is_some_and(|l| l != fo.location) {
            return refuse(
                ROOT,
                json!(["fulfillment"]),
                "All fulfillment orders must be assigned to a single location.",
            );
        }
        location = Some(fo.location);
        if fo.status != "OPEN" && fo.status != "IN_PROGRESS" {
            return refuse(
                ROOT,
                json!(["fulfillment"]),
                format!(
                    "Fulfillment order {} has an unfulfillable status= {}.",
                    fo.id,
                    fo.status.to_lowercase()
                ),
            );
        }
        let mut lines = Vec::new();
        let items = group
            .get("fulfillmentOrderLineItems")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for (i, item) in items.iter().enumerate() {
            let Some(line_id) = parse_gid(item.get("id"), "FulfillmentOrderLineItem") else {
                return refuse(
                    ROOT,
                    json!(["fulfillment"]),
                    "Fulfillment order line item does not exist.",
                );
            };
            let quantity = item.get("quantity").and_then(Value::as_i64).unwrap_or(0);
            let Some(line) = fo.lines.iter().find(|l| l.id == line_id) else {
                return refuse(
                    ROOT,
                    json!(["fulfillment"]),
                    "Fulfillment order line item does not exist.",
                );
            };
            if quantity <= 0 {
                return refuse(
                    ROOT,
                    json!([
                        "fulfillment",
                        "lineItemsByFulfillmentOrder",
                        g.to_string(),
                        "fulfillmentOrderLineItems",
                        i.to_string(),
                        "quantity"
                    ]),
                    "Quantity must be greater than 0",
                );
            }
            if quantity > line.remaining {
                return refuse(
                    ROOT,
                    json!(["fulfillment"]),
                    "Invalid fulfillment order line item quantity requested.",
                );
            }
            lines.push((line_id, quantity));
        }
        if lines.is_empty() {
            lines = fo
                .lines
                .iter()
                .filter(|l| l.remaining > 0)
                .map(|l| (l.id, l.remaining))
                .collect();
        }
        wanted.push((fo_id, lines));
    }
    let (Some(order), Some(location)) = (order, location) else {
        return refuse(
            ROOT,
            json!(["fulfillment"]),
            "Fulfillment order does not exist.",
        );
    };
    let tracking = input.get("trackingInfo").cloned().unwrap_or(Value::Null);
    let company = tracking
        .get("company")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let urls: Vec<Option<String>> = tracking
        .get("urls")
        .and_then(Value::as_array)
        .map(|u| u.iter().map(|v| v.as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    let mut numbers: Vec<String> = tracking
        .get("numbers")
        .and_then(Value::as_array)
        .map(|n| {
            n.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    if let Some(n) = tracking.get("number").and_then(Value::as_str) {
        numbers.insert(0, n.to_owned());
    }
    let id = state.fulfillment.next();
    let Some(book) = state.fulfillment.orders.get_mut(&order) else {
        return refuse(
            ROOT,
            json!(["fulfillment"]),
            "Fulfillment order does not exist.",
        );
    };
    let mut fulfilled = Vec::new();
    for (fo_id, lines) in wanted {
        if let Some(fo) = book.fulfillment_orders.iter_mut().find(|f| f.id == fo_id) {
            for (line_id, quantity) in lines {
                if let Some(line) = fo.lines.iter_mut().find(|l| l.id == line_id) {
                    line.remaining -= quantity;
                    fulfilled.push((line.line_item, quantity));
                }
            }
            fo.status = if fo.lines.iter().all(|l| l.remaining == 0) {
                "CLOSED".to_owned()
            } else {
                "IN_PROGRESS".to_owned()
            };
        }
    }
    let fulfillment = SandboxFulfillment {
        id,
        location,
        status: "SUCCESS".to_owned(),
        created_at: now,
        tracking: numbers
            .into_iter()
            .enumerate()
            .map(|(i, n)| (company.clone(), n, urls.get(i).cloned().flatten()))
            .collect(),
        lines: fulfilled,
    };
    let answer = fulfillment_json(&fulfillment);
    book.fulfillments.push(fulfillment);
    data(json!({ROOT: {"fulfillment": answer, "userErrors": []}}))
}

/// `fulfillmentTrackingInfoUpdate`: replaces the tracking set.
pub(crate) fn fulfillment_tracking_update(
    state: &mut ShopifyState,
    vars: &Map<String, Value>,
) -> OpResult {
    const ROOT: &str = "fulfillmentTrackingInfoUpdate";
    let id = parse_gid(vars.get("fulfillmentId"), "Fulfillment");
    let found = state
        .fulfillment
        .orders
        .values_mut()
        .flat_map(|b| b.fulfillments.iter_mut())
        .find(|f| Some(f.id) == id);
    let Some(f) = found else {
        return refuse(
            ROOT,
            json!(["fulfillmentId"]),
            "Fulfillment does not exist.",
        );
    };
    let t = vars
        .get("trackingInfoInput")
        .cloned()
        .unwrap_or(Value::Null);
    let company = t.get("company").and_then(Value::as_str).map(str::to_owned);
    let urls: Vec<Option<String>> = t
        .get("urls")
        .and_then(Value::as_array)
        .map(|u| u.iter().map(|v| v.as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    f.tracking = t
        .get("numbers")
        .and_then(Value::as_array)
        .map(|n| n.iter().filter_map(Value::as_str).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(i, n)| {
            (
                company.clone(),
                n.to_owned(),
                urls.get(i).cloned().flatten(),
            )
        })
        .collect();
    let answer = fulfillment_json(f);
    data(json!({ROOT: {"fulfillment": answer, "userErrors": []}}))
}

/// `fulfillmentOrderMove`: the named lines (all when none) go to a new fulfillment order at
/// the new location.
pub(crate) fn fulfillment_order_move(
    state: &mut ShopifyState,
    vars: &Map<String, Value>,
) -> OpResult {
    const ROOT: &str = "fulfillmentOrderMove";
    let refuse_move = |message: &str| {
        data(
            json!({ROOT: {"movedFulfillmentOrder": null, "userErrors": [{"field": ["id"], "message": message}]}}),
        )
    };
    let Some(fo_id) = parse_gid(vars.get("id"), "FulfillmentOrder") else {
        return refuse_move("Fulfillment order does not exist.");
    };
    let Some(new_location) = parse_gid(vars.get("newLocationId"), "Location")
        .filter(|l| state.locations.contains_key(l))
    else {
        return refuse_move("Location does not exist.");
    };
    let Some(order) = order_of(state, fo_id) else {
        return refuse_move("Fulfillment order does not exist.");
    };
    let wanted: Option<Vec<(u64, i64)>> = vars
        .get("fulfillmentOrderLineItems")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|i| {
                    Some((
                        parse_gid(i.get("id"), "FulfillmentOrderLineItem")?,
                        i.get("quantity")?.as_i64()?,
                    ))
                })
                .collect()
        });
    let new_id = state.fulfillment.next();
    let mut next_ids: Vec<u64> = (0..64).map(|_| state.fulfillment.next()).collect();
    let Some(book) = state.fulfillment.orders.get_mut(&order) else {
        return refuse_move("Fulfillment order does not exist.");
    };
    let Some(fo) = book.fulfillment_orders.iter_mut().find(|f| f.id == fo_id) else {
        return refuse_move("Fulfillment order does not exist.");
    };
    if !matches!(fo.status.as_str(), "OPEN" | "IN_PROGRESS" | "ON_HOLD") {
        return refuse_move("Cannot move a fulfillment order in this status.");
    }
    let mut moved = SandboxFulfillmentOrder {
        id: new_id,
        location: new_location,
        status: "OPEN".to_owned(),
        holds: Vec::new(),
        lines: Vec::new(),
    };
    for line in &mut fo.lines {
        let quantity = match &wanted {
            Some(w) => w
                .iter()
                .find(|(id, _)| *id == line.id)
                .map_or(0, |(_, q)| *q),
            None => line.remaining,
        };
        let quantity = quantity.min(line.remaining);
        if quantity <= 0 {
            continue;
        }
        line.remaining -= quantity;
        line.total -= quantity;
        moved.lines.push(SandboxFoLine {
            id: next_ids.pop().unwrap_or(new_id),
            line_item: line.line_item,
            sku: line.sku.clone(),
            remaining: quantity,
            total: quantity,
        });
    }
    if fo.lines.iter().all(|l| l.remaining == 0) {
        fo.status = "CLOSED".to_owned();
    }
    let answer = json!({"id": gid("FulfillmentOrder", moved.id), "status": moved.status});
    book.fulfillment_orders.push(moved);
    data(json!({ROOT: {"movedFulfillmentOrder": answer, "userErrors": []}}))
}

/// A hold on some lines of a fulfillment order: they move to a new fulfillment order
/// `ON_HOLD` (the original keeps the rest, `OPEN`). Answers the held fulfillment order's ID.
pub(crate) fn hold_lines(
    state: &mut ShopifyState,
    order: u64,
    lines: &[(u64, i64)],
    reason: &str,
) -> Option<u64> {
    if !ensure(state, order) {
        return None;
    }
    let held_id = state.fulfillment.next();
    let hold_id = state.fulfillment.next();
    let mut ids: Vec<u64> = lines.iter().map(|_| 0).collect();
    for id in &mut ids {
        *id = state.fulfillment.next();
    }
    let book = state.fulfillment.orders.get_mut(&order)?;
    let mut held = SandboxFulfillmentOrder {
        id: held_id,
        location: 0,
        status: "ON_HOLD".to_owned(),
        holds: vec![(hold_id, reason.to_owned())],
        lines: Vec::new(),
    };
    for ((fo_line, quantity), new_line_id) in lines.iter().zip(ids) {
        let fo = book
            .fulfillment_orders
            .iter_mut()
            .find(|f| f.lines.iter().any(|l| l.id == *fo_line))?;
        held.location = fo.location;
        let line = fo.lines.iter_mut().find(|l| l.id == *fo_line)?;
        let quantity = (*quantity).min(line.remaining);
        line.remaining -= quantity;
        line.total -= quantity;
        held.lines.push(SandboxFoLine {
            id: new_line_id,
            line_item: line.line_item,
            sku: line.sku.clone(),
            remaining: quantity,
            total: quantity,
        });
    }
    book.fulfillment_orders.push(held);
    Some(held_id)
}

/// Releases every hold of a fulfillment order.
pub(crate) fn release_holds(state: &mut ShopifyState, fulfillment_order: u64) -> bool {
    let found = state
        .fulfillment
        .orders
        .values_mut()
        .flat_map(|b| b.fulfillment_orders.iter_mut())
        .find(|f| f.id == fulfillment_order);
    match found {
        Some(fo) if fo.status == "ON_HOLD" => {
            fo.holds.clear();
            fo.status = "OPEN".to_owned();
            true
        }
        _ => false,
    }
}

impl ShopifyState {
    /// Makes the lines of `order` that sell these variants the components of one native
    /// bundle (`lineItemGroup`) of `bundles` units sold as `bundle_sku`, as Shopify shows a
    /// bundle bought. Answers the group's number, or `None` when the order does not exist
    /// or sells none of the variants.
    pub fn bundle_order_lines(
        &mut self,
        order: u64,
        bundle_sku: &str,
        bundles: i64,
        variants: &[u64],
    ) -> Option<u64> {
        let id = self.next_id();
        let group = super::state::SandboxLineGroup {
            id,
            sku: bundle_sku.to_owned(),
            variant_id: None,
            title: bundle_sku.to_owned(),
            quantity: bundles,
        };
        let order = self.orders.get_mut(&order)?;
        let mut found = false;
        for line in &mut order.lines {
            if line.variant_id.is_some_and(|v| variants.contains(&v)) {
                line.bundle = Some(group.clone());
                found = true;
            }
        }
        found.then_some(id)
    }
}
