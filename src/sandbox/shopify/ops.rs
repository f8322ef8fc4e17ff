//! One handler per operation the crate's documents use.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::state::{SandboxBulkOperation, SandboxInventoryChange, SandboxVariant, ShopifyState};

/// What a handler needs besides the state.
pub(crate) struct OpCtx<'a> {
    /// Emulated time now.
    pub(crate) now: DateTime<Utc>,
    pub(crate) base_url: &'a str,
    pub(crate) api_version: &'a str,
    pub(crate) bulk_polls_to_complete: u32,
    pub(crate) fail_bulk_with: Option<&'a str>,
}

/// A handler's answer.
pub(crate) struct OpResult {
    pub(crate) data: Value,
    pub(crate) errors: Vec<Value>,
    /// Nodes returned by the outermost connection, for the actual cost.
    pub(crate) returned_nodes: Option<u64>,
}

impl OpResult {
    pub(crate) fn data(data: Value) -> Self {
        Self {
            data,
            errors: Vec::new(),
            returned_nodes: None,
        }
    }
    pub(crate) fn page(data: Value, returned: usize) -> Self {
        Self {
            data,
            errors: Vec::new(),
            returned_nodes: Some(returned as u64),
        }
    }
}

pub(crate) fn top_error(code: &str, message: impl Into<String>) -> Value {
    json!({"message": message.into(), "extensions": {"code": code}})
}

pub(crate) fn gid(resource: &str, id: u64) -> String {
    format!("gid://shopify/{resource}/{id}")
}

/// The numeric part of a GID of `resource`.
pub(crate) fn parse_gid(value: Option<&Value>, resource: &str) -> Option<u64> {
    value?
        .as_str()?
        .strip_prefix("gid://shopify/")?
        .strip_prefix(resource)?
        .strip_prefix('/')?
        .split('?')
        .next()?
        .parse()
        .ok()
}

pub(crate) fn cursor(kind: &str, id: u64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{kind}:{id}"))
}

fn after_id(vars: &Map<String, Value>, kind: &str) -> Result<u64, Value> {
    match vars.get("after").and_then(Value::as_str) {
        None => Ok(0),
        Some(c) => URL_SAFE_NO_PAD
            .decode(c)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|s| {
                s.strip_prefix(&format!("{kind}:"))
                    .and_then(|n| n.parse().ok())
            })
            .ok_or_else(|| top_error("INVALID_CURSOR", format!("Invalid cursor for {kind}: {c}"))),
    }
}

fn first(vars: &Map<String, Value>) -> usize {
    vars.get("first").and_then(Value::as_u64).unwrap_or(0) as usize
}

/// A page: the items with their IDs, and its `pageInfo`.
pub(crate) type Page<'a, T> = (Vec<(u64, &'a T)>, Value);

/// A page of `items` (already sorted by ID) after the cursor.
pub(crate) fn page<'a, T>(
    items: impl Iterator<Item = (u64, &'a T)>,
    vars: &Map<String, Value>,
    kind: &str,
) -> Result<Page<'a, T>, Value>
where
    T: 'a,
{
    let after = after_id(vars, kind)?;
    let size = first(vars);
    let mut rest = items.filter(|(id, _)| *id > after);
    let chunk: Vec<(u64, &T)> = rest.by_ref().take(size).collect();
    let has_next = rest.next().is_some();
    let end = chunk.last().map(|(id, _)| cursor(kind, *id));
    Ok((chunk, json!({"hasNextPage": has_next, "endCursor": end})))
}

pub(crate) fn shop(state: &ShopifyState) -> OpResult {
    let s = &state.shop;
    OpResult::data(json!({"shop": {
        "id": gid("Shop", 1),
        "name": s.name,
        "myshopifyDomain": s.domain,
        "currencyCode": s.currency.as_str(),
        "enabledPresentmentCurrencies": s.presentment_currencies.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
        "ianaTimezone": s.timezone,
        "plan": {"publicDisplayName": if state.b2b.shopify_plus { "Shopify Plus" } else { "Shopify" }, "partnerDevelopment": true, "shopifyPlus": state.b2b.shopify_plus},
        "resourceLimits": {"locationLimit": 1000, "maxProductOptions": 3, "maxProductVariants": 2048, "redirectLimitReached": false}
    }}))
}

pub(crate) fn locations(
    state: &ShopifyState,
    vars: &Map<String, Value>,
) -> Result<OpResult, Value> {
    let (chunk, info) = page(
        state.locations.iter().map(|(k, v)| (*k, v)),
        vars,
        "Location",
    )?;
    let nodes: Vec<Value> = chunk
        .iter()
        .map(|(_, l)| {
            json!({"id": gid("Location", l.id), "name": l.name, "isActive": l.active,
                   "fulfillsOnlineOrders": l.fulfills_online_orders, "hasActiveInventory": true,
                   "isFulfillmentService": false})
        })
        .collect();
    Ok(OpResult::page(
        json!({"locations": {"nodes": nodes, "pageInfo": info}}),
        chunk.len(),
    ))
}

fn component_json(state: &ShopifyState, c: &super::state::SandboxComponent) -> Value {
    let sku = state
        .variants
        .get(&c.variant_id)
        .and_then(|v| v.sku.clone());
    json!({"id": gid("ProductVariantComponent", c.id), "quantity": c.quantity,
           "productVariant": {"id": gid("ProductVariant", c.variant_id), "sku": sku}})
}

fn variant_core(state: &ShopifyState, v: &SandboxVariant) -> Map<String, Value> {
    let product = state.products.get(&v.product_id);
    let value = json!({
        "id": gid("ProductVariant", v.id),
        "sku": v.sku,
        "barcode": v.barcode,
        "title": v.title,
        "price": v.price.to_string(),
        "requiresComponents": v.requires_components,
        "updatedAt": v.updated_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "product": {
            "id": gid("Product", v.product_id),
            "title": product.map(|p| p.title.clone()).unwrap_or_default(),
            "status": product.map_or("ACTIVE", |p| p.status.as_str()),
        },
        "inventoryItem": {"id": gid("InventoryItem", v.inventory_item_id), "tracked": v.tracked},
    });
    value.as_object().cloned().unwrap_or_default()
}

/// Shopify search syntax, the subset the sandbox answers: `sku:`, `barcode:`,
/// `product_status:`, `requires_components:`, `updated_at:>'...'` / `>=`, joined by spaces or
/// `AND`. Anything else is an error rather than being ignored.
fn variant_filter(query: Option<&str>) -> Result<Vec<(String, String)>, Value> {
    let Some(q) = query else {
        return Ok(Vec::new());
    };
    let mut terms = Vec::new();
    for raw in q.split_whitespace().filter(|t| *t != "AND") {
        let (key, value) = raw.split_once(':').ok_or_else(|| {
            top_error(
                "INVALID_SEARCH",
                format!("sandbox: unsupported search term {raw:?}"),
            )
        })?;
        if !matches!(
            key,
            "sku" | "barcode" | "product_status" | "requires_components" | "updated_at"
        ) {
            return Err(top_error(
                "INVALID_SEARCH",
                format!("sandbox: unsupported search field {key:?}"),
            ));
        }
        terms.push((
            key.to_owned(),
            value.trim_matches(|c| c == '\'' || c == '"').to_owned(),
        ));
    }
    Ok(terms)
}

fn variant_matches(state: &ShopifyState, v: &SandboxVariant, terms: &[(String, String)]) -> bool {
    terms.iter().all(|(key, value)| match key.as_str() {
        "sku" => v.sku.as_deref() == Some(value.as_str()),
        "barcode" => v.barcode.as_deref() == Some(value.as_str()),
        "product_status" => state.products.get(&v.product_id).is_some_and(|p| {
            value
                .split(',')
                .any(|s| s.eq_ignore_ascii_case(p.status.as_str()))
        }),
        "requires_components" => {
            value
                == if v.requires_components {
                    "true"
                } else {
                    "false"
                }
        }
        "updated_at" => {
            let (strict, ts) = match value.strip_prefix(">=") {
                Some(ts) => (false, ts),
                None => (true, value.strip_prefix('>').unwrap_or(value)),
            };
            let ts = ts.trim_matches(|c| c == '\'' || c == '"');
            DateTime::parse_from_rfc3339(ts).is_ok_and(|t| {
                if strict {
                    v.updated_at > t
                } else {
                    v.updated_at >= t
                }
            })
        }
        _ => false,
    })
}

pub(crate) fn product_variants(
    state: &ShopifyState,
    vars: &Map<String, Value>,
) -> Result<OpResult, Value> {
    let terms = variant_filter(vars.get("query").and_then(Value::as_str))?;
    let matching = state
        .variants
        .iter()
        .filter(|(_, v)| variant_matches(state, v, &terms))
        .map(|(k, v)| (*k, v));
    let (chunk, info) = page(matching, vars, "ProductVariant")?;
    let nodes: Vec<Value> = chunk
        .iter()
        .map(|(_, v)| {
            let mut node = variant_core(state, v);
            let shown: Vec<Value> = v
                .components
                .iter()
                .take(3)
                .map(|c| component_json(state, c))
                .collect();
            let more = v.components.len() > 3;
            let end = v
                .components
                .get(shown.len().saturating_sub(1))
                .filter(|_| !shown.is_empty())
                .map(|c| cursor("ProductVariantComponent", c.id));
            node.insert(
                "productVariantComponents".to_owned(),
                json!({"nodes": shown, "pageInfo": {"hasNextPage": more, "endCursor": end}}),
            );
            Value::Object(node)
        })
        .collect();
    Ok(OpResult::page(
        json!({"productVariants": {"nodes": nodes, "pageInfo": info}}),
        chunk.len(),
    ))
}

pub(crate) fn product_variant_components(
    state: &ShopifyState,
    vars: &Map<String, Value>,
) -> Result<OpResult, Value> {
    let Some(variant) =
        parse_gid(vars.get("id"), "ProductVariant").and_then(|id| state.variants.get(&id))
    else {
        return Ok(OpResult::page(json!({"productVariant": null}), 0));
    };
    let (chunk, info) = page(
        variant.components.iter().map(|c| (c.id, c)),
        vars,
        "ProductVariantComponent",
    )?;
    let nodes: Vec<Value> = chunk
        .iter()
        .map(|(_, c)| component_json(state, c))
        .collect();
    Ok(OpResult::page(
        json!({"productVariant": {"productVariantComponents": {"nodes": nodes, "pageInfo": info}}}),
        chunk.len(),
    ))
}

fn quantity_names(vars: &Map<String, Value>) -> Vec<String> {
    vars.get("names")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|n| n.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// An inventory level as Shopify answers it, with the ID Shopify mints for it.
fn level_json(
    state: &ShopifyState,
    item: u64,
    location: u64,
    quantities: &std::collections::BTreeMap<String, i64>,
    names: &[String],
) -> Value {
    let variant = state.variant_by_inventory_item(item);
    json!({
        "id": state.inventory_level_gid(item, location),
        "updatedAt": variant.map_or_else(Utc::now, |v| v.updated_at).to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "item": {"id": gid("InventoryItem", item), "sku": variant.and_then(|v| v.sku.clone()),
                 "tracked": variant.is_some_and(|v| v.tracked)},
        "quantities": names.iter().map(|n| json!({"name": n, "quantity": quantities.get(n).copied().unwrap_or(0)})).collect::<Vec<_>>(),
    })
}

pub(crate) fn inventory_levels(
    state: &ShopifyState,
    vars: &Map<String, Value>,
) -> Result<OpResult, Value> {
    let Some(location) =
        parse_gid(vars.get("locationId"), "Location").filter(|id| state.locations.contains_key(id))
    else {
        return Ok(OpResult::page(json!({"location": null}), 0));
    };
    let names = quantity_names(vars);
    let levels = state
        .inventory
        .iter()
        .filter(|((_, loc), _)| *loc == location)
        .map(|((item, _), q)| (*item, q));
    let (chunk, info) = page(levels, vars, "InventoryLevel")?;
    let nodes: Vec<Value> = chunk
        .iter()
        .map(|(item, quantities)| level_json(state, *item, location, quantities, &names))
        .collect();
    Ok(OpResult::page(
        json!({"location": {"inventoryLevels": {"nodes": nodes, "pageInfo": info}}}),
        chunk.len(),
    ))
}

fn node_ids(vars: &Map<String, Value>) -> Result<Vec<&str>, Value> {
    let ids: Vec<&str> = vars
        .get("ids")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if ids.len() > 250 {
        return Err(top_error(
            "MAX_INPUT_SIZE_EXCEEDED",
            format!(
                "The input array size of {} is greater than the maximum allowed of 250.",
                ids.len()
            ),
        ));
    }
    Ok(ids)
}

/// `nodes(ids:)` over inventory level IDs, resolved as Shopify resolves them: only the IDs
/// the shop minted (`InventoryLevel/<the location's level number>?inventory_item_id=<item>`)
/// name a level; any other ID, such as one built from the location's own ID, is `null`.
pub(crate) fn inventory_levels_by_id(
    state: &ShopifyState,
    vars: &Map<String, Value>,
) -> Result<OpResult, Value> {
    let names = quantity_names(vars);
    let nodes: Vec<Value> = node_ids(vars)?
        .iter()
        .map(|id| {
            state
                .resolve_inventory_level(id)
                .and_then(|(item, location)| {
                    let quantities = state.inventory.get(&(item, location))?;
                    Some(level_json(state, item, location, quantities, &names))
                })
                .unwrap_or(Value::Null)
        })
        .collect();
    Ok(OpResult::data(json!({"nodes": nodes})))
}

/// `nodes(ids:)` over inventory items with `inventoryLevel(locationId:)`: `null` for an ID
/// that names no inventory item, the item with `inventoryLevel: null` where it is not stocked
/// at the location.
pub(crate) fn inventory_item_levels(
    state: &ShopifyState,
    vars: &Map<String, Value>,
) -> Result<OpResult, Value> {
    let names = quantity_names(vars);
    let location = parse_gid(vars.get("locationId"), "Location");
    let nodes: Vec<Value> = node_ids(vars)?
        .iter()
        .map(|id| {
            let Some(item) = parse_gid(Some(&Value::from(*id)), "InventoryItem") else {
                return Value::Null;
            };
            let Some(variant) = state.variant_by_inventory_item(item) else {
                return Value::Null;
            };
            let level = location
                .and_then(|location| {
                    let quantities = state.inventory.get(&(item, location))?;
                    let mut level = level_json(state, item, location, quantities, &names);
                    if let Some(map) = level.as_object_mut() {
                        map.remove("item");
                    }
                    Some(level)
                })
                .unwrap_or(Value::Null);
            json!({"id": gid("InventoryItem", item), "sku": variant.sku, "tracked": variant.tracked,
                   "inventoryLevel": level})
        })
        .collect();
    Ok(OpResult::data(json!({"nodes": nodes})))
}

const VALID_REASONS: [&str; 17] = [
    "correction",
    "cycle_count_available",
    "damaged",
    "movement_canceled",
    "movement_created",
    "movement_received",
    "movement_updated",
    "other",
    "promotion",
    "quality_control",
    "received",
    "reservation_created",
    "reservation_deleted",
    "reservation_updated",
    "restock",
    "safety_stock",
    "shrinkage",
];

pub(crate) fn user_error(field: &[&str], code: &str, message: impl Into<String>) -> Value {
    json!({"field": field, "code": code, "message": message.into()})
}

/// `inventorySetQuantities`: all-or-nothing; compare-and-set on `changeFromQuantity`.
pub(crate) fn inventory_set_quantities(
    state: &mut ShopifyState,
    ctx: &OpCtx<'_>,
    vars: &Map<String, Value>,
) -> OpResult {
    let input = vars.get("input").cloned().unwrap_or(Value::Null);
    let name = input
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let reason = input
        .get("reason")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let reference = input
        .get("referenceDocumentUri")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let quantities = input
        .get("quantities")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if ctx.api_version >= "2026-04"
        && quantities
            .iter()
            .any(|q| q.get("changeFromQuantity").is_none())
    {
        return OpResult {
            data: json!({"inventorySetQuantities": null}),
            errors: vec![top_error(
                "INVALID_FIELD_ARGUMENTS",
                // As recorded: the message does not say which quantity.
                "InventoryQuantityInput must include the following argument: changeFromQuantity.",
            )],
            returned_nodes: None,
        };
    }
    if name != "available" && name != "on_hand" {
        // As recorded: a bad name is the only error reported, whatever else is wrong.
        return OpResult::data(
            json!({"inventorySetQuantities": {"inventoryAdjustmentGroup": null,
            "userErrors": [user_error(
                &["input", "name"],
                "INVALID_NAME",
                "The quantity name must be either 'available' or 'on_hand'.",
            )]}}),
        );
    }
    let mut errors = Vec::new();
    if !VALID_REASONS.contains(&reason.as_str()) {
        errors.push(user_error(
            &["input", "reason"],
            "INVALID_REASON",
            format!(
                "The specified reason is invalid. Valid values are: {}.",
                VALID_REASONS.join(", ")
            ),
        ));
    }
    let pair = |q: &Value| {
        (
            parse_gid(q.get("inventoryItemId"), "InventoryItem"),
            parse_gid(q.get("locationId"), "Location"),
        )
    };
    // As recorded: every entry of a repeated (item, location) pair is flagged, the first too.
    let mut pair_counts: std::collections::HashMap<(u64, u64), usize> =
        std::collections::HashMap::new();
    for q in &quantities {
        if let (Some(item), Some(location)) = pair(q) {
            *pair_counts.entry((item, location)).or_default() += 1;
        }
    }
    let mut planned = Vec::new();
    for (i, q) in quantities.iter().enumerate() {
        let index = i.to_string();
        let field = |f: &'static str| -> Vec<String> {
            vec!["input".into(), "quantities".into(), index.clone(), f.into()]
        };
        let (item, location) = pair(q);
        let quantity = q.get("quantity").and_then(Value::as_i64).unwrap_or(0);
        let Some(item) = item.filter(|id| state.variant_by_inventory_item(*id).is_some()) else {
            errors.push(json!({"field": field("inventoryItemId"), "code": "INVALID_INVENTORY_ITEM", "message": "The specified inventory item could not be found."}));
            continue;
        };
        let Some(location) = location.filter(|id| state.locations.contains_key(id)) else {
            errors.push(json!({"field": field("locationId"), "code": "INVALID_LOCATION", "message": "The specified location could not be found."}));
            continue;
        };
        if pair_counts.get(&(item, location)).is_some_and(|n| *n > 1) {
            errors.push(json!({"field": field("locationId"), "code": "NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR", "message": "The combination of inventoryItemId and locationId must be unique."}));
            continue;
        }
        if name == "on_hand" && quantity < 0 {
            errors.push(json!({"field": field("quantity"), "code": "INVALID_QUANTITY_NEGATIVE", "message": "The quantity can't be negative."}));
            continue;
        }
        if quantity > 1_000_000_000 {
            errors.push(json!({"field": field("quantity"), "code": "INVALID_QUANTITY_TOO_HIGH", "message": "The quantity can't be higher than 1,000,000,000."}));
            continue;
        }
        if quantity < -1_000_000_000 {
            errors.push(json!({"field": field("quantity"), "code": "INVALID_QUANTITY_TOO_LOW", "message": "The quantity can't be lower than -1,000,000,000."}));
            continue;
        }
        let Some(current) = state.quantity(item, location, &name) else {
            errors.push(json!({"field": ["input", "quantities", index], "code": "ITEM_NOT_STOCKED_AT_LOCATION", "message": "The specified inventory item is not stocked at the location."}));
            continue;
        };
        if let Some(expected) = q.get("changeFromQuantity").and_then(Value::as_i64) {
            if expected != current {
                errors.push(json!({"field": field("changeFromQuantity"), "code": "CHANGE_FROM_QUANTITY_STALE", "message": format!("The quantity has changed: expected {expected}, found {current}.")}));
                continue;
            }
        }
        planned.push((item, location, quantity - current));
    }
    if !errors.is_empty() {
        // All or nothing: one refused quantity refuses the call (the emulator's reading; a
        // stale `changeFromQuantity` is not recorded from real Shopify).
        return OpResult::data(
            json!({"inventorySetQuantities": {"inventoryAdjustmentGroup": null, "userErrors": errors}}),
        );
    }
    let other = if name == "available" {
        "on_hand"
    } else {
        "available"
    };
    let mut changes = Vec::new();
    // As recorded: a quantity set to its current value changes nothing and is not reported.
    for (item, location, delta) in planned.into_iter().filter(|(_, _, d)| *d != 0) {
        let level = state.inventory.entry((item, location)).or_default();
        for n in [name.as_str(), other] {
            *level.entry(n.to_owned()).or_insert(0) += delta;
            changes.push(json!({"name": n, "delta": delta, "quantityAfterChange": null,
                                "item": {"id": gid("InventoryItem", item)}, "location": {"id": gid("Location", location)}}));
            state.inventory_changes.push(SandboxInventoryChange {
                inventory_item_id: item,
                location_id: location,
                name: n.to_owned(),
                delta,
                reason: reason.clone(),
                reference_document_uri: reference.clone(),
            });
        }
    }
    if changes.is_empty() {
        // As recorded: nothing to change is a success with no adjustment group.
        return OpResult::data(
            json!({"inventorySetQuantities": {"inventoryAdjustmentGroup": null, "userErrors": []}}),
        );
    }
    let group = state.next_id();
    OpResult::data(json!({"inventorySetQuantities": {
        "inventoryAdjustmentGroup": {"id": gid("InventoryAdjustmentGroup", group), "reason": reason,
                                     "referenceDocumentUri": reference, "changes": changes},
        "userErrors": []
    }}))
}

fn bulk_json(op: &SandboxBulkOperation, base_url: &str) -> Value {
    let url = (op.status == "COMPLETED" && op.object_count > 0)
        .then(|| format!("{base_url}/bulk-results/{}.jsonl", op.id));
    json!({
        "id": gid("BulkOperation", op.id), "status": op.status, "errorCode": op.error_code,
        "objectCount": op.object_count.to_string(), "rootObjectCount": op.root_object_count.to_string(),
        "fileSize": op.result.as_ref().filter(|_| url.is_some()).map(|r| r.len().to_string()),
        "url": url, "partialDataUrl": null,
        "createdAt": op.created_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "completedAt": op.completed_at.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
    })
}

fn normalise(doc: &str) -> String {
    doc.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub(crate) fn bulk_operation_run_query(
    state: &mut ShopifyState,
    ctx: &OpCtx<'_>,
    vars: &Map<String, Value>,
) -> OpResult {
    let query = vars
        .get("query")
        .and_then(Value::as_str)
        .unwrap_or_default();
    // Five at a time from 2026-01 on (recorded on 2026-04), one before.
    let limit = if ctx.api_version >= "2026-01" { 5 } else { 1 };
    let mut running: Vec<u64> = state
        .bulk_operations
        .values()
        .filter(|o| matches!(o.status.as_str(), "CREATED" | "RUNNING"))
        .map(|o| o.id)
        .collect();
    running.sort_unstable();
    let fail = |code: &str, message: String| {
        OpResult::data(json!({"bulkOperationRunQuery": {"bulkOperation": null,
            "userErrors": [{"field": null, "code": code, "message": message}]}}))
    };
    if running.len() >= limit {
        let ids: Vec<String> = running.iter().map(|id| gid("BulkOperation", *id)).collect();
        return fail(
            "OPERATION_IN_PROGRESS",
            format!(
                "A bulk query operation for this app and shop is already in progress: {}.",
                ids.join(", ")
            ),
        );
    }
    if normalise(query) != normalise(crate::shopify::BULK_PRODUCT_VARIANTS) {
        return fail("INVALID", "sandbox: only the crate's own bulk documents are emulated (shopify::BULK_PRODUCT_VARIANTS)".to_owned());
    }
    let id = state.next_id();
    let op = SandboxBulkOperation {
        id,
        status: "CREATED".to_owned(),
        error_code: None,
        polls: 0,
        created_at: ctx.now,
        completed_at: None,
        result: None,
        object_count: 0,
        root_object_count: 0,
    };
    let json = bulk_json(&op, ctx.base_url);
    state.bulk_operations.insert(id, op);
    OpResult::data(json!({"bulkOperationRunQuery": {"bulkOperation": json, "userErrors": []}}))
}

fn bulk_variants_jsonl(state: &ShopifyState) -> (String, u64, u64) {
    let mut out = String::new();
    let (mut objects, mut roots) = (0u64, 0u64);
    for v in state.variants.values() {
        out.push_str(&Value::Object(variant_core(state, v)).to_string());
        out.push('\n');
        roots += 1;
        objects += 1;
        for c in &v.components {
            let mut child = component_json(state, c);
            if let Some(map) = child.as_object_mut() {
                map.insert(
                    "__parentId".to_owned(),
                    Value::String(gid("ProductVariant", v.id)),
                );
            }
            out.push_str(&child.to_string());
            out.push('\n');
            objects += 1;
        }
    }
    (out, objects, roots)
}

pub(crate) fn bulk_operation(
    state: &mut ShopifyState,
    ctx: &OpCtx<'_>,
    vars: &Map<String, Value>,
) -> OpResult {
    // As recorded: an ID of another type is an error beside a null operation; an unknown
    // BulkOperation ID is just null.
    let raw = vars.get("id").and_then(Value::as_str).unwrap_or_default();
    if !raw.starts_with("gid://shopify/BulkOperation/") {
        let mut error = top_error("RESOURCE_NOT_FOUND", format!("Invalid id: {raw}"));
        if let Some(map) = error.as_object_mut() {
            map.insert("path".into(), json!(["bulkOperation"]));
        }
        return OpResult {
            data: json!({"bulkOperation": null}),
            errors: vec![error],
            returned_nodes: None,
        };
    }
    let Some(id) = parse_gid(vars.get("id"), "BulkOperation")
        .filter(|id| state.bulk_operations.contains_key(id))
    else {
        return OpResult::data(json!({"bulkOperation": null}));
    };
    let completing = state
        .bulk_operations
        .get(&id)
        .is_some_and(|op| op.status == "RUNNING" && op.polls + 1 >= ctx.bulk_polls_to_complete);
    let generated = if completing {
        bulk_variants_jsonl(state)
    } else {
        (String::new(), 0, 0)
    };
    let Some(op) = state.bulk_operations.get_mut(&id) else {
        return OpResult::data(json!({"bulkOperation": null}));
    };
    op.polls += 1;
    match op.status.as_str() {
        "CREATED" => op.status = "RUNNING".to_owned(),
        "RUNNING" if completing => {
            op.completed_at = Some(ctx.now);
            if let Some(code) = ctx.fail_bulk_with {
                op.status = "FAILED".to_owned();
                op.error_code = Some(code.to_owned());
            } else {
                let (text, objects, roots) = generated;
                op.status = "COMPLETED".to_owned();
                op.object_count = objects;
                op.root_object_count = roots;
                op.result = Some(text);
            }
        }
        _ => {}
    }
    OpResult::data(json!({"bulkOperation": bulk_json(op, ctx.base_url)}))
}

pub(crate) fn product_variants_count(
    state: &ShopifyState,
    vars: &Map<String, Value>,
) -> Result<OpResult, Value> {
    let terms = variant_filter(vars.get("query").and_then(Value::as_str))?;
    let n = state
        .variants
        .values()
        .filter(|v| variant_matches(state, v, &terms))
        .count();
    Ok(OpResult::data(
        json!({"productVariantsCount": {"count": n.min(10_000), "precision": if n > 10_000 { "AT_LEAST" } else { "EXACT" }}}),
    ))
}

fn pushed_json(v: &SandboxVariant) -> Value {
    json!({"id": gid("ProductVariant", v.id), "sku": v.sku, "barcode": v.barcode, "price": v.price.to_string(),
           "inventoryItem": {"id": gid("InventoryItem", v.inventory_item_id), "tracked": v.tracked}})
}

/// Applies one `ProductVariantsBulkInput` to a variant.
fn apply_variant_input(
    v: &mut SandboxVariant,
    input: &Value,
    now: DateTime<Utc>,
) -> Result<(), (&'static str, &'static str, String)> {
    if let Some(b) = input.get("barcode") {
        v.barcode = b.as_str().map(str::to_owned);
    }
    if let Some(p) = input.get("price").and_then(Value::as_str) {
        let price: rust_decimal::Decimal = p.parse().map_err(|_| {
            (
                "price",
                "INVALID_VALUE",
                format!("Price {p:?} is not a number"),
            )
        })?;
        if price.is_sign_negative() {
            return Err((
                "price",
                "NEGATIVE_PRICE_VALUE",
                "Price can't be negative".to_owned(),
            ));
        }
        v.price = price;
    }
    if let Some(item) = input.get("inventoryItem") {
        if let Some(sku) = item.get("sku") {
            v.sku = sku.as_str().map(str::to_owned);
        }
        if let Some(t) = item.get("tracked").and_then(Value::as_bool) {
            v.tracked = t;
        }
    }
    v.updated_at = now;
    Ok(())
}

fn bulk_variants_error(field_name: &str, errors: Vec<Value>) -> OpResult {
    OpResult::data(json!({ field_name: {"productVariants": null, "userErrors": errors} }))
}

pub(crate) fn product_variants_bulk_update(
    state: &mut ShopifyState,
    ctx: &OpCtx<'_>,
    vars: &Map<String, Value>,
) -> OpResult {
    const FIELD: &str = "productVariantsBulkUpdate";
    let Some(product) =
        parse_gid(vars.get("productId"), "Product").filter(|p| state.products.contains_key(p))
    else {
        return bulk_variants_error(
            FIELD,
            vec![user_error(
                &["productId"],
                "PRODUCT_DOES_NOT_EXIST",
                "Product does not exist",
            )],
        );
    };
    let inputs = vars
        .get("variants")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut staged = Vec::new();
    let mut errors = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        let index = i.to_string();
        let Some(id) = parse_gid(input.get("id"), "ProductVariant") else {
            errors.push(json!({"field": ["variants", index, "id"], "code": "PRODUCT_VARIANT_ID_MISSING", "message": "Product variant is missing ID attribute"}));
            continue;
        };
        match state.variants.get(&id) {
            None => errors.push(json!({"field": ["variants", index, "id"], "code": "PRODUCT_VARIANT_DOES_NOT_EXIST", "message": "Product variant does not exist"})),
            Some(v) if v.product_id != product => errors.push(json!({"field": ["variants", index, "id"], "code": "MUST_BE_FOR_THIS_PRODUCT", "message": "Product variant does not exist on this product"})),
            Some(v) => {
                let mut updated = v.clone();
                match apply_variant_input(&mut updated, input, ctx.now) {
                    Ok(()) => staged.push(updated),
                    Err((f, code, message)) => errors.push(json!({"field": ["variants", index, f], "code": code, "message": message})),
                }
            }
        }
    }
    if !errors.is_empty() {
        return bulk_variants_error(FIELD, errors);
    }
    let saved: Vec<Value> = staged.iter().map(pushed_json).collect();
    for v in staged {
        state.variants.insert(v.id, v);
    }
    OpResult::data(json!({ FIELD: {"productVariants": saved, "userErrors": []} }))
}

pub(crate) fn product_variants_bulk_create(
    state: &mut ShopifyState,
    ctx: &OpCtx<'_>,
    vars: &Map<String, Value>,
) -> OpResult {
    const FIELD: &str = "productVariantsBulkCreate";
    let Some(product) =
        parse_gid(vars.get("productId"), "Product").filter(|p| state.products.contains_key(p))
    else {
        return bulk_variants_error(
            FIELD,
            vec![user_error(
                &["productId"],
                "PRODUCT_DOES_NOT_EXIST",
                "Product does not exist",
            )],
        );
    };
    let inputs = vars
        .get("variants")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let existing = state
        .variants
        .values()
        .filter(|v| v.product_id == product)
        .count();
    if existing + inputs.len() > 2048 {
        return bulk_variants_error(
            FIELD,
            vec![user_error(
                &["variants"],
                "INVALID_INPUT",
                "A product can have at most 2048 variants",
            )],
        );
    }
    let mut staged = Vec::new();
    let mut errors = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        let mut v = SandboxVariant {
            id: 0,
            product_id: product,
            sku: None,
            barcode: None,
            title: input
                .get("optionValues")
                .and_then(Value::as_array)
                .and_then(|o| o.first())
                .and_then(|o| o.get("name"))
                .and_then(Value::as_str)
                .unwrap_or("Default Title")
                .to_owned(),
            price: rust_decimal::Decimal::ZERO,
            inventory_item_id: 0,
            tracked: true,
            requires_components: false,
            components: Vec::new(),
            updated_at: ctx.now,
        };
        match apply_variant_input(&mut v, input, ctx.now) {
            Ok(()) => staged.push(v),
            Err((f, code, message)) => errors.push(
                json!({"field": ["variants", i.to_string(), f], "code": code, "message": message}),
            ),
        }
    }
    if !errors.is_empty() {
        return bulk_variants_error(FIELD, errors);
    }
    let mut saved = Vec::new();
    for mut v in staged {
        v.id = state.next_id();
        v.inventory_item_id = state.next_id();
        saved.push(pushed_json(&v));
        state.variants.insert(v.id, v);
    }
    OpResult::data(json!({ FIELD: {"productVariants": saved, "userErrors": []} }))
}

/// The page sizes written in the crate's `Order` document.
const ORDER_DOC_LINES: usize = 20;
const ORDER_DOC_SHIPPING: usize = 5;
const ORDER_DOC_TRANSACTIONS: usize = crate::shopify::FIRST_READ_TRANSACTIONS;

fn round2(d: rust_decimal::Decimal) -> rust_decimal::Decimal {
    d.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
}

/// Tax contained in a tax-inclusive amount.
fn included_tax(
    gross: rust_decimal::Decimal,
    rate: rust_decimal::Decimal,
) -> rust_decimal::Decimal {
    if rate.is_zero() {
        rust_decimal::Decimal::ZERO
    } else {
        round2(gross * rate / (rust_decimal::Decimal::ONE + rate))
    }
}

/// An amount in both currencies.
#[derive(Clone, Copy, Default)]
struct Pair {
    shop: rust_decimal::Decimal,
    presentment: rust_decimal::Decimal,
}

impl Pair {
    fn of(order: &super::state::SandboxOrder, shop: rust_decimal::Decimal) -> Self {
        Self {
            shop,
            presentment: round2(shop * order.exchange_rate),
        }
    }
    fn add(self, other: Self) -> Self {
        Self {
            shop: self.shop + other.shop,
            presentment: self.presentment + other.presentment,
        }
    }
    fn sub(self, other: Self) -> Self {
        Self {
            shop: self.shop - other.shop,
            presentment: self.presentment - other.presentment,
        }
    }
    fn tax(self, rate: rust_decimal::Decimal) -> Self {
        Self {
            shop: included_tax(self.shop, rate),
            presentment: included_tax(self.presentment, rate),
        }
    }
    fn per_unit(self, quantity: i64) -> Self {
        let q = rust_decimal::Decimal::from(quantity.max(1));
        Self {
            shop: round2(self.shop / q),
            presentment: round2(self.presentment / q),
        }
    }
    fn bag(self, order: &super::state::SandboxOrder) -> Value {
        json!({
            "shopMoney": {"amount": self.shop.to_string(), "currencyCode": order.currency.as_str()},
            "presentmentMoney": {"amount": self.presentment.to_string(), "currencyCode": order.presentment_currency.as_str()},
        })
    }
}

impl From<(rust_decimal::Decimal, rust_decimal::Decimal)> for Pair {
    fn from((shop, presentment): (rust_decimal::Decimal, rust_decimal::Decimal)) -> Self {
        Self { shop, presentment }
    }
}

/// A money bag as the emulator rendered it, read back.
fn pair_of_bag(bag: &Value) -> Pair {
    let amount = |pointer: &str| {
        bag.pointer(pointer)
            .and_then(Value::as_str)
            .and_then(|a| a.parse().ok())
            .unwrap_or_default()
    };
    Pair {
        shop: amount("/shopMoney/amount"),
        presentment: amount("/presentmentMoney/amount"),
    }
}

fn rate_f64(rate: rust_decimal::Decimal) -> Value {
    rate.to_string()
        .parse::<f64>()
        .map_or(Value::Null, Value::from)
}

fn tax_line_json(
    order: &super::state::SandboxOrder,
    rate: rust_decimal::Decimal,
    amount: Pair,
) -> Value {
    json!({"title": "VAT", "rate": rate_f64(rate), "ratePercentage": rate_f64(rate * rust_decimal::Decimal::ONE_HUNDRED),
           "channelLiable": false, "source": "Shopify", "priceSet": amount.bag(order)})
}

struct LineMoney {
    original: Pair,
    discount: Pair,
    discounted: Pair,
    tax: Pair,
}

fn line_money(
    order: &super::state::SandboxOrder,
    line: &super::state::SandboxLineItem,
) -> LineMoney {
    let original = Pair::of(order, line.original_total);
    let discount = Pair::of(order, line.discount);
    let discounted = original.sub(discount);
    LineMoney {
        original,
        discount,
        discounted,
        tax: discounted.tax(line.tax_rate),
    }
}

fn line_json(
    state: &ShopifyState,
    order: &super::state::SandboxOrder,
    line: &super::state::SandboxLineItem,
    refunded: &super::refund::RefundedOrder,
) -> Value {
    let m = line_money(order, line);
    let current = line.quantity - refunded.line(line.id).units;
    let tax_lines: Vec<Value> = if line.tax_rate.is_zero() {
        Vec::new()
    } else {
        vec![tax_line_json(order, line.tax_rate, m.tax)]
    };
    let allocations: Vec<Value> = if line.discount.is_zero() {
        Vec::new()
    } else {
        vec![json!({"allocatedAmountSet": m.discount.bag(order),
                    "discountApplication": {"index": 0, "allocationMethod": "ACROSS", "targetSelection": "ENTITLED", "targetType": "LINE_ITEM"}})]
    };
    let group = line.bundle.as_ref().map(|g| {
        json!({"id": gid("LineItemGroup", g.id), "title": g.title, "quantity": g.quantity,
               "variantId": g.variant_id.map(|v| gid("ProductVariant", v)), "variantSku": g.sku})
    });
    let variant_title = line
        .variant_id
        .and_then(|v| state.variants.get(&v))
        .map(|v| v.title.clone());
    json!({
        "id": gid("LineItem", line.id), "sku": line.sku, "name": line.title, "variantTitle": variant_title,
        "quantity": line.quantity, "currentQuantity": current, "refundableQuantity": current, "taxable": !line.tax_rate.is_zero(),
        "requiresShipping": true, "isGiftCard": false,
        "variant": line.variant_id.map(|v| json!({"id": gid("ProductVariant", v)})),
        "originalUnitPriceSet": m.original.per_unit(line.quantity).bag(order),
        "discountedUnitPriceAfterAllDiscountsSet": m.discounted.per_unit(line.quantity).bag(order),
        "originalTotalSet": m.original.bag(order),
        "discountedTotalSet": m.discounted.bag(order),
        "totalDiscountSet": m.discount.bag(order),
        "taxLines": tax_lines,
        "discountAllocations": allocations,
        "duties": duties_json(order, line),
        "lineItemGroup": group,
    })
}

/// The order's duties shared over its lines in proportion to their totals (shop money, so
/// the shares sum to the order's duties), one amount per line in the lines' order.
fn line_duties(order: &super::state::SandboxOrder) -> Vec<Pair> {
    if order.duties.is_zero() || order.lines.is_empty() {
        return vec![Pair::default(); order.lines.len()];
    }
    let mut weights: Vec<rust_decimal::Decimal> =
        order.lines.iter().map(|l| l.original_total.abs()).collect();
    if weights.iter().all(rust_decimal::Decimal::is_zero) {
        weights = vec![rust_decimal::Decimal::ONE; weights.len()];
    }
    crate::money::Money::new(order.duties, order.currency)
        .allocate(&weights)
        .map(|parts| parts.iter().map(|p| Pair::of(order, p.amount())).collect())
        .unwrap_or_else(|_| vec![Pair::default(); order.lines.len()])
}

/// `LineItem.duties`: the line's share of the order's duties, with its tax (included).
fn duties_json(
    order: &super::state::SandboxOrder,
    line: &super::state::SandboxLineItem,
) -> Vec<Value> {
    let Some(at) = order.lines.iter().position(|l| l.id == line.id) else {
        return Vec::new();
    };
    let Some(duty) = line_duties(order)
        .get(at)
        .copied()
        .filter(|d| !d.shop.is_zero())
    else {
        return Vec::new();
    };
    let tax = duty.tax(order.duty_tax_rate);
    let tax_lines: Vec<Value> = if tax.shop.is_zero() {
        Vec::new()
    } else {
        vec![tax_line_json(order, order.duty_tax_rate, tax)]
    };
    vec![json!({"id": gid("Duty", line.id), "price": duty.bag(order), "taxLines": tax_lines})]
}

/// The rounding of the order's cash payment of `total` to its coin (zero when paid by card):
/// reckoned on the cash, in presentment money.
fn cash_rounding(order: &super::state::SandboxOrder, total: Pair) -> Pair {
    let Some(coin) = order
        .cash_rounding
        .filter(|c| c.is_sign_positive() && !c.is_zero())
    else {
        return Pair::default();
    };
    let round = |amount: rust_decimal::Decimal| {
        (amount / coin)
            .round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
            * coin
            - amount
    };
    let presentment = round(total.presentment);
    let shop = if order.exchange_rate == rust_decimal::Decimal::ONE {
        presentment
    } else {
        round2(presentment / order.exchange_rate)
    };
    Pair { shop, presentment }
}

fn shipping_json(
    order: &super::state::SandboxOrder,
    refunded: &super::refund::RefundedOrder,
) -> Vec<Value> {
    if order.shipping.is_zero() {
        return Vec::new();
    }
    let price = Pair::of(order, order.shipping);
    let tax = price.tax(order.shipping_tax_rate);
    let current = price.sub(Pair::from(refunded.shipping));
    vec![json!({
        "id": gid("ShippingLine", order.id), "title": "Standard delivery", "code": "STANDARD", "source": "shopify",
        "isRemoved": false, "originalPriceSet": price.bag(order), "discountedPriceSet": price.bag(order),
        "currentDiscountedPriceSet": current.bag(order),
        "taxLines": if tax.shop.is_zero() { Vec::new() } else { vec![tax_line_json(order, order.shipping_tax_rate, tax)] },
        "discountAllocations": [],
    })]
}

fn connection_slice(nodes: Vec<Value>, first: usize, after: usize, kind: &str) -> Value {
    let end = (after + first).min(nodes.len());
    let page: Vec<Value> = nodes
        .get(after..end)
        .map(<[Value]>::to_vec)
        .unwrap_or_default();
    let has_next = end < nodes.len();
    json!({"nodes": page, "pageInfo": {"hasNextPage": has_next, "endCursor": (end > 0).then(|| cursor(kind, end as u64))}})
}

fn order_json(state: &ShopifyState, order: &super::state::SandboxOrder) -> Value {
    let stamp = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let refunded = super::refund::refunded_order(state, order);
    let mut subtotal = Pair::default();
    let mut discounts = Pair::default();
    let mut by_rate: std::collections::BTreeMap<rust_decimal::Decimal, Pair> =
        std::collections::BTreeMap::new();
    // Placed, and current (less what refunds took): subtotal, discounts, tax by rate.
    let (mut current_subtotal, mut current_discounts) = (Pair::default(), Pair::default());
    let mut current_by_rate = by_rate.clone();
    for line in &order.lines {
        let m = line_money(order, line);
        let gone = refunded.line(line.id);
        subtotal = subtotal.add(m.discounted);
        discounts = discounts.add(m.discount);
        current_subtotal = current_subtotal.add(m.discounted.sub(Pair::from(gone.gross)));
        current_discounts = current_discounts.add(m.discount.sub(Pair::of(order, gone.discount)));
        if !line.tax_rate.is_zero() {
            let e = by_rate.entry(line.tax_rate).or_default();
            *e = e.add(m.tax);
            let e = current_by_rate.entry(line.tax_rate).or_default();
            *e = e.add(m.tax.sub(Pair::from(gone.tax)));
        }
    }
    let shipping = Pair::of(order, order.shipping);
    let shipping_tax = shipping.tax(order.shipping_tax_rate);
    let current_shipping = shipping.sub(Pair::from(refunded.shipping));
    let current_shipping_tax = shipping_tax.sub(Pair::from(refunded.shipping_tax));
    if !current_shipping_tax.shop.is_zero() {
        let e = current_by_rate.entry(order.shipping_tax_rate).or_default();
        *e = e.add(current_shipping_tax);
    }
    if !shipping_tax.shop.is_zero() {
        let e = by_rate.entry(order.shipping_tax_rate).or_default();
        *e = e.add(shipping_tax);
    }
    let tip = Pair::of(order, order.tip);
    let duties = line_duties(order)
        .into_iter()
        .fold(Pair::default(), |a, d| {
            let tax = d.tax(order.duty_tax_rate);
            if !tax.shop.is_zero() {
                // Refunds never take duties here: the current duty tax is the placed one.
                for rates in [&mut by_rate, &mut current_by_rate] {
                    let e = rates.entry(order.duty_tax_rate).or_default();
                    *e = e.add(tax);
                }
            }
            a.add(d)
        });
    let fee = Pair::of(order, order.additional_fee);
    let fee_tax = fee.tax(order.shipping_tax_rate);
    if !fee_tax.shop.is_zero() {
        for rates in [&mut by_rate, &mut current_by_rate] {
            let e = rates.entry(order.shipping_tax_rate).or_default();
            *e = e.add(fee_tax);
        }
    }
    let total_tax = by_rate.values().fold(Pair::default(), |a, b| a.add(*b));
    let total = subtotal.add(shipping).add(tip).add(duties).add(fee);
    let current_tax = current_by_rate
        .values()
        .fold(Pair::default(), |a, b| a.add(*b));
    let current_total = current_subtotal
        .add(current_shipping)
        .add(tip)
        .add(duties)
        .add(fee);
    let refunded_money = Pair::from(refunded.money);
    let net_payment = total.sub(refunded_money);
    let financial_status = if refunded_money.shop.is_zero() {
        "PAID"
    } else if net_payment.shop <= rust_decimal::Decimal::ZERO {
        "REFUNDED"
    } else {
        "PARTIALLY_REFUNDED"
    };
    let rounding = cash_rounding(order, total);
    let zero = Pair::default();
    let tax_lines: Vec<Value> = by_rate
        .iter()
        .map(|(rate, amount)| tax_line_json(order, *rate, *amount))
        .collect();
    let current_tax_lines: Vec<Value> = current_by_rate
        .iter()
        .filter(|(_, amount)| !amount.shop.is_zero())
        .map(|(rate, amount)| tax_line_json(order, *rate, *amount))
        .collect();
    let lines: Vec<Value> = order
        .lines
        .iter()
        .map(|l| line_json(state, order, l, &refunded))
        .collect();
    let (first, last) = order
        .email
        .as_deref()
        .and_then(|e| e.split_once('@'))
        .map_or(("Sandbox", "Customer"), |(user, _)| (user, "Customer"));
    let purchasing = match &order.company {
        Some(company) => {
            // One company (and one location) per name, however many orders it places.
            let number = company_number(company);
            json!({"__typename": "PurchasingCompany",
                "company": {"id": gid("Company", number), "name": company},
                "location": {"id": gid("CompanyLocation", number), "name": format!("{company} HQ")}})
        }
        None => json!({"__typename": "Customer"}),
    };
    let address = json!({"firstName": first, "lastName": last, "company": order.company, "address1": "1 High Street",
        "address2": null, "city": "Leeds", "province": "England", "provinceCode": "ENG", "zip": "LS1 1AA",
        "countryCodeV2": "GB", "phone": null});
    let head = json!({
        "id": gid("Order", order.id), "name": order.name, "createdAt": stamp(order.created_at), "processedAt": stamp(order.created_at),
        "updatedAt": stamp(order.updated_at), "cancelledAt": order.cancelled_at.map(stamp),
        "cancelReason": order.cancelled_at.map(|_| "CUSTOMER"), "closed": false, "test": order.test,
        "displayFinancialStatus": financial_status, "displayFulfillmentStatus": "UNFULFILLED",
        "currencyCode": order.currency.as_str(), "presentmentCurrencyCode": order.presentment_currency.as_str(),
        "taxesIncluded": order.taxes_included, "taxExempt": false, "email": order.email, "phone": null,
        "poNumber": order.company.as_ref().map(|_| format!("PO-{}", order.id)), "sourceName": "web",
        "tags": [], "discountCodes": if discounts.shop.is_zero() { Vec::<&str>::new() } else { vec!["SANDBOX10"] },
        "subtotalPriceSet": subtotal.bag(order), "currentSubtotalPriceSet": current_subtotal.bag(order),
        "totalPriceSet": total.bag(order), "currentTotalPriceSet": current_total.bag(order),
        "totalTaxSet": total_tax.bag(order), "currentTotalTaxSet": current_tax.bag(order),
        "currentTotalDiscountsSet": current_discounts.bag(order), "currentShippingPriceSet": current_shipping.bag(order),
    });
    let fees: Vec<Value> = if order.additional_fee.is_zero() {
        Vec::new()
    } else {
        let fee_tax_lines: Vec<Value> = if fee_tax.shop.is_zero() {
            Vec::new()
        } else {
            vec![tax_line_json(order, order.shipping_tax_rate, fee_tax)]
        };
        vec![
            json!({"id": gid("AdditionalFee", order.id), "name": "Import fee", "price": fee.bag(order),
                    "taxLines": fee_tax_lines}),
        ]
    };
    let charges = json!({
        "currentTaxLines": current_tax_lines,
        "totalTipReceivedSet": tip.bag(order),
        "currentTotalDutiesSet": (!order.duties.is_zero()).then(|| duties.bag(order)),
        "currentTotalAdditionalFeesSet": (!order.additional_fee.is_zero()).then(|| fee.bag(order)),
        "additionalFees": fees,
        "totalReceivedSet": total.bag(order),
        "totalCashRoundingAdjustment": {"paymentSet": rounding.bag(order), "refundSet": zero.bag(order)},
        "totalRefundedSet": refunded_money.bag(order),
        "totalRefundedShippingSet": Pair::from(refunded.shipping).bag(order),
        "netPaymentSet": net_payment.bag(order),
        "totalOutstandingSet": current_total.sub(net_payment).bag(order),
    });
    let transactions = transactions_json(order, &total.bag(order), rounding, &refunded);
    let parties = json!({
        "taxLines": tax_lines,
        "customer": order.customer_id.map(|c| json!({"id": gid("Customer", c), "email": order.email, "firstName": first, "lastName": last})),
        "shippingAddress": address, "billingAddress": address, "purchasingEntity": purchasing,
        "transactionsCount": {"count": transactions.len(), "precision": "EXACT"},
        "transactions": transactions.iter().take(ORDER_DOC_TRANSACTIONS).collect::<Vec<_>>(),
        "lineItems": connection_slice(lines, ORDER_DOC_LINES, 0, "LineItem"),
        "shippingLines": connection_slice(shipping_json(order, &refunded), ORDER_DOC_SHIPPING, 0, "ShippingLine"),
    });
    let mut merged = head;
    for more in [charges, parties] {
        if let (Some(map), Value::Object(more)) = (merged.as_object_mut(), more) {
            map.extend(more);
        }
    }
    merged
}

/// The order's transactions: the failed attempts, the sale of `total` (a money bag, the
/// amount received; in cash with its `rounding` when the order was paid in cash), then the
/// refunds' `REFUND` transactions.
fn transactions_json(
    order: &super::state::SandboxOrder,
    total: &Value,
    rounding: Pair,
    refunded: &super::refund::RefundedOrder,
) -> Vec<Value> {
    let (gateway, rounding) = match order.cash_rounding {
        Some(_) => ("cash", rounding.bag(order)),
        None => ("shopify_payments", Value::Null),
    };
    let stamp = order
        .created_at
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let attempt = |n: usize| {
        json!({"id": gid("OrderTransaction", order.id.saturating_mul(1000).saturating_add(n as u64 + 1)), "kind": "AUTHORIZATION",
               "status": "FAILURE", "gateway": "shopify_payments", "test": order.test,
               "processedAt": stamp, "amountSet": total})
    };
    (0..order.failed_payment_attempts)
        .map(attempt)
        .chain(std::iter::once(json!({
            "id": gid("OrderTransaction", order.id), "kind": "SALE", "status": "SUCCESS",
            "gateway": gateway, "test": order.test, "processedAt": stamp,
            "amountSet": total, "amountRoundingSet": rounding})))
        .chain(refunded.transactions.iter().cloned())
        .collect()
}

/// `order(id:) { transactionsCount transactions(first: $first) }`.
pub(crate) fn order_transactions(state: &ShopifyState, vars: &Map<String, Value>) -> OpResult {
    let Some(order) = parse_gid(vars.get("id"), "Order").and_then(|id| state.orders.get(&id))
    else {
        return OpResult::data(json!({"order": null}));
    };
    let body = order_json(state, order);
    let total = body.get("totalReceivedSet").cloned().unwrap_or(Value::Null);
    let rounding = body
        .pointer("/totalCashRoundingAdjustment/paymentSet")
        .map_or_else(Pair::default, pair_of_bag);
    let refunded = super::refund::refunded_order(state, order);
    let all = transactions_json(order, &total, rounding, &refunded);
    let count = all.len();
    let page: Vec<Value> = all.into_iter().take(first(vars)).collect();
    OpResult::data(json!({"order": {
        "transactionsCount": {"count": count, "precision": "EXACT"},
        "transactions": page,
    }}))
}

fn position_after(vars: &Map<String, Value>, kind: &str) -> Result<usize, Value> {
    after_id(vars, kind).map(|n| usize::try_from(n).unwrap_or(usize::MAX))
}

pub(crate) fn order(state: &ShopifyState, vars: &Map<String, Value>) -> OpResult {
    let found = parse_gid(vars.get("id"), "Order").and_then(|id| state.orders.get(&id));
    OpResult::data(json!({"order": found.map(|o| order_json(state, o))}))
}

pub(crate) fn order_lines(
    state: &ShopifyState,
    vars: &Map<String, Value>,
    shipping: bool,
) -> Result<OpResult, Value> {
    let Some(order) = parse_gid(vars.get("id"), "Order").and_then(|id| state.orders.get(&id))
    else {
        return Ok(OpResult::page(json!({"order": null}), 0));
    };
    let refunded = super::refund::refunded_order(state, order);
    let (kind, field, nodes) = if shipping {
        (
            "ShippingLine",
            "shippingLines",
            shipping_json(order, &refunded),
        )
    } else {
        (
            "LineItem",
            "lineItems",
            order
                .lines
                .iter()
                .map(|l| line_json(state, order, l, &refunded))
                .collect(),
        )
    };
    let after = position_after(vars, kind)?;
    let connection = connection_slice(nodes, first(vars), after, kind);
    let returned = connection
        .pointer("/nodes")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    Ok(OpResult::page(
        json!({"order": { field: connection }}),
        returned,
    ))
}

/// `orders(sortKey: UPDATED_AT, query: "updated_at:>='…'")`.
pub(crate) fn orders_updated(
    state: &ShopifyState,
    vars: &Map<String, Value>,
) -> Result<OpResult, Value> {
    let since =
        match vars.get("query").and_then(Value::as_str) {
            None => None,
            Some(q) => {
                let raw = q
                    .strip_prefix("updated_at:>=")
                    .ok_or_else(|| {
                        top_error(
                            "INVALID_SEARCH",
                            format!("sandbox: unsupported order search {q:?}"),
                        )
                    })?
                    .trim_matches(|c| c == '\'' || c == '"');
                Some(DateTime::parse_from_rfc3339(raw).map_err(|_| {
                    top_error("INVALID_SEARCH", format!("sandbox: bad time {raw:?}"))
                })?)
            }
        };
    let mut orders: Vec<&super::state::SandboxOrder> = state
        .orders
        .values()
        .filter(|o| since.is_none_or(|t| o.updated_at >= t))
        .collect();
    orders.sort_by_key(|o| (o.updated_at, o.id));
    let nodes: Vec<Value> = orders
        .iter()
        .map(|o| json!({"id": gid("Order", o.id), "name": o.name, "updatedAt": o.updated_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)}))
        .collect();
    let after = position_after(vars, "OrderPosition")?;
    let connection = connection_slice(nodes, first(vars), after, "OrderPosition");
    let returned = connection
        .pointer("/nodes")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    Ok(OpResult::page(json!({"orders": connection}), returned))
}

/// A stable company number for a company name (FNV-1a, kept within Shopify's ID range).
fn company_number(name: &str) -> u64 {
    let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    1 + hash % 9_000_000_000
}

/// `nodes(ids:)` with `... on Order`: each known order as the `Order` document reads it,
/// `null` for an unknown ID or an ID of another type, in the order asked for.
pub(crate) fn orders_by_id(state: &ShopifyState, vars: &Map<String, Value>) -> OpResult {
    let nodes: Vec<Value> = vars
        .get("ids")
        .and_then(Value::as_array)
        .map(|ids| {
            ids.iter()
                .map(|id| {
                    parse_gid(Some(id), "Order")
                        .and_then(|n| state.orders.get(&n))
                        .map_or(Value::Null, |o| {
                            let mut node = order_json(state, o);
                            if let Some(map) = node.as_object_mut() {
                                map.insert("__typename".into(), json!("Order"));
                            }
                            node
                        })
                })
                .collect()
        })
        .unwrap_or_default();
    OpResult::data(json!({ "nodes": nodes }))
}
