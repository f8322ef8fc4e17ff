//! Reading both catalogues for the SKU index and the catalogue audit.

use futures::TryStreamExt;

use crate::domain::sku::{
    CatalogueAudit, CompositeComponents, SkuIndex, StoklyCatalogue, VariableFamilies,
    audit_catalogue,
};
use crate::shopify::model::ProductVariant;
use crate::shopify::{self, BulkPollConfig, CatalogueRead};
use crate::stokly::model::{ChannelType, ComposingItem, Item, ItemFormat, Listing};
use crate::stokly::{self, ChannelId, ListQuery};

/// The largest Stokly page, used for every catalogue read.
const STOKLY_PAGE: u32 = 1000;

/// How to read the catalogues.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct CatalogueReadOptions {
    /// How the Shopify side is read (default: count, then page or bulk).
    pub shopify: CatalogueRead,
    /// Bulk-operation polling.
    pub poll: BulkPollConfig,
}

/// Both catalogues as read at one moment.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct CatalogueSnapshot {
    /// Every Stokly item (deleted ones included: the audit reports them when Shopify still
    /// sells them).
    pub items: Vec<Item>,
    /// Every composite component row.
    pub composing_items: Vec<ComposingItem>,
    /// The variants of every variable parent.
    pub variable_families: VariableFamilies,
    /// The Shopify channels found in Stokly.
    pub shopify_channels: Vec<ChannelId>,
    /// The listings of those channels.
    pub listings: Vec<Listing>,
    /// Every Shopify variant.
    pub variants: Vec<ProductVariant>,
}

impl CatalogueSnapshot {
    /// The SKU index over the snapshot.
    #[must_use]
    pub fn index(&self) -> SkuIndex {
        let composites = CompositeComponents::from_composing_items(&self.composing_items);
        let catalogue = StoklyCatalogue::new(&self.items)
            .with_composites(&composites)
            .with_variable_families(&self.variable_families)
            .with_shopify_listings(&self.listings);
        SkuIndex::build(catalogue, &self.variants)
    }

    /// The catalogue audit of the snapshot.
    #[must_use]
    pub fn audit(&self) -> CatalogueAudit {
        audit_catalogue(&self.index())
    }
}

/// Reads both catalogues: Stokly items, composite components, variable families and the
/// listings of every Shopify channel (pages of 1,000), and every Shopify variant.
///
/// # Errors
/// The first error of either client; nothing partial is returned (an audit of half a
/// catalogue would report false findings).
pub async fn read_catalogue(
    shopify: &shopify::Client,
    stokly: &stokly::Client,
    options: &CatalogueReadOptions,
) -> Result<CatalogueSnapshot, crate::Error> {
    let page = || ListQuery::new().page_size(STOKLY_PAGE);
    let items: Vec<Item> = stokly.items(page()).try_collect().await?;
    let composing_items: Vec<ComposingItem> = stokly.composing_items(page()).try_collect().await?;
    let mut variable_families = VariableFamilies::new();
    for parent in items
        .iter()
        .filter(|i| i.format == Some(ItemFormat::Variable))
    {
        let children: Vec<_> = stokly
            .item_children(&parent.item_id, page())
            .try_collect()
            .await?;
        variable_families.insert_children(&parent.item_id, &children);
    }
    let channels: Vec<_> = stokly.channels(page()).try_collect().await?;
    let shopify_channels: Vec<ChannelId> = channels
        .into_iter()
        .filter(|c| c.channel_type == Some(ChannelType::Shopify))
        .map(|c| c.channel_id)
        .collect();
    let mut listings = Vec::new();
    for channel in &shopify_channels {
        let mut of_channel: Vec<Listing> = stokly
            .channel_listings(channel, page())
            .try_collect()
            .await?;
        listings.append(&mut of_channel);
    }
    let variants: Vec<ProductVariant> = shopify
        .catalogue(options.shopify, &options.poll)
        .await?
        .try_collect()
        .await?;
    Ok(CatalogueSnapshot {
        items,
        composing_items,
        variable_families,
        shopify_channels,
        listings,
        variants,
    })
}
