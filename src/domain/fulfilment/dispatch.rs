//! What Stokly dispatched, in the terms the plan needs.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::shopify::{LineItemId, OrderId};
use crate::stokly::{LocationId as StoklyLocationId, SaleOrderId};

/// One parcel of a dispatch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Parcel {
    /// The carrier's tracking number (`None`: untracked).
    pub tracking_number: Option<String>,
    /// The carrier's tracking page for it.
    pub tracking_url: Option<String>,
}

impl Parcel {
    /// A tracked parcel.
    #[must_use]
    pub fn tracked(number: impl Into<String>, url: Option<String>) -> Self {
        Self {
            tracking_number: Some(number.into()),
            tracking_url: url,
        }
    }

    /// A parcel without tracking.
    #[must_use]
    pub fn untracked() -> Self {
        Self {
            tracking_number: None,
            tracking_url: None,
        }
    }
}

/// One component of a bundle line as dispatched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BundleComponent {
    /// The component's SKU.
    pub sku: String,
    /// Units of the component in one unit of the bundle line.
    pub per_unit: i64,
    /// Units of the component dispatched.
    pub dispatched: i64,
}

impl BundleComponent {
    /// A component of the recipe and what was dispatched of it (0 when none).
    #[must_use]
    pub fn new(sku: impl Into<String>, per_unit: i64, dispatched: i64) -> Self {
        Self {
            sku: sku.into(),
            per_unit,
            dispatched,
        }
    }
}

/// A dispatched line, named by the Shopify order line its sale-order line came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum DispatchedLine {
    /// Units of the line's item.
    Item {
        /// The Shopify order line.
        line_item: LineItemId,
        /// Units dispatched.
        quantity: i64,
    },
    /// A bundle line whose components Stokly dispatches: every component of the recipe,
    /// with what was dispatched of it. Only whole bundle units count.
    Bundle {
        /// The Shopify order line of the bundle.
        line_item: LineItemId,
        /// The recipe's components.
        components: Vec<BundleComponent>,
    },
}

impl DispatchedLine {
    /// The Shopify order line.
    #[must_use]
    pub fn line_item(&self) -> &LineItemId {
        match self {
            Self::Item { line_item, .. } | Self::Bundle { line_item, .. } => line_item,
        }
    }
}

/// One dispatch of a sale order: lines shipped together by one carrier from one location, in
/// one or more parcels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Dispatch {
    /// Stokly's reference of the dispatch (stable across reads).
    pub id: String,
    /// The sale order.
    pub sale_order: SaleOrderId,
    /// The Shopify order the sale order came from.
    pub order: OrderId,
    /// The Stokly location it left from.
    pub location: StoklyLocationId,
    /// When it left.
    pub dispatched_at: DateTime<Utc>,
    /// The carrier as Stokly names it.
    pub carrier: Option<String>,
    /// The parcels.
    pub parcels: Vec<Parcel>,
    /// What was in them.
    pub lines: Vec<DispatchedLine>,
}

impl Dispatch {
    /// A dispatch with no carrier, parcel or line yet.
    #[must_use]
    pub fn new(
        id: impl Into<String>,
        sale_order: SaleOrderId,
        order: OrderId,
        location: StoklyLocationId,
        dispatched_at: DateTime<Utc>,
    ) -> Self {
        Self {
            id: id.into(),
            sale_order,
            order,
            location,
            dispatched_at,
            carrier: None,
            parcels: Vec::new(),
            lines: Vec::new(),
        }
    }

    /// With this carrier.
    #[must_use]
    pub fn carrier(mut self, carrier: impl Into<String>) -> Self {
        self.carrier = Some(carrier.into());
        self
    }

    /// With one more parcel.
    #[must_use]
    pub fn parcel(mut self, parcel: Parcel) -> Self {
        self.parcels.push(parcel);
        self
    }

    /// With units of one more order line.
    #[must_use]
    pub fn item(mut self, line_item: LineItemId, quantity: i64) -> Self {
        self.lines.push(DispatchedLine::Item {
            line_item,
            quantity,
        });
        self
    }

    /// With one more bundle line.
    #[must_use]
    pub fn bundle(mut self, line_item: LineItemId, components: Vec<BundleComponent>) -> Self {
        self.lines.push(DispatchedLine::Bundle {
            line_item,
            components,
        });
        self
    }

    /// Its tracking numbers, in parcel order.
    pub fn tracking_numbers(&self) -> impl Iterator<Item = &str> {
        self.parcels
            .iter()
            .filter_map(|p| p.tracking_number.as_deref())
    }
}
