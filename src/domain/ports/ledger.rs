//! The posting ledger port: claims, and the record of what was created, shared by every run
//! that creates records exactly once (sale orders, customers, fulfilments, journals...).

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::PortError;
use crate::stokly::SaleOrderId;

/// The ID a [`PostingLedger`] keeps for a record it knows as created: the created record's
/// own ID as its system spells it (a Stokly sale order ID, a Shopify fulfilment GID, a journal
/// ID...). The ledger only stores and returns it; the flow that created the record reads it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LedgerRecordId(String);

impl LedgerRecordId {
    /// The ID `id`, as its system spells it.
    #[must_use]
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    /// The ID as its system spells it.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for LedgerRecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&SaleOrderId> for LedgerRecordId {
    fn from(sale_order: &SaleOrderId) -> Self {
        Self::new(sale_order.as_str())
    }
}

impl From<SaleOrderId> for LedgerRecordId {
    fn from(sale_order: SaleOrderId) -> Self {
        Self::from(&sale_order)
    }
}

/// The answer to a [`PostingLedger::claim`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "claim", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Claim {
    /// The caller holds the key until the lease ends. `uncertain_since` is set when an
    /// earlier create's outcome is unknown.
    Acquired {
        /// When the earliest uncertain create was made.
        uncertain_since: Option<DateTime<Utc>>,
    },
    /// The ledger knows the record as created.
    Posted {
        /// The created record's ID, as [`PostingLedger::posted`] noted it.
        record: LedgerRecordId,
    },
    /// Another run holds the key.
    Busy {
        /// When its lease ends.
        until: DateTime<Utc>,
    },
}

/// The record of which keys (orders, customers, fulfilments, journals...) are created,
/// claimed, or uncertain; shared by every run that creates records for a shop (see
/// [`crate::domain::posting`] for an SQL layout).
#[async_trait]
pub trait PostingLedger: Send + Sync {
    /// Atomically: the key's state, and a claim until `now + lease` when no one holds it
    /// and it is not posted.
    async fn claim(
        &self,
        key: &str,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<Claim, PortError>;

    /// Notes the record of `key` as created, as `record`, and ends the claim.
    async fn posted(&self, key: &str, record: &LedgerRecordId) -> Result<(), PortError>;

    /// Ends the claim without posting; `uncertain_since` records a create whose outcome is
    /// unknown (the earliest one is kept).
    async fn release(
        &self,
        key: &str,
        uncertain_since: Option<DateTime<Utc>>,
    ) -> Result<(), PortError>;
}
