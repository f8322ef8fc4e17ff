//! The few body facts a delivery yields: the resource's global ID, the order to re-read and
//! `updated_at`; nothing else of the body is read.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::error::WebhookError;
use super::topics::WebhookTopic;
use crate::shopify::ids::{Gid, InventoryLevelId, OrderId};

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

pub(super) struct BodyFacts {
    pub(super) resource_gid: Option<Gid>,
    pub(super) order_id: Option<OrderId>,
    pub(super) updated_at: Option<DateTime<Utc>>,
}

impl BodyFacts {
    pub(super) fn read(body: &[u8], topic: &WebhookTopic) -> Result<Self, WebhookError> {
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
