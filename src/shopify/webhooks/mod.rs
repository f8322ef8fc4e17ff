//! Receiving Shopify webhooks: signature check, header parsing and the event they announce.
//!
//! # What a delivery proves, and what it does not
//!
//! Shopify signs the raw request body with the app's client secret and sends the base64
//! HMAC-SHA256 digest in `X-Shopify-Hmac-Sha256`. [`WebhookVerifier::verify`] checks that
//! digest in constant time *before* anything reads the body, refuses bodies over a size cap
//! before hashing them, and only then reads the headers and the few body fields it needs.
//!
//! The signature covers the body only. Headers (topic, shop, event id) are not signed, and
//! Shopify's validator has no timestamp tolerance, so a captured delivery can be replayed.
//! Two habits make that harmless: deduplicate on the event id (see
//! [`crate::domain::ports::DedupStore`]) and treat every delivery as a *doorbell*: it says
//! "this resource changed", and the receiver re-reads the resource with GraphQL before acting.
//!
//! # Delivery guarantees to design for
//!
//! - At least once: the same event can arrive more than once; `X-Shopify-Event-Id` is the
//!   same on every copy.
//! - Unordered: an older state can arrive after a newer one; compare the body's `updated_at`
//!   with what was already applied.
//! - Retried 8 times over 4 hours with the *original* payload when the receiver does not answer
//!   2xx within a few seconds; so answer quickly and do the work from a queue.
//! - Not guaranteed at all: run reconciliation reads as well.
//!
//! # Layout
//!
//! One file per concern, all re-exported here: `verification` (the HMAC check and
//! [`WebhookVerifier`]), `headers` (the `X-Shopify-*` names, [`DeliveryFormat`]), `topics`
//! ([`WebhookTopic`]), `events` ([`WebhookEvent`] and its [`DedupId`]), `body` (the few body
//! facts read) and `error` ([`WebhookError`]).
//!
//! # Header forms
//!
//! Header names are matched without regard to case. Both the classic webhook names
//! (`X-Shopify-Hmac-Sha256`, `X-Shopify-Topic`, ...) and the newer unprefixed "events" names
//! (`shopify-hmac-sha256`, `shopify-topic`, ...) are accepted; [`DeliveryFormat`] says which
//! signature header a delivery used.
//!
//! | value | webhook header | events header | required |
//! | --- | --- | --- | --- |
//! | signature | `X-Shopify-Hmac-Sha256` | `shopify-hmac-sha256` | always |
//! | topic | `X-Shopify-Topic` | `shopify-topic` | always |
//! | shop | `X-Shopify-Shop-Domain` | `shopify-shop-domain` | always |
//! | API version | `X-Shopify-API-Version` | `shopify-api-version` | always |
//! | webhook id | `X-Shopify-Webhook-Id` | - | webhook form |
//! | event id | `X-Shopify-Event-Id` | `shopify-event-id` | events form |
//! | triggered at | `X-Shopify-Triggered-At` | `shopify-triggered-at` | no |
//! | subscription name | `X-Shopify-Name` | - | no |
//!
//! ```
//! use stokly_shopify::Secret;
//! use stokly_shopify::shopify::webhooks::{WebhookTopic, WebhookVerifier};
//!
//! # fn sign(secret: &str, body: &[u8]) -> String {
//! #     use base64::Engine;
//! #     use hmac::Mac;
//! #     let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
//! #     mac.update(body);
//! #     base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
//! # }
//! let verifier = WebhookVerifier::new(Secret::new("app-client-secret"))?;
//! let body = br#"{"admin_graphql_api_id":"gid://shopify/Order/42","updated_at":"2026-03-01T10:00:00Z"}"#;
//! let signature = sign("app-client-secret", body);
//! let headers = [
//!     ("X-Shopify-Hmac-Sha256", signature.as_str()),
//!     ("x-shopify-topic", "orders/paid"),
//!     ("X-Shopify-Shop-Domain", "acme-store.myshopify.com"),
//!     ("X-Shopify-API-Version", "2026-01"),
//!     ("X-Shopify-Webhook-Id", "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"),
//!     ("X-Shopify-Event-Id", "98880550-7158-44d4-b7cd-2c97c8a091b5"),
//! ];
//! let event = verifier.verify(headers, body)?;
//! assert_eq!(event.topic(), &WebhookTopic::OrdersPaid);
//! assert_eq!(event.order_id().map(|id| id.numeric_id()), Some(42));
//! # Ok::<(), stokly_shopify::shopify::webhooks::WebhookError>(())
//! ```

mod body;
mod error;
mod events;
mod headers;
mod topics;
mod verification;

pub use error::WebhookError;
pub use events::{DedupId, DedupSource, WebhookEvent};
pub use headers::DeliveryFormat;
pub use topics::WebhookTopic;
pub use verification::{DEFAULT_MAX_BODY_BYTES, MatchedSecret, WebhookVerifier};
