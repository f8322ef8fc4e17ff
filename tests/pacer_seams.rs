//! The pacing seams the fleet's shared budgets plug into: a Shopify client given a
//! [`CostPacer`] reserves each attempt's expected cost there and settles it with the answer's
//! `extensions.cost`; a Stokly client given a [`RequestPacer`] books each attempt there and
//! reports every `x-ratelimit-remaining`. Both wait what the pacer says. No database needed.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use serde_json::{Value, json};
use stokly_shopify::shopify::{self, CostPacer, GraphQlRequest, PacedRequest, QueryCost};
use stokly_shopify::stokly::{self, ItemId, RequestPacer};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[derive(Debug, Default)]
struct RecordingCostPacer {
    wait: Duration,
    reserved: Mutex<Vec<f64>>,
    settled: Mutex<Vec<(f64, Option<QueryCost>)>>,
}

#[async_trait]
impl CostPacer for RecordingCostPacer {
    async fn reserve(&self, cost: f64) -> PacedRequest {
        self.reserved.lock().unwrap().push(cost);
        PacedRequest::new(self.wait, cost)
    }
    async fn settle(&self, reserved: f64, cost: Option<&QueryCost>) {
        self.settled.lock().unwrap().push((reserved, cost.copied()));
    }
}

fn graphql_answer() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "data": {"shop": {"id": "gid://shopify/Shop/1"}},
        "extensions": {"cost": {
            "requestedQueryCost": 3, "actualQueryCost": 2,
            "throttleStatus": {"maximumAvailable": 2000.0, "currentlyAvailable": 1998.0, "restoreRate": 100.0}
        }}
    }))
}

#[tokio::test]
async fn a_shopify_client_paces_through_its_cost_pacer_and_settles_with_the_answer() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/admin/api/2026-07/graphql.json"))
        .respond_with(graphql_answer())
        .expect(2)
        .named("graphql")
        .mount(&server)
        .await;
    let pacer = std::sync::Arc::new(RecordingCostPacer {
        wait: Duration::from_millis(300),
        ..RecordingCostPacer::default()
    });
    let client = shopify::Client::builder()
        .shop("acme-store.myshopify.com")
        .access_token("shpat_test")
        .api_version("2026-07")
        .base_url(server.uri())
        .cost_pacer(pacer.clone())
        .build()
        .unwrap();
    let request = GraphQlRequest::query("query Shop { shop { id } }", "Shop").cost_hint(7.0);
    let started = Instant::now();
    let _: Value = client.query(&request).await.unwrap();
    let _: Value = client.query(&request).await.unwrap();
    // Each attempt waited what the pacer said.
    assert!(started.elapsed() >= Duration::from_millis(600));
    // The hint first, then the cost Shopify reported for the operation.
    assert_eq!(*pacer.reserved.lock().unwrap(), vec![7.0, 3.0]);
    let settled = pacer.settled.lock().unwrap();
    assert_eq!(settled.len(), 2);
    assert_eq!(settled[0].0, 7.0);
    assert_eq!(settled[1].0, 3.0);
    let cost = settled[1].1.unwrap();
    assert_eq!(cost.actual_query_cost, Some(2.0));
    assert_eq!(
        cost.throttle_status.map(|s| s.currently_available),
        Some(1998.0)
    );
    // The client still learns the bucket for itself.
    assert_eq!(
        client.throttle_status().map(|s| s.maximum_available),
        Some(2000.0)
    );
}

#[derive(Debug, Default)]
struct RecordingRequestPacer {
    booked: Mutex<u32>,
    remaining: Mutex<Vec<u32>>,
}

#[async_trait]
impl RequestPacer for RecordingRequestPacer {
    async fn reserve(&self) -> Duration {
        *self.booked.lock().unwrap() += 1;
        Duration::from_millis(200)
    }
    async fn observe_remaining(&self, remaining: u32) {
        self.remaining.lock().unwrap().push(remaining);
    }
}

#[tokio::test]
async fn a_stokly_client_books_every_attempt_with_its_request_pacer() {
    const ITEM: &str = "0b6f3a8e-1c2d-4e5f-8a9b-0c1d2e3f4a01";
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/v0/items/{ITEM}")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"data": {"itemId": ITEM, "sku": "A"}}))
                .insert_header("x-ratelimit-remaining", "117"),
        )
        .expect(2)
        .named("item")
        .mount(&server)
        .await;
    let pacer = std::sync::Arc::new(RecordingRequestPacer::default());
    let client = stokly::Client::builder()
        .base_url(server.uri())
        .bearer_token("test-token")
        .request_pacer(pacer.clone())
        .build()
        .unwrap();
    let started = Instant::now();
    let id = ItemId::new(ITEM).unwrap();
    client.item(&id).await.unwrap();
    client.item(&id).await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(400));
    assert_eq!(*pacer.booked.lock().unwrap(), 2);
    assert_eq!(*pacer.remaining.lock().unwrap(), vec![117, 117]);
    assert_eq!(client.rate_limit_remaining(), Some(117));
    // The in-process budget books nothing while a pacer paces.
    assert_eq!(client.requests_in_flight(), 0);
}
