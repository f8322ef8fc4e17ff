//! Why a level is not written, and the stock problems a person must fix.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::domain::catalogue::{ShopifyEntry, StoklyEntry};
use crate::domain::exception::{DomainException, Flow, Owner, RecordRef, Severity, printable};
use crate::shopify::{LocationId as ShopifyLocationId, ProductVariantId};
use crate::stokly::{ItemId, LocationId as StoklyLocationId};

/// A Shopify variant as findings name it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[non_exhaustive]
pub struct VariantRef {
    /// The variant.
    pub id: ProductVariantId,
    /// Its SKU as Shopify holds it.
    pub sku: Option<String>,
}

impl VariantRef {
    pub(crate) fn of(entry: &ShopifyEntry) -> Self {
        Self {
            id: entry.id.clone(),
            sku: entry.sku.clone(),
        }
    }

    fn record(&self) -> RecordRef {
        RecordRef::ShopifyVariant {
            id: self.id.clone(),
            sku: self.sku.clone(),
        }
    }
}

/// A Stokly item as findings name it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ItemRef {
    /// The item.
    pub id: ItemId,
    /// Its SKU as Stokly holds it.
    pub sku: Option<String>,
}

impl ItemRef {
    pub(crate) fn of(entry: &StoklyEntry) -> Self {
        Self {
            id: entry.id.clone(),
            sku: entry.sku.clone(),
        }
    }

    pub(crate) fn bare(id: &ItemId) -> Self {
        Self {
            id: id.clone(),
            sku: None,
        }
    }

    fn record(&self) -> RecordRef {
        RecordRef::StoklyItem {
            id: self.id.clone(),
            sku: self.sku.clone(),
        }
    }
}

/// A quantity field of a Stokly inventory record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StockField {
    /// `onHand`.
    OnHand,
    /// `quarantined`.
    Quarantined,
    /// The total computed for a Shopify location.
    ComputedTotal,
    /// Units on Shopify orders not yet in Stokly (for a component, its share of them).
    InFlight,
    /// A composite's units of one component, over all its lines.
    PerComposite,
}

impl StockField {
    /// The field's name.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::OnHand => "onHand",
            Self::Quarantined => "quarantined",
            Self::ComputedTotal => "computed total",
            Self::InFlight => "in-flight demand",
            Self::PerComposite => "quantity per composite",
        }
    }
}

/// Why a Shopify level is not written, or what is wrong with the stock behind it.
///
/// Skips by design (native bundle parents, untracked items, unmapped locations) are
/// [`Severity::Info`]; the rest need a person.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum InventoryFinding {
    /// A Shopify native bundle parent (`requiresComponents`): Shopify derives its
    /// availability from its components, so it is never written.
    NativeBundleParent {
        /// The bundle variant.
        variant: VariantRef,
    },
    /// Shopify does not track the variant's inventory item, so it is never written.
    UntrackedItem {
        /// The variant.
        variant: VariantRef,
    },
    /// Levels at a Shopify location that no Stokly location feeds; never written.
    UnmappedLocation {
        /// The location.
        location: ShopifyLocationId,
        /// How many levels in scope sit there.
        levels: usize,
    },
    /// The variant has no SKU (or only spaces and invisible characters).
    BlankSku {
        /// The variant.
        variant: VariantRef,
    },
    /// No Stokly item has the variant's SKU.
    UnknownSku {
        /// The variant.
        variant: VariantRef,
    },
    /// Several active Stokly items have the variant's SKU.
    AmbiguousStoklySku {
        /// The variant.
        variant: VariantRef,
        /// The items.
        items: Vec<ItemRef>,
    },
    /// Only deleted Stokly items have the variant's SKU.
    DeletedInStokly {
        /// The variant.
        variant: VariantRef,
        /// The deleted items.
        items: Vec<ItemRef>,
    },
    /// Several Shopify variants share a SKU; writing the same stock to each would offer it
    /// twice.
    DuplicateShopifySku {
        /// The SKU.
        sku: String,
        /// The variants.
        variants: Vec<VariantRef>,
    },
    /// The variant's SKU is a Stokly variable parent, which holds no stock.
    VariableParentSku {
        /// The variant.
        variant: VariantRef,
        /// The parent item.
        item: ItemRef,
    },
    /// The variant is not stocked at a mapped Shopify location (no level exists), so its
    /// stock there cannot be set until the item is activated at the location.
    NotStockedAtLocation {
        /// The variant.
        variant: VariantRef,
        /// The location.
        location: ShopifyLocationId,
    },
    /// A Stokly quantity is not a whole number.
    FractionalQuantity {
        /// The item.
        item: ItemRef,
        /// The Stokly location.
        location: StoklyLocationId,
        /// Which quantity.
        field: StockField,
        /// The value.
        value: Decimal,
    },
    /// A quantity does not fit Shopify's bounds (±1,000,000,000), or a sum of Stokly
    /// quantities or in-flight demand does not fit a decimal (then `value` is
    /// [`Decimal::MAX`]).
    QuantityOutOfRange {
        /// The item.
        item: ItemRef,
        /// The Stokly location, or the Shopify location's ID for a computed total, in-flight
        /// demand or a composite's component quantity.
        location: String,
        /// Which quantity.
        field: StockField,
        /// The value.
        value: Decimal,
    },
    /// Stokly holds less than nothing for sale (after quarantine and in-flight orders);
    /// Shopify is told zero.
    NegativeStock {
        /// The item.
        item: ItemRef,
        /// The Shopify location.
        location: ShopifyLocationId,
        /// The computed quantity.
        quantity: i64,
    },
    /// A composite without components: its availability cannot be derived.
    CompositeWithoutComponents {
        /// The composite.
        composite: ItemRef,
    },
    /// A composite component with no quantity, or a quantity that is not positive.
    InvalidComponentQuantity {
        /// The composite.
        composite: ItemRef,
        /// The component.
        component: ItemRef,
        /// The quantity Stokly gave.
        quantity: Option<Decimal>,
    },
    /// A composite component that is not among the Stokly items, or is itself a composite.
    UnusableComponent {
        /// The composite.
        composite: ItemRef,
        /// The component.
        component: ItemRef,
        /// Whether the component is itself a composite (otherwise it is unknown).
        nested_composite: bool,
    },
    /// In-flight demand for a SKU that matches no single active Stokly item; it reduces
    /// nothing.
    InFlightSkuNotFound {
        /// The SKU on the order.
        sku: String,
        /// Units.
        quantity: u64,
    },
    /// An item asked about is not among the Stokly items.
    UnknownStoklyItem {
        /// The item.
        item: ItemRef,
    },
    /// A batch could not be encoded to compute its idempotency key; it was left out.
    BatchNotEncodable {
        /// The encoder's message.
        message: String,
    },
}

fn sku_text(sku: Option<&str>) -> String {
    match sku {
        Some(sku) => format!("\"{}\"", printable(sku)),
        None => "(no SKU)".to_owned(),
    }
}

impl InventoryFinding {
    /// Whether this is a skip by design (nothing to fix).
    #[must_use]
    pub fn is_by_design(&self) -> bool {
        matches!(
            self,
            Self::NativeBundleParent { .. }
                | Self::UntrackedItem { .. }
                | Self::UnmappedLocation { .. }
        )
    }
}

impl DomainException for InventoryFinding {
    fn flow(&self) -> Flow {
        Flow::Inventory
    }

    fn code(&self) -> &'static str {
        match self {
            Self::NativeBundleParent { .. } => "native_bundle_parent",
            Self::UntrackedItem { .. } => "untracked_item",
            Self::UnmappedLocation { .. } => "unmapped_location",
            Self::BlankSku { .. } => "blank_sku",
            Self::UnknownSku { .. } => "unknown_sku",
            Self::AmbiguousStoklySku { .. } => "ambiguous_stokly_sku",
            Self::DeletedInStokly { .. } => "deleted_in_stokly",
            Self::DuplicateShopifySku { .. } => "duplicate_shopify_sku",
            Self::VariableParentSku { .. } => "variable_parent_sku",
            Self::NotStockedAtLocation { .. } => "not_stocked_at_location",
            Self::FractionalQuantity { .. } => "fractional_quantity",
            Self::QuantityOutOfRange { .. } => "quantity_out_of_range",
            Self::NegativeStock { .. } => "negative_stock",
            Self::CompositeWithoutComponents { .. } => "composite_without_components",
            Self::InvalidComponentQuantity { .. } => "invalid_component_quantity",
            Self::UnusableComponent { .. } => "unusable_component",
            Self::InFlightSkuNotFound { .. } => "in_flight_sku_not_found",
            Self::UnknownStoklyItem { .. } => "unknown_stokly_item",
            Self::BatchNotEncodable { .. } => "batch_not_encodable",
        }
    }

    fn owner(&self) -> Owner {
        match self {
            Self::NativeBundleParent { .. }
            | Self::UntrackedItem { .. }
            | Self::BlankSku { .. }
            | Self::UnknownSku { .. }
            | Self::DuplicateShopifySku { .. }
            | Self::VariableParentSku { .. }
            | Self::NotStockedAtLocation { .. }
            | Self::InFlightSkuNotFound { .. }
            | Self::BatchNotEncodable { .. } => Owner::Ecommerce,
            Self::UnknownStoklyItem { .. } => Owner::Operations,
            Self::UnmappedLocation { .. }
            | Self::AmbiguousStoklySku { .. }
            | Self::DeletedInStokly { .. }
            | Self::FractionalQuantity { .. }
            | Self::QuantityOutOfRange { .. }
            | Self::NegativeStock { .. }
            | Self::CompositeWithoutComponents { .. }
            | Self::InvalidComponentQuantity { .. }
            | Self::UnusableComponent { .. } => Owner::Operations,
        }
    }

    fn severity(&self) -> Severity {
        match self {
            Self::NativeBundleParent { .. }
            | Self::UntrackedItem { .. }
            | Self::UnmappedLocation { .. } => Severity::Info,
            Self::UnknownSku { .. }
            | Self::BlankSku { .. }
            | Self::DeletedInStokly { .. }
            | Self::VariableParentSku { .. }
            | Self::NotStockedAtLocation { .. }
            | Self::NegativeStock { .. }
            | Self::InFlightSkuNotFound { .. } => Severity::Warning,
            Self::AmbiguousStoklySku { .. }
            | Self::DuplicateShopifySku { .. }
            | Self::FractionalQuantity { .. }
            | Self::QuantityOutOfRange { .. }
            | Self::CompositeWithoutComponents { .. }
            | Self::InvalidComponentQuantity { .. }
            | Self::UnusableComponent { .. }
            | Self::UnknownStoklyItem { .. }
            | Self::BatchNotEncodable { .. } => Severity::Blocking,
        }
    }

    fn subject(&self) -> Vec<RecordRef> {
        match self {
            Self::NativeBundleParent { variant }
            | Self::UntrackedItem { variant }
            | Self::BlankSku { variant }
            | Self::UnknownSku { variant } => vec![variant.record()],
            Self::NotStockedAtLocation { variant, location } => vec![
                variant.record(),
                RecordRef::ShopifyLocation {
                    id: location.clone(),
                },
            ],
            Self::AmbiguousStoklySku { variant, items }
            | Self::DeletedInStokly { variant, items } => std::iter::once(variant.record())
                .chain(items.iter().map(ItemRef::record))
                .collect(),
            Self::DuplicateShopifySku { variants, .. } => {
                variants.iter().map(VariantRef::record).collect()
            }
            Self::VariableParentSku { variant, item } => vec![variant.record(), item.record()],
            Self::FractionalQuantity { item, .. }
            | Self::QuantityOutOfRange { item, .. }
            | Self::NegativeStock { item, .. }
            | Self::UnknownStoklyItem { item } => vec![item.record()],
            Self::CompositeWithoutComponents { composite } => vec![composite.record()],
            Self::InvalidComponentQuantity {
                composite,
                component,
                ..
            }
            | Self::UnusableComponent {
                composite,
                component,
                ..
            } => vec![composite.record(), component.record()],
            Self::UnmappedLocation { location, .. } => vec![RecordRef::ShopifyLocation {
                id: location.clone(),
            }],
            Self::InFlightSkuNotFound { .. } | Self::BatchNotEncodable { .. } => Vec::new(),
        }
    }

    fn reason(&self) -> String {
        match self {
            Self::NativeBundleParent { variant } => format!(
                "Shopify variant {} (SKU {}) is a bundle parent; Shopify derives its stock from its components, so it is not written.",
                variant.id.numeric_id(),
                sku_text(variant.sku.as_deref())
            ),
            Self::UntrackedItem { variant } => format!(
                "Shopify does not track inventory for variant {} (SKU {}), so its stock is not written.",
                variant.id.numeric_id(),
                sku_text(variant.sku.as_deref())
            ),
            Self::UnmappedLocation { location, levels } => format!(
                "Shopify location {} is fed by no Stokly location; its {levels} level(s) are not written.",
                location.numeric_id()
            ),
            Self::BlankSku { variant } => format!(
                "Shopify variant {} has no SKU, so no Stokly stock can be matched to it.",
                variant.id.numeric_id()
            ),
            Self::UnknownSku { variant } => format!(
                "No Stokly item has SKU {} of Shopify variant {}; its stock is not written.",
                sku_text(variant.sku.as_deref()),
                variant.id.numeric_id()
            ),
            Self::AmbiguousStoklySku { variant, items } => format!(
                "{} active Stokly items share SKU {} of Shopify variant {}; its stock is not written.",
                items.len(),
                sku_text(variant.sku.as_deref()),
                variant.id.numeric_id()
            ),
            Self::DeletedInStokly { variant, .. } => format!(
                "SKU {} of Shopify variant {} belongs only to deleted Stokly items; its stock is not written.",
                sku_text(variant.sku.as_deref()),
                variant.id.numeric_id()
            ),
            Self::DuplicateShopifySku { sku, variants } => format!(
                "{} Shopify variants share SKU {}; writing Stokly's stock to each would offer it more than once, so none is written.",
                variants.len(),
                sku_text(Some(sku))
            ),
            Self::VariableParentSku { variant, item } => format!(
                "Shopify variant {} has the SKU {} of Stokly variable parent {}, which holds no stock.",
                variant.id.numeric_id(),
                sku_text(variant.sku.as_deref()),
                item.id
            ),
            Self::NotStockedAtLocation { variant, location } => format!(
                "Shopify variant {} (SKU {}) is not stocked at mapped location {}, so its stock there cannot be set.",
                variant.id.numeric_id(),
                sku_text(variant.sku.as_deref()),
                location.numeric_id()
            ),
            Self::FractionalQuantity {
                item,
                location,
                field,
                value,
            } => format!(
                "Stokly item {} (SKU {}) has {} {value} at location {location}, not a whole number; its stock there is not written.",
                item.id,
                sku_text(item.sku.as_deref()),
                field.label()
            ),
            Self::QuantityOutOfRange {
                item,
                location,
                field,
                value,
            } => format!(
                "Stokly item {} (SKU {}) has {} {value} at location {location}, beyond what Shopify accepts; its stock there is not written.",
                item.id,
                sku_text(item.sku.as_deref()),
                field.label()
            ),
            Self::NegativeStock {
                item,
                location,
                quantity,
            } => format!(
                "Stokly item {} (SKU {}) has {quantity} for sale at Shopify location {}; Shopify is told 0.",
                item.id,
                sku_text(item.sku.as_deref()),
                location.numeric_id()
            ),
            Self::CompositeWithoutComponents { composite } => format!(
                "Stokly composite {} (SKU {}) has no components, so its stock cannot be derived and is not written.",
                composite.id,
                sku_text(composite.sku.as_deref())
            ),
            Self::InvalidComponentQuantity {
                composite,
                component,
                quantity,
            } => format!(
                "Component {} of Stokly composite {} (SKU {}) has quantity {}, not a positive number; the composite's stock is not written.",
                component.id,
                composite.id,
                sku_text(composite.sku.as_deref()),
                quantity.map_or_else(|| "(none)".to_owned(), |q| q.to_string())
            ),
            Self::UnusableComponent {
                composite,
                component,
                nested_composite,
            } => format!(
                "Component {} of Stokly composite {} (SKU {}) is {}; the composite's stock is not written.",
                component.id,
                composite.id,
                sku_text(composite.sku.as_deref()),
                if *nested_composite {
                    "itself a composite"
                } else {
                    "not a known Stokly item"
                }
            ),
            Self::InFlightSkuNotFound { sku, quantity } => format!(
                "{quantity} unit(s) of SKU {} are on Shopify orders not yet in Stokly, but no single active Stokly item has that SKU.",
                sku_text(Some(sku))
            ),
            Self::UnknownStoklyItem { item } => {
                format!(
                    "Stokly item {} is not among the Stokly items read.",
                    item.id
                )
            }
            Self::BatchNotEncodable { message } => {
                format!("A batch could not be encoded and was left out: {message}.")
            }
        }
    }

    fn fix_hint(&self) -> String {
        match self {
            Self::NativeBundleParent { .. } | Self::UntrackedItem { .. } => {
                "Nothing to do unless the variant should be stocked directly.".to_owned()
            }
            Self::UnmappedLocation { .. } => {
                "Map the Shopify location to the Stokly locations that should feed it, if it sells stock.".to_owned()
            }
            Self::BlankSku { .. } | Self::UnknownSku { .. } => {
                "Give the Shopify variant the exact SKU of its Stokly item.".to_owned()
            }
            Self::AmbiguousStoklySku { .. } => {
                "Give each Stokly item a unique SKU.".to_owned()
            }
            Self::DeletedInStokly { .. } => {
                "Restore the Stokly item or archive the Shopify variant.".to_owned()
            }
            Self::DuplicateShopifySku { .. } => {
                "Give each Shopify variant a unique SKU.".to_owned()
            }
            Self::VariableParentSku { .. } => {
                "Give the Shopify variant the SKU of one Stokly variant item.".to_owned()
            }
            Self::NotStockedAtLocation { .. } => {
                "Activate the variant's inventory item at the Shopify location.".to_owned()
            }
            Self::FractionalQuantity { .. } | Self::QuantityOutOfRange { .. } => {
                "Correct the quantity in Stokly.".to_owned()
            }
            Self::NegativeStock { .. } => {
                "Count the item in Stokly and correct its stock.".to_owned()
            }
            Self::CompositeWithoutComponents { .. }
            | Self::InvalidComponentQuantity { .. }
            | Self::UnusableComponent { .. } => {
                "Fix the composite's components in Stokly (simple items, positive quantities).".to_owned()
            }
            Self::InFlightSkuNotFound { .. } => {
                "Check the order line's SKU against Stokly.".to_owned()
            }
            Self::UnknownStoklyItem { .. } => {
                "Read the item with the rest of the catalogue.".to_owned()
            }
            Self::BatchNotEncodable { .. } => "Report this as a bug.".to_owned(),
        }
    }
}
