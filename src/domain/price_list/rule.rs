//! The quantity-rule checks Shopify makes, made before anything is sent.

use serde::{Deserialize, Serialize};

/// Why Shopify would refuse a quantity rule (as recorded for `quantityRulesAdd`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum QuantityRuleProblem {
    /// The minimum is below 1.
    MinimumBelowOne,
    /// The increment is below 1.
    IncrementBelowOne,
    /// The increment is greater than the minimum.
    IncrementAboveMinimum,
    /// The maximum is below the minimum.
    MaximumBelowMinimum,
    /// The minimum is not a multiple of the increment.
    MinimumNotMultipleOfIncrement,
    /// The maximum is not a multiple of the increment.
    MaximumNotMultipleOfIncrement,
}

impl QuantityRuleProblem {
    /// How reports say it.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::MinimumBelowOne => "the minimum is below 1",
            Self::IncrementBelowOne => "the increment is below 1",
            Self::IncrementAboveMinimum => "the increment is greater than the minimum",
            Self::MaximumBelowMinimum => "the maximum is below the minimum",
            Self::MinimumNotMultipleOfIncrement => "the minimum is not a multiple of the increment",
            Self::MaximumNotMultipleOfIncrement => "the maximum is not a multiple of the increment",
        }
    }
}

/// Checks a quantity rule the way Shopify does: minimum at least 1, increment at least 1
/// and at most the minimum, maximum (if any) at least the minimum, and minimum and maximum
/// multiples of the increment. The first problem found is returned, in that order.
///
/// # Errors
/// The [`QuantityRuleProblem`] Shopify would answer.
pub fn check_quantity_rule(
    minimum: i64,
    maximum: Option<i64>,
    increment: i64,
) -> Result<(), QuantityRuleProblem> {
    if minimum < 1 {
        return Err(QuantityRuleProblem::MinimumBelowOne);
    }
    if increment < 1 {
        return Err(QuantityRuleProblem::IncrementBelowOne);
    }
    if increment > minimum {
        return Err(QuantityRuleProblem::IncrementAboveMinimum);
    }
    if maximum.is_some_and(|max| max < minimum) {
        return Err(QuantityRuleProblem::MaximumBelowMinimum);
    }
    if minimum % increment != 0 {
        return Err(QuantityRuleProblem::MinimumNotMultipleOfIncrement);
    }
    if maximum.is_some_and(|max| max % increment != 0) {
        return Err(QuantityRuleProblem::MaximumNotMultipleOfIncrement);
    }
    Ok(())
}

/// Why Shopify would refuse a quantity price break (the `QUANTITY_PRICE_BREAK_ADD_*` codes
/// of `quantityPricingByVariantUpdate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum QuantityBreakProblem {
    /// The break starts below the variant's minimum quantity (at least 1).
    BelowRuleMinimum,
    /// The break starts above the variant's maximum quantity.
    AboveRuleMaximum,
    /// The break's quantity is not a multiple of the variant's increment.
    NotMultipleOfIncrement,
    /// Another break of the variant starts at the same quantity.
    RepeatedQuantity,
    /// The break's price is negative.
    NegativePrice,
}

impl QuantityBreakProblem {
    /// How reports say it.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::BelowRuleMinimum => "it starts below the minimum quantity",
            Self::AboveRuleMaximum => "it starts above the maximum quantity",
            Self::NotMultipleOfIncrement => "its quantity is not a multiple of the increment",
            Self::RepeatedQuantity => "another break starts at the same quantity",
            Self::NegativePrice => "its price is negative",
        }
    }
}

/// Checks one variant's quantity price breaks (minimum quantity and price of each) against
/// the variant's quantity rule (`minimum`, `maximum`, `increment`; with no rule, Shopify's
/// default of 1, none and 1), as Shopify does: each break from at least the minimum, at most
/// the maximum, at a multiple of the increment, one break per quantity, no negative price.
/// The first problem found is returned with the break's minimum quantity.
///
/// # Errors
/// The break's minimum quantity and the [`QuantityBreakProblem`] Shopify would answer.
pub fn check_quantity_breaks(
    breaks: &[(i64, rust_decimal::Decimal)],
    minimum: i64,
    maximum: Option<i64>,
    increment: i64,
) -> Result<(), (i64, QuantityBreakProblem)> {
    let mut seen = std::collections::HashSet::with_capacity(breaks.len());
    for &(quantity, price) in breaks {
        let problem = if quantity < minimum.max(1) {
            Some(QuantityBreakProblem::BelowRuleMinimum)
        } else if maximum.is_some_and(|max| quantity > max) {
            Some(QuantityBreakProblem::AboveRuleMaximum)
        } else if increment > 0 && quantity % increment != 0 {
            Some(QuantityBreakProblem::NotMultipleOfIncrement)
        } else if !seen.insert(quantity) {
            Some(QuantityBreakProblem::RepeatedQuantity)
        } else if price.is_sign_negative() && !price.is_zero() {
            Some(QuantityBreakProblem::NegativePrice)
        } else {
            None
        };
        if let Some(problem) = problem {
            return Err((quantity, problem));
        }
    }
    Ok(())
}
