//! Run with
//!
//! ```sh
//! cargo run --example receive_webhooks
//! ```
//!
//! A Shopify webhook receiver on axum that does the four things a receiver must, in this
//! order, and nothing slower: verify the signature over the raw body, read the event,
//! deduplicate it through the [`DedupStore`] port, and put it on a queue; then answer at once.
//! The order itself is *not* read or mapped here: a worker takes events off the queue and
//! re-reads each order with GraphQL (a webhook is a doorbell, not the data).
//!
//! | outcome | answer |
//! | --- | --- |
//! | bad, missing or malformed signature | 401 |
//! | body over the cap | 413 |
//! | missing or bad headers, unreadable body | 400 |
//! | duplicate or stale delivery | 200 (acknowledged, dropped) |
//! | new delivery, queued | 200 |
//! | dedup store or queue unavailable | 503 (Shopify retries) |
//!
//! The example needs no network and no account: it binds `127.0.0.1:0`, signs a handful of
//! deliveries itself with a demo secret, sends them with reqwest, prints each answer and
//! what reached the queue, and exits. In a real service the secret is the app's client
//! secret, the dedup store is shared (Redis or SQL, see `domain::ports`), and the queue is
//! durable.

// Examples may unwrap like tests; this one propagates errors with `?` instead.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::error::Error;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use base64::Engine as _;
use chrono::Utc;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use stokly_shopify::Secret;
use stokly_shopify::domain::ports::{DedupEntry, DedupStore, DedupVerdict, InMemoryDedupStore};
use stokly_shopify::shopify::webhooks::{WebhookEvent, WebhookVerifier};
use tokio::sync::{mpsc, oneshot};

/// The demo's app secret. A real receiver reads the app's client secret from its config.
const DEMO_SECRET: &str = "demo-app-client-secret";
const PATH: &str = "/webhooks/shopify";

#[derive(Clone)]
struct Receiver {
    verifier: WebhookVerifier,
    dedup: Arc<dyn DedupStore>,
    queue: mpsc::Sender<WebhookEvent>,
}

/// The whole request path: verify, dedup, enqueue, answer.
async fn receive(
    State(receiver): State<Receiver>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    let event = match receiver.verifier.verify(&headers, &body) {
        Ok(event) => event,
        Err(err) => {
            let status = StatusCode::from_u16(err.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
            // The error names the header or field at fault and never the secret or body.
            return (status, err.to_string());
        }
    };
    let entry = DedupEntry::from(&event);
    match receiver.dedup.record(&entry, Utc::now()).await {
        Ok(DedupVerdict::New) => {}
        Ok(DedupVerdict::Duplicate) => {
            return (StatusCode::OK, format!("duplicate {}", event.dedup_id()));
        }
        Ok(DedupVerdict::Stale { applied }) => {
            return (
                StatusCode::OK,
                format!("stale: {applied} already applied for this resource"),
            );
        }
        Err(err) => return (StatusCode::SERVICE_UNAVAILABLE, err.to_string()),
    }
    let described = format!("queued {} {}", event.topic(), event.dedup_id());
    match receiver.queue.try_send(event) {
        Ok(()) => (StatusCode::OK, described),
        Err(_) => {
            // Not queued: forget the event so that Shopify's retry counts as new.
            let _ = receiver.dedup.forget(&entry.event_key).await;
            (StatusCode::SERVICE_UNAVAILABLE, "queue full".to_owned())
        }
    }
}

fn router(receiver: Receiver) -> Router {
    let limit = receiver.verifier.max_body_bytes();
    Router::new()
        .route(PATH, post(receive))
        // Refuse oversized bodies while reading them, not after.
        .layer(DefaultBodyLimit::max(limit))
        .with_state(receiver)
}

/// What Shopify would send: the body, signed with `secret`, and the classic headers.
struct Delivery {
    label: &'static str,
    topic: &'static str,
    event_id: &'static str,
    body: String,
    signed_body: Option<String>,
}

fn sign(secret: &str, body: &[u8]) -> Result<String, Box<dyn Error>> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())?;
    mac.update(body);
    Ok(base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes()))
}

fn order_body(id: u64, updated_at: &str, total: &str) -> String {
    serde_json::json!({
        "id": id,
        "admin_graphql_api_id": format!("gid://shopify/Order/{id}"),
        "name": "#1001",
        "updated_at": updated_at,
        "financial_status": "paid",
        "current_total_price": total,
        "line_items": [{ "sku": "MUG-BLUE", "quantity": 2 }],
    })
    .to_string()
}

fn deliveries() -> Vec<Delivery> {
    let paid = order_body(5_001, "2026-03-01T10:30:00Z", "24.00");
    let inventory = serde_json::json!({
        "inventory_item_id": 808_950_810,
        "location_id": 655_441_491,
        "available": 6,
        "updated_at": "2026-03-01T10:31:00Z",
        "admin_graphql_api_id":
            "gid://shopify/InventoryLevel/655441491?inventory_item_id=808950810",
    })
    .to_string();
    vec![
        Delivery {
            label: "orders/paid, first delivery",
            topic: "orders/paid",
            event_id: "evt-paid-1",
            body: paid.clone(),
            signed_body: None,
        },
        Delivery {
            label: "orders/paid, retried (same event id)",
            topic: "orders/paid",
            event_id: "evt-paid-1",
            body: paid.clone(),
            signed_body: None,
        },
        Delivery {
            label: "orders/paid, body altered after signing",
            topic: "orders/paid",
            event_id: "evt-paid-2",
            body: paid.replace("24.00", "0.01"),
            signed_body: Some(paid),
        },
        Delivery {
            label: "orders/updated, older state arriving late",
            topic: "orders/updated",
            event_id: "evt-updated-0",
            body: order_body(5_001, "2026-03-01T10:00:00Z", "24.00"),
            signed_body: None,
        },
        Delivery {
            label: "inventory_levels/update",
            topic: "inventory_levels/update",
            event_id: "evt-inventory-1",
            body: inventory,
            signed_body: None,
        },
    ]
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let verifier = WebhookVerifier::new(Secret::new(DEMO_SECRET))?;
    let dedup: Arc<dyn DedupStore> = Arc::new(InMemoryDedupStore::new());
    let (queue, mut queued) = mpsc::channel::<WebhookEvent>(1_000);
    let app = router(Receiver {
        verifier,
        dedup,
        queue,
    });

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}{PATH}", listener.local_addr()?);
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
    });
    println!("receiving Shopify webhooks on {url}\n");

    let client = reqwest::Client::builder().no_proxy().build()?;
    for delivery in deliveries() {
        let signed = delivery.signed_body.as_deref().unwrap_or(&delivery.body);
        let response = client
            .post(&url)
            .header("Content-Type", "application/json")
            .header(
                "X-Shopify-Hmac-Sha256",
                sign(DEMO_SECRET, signed.as_bytes())?,
            )
            .header("X-Shopify-Topic", delivery.topic)
            .header("X-Shopify-Shop-Domain", "acme-store.myshopify.com")
            .header("X-Shopify-API-Version", "2026-01")
            .header("X-Shopify-Webhook-Id", format!("wh-{}", delivery.event_id))
            .header("X-Shopify-Event-Id", delivery.event_id)
            .header("X-Shopify-Triggered-At", "2026-03-01T10:31:05Z")
            .body(delivery.body)
            .send()
            .await?;
        let status = response.status();
        let text = response.text().await?;
        println!("{:<45} -> {} {text}", delivery.label, status.as_u16());
    }

    // One more without its topic header: refused as a bad request.
    let body = order_body(5_002, "2026-03-01T11:00:00Z", "9.00");
    let response = client
        .post(&url)
        .header("x-shopify-hmac-sha256", sign(DEMO_SECRET, body.as_bytes())?)
        .header("x-shopify-shop-domain", "acme-store.myshopify.com")
        .header("x-shopify-api-version", "2026-01")
        .header("x-shopify-webhook-id", "wh-no-topic")
        .body(body)
        .send()
        .await?;
    let status = response.status().as_u16();
    println!(
        "{:<45} -> {status} {}",
        "orders/create without X-Shopify-Topic",
        response.text().await?
    );

    println!("\nreached the queue (a worker re-reads each resource with GraphQL):");
    let mut count = 0;
    while let Ok(event) = queued.try_recv() {
        count += 1;
        let resource = event
            .inventory_level_id()
            .map(|level| level.to_string())
            .or_else(|| event.order_id().map(ToString::to_string))
            .unwrap_or_else(|| "(no resource id)".to_owned());
        let updated = event
            .updated_at()
            .map_or_else(|| "-".to_owned(), |t| t.to_rfc3339());
        println!(
            "  {} from {} (event {}): re-read {resource} (updated_at {updated})",
            event.topic(),
            event.shop_domain(),
            event.dedup_id().as_str(),
        );
    }
    println!("{count} event(s) queued");

    let _ = stop.send(());
    server.await??;
    Ok(())
}
