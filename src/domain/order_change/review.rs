//! Changes that go to a person: after the cut-off, or when the Stokly order is not what was
//! posted.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::change::{LineRef, OrderChange};
use super::progress::{CutOff, StoklyProgress};
use crate::domain::exception::{DomainException, Flow, Owner, RecordRef, Severity};
use crate::domain::order::OrderSubject;
use crate::stokly::SaleOrderId;

/// How a posted line and the Stokly order's lines disagree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
#[non_exhaustive]
pub enum LineMismatch {
    /// No top-level Stokly line of the item is left to match the posted line.
    NotFound {
        /// The posted line.
        line: LineRef,
        /// Units posted.
        quantity: i64,
    },
    /// The matching Stokly line has another quantity than was posted.
    QuantityDiffers {
        /// The posted line.
        line: LineRef,
        /// Units posted.
        posted: i64,
        /// Units on the Stokly line.
        stokly: Decimal,
    },
}

impl LineMismatch {
    /// The posted line.
    #[must_use]
    pub fn line(&self) -> &LineRef {
        match self {
            Self::NotFound { line, .. } | Self::QuantityDiffers { line, .. } => line,
        }
    }

    fn describe(&self) -> String {
        match self {
            Self::NotFound { line, quantity } => {
                format!("{line} ({quantity} units posted) has no Stokly line")
            }
            Self::QuantityDiffers {
                line,
                posted,
                stokly,
            } => format!("{line} was posted with {posted} units but Stokly has {stokly}"),
        }
    }
}

/// A change to a posted order that needs a person (owner operations). Every variant names the
/// Shopify order, the Stokly sale order and every change found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum OrderChangeException {
    /// The order changed (or was cancelled) in Shopify after the cut-off.
    AfterCutOff {
        /// The Shopify order.
        order: OrderSubject,
        /// The Stokly sale order.
        sale_order: SaleOrderId,
        /// Every change, in [`diff_drafts`](super::diff_drafts) order.
        changes: Vec<OrderChange>,
        /// How far Stokly has got.
        progress: StoklyProgress,
        /// The configured cut-off.
        cut_off: CutOff,
    },
    /// The order changed, but Stokly's stage or a line status is not recognised, so whether
    /// it is past the cut-off cannot be told.
    UnrecognisedProgress {
        /// The Shopify order.
        order: OrderSubject,
        /// The Stokly sale order.
        sale_order: SaleOrderId,
        /// Every change.
        changes: Vec<OrderChange>,
        /// What was not recognised (see [`StoklyProgress::Unrecognised`]).
        what: Vec<String>,
        /// The configured cut-off.
        cut_off: CutOff,
    },
    /// The sale order is removed in Stokly, but the order is live in Shopify.
    RemovedInStokly {
        /// The Shopify order.
        order: OrderSubject,
        /// The Stokly sale order.
        sale_order: SaleOrderId,
        /// Every change since posting (may be none).
        changes: Vec<OrderChange>,
    },
    /// The Stokly order's lines are not the posted ones, so the amendment cannot be placed.
    StoklyLinesDiffer {
        /// The Shopify order.
        order: OrderSubject,
        /// The Stokly sale order.
        sale_order: SaleOrderId,
        /// Every change.
        changes: Vec<OrderChange>,
        /// Every posted line that does not match, in posted order.
        mismatches: Vec<LineMismatch>,
    },
    /// The inputs are not about the same order (a caller's lookup went wrong).
    InconsistentInput {
        /// The Shopify order of the posted draft.
        order: OrderSubject,
        /// The Stokly sale order given.
        sale_order: SaleOrderId,
        /// What disagrees.
        detail: String,
    },
}

impl OrderChangeException {
    /// The Shopify order.
    #[must_use]
    pub fn order(&self) -> &OrderSubject {
        match self {
            Self::AfterCutOff { order, .. }
            | Self::UnrecognisedProgress { order, .. }
            | Self::RemovedInStokly { order, .. }
            | Self::StoklyLinesDiffer { order, .. }
            | Self::InconsistentInput { order, .. } => order,
        }
    }

    /// The Stokly sale order.
    #[must_use]
    pub fn sale_order(&self) -> &SaleOrderId {
        match self {
            Self::AfterCutOff { sale_order, .. }
            | Self::UnrecognisedProgress { sale_order, .. }
            | Self::RemovedInStokly { sale_order, .. }
            | Self::StoklyLinesDiffer { sale_order, .. }
            | Self::InconsistentInput { sale_order, .. } => sale_order,
        }
    }

    /// The changes found (none for inconsistent input).
    #[must_use]
    pub fn changes(&self) -> &[OrderChange] {
        match self {
            Self::AfterCutOff { changes, .. }
            | Self::UnrecognisedProgress { changes, .. }
            | Self::RemovedInStokly { changes, .. }
            | Self::StoklyLinesDiffer { changes, .. } => changes,
            Self::InconsistentInput { .. } => &[],
        }
    }

    fn is_cancellation(&self) -> bool {
        self.changes()
            .iter()
            .any(|c| matches!(c, OrderChange::Cancelled { .. }))
    }
}

fn change_list(changes: &[OrderChange]) -> String {
    if changes.is_empty() {
        return "nothing changed in Shopify".to_owned();
    }
    changes
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl DomainException for OrderChangeException {
    fn flow(&self) -> Flow {
        Flow::OrderChange
    }

    fn code(&self) -> &'static str {
        match self {
            Self::AfterCutOff { .. } if self.is_cancellation() => "cancelled_after_cut_off",
            Self::AfterCutOff { .. } => "changed_after_cut_off",
            Self::UnrecognisedProgress { .. } => "unrecognised_progress",
            Self::RemovedInStokly { .. } => "removed_in_stokly",
            Self::StoklyLinesDiffer { .. } => "stokly_lines_differ",
            Self::InconsistentInput { .. } => "inconsistent_input",
        }
    }

    fn owner(&self) -> Owner {
        Owner::Operations
    }

    fn severity(&self) -> Severity {
        Severity::Blocking
    }

    fn subject(&self) -> Vec<RecordRef> {
        // The order first, then each Stokly item touched, once: the same order changed on
        // other lines later is another problem with another key.
        let mut records = vec![RecordRef::ShopifyOrder {
            id: self.order().id.clone(),
            name: self.order().name.clone(),
        }];
        let lines = self.changes().iter().filter_map(OrderChange::item);
        let mismatched: &[LineMismatch] = if let Self::StoklyLinesDiffer { mismatches, .. } = self {
            mismatches
        } else {
            &[]
        };
        let mismatched = mismatched
            .iter()
            .map(|m| (&m.line().item_id, m.line().sku.as_str()));
        for (id, sku) in lines.chain(mismatched) {
            let record = RecordRef::StoklyItem {
                id: id.clone(),
                sku: Some(sku.to_owned()),
            };
            if !records.contains(&record) {
                records.push(record);
            }
        }
        records
    }

    fn reason(&self) -> String {
        let order = &self.order().name;
        let sale_order = self.sale_order();
        match self {
            Self::AfterCutOff {
                changes,
                progress,
                cut_off,
                ..
            } => format!(
                "Order {order} changed in Shopify after the cut-off ({cut_off}): Stokly sale \
                 order {sale_order} is {progress}. Changes: {}.",
                change_list(changes)
            ),
            Self::UnrecognisedProgress {
                changes,
                what,
                cut_off,
                ..
            } => format!(
                "Order {order} changed in Shopify, but the progress of Stokly sale order \
                 {sale_order} cannot be told ({}), so whether it is past the cut-off \
                 ({cut_off}) is unknown. Changes: {}.",
                what.join(", "),
                change_list(changes)
            ),
            Self::RemovedInStokly { changes, .. } => format!(
                "Order {order} is live in Shopify but Stokly sale order {sale_order} is \
                 removed. Changes since posting: {}.",
                change_list(changes)
            ),
            Self::StoklyLinesDiffer {
                changes,
                mismatches,
                ..
            } => format!(
                "Order {order} changed in Shopify, but Stokly sale order {sale_order} does not \
                 hold the lines that were posted: {}. Changes: {}.",
                mismatches
                    .iter()
                    .map(LineMismatch::describe)
                    .collect::<Vec<_>>()
                    .join("; "),
                change_list(changes)
            ),
            Self::InconsistentInput { detail, .. } => format!(
                "Order {order} and Stokly sale order {sale_order} cannot be compared: {detail}."
            ),
        }
    }

    fn fix_hint(&self) -> String {
        match self {
            Self::AfterCutOff { .. } if self.is_cancellation() => {
                "Stop the order in Stokly if the goods have not left (take it off the pick \
                 and remove the sale order by hand); if they have, arrange the return with the \
                 customer. Refunds go through the refund flow."
                    .to_owned()
            }
            Self::AfterCutOff { .. } => "Check the sale order in Stokly: if the goods have not \
                left, make the listed changes there by hand (and tell the warehouse); if they \
                have, agree a return or a follow-up shipment with the customer."
                .to_owned(),
            Self::UnrecognisedProgress { .. } => "Look the sale order up in Stokly and apply \
                the listed changes by hand if it is safe; then add the stage or status to the \
                progress lists in domain::order_change so it is recognised next time."
                .to_owned(),
            Self::RemovedInStokly { .. } => "Find out why the sale order was removed in \
                Stokly: restore or re-post it if the order is to ship, or cancel the order in \
                Shopify if it is not."
                .to_owned(),
            Self::StoklyLinesDiffer { .. } => "Compare the sale order's lines in Stokly with \
                the posted order (someone may have edited it in Stokly); make the listed \
                changes there by hand."
                .to_owned(),
            Self::InconsistentInput { .. } => "Check how the Stokly sale order was looked up \
                for this Shopify order (by sourceReferenceId) and which posted draft was \
                stored for it."
                .to_owned(),
        }
    }
}
