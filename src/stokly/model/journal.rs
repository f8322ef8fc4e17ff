//! **Inferred.** A journal as Stokly would list it: only the fields the payout flow reads.

use serde::{Deserialize, Serialize};

use crate::stokly::ids::JournalId;

/// **Inferred.** A posted journal, as listed: its ID and the caller's reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Journal {
    /// The journal.
    pub journal_id: JournalId,
    /// The caller's reference (the payout's natural key).
    pub reference: String,
}
