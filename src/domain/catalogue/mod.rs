//! The catalogue: strict SKU matching between Stokly items and Shopify variants, the audit of
//! every disagreement, and the product push.
//!
//! # The matching rule
//!
//! A Shopify variant's `sku` matches a Stokly item's `sku` when the two strings are equal,
//! byte for byte: case-sensitive, no trimming, no Unicode normalisation ([`Sku`]). A blank SKU
//! (empty, or only spaces and invisible characters, see [`Sku::is_blank`]) never matches
//! anything.
//! Nothing else ever matches silently.
//!
//! SKUs that differ only by surrounding spaces, letter case or hidden characters (zero-width
//! space U+200B, non-joiner U+200C, joiner U+200D, byte-order mark U+FEFF, soft hyphen
//! U+00AD, a non-breaking space U+00A0 for a space...) are *near-misses*: they share a
//! [`Sku::near_miss_key`]. Near-misses are only ever reported as suggestions.
//!
//! # Pieces
//!
//! - [`SkuIndex`]: both catalogues keyed by exact SKU and by ID, built in O(n) from the wire
//!   models ([`crate::stokly::model::Item`], [`crate::stokly::model::Listing`], composite
//!   components, [`crate::shopify::model::ProductVariant`]); look-ups are O(1).
//!   [`SkuIndex::match_stokly`] answers what an order line's SKU means in Stokly: one item,
//!   several (ambiguous), only deleted ones, blank, or nothing.
//! - [`audit_catalogue`] → [`CatalogueAudit`]: every disagreement as a typed
//!   [`CatalogueFinding`] (one variant per kind, implementing
//!   [`crate::domain::exception::DomainException`]) with the records involved, an owner and a
//!   fix hint; counts; and a [`Readiness`] verdict (orders can post, or cannot for N SKUs).
//!   Findings are sorted by impact (severity), then SKU, so reports and tests are stable.
//! - [`CatalogueAudit::to_markdown`] and [`CatalogueAudit::to_html`]: the audit for people
//!   (self-contained HTML: inline CSS, no scripts, every value escaped).
//! - [`plan_product_push`] → [`ProductPushPlan`]: the ERP-first product master. Stokly's
//!   items create or update Shopify variants in per-product batches of at most 250; a SKU
//!   Stokly lacks is never created, and a product Stokly does not name is never guessed.
//!
//! # Inputs
//!
//! Give [`StoklyCatalogue`] every item (deleted ones too: they explain SKUs still sold),
//! the composites' components ([`CompositeComponents`], from `GET /v0/composing-items` or
//! each composite's `/children`), the variable parents' variants ([`VariableFamilies`]) and
//! the Shopify channel's listings; give [`SkuIndex::build`] every Shopify variant with its
//! product, inventory item and bundle components. [`SkuIndex::build_owned`] takes the same
//! inputs by value ([`OwnedStoklyCatalogue`]) and keeps their strings instead of copying them:
//! the cheaper choice when the wire models are read only to be indexed.
//!
//! # Cost
//!
//! Building and auditing are linear in the number of records: every pass is one walk over a
//! side with one hash probe per record, and the work per record (counted in instructions) is
//! the same at 10,000 and at 200,000 records per side. The time per record is not: past the
//! processor's caches, every record's strings are a trip to memory: on the machine this was
//! measured on, even hashing each input string once takes about 22 times as long for 100,000
//! records per side as for 10,000. The `catalogue_audit` bench measures that reference
//! (`read_inputs`) beside the index and the audit.
//!
//! # Example
//!
//! ```
//! use stokly_shopify::domain::catalogue::{SkuIndex, StoklyCatalogue, audit_catalogue};
//! use stokly_shopify::shopify::model::ProductVariant;
//! use stokly_shopify::stokly::model::Item;
//!
//! let items: Vec<Item> = serde_json::from_str(r#"[{"itemId": "i1", "sku": "TENT-2P"}]"#)?;
//! let variants: Vec<ProductVariant> = serde_json::from_str(r#"[{
//!     "id": "gid://shopify/ProductVariant/1", "sku": "tent-2p", "barcode": null,
//!     "title": "Default Title", "price": "189.00", "requiresComponents": false,
//!     "updatedAt": "2026-01-01T00:00:00Z",
//!     "product": {"id": "gid://shopify/Product/1", "title": "Tent", "status": "ACTIVE"},
//!     "inventoryItem": {"id": "gid://shopify/InventoryItem/1", "tracked": true}
//! }]"#)?;
//! let index = SkuIndex::build(StoklyCatalogue::new(&items), &variants);
//! let audit = audit_catalogue(&index);
//! // "tent-2p" is not "TENT-2P": suggested, never matched.
//! assert_eq!(audit.findings[0].title(), "Near-miss SKU (suggestion)");
//! assert_eq!(
//!     audit.readiness().sentence(),
//!     "Orders cannot post for 1 SKU (1 Shopify variant)."
//! );
//! # Ok::<(), serde_json::Error>(())
//! ```

mod audit;
mod index;
mod kind;
mod push;
mod render;
mod sku;

pub use audit::{
    AuditSummary, BundleComponent, CatalogueAudit, CatalogueFinding, ComponentDifference,
    NearMissCandidate, Readiness, ShopifyVariantRef, StoklyItemRef, audit_catalogue,
};
pub(crate) use index::NONE as NO_SKU;
pub use index::{
    ComponentLine, CompositeComponents, ListingTarget, OwnedStoklyCatalogue, ShopifyComponent,
    ShopifyEntry, ShopifyListing, SkuIndex, StoklyCatalogue, StoklyEntry, StoklyMatch,
    VariableFamilies,
};
pub use kind::{FindingKind, FindingKindRow, SeverityRule};
pub use push::{
    BatchOperation, FieldChange, InvalidBatch, InventoryItemInput, MAX_VARIANTS_PER_CALL,
    MAX_VARIANTS_PER_PRODUCT, PlannedVariant, ProductPushOptions, ProductPushPlan, PushFinding,
    PushFindingKind, PushSummary, VariantBatch, VariantInput, VariantOptionValue,
    plan_product_push,
};
pub use sku::{BlankSku, NearMissReason, Sku, is_blank_sku, near_miss_key, near_miss_reasons};

/// Builders for the wire models the SKU tests feed in.
#[cfg(test)]
pub(crate) mod test_support {
    use chrono::{TimeZone, Utc};
    use rust_decimal::Decimal;

    use crate::shopify::model::{
        Connection, PageInfo, ProductRef, ProductStatus, ProductVariant, VariantComponent,
        VariantInventoryItem, VariantRef,
    };
    use crate::shopify::{InventoryItemId, ProductId, ProductVariantComponentId, ProductVariantId};
    use crate::stokly::model::{Extra, Item, ItemFormat, ItemStatus, Listing, ListingStatus};
    use crate::stokly::{ItemId, ListingId};

    pub(crate) fn item_id(id: &str) -> ItemId {
        ItemId::new(id).unwrap()
    }

    pub(crate) fn item(id: &str, sku: Option<&str>) -> Item {
        Item {
            item_id: item_id(id),
            account_key: None,
            sku: sku.map(str::to_owned),
            name: Some(format!("Item {id}")),
            format: Some(ItemFormat::Simple),
            status: Some(ItemStatus::Active),
            barcode: None,
            barcodes: Vec::new(),
            tags: Vec::new(),
            type_name: None,
            image_count: None,
            on_hand: None,
            on_order: None,
            description: None,
            time_updated: None,
            time_created: None,
            extra: Extra::default(),
        }
    }

    pub(crate) fn simple(id: &str, sku: &str) -> Item {
        item(id, Some(sku))
    }

    pub(crate) fn with_format(mut item: Item, format: ItemFormat) -> Item {
        item.format = Some(format);
        item
    }

    pub(crate) fn deleted(mut item: Item) -> Item {
        item.status = Some(ItemStatus::Deleted);
        item
    }

    pub(crate) fn with_barcode(mut item: Item, barcode: &str) -> Item {
        item.barcode = Some(barcode.to_owned());
        item
    }

    pub(crate) fn variant_id(n: u64) -> ProductVariantId {
        ProductVariantId::from_numeric(n)
    }

    pub(crate) fn product_id(n: u64) -> ProductId {
        ProductId::from_numeric(n)
    }

    /// Variant `n` of product `product` (titled `Product <product>`), active, tracked.
    pub(crate) fn variant(n: u64, sku: Option<&str>, product: u64) -> ProductVariant {
        ProductVariant {
            id: variant_id(n),
            sku: sku.map(str::to_owned),
            barcode: None,
            title: format!("Variant {n}"),
            price: Decimal::new(1000, 2),
            requires_components: false,
            updated_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
            product: ProductRef {
                id: product_id(product),
                title: format!("Product {product}"),
                status: ProductStatus::Active,
            },
            inventory_item: VariantInventoryItem {
                id: InventoryItemId::from_numeric(n + 90_000),
                tracked: true,
            },
            product_variant_components: Connection::default(),
        }
    }

    pub(crate) fn sold(n: u64, sku: &str, product: u64) -> ProductVariant {
        variant(n, Some(sku), product)
    }

    pub(crate) fn with_status(mut v: ProductVariant, status: ProductStatus) -> ProductVariant {
        v.product.status = status;
        v
    }

    pub(crate) fn untracked(mut v: ProductVariant) -> ProductVariant {
        v.inventory_item.tracked = false;
        v
    }

    pub(crate) fn with_variant_barcode(mut v: ProductVariant, barcode: &str) -> ProductVariant {
        v.barcode = Some(barcode.to_owned());
        v
    }

    /// A bundle parent with `(component variant, sku, quantity)` components.
    pub(crate) fn bundle(mut v: ProductVariant, components: &[(u64, &str, i64)]) -> ProductVariant {
        v.requires_components = true;
        v.product_variant_components = Connection {
            nodes: components
                .iter()
                .enumerate()
                .map(|(i, &(id, sku, quantity))| VariantComponent {
                    id: ProductVariantComponentId::from_numeric(id * 10 + i as u64),
                    quantity,
                    product_variant: VariantRef {
                        id: variant_id(id),
                        sku: Some(sku.to_owned()),
                    },
                })
                .collect(),
            page_info: PageInfo::default(),
        };
        v
    }

    /// An active Shopify-channel listing of `item`, pointing at `reference` (a GID) if any.
    pub(crate) fn listing(id: &str, item: &str, reference: Option<&str>) -> Listing {
        Listing {
            listing_id: ListingId::new(id).unwrap(),
            channel_id: None,
            mapping_id: None,
            item_id: Some(item_id(item)),
            reference_id: reference.map(str::to_owned),
            listing_type: None,
            status: Some(ListingStatus::Active),
            sku: None,
            name: None,
            data_synchronised: None,
            inventory_synchronised: None,
            list_to_channel: None,
            denied_inventory: None,
            images: Vec::new(),
            barcode: None,
            mpn: None,
            manufacturer: None,
            sale_price: None,
            sale_currency: None,
            tax_rate: None,
            tax_class_id: None,
            item_format: None,
            item_type_id: None,
            item_type_name: None,
            data: None,
            extra: Extra::default(),
        }
    }
}
