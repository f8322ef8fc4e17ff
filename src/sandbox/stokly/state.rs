//! What the Stokly emulator holds: records as the API returns them (JSON, camelCase), plus
//! stock per (item, bin). Public so that tests can seed it and inspect it.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::sandbox::rng::SeededRng;
use crate::sandbox::scenario::Scenario;

/// Stock held in one bin.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct StockCell {
    /// On hand.
    pub on_hand: i64,
    /// On order.
    pub on_order: i64,
    /// Quarantined.
    pub quarantined: i64,
}

/// Everything the Stokly emulator holds.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct StoklyState {
    /// The account key.
    pub account_key: String,
    /// Items (`itemId`, `sku`, `name`, `format`, `status`, `barcode`, `barcodes`...).
    pub items: Vec<Value>,
    /// Composite components (`itemId`, `composingItemId`, `quantity`).
    pub composing_items: Vec<Value>,
    /// Channels (`channelId`, `name`, `type`, `status`).
    pub channels: Vec<Value>,
    /// Listings (`listingId`, `channelId`, `itemId`, `sku`, `referenceId`...).
    pub listings: Vec<Value>,
    /// Locations (`locationId`, `name`, `status`).
    pub locations: Vec<Value>,
    /// Bins (`binId`, `locationId`, `name`, `status`, `default`, `type`).
    pub bins: Vec<Value>,
    /// Stock by (itemId, binId).
    pub stock: BTreeMap<(String, String), StockCell>,
    /// Adjustments posted (as received, with `adjustmentId`).
    pub adjustments: Vec<Value>,
    /// Sale orders (`saleOrderId`, `niceId`, `stage`, `itemStatuses`...).
    pub sale_orders: Vec<Value>,
    /// Sale-order lines (`lineId`, `saleOrderId`, `referenceId`, `quantity`, `status`...).
    pub sale_order_lines: Vec<Value>,
    /// Dispatches (**inferred** shape: `dispatchId`, `saleOrderId`, `locationId`, `carrier`,
    /// `parcels`, `dispatchedAt`, `items`); see [`StoklyState::dispatch`].
    pub dispatches: Vec<Value>,
    /// Customers.
    pub customers: Vec<Value>,
    /// Sale invoices.
    pub invoices: Vec<Value>,
    /// **Inferred.** Journals posted (as received, with `journalId`).
    pub journals: Vec<Value>,
    /// **Inferred.** Sales credit notes posted (as received, with `creditNoteId` and
    /// `saleOrderId`).
    pub credit_notes: Vec<Value>,
    /// **Inferred.** Price lists (`priceListId`, `name`, `currency`).
    pub price_lists: Vec<Value>,
    /// **Inferred.** Price-list customers (`priceListId`, `customerId`, `name`).
    pub price_list_customers: Vec<Value>,
    /// **Inferred.** Price-list item prices (`priceListId`, `itemId`, `sku`, `price`,
    /// `minimumQuantity`, `maximumQuantity`, `increment`, `quantityBreaks`).
    pub price_list_items: Vec<Value>,
    /// When each written record becomes visible to reads (emulated time since start).
    pub(crate) visible_at: HashMap<String, Duration>,
    rng: SeededRng,
    next_nice_id: u64,
}

/// A record's field, `null` when absent.
pub(crate) fn field<'a>(record: &'a Value, key: &str) -> &'a Value {
    record.get(key).unwrap_or(&Value::Null)
}

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl StoklyState {
    /// An empty account.
    #[must_use]
    pub fn new(account_key: &str, seed: u64) -> Self {
        Self {
            account_key: account_key.to_owned(),
            items: Vec::new(),
            composing_items: Vec::new(),
            channels: Vec::new(),
            listings: Vec::new(),
            locations: Vec::new(),
            bins: Vec::new(),
            stock: BTreeMap::new(),
            adjustments: Vec::new(),
            sale_orders: Vec::new(),
            sale_order_lines: Vec::new(),
            dispatches: Vec::new(),
            customers: Vec::new(),
            invoices: Vec::new(),
            journals: Vec::new(),
            credit_notes: Vec::new(),
            price_lists: Vec::new(),
            price_list_customers: Vec::new(),
            price_list_items: Vec::new(),
            visible_at: HashMap::new(),
            rng: SeededRng::new(seed ^ 0x5707_1700),
            next_nice_id: 1000,
        }
    }

    /// A fresh UUID-shaped ID (deterministic for the seed).
    pub fn new_id(&mut self) -> String {
        let a = self.rng.next_u64();
        let b = self.rng.next_u64();
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0x0fff,
            ((b >> 48) & 0x3fff) | 0x8000,
            b & 0xffff_ffff_ffff
        )
    }

    /// **Inferred shape.** Adds a price list and returns its ID.
    pub fn add_price_list(&mut self, name: &str, currency: &str) -> String {
        let id = self.new_id();
        self.price_lists
            .push(json!({"priceListId": id, "name": name, "currency": currency, "default": false}));
        id
    }

    /// **Inferred shape.** Puts a customer on a price list.
    pub fn add_price_list_customer(&mut self, list: &str, customer: &str) {
        self.price_list_customers
            .push(json!({"priceListId": list, "customerId": customer}));
    }

    /// **Inferred shape.** Sets an item's price on a price list (replacing any earlier one);
    /// `rule` is (minimum, maximum, increment).
    pub fn set_price_list_item(
        &mut self,
        list: &str,
        item: &str,
        sku: &str,
        price: rust_decimal::Decimal,
        rule: Option<(i64, Option<i64>, i64)>,
    ) {
        let mut row =
            json!({"priceListId": list, "itemId": item, "sku": sku, "price": price.to_string()});
        if let (Some((min, max, inc)), Some(map)) = (rule, row.as_object_mut()) {
            map.insert("minimumQuantity".into(), json!(min));
            map.insert("maximumQuantity".into(), json!(max));
            map.insert("increment".into(), json!(inc));
        }
        match self.price_list_items.iter_mut().find(|r| {
            field(r, "priceListId").as_str() == Some(list)
                && field(r, "itemId").as_str() == Some(item)
        }) {
            Some(existing) => *existing = row,
            None => self.price_list_items.push(row),
        }
    }

    /// Sets the quantity price breaks (minimum quantity, unit price) of a price-list line set
    /// with [`StoklyState::set_price_list_item`]; no line, no change.
    pub fn set_price_list_item_breaks(
        &mut self,
        list: &str,
        item: &str,
        breaks: &[(i64, rust_decimal::Decimal)],
    ) {
        let Some(row) = self.price_list_items.iter_mut().find(|r| {
            field(r, "priceListId").as_str() == Some(list)
                && field(r, "itemId").as_str() == Some(item)
        }) else {
            return;
        };
        if let Some(map) = row.as_object_mut() {
            let breaks: Vec<Value> = breaks
                .iter()
                .map(|(q, p)| json!({"minimumQuantity": q, "price": p.to_string()}))
                .collect();
            map.insert("quantityBreaks".into(), Value::Array(breaks));
        }
    }

    /// The next human-facing number.
    pub fn next_nice_id(&mut self) -> u64 {
        self.next_nice_id += 1;
        self.next_nice_id
    }

    /// Adds an active location with a default pickable bin; returns (locationId, binId).
    pub fn add_location(&mut self, name: &str) -> (String, String) {
        let location = self.new_id();
        let bin = self.new_id();
        self.locations
            .push(json!({"locationId": location, "name": name, "status": 0}));
        self.bins.push(
            json!({"binId": bin, "locationId": location, "name": "Default",
                              "status": "active", "default": 1, "type": "pickable"}),
        );
        (location, bin)
    }

    /// Adds an item of `format` (0 simple, 1 composite, 2 variable, 3 manufactured).
    pub fn add_item(
        &mut self,
        sku: &str,
        name: &str,
        format: u8,
        barcode: Option<&str>,
        now: DateTime<Utc>,
    ) -> String {
        let id = self.new_id();
        let account = self.account_key.clone();
        self.items.push(json!({
            "itemId": id, "accountkey": account, "sku": sku, "name": name, "format": format,
            "status": 0, "barcode": barcode, "barcodes": barcode.map(|b| vec![b]).unwrap_or_default(),
            "tags": [], "typeName": "Default", "imageCount": 0, "onHand": 0, "onOrder": 0,
            "timeCreated": stamp(now), "timeUpdated": stamp(now),
        }));
        id
    }

    /// Makes `composite` hold `components` (itemId, quantity).
    pub fn set_components(&mut self, composite: &str, components: &[(String, i64)]) {
        self.composing_items
            .retain(|c| field(c, "itemId") != composite);
        for (component, quantity) in components {
            self.composing_items.push(
                json!({"itemId": composite, "composingItemId": component, "quantity": quantity}),
            );
        }
    }

    /// Adds a channel (`type` 6 is Shopify); returns its ID.
    pub fn add_channel(&mut self, name: &str, channel_type: u8) -> String {
        let id = self.new_id();
        self.channels
            .push(json!({"channelId": id, "name": name, "type": channel_type, "status": 0}));
        id
    }

    /// Lists an item on a channel with the remote (Shopify) ID; returns the listing ID.
    pub fn add_listing(&mut self, channel: &str, item: &str, reference_id: Option<&str>) -> String {
        let id = self.new_id();
        let (sku, name) = self
            .item(item)
            .map(|i| (field(i, "sku").clone(), field(i, "name").clone()))
            .unwrap_or((Value::Null, Value::Null));
        self.listings.push(json!({
            "listingId": id, "channelId": channel, "itemId": item, "sku": sku, "name": name,
            "referenceId": reference_id, "type": 1, "status": 0,
            "dataSynchronised": true, "inventorySynchronised": true,
        }));
        id
    }

    /// Sets what a bin holds on hand.
    pub fn set_on_hand(&mut self, item: &str, bin: &str, on_hand: i64) {
        self.stock
            .entry((item.to_owned(), bin.to_owned()))
            .or_default()
            .on_hand = on_hand;
        self.refresh_item_totals(item);
    }

    /// An item by ID.
    #[must_use]
    pub fn item(&self, item_id: &str) -> Option<&Value> {
        self.items.iter().find(|i| field(i, "itemId") == item_id)
    }

    /// An item by exact SKU.
    #[must_use]
    pub fn item_by_sku(&self, sku: &str) -> Option<&Value> {
        self.items.iter().find(|i| field(i, "sku") == sku)
    }

    /// A bin by ID.
    #[must_use]
    pub fn bin(&self, bin_id: &str) -> Option<&Value> {
        self.bins.iter().find(|b| field(b, "binId") == bin_id)
    }

    /// On hand of an item at a location (all bins).
    #[must_use]
    pub fn on_hand_at(&self, item: &str, location: &str) -> i64 {
        self.stock
            .iter()
            .filter(|((i, bin), _)| {
                i == item
                    && self
                        .bin(bin)
                        .is_some_and(|b| field(b, "locationId") == location)
            })
            .map(|(_, c)| c.on_hand)
            .sum()
    }

    pub(crate) fn refresh_item_totals(&mut self, item: &str) {
        let (on_hand, on_order) = self
            .stock
            .iter()
            .filter(|((i, _), _)| i == item)
            .fold((0, 0), |(h, o), (_, c)| (h + c.on_hand, o + c.on_order));
        if let Some(record) = self.items.iter_mut().find(|i| field(i, "itemId") == item) {
            if let Some(map) = record.as_object_mut() {
                map.insert("onHand".to_owned(), json!(on_hand));
                map.insert("onOrder".to_owned(), json!(on_order));
            }
        }
    }

    /// Sale orders per `sourceReferenceId` (those without one are not counted): more than
    /// one for a reference is an order posted twice.
    #[must_use]
    pub fn sale_orders_by_source_reference(&self) -> HashMap<String, usize> {
        let mut counts = HashMap::new();
        for order in &self.sale_orders {
            if let Some(reference) = order.get("sourceReferenceId").and_then(Value::as_str) {
                *counts.entry(reference.to_owned()).or_default() += 1;
            }
        }
        counts
    }

    /// Customers sharing a `barcode` with an earlier one: customers created twice.
    #[must_use]
    pub fn duplicate_customers(&self) -> usize {
        let mut by_barcode: HashMap<&str, usize> = HashMap::new();
        for customer in &self.customers {
            if let Some(barcode) = customer.get("barcode").and_then(Value::as_str) {
                *by_barcode.entry(barcode).or_default() += 1;
            }
        }
        by_barcode.values().map(|n| n.saturating_sub(1)).sum()
    }

    /// `/v1/inventory-records` rows: one per (item, location, bin) holding stock, one per
    /// (item, location) with `binId` `UNASSIGNED` (the location total), and one per item with
    /// `locationId` and `binId` `UNASSIGNED` (the item total).
    #[must_use]
    pub fn inventory_records(&self) -> Vec<Value> {
        // Look-up tables built once per call: rows are many, items and bins too.
        let items: HashMap<&str, &Value> = self
            .items
            .iter()
            .filter_map(|i| Some((field(i, "itemId").as_str()?, i)))
            .collect();
        let bins: HashMap<&str, &Value> = self
            .bins
            .iter()
            .filter_map(|b| Some((field(b, "binId").as_str()?, b)))
            .collect();
        let location_names: HashMap<&str, &Value> = self
            .locations
            .iter()
            .filter_map(|l| Some((field(l, "locationId").as_str()?, field(l, "name"))))
            .collect();
        let row = |item: &str, location: &str, bin: Option<&Value>, cell: StockCell| {
            let item_record = items.get(item);
            json!({
                "itemId": item,
                "itemName": item_record.map(|i| field(i, "name").clone()),
                "itemSku": item_record.map(|i| field(i, "sku").clone()),
                "locationId": location,
                "locationName": location_names.get(location).copied().cloned().unwrap_or(Value::Null),
                "binId": bin.map_or(json!("UNASSIGNED"), |b| field(b, "binId").clone()),
                "binName": bin.map(|b| field(b, "name").clone()),
                "onHand": cell.on_hand,
                "onOrder": cell.on_order,
                "quarantined": cell.quarantined,
            })
        };
        let mut rows = Vec::new();
        let mut per_location: BTreeMap<(String, String), StockCell> = BTreeMap::new();
        let mut per_item: BTreeMap<String, StockCell> = BTreeMap::new();
        for ((item, bin), cell) in &self.stock {
            let Some(bin_record) = bins.get(bin.as_str()).copied() else {
                continue;
            };
            let location = field(bin_record, "locationId")
                .as_str()
                .unwrap_or_default()
                .to_owned();
            rows.push(row(item, &location, Some(bin_record), *cell));
            for total in [
                per_location.entry((item.clone(), location)).or_default(),
                per_item.entry(item.clone()).or_default(),
            ] {
                total.on_hand += cell.on_hand;
                total.on_order += cell.on_order;
                total.quarantined += cell.quarantined;
            }
        }
        for ((item, location), cell) in per_location {
            rows.push(row(&item, &location, None, cell));
        }
        for (item, cell) in per_item {
            rows.push(row(&item, "UNASSIGNED", None, cell));
        }
        rows
    }

    /// Points each listing of the Shopify channel at the Shopify variant with the same SKU
    /// (`referenceId` = the variant's GID), as Stokly's own Shopify channel records it once the
    /// item is published. Listings whose SKU Shopify holds on no variant, or on several, stay
    /// unpublished.
    pub fn link_shopify_listings(&mut self, shopify: &crate::sandbox::shopify::ShopifyState) {
        for listing in &mut self.listings {
            let Some(sku) = field(listing, "sku").as_str() else {
                continue;
            };
            let matches = shopify.variants_by_sku(sku);
            if let ([variant], Some(map)) = (matches.as_slice(), listing.as_object_mut()) {
                map.insert(
                    "referenceId".to_owned(),
                    json!(format!("gid://shopify/ProductVariant/{}", variant.id)),
                );
            }
        }
    }

    /// The Stokly side of a scenario: every item Stokly should know (not the Shopify-only
    /// defects), composites with their components, locations with default bins and stock, and a
    /// Shopify channel with a listing per item.
    #[must_use]
    pub fn from_scenario(scenario: &Scenario, account_key: &str) -> Self {
        let mut state = Self::new(account_key, scenario.seed);
        let bins: Vec<String> = scenario
            .locations
            .iter()
            .map(|l| state.add_location(&l.name).1)
            .collect();
        let channel = state.add_channel("Shopify", 6);
        let mut ids = HashMap::new();
        for item in scenario.items.iter().filter(|i| i.in_stokly) {
            let format = if item.components.is_empty() { 0 } else { 1 };
            let id = state.add_item(
                &item.sku,
                &item.name,
                format,
                Some(&item.barcode),
                scenario.epoch,
            );
            ids.insert(item.sku.clone(), id.clone());
            state.add_listing(&channel, &id, None);
            for (bin, qty) in bins.iter().zip(&item.stock) {
                if *qty != 0 {
                    state.set_on_hand(&id, bin, *qty);
                }
            }
        }
        for item in scenario
            .items
            .iter()
            .filter(|i| i.in_stokly && !i.components.is_empty())
        {
            let components: Vec<(String, i64)> = item
                .components
                .iter()
                .filter_map(|(sku, q)| ids.get(sku).map(|id| (id.clone(), *q)))
                .collect();
            if let Some(id) = ids.get(&item.sku).cloned() {
                state.set_components(&id, &components);
            }
        }
        state
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_sale_orders_per_reference_and_customers_made_twice() {
        let mut state = StoklyState::new("acme", 1);
        state.sale_orders = vec![
            json!({"sourceReferenceId": "shop/1"}),
            json!({"sourceReferenceId": "shop/2"}),
            json!({"sourceReferenceId": "shop/1"}),
            json!({"niceId": 4}),
        ];
        state.customers = vec![
            json!({"barcode": "c-1"}),
            json!({"barcode": "c-1"}),
            json!({"barcode": "c-1"}),
            json!({"barcode": "c-2"}),
            json!({"name": "no barcode"}),
        ];
        let counts = state.sale_orders_by_source_reference();
        assert_eq!(counts.len(), 2);
        assert_eq!(counts.get("shop/1"), Some(&2));
        assert_eq!(counts.get("shop/2"), Some(&1));
        assert_eq!(state.duplicate_customers(), 2);
    }
}
