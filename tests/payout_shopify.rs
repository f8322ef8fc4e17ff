//! Payout and balance-transaction reads of the Shopify client against wiremock: the exact
//! requests, the decoded models, and the typed error when the payments account is denied.
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
use stokly_shopify::shopify::model::{BalanceSourceType, PayoutStatus};
use stokly_shopify::shopify::{
    DEFAULT_PAYOUT_OVERLAP, Error, PAYOUTS_SCOPE, PayoutCursor, PayoutId,
    payout_transactions_search,
};
use support::*;
use wiremock::matchers::{body_partial_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn money(amount: &str) -> Value {
    json!({"amount": amount, "currencyCode": "USD"})
}

fn payout(id: u64, status: &str, issued: &str) -> Value {
    json!({
        "id": format!("gid://shopify/ShopifyPaymentsPayout/{id}"),
        "issuedAt": issued,
        "status": status,
        "transactionType": "DEPOSIT",
        "externalTraceId": "TRACE-9",
        "net": money("41.90"),
        "summary": {
            "adjustmentsFee": money("0.00"), "adjustmentsGross": money("0.00"),
            "advanceFees": money("0.00"), "advanceGross": money("0.00"),
            "chargesFee": money("2.00"), "chargesGross": money("43.90"),
            "refundsFee": money("0.00"), "refundsFeeGross": money("0.00"),
            "reservedFundsFee": money("0.00"), "reservedFundsGross": money("0.00"),
            "retriedPayoutsFee": money("0.00"), "retriedPayoutsGross": money("0.00"),
        }
    })
}

#[tokio::test]
async fn a_page_of_payouts_sends_the_cursor_search_and_decodes_every_field() {
    let server = MockServer::start().await;
    let cursor = PayoutCursor::at(Utc.with_ymd_and_hms(2026, 11, 30, 0, 0, 0).unwrap());
    let search = cursor.search(DEFAULT_PAYOUT_OVERLAP).unwrap();
    assert_eq!(search, "issued_at:>='2026-10-31T00:00:00Z'");
    Mock::given(method("POST"))
        .and(path(PATH))
        .and(body_partial_json(json!({
            "operationName": "ShopifyPaymentsPayouts",
            "variables": {"first": 50, "after": "c0", "query": "issued_at:>='2026-10-31T00:00:00Z'"}
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": {
            "shopifyPaymentsAccount": {"payouts": {
                "nodes": [
                    payout(1, "PAID", "2026-11-02T00:00:00Z"),
                    payout(2, "SCHEDULED", "2026-11-03T00:00:00Z"),
                    payout(3, "PAID", "2026-11-04T00:00:00Z"),
                ],
                "pageInfo": {"hasNextPage": true, "endCursor": "c1"}
            }}
        }})))
        .expect(1)
        .named("payouts page")
        .mount(&server)
        .await;
    let page = client(&server)
        .payouts_page(Some(&search), Some("c0"), 50)
        .await
        .unwrap();
    assert_eq!(page.page_info.end_cursor.as_deref(), Some("c1"));
    let first = &page.nodes[0];
    assert_eq!(first.id, PayoutId::from_numeric(1));
    assert_eq!(first.status, PayoutStatus::Paid);
    assert_eq!(first.net.amount(), Decimal::new(4190, 2));
    assert_eq!(first.summary.charges_gross.amount(), Decimal::new(4390, 2));
    assert_eq!(first.external_trace_id.as_deref(), Some("TRACE-9"));

    // The cursor stops before the first unsettled payout.
    let mut cursor = PayoutCursor::start();
    cursor.advance(&page.nodes);
    assert_eq!(
        cursor.issued_at,
        Some(Utc.with_ymd_and_hms(2026, 11, 2, 0, 0, 0).unwrap())
    );
}

#[tokio::test]
async fn balance_transactions_are_read_by_payout_with_sort_by_id() {
    let server = MockServer::start().await;
    let search = payout_transactions_search(&PayoutId::from_numeric(623721858));
    assert_eq!(search, "payments_transfer_id:623721858");
    Mock::given(body_partial_json(json!({
        "operationName": "ShopifyPaymentsBalanceTransactions",
        "variables": {"first": 250, "after": null, "query": "payments_transfer_id:623721858"}
    })))
    .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": {
        "shopifyPaymentsAccount": {"balanceTransactions": {
            "nodes": [{
                "id": "gid://shopify/ShopifyPaymentsBalanceTransaction/77",
                "type": "DISPUTE_WITHDRAWAL", "test": false,
                "amount": money("-11.50"), "fee": money("15.00"), "net": money("-26.50"),
                "sourceType": "DISPUTE", "sourceId": "1234", "sourceOrderTransactionId": null,
                "associatedOrder": {"id": "gid://shopify/Order/5", "name": "#1005"},
                "associatedPayout": {"id": "gid://shopify/ShopifyPaymentsPayout/623721858", "status": "PAID"},
                "adjustmentReason": null,
                "adjustmentsOrders": [{"orderTransactionId": "99", "name": "#1005",
                    "amount": money("1.00"), "fees": money("0.00"), "net": money("1.00")}],
                "transactionDate": "2026-11-01T10:00:00Z"
            }],
            "pageInfo": {"hasNextPage": false, "endCursor": "e"}
        }}
    }})))
    .expect(1)
    .named("transactions page")
    .mount(&server)
    .await;
    let page = client(&server)
        .balance_transactions_page(Some(&search), None, 250)
        .await
        .unwrap();
    let tx = &page.nodes[0];
    assert_eq!(tx.transaction_type.as_str(), "DISPUTE_WITHDRAWAL");
    assert_eq!(tx.source_type, Some(BalanceSourceType::Dispute));
    assert_eq!(tx.source_id, Some(1234));
    assert_eq!(tx.net.amount(), Decimal::new(-2650, 2));
    assert_eq!(tx.adjustments_orders[0].order_transaction_id, 99);
    assert_eq!(
        tx.associated_payout.id,
        Some(PayoutId::from_numeric(623721858))
    );
}

#[tokio::test]
async fn access_denied_is_a_typed_error_naming_the_scope() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "errors": [{"message": "Access denied for shopifyPaymentsAccount field. Required access: `read_shopify_payments_payouts` access scope.",
                "path": ["shopifyPaymentsAccount"], "extensions": {"code": "ACCESS_DENIED"}}],
            "data": {"shopifyPaymentsAccount": null}
        })))
        .expect(1)
        .named("denied")
        .mount(&server)
        .await;
    let err = client(&server)
        .payouts_page(None, None, 10)
        .await
        .unwrap_err();
    let Error::AccessDenied {
        operation, scope, ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(operation, "ShopifyPaymentsPayouts");
    assert_eq!(*scope, PAYOUTS_SCOPE);
    assert!(err.to_string().contains("read_shopify_payments_payouts"));
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn a_null_account_without_errors_is_the_same_typed_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"data": {"shopifyPaymentsAccount": null}})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server)
        .balance_transactions_page(None, None, 10)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::AccessDenied { scope, reason, .. } if *scope == "read_shopify_payments_payouts" && reason.contains("null")),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_page_size_over_250_is_refused_before_sending() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    let err = client(&server)
        .payouts_page(None, None, 251)
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        Error::InvalidArgument {
            argument: "first",
            ..
        }
    ));
}

fn payouts_page(nodes: Vec<Value>, next: Option<&str>) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(
        json!({"data": {"shopifyPaymentsAccount": {"payouts": {
            "nodes": nodes,
            "pageInfo": {"hasNextPage": next.is_some(), "endCursor": next}
        }}}}),
    )
}

#[tokio::test]
async fn read_payouts_follows_every_page_and_returns_the_cursor_to_store() {
    use stokly_shopify::adapters::payouts::read_payouts;
    let server = MockServer::start().await;
    Mock::given(body_partial_json(
        json!({"operationName": "ShopifyPaymentsPayouts", "variables": {"first": 250, "after": null, "query": null}}),
    ))
    .respond_with(payouts_page(
        vec![payout(1, "PAID", "2026-11-02T00:00:00Z")],
        Some("p1"),
    ))
    .expect(1)
    .named("page 1")
    .mount(&server)
    .await;
    Mock::given(body_partial_json(json!({"variables": {"after": "p1"}})))
        .respond_with(payouts_page(
            vec![
                payout(2, "FAILED", "2026-11-05T00:00:00Z"),
                payout(3, "SCHEDULED", "2026-11-08T00:00:00Z"),
            ],
            None,
        ))
        .expect(1)
        .named("page 2")
        .mount(&server)
        .await;
    let (payouts, cursor) = read_payouts(
        &client(&server),
        &PayoutCursor::start(),
        DEFAULT_PAYOUT_OVERLAP,
    )
    .await
    .unwrap();
    assert_eq!(payouts.len(), 3);
    assert_eq!(
        cursor,
        PayoutCursor::at(Utc.with_ymd_and_hms(2026, 11, 5, 0, 0, 0).unwrap())
    );
}

#[tokio::test]
async fn read_payouts_stops_on_a_repeated_page_cursor() {
    use stokly_shopify::adapters::payouts::read_payouts;
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(payouts_page(
            vec![payout(1, "PAID", "2026-11-02T00:00:00Z")],
            Some("same"),
        ))
        .expect(2)
        .mount(&server)
        .await;
    let err = read_payouts(
        &client(&server),
        &PayoutCursor::start(),
        DEFAULT_PAYOUT_OVERLAP,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::Pagination { .. }), "{err:?}");
}
