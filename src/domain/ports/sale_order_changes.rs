//! The port that applies order edits and cancellations to Stokly sale orders.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::PortOperation;

/// A [`SaleOrderChanges`] call failed.
///
/// Kept apart from [`super::PortError`]: a refusal here may follow a change that was partly
/// applied (so it carries its cause, not only a message), and there is no uncertain outcome
/// for the exactly-once protocol to resolve.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SaleOrderChangeError {
    /// Stokly refused the change (the order cannot be changed, the body is not accepted):
    /// repeating it will not help; the change needs a person.
    #[error("sale-order change refused during {operation}")]
    Refused {
        /// What was being done ([`PortOperation::AmendSaleOrder`],
        /// [`PortOperation::CancelSaleOrder`]).
        operation: PortOperation,
        /// The cause.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The call failed on the way (transport, timeout, throttling, 5xx) and nothing was
    /// applied, so repeating it is safe.
    #[error("sale-order change failed during {operation}")]
    Backend {
        /// What was being done ([`PortOperation::AmendSaleOrder`],
        /// [`PortOperation::CancelSaleOrder`]).
        operation: PortOperation,
        /// The cause.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl SaleOrderChangeError {
    /// Whether trying again may succeed. An implementation that cannot tell whether part of
    /// an amendment was applied answers [`Self::Refused`], so nothing is applied twice.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Refused { .. } => false,
            Self::Backend { .. } => true,
        }
    }
}

/// Applies the decisions of [`crate::domain::order_change`] to Stokly sale orders.
///
/// Stokly's endpoints for amending and cancelling an order are not in the public evidence;
/// the implementation over the Stokly client takes its paths from
/// [`InferredEndpoints`](crate::stokly::InferredEndpoints).
#[async_trait]
pub trait SaleOrderChanges: Send + Sync {
    /// Makes every amendment to `sale_order`, in order.
    ///
    /// # Errors
    /// [`SaleOrderChangeError`] when Stokly refuses or cannot be reached.
    async fn amend(
        &self,
        sale_order: &crate::stokly::SaleOrderId,
        amendments: &[crate::domain::order_change::OrderAmendment],
    ) -> Result<(), SaleOrderChangeError>;

    /// Cancels `sale_order`.
    ///
    /// # Errors
    /// [`SaleOrderChangeError`] when Stokly refuses or cannot be reached.
    async fn cancel(
        &self,
        sale_order: &crate::stokly::SaleOrderId,
        cancellation: &crate::domain::order_change::Cancellation,
    ) -> Result<(), SaleOrderChangeError>;
}

/// One call a [`RecordingSaleOrderChanges`](super::RecordingSaleOrderChanges) received.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "call", rename_all = "snake_case")]
#[non_exhaustive]
pub enum SaleOrderChangeCall {
    /// [`SaleOrderChanges::amend`].
    Amend {
        /// The sale order.
        sale_order: crate::stokly::SaleOrderId,
        /// The amendments.
        amendments: Vec<crate::domain::order_change::OrderAmendment>,
    },
    /// [`SaleOrderChanges::cancel`].
    Cancel {
        /// The sale order.
        sale_order: crate::stokly::SaleOrderId,
        /// Why.
        cancellation: crate::domain::order_change::Cancellation,
    },
}
