//! Orders: a complete read by ID, and incremental reads by `updated_at`.

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use futures::TryStreamExt;
use futures::stream::BoxStream;
use serde::{Deserialize, Serialize};

use super::client::{Client, GraphQlRequest};
use super::documents::{
    ORDER, ORDER_LINE_ITEMS, ORDER_SHIPPING_LINES, ORDER_TRANSACTIONS, ORDERS_BY_ID, ORDERS_UPDATED,
};
use super::error::Error;
use super::ids::OrderId;
use super::model::{Count, LineItem, Order, OrderRef, OrderTransaction, ShippingLine};
use super::pagination::PageOptions;

/// How far back an incremental read looks before its cursor (default 5 minutes), so that an
/// order updated while the previous read ran is not missed. Orders seen twice are expected:
/// posting is idempotent.
pub const DEFAULT_ORDER_OVERLAP: Duration = Duration::from_secs(300);

/// Lines per follow-up page. A page of 30 lines, duties and their tax lines included, is
/// estimated at 51 points by the cost model fitted to real Shopify's answers (the sandbox's),
/// far inside the 1,000-point single-query limit.
const LINES_PAGE: u32 = 30;

/// Transactions the first read of an order asks for (`transactions(first:)` in the `Order`
/// document). It is a page size, never a limit: `Order.transactions` is a list, not a
/// connection, so it has no cursor to page with, but the same read asks for
/// `transactionsCount`, and when the order has more transactions than were returned,
/// [`Client::order`] reads the list again in one request sized to the count. The mapping
/// checks the list it gets against that count, so no rule depends on this number.
pub const FIRST_READ_TRANSACTIONS: usize = 50;

/// Where an incremental read of orders resumes. The application stores it (database, queue
/// message, file) and passes it back; the crate never decides where it lives.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OrderCursor {
    /// The latest `updatedAt` seen (`None`: read from the beginning).
    pub updated_at: Option<DateTime<Utc>>,
}

impl OrderCursor {
    /// A cursor that reads every order.
    #[must_use]
    pub fn start() -> Self {
        Self::default()
    }

    /// A cursor that reads orders updated at or after `t` (less the overlap).
    #[must_use]
    pub fn at(t: DateTime<Utc>) -> Self {
        Self {
            updated_at: Some(t),
        }
    }

    /// The search the next read sends: `updated_at:>='…'` at the cursor less `overlap`.
    #[must_use]
    pub fn search(&self, overlap: Duration) -> Option<String> {
        let at = self.updated_at?;
        let from = chrono::Duration::from_std(overlap)
            .ok()
            .and_then(|o| at.checked_sub_signed(o))
            .unwrap_or(at);
        Some(format!(
            "updated_at:>='{}'",
            from.to_rfc3339_opts(SecondsFormat::Secs, true)
        ))
    }

    /// Moves the cursor past an order seen (never backwards).
    pub fn advance(&mut self, seen: &OrderRef) {
        if self.updated_at.is_none_or(|t| seen.updated_at > t) {
            self.updated_at = Some(seen.updated_at);
        }
    }
}

#[derive(Deserialize)]
struct OrderData {
    order: Option<Order>,
}

#[derive(Deserialize)]
struct TransactionsData {
    order: Option<OrderTransactions>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OrderTransactions {
    #[serde(default)]
    transactions_count: Option<Count>,
    #[serde(default)]
    transactions: Vec<OrderTransaction>,
}

impl Client {
    /// Orders updated since `cursor` (less `overlap`), oldest change first, as references to
    /// fetch with [`Client::order`] and to advance the cursor with.
    pub fn orders_updated_since(
        &self,
        cursor: &OrderCursor,
        overlap: Duration,
        options: PageOptions,
    ) -> BoxStream<'static, Result<OrderRef, Error>> {
        let request = match GraphQlRequest::query(ORDERS_UPDATED, "OrdersUpdated")
            .variable("query", cursor.search(overlap))
        {
            Ok(r) => r,
            Err(e) => return Box::pin(futures::stream::once(async move { Err(e) })),
        };
        self.paginate(request, &["orders"], options)
    }

    /// One order with every line item and shipping line (later pages fetched) and every
    /// transaction, or `None` if Shopify does not know it (deleted, or older than the 60 days
    /// readable without the `read_all_orders` scope).
    ///
    /// Transactions are a list without pages: the first read asks for
    /// [`FIRST_READ_TRANSACTIONS`] and for `transactionsCount`; when the count is larger
    /// than what came back, one `OrderTransactions` request asks for `first:` the count and
    /// replaces both. Whatever Shopify then returns is kept as it is; the mapping refuses an
    /// order whose list is still shorter than its count.
    ///
    /// # Errors
    /// The errors of [`Client::query`].
    pub async fn order(&self, id: &OrderId) -> Result<Option<Order>, Error> {
        let request = GraphQlRequest::query(ORDER, "Order").variable("id", id)?;
        let data: OrderData = self.query(&request).await?;
        let Some(mut order) = data.order else {
            return Ok(None);
        };
        if order.line_items.page_info.has_next_page {
            let request = GraphQlRequest::query(ORDER_LINE_ITEMS, "OrderLineItems")
                .with_default_page_size(LINES_PAGE)
                .variable("id", id)?;
            let rest: Vec<LineItem> = self
                .paginate_after(
                    request,
                    &["order", "lineItems"],
                    PageOptions::default(),
                    order.line_items.page_info.end_cursor.clone(),
                )
                .try_collect()
                .await?;
            order.line_items.nodes.extend(rest);
            order.line_items.page_info.has_next_page = false;
        }
        if order.shipping_lines.page_info.has_next_page {
            let request = GraphQlRequest::query(ORDER_SHIPPING_LINES, "OrderShippingLines")
                .with_default_page_size(LINES_PAGE)
                .variable("id", id)?;
            let rest: Vec<ShippingLine> = self
                .paginate_after(
                    request,
                    &["order", "shippingLines"],
                    PageOptions::default(),
                    order.shipping_lines.page_info.end_cursor.clone(),
                )
                .try_collect()
                .await?;
            order.shipping_lines.nodes.extend(rest);
            order.shipping_lines.page_info.has_next_page = false;
        }
        if order.unread_transactions() > 0 {
            let counted = order.transactions_count.as_ref().map_or(0, |c| c.count);
            let request = GraphQlRequest::query(ORDER_TRANSACTIONS, "OrderTransactions")
                .variable("id", id)?
                .variable("first", i32::try_from(counted).unwrap_or(i32::MAX))?;
            let data: TransactionsData = self.query(&request).await?;
            let Some(more) = data.order else {
                return Ok(None);
            };
            order.transactions = more.transactions;
            order.transactions_count = more.transactions_count;
        }
        Ok(Some(order))
    }
}

/// Most orders one batched first read asks for. `nodes(ids:)` is charged as one object
/// whatever the number of IDs (recorded on real Shopify: 1 and 7 IDs both asked 637 points),
/// but the batch is kept small enough that even one full order read per ID (55 points each by
/// the sandbox's model) stays well inside a standard bucket.
pub(crate) const ORDERS_BATCH: usize = 10;

#[derive(Deserialize)]
struct NodesData {
    nodes: Vec<Option<Order>>,
}

impl Client {
    /// The first read of up to [`ORDERS_BATCH`] orders in one request (`nodes(ids:)`), as
    /// [`Client::order`] would read each before its follow-ups: an order whose line items or
    /// shipping lines have a next page comes back as read (`has_next_page` set) and must be
    /// completed with [`Client::order`]. Orders Shopify does not know are absent.
    ///
    /// # Errors
    /// The errors of [`Client::query`].
    pub(crate) async fn orders_first_read(&self, ids: &[OrderId]) -> Result<Vec<Order>, Error> {
        let request = GraphQlRequest::query(ORDERS_BY_ID, "OrdersById").variable("ids", ids)?;
        let data: NodesData = self.query(&request).await?;
        Ok(data.nodes.into_iter().flatten().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_order_document_asks_for_the_first_transactions_and_their_count() {
        let wanted = format!("transactions(first: {FIRST_READ_TRANSACTIONS})");
        assert_eq!(ORDER.matches(&wanted).count(), 1, "{ORDER}");
        assert_eq!(ORDER.matches("transactions(").count(), 1);
        assert_eq!(ORDER.matches("transactionsCount").count(), 1);
        assert_eq!(
            ORDER_TRANSACTIONS
                .matches("transactions(first: $first)")
                .count(),
            1
        );
    }

    #[test]
    fn every_order_read_asks_for_duty_taxes_and_cash_rounding() {
        // The line fragment (first read, batched first read and later pages) carries each
        // line's duties with their tax lines; the order fields carry the cash rounding, and
        // the transactions theirs.
        for (name, document) in [
            ("Order", ORDER),
            ("OrdersById", ORDERS_BY_ID),
            ("OrderLineItems", ORDER_LINE_ITEMS),
        ] {
            let duties = document.find("  duties {").expect(name);
            let tail = document.get(duties..).unwrap_or_default();
            let block = tail.get(..tail.find("lineItemGroup").expect(name)).unwrap();
            assert!(block.contains("price {"), "{name}: {block}");
            assert!(block.contains("taxLines {"), "{name}: {block}");
        }
        for document in [ORDER, ORDERS_BY_ID] {
            assert_eq!(document.matches("totalCashRoundingAdjustment {").count(), 1);
            assert_eq!(document.matches("amountRoundingSet {").count(), 1);
        }
        assert_eq!(ORDER_TRANSACTIONS.matches("amountRoundingSet {").count(), 1);
    }

    #[test]
    fn cursor_search_and_advance() {
        let t = DateTime::parse_from_rfc3339("2026-11-26T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let mut c = OrderCursor::at(t);
        assert_eq!(
            c.search(DEFAULT_ORDER_OVERLAP).as_deref(),
            Some("updated_at:>='2026-11-26T09:55:00Z'")
        );
        assert_eq!(OrderCursor::start().search(DEFAULT_ORDER_OVERLAP), None);
        let older = OrderRef {
            id: OrderId::from_numeric(1),
            name: "#1".into(),
            updated_at: t - chrono::Duration::hours(1),
        };
        c.advance(&older);
        assert_eq!(c.updated_at, Some(t), "never moves backwards");
        let newer = OrderRef {
            id: OrderId::from_numeric(2),
            name: "#2".into(),
            updated_at: t + chrono::Duration::minutes(1),
        };
        c.advance(&newer);
        assert_eq!(c.updated_at, Some(newer.updated_at));
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(serde_json::from_str::<OrderCursor>(&json).unwrap(), c);
    }
}
