//! Helpers shared by the client tests (Shopify here; Stokly in `stokly`) and the sandbox order
//! tests (`orders`).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod orders;
pub mod schemas;
pub mod stokly;

use std::time::Duration;

use serde_json::{Value, json};
use stokly_shopify::RetryConfig;
use stokly_shopify::shopify::Client;
use wiremock::MockServer;

pub const TOKEN: &str = "shpat_test_token_0123";
/// The endpoint path at the client's default API version.
pub const PATH: &str = "/admin/api/2026-07/graphql.json";

pub fn fixture(path: &str) -> Value {
    let full = format!("{}/tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&full).unwrap()).unwrap()
}

pub fn fixture_text(path: &str) -> String {
    let full = format!("{}/tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&full).unwrap()
}

/// Fast retries so that tests do not sleep for long.
pub fn fast_retry() -> RetryConfig {
    RetryConfig::default()
        .with_initial_backoff(Duration::from_millis(5))
        .with_max_backoff(Duration::from_millis(20))
}

pub fn client(server: &MockServer) -> Client {
    Client::builder()
        .shop("acme-store.myshopify.com")
        .access_token(TOKEN)
        .base_url(server.uri())
        .retry(fast_retry())
        .build()
        .unwrap()
}

/// A cost extension with the given numbers.
pub fn cost(requested: f64, available: f64, restore: f64) -> Value {
    json!({"cost": {
        "requestedQueryCost": requested,
        "actualQueryCost": if available >= requested { Value::from(requested) } else { Value::Null },
        "throttleStatus": {"maximumAvailable": 2000.0, "currentlyAvailable": available, "restoreRate": restore}
    }})
}

pub fn throttled(requested: f64, available: f64, restore: f64) -> Value {
    json!({
        "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"}}],
        "extensions": cost(requested, available, restore)
    })
}

/// Bodies of the requests the server received, as JSON.
pub async fn bodies(server: &MockServer) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect()
}
