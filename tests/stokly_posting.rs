//! The Stokly calls order posting and order changes make, against wiremock: batched look-ups
//! with their exact `=*` filters, the inferred amend and cancel paths with their bodies, the
//! port adapters' ordering of amendments, and which failures may have written.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code should fail loudly

use std::time::Duration;

use rust_decimal::Decimal;
use serde_json::{Value, json};
use stokly_shopify::RetryConfig;
use stokly_shopify::domain::order_change::{Cancellation, OrderAmendment};
use stokly_shopify::domain::ports::{SaleOrderChangeError, SaleOrderChanges};
use stokly_shopify::domain::posting::{PortError, SaleOrderPort};
use stokly_shopify::shopify::LineItemId;
use stokly_shopify::stokly::model::{NewSaleOrder, NewSaleOrderLine, Shipping};
use stokly_shopify::stokly::{Client, InferredEndpoints, ItemId, RateLimit, SaleOrderId};
use wiremock::matchers::{body_json, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ORDER: &str = "5a1e0000-0000-4000-8000-000000000001";

fn client(server: &MockServer) -> Client {
    Client::builder()
        .base_url(server.uri())
        .bearer_token("test-token")
        .rate_limit(
            RateLimit::default()
                .with_requests_per_second(1000.0)
                .with_burst(100),
        )
        .retry(
            RetryConfig::default()
                .with_max_attempts(3)
                .with_initial_backoff(Duration::from_millis(1))
                .with_max_backoff(Duration::from_millis(2)),
        )
        .build()
        .unwrap()
}

fn list(rows: Value) -> ResponseTemplate {
    let count = rows.as_array().map_or(0, Vec::len);
    ResponseTemplate::new(200).set_body_json(json!({"data": rows, "metadata": {"count": count}}))
}

fn order_row(id: &str, reference: &str) -> Value {
    json!({"saleOrderId": id, "niceId": 1, "sourceReferenceId": reference, "stage": "order"})
}

fn line(item: &str, quantity: i64) -> NewSaleOrderLine {
    NewSaleOrderLine::item(ItemId::new(item).unwrap(), Decimal::from(quantity))
}

#[tokio::test]
async fn source_references_are_looked_up_200_at_a_time_and_matched_exactly() {
    let server = MockServer::start().await;
    let refs: Vec<String> = (0..201).map(|n| format!("{}", 7_000 + n)).collect();
    let first: Vec<&str> = refs[..200].iter().map(String::as_str).collect();
    Mock::given(method("GET"))
        .and(path("/v2/saleorders"))
        .and(query_param(
            "filter",
            format!("[sourceReferenceId]=*{{{}}}", first.join(",")).as_str(),
        ))
        .and(query_param("size", "1000"))
        // Stokly's answer may hold rows outside the list; only exact matches are kept.
        .respond_with(list(json!([
            order_row("so-1", "7000"),
            order_row("so-x", "70000")
        ])))
        .named("first 200")
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/saleorders"))
        .and(query_param("filter", "[sourceReferenceId]=*{7200}"))
        .respond_with(list(json!([order_row("so-2", "7200")])))
        .named("the 201st")
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    // Repeats and blanks are dropped before asking.
    let mut asked = refs.clone();
    asked.push("7000".into());
    asked.push(" ".into());
    let found = c.find_posted(&asked).await.unwrap();
    let pairs: Vec<(&str, &str)> = found
        .iter()
        .map(|p| (p.source_reference_id.as_str(), p.sale_order.as_str()))
        .collect();
    assert_eq!(pairs, [("7000", "so-1"), ("7200", "so-2")]);
}

#[tokio::test]
async fn customer_barcodes_are_looked_up_in_one_list() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v0/customers"))
        .and(query_param("filter", "[barcode]=*{111,222}"))
        .respond_with(list(json!([
            {"customerId": "c-1", "barcode": "111"},
            {"customerId": "c-9", "barcode": "1111"}
        ])))
        .expect(1)
        .mount(&server)
        .await;
    let found = client(&server)
        .customers_by_barcodes(&["222", "111", "111"])
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].customer_id.as_str(), "c-1");
}

#[tokio::test]
async fn a_create_answered_with_a_5xx_is_uncertain_and_never_resent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v2/saleorders"))
        .respond_with(ResponseTemplate::new(502))
        .expect(1)
        .mount(&server)
        .await;
    let order = NewSaleOrder::new(stokly_shopify::CurrencyCode::GBP, vec![line("i-1", 1)]);
    let err = SaleOrderPort::create(&client(&server), &order)
        .await
        .unwrap_err();
    assert!(matches!(err, PortError::Uncertain { .. }), "{err:?}");
}

#[tokio::test]
async fn a_refused_create_is_refused_with_stoklys_message() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v2/saleorders"))
        .respond_with(
            ResponseTemplate::new(400).set_body_json(json!({"message": "items[0]: unknown item"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let order = NewSaleOrder::new(stokly_shopify::CurrencyCode::GBP, vec![line("i-1", 1)]);
    match SaleOrderPort::create(&client(&server), &order).await {
        Err(PortError::Refused { message, .. }) => assert_eq!(message, "items[0]: unknown item"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn amendments_go_to_the_inferred_paths_repeatable_ones_first() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path(format!("/v2/saleorders/{ORDER}/items/l-2")))
        .respond_with(ResponseTemplate::new(404))
        .named("remove (already gone)")
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path(format!("/v2/saleorders/{ORDER}/items/l-1")))
        .and(body_json(json!({"type": "item", "referenceId": "i-1", "quantity": 3, "fulfilmentType": "delivery"})))
        .respond_with(ResponseTemplate::new(202))
        .named("update")
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path(format!("/v2/saleorders/{ORDER}")))
        .and(body_json(json!({"shipping": {"option": "Express"}})))
        .respond_with(ResponseTemplate::new(202))
        .named("shipping")
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/v2/saleorders/{ORDER}/items")))
        .and(body_json(json!({"items": [{"type": "item", "referenceId": "i-3", "quantity": 1, "fulfilmentType": "delivery"}]})))
        .respond_with(ResponseTemplate::new(202))
        .named("add")
        .expect(1)
        .mount(&server)
        .await;
    let mut shipping = Shipping::new();
    shipping.option = Some("Express".into());
    let amendments = vec![
        OrderAmendment::AddLine {
            shopify_line_id: LineItemId::from_numeric(3),
            line: line("i-3", 1),
        },
        OrderAmendment::UpdateShipping { shipping },
        OrderAmendment::UpdateLine {
            line_id: "l-1".parse().unwrap(),
            shopify_line_id: LineItemId::from_numeric(1),
            line: line("i-1", 3),
        },
        OrderAmendment::RemoveLine {
            line_id: "l-2".parse().unwrap(),
            shopify_line_id: LineItemId::from_numeric(2),
            item_id: ItemId::new("i-2").unwrap(),
        },
    ];
    let c = client(&server);
    c.amend(&SaleOrderId::new(ORDER).unwrap(), &amendments)
        .await
        .unwrap();
    let order: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| format!("{} {}", r.method, r.url.path()))
        .collect();
    assert_eq!(
        order,
        [
            format!("DELETE /v2/saleorders/{ORDER}/items/l-2"),
            format!("PATCH /v2/saleorders/{ORDER}/items/l-1"),
            format!("PATCH /v2/saleorders/{ORDER}"),
            format!("POST /v2/saleorders/{ORDER}/items"),
        ]
    );
}

#[tokio::test]
async fn a_line_addition_that_may_have_landed_is_refused_for_review() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/v2/saleorders/{ORDER}/items")))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&server)
        .await;
    let amendments = vec![OrderAmendment::AddLine {
        shopify_line_id: LineItemId::from_numeric(3),
        line: line("i-3", 1),
    }];
    let err = client(&server)
        .amend(&SaleOrderId::new(ORDER).unwrap(), &amendments)
        .await
        .unwrap_err();
    assert!(
        matches!(err, SaleOrderChangeError::Refused { .. }),
        "{err:?}"
    );
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn cancel_posts_the_reason_to_the_configured_path() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/orders/{ORDER}/void")))
        .and(body_json(
            json!({"reason": "every unit removed or refunded in Shopify"}),
        ))
        .respond_with(ResponseTemplate::new(202))
        .expect(1)
        .mount(&server)
        .await;
    let c = Client::builder()
        .base_url(server.uri())
        .bearer_token("test-token")
        .inferred_endpoints(
            InferredEndpoints::default().with_sale_order_cancel("/v1/orders/{id}/void"),
        )
        .build()
        .unwrap();
    c.cancel(
        &SaleOrderId::new(ORDER).unwrap(),
        &Cancellation::NoUnitsLeft,
    )
    .await
    .unwrap();
}
