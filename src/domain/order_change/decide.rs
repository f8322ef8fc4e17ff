//! The decision: no change, amend, cancel, or a person.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::change::{Cancellation, LineRef, OrderChange, ShopifyOrderState, diff_drafts};
use super::progress::{CutOff, OrderChangeConfig, StoklyProgress};
use super::refunds::{RefundedUnits, without_refunded_units};
use super::review::{LineMismatch, OrderChangeException};
use crate::domain::order::{OrderSubject, SaleOrderDraft};
use crate::shopify::LineItemId;
use crate::stokly::model::{NewSaleOrderLine, SaleOrder, SaleOrderLine, Shipping};
use crate::stokly::{ItemId, SaleOrderId, SaleOrderLineId};

/// One change to make to a Stokly sale order, in the shape of Stokly's own line and
/// shipping objects. Applied through
/// [`SaleOrderChanges::amend`](crate::domain::ports::SaleOrderChanges::amend).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "amendment", rename_all = "snake_case")]
#[non_exhaustive]
pub enum OrderAmendment {
    /// Set a line's quantity and amounts (a quantity or price change).
    UpdateLine {
        /// The Stokly line.
        line_id: SaleOrderLineId,
        /// The Shopify line it came from.
        shopify_line_id: LineItemId,
        /// The line as it is to be: item, quantity, per-unit amounts and line totals.
        line: NewSaleOrderLine,
    },
    /// Remove a line.
    RemoveLine {
        /// The Stokly line.
        line_id: SaleOrderLineId,
        /// The Shopify line it came from.
        shopify_line_id: LineItemId,
        /// Its item.
        item_id: ItemId,
    },
    /// Add a line.
    AddLine {
        /// The Shopify line it comes from.
        shopify_line_id: LineItemId,
        /// The line, as `POST /v2/saleorders` takes it.
        line: NewSaleOrderLine,
    },
    /// Replace the shipping details (recipient, address, method, cost and tax).
    UpdateShipping {
        /// The shipping as it is to be.
        shipping: Shipping,
    },
}

/// What to do about a posted order: a serialisable work item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
#[non_exhaustive]
pub enum OrderChangeDecision {
    /// Nothing to do: no difference, or the order is cancelled on both sides.
    NoChange,
    /// Amend the sale order. After the port applied it, the current draft is the posted one.
    Amend {
        /// The sale order.
        sale_order: SaleOrderId,
        /// What changed in Shopify, for the log.
        changes: Vec<OrderChange>,
        /// What to change in Stokly, in the order of `changes`.
        amendments: Vec<OrderAmendment>,
    },
    /// Cancel the sale order.
    Cancel {
        /// The sale order.
        sale_order: SaleOrderId,
        /// Why.
        cancellation: Cancellation,
    },
    /// A person must look at it (owner operations).
    Review {
        /// What, why and what to do.
        exception: OrderChangeException,
    },
}

/// Decides what a change in Shopify does to the Stokly sale order posted for it.
///
/// - `posted`: the draft that was posted (or last applied).
/// - `shopify`: the order now ([`ShopifyOrderState::from_mapping`]).
/// - `stokly` and `stokly_lines`: the sale order as Stokly holds it now, with its lines
///   (`GET /v2/saleorders/{id}` and `.../items`, in Stokly's order). Only top-level lines
///   (no `parentId`) are matched to posted lines; every line counts for the progress.
///
/// The rules, in order:
///
/// 1. The inputs must be about one order (same Shopify order and currency in both drafts,
///    and Stokly's `sourceReferenceId`, when present, equal to the draft's); otherwise
///    [`OrderChangeException::InconsistentInput`].
/// 2. Cancelled in Shopify (or no units left): nothing to do when Stokly already removed
///    the order; [`OrderChangeDecision::Cancel`] when the progress is within the cut-off;
///    otherwise review.
/// 3. Live in Shopify but removed in Stokly: always review
///    ([`OrderChangeException::RemovedInStokly`]), changes or not.
/// 4. No difference ([`diff_drafts`]): [`OrderChangeDecision::NoChange`].
/// 5. Progress not recognised: review ([`OrderChangeException::UnrecognisedProgress`]);
///    past the cut-off: review ([`OrderChangeException::AfterCutOff`]), every change listed.
/// 6. Each posted line is matched to a top-level Stokly line of its item: the k-th posted
///    line of an item to the k-th Stokly line of that item, and the quantities must agree.
///    Any posted line that does not match sends the whole change to review
///    ([`OrderChangeException::StoklyLinesDiffer`]); nothing is amended in part.
/// 7. Otherwise [`OrderChangeDecision::Amend`] with one amendment per change.
#[must_use]
pub fn decide_order_change(
    posted: &SaleOrderDraft,
    shopify: &ShopifyOrderState<'_>,
    stokly: &SaleOrder,
    stokly_lines: &[SaleOrderLine],
    config: &OrderChangeConfig,
) -> OrderChangeDecision {
    decide_order_change_after_refunds(
        posted,
        shopify,
        stokly,
        stokly_lines,
        config,
        &RefundedUnits::none(),
    )
}

/// [`decide_order_change`] for an order refunded since it was posted: the units and
/// shipping in `refunded` belong to the refund flow (which credits them), so they are taken
/// out of the changes ([`without_refunded_units`]), and "no units left" because every
/// posted unit was refunded is no change.
#[must_use]
pub fn decide_order_change_after_refunds(
    posted: &SaleOrderDraft,
    shopify: &ShopifyOrderState<'_>,
    stokly: &SaleOrder,
    stokly_lines: &[SaleOrderLine],
    config: &OrderChangeConfig,
    refunded: &RefundedUnits,
) -> OrderChangeDecision {
    let order = OrderSubject::new(
        posted.shopify_order_id().clone(),
        posted.customer_reference(),
    );
    let sale_order = stokly.sale_order_id.clone();
    let review = |exception| OrderChangeDecision::Review { exception };
    if let Some(detail) = inconsistency(posted, shopify, stokly) {
        return review(OrderChangeException::InconsistentInput {
            order,
            sale_order,
            detail,
        });
    }
    let progress = StoklyProgress::of(stokly, stokly_lines);
    let cut_off = config.cut_off();

    let current = match shopify {
        ShopifyOrderState::Live(current) => *current,
        ShopifyOrderState::Cancelled { at, reason } => {
            let cancellation = Cancellation::CancelledInShopify {
                at: *at,
                reason: reason.clone(),
            };
            return decide_cancellation(order, sale_order, &progress, cut_off, cancellation);
        }
        ShopifyOrderState::NoUnitsLeft if refunded.covers_every_unit_of(posted) => {
            return OrderChangeDecision::NoChange;
        }
        ShopifyOrderState::NoUnitsLeft => {
            let cancellation = Cancellation::NoUnitsLeft;
            return decide_cancellation(order, sale_order, &progress, cut_off, cancellation);
        }
    };

    let changes = without_refunded_units(posted, diff_drafts(posted, current), refunded);
    if progress == StoklyProgress::Removed {
        return review(OrderChangeException::RemovedInStokly {
            order,
            sale_order,
            changes,
        });
    }
    if changes.is_empty() {
        return OrderChangeDecision::NoChange;
    }
    if let Some(exception) = hold(&order, &sale_order, &changes, &progress, cut_off) {
        return review(exception);
    }
    let (matched, mut mismatches) = match_lines(posted, stokly_lines, refunded);
    let mut amendments = Vec::with_capacity(changes.len());
    if mismatches.is_empty() {
        for change in &changes {
            match amendment(change, &matched, current) {
                Ok(Some(amendment)) => amendments.push(amendment),
                Ok(None) => {}
                Err(line) => mismatches.push(LineMismatch::NotFound {
                    quantity: posted
                        .lines()
                        .iter()
                        .find(|l| LineRef::of(l) == line)
                        .map_or(0, |l| l.quantity),
                    line,
                }),
            }
        }
    }
    if !mismatches.is_empty() {
        return review(OrderChangeException::StoklyLinesDiffer {
            order,
            sale_order,
            changes,
            mismatches,
        });
    }
    OrderChangeDecision::Amend {
        sale_order,
        changes,
        amendments,
    }
}

/// A cancellation: nothing to do when Stokly removed the order already, applied within the
/// cut-off, held for a person after it.
fn decide_cancellation(
    order: OrderSubject,
    sale_order: SaleOrderId,
    progress: &StoklyProgress,
    cut_off: CutOff,
    cancellation: Cancellation,
) -> OrderChangeDecision {
    if *progress == StoklyProgress::Removed {
        return OrderChangeDecision::NoChange;
    }
    let changes = [OrderChange::Cancelled {
        cancellation: cancellation.clone(),
    }];
    match hold(&order, &sale_order, &changes, progress, cut_off) {
        Some(exception) => OrderChangeDecision::Review { exception },
        None => OrderChangeDecision::Cancel {
            sale_order,
            cancellation,
        },
    }
}

/// The exception that holds `changes` back at `progress`, if the cut-off does.
fn hold(
    order: &OrderSubject,
    sale_order: &SaleOrderId,
    changes: &[OrderChange],
    progress: &StoklyProgress,
    cut_off: CutOff,
) -> Option<OrderChangeException> {
    if let StoklyProgress::Unrecognised { what } = progress {
        return Some(OrderChangeException::UnrecognisedProgress {
            order: order.clone(),
            sale_order: sale_order.clone(),
            changes: changes.to_vec(),
            what: what.clone(),
            cut_off,
        });
    }
    (!cut_off.admits(progress)).then(|| OrderChangeException::AfterCutOff {
        order: order.clone(),
        sale_order: sale_order.clone(),
        changes: changes.to_vec(),
        progress: progress.clone(),
        cut_off,
    })
}

/// Why the inputs cannot be about one order, if they are not.
fn inconsistency(
    posted: &SaleOrderDraft,
    shopify: &ShopifyOrderState<'_>,
    stokly: &SaleOrder,
) -> Option<String> {
    if let ShopifyOrderState::Live(current) = shopify {
        if current.shopify_order_id() != posted.shopify_order_id() {
            return Some(format!(
                "the current state is of Shopify order {}, the posted draft of {}",
                current.shopify_order_id().numeric_id(),
                posted.shopify_order_id().numeric_id()
            ));
        }
        if current.currency() != posted.currency() {
            return Some(format!(
                "the order was posted in {} but maps to {} now (was the currency policy \
                 changed?)",
                posted.currency(),
                current.currency()
            ));
        }
    }
    match &stokly.source_reference_id {
        Some(reference) if reference != posted.source_reference_id() => Some(format!(
            "the sale order's sourceReferenceId is \"{}\" but the posted draft's is \"{}\"",
            crate::domain::exception::printable(reference),
            posted.source_reference_id()
        )),
        Some(_) | None => None,
    }
}

/// The Stokly line matched to each posted line (by Shopify line ID), and every posted line
/// that does not match.
/// A Stokly line matches a posted line at the posted quantity or, when credits took refunded
/// units off the order, at the posted quantity less those units.
fn match_lines<'a>(
    posted: &SaleOrderDraft,
    stokly_lines: &'a [SaleOrderLine],
    refunded: &RefundedUnits,
) -> (Vec<(LineItemId, &'a SaleOrderLine)>, Vec<LineMismatch>) {
    let top: Vec<&SaleOrderLine> = stokly_lines
        .iter()
        .filter(|line| line.parent_id.is_none())
        .collect();
    let mut taken = vec![false; top.len()];
    let mut matched = Vec::new();
    let mut mismatches = Vec::new();
    for line in posted.lines() {
        let found = top.iter().enumerate().find(|(i, candidate)| {
            !taken.get(*i).copied().unwrap_or(true)
                && candidate.item_id().as_ref() == Some(&line.item_id)
        });
        let Some((index, candidate)) = found else {
            mismatches.push(LineMismatch::NotFound {
                line: LineRef::of(line),
                quantity: line.quantity,
            });
            continue;
        };
        if let Some(slot) = taken.get_mut(index) {
            *slot = true;
        }
        let after_credits = line
            .quantity
            .saturating_sub(refunded.units(&line.shopify_line_id));
        match candidate.quantity {
            Some(quantity)
                if quantity != Decimal::from(line.quantity)
                    && quantity != Decimal::from(after_credits) =>
            {
                mismatches.push(LineMismatch::QuantityDiffers {
                    line: LineRef::of(line),
                    posted: line.quantity,
                    stokly: quantity,
                });
            }
            Some(_) | None => matched.push((line.shopify_line_id.clone(), *candidate)),
        }
    }
    (matched, mismatches)
}

/// The amendment a change makes: `Ok(None)` for a cancellation (decided elsewhere), `Err`
/// with the line when its Stokly line (or its current draft line) cannot be found.
fn amendment(
    change: &OrderChange,
    matched: &[(LineItemId, &SaleOrderLine)],
    current: &SaleOrderDraft,
) -> Result<Option<OrderAmendment>, LineRef> {
    let stokly_line = |line: &LineRef| {
        matched
            .iter()
            .find(|(id, stokly)| {
                *id == line.shopify_line_id && stokly.item_id().as_ref() == Some(&line.item_id)
            })
            .map(|(_, stokly)| stokly.line_id.clone())
            .ok_or_else(|| line.clone())
    };
    let current_line = |line: &LineRef| {
        current
            .lines()
            .iter()
            .find(|l| l.shopify_line_id == line.shopify_line_id && l.item_id == line.item_id)
            .ok_or_else(|| line.clone())
    };
    Ok(Some(match change {
        OrderChange::QuantityChanged { line, .. } | OrderChange::PriceChanged { line, .. } => {
            OrderAmendment::UpdateLine {
                line_id: stokly_line(line)?,
                shopify_line_id: line.shopify_line_id.clone(),
                line: current_line(line)?.to_new_sale_order_line(),
            }
        }
        OrderChange::LineRemoved { line, .. } => OrderAmendment::RemoveLine {
            line_id: stokly_line(line)?,
            shopify_line_id: line.shopify_line_id.clone(),
            item_id: line.item_id.clone(),
        },
        OrderChange::LineAdded { line } => OrderAmendment::AddLine {
            shopify_line_id: line.shopify_line_id.clone(),
            line: line.to_new_sale_order_line(),
        },
        OrderChange::ShippingChanged { .. } => OrderAmendment::UpdateShipping {
            shipping: current.shipping().to_shipping(),
        },
        OrderChange::Cancelled { .. } => return Ok(None),
    }))
}
