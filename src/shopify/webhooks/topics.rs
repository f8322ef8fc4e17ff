//! The webhook topics this crate acts on.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::shopify::ids::{InventoryLevelId, OrderId};

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
}
