//! Fulfillment orders and fulfillments: the reads the fulfilment plan needs and the writes it
//! makes.
//!
//! None of the writes takes an idempotency key (`fulfillmentCreate`,
//! `fulfillmentTrackingInfoUpdate` and `fulfillmentOrderMove` have no `@idempotent`), so none
//! is retried after an uncertain failure: the caller settles it
//! ([`adapters::fulfilment`](crate::adapters::fulfilment) re-reads the order's fulfilments and
//! matches on tracking numbers).

use futures::TryStreamExt;
use serde::Deserialize;

use super::client::{Client, GraphQlRequest};
use super::documents::{
    FULFILLMENT_CREATE, FULFILLMENT_ORDER_MOVE, FULFILLMENT_TRACKING_UPDATE,
    ORDER_FULFILLMENT_ORDERS, ORDER_FULFILLMENTS,
};
use super::error::Error;
use super::model::{
    Connection, Fulfillment, FulfillmentInput, FulfillmentOrder, FulfillmentOrderLineItemInput,
    FulfillmentSummary, FulfillmentTrackingInput, IdOnly, OrderFulfillments,
};
use super::pagination::PageOptions;
use super::{FulfillmentId, FulfillmentOrderId, LocationId, OrderId};

/// Fulfillment orders read per request (each with up to 25 lines).
pub const FULFILLMENT_ORDERS_PER_PAGE: u32 = 5;

/// Fulfillments of an order read at once (each with up to 25 lines). An order with this many
/// is reported as possibly incomplete ([`OrderFulfillments::is_truncated`]).
pub const FULFILLMENTS_PER_READ: usize = 10;

#[derive(Deserialize)]
struct StateData {
    order: Option<OrderHeader>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OrderHeader {
    id: OrderId,
    name: String,
    #[serde(default)]
    cancelled_at: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(default)]
    fulfillments: Vec<Fulfillment>,
}

#[derive(Deserialize)]
struct CreatePayload {
    fulfillment: Option<FulfillmentSummary>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MovePayload {
    moved_fulfillment_order: Option<IdOnly<FulfillmentOrderId>>,
}

impl Client {
    /// An order's fulfillment state: its fulfillment orders (every page, 5 a request) with
    /// holds, supported actions and lines, and its fulfillments with tracking. `None` when the
    /// order does not exist.
    ///
    /// # Errors
    /// As [`Client::query`].
    pub async fn order_fulfillments(
        &self,
        id: &OrderId,
    ) -> Result<Option<OrderFulfillments>, Error> {
        let request =
            GraphQlRequest::query(ORDER_FULFILLMENTS, "OrderFulfillments").variable("id", id)?;
        let data: StateData = self.query(&request).await?;
        let Some(header) = data.order else {
            return Ok(None);
        };
        let request = GraphQlRequest::query(ORDER_FULFILLMENT_ORDERS, "OrderFulfillmentOrders")
            .with_default_page_size(FULFILLMENT_ORDERS_PER_PAGE)
            .variable("id", id)?;
        let nodes: Vec<FulfillmentOrder> = self
            .paginate(
                request,
                &["order", "fulfillmentOrders"],
                PageOptions::default(),
            )
            .try_collect()
            .await?;
        let fulfillment_orders = Connection {
            nodes,
            ..Connection::default()
        };
        Ok(Some(OrderFulfillments {
            id: header.id,
            name: header.name,
            cancelled_at: header.cancelled_at,
            fulfillment_orders,
            // A full list may have been cut at its size: say so, rather than plan on part of it.
            more_fulfillments: header.fulfillments.len() >= FULFILLMENTS_PER_READ,
            fulfillments: header.fulfillments,
        }))
    }

    /// `fulfillmentCreate`. Sent once: never retried after an uncertain failure.
    ///
    /// # Errors
    /// As [`Client::mutate`]; [`Error::UserErrors`] carries Shopify's messages ("Invalid
    /// fulfillment order line item quantity requested.", "... has an unfulfillable status=
    /// closed."), and a payload without a fulfillment is [`Error::Decode`].
    pub async fn fulfillment_create(
        &self,
        input: &FulfillmentInput,
    ) -> Result<FulfillmentSummary, Error> {
        let request = GraphQlRequest::mutation(FULFILLMENT_CREATE, "FulfillmentCreate")
            .variable("fulfillment", input)?;
        let payload: CreatePayload = self.mutate(&request, "fulfillmentCreate").await?;
        payload.fulfillment.ok_or_else(|| Error::MissingPayload {
            operation: "FulfillmentCreate".to_owned(),
            detail: "fulfillmentCreate.fulfillment",
        })
    }

    /// `fulfillmentTrackingInfoUpdate`: replaces the fulfillment's whole tracking set with
    /// `tracking`. Sent once.
    ///
    /// # Errors
    /// As [`Client::fulfillment_create`].
    pub async fn fulfillment_tracking_update(
        &self,
        fulfillment: &FulfillmentId,
        tracking: &FulfillmentTrackingInput,
        notify_customer: bool,
    ) -> Result<FulfillmentSummary, Error> {
        let request =
            GraphQlRequest::mutation(FULFILLMENT_TRACKING_UPDATE, "FulfillmentTrackingInfoUpdate")
                .variable("fulfillmentId", fulfillment)?
                .variable("trackingInfoInput", tracking)?
                .variable("notifyCustomer", notify_customer)?;
        let payload: CreatePayload = self
            .mutate(&request, "fulfillmentTrackingInfoUpdate")
            .await?;
        payload.fulfillment.ok_or_else(|| Error::MissingPayload {
            operation: "FulfillmentTrackingInfoUpdate".to_owned(),
            detail: "fulfillmentTrackingInfoUpdate.fulfillment",
        })
    }

    /// `fulfillmentOrderMove`: moves these lines (all when empty) of a fulfillment order to
    /// another location; answers the fulfillment order that now holds them. Sent once.
    ///
    /// # Errors
    /// As [`Client::fulfillment_create`].
    pub async fn fulfillment_order_move(
        &self,
        fulfillment_order: &FulfillmentOrderId,
        new_location: &LocationId,
        lines: &[FulfillmentOrderLineItemInput],
    ) -> Result<FulfillmentOrderId, Error> {
        let mut request = GraphQlRequest::mutation(FULFILLMENT_ORDER_MOVE, "FulfillmentOrderMove")
            .variable("id", fulfillment_order)?
            .variable("newLocationId", new_location)?;
        if !lines.is_empty() {
            request = request.variable("fulfillmentOrderLineItems", lines)?;
        }
        let payload: MovePayload = self.mutate(&request, "fulfillmentOrderMove").await?;
        payload
            .moved_fulfillment_order
            .map(|f| f.id)
            .ok_or_else(|| Error::MissingPayload {
                operation: "FulfillmentOrderMove".to_owned(),
                detail: "fulfillmentOrderMove.movedFulfillmentOrder",
            })
    }
}
