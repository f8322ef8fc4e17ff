//! How dispatches become fulfilments: locations, carriers, notifications, policies.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::shopify::LocationId as ShopifyLocationId;
use crate::stokly::LocationId as StoklyLocationId;

/// The most fulfillment-order lines one `fulfillmentCreate` carries (Shopify's input cap is
/// 250 entries, below the 512 lines its documentation names).
pub const MAX_LINES_PER_FULFILMENT: usize = 250;

/// What to do when goods left from another location than the one Shopify's fulfillment order
/// is assigned to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum LocationMismatchPolicy {
    /// Report it; a person moves the fulfillment order (or corrects the dispatch).
    #[default]
    Review,
    /// Plan a `fulfillmentOrderMove` to the dispatching location; the goods are fulfilled by
    /// the run after the move.
    Move,
}

/// Carrier names as Shopify knows them, and how Stokly's names map to them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CarrierNames {
    /// Normalised name (see [`carrier_key`]) -> Shopify's name.
    names: BTreeMap<String, String>,
    /// Normalised name -> tracking page template with `{number}`, for carriers Shopify does
    /// not know.
    url_templates: BTreeMap<String, String>,
}

/// Some of the carriers Shopify builds tracking pages for (its `company` list); names match
/// Shopify's spelling exactly.
pub const SHOPIFY_CARRIERS: &[&str] = &[
    "4PX",
    "Amazon Logistics UK",
    "Amazon Logistics US",
    "An Post",
    "Australia Post",
    "Canada Post",
    "Correos",
    "DHL eCommerce",
    "DHL Express",
    "DPD",
    "DPD UK",
    "Evri",
    "FedEx",
    "GLS",
    "Hermes",
    "La Poste",
    "Parcelforce",
    "PostNL",
    "Royal Mail",
    "UPS",
    "USPS",
    "Yodel",
];

/// A carrier name reduced for comparison: lower case, letters and digits only
/// (`"Royal-Mail "` and `"royalmail"` are the same carrier).
#[must_use]
pub fn carrier_key(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

impl Default for CarrierNames {
    fn default() -> Self {
        let mut names = Self::empty();
        for name in SHOPIFY_CARRIERS {
            names = names.known(name);
        }
        names
            .alias("DHL", "DHL Express")
            .alias("Federal Express", "FedEx")
            .alias("United Parcel Service", "UPS")
    }
}

impl CarrierNames {
    /// No known carrier: every name is sent as it is, with explicit URLs.
    #[must_use]
    pub fn empty() -> Self {
        Self {
            names: BTreeMap::new(),
            url_templates: BTreeMap::new(),
        }
    }

    /// With one more carrier Shopify knows, spelled as Shopify spells it.
    #[must_use]
    pub fn known(mut self, shopify_name: &str) -> Self {
        self.names
            .insert(carrier_key(shopify_name), shopify_name.to_owned());
        self
    }

    /// With another name (Stokly's) for a carrier Shopify knows.
    #[must_use]
    pub fn alias(mut self, stokly_name: &str, shopify_name: &str) -> Self {
        self.names
            .insert(carrier_key(stokly_name), shopify_name.to_owned());
        self
    }

    /// With a tracking page template (`https://track.example/{number}`) for a carrier.
    #[must_use]
    pub fn url_template(mut self, carrier: &str, template: &str) -> Self {
        self.url_templates
            .insert(carrier_key(carrier), template.to_owned());
        self
    }

    /// Shopify's name for a carrier, when Shopify knows it.
    #[must_use]
    pub fn shopify_name(&self, carrier: &str) -> Option<&str> {
        self.names.get(&carrier_key(carrier)).map(String::as_str)
    }

    /// The tracking page of `number` from the carrier's template, if it has one.
    #[must_use]
    pub fn url_for(&self, carrier: &str, number: &str) -> Option<String> {
        self.url_templates
            .get(&carrier_key(carrier))
            .map(|t| t.replace("{number}", number))
    }
}

/// How [`plan_fulfilments`](super::plan_fulfilments) plans.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FulfilmentConfig {
    /// Stokly location -> the Shopify location it ships for.
    pub locations: BTreeMap<StoklyLocationId, ShopifyLocationId>,
    /// Carrier names.
    pub carriers: CarrierNames,
    /// Whether Shopify e-mails the customer about a new fulfilment.
    pub notify_customer: bool,
    /// Whether Shopify e-mails the customer about changed tracking.
    pub notify_on_tracking_update: bool,
    /// Goods from another location than the fulfillment order's.
    pub location_mismatch: LocationMismatchPolicy,
    /// Fulfillment-order lines per `fulfillmentCreate` (at most
    /// [`MAX_LINES_PER_FULFILMENT`]).
    pub max_lines_per_fulfilment: usize,
}

impl FulfilmentConfig {
    /// A configuration with this location map, Shopify's carrier names, customers notified of
    /// new fulfilments only, mismatched locations reviewed, and 250 lines per fulfilment.
    #[must_use]
    pub fn new(locations: BTreeMap<StoklyLocationId, ShopifyLocationId>) -> Self {
        Self {
            locations,
            carriers: CarrierNames::default(),
            notify_customer: true,
            notify_on_tracking_update: false,
            location_mismatch: LocationMismatchPolicy::Review,
            max_lines_per_fulfilment: MAX_LINES_PER_FULFILMENT,
        }
    }

    /// With these carrier names.
    #[must_use]
    pub fn with_carriers(mut self, carriers: CarrierNames) -> Self {
        self.carriers = carriers;
        self
    }

    /// With these notification choices.
    #[must_use]
    pub fn with_notifications(mut self, on_create: bool, on_tracking_update: bool) -> Self {
        self.notify_customer = on_create;
        self.notify_on_tracking_update = on_tracking_update;
        self
    }

    /// With this location-mismatch policy.
    #[must_use]
    pub fn with_location_mismatch(mut self, policy: LocationMismatchPolicy) -> Self {
        self.location_mismatch = policy;
        self
    }

    /// With this many lines per fulfilment (clamped to 1..=[`MAX_LINES_PER_FULFILMENT`]).
    #[must_use]
    pub fn with_max_lines(mut self, lines: usize) -> Self {
        self.max_lines_per_fulfilment = lines.clamp(1, MAX_LINES_PER_FULFILMENT);
        self
    }
}
