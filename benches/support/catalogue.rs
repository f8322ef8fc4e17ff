//! The seeded catalogues both catalogue benches measure: `n` Stokly items and `n` Shopify
//! variants sharing most SKUs, with defects of every kind the audit reports (about one record
//! in twenty is wrong in some way).

use serde_json::{Value, json};
use stokly_shopify::domain::catalogue::CompositeComponents;
use stokly_shopify::shopify::model::ProductVariant;
use stokly_shopify::stokly::model::{ComposingItem, Item, Listing};

/// Both catalogues, as the clients return them.
#[derive(Clone)]
pub struct Catalogues {
    /// The Stokly items.
    pub items: Vec<Item>,
    /// The composites' components.
    pub composites: CompositeComponents,
    /// The Shopify channel's listings.
    pub listings: Vec<Listing>,
    /// The Shopify variants.
    pub variants: Vec<ProductVariant>,
}

fn variant_json(
    n: usize,
    sku: Option<String>,
    tracked: bool,
    components: &[(usize, &str)],
) -> Value {
    json!({
        "id": format!("gid://shopify/ProductVariant/{}", n + 1),
        "sku": sku,
        "barcode": format!("50{n:011}"),
        "title": format!("Variant {n}"),
        "price": "19.99",
        "requiresComponents": !components.is_empty(),
        "updatedAt": "2026-01-01T00:00:00Z",
        "product": {
            "id": format!("gid://shopify/Product/{}", n / 4 + 1),
            "title": format!("Product {}", n / 4),
            "status": if n % 97 == 0 { "DRAFT" } else { "ACTIVE" },
        },
        "inventoryItem": {"id": format!("gid://shopify/InventoryItem/{}", n + 1), "tracked": tracked},
        "productVariantComponents": {
            "nodes": components.iter().enumerate().map(|(i, (id, sku))| json!({
                "id": format!("gid://shopify/ProductVariantComponent/{}", n * 10 + i + 1),
                "quantity": 2,
                "productVariant": {"id": format!("gid://shopify/ProductVariant/{}", id + 1), "sku": sku},
            })).collect::<Vec<_>>(),
            "pageInfo": {"hasNextPage": false, "endCursor": null},
        },
    })
}

/// `n` Stokly items and `n` Shopify variants sharing most SKUs, with defects of every kind.
pub fn catalogues(n: usize) -> Catalogues {
    let mut items = Vec::with_capacity(n);
    let mut variants = Vec::with_capacity(n);
    let mut listings = Vec::new();
    let mut composing = Vec::new();
    for i in 0..n {
        let sku = format!("SKU-{i:06}");
        // Stokly side.
        let stokly_sku = match i % 200 {
            7 => None,                               // blank
            11 => Some(format!("SKU-{:06}", i - 1)), // duplicate of the previous item
            _ => Some(sku.clone()),
        };
        let format = if i % 100 == 3 { 1 } else { 0 };
        let status = if i % 250 == 5 { 1 } else { 0 };
        let barcode = if i % 300 == 9 {
            format!("50{:011}", i - 1) // collides with the previous item's barcode
        } else {
            format!("50{i:011}")
        };
        items.push(json!({
            "itemId": format!("item-{i}"),
            "sku": stokly_sku,
            "name": format!("Item {i}"),
            "format": format,
            "status": status,
            "barcode": barcode,
        }));
        if format == 1 {
            composing.push(json!({"itemId": format!("item-{i}"), "composingItemId": format!("item-{}", i + 1), "quantity": 2}));
            composing.push(json!({"itemId": format!("item-{i}"), "composingItemId": format!("item-{}", i + 2), "quantity": 1}));
        }
        if i % 10 == 0 {
            let reference = if i % 50 == 0 {
                Value::Null
            } else {
                json!(format!("gid://shopify/ProductVariant/{}", i + 1))
            };
            listings.push(json!({"listingId": format!("listing-{i}"), "itemId": format!("item-{i}"), "referenceId": reference, "status": 0}));
        }

        // Shopify side.
        let shopify_sku = match i % 100 {
            13 => Some(sku.to_lowercase()),            // letter case
            17 => Some(format!("{sku} ")),             // trailing space
            19 => Some(format!("SKU-\u{200B}{i:06}")), // zero-width space
            23 => Some(format!("WEB-ONLY-{i}")),       // not in Stokly
            29 => None,                                // blank
            31 => Some(format!("SKU-{:06}", i - 1)),   // duplicate in Shopify
            _ => Some(sku.clone()),
        };
        let components: Vec<(usize, String)> = if format == 1 {
            vec![
                (i + 1, format!("SKU-{:06}", i + 1)),
                (i + 2, format!("SKU-{:06}", i + 2)),
            ]
        } else {
            Vec::new()
        };
        let component_refs: Vec<(usize, &str)> =
            components.iter().map(|(id, s)| (*id, s.as_str())).collect();
        variants.push(variant_json(i, shopify_sku, i % 100 != 41, &component_refs));
    }
    let composing: Vec<ComposingItem> = serde_json::from_value(Value::Array(composing)).unwrap();
    Catalogues {
        items: serde_json::from_value(Value::Array(items)).unwrap(),
        composites: CompositeComponents::from_composing_items(&composing),
        listings: serde_json::from_value(Value::Array(listings)).unwrap(),
        variants: serde_json::from_value(Value::Array(variants)).unwrap(),
    }
}
