//! Shopify global IDs (`gid://shopify/Order/123`) and one newtype per resource.

use std::fmt;
use std::str::FromStr;

/// Why a Shopify global ID was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdError {
    /// The text is not of the form `gid://shopify/<Type>/<number>[?key=value&...]`.
    #[error("invalid Shopify global ID {input:?}: {reason}")]
    Malformed {
        /// The rejected text.
        input: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A well-formed ID of another resource type.
    #[error("Shopify global ID {input:?} is a {found}, expected a {expected}")]
    WrongType {
        /// The rejected text.
        input: String,
        /// The resource type the caller asked for.
        expected: &'static str,
        /// The resource type in the ID.
        found: String,
    },
}

const PREFIX: &str = "gid://shopify/";

/// The largest numeric ID Shopify uses: its IDs are signed 64-bit numbers.
pub const MAX_NUMERIC_ID: u64 = i64::MAX as u64;

/// Characters a URL carries unescaped (RFC 3986 "unreserved").
fn is_url_safe(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~".contains(&b)
}

/// URL-safe characters, or `%` of a percent-escape.
fn is_url_safe_or_escape(b: u8) -> bool {
    is_url_safe(b) || b == b'%'
}

/// A validated Shopify global ID of any resource type.
///
/// The numeric part is a number from 1 to [`MAX_NUMERIC_ID`] without leading zeros (Shopify's
/// IDs are positive signed 64-bit numbers). An optional query string of `key=value` pairs of
/// URL-safe characters is kept (Shopify uses it for
/// `gid://shopify/InventoryLevel/1?inventory_item_id=2`).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Gid {
    raw: Box<str>,
    type_end: usize,
    id_end: usize,
}

impl Gid {
    /// Parses and validates a global ID.
    ///
    /// # Errors
    /// [`IdError::Malformed`] naming the ID and what is wrong with it, including a numeric part
    /// of 0 or beyond [`MAX_NUMERIC_ID`].
    pub fn parse(input: &str) -> Result<Self, IdError> {
        let bad = |reason| IdError::Malformed {
            input: input.to_owned(),
            reason,
        };
        let rest = input
            .strip_prefix(PREFIX)
            .ok_or_else(|| bad("missing the gid://shopify/ prefix"))?;
        let (resource, tail) = rest
            .split_once('/')
            .ok_or_else(|| bad("missing the /<id> part"))?;
        if resource.is_empty() || !resource.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(bad("resource type must be ASCII letters and digits"));
        }
        if !resource
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_uppercase())
        {
            return Err(bad("resource type must start with an uppercase letter"));
        }
        let (id, query) = match tail.split_once('?') {
            Some((id, q)) => (id, Some(q)),
            None => (tail, None),
        };
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("the id part must be digits"));
        }
        if id.starts_with('0') {
            return Err(bad(if id.len() == 1 {
                "the id part is 0, which Shopify never uses"
            } else {
                "the id part has a leading zero"
            }));
        }
        if id.parse::<u64>().map_or(true, |n| n > MAX_NUMERIC_ID) {
            return Err(bad(
                "the id part is beyond Shopify's range (a signed 64-bit number)",
            ));
        }
        if let Some(q) = query {
            let pairs_ok = !q.is_empty()
                && q.split('&').all(|pair| {
                    pair.split_once('=').is_some_and(|(k, v)| {
                        !k.is_empty()
                            && k.bytes().all(is_url_safe)
                            && v.bytes().all(is_url_safe_or_escape)
                    })
                });
            if !pairs_ok {
                return Err(bad(
                    "the query part must be key=value pairs of URL-safe characters joined by &",
                ));
            }
        }
        let type_end = PREFIX.len() + resource.len();
        Ok(Self {
            raw: input.into(),
            type_end,
            id_end: type_end + 1 + id.len(),
        })
    }

    /// Builds `gid://shopify/<resource>/<id>`.
    ///
    /// # Errors
    /// [`IdError::Malformed`] if `resource` is not a valid type name or `id` is 0 or beyond
    /// [`MAX_NUMERIC_ID`].
    pub fn new(resource: &str, id: u64) -> Result<Self, IdError> {
        Self::parse(&format!("{PREFIX}{resource}/{id}"))
    }

    /// The whole ID as sent to Shopify.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// The resource type (`Order`, `ProductVariant`...).
    #[must_use]
    pub fn resource_type(&self) -> &str {
        self.raw
            .get(PREFIX.len()..self.type_end)
            .unwrap_or_default()
    }

    /// The numeric ID (Shopify's `legacyResourceId`), from 1 to [`MAX_NUMERIC_ID`].
    #[must_use]
    pub fn numeric_id(&self) -> u64 {
        // Validated on parse to be 1..=MAX_NUMERIC_ID, so the fallback is never taken.
        self.raw
            .get(self.type_end + 1..self.id_end)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0)
    }

    /// A query parameter of the ID, such as `inventory_item_id` on an inventory level.
    #[must_use]
    pub fn query_param(&self, key: &str) -> Option<&str> {
        let query = self.raw.get(self.id_end..)?.strip_prefix('?')?;
        query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v)
    }
}

impl fmt::Display for Gid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

impl fmt::Debug for Gid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Gid({})", self.raw)
    }
}

impl FromStr for Gid {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl serde::Serialize for Gid {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.raw)
    }
}

impl<'de> serde::Deserialize<'de> for Gid {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = std::borrow::Cow::<str>::deserialize(deserializer)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

macro_rules! shopify_id {
    ($(#[$doc:meta])* $name:ident => $resource:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(Gid);

        impl $name {
            /// The Shopify resource type this ID names.
            pub const RESOURCE: &'static str = $resource;

            /// Parses and checks the resource type.
            ///
            /// # Errors
            /// [`IdError`] if the text is not a global ID of this resource type.
            pub fn parse(input: &str) -> Result<Self, IdError> {
                Self::try_from(Gid::parse(input)?)
            }

            /// Builds the ID from Shopify's numeric `legacyResourceId`, checking its range.
            ///
            /// # Errors
            /// [`IdError::Malformed`] naming the ID when `id` is 0 or beyond
            /// [`MAX_NUMERIC_ID`].
            pub fn try_from_numeric(id: u64) -> Result<Self, IdError> {
                Self::try_from(Gid::new($resource, id)?)
            }

            /// Builds the ID from a numeric `legacyResourceId` known to be in Shopify's range
            /// (1 to [`MAX_NUMERIC_ID`]), such as one read from another validated ID or a
            /// test fixture. For a number from outside, use
            /// [`try_from_numeric`](Self::try_from_numeric): this one does not check it.
            #[must_use]
            pub fn from_numeric(id: u64) -> Self {
                let raw: Box<str> = format!("gid://shopify/{}/{id}", $resource).into();
                let type_end = PREFIX.len() + $resource.len();
                let id_end = raw.len();
                Self(Gid { raw, type_end, id_end })
            }

            /// The whole ID as sent to Shopify.
            #[must_use]
            pub fn as_str(&self) -> &str {
                self.0.as_str()
            }

            /// The numeric ID (`legacyResourceId`).
            #[must_use]
            pub fn numeric_id(&self) -> u64 {
                self.0.numeric_id()
            }

            /// The untyped global ID.
            #[must_use]
            pub fn as_gid(&self) -> &Gid {
                &self.0
            }
        }

        impl TryFrom<Gid> for $name {
            type Error = IdError;
            fn try_from(gid: Gid) -> Result<Self, IdError> {
                if gid.resource_type() == $resource {
                    Ok(Self(gid))
                } else {
                    Err(IdError::WrongType {
                        input: gid.as_str().to_owned(),
                        expected: $resource,
                        found: gid.resource_type().to_owned(),
                    })
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                self.0.serialize(serializer)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let gid = Gid::deserialize(deserializer)?;
                Self::try_from(gid).map_err(serde::de::Error::custom)
            }
        }
    };
}

shopify_id!(/// `gid://shopify/Shop/...`
    ShopId => "Shop");
shopify_id!(/// `gid://shopify/Order/...`
    OrderId => "Order");
shopify_id!(/// `gid://shopify/LineItem/...`
    LineItemId => "LineItem");
shopify_id!(/// `gid://shopify/Product/...`
    ProductId => "Product");
shopify_id!(/// `gid://shopify/ProductVariant/...`
    ProductVariantId => "ProductVariant");
shopify_id!(/// `gid://shopify/ProductVariantComponent/...`
    ProductVariantComponentId => "ProductVariantComponent");
shopify_id!(/// `gid://shopify/InventoryItem/...`
    InventoryItemId => "InventoryItem");
shopify_id!(/// `gid://shopify/Location/...`
    LocationId => "Location");
shopify_id!(/// `gid://shopify/FulfillmentOrder/...`
    FulfillmentOrderId => "FulfillmentOrder");
shopify_id!(/// `gid://shopify/FulfillmentOrderLineItem/...`
    FulfillmentOrderLineItemId => "FulfillmentOrderLineItem");
shopify_id!(/// `gid://shopify/Fulfillment/...`
    FulfillmentId => "Fulfillment");
shopify_id!(/// `gid://shopify/Refund/...`
    RefundId => "Refund");
shopify_id!(/// `gid://shopify/OrderTransaction/...`
    OrderTransactionId => "OrderTransaction");
shopify_id!(/// `gid://shopify/ShopifyPaymentsPayout/...`
    PayoutId => "ShopifyPaymentsPayout");
shopify_id!(/// `gid://shopify/ShopifyPaymentsBalanceTransaction/...`
    BalanceTransactionId => "ShopifyPaymentsBalanceTransaction");
shopify_id!(/// `gid://shopify/BulkOperation/...`
    BulkOperationId => "BulkOperation");
shopify_id!(/// `gid://shopify/Customer/...`
    CustomerId => "Customer");
shopify_id!(/// `gid://shopify/Company/...`
    CompanyId => "Company");
shopify_id!(/// `gid://shopify/CompanyLocation/...`
    CompanyLocationId => "CompanyLocation");
shopify_id!(/// `gid://shopify/PriceList/...`
    PriceListId => "PriceList");
shopify_id!(/// `gid://shopify/CompanyLocationCatalog/...`
    CompanyLocationCatalogId => "CompanyLocationCatalog");

/// `gid://shopify/InventoryLevel/<level>?inventory_item_id=<item>`: the one Shopify ID with a
/// query string. Both forms (with and without the query) parse.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InventoryLevelId(Gid);

impl InventoryLevelId {
    /// The Shopify resource type this ID names.
    pub const RESOURCE: &'static str = "InventoryLevel";

    /// Parses and checks the resource type and the `inventory_item_id` parameter, if present.
    ///
    /// # Errors
    /// [`IdError`] if the text is not an inventory level ID.
    pub fn parse(input: &str) -> Result<Self, IdError> {
        Self::try_from(Gid::parse(input)?)
    }

    /// The whole ID as sent to Shopify.
    #[must_use]
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// The numeric level ID (in webhooks this equals the location's numeric ID).
    #[must_use]
    pub fn numeric_id(&self) -> u64 {
        self.0.numeric_id()
    }

    /// The inventory item this level belongs to, when the ID carries it.
    #[must_use]
    pub fn inventory_item_id(&self) -> Option<InventoryItemId> {
        self.0
            .query_param("inventory_item_id")
            .and_then(|v| v.parse::<u64>().ok())
            .and_then(|n| InventoryItemId::try_from_numeric(n).ok())
    }
}

impl TryFrom<Gid> for InventoryLevelId {
    type Error = IdError;
    fn try_from(gid: Gid) -> Result<Self, IdError> {
        if gid.resource_type() != Self::RESOURCE {
            return Err(IdError::WrongType {
                input: gid.as_str().to_owned(),
                expected: Self::RESOURCE,
                found: gid.resource_type().to_owned(),
            });
        }
        if let Some(item) = gid.query_param("inventory_item_id") {
            let in_range = item.bytes().all(|b| b.is_ascii_digit())
                && !item.starts_with('0')
                && item.parse::<u64>().is_ok_and(|n| n <= MAX_NUMERIC_ID);
            if !in_range {
                return Err(IdError::Malformed {
                    input: gid.as_str().to_owned(),
                    reason: "inventory_item_id must be a number from 1 to 9223372036854775807",
                });
            }
        }
        Ok(Self(gid))
    }
}

impl fmt::Display for InventoryLevelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for InventoryLevelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "InventoryLevelId({})", self.as_str())
    }
}

impl FromStr for InventoryLevelId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl serde::Serialize for InventoryLevelId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> serde::Deserialize<'de> for InventoryLevelId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let gid = Gid::deserialize(deserializer)?;
        Self::try_from(gid).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_order_gid() {
        let id = OrderId::parse("gid://shopify/Order/5678").unwrap();
        assert_eq!(id.numeric_id(), 5678);
        assert_eq!(id.as_str(), "gid://shopify/Order/5678");
        assert_eq!(id.as_gid().resource_type(), "Order");
        assert_eq!(OrderId::from_numeric(5678), id);
    }

    #[test]
    fn rejects_wrong_type_and_malformed() {
        let err = OrderId::parse("gid://shopify/Product/1").unwrap_err();
        assert_eq!(
            err,
            IdError::WrongType {
                input: "gid://shopify/Product/1".into(),
                expected: "Order",
                found: "Product".into()
            }
        );
        for bad in [
            "",
            "123",
            "gid://shopify/Order/",
            "gid://shopify/Order/12a",
            "gid://shopify//12",
            "gid://other/Order/1",
            "gid://shopify/order/1",
            "gid://shopify/Order/01",
            "gid://shopify/Order/1?",
            "gid://shopify/Order/1?x",
            "gid://shopify/Order/1/2",
            "gid://shopify/Order/0",
            "gid://shopify/Order/9223372036854775808",
            "gid://shopify/Order/18446744073709551615",
            "gid://shopify/Order/18446744073709551616",
            "gid://shopify/Order/1?a=b c",
            "gid://shopify/Order/1?a b=c",
            "gid://shopify/Order/1?=c",
        ] {
            assert!(Gid::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn numeric_part_must_be_in_shopifys_range() {
        // 2^64 used to parse and read back as 0, so distinct orders shared one number.
        let err = OrderId::parse("gid://shopify/Order/18446744073709551616").unwrap_err();
        assert!(
            err.to_string()
                .contains("gid://shopify/Order/18446744073709551616"),
            "{err}"
        );
        assert!(err.to_string().contains("signed 64-bit"), "{err}");
        let zero = OrderId::parse("gid://shopify/Order/0").unwrap_err();
        assert!(zero.to_string().contains("is 0"), "{zero}");
        let max = OrderId::parse("gid://shopify/Order/9223372036854775807").unwrap();
        assert_eq!(max.numeric_id(), MAX_NUMERIC_ID);
        assert!(OrderId::try_from_numeric(0).is_err());
        assert!(OrderId::try_from_numeric(MAX_NUMERIC_ID + 1).is_err());
        assert_eq!(
            OrderId::try_from_numeric(5).unwrap(),
            OrderId::from_numeric(5)
        );
        assert!(Gid::new("Order", 0).is_err());
        assert!(
            InventoryLevelId::parse(
                "gid://shopify/InventoryLevel/7?inventory_item_id=18446744073709551616"
            )
            .is_err()
        );
        assert!(
            InventoryLevelId::parse("gid://shopify/InventoryLevel/7?inventory_item_id=0").is_err()
        );
    }

    #[test]
    fn decoding_an_out_of_range_id_names_it() {
        // Three such orders used to decode to numeric id 0 and share one sourceReferenceId.
        let err = serde_json::from_str::<OrderId>(r#""gid://shopify/Order/18446744073709551616""#)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("gid://shopify/Order/18446744073709551616"),
            "{err}"
        );
    }

    #[test]
    fn query_suffix_keys_take_any_url_safe_characters() {
        let id = Gid::parse("gid://shopify/Product/12?shopify-draft-proxy=synthetic").unwrap();
        assert_eq!(id.query_param("shopify-draft-proxy"), Some("synthetic"));
        assert_eq!(id.numeric_id(), 12);
        let id = Gid::parse("gid://shopify/Order/3?a.b~c=x-y_z.1~&k=%20v").unwrap();
        assert_eq!(id.query_param("a.b~c"), Some("x-y_z.1~"));
        assert_eq!(id.query_param("k"), Some("%20v"));
    }

    #[test]
    fn inventory_level_with_query() {
        let id = InventoryLevelId::parse(
            "gid://shopify/InventoryLevel/655441491?inventory_item_id=49148385",
        )
        .unwrap();
        assert_eq!(id.numeric_id(), 655_441_491);
        assert_eq!(
            id.inventory_item_id(),
            Some(InventoryItemId::from_numeric(49_148_385))
        );
        let plain = InventoryLevelId::parse("gid://shopify/InventoryLevel/7").unwrap();
        assert_eq!(plain.inventory_item_id(), None);
        assert!(
            InventoryLevelId::parse("gid://shopify/InventoryLevel/7?inventory_item_id=x").is_err()
        );
    }

    #[test]
    fn serde_validates() {
        let id: ProductVariantId =
            serde_json::from_str(r#""gid://shopify/ProductVariant/42""#).unwrap();
        assert_eq!(
            serde_json::to_string(&id).unwrap(),
            r#""gid://shopify/ProductVariant/42""#
        );
        let err = serde_json::from_str::<ProductVariantId>(r#""gid://shopify/Product/42""#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("expected a ProductVariant"), "{err}");
    }

    proptest! {
        #[test]
        fn gid_round_trips(resource in "[A-Z][A-Za-z0-9]{0,30}", id in 1u64..=MAX_NUMERIC_ID) {
            let gid = Gid::new(&resource, id).unwrap();
            prop_assert_eq!(gid.resource_type(), resource.as_str());
            prop_assert_eq!(gid.numeric_id(), id);
            let reparsed: Gid = gid.to_string().parse().unwrap();
            prop_assert_eq!(&reparsed, &gid);
        }

        #[test]
        fn level_round_trips(level in 1u64..=MAX_NUMERIC_ID, item in 1u64..=MAX_NUMERIC_ID) {
            let text = format!("gid://shopify/InventoryLevel/{level}?inventory_item_id={item}");
            let id = InventoryLevelId::parse(&text).unwrap();
            prop_assert_eq!(id.to_string(), text);
            prop_assert_eq!(id.numeric_id(), level);
            prop_assert_eq!(id.inventory_item_id().map(|i| i.numeric_id()), Some(item));
        }

        #[test]
        fn parse_never_panics(s in ".{0,60}") {
            let _ = Gid::parse(&s);
        }
    }
}
