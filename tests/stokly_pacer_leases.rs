//! A Stokly client with a [`RequestPacer`] that counts requests in flight: every attempt is
//! booked with `book`, its lease released once the answer is in (an error answer too), and
//! released as well when the caller abandons the request mid-flight. No database needed.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use serde_json::json;
use stokly_shopify::RetryConfig;
use stokly_shopify::stokly::{self, ItemId, PacerBooking, RequestPacer};
use tokio::sync::Notify;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ITEM: &str = "0b6f3a8e-1c2d-4e5f-8a9b-0c1d2e3f4a01";

#[derive(Debug, Default)]
struct LeasingPacer {
    booked: Mutex<Vec<String>>,
    released: Mutex<Vec<String>>,
    observed: Mutex<Vec<u32>>,
    on_book: Notify,
    on_release: Notify,
}

#[async_trait]
impl RequestPacer for LeasingPacer {
    async fn reserve(&self) -> Duration {
        panic!("a leasing pacer is booked with book()");
    }
    async fn observe_remaining(&self, remaining: u32) {
        self.observed.lock().unwrap().push(remaining);
    }
    async fn book(&self) -> PacerBooking {
        let lease = {
            let mut booked = self.booked.lock().unwrap();
            let lease = format!("L{}", booked.len() + 1);
            booked.push(lease.clone());
            lease
        };
        self.on_book.notify_one();
        PacerBooking::new(Duration::ZERO, Some(lease))
    }
    async fn release(&self, lease: String) {
        self.released.lock().unwrap().push(lease);
        self.on_release.notify_one();
    }
}

fn client(server: &MockServer, pacer: Arc<LeasingPacer>, retry: RetryConfig) -> stokly::Client {
    stokly::Client::builder()
        .base_url(server.uri())
        .bearer_token("test-token")
        .request_pacer(pacer)
        .retry(retry)
        .build()
        .unwrap()
}

#[tokio::test]
async fn every_attempt_is_booked_and_released_with_its_answer() {
    let server = MockServer::start().await;
    // The first answer is a 503 (retried), then the item.
    Mock::given(method("GET"))
        .and(path(format!("/v0/items/{ITEM}")))
        .respond_with(
            ResponseTemplate::new(503)
                .set_body_json(json!({"message": "busy"}))
                .insert_header("x-ratelimit-remaining", "50"),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v0/items/{ITEM}")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"data": {"itemId": ITEM, "sku": "A"}}))
                .insert_header("x-ratelimit-remaining", "49"),
        )
        .expect(2)
        .mount(&server)
        .await;
    let pacer = Arc::new(LeasingPacer::default());
    let retry = RetryConfig::default().with_initial_backoff(Duration::from_millis(1));
    let c = client(&server, pacer.clone(), retry);
    let id = ItemId::new(ITEM).unwrap();
    c.item(&id).await.unwrap();
    c.item(&id).await.unwrap();
    let booked = pacer.booked.lock().unwrap().clone();
    assert_eq!(booked, vec!["L1", "L2", "L3"]);
    // Each released as its answer came in, the failed attempt's too, in order.
    assert_eq!(*pacer.released.lock().unwrap(), booked);
    assert_eq!(*pacer.observed.lock().unwrap(), vec![50, 49, 49]);
}

#[tokio::test]
async fn an_abandoned_request_releases_its_lease() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/v0/items/{ITEM}")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"data": {"itemId": ITEM, "sku": "A"}}))
                .set_delay(Duration::from_secs(600)),
        )
        .mount(&server)
        .await;
    let pacer = Arc::new(LeasingPacer::default());
    let c = client(&server, pacer.clone(), RetryConfig::disabled());
    let booked = pacer.on_book.notified();
    let call = tokio::spawn(async move { c.item(&ItemId::new(ITEM).unwrap()).await });
    booked.await;
    assert!(pacer.released.lock().unwrap().is_empty());
    // The caller gives up while the request is in flight.
    let released = pacer.on_release.notified();
    call.abort();
    assert!(call.await.unwrap_err().is_cancelled());
    // A guard against a hang, not a measurement: the release is spawned at once.
    tokio::time::timeout(Duration::from_secs(30), released)
        .await
        .expect("the abandoned request's lease is released");
    assert_eq!(*pacer.released.lock().unwrap(), vec!["L1"]);
}
