//! **Inferred.** Sales credit notes in the Stokly emulator, on the crate's inferred paths
//! ([`InferredEndpoints`](crate::stokly::InferredEndpoints)): Stokly's credit endpoint for
//! sale orders is not public, so this is what the crate assumes, not what Stokly was seen
//! doing.
//!
//! `POST /v2/saleorders/{id}/credit-notes` checks the body the client sends (a known sale
//! order, a currency, lines each on a known item with a positive quantity and per-unit
//! amounts, movements that add up to the line's quantity, a restock with a location that has
//! a default bin) and answers `202 {data: {id}}`. Restocked units go back on hand in the
//! location's default bin; units taken off the order reduce the sale-order line of the item.
//! The credit becomes visible after the configured visibility delay, like every other 202
//! write. `GET /v2/credit-notes` lists visible credit notes with the usual filters (the
//! client looks them up by `[externalReference]=*{…}`). Two creates with the same reference
//! make two credit notes: the emulator does not deduplicate, so a client that creates twice
//! is caught.

use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::routes::{Answer, RouteCtx, accepted, list, make_visible_later, message, visible_rows};
use super::state::{StoklyState, field};

/// Routes credit-note requests; `None` for any other path.
pub(crate) fn route(
    state: &mut StoklyState,
    method: &str,
    segments: &[&str],
    ctx: &RouteCtx<'_>,
) -> Option<Answer> {
    match (method, segments) {
        ("POST", ["v2", "saleorders", id, "credit-notes"]) => Some(create(state, id, ctx)),
        ("GET", ["v2", "credit-notes"]) => Some(list(
            visible_rows(state, &state.credit_notes, "creditNoteId", ctx),
            ctx,
        )),
        _ => None,
    }
}

fn number(value: &Value) -> Option<Decimal> {
    match value {
        Value::Number(n) => {
            let text = n.to_string();
            Decimal::from_str(&text)
                .or_else(|_| Decimal::from_scientific(&text))
                .ok()
        }
        Value::String(s) => Decimal::from_str(s).ok(),
        _ => None,
    }
}

fn default_bin(state: &StoklyState, location: &str) -> Option<String> {
    state
        .bins
        .iter()
        .find(|b| {
            field(b, "locationId").as_str() == Some(location)
                && field(b, "default").as_u64() == Some(1)
        })
        .and_then(|b| field(b, "binId").as_str().map(str::to_owned))
}

/// What the credit does to stock, checked before anything changes.
enum Effect {
    Restock {
        item: String,
        bin: String,
        units: i64,
    },
    RemoveFromOrder {
        item: String,
        units: i64,
    },
}

fn create(state: &mut StoklyState, sale_order: &str, ctx: &RouteCtx<'_>) -> Answer {
    let body = ctx.body;
    if !state
        .sale_orders
        .iter()
        .any(|o| field(o, "saleOrderId").as_str() == Some(sale_order))
    {
        return message(404, format!("Sale order {sale_order} not found"));
    }
    if field(body, "currency").as_str().is_none_or(str::is_empty) {
        return message(400, "currency is required");
    }
    let items = field(body, "items").as_array().cloned().unwrap_or_default();
    let shipping = number(field(body, "shipping")).unwrap_or_default();
    if items.is_empty() && shipping.is_zero() {
        return message(400, "items is required");
    }
    let mut effects = Vec::new();
    for (i, line) in items.iter().enumerate() {
        let Some(item) = field(line, "referenceId").as_str() else {
            return message(400, format!("items[{i}].referenceId is required"));
        };
        if state.item(item).is_none() {
            return message(400, format!("items[{i}]: item {item} not found"));
        }
        let Some(quantity) =
            number(field(line, "quantity")).filter(|q| q.is_sign_positive() && !q.is_zero())
        else {
            return message(400, format!("items[{i}].quantity must be positive"));
        };
        for key in ["displayPrice", "displayTax"] {
            if number(field(line, key)).is_none() {
                return message(400, format!("items[{i}].{key} must be a number"));
            }
        }
        let movements = field(line, "movements")
            .as_array()
            .cloned()
            .unwrap_or_default();
        let mut moved = Decimal::ZERO;
        for (j, m) in movements.iter().enumerate() {
            let Some(units) = number(field(m, "quantity")).filter(|q| q.is_sign_positive()) else {
                return message(
                    400,
                    format!("items[{i}].movements[{j}].quantity must be positive"),
                );
            };
            moved += units;
            let whole = i64::try_from(units.trunc().mantissa()).unwrap_or(0);
            match field(m, "kind").as_str() {
                Some("restock") => {
                    let Some(location) = field(m, "locationId").as_str() else {
                        return message(
                            400,
                            format!("items[{i}].movements[{j}].locationId is required"),
                        );
                    };
                    let Some(bin) = default_bin(state, location) else {
                        return message(400, format!("location {location} has no default bin"));
                    };
                    effects.push(Effect::Restock {
                        item: item.to_owned(),
                        bin,
                        units: whole,
                    });
                }
                Some("removeFromOrder") => {
                    effects.push(Effect::RemoveFromOrder {
                        item: item.to_owned(),
                        units: whole,
                    });
                }
                Some("notRestocked") => {}
                other => {
                    return message(
                        400,
                        format!("items[{i}].movements[{j}].kind {other:?} is not known"),
                    );
                }
            }
        }
        if !movements.is_empty() && moved != quantity {
            return message(
                400,
                format!("items[{i}]: movements add up to {moved}, not {quantity}"),
            );
        }
    }
    for effect in effects {
        match effect {
            Effect::Restock { item, bin, units } => {
                state.stock.entry((item.clone(), bin)).or_default().on_hand += units;
                state.refresh_item_totals(&item);
            }
            Effect::RemoveFromOrder { item, units } => {
                if let Some(line) = state.sale_order_lines.iter_mut().find(|l| {
                    field(l, "saleOrderId").as_str() == Some(sale_order)
                        && field(l, "referenceId").as_str() == Some(item.as_str())
                }) {
                    let left = field(line, "quantity")
                        .as_i64()
                        .unwrap_or(0)
                        .saturating_sub(units)
                        .max(0);
                    if let Some(map) = line.as_object_mut() {
                        map.insert("quantity".to_owned(), json!(left));
                    }
                }
            }
        }
    }
    let id = state.new_id();
    let mut record = body.clone();
    if let Some(map) = record.as_object_mut() {
        map.insert("creditNoteId".to_owned(), json!(id));
        map.insert("saleOrderId".to_owned(), json!(sale_order));
        map.insert(
            "timeCreated".to_owned(),
            json!(ctx.now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        );
    }
    state.credit_notes.push(record);
    make_visible_later(state, &id, ctx);
    accepted(&id)
}
