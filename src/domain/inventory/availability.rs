//! Sellable stock per (Stokly item, Shopify location): stock, in-flight demand, buffer,
//! composites.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::finding::{InventoryFinding, ItemRef, StockField};
use super::{BufferRule, BufferScope, InventoryInputs, MAX_SHOPIFY_QUANTITY};
use crate::domain::catalogue::{StoklyEntry, StoklyMatch};
use crate::shopify::LocationId as ShopifyLocationId;
use crate::stokly::model::{InventoryRecord, RecordLevel};
use crate::stokly::{ItemId, LocationId as StoklyLocationId};

/// Where a level's stock comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case")]
#[non_exhaustive]
pub enum AvailabilitySource {
    /// The item's own stock, summed over the Stokly locations feeding the Shopify location.
    Stock {
        /// Units on hand.
        on_hand: i64,
        /// Units of those in quarantine (not for sale).
        quarantined: i64,
    },
    /// A Stokly composite: as many as its scarcest component allows.
    Composite {
        /// Each component, in item ID order.
        components: Vec<ComponentAvailability>,
    },
}

/// One component's part in a composite's availability.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ComponentAvailability {
    /// The component item.
    pub item_id: ItemId,
    /// Units of it in one composite.
    pub per_composite: Decimal,
    /// Its sellable units (stock after in-flight demand, at least zero; before its buffer).
    pub sellable: i64,
    /// Composites it allows: `floor(sellable / per_composite)`.
    pub composites: i64,
}

/// The `available` Shopify should show for one item at one Shopify location, with how it
/// was reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Availability {
    /// Where the stock comes from.
    pub source: AvailabilitySource,
    /// What Stokly holds for sale: `on_hand − quarantined`, or the composites the components
    /// make (may be negative for stock).
    pub stock: i64,
    /// Units on Shopify orders not yet in Stokly (for a composite, counted on its components).
    pub in_flight: i64,
    /// `max(0, stock − in_flight)`.
    pub sellable: i64,
    /// Units held back by the buffer.
    pub buffer: i64,
    /// Which buffer rule applied, if any.
    pub buffer_rule: Option<BufferScope>,
    /// `sellable − buffer`, never below zero: what Shopify should show.
    pub available: i64,
}

#[derive(Debug, Clone, Copy, Default)]
struct Counts {
    on_hand: Decimal,
    quarantined: Decimal,
    from_location_row: bool,
    /// The first field whose bin rows add up to more than a decimal holds; the cell's
    /// counts are then unusable and the item's availability here is a finding.
    overflowed: Option<StockField>,
}

/// An item's in-flight demand. `None` is a sum that does not fit a decimal: the item's
/// availability where it counts is then a finding, never a wrapped or saturated number.
#[derive(Debug)]
struct Demand<'a> {
    anywhere: Option<Decimal>,
    at: Vec<(&'a ShopifyLocationId, Option<Decimal>)>,
}

impl Default for Demand<'_> {
    fn default() -> Self {
        Self {
            anywhere: Some(Decimal::ZERO),
            at: Vec::new(),
        }
    }
}

/// `total + units`, or `None` when either is already out of range or the sum overflows.
fn add_demand(total: Option<Decimal>, units: Option<Decimal>) -> Option<Decimal> {
    total?.checked_add(units?)
}

/// The value a [`InventoryFinding::QuantityOutOfRange`] reports for a sum that overflowed:
/// the largest decimal, as the sum is at least that.
const OVERFLOWED: Decimal = Decimal::MAX;

/// Computes [`Availability`] for many (item, location) pairs from one set of inputs: the
/// Stokly records and in-flight demand are grouped once, then every look-up is a hash probe.
#[derive(Debug)]
pub struct AvailabilityCalculator<'a> {
    inputs: InventoryInputs<'a>,
    stock: StockTable<'a>,
    /// Per mapped Shopify location, its feeds' columns in `stock`, in feed order.
    feed_columns: Vec<(&'a ShopifyLocationId, Vec<Option<usize>>)>,
    demand: HashMap<&'a ItemId, Demand<'a>>,
    demand_findings: Vec<InventoryFinding>,
}

impl<'a> AvailabilityCalculator<'a> {
    /// Groups the records and demand of `inputs`.
    #[must_use]
    pub fn new(inputs: InventoryInputs<'a>) -> Self {
        // Only the Stokly locations that feed a Shopify location are ever read.
        let mut columns: Vec<&'a StoklyLocationId> = Vec::new();
        for shopify in inputs.locations.shopify_locations() {
            columns.extend(inputs.locations.feeds_of(shopify).into_iter().flatten());
        }
        columns.sort_unstable();
        columns.dedup();
        let stock = StockTable::build(columns, inputs.stokly_records);
        let columns = &stock.columns;
        let feed_columns = inputs
            .locations
            .shopify_locations()
            .map(|shopify| {
                let feeds = inputs.locations.feeds_of(shopify).into_iter().flatten();
                let at = feeds
                    .map(|feed| columns.binary_search(&feed).ok())
                    .collect();
                (shopify, at)
            })
            .collect();

        let mut demand: HashMap<&'a ItemId, Demand<'a>> = HashMap::new();
        let mut unmatched: BTreeMap<&'a str, u64> = BTreeMap::new();
        for line in inputs.in_flight {
            let units = Decimal::from(line.quantity);
            let StoklyMatch::Unique(entry) = inputs.index.match_stokly(Some(&line.sku)) else {
                let total = unmatched.entry(&line.sku).or_default();
                *total = total.saturating_add(u64::from(line.quantity));
                continue;
            };
            let mut add = |item: &'a ItemId, units: Option<Decimal>| {
                let slot = demand.entry(item).or_default();
                match &line.shopify_location {
                    None => slot.anywhere = add_demand(slot.anywhere, units),
                    Some(location) => match slot.at.iter_mut().find(|(l, _)| *l == location) {
                        Some((_, total)) => *total = add_demand(*total, units),
                        None => slot.at.push((location, units)),
                    },
                }
            };
            match inputs
                .index
                .components(&entry.id)
                .filter(|_| entry.is_composite())
            {
                Some(components) if !components.is_empty() => {
                    for component in components {
                        if let Some(per) = component.quantity.filter(|q| *q > Decimal::ZERO) {
                            add(&component.item_id, units.checked_mul(per));
                        }
                    }
                }
                _ => add(&entry.id, Some(units)),
            }
        }
        let demand_findings = unmatched
            .into_iter()
            .map(|(sku, quantity)| InventoryFinding::InFlightSkuNotFound {
                sku: sku.to_owned(),
                quantity,
            })
            .collect();
        Self {
            inputs,
            stock,
            feed_columns,
            demand,
            demand_findings,
        }
    }

    /// In-flight demand whose SKU matches no single active Stokly item, one finding per SKU.
    #[must_use]
    pub fn demand_findings(&self) -> &[InventoryFinding] {
        &self.demand_findings
    }

    /// The availability of `item` at Shopify location `location`.
    ///
    /// # Errors
    /// The [`InventoryFinding`] that prevents a safe number: an unknown item, an unmapped
    /// location, a fractional or out-of-range Stokly quantity, or an unusable composite.
    pub fn availability(
        &self,
        item: &ItemId,
        location: &ShopifyLocationId,
    ) -> Result<Availability, InventoryFinding> {
        match self.inputs.index.stokly_item(item) {
            Some(entry) => self.availability_of(entry, location),
            None => Err(InventoryFinding::UnknownStoklyItem {
                item: ItemRef::bare(item),
            }),
        }
    }

    pub(crate) fn availability_of(
        &self,
        entry: &StoklyEntry,
        location: &ShopifyLocationId,
    ) -> Result<Availability, InventoryFinding> {
        let Some(at) = self.mapped_location(location) else {
            return Err(InventoryFinding::UnmappedLocation {
                location: location.clone(),
                levels: 0,
            });
        };
        self.availability_at(entry, &self.item_facts(entry), &at)
    }

    /// The mapped Shopify locations, in ID order, each with what its levels look up.
    pub(crate) fn mapped_locations(&self) -> Vec<MappedLocation<'_>> {
        let locations = self.inputs.locations;
        locations
            .shopify_locations()
            .filter_map(|id| self.mapped_location(id))
            .collect()
    }

    fn mapped_location<'s>(&'s self, id: &'s ShopifyLocationId) -> Option<MappedLocation<'s>> {
        let buffers = self.inputs.buffers;
        let columns = self
            .feed_columns
            .iter()
            .find(|(location, _)| *location == id)
            .map_or(&[][..], |(_, columns)| columns.as_slice());
        Some(MappedLocation {
            id,
            feeds: self.inputs.locations.feeds_of(id)?,
            columns,
            sku_rules: buffers.sku_rules_at(id),
            location_rule: buffers.location_rule(id),
            global_rule: buffers.global_rule(),
        })
    }

    /// What every level of `entry` looks up, looked up once.
    pub(crate) fn item_facts<'c>(&'c self, entry: &'c StoklyEntry) -> ItemFacts<'c> {
        let sku = entry.usable_sku();
        ItemFacts {
            row: self.stock.row(&entry.id),
            demand: self.demand.get(&entry.id),
            sku,
            sku_rule: sku.and_then(|sku| self.inputs.buffers.sku_rule(sku)),
        }
    }

    /// The availability of `entry` (with `facts`, its [`ItemFacts`]) at mapped location `at`.
    pub(crate) fn availability_at(
        &self,
        entry: &StoklyEntry,
        facts: &ItemFacts<'_>,
        at: &MappedLocation<'_>,
    ) -> Result<Availability, InventoryFinding> {
        let location = at.id;
        let (source, stock, in_flight) = if entry.is_composite() {
            let components = self.composite_components(entry, location, at.feeds)?;
            let stock = components.iter().map(|c| c.composites).min().unwrap_or(0);
            (AvailabilitySource::Composite { components }, stock, 0)
        } else {
            let (on_hand, quarantined) = own_stock(entry, facts.row, at.feed_columns())?;
            let in_flight = in_flight_at(entry, facts.demand, location)?;
            (
                AvailabilitySource::Stock {
                    on_hand,
                    quarantined,
                },
                on_hand.saturating_sub(quarantined),
                in_flight,
            )
        };
        let sellable = stock.saturating_sub(in_flight).max(0);
        let rule = at.rule_for(facts);
        let buffer = rule.map_or(0, |(_, rule)| rule.held_back(sellable));
        let available = sellable - buffer;
        if available > MAX_SHOPIFY_QUANTITY {
            return Err(InventoryFinding::QuantityOutOfRange {
                item: ItemRef::of(entry),
                location: location.to_string(),
                field: StockField::ComputedTotal,
                value: Decimal::from(available),
            });
        }
        Ok(Availability {
            source,
            stock,
            in_flight,
            sellable,
            buffer,
            buffer_rule: rule.map(|(scope, _)| scope),
            available,
        })
    }

    /// On hand and quarantined units of a non-composite item over `feeds`.
    fn own_stock_of<'f>(
        &self,
        entry: &StoklyEntry,
        feeds: impl IntoIterator<Item = &'f StoklyLocationId>,
    ) -> Result<(i64, i64), InventoryFinding> {
        let row = self.stock.row(&entry.id);
        let columns = &self.stock.columns;
        own_stock(
            entry,
            row,
            feeds
                .into_iter()
                .map(|feed| (feed, columns.binary_search(&feed).ok())),
        )
    }

    /// In-flight units of `entry` at `location`, rounded up (a fraction of a component unit
    /// is a whole unit Stokly will need).
    fn in_flight(
        &self,
        entry: &StoklyEntry,
        location: &ShopifyLocationId,
    ) -> Result<i64, InventoryFinding> {
        in_flight_at(entry, self.demand.get(&entry.id), location)
    }

    fn composite_components(
        &self,
        composite: &StoklyEntry,
        location: &ShopifyLocationId,
        feeds: &BTreeSet<StoklyLocationId>,
    ) -> Result<Vec<ComponentAvailability>, InventoryFinding> {
        let lines = self.inputs.index.components(&composite.id).unwrap_or(&[]);
        if lines.is_empty() {
            return Err(InventoryFinding::CompositeWithoutComponents {
                composite: ItemRef::of(composite),
            });
        }
        // The same component on two lines counts once, with the quantities added.
        let mut per_component: BTreeMap<&ItemId, Decimal> = BTreeMap::new();
        for line in lines {
            match line.quantity {
                Some(q) if q > Decimal::ZERO => {
                    let total = per_component.entry(&line.item_id).or_default();
                    *total = total.checked_add(q).ok_or_else(|| {
                        InventoryFinding::QuantityOutOfRange {
                            item: ItemRef::of(composite),
                            location: location.to_string(),
                            field: StockField::PerComposite,
                            value: OVERFLOWED,
                        }
                    })?;
                }
                quantity => {
                    return Err(InventoryFinding::InvalidComponentQuantity {
                        composite: ItemRef::of(composite),
                        component: ItemRef::bare(&line.item_id),
                        quantity,
                    });
                }
            }
        }
        let mut components = Vec::with_capacity(per_component.len());
        for (item_id, per_composite) in per_component {
            let component = match self.inputs.index.stokly_item(item_id) {
                Some(c) if !c.is_composite() => c,
                found => {
                    return Err(InventoryFinding::UnusableComponent {
                        composite: ItemRef::of(composite),
                        component: found.map_or_else(|| ItemRef::bare(item_id), ItemRef::of),
                        nested_composite: found.is_some(),
                    });
                }
            };
            let (on_hand, quarantined) = self.own_stock_of(component, feeds)?;
            let sellable = on_hand
                .saturating_sub(quarantined)
                .saturating_sub(self.in_flight(component, location)?)
                .max(0);
            let composites = Decimal::from(sellable)
                .checked_div(per_composite)
                .ok_or_else(|| InventoryFinding::QuantityOutOfRange {
                    item: ItemRef::of(composite),
                    location: location.to_string(),
                    field: StockField::ComputedTotal,
                    value: OVERFLOWED,
                })?
                .floor();
            components.push(ComponentAvailability {
                item_id: item_id.clone(),
                per_composite,
                sellable,
                composites: i64::try_from(composites).unwrap_or(i64::MAX),
            });
        }
        Ok(components)
    }
}

/// One mapped Shopify location with the buffer rules its levels may use, looked up once
/// per plan.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MappedLocation<'l> {
    pub(crate) id: &'l ShopifyLocationId,
    feeds: &'l BTreeSet<StoklyLocationId>,
    /// Each feed's column in the stock table, in feed order.
    columns: &'l [Option<usize>],
    sku_rules: Option<&'l BTreeMap<String, BufferRule>>,
    location_rule: Option<BufferRule>,
    global_rule: Option<BufferRule>,
}

impl<'l> MappedLocation<'l> {
    /// The feeds, in ID order, each with its column in the stock table.
    fn feed_columns(&self) -> impl Iterator<Item = (&'l StoklyLocationId, Option<usize>)> {
        self.feeds.iter().zip(self.columns.iter().copied())
    }

    /// [`super::BufferRules::rule_for`] the item of `facts` here.
    fn rule_for(&self, facts: &ItemFacts<'_>) -> Option<(BufferScope, BufferRule)> {
        if let Some(sku) = facts.sku {
            if let Some(rule) = self.sku_rules.and_then(|rules| rules.get(sku)) {
                return Some((BufferScope::SkuAtLocation, *rule));
            }
            if let Some(rule) = facts.sku_rule {
                return Some((BufferScope::Sku, rule));
            }
        }
        if let Some(rule) = self.location_rule {
            return Some((BufferScope::Location, rule));
        }
        self.global_rule.map(|rule| (BufferScope::Global, rule))
    }
}

/// One item's stock rows, in-flight demand, SKU and SKU buffer rule, looked up once for all
/// its levels.
#[derive(Debug)]
pub(crate) struct ItemFacts<'c> {
    row: &'c [Cell],
    demand: Option<&'c Demand<'c>>,
    sku: Option<&'c str>,
    sku_rule: Option<BufferRule>,
}

/// On hand and quarantined units of a non-composite item over `feeds` (each with its column
/// in the stock table), from its stock `row`.
fn own_stock<'f>(
    entry: &StoklyEntry,
    row: &[Cell],
    feeds: impl IntoIterator<Item = (&'f StoklyLocationId, Option<usize>)>,
) -> Result<(i64, i64), InventoryFinding> {
    let (mut on_hand, mut quarantined) = (0_i64, 0_i64);
    for (feed, column) in feeds {
        let Some(counts) = column.and_then(|c| cell(row, c)) else {
            continue;
        };
        if let Some(field) = counts.overflowed {
            return Err(InventoryFinding::QuantityOutOfRange {
                item: ItemRef::of(entry),
                location: feed.to_string(),
                field,
                value: OVERFLOWED,
            });
        }
        on_hand = on_hand.saturating_add(whole_units(
            entry,
            feed,
            StockField::OnHand,
            counts.on_hand,
        )?);
        quarantined = quarantined.saturating_add(whole_units(
            entry,
            feed,
            StockField::Quarantined,
            counts.quarantined,
        )?);
    }
    Ok((on_hand, quarantined))
}

/// One cell of the stock table: a column (a feeding Stokly location) and the item's counts
/// there.
type Cell = (usize, Counts);

/// The counts in `row` at `column`.
fn cell(row: &[Cell], column: usize) -> Option<&Counts> {
    let at = row.binary_search_by_key(&column, |(c, _)| *c).ok()?;
    row.get(at).map(|(_, counts)| counts)
}

/// Stock per item and per Stokly location that feeds a Shopify location. Rows are sparse:
/// an item has a cell only where it has a record, so the table grows with the records, not
/// with items × locations.
#[derive(Debug)]
struct StockTable<'a> {
    /// The feeding Stokly locations, in ID order.
    columns: Vec<&'a StoklyLocationId>,
    /// Each item's cells in `cells`, in column order.
    rows: HashMap<&'a ItemId, std::ops::Range<usize>>,
    cells: Vec<Cell>,
}

impl<'a> StockTable<'a> {
    /// The stock of `records` at the feeding locations `columns` (sorted, no repeats).
    fn build(columns: Vec<&'a StoklyLocationId>, records: &'a [InventoryRecord]) -> Self {
        // Each usable record with its item's number (in order of first appearance) and its
        // column; a stable sort then brings each item's records together, column by column,
        // keeping their order.
        let mut items: HashMap<&'a ItemId, usize> = HashMap::new();
        let mut item_ids: Vec<&'a ItemId> = Vec::new();
        let mut keyed: Vec<(usize, usize, &'a InventoryRecord, bool)> =
            Vec::with_capacity(records.len());
        for record in records {
            let at_location_level = match record.level() {
                RecordLevel::Item => continue,
                RecordLevel::Location => true,
                RecordLevel::Bin => false,
            };
            let Ok(column) = columns.binary_search(&&record.location_id) else {
                continue;
            };
            let item = *items.entry(&record.item_id).or_insert_with(|| {
                item_ids.push(&record.item_id);
                item_ids.len() - 1
            });
            keyed.push((item, column, record, at_location_level));
        }
        keyed.sort_by_key(|&(item, column, _, _)| (item, column));

        let mut rows = HashMap::with_capacity(item_ids.len());
        let mut cells: Vec<Cell> = Vec::with_capacity(keyed.len());
        let mut row_start = 0;
        for (i, &(item, column, record, at_location_level)) in keyed.iter().enumerate() {
            let same_cell =
                matches!(cells.last(), Some((c, _)) if *c == column) && cells.len() > row_start;
            if !same_cell {
                cells.push((column, Counts::default()));
            }
            if let Some((_, counts)) = cells.last_mut() {
                let on_hand = record.on_hand.unwrap_or_default();
                let quarantined = record.quarantined.unwrap_or_default();
                if at_location_level {
                    // The location total replaces any bin rows; a second total row is a
                    // duplicate of the first and is not added again.
                    if !counts.from_location_row {
                        *counts = Counts {
                            on_hand,
                            quarantined,
                            from_location_row: true,
                            overflowed: None,
                        };
                    }
                } else if !counts.from_location_row && counts.overflowed.is_none() {
                    match (
                        counts.on_hand.checked_add(on_hand),
                        counts.quarantined.checked_add(quarantined),
                    ) {
                        (Some(on_hand), Some(quarantined)) => {
                            counts.on_hand = on_hand;
                            counts.quarantined = quarantined;
                        }
                        (None, _) => counts.overflowed = Some(StockField::OnHand),
                        (Some(_), None) => counts.overflowed = Some(StockField::Quarantined),
                    }
                }
            }
            let row_ends = keyed.get(i + 1).is_none_or(|next| next.0 != item);
            if row_ends {
                if let Some(id) = item_ids.get(item) {
                    rows.insert(*id, row_start..cells.len());
                }
                row_start = cells.len();
            }
        }
        Self {
            columns,
            rows,
            cells,
        }
    }

    /// The cells of `item`, in column order (empty when it has no stock record).
    fn row(&self, item: &ItemId) -> &[Cell] {
        self.rows
            .get(item)
            .and_then(|range| self.cells.get(range.clone()))
            .unwrap_or(&[])
    }
}

/// In-flight units of `entry`'s `demand` at `location`, rounded up (a fraction of a
/// component unit is a whole unit Stokly will need).
///
/// # Errors
/// [`InventoryFinding::QuantityOutOfRange`] (field [`StockField::InFlight`]) when the demand
/// counting here does not fit a decimal.
fn in_flight_at(
    entry: &StoklyEntry,
    demand: Option<&Demand<'_>>,
    location: &ShopifyLocationId,
) -> Result<i64, InventoryFinding> {
    let Some(demand) = demand else {
        return Ok(0);
    };
    let here = demand
        .at
        .iter()
        .find(|(l, _)| *l == location)
        .map_or(Some(Decimal::ZERO), |(_, units)| *units);
    let units =
        add_demand(demand.anywhere, here).ok_or_else(|| InventoryFinding::QuantityOutOfRange {
            item: ItemRef::of(entry),
            location: location.to_string(),
            field: StockField::InFlight,
            value: OVERFLOWED,
        })?;
    Ok(i64::try_from(units.ceil()).unwrap_or(i64::MAX))
}

/// A Stokly quantity as whole units, or the finding that names why it is not one.
fn whole_units(
    entry: &StoklyEntry,
    location: &StoklyLocationId,
    field: StockField,
    value: Decimal,
) -> Result<i64, InventoryFinding> {
    if !value.fract().is_zero() {
        return Err(InventoryFinding::FractionalQuantity {
            item: ItemRef::of(entry),
            location: location.clone(),
            field,
            value,
        });
    }
    match i64::try_from(value) {
        Ok(units) if units.abs() <= MAX_SHOPIFY_QUANTITY => Ok(units),
        _ => Err(InventoryFinding::QuantityOutOfRange {
            item: ItemRef::of(entry),
            location: location.to_string(),
            field,
            value,
        }),
    }
}

/// The availability of one item at one Shopify location. Builds an
/// [`AvailabilityCalculator`] each call; use one calculator for many look-ups.
///
/// # Errors
/// As [`AvailabilityCalculator::availability`].
pub fn compute_availability(
    inputs: InventoryInputs<'_>,
    item: &ItemId,
    location: &ShopifyLocationId,
) -> Result<Availability, InventoryFinding> {
    AvailabilityCalculator::new(inputs).availability(item, location)
}
