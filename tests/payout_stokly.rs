//! The Stokly journal port on the inferred path, against wiremock: the batched look-up by
//! reference and the exact create body of a reconciled payout journal.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code should fail loudly

use serde_json::{Value, json};
use stokly_shopify::RetryConfig;
use stokly_shopify::adapters::payouts::JournalPort;
use stokly_shopify::domain::payout::{PayoutAction, ReconcileConfig, reconcile_payout};
use stokly_shopify::domain::posting::PortError;
use stokly_shopify::sandbox::payouts::PayoutMonth;
use stokly_shopify::stokly::{Client, RateLimit};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn client(server: &MockServer) -> Client {
    Client::builder()
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

#[tokio::test]
async fn journals_are_looked_up_by_reference_in_one_list_and_matched_exactly() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v0/journals"))
        .and(query_param(
            "filter",
            "[reference]=*{shopify-payout-7001,shopify-payout-7002}",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [
                {"journalId": "j-1", "reference": "shopify-payout-7001"},
                {"journalId": "j-x", "reference": "shopify-payout-70010"}
            ],
            "metadata": {"count": 2}
        })))
        .expect(1)
        .named("journal look-up")
        .mount(&server)
        .await;
    let found = client(&server)
        .find(&["shopify-payout-7001".into(), "shopify-payout-7002".into()])
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found["shopify-payout-7001"], "j-1");
}

#[tokio::test]
async fn a_payout_journal_is_sent_balanced_with_its_reference_and_legs() {
    let month = PayoutMonth::generate(5).unwrap();
    let (payout, txs) = &month.payouts[3];
    let r = reconcile_payout(
        payout,
        txs,
        &month.posted,
        &month.chart,
        &ReconcileConfig::new(month.month_end),
    );
    let PayoutAction::Post(journal) = r.action else {
        panic!("{:?}", r.action)
    };
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v0/journals"))
        .respond_with(ResponseTemplate::new(202).set_body_json(json!({"data": {"id": "j-7"}})))
        .expect(1)
        .named("create journal")
        .mount(&server)
        .await;
    let id = client(&server).create(&journal).await.unwrap();
    assert_eq!(id, "j-7");
    let requests = server.received_requests().await.unwrap();
    let body: Value = serde_json::from_slice(&requests[0].body).unwrap();
    assert_eq!(body["reference"], "shopify-payout-7004");
    assert_eq!(body["currency"], "GBP");
    let lines = body["lines"].as_array().unwrap();
    assert_eq!(lines.len(), journal.lines().len());
    let bank = lines
        .iter()
        .find(|l| l["description"] == "bank deposit")
        .unwrap();
    assert_eq!(
        bank["debit"]
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| bank["debit"].to_string()),
        payout.net.amount().to_string()
    );
}

#[tokio::test]
async fn a_lost_answer_to_a_create_is_uncertain_for_the_protocol() {
    let month = PayoutMonth::generate(5).unwrap();
    let (payout, txs) = &month.payouts[0];
    let r = reconcile_payout(
        payout,
        txs,
        &month.posted,
        &month.chart,
        &ReconcileConfig::new(month.month_end),
    );
    let PayoutAction::Post(journal) = r.action else {
        panic!()
    };
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(502))
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server).create(&journal).await.unwrap_err();
    assert!(matches!(err, PortError::Uncertain { .. }), "{err:?}");
}
