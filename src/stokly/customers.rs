//! Customers.

use futures::TryStreamExt;
use futures::stream::BoxStream;

use super::client::Client;
use super::endpoints;
use super::error::{Error, invalid};
use super::filter::Filter;
use super::ids::CustomerId;
use super::model::{Customer, CustomerName, NewCustomer};
use super::pagination::{ListQuery, MAX_PAGE_SIZE};

/// Barcodes per `[barcode]=*{...}` request in [`Client::customers_by_barcodes`].
pub const CUSTOMER_BARCODE_BATCH: usize = 200;

impl Client {
    /// `GET /v0/customers`. Do not filter on `status`: its meaning is unclear.
    ///
    /// # Errors
    /// The stream yields the errors of [`Client::list_at`], then ends.
    pub fn customers(&self, query: ListQuery) -> BoxStream<'static, Result<Customer, Error>> {
        self.list_at(endpoints::CUSTOMERS, query)
    }

    /// Customers whose `barcode` (the external account code) is exactly `barcode`, through
    /// `[barcode]=={@string;barcode}`.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a blank barcode, [`Error::Filter`] for one the filter
    /// grammar cannot carry; otherwise as any read.
    pub async fn customers_by_barcode(&self, barcode: &str) -> Result<Vec<Customer>, Error> {
        if barcode.trim().is_empty() {
            return Err(invalid(
                "customers_by_barcode",
                "barcode",
                "must not be blank",
            ));
        }
        let filter = Filter::field("barcode").eq(Filter::string(barcode))?;
        let found: Vec<Customer> = self
            .customers(ListQuery::new().filter(filter).page_size(MAX_PAGE_SIZE))
            .try_collect()
            .await?;
        Ok(found
            .into_iter()
            .filter(|c| c.barcode.as_deref() == Some(barcode))
            .collect())
    }

    /// Customers whose `barcode` is one of `barcodes`, through `[barcode]=*{a,b,...}` with at
    /// most [`CUSTOMER_BARCODE_BATCH`] barcodes per request. Blank barcodes and repeats are
    /// ignored; the answer keeps only exact matches.
    ///
    /// # Errors
    /// [`Error::Filter`] for a barcode the `=*` list cannot carry; otherwise as any read.
    pub async fn customers_by_barcodes(&self, barcodes: &[&str]) -> Result<Vec<Customer>, Error> {
        self.list_in(
            endpoints::CUSTOMERS,
            "barcode",
            barcodes,
            CUSTOMER_BARCODE_BATCH,
            |c: &Customer| c.barcode.as_deref(),
        )
        .await
    }

    /// Customers whose `email` equals `email` ignoring ASCII case, through
    /// `[email]=={@string;email}`. **Inferred:** filtering customers on `email` is not seen in
    /// any source (only `barcode`, `name` and `status` are); it uses the create body's key.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a value without `@`; otherwise as
    /// [`Client::customers_by_barcode`].
    pub async fn customers_by_email(&self, email: &str) -> Result<Vec<Customer>, Error> {
        let email = email.trim();
        if !email.contains('@') {
            return Err(invalid(
                "customers_by_email",
                "email",
                "is not an email address",
            ));
        }
        let filter = Filter::field("email").eq(Filter::string(email))?;
        let found: Vec<Customer> = self
            .customers(ListQuery::new().filter(filter).page_size(MAX_PAGE_SIZE))
            .try_collect()
            .await?;
        Ok(found
            .into_iter()
            .filter(|c| {
                c.email
                    .as_deref()
                    .is_some_and(|e| e.trim().eq_ignore_ascii_case(email))
            })
            .collect())
    }

    /// `POST /v0/customers`: creates a customer and returns its ID (202: look it up by
    /// barcode with [`Client::wait_until_visible`] before using it in an order). Never retried
    /// after an uncertain failure.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming the field (no name at all, a blank barcode, an email
    /// without `@`); [`Error::Api`], [`Error::Transport`], [`Error::Grant`],
    /// [`Error::Decode`], [`Error::Id`].
    pub async fn create_customer(&self, customer: &NewCustomer) -> Result<CustomerId, Error> {
        let op = "create_customer";
        let has_name = customer
            .full_name
            .as_deref()
            .is_some_and(|n| !n.trim().is_empty())
            || customer.name.as_ref().is_some_and(|n| {
                [&n.forename, &n.surname]
                    .iter()
                    .any(|p| p.as_deref().is_some_and(|p| !p.trim().is_empty()))
            });
        if !has_name {
            return Err(invalid(op, "fullName", "a customer needs a name"));
        }
        if customer
            .barcode
            .as_deref()
            .is_some_and(|b| b.trim().is_empty())
        {
            return Err(invalid(op, "barcode", "must not be blank when given"));
        }
        if customer.email.as_deref().is_some_and(|e| !e.contains('@')) {
            return Err(invalid(op, "email", "is not an email address"));
        }
        Ok(CustomerId::new(
            self.create_at(endpoints::CUSTOMERS, customer).await?,
        )?)
    }
}

impl Customer {
    /// The best display name: `fullName`, else the name text or parts.
    #[must_use]
    pub fn display_name(&self) -> Option<String> {
        if let Some(full) = self.full_name.as_deref().filter(|n| !n.trim().is_empty()) {
            return Some(full.to_owned());
        }
        match &self.name {
            Some(CustomerName::Text(t)) => Some(t.clone()),
            Some(CustomerName::Parts(p)) => {
                let parts: Vec<&str> = [&p.forename, &p.surname]
                    .into_iter()
                    .filter_map(|s| s.as_deref())
                    .filter(|s| !s.trim().is_empty())
                    .collect();
                (!parts.is_empty()).then(|| parts.join(" "))
            }
            _ => None,
        }
    }
}
