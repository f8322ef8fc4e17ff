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
