//! A seeded day of operations over posted orders: every order goes on through reservation,
//! dispatch, fulfilment, payout and journal on a healthy schedule, except a few that carry a
//! deliberate fault. The faults are listed with the stage and owner a monitor must report, so
//! that a test can check each one is found, and nothing else.

use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;

use crate::domain::exception::{
    DomainException, ExceptionRecord, Flow, Owner, RecordRef, Severity,
};
use crate::domain::lifecycle::{
    HoldFact, OrderFacts, RefundFact, Stage, UnreservedCause, UnreservedLine,
};
use crate::domain::posting::{PostOutcome, PostResult};
use crate::shopify::{BalanceTransactionId, LocationId, OrderId, PayoutId, RefundId};

/// A fault seeded into the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[non_exhaustive]
pub enum SeededFault {
    /// The order was rejected for a SKU no Stokly item has (from the real posting run).
    RejectedSku,
    /// Posted, but a line's SKU matched no stock-holding item: nothing reserved.
    SkuMismatch,
    /// Posted, but the order's Shopify location maps to no Stokly location: nothing
    /// reserved.
    MissingLocationMapping,
    /// Reserved, then put on hold before release.
    Hold,
    /// Complete, but a refund has no credit document.
    RefundNotCredited,
    /// Paid out, but its payout line matched no posted record: not journaled.
    UnmatchedPayoutLine,
}

/// What a monitor must report first for one seeded fault: the first stuck stage of the
/// order ([`OrderLifecycle::first_stuck`](crate::domain::lifecycle::OrderLifecycle::first_stuck)).
/// A rejected order also waits for its journal once its charge is paid out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ExpectedStuck {
    /// The order.
    pub order: OrderId,
    /// The stage it waits for.
    pub stage: Stage,
    /// The team that owns it.
    pub owner: Owner,
    /// The fault.
    pub fault: SeededFault,
}

/// The day: the facts of every order at `now`, and the stuck orders it must show.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OperationsDay {
    /// When the checks run.
    pub now: DateTime<Utc>,
    /// Every order's facts (capture times spread over the five days before `now`).
    pub facts: Vec<OrderFacts>,
    /// The seeded faults and what must be reported for each.
    pub expected: Vec<ExpectedStuck>,
    /// Open exceptions of the day's flows (the posting rejections and the unmatched payout
    /// line), as the exception queue holds them.
    pub exceptions: Vec<ExceptionRecord>,
}

const SPAN_DAYS: i64 = 5;

/// The Shopify location that the seeded missing mapping names.
pub const UNMAPPED_LOCATION: u64 = 999_001;

/// Plays a day over the outcomes of a posting run. Capture times are spread evenly over the
/// five days before `now`, oldest first in the order given; each posted order then reaches
/// each stage on a healthy schedule (posted after 2 minutes, reserved after 5, released
/// after 3 hours, dispatched after 20, fulfilled 30 minutes later, paid out after 2 days,
/// journaled 3 hours after that) as far as `now` allows. Rejected orders stay unposted.
/// The five oldest posted orders carry, in turn: a SKU mismatch and a missing location
/// mapping (both posted, not reserved), a hold, a refund not credited, and an unmatched
/// payout line.
#[must_use]
pub fn play_day(outcomes: &[PostOutcome], now: DateTime<Utc>) -> OperationsDay {
    let span = TimeDelta::days(SPAN_DAYS);
    let count = i32::try_from(outcomes.len().max(1)).unwrap_or(i32::MAX);
    let step = span / count;
    let mut facts = Vec::with_capacity(outcomes.len());
    let mut expected = Vec::new();
    let mut exceptions = Vec::new();
    let mut posted_seen = 0usize;
    let mut step_at = now - span;
    for outcome in outcomes {
        let captured = step_at;
        step_at += step;
        let mut f = OrderFacts::captured(
            outcome.order_id.clone(),
            outcome.order_name.clone(),
            captured,
        );
        let sale_order = match &outcome.result {
            PostResult::Rejected { exceptions: found } => {
                for exception in found {
                    let record = exception.to_record();
                    f = f.with_exception(record.clone());
                    exceptions.push(record);
                }
                // Shopify pays the charge out all the same; its journal waits for the order.
                if captured + TimeDelta::days(2) <= now {
                    f = f.paid_out(captured + TimeDelta::days(2));
                }
                if now > captured + TimeDelta::minutes(30) {
                    expected.push(ExpectedStuck {
                        order: outcome.order_id.clone(),
                        stage: Stage::Posted,
                        owner: found.first().map_or(Owner::Operations, |e| e.owner()),
                        fault: SeededFault::RejectedSku,
                    });
                }
                facts.push(f);
                continue;
            }
            other => other.sale_order().cloned(),
        };
        let Some(sale_order) = sale_order else {
            facts.push(f);
            continue;
        };
        let fault = match posted_seen {
            0 => Some(SeededFault::SkuMismatch),
            1 => Some(SeededFault::MissingLocationMapping),
            2 => Some(SeededFault::Hold),
            3 => Some(SeededFault::RefundNotCredited),
            4 => Some(SeededFault::UnmatchedPayoutLine),
            _ => None,
        };
        posted_seen += 1;
        let at = |offset: TimeDelta| Some(captured + offset).filter(|t| *t <= now);
        let posted = captured + TimeDelta::minutes(2);
        f = f.posted(sale_order, posted);
        let mut stop_before = None;
        match fault {
            Some(SeededFault::SkuMismatch) => {
                f = f.with_unreserved_line(UnreservedLine::new(
                    "PLACEHOLDER-01",
                    UnreservedCause::SkuMismatch,
                ));
                stop_before = Some(Stage::Reserved);
            }
            Some(SeededFault::MissingLocationMapping) => {
                f = f.with_unreserved_line(UnreservedLine::new(
                    "ANY",
                    UnreservedCause::MissingLocationMapping {
                        location: LocationId::from_numeric(UNMAPPED_LOCATION),
                    },
                ));
                stop_before = Some(Stage::Reserved);
            }
            Some(SeededFault::Hold) => {
                f = f.with_hold(HoldFact::new(
                    "HIGH_RISK_OF_FRAUD",
                    captured + TimeDelta::minutes(6),
                ));
                stop_before = Some(Stage::Released);
            }
            _ => {}
        }
        let schedule = [
            (Stage::Reserved, TimeDelta::minutes(5)),
            (Stage::Released, TimeDelta::hours(3)),
            (Stage::Dispatched, TimeDelta::hours(20)),
            (Stage::Fulfilled, TimeDelta::minutes(20 * 60 + 30)),
            (Stage::PaidOut, TimeDelta::days(2)),
            (Stage::Journaled, TimeDelta::hours(51)),
        ];
        let mut goods_stopped = false;
        for (stage, offset) in schedule {
            if Some(stage) == stop_before {
                goods_stopped = true;
            }
            let blocked_goods =
                goods_stopped && !matches!(stage, Stage::PaidOut | Stage::Journaled);
            // A payout matches the charge to the posted sale order whether or not its
            // goods moved; only the unmatched line keeps the journal back.
            let blocked_journal =
                stage == Stage::Journaled && fault == Some(SeededFault::UnmatchedPayoutLine);
            if blocked_goods || blocked_journal {
                continue;
            }
            let Some(t) = at(offset) else { continue };
            f = match stage {
                Stage::Reserved => f.reserved(t),
                Stage::Released => f.released(t),
                Stage::Dispatched => f.dispatched(t),
                Stage::Fulfilled => f.fulfilled(t),
                Stage::PaidOut => f.paid_out(t),
                _ => f.journaled(t),
            };
        }
        if fault == Some(SeededFault::UnmatchedPayoutLine) {
            let transaction = BalanceTransactionId::from_numeric(800_000 + posted_seen as u64);
            f = f.with_unmatched_payout_line(transaction.clone());
            let record = ExceptionRecord {
                flow: Flow::Payout,
                code: "unmatched_transaction".into(),
                owner: Owner::Finance,
                severity: Severity::Blocking,
                subject: vec![
                    RecordRef::ShopifyPayout {
                        id: PayoutId::from_numeric(700_001),
                    },
                    RecordRef::ShopifyBalanceTransaction { id: transaction },
                    RecordRef::ShopifyOrder {
                        id: outcome.order_id.clone(),
                        name: outcome.order_name.clone(),
                    },
                ],
                reason: format!(
                    "A charge of order {} in payout 700001 matches no posted sale order.",
                    outcome.order_name
                ),
                fix_hint: "Post the missing record, then reconcile the payout again.".into(),
            };
            f = f.with_exception(record.clone());
            exceptions.push(record);
        }
        if fault == Some(SeededFault::RefundNotCredited) {
            f = f.with_refund(RefundFact::new(
                RefundId::from_numeric(600_000 + posted_seen as u64),
                captured + TimeDelta::days(1),
            ));
        }
        // What a monitor must report, from the fault alone (the default times).
        let must = match fault {
            Some(SeededFault::SkuMismatch) => Some((Stage::Reserved, Owner::Ecommerce)),
            Some(SeededFault::MissingLocationMapping) => Some((Stage::Reserved, Owner::Operations)),
            Some(SeededFault::Hold) => Some((Stage::Released, Owner::Ecommerce)),
            Some(SeededFault::RefundNotCredited) => Some((Stage::Credited, Owner::Finance)),
            Some(SeededFault::UnmatchedPayoutLine) => Some((Stage::Journaled, Owner::Finance)),
            _ => None,
        };
        if let (Some((stage, owner)), Some(fault)) = (must, fault) {
            expected.push(ExpectedStuck {
                order: outcome.order_id.clone(),
                stage,
                owner,
                fault,
            });
        }
        facts.push(f);
    }
    OperationsDay {
        now,
        facts,
        expected,
        exceptions,
    }
}
