//! The complete read of one order (`Client::order`) against wiremock: transactions beyond the
//! first read are read again in one request sized to `transactionsCount`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code should fail loudly

mod support;

use serde_json::{Value, json};
use stokly_shopify::shopify::model::CountPrecision;
use stokly_shopify::shopify::{FIRST_READ_TRANSACTIONS, OrderId};
use support::*;
use wiremock::matchers::{body_partial_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn transaction(id: usize) -> Value {
    let money = json!({"amount": "1.00", "currencyCode": "GBP"});
    json!({"id": format!("gid://shopify/OrderTransaction/{id}"), "kind": "AUTHORIZATION",
           "status": "FAILURE", "gateway": "manual", "test": false, "processedAt": null,
           "amountSet": {"shopMoney": money, "presentmentMoney": money}})
}

/// The fixture order with `read` of `count` transactions.
fn order_with(read: usize, count: usize) -> Value {
    let mut body = fixture("shopify/orders/vat_included_discounts.json");
    let order = body.pointer_mut("/data/order").unwrap();
    order["transactions"] = (1..=read).map(transaction).collect();
    order["transactionsCount"] = json!({"count": count, "precision": "EXACT"});
    body
}

#[tokio::test]
async fn an_order_with_more_transactions_than_the_first_read_is_read_again_in_full() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(PATH))
        .and(body_partial_json(
            json!({"operationName": "Order", "variables": {"id": "gid://shopify/Order/5501"}}),
        ))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(order_with(FIRST_READ_TRANSACTIONS, 180)),
        )
        .expect(1)
        .named("order")
        .mount(&server)
        .await;
    let all: Vec<Value> = (1..=180).map(transaction).collect();
    Mock::given(method("POST"))
        .and(path(PATH))
        .and(body_partial_json(json!({
            "operationName": "OrderTransactions",
            "variables": {"id": "gid://shopify/Order/5501", "first": 180}
        })))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"data": {"order": {
                "transactionsCount": {"count": 180, "precision": "EXACT"},
                "transactions": all,
            }}})),
        )
        .expect(1)
        .named("all transactions")
        .mount(&server)
        .await;
    let order = client(&server)
        .order(&OrderId::from_numeric(5501))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(order.transactions.len(), 180);
    assert_eq!(order.transactions[179].id.numeric_id(), 180);
    let count = order.transactions_count.unwrap();
    assert_eq!((count.count, count.precision), (180, CountPrecision::Exact));
    let sent = server.received_requests().await.unwrap();
    let second: Value = serde_json::from_slice(&sent[1].body).unwrap();
    let query = second["query"].as_str().unwrap();
    assert!(query.contains("transactions(first: $first)"), "{query}");
    assert!(
        !query.contains("lineItems"),
        "only the transactions are read again"
    );
}

#[tokio::test]
async fn an_order_whose_transactions_all_came_back_is_read_once() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(order_with(3, 3)))
        .expect(1)
        .named("order only")
        .mount(&server)
        .await;
    let order = client(&server)
        .order(&OrderId::from_numeric(5501))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(order.transactions.len(), 3);
}
