//! The ERP-first product push: Stokly is the product master, so Shopify variants are created
//! and updated from Stokly items, never the other way round.
//!
//! The rules are documented on [`plan_product_push`].

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::audit::{ShopifyVariantRef, StoklyItemRef};
use super::index::{
    Hits, ListingTarget, ShopifyEntry, SkuIndex, StoklyEntry, StoklyMatch, add_hit, near_miss_key,
};
use crate::domain::exception::{DomainException, Flow, Owner, RecordRef, Severity, printable};
use crate::money::CurrencyCode;
use crate::shopify::{ProductId, ProductVariantId};
use crate::stokly::{ItemId, ListingId};

/// Most variants Shopify accepts in one `productVariantsBulkCreate`/`Update` call.
pub const MAX_VARIANTS_PER_CALL: usize = 250;

/// Most variants one Shopify product can hold.
pub const MAX_VARIANTS_PER_PRODUCT: usize = 2048;

// The inputs are Shopify's own wire types: the plan carries exactly what the client sends.
pub use crate::shopify::model::{
    InventoryItemInput, ProductVariantsBulkInput as VariantInput,
    VariantOptionValueInput as VariantOptionValue,
};

/// A field an update changes, with the value before and after (for dry runs and logs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "field", rename_all = "snake_case")]
#[non_exhaustive]
pub enum FieldChange {
    /// The SKU (a rename from a Stokly listing link).
    Sku {
        /// Shopify's SKU now.
        from: Option<String>,
        /// Stokly's SKU.
        to: String,
    },
    /// The barcode.
    Barcode {
        /// Shopify's barcode now.
        from: Option<String>,
        /// Stokly's barcode.
        to: String,
    },
    /// The price.
    Price {
        /// Shopify's price now.
        from: Decimal,
        /// Stokly's channel price.
        to: Decimal,
    },
    /// Inventory tracking turned on.
    Tracked {
        /// Shopify's setting now.
        from: bool,
        /// The new setting.
        to: bool,
    },
}

/// One variant to create or update, with the Stokly item it comes from (so that a
/// `userErrors` entry at `["variants", i, ...]` maps back to a record).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PlannedVariant {
    /// The Stokly item.
    pub item_id: ItemId,
    /// Its SKU.
    pub sku: String,
    /// What changes (empty on creates: everything is new).
    pub changes: Vec<FieldChange>,
    /// The input to send.
    pub input: VariantInput,
}

/// Which mutation a batch is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchOperation {
    /// `productVariantsBulkUpdate`.
    Update,
    /// `productVariantsBulkCreate`.
    Create,
}

impl BatchOperation {
    /// The Shopify mutation's name.
    #[must_use]
    pub fn mutation(self) -> &'static str {
        match self {
            Self::Update => "productVariantsBulkUpdate",
            Self::Create => "productVariantsBulkCreate",
        }
    }
}

/// One `productVariantsBulkCreate`/`Update` call: one product, 1 to
/// [`MAX_VARIANTS_PER_CALL`] variants, creates without IDs or updates with them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "BatchFields")]
pub struct VariantBatch {
    product_id: ProductId,
    product_title: String,
    operation: BatchOperation,
    variants: Vec<PlannedVariant>,
}

#[derive(Deserialize)]
struct BatchFields {
    product_id: ProductId,
    product_title: String,
    operation: BatchOperation,
    variants: Vec<PlannedVariant>,
}

/// Why a deserialised [`VariantBatch`] was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid variant batch: {0}")]
pub struct InvalidBatch(&'static str);

impl TryFrom<BatchFields> for VariantBatch {
    type Error = InvalidBatch;

    fn try_from(fields: BatchFields) -> Result<Self, InvalidBatch> {
        if fields.variants.is_empty() {
            return Err(InvalidBatch("no variants"));
        }
        if fields.variants.len() > MAX_VARIANTS_PER_CALL {
            return Err(InvalidBatch("more than 250 variants"));
        }
        let ids_as_expected = fields.variants.iter().all(|v| match fields.operation {
            BatchOperation::Create => v.input.id.is_none(),
            BatchOperation::Update => v.input.id.is_some(),
        });
        if !ids_as_expected {
            return Err(InvalidBatch(
                "creates must not carry variant IDs and updates must",
            ));
        }
        Ok(Self {
            product_id: fields.product_id,
            product_title: fields.product_title,
            operation: fields.operation,
            variants: fields.variants,
        })
    }
}

impl VariantBatch {
    /// The product (the mutation's `productId`).
    #[must_use]
    pub fn product_id(&self) -> &ProductId {
        &self.product_id
    }

    /// The product's title, for people reading the plan.
    #[must_use]
    pub fn product_title(&self) -> &str {
        &self.product_title
    }

    /// Create or update.
    #[must_use]
    pub fn operation(&self) -> BatchOperation {
        self.operation
    }

    /// The variants, in the order they are sent.
    #[must_use]
    pub fn variants(&self) -> &[PlannedVariant] {
        &self.variants
    }

    /// The mutation's `variants` argument.
    #[must_use]
    pub fn inputs(&self) -> Vec<&VariantInput> {
        self.variants.iter().map(|v| &v.input).collect()
    }
}

/// Settings for [`plan_product_push`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductPushOptions {
    shop_currency: CurrencyCode,
    option_values: HashMap<ItemId, Vec<VariantOptionValue>>,
}

impl ProductPushOptions {
    /// Options for a shop whose prices are in `shop_currency`.
    #[must_use]
    pub fn new(shop_currency: CurrencyCode) -> Self {
        Self {
            shop_currency,
            option_values: HashMap::new(),
        }
    }

    /// The option values a new variant for `item` takes (needed for every create).
    #[must_use]
    pub fn with_option_values(mut self, item: ItemId, values: Vec<VariantOptionValue>) -> Self {
        self.option_values.insert(item, values);
        self
    }
}

/// Why an item was not pushed, or what the push leaves alone. `Blocking` means the item is
/// not pushed until it is fixed; `Warning` means the push goes ahead without that part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum PushFinding {
    /// A Shopify SKU no active Stokly item has: never created, changed or deleted.
    ShopifyOnlySku {
        /// The variant.
        variant: ShopifyVariantRef,
    },
    /// Several active Stokly items share the SKU: none of them is pushed.
    DuplicateStoklySku {
        /// The SKU.
        sku: String,
        /// The items.
        items: Vec<StoklyItemRef>,
    },
    /// Several Shopify variants carry the item's SKU: which one to update is unclear.
    DuplicateShopifySku {
        /// The item.
        item: StoklyItemRef,
        /// The variants.
        variants: Vec<ShopifyVariantRef>,
    },
    /// Shopify has SKUs that nearly equal the item's: creating it would add a look-alike.
    NearMissNeedsDecision {
        /// The item.
        item: StoklyItemRef,
        /// The nearly equal variants.
        variants: Vec<ShopifyVariantRef>,
    },
    /// Stokly does not say which Shopify product the new variant belongs to.
    NoTargetProduct {
        /// The item.
        item: StoklyItemRef,
        /// Its Shopify-channel listing.
        listing: ListingId,
    },
    /// Stokly names several Shopify products for the new variant.
    AmbiguousTargetProduct {
        /// The item.
        item: StoklyItemRef,
        /// The products named.
        products: Vec<ProductId>,
    },
    /// Stokly names a Shopify product that is not in the Shopify catalogue read.
    TargetProductNotInShopify {
        /// The item.
        item: StoklyItemRef,
        /// The product named.
        product: ProductId,
    },
    /// The new variant's option values were not supplied.
    OptionValuesMissing {
        /// The item.
        item: StoklyItemRef,
        /// The product it would join.
        product: ProductId,
    },
    /// The product already holds the most variants Shopify allows.
    ProductVariantLimit {
        /// The item.
        item: StoklyItemRef,
        /// The full product.
        product: ProductId,
    },
    /// The listing's price is in another currency than the shop's: the price is left alone.
    PriceCurrencyDiffers {
        /// The item.
        item: StoklyItemRef,
        /// The listing carrying the price.
        listing: ListingId,
        /// The listing's currency.
        price_currency: CurrencyCode,
        /// The shop's currency.
        shop_currency: CurrencyCode,
    },
    /// An item listed on the Shopify channel without a usable SKU.
    ListedItemWithoutSku {
        /// The item.
        item: StoklyItemRef,
        /// The listing.
        listing: ListingId,
    },
    /// A listing links the item to a variant whose SKU another Stokly item uses, or that
    /// another item already claims: renaming it would take it from that item.
    LinkedVariantContested {
        /// The item.
        item: StoklyItemRef,
        /// The linked variant.
        variant: ShopifyVariantRef,
        /// The other Stokly item (`None` when several share the variant's SKU).
        other: Option<StoklyItemRef>,
    },
}

fn quoted(sku: Option<&str>) -> String {
    sku.map_or_else(|| "(none)".to_owned(), |s| format!("\"{}\"", printable(s)))
}

fn item_text(item: &StoklyItemRef) -> String {
    format!(
        "Stokly item {} (SKU {})",
        item.id,
        quoted(item.sku.as_deref())
    )
}

fn variant_text(variant: &ShopifyVariantRef) -> String {
    format!(
        "Shopify variant {} (SKU {}) of \"{}\"",
        variant.id.numeric_id(),
        quoted(variant.sku.as_deref()),
        printable(&variant.product_title)
    )
}

fn variant_record(variant: &ShopifyVariantRef) -> RecordRef {
    RecordRef::ShopifyVariant {
        id: variant.id.clone(),
        sku: variant.sku.clone(),
    }
}

fn item_record(item: &StoklyItemRef) -> RecordRef {
    RecordRef::StoklyItem {
        id: item.id.clone(),
        sku: item.sku.clone(),
    }
}

fn product_record(product: &ProductId) -> RecordRef {
    RecordRef::ShopifyProduct {
        id: product.clone(),
        title: String::new(),
    }
}

impl PushFinding {
    fn item(&self) -> Option<&StoklyItemRef> {
        match self {
            Self::ShopifyOnlySku { .. } | Self::DuplicateStoklySku { .. } => None,
            Self::DuplicateShopifySku { item, .. }
            | Self::NearMissNeedsDecision { item, .. }
            | Self::NoTargetProduct { item, .. }
            | Self::AmbiguousTargetProduct { item, .. }
            | Self::TargetProductNotInShopify { item, .. }
            | Self::OptionValuesMissing { item, .. }
            | Self::ProductVariantLimit { item, .. }
            | Self::PriceCurrencyDiffers { item, .. }
            | Self::ListedItemWithoutSku { item, .. }
            | Self::LinkedVariantContested { item, .. } => Some(item),
        }
    }

    /// The SKU the finding is about.
    #[must_use]
    pub fn sku(&self) -> Option<&str> {
        match self {
            Self::ShopifyOnlySku { variant } => variant.sku.as_deref(),
            Self::DuplicateStoklySku { sku, .. } => Some(sku),
            other => other.item().and_then(|i| i.sku.as_deref()),
        }
    }
}

impl DomainException for PushFinding {
    fn flow(&self) -> Flow {
        Flow::Catalogue
    }

    fn code(&self) -> &'static str {
        match self {
            Self::ShopifyOnlySku { .. } => "push_shopify_only_sku",
            Self::DuplicateStoklySku { .. } => "push_duplicate_stokly_sku",
            Self::DuplicateShopifySku { .. } => "push_duplicate_shopify_sku",
            Self::NearMissNeedsDecision { .. } => "push_near_miss_needs_decision",
            Self::NoTargetProduct { .. } => "push_no_target_product",
            Self::AmbiguousTargetProduct { .. } => "push_ambiguous_target_product",
            Self::TargetProductNotInShopify { .. } => "push_target_product_not_in_shopify",
            Self::OptionValuesMissing { .. } => "push_option_values_missing",
            Self::ProductVariantLimit { .. } => "push_product_variant_limit",
            Self::PriceCurrencyDiffers { .. } => "push_price_currency_differs",
            Self::ListedItemWithoutSku { .. } => "push_listed_item_without_sku",
            Self::LinkedVariantContested { .. } => "push_linked_variant_contested",
        }
    }

    fn owner(&self) -> Owner {
        match self {
            Self::DuplicateStoklySku { .. }
            | Self::PriceCurrencyDiffers { .. }
            | Self::ListedItemWithoutSku { .. }
            | Self::LinkedVariantContested { .. } => Owner::Operations,
            Self::ShopifyOnlySku { .. }
            | Self::DuplicateShopifySku { .. }
            | Self::NearMissNeedsDecision { .. }
            | Self::NoTargetProduct { .. }
            | Self::AmbiguousTargetProduct { .. }
            | Self::TargetProductNotInShopify { .. }
            | Self::OptionValuesMissing { .. }
            | Self::ProductVariantLimit { .. } => Owner::Ecommerce,
        }
    }

    fn severity(&self) -> Severity {
        match self {
            Self::ShopifyOnlySku { .. } | Self::PriceCurrencyDiffers { .. } => Severity::Warning,
            Self::DuplicateStoklySku { .. }
            | Self::DuplicateShopifySku { .. }
            | Self::NearMissNeedsDecision { .. }
            | Self::NoTargetProduct { .. }
            | Self::AmbiguousTargetProduct { .. }
            | Self::TargetProductNotInShopify { .. }
            | Self::OptionValuesMissing { .. }
            | Self::ProductVariantLimit { .. }
            | Self::ListedItemWithoutSku { .. }
            | Self::LinkedVariantContested { .. } => Severity::Blocking,
        }
    }

    fn subject(&self) -> Vec<RecordRef> {
        match self {
            Self::ShopifyOnlySku { variant } => vec![variant_record(variant)],
            Self::DuplicateStoklySku { items, .. } => items.iter().map(item_record).collect(),
            Self::DuplicateShopifySku { item, variants }
            | Self::NearMissNeedsDecision { item, variants } => std::iter::once(item_record(item))
                .chain(variants.iter().map(variant_record))
                .collect(),
            Self::NoTargetProduct { item, listing }
            | Self::PriceCurrencyDiffers { item, listing, .. }
            | Self::ListedItemWithoutSku { item, listing } => vec![
                item_record(item),
                RecordRef::StoklyListing {
                    id: listing.clone(),
                },
            ],
            Self::AmbiguousTargetProduct { item, products } => std::iter::once(item_record(item))
                .chain(products.iter().map(product_record))
                .collect(),
            Self::TargetProductNotInShopify { item, product }
            | Self::OptionValuesMissing { item, product }
            | Self::ProductVariantLimit { item, product } => {
                vec![item_record(item), product_record(product)]
            }
            Self::LinkedVariantContested {
                item,
                variant,
                other,
            } => {
                let mut records = vec![item_record(item), variant_record(variant)];
                records.extend(other.iter().map(item_record));
                records
            }
        }
    }

    fn reason(&self) -> String {
        match self {
            Self::ShopifyOnlySku { variant } => format!(
                "{} has a SKU no active Stokly item has. The push never creates, changes or \
                 deletes it.",
                variant_text(variant)
            ),
            Self::DuplicateStoklySku { sku, items } => format!(
                "SKU {} belongs to {} active Stokly items ({}); none of them is pushed.",
                quoted(Some(sku)),
                items.len(),
                items
                    .iter()
                    .map(|i| i.id.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Self::DuplicateShopifySku { item, variants } => format!(
                "{} is on {} Shopify variants ({}); the push does not pick one.",
                item_text(item),
                variants.len(),
                variants
                    .iter()
                    .map(|v| v.id.numeric_id().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Self::NearMissNeedsDecision { item, variants } => format!(
                "{} is not in Shopify, but {} nearly equal{} its SKU; creating it would add a \
                 look-alike SKU.",
                item_text(item),
                variants
                    .iter()
                    .map(variant_text)
                    .collect::<Vec<_>>()
                    .join(", "),
                if variants.len() == 1 { "s" } else { "" }
            ),
            Self::NoTargetProduct { item, listing } => format!(
                "{} is listed on the Shopify channel (listing {listing}) but Stokly does not \
                 say which Shopify product it belongs to; the push does not guess.",
                item_text(item)
            ),
            Self::AmbiguousTargetProduct { item, products } => format!(
                "Stokly names {} Shopify products for {} ({}); the push does not pick one.",
                products.len(),
                item_text(item),
                products
                    .iter()
                    .map(|p| p.numeric_id().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Self::TargetProductNotInShopify { item, product } => format!(
                "Stokly places {} in Shopify product {}, which is not in the Shopify catalogue.",
                item_text(item),
                product.numeric_id()
            ),
            Self::OptionValuesMissing { item, product } => format!(
                "{} would become a new variant of Shopify product {}, but its option values \
                 (size, colour...) were not supplied; Shopify needs them.",
                item_text(item),
                product.numeric_id()
            ),
            Self::ProductVariantLimit { item, product } => format!(
                "{} cannot be added to Shopify product {}: it would exceed Shopify's \
                 {MAX_VARIANTS_PER_PRODUCT} variants per product.",
                item_text(item),
                product.numeric_id()
            ),
            Self::PriceCurrencyDiffers {
                item,
                listing,
                price_currency,
                shop_currency,
            } => format!(
                "The Shopify-channel price of {} (listing {listing}) is in {price_currency}, \
                 the shop sells in {shop_currency}; the price is left unchanged.",
                item_text(item)
            ),
            Self::ListedItemWithoutSku { item, listing } => format!(
                "{} is listed on the Shopify channel (listing {listing}) but has no SKU, so it \
                 cannot be pushed.",
                item_text(item)
            ),
            Self::LinkedVariantContested {
                item,
                variant,
                other,
            } => format!(
                "A Stokly listing links {} to {}, but {}; renaming it would take it away.",
                item_text(item),
                variant_text(variant),
                match other {
                    Some(other) => format!("that variant sells {}", item_text(other)),
                    None => "that variant's SKU or link belongs to other Stokly items".to_owned(),
                }
            ),
        }
    }

    fn fix_hint(&self) -> String {
        match self {
            Self::ShopifyOnlySku { .. } => "If it is sold, create the item in Stokly with this \
                exact SKU; otherwise archive the variant in Shopify."
                .to_owned(),
            Self::DuplicateStoklySku { .. } => {
                "In Stokly, give each item its own SKU, then run the push again.".to_owned()
            }
            Self::DuplicateShopifySku { .. } => "In Shopify, keep the SKU on one variant only \
                (see the catalogue audit), then run the push again."
                .to_owned(),
            Self::NearMissNeedsDecision { item, .. } => format!(
                "In Shopify, correct the look-alike SKU to {} if it is the same item; if it is \
                 a different item, give one of them a clearly different SKU.",
                quoted(item.sku.as_deref())
            ),
            Self::NoTargetProduct { .. } => "Link the item's listing (or its variable parent's) \
                to a Shopify product in Stokly, or create the product in Shopify first."
                .to_owned(),
            Self::AmbiguousTargetProduct { .. } => "In Stokly, make the item's listing and its \
                variable family point at one Shopify product."
                .to_owned(),
            Self::TargetProductNotInShopify { .. } => "Relink the listing in Stokly to an \
                existing Shopify product, or re-read the Shopify catalogue if the product is new."
                .to_owned(),
            Self::OptionValuesMissing { .. } => "Supply the variant's option values \
                (ProductPushOptions::with_option_values) from the item's attributes."
                .to_owned(),
            Self::ProductVariantLimit { .. } => "Split the product in Shopify, or list the item \
                on another product."
                .to_owned(),
            Self::PriceCurrencyDiffers { shop_currency, .. } => {
                format!("Set the Shopify-channel price in Stokly in {shop_currency}.")
            }
            Self::ListedItemWithoutSku { .. } => {
                "In Stokly, give the item a SKU, then run the push again.".to_owned()
            }
            Self::LinkedVariantContested { .. } => "In Stokly, link the listing to the right \
                Shopify variant, or remove the link."
                .to_owned(),
        }
    }
}

/// The plan's counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PushSummary {
    /// Variants to create.
    pub creates: usize,
    /// Variants to update.
    pub updates: usize,
    /// Matched variants already equal to Stokly.
    pub unchanged: usize,
    /// Mutation calls (batches).
    pub calls: usize,
    /// Findings that stop an item being pushed.
    pub blocking: usize,
    /// Findings that leave a part alone.
    pub warnings: usize,
}

/// What the push would do: mutation batches, findings and counts. Applying it is the
/// caller's job; printing it is a dry run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ProductPushPlan {
    /// One batch per call, by product; per product, updates before creates.
    pub batches: Vec<VariantBatch>,
    /// Why items were not pushed or parts left alone, sorted by severity then SKU.
    pub findings: Vec<PushFinding>,
    /// Counts.
    pub summary: PushSummary,
}

#[derive(Default)]
struct ProductWork {
    updates: Vec<PlannedVariant>,
    creates: Vec<PlannedVariant>,
}

struct Planner<'a> {
    index: &'a SkuIndex,
    options: &'a ProductPushOptions,
    work: BTreeMap<ProductId, ProductWork>,
    titles: HashMap<&'a ProductId, &'a str>,
    variant_counts: HashMap<&'a ProductId, usize>,
    claimed: HashMap<&'a ProductVariantId, &'a ItemId>,
    explained: HashSet<&'a ProductVariantId>,
    shopify_near: Option<HashMap<String, Hits>>,
    findings: Vec<PushFinding>,
    unchanged: usize,
}

/// Plans the ERP-first product push from the catalogues in `index`. Linear in the number
/// of records.
///
/// # What the plan does
///
/// - **Updates** every Shopify variant whose SKU matches exactly one active Stokly item:
///   the barcode (Stokly's main barcode, when it has one: a missing Stokly barcode never
///   clears Shopify's), the price (see below), and `inventoryItem.tracked = true`, because
///   Stokly pushes stock and Shopify must count it. Bundle parents (`requiresComponents`)
///   keep their tracking: Shopify derives their stock from the components.
/// - **Renames** a Shopify variant's SKU (`inventoryItem { sku }`) only when a Stokly
///   Shopify-channel listing links that very variant to the item, no variant has the item's
///   SKU yet, and the variant's current SKU is not another Stokly item's.
/// - **Creates** a variant for a Stokly item listed on the Shopify channel whose SKU Shopify
///   lacks, in the product Stokly names: the item's listing `referenceId` (a product GID),
///   its variable parent's listing, or the product its sibling variants are already sold in.
///   When those say nothing, or disagree, the plan reports it and creates nothing: it never
///   guesses a product, and it never creates products. A create also needs the variant's
///   option values (Shopify rejects a new variant on a product with options without them);
///   Stokly's wire models do not carry them, so the caller supplies them per item in
///   [`ProductPushOptions::with_option_values`], and the plan reports items without them.
/// - **Never** creates, renames or deletes a SKU Stokly lacks: Shopify-only SKUs are flagged
///   ([`PushFinding::ShopifyOnlySku`]). A near-miss is never resolved by a rename or a create.
///
/// # Price
///
/// Stokly items carry no price in the wire model ([`crate::stokly::model::Item`]); the price
/// Stokly holds for a channel is the Shopify-channel listing's `salePrice` (with
/// `saleCurrency`). The plan sets the variant price from it when the currency is the shop's
/// (or not stated); in another currency it leaves the price unchanged and says so
/// ([`PushFinding::PriceCurrencyDiffers`]). Without a listing price, the price is left
/// unchanged (creates then take Shopify's default).
///
/// # Batches
///
/// Shopify takes one product per `productVariantsBulkCreate` / `productVariantsBulkUpdate`
/// call and at most [`MAX_VARIANTS_PER_CALL`] variants per call; a product holds at most
/// [`MAX_VARIANTS_PER_PRODUCT`] variants. The plan is a list of [`VariantBatch`] work items,
/// one per call, each `Serialize + Deserialize` (deserialising checks the limits again).
#[must_use]
pub fn plan_product_push(index: &SkuIndex, options: &ProductPushOptions) -> ProductPushPlan {
    let mut titles = HashMap::new();
    let mut variant_counts: HashMap<&ProductId, usize> = HashMap::new();
    for variant in index.shopify_variants() {
        titles
            .entry(&variant.product_id)
            .or_insert(variant.product_title.as_str());
        *variant_counts.entry(&variant.product_id).or_default() += 1;
    }
    let mut planner = Planner {
        index,
        options,
        work: BTreeMap::new(),
        titles,
        variant_counts,
        claimed: HashMap::new(),
        explained: HashSet::new(),
        shopify_near: None,
        findings: Vec::new(),
        unchanged: 0,
    };
    let mut duplicate_skus: HashSet<&str> = HashSet::new();
    for item in index.stokly_items() {
        if item.deleted || item.is_variable_parent() {
            continue;
        }
        let Some(sku) = item.usable_sku() else {
            if let Some(listing) = item.shopify_listings.first() {
                planner.findings.push(PushFinding::ListedItemWithoutSku {
                    item: StoklyItemRef::of(item),
                    listing: listing.listing_id.clone(),
                });
            }
            continue;
        };
        if let StoklyMatch::Ambiguous(items) = index.match_stokly(Some(sku)) {
            if duplicate_skus.insert(sku) {
                planner.findings.push(PushFinding::DuplicateStoklySku {
                    sku: sku.to_owned(),
                    items: items.into_iter().map(StoklyItemRef::of).collect(),
                });
            }
            continue;
        }
        planner.plan_item(item, sku);
    }
    planner.flag_shopify_only();
    planner.finish()
}

impl<'a> Planner<'a> {
    fn plan_item(&mut self, item: &'a StoklyEntry, sku: &'a str) {
        let price = self.price_for(item);
        let matches: Vec<&'a ShopifyEntry> = self.index.shopify_with_sku(sku).collect();
        match matches.as_slice() {
            [variant] => {
                self.claimed.insert(&variant.id, &item.id);
                self.plan_update(item, sku, variant, price, false);
            }
            [] => self.plan_missing(item, sku, price),
            several => {
                for variant in several {
                    self.explained.insert(&variant.id);
                }
                self.findings.push(PushFinding::DuplicateShopifySku {
                    item: StoklyItemRef::of(item),
                    variants: several.iter().map(|v| ShopifyVariantRef::of(v)).collect(),
                });
            }
        }
    }

    /// The listing price to set, if Stokly has one in the shop currency.
    fn price_for(&mut self, item: &StoklyEntry) -> Option<Decimal> {
        let listing = item
            .shopify_listings
            .iter()
            .find(|l| l.sale_price.is_some())?;
        match listing.sale_currency {
            Some(currency) if currency != self.options.shop_currency => {
                self.findings.push(PushFinding::PriceCurrencyDiffers {
                    item: StoklyItemRef::of(item),
                    listing: listing.listing_id.clone(),
                    price_currency: currency,
                    shop_currency: self.options.shop_currency,
                });
                None
            }
            _ => listing.sale_price,
        }
    }

    fn plan_update(
        &mut self,
        item: &StoklyEntry,
        sku: &str,
        variant: &ShopifyEntry,
        price: Option<Decimal>,
        rename: bool,
    ) {
        let mut changes = Vec::new();
        let mut input = VariantInput {
            id: Some(variant.id.clone()),
            barcode: None,
            price: None,
            inventory_item: None,
            option_values: Vec::new(),
        };
        let mut inventory_item = InventoryItemInput {
            sku: None,
            tracked: None,
        };
        if rename {
            changes.push(FieldChange::Sku {
                from: variant.sku.clone(),
                to: sku.to_owned(),
            });
            inventory_item.sku = Some(sku.to_owned());
        }
        if let Some(barcode) = item.barcodes.first()
            && variant.barcode.as_deref() != Some(barcode.as_str())
        {
            changes.push(FieldChange::Barcode {
                from: variant.barcode.clone(),
                to: barcode.clone(),
            });
            input.barcode = Some(barcode.clone());
        }
        if let Some(price) = price
            && price != variant.price
        {
            changes.push(FieldChange::Price {
                from: variant.price,
                to: price,
            });
            input.price = Some(price);
        }
        if !variant.requires_components && !variant.tracked {
            changes.push(FieldChange::Tracked {
                from: false,
                to: true,
            });
            inventory_item.tracked = Some(true);
        }
        if changes.is_empty() {
            self.unchanged += 1;
            return;
        }
        if inventory_item.sku.is_some() || inventory_item.tracked.is_some() {
            input.inventory_item = Some(inventory_item);
        }
        self.work
            .entry(variant.product_id.clone())
            .or_default()
            .updates
            .push(PlannedVariant {
                item_id: item.id.clone(),
                sku: sku.to_owned(),
                changes,
                input,
            });
    }

    /// An item whose SKU Shopify lacks: rename a linked variant, or create, or say why not.
    fn plan_missing(&mut self, item: &'a StoklyEntry, sku: &'a str, price: Option<Decimal>) {
        let Some(listing) = item.shopify_listings.first() else {
            return; // Not listed on the Shopify channel: Stokly does not sell it there.
        };
        if let Some(variant) = self.linked_variant(item) {
            self.explained.insert(&variant.id);
            let other = match self.index.match_stokly(variant.sku.as_deref()) {
                StoklyMatch::Unique(other) => Some(Some(StoklyItemRef::of(other))),
                StoklyMatch::Ambiguous(_) => Some(None),
                StoklyMatch::Blank | StoklyMatch::NotFound | StoklyMatch::DeletedOnly(_) => {
                    match self.claimed.get(&variant.id) {
                        Some(claimer) => {
                            Some(self.index.stokly_item(claimer).map(StoklyItemRef::of))
                        }
                        None => None,
                    }
                }
            };
            match other {
                Some(other) => self.findings.push(PushFinding::LinkedVariantContested {
                    item: StoklyItemRef::of(item),
                    variant: ShopifyVariantRef::of(variant),
                    other,
                }),
                None => {
                    self.claimed.insert(&variant.id, &item.id);
                    self.plan_update(item, sku, variant, price, true);
                }
            }
            return;
        }
        let near = self.near_variants(sku);
        if !near.is_empty() {
            for variant in &near {
                self.explained.insert(&variant.id);
            }
            self.findings.push(PushFinding::NearMissNeedsDecision {
                item: StoklyItemRef::of(item),
                variants: near.iter().map(|v| ShopifyVariantRef::of(v)).collect(),
            });
            return;
        }
        let products = self.target_products(item);
        let product = match products.len() {
            0 => {
                self.findings.push(PushFinding::NoTargetProduct {
                    item: StoklyItemRef::of(item),
                    listing: listing.listing_id.clone(),
                });
                return;
            }
            1 => products.into_iter().next(),
            _ => {
                self.findings.push(PushFinding::AmbiguousTargetProduct {
                    item: StoklyItemRef::of(item),
                    products: products.into_iter().collect(),
                });
                return;
            }
        };
        let Some(product) = product else { return };
        if !self.titles.contains_key(&product) {
            self.findings.push(PushFinding::TargetProductNotInShopify {
                item: StoklyItemRef::of(item),
                product,
            });
            return;
        }
        let Some(option_values) = self.options.option_values.get(&item.id) else {
            self.findings.push(PushFinding::OptionValuesMissing {
                item: StoklyItemRef::of(item),
                product,
            });
            return;
        };
        let existing = self.variant_counts.get(&product).copied().unwrap_or(0);
        let work = self.work.entry(product.clone()).or_default();
        if existing + work.creates.len() >= MAX_VARIANTS_PER_PRODUCT {
            self.findings.push(PushFinding::ProductVariantLimit {
                item: StoklyItemRef::of(item),
                product,
            });
            return;
        }
        work.creates.push(PlannedVariant {
            item_id: item.id.clone(),
            sku: sku.to_owned(),
            changes: Vec::new(),
            input: VariantInput {
                id: None,
                barcode: item.barcodes.first().cloned(),
                price,
                inventory_item: Some(InventoryItemInput {
                    sku: Some(sku.to_owned()),
                    tracked: Some(true),
                }),
                option_values: option_values.clone(),
            },
        });
    }

    /// A Shopify variant one of the item's listings links to, if it is in the catalogue.
    fn linked_variant(&self, item: &StoklyEntry) -> Option<&'a ShopifyEntry> {
        item.shopify_listings.iter().find_map(|l| match &l.target {
            ListingTarget::Variant(id) => self.index.shopify_variant(id),
            ListingTarget::Unpublished | ListingTarget::Product(_) | ListingTarget::Other(_) => {
                None
            }
        })
    }

    /// Shopify variants whose SKU nearly equals `sku` (built on first use).
    fn near_variants(&mut self, sku: &str) -> Vec<&'a ShopifyEntry> {
        let index = self.index;
        let near = self.shopify_near.get_or_insert_with(|| {
            let mut near = HashMap::new();
            for (position, variant) in index.shopify_variants().iter().enumerate() {
                if let Some(sku) = variant.usable_sku() {
                    add_hit(&mut near, near_miss_key(sku), position);
                }
            }
            near
        });
        near.get(&near_miss_key(sku))
            .map_or(&[][..], Hits::as_slice)
            .iter()
            .filter_map(|&p| index.shopify_variants().get(p))
            .filter(|v| v.sku.as_deref() != Some(sku))
            .collect()
    }

    /// The Shopify products Stokly names for an item: its own listings' product, else its
    /// variable parent's listings' product and the products its siblings are sold in.
    fn target_products(&self, item: &StoklyEntry) -> BTreeSet<ProductId> {
        let mut products: BTreeSet<ProductId> = item
            .shopify_listings
            .iter()
            .filter_map(|l| match &l.target {
                ListingTarget::Product(id) => Some(id.clone()),
                ListingTarget::Unpublished
                | ListingTarget::Variant(_)
                | ListingTarget::Other(_) => None,
            })
            .collect();
        if !products.is_empty() {
            return products;
        }
        let Some(parent_id) = self.index.variable_parent(&item.id) else {
            return products;
        };
        if let Some(parent) = self.index.stokly_item(parent_id) {
            for listing in &parent.shopify_listings {
                if let ListingTarget::Product(id) = &listing.target {
                    products.insert(id.clone());
                }
            }
        }
        for sibling_id in self.index.variable_variants(parent_id) {
            let Some(sibling) = self.index.stokly_item(sibling_id) else {
                continue;
            };
            if sibling.id == item.id || sibling.deleted {
                continue;
            }
            if let Some(sku) = sibling.usable_sku() {
                products.extend(
                    self.index
                        .shopify_with_sku(sku)
                        .map(|v| v.product_id.clone()),
                );
            }
        }
        products
    }

    fn flag_shopify_only(&mut self) {
        for variant in self.index.shopify_variants() {
            if self.explained.contains(&variant.id) || self.claimed.contains_key(&variant.id) {
                continue;
            }
            match self.index.match_stokly(variant.sku.as_deref()) {
                StoklyMatch::NotFound | StoklyMatch::DeletedOnly(_) => {
                    self.findings.push(PushFinding::ShopifyOnlySku {
                        variant: ShopifyVariantRef::of(variant),
                    });
                }
                StoklyMatch::Unique(_) | StoklyMatch::Ambiguous(_) | StoklyMatch::Blank => {}
            }
        }
    }

    fn finish(mut self) -> ProductPushPlan {
        let mut batches = Vec::new();
        let mut summary = PushSummary {
            unchanged: self.unchanged,
            ..PushSummary::default()
        };
        for (product, mut work) in std::mem::take(&mut self.work) {
            let title = self
                .titles
                .get(&product)
                .map(|t| (*t).to_owned())
                .unwrap_or_default();
            work.updates.sort_by(|a, b| a.sku.cmp(&b.sku));
            work.creates.sort_by(|a, b| a.sku.cmp(&b.sku));
            summary.updates += work.updates.len();
            summary.creates += work.creates.len();
            for (operation, variants) in [
                (BatchOperation::Update, work.updates),
                (BatchOperation::Create, work.creates),
            ] {
                for chunk in variants.chunks(MAX_VARIANTS_PER_CALL) {
                    batches.push(VariantBatch {
                        product_id: product.clone(),
                        product_title: title.clone(),
                        operation,
                        variants: chunk.to_vec(),
                    });
                }
            }
        }
        summary.calls = batches.len();
        self.findings.sort_by(|a, b| {
            (a.severity(), a.sku().map(printable), a.code())
                .cmp(&(b.severity(), b.sku().map(printable), b.code()))
                .then_with(|| a.subject().cmp(&b.subject()))
        });
        for finding in &self.findings {
            match finding.severity() {
                Severity::Blocking => summary.blocking += 1,
                Severity::Warning | Severity::Info => summary.warnings += 1,
            }
        }
        ProductPushPlan {
            batches,
            findings: self.findings,
            summary,
        }
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal::Decimal;
    use serde_json::json;

    use super::*;
    use crate::domain::catalogue::test_support::*;
    use crate::domain::catalogue::{StoklyCatalogue, VariableFamilies};
    use crate::shopify::model::ProductVariant;
    use crate::stokly::model::{Item, ItemFormat, Listing};

    fn gbp() -> CurrencyCode {
        CurrencyCode::new("GBP").unwrap()
    }

    fn size(value: &str) -> Vec<VariantOptionValue> {
        vec![VariantOptionValue::new("Size", value)]
    }

    fn plan(
        items: &[Item],
        variants: &[ProductVariant],
        listings: &[Listing],
        options: &ProductPushOptions,
    ) -> ProductPushPlan {
        plan_with(items, variants, listings, &VariableFamilies::new(), options)
    }

    fn plan_with(
        items: &[Item],
        variants: &[ProductVariant],
        listings: &[Listing],
        families: &VariableFamilies,
        options: &ProductPushOptions,
    ) -> ProductPushPlan {
        let catalogue = StoklyCatalogue::new(items)
            .with_variable_families(families)
            .with_shopify_listings(listings);
        plan_product_push(&SkuIndex::build(catalogue, variants), options)
    }

    fn priced(mut listing: Listing, price: Decimal, currency: &str) -> Listing {
        listing.sale_price = Some(price);
        listing.sale_currency = Some(CurrencyCode::new(currency).unwrap());
        listing
    }

    fn i_ref(i: &Item) -> StoklyItemRef {
        StoklyItemRef {
            id: i.item_id.clone(),
            sku: i.sku.clone(),
            name: i.name.clone(),
        }
    }

    #[test]
    fn creates_a_listed_item_in_the_product_stokly_names() {
        let items = vec![
            with_barcode(simple("i1", "TEE-L"), "5012"),
            simple("i2", "TEE-M"),
        ];
        let variants = vec![sold(1, "TEE-M", 7)];
        let listings = vec![priced(
            listing("l1", "i1", Some("gid://shopify/Product/7")),
            Decimal::new(1999, 2),
            "GBP",
        )];
        let options = ProductPushOptions::new(gbp()).with_option_values(item_id("i1"), size("L"));
        let plan = plan(&items, &variants, &listings, &options);

        assert_eq!(plan.findings, vec![]);
        assert_eq!(plan.batches.len(), 1);
        let batch = &plan.batches[0];
        assert_eq!(batch.product_id(), &product_id(7));
        assert_eq!(batch.product_title(), "Product 7");
        assert_eq!(batch.operation(), BatchOperation::Create);
        assert_eq!(batch.operation().mutation(), "productVariantsBulkCreate");
        assert_eq!(batch.variants()[0].item_id, item_id("i1"));
        assert_eq!(
            serde_json::to_value(batch.inputs()).unwrap(),
            json!([{
                "barcode": "5012",
                "price": "19.99",
                "inventoryItem": {"sku": "TEE-L", "tracked": true},
                "optionValues": [{"optionName": "Size", "name": "L"}]
            }])
        );
        assert_eq!(
            plan.summary,
            PushSummary {
                creates: 1,
                updates: 0,
                unchanged: 1,
                calls: 1,
                blocking: 0,
                warnings: 0
            }
        );
    }

    #[test]
    fn updates_barcode_price_and_tracking_from_stokly_and_leaves_equal_variants_alone() {
        let items = vec![
            with_barcode(simple("i1", "A"), "111"),
            simple("i2", "B"),
            simple("i3", "KIT"),
            simple("i4", "SAME"),
        ];
        let variants = vec![
            with_variant_barcode(untracked(sold(1, "A", 5)), "999"),
            sold(2, "B", 5),
            untracked(bundle(sold(3, "KIT", 6), &[(1, "A", 1)])),
            sold(4, "SAME", 6),
        ];
        let listings = vec![priced(
            listing("l2", "i2", None),
            Decimal::new(1250, 2),
            "GBP",
        )];
        let plan = plan(
            &items,
            &variants,
            &listings,
            &ProductPushOptions::new(gbp()),
        );

        assert_eq!(plan.findings, vec![]);
        assert_eq!(plan.batches.len(), 1, "{:#?}", plan.batches);
        let batch = &plan.batches[0];
        assert_eq!(batch.product_id(), &product_id(5));
        assert_eq!(batch.operation(), BatchOperation::Update);
        let planned: Vec<_> = batch
            .variants()
            .iter()
            .map(|v| (v.sku.as_str(), v.changes.clone()))
            .collect();
        assert_eq!(
            planned,
            vec![
                (
                    "A",
                    vec![
                        FieldChange::Barcode {
                            from: Some("999".into()),
                            to: "111".into()
                        },
                        FieldChange::Tracked {
                            from: false,
                            to: true
                        },
                    ]
                ),
                (
                    "B",
                    vec![FieldChange::Price {
                        from: Decimal::new(1000, 2),
                        to: Decimal::new(1250, 2)
                    }]
                ),
            ]
        );
        assert_eq!(
            serde_json::to_value(batch.inputs()).unwrap(),
            json!([
                {"id": "gid://shopify/ProductVariant/1", "barcode": "111", "inventoryItem": {"tracked": true}},
                {"id": "gid://shopify/ProductVariant/2", "price": "12.50"}
            ])
        );
        // The untracked bundle parent and the equal variant are unchanged.
        assert_eq!(plan.summary.unchanged, 2);
        assert_eq!(plan.summary.updates, 2);
    }

    #[test]
    fn never_creates_or_touches_a_sku_stokly_lacks() {
        let items = vec![simple("i1", "A"), deleted(simple("old", "RETIRED"))];
        let variants = vec![sold(1, "A", 5), sold(2, "GHOST", 5), sold(3, "RETIRED", 5)];
        let plan = plan(&items, &variants, &[], &ProductPushOptions::new(gbp()));
        assert!(plan.batches.is_empty());
        assert_eq!(plan.findings.len(), 2);
        let PushFinding::ShopifyOnlySku { variant } = &plan.findings[0] else {
            panic!("{:#?}", plan.findings)
        };
        assert_eq!(
            (variant.id.clone(), variant.sku.as_deref()),
            (variant_id(2), Some("GHOST"))
        );
        assert!(
            matches!(&plan.findings[1], PushFinding::ShopifyOnlySku { variant } if variant.id == variant_id(3))
        );
        assert_eq!(plan.findings[0].owner(), Owner::Ecommerce);
        assert_eq!(plan.findings[0].severity(), Severity::Warning);
        assert_eq!(
            plan.findings[0].fix_hint(),
            "If it is sold, create the item in Stokly with this exact SKU; otherwise archive the \
             variant in Shopify."
        );
    }

    #[test]
    fn groups_per_product_and_splits_at_250_variants_per_call() {
        let mut items = Vec::new();
        let mut listings = Vec::new();
        let mut options = ProductPushOptions::new(gbp());
        for n in 0..600 {
            let id = format!("new{n:03}");
            items.push(simple(&id, &format!("NEW-{n:03}")));
            listings.push(listing(
                &format!("l{n}"),
                &id,
                Some("gid://shopify/Product/1"),
            ));
            options = options.with_option_values(item_id(&id), size(&n.to_string()));
        }
        items.push(with_barcode(simple("u1", "OLD-1"), "42"));
        let variants = vec![sold(1, "OLD-0", 1), sold(2, "OLD-1", 2)];
        items.push(simple("u0", "OLD-0"));
        let plan = plan(&items, &variants, &listings, &options);

        let shape: Vec<(u64, BatchOperation, usize)> = plan
            .batches
            .iter()
            .map(|b| {
                (
                    b.product_id().numeric_id(),
                    b.operation(),
                    b.variants().len(),
                )
            })
            .collect();
        assert_eq!(
            shape,
            vec![
                (1, BatchOperation::Create, 250),
                (1, BatchOperation::Create, 250),
                (1, BatchOperation::Create, 100),
                (2, BatchOperation::Update, 1),
            ]
        );
        // Sorted by SKU within a product, with no SKU in two batches.
        assert_eq!(plan.batches[0].variants()[0].sku, "NEW-000");
        assert_eq!(plan.batches[1].variants()[0].sku, "NEW-250");
        assert_eq!(plan.summary.calls, 4);
        assert_eq!(plan.summary.creates, 600);
        // Batches survive a queue.
        let json = serde_json::to_string(&plan).unwrap();
        let back: ProductPushPlan = serde_json::from_str(&json).unwrap();
        assert_eq!(back, plan);
    }

    #[test]
    fn a_product_never_exceeds_shopify_s_variant_limit() {
        let variants: Vec<ProductVariant> = (0..2047)
            .map(|n| sold(n + 1, &format!("EXISTING-{n}"), 1))
            .collect();
        let mut items: Vec<Item> = (0..2047)
            .map(|n| simple(&format!("e{n}"), &format!("EXISTING-{n}")))
            .collect();
        items.push(simple("a", "ADD-A"));
        items.push(simple("b", "ADD-B"));
        let listings = vec![
            listing("la", "a", Some("gid://shopify/Product/1")),
            listing("lb", "b", Some("gid://shopify/Product/1")),
        ];
        let options = ProductPushOptions::new(gbp())
            .with_option_values(item_id("a"), size("A"))
            .with_option_values(item_id("b"), size("B"));
        let plan = plan(&items, &variants, &listings, &options);
        assert_eq!(plan.summary.creates, 1);
        assert_eq!(plan.batches[0].variants()[0].sku, "ADD-A");
        assert_eq!(
            plan.findings,
            vec![PushFinding::ProductVariantLimit {
                item: i_ref(&items[2048]),
                product: product_id(1)
            }]
        );
        assert_eq!(
            plan.findings[0].fix_hint(),
            "Split the product in Shopify, or list the item on another product."
        );
    }

    #[test]
    fn the_product_comes_from_the_variable_family_or_the_plan_says_it_is_unknown() {
        let items = vec![
            with_format(simple("tee", "TEE"), ItemFormat::Variable),
            simple("tee-s", "TEE-S"),
            simple("tee-m", "TEE-M"),
            simple("lone", "LONE"),
            with_format(simple("mug", "MUG"), ItemFormat::Variable),
            simple("mug-a", "MUG-A"),
            simple("mug-b", "MUG-B"),
            simple("mug-c", "MUG-C"),
        ];
        let mut families = VariableFamilies::new();
        families.insert(item_id("tee"), item_id("tee-s"));
        families.insert(item_id("tee"), item_id("tee-m"));
        families.insert(item_id("mug"), item_id("mug-a"));
        families.insert(item_id("mug"), item_id("mug-b"));
        families.insert(item_id("mug"), item_id("mug-c"));
        // TEE-S is sold in product 3, so its sibling TEE-M joins product 3. MUG-A and MUG-B
        // are sold in two products, so MUG-C's product is ambiguous. LONE names nothing.
        let variants = vec![
            sold(1, "TEE-S", 3),
            sold(2, "MUG-A", 4),
            sold(3, "MUG-B", 5),
        ];
        let listings = vec![
            listing("l-tee-m", "tee-m", None),
            listing("l-lone", "lone", None),
            listing("l-mug-c", "mug-c", None),
        ];
        let options = ProductPushOptions::new(gbp())
            .with_option_values(item_id("tee-m"), size("M"))
            .with_option_values(item_id("lone"), size("One"))
            .with_option_values(item_id("mug-c"), size("C"));
        let plan = plan_with(&items, &variants, &listings, &families, &options);

        assert_eq!(plan.batches.len(), 1);
        assert_eq!(plan.batches[0].product_id(), &product_id(3));
        assert_eq!(plan.batches[0].variants()[0].sku, "TEE-M");
        assert_eq!(
            plan.findings,
            vec![
                PushFinding::NoTargetProduct {
                    item: i_ref(&items[3]),
                    listing: "l-lone".parse().unwrap()
                },
                PushFinding::AmbiguousTargetProduct {
                    item: i_ref(&items[7]),
                    products: vec![product_id(4), product_id(5)],
                },
            ]
        );
        assert_eq!(plan.findings[0].owner(), Owner::Ecommerce);
        assert_eq!(plan.findings[0].severity(), Severity::Blocking);
        assert_eq!(
            plan.findings[0].fix_hint(),
            "Link the item's listing (or its variable parent's) to a Shopify product in Stokly, \
             or create the product in Shopify first."
        );
        assert_eq!(
            plan.findings[1].fix_hint(),
            "In Stokly, make the item's listing and its variable family point at one Shopify product."
        );
    }

    #[test]
    fn creates_need_a_known_product_and_option_values() {
        let items = [simple("a", "A"), simple("b", "B")];
        let listings = vec![
            listing("la", "a", Some("gid://shopify/Product/77")),
            listing("lb", "b", Some("gid://shopify/Product/1")),
        ];
        let variants = vec![sold(1, "OTHER", 1)];
        let items_all: Vec<Item> = items
            .iter()
            .cloned()
            .chain([simple("o", "OTHER")])
            .collect();
        let options = ProductPushOptions::new(gbp()).with_option_values(item_id("a"), size("A"));
        let plan = plan(&items_all, &variants, &listings, &options);
        assert!(plan.batches.is_empty());
        assert_eq!(
            plan.findings,
            vec![
                PushFinding::TargetProductNotInShopify {
                    item: i_ref(&items[0]),
                    product: product_id(77)
                },
                PushFinding::OptionValuesMissing {
                    item: i_ref(&items[1]),
                    product: product_id(1)
                },
            ]
        );
        assert_eq!(
            plan.findings[1].fix_hint(),
            "Supply the variant's option values (ProductPushOptions::with_option_values) from the \
             item's attributes."
        );
        assert_eq!(
            plan.findings[0].fix_hint(),
            "Relink the listing in Stokly to an existing Shopify product, or re-read the Shopify \
             catalogue if the product is new."
        );
    }

    #[test]
    fn a_near_miss_is_never_pushed_over() {
        let items = vec![simple("i1", "TENT")];
        let variants = vec![sold(1, "tent ", 2)];
        let listings = vec![listing("l1", "i1", Some("gid://shopify/Product/2"))];
        let options = ProductPushOptions::new(gbp()).with_option_values(item_id("i1"), size("X"));
        let plan = plan(&items, &variants, &listings, &options);
        assert!(plan.batches.is_empty());
        assert_eq!(
            plan.findings.len(),
            1,
            "the look-alike is not also Shopify-only: {:#?}",
            plan.findings
        );
        let PushFinding::NearMissNeedsDecision {
            item,
            variants: near,
        } = &plan.findings[0]
        else {
            panic!("{:#?}", plan.findings)
        };
        assert_eq!(item, &i_ref(&items[0]));
        assert_eq!(near[0].id, variant_id(1));
        assert_eq!(
            plan.findings[0].fix_hint(),
            "In Shopify, correct the look-alike SKU to \"TENT\" if it is the same item; if it is a \
             different item, give one of them a clearly different SKU."
        );
    }

    #[test]
    fn a_listing_link_renames_the_variant_unless_another_item_owns_it() {
        let items = vec![
            simple("i1", "NEW"),
            simple("i2", "MINE"),
            simple("i3", "THEIRS"),
        ];
        let variants = vec![sold(1, "OLD", 2), sold(2, "THEIRS", 2)];
        let listings = vec![
            listing("l1", "i1", Some("gid://shopify/ProductVariant/1")),
            listing("l2", "i2", Some("gid://shopify/ProductVariant/2")),
        ];
        let plan = plan(
            &items,
            &variants,
            &listings,
            &ProductPushOptions::new(gbp()),
        );
        assert_eq!(plan.batches.len(), 1);
        let renamed = &plan.batches[0].variants()[0];
        assert_eq!(renamed.sku, "NEW");
        assert_eq!(
            renamed.changes,
            vec![FieldChange::Sku {
                from: Some("OLD".into()),
                to: "NEW".into()
            }]
        );
        assert_eq!(
            serde_json::to_value(&renamed.input).unwrap(),
            json!({"id": "gid://shopify/ProductVariant/1", "inventoryItem": {"sku": "NEW"}})
        );
        assert_eq!(
            plan.findings,
            vec![PushFinding::LinkedVariantContested {
                item: i_ref(&items[1]),
                variant: ShopifyVariantRef::of(
                    &crate::domain::catalogue::SkuIndex::build(
                        StoklyCatalogue::new(&items),
                        &variants
                    )
                    .shopify_variants()[1]
                ),
                other: Some(i_ref(&items[2])),
            }]
        );
        assert_eq!(plan.findings[0].owner(), Owner::Operations);
        assert_eq!(
            plan.findings[0].fix_hint(),
            "In Stokly, link the listing to the right Shopify variant, or remove the link."
        );
    }

    #[test]
    fn prices_in_another_currency_are_left_alone_and_reported() {
        let items = vec![simple("i1", "A")];
        let variants = vec![sold(1, "A", 2)];
        let listings = vec![priced(
            listing("l1", "i1", None),
            Decimal::new(500, 2),
            "EUR",
        )];
        let plan = plan(
            &items,
            &variants,
            &listings,
            &ProductPushOptions::new(gbp()),
        );
        assert!(plan.batches.is_empty());
        assert_eq!(plan.summary.unchanged, 1);
        assert_eq!(
            plan.findings,
            vec![PushFinding::PriceCurrencyDiffers {
                item: i_ref(&items[0]),
                listing: "l1".parse().unwrap(),
                price_currency: CurrencyCode::new("EUR").unwrap(),
                shop_currency: gbp(),
            }]
        );
        assert_eq!(plan.findings[0].severity(), Severity::Warning);
        assert_eq!(
            plan.findings[0].fix_hint(),
            "Set the Shopify-channel price in Stokly in GBP."
        );
    }

    #[test]
    fn duplicates_and_blank_skus_are_not_pushed() {
        let items = vec![
            simple("d1", "DUP"),
            simple("d2", "DUP"),
            simple("s1", "SHARED"),
            simple("b1", " "),
        ];
        let variants = vec![
            sold(1, "SHARED", 2),
            sold(2, "SHARED", 3),
            sold(3, "DUP", 2),
        ];
        let listings = vec![listing("lb", "b1", None)];
        let plan = plan(
            &items,
            &variants,
            &listings,
            &ProductPushOptions::new(gbp()),
        );
        assert!(plan.batches.is_empty());
        let codes: Vec<&str> = plan.findings.iter().map(DomainException::code).collect();
        assert_eq!(
            codes,
            vec![
                "push_listed_item_without_sku",
                "push_duplicate_stokly_sku",
                "push_duplicate_shopify_sku"
            ]
        );
        assert_eq!(
            plan.findings[1],
            PushFinding::DuplicateStoklySku {
                sku: "DUP".into(),
                items: vec![i_ref(&items[0]), i_ref(&items[1])]
            }
        );
        assert_eq!(
            plan.findings[1].fix_hint(),
            "In Stokly, give each item its own SKU, then run the push again."
        );
        assert_eq!(
            plan.findings[2].fix_hint(),
            "In Shopify, keep the SKU on one variant only (see the catalogue audit), then run the \
             push again."
        );
        assert_eq!(
            plan.findings[0].fix_hint(),
            "In Stokly, give the item a SKU, then run the push again."
        );
        assert_eq!(plan.summary.blocking, 3);
    }

    #[test]
    fn a_batch_from_a_queue_is_checked() {
        let planned = |id: Option<u64>| {
            json!({"item_id": "i1", "sku": "A", "changes": [], "input": match id {
                Some(n) => json!({"id": format!("gid://shopify/ProductVariant/{n}")}),
                None => json!({"inventoryItem": {"sku": "A"}}),
            }})
        };
        let batch = |operation: &str, variants: Vec<serde_json::Value>| json!({"product_id": "gid://shopify/Product/1", "product_title": "P", "operation": operation, "variants": variants});
        assert!(
            serde_json::from_value::<VariantBatch>(batch("create", vec![planned(None)])).is_ok()
        );
        assert!(
            serde_json::from_value::<VariantBatch>(batch("update", vec![planned(Some(1))])).is_ok()
        );
        assert!(serde_json::from_value::<VariantBatch>(batch("create", vec![])).is_err());
        assert!(
            serde_json::from_value::<VariantBatch>(batch("create", vec![planned(Some(1))]))
                .is_err()
        );
        assert!(
            serde_json::from_value::<VariantBatch>(batch("update", vec![planned(None)])).is_err()
        );
        let too_many = (0..251).map(|n| planned(Some(n + 1))).collect();
        assert!(serde_json::from_value::<VariantBatch>(batch("update", too_many)).is_err());
    }
}
