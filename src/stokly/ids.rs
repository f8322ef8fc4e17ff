//! One ID newtype per Stokly resource.
//!
//! Stokly identifies its records with UUID strings. The crate does not
//! insist on the UUID form: inventory records use the sentinel `UNASSIGNED` for aggregate rows
//! (see [`LocationId::UNASSIGNED`]), and an ID is only ever echoed back to Stokly. An ID is
//! rejected when it is empty, longer than [`MAX_ID_LEN`] bytes, has surrounding whitespace or
//! contains a control character; path segments and filter values are encoded by the client, so
//! no other character is dangerous.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

/// Longest ID accepted, in bytes (a UUID is 36).
pub const MAX_ID_LEN: usize = 128;

/// Why a Stokly ID was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid Stokly {kind} {input:?}: {reason}")]
#[non_exhaustive]
pub struct IdError {
    /// The ID type (`ItemId`...).
    pub kind: &'static str,
    /// The rejected text (IDs are not secrets).
    pub input: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

fn check(kind: &'static str, input: &str) -> Result<(), IdError> {
    let reason = if input.is_empty() {
        "must not be empty"
    } else if input.len() > MAX_ID_LEN {
        "is longer than 128 bytes"
    } else if input.trim() != input {
        "has leading or trailing whitespace"
    } else if input.chars().any(char::is_control) {
        "contains a control character"
    } else {
        return Ok(());
    };
    Err(IdError {
        kind,
        input: input.chars().take(MAX_ID_LEN).collect(),
        reason,
    })
}

macro_rules! stokly_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(Cow<'static, str>);

        impl $name {
            /// Parses and checks an ID.
            ///
            /// # Errors
            /// [`IdError`] if the text is empty, too long, padded with whitespace or contains
            /// a control character.
            pub fn new(input: impl Into<String>) -> Result<Self, IdError> {
                let input = input.into();
                check(stringify!($name), &input)?;
                Ok(Self(Cow::Owned(input)))
            }

            /// The ID as Stokly spells it.
            #[must_use]
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::new(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::new(s)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = IdError;
            fn try_from(s: &str) -> Result<Self, Self::Error> {
                Self::new(s)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let s = String::deserialize(deserializer)?;
                Self::new(s).map_err(serde::de::Error::custom)
            }
        }
    };
}

stokly_id!(
    /// An item (`itemId`): simple, composite, variable parent or manufactured.
    ItemId
);
stokly_id!(
    /// An item type (`itemTypeId`, sent as `typeId`).
    ItemTypeId
);
stokly_id!(
    /// An item attribute (`itemAttributeId`).
    ItemAttributeId
);
stokly_id!(
    /// A sales channel (`channelId`); also a sale order's `sourceId`.
    ChannelId
);
stokly_id!(
    /// A listing (`listingId`): an item as it appears on one sales channel.
    ListingId
);
stokly_id!(
    /// A channel's attribute mapping (`mappingId`).
    MappingId
);
stokly_id!(
    /// A location (`locationId`). Inventory records use [`LocationId::UNASSIGNED`] on
    /// item-level aggregate rows.
    LocationId
);
stokly_id!(
    /// A bin inside a location (`binId`). Inventory records use [`BinId::UNASSIGNED`] on
    /// location-level aggregate rows.
    BinId
);
stokly_id!(
    /// A sale order (`saleOrderId`).
    SaleOrderId
);
stokly_id!(
    /// A line of a sale order (`lineId`).
    SaleOrderLineId
);
stokly_id!(
    /// A customer (`customerId`).
    CustomerId
);
stokly_id!(
    /// A sale invoice (`saleInvoiceId`).
    InvoiceId
);
stokly_id!(
    /// A stock adjustment (the `id` a `POST /v1/adjustments` may return).
    AdjustmentId
);
stokly_id!(
    /// A Stokly user (`userId`), the operator recorded on a sale order.
    UserId
);
stokly_id!(
    /// A tax class (`taxClassId`).
    TaxClassId
);
stokly_id!(
    /// A dispatch (shipment) of a sale order. The resource is **inferred**, not seen.
    DispatchId
);
stokly_id!(
    /// A credit note. The order-refund use is **inferred**, not seen.
    CreditNoteId
);
stokly_id!(
    /// A price list. The resource is **inferred**, not seen.
    PriceListId
);
stokly_id!(
    /// A journal. The resource is **inferred**, not seen.
    JournalId
);

/// The sentinel Stokly writes in `locationId` and `binId` of aggregate inventory rows.
pub const UNASSIGNED: &str = "UNASSIGNED";

impl LocationId {
    /// `UNASSIGNED`: the item-level total row of `/v1/inventory-records` (inferred).
    pub const UNASSIGNED: LocationId = LocationId(Cow::Borrowed(UNASSIGNED));

    /// Whether this is the `UNASSIGNED` sentinel rather than a real location.
    #[must_use]
    pub fn is_unassigned(&self) -> bool {
        self.0 == UNASSIGNED
    }
}

impl BinId {
    /// `UNASSIGNED`: the location-level row of `/v1/inventory-records`.
    pub const UNASSIGNED: BinId = BinId(Cow::Borrowed(UNASSIGNED));

    /// Whether this is the `UNASSIGNED` sentinel rather than a real bin.
    #[must_use]
    pub fn is_unassigned(&self) -> bool {
        self.0 == UNASSIGNED
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        let id: ItemId = "0f8a3c1e-2b7d-4e5f-9a10-3c4d5e6f7a8b".parse().unwrap();
        assert_eq!(id.as_str(), "0f8a3c1e-2b7d-4e5f-9a10-3c4d5e6f7a8b");
        assert_eq!(id.to_string(), id.as_str());
        assert_eq!(
            format!("{id:?}"),
            "ItemId(0f8a3c1e-2b7d-4e5f-9a10-3c4d5e6f7a8b)"
        );
    }

    #[test]
    fn rejects_bad_ids_naming_the_kind() {
        for bad in ["", " x", "x\n", "a\u{0}b"] {
            let e = SaleOrderId::new(bad).unwrap_err();
            assert_eq!(e.kind, "SaleOrderId");
        }
        assert!(CustomerId::new("x".repeat(MAX_ID_LEN + 1)).is_err());
        let e = serde_json::from_str::<ItemId>(r#""""#).unwrap_err();
        assert!(e.to_string().contains("ItemId"), "{e}");
    }

    #[test]
    fn serde_is_a_plain_string() {
        let id: BinId = serde_json::from_str(r#""b-1""#).unwrap();
        assert_eq!(serde_json::to_string(&id).unwrap(), r#""b-1""#);
    }

    #[test]
    fn unassigned_sentinel() {
        let l: LocationId = serde_json::from_str(r#""UNASSIGNED""#).unwrap();
        assert!(l.is_unassigned());
        assert_eq!(l, LocationId::UNASSIGNED);
        assert!(BinId::UNASSIGNED.is_unassigned());
        assert!(!BinId::new("b-1").unwrap().is_unassigned());
    }
}
