//! The quick start: a Shopify client reading the shop, its locations, its catalogue and stock.
//!
//! Run with:
//! ```sh
//! cargo run --example quickstart
//! ```
//!
//! By default it talks to a small local mock of the Admin GraphQL API started in-process, so it
//! runs anywhere with no account. To read a real shop instead, set both of:
//!
//! - `SHOPIFY_SHOP`: the permanent domain, `name.myshopify.com`
//! - `SHOPIFY_ACCESS_TOKEN`: an Admin API access token with `read_products`,
//!   `read_inventory` and `read_locations`
//!
//! The mock answers cost-bucket numbers like a standard plan's, so the example also shows what
//! the client learned about the rate limit.

use futures::TryStreamExt;
use serde_json::json;
use stokly_shopify::shopify::model::QuantityName;
use stokly_shopify::shopify::{Client, PageOptions};
use wiremock::matchers::{body_partial_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (client, _mock) = match (
        std::env::var("SHOPIFY_SHOP"),
        std::env::var("SHOPIFY_ACCESS_TOKEN"),
    ) {
        (Ok(shop), Ok(token)) => {
            println!("reading the real shop {shop}");
            (
                Client::builder().shop(shop).access_token(token).build()?,
                None,
            )
        }
        _ => {
            let mock = local_mock().await;
            println!(
                "reading a local mock at {} (set SHOPIFY_SHOP and SHOPIFY_ACCESS_TOKEN for a real shop)",
                mock.uri()
            );
            let client = Client::builder()
                .shop("acme-store.myshopify.com")
                .access_token("shpat_example")
                .base_url(mock.uri())
                .build()?;
            (client, Some(mock))
        }
    };

    let shop = client.shop().await?;
    println!(
        "shop: {} ({}), currency {}",
        shop.name, shop.myshopify_domain, shop.currency_code
    );

    let locations: Vec<_> = client
        .locations(PageOptions::default())
        .try_collect()
        .await?;
    for l in &locations {
        println!("location: {} {} active={}", l.id, l.name, l.is_active);
    }

    let variants: Vec<_> = client
        .product_variants(None, PageOptions::default().with_max_pages(4))
        .try_collect()
        .await?;
    for v in &variants {
        let components: Vec<String> = v
            .product_variant_components
            .nodes
            .iter()
            .map(|c| {
                format!(
                    "{} x{}",
                    c.product_variant.sku.as_deref().unwrap_or("(no SKU)"),
                    c.quantity
                )
            })
            .collect();
        println!(
            "variant: {:<14} tracked={:<5} bundle={:<5} {}",
            v.sku.as_deref().unwrap_or("(no SKU)"),
            v.inventory_item.tracked,
            v.requires_components,
            components.join(", ")
        );
    }

    if let Some(location) = locations.first() {
        let levels: Vec<_> = client
            .inventory_levels(
                &location.id,
                &[
                    QuantityName::Available,
                    QuantityName::OnHand,
                    QuantityName::Committed,
                ],
                PageOptions::default().with_max_pages(4),
            )
            .try_collect()
            .await?;
        for level in &levels {
            println!(
                "stock at {}: {:<14} available={:?} on_hand={:?} committed={:?}",
                location.name,
                level.item.sku.as_deref().unwrap_or("(no SKU)"),
                level.quantity(QuantityName::Available),
                level.quantity(QuantityName::OnHand),
                level.quantity(QuantityName::Committed)
            );
        }
    }

    if let Some(status) = client.throttle_status() {
        println!(
            "cost bucket learned from responses: {}/{} points, restoring {}/s",
            status.currently_available, status.maximum_available, status.restore_rate
        );
    }
    Ok(())
}

fn cost(requested: u32, available: u32) -> serde_json::Value {
    json!({"cost": {"requestedQueryCost": requested, "actualQueryCost": requested,
        "throttleStatus": {"maximumAvailable": 2000.0, "currentlyAvailable": available, "restoreRate": 100.0}}})
}

async fn local_mock() -> MockServer {
    let server = MockServer::start().await;
    let answers = [
        (
            "Shop",
            json!({"shop": {
                "id": "gid://shopify/Shop/1", "name": "Acme Outdoor", "myshopifyDomain": "acme-store.myshopify.com",
                "currencyCode": "GBP", "enabledPresentmentCurrencies": ["GBP", "EUR"], "ianaTimezone": "Europe/London",
                "plan": {"publicDisplayName": "Shopify", "partnerDevelopment": false, "shopifyPlus": false},
                "resourceLimits": {"locationLimit": 8, "maxProductOptions": 3, "maxProductVariants": 2048, "redirectLimitReached": false}
            }}),
            2,
            1998,
        ),
        (
            "Locations",
            json!({"locations": {"nodes": [
            {"id": "gid://shopify/Location/71", "name": "Leeds warehouse", "isActive": true, "fulfillsOnlineOrders": true, "hasActiveInventory": true, "isFulfillmentService": false}
        ], "pageInfo": {"hasNextPage": false, "endCursor": null}}}),
            4,
            1994,
        ),
        (
            "ProductVariants",
            json!({"productVariants": {"nodes": [
            {"id": "gid://shopify/ProductVariant/11", "sku": "TENT-2P", "barcode": "5012345678900", "title": "Default Title", "price": "189.00",
             "requiresComponents": false, "updatedAt": "2026-11-20T10:00:00Z",
             "product": {"id": "gid://shopify/Product/1", "title": "Tent", "status": "ACTIVE"},
             "inventoryItem": {"id": "gid://shopify/InventoryItem/21", "tracked": true},
             "productVariantComponents": {"nodes": [], "pageInfo": {"hasNextPage": false, "endCursor": null}}},
            {"id": "gid://shopify/ProductVariant/12", "sku": "CAMP-KIT", "barcode": null, "title": "Default Title", "price": "249.50",
             "requiresComponents": true, "updatedAt": "2026-11-21T10:00:00Z",
             "product": {"id": "gid://shopify/Product/2", "title": "Camping kit", "status": "ACTIVE"},
             "inventoryItem": {"id": "gid://shopify/InventoryItem/22", "tracked": false},
             "productVariantComponents": {"nodes": [
                {"id": "gid://shopify/ProductVariantComponent/5", "quantity": 1, "productVariant": {"id": "gid://shopify/ProductVariant/11", "sku": "TENT-2P"}}
             ], "pageInfo": {"hasNextPage": false, "endCursor": null}}}
        ], "pageInfo": {"hasNextPage": false, "endCursor": null}}}),
            152,
            1842,
        ),
        (
            "LocationInventoryLevels",
            json!({"location": {"inventoryLevels": {"nodes": [
            {"id": "gid://shopify/InventoryLevel/71?inventory_item_id=21", "updatedAt": "2026-11-25T12:00:00Z",
             "item": {"id": "gid://shopify/InventoryItem/21", "sku": "TENT-2P", "tracked": true},
             "quantities": [{"name": "available", "quantity": 12}, {"name": "on_hand", "quantity": 15}, {"name": "committed", "quantity": 3}]}
        ], "pageInfo": {"hasNextPage": false, "endCursor": null}}}}),
            254,
            1588,
        ),
    ];
    for (operation, data, requested, available) in answers {
        Mock::given(method("POST"))
            .and(path("/admin/api/2026-01/graphql.json"))
            .and(body_partial_json(json!({"operationName": operation})))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "data": data, "extensions": cost(requested, available)
            })))
            .mount(&server)
            .await;
    }
    server
}
