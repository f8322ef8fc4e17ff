//! `inventorySetQuantities` through the Shopify client against wiremock: the exact variables,
//! compare-and-set, the idempotency key, and the checks made before sending.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code should fail loudly

mod support;

use serde_json::json;
use stokly_shopify::shopify::model::{
    InventoryQuantityInput, InventorySetQuantitiesInput, QuantityName,
};
use stokly_shopify::shopify::{Error, InventoryItemId, LocationId, idempotency_key};
use support::*;
use wiremock::matchers::{body_partial_json, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn input(n: u64) -> InventorySetQuantitiesInput {
    (0..n).fold(
        InventorySetQuantitiesInput::new(QuantityName::Available, "correction")
            .with_reference_document_uri("gid://stokly-shopify/InventorySync/1"),
        |acc, i| {
            acc.with_quantity(InventoryQuantityInput::new(
                InventoryItemId::from_numeric(100 + i),
                LocationId::from_numeric(7),
                5,
                if i == 0 { None } else { Some(3) },
            ))
        },
    )
}

#[tokio::test]
async fn sends_change_from_quantity_always_and_a_content_key() {
    let server = MockServer::start().await;
    let expected_input = json!({
        "name": "available", "reason": "correction",
        "referenceDocumentUri": "gid://stokly-shopify/InventorySync/1",
        "quantities": [
            {"inventoryItemId": "gid://shopify/InventoryItem/100", "locationId": "gid://shopify/Location/7", "quantity": 5, "changeFromQuantity": null},
            {"inventoryItemId": "gid://shopify/InventoryItem/101", "locationId": "gid://shopify/Location/7", "quantity": 5, "changeFromQuantity": 3}
        ]
    });
    let key = idempotency_key("InventorySetQuantities", &json!({"input": expected_input}));
    Mock::given(method("POST"))
        .and(body_partial_json(json!({
            "operationName": "InventorySetQuantities",
            "variables": {"input": expected_input, "idempotencyKey": key}
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": {"inventorySetQuantities": {
            "inventoryAdjustmentGroup": null,
            "userErrors": [{"field": ["input", "quantities", "1"], "message": "The specified compare quantity does not match the current quantity.", "code": "CHANGE_FROM_QUANTITY_STALE"}]
        }}})))
        .expect(1)
        .mount(&server)
        .await;
    let payload = client(&server)
        .set_inventory_quantities(&input(2))
        .await
        .unwrap();
    assert!(payload.inventory_adjustment_group.is_none());
    assert_eq!(
        payload.user_errors[0].code.as_deref(),
        Some("CHANGE_FROM_QUANTITY_STALE")
    );
    assert_eq!(payload.user_errors[0].input_index(), Some(1));
    // The document carries the directive with the key variable.
    let body = &bodies(&server).await[0];
    assert!(
        body["query"]
            .as_str()
            .unwrap()
            .contains("@idempotent(key: $idempotencyKey)")
    );
    // `changeFromQuantity: null` is present, not omitted (2026-04 requires the field).
    assert!(
        body["variables"]["input"]["quantities"][0]
            .as_object()
            .unwrap()
            .contains_key("changeFromQuantity")
    );
}

#[tokio::test]
async fn rejects_bad_batches_before_sending() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let c = client(&server);
    let over = c.set_inventory_quantities(&input(251)).await.unwrap_err();
    assert!(
        matches!(over, Error::InvalidArgument { argument: "input.quantities", ref reason, .. } if reason.contains("251")),
        "{over:?}"
    );
    let empty = c.set_inventory_quantities(&input(0)).await.unwrap_err();
    assert!(matches!(empty, Error::InvalidArgument { .. }));
    let dup = input(1).with_quantity(InventoryQuantityInput::new(
        InventoryItemId::from_numeric(100),
        LocationId::from_numeric(7),
        1,
        None,
    ));
    let err = c.set_inventory_quantities(&dup).await.unwrap_err();
    assert!(
        matches!(err, Error::InvalidArgument { ref reason, .. } if reason.contains("quantity 1 repeats")),
        "{err:?}"
    );
    let mut committed = input(1);
    committed.name = "committed".into();
    assert!(matches!(
        c.set_inventory_quantities(&committed).await.unwrap_err(),
        Error::InvalidArgument {
            argument: "input.name",
            ..
        }
    ));
}

#[tokio::test]
async fn bulk_update_sends_the_exact_variables() {
    use stokly_shopify::shopify::model::ProductVariantsBulkInput;
    use stokly_shopify::shopify::{ProductId, ProductVariantId};
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(body_partial_json(json!({
            "operationName": "ProductVariantsBulkUpdate",
            "variables": {
                "productId": "gid://shopify/Product/10",
                "variants": [{"id": "gid://shopify/ProductVariant/11", "barcode": "5012345678900", "price": "19.99",
                              "inventoryItem": {"sku": "TENT-2P", "tracked": true}}]
            }
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": {"productVariantsBulkUpdate": {
            "productVariants": [], "userErrors": []
        }}})))
        .expect(1)
        .mount(&server)
        .await;
    let input = ProductVariantsBulkInput::update(ProductVariantId::from_numeric(11))
        .with_barcode("5012345678900")
        .with_price(rust_decimal::Decimal::new(1999, 2))
        .with_inventory_item(Some("TENT-2P".into()), Some(true));
    client(&server)
        .product_variants_bulk_update(&ProductId::from_numeric(10), &[input])
        .await
        .unwrap();
    let body = &bodies(&server).await[0];
    let sent = body["variables"]["variants"][0].as_object().unwrap();
    assert!(
        !sent.contains_key("optionValues"),
        "unset fields are not sent"
    );
}
