//! Product variants with SKU, barcode, inventory item and bundle components.

use futures::stream::{BoxStream, StreamExt, TryStreamExt};

use super::bulk::BulkPollConfig;
use super::client::{Client, GraphQlRequest};
use super::error::Error;
use super::ids::ProductVariantId;
use super::model::{ProductVariant, VariantComponent};
use super::pagination::PageOptions;

const VARIANTS: &str = include_str!("graphql/product_variants.graphql");
/// Variants per page: each costs about 11 points (the variant, its product, its inventory item
/// and a three-component connection), so 80 stay under Shopify's 1,000-point query limit.
const VARIANTS_PAGE: u32 = 80;
/// Components per follow-up page (2 points each).
const COMPONENTS_PAGE: u32 = 250;
const COMPONENTS: &str = include_str!("graphql/product_variant_components.graphql");
/// The bulk query that exports the whole catalogue (validated against the schema like every
/// other document).
pub const BULK_PRODUCT_VARIANTS: &str = include_str!("graphql/bulk_product_variants.graphql");

impl Client {
    /// Product variants matching Shopify's search syntax (`sku:ABC-1`, `updated_at:>'...'`;
    /// `None` for all), paged. Bundle components beyond the first page are fetched, so every
    /// variant's component list is complete.
    pub fn product_variants(
        &self,
        search: Option<&str>,
        options: PageOptions,
    ) -> BoxStream<'static, Result<ProductVariant, Error>> {
        let request = match GraphQlRequest::query(VARIANTS, "ProductVariants")
            .with_default_page_size(VARIANTS_PAGE)
            .variable("query", search)
        {
            Ok(r) => r,
            Err(e) => return futures::stream::once(async move { Err(e) }).boxed(),
        };
        let client = self.clone();
        self.paginate::<ProductVariant>(request, &["productVariants"], options)
            .and_then(move |variant| {
                let client = client.clone();
                async move { client.complete_components(variant).await }
            })
            .boxed()
    }

    async fn complete_components(
        &self,
        mut variant: ProductVariant,
    ) -> Result<ProductVariant, Error> {
        let info = &variant.product_variant_components.page_info;
        if !info.has_next_page {
            return Ok(variant);
        }
        let request = GraphQlRequest::query(COMPONENTS, "ProductVariantComponents")
            .with_default_page_size(COMPONENTS_PAGE)
            .variable("id", &variant.id)?;
        let rest: Vec<VariantComponent> = self
            .paginate_after(
                request,
                &["productVariant", "productVariantComponents"],
                PageOptions::default(),
                info.end_cursor.clone(),
            )
            .try_collect()
            .await?;
        variant.product_variant_components.nodes.extend(rest);
        variant.product_variant_components.page_info.has_next_page = false;
        Ok(variant)
    }

    /// Exports every variant with a bulk operation (for large catalogues): starts the query,
    /// waits for it, and streams the variants with their components joined from the JSONL.
    ///
    /// # Errors
    /// Those of [`Client::run_bulk_query`]; the stream yields decode errors per line.
    pub async fn bulk_product_variants(
        &self,
        poll: &BulkPollConfig,
    ) -> Result<BoxStream<'static, Result<ProductVariant, Error>>, Error> {
        let op = self.run_bulk_query(BULK_PRODUCT_VARIANTS, poll).await?;
        let Some(url) = op.url else {
            return Ok(futures::stream::empty().boxed());
        };
        Ok(self
            .bulk_nodes(&url)
            .and_then(|node| async move { variant_from_bulk(node) })
            .boxed())
    }

    /// Reads one variant's bundle components, all pages.
    ///
    /// # Errors
    /// The errors of [`Client::query`].
    pub async fn variant_components(
        &self,
        id: &ProductVariantId,
    ) -> Result<Vec<VariantComponent>, Error> {
        let request =
            GraphQlRequest::query(COMPONENTS, "ProductVariantComponents").variable("id", id)?;
        self.paginate(
            request,
            &["productVariant", "productVariantComponents"],
            PageOptions::default(),
        )
        .try_collect()
        .await
    }
}

/// A bulk root line is a variant; its children are its component relations.
fn variant_from_bulk(node: super::bulk::BulkNode) -> Result<ProductVariant, Error> {
    let mut object = node.object;
    let components: Vec<serde_json::Value> = node
        .children
        .into_iter()
        .map(|mut c| {
            if let Some(map) = c.as_object_mut() {
                map.remove("__parentId");
            }
            c
        })
        .collect();
    if let Some(map) = object.as_object_mut() {
        map.insert(
            "productVariantComponents".to_owned(),
            serde_json::json!({ "nodes": components }),
        );
    }
    super::client::decode("BulkProductVariants", None, object)
}
