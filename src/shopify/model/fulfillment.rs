//! Fulfillment orders, fulfillments and their tracking, as the Admin API reads and writes them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::inventory::IdOnly;
use super::page::Connection;
use crate::shopify::{
    FulfillmentId, FulfillmentOrderId, FulfillmentOrderLineItemId, LineItemId, LocationId, OrderId,
};
use crate::wire_enum::wire_enum;

wire_enum!(
    /// `FulfillmentOrderStatus`.
    FulfillmentOrderStatus {
        /// Ready to be fulfilled.
        Open => "OPEN",
        /// Being fulfilled (can still be fulfilled).
        InProgress => "IN_PROGRESS",
        /// Cancelled; nothing more can be fulfilled.
        Cancelled => "CANCELLED",
        /// Some items could not be fulfilled.
        Incomplete => "INCOMPLETE",
        /// Fulfilled, or otherwise done.
        Closed => "CLOSED",
        /// Waiting for its `fulfillAt` date.
        Scheduled => "SCHEDULED",
        /// Held: nothing can be fulfilled until the holds are released.
        OnHold => "ON_HOLD",
    }
);

wire_enum!(
    /// `FulfillmentOrderAction`: what can be done to a fulfillment order now.
    FulfillmentOrderAction {
        /// `fulfillmentCreate` is allowed.
        CreateFulfillment => "CREATE_FULFILLMENT",
        /// `fulfillmentOrderMove` is allowed.
        Move => "MOVE",
        /// A hold may be placed.
        Hold => "HOLD",
        /// Holds may be released.
        ReleaseHold => "RELEASE_HOLD",
        /// Progress may be reported.
        ReportProgress => "REPORT_PROGRESS",
    }
);

wire_enum!(
    /// `FulfillmentStatus` (of one fulfillment).
    FulfillmentState {
        /// Shipped.
        Success => "SUCCESS",
        /// Cancelled: its quantities are open again.
        Cancelled => "CANCELLED",
        /// Failed.
        Error => "ERROR",
        /// Failed.
        Failure => "FAILURE",
        /// Being created.
        Pending => "PENDING",
        /// Being created.
        Open => "OPEN",
    }
);

/// A fulfillment order's assigned location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AssignedLocation {
    /// The location (`None` when it was deleted).
    #[serde(default)]
    pub location: Option<IdOnly<LocationId>>,
}

/// A hold on a fulfillment order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FulfillmentHold {
    /// The hold's ID.
    pub id: String,
    /// `FulfillmentHoldReason` (`INCORRECT_ADDRESS`, `OTHER`...).
    pub reason: String,
    /// Free text.
    #[serde(default)]
    pub reason_notes: Option<String>,
}

/// One action a fulfillment order supports now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SupportedAction {
    /// The action.
    pub action: FulfillmentOrderAction,
}

/// The bundle (`lineItemGroup`) an order line is a component of, as a fulfillment order
/// line names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LineItemGroupRef {
    /// The group's ID.
    pub id: String,
    /// Bundles of the group bought.
    pub quantity: i64,
}

/// The order line of a fulfillment order line: its ID, the units ordered and, for a
/// component of a Shopify-native bundle, the bundle group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FulfillmentOrderLine {
    /// The order line's ID.
    pub id: LineItemId,
    /// Units ordered on the line.
    #[serde(default)]
    pub quantity: Option<i64>,
    /// The native bundle the line is a component of.
    #[serde(default)]
    pub line_item_group: Option<LineItemGroupRef>,
}

/// A line of a fulfillment order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FulfillmentOrderLineItem {
    /// The fulfillment order line's ID (what `fulfillmentCreate` names).
    pub id: FulfillmentOrderLineItemId,
    /// The order line it fulfils.
    pub line_item: FulfillmentOrderLine,
    /// Its SKU.
    #[serde(default)]
    pub sku: Option<String>,
    /// Units not fulfilled yet.
    pub remaining_quantity: i64,
    /// Units on this fulfillment order.
    pub total_quantity: i64,
}

/// A fulfillment order: a group of an order's lines to be shipped from one location.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FulfillmentOrder {
    /// Its ID.
    pub id: FulfillmentOrderId,
    /// Its status.
    pub status: FulfillmentOrderStatus,
    /// Where it is to be shipped from.
    pub assigned_location: AssignedLocation,
    /// Its holds.
    #[serde(default)]
    pub fulfillment_holds: Vec<FulfillmentHold>,
    /// What may be done to it now.
    #[serde(default)]
    pub supported_actions: Vec<SupportedAction>,
    /// Its lines.
    pub line_items: Connection<FulfillmentOrderLineItem>,
}

impl FulfillmentOrder {
    /// The assigned location's ID.
    #[must_use]
    pub fn location(&self) -> Option<&LocationId> {
        self.assigned_location.location.as_ref().map(|l| &l.id)
    }

    /// Whether `action` is among its supported actions.
    #[must_use]
    pub fn supports(&self, action: &FulfillmentOrderAction) -> bool {
        self.supported_actions.iter().any(|a| &a.action == action)
    }
}

/// One tracking number of a fulfillment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FulfillmentTrackingInfo {
    /// The carrier.
    #[serde(default)]
    pub company: Option<String>,
    /// The tracking number.
    #[serde(default)]
    pub number: Option<String>,
    /// The tracking page.
    #[serde(default)]
    pub url: Option<String>,
}

/// A line of a fulfillment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FulfillmentLineItem {
    /// The order line.
    pub line_item: IdOnly<LineItemId>,
    /// Units.
    #[serde(default)]
    pub quantity: Option<i64>,
}

/// A fulfillment (a shipment) of an order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Fulfillment {
    /// Its ID.
    pub id: FulfillmentId,
    /// Its status.
    pub status: FulfillmentState,
    /// When it was made.
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
    /// Where it shipped from.
    #[serde(default)]
    pub location: Option<IdOnly<LocationId>>,
    /// Its tracking numbers.
    #[serde(default)]
    pub tracking_info: Vec<FulfillmentTrackingInfo>,
    /// Its lines.
    pub fulfillment_line_items: Connection<FulfillmentLineItem>,
}

impl Fulfillment {
    /// Its tracking numbers, in Shopify's order.
    pub fn tracking_numbers(&self) -> impl Iterator<Item = &str> {
        self.tracking_info
            .iter()
            .filter_map(|t| t.number.as_deref())
    }
}

/// An order's fulfillment state: its fulfillment orders and fulfillments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OrderFulfillments {
    /// The order.
    pub id: OrderId,
    /// `#1001`.
    pub name: String,
    /// When it was cancelled.
    #[serde(default)]
    pub cancelled_at: Option<DateTime<Utc>>,
    /// Its fulfillment orders.
    pub fulfillment_orders: Connection<FulfillmentOrder>,
    /// Its fulfillments.
    #[serde(default)]
    pub fulfillments: Vec<Fulfillment>,
    /// Whether the read left fulfillments out: Shopify counts more than the largest list
    /// it answers ([`MAX_FULFILLMENTS`](crate::shopify::MAX_FULFILLMENTS)).
    #[serde(default)]
    pub more_fulfillments: bool,
}

impl OrderFulfillments {
    /// Whether some list was cut short by its page size (the state is then incomplete).
    #[must_use]
    pub fn is_truncated(&self) -> bool {
        self.more_fulfillments
            || self.fulfillment_orders.page_info.has_next_page
            || self
                .fulfillment_orders
                .nodes
                .iter()
                .any(|fo| fo.line_items.page_info.has_next_page)
            || self
                .fulfillments
                .iter()
                .any(|f| f.fulfillment_line_items.page_info.has_next_page)
    }
}

/// `FulfillmentOrderLineItemInput`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FulfillmentOrderLineItemInput {
    /// The fulfillment order line.
    pub id: FulfillmentOrderLineItemId,
    /// Units to fulfil (> 0).
    pub quantity: i64,
}

/// `FulfillmentOrderLineItemsInput`: the lines of one fulfillment order to fulfil.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FulfillmentOrderLineItemsInput {
    /// The fulfillment order.
    pub fulfillment_order_id: FulfillmentOrderId,
    /// Its lines (never empty: an empty list would fulfil every remaining line).
    pub fulfillment_order_line_items: Vec<FulfillmentOrderLineItemInput>,
}

/// `FulfillmentTrackingInput`: `numbers` and `urls` pair by position; the `company` applies
/// to every number.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FulfillmentTrackingInput {
    /// The carrier, as Shopify names it when it is one of Shopify's carriers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    /// Tracking numbers.
    #[serde(default)]
    pub numbers: Vec<String>,
    /// Tracking pages, one per number (empty: Shopify builds them for known carriers).
    #[serde(default)]
    pub urls: Vec<String>,
}

/// `FulfillmentInput` of `fulfillmentCreate`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FulfillmentInput {
    /// The tracking set.
    pub tracking_info: FulfillmentTrackingInput,
    /// Whether Shopify e-mails the customer.
    pub notify_customer: bool,
    /// What is fulfilled, per fulfillment order (one order, one location).
    pub line_items_by_fulfillment_order: Vec<FulfillmentOrderLineItemsInput>,
}

impl FulfillmentInput {
    /// An input from its parts.
    #[must_use]
    pub fn new(
        tracking_info: FulfillmentTrackingInput,
        notify_customer: bool,
        line_items_by_fulfillment_order: Vec<FulfillmentOrderLineItemsInput>,
    ) -> Self {
        Self {
            tracking_info,
            notify_customer,
            line_items_by_fulfillment_order,
        }
    }
}

impl FulfillmentTrackingInput {
    /// A tracking set from its parts.
    #[must_use]
    pub fn new(company: Option<String>, numbers: Vec<String>, urls: Vec<String>) -> Self {
        Self {
            company,
            numbers,
            urls,
        }
    }
}

impl FulfillmentOrderLineItemsInput {
    /// The lines of one fulfillment order.
    #[must_use]
    pub fn new(
        fulfillment_order_id: FulfillmentOrderId,
        fulfillment_order_line_items: Vec<FulfillmentOrderLineItemInput>,
    ) -> Self {
        Self {
            fulfillment_order_id,
            fulfillment_order_line_items,
        }
    }
}

impl FulfillmentOrderLineItemInput {
    /// A line and its units.
    #[must_use]
    pub fn new(id: FulfillmentOrderLineItemId, quantity: i64) -> Self {
        Self { id, quantity }
    }
}

/// A fulfillment as `fulfillmentCreate` and `fulfillmentTrackingInfoUpdate` answer it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FulfillmentSummary {
    /// Its ID.
    pub id: FulfillmentId,
    /// Its status.
    pub status: FulfillmentState,
    /// Its tracking numbers.
    #[serde(default)]
    pub tracking_info: Vec<FulfillmentTrackingInfo>,
}
