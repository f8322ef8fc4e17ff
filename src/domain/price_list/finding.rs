//! What the price-list plan could not push, each with an owner and a fix.

use serde::{Deserialize, Serialize};

use super::rule::{QuantityBreakProblem, QuantityRuleProblem};
use crate::domain::exception::{DomainException, Flow, Owner, RecordRef, Severity};
use crate::money::CurrencyCode;
use crate::shopify::ProductVariantId;
use crate::stokly::{CustomerId, ItemId, PriceListId};

/// A Stokly price-list line that cannot reach Shopify as it stands, or a set-up problem of a
/// whole list. The rest of the list is still pushed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum PriceListFinding {
    /// The item has no usable SKU, so no Shopify variant can be found for it.
    BlankSku {
        /// The list.
        list: PriceListId,
        /// The item.
        item: ItemId,
    },
    /// No Shopify variant has the item's SKU (SKU-strict: exact, case-sensitive).
    NoVariant {
        /// The list.
        list: PriceListId,
        /// The item.
        item: ItemId,
        /// Its SKU.
        sku: String,
    },
    /// Several Shopify variants have the item's SKU; nobody can say which one is priced.
    SeveralVariants {
        /// The list.
        list: PriceListId,
        /// The item.
        item: ItemId,
        /// Its SKU.
        sku: String,
        /// The variants.
        variants: Vec<ProductVariantId>,
    },
    /// The list prices the same variant twice (two lines with the same SKU).
    VariantPricedTwice {
        /// The list.
        list: PriceListId,
        /// The variant.
        variant: ProductVariantId,
        /// Its SKU.
        sku: String,
    },
    /// The price is negative.
    NegativePrice {
        /// The list.
        list: PriceListId,
        /// The item.
        item: ItemId,
        /// The price as Stokly holds it.
        price: rust_decimal::Decimal,
    },
    /// The item's quantity rule would be refused by Shopify; its price is still pushed.
    InvalidQuantityRule {
        /// The list.
        list: PriceListId,
        /// The item.
        item: ItemId,
        /// Why.
        problem: QuantityRuleProblem,
    },
    /// A quantity price break Shopify would refuse; the item's breaks are not sent (its
    /// price is).
    InvalidQuantityBreak {
        /// The Stokly list.
        list: PriceListId,
        /// The item.
        item: ItemId,
        /// The break's minimum quantity.
        minimum_quantity: i64,
        /// Why.
        problem: QuantityBreakProblem,
    },
    /// The list has no currency, so no price of it can be sent.
    NoCurrency {
        /// The list.
        list: PriceListId,
    },
    /// The Shopify price list made for this list has another currency.
    CurrencyMismatch {
        /// The list.
        list: PriceListId,
        /// Stokly's currency.
        stokly: CurrencyCode,
        /// Shopify's.
        shopify: CurrencyCode,
    },
    /// The Shopify price list made for this list belongs to a catalog that is not a
    /// company-location catalog.
    ForeignCatalog {
        /// The list.
        list: PriceListId,
        /// The catalog's type.
        catalog_type: String,
    },
    /// A customer of the list has no Shopify counterpart (a company location on Shopify
    /// Plus, a customer otherwise).
    UnmappedCustomer {
        /// The list.
        list: PriceListId,
        /// The customer.
        customer: CustomerId,
    },
    /// No customer of the list maps to a Shopify company location, so no catalog can be
    /// made for it (a catalog needs a context).
    NoCompanyLocation {
        /// The list.
        list: PriceListId,
    },
}

impl PriceListFinding {
    /// The list it is about.
    #[must_use]
    pub fn list(&self) -> &PriceListId {
        match self {
            Self::BlankSku { list, .. }
            | Self::NoVariant { list, .. }
            | Self::SeveralVariants { list, .. }
            | Self::VariantPricedTwice { list, .. }
            | Self::NegativePrice { list, .. }
            | Self::InvalidQuantityRule { list, .. }
            | Self::InvalidQuantityBreak { list, .. }
            | Self::NoCurrency { list }
            | Self::CurrencyMismatch { list, .. }
            | Self::ForeignCatalog { list, .. }
            | Self::UnmappedCustomer { list, .. }
            | Self::NoCompanyLocation { list } => list,
        }
    }
}

fn item(id: &ItemId, sku: Option<&str>) -> RecordRef {
    RecordRef::StoklyItem {
        id: id.clone(),
        sku: sku.map(str::to_owned),
    }
}

impl DomainException for PriceListFinding {
    fn flow(&self) -> Flow {
        Flow::PriceList
    }

    fn code(&self) -> &'static str {
        match self {
            Self::BlankSku { .. } => "blank_sku",
            Self::NoVariant { .. } => "no_variant",
            Self::SeveralVariants { .. } => "several_variants",
            Self::VariantPricedTwice { .. } => "variant_priced_twice",
            Self::NegativePrice { .. } => "negative_price",
            Self::InvalidQuantityRule { .. } => "invalid_quantity_rule",
            Self::InvalidQuantityBreak { .. } => "invalid_quantity_break",
            Self::NoCurrency { .. } => "no_currency",
            Self::CurrencyMismatch { .. } => "currency_mismatch",
            Self::ForeignCatalog { .. } => "foreign_catalog",
            Self::UnmappedCustomer { .. } => "unmapped_customer",
            Self::NoCompanyLocation { .. } => "no_company_location",
        }
    }

    fn owner(&self) -> Owner {
        match self {
            Self::NoVariant { .. }
            | Self::SeveralVariants { .. }
            | Self::VariantPricedTwice { .. }
            | Self::ForeignCatalog { .. }
            | Self::UnmappedCustomer { .. }
            | Self::NoCompanyLocation { .. } => Owner::Ecommerce,
            Self::BlankSku { .. }
            | Self::NegativePrice { .. }
            | Self::InvalidQuantityRule { .. }
            | Self::InvalidQuantityBreak { .. }
            | Self::NoCurrency { .. }
            | Self::CurrencyMismatch { .. } => Owner::Operations,
        }
    }

    fn severity(&self) -> Severity {
        match self {
            Self::InvalidQuantityRule { .. }
            | Self::InvalidQuantityBreak { .. }
            | Self::UnmappedCustomer { .. } => Severity::Warning,
            Self::BlankSku { .. }
            | Self::NoVariant { .. }
            | Self::SeveralVariants { .. }
            | Self::VariantPricedTwice { .. }
            | Self::NegativePrice { .. }
            | Self::NoCurrency { .. }
            | Self::CurrencyMismatch { .. }
            | Self::ForeignCatalog { .. }
            | Self::NoCompanyLocation { .. } => Severity::Blocking,
        }
    }

    fn subject(&self) -> Vec<RecordRef> {
        let list = RecordRef::StoklyPriceList {
            id: self.list().clone(),
        };
        let rest: Vec<RecordRef> = match self {
            Self::BlankSku { item: i, .. }
            | Self::NegativePrice { item: i, .. }
            | Self::InvalidQuantityRule { item: i, .. }
            | Self::InvalidQuantityBreak { item: i, .. } => vec![item(i, None)],
            Self::NoVariant { item: i, sku, .. } => vec![item(i, Some(sku))],
            Self::SeveralVariants {
                item: i,
                sku,
                variants,
                ..
            } => std::iter::once(item(i, Some(sku)))
                .chain(variants.iter().map(|v| RecordRef::ShopifyVariant {
                    id: v.clone(),
                    sku: Some(sku.clone()),
                }))
                .collect(),
            Self::VariantPricedTwice { variant, sku, .. } => vec![RecordRef::ShopifyVariant {
                id: variant.clone(),
                sku: Some(sku.clone()),
            }],
            Self::UnmappedCustomer { customer, .. } => vec![RecordRef::StoklyCustomer {
                id: customer.clone(),
            }],
            Self::NoCurrency { .. }
            | Self::CurrencyMismatch { .. }
            | Self::ForeignCatalog { .. }
            | Self::NoCompanyLocation { .. } => Vec::new(),
        };
        std::iter::once(list).chain(rest).collect()
    }

    fn reason(&self) -> String {
        let list = self.list();
        match self {
            Self::BlankSku { item, .. } => {
                format!(
                    "Price list {list}: item {item} has no SKU, so no Shopify variant can be priced."
                )
            }
            Self::NoVariant { item, sku, .. } => format!(
                "Price list {list}: no Shopify variant has the SKU \"{sku}\" of item {item}."
            ),
            Self::SeveralVariants { sku, variants, .. } => format!(
                "Price list {list}: {} Shopify variants share the SKU \"{sku}\"; none is priced.",
                variants.len()
            ),
            Self::VariantPricedTwice { sku, .. } => format!(
                "Price list {list}: the SKU \"{sku}\" is priced on two lines; neither is pushed."
            ),
            Self::NegativePrice { item, price, .. } => {
                format!("Price list {list}: item {item} has the negative price {price}.")
            }
            Self::InvalidQuantityRule { item, problem, .. } => format!(
                "Price list {list}: the quantity rule of item {item} would be refused: {}.",
                problem.label()
            ),
            Self::InvalidQuantityBreak {
                item,
                minimum_quantity,
                problem,
                ..
            } => format!(
                "Price list {list}: the quantity price break from {minimum_quantity} units of \
                 item {item} would be refused: {}; none of the item's breaks is sent.",
                problem.label()
            ),
            Self::NoCurrency { .. } => {
                format!("Price list {list} has no currency; none of its prices can be sent.")
            }
            Self::CurrencyMismatch {
                stokly, shopify, ..
            } => format!(
                "Price list {list} is in {stokly} but its Shopify price list is in {shopify}."
            ),
            Self::ForeignCatalog { catalog_type, .. } => format!(
                "Price list {list}: its Shopify price list belongs to a {catalog_type}, not a \
                 company-location catalog."
            ),
            Self::UnmappedCustomer { customer, .. } => format!(
                "Price list {list}: customer {customer} has no Shopify counterpart, so it does \
                 not get the list."
            ),
            Self::NoCompanyLocation { .. } => format!(
                "Price list {list}: none of its customers is a Shopify company location, so no \
                 catalog can carry it."
            ),
        }
    }

    fn fix_hint(&self) -> String {
        match self {
            Self::BlankSku { .. } => "Give the Stokly item the SKU of its Shopify variant.",
            Self::NoVariant { .. } => {
                "Create the Shopify variant with exactly this SKU, or correct the SKU on either side."
            }
            Self::SeveralVariants { .. } => "Make the SKU unique among Shopify variants.",
            Self::VariantPricedTwice { .. } => "Keep one line per item on the Stokly price list.",
            Self::NegativePrice { .. } => "Correct the price on the Stokly price list.",
            Self::InvalidQuantityRule { .. } => {
                "Correct the minimum, maximum or increment on the Stokly price list."
            }
            Self::InvalidQuantityBreak { .. } => {
                "Correct the item's quantity breaks (or its quantity rule) on the Stokly price list."
            }
            Self::NoCurrency { .. } => "Give the Stokly price list a currency.",
            Self::CurrencyMismatch { .. } => {
                "Change the currency of the Shopify price list (or of the Stokly list) so they agree."
            }
            Self::ForeignCatalog { .. } => {
                "Detach the Shopify price list from that catalog, or rename it so the sync makes its own."
            }
            Self::UnmappedCustomer { .. } => {
                "Give the Shopify company location (or customer) the Stokly customer ID, or map it in the configuration."
            }
            Self::NoCompanyLocation { .. } => {
                "Create the company locations in Shopify with the Stokly customer IDs as external IDs."
            }
        }
        .to_owned()
    }
}
