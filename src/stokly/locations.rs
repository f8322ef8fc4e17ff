//! Locations and bins.

use futures::stream::BoxStream;

use super::client::Client;
use super::endpoints::{self, expand};
use super::error::Error;
use super::filter::Filter;
use super::ids::LocationId;
use super::model::{Bin, Location};
use super::pagination::ListQuery;

impl Client {
    /// `GET /v0/locations` (active ones: `[status]=={0}`).
    ///
    /// # Errors
    /// The stream yields the errors of [`Client::list_at`], then ends.
    pub fn locations(&self, query: ListQuery) -> BoxStream<'static, Result<Location, Error>> {
        self.list_at(endpoints::LOCATIONS, query)
    }

    /// `GET /v0/locations/{id}/bins`.
    ///
    /// # Errors
    /// The stream yields the errors of [`Client::list_at`], then ends.
    pub fn location_bins(
        &self,
        id: &LocationId,
        query: ListQuery,
    ) -> BoxStream<'static, Result<Bin, Error>> {
        self.list_at(&expand(endpoints::LOCATION_BINS, id.as_str()), query)
    }

    /// `GET /v0/bins`: bins across locations (filter `[locationId]=={...}`).
    ///
    /// # Errors
    /// The stream yields the errors of [`Client::list_at`], then ends.
    pub fn bins(&self, query: ListQuery) -> BoxStream<'static, Result<Bin, Error>> {
        self.list_at(endpoints::BINS, query)
    }

    /// The location's default bin (`GET /v0/locations/{id}/bins?filter=[default]=={1}`), where
    /// adjustments land when no bin is chosen. `None` when the location has none.
    ///
    /// # Errors
    /// [`Error::Api`], [`Error::Transport`], [`Error::Grant`], [`Error::Decode`].
    pub async fn default_bin(&self, id: &LocationId) -> Result<Option<Bin>, Error> {
        let query = ListQuery::new()
            .filter(Filter::field("default").eq(true)?)
            .page_size(1);
        let page = self
            .page_at::<Bin>(&expand(endpoints::LOCATION_BINS, id.as_str()), &query, 0)
            .await?;
        Ok(page.items.into_iter().next())
    }
}
