//! The emulated endpoints.

use std::time::Duration;

use serde_json::{Map, Value, json};

use super::filter;
use super::state::{StoklyState, field};

/// An answer: status and JSON body.
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) body: Value,
}

pub(crate) fn message(status: u16, text: impl Into<String>) -> Answer {
    Answer {
        status,
        body: json!({"message": text.into()}),
    }
}

fn ok(body: Value) -> Answer {
    Answer { status: 200, body }
}

pub(crate) fn accepted(id: &str) -> Answer {
    Answer {
        status: 202,
        body: json!({"data": {"id": id}}),
    }
}

/// What a route needs besides the state.
pub(crate) struct RouteCtx<'a> {
    pub(crate) query: &'a Map<String, Value>,
    pub(crate) body: &'a Value,
    pub(crate) now: chrono::DateTime<chrono::Utc>,
    pub(crate) elapsed: Duration,
    pub(crate) visibility_delay: Duration,
}

impl RouteCtx<'_> {
    fn visible(&self, state: &StoklyState, record: &Value, id_field: &str) -> bool {
        field(record, id_field)
            .as_str()
            .and_then(|id| state.visible_at.get(id))
            .is_none_or(|at| *at <= self.elapsed)
    }
}

/// The most rows one page may hold.
const MAX_SIZE: u64 = 1000;

/// Filters, sorts and pages `rows` into the list envelope.
pub(crate) fn list(rows: Vec<Value>, ctx: &RouteCtx<'_>) -> Answer {
    let filter = ctx
        .query
        .get("filter")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let expr = match filter::parse(filter) {
        Ok(e) => e,
        Err(e) => return message(400, format!("Invalid filter: {e}")),
    };
    let mut rows: Vec<Value> = rows
        .into_iter()
        .filter(|r| expr.as_ref().is_none_or(|e| filter::matches(e, r)))
        .collect();
    if let Some(sort) = ctx.query.get("sortField").and_then(Value::as_str) {
        let descending = ctx
            .query
            .get("sortDirection")
            .and_then(Value::as_str)
            .is_some_and(|d| d.eq_ignore_ascii_case("DESC"));
        rows.sort_by(|a, b| {
            let ordering = compare(field(a, sort), field(b, sort));
            if descending {
                ordering.reverse()
            } else {
                ordering
            }
        });
    }
    let number = |key: &str, default: u64| -> Result<u64, Answer> {
        match ctx.query.get(key).and_then(Value::as_str) {
            None => Ok(default),
            Some(v) => v
                .parse()
                .map_err(|_| message(400, format!("{key} must be a whole number"))),
        }
    };
    let (page, size) = match (number("page", 0), number("size", 100)) {
        (Ok(p), Ok(s)) => (p, s),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    if size == 0 || size > MAX_SIZE {
        return message(400, format!("size must be between 1 and {MAX_SIZE}"));
    }
    let count = rows.len();
    let start = usize::try_from(page.saturating_mul(size)).unwrap_or(usize::MAX);
    let data: Vec<Value> = rows.into_iter().skip(start).take(size as usize).collect();
    ok(json!({"data": data, "metadata": {"count": count}}))
}

fn compare(a: &Value, b: &Value) -> std::cmp::Ordering {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x.partial_cmp(&y).unwrap_or(std::cmp::Ordering::Equal),
        _ => a.to_string().cmp(&b.to_string()),
    }
}

fn one(record: Option<&Value>) -> Answer {
    match record {
        Some(r) => ok(json!({"data": r})),
        None => message(404, "Not found"),
    }
}

pub(crate) fn visible_rows(
    state: &StoklyState,
    rows: &[Value],
    id_field: &str,
    ctx: &RouteCtx<'_>,
) -> Vec<Value> {
    rows.iter()
        .filter(|r| ctx.visible(state, r, id_field))
        .cloned()
        .collect()
}

fn rows_of(rows: &[Value], key: &str, id: &str) -> Vec<Value> {
    rows.iter()
        .filter(|r| field(r, key).as_str() == Some(id))
        .cloned()
        .collect()
}

fn find<'a>(rows: &'a [Value], id_field: &str, id: &str) -> Option<&'a Value> {
    rows.iter()
        .find(|r| field(r, id_field).as_str() == Some(id))
}

/// Routes a request; `None` when no route matches.
pub(crate) fn route(
    state: &mut StoklyState,
    method: &str,
    segments: &[&str],
    ctx: &RouteCtx<'_>,
) -> Option<Answer> {
    let answer = match (method, segments) {
        ("GET", ["v0", "items"]) => list(visible_rows(state, &state.items, "itemId", ctx), ctx),
        ("GET", ["v0", "items", id]) => {
            one(find(&state.items, "itemId", id).filter(|r| ctx.visible(state, r, "itemId")))
        }
        ("GET", ["v0", "items", id, "children"]) => list(children(state, id), ctx),
        ("GET", ["v0", "items", id, "barcodes"]) => {
            let barcodes = find(&state.items, "itemId", id)
                .and_then(|i| field(i, "barcodes").as_array().cloned())
                .unwrap_or_default();
            list(
                barcodes
                    .into_iter()
                    .map(|b| json!({"barcode": b, "itemId": id}))
                    .collect(),
                ctx,
            )
        }
        ("GET", ["v0", "item-barcodes"]) => {
            let rows = state
                .items
                .iter()
                .flat_map(|i| {
                    let id = field(i, "itemId").clone();
                    field(i, "barcodes")
                        .as_array()
                        .cloned()
                        .unwrap_or_default()
                        .into_iter()
                        .map(move |b| json!({"itemId": id.clone(), "barcode": b}))
                })
                .collect();
            list(rows, ctx)
        }
        ("GET", ["v0", "composing-items"]) => list(state.composing_items.clone(), ctx),
        ("POST", ["v0", "items"]) => create_item(state, ctx),
        ("PATCH", ["v0", "items", id]) => patch_item(state, id, ctx),
        ("GET", ["v0", "channels"]) => list(state.channels.clone(), ctx),
        ("GET", ["v0", "channels", id]) => one(find(&state.channels, "channelId", id)),
        ("GET", ["v0", "channels", id, "listings"]) => {
            let rows = state
                .listings
                .iter()
                .filter(|l| field(l, "channelId").as_str() == Some(id))
                .cloned()
                .collect();
            list(rows, ctx)
        }
        ("GET", ["v0", "listings", id]) => one(find(&state.listings, "listingId", id)),
        ("GET", ["v0", "locations"]) => list(state.locations.clone(), ctx),
        ("GET", ["v0", "locations", id, "bins"]) => {
            let rows = state
                .bins
                .iter()
                .filter(|b| field(b, "locationId").as_str() == Some(id))
                .cloned()
                .collect();
            list(rows, ctx)
        }
        ("GET", ["v0", "bins"]) => list(state.bins.clone(), ctx),
        ("GET", ["v1", "inventory-records"]) => list(state.inventory_records(), ctx),
        ("POST", ["v1", "adjustments"]) => adjust(state, ctx),
        ("GET", ["v2", "saleorders"]) => list(
            visible_rows(state, &state.sale_orders, "saleOrderId", ctx),
            ctx,
        ),
        ("GET", ["v2", "saleorders", id]) => one(find(&state.sale_orders, "saleOrderId", id)
            .filter(|r| ctx.visible(state, r, "saleOrderId"))),
        ("GET", ["v2", "saleorders", id, "items"]) => {
            let rows = state
                .sale_order_lines
                .iter()
                .filter(|l| field(l, "saleOrderId").as_str() == Some(id))
                .cloned()
                .collect();
            list(rows, ctx)
        }
        ("GET", ["v2", "saleorders", id, "dispatches"]) => {
            list(super::dispatch::rows(state, id), ctx)
        }
        ("POST", ["v2", "saleorders"]) => create_sale_order(state, ctx),
        ("PATCH", ["v2", "saleorders", id]) => patch_sale_order(state, id, ctx),
        ("POST", ["v2", "saleorders", id, "collect-items"]) => collect_items(state, id, ctx),
        ("POST", ["v2", "saleorders", id, "items"]) => add_lines(state, id, ctx),
        ("PATCH", ["v2", "saleorders", id, "items", line]) => {
            change_line(state, id, line, ctx, false)
        }
        ("DELETE", ["v2", "saleorders", id, "items", line]) => {
            change_line(state, id, line, ctx, true)
        }
        ("POST", ["v2", "saleorders", id, "cancel"]) => cancel_sale_order(state, id),
        ("POST", ["v2", "saleorders", id, "invoices"]) => invoice(state, id, ctx),
        ("GET", ["v0", "customers"]) => list(
            visible_rows(state, &state.customers, "customerId", ctx),
            ctx,
        ),
        ("POST", ["v0", "customers"]) => create_customer(state, ctx),
        ("GET", ["v0", "invoices"]) => list(state.invoices.clone(), ctx),
        ("GET", ["v0", "price-lists"]) => list(state.price_lists.clone(), ctx),
        ("GET", ["v0", "price-lists", id, "customers"]) => {
            list(rows_of(&state.price_list_customers, "priceListId", id), ctx)
        }
        ("GET", ["v0", "price-lists", id, "items"]) => {
            list(rows_of(&state.price_list_items, "priceListId", id), ctx)
        }
        _ => return None,
    };
    Some(answer)
}

fn children(state: &StoklyState, id: &str) -> Vec<Value> {
    state
        .composing_items
        .iter()
        .filter(|c| field(c, "itemId").as_str() == Some(id))
        .filter_map(|c| {
            let component = field(c, "composingItemId").as_str()?;
            let item = find(&state.items, "itemId", component)?;
            Some(
                json!({"itemId": component, "sku": field(item, "sku"), "name": field(item, "name"),
                        "format": field(item, "format"), "status": field(item, "status"),
                        "composingItemQuantity": field(c, "quantity")}),
            )
        })
        .collect()
}

pub(crate) fn make_visible_later(state: &mut StoklyState, id: &str, ctx: &RouteCtx<'_>) {
    state
        .visible_at
        .insert(id.to_owned(), ctx.elapsed + ctx.visibility_delay);
}

fn create_item(state: &mut StoklyState, ctx: &RouteCtx<'_>) -> Answer {
    let Some(name) = field(ctx.body, "name").as_str().map(str::to_owned) else {
        return message(400, "name is required");
    };
    let format = field(ctx.body, "format").as_u64().unwrap_or(0);
    if format == 2 {
        return message(400, "variable items are created through /v0/variable-items");
    }
    let sku = field(ctx.body, "sku").as_str().map(str::to_owned);
    let barcode = field(ctx.body, "barcodes")
        .get(0)
        .and_then(Value::as_str)
        .map(str::to_owned);
    let id = state.add_item(
        sku.as_deref().unwrap_or_default(),
        &name,
        u8::try_from(format).unwrap_or(0),
        barcode.as_deref(),
        ctx.now,
    );
    make_visible_later(state, &id, ctx);
    accepted(&id)
}

fn patch_item(state: &mut StoklyState, id: &str, ctx: &RouteCtx<'_>) -> Answer {
    let Some(item) = state
        .items
        .iter_mut()
        .find(|i| field(i, "itemId").as_str() == Some(id))
    else {
        return message(404, "Not found");
    };
    if field(item, "format").as_u64() == Some(2) {
        return message(400, "variable items are updated through /v0/variable-items");
    }
    if let (Some(map), Some(patch)) = (item.as_object_mut(), ctx.body.as_object()) {
        for (k, v) in patch {
            map.insert(k.clone(), v.clone());
        }
        map.insert(
            "timeUpdated".to_owned(),
            json!(ctx.now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        );
    }
    accepted(id)
}

/// `POST /v1/adjustments`: signed deltas into one bin; the bin is required.
fn adjust(state: &mut StoklyState, ctx: &RouteCtx<'_>) -> Answer {
    let body = ctx.body;
    let (Some(location), Some(bin)) = (
        field(body, "locationId").as_str(),
        field(body, "binId").as_str(),
    ) else {
        return message(400, "locationId and binId are required");
    };
    if state
        .bin(bin)
        .is_none_or(|b| field(b, "locationId").as_str() != Some(location))
    {
        return message(400, format!("bin {bin} is not in location {location}"));
    }
    let Some(items) = field(body, "items").as_array() else {
        return message(400, "items is required");
    };
    let mut deltas = Vec::new();
    for (i, line) in items.iter().enumerate() {
        let (Some(item), Some(delta)) = (
            field(line, "itemId").as_str(),
            field(line, "quantity").as_f64(),
        ) else {
            return message(400, format!("items[{i}] needs itemId and quantity"));
        };
        if state.item(item).is_none() {
            return message(400, format!("items[{i}]: unknown item {item}"));
        }
        deltas.push((item.to_owned(), delta.round() as i64));
    }
    let stamp = ctx.now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    for (item, delta) in &deltas {
        state
            .stock
            .entry((item.clone(), bin.to_owned()))
            .or_default()
            .on_hand += delta;
        state.refresh_item_totals(item);
        // A stock change is a change of the item: incremental reads by timeUpdated see it.
        if let Some(map) = state
            .items
            .iter_mut()
            .find(|i| field(i, "itemId").as_str() == Some(item.as_str()))
            .and_then(Value::as_object_mut)
        {
            map.insert("timeUpdated".to_owned(), json!(stamp));
        }
    }
    let id = state.new_id();
    let mut record = body.clone();
    if let Some(map) = record.as_object_mut() {
        map.insert("adjustmentId".to_owned(), json!(id));
    }
    state.adjustments.push(record);
    accepted(&id)
}

fn create_sale_order(state: &mut StoklyState, ctx: &RouteCtx<'_>) -> Answer {
    let body = ctx.body;
    let Some(currency) = field(body, "currency").as_str() else {
        return message(400, "currency is required");
    };
    let Some(lines) = field(body, "items").as_array() else {
        return message(400, "items is required");
    };
    for (i, line) in lines.iter().enumerate() {
        let Some(item) = field(line, "referenceId").as_str() else {
            return message(400, format!("items[{i}].referenceId is required"));
        };
        if state.item(item).is_none() {
            return message(400, format!("items[{i}]: unknown item {item}"));
        }
    }
    let id = state.new_id();
    let nice = state.next_nice_id();
    let currency = currency.to_owned();
    let line_records = line_records(state, &id, lines);
    state.sale_order_lines.extend(line_records);
    let channel_name = field(body, "sourceId")
        .as_str()
        .and_then(|c| find(&state.channels, "channelId", c))
        .map(|c| field(c, "name").clone());
    state.sale_orders.push(json!({
        "saleOrderId": id, "niceId": nice, "sourceReferenceId": field(body, "sourceReferenceId"),
        "customerReference": field(body, "customerReference"), "channelName": channel_name,
        "sourceId": field(body, "sourceId"), "sourceType": field(body, "sourceType"),
        "stage": field(body, "stage").as_str().unwrap_or("order"), "itemStatuses": ["unprocessed"],
        "currency": currency, "tags": field(body, "tags").as_array().cloned().unwrap_or_default(),
        "createdAt": field(body, "createdAt").as_str().map_or_else(|| ctx.now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true), str::to_owned),
        "shipping": field(body, "shipping"), "customer": field(body, "customer"), "payments": field(body, "payments"),
    }));
    make_visible_later(state, &id, ctx);
    accepted(&id)
}

/// Line records for `lines` (checked already) of order `id`.
fn line_records(state: &mut StoklyState, id: &str, lines: &[Value]) -> Vec<Value> {
    let mut records = Vec::new();
    for line in lines {
        let item_id = field(line, "referenceId")
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let (sku, name) = state
            .item(&item_id)
            .map(|i| (field(i, "sku").clone(), field(i, "name").clone()))
            .unwrap_or_default();
        let line_id = state.new_id();
        records.push(json!({
            "lineId": line_id, "saleOrderId": id, "type": field(line, "type"), "referenceId": item_id,
            "itemSku": sku, "itemName": name, "quantity": field(line, "quantity"), "status": "unprocessed",
            "parentId": null, "displayPrice": field(line, "displayPrice"), "displayTax": field(line, "displayTax"),
            "price": field(line, "displayPrice"), "tax": field(line, "displayTax"),
        }));
    }
    records
}

/// Inferred path (the crate's default): `POST /v2/saleorders/{id}/items`.
fn add_lines(state: &mut StoklyState, id: &str, ctx: &RouteCtx<'_>) -> Answer {
    if find(&state.sale_orders, "saleOrderId", id).is_none() {
        return message(404, "Not found");
    }
    let Some(lines) = field(ctx.body, "items").as_array().cloned() else {
        return message(400, "items is required");
    };
    for (i, line) in lines.iter().enumerate() {
        match field(line, "referenceId").as_str() {
            Some(item) if state.item(item).is_some() => {}
            _ => return message(400, format!("items[{i}]: unknown item")),
        }
    }
    let records = line_records(state, id, &lines);
    state.sale_order_lines.extend(records);
    accepted(id)
}

/// Inferred path (the crate's default): `PATCH` or `DELETE
/// /v2/saleorders/{id}/items/{lineId}`; a line already processed cannot change (409).
fn change_line(
    state: &mut StoklyState,
    id: &str,
    line_id: &str,
    ctx: &RouteCtx<'_>,
    delete: bool,
) -> Answer {
    let Some(at) = state.sale_order_lines.iter().position(|l| {
        field(l, "saleOrderId").as_str() == Some(id) && field(l, "lineId").as_str() == Some(line_id)
    }) else {
        return message(404, "Not found");
    };
    let Some(line) = state.sale_order_lines.get_mut(at) else {
        return message(404, "Not found");
    };
    if field(line, "status").as_str() != Some("unprocessed") {
        return message(409, "the line is already being processed");
    }
    if delete {
        state.sale_order_lines.remove(at);
        return accepted(id);
    }
    if let (Some(map), Some(patch)) = (line.as_object_mut(), ctx.body.as_object()) {
        for key in [
            "quantity",
            "displayPrice",
            "displayTax",
            "displayDiscount",
            "displayLinePrice",
            "displayLineTax",
            "displayLineDiscount",
            "displayLineTotal",
        ] {
            if let Some(v) = patch.get(key) {
                map.insert(key.to_owned(), v.clone());
            }
        }
        if let Some(v) = patch.get("displayPrice") {
            map.insert("price".to_owned(), v.clone());
        }
        if let Some(v) = patch.get("displayTax") {
            map.insert("tax".to_owned(), v.clone());
        }
    }
    accepted(id)
}

/// Inferred path (the crate's default): `POST /v2/saleorders/{id}/cancel` sets stage
/// `removed`; an order with a processed line cannot be cancelled (409).
fn cancel_sale_order(state: &mut StoklyState, id: &str) -> Answer {
    let processed = state.sale_order_lines.iter().any(|l| {
        field(l, "saleOrderId").as_str() == Some(id)
            && field(l, "status").as_str() != Some("unprocessed")
    });
    let Some(order) = state
        .sale_orders
        .iter_mut()
        .find(|o| field(o, "saleOrderId").as_str() == Some(id))
    else {
        return message(404, "Not found");
    };
    if processed {
        return message(409, "the order is already being processed");
    }
    if let Some(map) = order.as_object_mut() {
        map.insert("stage".to_owned(), json!("removed"));
    }
    accepted(id)
}

fn patch_sale_order(state: &mut StoklyState, id: &str, ctx: &RouteCtx<'_>) -> Answer {
    let Some(order) = state
        .sale_orders
        .iter_mut()
        .find(|o| field(o, "saleOrderId").as_str() == Some(id))
    else {
        return message(404, "Not found");
    };
    if let (Some(map), Some(patch)) = (order.as_object_mut(), ctx.body.as_object()) {
        for (k, v) in patch {
            map.insert(k.clone(), v.clone());
        }
    }
    accepted(id)
}

fn collect_items(state: &mut StoklyState, id: &str, ctx: &RouteCtx<'_>) -> Answer {
    let Some(location) = field(ctx.body, "locationId").as_str().map(str::to_owned) else {
        return message(400, "locationId is required");
    };
    let Some(lines) = field(ctx.body, "items").as_array().cloned() else {
        return message(400, "items is required");
    };
    let default_bin = state
        .bins
        .iter()
        .find(|b| {
            field(b, "locationId").as_str() == Some(location.as_str())
                && field(b, "default").as_u64() == Some(1)
        })
        .and_then(|b| field(b, "binId").as_str().map(str::to_owned));
    let Some(bin) = default_bin else {
        return message(400, format!("location {location} has no default bin"));
    };
    for (i, line) in lines.iter().enumerate() {
        let line_id = field(line, "lineId").as_str().unwrap_or_default();
        let quantity = field(line, "quantity").as_f64().unwrap_or(0.0).round() as i64;
        let Some(record) = state.sale_order_lines.iter_mut().find(|l| {
            field(l, "lineId").as_str() == Some(line_id)
                && field(l, "saleOrderId").as_str() == Some(id)
        }) else {
            return message(
                400,
                format!("items[{i}]: no line {line_id} on sale order {id}"),
            );
        };
        if let Some(map) = record.as_object_mut() {
            map.insert("status".to_owned(), json!("collected"));
        }
        let item = field(record, "referenceId")
            .as_str()
            .unwrap_or_default()
            .to_owned();
        state
            .stock
            .entry((item.clone(), bin.clone()))
            .or_default()
            .on_hand -= quantity;
        state.refresh_item_totals(&item);
    }
    let statuses: Vec<Value> = {
        let mut s: Vec<String> = state
            .sale_order_lines
            .iter()
            .filter(|l| field(l, "saleOrderId").as_str() == Some(id))
            .filter_map(|l| field(l, "status").as_str().map(str::to_owned))
            .collect();
        s.sort();
        s.dedup();
        s.into_iter().map(Value::String).collect()
    };
    if let Some(map) = state
        .sale_orders
        .iter_mut()
        .find(|o| field(o, "saleOrderId").as_str() == Some(id))
        .and_then(Value::as_object_mut)
    {
        map.insert("itemStatuses".to_owned(), Value::Array(statuses));
    }
    accepted(id)
}

fn invoice(state: &mut StoklyState, id: &str, ctx: &RouteCtx<'_>) -> Answer {
    let Some(order) = find(&state.sale_orders, "saleOrderId", id).cloned() else {
        return message(404, "Not found");
    };
    let Some(invoices) = field(ctx.body, "invoices").as_array().cloned() else {
        return message(400, "invoices is required");
    };
    let mut last = String::new();
    for inv in invoices {
        let invoice_id = state.new_id();
        let nice = state.next_nice_id();
        state.invoices.push(json!({
            "saleInvoiceId": invoice_id, "invoiceNumber": format!("INV-{nice}"), "niceId": nice,
            "issueDate": ctx.now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "currency": field(&inv, "currency"), "status": field(&inv, "status"),
            "saleOrderId": id, "saleOrderNiceId": field(&order, "niceId"),
        }));
        last = invoice_id;
    }
    accepted(if last.is_empty() { id } else { &last })
}

fn create_customer(state: &mut StoklyState, ctx: &RouteCtx<'_>) -> Answer {
    let id = state.new_id();
    let mut record = ctx.body.clone();
    if let Some(map) = record.as_object_mut() {
        map.insert("customerId".to_owned(), json!(id));
        map.entry("status").or_insert(json!(0));
    } else {
        return message(400, "a JSON object is required");
    }
    state.customers.push(record);
    make_visible_later(state, &id, ctx);
    accepted(&id)
}
