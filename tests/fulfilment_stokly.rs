//! `read_stokly_dispatches` against wiremock: the exact reads (the order, its lines, its
//! dispatches on the inferred path, unfiltered, first page of 100) and the mapping of a
//! multi-parcel dispatch into the plan's input.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code should fail loudly

use chrono::{TimeZone, Utc};
use serde_json::{Value, json};
use stokly_shopify::RetryConfig;
use stokly_shopify::adapters::fulfilment::read_stokly_dispatches;
use stokly_shopify::domain::fulfilment::{Dispatch, Parcel};
use stokly_shopify::shopify::model::OrderFulfillments;
use stokly_shopify::shopify::{LineItemId, OrderId};
use stokly_shopify::stokly::{
    Client, InferredEndpoints, LocationId as StoklyLocationId, RateLimit, SaleOrderId,
};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn client(server: &MockServer, endpoints: InferredEndpoints) -> Client {
    Client::builder()
        .base_url(server.uri())
        .bearer_token("test-token")
        .rate_limit(
            RateLimit::default()
                .with_requests_per_second(1000.0)
                .with_burst(100),
        )
        .retry(RetryConfig::disabled())
        .inferred_endpoints(endpoints)
        .build()
        .unwrap()
}

fn shopify() -> OrderFulfillments {
    serde_json::from_value(json!({
        "id": "gid://shopify/Order/1001", "name": "#1001",
        "fulfillmentOrders": {"nodes": [{
            "id": "gid://shopify/FulfillmentOrder/1", "status": "OPEN",
            "assignedLocation": {"location": {"id": "gid://shopify/Location/7"}},
            "supportedActions": [{"action": "CREATE_FULFILLMENT"}],
            "lineItems": {"nodes": [{
                "id": "gid://shopify/FulfillmentOrderLineItem/11",
                "lineItem": {"id": "gid://shopify/LineItem/55"},
                "sku": "MUG", "remainingQuantity": 3, "totalQuantity": 3
            }]}
        }]},
        "fulfillments": []
    }))
    .unwrap()
}

async fn mount_page(server: &MockServer, at: &str, data: Value, name: &'static str) {
    Mock::given(method("GET"))
        .and(path(at))
        .and(query_param("page", "0"))
        .and(query_param("size", "100"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"data": data, "metadata": {"count": 1}})),
        )
        .expect(1)
        .named(name)
        .mount(server)
        .await;
}

async fn mount_order(server: &MockServer, dispatches_at: &str) {
    Mock::given(method("GET"))
        .and(path("/v2/saleorders/so-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": {"saleOrderId": "so-1", "sourceReferenceId": "1001"}
        })))
        .expect(1)
        .named("order")
        .mount(server)
        .await;
    mount_page(
        server,
        "/v2/saleorders/so-1/items",
        json!([{"lineId": "l1", "itemSku": "MUG", "quantity": 3}]),
        "lines",
    )
    .await;
    mount_page(
        server,
        dispatches_at,
        json!([{
            "dispatchId": "ds-1", "saleOrderId": "so-1", "locationId": "wh-1",
            "carrier": "DPD", "dispatchedAt": "2026-12-01T09:00:00Z",
            "parcels": [
                {"trackingNumber": "DPD-1", "trackingUrl": "https://dpd.example/DPD-1"},
                {"trackingNumber": "DPD-2", "trackingUrl": "https://dpd.example/DPD-2"}
            ],
            "items": [{"lineId": "l1", "quantity": 2}]
        }]),
        "dispatches",
    )
    .await;
}

fn expected() -> Dispatch {
    Dispatch::new(
        "ds-1",
        SaleOrderId::new("so-1").unwrap(),
        OrderId::from_numeric(1001),
        StoklyLocationId::new("wh-1").unwrap(),
        Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap(),
    )
    .carrier("DPD")
    .parcel(Parcel::tracked(
        "DPD-1",
        Some("https://dpd.example/DPD-1".into()),
    ))
    .parcel(Parcel::tracked(
        "DPD-2",
        Some("https://dpd.example/DPD-2".into()),
    ))
    .item(LineItemId::from_numeric(55), 2)
}

/// The three reads, each once, unfiltered (a filter would hide part of the order).
async fn assert_reads(server: &MockServer, dispatches_at: &str) {
    let requests = server.received_requests().await.unwrap();
    let mut paths: Vec<(String, String)> = requests
        .iter()
        .map(|r| (r.method.to_string(), r.url.path().to_owned()))
        .collect();
    paths.sort();
    let mut want = vec![
        ("GET".to_owned(), "/v2/saleorders/so-1".to_owned()),
        ("GET".to_owned(), "/v2/saleorders/so-1/items".to_owned()),
        ("GET".to_owned(), dispatches_at.to_owned()),
    ];
    want.sort();
    assert_eq!(paths, want);
    for r in &requests {
        assert!(
            r.url.query_pairs().all(|(k, _)| k != "filter"),
            "{} has a filter",
            r.url
        );
    }
}

#[tokio::test]
async fn dispatches_are_read_on_the_inferred_path_with_every_parcel() {
    let server = MockServer::start().await;
    mount_order(&server, "/v2/saleorders/so-1/dispatches").await;
    let stokly = client(&server, InferredEndpoints::default());
    let (dispatches, exceptions) =
        read_stokly_dispatches(&stokly, &SaleOrderId::new("so-1").unwrap(), &shopify())
            .await
            .unwrap();
    assert!(exceptions.is_empty(), "{exceptions:?}");
    assert_eq!(dispatches, vec![expected()]);
    assert_reads(&server, "/v2/saleorders/so-1/dispatches").await;
}

#[tokio::test]
async fn a_configured_dispatch_path_is_the_one_read() {
    let server = MockServer::start().await;
    mount_order(&server, "/v3/orders/so-1/shipments").await;
    let stokly = client(
        &server,
        InferredEndpoints::default().with_sale_order_dispatches("/v3/orders/{id}/shipments"),
    );
    let (dispatches, _) =
        read_stokly_dispatches(&stokly, &SaleOrderId::new("so-1").unwrap(), &shopify())
            .await
            .unwrap();
    assert_eq!(dispatches, vec![expected()]);
    assert_reads(&server, "/v3/orders/so-1/shipments").await;
}
