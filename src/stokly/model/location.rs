//! Locations and their bins.

use serde::{Deserialize, Serialize};

use super::codes::{int_code, text_code};
use super::common::{Address, Extra};
use super::lenient;
use crate::stokly::ids::{BinId, LocationId};

int_code!(
    /// A location's `status`.
    LocationStatus {
        /// `0`: active.
        Active => 0,
    }
);

text_code!(
    /// A bin's `status`.
    BinStatus {
        /// `active`.
        Active => "active",
    }
);

text_code!(
    /// A bin's `type`.
    BinType {
        /// `pickable`: stock here can be picked for orders.
        Pickable => "pickable",
        /// `non_pickable`.
        NonPickable => "non_pickable",
    }
);

/// A location as `GET /v0/locations` returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Location {
    /// The location's ID.
    pub location_id: LocationId,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<LocationStatus>,
    /// Address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A bin as `GET /v0/locations/{id}/bins` and `GET /v0/bins` return it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Bin {
    /// The bin's ID.
    pub bin_id: BinId,
    /// Its location (top-level `/v0/bins` rows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<LocationId>,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<BinStatus>,
    /// Pickable or not.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub bin_type: Option<BinType>,
    /// Whether this is its location's default bin (`1` on the wire).
    #[serde(
        default,
        with = "lenient::option_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub default: Option<bool>,
    /// Barcode.
    #[serde(
        default,
        with = "lenient::option_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub barcode: Option<String>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}
