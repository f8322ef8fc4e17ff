//! Lenient decoding for Stokly's mixed wire types.
//!
//! Stokly sends the same kind of value in different shapes: money as a JSON number (`salePrice`),
//! a string (`taxRate: "0"`) or inside `{amount, currency}`; flags as `true` or `1`; counts as
//! numbers or strings. These helpers accept every shape seen and keep values exact:
//!
//! - decimals decode from a string or a JSON number (a float is read through its shortest
//!   round-trip text, so `0.1` stays `0.1`), and encode as a JSON number, failing with an error
//!   that names the value when a JSON number could not carry it exactly (more than about 15
//!   significant digits), rather than rounding silently;
//! - flags decode from `true`/`false`, `0`/`1` and their string forms;
//! - counts decode from non-negative integers or their string forms;
//! - datetimes decode from RFC 3339, from `YYYY-MM-DD[T ]HH:MM[:SS[.f]]` without a zone (read as
//!   UTC, as Stokly's filters are), from a bare date, or from epoch seconds / milliseconds
//!   (a number above 10^11 is taken as milliseconds); they encode as RFC 3339 in UTC.
//!
//! Empty strings and `null` decode as `None` in every `option_*` helper.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, TimeZone, Utc};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// A JSON scalar of any kind, as read from the wire.
#[derive(Debug, Clone, PartialEq)]
enum Scalar {
    Null,
    Bool(bool),
    I64(i64),
    U64(u64),
    F64(f64),
    Str(String),
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number, a string, a boolean or null")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Scalar, E> {
        Ok(Scalar::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Scalar, E> {
        Ok(Scalar::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Scalar, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar, E> {
        Ok(Scalar::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
        Ok(Scalar::I64(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
        Ok(Scalar::U64(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
        Ok(Scalar::F64(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
        Ok(Scalar::Str(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Scalar, E> {
        Ok(Scalar::Str(v))
    }
}

fn scalar<'de, D: Deserializer<'de>>(d: D) -> Result<Scalar, D::Error> {
    d.deserialize_any(ScalarVisitor)
}

fn is_blank(s: &str) -> bool {
    s.trim().is_empty()
}

// ---------------------------------------------------------------- decimals

fn decimal_from<E: de::Error>(v: Scalar) -> Result<Option<Decimal>, E> {
    match v {
        Scalar::Null => Ok(None),
        Scalar::I64(i) => Ok(Some(Decimal::from(i))),
        Scalar::U64(u) => Ok(Some(Decimal::from(u))),
        Scalar::F64(f) => {
            if !f.is_finite() {
                return Err(E::custom(format!("{f} is not a finite number")));
            }
            Decimal::from_str(&f.to_string())
                .map(Some)
                .map_err(|_| E::custom(format!("{f} does not fit a decimal")))
        }
        Scalar::Str(s) if is_blank(&s) => Ok(None),
        Scalar::Str(s) => Decimal::from_str(s.trim())
            .or_else(|_| Decimal::from_scientific(s.trim()))
            .map(Some)
            .map_err(|_| E::custom(format!("{s:?} is not a decimal number"))),
        Scalar::Bool(b) => Err(E::custom(format!("expected a number, found {b}"))),
    }
}

/// The exact JSON number for `v`, if there is one.
pub(crate) fn exact_number(v: &Decimal) -> Option<serde_json::Number> {
    if v.fract().is_zero() {
        if let Some(i) = v.to_i64() {
            return Some(i.into());
        }
    }
    let f = v.to_f64()?;
    let back = Decimal::from_str(&f.to_string()).ok()?;
    (back == *v).then_some(())?;
    serde_json::Number::from_f64(f)
}

fn serialize_number<S: Serializer>(v: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    match exact_number(v) {
        Some(n) => n.serialize(s),
        None => Err(serde::ser::Error::custom(format!(
            "{v} cannot be sent as a JSON number without rounding"
        ))),
    }
}

/// A required decimal: string or number in, exact JSON number out.
pub(crate) mod decimal {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(v: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        serialize_number(v, s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        decimal_from(scalar(d)?)?.ok_or_else(|| de::Error::custom("expected a number, found null"))
    }
}

/// An optional decimal (`null` and `""` are `None`).
pub(crate) mod option_decimal {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(v: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => serialize_number(v, s),
            None => s.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Decimal>, D::Error> {
        decimal_from(scalar(d)?)
    }
}

// ---------------------------------------------------------------- integers

fn u64_from<E: de::Error>(v: Scalar) -> Result<Option<u64>, E> {
    match v {
        Scalar::Null => Ok(None),
        Scalar::U64(u) => Ok(Some(u)),
        Scalar::I64(i) => u64::try_from(i)
            .map(Some)
            .map_err(|_| E::custom(format!("expected a count, found {i}"))),
        Scalar::F64(f) if f >= 0.0 && f.fract() == 0.0 && f < 1.8e19 => {
            Ok(Some(f.to_u64().unwrap_or_default()))
        }
        Scalar::Str(s) if is_blank(&s) => Ok(None),
        Scalar::Str(s) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| E::custom(format!("expected a count, found {s:?}"))),
        other => Err(E::custom(format!("expected a count, found {other:?}"))),
    }
}

/// An optional non-negative integer from a number or a string.
pub(crate) mod option_u64 {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(v: &Option<u64>, s: S) -> Result<S::Ok, S::Error> {
        v.serialize(s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        u64_from(scalar(d)?)
    }
}

/// An integer code (enum discriminant) from a number or a numeric string.
fn code_from<E: de::Error>(v: Scalar) -> Result<Option<i64>, E> {
    match v {
        Scalar::Null => Ok(None),
        Scalar::I64(i) => Ok(Some(i)),
        Scalar::U64(u) => i64::try_from(u)
            .map(Some)
            .map_err(|_| E::custom(format!("code {u} is out of range"))),
        Scalar::F64(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(f.to_i64()),
        Scalar::Str(s) if is_blank(&s) => Ok(None),
        Scalar::Str(s) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| E::custom(format!("expected an integer code, found {s:?}"))),
        other => Err(E::custom(format!(
            "expected an integer code, found {other:?}"
        ))),
    }
}

/// Reads an integer code (for the enum macros).
pub(crate) fn deserialize_code<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    code_from(scalar(d)?)?.ok_or_else(|| de::Error::custom("expected an integer code, found null"))
}

// ---------------------------------------------------------------- flags

fn bool_from<E: de::Error>(v: Scalar) -> Result<Option<bool>, E> {
    match v {
        Scalar::Null => Ok(None),
        Scalar::Bool(b) => Ok(Some(b)),
        Scalar::I64(0) | Scalar::U64(0) => Ok(Some(false)),
        Scalar::I64(1) | Scalar::U64(1) => Ok(Some(true)),
        Scalar::Str(s) => match s.trim().to_ascii_lowercase().as_str() {
            "" => Ok(None),
            "0" | "false" => Ok(Some(false)),
            "1" | "true" => Ok(Some(true)),
            _ => Err(E::custom(format!("expected a flag, found {s:?}"))),
        },
        other => Err(E::custom(format!("expected a flag, found {other:?}"))),
    }
}

/// An optional flag from `true`/`false`, `0`/`1` or their strings; encodes as a JSON boolean.
pub(crate) mod option_bool {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(v: &Option<bool>, s: S) -> Result<S::Ok, S::Error> {
        v.serialize(s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
        bool_from(scalar(d)?)
    }
}

// ---------------------------------------------------------------- text

/// An optional string that may arrive as a number (`invoiceNumber`, `barcode`).
pub(crate) mod option_text {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(v: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
        v.serialize(s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        Ok(match scalar(d)? {
            Scalar::Null => None,
            Scalar::Str(s) => Some(s),
            Scalar::I64(i) => Some(i.to_string()),
            Scalar::U64(u) => Some(u.to_string()),
            Scalar::F64(f) => Some(f.to_string()),
            Scalar::Bool(b) => Some(b.to_string()),
        })
    }
}

/// A list of strings that may arrive as an array, a comma-separated string, or `null`.
pub(crate) mod string_list {
    use super::*;

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        List(Vec<Option<String>>),
        Text(String),
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
        Ok(match Option::<Either>::deserialize(d)? {
            None => Vec::new(),
            Some(Either::List(v)) => v.into_iter().flatten().collect(),
            Some(Either::Text(s)) => s
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .collect(),
        })
    }
}

// ---------------------------------------------------------------- currency

/// An optional currency code; `null` and `""` are `None`, anything else must be three letters.
pub(crate) mod option_currency {
    use super::*;
    use crate::money::CurrencyCode;

    pub(crate) fn serialize<S: Serializer>(
        v: &Option<CurrencyCode>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        v.serialize(s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<CurrencyCode>, D::Error> {
        match Option::<String>::deserialize(d)? {
            Some(s) if !is_blank(&s) => CurrencyCode::new(s.trim())
                .map(Some)
                .map_err(de::Error::custom),
            _ => Ok(None),
        }
    }
}

// ---------------------------------------------------------------- datetimes

/// Parses the datetime forms Stokly is seen to use (see the module docs).
pub(crate) fn parse_datetime(text: &str) -> Option<DateTime<Utc>> {
    let t = text.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Some(d.with_timezone(&Utc));
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(n) = NaiveDateTime::parse_from_str(t, format) {
            return Some(Utc.from_utc_datetime(&n));
        }
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f%z"] {
        if let Ok(d) = DateTime::parse_from_str(t, format) {
            return Some(d.with_timezone(&Utc));
        }
    }
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|n| Utc.from_utc_datetime(&n))
}

fn datetime_from<E: de::Error>(v: Scalar) -> Result<Option<DateTime<Utc>>, E> {
    let epoch = |n: i64| {
        let dt = if n.unsigned_abs() > 100_000_000_000 {
            Utc.timestamp_millis_opt(n).single()
        } else {
            Utc.timestamp_opt(n, 0).single()
        };
        dt.map(Some)
            .ok_or_else(|| E::custom(format!("{n} is not a valid epoch time")))
    };
    match v {
        Scalar::Null => Ok(None),
        Scalar::Str(s) if is_blank(&s) => Ok(None),
        Scalar::Str(s) => parse_datetime(&s)
            .map(Some)
            .ok_or_else(|| E::custom(format!("{s:?} is not a recognised date and time"))),
        Scalar::I64(n) => epoch(n),
        Scalar::U64(n) => epoch(i64::try_from(n).unwrap_or(i64::MAX)),
        other => Err(E::custom(format!(
            "expected a date and time, found {other:?}"
        ))),
    }
}

fn serialize_datetime<S: Serializer>(v: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&v.to_rfc3339_opts(SecondsFormat::AutoSi, true))
}

/// A required datetime.
pub(crate) mod datetime {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(v: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        serialize_datetime(v, s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        datetime_from(scalar(d)?)?
            .ok_or_else(|| de::Error::custom("expected a date and time, found null"))
    }
}

/// An optional datetime.
pub(crate) mod option_datetime {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(
        v: &Option<DateTime<Utc>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => serialize_datetime(v, s),
            None => s.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<DateTime<Utc>>, D::Error> {
        datetime_from(scalar(d)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug, Deserialize, Serialize, PartialEq)]
    struct D {
        #[serde(with = "decimal")]
        v: Decimal,
    }
    #[derive(Debug, Deserialize, Serialize, PartialEq)]
    struct O {
        #[serde(default, with = "option_decimal")]
        v: Option<Decimal>,
    }

    fn dec(v: serde_json::Value) -> Result<Decimal, serde_json::Error> {
        serde_json::from_value::<D>(json!({ "v": v })).map(|d| d.v)
    }

    #[test]
    fn decimals_from_numbers_and_strings_stay_exact() {
        assert_eq!(dec(json!(12)).unwrap(), Decimal::new(12, 0));
        assert_eq!(dec(json!(0.1)).unwrap().to_string(), "0.1");
        assert_eq!(dec(json!(19.99)).unwrap().to_string(), "19.99");
        assert_eq!(dec(json!("12.3400")).unwrap().to_string(), "12.3400");
        assert_eq!(dec(json!("-0.5")).unwrap(), Decimal::new(-5, 1));
        assert_eq!(dec(json!("1e3")).unwrap(), Decimal::new(1000, 0));
        assert!(dec(json!("abc")).is_err());
        assert!(dec(json!(true)).is_err());
        assert!(dec(json!(null)).is_err());
        let o: O = serde_json::from_value(json!({"v": ""})).unwrap();
        assert_eq!(o.v, None);
        let o: O = serde_json::from_value(json!({})).unwrap();
        assert_eq!(o.v, None);
    }

    #[test]
    fn decimals_encode_as_exact_numbers_or_fail() {
        let s = |v: Decimal| serde_json::to_string(&D { v });
        assert_eq!(s(Decimal::new(1999, 2)).unwrap(), r#"{"v":19.99}"#);
        assert_eq!(s(Decimal::new(1200, 2)).unwrap(), r#"{"v":12}"#);
        assert_eq!(s(Decimal::new(-5, 1)).unwrap(), r#"{"v":-0.5}"#);
        let too_precise = Decimal::from_str("1234567890.123456789012").unwrap();
        let err = s(too_precise).unwrap_err().to_string();
        assert!(err.contains("1234567890.123456789012"), "{err}");
    }

    #[test]
    fn flags_counts_and_text() {
        #[derive(Deserialize)]
        struct F {
            #[serde(default, with = "option_bool")]
            b: Option<bool>,
            #[serde(default, with = "option_u64")]
            n: Option<u64>,
            #[serde(default, with = "option_text")]
            t: Option<String>,
            #[serde(default, deserialize_with = "string_list::deserialize")]
            l: Vec<String>,
        }
        let f: F =
            serde_json::from_value(json!({"b": 1, "n": "42", "t": 1001, "l": "a, b"})).unwrap();
        assert_eq!(
            (f.b, f.n, f.t.as_deref(), f.l),
            (
                Some(true),
                Some(42),
                Some("1001"),
                vec!["a".to_owned(), "b".to_owned()]
            )
        );
        let f: F =
            serde_json::from_value(json!({"b": "false", "n": 7.0, "l": ["x", null]})).unwrap();
        assert_eq!(
            (f.b, f.n, f.l),
            (Some(false), Some(7), vec!["x".to_owned()])
        );
        assert!(serde_json::from_value::<F>(json!({"b": 2})).is_err());
        assert!(serde_json::from_value::<F>(json!({"n": -1})).is_err());
    }

    #[test]
    fn datetimes_in_every_seen_form() {
        let want = Utc.with_ymd_and_hms(2025, 5, 28, 11, 46, 0).unwrap();
        for text in [
            "2025-05-28T11:46:00Z",
            "2025-05-28T11:46:00.000Z",
            "2025-05-28T12:46:00+01:00",
            "2025-05-28T11:46:00",
            "2025-05-28 11:46:00",
            "2025-05-28T11:46",
        ] {
            assert_eq!(parse_datetime(text), Some(want), "{text}");
        }
        assert_eq!(
            parse_datetime("2025-05-28"),
            Utc.with_ymd_and_hms(2025, 5, 28, 0, 0, 0).single()
        );
        assert_eq!(parse_datetime("yesterday"), None);
        #[derive(Deserialize)]
        struct T {
            #[serde(default, with = "option_datetime")]
            t: Option<DateTime<Utc>>,
        }
        let t: T = serde_json::from_value(json!({"t": 1_748_432_760_000_i64})).unwrap();
        assert_eq!(t.t, Some(want));
        let t: T = serde_json::from_value(json!({"t": 1_748_432_760})).unwrap();
        assert_eq!(t.t, Some(want));
    }
}
