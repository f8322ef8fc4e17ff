//! Inventory levels with named quantities.

use futures::stream::{BoxStream, StreamExt};

use super::client::{Client, GraphQlRequest};
use super::error::Error;
use super::ids::LocationId;
use super::model::{InventoryLevel, QuantityName};
use super::pagination::PageOptions;

const LEVELS: &str = include_str!("graphql/inventory_levels.graphql");

impl Client {
    /// The inventory levels at a location with the named quantities asked for, paged.
    pub fn inventory_levels(
        &self,
        location: &LocationId,
        names: &[QuantityName],
        options: PageOptions,
    ) -> BoxStream<'static, Result<InventoryLevel, Error>> {
        let names: Vec<&str> = names.iter().map(|n| n.as_str()).collect();
        let request = GraphQlRequest::query(LEVELS, "LocationInventoryLevels")
            .variable("locationId", location)
            .and_then(|r| r.variable("names", names));
        match request {
            Ok(r) => self.paginate(r, &["location", "inventoryLevels"], options),
            Err(e) => futures::stream::once(async move { Err(e) }).boxed(),
        }
    }
}
