//! The `X-Shopify-*` headers (and their unprefixed "events" forms): which are read, how they
//! are collected without regard to case, and the checks on identifier-like values.

use serde::{Deserialize, Serialize};

use super::error::WebhookError;

/// Upper bound for identifier-like header values (ids, topic, version, shop).
pub(super) const MAX_ID_CHARS: usize = 255;

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

/// The headers this module reads, with their names in both forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Field {
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

    pub(super) fn prefixed(self) -> &'static str {
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

    pub(super) fn unprefixed(self) -> Option<&'static str> {
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
    pub(super) fn name_in(self, format: DeliveryFormat) -> &'static str {
        match format {
            DeliveryFormat::Webhook => self.prefixed(),
            DeliveryFormat::Event => self.unprefixed().unwrap_or_else(|| self.prefixed()),
        }
    }

    /// Which field a header name is, and whether it was the `X-Shopify-` form.
    pub(super) fn identify(name: &str) -> Option<(Self, bool)> {
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
pub(super) struct HeaderText {
    pub(super) text: String,
    pub(super) prefixed: bool,
}

#[derive(Debug, Default)]
pub(super) struct FoundHeaders {
    pub(super) hmac: Option<HeaderText>,
    pub(super) topic: Option<HeaderText>,
    pub(super) shop_domain: Option<HeaderText>,
    pub(super) api_version: Option<HeaderText>,
    pub(super) webhook_id: Option<HeaderText>,
    pub(super) event_id: Option<HeaderText>,
    pub(super) triggered_at: Option<HeaderText>,
    pub(super) name: Option<HeaderText>,
}

impl FoundHeaders {
    /// Reads the headers. A problem with the signature header is returned at once (it is an
    /// authentication failure); the first problem with any other header is returned beside
    /// what was found, for the caller to report once the signature has been checked.
    pub(super) fn collect<I, K, V>(headers: I) -> Result<(Self, Option<WebhookError>), WebhookError>
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
pub(super) fn present(value: Option<HeaderText>) -> Option<String> {
    value.map(|v| v.text).filter(|t| !t.is_empty())
}

pub(super) fn required(
    value: Option<HeaderText>,
    field: Field,
    format: DeliveryFormat,
) -> Result<String, WebhookError> {
    present(value).ok_or(WebhookError::MissingHeader {
        name: field.name_in(format),
    })
}

/// An identifier-like value: printable ASCII without spaces, bounded length.
pub(super) fn check_token(
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
