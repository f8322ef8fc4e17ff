//! The catalogue ports: reading Stokly's catalogue (items, composites, variable families,
//! channel listings) and reading and writing Shopify's variants. The catalogue read and the
//! product push (`adapters::catalogue`) go through them; the Stokly and Shopify clients
//! implement them, and an application can put a cache, a queue or a recorder in between.
//!
//! Reads, and variant writes that set absolute values (sending one again is harmless), so
//! there is no uncertain outcome to resolve: a failure is the crate's [`Error`], kept whole.

use async_trait::async_trait;

use crate::Error;
use crate::shopify::model::{
    BulkCreateStrategy, ProductVariant, ProductVariantsBulkInput, ProductVariantsBulkPayload,
};
use crate::shopify::{BulkPollConfig, CatalogueRead, ProductId};
use crate::stokly::model::{Channel, ComposingItem, Item, ItemChild, Listing};
use crate::stokly::{ChannelId, ItemId};

/// Reading Stokly's catalogue. Every method reads every page; nothing partial is returned.
#[async_trait]
pub trait StoklyCataloguePort: Send + Sync {
    /// Every item, deleted ones included.
    ///
    /// # Errors
    /// The reader's error.
    async fn items(&self) -> Result<Vec<Item>, Error>;

    /// Every composite component row.
    ///
    /// # Errors
    /// The reader's error.
    async fn composing_items(&self) -> Result<Vec<ComposingItem>, Error>;

    /// The children (variants) of the variable parent `parent`.
    ///
    /// # Errors
    /// The reader's error.
    async fn item_children(&self, parent: &ItemId) -> Result<Vec<ItemChild>, Error>;

    /// Every channel.
    ///
    /// # Errors
    /// The reader's error.
    async fn channels(&self) -> Result<Vec<Channel>, Error>;

    /// The listings of `channel`.
    ///
    /// # Errors
    /// The reader's error.
    async fn channel_listings(&self, channel: &ChannelId) -> Result<Vec<Listing>, Error>;
}

/// Reading and writing Shopify's variants.
#[async_trait]
pub trait ShopifyCataloguePort: Send + Sync {
    /// Every variant, read as `how` says (paged or by bulk operation, polled per `poll`).
    ///
    /// # Errors
    /// The reader's error; nothing partial is returned.
    async fn variants(
        &self,
        how: CatalogueRead,
        poll: &BulkPollConfig,
    ) -> Result<Vec<ProductVariant>, Error>;

    /// Updates variants of `product` (`productVariantsBulkUpdate`); refusals come back in the
    /// payload's `userErrors`.
    ///
    /// # Errors
    /// The writer's error.
    async fn update_variants(
        &self,
        product: &ProductId,
        variants: &[ProductVariantsBulkInput],
    ) -> Result<ProductVariantsBulkPayload, Error>;

    /// Creates variants of `product` (`productVariantsBulkCreate`); refusals come back in the
    /// payload's `userErrors`.
    ///
    /// # Errors
    /// The writer's error.
    async fn create_variants(
        &self,
        product: &ProductId,
        variants: &[ProductVariantsBulkInput],
        strategy: BulkCreateStrategy,
    ) -> Result<ProductVariantsBulkPayload, Error>;
}
