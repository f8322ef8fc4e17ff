//! Stokly's enumerations: numeric codes (`format`, `status`, channel `type`) and string values
//! (`stage`, line `status`). Each has an `Unknown` variant holding any value this crate has
//! not met, so decoding keeps working when Stokly adds one; what it means is up to the caller.

/// A numeric code enum with an `Unknown(i64)` fallback. Decodes from a number or a numeric
/// string, encodes as a number, and filters by its code.
macro_rules! int_code {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $code:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vdoc])* $variant,)+
            /// A code this version of the crate does not know.
            Unknown(i64),
        }

        impl $name {
            /// The numeric code as Stokly sends it.
            #[must_use]
            pub fn code(self) -> i64 {
                match self {
                    $(Self::$variant => $code,)+
                    Self::Unknown(c) => c,
                }
            }

            /// The variant for a numeric code.
            #[must_use]
            pub fn from_code(code: i64) -> Self {
                match code {
                    $($code => Self::$variant,)+
                    other => Self::Unknown(other),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}", self.code())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_i64(self.code())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                $crate::stokly::model::lenient::deserialize_code(deserializer).map(Self::from_code)
            }
        }

        impl From<$name> for $crate::stokly::FilterValue {
            fn from(v: $name) -> Self {
                $crate::stokly::FilterValue::text(v.code().to_string())
            }
        }
    };
}

/// A string enum with an `Unknown(String)` fallback ([`crate::wire_enum::wire_enum`]) that
/// also filters by its value.
macro_rules! text_code {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $wire:literal),+ $(,)? }) => {
        $crate::wire_enum::wire_enum!(
            $(#[$doc])* $name { $($(#[$vdoc])* $variant => $wire),+ }
        );

        impl From<$name> for $crate::stokly::FilterValue {
            fn from(v: $name) -> Self {
                $crate::stokly::FilterValue::text(v.as_str())
            }
        }
    };
}

pub(crate) use int_code;
pub(crate) use text_code;
