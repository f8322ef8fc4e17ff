//! Stages, expected times and stuck detection.

use std::fmt;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::facts::{OrderFacts, UnreservedCause};
use crate::domain::exception::{
    DomainException, ExceptionRecord, Flow, Owner, RecordRef, Severity,
};
use crate::shopify::{BalanceTransactionId, OrderId, RefundId};

/// A milestone of an order, from payment to the books.
///
/// The first eight form the order's line (`Captured` to `Journaled`); `Credited` is reached
/// once per refund, beside the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Stage {
    /// Payment captured in Shopify.
    Captured,
    /// Posted to Stokly as a sale order.
    Posted,
    /// Stock reserved in Stokly for every line.
    Reserved,
    /// Released by Stokly for picking.
    Released,
    /// Dispatched by Stokly.
    Dispatched,
    /// Fulfilled in Shopify (the customer has the tracking).
    Fulfilled,
    /// The charge arrived in a Shopify Payments payout.
    PaidOut,
    /// The payout's journal is posted in Stokly.
    Journaled,
    /// A refund has its credit document in Stokly.
    Credited,
}

impl Stage {
    /// The order's line, in order.
    pub const LINE: [Stage; 8] = [
        Self::Captured,
        Self::Posted,
        Self::Reserved,
        Self::Released,
        Self::Dispatched,
        Self::Fulfilled,
        Self::PaidOut,
        Self::Journaled,
    ];

    /// Every stage, in report order.
    pub const ALL: [Stage; 9] = [
        Self::Captured,
        Self::Posted,
        Self::Reserved,
        Self::Released,
        Self::Dispatched,
        Self::Fulfilled,
        Self::PaidOut,
        Self::Journaled,
        Self::Credited,
    ];

    /// How reports name it.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Captured => "Captured",
            Self::Posted => "Posted to Stokly",
            Self::Reserved => "Stock reserved",
            Self::Released => "Released for picking",
            Self::Dispatched => "Dispatched",
            Self::Fulfilled => "Fulfilled in Shopify",
            Self::PaidOut => "Paid out",
            Self::Journaled => "Journaled",
            Self::Credited => "Refund credited",
        }
    }

    /// The stage whose time starts this one's clock (`None` for `Captured`, and for
    /// `Credited`, whose clock starts at its refund).
    #[must_use]
    pub fn after(self) -> Option<Stage> {
        match self {
            Self::Captured | Self::Credited => None,
            Self::Posted | Self::PaidOut => Some(Self::Captured),
            Self::Reserved => Some(Self::Posted),
            Self::Released => Some(Self::Reserved),
            Self::Dispatched => Some(Self::Released),
            Self::Fulfilled => Some(Self::Dispatched),
            Self::Journaled => Some(Self::PaidOut),
        }
    }

    /// Who acts when an order waits too long for this stage and nothing more is known.
    #[must_use]
    pub fn default_owner(self) -> Owner {
        match self {
            Self::Captured | Self::Posted | Self::Reserved | Self::Released => Owner::Operations,
            Self::Dispatched | Self::Fulfilled => Owner::Operations,
            Self::PaidOut | Self::Journaled | Self::Credited => Owner::Finance,
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// How long each stage may take, counted from the stage before it ([`Stage::after`]).
/// An order past its time is stuck.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LifecycleConfig {
    posted: TimeDelta,
    reserved: TimeDelta,
    released: TimeDelta,
    dispatched: TimeDelta,
    fulfilled: TimeDelta,
    paid_out: TimeDelta,
    journaled: TimeDelta,
    credited: TimeDelta,
}

impl Default for LifecycleConfig {
    /// Posted within 30 minutes of capture; reserved within 1 hour of posting; released
    /// within 8 hours; dispatched within 24 hours of release; fulfilled in Shopify within 2
    /// hours of dispatch; paid out within 4 days of capture (Shopify's usual schedule is 2
    /// to 3 business days); journaled within 1 day of the payout; a refund credited within
    /// 1 day.
    fn default() -> Self {
        Self {
            posted: TimeDelta::minutes(30),
            reserved: TimeDelta::hours(1),
            released: TimeDelta::hours(8),
            dispatched: TimeDelta::hours(24),
            fulfilled: TimeDelta::hours(2),
            paid_out: TimeDelta::days(4),
            journaled: TimeDelta::days(1),
            credited: TimeDelta::days(1),
        }
    }
}

impl LifecycleConfig {
    /// The time `stage` may take (zero for `Captured`, which has no clock).
    #[must_use]
    pub fn expected(&self, stage: Stage) -> TimeDelta {
        match stage {
            Stage::Captured => TimeDelta::zero(),
            Stage::Posted => self.posted,
            Stage::Reserved => self.reserved,
            Stage::Released => self.released,
            Stage::Dispatched => self.dispatched,
            Stage::Fulfilled => self.fulfilled,
            Stage::PaidOut => self.paid_out,
            Stage::Journaled => self.journaled,
            Stage::Credited => self.credited,
        }
    }

    /// The same configuration with `stage` allowed `time` (ignored for `Captured`).
    #[must_use]
    pub fn with_expected(mut self, stage: Stage, time: TimeDelta) -> Self {
        let slot = match stage {
            Stage::Captured => return self,
            Stage::Posted => &mut self.posted,
            Stage::Reserved => &mut self.reserved,
            Stage::Released => &mut self.released,
            Stage::Dispatched => &mut self.dispatched,
            Stage::Fulfilled => &mut self.fulfilled,
            Stage::PaidOut => &mut self.paid_out,
            Stage::Journaled => &mut self.journaled,
            Stage::Credited => &mut self.credited,
        };
        *slot = time;
        self
    }
}

/// Why an order is stuck, when the facts say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
#[non_exhaustive]
pub enum StuckReason {
    /// A SKU of the order names no single Stokly item (unknown, blank, duplicated or on a
    /// deleted item).
    SkuMismatch {
        /// The SKU, when known.
        sku: Option<String>,
    },
    /// A location of the order is not mapped between the two systems.
    MissingLocationMapping {
        /// The location, when known.
        location: Option<RecordRef>,
    },
    /// The item is known and mapped, but Stokly has no stock of it to reserve.
    NoStock {
        /// The SKU.
        sku: String,
    },
    /// The order's fulfilment is on hold.
    OnHold {
        /// The hold's reason as the system gave it.
        hold: String,
    },
    /// A balance transaction of the order is in a payout but matches no posted record.
    UnmatchedPayoutLine {
        /// The transaction.
        transaction: BalanceTransactionId,
    },
    /// A Shopify refund has no credit document in Stokly.
    RefundNotCredited {
        /// The refund.
        refund: RefundId,
    },
    /// Another open exception of a flow explains it.
    Exception {
        /// The flow that raised it.
        flow: Flow,
        /// Its kind ([`DomainException::code`]).
        code: String,
        /// The team that owns it.
        owner: Owner,
    },
}

impl StuckReason {
    /// The team that acts on this reason.
    #[must_use]
    pub fn owner(&self) -> Owner {
        match self {
            Self::SkuMismatch { .. } | Self::OnHold { .. } => Owner::Ecommerce,
            Self::MissingLocationMapping { .. } | Self::NoStock { .. } => Owner::Operations,
            Self::UnmatchedPayoutLine { .. } | Self::RefundNotCredited { .. } => Owner::Finance,
            Self::Exception { owner, .. } => *owner,
        }
    }

    /// The reason in a short phrase.
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            Self::SkuMismatch { sku: Some(sku) } => format!("SKU mismatch on \"{sku}\""),
            Self::SkuMismatch { sku: None } => "SKU mismatch".to_owned(),
            Self::MissingLocationMapping { location: Some(l) } => {
                format!("missing location mapping ({l})")
            }
            Self::MissingLocationMapping { location: None } => {
                "missing location mapping".to_owned()
            }
            Self::NoStock { sku } => format!("no stock of \"{sku}\" to reserve"),
            Self::OnHold { hold } => format!("on hold ({hold})"),
            Self::UnmatchedPayoutLine { transaction } => format!(
                "payout line {} matches no posted record",
                transaction.numeric_id()
            ),
            Self::RefundNotCredited { refund } => {
                format!("refund {} has no credit document", refund.numeric_id())
            }
            Self::Exception { flow, code, .. } => format!("open {flow} exception {code}"),
        }
    }
}

/// One order past the expected time of a stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StuckOrder {
    /// The order.
    pub order: OrderId,
    /// Its name.
    pub name: String,
    /// The stage it waits for.
    pub stage: Stage,
    /// When that stage's clock started.
    pub since: DateTime<Utc>,
    /// When the stage was due.
    pub due: DateTime<Utc>,
    /// How far past due it is at the assessment.
    pub overdue: TimeDelta,
    /// Why, when the facts say.
    pub reason: Option<StuckReason>,
    /// Who acts on it: the reason's owner, else the stage's default.
    pub owner: Owner,
}

impl StuckOrder {
    /// Whether this is the seed's silent failure: posted to Stokly, but no stock reserved.
    #[must_use]
    pub fn is_posted_not_reserved(&self) -> bool {
        self.stage == Stage::Reserved
    }
}

impl DomainException for StuckOrder {
    fn flow(&self) -> Flow {
        Flow::Lifecycle
    }

    fn code(&self) -> &'static str {
        match self.stage {
            Stage::Captured | Stage::Posted => "not_posted",
            Stage::Reserved => "posted_not_reserved",
            Stage::Released => "not_released",
            Stage::Dispatched => "not_dispatched",
            Stage::Fulfilled => "not_fulfilled",
            Stage::PaidOut => "not_paid_out",
            Stage::Journaled => "not_journaled",
            Stage::Credited => "refund_not_credited",
        }
    }

    fn owner(&self) -> Owner {
        self.owner
    }

    fn severity(&self) -> Severity {
        match self.stage {
            Stage::Captured | Stage::Posted | Stage::Reserved => Severity::Blocking,
            Stage::Released
            | Stage::Dispatched
            | Stage::Fulfilled
            | Stage::PaidOut
            | Stage::Journaled
            | Stage::Credited => Severity::Warning,
        }
    }

    fn subject(&self) -> Vec<RecordRef> {
        vec![RecordRef::ShopifyOrder {
            id: self.order.clone(),
            name: self.name.clone(),
        }]
    }

    fn reason(&self) -> String {
        let hours = self.overdue.num_minutes() as f64 / 60.0;
        let why = self
            .reason
            .as_ref()
            .map(|r| format!(": {}", r.describe()))
            .unwrap_or_default();
        format!(
            "Order {} waits for \"{}\" since {}, {hours:.1} h past due{why}.",
            self.name,
            self.stage.label(),
            self.since.format("%Y-%m-%d %H:%M UTC"),
        )
    }

    fn fix_hint(&self) -> String {
        match &self.reason {
            Some(StuckReason::SkuMismatch { .. }) => "Give the Shopify variant the exact SKU of \
                its Stokly item (or create the item), then post the order again."
                .to_owned(),
            Some(StuckReason::MissingLocationMapping { .. }) => "Map the location in the \
                connector's location map, then let Stokly allocate the order."
                .to_owned(),
            Some(StuckReason::NoStock { .. }) => {
                "Book the stock in, or tell the customer and cancel the line.".to_owned()
            }
            Some(StuckReason::OnHold { .. }) => {
                "Review the hold in Shopify and release or cancel the order.".to_owned()
            }
            Some(StuckReason::UnmatchedPayoutLine { .. }) => "Post the missing sale order or \
                credit document, then reconcile the payout again."
                .to_owned(),
            Some(StuckReason::RefundNotCredited { .. }) => {
                "Post the refund's credit document in Stokly.".to_owned()
            }
            Some(StuckReason::Exception { .. }) => {
                "Resolve the open exception named above; the order moves on by itself.".to_owned()
            }
            None => format!(
                "Look the order up in {} and find what holds it.",
                match self.stage {
                    Stage::Captured | Stage::PaidOut => "Shopify",
                    _ => "Stokly",
                }
            ),
        }
    }
}

/// One order's state: the stages reached, where it stands, and where it is stuck.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OrderLifecycle {
    /// The order.
    pub order: OrderId,
    /// Its name.
    pub name: String,
    /// When its payment was captured.
    pub captured_at: DateTime<Utc>,
    /// The last stage of [`Stage::LINE`] reached with every stage before it.
    pub stage: Stage,
    /// Whether every stage of the line is reached and every refund credited.
    pub complete: bool,
    /// Stages past their expected time, in line order (then refunds in the order given).
    pub stuck: Vec<StuckOrder>,
}

impl OrderLifecycle {
    /// The first stuck stage, if any: the one to act on first.
    #[must_use]
    pub fn first_stuck(&self) -> Option<&StuckOrder> {
        self.stuck.first()
    }
}

fn reached(facts: &OrderFacts, stage: Stage) -> Option<DateTime<Utc>> {
    match stage {
        Stage::Captured => Some(facts.captured_at),
        Stage::Posted => facts.posted_at,
        Stage::Reserved => facts.reserved_at,
        Stage::Released => facts.released_at,
        Stage::Dispatched => facts.dispatched_at,
        Stage::Fulfilled => facts.fulfilled_at,
        Stage::PaidOut => facts.paid_out_at,
        Stage::Journaled => facts.journaled_at,
        Stage::Credited => None,
    }
}

const SKU_CODES: [&str; 4] = [
    "unknown_sku",
    "blank_sku",
    "duplicate_sku",
    "sku_on_deleted_item",
];

fn sku_of(record: &ExceptionRecord) -> Option<String> {
    record.subject.iter().find_map(|r| match r {
        RecordRef::ShopifyVariant { sku, .. } | RecordRef::StoklyItem { sku, .. } => sku.clone(),
        _ => None,
    })
}

fn location_of(record: &ExceptionRecord) -> Option<RecordRef> {
    record
        .subject
        .iter()
        .find(|r| {
            matches!(
                r,
                RecordRef::ShopifyLocation { .. } | RecordRef::StoklyLocation { .. }
            )
        })
        .cloned()
}

fn from_exception(record: &ExceptionRecord) -> StuckReason {
    let code = record.code.as_str();
    if SKU_CODES.contains(&code) {
        return StuckReason::SkuMismatch {
            sku: sku_of(record),
        };
    }
    if code == "unmapped_location" {
        return StuckReason::MissingLocationMapping {
            location: location_of(record),
        };
    }
    StuckReason::Exception {
        flow: record.flow,
        code: record.code.clone(),
        owner: record.owner,
    }
}

/// The flows whose open exceptions can hold `stage`.
fn flows_holding(stage: Stage) -> &'static [Flow] {
    match stage {
        Stage::Captured | Stage::Posted => &[Flow::Order, Flow::Tax],
        Stage::Reserved => &[Flow::Order, Flow::OrderChange, Flow::Inventory],
        Stage::Released | Stage::Dispatched | Stage::Fulfilled => {
            &[Flow::Fulfilment, Flow::OrderChange]
        }
        Stage::PaidOut | Stage::Journaled => &[Flow::Payout],
        Stage::Credited => &[Flow::Refund],
    }
}

fn reason_for(facts: &OrderFacts, stage: Stage) -> Option<StuckReason> {
    let hold = || {
        facts.holds.first().map(|h| StuckReason::OnHold {
            hold: h.reason.clone(),
        })
    };
    let exception = || {
        let flows = flows_holding(stage);
        facts
            .exceptions
            .iter()
            .filter(|e| flows.contains(&e.flow))
            .min_by_key(|e| e.severity)
            .map(from_exception)
    };
    match stage {
        Stage::Reserved => facts
            .unreserved_lines
            .first()
            .map(|line| match &line.cause {
                UnreservedCause::SkuMismatch => StuckReason::SkuMismatch {
                    sku: Some(line.sku.clone()),
                },
                UnreservedCause::MissingLocationMapping { location } => {
                    StuckReason::MissingLocationMapping {
                        location: Some(RecordRef::ShopifyLocation {
                            id: location.clone(),
                        }),
                    }
                }
                UnreservedCause::NoStock => StuckReason::NoStock {
                    sku: line.sku.clone(),
                },
            })
            .or_else(exception),
        Stage::Released | Stage::Dispatched | Stage::Fulfilled => hold().or_else(exception),
        Stage::Journaled => facts
            .unmatched_payout_lines
            .first()
            .map(|t| StuckReason::UnmatchedPayoutLine {
                transaction: t.clone(),
            })
            .or_else(|| {
                // The payout cannot match a charge whose order is not posted: the journal
                // waits for whatever holds the posting.
                facts
                    .posted_at
                    .is_none()
                    .then(|| reason_for(facts, Stage::Posted))
                    .flatten()
            })
            .or_else(exception),
        Stage::Captured | Stage::Posted | Stage::PaidOut | Stage::Credited => exception(),
    }
}

fn stuck(
    facts: &OrderFacts,
    stage: Stage,
    since: DateTime<Utc>,
    due: DateTime<Utc>,
    now: DateTime<Utc>,
    reason: Option<StuckReason>,
) -> StuckOrder {
    let owner = reason
        .as_ref()
        .map_or_else(|| stage.default_owner(), StuckReason::owner);
    StuckOrder {
        order: facts.order.clone(),
        name: facts.name.clone(),
        stage,
        since,
        due,
        overdue: now - due,
        reason,
        owner,
    }
}

/// Where one order stands at `now`, and every stage it is stuck at.
///
/// A stage is stuck when the stage before it ([`Stage::after`]) was reached, it was not,
/// and its expected time has passed. A refund is stuck when it has no credit document a
/// day (by default) after it was made. The reason comes from the facts: unreserved lines
/// for a posted order without stock, holds for release, dispatch and fulfilment, unmatched
/// payout lines for the journal (or, for an order not posted, what holds its posting), and
/// otherwise the worst open exception of a flow that can
/// hold that stage (a SKU code reads as a SKU mismatch, `unmapped_location` as a missing
/// location mapping).
#[must_use]
pub fn assess_lifecycle(
    facts: &OrderFacts,
    config: &LifecycleConfig,
    now: DateTime<Utc>,
) -> OrderLifecycle {
    let mut stage = Stage::Captured;
    for next in Stage::LINE.into_iter().skip(1) {
        if reached(facts, next).is_some() {
            stage = next;
        } else {
            break;
        }
    }
    let mut stuck_stages = Vec::new();
    let mut line_complete = true;
    for next in Stage::LINE.into_iter().skip(1) {
        if reached(facts, next).is_some() {
            continue;
        }
        line_complete = false;
        let Some(since) = next.after().and_then(|before| reached(facts, before)) else {
            continue;
        };
        let due = since + config.expected(next);
        if now > due {
            let reason = reason_for(facts, next);
            stuck_stages.push(stuck(facts, next, since, due, now, reason));
        }
    }
    let mut refunds_credited = true;
    for refund in &facts.refunds {
        if refund.credited_at.is_some() {
            continue;
        }
        refunds_credited = false;
        let due = refund.refunded_at + config.expected(Stage::Credited);
        if now > due {
            let reason = Some(StuckReason::RefundNotCredited {
                refund: refund.refund.clone(),
            });
            stuck_stages.push(stuck(
                facts,
                Stage::Credited,
                refund.refunded_at,
                due,
                now,
                reason,
            ));
        }
    }
    OrderLifecycle {
        order: facts.order.clone(),
        name: facts.name.clone(),
        captured_at: facts.captured_at,
        stage,
        complete: line_complete && refunds_credited,
        stuck: stuck_stages,
    }
}
