//! The one error every port answers with, and the operations it names.

use std::fmt;

use crate::domain::exactly_once::DeferReason;

/// The call a [`PortError`] is about. Open: a port of the application's own names its call
/// with [`PortOperation::Other`]. [`Display`](fmt::Display) is the label reports print
/// (`create sale order`), and converting a label back gives the same operation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PortOperation {
    /// [`super::PostingLedger::claim`].
    LedgerClaim,
    /// [`super::PostingLedger::posted`].
    LedgerPosted,
    /// [`super::PostingLedger::release`].
    LedgerRelease,
    /// [`super::DedupStore::record`].
    DedupRecord,
    /// [`super::DedupStore::forget`].
    DedupForget,
    /// Looking sale orders up by source reference.
    LookUpSaleOrders,
    /// Creating a sale order.
    CreateSaleOrder,
    /// Finding a customer.
    FindCustomer,
    /// Creating a customer.
    CreateCustomer,
    /// Waiting for new customers to become visible.
    WaitForNewCustomers,
    /// Amending a sale order ([`super::SaleOrderChanges::amend`]).
    AmendSaleOrder,
    /// Cancelling a sale order ([`super::SaleOrderChanges::cancel`]).
    CancelSaleOrder,
    /// Creating a journal.
    CreateJournal,
    /// Reading new journals back.
    ReadBackNewJournals,
    /// Creating a credit document against a sale order.
    CreateCreditNote,
    /// Reading new credit documents back.
    ReadBackNewCreditNotes,
    /// Any other call, by its label (a Shopify mutation's name, an application's port).
    Other(String),
}

impl PortOperation {
    /// The label reports print.
    #[must_use]
    pub fn label(&self) -> &str {
        match self {
            Self::LedgerClaim => "claim",
            Self::LedgerPosted => "record as posted",
            Self::LedgerRelease => "release",
            Self::DedupRecord => "record",
            Self::DedupForget => "forget",
            Self::LookUpSaleOrders => "look up sale orders",
            Self::CreateSaleOrder => "create sale order",
            Self::FindCustomer => "find customer",
            Self::CreateCustomer => "create customer",
            Self::WaitForNewCustomers => "wait for new customers",
            Self::AmendSaleOrder => "amend",
            Self::CancelSaleOrder => "cancel",
            Self::CreateJournal => "create journal",
            Self::ReadBackNewJournals => "read back new journals",
            Self::CreateCreditNote => "create credit note",
            Self::ReadBackNewCreditNotes => "read back new credit notes",
            Self::Other(label) => label,
        }
    }

    const KNOWN: [Self; 16] = [
        Self::LedgerClaim,
        Self::LedgerPosted,
        Self::LedgerRelease,
        Self::DedupRecord,
        Self::DedupForget,
        Self::LookUpSaleOrders,
        Self::CreateSaleOrder,
        Self::FindCustomer,
        Self::CreateCustomer,
        Self::WaitForNewCustomers,
        Self::AmendSaleOrder,
        Self::CancelSaleOrder,
        Self::CreateJournal,
        Self::ReadBackNewJournals,
        Self::CreateCreditNote,
        Self::ReadBackNewCreditNotes,
    ];
}

impl fmt::Display for PortOperation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl From<&str> for PortOperation {
    /// The known operation with this label, else [`PortOperation::Other`].
    fn from(label: &str) -> Self {
        Self::KNOWN
            .into_iter()
            .find(|known| known.label() == label)
            .unwrap_or_else(|| Self::Other(label.to_owned()))
    }
}

impl From<String> for PortOperation {
    fn from(label: String) -> Self {
        Self::from(label.as_str())
    }
}

impl From<&String> for PortOperation {
    fn from(label: &String) -> Self {
        Self::from(label.as_str())
    }
}

/// Why a port call failed, in the terms a posting run needs: was anything written?
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PortError {
    /// Nothing was written; the same call may succeed later (a refused connection, a 429, a
    /// storage outage).
    #[error("{operation} failed and changed nothing")]
    Unavailable {
        /// The call.
        operation: PortOperation,
        /// The cause.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The other side refused the request as sent; nothing was written and sending it again
    /// unchanged will not help.
    #[error("{operation} was refused: {message}")]
    Refused {
        /// The call.
        operation: PortOperation,
        /// The other side's message.
        message: String,
    },
    /// The write may or may not have been applied (a 5xx or a timeout after sending).
    #[error("{operation} may or may not have been applied")]
    Uncertain {
        /// The call.
        operation: PortOperation,
        /// The cause.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Nothing was sent, on purpose: another run holds the ledger claim, or an earlier write
    /// whose outcome is unknown may still become visible. The same call later is expected to
    /// go through.
    #[error("{operation} postponed: {reason}")]
    Postponed {
        /// The call.
        operation: PortOperation,
        /// Why it waits.
        reason: DeferReason,
    },
}

impl PortError {
    /// The call that failed.
    #[must_use]
    pub fn operation(&self) -> &PortOperation {
        match self {
            Self::Unavailable { operation, .. }
            | Self::Refused { operation, .. }
            | Self::Uncertain { operation, .. }
            | Self::Postponed { operation, .. } => operation,
        }
    }

    /// Whether the same call may succeed later: [`PortError::Unavailable`] and
    /// [`PortError::Postponed`] changed nothing and are expected to pass later;
    /// [`PortError::Refused`] will not; [`PortError::Uncertain`] must not be repeated blindly
    /// (the exactly-once protocol looks the record up first).
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Unavailable { .. } | Self::Postponed { .. } => true,
            Self::Refused { .. } | Self::Uncertain { .. } => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_round_trip_and_unknown_ones_are_kept() {
        for known in PortOperation::KNOWN {
            assert_eq!(PortOperation::from(known.label()), known);
        }
        assert_eq!(
            PortOperation::from("fulfillmentCreate"),
            PortOperation::Other("fulfillmentCreate".to_owned())
        );
        assert_eq!(
            PortOperation::CreateSaleOrder.to_string(),
            "create sale order"
        );
    }
}
