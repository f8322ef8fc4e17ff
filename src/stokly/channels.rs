//! Channels and their listings.

use futures::stream::BoxStream;

use super::client::Client;
use super::endpoints::{self, expand};
use super::error::Error;
use super::ids::ChannelId;
use super::model::{Channel, Listing};
use super::pagination::ListQuery;

impl Client {
    /// `GET /v0/channels`. Channel `data` holds remote-store credentials in clear text; the
    /// model's `Debug` hides it.
    ///
    /// # Errors
    /// The stream yields the errors of [`Client::list_at`], then ends.
    pub fn channels(&self, query: ListQuery) -> BoxStream<'static, Result<Channel, Error>> {
        self.list_at(endpoints::CHANNELS, query)
    }

    /// `GET /v0/channels/{id}`.
    ///
    /// # Errors
    /// [`Error::Api`] (404 for an unknown channel), [`Error::Transport`], [`Error::Grant`],
    /// [`Error::Decode`].
    pub async fn channel(&self, id: &ChannelId) -> Result<Channel, Error> {
        self.read_one(&expand(endpoints::CHANNEL, id.as_str()))
            .await
    }

    /// `GET /v0/channels/{id}/listings`: the channel's listings with `itemId` and
    /// `referenceId` (the Shopify GID on a Shopify channel), from which the Shopify variant ↔
    /// Stokly item map is built. Filter out deleted ones with `[status]!={2}`.
    ///
    /// # Errors
    /// The stream yields the errors of [`Client::list_at`], then ends.
    pub fn channel_listings(
        &self,
        id: &ChannelId,
        query: ListQuery,
    ) -> BoxStream<'static, Result<Listing, Error>> {
        self.list_at(&expand(endpoints::CHANNEL_LISTINGS, id.as_str()), query)
    }
}
