//! Units Stokly dispatched, by Shopify line: what [`SaleOrderFacts::dispatched_units`]
//! holds, from the dispatches the fulfilment flow reads.

use std::collections::BTreeMap;

use super::map::SaleOrderFacts;
use crate::domain::fulfilment::{Dispatch, DispatchedLine};
use crate::shopify::LineItemId;

/// The units of each Shopify line that `dispatches` (all the dispatches of one sale order)
/// sent. An item line counts its units. A bundle line Stokly dispatches as components counts
/// whole bundle units only: each component's units over every dispatch, divided by its units
/// per bundle, the least of them (a component with no whole units per bundle, which the
/// fulfilment flow reports, does not count; a bundle with no such component counts none).
#[must_use]
pub fn dispatched_units(dispatches: &[Dispatch]) -> BTreeMap<LineItemId, i64> {
    let mut units: BTreeMap<LineItemId, i64> = BTreeMap::new();
    // Bundle line -> component SKU -> (units per bundle, units sent).
    let mut bundles: BTreeMap<&LineItemId, BTreeMap<&str, (i64, i64)>> = BTreeMap::new();
    for line in dispatches.iter().flat_map(|d| d.lines.iter()) {
        match line {
            DispatchedLine::Item {
                line_item,
                quantity,
            } => {
                let entry = units.entry(line_item.clone()).or_insert(0);
                *entry = entry.saturating_add((*quantity).max(0));
            }
            DispatchedLine::Bundle {
                line_item,
                components,
            } => {
                let recipe = bundles.entry(line_item).or_default();
                for c in components {
                    let entry = recipe.entry(c.sku.as_str()).or_insert((c.per_unit, 0));
                    entry.0 = c.per_unit;
                    entry.1 = entry.1.saturating_add(c.dispatched.max(0));
                }
            }
        }
    }
    for (line_item, recipe) in bundles {
        let whole = recipe
            .values()
            .filter(|(per_unit, _)| *per_unit > 0)
            .map(|(per_unit, sent)| sent / per_unit)
            .min()
            .unwrap_or(0);
        let entry = units.entry(line_item.clone()).or_insert(0);
        *entry = entry.saturating_add(whole);
    }
    units.retain(|_, u| *u > 0);
    units
}

impl SaleOrderFacts {
    /// The facts with [`dispatched_units`](SaleOrderFacts::dispatched_units) replaced by what
    /// `dispatches` (every dispatch of the sale order) sent ([`dispatched_units`]).
    #[must_use]
    pub fn with_dispatches(mut self, dispatches: &[Dispatch]) -> Self {
        self.dispatched_units = dispatched_units(dispatches);
        self
    }
}
