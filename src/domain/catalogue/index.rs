//! The SKU index: both catalogues keyed by exact SKU, plus the near-miss key.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};
use std::slice;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::sku::{Sku, near_miss_key_into};
use crate::money::CurrencyCode;
use crate::shopify::model::{ProductStatus, ProductVariant};
use crate::shopify::{InventoryItemId, ProductId, ProductVariantId};
use crate::stokly::model::{
    ComposingItem, Item, ItemChild, ItemFormat, ItemStatus, Listing, ListingStatus,
};
use crate::stokly::{ItemId, ListingId};

/// One component of a Stokly composite: which item, and how many units go into one composite.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ComponentLine {
    /// The component item.
    pub item_id: ItemId,
    /// Units of the component in one composite; `None` when Stokly did not say.
    pub quantity: Option<Decimal>,
}

impl ComponentLine {
    /// A component line.
    #[must_use]
    pub fn new(item_id: ItemId, quantity: Option<Decimal>) -> Self {
        Self { item_id, quantity }
    }
}

/// The components of Stokly composites, by composite item.
///
/// Stokly returns them either globally (`GET /v0/composing-items`, one row per component) or
/// per composite (`GET /v0/items/{id}/children`); both convert into this one shape.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompositeComponents {
    by_composite: HashMap<ItemId, Vec<ComponentLine>>,
}

impl CompositeComponents {
    /// No composites.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// From the rows of `GET /v0/composing-items`, in row order.
    #[must_use]
    pub fn from_composing_items(rows: &[ComposingItem]) -> Self {
        let mut components = Self::new();
        for row in rows {
            components.push(
                row.item_id.clone(),
                ComponentLine::new(row.composing_item_id.clone(), Some(row.quantity)),
            );
        }
        components
    }

    /// Adds the rows of `GET /v0/items/{composite}/children` for one composite.
    pub fn insert_children(&mut self, composite: ItemId, children: &[ItemChild]) {
        for child in children {
            self.push(
                composite.clone(),
                ComponentLine::new(child.item_id.clone(), child.composing_item_quantity),
            );
        }
    }

    /// Adds one component line to a composite.
    pub fn push(&mut self, composite: ItemId, line: ComponentLine) {
        self.by_composite.entry(composite).or_default().push(line);
    }

    /// The components of a composite, if any were given.
    #[must_use]
    pub fn get(&self, composite: &ItemId) -> Option<&[ComponentLine]> {
        self.by_composite.get(composite).map(Vec::as_slice)
    }

    /// Number of composites with components.
    #[must_use]
    pub fn len(&self) -> usize {
        self.by_composite.len()
    }

    /// Whether no composite has components.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.by_composite.is_empty()
    }
}

/// Which Stokly variable parent each variant item belongs to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariableFamilies {
    parent_of: HashMap<ItemId, ItemId>,
    variants_of: HashMap<ItemId, Vec<ItemId>>,
}

impl VariableFamilies {
    /// No families.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the rows of `GET /v0/items/{parent}/children` for one variable parent.
    pub fn insert_children(&mut self, parent: &ItemId, children: &[ItemChild]) {
        for child in children {
            self.insert(parent.clone(), child.item_id.clone());
        }
    }

    /// Records that `variant` is a variant of `parent`.
    pub fn insert(&mut self, parent: ItemId, variant: ItemId) {
        let variants = self.variants_of.entry(parent.clone()).or_default();
        if !variants.contains(&variant) {
            variants.push(variant.clone());
        }
        self.parent_of.insert(variant, parent);
    }

    /// The variant items of a variable parent, in insertion order.
    #[must_use]
    pub fn variants_of(&self, parent: &ItemId) -> &[ItemId] {
        self.variants_of.get(parent).map_or(&[], Vec::as_slice)
    }

    /// The variable parent of a variant item.
    #[must_use]
    pub fn parent_of(&self, variant: &ItemId) -> Option<&ItemId> {
        self.parent_of.get(variant)
    }
}

/// The Stokly side of the catalogue, as the index reads it: items (of every format and
/// status), composite components, variable families and the listings of the Shopify channel.
///
/// Only `items` is required; without composites every composite looks empty, without
/// families a new variant's product can only come from its own listing, and without listings
/// no item counts as listed on Shopify.
#[derive(Debug, Clone, Copy)]
pub struct StoklyCatalogue<'a> {
    items: &'a [Item],
    composites: Option<&'a CompositeComponents>,
    families: Option<&'a VariableFamilies>,
    shopify_listings: &'a [Listing],
}

impl<'a> StoklyCatalogue<'a> {
    /// The items (`GET /v0/items`, deleted ones included).
    #[must_use]
    pub fn new(items: &'a [Item]) -> Self {
        Self {
            items,
            composites: None,
            families: None,
            shopify_listings: &[],
        }
    }

    /// The components of the composites among the items.
    #[must_use]
    pub fn with_composites(mut self, composites: &'a CompositeComponents) -> Self {
        self.composites = Some(composites);
        self
    }

    /// The variants of the variable parents among the items.
    #[must_use]
    pub fn with_variable_families(mut self, families: &'a VariableFamilies) -> Self {
        self.families = Some(families);
        self
    }

    /// The listings of the Shopify channel (`GET /v0/channels/{id}/listings`).
    #[must_use]
    pub fn with_shopify_listings(mut self, listings: &'a [Listing]) -> Self {
        self.shopify_listings = listings;
        self
    }
}

/// The Stokly side of the catalogue, owned, for [`SkuIndex::build_owned`]: the same parts
/// as [`StoklyCatalogue`], given up to the index instead of lent to it.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct OwnedStoklyCatalogue {
    /// The items (`GET /v0/items`, deleted ones included).
    pub items: Vec<Item>,
    /// The components of the composites among the items.
    pub composites: CompositeComponents,
    /// The variants of the variable parents among the items.
    pub families: VariableFamilies,
    /// The listings of the Shopify channel (`GET /v0/channels/{id}/listings`).
    pub shopify_listings: Vec<Listing>,
}

impl OwnedStoklyCatalogue {
    /// The items (`GET /v0/items`, deleted ones included).
    #[must_use]
    pub fn new(items: Vec<Item>) -> Self {
        Self {
            items,
            ..Self::default()
        }
    }

    /// The components of the composites among the items.
    #[must_use]
    pub fn with_composites(mut self, composites: CompositeComponents) -> Self {
        self.composites = composites;
        self
    }

    /// The variants of the variable parents among the items.
    #[must_use]
    pub fn with_variable_families(mut self, families: VariableFamilies) -> Self {
        self.families = families;
        self
    }

    /// The listings of the Shopify channel.
    #[must_use]
    pub fn with_shopify_listings(mut self, listings: Vec<Listing>) -> Self {
        self.shopify_listings = listings;
        self
    }
}

/// What a Shopify-channel listing points at in Shopify (its `referenceId`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ListingTarget {
    /// Not published yet: no `referenceId`.
    Unpublished,
    /// A Shopify product (variable listings, and items listed as their own product).
    Product(ProductId),
    /// A Shopify variant (the listing of one variant of a variable item).
    Variant(ProductVariantId),
    /// A reference that is neither (kept as text).
    Other(String),
}

impl ListingTarget {
    fn from_reference(reference: Option<&str>) -> Self {
        match reference {
            None => Self::Unpublished,
            Some("") => Self::Unpublished,
            Some(text) => {
                if let Ok(variant) = ProductVariantId::parse(text) {
                    Self::Variant(variant)
                } else if let Ok(product) = ProductId::parse(text) {
                    Self::Product(product)
                } else {
                    Self::Other(text.to_owned())
                }
            }
        }
    }
}

/// An active Shopify-channel listing of a Stokly item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ShopifyListing {
    /// The listing.
    pub listing_id: ListingId,
    /// What it points at in Shopify.
    pub target: ListingTarget,
    /// The SKU the listing shows, when it carries one.
    pub sku: Option<String>,
    /// The channel sale price.
    pub sale_price: Option<Decimal>,
    /// Its currency.
    pub sale_currency: Option<CurrencyCode>,
}

impl ShopifyListing {
    /// The listing as an item's entry keeps it; an owned listing gives up its strings.
    fn from_listing(listing: Cow<'_, Listing>) -> Self {
        let target = ListingTarget::from_reference(listing.reference_id.as_deref());
        match listing {
            Cow::Borrowed(listing) => Self {
                listing_id: listing.listing_id.clone(),
                target,
                sku: listing.sku.clone(),
                sale_price: listing.sale_price,
                sale_currency: listing.sale_currency,
            },
            Cow::Owned(listing) => Self {
                listing_id: listing.listing_id,
                target,
                sku: listing.sku,
                sale_price: listing.sale_price,
                sale_currency: listing.sale_currency,
            },
        }
    }
}

/// A Stokly item as the index keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StoklyEntry {
    /// The item.
    pub id: ItemId,
    /// Its SKU, exactly as Stokly holds it.
    pub sku: Option<String>,
    /// Its name.
    pub name: Option<String>,
    /// Its format (`None` when Stokly did not say).
    pub format: Option<ItemFormat>,
    /// Whether it is deleted.
    pub deleted: bool,
    /// Its barcodes (main barcode first, no repeats, blanks dropped).
    pub barcodes: Vec<String>,
    /// Its active listings on the Shopify channel.
    pub shopify_listings: Vec<ShopifyListing>,
}

impl StoklyEntry {
    fn from_item(item: &Item) -> Self {
        let mut barcodes: Vec<String> =
            Vec::with_capacity(usize::from(item.barcode.is_some()) + item.barcodes.len());
        for code in item.barcode.iter().chain(item.barcodes.iter()) {
            if !code.trim().is_empty() && !barcodes.contains(code) {
                barcodes.push(code.clone());
            }
        }
        Self {
            id: item.item_id.clone(),
            sku: item.sku.clone(),
            name: item.name.clone(),
            format: item.format,
            deleted: item.status == Some(ItemStatus::Deleted),
            barcodes,
            shopify_listings: Vec::new(),
        }
    }

    /// The same entry as [`StoklyEntry::from_item`], taking the item's strings instead of
    /// copying them.
    fn from_owned_item(item: Item) -> Self {
        let Item {
            item_id,
            sku,
            name,
            format,
            status,
            barcode,
            barcodes: others,
            ..
        } = item;
        let mut barcodes: Vec<String> = Vec::with_capacity(usize::from(barcode.is_some()));
        for code in barcode.into_iter().chain(others) {
            if !code.trim().is_empty() && !barcodes.contains(&code) {
                barcodes.push(code);
            }
        }
        Self {
            id: item_id,
            sku,
            name,
            format,
            deleted: status == Some(ItemStatus::Deleted),
            barcodes,
            shopify_listings: Vec::new(),
        }
    }

    /// Whether the item is a composite (bundle or kit).
    #[must_use]
    pub fn is_composite(&self) -> bool {
        self.format == Some(ItemFormat::Composite)
    }

    /// Whether the item is a variable parent (it holds no stock; its variants do).
    #[must_use]
    pub fn is_variable_parent(&self) -> bool {
        self.format == Some(ItemFormat::Variable)
    }

    /// Whether the item has an active listing on the Shopify channel.
    #[must_use]
    pub fn is_listed_on_shopify(&self) -> bool {
        !self.shopify_listings.is_empty()
    }

    /// The SKU when it is not blank (see [`Sku::is_blank`]).
    #[must_use]
    pub fn usable_sku(&self) -> Option<&str> {
        Sku::usable(self.sku.as_deref())
    }
}

/// One component of a Shopify bundle variant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ShopifyComponent {
    /// The component variant.
    pub variant_id: ProductVariantId,
    /// Its SKU.
    pub sku: Option<String>,
    /// Units in one bundle.
    pub quantity: i64,
}

/// A Shopify variant as the index keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ShopifyEntry {
    /// The variant.
    pub id: ProductVariantId,
    /// Its SKU, exactly as Shopify holds it.
    pub sku: Option<String>,
    /// Its barcode.
    pub barcode: Option<String>,
    /// Its price in the shop currency.
    pub price: Decimal,
    /// Its product.
    pub product_id: ProductId,
    /// The product's title.
    pub product_title: String,
    /// The product's status.
    pub product_status: ProductStatus,
    /// Its inventory item.
    pub inventory_item_id: InventoryItemId,
    /// Whether Shopify tracks the inventory item's quantities.
    pub tracked: bool,
    /// Whether it is a bundle parent (`requiresComponents`).
    pub requires_components: bool,
    /// Its bundle components.
    pub components: Vec<ShopifyComponent>,
}

impl ShopifyEntry {
    fn from_variant(variant: &ProductVariant) -> Self {
        Self {
            id: variant.id.clone(),
            sku: variant.sku.clone(),
            barcode: variant.barcode.clone(),
            price: variant.price,
            product_id: variant.product.id.clone(),
            product_title: variant.product.title.clone(),
            product_status: variant.product.status.clone(),
            inventory_item_id: variant.inventory_item.id.clone(),
            tracked: variant.inventory_item.tracked,
            requires_components: variant.requires_components,
            components: variant
                .product_variant_components
                .nodes
                .iter()
                .map(|c| ShopifyComponent {
                    variant_id: c.product_variant.id.clone(),
                    sku: c.product_variant.sku.clone(),
                    quantity: c.quantity,
                })
                .collect(),
        }
    }

    /// The same entry as [`ShopifyEntry::from_variant`], taking the variant's strings
    /// instead of copying them.
    fn from_owned_variant(variant: ProductVariant) -> Self {
        let ProductVariant {
            id,
            sku,
            barcode,
            price,
            requires_components,
            product,
            inventory_item,
            product_variant_components,
            ..
        } = variant;
        Self {
            id,
            sku,
            barcode,
            price,
            product_id: product.id,
            product_title: product.title,
            product_status: product.status,
            inventory_item_id: inventory_item.id,
            tracked: inventory_item.tracked,
            requires_components,
            components: product_variant_components
                .nodes
                .into_iter()
                .map(|c| ShopifyComponent {
                    variant_id: c.product_variant.id,
                    sku: c.product_variant.sku,
                    quantity: c.quantity,
                })
                .collect(),
        }
    }

    /// Whether customers can order it: the product is active or unlisted (reachable by
    /// link). Draft and archived products cannot be ordered; an unknown status counts as
    /// orderable, the cautious reading.
    #[must_use]
    pub fn is_orderable(&self) -> bool {
        match &self.product_status {
            ProductStatus::Active | ProductStatus::Unlisted | ProductStatus::Unknown(_) => true,
            ProductStatus::Draft | ProductStatus::Archived => false,
        }
    }

    /// The SKU when it is not blank (see [`Sku::is_blank`]).
    #[must_use]
    pub fn usable_sku(&self) -> Option<&str> {
        Sku::usable(self.sku.as_deref())
    }
}

/// Positions in one side's list that share a key; one allocation only when there are several.
#[derive(Debug, Clone)]
pub(crate) enum Hits {
    One(usize),
    Many(Vec<usize>),
}

impl Hits {
    pub(crate) fn push(&mut self, position: usize) {
        match self {
            Self::One(first) => *self = Self::Many(vec![*first, position]),
            Self::Many(all) => all.push(position),
        }
    }

    pub(crate) fn as_slice(&self) -> &[usize] {
        match self {
            Self::One(one) => slice::from_ref(one),
            Self::Many(all) => all,
        }
    }
}

pub(crate) fn add_hit<K: std::hash::Hash + Eq, S: BuildHasher>(
    map: &mut HashMap<K, Hits, S>,
    key: K,
    position: usize,
) {
    match map.entry(key) {
        std::collections::hash_map::Entry::Occupied(mut hits) => hits.get_mut().push(position),
        std::collections::hash_map::Entry::Vacant(slot) => {
            slot.insert(Hits::One(position));
        }
    }
}

/// What a SKU matches in Stokly under the exact rule.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoklyMatch<'a> {
    /// Exactly one active item has the SKU (deleted items with it are ignored).
    Unique(&'a StoklyEntry),
    /// Several active items have it: nobody can say which one an order means.
    Ambiguous(Vec<&'a StoklyEntry>),
    /// Only deleted items have it.
    DeletedOnly(Vec<&'a StoklyEntry>),
    /// The SKU is blank ([`Sku::is_blank`]): it never matches anything.
    Blank,
    /// No item has it.
    NotFound,
}

/// The end of a chain, and the SKU number of a record without a usable SKU.
pub(crate) const NONE: u32 = u32::MAX;

/// A hasher for `u32` keys that are already (truncated) hashes: one multiplication spreads
/// them over the bits the table uses for buckets and for its tags.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Spread(u64);

impl Hasher for Spread {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(byte)).wrapping_mul(SPREAD);
        }
    }

    fn write_u32(&mut self, hash: u32) {
        self.0 = u64::from(hash).wrapping_mul(SPREAD);
    }
}

const SPREAD: u64 = 0x9E37_79B9_7F4A_7C15;

/// The newest position (or SKU number) whose string has a given 32-bit hash; older ones
/// with the same hash follow through a `next` list. 8 bytes a slot, so even 100,000 keys
/// stay small enough for the processor's caches.
pub(crate) type Heads = HashMap<u32, u32, BuildHasherDefault<Spread>>;

pub(crate) fn heads_with_capacity(capacity: usize) -> Heads {
    Heads::with_capacity_and_hasher(capacity, BuildHasherDefault::default())
}

/// Links `position` in front of the chain of `key`, `next` being the chain links.
fn link(heads: &mut Heads, next: &mut Vec<u32>, key: u32, position: u32) {
    let previous = heads.insert(key, position).unwrap_or(NONE);
    next.push(previous);
}

/// Walks a chain from `head`, newest first.
#[derive(Debug, Clone)]
pub(crate) struct ChainIter<'s> {
    next: &'s [u32],
    current: u32,
}

impl<'s> ChainIter<'s> {
    /// The chain from `head` through the links `next`.
    pub(crate) fn new(next: &'s [u32], head: u32) -> Self {
        Self {
            next,
            current: head,
        }
    }

    pub(crate) fn empty() -> Self {
        Self {
            next: &[],
            current: NONE,
        }
    }
}

impl Iterator for ChainIter<'_> {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        if self.current == NONE {
            return None;
        }
        let position = self.current as usize;
        self.current = self.next.get(position).copied().unwrap_or(NONE);
        Some(position)
    }
}

/// The records of one side carrying one exact SKU, in catalogue order (a list through
/// `next`, from `first` to `last`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct SideGroup {
    pub(crate) first: u32,
    last: u32,
    pub(crate) len: u32,
}

impl SideGroup {
    const EMPTY: Self = Self {
        first: NONE,
        last: NONE,
        len: 0,
    };

    /// Appends `position`, `next` being the side's links.
    fn append(&mut self, next: &mut [u32], position: u32) {
        match next.get_mut(self.last as usize) {
            Some(link) if self.len > 0 => *link = position,
            _ => self.first = position,
        }
        self.last = position;
        self.len += 1;
    }
}

/// Every record of both sides carrying one exact, usable SKU.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SkuGroup {
    pub(crate) stokly: SideGroup,
    pub(crate) shopify: SideGroup,
    /// Where the SKU's text starts in [`SkuNumbers::texts`] (it ends where the next starts).
    text_start: u32,
}

/// Both sides' exact SKUs numbered once: equal SKUs have equal numbers, so matching and
/// grouping compare integers, not strings.
#[derive(Debug, Clone, Default)]
struct SkuNumbers {
    /// By 32-bit hash of the SKU, the newest SKU number with that hash.
    heads: Heads,
    /// Per SKU number, the previous SKU number with the same 32-bit hash.
    hash_next: Vec<u32>,
    groups: Vec<SkuGroup>,
    /// Every numbered SKU's text, one after another: comparing with these few compact bytes
    /// is cheaper than with the records' own strings, scattered over the heap.
    texts: String,
    /// Per record, its SKU number ([`NONE`] when blank).
    stokly_sku: Vec<u32>,
    shopify_sku: Vec<u32>,
    /// Per record, the next record of its side with the same SKU.
    stokly_next: Vec<u32>,
    shopify_next: Vec<u32>,
    /// SKU numbers held by several records of one side, in the order they became shared.
    stokly_shared: Vec<u32>,
    shopify_shared: Vec<u32>,
}

/// One side's records keyed by the hash of their ID.
#[derive(Debug, Clone, Default)]
struct IdChains {
    heads: Heads,
    next: Vec<u32>,
}

impl IdChains {
    fn with_capacity(capacity: usize) -> Self {
        Self {
            heads: heads_with_capacity(capacity),
            next: Vec::with_capacity(capacity),
        }
    }

    /// Links the record at `position` (the next one), whose ID hashes to `key`.
    fn link(&mut self, key: u32, position: u32) {
        link(&mut self.heads, &mut self.next, key, position);
    }

    fn candidates(&self, key: u32) -> ChainIter<'_> {
        ChainIter {
            next: &self.next,
            current: self.heads.get(&key).copied().unwrap_or(NONE),
        }
    }
}

/// A record's position as the maps hold it; records beyond `u32::MAX - 1` per side are
/// kept but not keyed ([`NONE`] is reserved).
fn key_position(position: usize) -> Option<u32> {
    u32::try_from(position).ok().filter(|&p| p != NONE)
}

/// One barcode of one record, hashed while the index is built.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BarcodeKey {
    /// The barcode's 32-bit hash ([`SkuIndex::hash32`]).
    pub(crate) hash: u32,
    /// The record's position on its side.
    pub(crate) position: u32,
    /// Which of a Stokly item's barcodes (0 for a Shopify variant's only one).
    pub(crate) code: u32,
}

/// Stokly items and Shopify variants keyed by exact SKU.
///
/// Matching is exact and case-sensitive: a Shopify variant's `sku` matches a Stokly item's
/// `sku` when the two strings are byte for byte equal. Blank SKUs ([`Sku::is_blank`]) are
/// never keyed and never match. Nothing else ever matches: near-misses are found by
/// [`super::audit_catalogue`] and reported, never used. Building is O(n) in the number of
/// records; every look-up by SKU or ID is one hash-map probe. The maps hold positions keyed
/// by a per-index randomly seeded hash of the string, not copies of the strings; each exact
/// SKU is numbered once, so the audit and the inventory plan compare numbers.
#[derive(Debug, Clone)]
pub struct SkuIndex {
    stokly: Vec<StoklyEntry>,
    shopify: Vec<ShopifyEntry>,
    hasher: std::collections::hash_map::RandomState,
    skus: SkuNumbers,
    stokly_by_id: IdChains,
    shopify_by_id: IdChains,
    /// Per Stokly item, the hash of its SKU's [`Sku::near_miss_key`] (0 when blank).
    near_keys: Vec<u32>,
    /// Per Stokly item, whether it is active, not a composite and not a variable parent.
    plain_stock: Vec<bool>,
    /// Distinct Shopify products among the variants.
    shopify_products: usize,
    /// The barcodes of active Stokly items and of Shopify variants, non-blank, in order.
    stokly_barcodes: Vec<BarcodeKey>,
    shopify_barcodes: Vec<BarcodeKey>,
    composites: CompositeComponents,
    families: VariableFamilies,
    orphan_listings: Vec<Listing>,
}

impl SkuIndex {
    /// Indexes both catalogues, copying what it keeps from them. Listings that are deleted
    /// or unpublished from the channel (`listToChannel: false`) are ignored; listings of
    /// items not among `stokly`'s items are kept aside ([`SkuIndex::orphan_listings`]).
    ///
    /// When the catalogues are not needed afterwards, [`SkuIndex::build_owned`] builds the
    /// same index without copying a string.
    #[must_use]
    pub fn build(stokly: StoklyCatalogue<'_>, shopify: &[ProductVariant]) -> Self {
        Self::assemble(
            stokly.items.iter().map(StoklyEntry::from_item),
            stokly.shopify_listings.iter().map(Cow::Borrowed),
            shopify.iter().map(ShopifyEntry::from_variant),
            stokly.composites.cloned().unwrap_or_default(),
            stokly.families.cloned().unwrap_or_default(),
        )
    }

    /// The same index as [`SkuIndex::build`], built by taking the catalogues' strings
    /// instead of copying them: no string is allocated or copied, so it is the cheaper
    /// choice (in time and in peak memory) whenever the wire models are read only to be
    /// indexed.
    #[must_use]
    pub fn build_owned(stokly: OwnedStoklyCatalogue, shopify: Vec<ProductVariant>) -> Self {
        let OwnedStoklyCatalogue {
            items,
            composites,
            families,
            shopify_listings,
        } = stokly;
        Self::assemble(
            items.into_iter().map(StoklyEntry::from_owned_item),
            shopify_listings.into_iter().map(Cow::Owned),
            shopify.into_iter().map(ShopifyEntry::from_owned_variant),
            composites,
            families,
        )
    }

    /// Keys the entries, attaches the listings and counts the products. Each record is
    /// keyed right after it is made, while its strings are in the cache.
    fn assemble<'l>(
        stokly: impl ExactSizeIterator<Item = StoklyEntry>,
        listings: impl Iterator<Item = Cow<'l, Listing>>,
        shopify: impl ExactSizeIterator<Item = ShopifyEntry>,
        composites: CompositeComponents,
        families: VariableFamilies,
    ) -> Self {
        let hasher = std::collections::hash_map::RandomState::new();
        let hash = |text: &str| hasher.hash_one(text) as u32;
        let mut skus = SkuNumbers::with_capacity(stokly.len(), shopify.len());
        let mut stokly_entries: Vec<StoklyEntry> = Vec::with_capacity(stokly.len());
        let mut stokly_by_id = IdChains::with_capacity(stokly.len());
        let mut near_keys = Vec::with_capacity(stokly.len());
        let mut plain_stock = Vec::with_capacity(stokly.len());
        let mut stokly_barcodes = Vec::with_capacity(stokly.len());
        let mut key = String::new();
        for entry in stokly {
            let Some(position) = key_position(stokly_entries.len()) else {
                skus.stokly_sku.push(NONE);
                near_keys.push(0);
                plain_stock.push(false);
                stokly_entries.push(entry);
                continue;
            };
            stokly_by_id.link(hash(entry.id.as_str()), position);
            let number = match entry.usable_sku() {
                Some(sku) => {
                    near_miss_key_into(sku, &mut key);
                    near_keys.push(hash(&key));
                    skus.number(sku, hash(sku))
                }
                None => {
                    near_keys.push(0);
                    NONE
                }
            };
            skus.add_stokly(position, number);
            plain_stock
                .push(!entry.deleted && !entry.is_composite() && !entry.is_variable_parent());
            if !entry.deleted {
                for (code, text) in entry.barcodes.iter().enumerate() {
                    if let Ok(code) = u32::try_from(code) {
                        stokly_barcodes.push(BarcodeKey {
                            hash: hash(text),
                            position,
                            code,
                        });
                    }
                }
            }
            stokly_entries.push(entry);
        }
        let mut orphan_listings = Vec::new();
        for listing in listings {
            if listing.status == Some(ListingStatus::Deleted)
                || listing.list_to_channel == Some(false)
            {
                continue;
            }
            let position = listing.item_id.as_ref().and_then(|id| {
                first_with_id(
                    stokly_by_id.candidates(hash(id.as_str())),
                    &stokly_entries,
                    |e| &e.id == id,
                )
            });
            match position.and_then(|p| stokly_entries.get_mut(p)) {
                Some(entry) => entry
                    .shopify_listings
                    .push(ShopifyListing::from_listing(listing)),
                None => orphan_listings.push(listing.into_owned()),
            }
        }

        let mut shopify_entries: Vec<ShopifyEntry> = Vec::with_capacity(shopify.len());
        let mut shopify_by_id = IdChains::with_capacity(shopify.len());
        let mut shopify_barcodes = Vec::with_capacity(shopify.len());
        for entry in shopify {
            let Some(position) = key_position(shopify_entries.len()) else {
                skus.shopify_sku.push(NONE);
                shopify_entries.push(entry);
                continue;
            };
            shopify_by_id.link(hash(entry.id.as_str()), position);
            let number = match entry.usable_sku() {
                Some(sku) => skus.number(sku, hash(sku)),
                None => NONE,
            };
            skus.add_shopify(position, number);
            if let Some(code) = entry.barcode.as_deref().filter(|c| !c.trim().is_empty()) {
                shopify_barcodes.push(BarcodeKey {
                    hash: hash(code),
                    position,
                    code: 0,
                });
            }
            shopify_entries.push(entry);
        }
        // A product's variants usually come one after another: only a change is looked up.
        let shopify_products = {
            let mut products: HashSet<&ProductId> = HashSet::new();
            let mut previous: Option<&ProductId> = None;
            for entry in &shopify_entries {
                if previous != Some(&entry.product_id) {
                    products.insert(&entry.product_id);
                    previous = Some(&entry.product_id);
                }
            }
            products.len()
        };

        Self {
            stokly: stokly_entries,
            shopify: shopify_entries,
            hasher,
            skus,
            stokly_by_id,
            shopify_by_id,
            near_keys,
            plain_stock,
            shopify_products,
            stokly_barcodes,
            shopify_barcodes,
            composites,
            families,
            orphan_listings,
        }
    }

    /// Every Stokly item, in input order.
    #[must_use]
    pub fn stokly_items(&self) -> &[StoklyEntry] {
        &self.stokly
    }

    /// Every Shopify variant, in input order.
    #[must_use]
    pub fn shopify_variants(&self) -> &[ShopifyEntry] {
        &self.shopify
    }

    /// Shopify-channel listings whose item is not among the Stokly items.
    #[must_use]
    pub fn orphan_listings(&self) -> &[Listing] {
        &self.orphan_listings
    }

    /// The index's 32-bit hash of a string (a SKU, an ID, a barcode).
    pub(crate) fn hash32(&self, text: &str) -> u32 {
        self.hasher.hash_one(text) as u32
    }

    /// A Stokly item by ID.
    #[must_use]
    pub fn stokly_item(&self, id: &ItemId) -> Option<&StoklyEntry> {
        let candidates = self.stokly_by_id.candidates(self.hash32(id.as_str()));
        first_with_id(candidates, &self.stokly, |e| &e.id == id).and_then(|p| self.stokly.get(p))
    }

    /// A Shopify variant by ID.
    #[must_use]
    pub fn shopify_variant(&self, id: &ProductVariantId) -> Option<&ShopifyEntry> {
        self.shopify_variant_position(id)
            .and_then(|p| self.shopify.get(p))
    }

    /// The position of a Shopify variant by ID.
    pub(crate) fn shopify_variant_position(&self, id: &ProductVariantId) -> Option<usize> {
        let candidates = self.shopify_by_id.candidates(self.hash32(id.as_str()));
        first_with_id(candidates, &self.shopify, |e| &e.id == id)
    }

    /// Every Stokly item (active or deleted) whose SKU is exactly `sku`.
    pub fn stokly_with_sku<'s>(&'s self, sku: &'s str) -> impl Iterator<Item = &'s StoklyEntry> {
        let positions = self
            .sku_number(sku)
            .map_or_else(ChainIter::empty, |number| self.stokly_positions(number));
        positions.filter_map(|p| self.stokly.get(p))
    }

    /// Every Shopify variant whose SKU is exactly `sku`.
    pub fn shopify_with_sku<'s>(&'s self, sku: &'s str) -> impl Iterator<Item = &'s ShopifyEntry> {
        let positions = self
            .sku_number(sku)
            .map_or_else(ChainIter::empty, |number| self.shopify_positions(number));
        positions.filter_map(|p| self.shopify.get(p))
    }

    /// The number of an exact, usable SKU held by some record.
    pub(crate) fn sku_number(&self, sku: &str) -> Option<u32> {
        let mut number = self.skus.heads.get(&self.hash32(sku)).copied()?;
        while number != NONE {
            if self.sku_of_number(number) == Some(sku) {
                return Some(number);
            }
            number = self.skus.hash_next.get(number as usize).copied()?;
        }
        None
    }

    /// The SKU a number stands for.
    pub(crate) fn sku_of_number(&self, number: u32) -> Option<&str> {
        self.skus.text(number)
    }

    /// The records carrying the SKU numbered `number`.
    pub(crate) fn sku_group(&self, number: u32) -> Option<&SkuGroup> {
        self.skus.groups.get(number as usize)
    }

    /// Per Stokly item, its SKU number ([`NONE`] when its SKU is blank).
    pub(crate) fn stokly_sku_numbers(&self) -> &[u32] {
        &self.skus.stokly_sku
    }

    /// Per Shopify variant, its SKU number ([`NONE`] when its SKU is blank).
    pub(crate) fn shopify_sku_numbers(&self) -> &[u32] {
        &self.skus.shopify_sku
    }

    /// The positions of the Stokly items with SKU number `number`, in catalogue order.
    pub(crate) fn stokly_positions(&self, number: u32) -> ChainIter<'_> {
        ChainIter {
            next: &self.skus.stokly_next,
            current: self.sku_group(number).map_or(NONE, |g| g.stokly.first),
        }
    }

    /// The positions of the Shopify variants with SKU number `number`, in catalogue order.
    pub(crate) fn shopify_positions(&self, number: u32) -> ChainIter<'_> {
        ChainIter {
            next: &self.skus.shopify_next,
            current: self.sku_group(number).map_or(NONE, |g| g.shopify.first),
        }
    }

    /// What `sku` (a Shopify variant's SKU, say) matches in Stokly, exactly.
    #[must_use]
    pub fn match_stokly(&self, sku: Option<&str>) -> StoklyMatch<'_> {
        let Some(sku) = Sku::usable(sku) else {
            return StoklyMatch::Blank;
        };
        match self.sku_number(sku) {
            Some(number) => self.match_number(number),
            None => StoklyMatch::NotFound,
        }
    }

    /// [`SkuIndex::match_stokly`] for the SKU numbered `number` ([`NONE`] for a blank SKU).
    pub(crate) fn match_number(&self, number: u32) -> StoklyMatch<'_> {
        if number == NONE {
            return StoklyMatch::Blank;
        }
        let Some(group) = self.sku_group(number) else {
            return StoklyMatch::NotFound;
        };
        if group.stokly.len == 1 {
            return match self.stokly.get(group.stokly.first as usize) {
                Some(entry) if entry.deleted => StoklyMatch::DeletedOnly(vec![entry]),
                Some(entry) => StoklyMatch::Unique(entry),
                None => StoklyMatch::NotFound,
            };
        }
        let (active, deleted): (Vec<&StoklyEntry>, Vec<&StoklyEntry>) = self
            .stokly_positions(number)
            .filter_map(|p| self.stokly.get(p))
            .partition(|e| !e.deleted);
        match active.as_slice() {
            [] if deleted.is_empty() => StoklyMatch::NotFound,
            [] => StoklyMatch::DeletedOnly(deleted),
            [one] => StoklyMatch::Unique(one),
            _ => StoklyMatch::Ambiguous(active),
        }
    }

    /// The components of a Stokly composite, if they were given.
    #[must_use]
    pub fn components(&self, composite: &ItemId) -> Option<&[ComponentLine]> {
        self.composites.get(composite)
    }

    /// The variable parent of a Stokly variant item, if families were given.
    #[must_use]
    pub fn variable_parent(&self, variant: &ItemId) -> Option<&ItemId> {
        self.families.parent_of(variant)
    }

    /// The variant items of a Stokly variable parent, if families were given.
    #[must_use]
    pub fn variable_variants(&self, parent: &ItemId) -> &[ItemId] {
        self.families.variants_of(parent)
    }

    /// Per Stokly item, the hash of its SKU's [`Sku::near_miss_key`] (meaningless when blank).
    pub(crate) fn near_key_hashes(&self) -> &[u32] {
        &self.near_keys
    }

    /// Whether the Stokly item at `position` is active, not a composite and not a variable
    /// parent: a variant matching it only needs its own flags checked.
    pub(crate) fn is_plain_stock(&self, position: usize) -> bool {
        self.plain_stock.get(position).copied().unwrap_or(false)
    }

    /// Distinct Shopify products among the variants.
    pub(crate) fn shopify_product_count(&self) -> usize {
        self.shopify_products
    }

    /// The non-blank barcodes of the Shopify variants, then of the active Stokly items, each
    /// side in catalogue order.
    pub(crate) fn barcode_keys(&self) -> (&[BarcodeKey], &[BarcodeKey]) {
        (&self.shopify_barcodes, &self.stokly_barcodes)
    }

    /// SKU numbers held by several Stokly items (active or deleted).
    pub(crate) fn shared_stokly_skus(&self) -> &[u32] {
        &self.skus.stokly_shared
    }

    /// SKU numbers held by several Shopify variants.
    pub(crate) fn shared_shopify_skus(&self) -> &[u32] {
        &self.skus.shopify_shared
    }
}

/// The earliest position among `candidates` (newest first) whose entry `is` the one sought.
fn first_with_id<T>(
    candidates: ChainIter<'_>,
    entries: &[T],
    is: impl Fn(&T) -> bool,
) -> Option<usize> {
    candidates
        .filter(|&p| entries.get(p).is_some_and(&is))
        .last()
}

impl SkuNumbers {
    fn with_capacity(stokly: usize, shopify: usize) -> Self {
        let skus = stokly.max(shopify);
        Self {
            heads: heads_with_capacity(skus),
            hash_next: Vec::with_capacity(skus),
            groups: Vec::with_capacity(skus),
            texts: String::new(),
            stokly_sku: Vec::with_capacity(stokly),
            shopify_sku: Vec::with_capacity(shopify),
            stokly_next: Vec::with_capacity(stokly),
            shopify_next: Vec::with_capacity(shopify),
            stokly_shared: Vec::new(),
            shopify_shared: Vec::new(),
        }
    }

    /// The text of SKU `number`.
    fn text(&self, number: u32) -> Option<&str> {
        let start = self.groups.get(number as usize)?.text_start as usize;
        let end = self
            .groups
            .get(number as usize + 1)
            .map_or(self.texts.len(), |g| g.text_start as usize);
        self.texts.get(start..end)
    }

    /// Records that the Stokly item at `position` (the next one) has SKU `number`.
    fn add_stokly(&mut self, position: u32, number: u32) {
        self.stokly_sku.push(number);
        self.stokly_next.push(NONE);
        let Some(group) = self.groups.get_mut(number as usize) else {
            return;
        };
        group.stokly.append(&mut self.stokly_next, position);
        if group.stokly.len == 2 {
            self.stokly_shared.push(number);
        }
    }

    /// Records that the Shopify variant at `position` (the next one) has SKU `number`.
    fn add_shopify(&mut self, position: u32, number: u32) {
        self.shopify_sku.push(number);
        self.shopify_next.push(NONE);
        let Some(group) = self.groups.get_mut(number as usize) else {
            return;
        };
        group.shopify.append(&mut self.shopify_next, position);
        if group.shopify.len == 2 {
            self.shopify_shared.push(number);
        }
    }

    /// The number of `sku` (whose hash is `key`), a new one (with an empty group) if it has
    /// none yet.
    fn number(&mut self, sku: &str, key: u32) -> u32 {
        let mut candidate = self.heads.get(&key).copied().unwrap_or(NONE);
        while (candidate as usize) < self.groups.len() {
            if self.text(candidate) == Some(sku) {
                return candidate;
            }
            candidate = self
                .hash_next
                .get(candidate as usize)
                .copied()
                .unwrap_or(NONE);
        }
        let Ok(number) = u32::try_from(self.groups.len()) else {
            return NONE;
        };
        if number == NONE {
            return NONE;
        }
        let Ok(text_start) = u32::try_from(self.texts.len()) else {
            return NONE;
        };
        self.texts.push_str(sku);
        self.groups.push(SkuGroup {
            stokly: SideGroup::EMPTY,
            shopify: SideGroup::EMPTY,
            text_start,
        });
        link(&mut self.heads, &mut self.hash_next, key, number);
        number
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalogue::test_support::*;
    use crate::stokly::model::ItemFormat;

    #[test]
    fn exact_lookups_are_case_sensitive_and_never_trim() {
        let items = vec![simple("i1", "ABC-1"), simple("i2", "abc-1 ")];
        let variants = vec![sold(1, "ABC-1", 10), sold(2, "abc-1", 10)];
        let index = SkuIndex::build(StoklyCatalogue::new(&items), &variants);

        assert!(
            matches!(index.match_stokly(Some("ABC-1")), StoklyMatch::Unique(e) if e.id == item_id("i1"))
        );
        assert_eq!(index.match_stokly(Some("abc-1")), StoklyMatch::NotFound);
        assert!(
            matches!(index.match_stokly(Some("abc-1 ")), StoklyMatch::Unique(e) if e.id == item_id("i2"))
        );
        assert_eq!(index.shopify_with_sku("ABC-1").count(), 1);
        assert_eq!(index.shopify_with_sku("abc-1 ").count(), 0);
        assert_eq!(
            index
                .shopify_variant(&variant_id(2))
                .map(|v| v.sku.as_deref()),
            Some(Some("abc-1"))
        );
        assert_eq!(
            index
                .stokly_item(&item_id("i2"))
                .and_then(|e| e.sku.as_deref()),
            Some("abc-1 ")
        );
    }

    #[test]
    fn barcodes_keep_the_main_one_first_without_repeats_or_blanks_however_built() {
        let mut item = with_barcode(simple("i1", "A"), "5000");
        item.barcodes = vec!["5000".into(), " ".into(), "5001".into(), "5001".into()];
        let variants = vec![sold(1, "A", 10)];
        let copied = SkuIndex::build(StoklyCatalogue::new(slice::from_ref(&item)), &variants);
        let owned = SkuIndex::build_owned(OwnedStoklyCatalogue::new(vec![item]), variants);
        for index in [&copied, &owned] {
            assert_eq!(
                index.stokly_item(&item_id("i1")).unwrap().barcodes,
                vec!["5000".to_owned(), "5001".to_owned()]
            );
            assert_eq!(index.barcode_keys().1.len(), 2);
        }
        assert_eq!(owned.shopify_variants(), copied.shopify_variants());
    }

    #[test]
    fn blank_skus_are_never_keyed() {
        let items = vec![
            item("i1", None),
            simple("i2", ""),
            simple("i3", " \u{200B}\u{00A0}"),
        ];
        let variants = vec![sold(1, "", 10), sold(2, "\u{FEFF}", 10)];
        let index = SkuIndex::build(StoklyCatalogue::new(&items), &variants);
        assert_eq!(index.match_stokly(Some("")), StoklyMatch::Blank);
        assert_eq!(index.match_stokly(Some("\u{FEFF}")), StoklyMatch::Blank);
        assert_eq!(index.match_stokly(None), StoklyMatch::Blank);
        assert_eq!(index.shopify_with_sku("").count(), 0);
        assert_eq!(index.stokly_items().len(), 3);
    }

    #[test]
    fn duplicates_and_deleted_items_are_told_apart() {
        let items = vec![
            simple("a1", "DUP"),
            simple("a2", "DUP"),
            deleted(simple("d1", "GONE")),
            deleted(simple("d2", "KEPT")),
            simple("k1", "KEPT"),
        ];
        let index = SkuIndex::build(StoklyCatalogue::new(&items), &[]);
        match index.match_stokly(Some("DUP")) {
            StoklyMatch::Ambiguous(all) => {
                let ids: Vec<_> = all.iter().map(|e| e.id.as_str()).collect();
                assert_eq!(ids, ["a1", "a2"]);
            }
            other => panic!("expected ambiguous, got {other:?}"),
        }
        assert!(
            matches!(index.match_stokly(Some("GONE")), StoklyMatch::DeletedOnly(d) if d.len() == 1)
        );
        // A deleted item does not make a live SKU ambiguous.
        assert!(
            matches!(index.match_stokly(Some("KEPT")), StoklyMatch::Unique(e) if e.id == item_id("k1"))
        );
    }

    #[test]
    fn composites_families_and_listings_are_attached() {
        let items = vec![
            with_format(simple("kit", "KIT"), ItemFormat::Composite),
            simple("c1", "C1"),
            with_format(simple("parent", "TEE"), ItemFormat::Variable),
            simple("tee-s", "TEE-S"),
        ];
        let mut composites = CompositeComponents::new();
        composites.push(
            item_id("kit"),
            ComponentLine::new(item_id("c1"), Some(Decimal::TWO)),
        );
        let mut families = VariableFamilies::new();
        families.insert(item_id("parent"), item_id("tee-s"));
        let listings = vec![
            listing("l1", "tee-s", Some("gid://shopify/ProductVariant/5")),
            listing("l2", "parent", Some("gid://shopify/Product/9")),
            listing("l3", "missing-item", None),
        ];
        let copied = SkuIndex::build(
            StoklyCatalogue::new(&items)
                .with_composites(&composites)
                .with_variable_families(&families)
                .with_shopify_listings(&listings),
            &[],
        );
        let owned = SkuIndex::build_owned(
            OwnedStoklyCatalogue::new(items)
                .with_composites(composites)
                .with_variable_families(families)
                .with_shopify_listings(listings),
            Vec::new(),
        );
        for index in [copied, owned] {
            assert_attached(&index);
        }
    }

    fn assert_attached(index: &SkuIndex) {
        assert_eq!(
            index.components(&item_id("kit")),
            Some(&[ComponentLine::new(item_id("c1"), Some(Decimal::TWO))][..])
        );
        assert_eq!(
            index.variable_parent(&item_id("tee-s")),
            Some(&item_id("parent"))
        );
        let tee = index.stokly_item(&item_id("tee-s")).unwrap();
        assert_eq!(
            tee.shopify_listings[0].target,
            ListingTarget::Variant(variant_id(5))
        );
        let parent = index.stokly_item(&item_id("parent")).unwrap();
        assert!(parent.is_variable_parent());
        assert_eq!(
            parent.shopify_listings[0].target,
            ListingTarget::Product(product_id(9))
        );
        assert_eq!(index.orphan_listings().len(), 1);
    }
}
