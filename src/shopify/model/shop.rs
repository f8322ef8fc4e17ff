//! The shop and its locations.

use serde::{Deserialize, Serialize};

use crate::money::CurrencyCode;
use crate::shopify::ids::{LocationId, ShopId};

/// The shop: its currency and the limits that hold whatever its plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Shop {
    /// The shop's ID.
    pub id: ShopId,
    /// Display name.
    pub name: String,
    /// `name.myshopify.com`.
    pub myshopify_domain: String,
    /// The shop (settlement) currency.
    pub currency_code: CurrencyCode,
    /// Currencies customers can pay in.
    #[serde(default)]
    pub enabled_presentment_currencies: Vec<CurrencyCode>,
    /// IANA time zone (`Europe/London`).
    pub iana_timezone: String,
    /// The plan.
    pub plan: ShopPlan,
    /// Resource limits.
    pub resource_limits: ShopResourceLimits,
}

/// The shop's plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ShopPlan {
    /// Plan name as shown to merchants.
    pub public_display_name: String,
    /// A development store.
    pub partner_development: bool,
    /// Shopify Plus (a larger GraphQL cost bucket; the client learns it from responses anyway).
    pub shopify_plus: bool,
}

/// `Shop.resourceLimits`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ShopResourceLimits {
    /// Maximum number of locations.
    pub location_limit: i64,
    /// Maximum product options.
    pub max_product_options: i64,
    /// Maximum variants per product.
    pub max_product_variants: i64,
    /// Whether the URL redirect limit is reached.
    pub redirect_limit_reached: bool,
}

/// A location stock can be held at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Location {
    /// The location's ID.
    pub id: LocationId,
    /// Its name.
    pub name: String,
    /// Whether it is active (inactive locations are listed too).
    pub is_active: bool,
    /// Whether it fulfils online orders.
    pub fulfills_online_orders: bool,
    /// Whether it holds active inventory.
    pub has_active_inventory: bool,
    /// Whether it belongs to a fulfilment service app.
    pub is_fulfillment_service: bool,
}
