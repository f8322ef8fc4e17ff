//! Single listings: the full record, sync messages, forcing a sync.

use futures::stream::BoxStream;
use reqwest::Method;

use super::client::Client;
use super::endpoints::{self, expand};
use super::error::Error;
use super::ids::ListingId;
use super::model::{Listing, ListingMessage};
use super::pagination::ListQuery;
use crate::http::Idempotence;

impl Client {
    /// `GET /v0/listings/{id}`: the listing with its override packet (`data`).
    ///
    /// # Errors
    /// [`Error::Api`] (404 for an unknown listing), [`Error::Transport`], [`Error::Grant`],
    /// [`Error::Decode`].
    pub async fn listing(&self, id: &ListingId) -> Result<Listing, Error> {
        self.read_one(&expand(endpoints::LISTING, id.as_str()))
            .await
    }

    /// `GET /v0/listings/{id}/messages`: sync results (sort `niceId` descending for the
    /// latest first).
    ///
    /// # Errors
    /// The stream yields the errors of [`Client::list_at`], then ends.
    pub fn listing_messages(
        &self,
        id: &ListingId,
        query: ListQuery,
    ) -> BoxStream<'static, Result<ListingMessage, Error>> {
        self.list_at(&expand(endpoints::LISTING_MESSAGES, id.as_str()), query)
    }

    /// `POST /v0/listings/{id}/synchronisations` (no body): schedules a push of the listing to
    /// its channel. Scheduling twice is harmless, so it is retried like a read.
    ///
    /// # Errors
    /// [`Error::Api`], [`Error::Transport`], [`Error::Grant`].
    pub async fn synchronise_listing(&self, id: &ListingId) -> Result<(), Error> {
        self.write_at::<()>(
            Method::POST,
            &expand(endpoints::LISTING_SYNCHRONISATIONS, id.as_str()),
            None,
            Idempotence::Safe,
        )
        .await?;
        Ok(())
    }
}
