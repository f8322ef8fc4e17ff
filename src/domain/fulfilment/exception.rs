//! What keeps a dispatch from becoming a fulfilment, with who acts on it.

use serde::{Deserialize, Serialize};

use crate::domain::exception::{DomainException, Flow, Owner, RecordRef, Severity};
use crate::shopify::{FulfillmentOrderId, LineItemId, LocationId as ShopifyLocationId, OrderId};
use crate::stokly::LocationId as StoklyLocationId;

/// A dispatch (or part of one) the plan does not send to Shopify, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum FulfilmentException {
    /// Shopify did not return the order of a dispatch.
    OrderNotFound {
        /// The order.
        order: OrderId,
        /// The dispatches.
        dispatches: Vec<String>,
    },
    /// Shopify's fulfillment state of the order was not read whole (more fulfilments than
    /// the longest list Shopify answers); nothing of the order is planned.
    IncompleteOrderRead {
        /// The order.
        order: OrderId,
        /// Its name.
        name: String,
    },
    /// The order was cancelled in Shopify, and Stokly dispatched goods for it.
    CancelledAfterDispatch {
        /// The order.
        order: OrderId,
        /// Its name.
        name: String,
        /// The dispatches not sent.
        dispatches: Vec<String>,
    },
    /// A dispatch left from a Stokly location that maps to no Shopify location.
    UnmappedLocation {
        /// The order.
        order: OrderId,
        /// The dispatch.
        dispatch: String,
        /// The Stokly location.
        location: StoklyLocationId,
    },
    /// A dispatch names a quantity that is not a positive number of units.
    InvalidQuantity {
        /// The order.
        order: OrderId,
        /// The dispatch.
        dispatch: String,
        /// The order line.
        line_item: LineItemId,
        /// The field (`quantity`, `components[1].per_unit`).
        field: String,
        /// Its value.
        value: i64,
    },
    /// Some components of a bundle were dispatched without the rest; the incomplete bundle
    /// units are not fulfilled (a bundle is fulfilled whole or not at all).
    BundleIncomplete {
        /// The order.
        order: OrderId,
        /// The dispatch.
        dispatch: String,
        /// The bundle's order line.
        line_item: LineItemId,
        /// Whole bundle units dispatched (fulfilled).
        complete_units: i64,
        /// Components short of the next whole unit.
        short: Vec<String>,
    },
    /// Components of a Shopify-native bundle (order lines of one `lineItemGroup`) that
    /// cannot go in whole bundle units: the other components have not left with them (in
    /// this dispatch group: same location and carrier), or cannot be fulfilled now. They
    /// are held back; a bundle is never fulfilled in part.
    BundleGroupIncomplete {
        /// The order.
        order: OrderId,
        /// Its name.
        name: String,
        /// The bundle group.
        group: String,
        /// The dispatches of the units held back.
        dispatches: Vec<String>,
        /// Whole bundle units fulfilled once the plan is applied.
        complete_units: i64,
        /// Units held back, by component line.
        held_back: Vec<(LineItemId, i64)>,
        /// Component lines short of the next whole unit.
        short: Vec<LineItemId>,
    },
    /// A dispatched line is not on the Shopify order.
    UnknownLine {
        /// The order.
        order: OrderId,
        /// Its name.
        name: String,
        /// The line.
        line_item: LineItemId,
        /// Units dispatched.
        quantity: i64,
    },
    /// More units were dispatched than the order has left to fulfil.
    OverDispatch {
        /// The order.
        order: OrderId,
        /// Its name.
        name: String,
        /// The line.
        line_item: LineItemId,
        /// Units dispatched and not yet fulfilled in Shopify.
        unfulfilled_dispatched: i64,
        /// Units Shopify can still fulfil.
        fulfillable: i64,
    },
    /// The fulfillment order holding the line is on hold.
    OnHold {
        /// The order.
        order: OrderId,
        /// Its name.
        name: String,
        /// The fulfillment order.
        fulfillment_order: FulfillmentOrderId,
        /// The line.
        line_item: LineItemId,
        /// Units held back.
        quantity: i64,
        /// The holds' reasons.
        reasons: Vec<String>,
    },
    /// The fulfillment order holding the line cannot be fulfilled now (closed, cancelled,
    /// scheduled, or without the `CREATE_FULFILLMENT` action).
    NotFulfillable {
        /// The order.
        order: OrderId,
        /// Its name.
        name: String,
        /// The fulfillment order.
        fulfillment_order: FulfillmentOrderId,
        /// Its status.
        status: String,
        /// The line.
        line_item: LineItemId,
        /// Units not sent.
        quantity: i64,
    },
    /// Goods left from another location than the one the fulfillment order is assigned to.
    LocationMismatch {
        /// The order.
        order: OrderId,
        /// Its name.
        name: String,
        /// The fulfillment order.
        fulfillment_order: FulfillmentOrderId,
        /// Where Shopify expects the goods to leave from.
        assigned: ShopifyLocationId,
        /// Where they left from.
        dispatched_from: ShopifyLocationId,
        /// The line.
        line_item: LineItemId,
        /// Units not sent.
        quantity: i64,
        /// Whether the plan moves the fulfillment order (sent by the next run).
        move_planned: bool,
    },
    /// A Stokly dispatch that cannot be read in the plan's terms (a field missing, a line
    /// that matches no Shopify line, or more than one).
    DispatchNotMapped {
        /// The order.
        order: OrderId,
        /// The dispatch.
        dispatch: String,
        /// The field (`locationId`, `items[2].lineId`).
        field: String,
        /// What is wrong with it.
        problem: String,
    },
    /// A carrier Shopify does not know, and parcels without a tracking page: the customer
    /// sees the numbers without links.
    TrackingUrlMissing {
        /// The order.
        order: OrderId,
        /// The carrier.
        carrier: String,
        /// The dispatches.
        dispatches: Vec<String>,
    },
}

fn order_ref(order: &OrderId, name: &str) -> RecordRef {
    RecordRef::ShopifyOrder {
        id: order.clone(),
        name: name.to_owned(),
    }
}

impl FulfilmentException {
    /// The order it is about.
    #[must_use]
    pub fn order(&self) -> &OrderId {
        match self {
            Self::OrderNotFound { order, .. }
            | Self::IncompleteOrderRead { order, .. }
            | Self::CancelledAfterDispatch { order, .. }
            | Self::UnmappedLocation { order, .. }
            | Self::InvalidQuantity { order, .. }
            | Self::BundleIncomplete { order, .. }
            | Self::BundleGroupIncomplete { order, .. }
            | Self::UnknownLine { order, .. }
            | Self::OverDispatch { order, .. }
            | Self::OnHold { order, .. }
            | Self::NotFulfillable { order, .. }
            | Self::LocationMismatch { order, .. }
            | Self::DispatchNotMapped { order, .. }
            | Self::TrackingUrlMissing { order, .. } => order,
        }
    }
}

impl DomainException for FulfilmentException {
    fn flow(&self) -> Flow {
        Flow::Fulfilment
    }

    fn code(&self) -> &'static str {
        match self {
            Self::OrderNotFound { .. } => "order_not_found",
            Self::IncompleteOrderRead { .. } => "incomplete_order_read",
            Self::CancelledAfterDispatch { .. } => "cancelled_after_dispatch",
            Self::UnmappedLocation { .. } => "unmapped_location",
            Self::InvalidQuantity { .. } => "invalid_quantity",
            Self::BundleIncomplete { .. } => "bundle_incomplete",
            Self::BundleGroupIncomplete { .. } => "bundle_group_incomplete",
            Self::UnknownLine { .. } => "unknown_line",
            Self::OverDispatch { .. } => "over_dispatch",
            Self::OnHold { .. } => "on_hold",
            Self::NotFulfillable { .. } => "not_fulfillable",
            Self::LocationMismatch { .. } => "location_mismatch",
            Self::DispatchNotMapped { .. } => "dispatch_not_mapped",
            Self::TrackingUrlMissing { .. } => "tracking_url_missing",
        }
    }

    fn owner(&self) -> Owner {
        match self {
            Self::OrderNotFound { .. }
            | Self::IncompleteOrderRead { .. }
            | Self::UnmappedLocation { .. }
            | Self::InvalidQuantity { .. }
            | Self::BundleIncomplete { .. }
            | Self::BundleGroupIncomplete { .. }
            | Self::UnknownLine { .. }
            | Self::OverDispatch { .. }
            | Self::LocationMismatch { .. }
            | Self::DispatchNotMapped { .. }
            | Self::TrackingUrlMissing { .. } => Owner::Operations,
            Self::CancelledAfterDispatch { .. }
            | Self::OnHold { .. }
            | Self::NotFulfillable { .. } => Owner::Ecommerce,
        }
    }

    fn severity(&self) -> Severity {
        match self {
            Self::BundleIncomplete { .. } | Self::BundleGroupIncomplete { .. } => Severity::Info,
            Self::TrackingUrlMissing { .. } => Severity::Warning,
            Self::LocationMismatch { move_planned, .. } => {
                if *move_planned {
                    Severity::Info
                } else {
                    Severity::Blocking
                }
            }
            Self::OrderNotFound { .. }
            | Self::IncompleteOrderRead { .. }
            | Self::CancelledAfterDispatch { .. }
            | Self::UnmappedLocation { .. }
            | Self::InvalidQuantity { .. }
            | Self::UnknownLine { .. }
            | Self::OverDispatch { .. }
            | Self::OnHold { .. }
            | Self::DispatchNotMapped { .. }
            | Self::NotFulfillable { .. } => Severity::Blocking,
        }
    }

    fn subject(&self) -> Vec<RecordRef> {
        match self {
            Self::OrderNotFound { order, .. }
            | Self::InvalidQuantity { order, .. }
            | Self::BundleIncomplete { order, .. }
            | Self::DispatchNotMapped { order, .. }
            | Self::TrackingUrlMissing { order, .. } => vec![order_ref(order, "")],
            Self::UnmappedLocation {
                order, location, ..
            } => vec![
                order_ref(order, ""),
                RecordRef::StoklyLocation {
                    id: location.clone(),
                },
            ],
            Self::IncompleteOrderRead { order, name }
            | Self::CancelledAfterDispatch { order, name, .. }
            | Self::UnknownLine { order, name, .. }
            | Self::BundleGroupIncomplete { order, name, .. }
            | Self::OverDispatch { order, name, .. }
            | Self::OnHold { order, name, .. }
            | Self::NotFulfillable { order, name, .. } => vec![order_ref(order, name)],
            Self::LocationMismatch {
                order,
                name,
                assigned,
                dispatched_from,
                ..
            } => vec![
                order_ref(order, name),
                RecordRef::ShopifyLocation {
                    id: assigned.clone(),
                },
                RecordRef::ShopifyLocation {
                    id: dispatched_from.clone(),
                },
            ],
        }
    }

    fn reason(&self) -> String {
        match self {
            Self::OrderNotFound { order, dispatches } => format!(
                "Shopify order {} of dispatches {} was not found",
                order.numeric_id(),
                dispatches.join(", ")
            ),
            Self::IncompleteOrderRead { name, .. } => format!(
                "order {name} has more fulfilments than the longest list Shopify answers; \
                 nothing of it is planned"
            ),
            Self::CancelledAfterDispatch {
                name, dispatches, ..
            } => format!(
                "order {name} was cancelled in Shopify after Stokly dispatched it (dispatches {})",
                dispatches.join(", ")
            ),
            Self::UnmappedLocation {
                dispatch, location, ..
            } => format!(
                "dispatch {dispatch} left from Stokly location {location}, which maps to no \
                 Shopify location"
            ),
            Self::InvalidQuantity {
                dispatch,
                line_item,
                field,
                value,
                ..
            } => format!(
                "dispatch {dispatch}, line {}: {field} is {value}, not a positive number of units",
                line_item.numeric_id()
            ),
            Self::BundleIncomplete {
                dispatch,
                line_item,
                complete_units,
                short,
                ..
            } => format!(
                "dispatch {dispatch}: bundle line {} has {complete_units} whole units; {} short \
                 of the next",
                line_item.numeric_id(),
                short.join(", ")
            ),
            Self::BundleGroupIncomplete {
                name,
                group,
                dispatches,
                complete_units,
                held_back,
                short,
                ..
            } => format!(
                "order {name}: bundle {group} would be fulfilled in part; {} held back \
                 (dispatches {}) with {complete_units} whole units fulfilled; lines {} are \
                 short of the next unit here",
                held_back
                    .iter()
                    .map(|(l, q)| format!("{q} of line {}", l.numeric_id()))
                    .collect::<Vec<_>>()
                    .join(", "),
                dispatches.join(", "),
                short
                    .iter()
                    .map(|l| l.numeric_id().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Self::UnknownLine {
                name,
                line_item,
                quantity,
                ..
            } => format!(
                "{quantity} units of line {} were dispatched but order {name} has no such line",
                line_item.numeric_id()
            ),
            Self::OverDispatch {
                name,
                line_item,
                unfulfilled_dispatched,
                fulfillable,
                ..
            } => format!(
                "order {name}, line {}: {unfulfilled_dispatched} units dispatched and not \
                 fulfilled, but Shopify can fulfil {fulfillable}",
                line_item.numeric_id()
            ),
            Self::OnHold {
                name,
                fulfillment_order,
                line_item,
                quantity,
                reasons,
                ..
            } => format!(
                "order {name}: {quantity} units of line {} are on fulfillment order {}, which \
                 is on hold ({})",
                line_item.numeric_id(),
                fulfillment_order.numeric_id(),
                reasons.join(", ")
            ),
            Self::NotFulfillable {
                name,
                fulfillment_order,
                status,
                line_item,
                quantity,
                ..
            } => format!(
                "order {name}: {quantity} units of line {} are on fulfillment order {} \
                 ({status}), which cannot be fulfilled now",
                line_item.numeric_id(),
                fulfillment_order.numeric_id()
            ),
            Self::LocationMismatch {
                name,
                fulfillment_order,
                assigned,
                dispatched_from,
                line_item,
                quantity,
                ..
            } => format!(
                "order {name}: {quantity} units of line {} left from location {} but \
                 fulfillment order {} is assigned to location {}",
                line_item.numeric_id(),
                dispatched_from.numeric_id(),
                fulfillment_order.numeric_id(),
                assigned.numeric_id()
            ),
            Self::DispatchNotMapped {
                dispatch,
                field,
                problem,
                ..
            } => format!("Stokly dispatch {dispatch}: {field} {problem}"),
            Self::TrackingUrlMissing {
                carrier,
                dispatches,
                ..
            } => format!(
                "carrier \"{carrier}\" is not one Shopify knows and dispatches {} have no \
                 tracking page",
                dispatches.join(", ")
            ),
        }
    }

    fn fix_hint(&self) -> String {
        match self {
            Self::OrderNotFound { .. } => {
                "check the sale order's Shopify reference in Stokly".to_owned()
            }
            Self::IncompleteOrderRead { .. } => "fulfil the order in Shopify by hand".to_owned(),
            Self::CancelledAfterDispatch { .. } => {
                "recall the parcel or reinstate the order; refund or re-invoice as agreed"
                    .to_owned()
            }
            Self::UnmappedLocation { .. } => {
                "add the Stokly location to the fulfilment location map".to_owned()
            }
            Self::InvalidQuantity { .. } => "correct the dispatch in Stokly".to_owned(),
            Self::BundleIncomplete { .. } => {
                "dispatch the missing components; the bundle is fulfilled when they ship".to_owned()
            }
            Self::BundleGroupIncomplete { .. } => {
                "ship the bundle's other components from the same location with the same \
                 carrier (or release what keeps them); the bundle is fulfilled when all are out"
                    .to_owned()
            }
            Self::UnknownLine { .. } => {
                "check the sale-order line's Shopify line reference in Stokly".to_owned()
            }
            Self::OverDispatch { .. } => {
                "check the dispatch quantities in Stokly against the Shopify order".to_owned()
            }
            Self::OnHold { .. } => {
                "release the hold in Shopify if the goods have left; the next run fulfils them"
                    .to_owned()
            }
            Self::NotFulfillable { .. } => {
                "check the fulfillment order in Shopify; fulfil by hand if the goods left"
                    .to_owned()
            }
            Self::LocationMismatch { move_planned, .. } => {
                if *move_planned {
                    "nothing: the fulfillment order is moved and the next run fulfils it".to_owned()
                } else {
                    "move the fulfillment order in Shopify to the dispatching location, or \
                     correct the dispatch location in Stokly"
                        .to_owned()
                }
            }
            Self::DispatchNotMapped { .. } => {
                "correct the dispatch or the sale order in Stokly (or the Shopify order's SKUs)"
                    .to_owned()
            }
            Self::TrackingUrlMissing { .. } => {
                "add the carrier to the carrier map or give it a tracking page template".to_owned()
            }
        }
    }
}
