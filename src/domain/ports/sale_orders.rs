//! The sale-order port: finding and creating Stokly sale orders.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::PortError;
use crate::stokly::SaleOrderId;
use crate::stokly::model::{NewSaleOrder, SaleOrderStage};

/// A sale order found in Stokly for a source reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PostedSaleOrder {
    /// `sourceReferenceId`.
    pub source_reference_id: String,
    /// The sale order.
    pub sale_order: SaleOrderId,
    /// Its stage, when Stokly said.
    pub stage: Option<SaleOrderStage>,
}

impl PostedSaleOrder {
    /// A sale order `sale_order` posted for `source_reference_id`.
    #[must_use]
    pub fn new(source_reference_id: impl Into<String>, sale_order: SaleOrderId) -> Self {
        Self {
            source_reference_id: source_reference_id.into(),
            sale_order,
            stage: None,
        }
    }
}

/// Finding and creating sale orders (Stokly, in production).
#[async_trait]
pub trait SaleOrderPort: Send + Sync {
    /// The sale orders whose `sourceReferenceId` is one of `references`, removed ones
    /// included. An implementation batches the look-up (Stokly: 200 per request).
    async fn find_posted(&self, references: &[String]) -> Result<Vec<PostedSaleOrder>, PortError>;

    /// Creates a sale order. Must not retry on its own after an uncertain failure: it
    /// answers [`PortError::Uncertain`] and the run decides.
    async fn create(&self, order: &NewSaleOrder) -> Result<SaleOrderId, PortError>;
}
