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
    InventoryQuantityInput, InventorySetQuantitiesInput, LevelAbsence, QuantityName,
};
use stokly_shopify::shopify::{
    Error, GraphQlErrorCode, InventoryItemId, LocationId, UserErrorCode, idempotency_key,
};
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
        payload.user_errors[0].code,
        Some(UserErrorCode::ChangeFromQuantityStale)
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

/// Levels are read through their inventory items, one query per location, never by a level
/// ID the client built; every pair asked for comes back as a level or as absent with what
/// Shopify returned.
#[tokio::test]
async fn levels_of_items_are_read_through_the_items_with_absences_kept() {
    let server = MockServer::start().await;
    let ids = json!([
        "gid://shopify/InventoryItem/100",
        "gid://shopify/InventoryItem/101",
        "gid://shopify/InventoryItem/102"
    ]);
    Mock::given(method("POST"))
        .and(body_partial_json(json!({
            "operationName": "InventoryItemLevels",
            "variables": {"ids": ids, "locationId": "gid://shopify/Location/106318430514", "names": ["available"]}
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": {"nodes": [
            {"id": "gid://shopify/InventoryItem/100", "sku": "A", "tracked": true, "inventoryLevel": {
                "id": "gid://shopify/InventoryLevel/143273001266?inventory_item_id=100",
                "updatedAt": "2026-04-01T10:00:00Z",
                "quantities": [{"name": "available", "quantity": 4}]}},
            null,
            {"id": "gid://shopify/InventoryItem/102", "sku": "C", "tracked": true, "inventoryLevel": null}
        ]}, "extensions": cost(4.0, 1996.0, 100.0)})))
        .expect(1)
        .mount(&server)
        .await;
    let read = client(&server)
        .inventory_levels_of_items(
            &[100, 101, 102].map(InventoryItemId::from_numeric),
            &[LocationId::from_numeric(106_318_430_514)],
            &[QuantityName::Available],
        )
        .await
        .unwrap();
    assert_eq!(read.levels.len(), 1);
    let (location, level) = &read.levels[0];
    assert_eq!(location.numeric_id(), 106_318_430_514);
    assert_eq!(
        level.id.to_string(),
        "gid://shopify/InventoryLevel/143273001266?inventory_item_id=100"
    );
    assert_eq!(level.item.sku.as_deref(), Some("A"));
    assert_eq!(level.quantity(QuantityName::Available), Some(4));
    let absent: Vec<(u64, LevelAbsence, &str)> = read
        .absent
        .iter()
        .map(|a| (a.item.numeric_id(), a.why, a.returned.as_str()))
        .collect();
    assert_eq!(
        absent,
        [
            (101, LevelAbsence::UnknownItem, "null"),
            (
                102,
                LevelAbsence::NotStocked,
                r#"{"id":"gid://shopify/InventoryItem/102","inventoryLevel":null,"sku":"C","tracked":true}"#
            )
        ]
    );
    // The document selects levels through the item; it holds no level ID.
    let body = &bodies(&server).await[0];
    let document = body["query"].as_str().unwrap();
    assert!(document.contains("inventoryLevel(locationId: $locationId)"));
    assert!(!body.to_string().contains("InventoryLevel/"));
}

/// Recorded answers the client must cope with: a set to the current value (no group, no
/// error) is a success; a missing `@idempotent` is a GraphQL error whatever `data` holds.
#[tokio::test]
async fn a_no_op_set_is_a_success_and_a_missing_directive_is_an_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"data": {"inventorySetQuantities": {
            "inventoryAdjustmentGroup": null, "userErrors": []
        }}, "extensions": cost(13.0, 1987.0, 100.0)}),
        ))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "errors": [{"message": "The @idempotent directive is required for this mutation but was not provided.",
                        "locations": [{"line": 2, "column": 3}], "path": ["inventorySetQuantities"],
                        "extensions": {"code": "BAD_REQUEST"}}],
            "data": {"inventorySetQuantities": null}
        })))
        .mount(&server)
        .await;
    let c = client(&server);
    let same = c.set_inventory_quantities(&input(1)).await.unwrap();
    assert_eq!(same.inventory_adjustment_group, None);
    assert!(same.user_errors.is_empty());
    let err = c.set_inventory_quantities(&input(1)).await.unwrap_err();
    assert_eq!(err.graphql_codes(), vec![GraphQlErrorCode::BadRequest]);
}
