//! The Stokly emulator's injected 429s answer as its spent window does (`x-ratelimit-remaining:
//! 0`, `Retry-After` in seconds until the window ends, on the wall clock), and the client
//! waits at least the `Retry-After` before it sends the request again, as the emulator's own
//! log of arrival times (on its clock) shows.
//!
//! Stokly's real over-limit answer has never been seen (the reference infers a 429 and has no
//! `Retry-After`); these answers are the emulator's inference, kept in one shape.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::time::Duration;

use chrono::Utc;
use futures::TryStreamExt;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use stokly_shopify::RetryConfig;
use stokly_shopify::sandbox::{
    FaultConfig, SandboxClock, ScenarioBuilder, StoklyConfig, StoklyEmulator, StoklyState,
};
use stokly_shopify::stokly::{ListQuery, RateLimit};

fn state() -> StoklyState {
    let scenario = ScenarioBuilder::new(4)
        .skus(5)
        .bundles(0)
        .locations(2)
        .build();
    StoklyState::from_scenario(&scenario, "sandbox")
}

async fn emulator(faults: FaultConfig, scale: f64) -> StoklyEmulator {
    StoklyEmulator::start(
        state(),
        StoklyConfig::default().with_faults(faults),
        SandboxClock::new(Utc::now(), scale),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn an_injected_429_says_when_the_window_ends_and_that_nothing_remains() {
    // Every request is throttled; time runs 60x, so the account's minute is one wall second.
    let emu = emulator(
        FaultConfig::none().with_seed(3).with_throttle_rate(1.0),
        60.0,
    )
    .await;
    let config = StoklyConfig::default();
    let mut mac = Hmac::<Sha256>::new_from_slice(config.client_secret.expose().as_bytes()).unwrap();
    mac.update(config.client_id.as_bytes());
    let http = reqwest::Client::new();
    let grant: Value = http
        .post(format!("{}/v1/grant", emu.uri()))
        .json(&json!({
            "accountkey": config.account_key,
            "clientId": config.client_id,
            "signature": hex::encode(mac.finalize().into_bytes()),
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = grant["data"]["authenticationResult"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let answer = http
        .get(format!("{}/v0/locations", emu.uri()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 429);
    let header = |name: &str| {
        answer
            .headers()
            .get(name)
            .unwrap_or_else(|| panic!("no {name}"))
            .to_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(header("x-ratelimit-remaining"), "0");
    let seconds: f64 = header("retry-after").parse().unwrap();
    // The window began with this request (the grant spends none): nearly a whole emulated
    // minute is left, one wall second at 60x.
    assert!(seconds > 0.0 && seconds <= 1.0, "{seconds}");
    let body: Value = answer.json().await.unwrap();
    assert_eq!(body, json!({"message": "Too Many Requests"}));
    // The log keeps what was sent.
    let logged = emu.requests();
    let throttled = logged.iter().find(|r| r.status == 429).unwrap();
    assert_eq!(
        throttled.retry_after,
        Some(Duration::from_secs_f64(seconds))
    );
    assert!(
        logged
            .iter()
            .all(|r| r.status == 429 || r.retry_after.is_none())
    );
}

#[tokio::test]
async fn the_client_waits_out_each_injected_retry_after_before_sending_again() {
    // Half the requests throttled (seeded, so the same ones every run); time runs 600x, so a
    // Stokly minute is 0.1 wall second.
    const SCALE: f64 = 600.0;
    let faults = FaultConfig::none().with_seed(11).with_throttle_rate(0.5);
    let emu = emulator(faults, SCALE).await;
    // The client's own budget would also pause after `x-ratelimit-remaining: 0` until its
    // estimate of the window's end; a window of zero turns that off, so only the retry
    // policy waits: the Retry-After, or else a 1-2 ms backoff.
    let client = emu
        .client_builder()
        .rate_limit(
            RateLimit::default()
                .with_requests_per_second(10_000.0)
                .with_window(Duration::ZERO),
        )
        .retry(
            RetryConfig::default()
                .with_max_attempts(12)
                .with_initial_backoff(Duration::from_millis(1))
                .with_max_backoff(Duration::from_millis(2)),
        )
        .build()
        .unwrap();
    for _ in 0..8 {
        let locations: Vec<_> = client
            .locations(ListQuery::new())
            .try_collect()
            .await
            .unwrap();
        assert_eq!(locations.len(), 2);
    }
    let log: Vec<_> = emu
        .requests()
        .into_iter()
        .filter(|r| r.path == "/v0/locations")
        .collect();
    let throttled = log.iter().filter(|r| r.status == 429).count();
    assert!(throttled >= 3, "the seed throttles several: {throttled}");
    assert_eq!(log.iter().filter(|r| r.status == 200).count(), 8);
    // Each 429 is followed by the same request again, no sooner than the Retry-After (sent
    // in wall time; the log is in emulated time, SCALE times faster). The emulated clock
    // rounds to the nanosecond: a microsecond of slack.
    let mut waits = Vec::new();
    for pair in log.windows(2) {
        let (first, next) = (&pair[0], &pair[1]);
        if first.status != 429 {
            continue;
        }
        let wait = first.retry_after.expect("a 429 says when to come back");
        let gap = next.at - first.at;
        waits.push((wait, gap));
        assert!(
            gap + Duration::from_micros(1) >= wait.mul_f64(SCALE),
            "retried {gap:?} (emulated) after a Retry-After of {wait:?} (wall)"
        );
    }
    println!("Retry-After (wall) and the emulated gap to the retry: {waits:?}");
}
