//! [`plan_fulfilments`]: dispatches against Shopify's fulfillment state, as the fulfilments
//! and tracking updates to send.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use super::config::{FulfilmentConfig, LocationMismatchPolicy, carrier_key};
use super::dispatch::{Dispatch, DispatchedLine};
use super::exception::FulfilmentException;
use crate::shopify::model::{
    Fulfillment, FulfillmentInput, FulfillmentOrder, FulfillmentOrderAction,
    FulfillmentOrderLineItem, FulfillmentOrderLineItemInput, FulfillmentOrderLineItemsInput,
    FulfillmentOrderStatus, FulfillmentState, FulfillmentTrackingInput, OrderFulfillments,
};
use crate::shopify::{
    FulfillmentId, FulfillmentOrderId, FulfillmentOrderLineItemId, LineItemId,
    LocationId as ShopifyLocationId, OrderId,
};

/// Units of one order line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PlannedLine {
    /// The order line.
    pub line_item: LineItemId,
    /// Units.
    pub quantity: i64,
}

/// One `fulfillmentCreate`: one order, one location, one carrier, at most
/// [`FulfilmentConfig::max_lines_per_fulfilment`] fulfillment-order lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PlannedFulfilment {
    /// Its natural key (order, location, carrier, dispatches, chunk): the same dispatches
    /// give the same key on every run.
    pub key: String,
    /// The order.
    pub order: OrderId,
    /// Its name.
    pub order_name: String,
    /// Where the goods left from.
    pub location: ShopifyLocationId,
    /// The Stokly dispatches it reports.
    pub dispatches: Vec<String>,
    /// What it fulfils, by order line.
    pub lines: Vec<PlannedLine>,
    /// The mutation's input.
    pub input: FulfillmentInput,
}

impl PlannedFulfilment {
    /// Its tracking numbers.
    #[must_use]
    pub fn tracking_numbers(&self) -> &[String] {
        &self.input.tracking_info.numbers
    }
}

/// One `fulfillmentTrackingInfoUpdate`: the fulfilment's whole tracking set (the mutation
/// replaces it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PlannedTrackingUpdate {
    /// The order.
    pub order: OrderId,
    /// Its name.
    pub order_name: String,
    /// The fulfilment.
    pub fulfillment: FulfillmentId,
    /// The dispatches it reports.
    pub dispatches: Vec<String>,
    /// Its tracking numbers now.
    pub previous: Vec<String>,
    /// The full set to send.
    pub tracking: FulfillmentTrackingInput,
    /// Whether Shopify e-mails the customer.
    pub notify_customer: bool,
}

/// One `fulfillmentOrderMove` ([`LocationMismatchPolicy::Move`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PlannedMove {
    /// The order.
    pub order: OrderId,
    /// The fulfillment order.
    pub fulfillment_order: FulfillmentOrderId,
    /// Where the goods left from.
    pub new_location: ShopifyLocationId,
    /// The lines to move.
    pub line_items: Vec<FulfillmentOrderLineItemInput>,
}

/// What to send to Shopify, and what not and why. Deterministic for the same input, and
/// serialisable: printing it is a dry run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FulfilmentPlan {
    /// New fulfilments.
    pub creates: Vec<PlannedFulfilment>,
    /// Tracking changes of existing fulfilments.
    pub tracking_updates: Vec<PlannedTrackingUpdate>,
    /// Fulfillment orders to move.
    pub moves: Vec<PlannedMove>,
    /// What is not sent.
    pub exceptions: Vec<FulfilmentException>,
}

impl FulfilmentPlan {
    /// The number of mutations the plan sends.
    #[must_use]
    pub fn mutations(&self) -> usize {
        self.creates.len() + self.tracking_updates.len() + self.moves.len()
    }
}

/// A dispatch with its Shopify location and whole units per order line; `open` is what no
/// fulfilment in Shopify accounts for yet.
struct Resolved<'a> {
    dispatch: &'a Dispatch,
    location: ShopifyLocationId,
    open: BTreeMap<LineItemId, i64>,
    carrier_key: String,
}

/// Plans the fulfilments and tracking updates that make Shopify show what Stokly dispatched.
///
/// `orders` is Shopify's fulfillment state of the dispatches' orders (read just before).
/// Per order:
///
/// - a dispatch's quantities are whole units per Shopify order line; a bundle line counts
///   only its whole units (all components dispatched), never part of one;
/// - fulfilments already in Shopify account for dispatches first by a shared tracking number,
///   then, for fulfilments made elsewhere, oldest dispatch first: what they account for is
///   never sent again. A fulfilment matched by tracking number whose set of numbers (or
///   carrier) differs from its dispatches' gets a tracking update with the full set; so does
///   one that accounts for a single dispatch whose numbers were changed in Stokly;
/// - what is left is sent as one fulfilment per location and carrier (parcels of one carrier
///   together, numbers and URLs paired by position), split at the configured line count,
///   from fulfillment orders assigned to that location that support `CREATE_FULFILLMENT`.
///   The rest of the order stays open.
/// - anything that cannot be sent becomes a [`FulfilmentException`].
#[must_use]
pub fn plan_fulfilments(
    dispatches: &[Dispatch],
    orders: &[OrderFulfillments],
    config: &FulfilmentConfig,
) -> FulfilmentPlan {
    let states: HashMap<&OrderId, &OrderFulfillments> = orders.iter().map(|o| (&o.id, o)).collect();
    let mut by_order: BTreeMap<&OrderId, Vec<&Dispatch>> = BTreeMap::new();
    for dispatch in dispatches {
        by_order.entry(&dispatch.order).or_default().push(dispatch);
    }
    let mut plan = FulfilmentPlan::default();
    for (order, mut dispatches) in by_order {
        dispatches.sort_by(|a, b| (a.dispatched_at, &a.id).cmp(&(b.dispatched_at, &b.id)));
        let Some(state) = states.get(order) else {
            plan.exceptions.push(FulfilmentException::OrderNotFound {
                order: order.clone(),
                dispatches: dispatches.iter().map(|d| d.id.clone()).collect(),
            });
            continue;
        };
        if state.is_truncated() {
            plan.exceptions
                .push(FulfilmentException::IncompleteOrderRead {
                    order: order.clone(),
                    name: state.name.clone(),
                });
            continue;
        }
        OrderPlanner {
            state,
            config,
            plan: &mut plan,
        }
        .plan(&dispatches);
    }
    plan
}

struct OrderPlanner<'p, 'a> {
    state: &'a OrderFulfillments,
    config: &'a FulfilmentConfig,
    plan: &'p mut FulfilmentPlan,
}

impl<'a> OrderPlanner<'_, 'a> {
    fn order(&self) -> OrderId {
        self.state.id.clone()
    }

    fn plan(mut self, dispatches: &[&'a Dispatch]) {
        let mut resolved: Vec<Resolved<'a>> =
            dispatches.iter().filter_map(|d| self.resolve(d)).collect();
        self.account_for_fulfilments(&mut resolved);
        let open: Vec<&Resolved<'a>> = resolved
            .iter()
            .filter(|r| r.open.values().any(|&q| q > 0))
            .collect();
        if open.is_empty() {
            return;
        }
        if self.state.cancelled_at.is_some() {
            self.plan
                .exceptions
                .push(FulfilmentException::CancelledAfterDispatch {
                    order: self.order(),
                    name: self.state.name.clone(),
                    dispatches: open.iter().map(|r| r.dispatch.id.clone()).collect(),
                });
            return;
        }
        let mut groups: BTreeMap<(&ShopifyLocationId, &str), Vec<&Resolved<'a>>> = BTreeMap::new();
        for r in open {
            groups
                .entry((&r.location, r.carrier_key.as_str()))
                .or_default()
                .push(r);
        }
        let mut remaining: HashMap<&FulfillmentOrderLineItemId, i64> = HashMap::new();
        let mut fo_lines: HashMap<
            &LineItemId,
            Vec<(&FulfillmentOrder, &FulfillmentOrderLineItem)>,
        > = HashMap::new();
        let mut fos: Vec<&FulfillmentOrder> = self.state.fulfillment_orders.nodes.iter().collect();
        fos.sort_by(|a, b| a.id.cmp(&b.id));
        for fo in fos {
            for line in &fo.line_items.nodes {
                remaining.insert(&line.id, line.remaining_quantity.max(0));
                fo_lines
                    .entry(&line.line_item.id)
                    .or_default()
                    .push((fo, line));
            }
        }
        let mut moves: BTreeMap<
            (FulfillmentOrderId, ShopifyLocationId),
            BTreeMap<FulfillmentOrderLineItemId, i64>,
        > = BTreeMap::new();
        let mut bundles = BundleGroups::of(self.state);
        for ((location, _), group) in groups {
            let mut lines: BTreeMap<&LineItemId, i64> = BTreeMap::new();
            for r in &group {
                for (line, &q) in &r.open {
                    if q > 0 {
                        *lines.entry(line).or_default() += q;
                    }
                }
            }
            let mut taken: Vec<(
                FulfillmentOrderId,
                FulfillmentOrderLineItemId,
                LineItemId,
                i64,
            )> = Vec::new();
            for (line, quantity) in lines {
                let candidates = fo_lines.get(line).map(Vec::as_slice).unwrap_or_default();
                let left = self.allocate(
                    line,
                    quantity,
                    location,
                    candidates,
                    &mut remaining,
                    &mut taken,
                    &mut moves,
                );
                if left > 0 {
                    self.unsendable(line, left, candidates);
                }
            }
            let taken = self.whole_bundles(taken, &group, &mut bundles);
            self.creates(location, &group, taken);
        }
        for ((fulfillment_order, new_location), lines) in moves {
            self.plan.moves.push(PlannedMove {
                order: self.order(),
                fulfillment_order,
                new_location,
                line_items: lines
                    .into_iter()
                    .map(|(id, q)| FulfillmentOrderLineItemInput::new(id, q))
                    .collect(),
            });
        }
    }

    /// The dispatch's Shopify location and whole units per line; `None` (after reporting)
    /// when its location is unmapped.
    fn resolve(&mut self, dispatch: &'a Dispatch) -> Option<Resolved<'a>> {
        let Some(location) = self.config.locations.get(&dispatch.location) else {
            self.plan
                .exceptions
                .push(FulfilmentException::UnmappedLocation {
                    order: self.order(),
                    dispatch: dispatch.id.clone(),
                    location: dispatch.location.clone(),
                });
            return None;
        };
        let mut open: BTreeMap<LineItemId, i64> = BTreeMap::new();
        for line in &dispatch.lines {
            let units = match line {
                DispatchedLine::Item {
                    line_item,
                    quantity,
                } => {
                    if *quantity <= 0 {
                        self.invalid(dispatch, line_item, "quantity", *quantity);
                        continue;
                    }
                    *quantity
                }
                DispatchedLine::Bundle {
                    line_item,
                    components,
                } => match self.bundle_units(dispatch, line_item, components) {
                    Some(units) => units,
                    None => continue,
                },
            };
            if units > 0 {
                *open.entry(line.line_item().clone()).or_default() += units;
            }
        }
        let carrier_key = dispatch
            .carrier
            .as_deref()
            .map(|c| {
                self.config
                    .carriers
                    .shopify_name(c)
                    .map_or_else(|| carrier_key(c), carrier_key)
            })
            .unwrap_or_default();
        Some(Resolved {
            dispatch,
            location: location.clone(),
            open,
            carrier_key,
        })
    }

    fn invalid(&mut self, dispatch: &Dispatch, line_item: &LineItemId, field: &str, value: i64) {
        self.plan
            .exceptions
            .push(FulfilmentException::InvalidQuantity {
                order: self.order(),
                dispatch: dispatch.id.clone(),
                line_item: line_item.clone(),
                field: field.to_owned(),
                value,
            });
    }

    /// Whole bundle units: the fewest any component makes up; `None` after reporting an
    /// invalid recipe.
    fn bundle_units(
        &mut self,
        dispatch: &Dispatch,
        line_item: &LineItemId,
        components: &[super::dispatch::BundleComponent],
    ) -> Option<i64> {
        if components.is_empty() {
            self.invalid(dispatch, line_item, "components", 0);
            return None;
        }
        for (i, c) in components.iter().enumerate() {
            if c.per_unit <= 0 {
                self.invalid(
                    dispatch,
                    line_item,
                    &format!("components[{i}].per_unit"),
                    c.per_unit,
                );
                return None;
            }
            if c.dispatched < 0 {
                self.invalid(
                    dispatch,
                    line_item,
                    &format!("components[{i}].dispatched"),
                    c.dispatched,
                );
                return None;
            }
        }
        let units = components
            .iter()
            .map(|c| c.dispatched / c.per_unit)
            .min()
            .unwrap_or(0);
        let short: Vec<String> = components
            .iter()
            .filter(|c| c.dispatched != units * c.per_unit)
            .map(|c| c.sku.clone())
            .collect();
        // Components beyond the whole units: some of the next unit shipped without the rest.
        if components.iter().any(|c| c.dispatched > units * c.per_unit) {
            let missing: Vec<String> = components
                .iter()
                .filter(|c| c.dispatched < (units + 1) * c.per_unit)
                .map(|c| c.sku.clone())
                .collect();
            self.plan
                .exceptions
                .push(FulfilmentException::BundleIncomplete {
                    order: self.order(),
                    dispatch: dispatch.id.clone(),
                    line_item: line_item.clone(),
                    complete_units: units,
                    short: if missing.is_empty() { short } else { missing },
                });
        }
        Some(units)
    }

    /// Takes what Shopify's fulfilments already show off the dispatches' open units, and
    /// plans tracking updates where the numbers differ.
    fn account_for_fulfilments(&mut self, resolved: &mut [Resolved<'a>]) {
        let mut live: Vec<&Fulfillment> = self
            .state
            .fulfillments
            .iter()
            .filter(|f| counts_as_fulfilled(&f.status))
            .collect();
        live.sort_by(|a, b| a.id.cmp(&b.id));
        let numbers: Vec<BTreeSet<&str>> = resolved
            .iter()
            .map(|r| r.dispatch.tracking_numbers().collect())
            .collect();
        let matches: Vec<Vec<usize>> = live
            .iter()
            .map(|f| {
                let own: BTreeSet<&str> = f.tracking_numbers().collect();
                (0..resolved.len())
                    .filter(|&i| numbers.get(i).is_some_and(|n| !n.is_disjoint(&own)))
                    .collect()
            })
            .collect();
        let matched_any: BTreeSet<usize> = matches.iter().flatten().copied().collect();
        for (f, matched) in live.iter().zip(&matches) {
            let location = f.location.as_ref().map(|l| &l.id);
            let mut order: Vec<usize> = matched.clone();
            order.extend((0..resolved.len()).filter(|i| {
                !matched.contains(i)
                    && resolved
                        .get(*i)
                        .is_some_and(|r| location.is_none_or(|l| *l == r.location))
            }));
            let mut consumed: BTreeSet<usize> = BTreeSet::new();
            for fl in &f.fulfillment_line_items.nodes {
                let mut left = fl.quantity.unwrap_or(0).max(0);
                for &i in &order {
                    if left == 0 {
                        break;
                    }
                    let Some(open) = resolved
                        .get_mut(i)
                        .and_then(|r| r.open.get_mut(&fl.line_item.id))
                    else {
                        continue;
                    };
                    let take = left.min(*open);
                    if take > 0 {
                        *open -= take;
                        left -= take;
                        consumed.insert(i);
                    }
                }
            }
            let reporting: Vec<usize> = if matched.is_empty() {
                // A fulfilment without a shared number that accounts for exactly one dispatch
                // with numbers of its own: the numbers were changed in Stokly.
                match consumed.iter().copied().collect::<Vec<_>>().as_slice() {
                    [one]
                        if !matched_any.contains(one)
                            && numbers.get(*one).is_some_and(|n| !n.is_empty()) =>
                    {
                        vec![*one]
                    }
                    _ => Vec::new(),
                }
            } else {
                matched.clone()
            };
            if reporting.is_empty() {
                continue;
            }
            let group: Vec<&Dispatch> = reporting
                .iter()
                .filter_map(|&i| resolved.get(i).map(|r| r.dispatch))
                .collect();
            let (tracking, _) = self.tracking(&group);
            let now: BTreeSet<&str> = f.tracking_numbers().collect();
            let wanted: BTreeSet<&str> = tracking.numbers.iter().map(String::as_str).collect();
            let company_now = f.tracking_info.iter().find_map(|t| t.company.as_deref());
            let company_differs = tracking
                .company
                .as_deref()
                .is_some_and(|c| Some(c) != company_now);
            if now != wanted || company_differs {
                self.plan.tracking_updates.push(PlannedTrackingUpdate {
                    order: self.order(),
                    order_name: self.state.name.clone(),
                    fulfillment: f.id.clone(),
                    dispatches: group.iter().map(|d| d.id.clone()).collect(),
                    previous: f.tracking_numbers().map(str::to_owned).collect(),
                    tracking,
                    notify_customer: self.config.notify_on_tracking_update,
                });
            }
        }
    }

    /// The tracking set of dispatches of one carrier, and whether URLs were wanted but
    /// missing.
    fn tracking(&self, dispatches: &[&Dispatch]) -> (FulfillmentTrackingInput, bool) {
        let carrier = dispatches.iter().find_map(|d| d.carrier.as_deref());
        let known = carrier.and_then(|c| self.config.carriers.shopify_name(c));
        let company = known
            .map(str::to_owned)
            .or_else(|| carrier.map(|c| c.trim().to_owned()));
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        let mut numbers = Vec::new();
        let mut urls = Vec::new();
        for parcel in dispatches.iter().flat_map(|d| &d.parcels) {
            let Some(number) = parcel.tracking_number.as_deref() else {
                continue;
            };
            if !seen.insert(number) {
                continue;
            }
            numbers.push(number.to_owned());
            urls.push(
                parcel
                    .tracking_url
                    .clone()
                    .or_else(|| carrier.and_then(|c| self.config.carriers.url_for(c, number))),
            );
        }
        let all_urls: Option<Vec<String>> = urls.into_iter().collect();
        let (urls, missing) = match (known, all_urls) {
            (Some(_), _) => (Vec::new(), false),
            (None, Some(urls)) => (urls, false),
            (None, None) => (Vec::new(), true),
        };
        (
            FulfillmentTrackingInput::new(company, numbers, urls),
            missing,
        )
    }

    /// Allocates `quantity` of `line` to fulfillable fulfillment orders at `location`; returns
    /// what is left.
    #[allow(clippy::too_many_arguments)]
    fn allocate(
        &mut self,
        line: &LineItemId,
        quantity: i64,
        location: &ShopifyLocationId,
        candidates: &[(&FulfillmentOrder, &FulfillmentOrderLineItem)],
        remaining: &mut HashMap<&FulfillmentOrderLineItemId, i64>,
        taken: &mut Vec<(
            FulfillmentOrderId,
            FulfillmentOrderLineItemId,
            LineItemId,
            i64,
        )>,
        moves: &mut BTreeMap<
            (FulfillmentOrderId, ShopifyLocationId),
            BTreeMap<FulfillmentOrderLineItemId, i64>,
        >,
    ) -> i64 {
        let mut left = quantity;
        // Fulfillable here first.
        for (fo, fo_line) in candidates {
            if left == 0 {
                break;
            }
            if fo.location() != Some(location) || !fulfillable(fo) {
                continue;
            }
            let Some(rem) = remaining.get_mut(&fo_line.id) else {
                continue;
            };
            let take = left.min(*rem);
            if take > 0 {
                *rem -= take;
                left -= take;
                taken.push((fo.id.clone(), fo_line.id.clone(), line.clone(), take));
            }
        }
        // Then what keeps the rest: holds, other locations, fulfillment orders that cannot
        // be fulfilled.
        for (fo, fo_line) in candidates {
            if left == 0 {
                break;
            }
            let Some(rem) = remaining.get_mut(&fo_line.id) else {
                continue;
            };
            let take = left.min(*rem);
            if take == 0 {
                continue;
            }
            *rem -= take;
            left -= take;
            let exception = if fo.status == FulfillmentOrderStatus::OnHold {
                FulfilmentException::OnHold {
                    order: self.order(),
                    name: self.state.name.clone(),
                    fulfillment_order: fo.id.clone(),
                    line_item: line.clone(),
                    quantity: take,
                    reasons: fo
                        .fulfillment_holds
                        .iter()
                        .map(|h| h.reason.clone())
                        .collect(),
                }
            } else if let Some(assigned) = fo.location().filter(|l| *l != location) {
                let move_planned = self.config.location_mismatch == LocationMismatchPolicy::Move
                    && fo.supports(&FulfillmentOrderAction::Move);
                if move_planned {
                    *moves
                        .entry((fo.id.clone(), location.clone()))
                        .or_default()
                        .entry(fo_line.id.clone())
                        .or_default() += take;
                }
                FulfilmentException::LocationMismatch {
                    order: self.order(),
                    name: self.state.name.clone(),
                    fulfillment_order: fo.id.clone(),
                    assigned: assigned.clone(),
                    dispatched_from: location.clone(),
                    line_item: line.clone(),
                    quantity: take,
                    move_planned,
                }
            } else {
                FulfilmentException::NotFulfillable {
                    order: self.order(),
                    name: self.state.name.clone(),
                    fulfillment_order: fo.id.clone(),
                    status: fo.status.to_string(),
                    line_item: line.clone(),
                    quantity: take,
                }
            };
            self.plan.exceptions.push(exception);
        }
        left
    }

    /// Cuts what one fulfilment would send to whole units of every Shopify-native bundle it
    /// touches, counting what Shopify already shows fulfilled and what earlier fulfilments of
    /// this plan send; reports what is held back.
    fn whole_bundles(
        &mut self,
        mut taken: Vec<Taken>,
        group: &[&Resolved<'a>],
        bundles: &mut BundleGroups,
    ) -> Vec<Taken> {
        let mut sent: BTreeMap<LineItemId, i64> = BTreeMap::new();
        for (_, _, line, q) in &taken {
            *sent.entry(line.clone()).or_default() += q;
        }
        let touched: BTreeSet<String> = sent
            .keys()
            .filter_map(|l| bundles.group_of.get(l).cloned())
            .collect();
        let mut cut: BTreeMap<LineItemId, i64> = BTreeMap::new();
        for bundle in touched {
            let Some(members) = bundles.members.get(&bundle) else {
                continue;
            };
            let shipped = |line: &LineItemId| {
                bundles.shipped.get(line).copied().unwrap_or(0)
                    + sent.get(line).copied().unwrap_or(0)
            };
            let units = members
                .iter()
                .map(|(line, per_unit)| match per_unit {
                    Some(p) if *p > 0 => shipped(line) / p,
                    _ => 0,
                })
                .min()
                .unwrap_or(0);
            let mut held_back = Vec::new();
            let mut short = Vec::new();
            for (line, per_unit) in members {
                let per_unit = per_unit.unwrap_or(0);
                let before = bundles.shipped.get(line).copied().unwrap_or(0);
                let adding = sent.get(line).copied().unwrap_or(0);
                let allowed = (units * per_unit - before).clamp(0, adding);
                if adding > allowed {
                    held_back.push((line.clone(), adding - allowed));
                    cut.insert(line.clone(), adding - allowed);
                }
                if shipped(line) < (units + 1) * per_unit || per_unit == 0 {
                    short.push(line.clone());
                }
            }
            if held_back.is_empty() {
                continue;
            }
            let dispatches = group
                .iter()
                .filter(|r| {
                    held_back
                        .iter()
                        .any(|(l, _)| r.open.get(l).is_some_and(|&q| q > 0))
                })
                .map(|r| r.dispatch.id.clone())
                .collect();
            self.plan
                .exceptions
                .push(FulfilmentException::BundleGroupIncomplete {
                    order: self.order(),
                    name: self.state.name.clone(),
                    group: bundle,
                    dispatches,
                    complete_units: units,
                    held_back,
                    short,
                });
        }
        for (_, _, line, q) in taken.iter_mut().rev() {
            if let Some(c) = cut.get_mut(line) {
                let d = (*c).min(*q);
                *q -= d;
                *c -= d;
            }
        }
        taken.retain(|(_, _, _, q)| *q > 0);
        for (_, _, line, q) in &taken {
            *bundles.shipped.entry(line.clone()).or_default() += q;
        }
        taken
    }

    /// Reports units no fulfillment order can take.
    fn unsendable(
        &mut self,
        line: &LineItemId,
        left: i64,
        candidates: &[(&FulfillmentOrder, &FulfillmentOrderLineItem)],
    ) {
        let exception = if candidates.is_empty() {
            FulfilmentException::UnknownLine {
                order: self.order(),
                name: self.state.name.clone(),
                line_item: line.clone(),
                quantity: left,
            }
        } else {
            let fulfillable = candidates
                .iter()
                .filter(|(fo, _)| !is_closed(&fo.status))
                .map(|(_, l)| l.remaining_quantity.max(0))
                .sum();
            FulfilmentException::OverDispatch {
                order: self.order(),
                name: self.state.name.clone(),
                line_item: line.clone(),
                unfulfilled_dispatched: left,
                fulfillable,
            }
        };
        self.plan.exceptions.push(exception);
    }

    /// The creates of one location and carrier, split at the line cap.
    fn creates(
        &mut self,
        location: &ShopifyLocationId,
        group: &[&Resolved<'a>],
        mut taken: Vec<(
            FulfillmentOrderId,
            FulfillmentOrderLineItemId,
            LineItemId,
            i64,
        )>,
    ) {
        if taken.is_empty() {
            return;
        }
        taken.sort();
        let dispatches: Vec<&Dispatch> = group.iter().map(|r| r.dispatch).collect();
        let (tracking, url_missing) = self.tracking(&dispatches);
        let ids: Vec<String> = dispatches.iter().map(|d| d.id.clone()).collect();
        if url_missing {
            self.plan
                .exceptions
                .push(FulfilmentException::TrackingUrlMissing {
                    order: self.order(),
                    carrier: tracking.company.clone().unwrap_or_default(),
                    dispatches: ids.clone(),
                });
        }
        let carrier = group
            .first()
            .map(|r| r.carrier_key.as_str())
            .unwrap_or_default();
        let cap = self.config.max_lines_per_fulfilment.max(1);
        for (chunk_no, chunk) in taken.chunks(cap).enumerate() {
            let mut by_fo: BTreeMap<&FulfillmentOrderId, Vec<FulfillmentOrderLineItemInput>> =
                BTreeMap::new();
            let mut lines: BTreeMap<&LineItemId, i64> = BTreeMap::new();
            for (fo, fo_line, line, q) in chunk {
                by_fo
                    .entry(fo)
                    .or_default()
                    .push(FulfillmentOrderLineItemInput::new(fo_line.clone(), *q));
                *lines.entry(line).or_default() += q;
            }
            let input = FulfillmentInput::new(
                tracking.clone(),
                self.config.notify_customer,
                by_fo
                    .into_iter()
                    .map(|(fo, items)| FulfillmentOrderLineItemsInput::new(fo.clone(), items))
                    .collect(),
            );
            self.plan.creates.push(PlannedFulfilment {
                key: format!(
                    "fulfilment:{}:{}:{}:{}:{}",
                    self.state.id.numeric_id(),
                    location.numeric_id(),
                    carrier,
                    ids.join("+"),
                    chunk_no
                ),
                order: self.order(),
                order_name: self.state.name.clone(),
                location: location.clone(),
                dispatches: ids.clone(),
                lines: lines
                    .into_iter()
                    .map(|(line, quantity)| PlannedLine {
                        line_item: line.clone(),
                        quantity,
                    })
                    .collect(),
                input,
            });
        }
    }
}

/// One fulfillment-order line's units taken for a fulfilment: (fulfillment order, its line,
/// the order line, units).
type Taken = (
    FulfillmentOrderId,
    FulfillmentOrderLineItemId,
    LineItemId,
    i64,
);

/// An order's Shopify-native bundles (`lineItemGroup`): each component line's group, each
/// group's components with their units per bundle (`None` when the line's quantity is not a
/// whole multiple of the bundles bought), and the units of each component line shipped
/// (fulfilled in Shopify, then planned).
struct BundleGroups {
    group_of: HashMap<LineItemId, String>,
    members: BTreeMap<String, Vec<(LineItemId, Option<i64>)>>,
    shipped: HashMap<LineItemId, i64>,
}

impl BundleGroups {
    fn of(state: &OrderFulfillments) -> Self {
        let mut group_of = HashMap::new();
        let mut members: BTreeMap<String, Vec<(LineItemId, Option<i64>)>> = BTreeMap::new();
        for line in state
            .fulfillment_orders
            .nodes
            .iter()
            .flat_map(|fo| &fo.line_items.nodes)
        {
            let order_line = &line.line_item;
            let Some(group) = &order_line.line_item_group else {
                continue;
            };
            if group_of.contains_key(&order_line.id) {
                continue;
            }
            let per_unit = order_line
                .quantity
                .filter(|q| group.quantity > 0 && *q > 0 && q % group.quantity == 0)
                .map(|q| q / group.quantity);
            group_of.insert(order_line.id.clone(), group.id.clone());
            members
                .entry(group.id.clone())
                .or_default()
                .push((order_line.id.clone(), per_unit));
        }
        let mut shipped: HashMap<LineItemId, i64> = HashMap::new();
        if !group_of.is_empty() {
            for f in state
                .fulfillments
                .iter()
                .filter(|f| counts_as_fulfilled(&f.status))
            {
                for l in &f.fulfillment_line_items.nodes {
                    if group_of.contains_key(&l.line_item.id) {
                        *shipped.entry(l.line_item.id.clone()).or_default() +=
                            l.quantity.unwrap_or(0).max(0);
                    }
                }
            }
        }
        Self {
            group_of,
            members,
            shipped,
        }
    }
}

/// Whether a fulfilment's quantities count as fulfilled.
fn counts_as_fulfilled(status: &FulfillmentState) -> bool {
    match status {
        FulfillmentState::Success
        | FulfillmentState::Pending
        | FulfillmentState::Open
        | FulfillmentState::Unknown(_) => true,
        FulfillmentState::Cancelled | FulfillmentState::Error | FulfillmentState::Failure => false,
    }
}

/// Whether a fulfillment order can take a `fulfillmentCreate` now.
fn fulfillable(fo: &FulfillmentOrder) -> bool {
    let status_allows = match &fo.status {
        FulfillmentOrderStatus::Open | FulfillmentOrderStatus::InProgress => true,
        FulfillmentOrderStatus::Cancelled
        | FulfillmentOrderStatus::Incomplete
        | FulfillmentOrderStatus::Closed
        | FulfillmentOrderStatus::Scheduled
        | FulfillmentOrderStatus::OnHold
        | FulfillmentOrderStatus::Unknown(_) => false,
    };
    status_allows && fo.supports(&FulfillmentOrderAction::CreateFulfillment)
}

/// Whether a fulfillment order is done with: its remaining units are not owed.
fn is_closed(status: &FulfillmentOrderStatus) -> bool {
    match status {
        FulfillmentOrderStatus::Cancelled
        | FulfillmentOrderStatus::Closed
        | FulfillmentOrderStatus::Incomplete => true,
        FulfillmentOrderStatus::Open
        | FulfillmentOrderStatus::InProgress
        | FulfillmentOrderStatus::Scheduled
        | FulfillmentOrderStatus::OnHold
        | FulfillmentOrderStatus::Unknown(_) => false,
    }
}
