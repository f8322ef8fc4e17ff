//! Stokly transport against wiremock: retries (429 waited out, 5xx retried for reads but never
//! for a create), the `{message}` error, decode errors with their JSON path, the shared rate
//! budget and `x-ratelimit-remaining`, and the bounded wait-until-visible poll.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code should fail loudly

use std::time::{Duration, Instant};

use rust_decimal::Decimal;
use serde_json::json;
use stokly_shopify::RetryConfig;
use stokly_shopify::stokly::model::{NewSaleOrder, NewSaleOrderLine};
use stokly_shopify::stokly::{
    Client, ClientBuilder, Error, ItemId, RateLimit, SaleOrderId, VisibilityPoll,
};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ITEM: &str = "0b6f3a8e-1c2d-4e5f-8a9b-0c1d2e3f4a01";
const ORDER: &str = "5a1e0000-0000-4000-8000-000000000001";

fn builder(server: &MockServer) -> ClientBuilder {
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
                .with_initial_backoff(Duration::from_millis(10))
                .with_max_backoff(Duration::from_millis(50)),
        )
}

fn client(server: &MockServer) -> Client {
    builder(server).build().unwrap()
}

fn item_answer() -> ResponseTemplate {
    ResponseTemplate::new(200)
        .set_body_json(json!({"data": {"itemId": ITEM, "sku": "A"}}))
        .insert_header("x-ratelimit-remaining", "100")
}

fn order() -> NewSaleOrder {
    NewSaleOrder::new(
        "GBP".parse().unwrap(),
        vec![NewSaleOrderLine::item(
            ItemId::new(ITEM).unwrap(),
            Decimal::ONE,
        )],
    )
}

#[tokio::test]
async fn a_429_is_waited_out_then_retried() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/v0/items/{ITEM}")))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "1")
                .set_body_json(json!({"message": "Too many requests"})),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .named("throttled once")
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v0/items/{ITEM}")))
        .and(header("authorization", "Bearer test-token"))
        .and(header("accept", "application/json"))
        .respond_with(item_answer())
        .with_priority(2)
        .named("then served")
        .expect(1)
        .mount(&server)
        .await;
    let started = Instant::now();
    client(&server)
        .item(&ItemId::new(ITEM).unwrap())
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_create_is_not_retried_after_a_500() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v2/saleorders"))
        .respond_with(
            ResponseTemplate::new(500).set_body_json(json!({"message": "Internal error"})),
        )
        .named("failed create")
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server)
        .create_sale_order(&order())
        .await
        .unwrap_err();
    match &err {
        Error::Api {
            status, message, ..
        } => {
            assert_eq!(*status, 500);
            assert_eq!(message.as_deref(), Some("Internal error"));
        }
        other => panic!("{other:?}"),
    }
    // The caller may decide to retry after checking for the order; the client did not.
    assert!(err.is_retryable());
}

#[tokio::test]
async fn a_create_is_retried_after_a_429() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v2/saleorders"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "0"))
        .up_to_n_times(1)
        .with_priority(1)
        .named("refused, not processed")
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v2/saleorders"))
        .and(header("content-type", "application/json"))
        .respond_with(ResponseTemplate::new(202).set_body_json(json!({"data": {"id": ORDER}})))
        .with_priority(2)
        .named("accepted")
        .expect(1)
        .mount(&server)
        .await;
    let id = client(&server).create_sale_order(&order()).await.unwrap();
    assert_eq!(id, SaleOrderId::new(ORDER).unwrap());
}

#[tokio::test]
async fn reads_are_retried_after_a_5xx() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/v0/items/{ITEM}")))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .with_priority(1)
        .named("unavailable twice")
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v0/items/{ITEM}")))
        .respond_with(item_answer())
        .with_priority(2)
        .named("then served")
        .expect(1)
        .mount(&server)
        .await;
    client(&server)
        .item(&ItemId::new(ITEM).unwrap())
        .await
        .unwrap();
}

#[tokio::test]
async fn reads_give_up_after_the_configured_attempts() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(502).set_body_string("<html>bad gateway</html>"))
        .named("always failing")
        .expect(3)
        .mount(&server)
        .await;
    let c = builder(&server)
        .retry(
            RetryConfig::default()
                .with_max_attempts(3)
                .with_initial_backoff(Duration::from_millis(5)),
        )
        .build()
        .unwrap();
    let err = c.item(&ItemId::new(ITEM).unwrap()).await.unwrap_err();
    assert_eq!(err.status(), Some(502));
    assert_eq!(err.message(), None);
    assert!(err.to_string().contains("bad gateway"), "{err}");
}

#[tokio::test]
async fn the_message_of_an_error_body_is_surfaced() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v2/saleorders"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "message": "currency must be a valid ISO 4217 code",
            "errors": [{"field": "currency"}]
        })))
        .named("validation error")
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server)
        .create_sale_order(&order())
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400));
    assert_eq!(
        err.message(),
        Some("currency must be a valid ISO 4217 code")
    );
    assert_eq!(
        err.to_string(),
        "HTTP 400 during POST /v2/saleorders: currency must be a valid ISO 4217 code"
    );
    assert!(!err.is_retryable());
    let Error::Api { body, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(body.contains("\"errors\""), "the raw body is kept: {body}");
}

#[tokio::test]
async fn not_found_is_recognisable() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"message": "Not found"})))
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server)
        .sale_order(&SaleOrderId::new(ORDER).unwrap())
        .await
        .unwrap_err();
    assert!(err.is_not_found());
}

#[tokio::test]
async fn decode_errors_name_the_json_path() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"data": {"itemId": ITEM, "format": "simple"}})),
        )
        .expect(1)
        .mount(&server)
        .await;
    match client(&server).item(&ItemId::new(ITEM).unwrap()).await {
        Err(Error::Decode {
            path, operation, ..
        }) => {
            assert_eq!(path, "data.format");
            assert_eq!(operation, format!("GET /v0/items/{ITEM}"));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn the_rate_budget_is_shared_by_clones() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(item_answer())
        .named("six reads")
        .expect(6)
        .mount(&server)
        .await;
    let a = builder(&server)
        .rate_limit(RateLimit::default().with_requests_per_second(5.0))
        .build()
        .unwrap();
    let b = a.clone();
    let id = ItemId::new(ITEM).unwrap();
    let started = Instant::now();
    for i in 0..6 {
        let c = if i % 2 == 0 { &a } else { &b };
        c.item(&id).await.unwrap();
    }
    // Five intervals of 200 ms between six requests, whichever clone sends them.
    assert!(
        started.elapsed() >= Duration::from_millis(990),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(a.rate_limit_remaining(), Some(100));
}

#[tokio::test]
async fn low_x_ratelimit_remaining_pauses_until_the_window_ends() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(item_answer().insert_header("x-ratelimit-remaining", "2"))
        .up_to_n_times(1)
        .with_priority(1)
        .named("nearly spent")
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(item_answer().insert_header("x-ratelimit-remaining", "59"))
        .with_priority(2)
        .named("new window")
        .expect(2)
        .mount(&server)
        .await;
    let c = builder(&server)
        .rate_limit(
            RateLimit::default()
                .with_requests_per_second(1000.0)
                .with_burst(100)
                .with_window(Duration::from_secs(1)),
        )
        .build()
        .unwrap();
    let id = ItemId::new(ITEM).unwrap();
    assert_eq!(c.rate_limit_wait(), Duration::ZERO);
    let started = Instant::now();
    c.item(&id).await.unwrap();
    assert_eq!(c.rate_limit_remaining(), Some(2));
    // At the watermark: the next request waits for the end of the one-second window.
    c.item(&id).await.unwrap();
    let paused = started.elapsed();
    assert!(paused >= Duration::from_millis(900), "{paused:?}");
    assert_eq!(c.rate_limit_remaining(), Some(59));
    // The count went up: a new window, no pause.
    assert_eq!(c.rate_limit_wait(), Duration::ZERO);
    c.item(&id).await.unwrap();
    assert_eq!(c.requests_in_flight(), 0);
}

fn quick_poll() -> VisibilityPoll {
    VisibilityPoll::default()
        .with_max_attempts(3)
        .with_initial_delay(Duration::from_millis(20))
        .with_max_delay(Duration::from_millis(40))
}

#[tokio::test]
async fn waits_until_a_written_record_is_visible() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/v2/saleorders/{ORDER}")))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"message": "Not found"})))
        .up_to_n_times(2)
        .with_priority(1)
        .named("not yet")
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v2/saleorders/{ORDER}")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"data": {"saleOrderId": ORDER, "niceId": 1001}})),
        )
        .with_priority(2)
        .named("visible")
        .expect(1)
        .mount(&server)
        .await;
    let c = builder(&server)
        .visibility_poll(quick_poll())
        .build()
        .unwrap();
    let order = c
        .wait_for_sale_order(&SaleOrderId::new(ORDER).unwrap())
        .await
        .unwrap();
    assert_eq!(order.nice_id, Some(1001));
}

#[tokio::test]
async fn gives_up_waiting_with_a_clear_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404))
        .named("never visible")
        .expect(3)
        .mount(&server)
        .await;
    let c = builder(&server)
        .visibility_poll(quick_poll())
        .build()
        .unwrap();
    let err = c
        .wait_for_sale_order(&SaleOrderId::new(ORDER).unwrap())
        .await
        .unwrap_err();
    match &err {
        Error::NotVisible {
            what,
            attempts,
            waited,
        } => {
            assert_eq!(what, &format!("sale order {ORDER}"));
            assert_eq!(*attempts, 3);
            assert!(*waited >= Duration::from_millis(60), "{waited:?}");
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("was not visible after 3 reads"));
    assert!(err.is_retryable());
}

#[tokio::test]
async fn a_custom_visibility_check_stops_on_other_errors() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({"message": "Forbidden"})))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let id = ItemId::new(ITEM).unwrap();
    let err = c
        .wait_until_visible_with(quick_poll(), "item deleted", || async {
            let item = c.item(&id).await?;
            Ok(item.is_deleted().then_some(item))
        })
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(403));
}

#[tokio::test]
async fn abandoned_requests_do_not_hold_the_budget() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v0/items/slow"))
        .respond_with(item_answer().set_delay(Duration::from_secs(5)))
        .named("slow reads, abandoned")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v0/items/{ITEM}")))
        .respond_with(item_answer().insert_header("x-ratelimit-remaining", "5"))
        .named("fast reads")
        .expect(2)
        .mount(&server)
        .await;
    let c = builder(&server)
        .rate_limit(
            RateLimit::default()
                .with_requests_per_second(1000.0)
                .with_burst(100)
                .with_window(Duration::from_secs(30)),
        )
        .build()
        .unwrap();
    let id = ItemId::new(ITEM).unwrap();
    c.item(&id).await.unwrap();
    let slow = ItemId::new("slow").unwrap();
    for _ in 0..2 {
        let abandoned = tokio::time::timeout(Duration::from_millis(50), c.item(&slow)).await;
        assert!(abandoned.is_err());
    }
    // 5 remaining: had the two abandoned bookings leaked, 5 - 2 = 3 would pause for the
    // 30-second window.
    assert_eq!(c.requests_in_flight(), 0);
    assert_eq!(c.rate_limit_wait(), Duration::ZERO);
    c.item(&id).await.unwrap();
    assert_eq!(c.requests_in_flight(), 0);
}
