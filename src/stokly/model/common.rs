//! Shapes shared by several resources: amounts, addresses, names, contacts, images, attributes.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::lenient;
use crate::money::{CurrencyCode, Money};
use crate::stokly::ids::ItemAttributeId;

/// Unknown fields of a record, kept so that nothing Stokly sends is lost.
pub type Extra = serde_json::Map<String, serde_json::Value>;

/// Stokly's `{amount, currency}` (`salePrice`, `cost`, `accountBalance`, `value`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Amount {
    /// The amount (number or string on the wire).
    #[serde(with = "lenient::decimal")]
    pub amount: Decimal,
    /// The currency, when given.
    #[serde(
        default,
        with = "lenient::option_currency",
        skip_serializing_if = "Option::is_none"
    )]
    pub currency: Option<CurrencyCode>,
}

impl Amount {
    /// An amount in a currency.
    #[must_use]
    pub fn new(amount: Decimal, currency: CurrencyCode) -> Self {
        Self {
            amount,
            currency: Some(currency),
        }
    }

    /// As [`Money`], when the currency is known.
    #[must_use]
    pub fn to_money(&self) -> Option<Money> {
        self.currency.map(|c| Money::new(self.amount, c))
    }
}

impl From<Money> for Amount {
    fn from(m: Money) -> Self {
        Self::new(m.amount(), m.currency())
    }
}

/// A postal address (`{line1, line2, city, region, country, postcode}`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Address {
    /// First line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line1: Option<String>,
    /// Second line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line2: Option<String>,
    /// Town or city.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// County, state or region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Country (ISO 3166-1 alpha-2 in the code seen).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Postcode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postcode: Option<String>,
}

impl Address {
    /// An empty address, to fill field by field.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }
}

/// A person's name (`{forename, surname}`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PersonName {
    /// Given name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forename: Option<String>,
    /// Family name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub surname: Option<String>,
}

impl PersonName {
    /// A name from its two parts.
    pub fn new(forename: impl Into<String>, surname: impl Into<String>) -> Self {
        Self {
            forename: Some(forename.into()),
            surname: Some(surname.into()),
        }
    }
}

/// A contact of a customer, location or supplier.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Contact {
    /// Given name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forename: Option<String>,
    /// Family name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub surname: Option<String>,
    /// The name again as an object (the scripts send both forms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<PersonName>,
    /// Email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Tags (`"Delivery Contact"`...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

impl Contact {
    /// An empty contact, to fill field by field.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }
}

/// An image (`{uri}`, plus `imageId` and `title` on a listing's images).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Image {
    /// Where the image is (`https://bucket.stok.ly/...`).
    pub uri: String,
    /// The image's ID, on listing images.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_id: Option<String>,
    /// Title, on listing images.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

impl Image {
    /// An image at `uri`.
    pub fn new(uri: impl Into<String>) -> Self {
        Self {
            uri: uri.into(),
            image_id: None,
            title: None,
        }
    }
}

/// An item attribute value (`{itemAttributeId, value}`). Values are free-form JSON: text,
/// numbers, booleans or lists depending on the attribute's type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AttributeValue {
    /// The attribute.
    pub item_attribute_id: ItemAttributeId,
    /// The value.
    pub value: serde_json::Value,
}

impl AttributeValue {
    /// A value for an attribute.
    pub fn new(item_attribute_id: ItemAttributeId, value: impl Into<serde_json::Value>) -> Self {
        Self {
            item_attribute_id,
            value: value.into(),
        }
    }
}
