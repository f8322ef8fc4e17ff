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

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::ids::{Gid, InventoryLevelId, OrderId};
use crate::Secret;

type HmacSha256 = Hmac<Sha256>;

/// The default body size cap: 1 MiB. Shopify's largest order payloads stay well below it.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

/// A base64 SHA-256 digest is 44 characters; anything much longer is refused before decoding.
const MAX_SIGNATURE_CHARS: usize = 128;
/// Upper bound for identifier-like header values (ids, topic, version, shop).
const MAX_ID_CHARS: usize = 255;

/// Why a webhook delivery was refused.
///
/// No variant carries the secret, the signature or any part of the body; header problems name
/// the header, body problems name the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// The verifier was given an empty (or blank) secret.
    #[error("the webhook secret is empty")]
    EmptySecret,
    /// The body is larger than the configured cap; it was not hashed.
    #[error("webhook body of {actual} bytes exceeds the {limit}-byte limit")]
    BodyTooLarge {
        /// The configured cap in bytes.
        limit: usize,
        /// The body's size (or the declared `Content-Length`) in bytes.
        actual: u64,
    },
    /// Neither `X-Shopify-Hmac-Sha256` nor `shopify-hmac-sha256` was sent.
    #[error("webhook has no X-Shopify-Hmac-Sha256 (or shopify-hmac-sha256) header")]
    MissingSignature,
    /// The signature header is not a base64 SHA-256 digest.
    #[error("webhook signature header is malformed: {reason}")]
    MalformedSignature {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The signature does not match the body under any configured secret.
    #[error("webhook signature does not match the body")]
    SignatureMismatch,
    /// A required header is absent.
    #[error("webhook is missing the required header {name}")]
    MissingHeader {
        /// The header, as Shopify spells it.
        name: &'static str,
    },
    /// A header is present but its value is unusable.
    #[error("webhook header {name} is invalid: {reason}")]
    BadHeader {
        /// The header, as Shopify spells it.
        name: &'static str,
        /// What is wrong with the value.
        reason: &'static str,
    },
    /// A header was sent twice (possibly in both naming forms) with different values.
    #[error("webhook header {name} was sent more than once with different values")]
    ConflictingHeader {
        /// The header, as Shopify spells it.
        name: &'static str,
    },
    /// The body is not well-formed JSON.
    #[error("webhook body is not valid JSON (line {line}, column {column})")]
    BodyNotJson {
        /// Line of the first syntax error (1-based).
        line: usize,
        /// Column of the first syntax error (1-based).
        column: usize,
    },
    /// The body is JSON but not an object.
    #[error("webhook body is JSON but not an object")]
    BodyNotObject,
    /// The body is a JSON object that cannot be read (for example a field given twice).
    #[error("webhook body is not the expected object (line {line}, column {column})")]
    UnexpectedBody {
        /// Line where decoding stopped (1-based).
        line: usize,
        /// Column where decoding stopped (1-based).
        column: usize,
    },
    /// A body field the event needs has an unusable value.
    #[error("webhook body field {field} is invalid: {reason}")]
    BadBodyField {
        /// The JSON field.
        field: &'static str,
        /// What is wrong with the value.
        reason: &'static str,
    },
    /// The body's `admin_graphql_api_id` names a resource type the topic never carries.
    #[error("webhook topic {topic} carries a {found} ID, expected a {expected} ID")]
    ResourceMismatch {
        /// The topic header.
        topic: String,
        /// The resource type the topic announces.
        expected: &'static str,
        /// The resource type in the body.
        found: String,
    },
}

impl WebhookError {
    /// Whether the delivery failed authentication (missing, malformed or wrong signature).
    /// Answer these with HTTP 401, as Shopify's app review expects.
    #[must_use]
    pub fn is_authentication_failure(&self) -> bool {
        matches!(
            self,
            Self::MissingSignature | Self::MalformedSignature { .. } | Self::SignatureMismatch
        )
    }

    /// The HTTP status a receiver should answer with: 401 for authentication failures, 413 for
    /// an oversized body, 500 for a misconfigured verifier, 400 for everything else.
    #[must_use]
    pub fn http_status(&self) -> u16 {
        match self {
            Self::MissingSignature | Self::MalformedSignature { .. } | Self::SignatureMismatch => {
                401
            }
            Self::BodyTooLarge { .. } => 413,
            Self::EmptySecret => 500,
            Self::MissingHeader { .. }
            | Self::BadHeader { .. }
            | Self::ConflictingHeader { .. }
            | Self::BodyNotJson { .. }
            | Self::BodyNotObject
            | Self::UnexpectedBody { .. }
            | Self::BadBodyField { .. }
            | Self::ResourceMismatch { .. } => 400,
        }
    }
}

/// Which of the configured secrets produced the matching signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchedSecret {
    /// The app's current client secret.
    Current,
    /// The secret in use before a rotation. Shopify may keep signing with it for up to an hour
    /// after the rotation; once it stops matching, drop it from the verifier.
    Previous,
}

/// Which family of header names a delivery used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryFormat {
    /// Classic webhooks: `X-Shopify-*` headers; `X-Shopify-Webhook-Id` is required.
    Webhook,
    /// The newer "events" deliveries: unprefixed `shopify-*` headers; `shopify-event-id` is
    /// required.
    Event,
}

/// The webhook topics this crate acts on, with a fallback for every other topic.
///
/// Parsing never fails: an unrecognised topic becomes [`WebhookTopic::Unknown`] with the text
/// as sent, so a new Shopify topic never breaks a receiver; the application decides what an
/// unknown topic means (usually: acknowledge and ignore).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WebhookTopic {
    /// `orders/create`
    OrdersCreate,
    /// `orders/updated`
    OrdersUpdated,
    /// `orders/paid`
    OrdersPaid,
    /// `orders/cancelled`
    OrdersCancelled,
    /// `orders/edited`: the body is an `order_edit`, not an order.
    OrdersEdited,
    /// `refunds/create`
    RefundsCreate,
    /// `fulfillments/create`
    FulfillmentsCreate,
    /// `fulfillments/update`
    FulfillmentsUpdate,
    /// `inventory_levels/update`
    InventoryLevelsUpdate,
    /// `bulk_operations/finish`
    BulkOperationsFinish,
    /// `app/uninstalled`
    AppUninstalled,
    /// Any other topic, as sent.
    Unknown(String),
}

impl WebhookTopic {
    const KNOWN: [(Self, &'static str); 11] = [
        (Self::OrdersCreate, "orders/create"),
        (Self::OrdersUpdated, "orders/updated"),
        (Self::OrdersPaid, "orders/paid"),
        (Self::OrdersCancelled, "orders/cancelled"),
        (Self::OrdersEdited, "orders/edited"),
        (Self::RefundsCreate, "refunds/create"),
        (Self::FulfillmentsCreate, "fulfillments/create"),
        (Self::FulfillmentsUpdate, "fulfillments/update"),
        (Self::InventoryLevelsUpdate, "inventory_levels/update"),
        (Self::BulkOperationsFinish, "bulk_operations/finish"),
        (Self::AppUninstalled, "app/uninstalled"),
    ];

    /// Parses a topic; known topics match without regard to ASCII case.
    #[must_use]
    pub fn parse(topic: &str) -> Self {
        Self::KNOWN
            .iter()
            .find(|(_, name)| name.eq_ignore_ascii_case(topic))
            .map_or_else(|| Self::Unknown(topic.to_owned()), |(t, _)| t.clone())
    }

    /// The topic as Shopify writes it (`orders/paid`).
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            Self::OrdersCreate => "orders/create",
            Self::OrdersUpdated => "orders/updated",
            Self::OrdersPaid => "orders/paid",
            Self::OrdersCancelled => "orders/cancelled",
            Self::OrdersEdited => "orders/edited",
            Self::RefundsCreate => "refunds/create",
            Self::FulfillmentsCreate => "fulfillments/create",
            Self::FulfillmentsUpdate => "fulfillments/update",
            Self::InventoryLevelsUpdate => "inventory_levels/update",
            Self::BulkOperationsFinish => "bulk_operations/finish",
            Self::AppUninstalled => "app/uninstalled",
            Self::Unknown(raw) => raw,
        }
    }

    /// Whether the topic announces a change to an order (including edits, refunds and
    /// fulfilments, which all call for re-reading the order).
    #[must_use]
    pub fn concerns_order(&self) -> bool {
        match self {
            Self::OrdersCreate
            | Self::OrdersUpdated
            | Self::OrdersPaid
            | Self::OrdersCancelled
            | Self::OrdersEdited
            | Self::RefundsCreate
            | Self::FulfillmentsCreate
            | Self::FulfillmentsUpdate => true,
            Self::InventoryLevelsUpdate
            | Self::BulkOperationsFinish
            | Self::AppUninstalled
            | Self::Unknown(_) => false,
        }
    }

    /// The resource type of the body's `admin_graphql_api_id`, where the topic fixes it.
    #[must_use]
    pub fn resource_type(&self) -> Option<&'static str> {
        match self {
            Self::OrdersCreate | Self::OrdersUpdated | Self::OrdersPaid | Self::OrdersCancelled => {
                Some(OrderId::RESOURCE)
            }
            Self::RefundsCreate => Some("Refund"),
            Self::FulfillmentsCreate | Self::FulfillmentsUpdate => Some("Fulfillment"),
            Self::InventoryLevelsUpdate => Some(InventoryLevelId::RESOURCE),
            Self::BulkOperationsFinish => Some("BulkOperation"),
            Self::OrdersEdited | Self::AppUninstalled | Self::Unknown(_) => None,
        }
    }
}

impl fmt::Display for WebhookTopic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for WebhookTopic {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self::parse(s))
    }
}

impl Serialize for WebhookTopic {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for WebhookTopic {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = std::borrow::Cow::<str>::deserialize(deserializer)?;
        Ok(Self::parse(&raw))
    }
}

/// Which header the deduplication id came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DedupSource {
    /// `X-Shopify-Event-Id`: the same on every delivery of one event, across subscriptions.
    EventId,
    /// `X-Shopify-Webhook-Id`, used when the event id is absent (it is optional in Shopify's
    /// own validator). It identifies one delivery, which Shopify reuses on retries, so retries
    /// are still caught; two subscriptions receiving the same event are not.
    WebhookId,
}

/// The identifier to deduplicate a delivery on.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DedupId {
    value: String,
    source: DedupSource,
}

impl DedupId {
    /// The id as sent.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.value
    }

    /// Which header it came from.
    #[must_use]
    pub fn source(&self) -> DedupSource {
        self.source
    }
}

impl fmt::Display for DedupId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.source {
            DedupSource::EventId => "event",
            DedupSource::WebhookId => "webhook",
        };
        write!(f, "{kind}:{}", self.value)
    }
}

/// A verified delivery: what changed, in which shop, and how to deduplicate it.
///
/// **This is a doorbell, not the data.** It names the resource that changed (and, for order
/// topics, the order) but deliberately exposes none of the body's business fields. The body is
/// the REST payload as it was when the event fired, possibly hours before it arrives and
/// possibly after a newer one: before mapping, re-read the order (or inventory level) with
/// GraphQL by [`WebhookEvent::order_id`] / [`WebhookEvent::resource_gid`], and map *that*.
///
/// `Serialize + Deserialize`, so it can sit on any queue between the receiver and the worker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookEvent {
    format: DeliveryFormat,
    matched_secret: MatchedSecret,
    topic: WebhookTopic,
    shop_domain: String,
    api_version: String,
    webhook_id: Option<String>,
    event_id: Option<String>,
    dedup_id: DedupId,
    triggered_at: Option<DateTime<Utc>>,
    subscription_name: Option<String>,
    resource_gid: Option<Gid>,
    order_id: Option<OrderId>,
    updated_at: Option<DateTime<Utc>>,
}

impl WebhookEvent {
    /// Which header family the delivery used.
    #[must_use]
    pub fn format(&self) -> DeliveryFormat {
        self.format
    }

    /// Which secret the signature matched.
    #[must_use]
    pub fn matched_secret(&self) -> MatchedSecret {
        self.matched_secret
    }

    /// The topic.
    #[must_use]
    pub fn topic(&self) -> &WebhookTopic {
        &self.topic
    }

    /// The shop's domain, lowercased (`acme-store.myshopify.com`).
    #[must_use]
    pub fn shop_domain(&self) -> &str {
        &self.shop_domain
    }

    /// The API version the payload was rendered with (Shopify falls forward when the
    /// subscription's version is retired; this header says which version was used).
    #[must_use]
    pub fn api_version(&self) -> &str {
        &self.api_version
    }

    /// `X-Shopify-Webhook-Id`: the delivery's id (absent in the events form).
    #[must_use]
    pub fn webhook_id(&self) -> Option<&str> {
        self.webhook_id.as_deref()
    }

    /// `X-Shopify-Event-Id`: the event's id, shared by every duplicate delivery.
    #[must_use]
    pub fn event_id(&self) -> Option<&str> {
        self.event_id.as_deref()
    }

    /// The id to deduplicate on: the event id, or the webhook id when the event id is absent
    /// ([`DedupId::source`] says which).
    #[must_use]
    pub fn dedup_id(&self) -> &DedupId {
        &self.dedup_id
    }

    /// When Shopify fired the event (`X-Shopify-Triggered-At`), if sent.
    #[must_use]
    pub fn triggered_at(&self) -> Option<DateTime<Utc>> {
        self.triggered_at
    }

    /// The subscription's name (`X-Shopify-Name`), if it has one.
    #[must_use]
    pub fn subscription_name(&self) -> Option<&str> {
        self.subscription_name.as_deref()
    }

    /// The body's `admin_graphql_api_id`: the resource that changed.
    #[must_use]
    pub fn resource_gid(&self) -> Option<&Gid> {
        self.resource_gid.as_ref()
    }

    /// The order to re-read: the resource itself on `orders/*` topics, the body's `order_id`
    /// on refunds and fulfilments, `order_edit.order_id` on `orders/edited`.
    #[must_use]
    pub fn order_id(&self) -> Option<&OrderId> {
        self.order_id.as_ref()
    }

    /// The resource as an inventory level (`gid://shopify/InventoryLevel/1?inventory_item_id=2`),
    /// when it is one.
    #[must_use]
    pub fn inventory_level_id(&self) -> Option<InventoryLevelId> {
        self.resource_gid
            .as_ref()
            .and_then(|gid| InventoryLevelId::try_from(gid.clone()).ok())
    }

    /// The body's `updated_at`: the resource's version, for discarding stale deliveries.
    #[must_use]
    pub fn updated_at(&self) -> Option<DateTime<Utc>> {
        self.updated_at
    }
}

/// Checks webhook signatures and turns verified deliveries into [`WebhookEvent`]s.
///
/// Holds the app's client secret (and, during a rotation, the previous one). `Debug` shows
/// neither. Cheap to clone; share one per app.
#[derive(Debug, Clone)]
pub struct WebhookVerifier {
    current: Secret,
    previous: Option<Secret>,
    max_body_bytes: usize,
}

impl WebhookVerifier {
    /// A verifier for the app's client secret, with the [`DEFAULT_MAX_BODY_BYTES`] cap.
    ///
    /// # Errors
    /// [`WebhookError::EmptySecret`] if the secret is blank.
    pub fn new(secret: Secret) -> Result<Self, WebhookError> {
        if secret.is_empty() {
            return Err(WebhookError::EmptySecret);
        }
        Ok(Self {
            current: secret,
            previous: None,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        })
    }

    /// Also accepts signatures made with the secret in use before a rotation. Shopify can take
    /// up to an hour to switch to the new secret; remove the old one afterwards.
    ///
    /// # Errors
    /// [`WebhookError::EmptySecret`] if the previous secret is blank.
    pub fn with_previous_secret(mut self, previous: Secret) -> Result<Self, WebhookError> {
        if previous.is_empty() {
            return Err(WebhookError::EmptySecret);
        }
        self.previous = Some(previous);
        Ok(self)
    }

    /// Sets the body size cap in bytes.
    #[must_use]
    pub fn with_max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body_bytes = limit;
        self
    }

    /// The body size cap in bytes. Pass it to the HTTP framework's body limit too, so an
    /// oversized body is not even read into memory.
    #[must_use]
    pub fn max_body_bytes(&self) -> usize {
        self.max_body_bytes
    }

    /// Refuses a declared `Content-Length` over the cap, before the body is read.
    ///
    /// # Errors
    /// [`WebhookError::BodyTooLarge`].
    pub fn check_content_length(&self, declared: u64) -> Result<(), WebhookError> {
        let limit = u64::try_from(self.max_body_bytes).unwrap_or(u64::MAX);
        if declared > limit {
            return Err(WebhookError::BodyTooLarge {
                limit: self.max_body_bytes,
                actual: declared,
            });
        }
        Ok(())
    }

    /// Checks a signature header value against the raw body, in constant time, trying the
    /// current secret and then the previous one.
    ///
    /// # Errors
    /// [`WebhookError::BodyTooLarge`] (checked before hashing),
    /// [`WebhookError::MalformedSignature`], [`WebhookError::SignatureMismatch`].
    pub fn verify_signature(
        &self,
        signature: &str,
        body: &[u8],
    ) -> Result<MatchedSecret, WebhookError> {
        self.check_content_length(u64::try_from(body.len()).unwrap_or(u64::MAX))?;
        let digest = decode_signature(signature)?;
        if signature_matches(&self.current, body, &digest) {
            return Ok(MatchedSecret::Current);
        }
        match &self.previous {
            Some(previous) if signature_matches(previous, body, &digest) => {
                Ok(MatchedSecret::Previous)
            }
            _ => Err(WebhookError::SignatureMismatch),
        }
    }

    /// Verifies a delivery and reads its event.
    ///
    /// Order of checks: body size, signature (constant time, over the raw bytes), headers,
    /// then the body as JSON. `headers` is any sequence of name/value pairs: an array of
    /// `(&str, &str)`, or `&http::HeaderMap` from any framework built on the `http` crate.
    /// Names match without regard to case; unrelated headers are ignored.
    ///
    /// # Errors
    /// A [`WebhookError`]; [`WebhookError::http_status`] gives the answer to send.
    pub fn verify<I, K, V>(&self, headers: I, body: &[u8]) -> Result<WebhookEvent, WebhookError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<[u8]>,
    {
        self.check_content_length(u64::try_from(body.len()).unwrap_or(u64::MAX))?;
        // Unusable headers other than the signature are reported only after the signature
        // holds: an unsigned request learns nothing beyond "401".
        let (found, header_error) = FoundHeaders::collect(headers)?;
        let (signature, format) = match &found.hmac {
            Some(value) => (
                value.text.as_str(),
                if value.prefixed {
                    DeliveryFormat::Webhook
                } else {
                    DeliveryFormat::Event
                },
            ),
            None => return Err(WebhookError::MissingSignature),
        };
        let matched_secret = self.verify_signature(signature, body)?;
        if let Some(error) = header_error {
            return Err(error);
        }
        let event = build_event(found, format, matched_secret, body)?;
        if matched_secret == MatchedSecret::Previous {
            tracing::info!(
                shop = %event.shop_domain,
                topic = %event.topic,
                "webhook signed with the previous client secret; keep it until this stops"
            );
        }
        Ok(event)
    }
}

fn decode_signature(signature: &str) -> Result<Vec<u8>, WebhookError> {
    let signature = signature.trim();
    if signature.is_empty() {
        return Err(WebhookError::MalformedSignature { reason: "empty" });
    }
    if signature.len() > MAX_SIGNATURE_CHARS {
        return Err(WebhookError::MalformedSignature {
            reason: "too long for a SHA-256 digest",
        });
    }
    let digest = base64::engine::general_purpose::STANDARD
        .decode(signature)
        .map_err(|_| WebhookError::MalformedSignature {
            reason: "not standard base64",
        })?;
    if digest.len() != 32 {
        return Err(WebhookError::MalformedSignature {
            reason: "does not decode to 32 bytes",
        });
    }
    Ok(digest)
}

fn signature_matches(secret: &Secret, body: &[u8], digest: &[u8]) -> bool {
    // HMAC accepts keys of any length, so this cannot fail; refusing is the safe answer anyway.
    let Ok(mut mac) = HmacSha256::new_from_slice(secret.expose().as_bytes()) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(digest).is_ok()
}

/// The headers this module reads, with their names in both forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Hmac,
    Topic,
    ShopDomain,
    ApiVersion,
    WebhookId,
    EventId,
    TriggeredAt,
    Name,
}

impl Field {
    const ALL: [Self; 8] = [
        Self::Hmac,
        Self::Topic,
        Self::ShopDomain,
        Self::ApiVersion,
        Self::WebhookId,
        Self::EventId,
        Self::TriggeredAt,
        Self::Name,
    ];

    fn prefixed(self) -> &'static str {
        match self {
            Self::Hmac => "X-Shopify-Hmac-Sha256",
            Self::Topic => "X-Shopify-Topic",
            Self::ShopDomain => "X-Shopify-Shop-Domain",
            Self::ApiVersion => "X-Shopify-API-Version",
            Self::WebhookId => "X-Shopify-Webhook-Id",
            Self::EventId => "X-Shopify-Event-Id",
            Self::TriggeredAt => "X-Shopify-Triggered-At",
            Self::Name => "X-Shopify-Name",
        }
    }

    fn unprefixed(self) -> Option<&'static str> {
        match self {
            Self::Hmac => Some("shopify-hmac-sha256"),
            Self::Topic => Some("shopify-topic"),
            Self::ShopDomain => Some("shopify-shop-domain"),
            Self::ApiVersion => Some("shopify-api-version"),
            Self::EventId => Some("shopify-event-id"),
            Self::TriggeredAt => Some("shopify-triggered-at"),
            Self::WebhookId | Self::Name => None,
        }
    }

    /// The name to report, in the family the delivery used.
    fn name_in(self, format: DeliveryFormat) -> &'static str {
        match format {
            DeliveryFormat::Webhook => self.prefixed(),
            DeliveryFormat::Event => self.unprefixed().unwrap_or_else(|| self.prefixed()),
        }
    }

    /// Which field a header name is, and whether it was the `X-Shopify-` form.
    fn identify(name: &str) -> Option<(Self, bool)> {
        Self::ALL.into_iter().find_map(|field| {
            if field.prefixed().eq_ignore_ascii_case(name) {
                Some((field, true))
            } else if field
                .unprefixed()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
            {
                Some((field, false))
            } else {
                None
            }
        })
    }
}

#[derive(Debug)]
struct HeaderText {
    text: String,
    prefixed: bool,
}

#[derive(Debug, Default)]
struct FoundHeaders {
    hmac: Option<HeaderText>,
    topic: Option<HeaderText>,
    shop_domain: Option<HeaderText>,
    api_version: Option<HeaderText>,
    webhook_id: Option<HeaderText>,
    event_id: Option<HeaderText>,
    triggered_at: Option<HeaderText>,
    name: Option<HeaderText>,
}

impl FoundHeaders {
    /// Reads the headers. A problem with the signature header is returned at once (it is an
    /// authentication failure); the first problem with any other header is returned beside
    /// what was found, for the caller to report once the signature has been checked.
    fn collect<I, K, V>(headers: I) -> Result<(Self, Option<WebhookError>), WebhookError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<[u8]>,
    {
        let mut found = Self::default();
        let mut deferred = None;
        for (name, value) in headers {
            let Some((field, prefixed)) = Field::identify(name.as_ref()) else {
                continue;
            };
            let reported = if prefixed {
                field.prefixed()
            } else {
                field.unprefixed().unwrap_or_else(|| field.prefixed())
            };
            let problem = match std::str::from_utf8(value.as_ref()) {
                Ok(text) => {
                    let text = text.trim();
                    let slot = found.slot(field);
                    match &mut *slot {
                        Some(existing) if existing.text != text => Some(if field == Field::Hmac {
                            WebhookError::MalformedSignature {
                                reason: "sent more than once with different values",
                            }
                        } else {
                            WebhookError::ConflictingHeader { name: reported }
                        }),
                        Some(existing) => {
                            existing.prefixed |= prefixed;
                            None
                        }
                        None => {
                            *slot = Some(HeaderText {
                                text: text.to_owned(),
                                prefixed,
                            });
                            None
                        }
                    }
                }
                Err(_) if field == Field::Hmac => Some(WebhookError::MalformedSignature {
                    reason: "not valid UTF-8",
                }),
                Err(_) => Some(WebhookError::BadHeader {
                    name: reported,
                    reason: "not valid UTF-8",
                }),
            };
            match problem {
                Some(error) if field == Field::Hmac => return Err(error),
                Some(error) => {
                    deferred.get_or_insert(error);
                }
                None => {}
            }
        }
        Ok((found, deferred))
    }

    fn slot(&mut self, field: Field) -> &mut Option<HeaderText> {
        match field {
            Field::Hmac => &mut self.hmac,
            Field::Topic => &mut self.topic,
            Field::ShopDomain => &mut self.shop_domain,
            Field::ApiVersion => &mut self.api_version,
            Field::WebhookId => &mut self.webhook_id,
            Field::EventId => &mut self.event_id,
            Field::TriggeredAt => &mut self.triggered_at,
            Field::Name => &mut self.name,
        }
    }
}

/// The value of a header, `None` when absent or blank.
fn present(value: Option<HeaderText>) -> Option<String> {
    value.map(|v| v.text).filter(|t| !t.is_empty())
}

fn required(
    value: Option<HeaderText>,
    field: Field,
    format: DeliveryFormat,
) -> Result<String, WebhookError> {
    present(value).ok_or(WebhookError::MissingHeader {
        name: field.name_in(format),
    })
}

/// An identifier-like value: printable ASCII without spaces, bounded length.
fn check_token(
    value: &str,
    field: Field,
    format: DeliveryFormat,
    allowed: fn(u8) -> bool,
    reason: &'static str,
) -> Result<(), WebhookError> {
    let bad = |reason| WebhookError::BadHeader {
        name: field.name_in(format),
        reason,
    };
    if value.len() > MAX_ID_CHARS {
        return Err(bad("longer than 255 characters"));
    }
    if !value.bytes().all(allowed) {
        return Err(bad(reason));
    }
    Ok(())
}

fn build_event(
    found: FoundHeaders,
    format: DeliveryFormat,
    matched_secret: MatchedSecret,
    body: &[u8],
) -> Result<WebhookEvent, WebhookError> {
    let FoundHeaders {
        hmac: _,
        topic,
        shop_domain,
        api_version,
        webhook_id,
        event_id,
        triggered_at,
        name,
    } = found;

    let topic = required(topic, Field::Topic, format)?;
    check_token(
        &topic,
        Field::Topic,
        format,
        |b| b.is_ascii_graphic(),
        "must be printable ASCII without spaces",
    )?;
    let topic = WebhookTopic::parse(&topic);

    let shop_domain = required(shop_domain, Field::ShopDomain, format)?.to_ascii_lowercase();
    check_token(
        &shop_domain,
        Field::ShopDomain,
        format,
        |b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.',
        "must be a host name (letters, digits, '-' and '.')",
    )?;

    let api_version = required(api_version, Field::ApiVersion, format)?;
    check_token(
        &api_version,
        Field::ApiVersion,
        format,
        |b| b.is_ascii_alphanumeric() || b == b'-',
        "must be a version such as 2026-01 or unstable",
    )?;

    let id_chars = |b: u8| b.is_ascii_graphic();
    let webhook_id = present(webhook_id);
    let event_id = present(event_id);
    if let Some(id) = &webhook_id {
        check_token(
            id,
            Field::WebhookId,
            format,
            id_chars,
            "must be printable ASCII without spaces",
        )?;
    }
    if let Some(id) = &event_id {
        check_token(
            id,
            Field::EventId,
            format,
            id_chars,
            "must be printable ASCII without spaces",
        )?;
    }
    // Shopify's own validator requires the webhook id on classic deliveries and the event id
    // on events deliveries; deduplication prefers the event id whenever it is there.
    let dedup_id = match (format, &event_id, &webhook_id) {
        (DeliveryFormat::Webhook, _, None) => {
            return Err(WebhookError::MissingHeader {
                name: Field::WebhookId.prefixed(),
            });
        }
        (DeliveryFormat::Event, None, _) => {
            return Err(WebhookError::MissingHeader {
                name: Field::EventId.name_in(format),
            });
        }
        (_, Some(event), _) => DedupId {
            value: event.clone(),
            source: DedupSource::EventId,
        },
        (DeliveryFormat::Webhook, None, Some(webhook)) => DedupId {
            value: webhook.clone(),
            source: DedupSource::WebhookId,
        },
    };

    let triggered_at = present(triggered_at)
        .map(|raw| {
            DateTime::parse_from_rfc3339(&raw)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| WebhookError::BadHeader {
                    name: Field::TriggeredAt.name_in(format),
                    reason: "not an RFC 3339 timestamp",
                })
        })
        .transpose()?;

    let subscription_name = present(name);
    if let Some(name) = &subscription_name {
        if name.len() > MAX_ID_CHARS || name.chars().any(char::is_control) {
            return Err(WebhookError::BadHeader {
                name: Field::Name.prefixed(),
                reason: "must be at most 255 characters without control characters",
            });
        }
    }

    let facts = BodyFacts::read(body, &topic)?;

    Ok(WebhookEvent {
        format,
        matched_secret,
        topic,
        shop_domain,
        api_version,
        webhook_id,
        event_id,
        dedup_id,
        triggered_at,
        subscription_name,
        resource_gid: facts.resource_gid,
        order_id: facts.order_id,
        updated_at: facts.updated_at,
    })
}

/// The only body fields read. Each is kept as a raw JSON value so that an unexpected type is
/// reported by field name rather than by serde with the offending value quoted.
#[derive(Deserialize)]
struct BodyProbe {
    #[serde(default)]
    admin_graphql_api_id: Option<serde_json::Value>,
    #[serde(default)]
    updated_at: Option<serde_json::Value>,
    #[serde(default)]
    order_id: Option<serde_json::Value>,
    #[serde(default)]
    order_edit: Option<serde_json::Value>,
}

struct BodyFacts {
    resource_gid: Option<Gid>,
    order_id: Option<OrderId>,
    updated_at: Option<DateTime<Utc>>,
}

impl BodyFacts {
    fn read(body: &[u8], topic: &WebhookTopic) -> Result<Self, WebhookError> {
        // A struct also deserializes from a JSON array, so insist on an object up front.
        if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
            return Err(
                match serde_json::from_slice::<serde::de::IgnoredAny>(body) {
                    Ok(_) => WebhookError::BodyNotObject,
                    Err(e) => json_error(&e),
                },
            );
        }
        let probe: BodyProbe = serde_json::from_slice(body).map_err(|e| json_error(&e))?;

        let resource_gid = match probe.admin_graphql_api_id {
            None => None,
            Some(serde_json::Value::String(raw)) => {
                Some(Gid::parse(&raw).map_err(|_| WebhookError::BadBodyField {
                    field: "admin_graphql_api_id",
                    reason: "not a Shopify global ID",
                })?)
            }
            Some(_) => {
                return Err(WebhookError::BadBodyField {
                    field: "admin_graphql_api_id",
                    reason: "not a string",
                });
            }
        };
        if let (Some(gid), Some(expected)) = (&resource_gid, topic.resource_type()) {
            if gid.resource_type() != expected {
                return Err(WebhookError::ResourceMismatch {
                    topic: topic.as_str().to_owned(),
                    expected,
                    found: gid.resource_type().to_owned(),
                });
            }
        }
        if let Some(gid) = &resource_gid {
            if gid.resource_type() == InventoryLevelId::RESOURCE {
                InventoryLevelId::try_from(gid.clone()).map_err(|_| {
                    WebhookError::BadBodyField {
                        field: "admin_graphql_api_id",
                        reason: "inventory_item_id in the inventory level ID must be digits",
                    }
                })?;
            }
        }

        let updated_at = match probe.updated_at {
            None => None,
            Some(serde_json::Value::String(raw)) => Some(
                DateTime::parse_from_rfc3339(&raw)
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(|_| WebhookError::BadBodyField {
                        field: "updated_at",
                        reason: "not an RFC 3339 timestamp",
                    })?,
            ),
            Some(_) => {
                return Err(WebhookError::BadBodyField {
                    field: "updated_at",
                    reason: "not a string",
                });
            }
        };

        let order_id = match resource_gid
            .as_ref()
            .and_then(|gid| OrderId::try_from(gid.clone()).ok())
        {
            Some(id) => Some(id),
            None => {
                let edit_order = probe
                    .order_edit
                    .as_ref()
                    .and_then(|edit| edit.get("order_id"))
                    .filter(|v| !v.is_null());
                match (probe.order_id.as_ref(), edit_order) {
                    (Some(v), _) => Some(numeric_order_id(v, "order_id")?),
                    (None, Some(v)) => Some(numeric_order_id(v, "order_edit.order_id")?),
                    (None, None) => None,
                }
            }
        };

        Ok(Self {
            resource_gid,
            order_id,
            updated_at,
        })
    }
}

/// Keeps only the position and the kind: serde's message can quote body content.
fn json_error(e: &serde_json::Error) -> WebhookError {
    let (line, column) = (e.line(), e.column());
    match e.classify() {
        serde_json::error::Category::Data => WebhookError::UnexpectedBody { line, column },
        serde_json::error::Category::Io
        | serde_json::error::Category::Syntax
        | serde_json::error::Category::Eof => WebhookError::BodyNotJson { line, column },
    }
}

fn numeric_order_id(
    value: &serde_json::Value,
    field: &'static str,
) -> Result<OrderId, WebhookError> {
    let bad = WebhookError::BadBodyField {
        field,
        reason: "not an order id from 1 to 9223372036854775807",
    };
    let id = match value {
        serde_json::Value::Number(n) => n.as_u64(),
        serde_json::Value::String(s) => s.parse::<u64>().ok(),
        _ => None,
    };
    id.and_then(|id| OrderId::try_from_numeric(id).ok())
        .ok_or(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_round_trips_and_keeps_unknown_text() {
        for (topic, name) in WebhookTopic::KNOWN {
            assert_eq!(WebhookTopic::parse(name), topic);
            assert_eq!(topic.as_str(), name);
        }
        assert_eq!(WebhookTopic::parse("ORDERS/PAID"), WebhookTopic::OrdersPaid);
        let unknown = WebhookTopic::parse("products/update");
        assert_eq!(unknown, WebhookTopic::Unknown("products/update".into()));
        assert_eq!(unknown.to_string(), "products/update");
        let json = serde_json::to_string(&WebhookTopic::RefundsCreate).unwrap();
        assert_eq!(json, "\"refunds/create\"");
    }

    #[test]
    fn field_names_identify_in_both_forms() {
        assert_eq!(
            Field::identify("x-shopify-hmac-sha256"),
            Some((Field::Hmac, true))
        );
        assert_eq!(
            Field::identify("SHOPIFY-EVENT-ID"),
            Some((Field::EventId, false))
        );
        assert_eq!(Field::identify("shopify-webhook-id"), None);
        assert_eq!(Field::identify("content-type"), None);
    }

    #[test]
    fn signature_decoding_rejects_bad_shapes() {
        assert!(decode_signature("").is_err());
        assert!(decode_signature("not base64!!").is_err());
        assert!(decode_signature("YWJj").is_err());
        assert!(decode_signature(&"A".repeat(200)).is_err());
        let ok = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
        assert_eq!(decode_signature(&ok).unwrap(), vec![7u8; 32]);
    }
}
