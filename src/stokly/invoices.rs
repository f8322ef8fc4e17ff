//! Sale invoices.

use futures::stream::BoxStream;

use super::client::Client;
use super::endpoints;
use super::error::Error;
use super::model::SaleInvoice;
use super::pagination::ListQuery;

impl Client {
    /// `GET /v0/invoices`: sale invoices (filter `[issueDate]>={...}`, `[status]=*{paid}`,
    /// `[invoiceNumber]=={...}`; sort `niceId`).
    ///
    /// # Errors
    /// The stream yields the errors of [`Client::list_at`], then ends.
    pub fn invoices(&self, query: ListQuery) -> BoxStream<'static, Result<SaleInvoice, Error>> {
        self.list_at(endpoints::INVOICES, query)
    }
}
