//! Customers.

use serde::{Deserialize, Serialize};

use super::codes::int_code;
use super::common::{Address, Amount, Contact, Extra, PersonName};
use super::lenient;
use crate::stokly::ids::CustomerId;

int_code!(
    /// A customer's `type`.
    CustomerType {
        /// `1`: a business or trade customer (inferred).
        Company => 1,
    }
);

/// A customer's `name`: an object `{forename, surname}` on create; lists may give text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum CustomerName {
    /// `{forename, surname}`.
    Parts(PersonName),
    /// A single string.
    Text(String),
}

/// A customer as `GET /v0/customers` returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Customer {
    /// The customer's ID.
    pub customer_id: CustomerId,
    /// The external account code (the look-up key).
    #[serde(
        default,
        with = "lenient::option_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub barcode: Option<String>,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<CustomerName>,
    /// Full name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    /// Email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Phone.
    #[serde(
        default,
        with = "lenient::option_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub phone: Option<String>,
    /// Type.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub customer_type: Option<CustomerType>,
    /// Raw status code. Its meaning is unclear (scripts disagree), so it is kept as a number
    /// and should not be used to filter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<i64>,
    /// Account balance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_balance: Option<Amount>,
    /// Billing address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing_address: Option<Address>,
    /// Address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
    /// Shipping addresses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shipping_addresses: Vec<Address>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The body of `POST /v0/customers`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct NewCustomer {
    /// Name parts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<PersonName>,
    /// Full name (or company name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    /// Type.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub customer_type: Option<CustomerType>,
    /// The external account code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub barcode: Option<String>,
    /// Email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Phone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Billing address (the key one script uses).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing_address: Option<Address>,
    /// Address (the key another script uses).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
    /// Shipping addresses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shipping_addresses: Vec<Address>,
    /// Contacts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contacts: Vec<Contact>,
}

impl NewCustomer {
    /// A customer called `full_name`; set the rest field by field.
    pub fn new(full_name: impl Into<String>) -> Self {
        Self {
            full_name: Some(full_name.into()),
            ..Self::default()
        }
    }
}
