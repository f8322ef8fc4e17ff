//! The cooldown after a failed Stokly grant, against wiremock: after a grant fails (5xx,
//! refused, 429 with `Retry-After`, unreachable), calls made before the cooldown ends send no
//! grant and get the failed grant's error with the rest of the cooldown as `retry_after`;
//! the first call after it grants again, once for any number of concurrent callers; failures
//! in a row double the cooldown. Time moves by jumping the runtime's clock
//! (`tokio::time::advance`), never by waiting, and every cooldown is far longer than the test
//! runs, so nothing depends on how fast the machine is.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code should fail loudly

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::json;
use stokly_shopify::RetryConfig;
use stokly_shopify::stokly::{Client, ClientBuilder, Error, GrantCooldown};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

mod support;

use support::stokly::{
    ITEM, SECRET, SIGNATURE, app_client, grant_answer, grant_requests, in_an_hour, item_answer,
    item_id, on_grant,
};

const CONCURRENT: usize = 25;

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// One failed grant is one request (no retries inside the grant), so counts are exact.
fn builder(base: impl Into<String>) -> ClientBuilder {
    app_client(base).retry(RetryConfig::disabled())
}

/// Cooldowns of a minute and more: the test's own run time never reaches them.
fn long_cooldown() -> GrantCooldown {
    GrantCooldown::default()
        .with_initial(secs(60))
        .with_max(secs(3600))
}

fn grant_ok(token: &str) -> ResponseTemplate {
    grant_answer(token, in_an_hour())
}

fn grant_down() -> ResponseTemplate {
    ResponseTemplate::new(503).set_body_json(json!({"message": "Service Unavailable"}))
}

/// Stokly is back: the grant answers `token` (once, expected), and `items` reads of the item
/// with that token are answered (and expected).
async fn stokly_back(server: &MockServer, token: &str, items: u64) {
    server.reset().await;
    on_grant(grant_ok(token))
        .named("grant back")
        .expect(1)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v0/items/{ITEM}")))
        .and(header("authorization", format!("Bearer {token}")))
        .respond_with(item_answer())
        .named("items")
        .expect(items)
        .mount(server)
        .await;
}

/// Moves the runtime's clock forward (the cooldown runs on it) without waiting.
async fn jump(by: Duration) {
    tokio::time::pause();
    tokio::time::advance(by).await;
    tokio::time::resume();
}

async fn grants(server: &MockServer) -> usize {
    grant_requests(server).await
}

async fn item_gets(server: &MockServer) -> usize {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == format!("/v0/items/{ITEM}"))
        .count()
}

async fn concurrent_items(c: &Client) -> Vec<Result<(), Error>> {
    let calls = (0..CONCURRENT).map(|_| {
        let c = c.clone();
        async move { c.item(&item_id()).await.map(|_| ()) }
    });
    futures::future::join_all(calls).await
}

/// The failed grant's error, with `retry_after` within `(0, at_most]`.
fn assert_cooling(err: &Error, status: Option<u16>, reason: &str, at_most: Duration) {
    match err {
        Error::Grant {
            status: s,
            reason: r,
            retry_after,
        } => {
            assert_eq!(*s, status, "{err:?}");
            assert_eq!(r, reason, "{err:?}");
            let wait = retry_after.expect("a cooling grant error says when to come back");
            assert!(
                !wait.is_zero() && wait <= at_most,
                "{wait:?} not in (0, {at_most:?}]"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn after_a_failed_grant_concurrent_calls_send_no_grant_until_the_cooldown_ends() {
    let server = MockServer::start().await;
    on_grant(grant_down())
        .named("grant outage")
        .mount(&server)
        .await;
    // Default cooldown: 5 s after the first failure.
    let c = builder(server.uri()).build().unwrap();

    let err = c.item(&item_id()).await.unwrap_err();
    // The caller that made the grant learns when the cooldown ends: exactly 5 s.
    match &err {
        Error::Grant {
            status,
            reason,
            retry_after,
        } => {
            assert_eq!(*status, Some(503));
            assert_eq!(reason, "Service Unavailable");
            assert_eq!(*retry_after, Some(secs(5)));
        }
        other => panic!("{other:?}"),
    }
    assert!(err.is_retryable());
    assert_eq!(grants(&server).await, 1);

    // Twenty-five concurrent calls (from clones) during the cooldown: no grant at all, each
    // gets the grant's error at once, nothing else is sent.
    let results = concurrent_items(&c).await;
    assert_eq!(results.len(), CONCURRENT);
    for result in &results {
        assert_cooling(
            result.as_ref().unwrap_err(),
            Some(503),
            "Service Unavailable",
            secs(5),
        );
    }
    // And a call after them, still inside the cooldown.
    assert_cooling(
        &c.clone().item(&item_id()).await.unwrap_err(),
        Some(503),
        "Service Unavailable",
        secs(5),
    );
    assert_eq!(grants(&server).await, 1);
    assert_eq!(item_gets(&server).await, 0);

    // The cooldown ends; Stokly is back. Twenty-five concurrent calls: one grant, then every
    // call is sent with its token.
    jump(secs(5)).await;
    stokly_back(&server, "token-B", CONCURRENT as u64).await;
    for result in concurrent_items(&c).await {
        result.unwrap();
    }
    assert_eq!(grants(&server).await, 1);
}

#[tokio::test]
async fn failed_grants_in_a_row_double_the_cooldown_and_a_success_resets_it() {
    let server = MockServer::start().await;
    on_grant(grant_down())
        .named("grant outage")
        .mount(&server)
        .await;
    let c = builder(server.uri())
        .grant_cooldown(long_cooldown())
        .build()
        .unwrap();

    let err = c.item(&item_id()).await.unwrap_err();
    assert_eq!(err.retry_after(), Some(secs(60)));
    assert_eq!(grants(&server).await, 1);

    // After the first cooldown (60 s) the next call grants; it fails again: 120 s now.
    jump(secs(60)).await;
    let err = c.item(&item_id()).await.unwrap_err();
    assert_eq!(err.retry_after(), Some(secs(120)));
    assert_eq!(grants(&server).await, 2);

    // 60 s into the second cooldown: turned away, no grant, about 60 s left.
    jump(secs(60)).await;
    let results = concurrent_items(&c).await;
    for result in &results {
        assert_cooling(
            result.as_ref().unwrap_err(),
            Some(503),
            "Service Unavailable",
            secs(60),
        );
    }
    assert_eq!(grants(&server).await, 2);

    // Its end: one grant again, which succeeds.
    jump(secs(60)).await;
    stokly_back(&server, "token-C", 1).await;
    c.item(&item_id()).await.unwrap();
    server.verify().await;

    // The success reset the count: a later failed grant cools down 60 s again, not 240 s.
    server.reset().await;
    on_grant(grant_down()).mount(&server).await;
    Mock::given(method("GET"))
        .and(path(format!("/v0/items/{ITEM}")))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"message": "jwt expired"})))
        .mount(&server)
        .await;
    let err = c.item(&item_id()).await.unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(err.retry_after(), Some(secs(60)));
    assert_eq!(grants(&server).await, 1);
}

#[tokio::test]
async fn a_grant_retry_after_longer_than_the_cooldown_is_honoured() {
    let server = MockServer::start().await;
    on_grant(
        ResponseTemplate::new(429)
            .insert_header("retry-after", "90")
            .set_body_json(json!({"message": "Too Many Requests"})),
    )
    .named("grant throttled")
    .mount(&server)
    .await;
    let c = builder(server.uri())
        .grant_cooldown(long_cooldown())
        .build()
        .unwrap();
    let err = c.item(&item_id()).await.unwrap_err();
    assert_eq!(err.status(), Some(429));
    assert_eq!(err.retry_after(), Some(secs(90)));
    assert_eq!(grants(&server).await, 1);

    // Past our own 60 s, inside Stokly's 90 s: no grant.
    jump(secs(60)).await;
    assert_cooling(
        &c.item(&item_id()).await.unwrap_err(),
        Some(429),
        "Too Many Requests",
        secs(30),
    );
    assert_eq!(grants(&server).await, 1);

    jump(secs(30)).await;
    assert_eq!(c.item(&item_id()).await.unwrap_err().status(), Some(429));
    assert_eq!(grants(&server).await, 2);
}

#[tokio::test]
async fn a_refused_grant_cools_down_too_and_its_error_carries_no_secret() {
    let server = MockServer::start().await;
    on_grant(ResponseTemplate::new(400).set_body_json(json!({"message": "Invalid signature"})))
        .named("refused grant")
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(item_answer())
        .named("nothing else is sent")
        .expect(0)
        .mount(&server)
        .await;
    let c = builder(server.uri()).build().unwrap();
    let first = c.item(&item_id()).await.unwrap_err();
    assert!(!first.is_retryable());
    let results = concurrent_items(&c).await;
    for result in &results {
        let err = result.as_ref().unwrap_err();
        assert_cooling(err, Some(400), "Invalid signature", secs(5));
        assert!(!err.is_retryable());
        let shown = format!("{err} {err:?}");
        for secret in [SECRET, SIGNATURE] {
            assert!(!shown.contains(secret), "{shown}");
        }
    }
    let root = stokly_shopify::Error::from(c.item(&item_id()).await.unwrap_err());
    let shown = format!("{root} {root:?}");
    for secret in [SECRET, SIGNATURE] {
        assert!(!shown.contains(secret), "{shown}");
    }
    assert_eq!(grants(&server).await, 1);
}

#[tokio::test]
async fn an_unreachable_grant_cools_down_the_same_way() {
    // A listener that accepts and closes every connection, counting them: the grant cannot
    // be read (a network failure), and every attempt shows as a connection.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let connections = Arc::new(AtomicUsize::new(0));
    let counted = connections.clone();
    let server = tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
            drop(socket);
        }
    });
    let c = builder(format!("http://{address}"))
        .grant_cooldown(long_cooldown())
        .build()
        .unwrap();
    let err = c.item(&item_id()).await.unwrap_err();
    match &err {
        Error::Grant {
            status,
            reason,
            retry_after,
        } => {
            assert_eq!(*status, None);
            assert!(reason.starts_with("the grant request failed"), "{reason}");
            assert_eq!(*retry_after, Some(secs(60)));
        }
        other => panic!("{other:?}"),
    }
    assert!(err.is_retryable());
    let after_first = connections.load(Ordering::SeqCst);
    assert!(after_first >= 1);

    for result in concurrent_items(&c).await {
        let err = result.unwrap_err();
        assert!(matches!(err, Error::Grant { status: None, .. }), "{err:?}");
        assert!(err.retry_after().is_some_and(|w| w <= secs(60)));
    }
    assert_eq!(connections.load(Ordering::SeqCst), after_first);

    jump(secs(60)).await;
    assert!(c.item(&item_id()).await.is_err());
    assert!(connections.load(Ordering::SeqCst) > after_first);
    server.abort();
}

#[tokio::test]
async fn with_the_cooldown_disabled_the_next_call_grants_again() {
    let server = MockServer::start().await;
    on_grant(grant_down()).expect(3).mount(&server).await;
    let c = builder(server.uri())
        .grant_cooldown(GrantCooldown::disabled())
        .build()
        .unwrap();
    for _ in 0..3 {
        let err = c.item(&item_id()).await.unwrap_err();
        assert_eq!(err.status(), Some(503));
        assert_eq!(err.retry_after(), None);
    }
}

#[tokio::test]
async fn a_failed_renewal_keeps_the_unexpired_token_in_use() {
    let server = MockServer::start().await;
    // A token of 10 s: renewed after half its life, usable until its end.
    on_grant(grant_answer(
        "token-A",
        chrono::Utc::now() + chrono::Duration::seconds(10),
    ))
    .up_to_n_times(1)
    .expect(1)
    .named("first grant")
    .mount(&server)
    .await;
    Mock::given(method("GET"))
        .and(path(format!("/v0/items/{ITEM}")))
        .and(header("authorization", "Bearer token-A"))
        .respond_with(item_answer())
        .expect(1 + 1 + CONCURRENT as u64)
        .named("items with token-A")
        .mount(&server)
        .await;
    let c = builder(server.uri())
        .grant_cooldown(long_cooldown())
        .build()
        .unwrap();
    c.item(&item_id()).await.unwrap();
    // Past half the token's life (on the wall clock its expiry is read on), with 4.5 s of
    // its life left: the renewal is due, and fails.
    tokio::time::sleep(Duration::from_millis(5500)).await;
    on_grant(grant_down())
        .named("renewal refused")
        .mount(&server)
        .await;
    c.item(&item_id()).await.unwrap();
    assert_eq!(grants(&server).await, 2);
    // During the cooldown: no grant, the old token still serves.
    for result in concurrent_items(&c).await {
        result.unwrap();
    }
    assert_eq!(grants(&server).await, 2);
}
