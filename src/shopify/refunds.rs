//! Refunds and returns of one order: a complete read by order ID.
//!
//! `refunds/create` webhooks are doorbells: the refund is re-read here, never summed from the
//! webhook body (which carries a shipping refund twice, as a refund shipping line and as an
//! order adjustment).

use futures::TryStreamExt;
use serde::Deserialize;

use super::client::{Client, GraphQlRequest};
use super::documents::{ORDER_REFUNDS, REFUND_LINE_ITEMS, RETURN_DISPOSITIONS};
use super::error::Error;
use super::ids::OrderId;
use super::model::{OrderRefunds, RefundLineItem, Return};
use super::pagination::PageOptions;

/// Refunded lines per follow-up page.
const REFUND_LINES_PAGE: u32 = 100;

#[derive(Deserialize)]
struct OrderRefundsData {
    order: Option<OrderRefunds>,
}

#[derive(Deserialize)]
struct ReturnData {
    r#return: Option<Return>,
}

impl Client {
    /// The refunds (every refunded line: later pages are fetched) of an order, with the
    /// returns they belong to (read one by one with their dispositions), or `None` if Shopify
    /// does not know the order.
    ///
    /// `Order.refunds` is a list Shopify gives whole; each refund's lines are a connection
    /// read to its end here. A refund whose shipping lines, adjustments or transactions
    /// still say `hasNextPage` (more than the first read asks for) keeps that mark, and the
    /// refund mapping refuses it ([`Refund::has_unread_parts`](super::model::Refund::has_unread_parts)):
    /// never credited in part.
    ///
    /// # Errors
    /// The errors of [`Client::query`].
    pub async fn order_refunds(&self, id: &OrderId) -> Result<Option<OrderRefunds>, Error> {
        let request = GraphQlRequest::query(ORDER_REFUNDS, "OrderRefunds").variable("id", id)?;
        let data: OrderRefundsData = self.query(&request).await?;
        let Some(mut order) = data.order else {
            return Ok(None);
        };
        for refund in &mut order.refunds {
            if !refund.refund_line_items.page_info.has_next_page {
                continue;
            }
            let request = GraphQlRequest::query(REFUND_LINE_ITEMS, "RefundLineItems")
                .with_default_page_size(REFUND_LINES_PAGE)
                .variable("id", &refund.id)?;
            let rest: Vec<RefundLineItem> = self
                .paginate_after(
                    request,
                    &["refund", "refundLineItems"],
                    PageOptions::default(),
                    refund.refund_line_items.page_info.end_cursor.clone(),
                )
                .try_collect()
                .await?;
            refund.refund_line_items.nodes.extend(rest);
            refund.refund_line_items.page_info.has_next_page = false;
        }
        // The returns the refunds belong to, one by one (a nested read of every return would
        // cost more than one query may).
        let mut wanted: Vec<String> = order
            .refunds
            .iter()
            .filter_map(|r| r.r#return.as_ref().map(|r| r.id.clone()))
            .collect();
        wanted.sort();
        wanted.dedup();
        for id in wanted {
            let request = GraphQlRequest::query(RETURN_DISPOSITIONS, "ReturnDispositions")
                .variable("id", &id)?;
            let data: ReturnData = self.query(&request).await?;
            if let Some(r) = data.r#return {
                order.returns.nodes.push(r);
            }
        }
        Ok(Some(order))
    }
}
