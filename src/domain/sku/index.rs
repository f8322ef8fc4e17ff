//! The SKU index: both catalogues keyed by exact SKU, plus the near-miss key.

use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};
use std::slice;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

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
        let mut barcodes: Vec<String> = Vec::new();
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

    /// The SKU when it is not blank (see [`is_blank_sku`]).
    #[must_use]
    pub fn usable_sku(&self) -> Option<&str> {
        self.sku.as_deref().filter(|s| !is_blank_sku(s))
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

    /// The SKU when it is not blank (see [`is_blank_sku`]).
    #[must_use]
    pub fn usable_sku(&self) -> Option<&str> {
        self.sku.as_deref().filter(|s| !is_blank_sku(s))
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

/// [`add_hit`], remembering in `shared` each key that now has a second position.
fn add_shared_hit(map: &mut ByHash, shared: &mut Vec<u64>, key: u64, position: usize) {
    add_hit(map, key, position);
    if map.get(&key).is_some_and(|hits| hits.as_slice().len() == 2) {
        shared.push(key);
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
    /// The SKU is blank ([`is_blank_sku`]): it never matches anything.
    Blank,
    /// No item has it.
    NotFound,
}

/// A hasher for keys that are already hashes: it passes the `u64` through.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(byte);
        }
    }

    fn write_u64(&mut self, hash: u64) {
        self.0 = hash;
    }
}

/// Positions keyed by the hash of a string (a SKU or an ID). The strings themselves stay in
/// the entries: a look-up compares them, so two strings with the same hash never match.
type ByHash = HashMap<u64, Hits, BuildHasherDefault<Prehashed>>;

/// Stokly items and Shopify variants keyed by exact SKU.
///
/// Matching is exact and case-sensitive: a Shopify variant's `sku` matches a Stokly item's
/// `sku` when the two strings are byte for byte equal. Blank SKUs ([`is_blank_sku`]) are
/// never keyed and never match. Nothing else ever matches: near-misses are found by
/// [`super::audit_catalogue`] and reported, never used. Building is O(n) in the number of
/// records; every look-up by SKU or ID is one hash-map probe. The maps hold positions keyed
/// by a per-index randomly seeded hash of the string, not copies of the strings.
#[derive(Debug, Clone)]
pub struct SkuIndex {
    stokly: Vec<StoklyEntry>,
    shopify: Vec<ShopifyEntry>,
    hasher: std::collections::hash_map::RandomState,
    stokly_by_sku: ByHash,
    shopify_by_sku: ByHash,
    /// Keys of `stokly_by_sku` / `shopify_by_sku` with several positions.
    stokly_shared: Vec<u64>,
    shopify_shared: Vec<u64>,
    stokly_by_id: ByHash,
    shopify_by_id: ByHash,
    composites: CompositeComponents,
    families: VariableFamilies,
    orphan_listings: Vec<Listing>,
}

impl SkuIndex {
    /// Indexes both catalogues. Listings that are deleted or unpublished from the channel
    /// (`listToChannel: false`) are ignored; listings of items not among `stokly`'s items
    /// are kept aside ([`SkuIndex::orphan_listings`]).
    #[must_use]
    pub fn build(stokly: StoklyCatalogue<'_>, shopify: &[ProductVariant]) -> Self {
        let hasher = std::collections::hash_map::RandomState::new();
        let hash = |text: &str| hasher.hash_one(text);
        let mut stokly_entries: Vec<StoklyEntry> =
            stokly.items.iter().map(StoklyEntry::from_item).collect();
        let mut stokly_by_id =
            ByHash::with_capacity_and_hasher(stokly_entries.len(), Default::default());
        let mut stokly_shared = Vec::new();
        let mut stokly_by_sku =
            ByHash::with_capacity_and_hasher(stokly_entries.len(), Default::default());
        for (position, entry) in stokly_entries.iter().enumerate() {
            add_hit(&mut stokly_by_id, hash(entry.id.as_str()), position);
            if let Some(sku) = entry.usable_sku() {
                add_shared_hit(&mut stokly_by_sku, &mut stokly_shared, hash(sku), position);
            }
        }
        let mut orphan_listings = Vec::new();
        for listing in stokly.shopify_listings {
            if listing.status == Some(ListingStatus::Deleted)
                || listing.list_to_channel == Some(false)
            {
                continue;
            }
            let position = listing.item_id.as_ref().and_then(|id| {
                stokly_by_id
                    .get(&hash(id.as_str()))
                    .map_or(&[][..], Hits::as_slice)
                    .iter()
                    .copied()
                    .find(|&p| stokly_entries.get(p).is_some_and(|e| &e.id == id))
            });
            match position.and_then(|p| stokly_entries.get_mut(p)) {
                Some(entry) => entry.shopify_listings.push(ShopifyListing {
                    listing_id: listing.listing_id.clone(),
                    target: ListingTarget::from_reference(listing.reference_id.as_deref()),
                    sku: listing.sku.clone(),
                    sale_price: listing.sale_price,
                    sale_currency: listing.sale_currency,
                }),
                None => orphan_listings.push(listing.clone()),
            }
        }

        let shopify_entries: Vec<ShopifyEntry> =
            shopify.iter().map(ShopifyEntry::from_variant).collect();
        let mut shopify_by_id =
            ByHash::with_capacity_and_hasher(shopify_entries.len(), Default::default());
        let mut shopify_shared = Vec::new();
        let mut shopify_by_sku =
            ByHash::with_capacity_and_hasher(shopify_entries.len(), Default::default());
        for (position, entry) in shopify_entries.iter().enumerate() {
            add_hit(&mut shopify_by_id, hash(entry.id.as_str()), position);
            if let Some(sku) = entry.usable_sku() {
                add_shared_hit(
                    &mut shopify_by_sku,
                    &mut shopify_shared,
                    hash(sku),
                    position,
                );
            }
        }

        Self {
            stokly: stokly_entries,
            shopify: shopify_entries,
            hasher,
            stokly_by_sku,
            shopify_by_sku,
            stokly_shared,
            shopify_shared,
            stokly_by_id,
            shopify_by_id,
            composites: stokly.composites.cloned().unwrap_or_default(),
            families: stokly.families.cloned().unwrap_or_default(),
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

    /// A Stokly item by ID.
    #[must_use]
    pub fn stokly_item(&self, id: &ItemId) -> Option<&StoklyEntry> {
        self.candidates(&self.stokly_by_id, id.as_str())
            .iter()
            .filter_map(|&p| self.stokly.get(p))
            .find(|e| &e.id == id)
    }

    /// A Shopify variant by ID.
    #[must_use]
    pub fn shopify_variant(&self, id: &ProductVariantId) -> Option<&ShopifyEntry> {
        self.candidates(&self.shopify_by_id, id.as_str())
            .iter()
            .filter_map(|&p| self.shopify.get(p))
            .find(|e| &e.id == id)
    }

    /// Every Stokly item (active or deleted) whose SKU is exactly `sku`.
    pub fn stokly_with_sku<'s>(&'s self, sku: &'s str) -> impl Iterator<Item = &'s StoklyEntry> {
        self.candidates(&self.stokly_by_sku, sku)
            .iter()
            .filter_map(|&p| self.stokly.get(p))
            .filter(move |e| e.sku.as_deref() == Some(sku))
    }

    /// Every Shopify variant whose SKU is exactly `sku`.
    pub fn shopify_with_sku<'s>(&'s self, sku: &'s str) -> impl Iterator<Item = &'s ShopifyEntry> {
        self.candidates(&self.shopify_by_sku, sku)
            .iter()
            .filter_map(|&p| self.shopify.get(p))
            .filter(move |e| e.sku.as_deref() == Some(sku))
    }

    /// Positions whose string hashes like `text` (callers compare the strings).
    fn candidates<'m>(&self, map: &'m ByHash, text: &str) -> &'m [usize] {
        map.get(&self.hasher.hash_one(text))
            .map_or(&[], Hits::as_slice)
    }

    /// What `sku` (a Shopify variant's SKU, say) matches in Stokly, exactly.
    #[must_use]
    pub fn match_stokly(&self, sku: Option<&str>) -> StoklyMatch<'_> {
        let Some(sku) = sku.filter(|s| !is_blank_sku(s)) else {
            return StoklyMatch::Blank;
        };
        if let [one] = self.candidates(&self.stokly_by_sku, sku) {
            return match self.stokly.get(*one) {
                Some(entry) if entry.sku.as_deref() != Some(sku) => StoklyMatch::NotFound,
                Some(entry) if entry.deleted => StoklyMatch::DeletedOnly(vec![entry]),
                Some(entry) => StoklyMatch::Unique(entry),
                None => StoklyMatch::NotFound,
            };
        }
        let (active, deleted): (Vec<&StoklyEntry>, Vec<&StoklyEntry>) = self
            .candidates(&self.stokly_by_sku, sku)
            .iter()
            .filter_map(|&p| self.stokly.get(p))
            .filter(|e| e.sku.as_deref() == Some(sku))
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

    /// SKUs held by several Stokly items (active or deleted), with their positions.
    pub(crate) fn shared_stokly_skus(&self) -> Vec<(&str, Vec<usize>)> {
        shared_skus(&self.stokly_by_sku, &self.stokly_shared, |p| {
            self.stokly.get(p).and_then(|e| e.sku.as_deref())
        })
    }

    /// SKUs held by several Shopify variants, with their positions.
    pub(crate) fn shared_shopify_skus(&self) -> Vec<(&str, Vec<usize>)> {
        shared_skus(&self.shopify_by_sku, &self.shopify_shared, |p| {
            self.shopify.get(p).and_then(|e| e.sku.as_deref())
        })
    }
}

/// Groups the multi-position keys of `map` by exact SKU, keeping groups of two or more.
fn shared_skus<'a>(
    map: &ByHash,
    keys: &[u64],
    sku_at: impl Fn(usize) -> Option<&'a str>,
) -> Vec<(&'a str, Vec<usize>)> {
    let mut shared = Vec::new();
    for hits in keys.iter().filter_map(|key| map.get(key)) {
        let Hits::Many(positions) = hits else {
            continue;
        };
        let mut groups: Vec<(&str, Vec<usize>)> = Vec::new();
        for &position in positions {
            let Some(sku) = sku_at(position) else {
                continue;
            };
            match groups.iter_mut().find(|(s, _)| *s == sku) {
                Some((_, group)) => group.push(position),
                None => groups.push((sku, vec![position])),
            }
        }
        shared.extend(groups.into_iter().filter(|(_, group)| group.len() > 1));
    }
    shared
}

/// Why two different SKUs are a near-miss.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NearMissReason {
    /// Zero-width characters, soft hyphens, byte-order marks, or non-breaking (or other
    /// unusual) spaces and control characters where an ordinary space or nothing was meant.
    HiddenCharacters,
    /// Spaces before or after the SKU.
    SurroundingWhitespace,
    /// Upper and lower case letters.
    LetterCase,
}

impl NearMissReason {
    /// How reports describe it.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::HiddenCharacters => "hidden characters",
            Self::SurroundingWhitespace => "surrounding spaces",
            Self::LetterCase => "letter case",
        }
    }
}

/// Characters removed outright before comparing near-misses: zero-width space, non-joiner
/// and joiner, directional marks and embeddings, word joiner and invisible operators,
/// Mongolian vowel separator, byte-order mark (zero-width no-break space) and soft hyphen.
fn is_zero_width(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}'
            | '\u{180E}' | '\u{FEFF}' | '\u{00AD}'
    )
}

/// Stage one: hidden characters dropped, every other whitespace or control character made an
/// ordinary space.
fn without_hidden(sku: &str) -> String {
    sku.chars()
        .filter(|&c| !is_zero_width(c))
        .map(|c| {
            if c.is_whitespace() || c.is_control() {
                ' '
            } else {
                c
            }
        })
        .collect()
}

fn fold_case(text: &str) -> String {
    if text.is_ascii() {
        text.to_ascii_lowercase()
    } else {
        // Upper then lower folds more pairs than lower alone (`ß`/`SS`, ligatures).
        text.to_uppercase().to_lowercase()
    }
}

/// The near-miss key of a SKU: hidden characters removed (or made spaces), surrounding
/// whitespace trimmed, letter case folded. Two different SKUs with the same key are a
/// near-miss. The key is only ever used to *suggest*; it never matches.
#[must_use]
pub fn near_miss_key(sku: &str) -> String {
    let mut key = String::new();
    near_miss_key_into(sku, &mut key);
    key
}

/// [`near_miss_key`] written into `key` (cleared first), so a loop can reuse one buffer.
pub(crate) fn near_miss_key_into(sku: &str, key: &mut String) {
    key.clear();
    if sku.bytes().all(|b| b.is_ascii_graphic()) {
        key.push_str(sku);
        key.make_ascii_lowercase();
    } else {
        key.push_str(&fold_case(without_hidden(sku).trim()));
    }
}

/// Whether a SKU is blank: nothing is left once hidden characters and whitespace are
/// removed. A blank SKU never matches anything, not even another blank SKU.
#[must_use]
pub fn is_blank_sku(sku: &str) -> bool {
    sku.chars()
        .all(|c| is_zero_width(c) || c.is_whitespace() || c.is_control())
}

/// The reasons two SKUs with the same [`near_miss_key`] differ, in [`NearMissReason`]
/// order. Empty when they are equal or not a near-miss.
#[must_use]
pub fn near_miss_reasons(a: &str, b: &str) -> Vec<NearMissReason> {
    if a == b || near_miss_key(a) != near_miss_key(b) {
        return Vec::new();
    }
    let (a1, b1) = (without_hidden(a), without_hidden(b));
    let mut reasons = Vec::new();
    if a1 != a || b1 != b {
        reasons.push(NearMissReason::HiddenCharacters);
    }
    let (a2, b2) = (a1.trim(), b1.trim());
    if a2 != a1 || b2 != b1 {
        reasons.push(NearMissReason::SurroundingWhitespace);
    }
    if a2 != b2 {
        reasons.push(NearMissReason::LetterCase);
    }
    reasons
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::sku::test_support::*;
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
        let index = SkuIndex::build(
            StoklyCatalogue::new(&items)
                .with_composites(&composites)
                .with_variable_families(&families)
                .with_shopify_listings(&listings),
            &[],
        );
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

    #[test]
    fn near_miss_keys_and_reasons() {
        assert_eq!(near_miss_key(" Abc-1\u{200B} "), "abc-1");
        assert_eq!(near_miss_key("AB\u{00A0}C"), near_miss_key("ab c"));
        assert_eq!(near_miss_key("STRASSE"), near_miss_key("straße"));
        assert_eq!(near_miss_reasons("ABC", "ABC"), vec![]);
        assert_eq!(near_miss_reasons("ABC", "ABD"), vec![]);
        assert_eq!(
            near_miss_reasons("ABC", "abc"),
            vec![NearMissReason::LetterCase]
        );
        assert_eq!(
            near_miss_reasons("ABC", " ABC"),
            vec![NearMissReason::SurroundingWhitespace]
        );
        assert_eq!(
            near_miss_reasons("ABC", "AB\u{200B}C"),
            vec![NearMissReason::HiddenCharacters]
        );
        for hidden in ['\u{200C}', '\u{200D}', '\u{FEFF}', '\u{00AD}'] {
            assert_eq!(
                near_miss_reasons("AB", &format!("A{hidden}B")),
                vec![NearMissReason::HiddenCharacters]
            );
        }
        assert_eq!(
            near_miss_reasons("abc\u{00A0}", "ABC"),
            vec![
                NearMissReason::HiddenCharacters,
                NearMissReason::SurroundingWhitespace,
                NearMissReason::LetterCase
            ]
        );
        assert!(is_blank_sku(""));
        assert!(is_blank_sku(" \t\u{200B}\u{FEFF}\u{00A0}"));
        assert!(!is_blank_sku(" a "));
    }
}
