//! Typed reads, pagination and bulk operations of the Shopify client against wiremock.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code should fail loudly

mod support;

use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use serde_json::{Value, json};
use stokly_shopify::shopify::model::{BulkOperationStatus, ProductStatus, QuantityName};
use stokly_shopify::shopify::{BulkPollConfig, Error, LocationId, PageOptions, ProductVariantId};
use support::*;
use wiremock::matchers::{body_partial_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn page(cursor: Option<&str>, next: bool, ids: &[u64]) -> Value {
    json!({"data": {"locations": {
        "nodes": ids.iter().map(|i| json!({
            "id": format!("gid://shopify/Location/{i}"), "name": format!("L{i}"), "isActive": true,
            "fulfillsOnlineOrders": true, "hasActiveInventory": true, "isFulfillmentService": false
        })).collect::<Vec<_>>(),
        "pageInfo": {"hasNextPage": next, "endCursor": cursor}
    }}})
}

#[tokio::test]
async fn pages_with_first_and_after_until_the_last_page() {
    let server = MockServer::start().await;
    Mock::given(body_partial_json(
        json!({"operationName": "Locations", "variables": {"first": 2, "after": null}}),
    ))
    .respond_with(ResponseTemplate::new(200).set_body_json(page(Some("c1"), true, &[1, 2])))
    .expect(1)
    .named("first page")
    .mount(&server)
    .await;
    Mock::given(body_partial_json(
        json!({"variables": {"first": 2, "after": "c1"}}),
    ))
    .respond_with(ResponseTemplate::new(200).set_body_json(page(Some("c2"), false, &[3])))
    .expect(1)
    .named("second page")
    .mount(&server)
    .await;
    let ids: Vec<u64> = client(&server)
        .locations(PageOptions::default().with_page_size(2))
        .map_ok(|l| l.id.numeric_id())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, vec![1, 2, 3]);
}

#[tokio::test]
async fn nothing_is_sent_until_the_stream_is_polled() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(None, false, &[1])))
        .expect(0)
        .mount(&server)
        .await;
    let stream = client(&server).locations(PageOptions::default());
    drop(stream);
}

#[tokio::test]
async fn a_repeated_cursor_stops_pagination_with_an_error() {
    let server = MockServer::start().await;
    Mock::given(body_partial_json(json!({"variables": {"after": null}})))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(Some("same"), true, &[1])))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(body_partial_json(json!({"variables": {"after": "same"}})))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(Some("same"), true, &[2])))
        .expect(1)
        .mount(&server)
        .await;
    let items: Vec<_> = client(&server)
        .locations(PageOptions::default())
        .collect()
        .await;
    assert_eq!(items.len(), 2, "{items:?}");
    assert_eq!(items[0].as_ref().unwrap().id.numeric_id(), 1);
    match &items[1] {
        Err(Error::Pagination { reason, .. }) => assert!(reason.contains("same"), "{reason}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn the_callers_page_cap_stops_pagination() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(Some("c"), true, &[1])))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(Some("d"), true, &[2])))
        .mount(&server)
        .await;
    let items: Vec<_> = client(&server)
        .locations(PageOptions::default().with_max_pages(2))
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn page_size_above_250_is_rejected_before_sending() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let first = client(&server)
        .locations(PageOptions::default().with_page_size(251))
        .next()
        .await
        .unwrap();
    assert!(
        matches!(
            first,
            Err(Error::InvalidArgument {
                argument: "first",
                ..
            })
        ),
        "{first:?}"
    );
}

#[tokio::test]
async fn product_variants_with_every_component_page() {
    let server = MockServer::start().await;
    Mock::given(body_partial_json(json!({"operationName": "ProductVariants", "variables": {"after": null, "query": "product_status:active"}})))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("shopify/products/variants_page1.json")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(body_partial_json(
        json!({"operationName": "ProductVariants", "variables": {"after": "var-c1"}}),
    ))
    .respond_with(
        ResponseTemplate::new(200).set_body_json(fixture("shopify/products/variants_page2.json")),
    )
    .expect(1)
    .mount(&server)
    .await;
    Mock::given(body_partial_json(json!({
        "operationName": "ProductVariantComponents",
        "variables": {"id": "gid://shopify/ProductVariant/4002", "after": "comp-c1", "first": 250}
    })))
    .respond_with(
        ResponseTemplate::new(200).set_body_json(fixture("shopify/products/components_rest.json")),
    )
    .expect(1)
    .named("second page of the bundle's components")
    .mount(&server)
    .await;

    let variants: Vec<_> = client(&server)
        .product_variants(Some("product_status:active"), PageOptions::default())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(variants.len(), 3);
    let kit = &variants[1];
    assert_eq!(kit.sku.as_deref(), Some("CAMP-KIT"));
    assert!(kit.requires_components);
    assert!(!kit.inventory_item.tracked);
    let components: Vec<(&str, i64)> = kit
        .product_variant_components
        .nodes
        .iter()
        .map(|c| (c.product_variant.sku.as_deref().unwrap(), c.quantity))
        .collect();
    assert_eq!(components, vec![("TENT-2P-GRN", 1), ("STOVE-1", 2)]);
    assert_eq!(variants[2].product.status, ProductStatus::Draft);
    assert_eq!(variants[0].price.to_string(), "189.00");
    assert_eq!(variants[1].barcode, None);
}

#[tokio::test]
async fn inventory_levels_with_named_quantities() {
    let server = MockServer::start().await;
    Mock::given(body_partial_json(json!({
        "operationName": "LocationInventoryLevels",
        "variables": {"locationId": "gid://shopify/Location/655441491", "names": ["available", "on_hand", "committed"], "first": 250}
    })))
    .respond_with(ResponseTemplate::new(200).set_body_json(fixture("shopify/inventory/levels.json")))
    .expect(1)
    .mount(&server)
    .await;
    let levels: Vec<_> = client(&server)
        .inventory_levels(
            &LocationId::from_numeric(655_441_491),
            &[
                QuantityName::Available,
                QuantityName::OnHand,
                QuantityName::Committed,
            ],
            PageOptions::default(),
        )
        .try_collect()
        .await
        .unwrap();
    assert_eq!(levels.len(), 1);
    let level = &levels[0];
    assert_eq!(level.quantity(QuantityName::Available), Some(12));
    assert_eq!(level.quantity(QuantityName::OnHand), Some(15));
    assert_eq!(level.quantity(QuantityName::Committed), Some(3));
    assert_eq!(level.quantity(QuantityName::Incoming), None);
    assert_eq!(level.id.inventory_item_id(), Some(level.item.id.clone()));
}

#[tokio::test]
async fn missing_location_is_reported_not_an_empty_list() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": {"location": null}})))
        .mount(&server)
        .await;
    let first = client(&server)
        .inventory_levels(
            &LocationId::from_numeric(1),
            &[QuantityName::Available],
            PageOptions::default(),
        )
        .next()
        .await
        .unwrap();
    assert!(matches!(first, Err(Error::Pagination { .. })), "{first:?}");
}

fn bulk_op(
    status: &str,
    url: Option<String>,
    error_code: Option<&str>,
    partial: Option<&str>,
) -> Value {
    json!({
        "id": "gid://shopify/BulkOperation/7749099028786",
        "status": status,
        "errorCode": error_code,
        "objectCount": "5",
        "rootObjectCount": "3",
        "fileSize": url.as_ref().map(|_| "1456"),
        "url": url,
        "partialDataUrl": partial,
        "createdAt": "2026-11-26T10:00:00Z",
        "completedAt": null
    })
}

fn poll() -> BulkPollConfig {
    BulkPollConfig::default()
        .with_initial_interval(Duration::from_millis(10))
        .with_max_interval(Duration::from_millis(20))
        .with_timeout(Duration::from_secs(10))
}

#[tokio::test]
async fn bulk_export_completes_and_joins_components_to_variants() {
    let server = MockServer::start().await;
    let result_url = format!("{}/bulk/result.jsonl", server.uri());
    Mock::given(body_partial_json(
        json!({"operationName": "BulkOperationRunQuery"}),
    ))
    .respond_with(ResponseTemplate::new(200).set_body_json(
        json!({"data": {"bulkOperationRunQuery": {
            "bulkOperation": bulk_op("CREATED", None, None, None), "userErrors": []
        }}}),
    ))
    .expect(1)
    .named("start")
    .mount(&server)
    .await;
    Mock::given(body_partial_json(json!({"operationName": "BulkOperation", "variables": {"id": "gid://shopify/BulkOperation/7749099028786"}})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": {"bulkOperation": bulk_op("RUNNING", None, None, None)}})))
        .up_to_n_times(2)
        .with_priority(1)
        .expect(2)
        .named("running")
        .mount(&server)
        .await;
    Mock::given(body_partial_json(json!({"operationName": "BulkOperation"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": {"bulkOperation": bulk_op("COMPLETED", Some(result_url.clone()), None, None)}})))
        .expect(1)
        .named("completed")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/bulk/result.jsonl"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(fixture_text("shopify/bulk/product_variants.jsonl")),
        )
        .expect(1)
        .named("download")
        .mount(&server)
        .await;

    let c = client(&server);
    let variants: Vec<_> = c
        .bulk_product_variants(&poll())
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    let skus: Vec<_> = variants.iter().map(|v| v.sku.clone().unwrap()).collect();
    assert_eq!(skus, vec!["TENT-2P-GRN", "CAMP-KIT", "STOVE-1"]);
    let kit_components: Vec<_> = variants[1]
        .product_variant_components
        .nodes
        .iter()
        .map(|c| (c.product_variant.id.clone(), c.quantity))
        .collect();
    assert_eq!(
        kit_components,
        vec![
            (ProductVariantId::from_numeric(4001), 1),
            (ProductVariantId::from_numeric(4003), 2)
        ]
    );
    // The download carries no access token.
    let requests = server.received_requests().await.unwrap();
    let download = requests
        .iter()
        .find(|r| r.method.as_str() == "GET")
        .unwrap();
    assert!(download.headers.get("x-shopify-access-token").is_none());
    let start = &bodies_of_posts(&requests)[0];
    assert!(
        start["variables"]["query"]
            .as_str()
            .unwrap()
            .contains("productVariants")
    );
}

fn bodies_of_posts(requests: &[wiremock::Request]) -> Vec<Value> {
    requests
        .iter()
        .filter(|r| r.method.as_str() == "POST")
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect()
}

#[tokio::test]
async fn bulk_operation_that_fails_reports_status_code_and_partial_data() {
    let server = MockServer::start().await;
    Mock::given(body_partial_json(
        json!({"operationName": "BulkOperationRunQuery"}),
    ))
    .respond_with(ResponseTemplate::new(200).set_body_json(
        json!({"data": {"bulkOperationRunQuery": {
            "bulkOperation": bulk_op("CREATED", None, None, None), "userErrors": []
        }}}),
    ))
    .mount(&server)
    .await;
    Mock::given(body_partial_json(json!({"operationName": "BulkOperation"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": {"bulkOperation":
            bulk_op("FAILED", None, Some("ACCESS_DENIED"), Some("https://storage.example/partial.jsonl"))}})))
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server)
        .run_bulk_query("{ products { edges { node { id } } } }", &poll())
        .await
        .unwrap_err();
    match err {
        Error::BulkOperation(f) => {
            assert_eq!(f.status, "FAILED");
            assert_eq!(f.error_code.as_deref(), Some("ACCESS_DENIED"));
            assert_eq!(
                f.partial_data_url.as_deref(),
                Some("https://storage.example/partial.jsonl")
            );
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_completed_export_of_objects_without_a_result_url_is_an_error_not_an_empty_catalogue() {
    let server = MockServer::start().await;
    Mock::given(body_partial_json(
        json!({"operationName": "BulkOperationRunQuery"}),
    ))
    .respond_with(ResponseTemplate::new(200).set_body_json(
        json!({"data": {"bulkOperationRunQuery": {
            "bulkOperation": bulk_op("CREATED", None, None, None), "userErrors": []
        }}}),
    ))
    .mount(&server)
    .await;
    Mock::given(body_partial_json(json!({"operationName": "BulkOperation"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"data": {"bulkOperation": bulk_op("COMPLETED", None, None, None)}}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    match client(&server).bulk_product_variants(&poll()).await {
        Err(Error::BulkOperation(f)) => {
            assert_eq!(f.status, "COMPLETED with 5 objects but no result url");
        }
        Err(other) => panic!("{other:?}"),
        Ok(_) => panic!("an export of 5 objects read as an empty catalogue"),
    }
}

#[tokio::test]
async fn bulk_start_user_errors_are_typed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": {"bulkOperationRunQuery": {
            "bulkOperation": null,
            "userErrors": [{"field": null, "message": "A bulk query operation for this app and shop is already in progress: gid://shopify/BulkOperation/1.", "code": "OPERATION_IN_PROGRESS"}]
        }}})))
        .expect(1)
        .mount(&server)
        .await;
    match client(&server)
        .start_bulk_query("{ products { edges { node { id } } } }")
        .await
        .unwrap_err()
    {
        Error::UserErrors { errors, .. } => {
            assert_eq!(
                errors[0].code.as_ref().map(|c| c.as_str()),
                Some("OPERATION_IN_PROGRESS")
            )
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn bulk_polling_gives_up_after_the_timeout() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"data": {"bulkOperation": bulk_op("RUNNING", None, None, None)}}),
        ))
        .mount(&server)
        .await;
    let id = "gid://shopify/BulkOperation/7749099028786".parse().unwrap();
    let err = client(&server)
        .wait_for_bulk_operation(&id, &poll().with_timeout(Duration::from_millis(60)))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::BulkTimeout { ref status, .. } if status == "RUNNING"),
        "{err:?}"
    );
    assert!(BulkOperationStatus::Completed.is_terminal());
    assert!(!BulkOperationStatus::Unknown("PAUSED".into()).is_terminal());
}

#[tokio::test]
async fn bulk_download_refuses_plain_http_off_loopback() {
    let server = MockServer::start().await;
    let first = client(&server)
        .bulk_lines::<Value>("http://storage.example/result.jsonl")
        .next()
        .await
        .unwrap();
    assert!(
        matches!(
            first,
            Err(Error::InvalidArgument {
                argument: "url",
                ..
            })
        ),
        "{first:?}"
    );
}

#[tokio::test]
async fn bulk_polling_with_an_enormous_interval_gives_up_instead_of_overflowing() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"data": {"bulkOperation": bulk_op("RUNNING", None, None, None)}}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let id = "gid://shopify/BulkOperation/7749099028786".parse().unwrap();
    // elapsed + Duration::MAX used to overflow (a panic) before the timeout was compared.
    let poll = BulkPollConfig::default()
        .with_initial_interval(Duration::MAX)
        .with_max_interval(Duration::MAX)
        .with_timeout(Duration::from_secs(3600));
    let err = client(&server)
        .wait_for_bulk_operation(&id, &poll)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::BulkTimeout { .. }), "{err:?}");
}
