//! Stokly's dispatches of a sale order in the plan's terms.
//!
//! Stokly's dispatch shape is **inferred** ([`crate::stokly::model::inferred::Dispatch`]: one
//! carrier per dispatch, its parcels each with a tracking number and page, or else one
//! tracking reference, lines by sale-order line). Sale-order
//! lines do not name the Shopify line they came from, so a line is matched to the Shopify
//! order's line by SKU (the SKU matched exactly when the order was posted); a SKU on two
//! Shopify lines of the order is reported, not guessed. Components of a Stokly composite
//! (lines with a `parentId`) are gathered into their parent's bundle, each component's units
//! per bundle being its line quantity over the parent's.
//! A dispatch with any line that cannot be read is left out whole (and reported), so that
//! nothing is fulfilled from half a reading.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::dispatch::{BundleComponent, Dispatch, DispatchedLine, Parcel};
use super::exception::FulfilmentException;
use crate::shopify::LineItemId;
use crate::shopify::model::OrderFulfillments;
use crate::stokly::SaleOrderLineId;
use crate::stokly::model::inferred::Dispatch as StoklyDispatch;
use crate::stokly::model::{SaleOrder, SaleOrderLine};

/// Stokly's dispatches of `sale_order` (with its `lines`) against the Shopify order it came
/// from, as plan input; what cannot be read becomes an exception naming the field.
#[must_use]
pub fn dispatches_from_stokly(
    sale_order: &SaleOrder,
    lines: &[SaleOrderLine],
    dispatches: &[StoklyDispatch],
    shopify: &OrderFulfillments,
) -> (Vec<Dispatch>, Vec<FulfilmentException>) {
    let mut out = Vec::new();
    let mut exceptions = Vec::new();
    let not_mapped =
        |dispatch: &str, field: String, problem: &str| FulfilmentException::DispatchNotMapped {
            order: shopify.id.clone(),
            dispatch: dispatch.to_owned(),
            field,
            problem: problem.to_owned(),
        };
    let reference = sale_order.source_reference_id.as_deref().map(str::trim);
    if reference != Some(shopify.id.numeric_id().to_string().as_str()) {
        for d in dispatches {
            exceptions.push(not_mapped(
                d.dispatch_id.as_str(),
                "sourceReferenceId".to_owned(),
                "does not name this Shopify order",
            ));
        }
        return (out, exceptions);
    }
    // SKU -> the Shopify lines carrying it.
    let mut by_sku: BTreeMap<&str, BTreeSet<&LineItemId>> = BTreeMap::new();
    for fo in &shopify.fulfillment_orders.nodes {
        for l in &fo.line_items.nodes {
            if let Some(sku) = l.sku.as_deref() {
                by_sku.entry(sku).or_default().insert(&l.line_item.id);
            }
        }
    }
    let by_id: BTreeMap<&SaleOrderLineId, &SaleOrderLine> =
        lines.iter().map(|l| (&l.line_id, l)).collect();
    let shopify_line = |line: &SaleOrderLine| -> Result<LineItemId, &'static str> {
        let sku = line.item_sku.as_deref().ok_or("has no SKU")?;
        match by_sku
            .get(sku)
            .map(|s| s.iter().collect::<Vec<_>>())
            .as_deref()
        {
            Some([one]) => Ok((**one).clone()),
            Some([]) | None => Err("has a SKU on no line of the Shopify order"),
            Some(_) => Err("has a SKU on several lines of the Shopify order"),
        }
    };
    for d in dispatches {
        let id = d.dispatch_id.as_str();
        let (Some(location), Some(at)) = (d.location_id.clone(), d.dispatched_at) else {
            let field = if d.location_id.is_none() {
                "locationId"
            } else {
                "dispatchedAt"
            };
            exceptions.push(not_mapped(id, field.to_owned(), "is missing"));
            continue;
        };
        let mut dispatch = Dispatch::new(
            id,
            sale_order.sale_order_id.clone(),
            shopify.id.clone(),
            location,
            at,
        );
        let mut ok = true;
        match parcels(d) {
            Ok((carrier, parcels)) => {
                dispatch.carrier = carrier;
                dispatch.parcels = parcels;
            }
            Err((field, problem)) => {
                exceptions.push(not_mapped(id, field, problem));
                ok = false;
            }
        }
        let mut components: BTreeMap<&SaleOrderLineId, BTreeMap<&SaleOrderLineId, i64>> =
            BTreeMap::new();
        for (i, item) in d.items.iter().enumerate() {
            let Some(line) = by_id.get(&item.line_id) else {
                exceptions.push(not_mapped(
                    id,
                    format!("items[{i}].lineId"),
                    "is not a line of the sale order",
                ));
                ok = false;
                continue;
            };
            let Some(units) = whole(item.quantity) else {
                exceptions.push(not_mapped(
                    id,
                    format!("items[{i}].quantity"),
                    "is not a whole number",
                ));
                ok = false;
                continue;
            };
            if let Some(parent) = &line.parent_id {
                *components
                    .entry(parent)
                    .or_default()
                    .entry(&line.line_id)
                    .or_default() += units;
                continue;
            }
            match shopify_line(line) {
                Ok(line_item) => dispatch = dispatch.item(line_item, units),
                Err(problem) => {
                    exceptions.push(not_mapped(id, format!("items[{i}].lineId"), problem));
                    ok = false;
                }
            }
        }
        for (parent_id, sent) in components {
            let parent = by_id.get(parent_id);
            let line_item = match parent.map(|p| shopify_line(p)) {
                Some(Ok(l)) => l,
                Some(Err(problem)) => {
                    exceptions.push(not_mapped(id, format!("line {parent_id}"), problem));
                    ok = false;
                    continue;
                }
                None => {
                    exceptions.push(not_mapped(
                        id,
                        format!("line {parent_id}"),
                        "is not a line of the sale order",
                    ));
                    ok = false;
                    continue;
                }
            };
            let parent_qty = parent.and_then(|p| p.quantity).and_then(whole).unwrap_or(0);
            let mut recipe = Vec::new();
            for child in lines
                .iter()
                .filter(|l| l.parent_id.as_ref() == Some(parent_id))
            {
                let per_unit = child
                    .quantity
                    .and_then(whole)
                    .filter(|_| parent_qty > 0)
                    .map(|q| {
                        if q % parent_qty == 0 {
                            q / parent_qty
                        } else {
                            0
                        }
                    })
                    .unwrap_or(0);
                recipe.push(BundleComponent::new(
                    child
                        .item_sku
                        .clone()
                        .unwrap_or_else(|| child.line_id.to_string()),
                    per_unit,
                    sent.get(&child.line_id).copied().unwrap_or(0),
                ));
            }
            dispatch.lines.push(DispatchedLine::Bundle {
                line_item,
                components: recipe,
            });
        }
        if ok {
            out.push(dispatch);
        }
    }
    (out, exceptions)
}

/// A dispatch's carrier and its tracked parcels.
type CarrierParcels = (Option<String>, Vec<Parcel>);

/// The carrier and the tracked parcels of `d`: its `parcels` when it has any (each parcel's
/// carrier or else the dispatch's; they must agree, since a dispatch's lines are not split by
/// parcel), else its one `carrierReference`. A parcel without a tracking number adds nothing.
fn parcels(d: &StoklyDispatch) -> Result<CarrierParcels, (String, &'static str)> {
    let text = |t: &Option<String>| {
        t.as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
    };
    if d.parcels.is_empty() {
        let parcels = text(&d.carrier_reference)
            .map(|n| Parcel::tracked(n, d.tracking_url.clone()))
            .into_iter()
            .collect();
        return Ok((d.carrier.clone(), parcels));
    }
    let mut carrier: Option<String> = None;
    let mut out = Vec::new();
    for (i, p) in d.parcels.iter().enumerate() {
        let this = text(&p.carrier).or_else(|| text(&d.carrier));
        if i == 0 {
            carrier = this;
        } else if this != carrier {
            return Err((
                format!("parcels[{i}].carrier"),
                "differs from the first parcel's carrier (a dispatch's lines are not split by parcel)",
            ));
        }
        if let Some(number) = text(&p.tracking_number) {
            out.push(Parcel::tracked(number, text(&p.tracking_url)));
        }
    }
    Ok((carrier, out))
}

fn whole(quantity: Decimal) -> Option<i64> {
    if quantity.fract().is_zero() {
        quantity.to_i64()
    } else {
        None
    }
}
