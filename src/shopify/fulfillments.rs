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
    FULFILLMENT_CREATE, FULFILLMENT_LINE_ITEMS, FULFILLMENT_ORDER_LINE_ITEMS,
    FULFILLMENT_ORDER_MOVE, FULFILLMENT_TRACKING_UPDATE, ORDER_FULFILLMENT_ORDERS,
    ORDER_FULFILLMENTS,
};
use super::error::Error;
use super::model::{
    Connection, Count, Fulfillment, FulfillmentInput, FulfillmentLineItem, FulfillmentOrder,
    FulfillmentOrderLineItem, FulfillmentOrderLineItemInput, FulfillmentSummary,
    FulfillmentTrackingInput, IdOnly, OrderFulfillments,
};
use super::pagination::PageOptions;
use super::{FulfillmentId, FulfillmentOrderId, LocationId, OrderId};

/// Fulfillment orders read per request (each with its first 25 lines; the rest are paged
/// with [`LINES_PER_PAGE`]).
pub const FULFILLMENT_ORDERS_PER_PAGE: u32 = 5;

/// Fulfillments of an order read first (each with its first 25 lines). An order Shopify
/// counts more fulfillments for is read again with the list sized to the count.
pub const FULFILLMENTS_PER_READ: usize = 10;

/// The longest fulfillment list Shopify answers (`Order.fulfillments` is a list, not a
/// connection: it has `first` but no cursor). An order with more is reported as not read
/// whole ([`OrderFulfillments::is_truncated`]).
pub const MAX_FULFILLMENTS: i64 = 250;

/// Lines of one fulfillment order or fulfillment read per request when the first 25 were
/// not all of them.
pub const LINES_PER_PAGE: u32 = 100;

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
    fulfillments_count: Option<Count>,
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
    /// An order's fulfillment state, read whole: its fulfillment orders (every page, 5 a
    /// request) with holds, supported actions and every line, and its fulfillments with
    /// tracking and every line. `None` when the order does not exist.
    ///
    /// Nothing depends on a page size: a fulfillment order or fulfillment with more than 25
    /// lines has the rest paged through its own connection (`fulfillmentOrder(id:)` /
    /// `fulfillment(id:)`, [`LINES_PER_PAGE`] a request), and an order Shopify counts more
    /// fulfillments for than the first read holds is read again with the list sized to the
    /// count (up to [`MAX_FULFILLMENTS`]; beyond, the state says it is not whole).
    ///
    /// # Errors
    /// As [`Client::query`].
    pub async fn order_fulfillments(
        &self,
        id: &OrderId,
    ) -> Result<Option<OrderFulfillments>, Error> {
        let first = i64::try_from(FULFILLMENTS_PER_READ).unwrap_or(MAX_FULFILLMENTS);
        let Some(mut header) = self.order_header(id, first).await? else {
            return Ok(None);
        };
        let counted = header.fulfillments_count.as_ref().map_or(0, |c| c.count);
        let read = i64::try_from(header.fulfillments.len()).unwrap_or(i64::MAX);
        if counted > read && read >= first {
            // The list was cut at its size: read it again, sized to the count.
            let Some(again) = self.order_header(id, counted.min(MAX_FULFILLMENTS)).await? else {
                return Ok(None);
            };
            header = again;
        }
        let read = i64::try_from(header.fulfillments.len()).unwrap_or(i64::MAX);
        let more_fulfillments = header
            .fulfillments_count
            .as_ref()
            .is_some_and(|c| c.count > read && read >= MAX_FULFILLMENTS);
        for fulfillment in &mut header.fulfillments {
            let page = &fulfillment.fulfillment_line_items.page_info;
            if !page.has_next_page {
                continue;
            }
            let request = GraphQlRequest::query(FULFILLMENT_LINE_ITEMS, "FulfillmentLineItems")
                .with_default_page_size(LINES_PER_PAGE)
                .variable("id", &fulfillment.id)?;
            let rest: Vec<FulfillmentLineItem> = self
                .paginate_after(
                    request,
                    &["fulfillment", "fulfillmentLineItems"],
                    PageOptions::default(),
                    page.end_cursor.clone(),
                )
                .try_collect()
                .await?;
            fulfillment.fulfillment_line_items.nodes.extend(rest);
            fulfillment.fulfillment_line_items.page_info.has_next_page = false;
        }
        let request = GraphQlRequest::query(ORDER_FULFILLMENT_ORDERS, "OrderFulfillmentOrders")
            .with_default_page_size(FULFILLMENT_ORDERS_PER_PAGE)
            .variable("id", id)?;
        let mut nodes: Vec<FulfillmentOrder> = self
            .paginate(
                request,
                &["order", "fulfillmentOrders"],
                PageOptions::default(),
            )
            .try_collect()
            .await?;
        for fo in &mut nodes {
            let page = &fo.line_items.page_info;
            if !page.has_next_page {
                continue;
            }
            let request =
                GraphQlRequest::query(FULFILLMENT_ORDER_LINE_ITEMS, "FulfillmentOrderLineItems")
                    .with_default_page_size(LINES_PER_PAGE)
                    .variable("id", &fo.id)?;
            let rest: Vec<FulfillmentOrderLineItem> = self
                .paginate_after(
                    request,
                    &["fulfillmentOrder", "lineItems"],
                    PageOptions::default(),
                    page.end_cursor.clone(),
                )
                .try_collect()
                .await?;
            fo.line_items.nodes.extend(rest);
            fo.line_items.page_info.has_next_page = false;
        }
        let fulfillment_orders = Connection {
            nodes,
            ..Connection::default()
        };
        Ok(Some(OrderFulfillments {
            id: header.id,
            name: header.name,
            cancelled_at: header.cancelled_at,
            fulfillment_orders,
            more_fulfillments,
            fulfillments: header.fulfillments,
        }))
    }

    /// The order's header and its first `first` fulfillments.
    async fn order_header(&self, id: &OrderId, first: i64) -> Result<Option<OrderHeader>, Error> {
        let request = GraphQlRequest::query(ORDER_FULFILLMENTS, "OrderFulfillments")
            .variable("id", id)?
            .variable("fulfillments", first)?;
        let data: StateData = self.query(&request).await?;
        Ok(data.order)
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
