//! Exact money: a [`Decimal`] amount with its ISO 4217 currency.
//!
//! Amounts are never floats. Adding or subtracting two currencies is an error, not a panic,
//! and [`Money::allocate`] splits an amount so that the parts always sum to the whole.

use std::fmt;
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// Errors from money arithmetic and parsing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MoneyError {
    /// Two amounts in different currencies were combined.
    #[error("currency mismatch: {left} and {right}")]
    CurrencyMismatch {
        /// Currency of the left operand.
        left: CurrencyCode,
        /// Currency of the right operand.
        right: CurrencyCode,
    },
    /// The result does not fit in a `Decimal`.
    #[error("amount overflow in {operation}")]
    Overflow {
        /// The operation that overflowed.
        operation: &'static str,
    },
    /// A currency code is not three ASCII letters.
    #[error("invalid currency code {0:?}: expected three letters such as \"USD\"")]
    InvalidCurrency(String),
    /// An amount is not a decimal number.
    #[error("invalid amount {input:?}: expected a decimal number such as \"12.30\"")]
    InvalidAmount {
        /// The text that did not parse.
        input: String,
    },
    /// An allocation was asked for with no weights, a negative weight or weights summing to zero.
    #[error("invalid allocation weights: {reason}")]
    InvalidWeights {
        /// What is wrong with the weights.
        reason: &'static str,
    },
}

/// An ISO 4217 currency code (three uppercase ASCII letters), as Shopify's `CurrencyCode`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CurrencyCode([u8; 3]);

impl CurrencyCode {
    /// Pound sterling.
    pub const GBP: Self = Self(*b"GBP");
    /// Euro.
    pub const EUR: Self = Self(*b"EUR");
    /// US dollar.
    pub const USD: Self = Self(*b"USD");
    /// Canadian dollar.
    pub const CAD: Self = Self(*b"CAD");
    /// Australian dollar.
    pub const AUD: Self = Self(*b"AUD");
    /// Japanese yen.
    pub const JPY: Self = Self(*b"JPY");

    /// Parses a code; lowercase input is upper-cased.
    ///
    /// # Errors
    /// [`MoneyError::InvalidCurrency`] unless the input is exactly three ASCII letters.
    pub fn new(code: &str) -> Result<Self, MoneyError> {
        match code.as_bytes() {
            [a, b, c] if code.bytes().all(|x| x.is_ascii_alphabetic()) => Ok(Self([
                a.to_ascii_uppercase(),
                b.to_ascii_uppercase(),
                c.to_ascii_uppercase(),
            ])),
            _ => Err(MoneyError::InvalidCurrency(code.to_owned())),
        }
    }

    /// The code as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        // Constructed from ASCII letters only, so this never fails; fall back defensively.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }

    /// Digits after the decimal point in the currency's minor unit (ISO 4217).
    #[must_use]
    pub fn minor_units(&self) -> u32 {
        match self.as_str() {
            "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF"
            | "UGX" | "UYI" | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
            "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
            _ => 2,
        }
    }
}

impl fmt::Display for CurrencyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for CurrencyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CurrencyCode({})", self.as_str())
    }
}

impl FromStr for CurrencyCode {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl Serialize for CurrencyCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for CurrencyCode {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Self::new(&s).map_err(serde::de::Error::custom)
    }
}

/// An exact amount of one currency.
///
/// Serialises as Shopify's `MoneyV2`: `{"amount": "12.30", "currencyCode": "EUR"}`, with the
/// amount as a decimal string; deserialises the amount from a string or a JSON number.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Money {
    #[serde(with = "rust_decimal::serde::str")]
    amount: Decimal,
    currency_code: CurrencyCode,
}

impl Money {
    /// An amount in a currency.
    #[must_use]
    pub fn new(amount: Decimal, currency: CurrencyCode) -> Self {
        Self {
            amount,
            currency_code: currency,
        }
    }

    /// Zero in a currency.
    #[must_use]
    pub fn zero(currency: CurrencyCode) -> Self {
        Self::new(Decimal::ZERO, currency)
    }

    /// Parses `"12.30"` in `currency`.
    ///
    /// # Errors
    /// [`MoneyError::InvalidCurrency`] for a bad code, [`MoneyError::InvalidAmount`] for an
    /// amount that is not a decimal number.
    pub fn parse(amount: &str, currency: &str) -> Result<Self, MoneyError> {
        let currency = CurrencyCode::new(currency)?;
        let amount =
            Decimal::from_str_exact(amount.trim()).map_err(|_| MoneyError::InvalidAmount {
                input: amount.to_owned(),
            })?;
        Ok(Self::new(amount, currency))
    }

    /// The amount.
    #[must_use]
    pub fn amount(&self) -> Decimal {
        self.amount
    }

    /// The currency.
    #[must_use]
    pub fn currency(&self) -> CurrencyCode {
        self.currency_code
    }

    /// Whether the amount is zero.
    #[must_use]
    pub fn is_zero(&self) -> bool {
        self.amount.is_zero()
    }

    /// The same amount with the opposite sign.
    #[must_use]
    pub fn negate(&self) -> Self {
        Self::new(-self.amount, self.currency_code)
    }

    fn same_currency(&self, other: &Self) -> Result<(), MoneyError> {
        if self.currency_code == other.currency_code {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch {
                left: self.currency_code,
                right: other.currency_code,
            })
        }
    }

    /// `self + other`.
    ///
    /// # Errors
    /// [`MoneyError::CurrencyMismatch`] or [`MoneyError::Overflow`].
    pub fn checked_add(&self, other: &Self) -> Result<Self, MoneyError> {
        self.same_currency(other)?;
        self.amount
            .checked_add(other.amount)
            .map(|a| Self::new(a, self.currency_code))
            .ok_or(MoneyError::Overflow { operation: "add" })
    }

    /// `self - other`.
    ///
    /// # Errors
    /// [`MoneyError::CurrencyMismatch`] or [`MoneyError::Overflow`].
    pub fn checked_sub(&self, other: &Self) -> Result<Self, MoneyError> {
        self.same_currency(other)?;
        self.amount
            .checked_sub(other.amount)
            .map(|a| Self::new(a, self.currency_code))
            .ok_or(MoneyError::Overflow {
                operation: "subtract",
            })
    }

    /// `self * factor` (a quantity or a rate), unrounded.
    ///
    /// # Errors
    /// [`MoneyError::Overflow`].
    pub fn checked_mul(&self, factor: Decimal) -> Result<Self, MoneyError> {
        self.amount
            .checked_mul(factor)
            .map(|a| Self::new(a, self.currency_code))
            .ok_or(MoneyError::Overflow {
                operation: "multiply",
            })
    }

    /// Sums amounts of one currency; an empty list sums to zero in `currency`.
    ///
    /// # Errors
    /// [`MoneyError::CurrencyMismatch`] if any amount is in another currency, or overflow.
    pub fn sum<'a>(
        currency: CurrencyCode,
        amounts: impl IntoIterator<Item = &'a Money>,
    ) -> Result<Self, MoneyError> {
        amounts
            .into_iter()
            .try_fold(Self::zero(currency), |acc, m| acc.checked_add(m))
    }

    /// Rounds to `decimal_places` with a named strategy.
    #[must_use]
    pub fn round(&self, decimal_places: u32, strategy: RoundingStrategy) -> Self {
        Self::new(
            self.amount.round_dp_with_strategy(decimal_places, strategy),
            self.currency_code,
        )
    }

    /// Rounds to the currency's minor unit, half away from zero (how Shopify rounds
    /// presentment amounts).
    #[must_use]
    pub fn round_to_minor_units(&self) -> Self {
        self.round(
            self.currency_code.minor_units(),
            RoundingStrategy::MidpointAwayFromZero,
        )
    }

    /// Splits the amount in proportion to `weights` so that the parts sum exactly to `self`.
    ///
    /// Parts are computed in the finer of the currency's minor unit and the amount's own
    /// precision. Each part is first rounded toward zero; the units left over are handed out one
    /// at a time to the parts with the largest remainders (earlier parts win ties). A zero weight
    /// always gets zero.
    ///
    /// # Errors
    /// [`MoneyError::InvalidWeights`] for no weights, a negative weight or all-zero weights;
    /// [`MoneyError::Overflow`] for amounts too large to scale.
    pub fn allocate(&self, weights: &[Decimal]) -> Result<Vec<Money>, MoneyError> {
        if weights.is_empty() {
            return Err(MoneyError::InvalidWeights {
                reason: "no weights",
            });
        }
        if weights.iter().any(|w| w.is_sign_negative() && !w.is_zero()) {
            return Err(MoneyError::InvalidWeights {
                reason: "a weight is negative",
            });
        }
        let overflow = MoneyError::Overflow {
            operation: "allocate",
        };
        let total_weight = weights
            .iter()
            .try_fold(Decimal::ZERO, |acc, w| acc.checked_add(*w))
            .ok_or(overflow.clone())?;
        if total_weight.is_zero() {
            return Err(MoneyError::InvalidWeights {
                reason: "weights sum to zero",
            });
        }
        let scale = self
            .currency_code
            .minor_units()
            .max(self.amount.normalize().scale());
        let unit = Decimal::new(1, scale);
        let negative = self.amount.is_sign_negative();
        let total = self.amount.abs();
        // Shares in whole units, rounded toward zero, with their fractional remainder.
        let mut parts: Vec<(Decimal, Decimal)> = Vec::with_capacity(weights.len());
        for w in weights {
            let exact = total
                .checked_mul(*w)
                .and_then(|x| x.checked_div(total_weight))
                .and_then(|x| x.checked_div(unit))
                .ok_or(overflow.clone())?;
            let whole = exact.trunc();
            parts.push((whole, exact - whole));
        }
        let allocated_units = parts
            .iter()
            .try_fold(Decimal::ZERO, |acc, (u, _)| acc.checked_add(*u))
            .ok_or(overflow.clone())?;
        let total_units = total.checked_div(unit).ok_or(overflow.clone())?.trunc();
        let mut leftover = total_units - allocated_units;
        let mut order: Vec<usize> = (0..parts.len()).collect();
        order.sort_by(|a, b| {
            let ra = parts.get(*a).map(|p| p.1).unwrap_or_default();
            let rb = parts.get(*b).map(|p| p.1).unwrap_or_default();
            rb.cmp(&ra).then(a.cmp(b))
        });
        for i in order {
            if leftover <= Decimal::ZERO {
                break;
            }
            let weight_is_zero = weights.get(i).is_none_or(Decimal::is_zero);
            if let (Some(part), false) = (parts.get_mut(i), weight_is_zero) {
                part.0 += Decimal::ONE;
                leftover -= Decimal::ONE;
            }
        }
        parts
            .into_iter()
            .map(|(units, _)| {
                let mut amount = units.checked_mul(unit).ok_or(overflow.clone())?;
                amount.rescale(scale);
                if negative {
                    amount = -amount;
                }
                Ok(Self::new(amount, self.currency_code))
            })
            .collect()
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount, self.currency_code)
    }
}

impl fmt::Debug for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Money({} {})", self.amount, self.currency_code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    macro_rules! dec {
        ($s:literal) => {
            Decimal::from_str_exact(stringify!($s)).unwrap()
        };
    }

    fn usd(s: &str) -> Money {
        Money::parse(s, "USD").unwrap()
    }

    #[test]
    fn add_and_sub_same_currency() {
        assert_eq!(
            usd("10.10").checked_add(&usd("0.95")).unwrap(),
            usd("11.05")
        );
        assert_eq!(usd("10.10").checked_sub(&usd("0.95")).unwrap(), usd("9.15"));
    }

    #[test]
    fn add_different_currency_is_an_error() {
        let err = usd("1")
            .checked_add(&Money::parse("1", "EUR").unwrap())
            .unwrap_err();
        assert_eq!(
            err,
            MoneyError::CurrencyMismatch {
                left: CurrencyCode::new("USD").unwrap(),
                right: CurrencyCode::new("EUR").unwrap()
            }
        );
        assert_eq!(err.to_string(), "currency mismatch: USD and EUR");
    }

    #[test]
    fn overflow_is_an_error() {
        let big = Money::new(Decimal::MAX, CurrencyCode::new("USD").unwrap());
        assert_eq!(
            big.checked_add(&usd("1")).unwrap_err(),
            MoneyError::Overflow { operation: "add" }
        );
    }

    #[test]
    fn allocate_three_ways_hands_out_the_cent() {
        let parts = usd("10.00").allocate(&[dec!(1), dec!(1), dec!(1)]).unwrap();
        assert_eq!(parts, vec![usd("3.34"), usd("3.33"), usd("3.33")]);
    }

    #[test]
    fn allocate_negative_and_by_weight() {
        let parts = usd("-100.00")
            .allocate(&[dec!(70), dec!(20), dec!(10)])
            .unwrap();
        assert_eq!(parts, vec![usd("-70.00"), usd("-20.00"), usd("-10.00")]);
        let parts = usd("0.05").allocate(&[dec!(1), dec!(0), dec!(1)]).unwrap();
        assert_eq!(parts, vec![usd("0.03"), usd("0.00"), usd("0.02")]);
    }

    #[test]
    fn allocate_zero_decimal_currency() {
        let jpy = CurrencyCode::new("JPY").unwrap();
        let parts = Money::new(dec!(1000), jpy)
            .allocate(&[dec!(1), dec!(1), dec!(1)])
            .unwrap();
        let amounts: Vec<_> = parts.iter().map(Money::amount).collect();
        assert_eq!(amounts, vec![dec!(334), dec!(333), dec!(333)]);
    }

    #[test]
    fn allocate_rejects_bad_weights() {
        assert!(matches!(
            usd("1").allocate(&[]),
            Err(MoneyError::InvalidWeights { .. })
        ));
        assert!(matches!(
            usd("1").allocate(&[dec!(0), dec!(0)]),
            Err(MoneyError::InvalidWeights { .. })
        ));
        assert!(matches!(
            usd("1").allocate(&[dec!(-1), dec!(2)]),
            Err(MoneyError::InvalidWeights { .. })
        ));
    }

    #[test]
    fn serde_round_trip_as_money_v2() {
        let m: Money = serde_json::from_str(r#"{"amount":"15.0","currencyCode":"CAD"}"#).unwrap();
        assert_eq!(m.amount(), dec!(15.0));
        assert_eq!(m.currency().as_str(), "CAD");
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            r#"{"amount":"15.0","currencyCode":"CAD"}"#
        );
        assert!(serde_json::from_str::<Money>(r#"{"amount":"x","currencyCode":"CAD"}"#).is_err());
        assert!(serde_json::from_str::<Money>(r#"{"amount":"1","currencyCode":"CA"}"#).is_err());
    }

    #[test]
    fn currency_code_validation() {
        assert_eq!(CurrencyCode::new("eur").unwrap().as_str(), "EUR");
        assert!(CurrencyCode::new("EURO").is_err());
        assert!(CurrencyCode::new("E1R").is_err());
        assert!(CurrencyCode::new("ÉUR").is_err());
    }

    proptest! {
        #[test]
        fn allocate_parts_sum_to_whole(
            cents in -10_000_000_000i64..10_000_000_000i64,
            weights in proptest::collection::vec(0u32..10_000, 1..40),
        ) {
            prop_assume!(weights.iter().any(|w| *w > 0));
            let total = Money::new(Decimal::new(cents, 2), CurrencyCode::new("EUR").unwrap());
            let ws: Vec<Decimal> = weights.iter().map(|w| Decimal::from(*w)).collect();
            let parts = total.allocate(&ws).unwrap();
            prop_assert_eq!(parts.len(), ws.len());
            let sum = Money::sum(total.currency(), &parts).unwrap();
            prop_assert_eq!(sum.amount(), total.amount());
            for (p, w) in parts.iter().zip(&ws) {
                if w.is_zero() { prop_assert!(p.is_zero()); }
                // Every part is within one unit of its exact share.
                let exact = total.amount() * *w / ws.iter().sum::<Decimal>();
                prop_assert!((p.amount() - exact).abs() < Decimal::new(1, 2));
            }
        }
    }
}
