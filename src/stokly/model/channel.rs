//! Sales channels and listings (one item published to one channel).

use std::fmt;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::codes::int_code;
use super::common::{Extra, Image};
use super::item::ItemFormat;
use super::lenient;
use crate::money::CurrencyCode;
use crate::stokly::ids::{
    ChannelId, ItemId, ItemTypeId, ListingId, LocationId, MappingId, TaxClassId,
};

int_code!(
    /// A channel's `type`.
    ChannelType {
        /// `0`: Stokly's own channel (inferred: skipped by the mapping scripts).
        Stokly => 0,
        /// `2`: eBay.
        Ebay => 2,
        /// `3`: Amazon.
        Amazon => 3,
        /// `4`: WooCommerce.
        WooCommerce => 4,
        /// `5`: Magento.
        Magento => 5,
        /// `6`: Shopify.
        Shopify => 6,
        /// `7`: Shopline.
        Shopline => 7,
    }
);

int_code!(
    /// A channel's `status`. Only `2` is known: deleted (an inference: lists leave it out).
    ChannelStatus {
        /// `2`: deleted.
        Deleted => 2,
    }
);

int_code!(
    /// A listing's `type`.
    ListingType {
        /// `1`: a simple listing (one item; a variant when `listIndividually` is false).
        Simple => 1,
        /// `3`: a variable listing (a product with variant listings).
        Variable => 3,
    }
);

int_code!(
    /// A listing's `status`.
    ListingStatus {
        /// `0`: active.
        Active => 0,
        /// `2`: deleted (an inference: lists leave it out).
        Deleted => 2,
    }
);

int_code!(
    /// A listing message's `type`.
    ListingMessageType {
        /// `0`: a successful sync.
        Success => 0,
        /// `2`: an error.
        Error => 2,
    }
);

/// A channel's connection settings (`data`). They hold the remote store's credentials in clear
/// text (WooCommerce `consumerSecret`, Magento `password`), so `Debug` lists the keys only.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ChannelSettings(pub serde_json::Map<String, serde_json::Value>);

impl ChannelSettings {
    /// One setting.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&serde_json::Value> {
        self.0.get(key)
    }
}

impl fmt::Debug for ChannelSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChannelSettings")
            .field("keys", &self.0.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// A channel as `GET /v0/channels` and `GET /v0/channels/{id}` return it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Channel {
    /// The channel's ID.
    pub channel_id: ChannelId,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Kind of channel.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub channel_type: Option<ChannelType>,
    /// Status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ChannelStatus>,
    /// Whether Stokly pushes inventory to the channel.
    #[serde(
        default,
        with = "lenient::option_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub manage_inventory: Option<bool>,
    /// Whether Stokly pushes product data to the channel.
    #[serde(
        default,
        with = "lenient::option_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub sync_data: Option<bool>,
    /// Locations whose stock is offered on the channel.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inventory_location_ids: Vec<LocationId>,
    /// Connection settings (sensitive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<ChannelSettings>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A listing: a row of `GET /v0/channels/{id}/listings`, or the full record of
/// `GET /v0/listings/{id}`.
///
/// For a Shopify channel, `reference_id` is the Shopify GID: `gid://shopify/ProductVariant/..`
/// on the simple listing of a variant (whose `item_id` is the Stokly variant item), and
/// `gid://shopify/Product/..` on a variable listing, and on a simple listing published as a
/// product of its own (`listIndividually`). An unpublished listing has none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Listing {
    /// The listing's ID.
    pub listing_id: ListingId,
    /// The channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_id: Option<ChannelId>,
    /// The channel's mapping.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mapping_id: Option<MappingId>,
    /// The Stokly item listed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_id: Option<ItemId>,
    /// The remote ID (a Shopify GID on Shopify channels).
    #[serde(
        default,
        with = "lenient::option_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub reference_id: Option<String>,
    /// Simple or variable.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub listing_type: Option<ListingType>,
    /// Status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ListingStatus>,
    /// SKU.
    #[serde(
        default,
        with = "lenient::option_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub sku: Option<String>,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Whether product data is in sync with the channel.
    #[serde(
        default,
        with = "lenient::option_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub data_synchronised: Option<bool>,
    /// Whether inventory is in sync with the channel.
    #[serde(
        default,
        with = "lenient::option_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub inventory_synchronised: Option<bool>,
    /// Whether the listing is published.
    #[serde(
        default,
        with = "lenient::option_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub list_to_channel: Option<bool>,
    /// Stock held back from the channel.
    #[serde(
        default,
        with = "lenient::option_decimal",
        skip_serializing_if = "Option::is_none"
    )]
    pub denied_inventory: Option<Decimal>,
    /// Images.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<Image>,
    /// Barcode.
    #[serde(
        default,
        with = "lenient::option_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub barcode: Option<String>,
    /// Manufacturer part number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mpn: Option<String>,
    /// Manufacturer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manufacturer: Option<String>,
    /// Sale price on the channel (a plain number, in `sale_currency`).
    #[serde(
        default,
        with = "lenient::option_decimal",
        skip_serializing_if = "Option::is_none"
    )]
    pub sale_price: Option<Decimal>,
    /// Currency of `sale_price`.
    #[serde(
        default,
        with = "lenient::option_currency",
        skip_serializing_if = "Option::is_none"
    )]
    pub sale_currency: Option<CurrencyCode>,
    /// Tax rate (Stokly sends a string such as `"0"`).
    #[serde(
        default,
        with = "lenient::option_decimal",
        skip_serializing_if = "Option::is_none"
    )]
    pub tax_rate: Option<Decimal>,
    /// Tax class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_class_id: Option<TaxClassId>,
    /// Format of the item listed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_format: Option<ItemFormat>,
    /// Type of the item listed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_type_id: Option<ItemTypeId>,
    /// Name of that type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_type_name: Option<String>,
    /// The override packet (single-listing reads).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<ListingData>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A listing's override packet (`data` of `GET /v0/listings/{id}`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ListingData {
    /// Backend class of the packet (read-only; never send it back).
    #[serde(
        default,
        rename = "stokly_type",
        skip_serializing_if = "Option::is_none"
    )]
    pub stokly_type: Option<String>,
    /// The item (simple listings).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_id: Option<ItemId>,
    /// Whether a simple item is its own remote product (`true`) or a variant (`false`).
    #[serde(
        default,
        with = "lenient::option_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub list_individually: Option<bool>,
    /// The variable parent item (variable listings).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variable_item_id: Option<ItemId>,
    /// The variant listings (variable listings).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variant_listing_ids: Vec<ListingId>,
    /// SKU override.
    #[serde(
        default,
        with = "lenient::option_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub sku: Option<String>,
    /// Name override.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Barcode override.
    #[serde(
        default,
        with = "lenient::option_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub barcode: Option<String>,
    /// Description override.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Attribute overrides (`attributeId`, unlike items' `itemAttributeId`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<ListingAttribute>,
    /// Every other field (other overrides, `channelSpecifics`...).
    #[serde(flatten)]
    pub extra: Extra,
}

/// A listing attribute override (`{attributeId, value}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ListingAttribute {
    /// The attribute.
    pub attribute_id: String,
    /// The value.
    pub value: serde_json::Value,
}

/// A row of `GET /v0/listings/{id}/messages`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ListingMessage {
    /// Success or error.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub message_type: Option<ListingMessageType>,
    /// The text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// When.
    #[serde(
        default,
        with = "lenient::option_datetime",
        skip_serializing_if = "Option::is_none"
    )]
    pub date: Option<DateTime<Utc>>,
    /// Sequence number.
    #[serde(
        default,
        with = "lenient::option_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub nice_id: Option<u64>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}
