//! Sale orders (v2): list, get, lines, create, patch, collect, invoice.

use futures::TryStreamExt;
use futures::stream::{self, BoxStream, StreamExt};
use reqwest::Method;
use rust_decimal::Decimal;

use super::client::Client;
use super::endpoints::{self, expand};
use super::error::{Error, invalid};
use super::filter::Filter;
use super::ids::SaleOrderId;
use super::model::{
    CollectItems, LineStatus, NewInvoice, NewSaleOrder, SaleOrder, SaleOrderLine, SaleOrderPatch,
    SaleOrderStage,
};
use super::pagination::{ListQuery, MAX_PAGE_SIZE};
use crate::http::Idempotence;

/// References per `[sourceReferenceId]=*{...}` request in
/// [`Client::sale_orders_by_source_references`] (the largest `=*` list seen in use).
pub const SOURCE_REFERENCE_BATCH: usize = 200;

/// The filter Stokly's own tooling uses for orders waiting to be fulfilled:
/// `([stage]=={order}&&[itemStatuses]::{unprocessed})&&[stage]!={removed}`, rendered flat.
///
/// # Errors
/// None in practice (the values are constants); the type is that of the filter builder.
pub fn awaiting_fulfilment_filter() -> Result<Filter, Error> {
    Ok(Filter::field("stage")
        .eq(SaleOrderStage::Order)?
        .and(Filter::field("itemStatuses").contains(LineStatus::Unprocessed)?)
        .and(Filter::field("stage").ne(SaleOrderStage::Removed)?))
}

impl Client {
    /// `GET /v2/saleorders`. Add `[stage]!={removed}` to leave out removed (cancelled) orders.
    ///
    /// # Errors
    /// The stream yields the errors of [`Client::list_at`], then ends.
    pub fn sale_orders(&self, query: ListQuery) -> BoxStream<'static, Result<SaleOrder, Error>> {
        self.list_at(endpoints::SALE_ORDERS, query)
    }

    /// Orders waiting to be fulfilled (see [`awaiting_fulfilment_filter`]), with `query`'s own
    /// filter added by `&&`.
    ///
    /// # Errors
    /// The stream yields the errors of [`Client::list_at`], then ends.
    pub fn sale_orders_awaiting_fulfilment(
        &self,
        query: ListQuery,
    ) -> BoxStream<'static, Result<SaleOrder, Error>> {
        match awaiting_fulfilment_filter() {
            Ok(filter) => self.sale_orders(query.and_filter(filter)),
            Err(e) => stream::once(async move { Err(e) }).boxed(),
        }
    }

    /// Orders whose `sourceReferenceId` is exactly `reference` (removed ones included): the
    /// dedup check to make before [`Client::create_sale_order`], since Stokly has no
    /// idempotency key. Queries `[sourceReferenceId]=={@string;reference}`.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a blank reference, [`Error::Filter`] for one the filter
    /// grammar cannot carry; otherwise as any read.
    pub async fn sale_orders_by_source_reference(
        &self,
        reference: &str,
    ) -> Result<Vec<SaleOrder>, Error> {
        if reference.trim().is_empty() {
            return Err(invalid(
                "sale_orders_by_source_reference",
                "sourceReferenceId",
                "must not be blank",
            ));
        }
        let filter = Filter::field("sourceReferenceId").eq(Filter::string(reference))?;
        let orders: Vec<SaleOrder> = self
            .sale_orders(ListQuery::new().filter(filter).page_size(MAX_PAGE_SIZE))
            .try_collect()
            .await?;
        Ok(orders
            .into_iter()
            .filter(|o| o.source_reference_id.as_deref() == Some(reference))
            .collect())
    }

    /// Orders whose `sourceReferenceId` is one of `references` (removed ones included): the
    /// batched dedup check before posting. Sends `[sourceReferenceId]=*{a,b,...}` with at
    /// most [`SOURCE_REFERENCE_BATCH`] references per request, so 1,000 references cost 5
    /// reads. Blank references and repeats are ignored; the answer keeps only exact matches.
    ///
    /// # Errors
    /// [`Error::Filter`] for a reference the `=*` list cannot carry (one containing `,` or a
    /// character the grammar reserves); otherwise as any read.
    pub async fn sale_orders_by_source_references(
        &self,
        references: &[&str],
    ) -> Result<Vec<SaleOrder>, Error> {
        self.list_in(
            endpoints::SALE_ORDERS,
            "sourceReferenceId",
            references,
            SOURCE_REFERENCE_BATCH,
            |o: &SaleOrder| o.source_reference_id.as_deref(),
        )
        .await
    }

    /// `GET /v2/saleorders/{id}`.
    ///
    /// # Errors
    /// [`Error::Api`] (404 for an unknown order or one not visible yet), [`Error::Transport`],
    /// [`Error::Grant`], [`Error::Decode`].
    pub async fn sale_order(&self, id: &SaleOrderId) -> Result<SaleOrder, Error> {
        self.read_one(&expand(endpoints::SALE_ORDER, id.as_str()))
            .await
    }

    /// `GET /v2/saleorders/{id}/items`: the order's lines (paged like any list). Filter
    /// `[parentId]=={@null;}` for top-level lines only.
    ///
    /// # Errors
    /// The stream yields the errors of [`Client::list_at`], then ends.
    pub fn sale_order_lines(
        &self,
        id: &SaleOrderId,
        query: ListQuery,
    ) -> BoxStream<'static, Result<SaleOrderLine, Error>> {
        self.list_at(&expand(endpoints::SALE_ORDER_ITEMS, id.as_str()), query)
    }

    /// `POST /v2/saleorders`: posts an order and returns its ID (202: readable a little
    /// later, see [`Client::wait_for_sale_order`]). Never retried after an uncertain failure
    /// (a 5xx or a timeout): check [`Client::sale_orders_by_source_reference`] before posting
    /// again.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming the field (no lines, a quantity that is not
    /// positive, a negative amount, a blank reference, an invoice without lines);
    /// [`Error::Encode`] for an amount a JSON number cannot carry exactly; [`Error::Api`],
    /// [`Error::Transport`], [`Error::Grant`], [`Error::Decode`], [`Error::Id`].
    pub async fn create_sale_order(&self, order: &NewSaleOrder) -> Result<SaleOrderId, Error> {
        validate_order(order)?;
        Ok(SaleOrderId::new(
            self.create_at(endpoints::SALE_ORDERS, order).await?,
        )?)
    }

    /// `PATCH /v2/saleorders/{id}`. Setting values is safe to repeat, so it is retried like a
    /// read.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an empty patch; [`Error::Api`], [`Error::Transport`],
    /// [`Error::Grant`].
    pub async fn update_sale_order(
        &self,
        id: &SaleOrderId,
        patch: &SaleOrderPatch,
    ) -> Result<(), Error> {
        if patch.tags.is_none() && patch.extra.is_empty() {
            return Err(invalid("update_sale_order", "patch", "nothing to change"));
        }
        self.write_at(
            Method::PATCH,
            &expand(endpoints::SALE_ORDER, id.as_str()),
            Some(patch),
            Idempotence::Safe,
        )
        .await?;
        Ok(())
    }

    /// `POST /v2/saleorders/{id}/collect-items`: marks lines collected from a location (which
    /// also takes the stock out, inferred). Never retried after an uncertain failure.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for no lines or a quantity that is not positive;
    /// [`Error::Api`], [`Error::Transport`], [`Error::Grant`].
    pub async fn collect_sale_order_items(
        &self,
        id: &SaleOrderId,
        collect: &CollectItems,
    ) -> Result<(), Error> {
        let op = "collect_sale_order_items";
        if collect.items.is_empty() {
            return Err(invalid(op, "items", "must not be empty"));
        }
        for (i, line) in collect.items.iter().enumerate() {
            positive(op, &format!("items[{i}].quantity"), line.quantity)?;
        }
        self.write_at(
            Method::POST,
            &expand(endpoints::SALE_ORDER_COLLECT_ITEMS, id.as_str()),
            Some(collect),
            Idempotence::Unsafe,
        )
        .await?;
        Ok(())
    }

    /// `POST /v2/saleorders/{id}/invoices` with `{invoices: [...]}`. Never retried after an
    /// uncertain failure.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming the field; [`Error::Api`], [`Error::Transport`],
    /// [`Error::Grant`], [`Error::Encode`].
    pub async fn invoice_sale_order(
        &self,
        id: &SaleOrderId,
        invoices: &[NewInvoice],
    ) -> Result<(), Error> {
        let op = "invoice_sale_order";
        if invoices.is_empty() {
            return Err(invalid(op, "invoices", "must not be empty"));
        }
        for (i, invoice) in invoices.iter().enumerate() {
            validate_invoice(op, &format!("invoices[{i}]"), invoice)?;
        }
        #[derive(serde::Serialize)]
        struct Body<'a> {
            invoices: &'a [NewInvoice],
        }
        self.write_at(
            Method::POST,
            &expand(endpoints::SALE_ORDER_INVOICES, id.as_str()),
            Some(&Body { invoices }),
            Idempotence::Unsafe,
        )
        .await?;
        Ok(())
    }

    /// Reads the order until it is visible (after [`Client::create_sale_order`]).
    ///
    /// # Errors
    /// [`Error::NotVisible`] when the poll gives up; other errors of [`Client::sale_order`].
    pub async fn wait_for_sale_order(&self, id: &SaleOrderId) -> Result<SaleOrder, Error> {
        self.wait_until_visible(format!("sale order {id}"), || async {
            self.sale_order(id).await.map(Some)
        })
        .await
    }
}

fn positive(op: &str, field: &str, v: Decimal) -> Result<(), Error> {
    if v <= Decimal::ZERO {
        return Err(invalid(op, field, format!("must be positive, got {v}")));
    }
    Ok(())
}

fn not_negative(op: &str, field: &str, v: Option<Decimal>) -> Result<(), Error> {
    match v {
        Some(v) if v < Decimal::ZERO => {
            Err(invalid(op, field, format!("must not be negative, got {v}")))
        }
        _ => Ok(()),
    }
}

fn validate_order(order: &NewSaleOrder) -> Result<(), Error> {
    let op = "create_sale_order";
    if order.items.is_empty() {
        return Err(invalid(op, "items", "an order needs at least one line"));
    }
    for (name, value) in [
        ("sourceReferenceId", &order.source_reference_id),
        ("customerReference", &order.customer_reference),
    ] {
        if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
            return Err(invalid(op, name, "must not be blank when given"));
        }
    }
    if let Some(rate) = order.exchange_rate {
        positive(op, "exchangeRate", rate)?;
    }
    for (i, line) in order.items.iter().enumerate() {
        positive(op, &format!("items[{i}].quantity"), line.quantity)?;
        not_negative(op, &format!("items[{i}].displayPrice"), line.display_price)?;
        not_negative(op, &format!("items[{i}].displayTax"), line.display_tax)?;
    }
    if let Some(shipping) = &order.shipping {
        not_negative(op, "shipping.cost", shipping.cost)?;
        not_negative(op, "shipping.tax", shipping.tax)?;
    }
    for (i, p) in order.payments.iter().enumerate() {
        not_negative(op, &format!("payments[{i}].amount"), Some(p.amount))?;
    }
    for (i, invoice) in order.invoices.iter().enumerate() {
        validate_invoice(op, &format!("invoices[{i}]"), invoice)?;
    }
    Ok(())
}

fn validate_invoice(op: &str, at: &str, invoice: &NewInvoice) -> Result<(), Error> {
    if invoice.items.is_empty() {
        return Err(invalid(op, format!("{at}.items"), "must not be empty"));
    }
    for (j, line) in invoice.items.iter().enumerate() {
        positive(op, &format!("{at}.items[{j}].quantity"), line.quantity)?;
    }
    for (j, p) in invoice.payments.iter().enumerate() {
        not_negative(op, &format!("{at}.payments[{j}].amount"), Some(p.amount))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::CurrencyCode;
    use crate::stokly::ids::ItemId;
    use crate::stokly::model::{InvoiceLine, InvoiceStatus, NewSaleOrderLine, Payment};

    fn order() -> NewSaleOrder {
        NewSaleOrder::new(
            CurrencyCode::new("GBP").unwrap(),
            vec![NewSaleOrderLine::item(
                ItemId::new("i-1").unwrap(),
                Decimal::ONE,
            )],
        )
    }

    fn field(r: Result<(), Error>) -> String {
        match r {
            Err(Error::InvalidArgument { argument, .. }) => argument,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn fulfilment_filter() {
        assert_eq!(
            awaiting_fulfilment_filter().unwrap().render(),
            "[stage]=={order}&&[itemStatuses]::{unprocessed}&&[stage]!={removed}"
        );
    }

    #[test]
    fn order_validation_names_the_field() {
        assert!(validate_order(&order()).is_ok());
        let mut o = order();
        o.items.clear();
        assert_eq!(field(validate_order(&o)), "items");
        let mut o = order();
        o.items[0].quantity = Decimal::ZERO;
        assert_eq!(field(validate_order(&o)), "items[0].quantity");
        let mut o = order();
        o.items[0].display_price = Some(Decimal::NEGATIVE_ONE);
        assert_eq!(field(validate_order(&o)), "items[0].displayPrice");
        let mut o = order();
        o.source_reference_id = Some(" ".into());
        assert_eq!(field(validate_order(&o)), "sourceReferenceId");
        let mut o = order();
        o.payments.push(Payment::new(4, Decimal::NEGATIVE_ONE));
        assert_eq!(field(validate_order(&o)), "payments[0].amount");
        let mut o = order();
        o.invoices.push(NewInvoice::new(
            InvoiceStatus::Paid,
            CurrencyCode::new("GBP").unwrap(),
            vec![InvoiceLine::item(
                ItemId::new("i-1").unwrap(),
                Decimal::ZERO,
            )],
        ));
        assert_eq!(field(validate_order(&o)), "invoices[0].items[0].quantity");
    }
}
