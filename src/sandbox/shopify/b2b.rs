//! B2B: the plan flag, company locations, company-location catalogs, price lists with fixed
//! prices and quantity rules, and customers with tags and metafields.
//!
//! Validation follows what real Shopify was recorded answering: `priceListFixedPricesAdd`
//! reports an unknown variant (`VARIANT_NOT_FOUND`, checked first) or a price in another
//! currency (`PRICE_LIST_CURRENCY_MISMATCH` at `["prices", i, "price", "currencyCode"]`),
//! and an unknown list with `PRICE_LIST_NOT_FOUND` and `prices: null`; `quantityRulesAdd`
//! checks minimum >= 1, increment >= 1, increment <= minimum, minimum <= maximum, minimum
//! and maximum multiples of the increment, unique variants, and a company-location catalog;
//! `catalogCreate` takes exactly one context type; `catalogContextUpdate` needs something to
//! add or remove. Not recorded, and assumed: a batch with any `userErrors` changes nothing;
//! a price list has at most one catalog (a second is refused with `TAKEN`); a shop without
//! Plus may only make company-location catalogs `ARCHIVED`
//! (`COMPANY_LOCATION_CATALOG_STATUS_PLAN`, as the 2026-04 schema describes it).

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::ops::{OpResult, cursor, gid, page, parse_gid, top_error, user_error};
use super::state::ShopifyState;
use crate::money::CurrencyCode;

/// Most entries of one input list.
const MAX_INPUTS: usize = 250;
/// Most metafields of one `metafieldsSet`.
const MAX_METAFIELDS: usize = 25;
/// Quantity price breaks shown per fixed price (the crate's read asks for the first 10).
const BREAKS_PER_PRICE: usize = 10;

/// The B2B part of the emulated shop.
#[derive(Debug, Clone, Default, Serialize)]
#[non_exhaustive]
pub struct B2bBook {
    /// `shop.plan.shopifyPlus`.
    pub shopify_plus: bool,
    /// Company locations by ID.
    pub company_locations: BTreeMap<u64, SandboxCompanyLocation>,
    /// Company-location catalogs by ID.
    pub catalogs: BTreeMap<u64, SandboxCatalog>,
    /// Price lists by ID.
    pub price_lists: BTreeMap<u64, SandboxPriceList>,
    /// Customers by ID.
    pub customers: BTreeMap<u64, SandboxCustomer>,
}

/// A company location.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct SandboxCompanyLocation {
    /// Numeric ID.
    pub id: u64,
    /// Name.
    pub name: String,
    /// External ID.
    pub external_id: Option<String>,
}

/// A company-location catalog.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct SandboxCatalog {
    /// Numeric ID.
    pub id: u64,
    /// Title.
    pub title: String,
    /// `ACTIVE`, `ARCHIVED`, `DRAFT`.
    pub status: String,
    /// Its price list.
    pub price_list: Option<u64>,
    /// Its company locations.
    pub company_locations: BTreeSet<u64>,
}

/// A price list.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct SandboxPriceList {
    /// Numeric ID.
    pub id: u64,
    /// Name (unique).
    pub name: String,
    /// Currency.
    pub currency: CurrencyCode,
    /// Its catalog.
    pub catalog: Option<u64>,
    /// Fixed prices by variant.
    pub fixed_prices: BTreeMap<u64, Decimal>,
    /// Quantity rules by variant: (minimum, maximum, increment).
    pub quantity_rules: BTreeMap<u64, (i64, Option<i64>, i64)>,
    /// Quantity price breaks by variant: unit price by minimum quantity.
    pub price_breaks: BTreeMap<u64, BTreeMap<i64, Decimal>>,
}

/// A customer with tags and metafields.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct SandboxCustomer {
    /// Numeric ID.
    pub id: u64,
    /// Tags, in the order added.
    pub tags: Vec<String>,
    /// Metafields by (namespace, key): (type, value).
    pub metafields: BTreeMap<(String, String), (String, String)>,
}

impl ShopifyState {
    /// Puts the shop on Shopify Plus (or takes it off).
    pub fn set_shopify_plus(&mut self, plus: bool) {
        self.b2b.shopify_plus = plus;
    }

    /// Adds a company location with an external ID and returns its ID.
    pub fn add_company_location(&mut self, name: &str, external_id: Option<&str>) -> u64 {
        let id = self.next_id();
        self.b2b.company_locations.insert(
            id,
            SandboxCompanyLocation {
                id,
                name: name.to_owned(),
                external_id: external_id.map(str::to_owned),
            },
        );
        id
    }

    /// Adds a customer with no tags and returns its ID.
    pub fn add_customer(&mut self) -> u64 {
        let id = self.next_id();
        self.b2b.customers.insert(
            id,
            SandboxCustomer {
                id,
                tags: Vec::new(),
                metafields: BTreeMap::new(),
            },
        );
        id
    }

    /// The price list named `name`.
    #[must_use]
    pub fn price_list_named(&self, name: &str) -> Option<&SandboxPriceList> {
        self.b2b.price_lists.values().find(|l| l.name == name)
    }
}

fn vars_list<'a>(vars: &'a Map<String, Value>, name: &str) -> &'a [Value] {
    vars.get(name)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn str_of<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key).and_then(Value::as_str)
}

fn payload(field: &str, body: Value) -> OpResult {
    let mut data = Map::new();
    data.insert(field.to_owned(), body);
    OpResult::data(Value::Object(data))
}

fn too_many(field: &str, got: usize, max: usize) -> OpResult {
    OpResult {
        data: json!({ field: null }),
        errors: vec![top_error(
            "MAX_INPUT_SIZE_EXCEEDED",
            format!("The input array size of {got} is greater than the maximum allowed of {max}."),
        )],
        returned_nodes: None,
    }
}

fn connection(nodes: Vec<Value>, info: Value) -> Value {
    json!({"nodes": nodes, "pageInfo": info})
}

fn catalog_json(catalog: &SandboxCatalog, locations_first: usize) -> Value {
    let total = catalog.company_locations.len();
    let nodes: Vec<Value> = catalog
        .company_locations
        .iter()
        .take(locations_first)
        .map(|id| json!({"id": gid("CompanyLocation", *id)}))
        .collect();
    let end = catalog
        .company_locations
        .iter()
        .take(locations_first)
        .next_back()
        .map(|id| cursor("CompanyLocation", *id));
    json!({
        "__typename": "CompanyLocationCatalog",
        "id": gid("CompanyLocationCatalog", catalog.id),
        "title": catalog.title,
        "status": catalog.status,
        "companyLocations": {"nodes": nodes, "pageInfo": {"hasNextPage": total > locations_first, "endCursor": end}},
    })
}

/// `priceLists` with each list's catalog and its first 50 company locations.
pub(crate) fn price_lists(
    state: &ShopifyState,
    vars: &Map<String, Value>,
) -> Result<OpResult, Value> {
    let (chunk, info) = page(
        state.b2b.price_lists.iter().map(|(k, v)| (*k, v)),
        vars,
        "PriceList",
    )?;
    let nodes: Vec<Value> = chunk
        .iter()
        .map(|(_, l)| {
            let catalog = l
                .catalog
                .and_then(|c| state.b2b.catalogs.get(&c))
                .map_or(Value::Null, |c| catalog_json(c, 50));
            json!({"id": gid("PriceList", l.id), "name": l.name, "currency": l.currency.as_str(),
                   "fixedPricesCount": l.fixed_prices.len(), "catalog": catalog})
        })
        .collect();
    Ok(OpResult::page(
        json!({"priceLists": connection(nodes, info)}),
        chunk.len(),
    ))
}

/// `catalog(id:) { companyLocations }`.
pub(crate) fn catalog_company_locations(
    state: &ShopifyState,
    vars: &Map<String, Value>,
) -> Result<OpResult, Value> {
    let Some(catalog) = parse_gid(vars.get("id"), "CompanyLocationCatalog")
        .and_then(|id| state.b2b.catalogs.get(&id))
    else {
        return Ok(OpResult::data(json!({"catalog": null})));
    };
    let (chunk, info) = page(
        catalog.company_locations.iter().map(|id| (*id, id)),
        vars,
        "CompanyLocation",
    )?;
    let nodes: Vec<Value> = chunk
        .iter()
        .map(|(id, _)| json!({"id": gid("CompanyLocation", *id)}))
        .collect();
    Ok(OpResult::page(
        json!({"catalog": {"companyLocations": connection(nodes, info)}}),
        chunk.len(),
    ))
}

/// `priceList(id:) { prices(originType: FIXED) }`.
pub(crate) fn fixed_prices(
    state: &ShopifyState,
    vars: &Map<String, Value>,
) -> Result<OpResult, Value> {
    let Some(list) =
        parse_gid(vars.get("id"), "PriceList").and_then(|id| state.b2b.price_lists.get(&id))
    else {
        return Ok(OpResult::data(json!({"priceList": null})));
    };
    let (chunk, info) = page(
        list.fixed_prices.iter().map(|(k, v)| (*k, v)),
        vars,
        "PriceListPrice",
    )?;
    let currency = list.currency.as_str();
    let nodes: Vec<Value> = chunk
        .iter()
        .map(|(variant, price)| {
            let breaks = list.price_breaks.get(variant);
            let shown: Vec<Value> = breaks
                .into_iter()
                .flatten()
                .take(BREAKS_PER_PRICE)
                .map(|(quantity, price)| {
                    json!({"minimumQuantity": quantity,
                           "price": {"amount": price.to_string(), "currencyCode": currency}})
                })
                .collect();
            let more = breaks.is_some_and(|b| b.len() > BREAKS_PER_PRICE);
            json!({"variant": {"id": gid("ProductVariant", *variant)},
                   "price": {"amount": price.to_string(), "currencyCode": currency},
                   "quantityPriceBreaks": {"nodes": shown, "pageInfo": {"hasNextPage": more}}})
        })
        .collect();
    Ok(OpResult::page(
        json!({"priceList": {"prices": connection(nodes, info)}}),
        chunk.len(),
    ))
}

/// `priceList(id:) { quantityRules(originType: FIXED) }`.
pub(crate) fn quantity_rules(
    state: &ShopifyState,
    vars: &Map<String, Value>,
) -> Result<OpResult, Value> {
    let Some(list) =
        parse_gid(vars.get("id"), "PriceList").and_then(|id| state.b2b.price_lists.get(&id))
    else {
        return Ok(OpResult::data(json!({"priceList": null})));
    };
    let (chunk, info) = page(
        list.quantity_rules.iter().map(|(k, v)| (*k, v)),
        vars,
        "QuantityRule",
    )?;
    let nodes: Vec<Value> = chunk
        .iter()
        .map(|(variant, (min, max, inc))| {
            json!({"minimum": min, "maximum": max, "increment": inc,
                   "productVariant": {"id": gid("ProductVariant", *variant)}})
        })
        .collect();
    Ok(OpResult::page(
        json!({"priceList": {"quantityRules": connection(nodes, info)}}),
        chunk.len(),
    ))
}

/// `companyLocations`.
pub(crate) fn company_locations(
    state: &ShopifyState,
    vars: &Map<String, Value>,
) -> Result<OpResult, Value> {
    let (chunk, info) = page(
        state.b2b.company_locations.iter().map(|(k, v)| (*k, v)),
        vars,
        "CompanyLocation",
    )?;
    let nodes: Vec<Value> = chunk
        .iter()
        .map(|(_, l)| json!({"id": gid("CompanyLocation", l.id), "name": l.name, "externalId": l.external_id}))
        .collect();
    Ok(OpResult::page(
        json!({"companyLocations": connection(nodes, info)}),
        chunk.len(),
    ))
}

/// `nodes(ids:) { ... on Customer { id tags metafield(namespace:, key:) { value } } }`.
pub(crate) fn customer_price_tags(state: &ShopifyState, vars: &Map<String, Value>) -> OpResult {
    let namespace = vars
        .get("namespace")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let key = vars.get("key").and_then(Value::as_str).unwrap_or_default();
    let nodes: Vec<Value> = vars_list(vars, "ids")
        .iter()
        .map(|id| {
            parse_gid(Some(id), "Customer")
                .and_then(|id| state.b2b.customers.get(&id))
                .map_or(Value::Null, |c| {
                    let metafield = c
                        .metafields
                        .get(&(namespace.to_owned(), key.to_owned()))
                        .map_or(Value::Null, |(_, value)| json!({"value": value}));
                    json!({"id": gid("Customer", c.id), "tags": c.tags, "metafield": metafield})
                })
        })
        .collect();
    OpResult::data(json!({"nodes": nodes}))
}

/// `priceListCreate`: names are unique.
pub(crate) fn price_list_create(state: &mut ShopifyState, vars: &Map<String, Value>) -> OpResult {
    let input = vars.get("input").cloned().unwrap_or(Value::Null);
    let refuse = |field: &[&str], code: &str, message: &str| {
        payload(
            "priceListCreate",
            json!({"priceList": null, "userErrors": [user_error(field, code, message)]}),
        )
    };
    let name = str_of(&input, "name").unwrap_or_default().trim().to_owned();
    if name.is_empty() {
        return refuse(&["input", "name"], "BLANK", "Name can't be blank");
    }
    if state.b2b.price_lists.values().any(|l| l.name == name) {
        return refuse(&["input", "name"], "TAKEN", "Name has already been taken");
    }
    let Some(currency) = str_of(&input, "currency").and_then(|c| CurrencyCode::new(c).ok()) else {
        return refuse(
            &["input", "currency"],
            "INCLUSION",
            "Currency is not included in the list",
        );
    };
    let catalog = match input.get("catalogId").filter(|v| !v.is_null()) {
        None => None,
        Some(c) => match parse_gid(Some(c), "CompanyLocationCatalog")
            .filter(|id| state.b2b.catalogs.contains_key(id))
        {
            Some(id) => Some(id),
            None => {
                return refuse(
                    &["input", "catalogId"],
                    "CATALOG_DOES_NOT_EXIST",
                    "Catalog does not exist",
                );
            }
        },
    };
    let id = state.next_id();
    state.b2b.price_lists.insert(
        id,
        SandboxPriceList {
            id,
            name: name.clone(),
            currency,
            catalog,
            fixed_prices: BTreeMap::new(),
            quantity_rules: BTreeMap::new(),
            price_breaks: BTreeMap::new(),
        },
    );
    if let Some(c) = catalog.and_then(|c| state.b2b.catalogs.get_mut(&c)) {
        c.price_list = Some(id);
    }
    payload(
        "priceListCreate",
        json!({"priceList": {"id": gid("PriceList", id), "name": name, "currency": currency.as_str()},
               "userErrors": []}),
    )
}

fn location_ids(state: &ShopifyState, ids: &[Value]) -> Result<Vec<u64>, usize> {
    let mut out = Vec::with_capacity(ids.len());
    for (i, id) in ids.iter().enumerate() {
        match parse_gid(Some(id), "CompanyLocation")
            .filter(|id| state.b2b.company_locations.contains_key(id))
        {
            Some(id) => out.push(id),
            None => return Err(i),
        }
    }
    Ok(out)
}

/// `catalogCreate` with a company-location context.
pub(crate) fn catalog_create(state: &mut ShopifyState, vars: &Map<String, Value>) -> OpResult {
    let input = vars.get("input").cloned().unwrap_or(Value::Null);
    let refuse = |field: Value, code: &str, message: &str| {
        payload(
            "catalogCreate",
            json!({"catalog": null, "userErrors": [{"field": field, "code": code, "message": message}]}),
        )
    };
    let title = str_of(&input, "title")
        .unwrap_or_default()
        .trim()
        .to_owned();
    if title.is_empty() {
        return refuse(json!(["input", "title"]), "BLANK", "Title can't be blank");
    }
    let status = str_of(&input, "status").unwrap_or("ACTIVE").to_owned();
    let context = input.get("context").cloned().unwrap_or(Value::Null);
    let markets = context.get("marketIds").filter(|v| !v.is_null());
    let locations = context.get("companyLocationIds").filter(|v| !v.is_null());
    let (None, Some(locations)) = (markets, locations) else {
        return refuse(
            json!(["input", "context"]),
            "MUST_PROVIDE_EXACTLY_ONE_CONTEXT_TYPE",
            "Must provide exactly one context type.",
        );
    };
    let locations = match location_ids(state, locations.as_array().map_or(&[], Vec::as_slice)) {
        Ok(ids) => ids,
        Err(i) => {
            return refuse(
                json!(["input", "context", "companyLocationIds", i.to_string()]),
                "COMPANY_LOCATION_NOT_FOUND",
                "Company location not found.",
            );
        }
    };
    if !state.b2b.shopify_plus && status != "ARCHIVED" {
        return refuse(
            json!(["input", "status"]),
            "COMPANY_LOCATION_CATALOG_STATUS_PLAN",
            "A company location catalog outside of a supported plan can only have an archived status.",
        );
    }
    let price_list = match input.get("priceListId").filter(|v| !v.is_null()) {
        None => None,
        Some(p) => {
            match parse_gid(Some(p), "PriceList").and_then(|id| state.b2b.price_lists.get(&id)) {
                None => {
                    return refuse(
                        json!(["input", "priceListId"]),
                        "PRICE_LIST_NOT_FOUND",
                        "Price list not found.",
                    );
                }
                Some(l) if l.catalog.is_some() => {
                    return refuse(
                        json!(["input", "priceListId"]),
                        "TAKEN",
                        "Price list has already been taken",
                    );
                }
                Some(l) => Some(l.id),
            }
        }
    };
    let id = state.next_id();
    state.b2b.catalogs.insert(
        id,
        SandboxCatalog {
            id,
            title: title.clone(),
            status: status.clone(),
            price_list,
            company_locations: locations.into_iter().collect(),
        },
    );
    if let Some(l) = price_list.and_then(|p| state.b2b.price_lists.get_mut(&p)) {
        l.catalog = Some(id);
    }
    payload(
        "catalogCreate",
        json!({"catalog": {"id": gid("CompanyLocationCatalog", id), "title": title, "status": status},
               "userErrors": []}),
    )
}

/// `catalogContextUpdate`: company locations added and removed (removing one the catalog
/// does not hold changes nothing).
pub(crate) fn catalog_context_update(
    state: &mut ShopifyState,
    vars: &Map<String, Value>,
) -> OpResult {
    let refuse = |field: Value, code: &str, message: &str| {
        payload(
            "catalogContextUpdate",
            json!({"catalog": null, "userErrors": [{"field": field, "code": code, "message": message}]}),
        )
    };
    let Some(catalog) = parse_gid(vars.get("catalogId"), "CompanyLocationCatalog")
        .filter(|id| state.b2b.catalogs.contains_key(id))
    else {
        return refuse(
            json!(["catalogId"]),
            "CATALOG_NOT_FOUND",
            "Catalog not found.",
        );
    };
    let add = vars.get("contextsToAdd").filter(|v| !v.is_null());
    let remove = vars.get("contextsToRemove").filter(|v| !v.is_null());
    if add.is_none() && remove.is_none() {
        return refuse(
            Value::Null,
            "REQUIRES_CONTEXTS_TO_ADD_OR_REMOVE",
            "Requires contexts to add or remove.",
        );
    }
    fn ids_of(v: Option<&Value>) -> &[Value] {
        v.and_then(|a| a.get("companyLocationIds"))
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice)
    }
    let mut staged = [Vec::new(), Vec::new()];
    for (slot, (field, ids)) in staged.iter_mut().zip([
        ("contextsToAdd", ids_of(add)),
        ("contextsToRemove", ids_of(remove)),
    ]) {
        match location_ids(state, ids) {
            Ok(ids) => *slot = ids,
            Err(i) => {
                return refuse(
                    json!([field, "companyLocationIds", i.to_string()]),
                    "COMPANY_LOCATION_NOT_FOUND",
                    "Company location not found.",
                );
            }
        }
    }
    let [added, removed] = staged;
    if let Some(c) = state.b2b.catalogs.get_mut(&catalog) {
        c.company_locations.extend(added);
        for id in removed {
            c.company_locations.remove(&id);
        }
    }
    payload(
        "catalogContextUpdate",
        json!({"catalog": {"id": gid("CompanyLocationCatalog", catalog)}, "userErrors": []}),
    )
}

/// `priceListFixedPricesAdd`: an upsert; any error refuses the batch.
pub(crate) fn fixed_prices_add(state: &mut ShopifyState, vars: &Map<String, Value>) -> OpResult {
    let prices = vars_list(vars, "prices");
    if prices.len() > MAX_INPUTS {
        return too_many("priceListFixedPricesAdd", prices.len(), MAX_INPUTS);
    }
    let Some(list_id) = parse_gid(vars.get("priceListId"), "PriceList")
        .filter(|id| state.b2b.price_lists.contains_key(id))
    else {
        return payload(
            "priceListFixedPricesAdd",
            json!({"prices": null, "userErrors": [user_error(&["priceListId"], "PRICE_LIST_NOT_FOUND", "Price list not found.")]}),
        );
    };
    let currency = state
        .b2b
        .price_lists
        .get(&list_id)
        .map(|l| l.currency.as_str().to_owned())
        .unwrap_or_default();
    let mut errors = Vec::new();
    let mut staged = Vec::with_capacity(prices.len());
    for (i, price) in prices.iter().enumerate() {
        let index = i.to_string();
        let variant = parse_gid(price.get("variantId"), "ProductVariant")
            .filter(|id| state.variants.contains_key(id));
        let Some(variant) = variant else {
            errors.push(user_error(
                &["prices", &index, "variantId"],
                "VARIANT_NOT_FOUND",
                "Variant not found.",
            ));
            continue;
        };
        let mut ok = true;
        for field in ["price", "compareAtPrice"] {
            if let Some(money) = price.get(field).filter(|v| !v.is_null()) {
                if str_of(money, "currencyCode") != Some(currency.as_str()) {
                    errors.push(user_error(
                        &["prices", &index, field, "currencyCode"],
                        "PRICE_LIST_CURRENCY_MISMATCH",
                        "Currency must match price list currency.",
                    ));
                    ok = false;
                }
            }
        }
        let amount = price
            .get("price")
            .and_then(|m| m.get("amount"))
            .and_then(|a| match a {
                Value::String(s) => s.parse::<Decimal>().ok(),
                Value::Number(n) => n.to_string().parse::<Decimal>().ok(),
                _ => None,
            });
        match (ok, amount) {
            (true, Some(amount)) => staged.push((variant, amount)),
            (true, None) => errors.push(user_error(
                &["prices", &index, "price", "amount"],
                "BLANK",
                "Price can't be blank.",
            )),
            (false, _) => {}
        }
    }
    if !errors.is_empty() {
        return payload(
            "priceListFixedPricesAdd",
            json!({"prices": null, "userErrors": errors}),
        );
    }
    let mut out = Vec::with_capacity(staged.len());
    if let Some(list) = state.b2b.price_lists.get_mut(&list_id) {
        for (variant, amount) in staged {
            list.fixed_prices.insert(variant, amount);
            out.push(json!({"variant": {"id": gid("ProductVariant", variant)},
                            "price": {"amount": amount.to_string(), "currencyCode": currency},
                            "originType": "FIXED"}));
        }
    }
    payload(
        "priceListFixedPricesAdd",
        json!({"prices": out, "userErrors": []}),
    )
}

/// `priceListFixedPricesDelete`.
pub(crate) fn fixed_prices_delete(state: &mut ShopifyState, vars: &Map<String, Value>) -> OpResult {
    let ids = vars_list(vars, "variantIds");
    if ids.len() > MAX_INPUTS {
        return too_many("priceListFixedPricesDelete", ids.len(), MAX_INPUTS);
    }
    let Some(list) = parse_gid(vars.get("priceListId"), "PriceList")
        .and_then(|id| state.b2b.price_lists.get_mut(&id))
    else {
        return payload(
            "priceListFixedPricesDelete",
            json!({"deletedFixedPriceVariantIds": null, "userErrors": [user_error(&["priceListId"], "PRICE_LIST_NOT_FOUND", "Price list not found.")]}),
        );
    };
    let deleted: Vec<String> = ids
        .iter()
        .filter_map(|id| parse_gid(Some(id), "ProductVariant"))
        .filter(|v| {
            list.price_breaks.remove(v);
            list.fixed_prices.remove(v).is_some()
        })
        .map(|v| gid("ProductVariant", v))
        .collect();
    payload(
        "priceListFixedPricesDelete",
        json!({"deletedFixedPriceVariantIds": deleted, "userErrors": []}),
    )
}

fn int(value: &Value, key: &str) -> Option<i64> {
    value.get(key).and_then(Value::as_i64)
}

/// `quantityRulesAdd` with the recorded validation; any error refuses the batch.
pub(crate) fn quantity_rules_add(state: &mut ShopifyState, vars: &Map<String, Value>) -> OpResult {
    let rules = vars_list(vars, "quantityRules");
    if rules.len() > MAX_INPUTS {
        return too_many("quantityRulesAdd", rules.len(), MAX_INPUTS);
    }
    let refuse_all = |field: &[&str], code: &str, message: &str| {
        payload(
            "quantityRulesAdd",
            json!({"quantityRules": null, "userErrors": [user_error(field, code, message)]}),
        )
    };
    let Some(list) = parse_gid(vars.get("priceListId"), "PriceList")
        .and_then(|id| state.b2b.price_lists.get(&id))
    else {
        return refuse_all(
            &["priceListId"],
            "PRICE_LIST_DOES_NOT_EXIST",
            "Price list does not exist.",
        );
    };
    let list_id = list.id;
    if list
        .catalog
        .is_none_or(|c| !state.b2b.catalogs.contains_key(&c))
    {
        return refuse_all(
            &["priceListId"],
            "CATALOG_CONTEXT_DOES_NOT_SUPPORT_QUANTITY_RULES",
            "Quantity rules can be associated only with company location catalogs or catalogs associated with compatible markets.",
        );
    }
    let mut errors = Vec::new();
    let mut staged = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, rule) in rules.iter().enumerate() {
        let index = i.to_string();
        let Some(variant) = parse_gid(rule.get("variantId"), "ProductVariant")
            .filter(|id| state.variants.contains_key(id))
        else {
            errors.push(user_error(
                &["quantityRules", &index, "variantId"],
                "PRODUCT_VARIANT_DOES_NOT_EXIST",
                "Product variant ID does not exist.",
            ));
            continue;
        };
        if !seen.insert(variant) {
            errors.push(user_error(
                &["quantityRules", &index, "variantId"],
                "DUPLICATE_INPUT_FOR_VARIANT",
                "Quantity rule inputs must be unique by variant id.",
            ));
            continue;
        }
        let minimum = int(rule, "minimum").unwrap_or(0);
        let increment = int(rule, "increment").unwrap_or(0);
        let maximum = int(rule, "maximum");
        let before = errors.len();
        if minimum < 1 {
            errors.push(user_error(
                &["quantityRules", &index, "minimum"],
                "GREATER_THAN_OR_EQUAL_TO",
                "Minimum must be greater than or equal to 1.",
            ));
        }
        if increment < 1 {
            errors.push(user_error(
                &["quantityRules", &index, "increment"],
                "GREATER_THAN_OR_EQUAL_TO",
                "Increment must be greater than or equal to 1.",
            ));
        }
        if errors.len() == before {
            if increment > minimum {
                errors.push(user_error(
                    &["quantityRules", &index, "increment"],
                    "INCREMENT_IS_GREATER_THAN_MINIMUM",
                    "Increment must be lower than or equal to the minimum.",
                ));
            }
            if maximum.is_some_and(|max| max < minimum) {
                errors.push(user_error(
                    &["quantityRules", &index, "minimum"],
                    "MINIMUM_IS_GREATER_THAN_MAXIMUM",
                    "Minimum must be lower than or equal to the maximum.",
                ));
            }
            if minimum % increment != 0 {
                errors.push(user_error(
                    &["quantityRules", &index, "minimum"],
                    "MINIMUM_NOT_MULTIPLE_OF_INCREMENT",
                    "The minimum must be a multiple of the increment.",
                ));
            }
            if maximum.is_some_and(|max| max % increment != 0) {
                errors.push(user_error(
                    &["quantityRules", &index, "maximum"],
                    "MAXIMUM_NOT_MULTIPLE_OF_INCREMENT",
                    "The maximum must be a multiple of the increment.",
                ));
            }
        }
        if errors.len() == before {
            staged.push((variant, (minimum, maximum, increment)));
        }
    }
    if !errors.is_empty() {
        return payload(
            "quantityRulesAdd",
            json!({"quantityRules": null, "userErrors": errors}),
        );
    }
    let mut out = Vec::with_capacity(staged.len());
    if let Some(list) = state.b2b.price_lists.get_mut(&list_id) {
        for (variant, rule) in staged {
            list.quantity_rules.insert(variant, rule);
            out.push(json!({"productVariant": {"id": gid("ProductVariant", variant)}}));
        }
    }
    payload(
        "quantityRulesAdd",
        json!({"quantityRules": out, "userErrors": []}),
    )
}

/// `tagsAdd` / `tagsRemove` on a customer.
pub(crate) fn customer_tags(
    state: &mut ShopifyState,
    vars: &Map<String, Value>,
    add: bool,
) -> OpResult {
    let field = if add { "tagsAdd" } else { "tagsRemove" };
    let Some(customer) =
        parse_gid(vars.get("id"), "Customer").and_then(|id| state.b2b.customers.get_mut(&id))
    else {
        return payload(
            field,
            json!({"node": null, "userErrors": [{"field": ["id"], "message": "Resource does not exist"}]}),
        );
    };
    for tag in vars_list(vars, "tags")
        .iter()
        .filter_map(Value::as_str)
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        if add {
            if !customer.tags.iter().any(|t| t == tag) {
                customer.tags.push(tag.to_owned());
            }
        } else {
            customer.tags.retain(|t| t != tag);
        }
    }
    let id = gid("Customer", customer.id);
    payload(field, json!({"node": {"id": id}, "userErrors": []}))
}

/// `metafieldsSet` on customers: at most 25, all or nothing.
pub(crate) fn metafields_set(state: &mut ShopifyState, vars: &Map<String, Value>) -> OpResult {
    let metafields = vars_list(vars, "metafields");
    if metafields.len() > MAX_METAFIELDS {
        return too_many("metafieldsSet", metafields.len(), MAX_METAFIELDS);
    }
    let mut errors = Vec::new();
    let mut staged = Vec::new();
    for (i, m) in metafields.iter().enumerate() {
        let index = i.to_string();
        let owner = parse_gid(m.get("ownerId"), "Customer")
            .filter(|id| state.b2b.customers.contains_key(id));
        let (Some(owner), Some(namespace), Some(key), Some(value)) = (
            owner,
            str_of(m, "namespace"),
            str_of(m, "key"),
            str_of(m, "value"),
        ) else {
            errors.push(json!({"field": ["metafields", index, "ownerId"], "code": "INVALID", "elementIndex": i,
                               "message": "Owner does not exist, or a namespace, key or value is missing."}));
            continue;
        };
        let kind = str_of(m, "type").unwrap_or("single_line_text_field");
        if kind == "json" && serde_json::from_str::<Value>(value).is_err() {
            errors.push(json!({"field": ["metafields", index, "value"], "code": "INVALID_VALUE", "elementIndex": i,
                               "message": "Value is invalid JSON."}));
            continue;
        }
        staged.push((
            owner,
            namespace.to_owned(),
            key.to_owned(),
            kind.to_owned(),
            value.to_owned(),
        ));
    }
    if !errors.is_empty() {
        return payload(
            "metafieldsSet",
            json!({"metafields": null, "userErrors": errors}),
        );
    }
    let mut out = Vec::with_capacity(staged.len());
    for (owner, namespace, key, kind, value) in staged {
        if let Some(c) = state.b2b.customers.get_mut(&owner) {
            c.metafields
                .insert((namespace.clone(), key.clone()), (kind, value));
            out.push(json!({"namespace": namespace, "key": key}));
        }
    }
    payload(
        "metafieldsSet",
        json!({"metafields": out, "userErrors": []}),
    )
}

/// One refusal of `quantityPricingByVariantUpdate`, at `["input", list, i, field]`.
fn qp_error(list: &str, at: usize, field: &str, code: &str, message: &str) -> Value {
    user_error(&["input", list, &at.to_string(), field], code, message)
}

fn money_amount(money: Option<&Value>) -> Option<Decimal> {
    money?.get("amount").and_then(|a| match a {
        Value::String(s) => s.parse::<Decimal>().ok(),
        Value::Number(n) => n.to_string().parse::<Decimal>().ok(),
        _ => None,
    })
}

/// `quantityPricingByVariantUpdate`: deletions first, then fixed prices, rules and breaks;
/// any error refuses the whole update. Error codes are the schema's
/// `QuantityPricingByVariantUserErrorCode`s; their field paths (`["input", list, i, field]`)
/// and messages are assumed (not recorded). Assumed too: deleting a price, rule or breaks a
/// variant does not have changes nothing (an unknown variant is refused); deleting a fixed
/// price deletes its breaks; a break needs its variant's fixed price after the update.
pub(crate) fn quantity_pricing_update(
    state: &mut ShopifyState,
    vars: &Map<String, Value>,
) -> OpResult {
    const FIELD: &str = "quantityPricingByVariantUpdate";
    let input = vars.get("input").cloned().unwrap_or(Value::Null);
    let list_of = |name: &str| {
        input
            .get(name)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let names = [
        "pricesToAdd",
        "pricesToDeleteByVariantId",
        "quantityRulesToAdd",
        "quantityRulesToDeleteByVariantId",
        "quantityPriceBreaksToAdd",
        "quantityPriceBreaksToDelete",
        "quantityPriceBreaksToDeleteByVariantId",
    ];
    for name in names {
        let len = list_of(name).len();
        if len > MAX_INPUTS {
            return too_many(FIELD, len, MAX_INPUTS);
        }
    }
    let refuse = |errors: Vec<Value>| {
        payload(
            FIELD,
            json!({"productVariants": null, "userErrors": errors}),
        )
    };
    let Some(mut list) = parse_gid(vars.get("priceListId"), "PriceList")
        .and_then(|id| state.b2b.price_lists.get(&id))
        .cloned()
    else {
        return refuse(vec![user_error(
            &["priceListId"],
            "PRICE_LIST_NOT_FOUND",
            "Price list does not exist.",
        )]);
    };
    let currency = list.currency.as_str().to_owned();
    let company_catalog = list
        .catalog
        .is_some_and(|c| state.b2b.catalogs.contains_key(&c));
    let variant_of = |v: &Value| {
        parse_gid(Some(v), "ProductVariant").filter(|id| state.variants.contains_key(id))
    };
    let mut errors = Vec::new();
    let mut touched = BTreeSet::new();
    // Deletions first.
    for (at, v) in list_of("pricesToDeleteByVariantId").iter().enumerate() {
        match variant_of(v) {
            Some(variant) => {
                list.fixed_prices.remove(&variant);
                list.price_breaks.remove(&variant);
                touched.insert(variant);
            }
            None => errors.push(user_error(
                &["input", "pricesToDeleteByVariantId", &at.to_string()],
                "PRICE_DELETE_VARIANT_NOT_FOUND",
                "Fixed price's variant not found.",
            )),
        }
    }
    for (at, v) in list_of("quantityRulesToDeleteByVariantId")
        .iter()
        .enumerate()
    {
        match variant_of(v) {
            Some(variant) => {
                list.quantity_rules.remove(&variant);
                touched.insert(variant);
            }
            None => errors.push(user_error(
                &["input", "quantityRulesToDeleteByVariantId", &at.to_string()],
                "QUANTITY_RULE_DELETE_VARIANT_NOT_FOUND",
                "Quantity rule variant not found.",
            )),
        }
    }
    for (at, _) in list_of("quantityPriceBreaksToDelete").iter().enumerate() {
        // The emulator gives breaks no IDs of their own: none can be named.
        errors.push(user_error(
            &["input", "quantityPriceBreaksToDelete", &at.to_string()],
            "QUANTITY_PRICE_BREAK_DELETE_NOT_FOUND",
            "Quantity price break not found.",
        ));
    }
    for (at, v) in list_of("quantityPriceBreaksToDeleteByVariantId")
        .iter()
        .enumerate()
    {
        match variant_of(v) {
            Some(variant) => {
                list.price_breaks.remove(&variant);
                touched.insert(variant);
            }
            None => errors.push(user_error(
                &[
                    "input",
                    "quantityPriceBreaksToDeleteByVariantId",
                    &at.to_string(),
                ],
                "QUANTITY_PRICE_BREAK_DELETE_BY_VARIANT_ID_VARIANT_NOT_FOUND",
                "Variant to delete by is not found.",
            )),
        }
    }
    // Fixed prices.
    let mut seen = BTreeSet::new();
    for (at, price) in list_of("pricesToAdd").iter().enumerate() {
        let Some(variant) = price.get("variantId").and_then(&variant_of) else {
            errors.push(qp_error(
                "pricesToAdd",
                at,
                "variantId",
                "PRICE_ADD_VARIANT_NOT_FOUND",
                "Fixed price's variant not found.",
            ));
            continue;
        };
        if !seen.insert(variant) {
            errors.push(qp_error(
                "pricesToAdd",
                at,
                "variantId",
                "PRICE_ADD_DUPLICATE_INPUT_FOR_VARIANT",
                "Prices to add inputs must be unique by variant id.",
            ));
            continue;
        }
        let money = price.get("price");
        if money.and_then(|m| str_of(m, "currencyCode")) != Some(currency.as_str()) {
            errors.push(qp_error(
                "pricesToAdd",
                at,
                "price",
                "PRICE_ADD_CURRENCY_MISMATCH",
                "Price list and fixed price currency mismatch.",
            ));
            continue;
        }
        match money_amount(money) {
            Some(amount) => {
                list.fixed_prices.insert(variant, amount);
                touched.insert(variant);
            }
            None => errors.push(qp_error(
                "pricesToAdd",
                at,
                "price",
                "BLANK",
                "The input value is blank.",
            )),
        }
    }
    // Quantity rules.
    let mut seen = BTreeSet::new();
    let mut rule_at = BTreeMap::new();
    for (at, rule) in list_of("quantityRulesToAdd").iter().enumerate() {
        let Some(variant) = rule.get("variantId").and_then(&variant_of) else {
            errors.push(qp_error(
                "quantityRulesToAdd",
                at,
                "variantId",
                "QUANTITY_RULE_ADD_VARIANT_NOT_FOUND",
                "Quantity rule variant not found.",
            ));
            continue;
        };
        if !company_catalog {
            errors.push(qp_error(
                "quantityRulesToAdd",
                at,
                "variantId",
                "QUANTITY_RULE_ADD_CATALOG_CONTEXT_NOT_SUPPORTED",
                "Quantity rule catalog context not supported.",
            ));
            continue;
        }
        if !seen.insert(variant) {
            errors.push(qp_error(
                "quantityRulesToAdd",
                at,
                "variantId",
                "QUANTITY_RULE_ADD_DUPLICATE_INPUT_FOR_VARIANT",
                "Quantity rules to add inputs must be unique by variant id.",
            ));
            continue;
        }
        let minimum = int(rule, "minimum").unwrap_or(0);
        let increment = int(rule, "increment").unwrap_or(0);
        let maximum = int(rule, "maximum");
        let problem = if minimum < 1 {
            Some((
                "minimum",
                "QUANTITY_RULE_ADD_MINIMUM_IS_LESS_THAN_ONE",
                "Quantity rule minimum is less than one.",
            ))
        } else if increment < 1 {
            Some((
                "increment",
                "QUANTITY_RULE_ADD_INCREMENT_IS_LESS_THAN_ONE",
                "Quantity rule increment is less than one.",
            ))
        } else if maximum.is_some_and(|m| m < 1) {
            Some((
                "maximum",
                "QUANTITY_RULE_ADD_MAXIMUM_IS_LESS_THAN_ONE",
                "Quantity rule maximum is less than one.",
            ))
        } else if increment > minimum {
            Some((
                "increment",
                "QUANTITY_RULE_ADD_INCREMENT_IS_GREATER_THAN_MINIMUM",
                "Quantity rule increment is greater than minimum.",
            ))
        } else if maximum.is_some_and(|m| m < minimum) {
            Some((
                "minimum",
                "QUANTITY_RULE_ADD_MINIMUM_GREATER_THAN_MAXIMUM",
                "Quantity rule minimum is greater than maximum.",
            ))
        } else if minimum % increment != 0 {
            Some((
                "minimum",
                "QUANTITY_RULE_ADD_MINIMUM_NOT_A_MULTIPLE_OF_INCREMENT",
                "Quantity rule minimum is not a multiple of increment.",
            ))
        } else if maximum.is_some_and(|m| m % increment != 0) {
            Some((
                "maximum",
                "QUANTITY_RULE_ADD_MAXIMUM_NOT_A_MULTIPLE_OF_INCREMENT",
                "Quantity rule maximum is not a multiple of increment.",
            ))
        } else {
            None
        };
        match problem {
            Some((field, code, message)) => {
                errors.push(qp_error("quantityRulesToAdd", at, field, code, message))
            }
            None => {
                list.quantity_rules
                    .insert(variant, (minimum, maximum, increment));
                rule_at.insert(variant, at);
                touched.insert(variant);
            }
        }
    }
    // Price breaks.
    let mut seen = BTreeSet::new();
    for (at, b) in list_of("quantityPriceBreaksToAdd").iter().enumerate() {
        let Some(variant) = b.get("variantId").and_then(&variant_of) else {
            errors.push(qp_error(
                "quantityPriceBreaksToAdd",
                at,
                "variantId",
                "QUANTITY_PRICE_BREAK_ADD_VARIANT_NOT_FOUND",
                "Quantity price break variant not found.",
            ));
            continue;
        };
        let quantity = int(b, "minimumQuantity").unwrap_or(0);
        if !seen.insert((variant, quantity)) {
            errors.push(qp_error("quantityPriceBreaksToAdd", at, "minimumQuantity", "QUANTITY_PRICE_BREAK_ADD_DUPLICATE_INPUT_FOR_VARIANT_AND_MIN", "Quantity price breaks to add inputs must be unique by variant id and minimum quantity."));
            continue;
        }
        let money = b.get("price");
        if money.and_then(|m| str_of(m, "currencyCode")) != Some(currency.as_str()) {
            errors.push(qp_error(
                "quantityPriceBreaksToAdd",
                at,
                "price",
                "QUANTITY_PRICE_BREAK_ADD_CURRENCY_MISMATCH",
                "Price list and quantity price break currency mismatch.",
            ));
            continue;
        }
        if !list.fixed_prices.contains_key(&variant) {
            errors.push(qp_error(
                "quantityPriceBreaksToAdd",
                at,
                "variantId",
                "QUANTITY_PRICE_BREAK_ADD_PRICE_LIST_PRICE_NOT_FOUND",
                "Quantity price break's fixed price not found.",
            ));
            continue;
        }
        let (minimum, maximum, increment) = list
            .quantity_rules
            .get(&variant)
            .copied()
            .unwrap_or((1, None, 1));
        let problem = if quantity < minimum.max(1) {
            Some((
                "QUANTITY_PRICE_BREAK_ADD_MIN_LOWER_THAN_QUANTITY_RULES_MIN",
                "Quantity price break miniumum is less than the quantity rule minimum.",
            ))
        } else if maximum.is_some_and(|m| quantity > m) {
            Some((
                "QUANTITY_PRICE_BREAK_ADD_MIN_HIGHER_THAN_QUANTITY_RULES_MAX",
                "Quantity price break miniumum is higher than the quantity rule maximum.",
            ))
        } else if quantity % increment.max(1) != 0 {
            Some((
                "QUANTITY_PRICE_BREAK_ADD_MIN_NOT_A_MULTIPLE_OF_QUANTITY_RULES_INCREMENT",
                "Quantity price break miniumum is not multiple of the quantity rule increment.",
            ))
        } else if list
            .price_breaks
            .get(&variant)
            .is_some_and(|held| held.contains_key(&quantity))
        {
            Some((
                "QUANTITY_PRICE_BREAK_ADD_INVALID",
                "Invalid quantity price break.",
            ))
        } else {
            None
        };
        match (problem, money_amount(money)) {
            (Some((code, message)), _) => errors.push(qp_error(
                "quantityPriceBreaksToAdd",
                at,
                "minimumQuantity",
                code,
                message,
            )),
            (None, Some(amount)) if !amount.is_sign_negative() => {
                list.price_breaks
                    .entry(variant)
                    .or_default()
                    .insert(quantity, amount);
                touched.insert(variant);
            }
            (None, _) => errors.push(qp_error(
                "quantityPriceBreaksToAdd",
                at,
                "price",
                "QUANTITY_PRICE_BREAK_ADD_INVALID",
                "Invalid quantity price break.",
            )),
        }
    }
    // A rule added must still admit the variant's breaks (those kept and those added).
    for (variant, at) in &rule_at {
        let Some(&(minimum, maximum, increment)) = list.quantity_rules.get(variant) else {
            continue;
        };
        for quantity in list
            .price_breaks
            .get(variant)
            .into_iter()
            .flat_map(BTreeMap::keys)
        {
            let problem = if minimum > *quantity {
                Some((
                    "minimum",
                    "QUANTITY_RULE_ADD_MIN_HIGHER_THAN_QUANTITY_PRICE_BREAK_MIN",
                    "Quantity rule minimum is higher than the quantity price break minimum.",
                ))
            } else if maximum.is_some_and(|m| m < *quantity) {
                Some((
                    "maximum",
                    "QUANTITY_RULE_ADD_MAX_LOWER_THAN_QUANTITY_PRICE_BREAK_MIN",
                    "Quantity rule maximum is less than the quantity price break minimum.",
                ))
            } else if quantity % increment != 0 {
                Some((
                    "increment",
                    "QUANTITY_RULE_ADD_INCREMENT_NOT_A_MULTIPLE_OF_QUANTITY_PRICE_BREAK_MIN",
                    "Quantity rule increment must be a multiple of the quantity price break minimum.",
                ))
            } else {
                None
            };
            if let Some((field, code, message)) = problem {
                errors.push(qp_error("quantityRulesToAdd", *at, field, code, message));
                break;
            }
        }
    }
    if !errors.is_empty() {
        return refuse(errors);
    }
    let id = list.id;
    state.b2b.price_lists.insert(id, list);
    let variants: Vec<Value> = touched
        .into_iter()
        .map(|v| json!({"id": gid("ProductVariant", v)}))
        .collect();
    payload(
        FIELD,
        json!({"productVariants": variants, "userErrors": []}),
    )
}
