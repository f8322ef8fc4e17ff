//! What the Stokly client tests against wiremock share: the app credentials (and their
//! signature, computed independently), an item and its answer, a grant answer, a client
//! builder with app credentials and a pace that never holds a test back, and a count of the
//! grant requests a server received.

use chrono::{DateTime, Utc};
use serde_json::json;
use stokly_shopify::stokly::{Client, ClientBuilder, ItemId, RateLimit};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const ACCOUNT: &str = "acme";
pub const CLIENT_ID: &str = "abc123clientid";
pub const SECRET: &str = "s3cr3t-k3y";
/// `python3 -c 'import hmac,hashlib;print(hmac.new(b"s3cr3t-k3y",b"abc123clientid",hashlib.sha256).hexdigest())'`
pub const SIGNATURE: &str = "0f73b18a1756dd9d3ecc5d3b515f5da51fcf3ea4b4d4a416bfa1d68d4d7d651f";
pub const ITEM: &str = "0b6f3a8e-1c2d-4e5f-8a9b-0c1d2e3f4a01";

pub fn item_id() -> ItemId {
    ItemId::new(ITEM).unwrap()
}

/// `GET /v0/items/{ITEM}` answered.
pub fn item_answer() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"data": {"itemId": ITEM, "sku": "A"}}))
}

/// `POST /v1/grant` answered with `token`, expiring at `expiry`.
pub fn grant_answer(token: &str, expiry: DateTime<Utc>) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "data": {"authenticationResult": {"accessToken": token, "expiry": expiry.to_rfc3339()}}
    }))
}

pub fn in_an_hour() -> DateTime<Utc> {
    Utc::now() + chrono::Duration::hours(1)
}

/// A client builder for `base` with the app credentials, paced at 1,000 a second in bursts
/// of 100.
pub fn app_client(base: impl Into<String>) -> ClientBuilder {
    Client::builder()
        .base_url(base)
        .account_key(ACCOUNT)
        .client_id(CLIENT_ID)
        .client_secret(SECRET)
        .rate_limit(
            RateLimit::default()
                .with_requests_per_second(1000.0)
                .with_burst(100),
        )
}

/// `POST /v1/grant` requests `server` received.
pub async fn grant_requests(server: &MockServer) -> usize {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/v1/grant")
        .count()
}

/// `POST /v1/grant` answered with `answer`.
pub fn on_grant(answer: ResponseTemplate) -> Mock {
    Mock::given(method("POST"))
        .and(path("/v1/grant"))
        .respond_with(answer)
}
