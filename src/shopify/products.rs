//! Product variants with SKU, barcode, inventory item and bundle components.

use futures::stream::{BoxStream, StreamExt, TryStreamExt};

use super::bulk::BulkPollConfig;
use super::client::{Client, GraphQlRequest};
use super::documents::{
    BULK_CREATE, BULK_PRODUCT_VARIANTS, BULK_UPDATE, COMPONENTS, COUNT, VARIANTS,
};
use super::error::Error;
use super::ids::{ProductId, ProductVariantId};
use super::inventory::MAX_INPUT_ITEMS;
use super::model::{
    BulkCreateStrategy, ProductVariant, ProductVariantsBulkInput, ProductVariantsBulkPayload,
    VariantComponent,
};
use super::pagination::PageOptions;

/// Variants per page: each costs about 11 points (the variant, its product, its inventory item
/// and a three-component connection), so 80 stay under Shopify's 1,000-point query limit.
const VARIANTS_PAGE: u32 = 80;
/// Components per follow-up page (2 points each).
const COMPONENTS_PAGE: u32 = 250;

/// How [`Client::catalogue`] reads the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CatalogueRead {
    /// Cursor pagination (small shops; no bulk operation slot used).
    Paged,
    /// A bulk operation (large shops; one query however many variants).
    Bulk,
    /// Count the variants first; page below `bulk_from` variants, bulk from there on.
    Auto {
        /// The variant count from which a bulk operation is used.
        bulk_from: u64,
    },
}

impl Default for CatalogueRead {
    fn default() -> Self {
        Self::Auto { bulk_from: 5_000 }
    }
}

#[derive(serde::Deserialize)]
struct CountData {
    #[serde(rename = "productVariantsCount")]
    count: Option<CountValue>,
}

#[derive(serde::Deserialize)]
struct CountValue {
    count: u64,
}

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

impl Client {
    /// The number of variants matching `search` (Shopify counts up to 10,000 exactly).
    ///
    /// # Errors
    /// The errors of [`Client::query`].
    pub async fn product_variants_count(&self, search: Option<&str>) -> Result<u64, Error> {
        let request = GraphQlRequest::query(COUNT, "ProductVariantsCount")
            .variable("query", search)?
            .cost_hint(1.0);
        let data: CountData = self.query(&request).await?;
        Ok(data.count.map_or(0, |c| c.count))
    }

    /// Every variant, read the way `how` says (see [`CatalogueRead`]).
    ///
    /// # Errors
    /// The errors of [`Client::product_variants_count`] and [`Client::bulk_product_variants`];
    /// paged reads yield their errors in the stream.
    pub async fn catalogue(
        &self,
        how: CatalogueRead,
        poll: &BulkPollConfig,
    ) -> Result<BoxStream<'static, Result<ProductVariant, Error>>, Error> {
        let bulk = match how {
            CatalogueRead::Paged => false,
            CatalogueRead::Bulk => true,
            CatalogueRead::Auto { bulk_from } => {
                self.product_variants_count(None).await? >= bulk_from
            }
        };
        if bulk {
            self.bulk_product_variants(poll).await
        } else {
            Ok(self.product_variants(None, PageOptions::default()))
        }
    }

    /// Updates variants of one product (`productVariantsBulkUpdate`, all or nothing). Setting
    /// absolute values, it is safe to retry.
    ///
    /// `userErrors` come back in the payload; `field` names `["variants", "<index>", ...]`.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] before sending for no variants, more than 250, or a variant
    /// without an `id`; otherwise the errors of [`Client::query`].
    pub async fn product_variants_bulk_update(
        &self,
        product: &ProductId,
        variants: &[ProductVariantsBulkInput],
    ) -> Result<ProductVariantsBulkPayload, Error> {
        check_variants("ProductVariantsBulkUpdate", variants, true)?;
        let request = GraphQlRequest::mutation(BULK_UPDATE, "ProductVariantsBulkUpdate")
            .variable("productId", product)?
            .variable("variants", variants)?
            .safe_to_repeat()
            .cost_hint(10.0 + 0.2 * variants.len() as f64);
        self.bulk_variant_payload(&request, "productVariantsBulkUpdate")
            .await
    }

    /// Creates variants on one product (`productVariantsBulkCreate`). Not retried after an
    /// uncertain failure (a repeat could create the variants twice).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] before sending for no variants, more than 250, or a variant
    /// with an `id`; otherwise the errors of [`Client::query`].
    pub async fn product_variants_bulk_create(
        &self,
        product: &ProductId,
        variants: &[ProductVariantsBulkInput],
        strategy: BulkCreateStrategy,
    ) -> Result<ProductVariantsBulkPayload, Error> {
        check_variants("ProductVariantsBulkCreate", variants, false)?;
        let request = GraphQlRequest::mutation(BULK_CREATE, "ProductVariantsBulkCreate")
            .variable("productId", product)?
            .variable("variants", variants)?
            .variable("strategy", strategy)?
            .cost_hint(10.0 + 0.2 * variants.len() as f64);
        self.bulk_variant_payload(&request, "productVariantsBulkCreate")
            .await
    }

    async fn bulk_variant_payload(
        &self,
        request: &GraphQlRequest,
        field: &str,
    ) -> Result<ProductVariantsBulkPayload, Error> {
        let mut data: serde_json::Value = self.query(request).await?;
        let payload = data
            .get_mut(field)
            .map(serde_json::Value::take)
            .unwrap_or(serde_json::Value::Null);
        if payload.is_null() {
            return Err(Error::MissingPayload {
                operation: request.operation_name().to_owned(),
                detail: "no productVariantsBulk payload",
            });
        }
        super::client::decode(request.operation_name(), None, payload)
    }
}

fn check_variants(
    operation: &str,
    variants: &[ProductVariantsBulkInput],
    updating: bool,
) -> Result<(), Error> {
    let invalid = |reason: String| Error::InvalidArgument {
        operation: operation.to_owned(),
        argument: "variants",
        reason,
    };
    if variants.is_empty() || variants.len() > MAX_INPUT_ITEMS {
        return Err(invalid(format!(
            "must hold 1 to {MAX_INPUT_ITEMS} variants, got {}",
            variants.len()
        )));
    }
    for (i, v) in variants.iter().enumerate() {
        match (updating, v.id.is_some()) {
            (true, false) => return Err(invalid(format!("variants[{i}] has no id to update"))),
            (false, true) => {
                return Err(invalid(format!(
                    "variants[{i}] has an id; create takes new variants"
                )));
            }
            _ => {}
        }
    }
    Ok(())
}
