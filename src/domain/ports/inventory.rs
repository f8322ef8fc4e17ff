//! The stock ports: reading Stokly's inventory records, and reading and writing Shopify's
//! levels. The inventory push (`adapters::inventory`) goes through them; the Stokly and
//! Shopify clients implement them, and an application can put a cache, a queue or a recorder
//! in between.
//!
//! Both are reads and idempotent writes (every `inventorySetQuantities` call carries its
//! idempotency key), so there is no uncertain outcome to resolve: a failure is the crate's
//! [`Error`], kept whole so that retry decisions and request IDs survive.

use async_trait::async_trait;

use crate::Error;
use crate::shopify::model::{
    InventoryLevel, InventorySetQuantitiesInput, InventorySetQuantitiesPayload, ItemLevels,
    QuantityName,
};
use crate::shopify::{InventoryItemId, LocationId as ShopifyLocationId};
use crate::stokly::ItemId;
use crate::stokly::model::InventoryRecord;

/// Reading Stokly's stock.
#[async_trait]
pub trait StoklyStockPort: Send + Sync {
    /// Every inventory record (all levels; the domain picks the right ones), every page.
    ///
    /// # Errors
    /// The reader's error; nothing partial is returned.
    async fn inventory_records(&self) -> Result<Vec<InventoryRecord>, Error>;

    /// The inventory records of `items`, every page (the Stokly client asks for 200 items
    /// per request).
    ///
    /// # Errors
    /// The reader's error; nothing partial is returned.
    async fn inventory_records_of(&self, items: &[ItemId]) -> Result<Vec<InventoryRecord>, Error>;
}

/// Reading and writing Shopify's stock.
#[async_trait]
pub trait ShopifyStockPort: Send + Sync {
    /// Every level at `location`, with the `names` quantities, every page.
    ///
    /// # Errors
    /// The reader's error; nothing partial is returned.
    async fn levels_at(
        &self,
        location: &ShopifyLocationId,
        names: &[QuantityName],
    ) -> Result<Vec<InventoryLevel>, Error>;

    /// The levels of `items` at `locations`, read through the items, and the pairs that have
    /// no level (with what Shopify answered).
    ///
    /// # Errors
    /// The reader's error.
    async fn levels_of_items(
        &self,
        items: &[InventoryItemId],
        locations: &[ShopifyLocationId],
        names: &[QuantityName],
    ) -> Result<ItemLevels, Error>;

    /// Sets quantities (`inventorySetQuantities`, with the input's idempotency key). Refusals
    /// come back in the payload's `userErrors`.
    ///
    /// # Errors
    /// The writer's error (transport, HTTP, GraphQL); the call may then be sent again.
    async fn set_quantities(
        &self,
        input: &InventorySetQuantitiesInput,
    ) -> Result<InventorySetQuantitiesPayload, Error>;
}
