//! Reading both catalogues for the SKU index and the catalogue audit, and applying the
//! product push plan.

use async_trait::async_trait;
use futures::TryStreamExt;

use crate::domain::catalogue::{
    BatchOperation, CatalogueAudit, CompositeComponents, OwnedStoklyCatalogue, ProductPushPlan,
    SkuIndex, StoklyCatalogue, VariableFamilies, audit_catalogue,
};
use crate::domain::ports::{ShopifyCataloguePort, StoklyCataloguePort};
use crate::shopify::model::{
    BulkCreateStrategy, ProductVariant, ProductVariantsBulkInput, ProductVariantsBulkPayload,
};
use crate::shopify::{
    self, BulkPollConfig, CatalogueRead, ProductId, ProductVariantId, UserError, UserErrorsByInput,
};
use crate::stokly::model::{
    Channel, ChannelType, ComposingItem, Item, ItemChild, ItemFormat, Listing,
};
use crate::stokly::{self, ChannelId, ItemId, ListQuery};

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
    /// The SKU index over the snapshot, which the snapshot goes into: nothing is copied.
    #[must_use]
    pub fn into_index(self) -> SkuIndex {
        let composites = CompositeComponents::from_composing_items(&self.composing_items);
        let catalogue = OwnedStoklyCatalogue::new(self.items)
            .with_composites(composites)
            .with_variable_families(self.variable_families)
            .with_shopify_listings(self.listings);
        SkuIndex::build_owned(catalogue, self.variants)
    }

    /// The SKU index over the snapshot, copying what it keeps
    /// ([`CatalogueSnapshot::into_index`] does not).
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

fn page() -> ListQuery {
    ListQuery::new().page_size(STOKLY_PAGE)
}

/// The Stokly client reads its catalogue in pages of 1,000.
#[async_trait]
impl StoklyCataloguePort for stokly::Client {
    async fn items(&self) -> Result<Vec<Item>, crate::Error> {
        Ok(stokly::Client::items(self, page()).try_collect().await?)
    }

    async fn composing_items(&self) -> Result<Vec<ComposingItem>, crate::Error> {
        Ok(stokly::Client::composing_items(self, page())
            .try_collect()
            .await?)
    }

    async fn item_children(&self, parent: &ItemId) -> Result<Vec<ItemChild>, crate::Error> {
        Ok(stokly::Client::item_children(self, parent, page())
            .try_collect()
            .await?)
    }

    async fn channels(&self) -> Result<Vec<Channel>, crate::Error> {
        Ok(stokly::Client::channels(self, page()).try_collect().await?)
    }

    async fn channel_listings(&self, channel: &ChannelId) -> Result<Vec<Listing>, crate::Error> {
        Ok(stokly::Client::channel_listings(self, channel, page())
            .try_collect()
            .await?)
    }
}

#[async_trait]
impl ShopifyCataloguePort for shopify::Client {
    async fn variants(
        &self,
        how: CatalogueRead,
        poll: &BulkPollConfig,
    ) -> Result<Vec<ProductVariant>, crate::Error> {
        Ok(self.catalogue(how, poll).await?.try_collect().await?)
    }

    async fn update_variants(
        &self,
        product: &ProductId,
        variants: &[ProductVariantsBulkInput],
    ) -> Result<ProductVariantsBulkPayload, crate::Error> {
        Ok(self.product_variants_bulk_update(product, variants).await?)
    }

    async fn create_variants(
        &self,
        product: &ProductId,
        variants: &[ProductVariantsBulkInput],
        strategy: BulkCreateStrategy,
    ) -> Result<ProductVariantsBulkPayload, crate::Error> {
        Ok(self
            .product_variants_bulk_create(product, variants, strategy)
            .await?)
    }
}

/// Reads both catalogues through their ports: Stokly items, composite components, variable
/// families and the listings of every Shopify channel (the Stokly client reads pages of
/// 1,000), and every Shopify variant.
///
/// # Errors
/// The first error of either port; nothing partial is returned (an audit of half a
/// catalogue would report false findings).
pub async fn read_catalogue(
    shopify: &dyn ShopifyCataloguePort,
    stokly: &dyn StoklyCataloguePort,
    options: &CatalogueReadOptions,
) -> Result<CatalogueSnapshot, crate::Error> {
    let items: Vec<Item> = stokly.items().await?;
    let composing_items: Vec<ComposingItem> = stokly.composing_items().await?;
    let mut variable_families = VariableFamilies::new();
    for parent in items
        .iter()
        .filter(|i| i.format == Some(ItemFormat::Variable))
    {
        let children = stokly.item_children(&parent.item_id).await?;
        variable_families.insert_children(&parent.item_id, &children);
    }
    let channels = stokly.channels().await?;
    let shopify_channels: Vec<ChannelId> = channels
        .into_iter()
        .filter(|c| c.channel_type == Some(ChannelType::Shopify))
        .map(|c| c.channel_id)
        .collect();
    let mut listings = Vec::new();
    for channel in &shopify_channels {
        let mut of_channel: Vec<Listing> = stokly.channel_listings(channel).await?;
        listings.append(&mut of_channel);
    }
    let variants: Vec<ProductVariant> = shopify.variants(options.shopify, &options.poll).await?;
    Ok(CatalogueSnapshot {
        items,
        composing_items,
        variable_families,
        shopify_channels,
        listings,
        variants,
    })
}

/// What happened to one planned variant when its batch was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum VariantPushOutcome {
    /// Shopify saved it.
    Saved {
        /// The Stokly item.
        item_id: ItemId,
        /// Its SKU.
        sku: String,
        /// The Shopify variant (new on creates).
        variant_id: ProductVariantId,
    },
    /// Shopify rejected it (or the whole batch, which is applied all or nothing).
    Rejected {
        /// The Stokly item.
        item_id: ItemId,
        /// Its SKU.
        sku: String,
        /// Shopify's `userErrors` that name this variant, or the batch-level ones.
        errors: Vec<UserError>,
    },
}

/// The result of applying a product push plan: one outcome per planned variant, in plan order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProductPushReport {
    /// Outcomes, batch by batch.
    pub outcomes: Vec<VariantPushOutcome>,
    /// Calls made.
    pub calls: usize,
}

impl ProductPushReport {
    /// Variants saved.
    #[must_use]
    pub fn saved(&self) -> usize {
        self.outcomes
            .iter()
            .filter(|o| matches!(o, VariantPushOutcome::Saved { .. }))
            .count()
    }
    /// Variants rejected.
    #[must_use]
    pub fn rejected(&self) -> usize {
        self.outcomes.len() - self.saved()
    }
}

/// Sends each batch of a product push plan through the port (`productVariantsBulkUpdate` or
/// `…Create`, one product per call) and maps Shopify's `userErrors` back to the planned variants through
/// their input index (`["variants", "<i>", ...]`). Shopify applies a batch all or nothing, so
/// an error that names no variant rejects every variant of its batch.
///
/// # Errors
/// The first transport, HTTP or GraphQL error; batches sent before it stay applied, and the
/// plan can simply be recomputed and applied again (updates set absolute values).
pub async fn apply_product_push(
    shopify: &dyn ShopifyCataloguePort,
    plan: &ProductPushPlan,
) -> Result<ProductPushReport, crate::Error> {
    let mut report = ProductPushReport::default();
    for batch in &plan.batches {
        let inputs: Vec<ProductVariantsBulkInput> = batch.inputs().into_iter().cloned().collect();
        let payload = match batch.operation() {
            BatchOperation::Update => shopify.update_variants(batch.product_id(), &inputs).await?,
            BatchOperation::Create => {
                shopify
                    .create_variants(batch.product_id(), &inputs, BulkCreateStrategy::Default)
                    .await?
            }
        };
        report.calls += 1;
        let saved = payload.product_variants.unwrap_or_default();
        let by_input = UserErrorsByInput::partition(&payload.user_errors, batch.variants().len());
        for (i, planned) in batch.variants().iter().enumerate() {
            let errors: Vec<UserError> = by_input.concerning(i).into_iter().cloned().collect();
            let outcome = match (errors.is_empty(), saved.get(i)) {
                (true, Some(variant)) if payload.user_errors.is_empty() => {
                    VariantPushOutcome::Saved {
                        item_id: planned.item_id.clone(),
                        sku: planned.sku.clone(),
                        variant_id: variant.id.clone(),
                    }
                }
                _ => VariantPushOutcome::Rejected {
                    item_id: planned.item_id.clone(),
                    sku: planned.sku.clone(),
                    errors,
                },
            };
            report.outcomes.push(outcome);
        }
    }
    Ok(report)
}
