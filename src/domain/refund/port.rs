//! The port credit documents are written through.

use std::collections::HashMap;

use async_trait::async_trait;

use super::draft::CreditDraft;
use crate::domain::posting::PortError;
use crate::stokly::CreditNoteId;

/// Where credit documents are written: a batched look-up by natural key (the Shopify refund
/// GID, kept as the document's external reference) and a create that is never retried on its
/// own.
///
/// Stokly's credit endpoint for sale orders is not public (`POST /v0/credit-notes` creates
/// gift vouchers, not sales credits), so the crate implements this port over the client on
/// **inferred** paths ([`InferredEndpoints`](crate::stokly::InferredEndpoints)); an
/// integrator with the real endpoint changes a path, or implements the port.
#[async_trait]
pub trait CreditDocuments: Send + Sync {
    /// The credit documents whose external reference is one of `references`, by reference,
    /// in as few requests as the system allows.
    async fn find(&self, references: &[String])
    -> Result<HashMap<String, CreditNoteId>, PortError>;

    /// Creates one credit document; an uncertain failure is [`PortError::Uncertain`].
    async fn create(&self, draft: &CreditDraft) -> Result<CreditNoteId, PortError>;
}
