//! Calls to **inferred** endpoints: dispatches, credit notes against orders, price lists and
//! journals.
//!
//! No public source shows these resources. Each call goes to the path in the client's
//! [`InferredEndpoints`](super::InferredEndpoints) (override it with
//! [`ClientBuilder::inferred_endpoints`](super::ClientBuilder::inferred_endpoints)) and uses the
//! guessed shapes of [`model::inferred`](super::model::inferred). They share the client's
//! authentication, rate budget and retry rules, and they validate what the domain can check
//! (positive quantities, balanced journals) before anything is sent. Expect a 404 until the
//! real paths are configured.

use futures::stream::BoxStream;
use rust_decimal::Decimal;

use super::client::Client;
use super::endpoints::{expand, expand_line};
use super::error::{Error, invalid};
use super::ids::PriceListId;
use super::ids::{CreditNoteId, JournalId, SaleOrderId, SaleOrderLineId};
use super::model::inferred::{
    CreditNote, Dispatch, NewCreditNote, NewJournal, PriceList, PriceListCustomer, PriceListItem,
};
use super::model::{NewSaleOrderLine, Shipping};
use super::pagination::ListQuery;
use crate::http::Idempotence;
use reqwest::Method;

impl Client {
    /// **Inferred path.** Adds lines to a sale order (`POST`, body `{items: [...]}` shaped
    /// like the create body's lines). Never retried after an uncertain failure.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for no lines or a quantity that is not positive;
    /// [`Error::Api`] (404 until the real path is configured), [`Error::Transport`],
    /// [`Error::Grant`].
    pub async fn add_sale_order_lines(
        &self,
        sale_order: &SaleOrderId,
        lines: &[NewSaleOrderLine],
    ) -> Result<(), Error> {
        let op = "add_sale_order_lines";
        if lines.is_empty() {
            return Err(invalid(op, "items", "must not be empty"));
        }
        for (i, line) in lines.iter().enumerate() {
            if line.quantity <= Decimal::ZERO {
                return Err(invalid(
                    op,
                    format!("items[{i}].quantity"),
                    "must be positive",
                ));
            }
        }
        #[derive(serde::Serialize)]
        struct Body<'a> {
            items: &'a [NewSaleOrderLine],
        }
        let path = expand(
            &self.inferred_endpoints().sale_order_add_items,
            sale_order.as_str(),
        );
        self.write_at(
            Method::POST,
            &path,
            Some(&Body { items: lines }),
            Idempotence::Unsafe,
        )
        .await?;
        Ok(())
    }

    /// **Inferred path.** Sets a sale-order line's quantity and amounts (`PATCH` with the
    /// line as the create body shapes it). Setting values is safe to repeat, so it is retried
    /// like a read.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a quantity that is not positive; otherwise as
    /// [`Client::add_sale_order_lines`].
    pub async fn update_sale_order_line(
        &self,
        sale_order: &SaleOrderId,
        line: &SaleOrderLineId,
        to: &NewSaleOrderLine,
    ) -> Result<(), Error> {
        if to.quantity <= Decimal::ZERO {
            return Err(invalid(
                "update_sale_order_line",
                "quantity",
                "must be positive (remove the line instead)",
            ));
        }
        let path = expand_line(
            &self.inferred_endpoints().sale_order_line,
            sale_order.as_str(),
            line.as_str(),
        );
        self.write_at(Method::PATCH, &path, Some(to), Idempotence::Safe)
            .await?;
        Ok(())
    }

    /// **Inferred path.** Removes a line from a sale order (`DELETE`). A second delete of
    /// the same line changes nothing, so it is retried like a read; a 404 after an uncertain
    /// first attempt means the line is gone.
    ///
    /// # Errors
    /// As [`Client::add_sale_order_lines`].
    pub async fn remove_sale_order_line(
        &self,
        sale_order: &SaleOrderId,
        line: &SaleOrderLineId,
    ) -> Result<(), Error> {
        let path = expand_line(
            &self.inferred_endpoints().sale_order_line,
            sale_order.as_str(),
            line.as_str(),
        );
        self.write_at::<()>(Method::DELETE, &path, None, Idempotence::Safe)
            .await?;
        Ok(())
    }

    /// Replaces a sale order's shipping details: `PATCH /v2/saleorders/{id}` (the path is
    /// seen, for tags) with `{shipping: {...}}` (**inferred**: the key is the create body's).
    /// Safe to repeat.
    ///
    /// # Errors
    /// [`Error::Api`], [`Error::Transport`], [`Error::Grant`].
    pub async fn update_sale_order_shipping(
        &self,
        sale_order: &SaleOrderId,
        shipping: &Shipping,
    ) -> Result<(), Error> {
        #[derive(serde::Serialize)]
        struct Body<'a> {
            shipping: &'a Shipping,
        }
        let path = expand(super::endpoints::SALE_ORDER, sale_order.as_str());
        self.write_at(
            Method::PATCH,
            &path,
            Some(&Body { shipping }),
            Idempotence::Safe,
        )
        .await?;
        Ok(())
    }

    /// **Inferred path.** Cancels a sale order (`POST`, body `{reason}`). Cancelling twice
    /// leaves it cancelled, so it is retried like a read.
    ///
    /// # Errors
    /// As [`Client::add_sale_order_lines`].
    pub async fn cancel_sale_order(
        &self,
        sale_order: &SaleOrderId,
        reason: &str,
    ) -> Result<(), Error> {
        #[derive(serde::Serialize)]
        struct Body<'a> {
            reason: &'a str,
        }
        let path = expand(
            &self.inferred_endpoints().sale_order_cancel,
            sale_order.as_str(),
        );
        self.write_at(
            Method::POST,
            &path,
            Some(&Body { reason }),
            Idempotence::Safe,
        )
        .await?;
        Ok(())
    }

    /// **Inferred path.** The dispatches (shipments, with tracking) of a sale order.
    ///
    /// # Errors
    /// The stream yields the errors of [`Client::list_at`], then ends.
    pub fn sale_order_dispatches(
        &self,
        id: &SaleOrderId,
        query: ListQuery,
    ) -> BoxStream<'static, Result<Dispatch, Error>> {
        let path = expand(
            &self.inferred_endpoints().sale_order_dispatches,
            id.as_str(),
        );
        self.list_at(&path, query)
    }

    /// **Inferred path.** Raises a credit note (refund or return) against a sale order. Never
    /// retried after an uncertain failure.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming the field (nothing refunded, a quantity that is not
    /// positive, a negative amount); [`Error::Api`] (404 until the real path is configured),
    /// [`Error::Transport`], [`Error::Grant`], [`Error::Decode`], [`Error::Id`].
    pub async fn create_credit_note(
        &self,
        sale_order: &SaleOrderId,
        note: &NewCreditNote,
    ) -> Result<CreditNoteId, Error> {
        let op = "create_credit_note";
        let refunds_shipping = [note.shipping, note.shipping_tax]
            .into_iter()
            .flatten()
            .any(|amount| !amount.is_zero());
        if note.items.is_empty() && !refunds_shipping {
            return Err(invalid(op, "items", "nothing is refunded"));
        }
        for (i, line) in note.items.iter().enumerate() {
            if line.quantity <= Decimal::ZERO {
                return Err(invalid(
                    op,
                    format!("items[{i}].quantity"),
                    "must be positive",
                ));
            }
            if line.account.is_some() {
                // A money-only line (an adjustment) may take money off the credit.
                continue;
            }
            for (name, v) in [
                ("displayPrice", line.display_price),
                ("displayTax", line.display_tax),
            ] {
                if v < Decimal::ZERO {
                    return Err(invalid(
                        op,
                        format!("items[{i}].{name}"),
                        "must not be negative",
                    ));
                }
            }
        }
        for (name, v) in [
            ("shipping", note.shipping),
            ("shippingTax", note.shipping_tax),
        ] {
            if v.is_some_and(|v| v < Decimal::ZERO) {
                return Err(invalid(op, name, "must not be negative"));
            }
        }
        let path = expand(
            &self.inferred_endpoints().sale_order_credit_notes,
            sale_order.as_str(),
        );
        Ok(CreditNoteId::new(self.create_at(&path, note).await?)?)
    }

    /// **Inferred path.** Credit notes whose `externalReference` is one of `references`
    /// (Shopify refund GIDs), across sale orders, by `[externalReference]=*{a,b,...}` on
    /// [`InferredEndpoints::credit_notes`](super::InferredEndpoints::credit_notes), at most
    /// [`SOURCE_REFERENCE_BATCH`](super::sale_orders::SOURCE_REFERENCE_BATCH) references per
    /// request. Only exact matches are kept.
    ///
    /// # Errors
    /// [`Error::Filter`] for a reference the list cannot carry; otherwise as any read (404
    /// until the real path is configured).
    pub async fn credit_notes_by_references(
        &self,
        references: &[&str],
    ) -> Result<Vec<CreditNote>, Error> {
        let path = self.inferred_endpoints().credit_notes.to_string();
        self.list_in(
            &path,
            "externalReference",
            references,
            super::sale_orders::SOURCE_REFERENCE_BATCH,
            |c: &CreditNote| c.external_reference.as_deref(),
        )
        .await
    }

    /// **Inferred path.** Price lists.
    ///
    /// # Errors
    /// The stream yields the errors of [`Client::list_at`], then ends.
    pub fn price_lists(&self, query: ListQuery) -> BoxStream<'static, Result<PriceList, Error>> {
        let path = self.inferred_endpoints().price_lists.to_string();
        self.list_at(&path, query)
    }

    /// **Inferred path.** The customers a price list applies to.
    ///
    /// # Errors
    /// The stream yields the errors of [`Client::list_at`], then ends.
    pub fn price_list_customers(
        &self,
        list: &PriceListId,
        query: ListQuery,
    ) -> BoxStream<'static, Result<PriceListCustomer, Error>> {
        let path = expand(
            &self.inferred_endpoints().price_list_customers,
            list.as_str(),
        );
        self.list_at(&path, query)
    }

    /// **Inferred path.** A price list's item prices, each with its quantity rule and
    /// quantity breaks where the list has them.
    ///
    /// # Errors
    /// The stream yields the errors of [`Client::list_at`], then ends.
    pub fn price_list_items(
        &self,
        list: &PriceListId,
        query: ListQuery,
    ) -> BoxStream<'static, Result<PriceListItem, Error>> {
        let path = expand(&self.inferred_endpoints().price_list_items, list.as_str());
        self.list_at(&path, query)
    }

    /// **Inferred path.** Posts a journal; its debits must equal its credits. Never retried
    /// after an uncertain failure.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming the field (no lines, a blank account or reference, a
    /// line that is negative, both or neither debit and credit, an unbalanced journal);
    /// otherwise as [`Client::create_credit_note`].
    pub async fn create_journal(&self, journal: &NewJournal) -> Result<JournalId, Error> {
        validate_journal(journal)?;
        let path = self.inferred_endpoints().journals.to_string();
        Ok(JournalId::new(self.create_at(&path, journal).await?)?)
    }
}

fn validate_journal(journal: &NewJournal) -> Result<(), Error> {
    let op = "create_journal";
    if journal.reference.trim().is_empty() {
        return Err(invalid(op, "reference", "must not be blank"));
    }
    if journal.lines.len() < 2 {
        return Err(invalid(op, "lines", "a journal needs at least two lines"));
    }
    let (mut debits, mut credits) = (Decimal::ZERO, Decimal::ZERO);
    for (i, line) in journal.lines.iter().enumerate() {
        if line.account.trim().is_empty() {
            return Err(invalid(
                op,
                format!("lines[{i}].account"),
                "must not be blank",
            ));
        }
        if line.debit < Decimal::ZERO || line.credit < Decimal::ZERO {
            return Err(invalid(
                op,
                format!("lines[{i}]"),
                "amounts must not be negative",
            ));
        }
        if line.debit.is_zero() == line.credit.is_zero() {
            return Err(invalid(
                op,
                format!("lines[{i}]"),
                "a line is either a debit or a credit",
            ));
        }
        debits = debits
            .checked_add(line.debit)
            .ok_or_else(|| invalid(op, "lines", "debits overflow"))?;
        credits = credits
            .checked_add(line.credit)
            .ok_or_else(|| invalid(op, "lines", "credits overflow"))?;
    }
    if debits != credits {
        return Err(invalid(
            op,
            "lines",
            format!("unbalanced: debits {debits} but credits {credits}"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::CurrencyCode;
    use crate::stokly::model::inferred::JournalLine;
    use chrono::TimeZone;

    fn journal(lines: Vec<JournalLine>) -> NewJournal {
        NewJournal::new(
            chrono::Utc.with_ymd_and_hms(2026, 1, 5, 0, 0, 0).unwrap(),
            CurrencyCode::new("GBP").unwrap(),
            "payout-1",
            lines,
        )
    }

    fn argument(r: Result<(), Error>) -> String {
        match r {
            Err(Error::InvalidArgument { argument, .. }) => argument,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn journals_must_balance() {
        let d = |n| Decimal::new(n, 2);
        assert!(
            validate_journal(&journal(vec![
                JournalLine::debit("1200", d(9710)),
                JournalLine::debit("7700", d(290)),
                JournalLine::credit("4000", d(10000)),
            ]))
            .is_ok()
        );
        assert_eq!(
            argument(validate_journal(&journal(vec![
                JournalLine::debit("1200", d(9710)),
                JournalLine::credit("4000", d(10000)),
            ]))),
            "lines"
        );
        assert_eq!(
            argument(validate_journal(&journal(vec![
                JournalLine::debit("1200", d(100)),
                JournalLine::credit(" ", d(100)),
            ]))),
            "lines[1].account"
        );
        assert_eq!(
            argument(validate_journal(&journal(vec![
                JournalLine::debit("1200", Decimal::ZERO),
                JournalLine::credit("4000", Decimal::ZERO),
            ]))),
            "lines[0]"
        );
    }
}
