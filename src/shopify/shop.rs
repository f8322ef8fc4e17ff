//! The shop and its locations.

use futures::stream::BoxStream;
use serde::Deserialize;

use super::client::{Client, GraphQlRequest};
use super::documents::{LOCATIONS, SHOP};
use super::error::Error;
use super::model::{Location, Shop};
use super::pagination::PageOptions;

#[derive(Deserialize)]
struct ShopData {
    shop: Shop,
}

impl Client {
    /// Reads the shop: currency, presentment currencies, time zone, plan and resource limits.
    ///
    /// # Errors
    /// The errors of [`Client::query`].
    pub async fn shop(&self) -> Result<Shop, Error> {
        let data: ShopData = self
            .query(&GraphQlRequest::query(SHOP, "Shop").cost_hint(2.0))
            .await?;
        Ok(data.shop)
    }

    /// Every location, active or not (including legacy fulfilment-service locations), paged.
    pub fn locations(&self, options: PageOptions) -> BoxStream<'static, Result<Location, Error>> {
        self.paginate(
            GraphQlRequest::query(LOCATIONS, "Locations"),
            &["locations"],
            options,
        )
    }
}
