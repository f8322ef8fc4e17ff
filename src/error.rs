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
    /// A webhook delivery was refused (its signature, headers or body).
    #[error("webhook delivery refused")]
    Webhook(#[from] crate::shopify::webhooks::WebhookError),
    /// A port (the posting ledger, the dedup store, a sale-order or customer port...) failed.
    /// Dedup store failures are port errors too ([`crate::domain::ports::DedupError`]).
    #[error("port call failed")]
    Port(#[from] crate::domain::ports::PortError),
    /// Applying an order edit or cancellation failed.
    #[error("sale-order change failed")]
    SaleOrderChange(#[from] crate::domain::ports::SaleOrderChangeError),
}

impl Error {
    /// Whether the same call may succeed if tried again later.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Shopify(e) => e.is_retryable(),
            Self::Stokly(e) => e.is_retryable(),
            Self::Port(e) => e.is_retryable(),
            Self::SaleOrderChange(e) => e.is_retryable(),
            Self::Money(_) | Self::Id(_) | Self::Webhook(_) => false,
        }
    }

    /// How long the server asked us to wait before trying again, when it said.
    #[must_use]
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Shopify(e) => e.retry_after(),
            Self::Stokly(e) => e.retry_after(),
            Self::Money(_)
            | Self::Id(_)
            | Self::Webhook(_)
            | Self::Port(_)
            | Self::SaleOrderChange(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ports::{PortError, PortOperation};
    use crate::shopify::webhooks::WebhookError;

    #[test]
    fn port_and_webhook_errors_convert_and_keep_their_retry_answer() {
        let unavailable: Error = PortError::Unavailable {
            operation: PortOperation::DedupRecord,
            source: "connection refused".into(),
        }
        .into();
        assert!(unavailable.is_retryable());
        assert!(std::error::Error::source(&unavailable).is_some());
        let refused: Error = PortError::Refused {
            operation: PortOperation::CreateSaleOrder,
            message: "bad body".to_owned(),
        }
        .into();
        assert!(!refused.is_retryable());
        let webhook: Error = WebhookError::SignatureMismatch.into();
        assert!(!webhook.is_retryable());
        assert_eq!(webhook.retry_after(), None);
    }
}
