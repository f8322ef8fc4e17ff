//! Stokly dispatches as Shopify fulfilments and tracking: a pure plan.
//!
//! [`plan_fulfilments`] takes what Stokly dispatched ([`Dispatch`]: lines by the Shopify order
//! line they came from, carrier, parcels with tracking numbers, location), Shopify's
//! fulfillment state of the orders ([`OrderFulfillments`](crate::shopify::model::OrderFulfillments):
//! fulfillment orders with holds, supported actions and remaining quantities, and the
//! fulfilments made so far with their tracking) and a [`FulfilmentConfig`], and answers a
//! [`FulfilmentPlan`]: the `fulfillmentCreate` inputs (one per order, location and carrier,
//! at most 250 fulfillment-order lines each), the `fulfillmentTrackingInfoUpdate`s (each with
//! the full tracking set, since the mutation replaces it), the fulfillment-order moves the
//! [`LocationMismatchPolicy::Move`] policy asks for, and a [`FulfilmentException`] with an
//! owner for everything not sent.
//!
//! The plan is a function of its input only: the same dispatches against the same Shopify
//! state give the same plan (serialise it for a dry run), and once its writes are applied,
//! planning again gives none.
//!
//! Rules:
//! - **Matching** is by the Shopify order line a sale-order line came from. A bundle line
//!   dispatched as its components counts only whole bundle units (every component of the
//!   recipe dispatched); part of a bundle is never fulfilled
//!   ([`FulfilmentException::BundleIncomplete`] notes the rest). Components of one bundle
//!   unit must leave in one dispatch.
//! - **Shopify-native bundles** (component order lines of one `lineItemGroup`) are
//!   all-or-nothing too: a fulfilment carries their components only in whole bundle units,
//!   counting what Shopify already shows fulfilled. Components that did not leave with the
//!   rest (same location and carrier), or that cannot be fulfilled now (a hold, another
//!   location), hold the others back ([`FulfilmentException::BundleGroupIncomplete`]).
//! - **What Shopify already shows** is never sent again: fulfilments account for dispatches by
//!   a shared tracking number first, then (fulfilments made elsewhere, or whose numbers changed)
//!   oldest dispatch first at their location.
//! - **Partial dispatch** fulfils what left; the rest of the order stays open.
//! - **Carriers** are matched to Shopify's names ([`CarrierNames`], ignoring case, spaces and
//!   punctuation); a carrier Shopify does not know is sent as named, with the tracking pages
//!   from Stokly or a configured template ([`FulfilmentException::TrackingUrlMissing`] when
//!   there are none).
//! - **Holds, closed fulfillment orders, other locations, cancelled orders, more dispatched
//!   than ordered, unknown lines** are exceptions; nothing of them is sent.

mod config;
mod dispatch;
mod exception;
mod plan;
mod stokly;
#[cfg(test)]
mod tests;

pub use config::{
    CarrierNames, FulfilmentConfig, LocationMismatchPolicy, MAX_LINES_PER_FULFILMENT,
    SHOPIFY_CARRIERS, carrier_key,
};
pub use dispatch::{BundleComponent, Dispatch, DispatchedLine, Parcel};
pub use exception::FulfilmentException;
pub use plan::{
    FulfilmentPlan, PlannedFulfilment, PlannedLine, PlannedMove, PlannedTrackingUpdate,
    plan_fulfilments,
};
pub use stokly::dispatches_from_stokly;
