//! Fulfilments applied to Shopify: the reads [`plan_fulfilments`](crate::domain::fulfilment::plan_fulfilments)
//! needs, and the writes of its plan.
//!
//! `fulfillmentCreate` has no idempotency key, so every create goes through the exactly-once
//! protocol ([`run_exactly_once`]): it is claimed in the posting ledger under the plan's
//! natural key, looked up first (the order's fulfilments re-read, matched on tracking
//! numbers), created only while the claim outlasts the visibility window, and a create whose
//! answer was lost is settled by re-reading the order's fulfilments and matching on tracking
//! numbers before it is reported as deferred. A rerun therefore never fulfils twice.
//!
//! `fulfillmentTrackingInfoUpdate` sets the whole tracking set: repeating it changes nothing,
//! so it is sent directly. `fulfillmentOrderMove` is not safe to repeat (a fulfillment order
//! that still holds more units of a line moves more), so moves go through the same protocol:
//! claimed under a natural key (fulfillment order, new location, lines and units), looked up
//! first by re-reading the order's fulfillment orders (the move shows as the new location
//! holding the moved units on top of what it held when the plan was made), and a move whose
//! answer was lost is settled by the same read before it is reported.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::exactly_once::{
    CreateTarget, LookUpAnswer, ShopifyWritePorts, run_exactly_once, shopify_protocol,
    shopify_write_error,
};
use crate::domain::exactly_once::{DeferReason, ExactlyOnce, Outcome};
use crate::domain::fulfilment::{
    Dispatch, FulfilmentException, FulfilmentPlan, PlannedFulfilment, PlannedMove,
    dispatches_from_stokly,
};
use crate::domain::ports::LedgerRecordId;
use crate::domain::posting::PortError;
use crate::shopify::model::{
    Fulfillment, FulfillmentOrderStatus, FulfillmentState, OrderFulfillments,
};
use crate::shopify::{self, FulfillmentId, FulfillmentOrderId, LineItemId, OrderId};
use crate::stokly::{self, ListQuery, SaleOrderId};
use futures::TryStreamExt;

/// Reads the fulfillment state of these orders (each once, in order). An order Shopify does
/// not know is left out (the plan reports its dispatches); a read that fails is answered
/// with its order.
pub async fn read_order_states(
    shopify: &shopify::Client,
    orders: &[OrderId],
) -> (Vec<OrderFulfillments>, Vec<(OrderId, shopify::Error)>) {
    let unique: BTreeSet<&OrderId> = orders.iter().collect();
    let mut states = Vec::new();
    let mut failed = Vec::new();
    for order in unique {
        match shopify.order_fulfillments(order).await {
            Ok(Some(state)) => states.push(state),
            Ok(None) => {}
            Err(e) => failed.push((order.clone(), e)),
        }
    }
    (states, failed)
}

/// Reads what Stokly dispatched for a sale order (the order, its lines and its dispatches,
/// the last through the **inferred** dispatch path of
/// [`InferredEndpoints`](crate::stokly::InferredEndpoints)) and maps it against the Shopify
/// order's fulfillment state ([`dispatches_from_stokly`]).
///
/// # Errors
/// The first Stokly error of the three reads.
pub async fn read_stokly_dispatches(
    stokly: &stokly::Client,
    sale_order: &SaleOrderId,
    shopify: &OrderFulfillments,
) -> Result<(Vec<Dispatch>, Vec<FulfilmentException>), stokly::Error> {
    let order = stokly.sale_order(sale_order).await?;
    let lines: Vec<_> = stokly
        .sale_order_lines(sale_order, ListQuery::default())
        .try_collect()
        .await?;
    let dispatches: Vec<_> = stokly
        .sale_order_dispatches(sale_order, ListQuery::default())
        .try_collect()
        .await?;
    Ok(dispatches_from_stokly(&order, &lines, &dispatches, shopify))
}

/// What applying one write did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
#[non_exhaustive]
pub enum WriteResult {
    /// Created (or changed) by this run.
    Done {
        /// The fulfilment (or fulfillment order, for a move).
        id: String,
    },
    /// Found in Shopify already (an earlier run, or a lost answer settled).
    AlreadyDone {
        /// The fulfilment.
        id: String,
    },
    /// Shopify refused it; a person must look.
    Refused {
        /// The call.
        operation: String,
        /// Shopify's message.
        message: String,
    },
    /// Not done in this run; the next run tries again.
    Deferred {
        /// Why.
        reason: DeferReason,
    },
    /// Failed; whether it was applied is reported by the next run's plan.
    Failed {
        /// What happened.
        error: String,
    },
}

/// One write of the plan and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AppliedWrite {
    /// The mutation (`fulfillmentCreate`...).
    pub operation: String,
    /// The order.
    pub order: OrderId,
    /// The plan's key (creates), or the fulfilment / fulfillment order changed.
    pub subject: String,
    /// What happened.
    pub result: WriteResult,
}

/// Everything one apply did, in plan order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FulfilmentApplyReport {
    /// One entry per write of the plan.
    pub writes: Vec<AppliedWrite>,
}

impl FulfilmentApplyReport {
    /// Writes this run made (created, updated, moved).
    #[must_use]
    pub fn done(&self) -> usize {
        self.writes
            .iter()
            .filter(|w| matches!(w.result, WriteResult::Done { .. }))
            .count()
    }
}

/// What applying a plan needs (the ports every Shopify write through the exactly-once
/// protocol takes).
pub type FulfilmentPorts<'a> = ShopifyWritePorts<'a>;

/// Applies a plan: creates through the exactly-once protocol, then tracking updates, then
/// moves. `known` is the Shopify state the plan was made from: a create without tracking
/// numbers is found by a fulfilment not in it with the same lines.
pub async fn apply_fulfilment_plan(
    plan: &FulfilmentPlan,
    known: &[OrderFulfillments],
    ports: FulfilmentPorts<'_>,
) -> FulfilmentApplyReport {
    let mut report = FulfilmentApplyReport::default();
    if !plan.creates.is_empty() {
        let keys = plan
            .creates
            .iter()
            .map(|c| format!("{}:{}", ports.shop, c.key))
            .collect();
        let mut machine = ExactlyOnce::new(keys, shopify_protocol(ports.posting));
        let mut target = FulfilmentTarget {
            shopify: ports.shopify,
            creates: &plan.creates,
            known: known
                .iter()
                .map(|o| {
                    (
                        o.id.clone(),
                        o.fulfillments.iter().map(|f| f.id.clone()).collect(),
                    )
                })
                .collect(),
        };
        run_exactly_once(&mut machine, &mut target, ports.ledger, ports.clock).await;
        for (create, outcome) in plan.creates.iter().zip(machine.into_outcomes()) {
            let result = write_result(outcome, |id: FulfillmentId| id.as_str().to_owned());
            report.writes.push(AppliedWrite {
                operation: "fulfillmentCreate".into(),
                order: create.order.clone(),
                subject: create.key.clone(),
                result,
            });
        }
    }
    for update in &plan.tracking_updates {
        let result = match ports
            .shopify
            .fulfillment_tracking_update(
                &update.fulfillment,
                &update.tracking,
                update.notify_customer,
            )
            .await
        {
            Ok(f) => WriteResult::Done {
                id: f.id.as_str().to_owned(),
            },
            Err(e) => failure("fulfillmentTrackingInfoUpdate", e),
        };
        report.writes.push(AppliedWrite {
            operation: "fulfillmentTrackingInfoUpdate".into(),
            order: update.order.clone(),
            subject: update.fulfillment.as_str().to_owned(),
            result,
        });
    }
    if !plan.moves.is_empty() {
        let keys = plan
            .moves
            .iter()
            .map(|m| format!("{}:{}", ports.shop, move_key(m)))
            .collect();
        let mut machine = ExactlyOnce::new(keys, shopify_protocol(ports.posting));
        let mut target = MoveTarget::new(ports.shopify, &plan.moves, known);
        run_exactly_once(&mut machine, &mut target, ports.ledger, ports.clock).await;
        for (planned, outcome) in plan.moves.iter().zip(machine.into_outcomes()) {
            report.writes.push(AppliedWrite {
                operation: "fulfillmentOrderMove".into(),
                order: planned.order.clone(),
                subject: planned.fulfillment_order.as_str().to_owned(),
                result: write_result(outcome, |id: FulfillmentOrderId| id.as_str().to_owned()),
            });
        }
    }
    report
}

fn write_result<R>(outcome: Outcome<R>, id: impl Fn(R) -> String) -> WriteResult {
    match outcome {
        Outcome::Created(record) => WriteResult::Done { id: id(record) },
        Outcome::AlreadyDone(record) => WriteResult::AlreadyDone { id: id(record) },
        Outcome::Refused { operation, message } => WriteResult::Refused { operation, message },
        Outcome::Deferred(reason) => WriteResult::Deferred { reason },
    }
}

/// A move's natural key: the fulfillment order, where to, and the lines and units moved.
fn move_key(planned: &PlannedMove) -> String {
    let lines: Vec<String> = planned
        .line_items
        .iter()
        .map(|l| format!("{}x{}", l.id.numeric_id(), l.quantity))
        .collect();
    format!(
        "move:{}:{}:{}:{}",
        planned.order.numeric_id(),
        planned.fulfillment_order.numeric_id(),
        planned.new_location.numeric_id(),
        lines.join("+")
    )
}

/// Units of each order line on the order's live fulfillment orders assigned to `location`,
/// counted by `totalQuantity` (which a move raises at the new location and lowers at the old
/// one, and a fulfilment leaves alone).
fn units_at(
    state: &OrderFulfillments,
    location: &shopify::LocationId,
) -> BTreeMap<LineItemId, i64> {
    let mut units = BTreeMap::new();
    for fo in &state.fulfillment_orders.nodes {
        let live = !matches!(fo.status, FulfillmentOrderStatus::Cancelled);
        if live && fo.location() == Some(location) {
            for line in &fo.line_items.nodes {
                *units.entry(line.line_item.id.clone()).or_default() += line.total_quantity;
            }
        }
    }
    units
}

/// The moves of one plan as the protocol's [`CreateTarget`].
///
/// `fulfillmentOrderMove` has no idempotency key, and a second move of the same lines is not
/// refused when the fulfillment order still holds more units of them: it moves more. So a
/// move is claimed in the ledger (two workers never both send it) and looked up before it is
/// sent, and again before a lost answer is reported: the look-up re-reads the order's
/// fulfillment orders and finds the move done when the new location holds, for every order
/// line moved, at least the units it held when the plan was made plus the units moved.
struct MoveTarget<'a> {
    shopify: &'a shopify::Client,
    moves: &'a [PlannedMove],
    /// Per move: order line -> (units at the new location when planned, units moved).
    wanted: Vec<BTreeMap<LineItemId, (i64, i64)>>,
}

impl<'a> MoveTarget<'a> {
    fn new(
        shopify: &'a shopify::Client,
        moves: &'a [PlannedMove],
        known: &[OrderFulfillments],
    ) -> Self {
        let wanted = moves
            .iter()
            .map(|m| {
                let Some(state) = known.iter().find(|o| o.id == m.order) else {
                    return BTreeMap::new();
                };
                let before = units_at(state, &m.new_location);
                let mut wanted: BTreeMap<LineItemId, (i64, i64)> = BTreeMap::new();
                for input in &m.line_items {
                    let line = state
                        .fulfillment_orders
                        .nodes
                        .iter()
                        .flat_map(|fo| &fo.line_items.nodes)
                        .find(|l| l.id == input.id);
                    if let Some(line) = line {
                        let id = &line.line_item.id;
                        let entry = wanted
                            .entry(id.clone())
                            .or_insert((before.get(id).copied().unwrap_or(0), 0));
                        entry.1 += input.quantity;
                    }
                }
                wanted
            })
            .collect();
        Self {
            shopify,
            moves,
            wanted,
        }
    }

    /// The fulfillment order at the new location that shows the move, when it was made.
    fn find(&self, item: usize, state: &OrderFulfillments) -> Option<FulfillmentOrderId> {
        let planned = self.moves.get(item)?;
        let wanted = self.wanted.get(item)?;
        if wanted.is_empty() {
            return None;
        }
        let now = units_at(state, &planned.new_location);
        let done = wanted
            .iter()
            .all(|(line, (before, moved))| now.get(line).copied().unwrap_or(0) >= before + moved);
        if !done {
            return None;
        }
        state
            .fulfillment_orders
            .nodes
            .iter()
            .filter(|fo| fo.location() == Some(&planned.new_location))
            .find(|fo| {
                fo.line_items
                    .nodes
                    .iter()
                    .any(|l| wanted.contains_key(&l.line_item.id))
            })
            .map(|fo| fo.id.clone())
    }
}

#[async_trait]
impl CreateTarget for MoveTarget<'_> {
    type Record = FulfillmentOrderId;

    async fn look_up(
        &mut self,
        items: &[usize],
    ) -> Result<LookUpAnswer<FulfillmentOrderId>, PortError> {
        let mut by_order: BTreeMap<&OrderId, Vec<usize>> = BTreeMap::new();
        for &item in items {
            if let Some(planned) = self.moves.get(item) {
                by_order.entry(&planned.order).or_default().push(item);
            }
        }
        let mut answer = LookUpAnswer::found(Vec::new());
        for (order, items) in by_order {
            match self.shopify.order_fulfillments(order).await {
                Ok(Some(state)) => {
                    for item in items {
                        if let Some(found) = self.find(item, &state) {
                            answer.found.push((item, found));
                        }
                    }
                }
                Ok(None) => {}
                Err(e) => read_failed(&mut answer, items, "read order fulfillment orders", e),
            }
        }
        Ok(answer)
    }

    async fn create(&mut self, item: usize) -> Result<FulfillmentOrderId, PortError> {
        let Some(planned) = self.moves.get(item) else {
            return Err(PortError::Refused {
                operation: "fulfillmentOrderMove".into(),
                message: format!("no planned move {item}"),
            });
        };
        self.shopify
            .fulfillment_order_move(
                &planned.fulfillment_order,
                &planned.new_location,
                &planned.line_items,
            )
            .await
            .map_err(|e| shopify_write_error("fulfillmentOrderMove", e))
    }

    /// Shopify answers the move with the fulfillment order that now holds the lines, and the
    /// order's fulfillment orders show it at once: nothing to wait for.
    async fn confirm(&mut self, _items: &[usize]) -> Result<(), PortError> {
        Ok(())
    }

    fn record_known_to_ledger(&self, _record: LedgerRecordId) -> Option<FulfillmentOrderId> {
        None
    }

    fn ledger_id(&self, _record: &FulfillmentOrderId) -> Option<LedgerRecordId> {
        None
    }
}

fn failure(operation: &str, error: shopify::Error) -> WriteResult {
    match shopify_write_error(operation, error) {
        PortError::Refused { operation, message } => WriteResult::Refused {
            operation: operation.to_string(),
            message,
        },
        other => WriteResult::Failed {
            error: other.to_string(),
        },
    }
}

/// The creates of one plan as the protocol's [`CreateTarget`].
struct FulfilmentTarget<'a> {
    shopify: &'a shopify::Client,
    creates: &'a [PlannedFulfilment],
    /// Fulfilments each order had when the plan was made.
    known: HashMap<OrderId, BTreeSet<FulfillmentId>>,
}

impl FulfilmentTarget<'_> {
    /// The live fulfilment that is this create: one sharing a tracking number, or (for a
    /// create without numbers) a new one with exactly its lines.
    fn find<'f>(
        &self,
        create: &PlannedFulfilment,
        fulfillments: &'f [Fulfillment],
    ) -> Option<&'f Fulfillment> {
        let live = fulfillments
            .iter()
            .filter(|f| !matches!(f.status, FulfillmentState::Cancelled));
        let numbers: BTreeSet<&str> = create
            .tracking_numbers()
            .iter()
            .map(String::as_str)
            .collect();
        if !numbers.is_empty() {
            // Chunks of one create share their numbers: match on the lines too.
            return live
                .filter(|f| f.tracking_numbers().any(|n| numbers.contains(n)))
                .find(|f| same_lines(create, f));
        }
        let known = self.known.get(&create.order);
        live.filter(|f| known.is_none_or(|k| !k.contains(&f.id)))
            .find(|f| same_lines(create, f))
    }
}

fn same_lines(create: &PlannedFulfilment, fulfillment: &Fulfillment) -> bool {
    let mut theirs: BTreeMap<&str, i64> = BTreeMap::new();
    for l in &fulfillment.fulfillment_line_items.nodes {
        *theirs.entry(l.line_item.id.as_str()).or_default() += l.quantity.unwrap_or(0);
    }
    let ours: BTreeMap<&str, i64> = create
        .lines
        .iter()
        .map(|l| (l.line_item.as_str(), l.quantity))
        .collect();
    theirs == ours
}

#[async_trait]
impl CreateTarget for FulfilmentTarget<'_> {
    type Record = FulfillmentId;

    async fn look_up(&mut self, items: &[usize]) -> Result<LookUpAnswer<FulfillmentId>, PortError> {
        let mut by_order: BTreeMap<&OrderId, Vec<usize>> = BTreeMap::new();
        for &item in items {
            if let Some(create) = self.creates.get(item) {
                by_order.entry(&create.order).or_default().push(item);
            }
        }
        let mut answer = LookUpAnswer::found(Vec::new());
        for (order, items) in by_order {
            match self.shopify.order_fulfillments(order).await {
                Ok(state) => {
                    let fulfillments = state.map(|s| s.fulfillments).unwrap_or_default();
                    for item in items {
                        let Some(create) = self.creates.get(item) else {
                            continue;
                        };
                        if let Some(found) = self.find(create, &fulfillments) {
                            answer.found.push((item, found.id.clone()));
                        }
                    }
                }
                Err(e) => read_failed(&mut answer, items, "read order fulfillments", e),
            }
        }
        Ok(answer)
    }

    async fn create(&mut self, item: usize) -> Result<FulfillmentId, PortError> {
        let Some(create) = self.creates.get(item) else {
            return Err(PortError::Refused {
                operation: "fulfillmentCreate".into(),
                message: format!("no planned fulfilment {item}"),
            });
        };
        self.shopify
            .fulfillment_create(&create.input)
            .await
            .map(|f| f.id)
            .map_err(|e| shopify_write_error("fulfillmentCreate", e))
    }

    /// Shopify answers `fulfillmentCreate` with the fulfilment, and the order's fulfillment
    /// orders show it at once (a second create of the same lines is refused for quantity):
    /// there is nothing to wait for before the claims are released.
    async fn confirm(&mut self, _items: &[usize]) -> Result<(), PortError> {
        Ok(())
    }

    fn record_known_to_ledger(&self, _record: LedgerRecordId) -> Option<FulfillmentId> {
        None
    }

    fn ledger_id(&self, _record: &FulfillmentId) -> Option<LedgerRecordId> {
        None
    }
}

/// Every record of `items` failed its look-up because the one order read that served them
/// failed: each gets [`PortError::Unavailable`] with the read's error as its shared cause.
fn read_failed<R>(
    answer: &mut LookUpAnswer<R>,
    items: impl IntoIterator<Item = usize>,
    operation: &str,
    error: shopify::Error,
) {
    let error = std::sync::Arc::new(error);
    for item in items {
        answer.failed.push((
            item,
            PortError::Unavailable {
                operation: operation.into(),
                source: Box::new(SharedError(error.clone())),
            },
        ));
    }
}

/// One read error reported for several records.
#[derive(Debug)]
struct SharedError(std::sync::Arc<shopify::Error>);

impl std::fmt::Display for SharedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.0, f)
    }
}

impl std::error::Error for SharedError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(&*self.0)
    }
}
