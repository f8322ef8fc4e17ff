//! The verified delivery ([`WebhookEvent`]) and the id to deduplicate it on.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::body::BodyFacts;
use super::error::WebhookError;
use super::headers::{
    DeliveryFormat, Field, FoundHeaders, MAX_ID_CHARS, check_token, present, required,
};
use super::topics::WebhookTopic;
use super::verification::MatchedSecret;
use crate::shopify::ids::{Gid, InventoryLevelId, OrderId};

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

pub(super) fn build_event(
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
