//! The crate's root error.

use std::time::Duration;

use crate::money::MoneyError;
use crate::shopify::IdError;

/// Any error the crate returns. Each layer has its own error; this one wraps them and keeps
/// the source chain (walk it with [`std::error::Error::source`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The Shopify client failed.
    #[error("Shopify request failed")]
    Shopify(#[from] crate::shopify::Error),
    /// The Stokly client failed.
    #[error("Stokly request failed")]
    Stokly(#[from] crate::stokly::Error),
    /// Money arithmetic failed.
    #[error("money arithmetic failed")]
    Money(#[from] MoneyError),
    /// A Shopify global ID was invalid.
    #[error("invalid Shopify ID")]
    Id(#[from] IdError),
}

impl Error {
    /// Whether the same call may succeed if tried again later.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Shopify(e) => e.is_retryable(),
            Self::Stokly(e) => e.is_retryable(),
            Self::Money(_) | Self::Id(_) => false,
        }
    }

    /// How long the server asked us to wait before trying again, when it said.
    #[must_use]
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Shopify(e) => e.retry_after(),
            Self::Stokly(e) => e.retry_after(),
            Self::Money(_) | Self::Id(_) => None,
        }
    }
}
