//! The kinds of catalogue finding, described once: one row per kind with its code, title,
//! owner and severity rule, in the order reports rank them.

use serde::{Deserialize, Serialize};

use crate::domain::exception::{Owner, Severity};

/// The kind of a [`super::CatalogueFinding`], one per variant. Declared in the order reports
/// rank findings of the same severity and SKU (most urgent first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FindingKind {
    /// [`super::CatalogueFinding::BlankShopifySku`].
    BlankShopifySku,
    /// [`super::CatalogueFinding::ShopifySkuNotInStokly`].
    ShopifySkuNotInStokly,
    /// [`super::CatalogueFinding::SkuNearMiss`].
    SkuNearMiss,
    /// [`super::CatalogueFinding::ListingLinkDiverged`].
    ListingLinkDiverged,
    /// [`super::CatalogueFinding::DeletedItemStillSold`].
    DeletedItemStillSold,
    /// [`super::CatalogueFinding::VariableParentSold`].
    VariableParentSold,
    /// [`super::CatalogueFinding::DuplicateStoklySku`].
    DuplicateStoklySku,
    /// [`super::CatalogueFinding::DuplicateShopifySku`].
    DuplicateShopifySku,
    /// [`super::CatalogueFinding::BundleComponentsDiffer`].
    BundleComponentsDiffer,
    /// [`super::CatalogueFinding::ShopifyBundleNotComposite`].
    ShopifyBundleNotComposite,
    /// [`super::CatalogueFinding::UntrackedInventory`].
    UntrackedInventory,
    /// [`super::CatalogueFinding::StoklyItemNotInShopify`].
    StoklyItemNotInShopify,
    /// [`super::CatalogueFinding::BarcodeCollision`].
    BarcodeCollision,
    /// [`super::CatalogueFinding::BlankStoklySku`].
    BlankStoklySku,
    /// [`super::CatalogueFinding::StoklyCompositeNotBundle`].
    StoklyCompositeNotBundle,
    /// [`super::CatalogueFinding::BundleComponentsMatch`].
    BundleComponentsMatch,
}

/// How the severity of a finding of one kind is decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SeverityRule {
    /// Always this severity.
    Always(Severity),
    /// [`Severity::Blocking`] when a Shopify variant whose orders the finding stops is
    /// orderable ([`super::CatalogueFinding::blocked_variants`]), [`Severity::Warning`]
    /// otherwise.
    BlockingIfOrderable,
    /// [`Severity::Warning`] when the item is listed on the Shopify channel,
    /// [`Severity::Info`] otherwise.
    WarningIfListed,
}

/// What every finding of one kind has in common.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct FindingKindRow {
    /// The stable machine name ([`crate::domain::exception::DomainException::code`]).
    pub code: &'static str,
    /// The short title reports head the kind with.
    pub title: &'static str,
    /// The team that acts on it.
    pub owner: Owner,
    /// How its severity is decided.
    pub severity: SeverityRule,
}

const fn row(
    code: &'static str,
    title: &'static str,
    owner: Owner,
    severity: SeverityRule,
) -> FindingKindRow {
    FindingKindRow {
        code,
        title,
        owner,
        severity,
    }
}

use Owner::{Ecommerce, Operations};
use SeverityRule::{Always, BlockingIfOrderable, WarningIfListed};

impl FindingKind {
    /// Every kind, in rank order.
    pub const ALL: [Self; 16] = [
        Self::BlankShopifySku,
        Self::ShopifySkuNotInStokly,
        Self::SkuNearMiss,
        Self::ListingLinkDiverged,
        Self::DeletedItemStillSold,
        Self::VariableParentSold,
        Self::DuplicateStoklySku,
        Self::DuplicateShopifySku,
        Self::BundleComponentsDiffer,
        Self::ShopifyBundleNotComposite,
        Self::UntrackedInventory,
        Self::StoklyItemNotInShopify,
        Self::BarcodeCollision,
        Self::BlankStoklySku,
        Self::StoklyCompositeNotBundle,
        Self::BundleComponentsMatch,
    ];

    /// The kind's row: code, title, owner and severity rule. The one place they are written.
    #[must_use]
    pub const fn row(self) -> FindingKindRow {
        match self {
            Self::BlankShopifySku => row(
                "blank_shopify_sku",
                "Shopify variant without SKU",
                Ecommerce,
                BlockingIfOrderable,
            ),
            Self::ShopifySkuNotInStokly => row(
                "shopify_sku_not_in_stokly",
                "Shopify SKU missing in Stokly",
                Ecommerce,
                BlockingIfOrderable,
            ),
            Self::SkuNearMiss => row(
                "sku_near_miss",
                "Near-miss SKU (suggestion)",
                Ecommerce,
                BlockingIfOrderable,
            ),
            Self::ListingLinkDiverged => row(
                "listing_link_diverged",
                "Linked SKUs differ",
                Ecommerce,
                BlockingIfOrderable,
            ),
            Self::DeletedItemStillSold => row(
                "deleted_item_still_sold",
                "Deleted Stokly item still sold",
                Ecommerce,
                BlockingIfOrderable,
            ),
            Self::VariableParentSold => row(
                "variable_parent_sold",
                "Shopify SKU is a Stokly variable parent",
                Ecommerce,
                BlockingIfOrderable,
            ),
            Self::DuplicateStoklySku => row(
                "duplicate_stokly_sku",
                "Duplicate SKU in Stokly",
                Operations,
                BlockingIfOrderable,
            ),
            Self::DuplicateShopifySku => row(
                "duplicate_shopify_sku",
                "Duplicate SKU in Shopify",
                Ecommerce,
                Always(Severity::Warning),
            ),
            Self::BundleComponentsDiffer => row(
                "bundle_components_differ",
                "Bundle components differ",
                Ecommerce,
                Always(Severity::Warning),
            ),
            Self::ShopifyBundleNotComposite => row(
                "shopify_bundle_not_composite",
                "Shopify bundle, Stokly simple item",
                Operations,
                Always(Severity::Warning),
            ),
            Self::UntrackedInventory => row(
                "untracked_inventory",
                "Inventory not tracked in Shopify",
                Ecommerce,
                Always(Severity::Warning),
            ),
            Self::StoklyItemNotInShopify => row(
                "stokly_item_not_in_shopify",
                "Listed Stokly item missing in Shopify",
                Ecommerce,
                Always(Severity::Warning),
            ),
            Self::BarcodeCollision => row(
                "barcode_collision",
                "Barcode collision",
                Operations,
                Always(Severity::Warning),
            ),
            Self::BlankStoklySku => row(
                "blank_stokly_sku",
                "Stokly item without SKU",
                Operations,
                WarningIfListed,
            ),
            Self::StoklyCompositeNotBundle => row(
                "stokly_composite_not_bundle",
                "Stokly composite, Shopify plain variant",
                Ecommerce,
                Always(Severity::Info),
            ),
            Self::BundleComponentsMatch => row(
                "bundle_components_match",
                "Bundle components match",
                Operations,
                Always(Severity::Info),
            ),
        }
    }

    /// The stable machine name of the kind.
    #[must_use]
    pub const fn code(self) -> &'static str {
        self.row().code
    }

    /// The short title reports head the kind with.
    #[must_use]
    pub const fn title(self) -> &'static str {
        self.row().title
    }

    /// The team that acts on findings of this kind.
    #[must_use]
    pub const fn owner(self) -> Owner {
        self.row().owner
    }

    /// The kind whose [`FindingKind::code`] is `code`.
    #[must_use]
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.code() == code)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn every_kind_has_its_own_code_and_title_and_all_is_in_rank_order() {
        let codes: HashSet<_> = FindingKind::ALL.iter().map(|k| k.code()).collect();
        let titles: HashSet<_> = FindingKind::ALL.iter().map(|k| k.title()).collect();
        assert_eq!(codes.len(), FindingKind::ALL.len());
        assert_eq!(titles.len(), FindingKind::ALL.len());
        assert!(FindingKind::ALL.windows(2).all(|w| w[0] < w[1]));
        for kind in FindingKind::ALL {
            assert_eq!(FindingKind::from_code(kind.code()), Some(kind));
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                serde_json::Value::String(kind.code().to_owned())
            );
        }
        assert_eq!(FindingKind::from_code("no_such_kind"), None);
    }
}
