//! The refund reads and writes against wiremock: the exact `OrderRefunds` request and the
//! paging of refunded lines; the credit look-up by external reference and the exact create
//! body on the inferred Stokly paths.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code should fail loudly

mod support;

use chrono::{TimeZone, Utc};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use stokly_shopify::RetryConfig;
use stokly_shopify::domain::catalogue::{SkuIndex, StoklyCatalogue};
use stokly_shopify::domain::order::{
    CurrencyPolicy, GlAccountCode, OrderMappingConfig, TaxAccountMap, TaxKey, map_order,
};
use stokly_shopify::domain::posting::PortError;
use stokly_shopify::domain::refund::{
    CreditDocuments, RefundDecision, RefundMappingConfig, SaleOrderFacts, SaleOrderState,
    map_refund,
};
use stokly_shopify::shopify::model::{Order, RestockType};
use stokly_shopify::shopify::{LineItemId, LocationId as ShopifyLocationId, OrderId};
use stokly_shopify::stokly::model::Item;
use stokly_shopify::stokly::{
    ChannelId, Client as StoklyClient, LocationId, RateLimit, SaleOrderId,
};
use wiremock::matchers::{body_partial_json, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn money(amount: &str) -> Value {
    json!({
        "shopMoney": {"amount": amount, "currencyCode": "USD"},
        "presentmentMoney": {"amount": amount, "currencyCode": "USD"},
    })
}

fn refund_line(line: u64, quantity: i64, subtotal: &str, tax: &str) -> Value {
    json!({
        "quantity": quantity, "restockType": "RETURN", "restocked": true,
        "location": {"id": "gid://shopify/Location/1"},
        "lineItem": {"id": format!("gid://shopify/LineItem/{line}"), "sku": "SOCKS-3PK"},
        "priceSet": money("6.00"),
        "subtotalSet": money(subtotal), "totalTaxSet": money(tax),
    })
}

fn order_refunds_body() -> Value {
    json!({"data": {"order": {
        "id": "gid://shopify/Order/5502", "name": "#1002",
        "currencyCode": "USD", "presentmentCurrencyCode": "USD",
        "refunds": [{
            "id": "gid://shopify/Refund/900",
            "createdAt": "2026-03-02T10:00:00Z", "processedAt": "2026-03-02T10:00:00Z",
            "note": "damaged in transit",
            "totalRefundedSet": money("92.45"),
            "return": null,
            "duties": [],
            "refundLineItems": {
                "nodes": [refund_line(22, 1, "6.00", "0.45")],
                "pageInfo": {"hasNextPage": true, "endCursor": "rli-1"}
            },
            "refundShippingLines": {"nodes": [], "pageInfo": {"hasNextPage": false, "endCursor": null}},
            "orderAdjustments": {"nodes": [], "pageInfo": {"hasNextPage": false, "endCursor": null}},
            "transactions": {"nodes": [{
                "id": "gid://shopify/OrderTransaction/77", "kind": "REFUND", "status": "SUCCESS",
                "gateway": "shopify_payments", "test": false,
                "processedAt": "2026-03-02T10:00:00Z", "amountSet": money("92.45")
            }], "pageInfo": {"hasNextPage": false, "endCursor": null}}
        }],
        "returns": {"nodes": [], "pageInfo": {"hasNextPage": false, "endCursor": null}}
    }}, "extensions": support::cost(20.0, 1980.0, 100.0)})
}

#[tokio::test]
async fn an_orders_refunds_are_read_whole_with_every_refunded_line() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(support::PATH))
        .and(body_partial_json(json!({
            "operationName": "OrderRefunds",
            "variables": {"id": "gid://shopify/Order/5502"}
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(order_refunds_body()))
        .expect(1)
        .named("order refunds")
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(support::PATH))
        .and(body_partial_json(json!({
            "operationName": "RefundLineItems",
            "variables": {"id": "gid://shopify/Refund/900", "after": "rli-1"}
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": {"refund": {"refundLineItems": {
                "nodes": [refund_line(21, 1, "80.00", "6.00")],
                "pageInfo": {"hasNextPage": false, "endCursor": "rli-2"}
            }}},
            "extensions": support::cost(10.0, 1970.0, 100.0)
        })))
        .expect(1)
        .named("refund line items, page 2")
        .mount(&server)
        .await;
    let client = support::client(&server);
    let order = client
        .order_refunds(&OrderId::from_numeric(5502))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(order.refunds.len(), 1);
    let refund = &order.refunds[0];
    assert!(!refund.has_unread_parts());
    let lines: Vec<(u64, i64)> = refund
        .refund_line_items
        .nodes
        .iter()
        .map(|l| (l.line_item.id.numeric_id(), l.quantity))
        .collect();
    assert_eq!(lines, vec![(22, 1), (21, 1)]);
    assert_eq!(
        refund.refund_line_items.nodes[1].restock_type,
        RestockType::Return
    );
    assert_eq!(refund.transactions.nodes.len(), 1);
    let bodies = support::bodies(&server).await;
    assert_eq!(bodies.len(), 2);
    assert_eq!(bodies[1]["variables"]["first"], 100);
    assert!(
        bodies[0]["query"]
            .as_str()
            .unwrap()
            .contains("refunds(first: 250)")
    );
}

// ----- Stokly -----

fn stokly(server: &MockServer) -> StoklyClient {
    StoklyClient::builder()
        .base_url(server.uri())
        .bearer_token("test-token")
        .rate_limit(
            RateLimit::default()
                .with_requests_per_second(1000.0)
                .with_burst(100),
        )
        .retry(RetryConfig::disabled())
        .build()
        .unwrap()
}

/// The credit of the refund above against the tax-excluded fixture order, both lines
/// dispatched and restocked at the warehouse.
fn credit() -> stokly_shopify::domain::refund::CreditDraft {
    let order: Order = serde_json::from_value(
        support::fixture("shopify/orders/tax_excluded_free_shipping.json")["data"]["order"].clone(),
    )
    .unwrap();
    let items: Vec<Item> = [("i-sneaker", "SNEAKER-42"), ("i-socks", "SOCKS-3PK")]
        .iter()
        .map(|(id, sku)| {
            serde_json::from_value(
                json!({"itemId": id, "sku": sku, "name": sku, "format": 0, "status": 0}),
            )
            .unwrap()
        })
        .collect();
    let mut accounts = TaxAccountMap::new();
    for (title, rate, account) in [
        ("CA State Tax", Decimal::new(725, 4), "2310"),
        ("Los Angeles County Tax", Decimal::new(25, 4), "2320"),
    ] {
        accounts.insert(
            TaxKey::new(title, Some(rate), Some("Shopify"), false),
            GlAccountCode::new(account).unwrap(),
        );
    }
    let draft = map_order(
        &order,
        &SkuIndex::build(StoklyCatalogue::new(&items), &[]),
        &OrderMappingConfig::new(ChannelId::new("chan-shopify").unwrap(), accounts),
    )
    .unwrap();
    let facts = SaleOrderFacts::new(
        SaleOrderId::new("so-1").unwrap(),
        draft,
        Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap(),
    )
    .with_dispatched(LineItemId::from_numeric(21), 1)
    .with_dispatched(LineItemId::from_numeric(22), 3);
    let mut body = order_refunds_body()["data"]["order"].clone();
    let lines = &mut body["refunds"][0]["refundLineItems"];
    lines["nodes"]
        .as_array_mut()
        .unwrap()
        .push(refund_line(21, 1, "80.00", "6.00"));
    lines["pageInfo"]["hasNextPage"] = json!(false);
    let refunds: stokly_shopify::shopify::model::OrderRefunds =
        serde_json::from_value(body).unwrap();
    let config = RefundMappingConfig::new(CurrencyPolicy::ShopMoney).with_restock_location(
        ShopifyLocationId::from_numeric(1),
        LocationId::new("loc-main").unwrap(),
    );
    match map_refund(
        &refunds.refunds[0],
        &refunds,
        SaleOrderState::Posted(&facts),
        &config,
    ) {
        Ok(RefundDecision::Credit(credit)) => credit,
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn credits_are_looked_up_by_refund_in_one_list_and_matched_exactly() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v2/credit-notes"))
        .and(query_param(
            "filter",
            "[externalReference]=*{gid://shopify/Refund/900,gid://shopify/Refund/901}",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [
                {"creditNoteId": "cn-1", "saleOrderId": "so-1", "externalReference": "gid://shopify/Refund/900"},
                {"creditNoteId": "cn-x", "saleOrderId": "so-9", "externalReference": "gid://shopify/Refund/9000"}
            ],
            "metadata": {"count": 2}
        })))
        .expect(1)
        .named("credit look-up")
        .mount(&server)
        .await;
    let found = stokly(&server)
        .find(&[
            "gid://shopify/Refund/900".into(),
            "gid://shopify/Refund/901".into(),
        ])
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found["gid://shopify/Refund/900"].as_str(), "cn-1");
}

#[tokio::test]
async fn a_credit_is_sent_against_its_sale_order_with_lines_movements_and_reference() {
    let credit = credit();
    assert_eq!(credit.total().amount(), Decimal::new(9245, 2));
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v2/saleorders/so-1/credit-notes"))
        .respond_with(ResponseTemplate::new(202).set_body_json(json!({"data": {"id": "cn-7"}})))
        .expect(1)
        .named("create credit note")
        .mount(&server)
        .await;
    let id = stokly(&server).create(&credit).await.unwrap();
    assert_eq!(id.as_str(), "cn-7");
    let requests = server.received_requests().await.unwrap();
    let body: Value = serde_json::from_slice(&requests[0].body).unwrap();
    assert_eq!(
        body,
        json!({
            "currency": "USD",
            "reason": "damaged in transit",
            "externalReference": "gid://shopify/Refund/900",
            "items": [
                {
                    "referenceType": "item", "referenceId": "i-socks", "quantity": 1,
                    "displayPrice": 6, "displayTax": 0.45, "restock": true,
                    "displayLinePrice": 6, "displayLineTax": 0.45,
                    "movements": [{"quantity": 1, "kind": "restock", "locationId": "loc-main"}]
                },
                {
                    "referenceType": "item", "referenceId": "i-sneaker", "quantity": 1,
                    "displayPrice": 80, "displayTax": 6, "restock": true,
                    "displayLinePrice": 80, "displayLineTax": 6,
                    "movements": [{"quantity": 1, "kind": "restock", "locationId": "loc-main"}]
                }
            ],
            "payments": []
        })
    );
}

#[tokio::test]
async fn a_lost_answer_to_a_credit_create_is_uncertain_for_the_protocol() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(502))
        .expect(1)
        .mount(&server)
        .await;
    let err = stokly(&server).create(&credit()).await.unwrap_err();
    assert!(matches!(err, PortError::Uncertain { .. }), "{err:?}");
}
