//! Rate budgets shared through a real PostgreSQL (`DATABASE_URL`): the Shopify cost bucket
//! per shop and the Stokly request budget per account, on their own and paced by separate
//! clients against the sandbox.

#![cfg(feature = "postgres")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod postgres_support;

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use futures::TryStreamExt;
use futures::future::join_all;
use serde_json::Value;
use stokly_shopify::RetryConfig;
use stokly_shopify::sandbox::shopify::Outcome;
use stokly_shopify::sandbox::{
    SandboxClock, ScenarioBuilder, ShopifyConfig, ShopifyEmulator, StoklyConfig, StoklyEmulator,
    StoklyState,
};
use stokly_shopify::shopify::{CostPacer, GraphQlRequest, PageOptions, QueryCost, ThrottleStatus};
use stokly_shopify::stokly::{ListQuery, RateLimit, RequestPacer};

fn fast_retry() -> RetryConfig {
    RetryConfig::default()
        .with_initial_backoff(Duration::from_millis(5))
        .with_max_backoff(Duration::from_millis(50))
        .with_max_attempts(8)
}

fn cost(requested: f64, actual: Option<f64>, status: Option<ThrottleStatus>) -> QueryCost {
    serde_json::from_value(serde_json::json!({
        "requestedQueryCost": requested,
        "actualQueryCost": actual,
        "throttleStatus": status,
    }))
    .unwrap()
}

#[tokio::test]
async fn the_cost_bucket_reserves_waits_and_settles() {
    let Some(fleet) = postgres_support::fleet("bucket").await else {
        return;
    };
    let bucket = fleet.shopify_bucket("acme.myshopify.com");
    // Unknown bucket: nothing taken, no wait.
    let first = bucket.reserve(300.0).await;
    assert_eq!((first.wait, first.reserved), (Duration::ZERO, 0.0));
    assert_eq!(bucket.available().await.unwrap(), None);

    // Shopify reports 100 of 1,000 points, restoring 50 a second.
    let status = ThrottleStatus::new(1000.0, 100.0, 50.0);
    bucket
        .settle(0.0, Some(&cost(10.0, Some(10.0), Some(status))))
        .await;
    let available = bucket.available().await.unwrap().unwrap();
    // (plus what restored in the few ms since)
    assert!((100.0..120.0).contains(&available), "{available}");

    // 300 points: 200 missing, four seconds at 50 a second (less the few ms since).
    let paced = bucket.reserve(300.0).await;
    assert_eq!(paced.reserved, 300.0);
    assert!(
        paced.wait <= Duration::from_secs(4) && paced.wait > Duration::from_millis(3000),
        "{paced:?}"
    );
    // The next request queues behind it: 300 more points, six more seconds.
    let behind = bucket.reserve(300.0).await;
    assert!(
        behind.wait <= Duration::from_secs(10) && behind.wait > Duration::from_millis(9000),
        "{behind:?}"
    );
    // A cost larger than the bucket is not reserved (Shopify refuses it outright).
    let huge = bucket.reserve(5000.0).await;
    assert_eq!((huge.wait, huge.reserved), (Duration::ZERO, 0.0));

    // The first answer was charged 120 of its 300: 180 come back.
    let before = bucket.available().await.unwrap().unwrap();
    bucket
        .settle(300.0, Some(&cost(300.0, Some(120.0), None)))
        .await;
    let after = bucket.available().await.unwrap().unwrap();
    assert!((after - before - 180.0).abs() < 20.0, "{before} -> {after}");
    // Requests are waiting, so the estimate is below what Shopify reports: its figure
    // changes nothing.
    bucket
        .settle(
            0.0,
            Some(&cost(
                1.0,
                Some(0.0),
                Some(ThrottleStatus::new(1000.0, 0.0, 50.0)),
            )),
        )
        .await;
    let kept = bucket.available().await.unwrap().unwrap();
    assert!(kept < -300.0, "{kept}");

    // Another shop: Shopify reporting less than the estimate (something else spent from the
    // bucket) caps it.
    let other = fleet.shopify_bucket("other.myshopify.com");
    other
        .settle(
            0.0,
            Some(&cost(
                1.0,
                Some(1.0),
                Some(ThrottleStatus::new(1000.0, 900.0, 50.0)),
            )),
        )
        .await;
    other
        .settle(
            0.0,
            Some(&cost(
                1.0,
                Some(1.0),
                Some(ThrottleStatus::new(1000.0, 200.0, 50.0)),
            )),
        )
        .await;
    let capped = other.available().await.unwrap().unwrap();
    assert!((200.0..220.0).contains(&capped), "{capped}");
    fleet.drop_tables().await.unwrap();
}

#[tokio::test]
async fn the_request_budget_books_slots_and_waits_out_a_spent_window() {
    let Some(fleet) = postgres_support::fleet("budget").await else {
        return;
    };
    let limit = RateLimit::default()
        .with_requests_per_second(10.0)
        .with_window(Duration::from_secs(60));
    let budget = fleet.stokly_budget("acme", limit);
    let other_worker = fleet.stokly_budget("acme", limit);
    let mut waits = Vec::new();
    for i in 0..6 {
        let b = if i % 2 == 0 { &budget } else { &other_worker };
        waits.push(b.reserve().await);
    }
    // Slots 100 ms apart whichever worker books them (less the time the bookings took).
    for (i, wait) in waits.iter().enumerate() {
        let slot = Duration::from_millis(100 * i as u64);
        assert!(
            *wait <= slot && *wait + Duration::from_millis(80) >= slot,
            "booking {i}: {waits:?}"
        );
    }
    // Another account is not held back.
    assert_eq!(
        fleet.stokly_budget("other", limit).reserve().await,
        Duration::ZERO
    );

    // One worker sees the window nearly spent: every worker waits for its end.
    budget.observe_remaining(2).await;
    let wait = other_worker.reserve().await;
    assert!(
        wait <= Duration::from_secs(60) && wait > Duration::from_secs(59),
        "{wait:?}"
    );

    // A small rise is answers overtaking each other, not a new window.
    let b = fleet.stokly_budget("b", limit);
    assert_eq!(b.reserve().await, Duration::ZERO);
    b.observe_remaining(2).await;
    b.observe_remaining(10).await;
    b.observe_remaining(3).await;
    assert!(b.reserve().await > Duration::from_secs(59));
    // A rise by more than overtaking explains is a new window.
    let c = fleet.stokly_budget("c", limit);
    assert_eq!(c.reserve().await, Duration::ZERO);
    c.observe_remaining(2).await;
    c.observe_remaining(240).await;
    assert!(c.reserve().await < Duration::from_secs(1));
    fleet.drop_tables().await.unwrap();
}

#[tokio::test]
async fn the_request_budget_counts_requests_in_flight_until_their_answers() {
    let Some(fleet) = postgres_support::fleet("in_flight").await else {
        return;
    };
    // Pace 1000/s (bookings 1 ms apart), pause at 3 left, 60 s window.
    let limit = RateLimit::default()
        .with_requests_per_second(1000.0)
        .with_window(Duration::from_secs(60));
    let worker_a = fleet.stokly_budget("acme", limit);
    let worker_b = fleet.stokly_budget("acme", limit);
    let at_once = |wait: Duration| wait < Duration::from_secs(1);
    let held = |wait: Duration| wait > Duration::from_secs(59) && wait <= Duration::from_secs(60);

    let l0 = worker_a.try_book().await.unwrap();
    assert!(at_once(l0.wait));
    worker_a.observe_remaining(6).await;
    // 6 left, 1 in flight: 5 > 3.
    let l1 = worker_a.try_book().await.unwrap();
    assert!(at_once(l1.wait), "{l1:?}");
    // A booking without a lease (6 left, 2 in flight: 4 > 3) is paced but not counted.
    assert!(at_once(worker_b.try_reserve().await.unwrap()));
    assert_eq!(worker_a.in_flight().await.unwrap(), 2);
    // 6 left, 2 in flight (of two workers): 4 > 3.
    let l2 = worker_b.try_book().await.unwrap();
    assert!(at_once(l2.wait), "{l2:?}");
    assert_eq!(worker_a.in_flight().await.unwrap(), 3);
    assert_eq!(worker_b.in_flight().await.unwrap(), 3);

    // Two answers arrive: their requests stop counting.
    worker_a.try_release(&l0.lease.unwrap()).await.unwrap();
    worker_a.try_release(&l1.lease.unwrap()).await.unwrap();
    assert_eq!(worker_b.in_flight().await.unwrap(), 1);
    // 6 left, 1 in flight: at once; then 2 in flight: at once; then 3: 6 - 3 = 3, held until
    // the window ends (had the answers not been released, the first of these would wait).
    let l3 = worker_b.try_book().await.unwrap();
    assert!(at_once(l3.wait), "{l3:?}");
    let l4 = worker_a.try_book().await.unwrap();
    assert!(at_once(l4.wait), "{l4:?}");
    let l5 = worker_b.try_book().await.unwrap();
    assert!(held(l5.wait), "{l5:?}");
    assert_eq!(worker_a.in_flight().await.unwrap(), 4);

    // Within a window the remaining count only goes down: an answer that overtook a later
    // one (10 after 4) does not raise it.
    let order = fleet.stokly_budget("overtaken", limit);
    assert!(at_once(order.try_reserve().await.unwrap()));
    order.observe_remaining(4).await;
    order.observe_remaining(10).await;
    let first = order.try_book().await.unwrap();
    assert!(at_once(first.wait), "4 left, none in flight: {first:?}");
    let second = order.try_book().await.unwrap();
    assert!(held(second.wait), "4 left, 1 in flight: {second:?}");
    fleet.drop_tables().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_bookings_of_many_workers_each_see_the_others_in_flight() {
    let Some(fleet) = postgres_support::fleet("in_flight_race").await else {
        return;
    };
    let limit = RateLimit::default()
        .with_requests_per_second(1000.0)
        .with_window(Duration::from_secs(60));
    let first = fleet.stokly_budget("acme", limit);
    assert!(first.try_reserve().await.unwrap() < Duration::from_secs(1));
    first.observe_remaining(10).await;
    // Twenty workers book at once over the pool's connections: 10 left, pause at 3, so
    // exactly 7 go at once (0 to 6 in flight before them), whatever the interleaving.
    let workers: Vec<_> = (0..20)
        .map(|_| Arc::new(fleet.stokly_budget("acme", limit)))
        .collect();
    let bookings = join_all(workers.iter().map(|w| {
        let w = w.clone();
        async move { w.try_book().await.unwrap() }
    }))
    .await;
    let at_once = bookings
        .iter()
        .filter(|b| b.wait < Duration::from_secs(1))
        .count();
    assert_eq!(at_once, 7, "{bookings:?}");
    assert_eq!(first.in_flight().await.unwrap(), 20);
    fleet.drop_tables().await.unwrap();
}

#[tokio::test]
async fn a_dead_workers_requests_stop_counting_when_their_leases_expire() {
    let Some(fleet) = postgres_support::fleet("dead_worker").await else {
        return;
    };
    let limit = RateLimit::default()
        .with_requests_per_second(1000.0)
        .with_window(Duration::from_secs(60));
    let live = fleet.stokly_budget("acme", limit);
    assert!(live.try_reserve().await.unwrap() < Duration::from_secs(1));
    live.observe_remaining(5).await;
    // A worker books two requests and dies before their answers: nobody releases them.
    let dead = fleet
        .stokly_budget("acme", limit)
        .with_lease(Duration::from_secs(1));
    for _ in 0..2 {
        let booking = dead.try_book().await.unwrap();
        assert!(booking.lease.is_some());
    }
    drop(dead);
    assert_eq!(live.in_flight().await.unwrap(), 2);
    // Their leases end a second after their send time (on the database's clock); sleeping
    // longer than that is enough, whatever the machine's speed.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(live.in_flight().await.unwrap(), 0);
    // 5 left and none in flight: at once (with the dead worker's two still counted, 5 - 2 = 3
    // would hold it until the window ends).
    let booking = live.try_book().await.unwrap();
    assert!(booking.wait < Duration::from_secs(1), "{booking:?}");
    assert_eq!(live.in_flight().await.unwrap(), 1);
    fleet.drop_tables().await.unwrap();
}

const DOMAIN: &str = "sandbox-store.myshopify.com";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_shopify_clients_share_one_bucket_without_a_throttle() {
    let Some(fleet) = postgres_support::fleet("shopify_pace").await else {
        return;
    };
    let scenario = ScenarioBuilder::new(5)
        .skus(250)
        .bundles(0)
        .locations(1)
        .build();
    // A small bucket (500 points, 100/s, time 10x): 24 location reads of 253 points each, by
    // two separate clients, need about twelve bucketfuls.
    let config = ShopifyConfig::standard_plan().with_bucket(500.0, 100.0);
    let emu = ShopifyEmulator::start(
        scenario.shopify_state(DOMAIN),
        config,
        SandboxClock::new(Utc::now(), 10.0),
    )
    .await
    .unwrap();
    let bucket = Arc::new(fleet.shopify_bucket(DOMAIN));
    let clients: Vec<_> = (0..2)
        .map(|_| {
            emu.client_builder()
                .retry(fast_retry())
                .cost_pacer(bucket.clone())
                .build()
                .unwrap()
        })
        .collect();
    // One call each teaches the clients the query's cost.
    for client in &clients {
        client
            .locations(PageOptions::default())
            .try_collect::<Vec<_>>()
            .await
            .unwrap();
    }
    let request = || {
        GraphQlRequest::query(
            include_str!("../src/shopify/graphql/locations.graphql"),
            "Locations",
        )
        .variable("first", 250)
        .unwrap()
    };
    let calls = (0..24).map(|i| {
        let c = clients[i % 2].clone();
        let r = request();
        async move { c.query::<Value>(&r).await }
    });
    let results = join_all(calls).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let log = emu.requests();
    let throttled = log
        .iter()
        .filter(|r| r.outcome == Outcome::Throttled)
        .count();
    assert_eq!(throttled, 0, "two clients paced through one shared bucket");
    assert_eq!(
        log.iter().filter(|r| r.operation == "Locations").count(),
        26
    );
    fleet.drop_tables().await.unwrap();
}

#[tokio::test]
async fn separate_stokly_clients_share_one_account_budget_without_a_429() {
    let Some(fleet) = postgres_support::fleet("stokly_pace").await else {
        return;
    };
    let scenario = ScenarioBuilder::new(4)
        .skus(5)
        .bundles(0)
        .locations(2)
        .build();
    let state = StoklyState::from_scenario(&scenario, "sandbox");
    // Five requests per emulated minute; time runs 60x, so a window lasts one wall second.
    let config = StoklyConfig::default().with_requests_per_minute(5);
    let emu = StoklyEmulator::start(state, config, SandboxClock::new(Utc::now(), 60.0))
        .await
        .unwrap();
    let pace = RateLimit::default()
        .with_window(Duration::from_secs(1))
        .with_requests_per_second(50.0)
        .with_low_watermark(0);
    let budget = Arc::new(fleet.stokly_budget("sandbox", pace));
    // Eight separate processes (fresh clients, not clones) share one account: without the
    // shared budget the sixth meets a 429 (see the sandbox's own tests); with it, none does.
    for _ in 0..8 {
        let fresh = emu
            .client_builder()
            .rate_limit(pace)
            .request_pacer(budget.clone())
            .retry(fast_retry())
            .build()
            .unwrap();
        let _: Vec<_> = fresh
            .locations(ListQuery::new())
            .try_collect()
            .await
            .unwrap();
    }
    let log = emu.requests();
    assert_eq!(log.iter().filter(|r| r.status == 429).count(), 0, "{log:?}");
    assert_eq!(
        log.iter()
            .filter(|r| r.path == "/v0/locations" && r.status == 200)
            .count(),
        8
    );
    // Every request the clients booked was released with its answer.
    assert_eq!(budget.in_flight().await.unwrap(), 0);
    fleet.drop_tables().await.unwrap();
}
