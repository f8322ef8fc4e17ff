//! The catalogue audit: every way the two catalogues disagree on SKUs, typed, owned and
//! explained, with a readiness verdict for order posting.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::hash::BuildHasherDefault;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::index::{
    BarcodeKey, ChainIter, Hits, ListingTarget, NONE, ShopifyEntry, SkuIndex, Spread, StoklyEntry,
    StoklyMatch, add_hit, heads_with_capacity,
};
use super::kind::{FindingKind, SeverityRule};
use super::sku::{NearMissReason, Sku, near_miss_key, near_miss_key_into, near_miss_reasons};
use crate::domain::exception::{
    DomainException, ExceptionRecord, Flow, Owner, RecordRef, Severity, printable,
};
use crate::shopify::{ProductId, ProductVariantId};
use crate::stokly::{ItemId, ListingId};

/// A Shopify variant as a finding names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ShopifyVariantRef {
    /// The variant.
    pub id: ProductVariantId,
    /// Its SKU exactly as Shopify holds it.
    pub sku: Option<String>,
    /// Its product.
    pub product_id: ProductId,
    /// The product's title.
    pub product_title: String,
    /// The product's status as Shopify spells it (`ACTIVE`, `DRAFT`...).
    pub product_status: String,
    /// Whether customers can order it ([`ShopifyEntry::is_orderable`]).
    pub orderable: bool,
}

impl ShopifyVariantRef {
    /// The reference for an indexed variant.
    #[must_use]
    pub fn of(entry: &ShopifyEntry) -> Self {
        Self {
            id: entry.id.clone(),
            sku: entry.sku.clone(),
            product_id: entry.product_id.clone(),
            product_title: entry.product_title.clone(),
            product_status: entry.product_status.as_str().to_owned(),
            orderable: entry.is_orderable(),
        }
    }

    fn record(&self) -> RecordRef {
        RecordRef::ShopifyVariant {
            id: self.id.clone(),
            sku: self.sku.clone(),
        }
    }

    fn describe(&self) -> String {
        format!(
            "variant {} of \"{}\" [{}]",
            self.id.numeric_id(),
            printable(&self.product_title),
            self.product_status
        )
    }
}

/// A Stokly item as a finding names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StoklyItemRef {
    /// The item.
    pub id: ItemId,
    /// Its SKU exactly as Stokly holds it.
    pub sku: Option<String>,
    /// Its name.
    pub name: Option<String>,
}

impl StoklyItemRef {
    /// The reference for an indexed item.
    #[must_use]
    pub fn of(entry: &StoklyEntry) -> Self {
        Self {
            id: entry.id.clone(),
            sku: entry.sku.clone(),
            name: entry.name.clone(),
        }
    }

    fn record(&self) -> RecordRef {
        RecordRef::StoklyItem {
            id: self.id.clone(),
            sku: self.sku.clone(),
        }
    }

    fn describe(&self) -> String {
        match &self.name {
            Some(name) => format!("item {} \"{}\"", self.id, printable(name)),
            None => format!("item {}", self.id),
        }
    }
}

/// A Stokly SKU that a Shopify SKU nearly equals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NearMissCandidate {
    /// The Stokly item.
    pub item: StoklyItemRef,
    /// How the two SKUs differ.
    pub reasons: Vec<NearMissReason>,
}

/// One component both systems agree on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BundleComponent {
    /// The component's SKU.
    pub sku: String,
    /// Units in one bundle.
    pub quantity: Decimal,
}

/// How a Shopify bundle's components differ from its Stokly composite's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "difference", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ComponentDifference {
    /// A component only the Shopify bundle has.
    OnlyInShopify {
        /// Its SKU.
        sku: String,
        /// Units in one bundle.
        quantity: Decimal,
    },
    /// A component only the Stokly composite has.
    OnlyInStokly {
        /// Its SKU.
        sku: String,
        /// Units in one composite (`None` when Stokly did not say).
        quantity: Option<Decimal>,
    },
    /// Both have the component, in different quantities.
    QuantityDiffers {
        /// Its SKU.
        sku: String,
        /// Units in the Shopify bundle.
        shopify: Decimal,
        /// Units in the Stokly composite (`None` when Stokly did not say).
        stokly: Option<Decimal>,
    },
    /// A Shopify component variant without a SKU.
    ShopifyComponentWithoutSku {
        /// The component variant.
        variant: ProductVariantId,
    },
    /// A Stokly component that is not among the audited items or has no SKU.
    StoklyComponentWithoutSku {
        /// The component item.
        item: ItemId,
    },
    /// The composite's components were not given to the audit (see
    /// [`super::StoklyCatalogue::with_composites`]).
    StoklyComponentsNotGiven,
}

impl ComponentDifference {
    fn describe(&self) -> String {
        match self {
            Self::OnlyInShopify { sku, quantity } => {
                format!("\"{}\" x{quantity} only in Shopify", printable(sku))
            }
            Self::OnlyInStokly { sku, quantity } => format!(
                "\"{}\" x{} only in Stokly",
                printable(sku),
                quantity.map_or_else(|| "?".to_owned(), |q| q.normalize().to_string())
            ),
            Self::QuantityDiffers {
                sku,
                shopify,
                stokly,
            } => format!(
                "\"{}\" x{shopify} in Shopify but x{} in Stokly",
                printable(sku),
                stokly.map_or_else(|| "?".to_owned(), |q| q.normalize().to_string())
            ),
            Self::ShopifyComponentWithoutSku { variant } => format!(
                "Shopify component variant {} has no SKU",
                variant.numeric_id()
            ),
            Self::StoklyComponentWithoutSku { item } => {
                format!("Stokly component item {item} is unknown or has no SKU")
            }
            Self::StoklyComponentsNotGiven => {
                "the Stokly composite's components were not read".to_owned()
            }
        }
    }
}

/// One way the catalogues disagree. One variant per kind; each names the records involved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum CatalogueFinding {
    /// Several Shopify variants carry one SKU: Stokly's stock for it would be offered on
    /// each of them.
    DuplicateShopifySku {
        /// The SKU.
        sku: String,
        /// The variants, in catalogue order.
        variants: Vec<ShopifyVariantRef>,
    },
    /// Several active Stokly items carry one SKU: an order for it cannot say which item.
    DuplicateStoklySku {
        /// The SKU.
        sku: String,
        /// The items, in catalogue order.
        items: Vec<StoklyItemRef>,
        /// Shopify variants selling that SKU (their orders cannot post).
        sold_as: Vec<ShopifyVariantRef>,
    },
    /// A Shopify variant without a usable SKU.
    BlankShopifySku {
        /// The variant.
        variant: ShopifyVariantRef,
    },
    /// An active Stokly item without a usable SKU.
    BlankStoklySku {
        /// The item.
        item: StoklyItemRef,
        /// Whether it is listed on the Shopify channel.
        listed_on_shopify: bool,
    },
    /// A Shopify SKU with no exact match but Stokly SKUs that nearly equal it. A suggestion
    /// only: it is never matched.
    SkuNearMiss {
        /// The Shopify variant.
        variant: ShopifyVariantRef,
        /// The nearly equal Stokly SKUs.
        candidates: Vec<NearMissCandidate>,
    },
    /// A Shopify SKU that no Stokly item has: orders for it will fail.
    ShopifySkuNotInStokly {
        /// The variant.
        variant: ShopifyVariantRef,
    },
    /// A Stokly item listed on the Shopify channel whose SKU no Shopify variant has.
    StoklyItemNotInShopify {
        /// The item.
        item: StoklyItemRef,
        /// Its Shopify-channel listing.
        listing: ListingId,
    },
    /// A matched SKU whose Shopify inventory item is not tracked: pushed stock is ignored.
    UntrackedInventory {
        /// The Shopify variant.
        variant: ShopifyVariantRef,
        /// The Stokly item it sells.
        item: StoklyItemRef,
    },
    /// A Shopify bundle whose components equal its Stokly composite's.
    BundleComponentsMatch {
        /// The bundle parent variant.
        variant: ShopifyVariantRef,
        /// The Stokly composite.
        item: StoklyItemRef,
        /// The components, by SKU.
        components: Vec<BundleComponent>,
    },
    /// A Shopify bundle whose components differ from its Stokly composite's.
    BundleComponentsDiffer {
        /// The bundle parent variant.
        variant: ShopifyVariantRef,
        /// The Stokly composite.
        item: StoklyItemRef,
        /// The differences, by SKU.
        differences: Vec<ComponentDifference>,
    },
    /// A Shopify bundle parent whose Stokly item is not a composite.
    ShopifyBundleNotComposite {
        /// The bundle parent variant.
        variant: ShopifyVariantRef,
        /// The Stokly item (simple or manufactured).
        item: StoklyItemRef,
    },
    /// A Stokly composite sold as an ordinary (non-bundle) Shopify variant.
    StoklyCompositeNotBundle {
        /// The variant.
        variant: ShopifyVariantRef,
        /// The Stokly composite.
        item: StoklyItemRef,
    },
    /// A Shopify SKU whose only Stokly items are deleted.
    DeletedItemStillSold {
        /// The variant.
        variant: ShopifyVariantRef,
        /// The deleted items.
        items: Vec<StoklyItemRef>,
    },
    /// One barcode on records with different SKUs.
    BarcodeCollision {
        /// The barcode.
        barcode: String,
        /// Shopify variants with it.
        variants: Vec<ShopifyVariantRef>,
        /// Active Stokly items with it.
        items: Vec<StoklyItemRef>,
    },
    /// A Shopify SKU that matches a Stokly variable parent, which holds no stock.
    VariableParentSold {
        /// The variant.
        variant: ShopifyVariantRef,
        /// The variable parent.
        item: StoklyItemRef,
    },
    /// A Stokly listing links an item to a Shopify variant that carries another SKU (a SKU
    /// changed on one side only).
    ListingLinkDiverged {
        /// The listing.
        listing: ListingId,
        /// The Stokly item.
        item: StoklyItemRef,
        /// The Shopify variant the listing points at.
        variant: ShopifyVariantRef,
    },
}

fn quoted(sku: Option<&str>) -> String {
    sku.map_or_else(|| "(none)".to_owned(), |s| format!("\"{}\"", printable(s)))
}

fn list<T>(values: &[T], show: impl Fn(&T) -> String) -> String {
    values.iter().map(show).collect::<Vec<_>>().join(", ")
}

fn blocking_if(orderable: bool) -> Severity {
    if orderable {
        Severity::Blocking
    } else {
        Severity::Warning
    }
}

/// What the kind table needs of one finding: its kind, its SKU, and the facts its severity
/// rule reads.
struct Facts<'a> {
    kind: FindingKind,
    sku: Option<&'a str>,
    /// The Shopify variants whose orders the finding stops, orderable or not.
    stops: &'a [ShopifyVariantRef],
    /// Whether the record is listed on the Shopify channel.
    listed: bool,
}

impl<'a> Facts<'a> {
    fn new(kind: FindingKind, sku: Option<&'a str>) -> Self {
        Self {
            kind,
            sku,
            stops: &[],
            listed: false,
        }
    }

    /// A finding about `variant` and its SKU.
    fn of_variant(kind: FindingKind, variant: &'a ShopifyVariantRef) -> Self {
        Self::new(kind, variant.sku.as_deref())
    }

    /// A finding about `variant` that stops its orders.
    fn stopping(kind: FindingKind, variant: &'a ShopifyVariantRef) -> Self {
        Self {
            stops: std::slice::from_ref(variant),
            ..Self::of_variant(kind, variant)
        }
    }

    fn severity(&self) -> Severity {
        match self.kind.row().severity {
            SeverityRule::Always(severity) => severity,
            SeverityRule::BlockingIfOrderable => {
                blocking_if(self.stops.iter().any(|v| v.orderable))
            }
            SeverityRule::WarningIfListed => {
                if self.listed {
                    Severity::Warning
                } else {
                    Severity::Info
                }
            }
        }
    }
}

/// What a finding says to people.
struct Wording {
    reason: String,
    fix_hint: String,
}

impl CatalogueFinding {
    /// The kind of finding; its code, title, owner and severity rule are in
    /// [`FindingKind::row`].
    #[must_use]
    pub fn kind(&self) -> FindingKind {
        self.facts().kind
    }

    /// The SKU (or barcode) the finding is about, as reports sort and show it.
    #[must_use]
    pub fn sku(&self) -> Option<&str> {
        self.facts().sku
    }

    /// The orderable Shopify variants whose orders cannot post because of this finding
    /// (empty unless the finding is [`Severity::Blocking`]).
    #[must_use]
    pub fn blocked_variants(&self) -> Vec<&ShopifyVariantRef> {
        self.facts().stops.iter().filter(|v| v.orderable).collect()
    }

    /// A short title for the kind, as reports head their sections.
    #[must_use]
    pub fn title(&self) -> &'static str {
        self.kind().title()
    }

    /// The one place each variant is mapped to its kind and its facts.
    fn facts(&self) -> Facts<'_> {
        use FindingKind as Kind;
        match self {
            Self::DuplicateShopifySku { sku, .. } => {
                Facts::new(Kind::DuplicateShopifySku, Some(sku))
            }
            Self::DuplicateStoklySku { sku, sold_as, .. } => Facts {
                stops: sold_as,
                ..Facts::new(Kind::DuplicateStoklySku, Some(sku))
            },
            Self::BlankShopifySku { variant } => Facts::stopping(Kind::BlankShopifySku, variant),
            Self::BlankStoklySku {
                item,
                listed_on_shopify,
            } => Facts {
                listed: *listed_on_shopify,
                ..Facts::new(Kind::BlankStoklySku, item.sku.as_deref())
            },
            Self::SkuNearMiss { variant, .. } => Facts::stopping(Kind::SkuNearMiss, variant),
            Self::ShopifySkuNotInStokly { variant } => {
                Facts::stopping(Kind::ShopifySkuNotInStokly, variant)
            }
            Self::StoklyItemNotInShopify { item, .. } => {
                Facts::new(Kind::StoklyItemNotInShopify, item.sku.as_deref())
            }
            Self::UntrackedInventory { variant, .. } => {
                Facts::of_variant(Kind::UntrackedInventory, variant)
            }
            Self::BundleComponentsMatch { variant, .. } => {
                Facts::of_variant(Kind::BundleComponentsMatch, variant)
            }
            Self::BundleComponentsDiffer { variant, .. } => {
                Facts::of_variant(Kind::BundleComponentsDiffer, variant)
            }
            Self::ShopifyBundleNotComposite { variant, .. } => {
                Facts::of_variant(Kind::ShopifyBundleNotComposite, variant)
            }
            Self::StoklyCompositeNotBundle { variant, .. } => {
                Facts::of_variant(Kind::StoklyCompositeNotBundle, variant)
            }
            Self::DeletedItemStillSold { variant, .. } => {
                Facts::stopping(Kind::DeletedItemStillSold, variant)
            }
            Self::BarcodeCollision { barcode, .. } => {
                Facts::new(Kind::BarcodeCollision, Some(barcode))
            }
            Self::VariableParentSold { variant, .. } => {
                Facts::stopping(Kind::VariableParentSold, variant)
            }
            Self::ListingLinkDiverged { item, variant, .. } => Facts {
                sku: item.sku.as_deref(),
                ..Facts::stopping(Kind::ListingLinkDiverged, variant)
            },
        }
    }

    /// The records involved, as [`DomainException::subject`] names them.
    fn records(&self) -> Vec<RecordRef> {
        match self {
            Self::DuplicateShopifySku { variants, .. } => {
                variants.iter().map(ShopifyVariantRef::record).collect()
            }
            Self::DuplicateStoklySku { items, sold_as, .. } => items
                .iter()
                .map(StoklyItemRef::record)
                .chain(sold_as.iter().map(ShopifyVariantRef::record))
                .collect(),
            Self::BlankShopifySku { variant } | Self::ShopifySkuNotInStokly { variant } => {
                vec![variant.record()]
            }
            Self::BlankStoklySku { item, .. } => vec![item.record()],
            Self::SkuNearMiss {
                variant,
                candidates,
            } => std::iter::once(variant.record())
                .chain(candidates.iter().map(|c| c.item.record()))
                .collect(),
            Self::StoklyItemNotInShopify { item, listing } => vec![
                item.record(),
                RecordRef::StoklyListing {
                    id: listing.clone(),
                },
            ],
            Self::UntrackedInventory { variant, item }
            | Self::BundleComponentsMatch { variant, item, .. }
            | Self::BundleComponentsDiffer { variant, item, .. }
            | Self::ShopifyBundleNotComposite { variant, item }
            | Self::StoklyCompositeNotBundle { variant, item }
            | Self::VariableParentSold { variant, item } => vec![variant.record(), item.record()],
            Self::DeletedItemStillSold { variant, items } => std::iter::once(variant.record())
                .chain(items.iter().map(StoklyItemRef::record))
                .collect(),
            Self::BarcodeCollision {
                barcode,
                variants,
                items,
            } => std::iter::once(RecordRef::Barcode {
                barcode: barcode.clone(),
            })
            .chain(variants.iter().map(ShopifyVariantRef::record))
            .chain(items.iter().map(StoklyItemRef::record))
            .collect(),
            Self::ListingLinkDiverged {
                listing,
                item,
                variant,
            } => vec![
                RecordRef::StoklyListing {
                    id: listing.clone(),
                },
                item.record(),
                variant.record(),
            ],
        }
    }

    /// What the finding says to people: why it matters and how to fix it, side by side.
    fn wording(&self) -> Wording {
        match self {
            Self::DuplicateShopifySku { sku, variants } => Wording {
                reason: format!(
                    "SKU {} is on {} Shopify variants ({}). Stokly's stock for it is pushed to each \
                 of them, so the same units can be sold more than once.",
                    quoted(Some(sku)),
                    variants.len(),
                    list(variants, ShopifyVariantRef::describe)
                ),
                fix_hint: format!(
                    "In Shopify, keep SKU {} on the one variant that sells that Stokly item and give \
                 the other variants the SKUs of the Stokly items they sell.",
                    quoted(Some(sku))
                ),
            },
            Self::DuplicateStoklySku {
                sku,
                items,
                sold_as,
            } => Wording {
                reason: {
                    let sold = if sold_as.is_empty() {
                        "No Shopify variant sells it yet.".to_owned()
                    } else {
                        format!(
                            "Orders for Shopify {} cannot say which item to take.",
                            list(sold_as, ShopifyVariantRef::describe)
                        )
                    };
                    format!(
                        "SKU {} belongs to {} active Stokly items ({}). {sold}",
                        quoted(Some(sku)),
                        items.len(),
                        list(items, StoklyItemRef::describe)
                    )
                },
                fix_hint: format!(
                    "In Stokly, give each of these items its own SKU (or delete the duplicates) so \
                 that {} names exactly one item.",
                    quoted(Some(sku))
                ),
            },
            Self::BlankShopifySku { variant } => Wording {
                reason: format!(
                    "Shopify {} has no SKU{}, so its orders cannot be matched to a Stokly item.",
                    variant.describe(),
                    match variant.sku.as_deref() {
                        Some(raw) if !raw.is_empty() => format!(
                            " (only spaces or hidden characters: \"{}\")",
                            printable(raw)
                        ),
                        _ => String::new(),
                    }
                ),
                fix_hint: "In Shopify, set this variant's SKU to the SKU of \
                the Stokly item it sells, exactly as Stokly spells it."
                    .to_owned(),
            },
            Self::BlankStoklySku {
                item,
                listed_on_shopify,
            } => Wording {
                reason: format!(
                    "Stokly {} has no SKU, so it can never match a Shopify variant{}.",
                    item.describe(),
                    if *listed_on_shopify {
                        ", although it is listed on the Shopify channel"
                    } else {
                        ""
                    }
                ),
                fix_hint: {
                    "In Stokly, give the item a SKU (or delete it if it is not used).".to_owned()
                },
            },
            Self::SkuNearMiss {
                variant,
                candidates,
            } => Wording {
                reason: format!(
                    "Shopify SKU {} ({}) matches no Stokly SKU exactly, but {} nearly equal{}. \
                 Near matches are never used, so its orders will fail.",
                    quoted(variant.sku.as_deref()),
                    variant.describe(),
                    list(candidates, |c| format!(
                        "{} (Stokly {}, differs by {})",
                        quoted(c.item.sku.as_deref()),
                        c.item.describe(),
                        c.reasons
                            .iter()
                            .map(|r| r.label())
                            .collect::<Vec<_>>()
                            .join(" and ")
                    )),
                    if candidates.len() == 1 { "s it" } else { " it" }
                ),
                fix_hint: match candidates.as_slice() {
                    [only] => format!(
                        "In Shopify, change the variant's SKU to {} exactly as Stokly holds it.",
                        quoted(only.item.sku.as_deref())
                    ),
                    _ => format!(
                        "In Shopify, change the variant's SKU to the Stokly SKU of the item it \
                     sells, exactly as Stokly holds it: one of {}.",
                        list(candidates, |c| quoted(c.item.sku.as_deref()))
                    ),
                },
            },
            Self::ShopifySkuNotInStokly { variant } => Wording {
                reason: format!(
                    "Shopify SKU {} ({}) matches no Stokly item, so its orders will fail to post.",
                    quoted(variant.sku.as_deref()),
                    variant.describe()
                ),
                fix_hint: format!(
                    "Correct the SKU in Shopify to the SKU of an existing Stokly item, or have \
                 operations create the item in Stokly with SKU {}; if it is no longer sold, \
                 archive the Shopify product.",
                    quoted(variant.sku.as_deref())
                ),
            },
            Self::StoklyItemNotInShopify { item, listing } => Wording {
                reason: format!(
                    "Stokly {} (SKU {}) is listed on the Shopify channel (listing {listing}), but no \
                 Shopify variant has that SKU, so it cannot be sold there.",
                    item.describe(),
                    quoted(item.sku.as_deref())
                ),
                fix_hint: format!(
                    "Publish the listing from Stokly, or add a variant with SKU {} to the right \
                 Shopify product (the product push plan creates it when the product is known); \
                 if it should not be sold on Shopify, remove the listing.",
                    quoted(item.sku.as_deref())
                ),
            },
            Self::UntrackedInventory { variant, item } => Wording {
                reason: format!(
                    "Shopify does not track inventory for {} (SKU {}, Stokly {}), so the stock \
                 Stokly pushes is ignored and Shopify sells it without limit.",
                    variant.describe(),
                    quoted(variant.sku.as_deref()),
                    item.describe()
                ),
                fix_hint: "In Shopify, turn on \"Track quantity\" for this \
                variant (the product push plan sets it)."
                    .to_owned(),
            },
            Self::BundleComponentsMatch {
                variant,
                item,
                components,
            } => Wording {
                reason: format!(
                    "Shopify bundle {} and Stokly composite {} have the same components: {}.",
                    quoted(variant.sku.as_deref()),
                    item.describe(),
                    list(components, |c| format!(
                        "{} x{}",
                        quoted(Some(&c.sku)),
                        c.quantity.normalize()
                    ))
                ),
                fix_hint: "Nothing to change. Stock is never pushed to \
                the bundle parent: Shopify derives it from the components."
                    .to_owned(),
            },
            Self::BundleComponentsDiffer {
                variant,
                item,
                differences,
            } => Wording {
                reason: format!(
                    "Shopify bundle {} ({}) and Stokly composite {} differ: {}. Stock taken for \
                 its orders will not agree between the systems.",
                    quoted(variant.sku.as_deref()),
                    variant.describe(),
                    item.describe(),
                    list(differences, ComponentDifference::describe)
                ),
                fix_hint: "In Shopify, edit the bundle so that its \
                components and quantities equal the Stokly composite's (Stokly is the master)."
                    .to_owned(),
            },
            Self::ShopifyBundleNotComposite { variant, item } => Wording {
                reason: format!(
                    "Shopify builds {} ({}) from components, but Stokly {} is a stocked item, not a \
                 composite: Shopify counts the components' stock while Stokly takes the item's.",
                    quoted(variant.sku.as_deref()),
                    variant.describe(),
                    item.describe()
                ),
                fix_hint: "Decide which is right: make the Stokly \
                item a composite with the same components, or remove the components from the \
                Shopify variant so it is sold as a stocked item."
                    .to_owned(),
            },
            Self::StoklyCompositeNotBundle { variant, item } => Wording {
                reason: format!(
                    "Stokly {} (SKU {}) is a composite; Shopify sells it as the ordinary {}. Stokly \
                 takes the components' stock on each order.",
                    item.describe(),
                    quoted(item.sku.as_deref()),
                    variant.describe()
                ),
                fix_hint: "Nothing to change if this is intended; \
                Shopify availability for it must come from its components' stock. To let \
                Shopify derive it, make the variant a bundle with the same components."
                    .to_owned(),
            },
            Self::DeletedItemStillSold { variant, items } => Wording {
                reason: format!(
                    "Shopify {} sells SKU {}, but the only Stokly items with it are deleted ({}), so \
                 its orders will fail.",
                    variant.describe(),
                    quoted(variant.sku.as_deref()),
                    list(items, StoklyItemRef::describe)
                ),
                fix_hint: "Archive the product or remove the variant in \
                Shopify, or restore the Stokly item if it is still sold."
                    .to_owned(),
            },
            Self::BarcodeCollision {
                barcode,
                variants,
                items,
            } => Wording {
                reason: {
                    let mut holders: Vec<String> = variants
                        .iter()
                        .map(|v| {
                            format!(
                                "Shopify {} (SKU {})",
                                v.describe(),
                                quoted(v.sku.as_deref())
                            )
                        })
                        .collect();
                    holders.extend(items.iter().map(|i| {
                        format!("Stokly {} (SKU {})", i.describe(), quoted(i.sku.as_deref()))
                    }));
                    format!(
                        "Barcode {} is on records with different SKUs: {}. A scan or a match on it \
                     can pick the wrong item.",
                        quoted(Some(barcode)),
                        holders.join(", ")
                    )
                },
                fix_hint: "In Stokly, give each item its own barcode, then \
                correct the Shopify variants (the product push plan copies barcodes from \
                Stokly)."
                    .to_owned(),
            },
            Self::VariableParentSold { variant, item } => Wording {
                reason: format!(
                    "Shopify SKU {} ({}) is the SKU of Stokly variable parent {}, which holds no \
                 stock of its own; its orders cannot be fulfilled from it.",
                    quoted(variant.sku.as_deref()),
                    variant.describe(),
                    item.describe()
                ),
                fix_hint: "In Shopify, set the variant's SKU to the SKU of \
                the Stokly variant item it sells (one of the parent's variants)."
                    .to_owned(),
            },
            Self::ListingLinkDiverged {
                listing,
                item,
                variant,
            } => Wording {
                reason: format!(
                    "Stokly listing {listing} links {} (SKU {}) to Shopify {}, whose SKU is {}. The \
                 SKU was changed on one side only; orders match on the Shopify SKU.",
                    item.describe(),
                    quoted(item.sku.as_deref()),
                    variant.describe(),
                    quoted(variant.sku.as_deref())
                ),
                fix_hint: format!(
                    "Set the Shopify variant's SKU to {} as Stokly holds it (the product push plan \
                 does this), or link the listing to the right variant in Stokly.",
                    quoted(item.sku.as_deref())
                ),
            },
        }
    }
}

impl DomainException for CatalogueFinding {
    fn flow(&self) -> Flow {
        Flow::Catalogue
    }

    fn code(&self) -> &'static str {
        self.kind().code()
    }

    fn owner(&self) -> Owner {
        self.kind().owner()
    }

    fn severity(&self) -> Severity {
        self.facts().severity()
    }

    fn subject(&self) -> Vec<RecordRef> {
        self.records()
    }

    fn reason(&self) -> String {
        self.wording().reason
    }

    fn fix_hint(&self) -> String {
        self.wording().fix_hint
    }
}

/// Whether orders can post.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Readiness {
    /// Every orderable Shopify variant matches exactly one stock-holding Stokly item.
    OrdersCanPost,
    /// Orders for some orderable Shopify variants will fail to post.
    OrdersBlocked {
        /// Distinct SKUs affected (each variant without a SKU counts as one).
        skus: usize,
        /// Variants affected.
        variants: usize,
    },
}

impl Readiness {
    /// One sentence for a report.
    #[must_use]
    pub fn sentence(&self) -> String {
        match self {
            Self::OrdersCanPost => "Orders can post: every orderable Shopify variant matches \
                exactly one Stokly item."
                .to_owned(),
            Self::OrdersBlocked { skus, variants } => format!(
                "Orders cannot post for {skus} SKU{} ({variants} Shopify variant{}).",
                if *skus == 1 { "" } else { "s" },
                if *variants == 1 { "" } else { "s" }
            ),
        }
    }
}

/// The audit's counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AuditSummary {
    /// Stokly items read (deleted included).
    pub stokly_items: usize,
    /// Stokly items not deleted.
    pub stokly_active_items: usize,
    /// Active Stokly items listed on the Shopify channel.
    pub stokly_listed_on_shopify: usize,
    /// Shopify variants read.
    pub shopify_variants: usize,
    /// Distinct Shopify products among them.
    pub shopify_products: usize,
    /// Shopify variants whose SKU matches exactly one active, stock-holding Stokly item.
    pub matched_variants: usize,
    /// Blocking findings.
    pub blocking: usize,
    /// Warnings.
    pub warnings: usize,
    /// Informational findings.
    pub info: usize,
    /// Findings per kind ([`DomainException::code`]).
    pub by_kind: BTreeMap<String, usize>,
    /// The verdict.
    pub readiness: Readiness,
}

/// The audit: findings sorted by impact (severity, then SKU as reports print it, then kind
/// and records), and the summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CatalogueAudit {
    /// The findings, worst first, then by SKU, kind and records.
    pub findings: Vec<CatalogueFinding>,
    /// Counts and the verdict.
    pub summary: AuditSummary,
}

impl CatalogueAudit {
    /// The readiness verdict.
    #[must_use]
    pub fn readiness(&self) -> Readiness {
        self.summary.readiness
    }

    /// Every finding as a plain exception record, in the same order.
    #[must_use]
    pub fn records(&self) -> Vec<ExceptionRecord> {
        self.findings
            .iter()
            .map(DomainException::to_record)
            .collect()
    }

    /// The findings of one kind ([`DomainException::code`]).
    pub fn of_kind<'a>(&'a self, code: &'a str) -> impl Iterator<Item = &'a CatalogueFinding> {
        self.findings.iter().filter(move |f| f.code() == code)
    }
}

/// Audits the catalogues in `index`: every finding kind of [`CatalogueFinding`], sorted by
/// impact then SKU, with counts and a readiness verdict. Runs in time linear in the number
/// of records.
///
/// Each Shopify variant without an exact match gets exactly one of: a
/// [`CatalogueFinding::ListingLinkDiverged`] (a Stokly listing names it), a
/// [`CatalogueFinding::SkuNearMiss`] (a Stokly SKU nearly equals it), or a
/// [`CatalogueFinding::ShopifySkuNotInStokly`]. A listed Stokly item already named as a
/// near-miss candidate or by a diverged link is not reported again as missing in Shopify.
#[must_use]
pub fn audit_catalogue(index: &SkuIndex) -> CatalogueAudit {
    let stokly = index.stokly_items();
    let shopify = index.shopify_variants();
    let stokly_skus = index.stokly_sku_numbers();
    let shopify_skus = index.shopify_sku_numbers();
    let mut findings = Vec::new();

    // Duplicates on each side.
    for &number in index.shared_shopify_skus() {
        let Some(sku) = index.sku_of_number(number) else {
            continue;
        };
        findings.push(CatalogueFinding::DuplicateShopifySku {
            sku: sku.to_owned(),
            variants: index
                .shopify_positions(number)
                .filter_map(|p| shopify.get(p))
                .map(ShopifyVariantRef::of)
                .collect(),
        });
    }
    for &number in index.shared_stokly_skus() {
        let active: Vec<&StoklyEntry> = index
            .stokly_positions(number)
            .filter_map(|p| stokly.get(p))
            .filter(|e| !e.deleted)
            .collect();
        if active.len() > 1 {
            let Some(sku) = index.sku_of_number(number) else {
                continue;
            };
            findings.push(CatalogueFinding::DuplicateStoklySku {
                sku: sku.to_owned(),
                items: active.into_iter().map(StoklyItemRef::of).collect(),
                sold_as: index
                    .shopify_positions(number)
                    .filter_map(|p| shopify.get(p))
                    .map(ShopifyVariantRef::of)
                    .collect(),
            });
        }
    }

    // Stokly items: blanks and diverged links.
    let mut diverged: HashSet<&ProductVariantId> = HashSet::new();
    let mut reported_items: HashSet<&ItemId> = HashSet::new();
    for (entry, &number) in stokly.iter().zip(stokly_skus) {
        if entry.deleted {
            continue;
        }
        if number == NONE {
            findings.push(CatalogueFinding::BlankStoklySku {
                item: StoklyItemRef::of(entry),
                listed_on_shopify: entry.is_listed_on_shopify(),
            });
            continue;
        }
        for listing in &entry.shopify_listings {
            let ListingTarget::Variant(variant_id) = &listing.target else {
                continue;
            };
            let Some(position) = index.shopify_variant_position(variant_id) else {
                continue;
            };
            let (Some(variant), Some(&variant_number)) =
                (shopify.get(position), shopify_skus.get(position))
            else {
                continue;
            };
            // Equal numbers are equal (usable) SKUs.
            if variant_number != number {
                diverged.insert(&variant.id);
                reported_items.insert(&entry.id);
                findings.push(CatalogueFinding::ListingLinkDiverged {
                    listing: listing.listing_id.clone(),
                    item: StoklyItemRef::of(entry),
                    variant: ShopifyVariantRef::of(variant),
                });
            }
        }
    }

    // Shopify variants, one by one; those without any match are kept for the near-miss search.
    let mut matched_variants = 0;
    let mut unmatched: Vec<&ShopifyEntry> = Vec::new();
    for (variant, &number) in shopify.iter().zip(shopify_skus) {
        // The usual case, from compact data: one active stock item, an ordinary tracked
        // variant, nothing to report.
        if let Some(group) = index.sku_group(number) {
            if group.stokly.len == 1
                && index.is_plain_stock(group.stokly.first as usize)
                && !variant.requires_components
                && variant.tracked
            {
                matched_variants += 1;
                continue;
            }
        }
        match index.match_number(number) {
            // A diverged link already says which SKU the variant should carry.
            StoklyMatch::Blank | StoklyMatch::NotFound if diverged.contains(&variant.id) => {}
            StoklyMatch::Blank => findings.push(CatalogueFinding::BlankShopifySku {
                variant: ShopifyVariantRef::of(variant),
            }),
            StoklyMatch::Unique(item) if item.is_variable_parent() => {
                findings.push(CatalogueFinding::VariableParentSold {
                    variant: ShopifyVariantRef::of(variant),
                    item: StoklyItemRef::of(item),
                });
            }
            StoklyMatch::Unique(item) => {
                matched_variants += 1;
                audit_match(index, variant, item, &mut findings);
            }
            // Reported once per SKU as a Stokly duplicate, with this variant in `sold_as`.
            StoklyMatch::Ambiguous(_) => {}
            StoklyMatch::DeletedOnly(items) => {
                findings.push(CatalogueFinding::DeletedItemStillSold {
                    variant: ShopifyVariantRef::of(variant),
                    items: items.into_iter().map(StoklyItemRef::of).collect(),
                });
            }
            StoklyMatch::NotFound => unmatched.push(variant),
        }
    }
    for (variant, candidates) in near_misses(index, &unmatched) {
        if candidates.is_empty() {
            findings.push(CatalogueFinding::ShopifySkuNotInStokly {
                variant: ShopifyVariantRef::of(variant),
            });
        } else {
            reported_items.extend(candidates.iter().map(|c| &c.0.id));
            findings.push(CatalogueFinding::SkuNearMiss {
                variant: ShopifyVariantRef::of(variant),
                candidates: candidates
                    .into_iter()
                    .map(|(item, reasons)| NearMissCandidate {
                        item: StoklyItemRef::of(item),
                        reasons,
                    })
                    .collect(),
            });
        }
    }

    // Listed Stokly items that Shopify lacks.
    let mut listed = 0;
    let mut active_items = 0;
    for (entry, &number) in stokly.iter().zip(stokly_skus) {
        if entry.deleted {
            continue;
        }
        active_items += 1;
        let Some(first_listing) = entry.shopify_listings.first() else {
            continue;
        };
        listed += 1;
        if number == NONE
            || entry.is_variable_parent()
            || index.sku_group(number).is_some_and(|g| g.shopify.len > 0)
            || reported_items.contains(&entry.id)
        {
            continue;
        }
        findings.push(CatalogueFinding::StoklyItemNotInShopify {
            item: StoklyItemRef::of(entry),
            listing: first_listing.listing_id.clone(),
        });
    }

    audit_barcodes(index, &mut findings);

    let findings = sorted_by_impact(findings);
    let summary = summarise(index, &findings, matched_variants, listed, active_items);
    CatalogueAudit { findings, summary }
}

/// The findings by severity, then SKU as reports print it, then kind, then records (the
/// records only compared among findings equal so far, as they must be built to compare),
/// then the order they were found in.
fn sorted_by_impact(findings: Vec<CatalogueFinding>) -> Vec<CatalogueFinding> {
    let order: Vec<usize> = {
        let mut keys: Vec<(Severity, Option<Cow<'_, str>>, FindingKind, usize)> = findings
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let facts = f.facts();
                (facts.severity(), facts.sku.map(printable), facts.kind, i)
            })
            .collect();
        keys.sort_unstable();
        let mut order = Vec::with_capacity(keys.len());
        let mut rest = keys.as_slice();
        while let Some(((severity, sku, rank, _), _)) = rest.split_first() {
            let run = rest
                .iter()
                .take_while(|(s, k, r, _)| (s, k, r) == (severity, sku, rank))
                .count();
            let (tied, after) = rest.split_at(run.max(1));
            if let [(_, _, _, only)] = tied {
                order.push(*only);
            } else {
                let mut by_subject: Vec<(Vec<RecordRef>, usize)> = tied
                    .iter()
                    .filter_map(|&(_, _, _, i)| Some((findings.get(i)?.subject(), i)))
                    .collect();
                by_subject.sort_unstable();
                order.extend(by_subject.into_iter().map(|(_, i)| i));
            }
            rest = after;
        }
        order
    };
    let mut slots: Vec<Option<CatalogueFinding>> = findings.into_iter().map(Some).collect();
    order
        .into_iter()
        .filter_map(|i| slots.get_mut(i).and_then(Option::take))
        .collect()
}

type NearMisses<'a> = Vec<(&'a StoklyEntry, Vec<NearMissReason>)>;

/// For each Shopify variant without an exact match, the active Stokly items whose SKU nearly
/// equals its SKU, in catalogue order. Keys are computed once per record into one reused
/// buffer; only the unmatched variants' keys are stored.
fn near_misses<'a, 'v>(
    index: &'a SkuIndex,
    unmatched: &[&'v ShopifyEntry],
) -> Vec<(&'v ShopifyEntry, NearMisses<'a>)> {
    let mut found: Vec<(&ShopifyEntry, NearMisses<'a>)> =
        unmatched.iter().map(|&v| (v, Vec::new())).collect();
    if unmatched.is_empty() {
        return found;
    }
    // By the hash of their near-miss key, the unmatched variants' slots and keys.
    let mut keys: Vec<Option<String>> = Vec::with_capacity(unmatched.len());
    let mut wanted: HashMap<u32, Hits, BuildHasherDefault<Spread>> =
        HashMap::with_capacity_and_hasher(unmatched.len(), BuildHasherDefault::default());
    for (slot, variant) in unmatched.iter().enumerate() {
        let key = variant.usable_sku().map(near_miss_key);
        if let Some(key) = &key {
            add_hit(&mut wanted, index.hash32(key), slot);
        }
        keys.push(key);
    }
    let mut key = String::new();
    let items = index.stokly_items().iter();
    let numbers = index.stokly_sku_numbers().iter();
    for ((item, &number), hash) in items.zip(numbers).zip(index.near_key_hashes()) {
        if item.deleted || number == NONE {
            continue;
        }
        let Some(slots) = wanted.get(hash) else {
            continue;
        };
        let Some(sku) = item.sku.as_deref() else {
            continue;
        };
        near_miss_key_into(sku, &mut key);
        for &slot in slots.as_slice() {
            if keys.get(slot).and_then(Option::as_deref) != Some(key.as_str()) {
                continue;
            }
            if let Some((variant, candidates)) = found.get_mut(slot) {
                let reasons = near_miss_reasons(variant.sku.as_deref().unwrap_or_default(), sku);
                if !reasons.is_empty() {
                    candidates.push((item, reasons));
                }
            }
        }
    }
    found
}

/// Bundles, composites and tracking for a variant that matches exactly one stock item.
fn audit_match(
    index: &SkuIndex,
    variant: &ShopifyEntry,
    item: &StoklyEntry,
    findings: &mut Vec<CatalogueFinding>,
) {
    if variant.requires_components {
        if item.is_composite() {
            let (components, differences) = compare_components(index, variant, item);
            findings.push(if differences.is_empty() {
                CatalogueFinding::BundleComponentsMatch {
                    variant: ShopifyVariantRef::of(variant),
                    item: StoklyItemRef::of(item),
                    components,
                }
            } else {
                CatalogueFinding::BundleComponentsDiffer {
                    variant: ShopifyVariantRef::of(variant),
                    item: StoklyItemRef::of(item),
                    differences,
                }
            });
        } else {
            findings.push(CatalogueFinding::ShopifyBundleNotComposite {
                variant: ShopifyVariantRef::of(variant),
                item: StoklyItemRef::of(item),
            });
        }
    } else {
        if item.is_composite() {
            findings.push(CatalogueFinding::StoklyCompositeNotBundle {
                variant: ShopifyVariantRef::of(variant),
                item: StoklyItemRef::of(item),
            });
        }
        if !variant.tracked {
            findings.push(CatalogueFinding::UntrackedInventory {
                variant: ShopifyVariantRef::of(variant),
                item: StoklyItemRef::of(item),
            });
        }
    }
}

fn add_quantity(total: Option<Decimal>, more: Option<Decimal>) -> Option<Decimal> {
    total?.checked_add(more?)
}

/// Compares a bundle's components with a composite's, by exact component SKU.
fn compare_components(
    index: &SkuIndex,
    variant: &ShopifyEntry,
    item: &StoklyEntry,
) -> (Vec<BundleComponent>, Vec<ComponentDifference>) {
    let mut differences = Vec::new();
    let mut in_shopify: BTreeMap<&str, Decimal> = BTreeMap::new();
    for component in &variant.components {
        match Sku::usable(component.sku.as_deref()) {
            Some(sku) => {
                let quantity = in_shopify.entry(sku).or_insert(Decimal::ZERO);
                *quantity = quantity.saturating_add(Decimal::from(component.quantity));
            }
            None => differences.push(ComponentDifference::ShopifyComponentWithoutSku {
                variant: component.variant_id.clone(),
            }),
        }
    }
    let mut in_stokly: BTreeMap<&str, Option<Decimal>> = BTreeMap::new();
    match index.components(&item.id) {
        None => differences.push(ComponentDifference::StoklyComponentsNotGiven),
        Some(lines) => {
            for line in lines {
                match index
                    .stokly_item(&line.item_id)
                    .and_then(StoklyEntry::usable_sku)
                {
                    Some(sku) => {
                        let quantity = in_stokly.entry(sku).or_insert(Some(Decimal::ZERO));
                        *quantity = add_quantity(*quantity, line.quantity);
                    }
                    None => differences.push(ComponentDifference::StoklyComponentWithoutSku {
                        item: line.item_id.clone(),
                    }),
                }
            }
        }
    }
    let skus: BTreeSet<&str> = in_shopify.keys().chain(in_stokly.keys()).copied().collect();
    let mut agreed = Vec::new();
    for sku in skus {
        match (in_shopify.get(sku), in_stokly.get(sku)) {
            (Some(&shopify), Some(&stokly)) if stokly == Some(shopify) => {
                agreed.push(BundleComponent {
                    sku: sku.to_owned(),
                    quantity: shopify,
                });
            }
            (Some(&shopify), Some(&stokly)) => {
                differences.push(ComponentDifference::QuantityDiffers {
                    sku: sku.to_owned(),
                    shopify,
                    stokly,
                });
            }
            (Some(&quantity), None) => differences.push(ComponentDifference::OnlyInShopify {
                sku: sku.to_owned(),
                quantity,
            }),
            (None, Some(&quantity)) => differences.push(ComponentDifference::OnlyInStokly {
                sku: sku.to_owned(),
                quantity,
            }),
            (None, None) => {}
        }
    }
    (agreed, differences)
}

/// Barcodes shared by records whose SKUs differ (a record without a SKU differs from all).
/// Records are grouped by the barcode hashes the index computed and compared by SKU number;
/// barcode texts are only compared, and records only described, where SKUs differ.
fn audit_barcodes(index: &SkuIndex, findings: &mut Vec<CatalogueFinding>) {
    /// A barcode holder: one of `keys` (Shopify variants first, then Stokly items).
    #[derive(Clone, Copy)]
    struct Holder {
        on_stokly: bool,
        key: BarcodeKey,
    }
    let (stokly, shopify) = (index.stokly_items(), index.shopify_variants());
    let (stokly_skus, shopify_skus) = (index.stokly_sku_numbers(), index.shopify_sku_numbers());
    let (shopify_keys, stokly_keys) = index.barcode_keys();
    let holder = |at: usize| -> Option<Holder> {
        match at.checked_sub(shopify_keys.len()) {
            None => shopify_keys.get(at).map(|&key| Holder {
                on_stokly: false,
                key,
            }),
            Some(at) => stokly_keys.get(at).map(|&key| Holder {
                on_stokly: true,
                key,
            }),
        }
    };
    let holders = shopify_keys.len() + stokly_keys.len();
    let mut heads = heads_with_capacity(holders);
    let mut next: Vec<u32> = Vec::with_capacity(holders);
    for (at, key) in shopify_keys.iter().chain(stokly_keys).enumerate() {
        let Some(at) = u32::try_from(at).ok().filter(|&a| a != NONE) else {
            break;
        };
        next.push(heads.insert(key.hash, at).unwrap_or(NONE));
    }
    let sku_of = |h: Holder| -> u32 {
        let numbers = if h.on_stokly {
            stokly_skus
        } else {
            shopify_skus
        };
        numbers
            .get(h.key.position as usize)
            .copied()
            .unwrap_or(NONE)
    };
    let text_of = |h: Holder| -> Option<&str> {
        let position = h.key.position as usize;
        if h.on_stokly {
            stokly
                .get(position)?
                .barcodes
                .get(h.key.code as usize)
                .map(String::as_str)
        } else {
            shopify.get(position)?.barcode.as_deref()
        }
    };
    let chain = |head: u32| ChainIter::new(&next, head).filter_map(holder);
    let mut collisions: Vec<(&str, Vec<Holder>)> = Vec::new();
    for &head in heads.values() {
        // Most barcodes have one holder, or holders of one SKU: nothing to compare.
        let mut same_hash = chain(head);
        let Some(first) = same_hash.next() else {
            continue;
        };
        let first_sku = sku_of(first);
        if first_sku != NONE && same_hash.all(|h| sku_of(h) == first_sku) {
            continue;
        }
        // The holders of each exact barcode, in catalogue order (the chain is newest first).
        let mut all: Vec<Holder> = chain(head).collect();
        all.reverse();
        let mut groups: Vec<(&str, Vec<Holder>)> = Vec::new();
        for h in all {
            let Some(text) = text_of(h) else {
                continue;
            };
            match groups.iter_mut().find(|(t, _)| *t == text) {
                Some((_, group)) => group.push(h),
                None => groups.push((text, vec![h])),
            }
        }
        for (text, group) in groups {
            let Some((&first, rest)) = group.split_first() else {
                continue;
            };
            let first_sku = sku_of(first);
            let agree = first_sku != NONE && rest.iter().all(|&h| sku_of(h) == first_sku);
            if !rest.is_empty() && !agree {
                collisions.push((text, group));
            }
        }
    }
    for (barcode, group) in collisions {
        let (on_stokly, on_shopify): (Vec<Holder>, Vec<Holder>) =
            group.into_iter().partition(|h| h.on_stokly);
        findings.push(CatalogueFinding::BarcodeCollision {
            barcode: barcode.to_owned(),
            variants: on_shopify
                .iter()
                .filter_map(|h| shopify.get(h.key.position as usize))
                .map(ShopifyVariantRef::of)
                .collect(),
            items: on_stokly
                .iter()
                .filter_map(|h| stokly.get(h.key.position as usize))
                .map(StoklyItemRef::of)
                .collect(),
        });
    }
}

fn summarise(
    index: &SkuIndex,
    findings: &[CatalogueFinding],
    matched_variants: usize,
    listed: usize,
    active_items: usize,
) -> AuditSummary {
    let mut by_kind: BTreeMap<&'static str, usize> = BTreeMap::new();
    let (mut blocking, mut warnings, mut info) = (0, 0, 0);
    let mut blocked_variants: HashSet<&ProductVariantId> = HashSet::new();
    let mut blocked_skus: HashSet<&str> = HashSet::new();
    let mut blocked_blank = 0;
    for finding in findings {
        *by_kind.entry(finding.code()).or_default() += 1;
        match finding.severity() {
            Severity::Blocking => blocking += 1,
            Severity::Warning => warnings += 1,
            Severity::Info => info += 1,
        }
        if finding.severity() != Severity::Blocking {
            continue;
        }
        for variant in finding.blocked_variants() {
            if blocked_variants.insert(&variant.id) {
                match Sku::usable(variant.sku.as_deref()) {
                    Some(sku) => {
                        blocked_skus.insert(sku);
                    }
                    None => blocked_blank += 1,
                }
            }
        }
    }
    let readiness = if blocked_variants.is_empty() {
        Readiness::OrdersCanPost
    } else {
        Readiness::OrdersBlocked {
            skus: blocked_skus.len() + blocked_blank,
            variants: blocked_variants.len(),
        }
    };
    AuditSummary {
        stokly_items: index.stokly_items().len(),
        stokly_active_items: active_items,
        stokly_listed_on_shopify: listed,
        shopify_variants: index.shopify_variants().len(),
        shopify_products: index.shopify_product_count(),
        matched_variants,
        blocking,
        warnings,
        info,
        by_kind: by_kind
            .into_iter()
            .map(|(code, count)| (code.to_owned(), count))
            .collect(),
        readiness,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use rust_decimal::Decimal;

    use super::*;
    use crate::domain::catalogue::test_support::*;
    use crate::domain::catalogue::{
        ComponentLine, CompositeComponents, OwnedStoklyCatalogue, StoklyCatalogue, VariableFamilies,
    };
    use crate::shopify::model::{ProductStatus, ProductVariant};
    use crate::stokly::model::{Item, ItemFormat, Listing};

    fn audit(items: &[Item], variants: &[ProductVariant]) -> CatalogueAudit {
        audit_with(items, variants, &[], &CompositeComponents::new())
    }

    fn audit_with(
        items: &[Item],
        variants: &[ProductVariant],
        listings: &[Listing],
        composites: &CompositeComponents,
    ) -> CatalogueAudit {
        let families = VariableFamilies::new();
        let catalogue = StoklyCatalogue::new(items)
            .with_composites(composites)
            .with_variable_families(&families)
            .with_shopify_listings(listings);
        let index = SkuIndex::build(catalogue, variants);
        // Every audit test also checks that taking the catalogues gives the same index as
        // copying them.
        let owned = SkuIndex::build_owned(
            OwnedStoklyCatalogue::new(items.to_vec())
                .with_composites(composites.clone())
                .with_variable_families(families.clone())
                .with_shopify_listings(listings.to_vec()),
            variants.to_vec(),
        );
        assert_eq!(owned.stokly_items(), index.stokly_items());
        assert_eq!(owned.shopify_variants(), index.shopify_variants());
        assert_eq!(owned.orphan_listings(), index.orphan_listings());
        let audit = audit_catalogue(&index);
        assert_eq!(audit_catalogue(&owned), audit);
        audit
    }

    fn only<'a>(audit: &'a CatalogueAudit, code: &'a str) -> &'a CatalogueFinding {
        let found: Vec<_> = audit.of_kind(code).collect();
        assert_eq!(
            found.len(),
            1,
            "expected one {code}, got {:#?}",
            audit.findings
        );
        found[0]
    }

    fn v_ref(v: &ProductVariant) -> ShopifyVariantRef {
        ShopifyVariantRef {
            id: v.id.clone(),
            sku: v.sku.clone(),
            product_id: v.product.id.clone(),
            product_title: v.product.title.clone(),
            product_status: v.product.status.as_str().to_owned(),
            orderable: !matches!(
                v.product.status,
                ProductStatus::Draft | ProductStatus::Archived
            ),
        }
    }

    fn i_ref(i: &Item) -> StoklyItemRef {
        StoklyItemRef {
            id: i.item_id.clone(),
            sku: i.sku.clone(),
            name: i.name.clone(),
        }
    }

    #[test]
    fn a_clean_catalogue_has_no_findings_and_orders_can_post() {
        let items = vec![simple("i1", "A"), simple("i2", "B")];
        let variants = vec![sold(1, "A", 10), sold(2, "B", 10)];
        let audit = audit(&items, &variants);
        assert_eq!(audit.findings, vec![]);
        assert_eq!(audit.readiness(), Readiness::OrdersCanPost);
        assert_eq!(audit.summary.matched_variants, 2);
        assert_eq!(audit.summary.shopify_products, 1);
    }

    #[test]
    fn duplicate_shopify_sku() {
        let items = vec![simple("i1", "TENT")];
        let variants = vec![sold(1, "TENT", 10), sold(2, "TENT", 11)];
        let audit = audit(&items, &variants);
        let finding = only(&audit, "duplicate_shopify_sku");
        assert_eq!(
            finding,
            &CatalogueFinding::DuplicateShopifySku {
                sku: "TENT".into(),
                variants: vec![v_ref(&variants[0]), v_ref(&variants[1])],
            }
        );
        assert_eq!(finding.owner(), Owner::Ecommerce);
        assert_eq!(finding.severity(), Severity::Warning);
        assert_eq!(
            finding.fix_hint(),
            "In Shopify, keep SKU \"TENT\" on the one variant that sells that Stokly item and \
             give the other variants the SKUs of the Stokly items they sell."
        );
        assert_eq!(audit.findings.len(), 1);
        assert_eq!(audit.readiness(), Readiness::OrdersCanPost);
    }

    #[test]
    fn duplicate_stokly_sku_blocks_the_variants_selling_it() {
        let items = vec![
            simple("i1", "MUG"),
            simple("i2", "MUG"),
            simple("i3", "CUP"),
            simple("i4", "CUP"),
        ];
        let variants = vec![sold(1, "MUG", 10)];
        let audit = audit(&items, &variants);
        let found: Vec<_> = audit.of_kind("duplicate_stokly_sku").collect();
        assert_eq!(
            found,
            vec![
                &CatalogueFinding::DuplicateStoklySku {
                    sku: "MUG".into(),
                    items: vec![i_ref(&items[0]), i_ref(&items[1])],
                    sold_as: vec![v_ref(&variants[0])],
                },
                &CatalogueFinding::DuplicateStoklySku {
                    sku: "CUP".into(),
                    items: vec![i_ref(&items[2]), i_ref(&items[3])],
                    sold_as: vec![],
                },
            ]
        );
        assert_eq!(found[0].severity(), Severity::Blocking);
        assert_eq!(found[1].severity(), Severity::Warning);
        assert_eq!(found[0].owner(), Owner::Operations);
        assert_eq!(
            found[0].fix_hint(),
            "In Stokly, give each of these items its own SKU (or delete the duplicates) so that \
             \"MUG\" names exactly one item."
        );
        assert_eq!(
            audit.readiness(),
            Readiness::OrdersBlocked {
                skus: 1,
                variants: 1
            }
        );
    }

    #[test]
    fn blank_shopify_sku() {
        let items = vec![simple("i1", "A")];
        let variants = vec![
            sold(1, "A", 10),
            variant(2, None, 10),
            sold(3, " \u{200B}", 10),
        ];
        let audit = audit(&items, &variants);
        let found: Vec<_> = audit.of_kind("blank_shopify_sku").collect();
        assert_eq!(
            found,
            vec![
                &CatalogueFinding::BlankShopifySku {
                    variant: v_ref(&variants[1])
                },
                &CatalogueFinding::BlankShopifySku {
                    variant: v_ref(&variants[2])
                },
            ]
        );
        assert_eq!(found[0].owner(), Owner::Ecommerce);
        assert_eq!(found[0].severity(), Severity::Blocking);
        assert_eq!(
            found[0].fix_hint(),
            "In Shopify, set this variant's SKU to the SKU of the Stokly item it sells, exactly \
             as Stokly spells it."
        );
        assert!(
            found[1].reason().contains("\" <U+200B>\""),
            "{}",
            found[1].reason()
        );
        assert_eq!(
            audit.readiness(),
            Readiness::OrdersBlocked {
                skus: 2,
                variants: 2
            }
        );
    }

    #[test]
    fn blank_stokly_sku() {
        let items = vec![
            item("i1", None),
            simple("i2", "  "),
            deleted(item("i3", None)),
        ];
        let listings = vec![listing("l2", "i2", None)];
        let audit = audit_with(&items, &[], &listings, &CompositeComponents::new());
        let found: Vec<_> = audit.of_kind("blank_stokly_sku").collect();
        // Sorted by impact: the listed one (a warning) comes first; deleted items are skipped.
        assert_eq!(
            found,
            vec![
                &CatalogueFinding::BlankStoklySku {
                    item: i_ref(&items[1]),
                    listed_on_shopify: true
                },
                &CatalogueFinding::BlankStoklySku {
                    item: i_ref(&items[0]),
                    listed_on_shopify: false
                },
            ]
        );
        assert_eq!(found[0].severity(), Severity::Warning);
        assert_eq!(found[1].severity(), Severity::Info);
        assert_eq!(found[0].owner(), Owner::Operations);
        assert_eq!(
            found[0].fix_hint(),
            "In Stokly, give the item a SKU (or delete it if it is not used)."
        );
    }

    #[test]
    fn near_misses_are_suggested_never_matched() {
        let items = vec![
            simple("i1", "TENT-2P"),
            simple("i2", "Stove"),
            simple("i3", "MAT"),
            simple("i4", "lamp"),
            simple("i5", "Lamp"),
        ];
        let listings = vec![listing("l1", "i1", None)];
        let variants = vec![
            sold(1, "tent-2p ", 10),
            sold(2, "Sto\u{200B}ve", 10),
            sold(3, "\u{FEFF}MAT\u{00A0}", 10),
            sold(4, "LAMP", 10),
        ];
        let audit = audit_with(&items, &variants, &listings, &CompositeComponents::new());
        let found: Vec<_> = audit.of_kind("sku_near_miss").collect();
        assert_eq!(found.len(), 4);
        assert_eq!(
            found[0],
            &CatalogueFinding::SkuNearMiss {
                variant: v_ref(&variants[2]),
                candidates: vec![NearMissCandidate {
                    item: i_ref(&items[2]),
                    reasons: vec![
                        NearMissReason::HiddenCharacters,
                        NearMissReason::SurroundingWhitespace
                    ],
                }],
            }
        );
        assert_eq!(
            found[1],
            &CatalogueFinding::SkuNearMiss {
                variant: v_ref(&variants[3]),
                candidates: vec![
                    NearMissCandidate {
                        item: i_ref(&items[3]),
                        reasons: vec![NearMissReason::LetterCase]
                    },
                    NearMissCandidate {
                        item: i_ref(&items[4]),
                        reasons: vec![NearMissReason::LetterCase]
                    },
                ],
            }
        );
        assert_eq!(
            found[2],
            &CatalogueFinding::SkuNearMiss {
                variant: v_ref(&variants[1]),
                candidates: vec![NearMissCandidate {
                    item: i_ref(&items[1]),
                    reasons: vec![NearMissReason::HiddenCharacters],
                }],
            }
        );
        assert_eq!(
            found[3],
            &CatalogueFinding::SkuNearMiss {
                variant: v_ref(&variants[0]),
                candidates: vec![NearMissCandidate {
                    item: i_ref(&items[0]),
                    reasons: vec![
                        NearMissReason::SurroundingWhitespace,
                        NearMissReason::LetterCase
                    ],
                }],
            }
        );
        assert_eq!(found[0].owner(), Owner::Ecommerce);
        assert_eq!(found[0].severity(), Severity::Blocking);
        assert_eq!(
            found[2].fix_hint(),
            "In Shopify, change the variant's SKU to \"Stove\" exactly as Stokly holds it."
        );
        assert_eq!(
            found[1].fix_hint(),
            "In Shopify, change the variant's SKU to the Stokly SKU of the item it sells, \
             exactly as Stokly holds it: one of \"lamp\", \"Lamp\"."
        );
        assert!(
            found[2].reason().contains("\"Sto<U+200B>ve\""),
            "{}",
            found[2].reason()
        );
        // A near-miss is the one finding for the pair: neither side is reported as missing.
        assert_eq!(audit.of_kind("shopify_sku_not_in_stokly").count(), 0);
        assert_eq!(audit.of_kind("stokly_item_not_in_shopify").count(), 0);
        assert_eq!(audit.summary.matched_variants, 0);
        assert_eq!(
            audit.readiness(),
            Readiness::OrdersBlocked {
                skus: 4,
                variants: 4
            }
        );
    }

    #[test]
    fn shopify_sku_not_in_stokly() {
        let items = vec![simple("i1", "A")];
        let variants = vec![
            sold(1, "A", 10),
            sold(2, "GHOST", 11),
            with_status(sold(3, "DRAFTY", 12), ProductStatus::Draft),
        ];
        let audit = audit(&items, &variants);
        let found: Vec<_> = audit.of_kind("shopify_sku_not_in_stokly").collect();
        assert_eq!(
            found,
            vec![
                &CatalogueFinding::ShopifySkuNotInStokly {
                    variant: v_ref(&variants[1])
                },
                &CatalogueFinding::ShopifySkuNotInStokly {
                    variant: v_ref(&variants[2])
                },
            ]
        );
        assert_eq!(found[0].severity(), Severity::Blocking);
        assert_eq!(
            found[1].severity(),
            Severity::Warning,
            "a draft product cannot be ordered"
        );
        assert_eq!(found[0].owner(), Owner::Ecommerce);
        assert_eq!(
            found[0].fix_hint(),
            "Correct the SKU in Shopify to the SKU of an existing Stokly item, or have \
             operations create the item in Stokly with SKU \"GHOST\"; if it is no longer sold, \
             archive the Shopify product."
        );
        assert_eq!(
            found[0].reason(),
            "Shopify SKU \"GHOST\" (variant 2 of \"Product 11\" [ACTIVE]) matches no Stokly \
             item, so its orders will fail to post."
        );
        assert_eq!(
            audit.readiness(),
            Readiness::OrdersBlocked {
                skus: 1,
                variants: 1
            }
        );
    }

    #[test]
    fn stokly_item_not_in_shopify() {
        let items = vec![
            simple("i1", "LISTED"),
            simple("i2", "UNLISTED"),
            with_format(simple("p", "PARENT"), ItemFormat::Variable),
        ];
        let listings = vec![
            listing("l1", "i1", None),
            listing("lp", "p", Some("gid://shopify/Product/3")),
        ];
        let audit = audit_with(&items, &[], &listings, &CompositeComponents::new());
        let finding = only(&audit, "stokly_item_not_in_shopify");
        assert_eq!(
            finding,
            &CatalogueFinding::StoklyItemNotInShopify {
                item: i_ref(&items[0]),
                listing: "l1".parse().unwrap(),
            }
        );
        assert_eq!(finding.owner(), Owner::Ecommerce);
        assert_eq!(finding.severity(), Severity::Warning);
        assert_eq!(
            finding.fix_hint(),
            "Publish the listing from Stokly, or add a variant with SKU \"LISTED\" to the right \
             Shopify product (the product push plan creates it when the product is known); if \
             it should not be sold on Shopify, remove the listing."
        );
        assert_eq!(audit.summary.stokly_listed_on_shopify, 2);
        assert_eq!(
            audit.findings.len(),
            1,
            "unlisted items and variable parents are not expected in Shopify"
        );
    }

    #[test]
    fn untracked_inventory() {
        let items = vec![simple("i1", "A")];
        let variants = vec![untracked(sold(1, "A", 10))];
        let audit = audit(&items, &variants);
        let finding = only(&audit, "untracked_inventory");
        assert_eq!(
            finding,
            &CatalogueFinding::UntrackedInventory {
                variant: v_ref(&variants[0]),
                item: i_ref(&items[0])
            }
        );
        assert_eq!(finding.owner(), Owner::Ecommerce);
        assert_eq!(finding.severity(), Severity::Warning);
        assert_eq!(
            finding.fix_hint(),
            "In Shopify, turn on \"Track quantity\" for this variant (the product push plan sets it)."
        );
        assert_eq!(audit.readiness(), Readiness::OrdersCanPost);
    }

    fn kit_catalogue() -> (Vec<Item>, CompositeComponents) {
        let items = vec![
            with_format(simple("kit", "KIT"), ItemFormat::Composite),
            simple("tent", "TENT"),
            simple("peg", "PEG"),
            simple("lamp", "LAMP"),
        ];
        let mut composites = CompositeComponents::new();
        composites.push(
            item_id("kit"),
            ComponentLine::new(item_id("tent"), Some(Decimal::ONE)),
        );
        composites.push(
            item_id("kit"),
            ComponentLine::new(item_id("peg"), Some(Decimal::new(8, 0))),
        );
        (items, composites)
    }

    #[test]
    fn bundle_components_match() {
        let (items, composites) = kit_catalogue();
        let variants = vec![
            bundle(sold(1, "KIT", 10), &[(2, "TENT", 1), (3, "PEG", 8)]),
            sold(2, "TENT", 11),
            sold(3, "PEG", 12),
        ];
        let audit = audit_with(&items, &variants, &[], &composites);
        let finding = only(&audit, "bundle_components_match");
        assert_eq!(
            finding,
            &CatalogueFinding::BundleComponentsMatch {
                variant: v_ref(&variants[0]),
                item: i_ref(&items[0]),
                components: vec![
                    BundleComponent {
                        sku: "PEG".into(),
                        quantity: Decimal::new(8, 0)
                    },
                    BundleComponent {
                        sku: "TENT".into(),
                        quantity: Decimal::ONE
                    },
                ],
            }
        );
        assert_eq!(finding.owner(), Owner::Operations);
        assert_eq!(finding.severity(), Severity::Info);
        assert_eq!(
            finding.fix_hint(),
            "Nothing to change. Stock is never pushed to the bundle parent: Shopify derives it \
             from the components."
        );
        assert_eq!(audit.findings.len(), 1);
    }

    #[test]
    fn bundle_components_differ() {
        let (items, composites) = kit_catalogue();
        let variants = vec![
            // TENT agrees; PEG quantity differs; LAMP only in Shopify; a component without SKU.
            bundle(
                sold(1, "KIT", 10),
                &[(2, "TENT", 1), (3, "PEG", 6), (4, "LAMP", 1), (5, "", 1)],
            ),
            sold(2, "TENT", 11),
        ];
        let audit = audit_with(&items, &variants, &[], &composites);
        let finding = only(&audit, "bundle_components_differ");
        assert_eq!(
            finding,
            &CatalogueFinding::BundleComponentsDiffer {
                variant: v_ref(&variants[0]),
                item: i_ref(&items[0]),
                differences: vec![
                    ComponentDifference::ShopifyComponentWithoutSku {
                        variant: variant_id(5)
                    },
                    ComponentDifference::OnlyInShopify {
                        sku: "LAMP".into(),
                        quantity: Decimal::ONE
                    },
                    ComponentDifference::QuantityDiffers {
                        sku: "PEG".into(),
                        shopify: Decimal::new(6, 0),
                        stokly: Some(Decimal::new(8, 0)),
                    },
                ],
            }
        );
        assert_eq!(finding.owner(), Owner::Ecommerce);
        assert_eq!(finding.severity(), Severity::Warning);
        assert_eq!(
            finding.fix_hint(),
            "In Shopify, edit the bundle so that its components and quantities equal the Stokly \
             composite's (Stokly is the master)."
        );
        assert!(
            finding
                .reason()
                .contains("\"PEG\" x6 in Shopify but x8 in Stokly"),
            "{}",
            finding.reason()
        );

        // Components that were never read are said to be missing, not assumed empty.
        let audit = audit_with(&items, &variants, &[], &CompositeComponents::new());
        let CatalogueFinding::BundleComponentsDiffer { differences, .. } =
            only(&audit, "bundle_components_differ")
        else {
            unreachable!()
        };
        assert!(differences.contains(&ComponentDifference::StoklyComponentsNotGiven));
    }

    #[test]
    fn shopify_bundle_not_composite() {
        let items = vec![simple("i1", "SET")];
        let variants = vec![bundle(sold(1, "SET", 10), &[(2, "X", 1)])];
        let audit = audit(&items, &variants);
        let finding = only(&audit, "shopify_bundle_not_composite");
        assert_eq!(
            finding,
            &CatalogueFinding::ShopifyBundleNotComposite {
                variant: v_ref(&variants[0]),
                item: i_ref(&items[0])
            }
        );
        assert_eq!(finding.owner(), Owner::Operations);
        assert_eq!(finding.severity(), Severity::Warning);
        assert_eq!(
            finding.fix_hint(),
            "Decide which is right: make the Stokly item a composite with the same components, \
             or remove the components from the Shopify variant so it is sold as a stocked item."
        );
    }

    #[test]
    fn stokly_composite_not_bundle() {
        let (items, composites) = kit_catalogue();
        let variants = vec![sold(1, "KIT", 10)];
        let audit = audit_with(&items, &variants, &[], &composites);
        let finding = only(&audit, "stokly_composite_not_bundle");
        assert_eq!(
            finding,
            &CatalogueFinding::StoklyCompositeNotBundle {
                variant: v_ref(&variants[0]),
                item: i_ref(&items[0])
            }
        );
        assert_eq!(finding.owner(), Owner::Ecommerce);
        assert_eq!(finding.severity(), Severity::Info);
        assert_eq!(
            finding.fix_hint(),
            "Nothing to change if this is intended; Shopify availability for it must come from \
             its components' stock. To let Shopify derive it, make the variant a bundle with the \
             same components."
        );
    }

    #[test]
    fn deleted_item_still_sold() {
        let items = vec![
            deleted(simple("old", "RETIRED")),
            deleted(simple("older", "RETIRED")),
        ];
        let variants = vec![sold(1, "RETIRED", 10)];
        let audit = audit(&items, &variants);
        let finding = only(&audit, "deleted_item_still_sold");
        assert_eq!(
            finding,
            &CatalogueFinding::DeletedItemStillSold {
                variant: v_ref(&variants[0]),
                items: vec![i_ref(&items[0]), i_ref(&items[1])],
            }
        );
        assert_eq!(finding.owner(), Owner::Ecommerce);
        assert_eq!(finding.severity(), Severity::Blocking);
        assert_eq!(
            finding.fix_hint(),
            "Archive the product or remove the variant in Shopify, or restore the Stokly item if \
             it is still sold."
        );
        assert_eq!(
            audit.findings.len(),
            1,
            "deleted duplicates are not a duplicate SKU"
        );
        assert_eq!(
            audit.readiness(),
            Readiness::OrdersBlocked {
                skus: 1,
                variants: 1
            }
        );
    }

    #[test]
    fn barcode_collision() {
        let items = vec![
            with_barcode(simple("i1", "A"), "5000"),
            with_barcode(simple("i2", "B"), "6000"),
            with_barcode(simple("i3", "C"), "7000"),
        ];
        let variants = vec![
            with_variant_barcode(sold(1, "A", 10), "5000"),
            with_variant_barcode(sold(2, "B", 10), "5000"),
            with_variant_barcode(sold(3, "C", 10), "7000"),
        ];
        let audit = audit(&items, &variants);
        let finding = only(&audit, "barcode_collision");
        assert_eq!(
            finding,
            &CatalogueFinding::BarcodeCollision {
                barcode: "5000".into(),
                variants: vec![v_ref(&variants[0]), v_ref(&variants[1])],
                items: vec![i_ref(&items[0])],
            }
        );
        assert_eq!(finding.owner(), Owner::Operations);
        assert_eq!(finding.severity(), Severity::Warning);
        assert_eq!(
            finding.fix_hint(),
            "In Stokly, give each item its own barcode, then correct the Shopify variants (the \
             product push plan copies barcodes from Stokly)."
        );
        assert_eq!(
            audit.findings.len(),
            1,
            "a barcode shared by one SKU's records is fine"
        );
    }

    #[test]
    fn variable_parent_sold() {
        let items = vec![
            with_format(simple("p", "TEE"), ItemFormat::Variable),
            simple("s", "TEE-S"),
        ];
        let variants = vec![sold(1, "TEE", 10)];
        let audit = audit(&items, &variants);
        let finding = only(&audit, "variable_parent_sold");
        assert_eq!(
            finding,
            &CatalogueFinding::VariableParentSold {
                variant: v_ref(&variants[0]),
                item: i_ref(&items[0])
            }
        );
        assert_eq!(finding.owner(), Owner::Ecommerce);
        assert_eq!(finding.severity(), Severity::Blocking);
        assert_eq!(
            finding.fix_hint(),
            "In Shopify, set the variant's SKU to the SKU of the Stokly variant item it sells \
             (one of the parent's variants)."
        );
        assert_eq!(audit.summary.matched_variants, 0);
    }

    #[test]
    fn listing_link_diverged() {
        let items = vec![simple("i1", "NEW-SKU")];
        let listings = vec![listing("l1", "i1", Some("gid://shopify/ProductVariant/1"))];
        let variants = vec![sold(1, "OLD-SKU", 10)];
        let audit = audit_with(&items, &variants, &listings, &CompositeComponents::new());
        let finding = only(&audit, "listing_link_diverged");
        assert_eq!(
            finding,
            &CatalogueFinding::ListingLinkDiverged {
                listing: "l1".parse().unwrap(),
                item: i_ref(&items[0]),
                variant: v_ref(&variants[0]),
            }
        );
        assert_eq!(finding.owner(), Owner::Ecommerce);
        assert_eq!(finding.severity(), Severity::Blocking);
        assert_eq!(
            finding.fix_hint(),
            "Set the Shopify variant's SKU to \"NEW-SKU\" as Stokly holds it (the product push \
             plan does this), or link the listing to the right variant in Stokly."
        );
        assert_eq!(
            audit.findings.len(),
            1,
            "the diverged link is the one finding for both records"
        );
    }

    #[test]
    fn findings_are_sorted_by_impact_then_sku_and_counted() {
        let items = vec![
            simple("i1", "A"),
            simple("i2", "A"),
            item("i3", None),
            simple("k", "K"),
        ];
        let variants = vec![
            sold(1, "Z", 10),
            sold(2, "B", 10),
            untracked(sold(3, "K", 10)),
        ];
        let audit = audit(&items, &variants);
        let order: Vec<(Severity, Option<&str>)> = audit
            .findings
            .iter()
            .map(|f| (f.severity(), f.sku()))
            .collect();
        assert_eq!(
            order,
            vec![
                (Severity::Blocking, Some("B")),
                (Severity::Blocking, Some("Z")),
                (Severity::Warning, Some("A")),
                (Severity::Warning, Some("K")),
                (Severity::Info, None),
            ]
        );
        let s = &audit.summary;
        assert_eq!((s.blocking, s.warnings, s.info), (2, 2, 1));
        assert_eq!(s.by_kind.get("shopify_sku_not_in_stokly"), Some(&2));
        assert_eq!(
            s.readiness,
            Readiness::OrdersBlocked {
                skus: 2,
                variants: 2
            }
        );
        assert_eq!(
            s.readiness.sentence(),
            "Orders cannot post for 2 SKUs (2 Shopify variants)."
        );
        let records = audit.records();
        assert_eq!(records.len(), 5);
        assert_eq!(records[0].code, "shopify_sku_not_in_stokly");
        let json = serde_json::to_string(&audit).unwrap();
        let back: CatalogueAudit = serde_json::from_str(&json).unwrap();
        assert_eq!(back, audit);
    }

    fn sku_strategy() -> impl Strategy<Value = Option<String>> {
        let pieces = prop_oneof![
            Just("A".to_owned()),
            Just("a".to_owned()),
            Just("b".to_owned()),
            Just(" ".to_owned()),
            Just("\u{200B}".to_owned()),
            Just("\u{00A0}".to_owned()),
            Just("\u{FEFF}".to_owned()),
            Just("\u{00AD}".to_owned()),
            Just("ß".to_owned()),
            Just("İ".to_owned()),
            "\\PC{0,2}",
        ];
        proptest::option::weighted(
            0.9,
            proptest::collection::vec(pieces, 0..4).prop_map(|v| v.concat()),
        )
    }

    proptest! {
        #[test]
        fn the_audit_never_panics_and_never_calls_an_exact_match_a_near_miss(
            stokly_skus in proptest::collection::vec(sku_strategy(), 0..12),
            shopify_skus in proptest::collection::vec(sku_strategy(), 0..12),
        ) {
            let items: Vec<Item> = stokly_skus
                .iter()
                .enumerate()
                .map(|(i, sku)| item(&format!("i{i}"), sku.as_deref()))
                .collect();
            let variants: Vec<ProductVariant> = shopify_skus
                .iter()
                .enumerate()
                .map(|(i, sku)| variant(i as u64 + 1, sku.as_deref(), 10))
                .collect();
            let audit = audit(&items, &variants);
            for finding in &audit.findings {
                if let CatalogueFinding::SkuNearMiss { variant, candidates } = finding {
                    let sku = variant.sku.as_deref().unwrap_or_default();
                    prop_assert!(!stokly_skus.iter().any(|s| s.as_deref() == Some(sku)));
                    for candidate in candidates {
                        prop_assert_ne!(candidate.item.sku.as_deref(), Some(sku));
                        prop_assert!(!candidate.reasons.is_empty());
                    }
                }
            }
            // Every exact, unique, non-blank match counts as matched.
            let matched = shopify_skus
                .iter()
                .filter(|s| {
                    s.as_deref().is_some_and(|s| {
                        !crate::domain::catalogue::is_blank_sku(s)
                            && stokly_skus.iter().filter(|t| t.as_deref() == Some(s)).count() == 1
                    })
                })
                .count();
            prop_assert_eq!(audit.summary.matched_variants, matched);
        }
    }
}
