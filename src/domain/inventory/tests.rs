//! Exact-number tests for availability, the push plan, drift and echoes.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;
use rust_decimal::Decimal;

use super::*;
use crate::domain::catalogue::test_support::*;
use crate::domain::catalogue::{ComponentLine, CompositeComponents, SkuIndex, StoklyCatalogue};
use crate::domain::exception::{DomainException, Severity};
use crate::shopify::model::ProductVariant;
use crate::shopify::{GraphQlRequest, UserError};
use crate::stokly::model::{Extra, InventoryRecord, Item, ItemFormat};
use crate::stokly::{BinId, LocationId as StoklyLocationId};

fn t(minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 10, minute, 0).unwrap()
}

fn sloc(n: u64) -> ShopifyLocationId {
    ShopifyLocationId::from_numeric(n)
}

fn kloc(name: &str) -> StoklyLocationId {
    StoklyLocationId::new(name).unwrap()
}

fn rec(item: &str, location: &str, bin: &str, on_hand: i64, quarantined: i64) -> InventoryRecord {
    InventoryRecord {
        item_id: item_id(item),
        item_name: None,
        item_sku: None,
        location_id: StoklyLocationId::new(location).unwrap(),
        location_name: None,
        bin_id: BinId::new(bin).unwrap(),
        bin_name: None,
        on_hand: Some(Decimal::from(on_hand)),
        on_order: None,
        quarantined: Some(Decimal::from(quarantined)),
        extra: Extra::default(),
    }
}

/// Location total row (bin `UNASSIGNED`).
fn total(item: &str, location: &str, on_hand: i64, quarantined: i64) -> InventoryRecord {
    rec(item, location, "UNASSIGNED", on_hand, quarantined)
}

/// Variant `n`'s level (inventory item `n + 90_000`, as `test_support::variant` makes it).
fn level(n: u64, location: u64, available: i64) -> ShopifyStockLevel {
    ShopifyStockLevel::new(
        crate::shopify::InventoryItemId::from_numeric(n + 90_000),
        sloc(location),
        available,
        t(0),
    )
}

#[derive(Debug)]
struct Fixture {
    items: Vec<Item>,
    composites: CompositeComponents,
    variants: Vec<ProductVariant>,
    records: Vec<InventoryRecord>,
    locations: LocationMap,
    buffers: BufferRules,
    in_flight: Vec<InFlightDemand>,
    levels: Vec<ShopifyStockLevel>,
}

impl Fixture {
    /// Shopify location 1 fed by Stokly WH-A and WH-B, location 2 by WH-B; location 3 is
    /// unmapped.
    fn new() -> Self {
        Self {
            items: Vec::new(),
            composites: CompositeComponents::new(),
            variants: Vec::new(),
            records: Vec::new(),
            locations: LocationMap::new()
                .with(sloc(1), [kloc("WH-A"), kloc("WH-B")])
                .with(sloc(2), [kloc("WH-B")]),
            buffers: BufferRules::new(),
            in_flight: Vec::new(),
            levels: Vec::new(),
        }
    }

    /// A simple item `id` with SKU `sku`, sold as variant `n`, with Shopify levels at
    /// locations 1 and 2 showing `shopify`.
    fn sku(&mut self, id: &str, sku: &str, n: u64, shopify: i64) {
        self.items.push(simple(id, sku));
        self.variants.push(sold(n, sku, n));
        self.levels.push(level(n, 1, shopify));
        self.levels.push(level(n, 2, shopify));
    }

    fn index(&self) -> SkuIndex {
        SkuIndex::build(
            StoklyCatalogue::new(&self.items).with_composites(&self.composites),
            &self.variants,
        )
    }

    fn inputs<'a>(&'a self, index: &'a SkuIndex) -> InventoryInputs<'a> {
        InventoryInputs {
            index,
            stokly_records: &self.records,
            locations: &self.locations,
            buffers: &self.buffers,
            in_flight: &self.in_flight,
            shopify_levels: &self.levels,
        }
    }

    fn available(&self, item: &str, location: u64) -> Result<Availability, InventoryFinding> {
        let index = self.index();
        compute_availability(self.inputs(&index), &item_id(item), &sloc(location))
    }

    fn plan(&self, scope: &InventoryScope) -> InventoryPushPlan {
        let index = self.index();
        plan_inventory_push(self.inputs(&index), scope, &SyncRun::new("run-1"))
    }
}

fn targets(plan: &InventoryPushPlan) -> Vec<(String, u64, i64, i64)> {
    plan.levels()
        .map(|l| {
            (
                l.sku.clone(),
                l.location_id.numeric_id(),
                l.shopify_available,
                l.target,
            )
        })
        .collect()
}

#[test]
fn stock_is_summed_over_mapped_locations_at_one_level_only() {
    let mut f = Fixture::new();
    f.sku("a", "A", 1, 0);
    f.records = vec![
        // WH-A: bin rows only (3 + 4).
        rec("a", "WH-A", "bin-1", 3, 0),
        rec("a", "WH-A", "bin-2", 4, 0),
        // WH-B: a location total (5) and its bin rows (2 + 3), which must not be added.
        rec("a", "WH-B", "bin-9", 2, 0),
        total("a", "WH-B", 5, 0),
        rec("a", "WH-B", "bin-8", 3, 0),
        // The item total and an unmapped location are never used.
        rec("a", "UNASSIGNED", "UNASSIGNED", 100, 0),
        total("a", "WH-Z", 50, 0),
    ];
    assert_eq!(f.available("a", 1).unwrap().available, 12);
    assert_eq!(f.available("a", 2).unwrap().available, 5);
    assert!(matches!(
        f.available("a", 3),
        Err(InventoryFinding::UnmappedLocation { .. })
    ));
}

#[test]
fn interleaved_records_of_several_items_land_in_their_own_rows() {
    let mut f = Fixture::new();
    f.sku("a", "A", 1, 0);
    f.sku("b", "B", 2, 0);
    f.sku("c", "C", 3, 0);
    f.records = vec![
        rec("a", "WH-B", "bin-1", 1, 0),
        rec("b", "WH-A", "bin-1", 10, 0),
        rec("a", "WH-A", "bin-1", 2, 0),
        total("b", "WH-B", 20, 1),
        rec("a", "WH-B", "bin-2", 4, 0),
        total("a", "WH-B", 30, 0),
        total("a", "WH-B", 99, 0), // a repeated total is not added again
        rec("b", "WH-A", "bin-2", 5, 2),
    ];
    // Location 1 reads WH-A and WH-B, location 2 WH-B only; c has no record at all.
    assert_eq!(f.available("a", 1).unwrap().available, 2 + 30);
    assert_eq!(f.available("a", 2).unwrap().available, 30);
    assert_eq!(f.available("b", 1).unwrap().available, (15 - 2) + (20 - 1));
    assert_eq!(f.available("b", 2).unwrap().available, 19);
    assert_eq!(f.available("c", 1).unwrap().available, 0);
}

#[test]
fn quarantined_stock_is_not_for_sale() {
    let mut f = Fixture::new();
    f.sku("a", "A", 1, 0);
    f.records = vec![total("a", "WH-B", 10, 3)];
    let a = f.available("a", 2).unwrap();
    assert_eq!(
        a.source,
        AvailabilitySource::Stock {
            on_hand: 10,
            quarantined: 3
        }
    );
    assert_eq!((a.stock, a.sellable, a.available), (7, 7, 7));
}

#[test]
fn fixed_and_percentage_buffers_round_as_named() {
    let cases = [
        (BufferRule::units(2), 7, 5),
        (BufferRule::units(10), 7, 0),
        (
            BufferRule::percent(Decimal::new(15, 0), BufferRounding::Up).unwrap(),
            7,
            5,
        ), // 1.05 -> 2
        (
            BufferRule::percent(Decimal::new(15, 0), BufferRounding::Down).unwrap(),
            7,
            6,
        ), // 1.05 -> 1
        (
            BufferRule::percent(Decimal::new(50, 0), BufferRounding::HalfUp).unwrap(),
            5,
            2,
        ), // 2.5 -> 3
        (
            BufferRule::percent(Decimal::new(50, 0), BufferRounding::HalfEven).unwrap(),
            5,
            3,
        ), // 2.5 -> 2
        (
            BufferRule::percent(Decimal::new(100, 0), BufferRounding::Down).unwrap(),
            5,
            0,
        ),
    ];
    for (rule, stock, expected) in cases {
        let mut f = Fixture::new();
        f.sku("a", "A", 1, 0);
        f.records = vec![total("a", "WH-B", stock, 0)];
        f.buffers = BufferRules::new().global(rule);
        let a = f.available("a", 2).unwrap();
        assert_eq!(a.available, expected, "{rule:?} on {stock}");
        assert_eq!(a.buffer, stock - expected);
        assert_eq!(a.buffer_rule, Some(BufferScope::Global));
    }
    assert!(BufferRule::percent(Decimal::new(101, 0), BufferRounding::Up).is_err());
    assert!(BufferRule::percent(Decimal::new(-1, 0), BufferRounding::Up).is_err());
    assert_eq!(BufferRule::units(3).held_back(-4), 0);
}

#[test]
fn the_most_specific_buffer_wins() {
    let mut f = Fixture::new();
    f.sku("a", "A", 1, 0);
    f.sku("b", "B", 2, 0);
    f.records = vec![
        total("a", "WH-A", 20, 0),
        total("b", "WH-A", 20, 0),
        total("a", "WH-B", 20, 0),
        total("b", "WH-B", 20, 0),
    ];
    f.buffers = BufferRules::new()
        .global(BufferRule::units(1))
        .at_location(sloc(2), BufferRule::units(2))
        .for_sku("A", BufferRule::units(3))
        .for_sku_at_location("A", sloc(2), BufferRule::units(4));
    let check = |item, location, buffer, scope| {
        let a = f.available(item, location).unwrap();
        assert_eq!((a.buffer, a.buffer_rule), (buffer, Some(scope)));
    };
    check("a", 2, 4, BufferScope::SkuAtLocation);
    check("a", 1, 3, BufferScope::Sku);
    check("b", 2, 2, BufferScope::Location);
    check("b", 1, 1, BufferScope::Global);
    // Location 1 sums WH-A and WH-B: 40 - 3.
    assert_eq!(f.available("a", 1).unwrap().available, 37);
}

#[test]
fn in_flight_orders_are_taken_off_and_the_result_never_goes_below_zero() {
    let mut f = Fixture::new();
    f.sku("a", "A", 1, 0);
    f.sku("b", "B", 2, 0);
    f.records = vec![total("a", "WH-B", 10, 0), total("b", "WH-B", 2, 0)];
    f.in_flight = vec![
        InFlightDemand::new("A", Some(sloc(1)), 3),
        InFlightDemand::new("A", None, 1),
        InFlightDemand::new("B", Some(sloc(2)), 5),
        InFlightDemand::new("NOPE", None, 2),
        InFlightDemand::new("NOPE", Some(sloc(1)), 1),
    ];
    f.buffers = BufferRules::new().global(BufferRule::units(1));
    let a1 = f.available("a", 1).unwrap();
    assert_eq!((a1.in_flight, a1.sellable, a1.available), (4, 6, 5));
    let a2 = f.available("a", 2).unwrap();
    assert_eq!((a2.in_flight, a2.sellable, a2.available), (1, 9, 8));
    let b2 = f.available("b", 2).unwrap();
    assert_eq!(
        (b2.in_flight, b2.sellable, b2.buffer, b2.available),
        (5, 0, 0, 0)
    );
    let plan = f.plan(&InventoryScope::All);
    assert!(
        plan.findings
            .contains(&InventoryFinding::InFlightSkuNotFound {
                sku: "NOPE".into(),
                quantity: 3
            })
    );
}

#[test]
fn negative_stock_is_reported_and_shopify_is_told_zero() {
    let mut f = Fixture::new();
    f.sku("a", "A", 1, 4);
    f.records = vec![total("a", "WH-A", -3, 0), total("a", "WH-B", 1, 0)];
    let plan = f.plan(&InventoryScope::All);
    assert_eq!(
        targets(&plan),
        vec![("A".into(), 1, 4, 0), ("A".into(), 2, 4, 1)]
    );
    assert!(plan.findings.contains(&InventoryFinding::NegativeStock {
        item: ItemRef::of(f.index().stokly_item(&item_id("a")).unwrap()),
        location: sloc(1),
        quantity: -2,
    }));
}

#[test]
fn fractional_and_out_of_range_quantities_are_typed_problems_never_rounded() {
    let mut f = Fixture::new();
    f.sku("a", "A", 1, 0);
    f.sku("b", "B", 2, 0);
    let mut fractional = total("a", "WH-B", 0, 0);
    fractional.on_hand = Some(Decimal::new(25, 1));
    let mut huge = total("b", "WH-B", 0, 0);
    huge.quarantined = Some(Decimal::from(2_000_000_000_i64));
    f.records = vec![fractional, huge];
    assert_eq!(
        f.available("a", 2),
        Err(InventoryFinding::FractionalQuantity {
            item: ItemRef::of(f.index().stokly_item(&item_id("a")).unwrap()),
            location: kloc("WH-B"),
            field: StockField::OnHand,
            value: Decimal::new(25, 1),
        })
    );
    assert!(matches!(
        f.available("b", 1),
        Err(InventoryFinding::QuantityOutOfRange { field: StockField::Quarantined, ref location, .. }) if location == "WH-B"
    ));
    let plan = f.plan(&InventoryScope::All);
    assert!(plan.is_empty());
    assert_eq!(plan.summary.levels_skipped, 4);
    let record = plan
        .findings
        .iter()
        .find(|f| f.code() == "fractional_quantity")
        .unwrap()
        .to_record();
    assert_eq!(record.severity, Severity::Blocking);
    assert!(
        record.reason.contains("onHand 2.5 at location WH-B"),
        "{}",
        record.reason
    );
}

/// KIT = 2 x C1 + 3 x C2; DUO = 1 x C2 (C2 is shared).
fn composites() -> Fixture {
    let mut f = Fixture::new();
    f.sku("c1", "C1", 1, 0);
    f.sku("c2", "C2", 2, 0);
    f.sku("c3", "C3", 3, 0);
    for (id, sku, n) in [("kit", "KIT", 10), ("duo", "DUO", 11)] {
        f.items
            .push(with_format(simple(id, sku), ItemFormat::Composite));
        f.variants.push(sold(n, sku, n));
        f.levels.push(level(n, 1, 0));
        f.levels.push(level(n, 2, 0));
    }
    f.composites.push(
        item_id("kit"),
        ComponentLine::new(item_id("c1"), Some(Decimal::TWO)),
    );
    f.composites.push(
        item_id("kit"),
        ComponentLine::new(item_id("c2"), Some(Decimal::from(3))),
    );
    f.composites.push(
        item_id("duo"),
        ComponentLine::new(item_id("c2"), Some(Decimal::ONE)),
    );
    f.records = vec![
        total("c1", "WH-B", 9, 0),
        total("c2", "WH-B", 11, 1),
        total("c3", "WH-B", 5, 0),
    ];
    f
}

#[test]
fn a_composite_is_limited_by_its_scarcest_component() {
    let mut f = composites();
    // C1: 9 / 2 = 4; C2: 10 / 3 = 3.
    let kit = f.available("kit", 2).unwrap();
    assert_eq!((kit.stock, kit.available), (3, 3));
    let AvailabilitySource::Composite { components } = &kit.source else {
        panic!("expected a composite");
    };
    let per: Vec<(i64, i64)> = components
        .iter()
        .map(|c| (c.sellable, c.composites))
        .collect();
    assert_eq!(per, vec![(9, 4), (10, 3)]);
    assert_eq!(f.available("duo", 2).unwrap().available, 10);

    // One KIT on an order not yet in Stokly takes 2 x C1 and 3 x C2:
    // C1 7 / 2 = 3, C2 7 / 3 = 2; DUO shares C2: 7.
    f.in_flight = vec![InFlightDemand::new("KIT", Some(sloc(2)), 1)];
    assert_eq!(f.available("kit", 2).unwrap().available, 2);
    assert_eq!(f.available("duo", 2).unwrap().available, 7);
    assert_eq!(f.available("c1", 2).unwrap().available, 7);

    // The composite's own buffer applies to the composite count.
    f.buffers = BufferRules::new().for_sku("KIT", BufferRule::units(1));
    assert_eq!(f.available("kit", 2).unwrap().available, 1);
}

#[test]
fn unusable_composites_are_reported() {
    let mut f = composites();
    f.composites.push(
        item_id("duo"),
        ComponentLine::new(item_id("ghost"), Some(Decimal::ONE)),
    );
    f.composites
        .push(item_id("kit"), ComponentLine::new(item_id("c3"), None));
    assert!(matches!(
        f.available("duo", 2),
        Err(InventoryFinding::UnusableComponent {
            nested_composite: false,
            ..
        })
    ));
    assert!(matches!(
        f.available("kit", 2),
        Err(InventoryFinding::InvalidComponentQuantity { quantity: None, .. })
    ));
    f.items
        .push(with_format(simple("empty", "EMPTY"), ItemFormat::Composite));
    assert!(matches!(
        f.available("empty", 2),
        Err(InventoryFinding::CompositeWithoutComponents { .. })
    ));
}

#[test]
fn bundle_parents_untracked_items_and_unmapped_locations_are_never_written() {
    let mut f = Fixture::new();
    f.sku("a", "A", 1, 0);
    f.items.push(simple("b", "B"));
    f.variants.push(bundle(sold(2, "B", 2), &[(1, "A", 2)]));
    f.levels.push(level(2, 1, 0));
    f.items.push(simple("c", "C"));
    f.variants.push(untracked(sold(3, "C", 3)));
    f.levels.push(level(3, 1, 0));
    f.levels.push(level(1, 3, 0)); // A at unmapped location 3.
    f.records = vec![
        total("a", "WH-B", 6, 0),
        total("b", "WH-B", 6, 0),
        total("c", "WH-B", 6, 0),
    ];
    let plan = f.plan(&InventoryScope::All);
    assert_eq!(
        targets(&plan),
        vec![("A".into(), 1, 0, 6), ("A".into(), 2, 0, 6)]
    );
    let codes: Vec<&str> = plan.findings.iter().map(|f| f.code()).collect();
    assert_eq!(
        codes,
        [
            "native_bundle_parent",
            "untracked_item",
            "unmapped_location"
        ]
    );
    assert!(plan.findings.iter().all(InventoryFinding::is_by_design));
    assert!(plan.findings.contains(&InventoryFinding::UnmappedLocation {
        location: sloc(3),
        levels: 1
    }));
    assert_eq!(plan.summary.levels_skipped, 3);
}

#[test]
fn unknown_duplicate_and_unstocked_skus_are_reported() {
    let mut f = Fixture::new();
    f.sku("a", "A", 1, 0);
    f.variants.push(sold(2, "GHOST", 2));
    f.levels.push(level(2, 1, 3));
    f.items.push(simple("d", "DUP"));
    f.variants.push(sold(4, "DUP", 4));
    f.variants.push(sold(5, "DUP", 5));
    f.items.push(simple("e", "E"));
    f.variants.push(sold(6, "E", 6));
    f.levels.push(level(6, 1, 0)); // E has no level at mapped location 2.
    f.records = vec![total("a", "WH-B", 1, 0), total("e", "WH-A", 2, 0)];
    let plan = f.plan(&InventoryScope::All);
    let codes: BTreeSet<&str> = plan.findings.iter().map(|f| f.code()).collect();
    assert_eq!(
        codes,
        BTreeSet::from([
            "unknown_sku",
            "duplicate_shopify_sku",
            "not_stocked_at_location"
        ])
    );
    assert_eq!(
        plan.findings
            .iter()
            .filter(|f| f.code() == "duplicate_shopify_sku")
            .count(),
        1
    );
    assert_eq!(
        targets(&plan),
        vec![
            ("A".into(), 1, 0, 1),
            ("E".into(), 1, 0, 2),
            ("A".into(), 2, 0, 1)
        ]
    );
}

#[test]
fn only_levels_that_differ_are_planned() {
    let mut f = Fixture::new();
    f.sku("a", "A", 1, 7);
    f.sku("b", "B", 2, 0);
    f.records = vec![total("a", "WH-B", 7, 0), total("b", "WH-B", 7, 0)];
    // A: location 1 shows 7 = 7 (unchanged); location 2 shows 7 = 7. B differs at both.
    let plan = f.plan(&InventoryScope::All);
    assert_eq!(
        targets(&plan),
        vec![("B".into(), 1, 0, 7), ("B".into(), 2, 0, 7)]
    );
    assert_eq!(plan.summary.levels_compared, 4);
    assert_eq!(plan.summary.unchanged, 2);
    assert_eq!(plan.summary.changed, 2);
}

fn big(n: u64) -> Fixture {
    let mut f = Fixture::new();
    for i in 1..=n {
        let id = format!("i{i}");
        let sku = format!("S{i:05}");
        f.items.push(simple(&id, &sku));
        f.variants.push(sold(i, &sku, i));
        f.levels.push(level(i, 1, 1));
        f.levels.push(level(i, 2, 1));
        f.records.push(total(&id, "WH-B", 5, 0));
    }
    f
}

#[test]
fn six_hundred_changes_make_batches_of_250_250_100_with_compare_and_set() {
    let f = big(300);
    let plan = f.plan(&InventoryScope::All);
    let sizes: Vec<usize> = plan
        .batches
        .iter()
        .map(|b| b.input.quantities.len())
        .collect();
    assert_eq!(sizes, vec![250, 250, 100]);
    let mut pairs = BTreeSet::new();
    for batch in &plan.batches {
        assert_eq!(batch.input.name, "available");
        assert_eq!(batch.input.reason, "correction");
        assert_eq!(
            batch.input.reference_document_uri.as_deref(),
            Some("gid://stokly-shopify/InventorySync/run-1")
        );
        for (q, l) in batch.input.quantities.iter().zip(&batch.levels) {
            assert_eq!((q.quantity, q.change_from_quantity), (5, Some(1)));
            assert_eq!(q.inventory_item_id, l.inventory_item_id);
            assert!(pairs.insert((q.inventory_item_id.clone(), q.location_id.clone())));
        }
    }
    assert_eq!(pairs.len(), 600);
    // Sorted by location, then inventory item: the first batch is all location 1.
    assert!(
        plan.batches[0]
            .input
            .quantities
            .iter()
            .all(|q| q.location_id == sloc(1))
    );
    assert_eq!(plan.batches[0].levels[0].sku, "S00001");
}

#[test]
fn plans_and_keys_are_deterministic_and_match_the_client() {
    let f = big(30);
    let a = serde_json::to_string(&f.plan(&InventoryScope::All)).unwrap();
    let mut shuffled = big(30);
    shuffled.levels.reverse();
    shuffled.records.reverse();
    let b = serde_json::to_string(&shuffled.plan(&InventoryScope::All)).unwrap();
    assert_eq!(a, b);

    let plan = f.plan(&InventoryScope::All);
    let batch = &plan.batches[0];
    let request = GraphQlRequest::mutation("mutation { x }", SET_QUANTITIES_OPERATION)
        .variable("input", &batch.input)
        .unwrap()
        .idempotent("idempotencyKey");
    assert_eq!(
        request.variables()["idempotencyKey"],
        serde_json::Value::String(batch.idempotency_key.clone())
    );
    // A different run names a different reference document, so a different key.
    let index = f.index();
    let other = plan_inventory_push(
        f.inputs(&index),
        &InventoryScope::All,
        &SyncRun::new("run-2"),
    );
    assert_ne!(other.batches[0].idempotency_key, batch.idempotency_key);
    // Plans round-trip as work items.
    let back: InventoryPushPlan = serde_json::from_str(&a).unwrap();
    assert_eq!(back, plan);
}

#[test]
fn event_driven_scope_plans_changed_items_and_the_composites_containing_them() {
    let f = composites();
    let scope = InventoryScope::Items(BTreeSet::from([item_id("c1")]));
    let plan = f.plan(&scope);
    let skus: BTreeSet<String> = plan.levels().map(|l| l.sku.clone()).collect();
    assert_eq!(skus, BTreeSet::from(["C1".to_owned(), "KIT".to_owned()]));
    // C2 is shared by KIT and DUO: both follow it.
    let plan = f.plan(&InventoryScope::Items(BTreeSet::from([item_id("c2")])));
    let skus: BTreeSet<String> = plan.levels().map(|l| l.sku.clone()).collect();
    assert_eq!(
        skus,
        BTreeSet::from(["C2".to_owned(), "DUO".to_owned(), "KIT".to_owned()])
    );
    // The full plan covers everything with the same output type.
    assert_eq!(f.plan(&InventoryScope::All).levels().count(), 10);
}

#[test]
fn stale_quantities_are_replanned_from_fresh_levels_only() {
    let f = big(3);
    let plan = f.plan(&InventoryScope::All);
    assert_eq!(plan.summary.changed, 6);
    let errors: Vec<UserError> = serde_json::from_value(serde_json::json!([
        {"field": ["input", "quantities", "1"], "message": "stale", "code": "CHANGE_FROM_QUANTITY_STALE"},
        {"field": ["input", "quantities", "2"], "message": "stale", "code": "CHANGE_FROM_QUANTITY_STALE"},
        {"field": ["input", "quantities", "0"], "message": "other", "code": "INVALID_LOCATION"}
    ]))
    .unwrap();
    let stale = stale_quantities(0, &errors);
    assert_eq!(
        stale,
        vec![
            StaleQuantity { batch: 0, index: 1 },
            StaleQuantity { batch: 0, index: 2 }
        ]
    );
    // Index 1 is S00002 at location 1 (someone sold one: Shopify now 0);
    // index 2 is S00003 at location 1 (someone set it to 5 already).
    let mut fresh = big(3);
    fresh.levels = vec![level(2, 1, 0), level(3, 1, 5), level(1, 1, 9)];
    fresh.in_flight = vec![InFlightDemand::new("S00002", Some(sloc(1)), 1)];
    let index = fresh.index();
    let replan = replan_stale_levels(&plan, &stale, fresh.inputs(&index), 1);
    assert_eq!(targets(&replan), vec![("S00002".into(), 1, 0, 4)]);
    assert_eq!(
        replan.batches[0].input.quantities[0].change_from_quantity,
        Some(0)
    );
    assert_eq!(replan.run.id(), "run-1.retry-1");
    assert_eq!(
        replan.batches[0].input.reference_document_uri.as_deref(),
        Some("gid://stokly-shopify/InventorySync/run-1.retry-1")
    );
    assert_eq!(replan.summary.unchanged, 1);
    assert!(
        replan_stale_levels(
            &plan,
            &[StaleQuantity { batch: 9, index: 0 }],
            fresh.inputs(&index),
            2
        )
        .is_empty()
    );
}

#[test]
fn stale_levels_are_replanned_in_small_batches_and_a_rest_is_rebatched_as_planned() {
    let f = big(3);
    let plan = f.plan(&InventoryScope::All);
    assert_eq!(plan.summary.changed, 6);
    let levels: Vec<&PlannedLevel> = plan.levels().collect();
    // Every level went stale; nothing changed in Shopify meanwhile, so the re-plan has the
    // same targets, one quantity per batch, under the retry run.
    let index = f.index();
    let replan = replan_levels(&plan.run, &levels, f.inputs(&index), 2, 1);
    assert_eq!(replan.batches.len(), 6);
    assert!(replan.batches.iter().all(|b| b.levels.len() == 1));
    assert_eq!(replan.run.id(), "run-1.retry-2");
    assert_eq!(
        replan.levels().map(|l| l.target).collect::<Vec<_>>(),
        plan.levels().map(|l| l.target).collect::<Vec<_>>()
    );
    // A refused batch's rest, rebatched by four: the same quantities in the same order, each
    // batch's key the one the client derives from its input.
    let rest: Vec<PlannedLevel> = plan.levels().skip(1).cloned().collect();
    let (batches, unencodable) = batch_levels(&plan.run, rest.clone(), 4);
    assert!(unencodable.is_empty());
    assert_eq!(
        batches.iter().map(|b| b.levels.len()).collect::<Vec<_>>(),
        [4, 1]
    );
    let resent: Vec<&PlannedLevel> = batches.iter().flat_map(|b| &b.levels).collect();
    assert_eq!(resent, rest.iter().collect::<Vec<_>>());
    for batch in &batches {
        let mut variables = serde_json::Map::new();
        variables.insert(
            "input".to_owned(),
            serde_json::to_value(&batch.input).unwrap(),
        );
        assert_eq!(
            batch.idempotency_key,
            crate::shopify::idempotency_key(
                SET_QUANTITIES_OPERATION,
                &serde_json::Value::Object(variables)
            )
        );
        for (quantity, level) in batch.input.quantities.iter().zip(&batch.levels) {
            assert_eq!(quantity.quantity, level.target);
            assert_eq!(quantity.change_from_quantity, Some(level.shopify_available));
        }
    }
    // Sizes out of range are brought into 1..=250.
    assert_eq!(batch_levels(&plan.run, rest, 0).0.len(), 5);
}

#[test]
fn drift_classifies_every_cause() {
    let mut f = Fixture::new();
    // location 2 only (fed by WH-B): level per SKU.
    f.locations = LocationMap::new().with(sloc(2), [kloc("WH-B")]);
    let simple_sku = |f: &mut Fixture, id: &str, sku: &str, n: u64, shopify: i64, stock: i64| {
        f.items.push(simple(id, sku));
        f.variants.push(sold(n, sku, n));
        f.levels.push(level(n, 2, shopify));
        f.records.push(total(id, "WH-B", stock, 0));
    };
    simple_sku(&mut f, "a", "SYNC", 1, 10, 10);
    simple_sku(&mut f, "b", "ORDERS", 2, 8, 10);
    f.in_flight.push(InFlightDemand::new("ORDERS", None, 2));
    simple_sku(&mut f, "c", "BUFFER", 3, 7, 10);
    f.buffers = BufferRules::new().for_sku("BUFFER", BufferRule::units(3));
    simple_sku(&mut f, "d", "FOREIGN", 4, 4, 10);
    simple_sku(&mut f, "e", "ODD", 5, 6, 10);
    simple_sku(&mut f, "g", "AFTER", 6, 1, 10);
    f.levels.last_mut().unwrap().updated_at = t(30);
    f.variants.push(sold(7, "GHOST", 7));
    f.levels.push(level(7, 2, 3));
    f.items.push(simple("u", "UNTRACKED"));
    f.variants.push(untracked(sold(8, "UNTRACKED", 8)));
    f.levels.push(level(8, 2, 0));
    f.items.push(simple("p", "PARENT"));
    f.variants
        .push(bundle(sold(9, "PARENT", 9), &[(1, "SYNC", 1)]));
    f.levels.push(level(9, 2, 5));
    f.levels.push(level(1, 4, 2)); // SYNC at unmapped location 4.

    let index = f.index();
    let pushed = vec![PushedLevel::new(
        crate::shopify::InventoryItemId::from_numeric(90_006),
        sloc(2),
        10,
        t(10),
    )];
    let foreign = vec![InventoryLevelUpdate {
        inventory_item_id: 90_004,
        location_id: 2,
        available: Some(4),
        updated_at: t(20),
    }];
    let report = report_drift(
        f.inputs(&index),
        DriftEvidence {
            pushed: &pushed,
            foreign_updates: &foreign,
        },
        t(40),
    );
    let causes: Vec<(Option<&str>, u64, DriftCause)> = report
        .entries
        .iter()
        .map(|e| (e.sku.as_deref(), e.location_id.numeric_id(), e.cause))
        .collect();
    assert_eq!(
        causes,
        vec![
            (Some("AFTER"), 2, DriftCause::ChangedInShopify),
            (Some("BUFFER"), 2, DriftCause::Buffer),
            (Some("FOREIGN"), 2, DriftCause::ChangedInShopify),
            (Some("GHOST"), 2, DriftCause::UnknownSku),
            (Some("ODD"), 2, DriftCause::Unexplained),
            (Some("ORDERS"), 2, DriftCause::InFlightOrders),
            (Some("PARENT"), 2, DriftCause::BundleParent),
            (Some("UNTRACKED"), 2, DriftCause::UntrackedItem),
            (Some("SYNC"), 4, DriftCause::UnmappedLocation),
        ]
    );
    assert_eq!(report.summary.compared, 6);
    assert_eq!(report.summary.in_sync, 1);
    let buffer = &report.entries[1];
    assert_eq!(
        (buffer.stokly, buffer.buffer, buffer.target, buffer.shopify),
        (Some(10), 3, Some(7), 7)
    );

    let markdown = report.to_markdown();
    assert!(
        markdown.contains("| 2 | BUFFER | 3 | 10 | 0 | 3 | 7 | 7 | buffer |"),
        "{markdown}"
    );
    assert!(markdown.contains("- changed in Shopify by someone else: 2"));
    let html = report.to_html();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<td>unexplained</td>"));
}

#[test]
fn reports_escape_every_text() {
    let mut f = Fixture::new();
    f.variants
        .push(sold(1, "<script>alert('x')</script>|&\"", 1));
    f.levels.push(level(1, 1, 2));
    let index = f.index();
    let report = report_drift(f.inputs(&index), DriftEvidence::default(), t(0));
    let html = report.to_html();
    assert!(!html.contains("<script>"), "{html}");
    assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;|&amp;&quot;"));
    let markdown = report.to_markdown();
    assert!(!markdown.contains("<script>"));
    assert!(
        markdown.contains("&lt;script&gt;alert('x')&lt;/script&gt;\\|&amp;\""),
        "{markdown}"
    );
}

#[test]
fn echoes_are_recognised_inside_the_window_only() {
    let window = Duration::minutes(5);
    let pushes = vec![
        PushedLevel::new(
            crate::shopify::InventoryItemId::from_numeric(7),
            sloc(2),
            12,
            t(10),
        ),
        PushedLevel::new(
            crate::shopify::InventoryItemId::from_numeric(7),
            sloc(2),
            9,
            t(11),
        ),
    ];
    let update: InventoryLevelUpdate = serde_json::from_value(serde_json::json!({
        "inventory_item_id": 7, "location_id": 2, "available": 12,
        "updated_at": "2026-03-01T10:10:01Z",
        "admin_graphql_api_id": "gid://shopify/InventoryLevel/2?inventory_item_id=7"
    }))
    .unwrap();
    // Delivered out of order, after the later push: still our echo.
    assert_eq!(
        classify_level_update(&update, &pushes, window, t(12)),
        LevelUpdateOrigin::OwnEcho {
            pushed: pushes[0].clone()
        }
    );
    // Too late.
    assert_eq!(
        classify_level_update(&update, &pushes, window, t(16)),
        LevelUpdateOrigin::Foreign
    );
    // Another quantity, location or item.
    let mut other = update.clone();
    other.available = Some(11);
    assert_eq!(
        classify_level_update(&other, &pushes, window, t(12)),
        LevelUpdateOrigin::Foreign
    );
    let mut other = update.clone();
    other.location_id = 3;
    assert_eq!(
        classify_level_update(&other, &pushes, window, t(12)),
        LevelUpdateOrigin::Foreign
    );
    let mut other = update.clone();
    other.available = None;
    assert_eq!(
        classify_level_update(&other, &pushes, window, t(12)),
        LevelUpdateOrigin::Foreign
    );
    // A change from before the push cannot be its echo.
    let mut other = update;
    other.updated_at = t(2);
    assert_eq!(
        classify_level_update(&other, &pushes, window, t(12)),
        LevelUpdateOrigin::Foreign
    );
}

#[test]
fn findings_become_exception_records() {
    let f = composites();
    let mut f = f;
    f.variants.push(bundle(sold(20, "B", 20), &[(1, "C1", 1)]));
    f.levels.push(level(20, 1, 0));
    let plan = f.plan(&InventoryScope::All);
    let record = plan.findings[0].to_record();
    assert_eq!(record.code, "native_bundle_parent");
    assert_eq!(
        record.key(),
        "inventory/native_bundle_parent/gid://shopify/ProductVariant/20"
    );
}

fn arbitrary_fixture() -> impl Strategy<Value = (Fixture, Vec<u64>)> {
    let sku = (
        0_i64..40,
        0_i64..5,
        0_i64..60,
        any::<bool>(),
        any::<bool>(),
        0_u32..8,
        0_u32..4,
    );
    (prop::collection::vec(sku, 1..25), 0_u32..6, 0_u32..60).prop_map(|(skus, units, percent)| {
        let mut f = Fixture::new();
        f.buffers = BufferRules::new()
            .global(BufferRule::units(units))
            .at_location(
                sloc(2),
                BufferRule::percent(Decimal::from(percent), BufferRounding::Up).unwrap(),
            );
        let mut numbers = Vec::new();
        for (i, (on_hand, quarantined, shopify, is_bundle, is_untracked, demand, kit)) in
            skus.into_iter().enumerate()
        {
            let n = i as u64 + 1;
            let id = format!("i{n}");
            let sku = format!("S{n}");
            let mut v = sold(n, &sku, n);
            if is_bundle {
                v = bundle(v, &[(1, "S1", 1)]);
            }
            if is_untracked {
                v = untracked(v);
            }
            if kit == 0 && n > 1 {
                f.items
                    .push(with_format(simple(&id, &sku), ItemFormat::Composite));
                f.composites.push(
                    item_id(&id),
                    ComponentLine::new(item_id("i1"), Some(Decimal::from(n % 3 + 1))),
                );
            } else {
                f.items.push(simple(&id, &sku));
            }
            f.variants.push(v);
            for location in 1..=3 {
                f.levels.push(level(n, location, shopify - 10));
            }
            f.records.push(total(&id, "WH-A", on_hand - 5, quarantined));
            f.records.push(rec(&id, "WH-B", "bin", on_hand, 0));
            f.in_flight.push(InFlightDemand::new(sku, None, demand));
            numbers.push(n);
        }
        (f, numbers)
    })
}

proptest! {
    #[test]
    fn availability_is_never_negative((f, numbers) in arbitrary_fixture()) {
        for n in numbers {
            for location in 1..=2 {
                if let Ok(a) = f.available(&format!("i{n}"), location) {
                    prop_assert!(a.available >= 0);
                    prop_assert!(a.available <= a.sellable);
                    prop_assert!(a.buffer >= 0);
                }
            }
        }
    }

    #[test]
    fn plans_never_write_what_they_must_not((f, _) in arbitrary_fixture()) {
        let plan = f.plan(&InventoryScope::All);
        let mut pairs = BTreeSet::new();
        for batch in &plan.batches {
            prop_assert!(!batch.input.quantities.is_empty());
            prop_assert!(batch.input.quantities.len() <= MAX_QUANTITIES_PER_BATCH);
            for q in &batch.input.quantities {
                prop_assert!(pairs.insert((q.inventory_item_id.clone(), q.location_id.clone())));
                prop_assert!(f.locations.is_mapped(&q.location_id));
                prop_assert!(q.quantity >= 0);
                prop_assert!(q.change_from_quantity != Some(q.quantity));
                let variant = f
                    .variants
                    .iter()
                    .find(|v| v.inventory_item.id == q.inventory_item_id)
                    .unwrap();
                prop_assert!(!variant.requires_components);
                prop_assert!(variant.inventory_item.tracked);
            }
        }
    }
}

#[test]
fn bin_rows_whose_sum_overflows_a_decimal_are_out_of_range_for_that_item_only() {
    let mut f = Fixture::new();
    f.sku("a", "A", 1, 0);
    f.sku("b", "B", 2, 0);
    let half = Decimal::from_i128_with_scale(50_000_000_000_000_000_000_000_000_000, 0);
    let mut bin1 = rec("a", "WH-B", "BIN-1", 0, 0);
    bin1.on_hand = Some(half);
    let mut bin2 = rec("a", "WH-B", "BIN-2", 0, 0);
    bin2.on_hand = Some(half);
    let mut q1 = rec("b", "WH-A", "BIN-1", 5, 0);
    q1.quarantined = Some(half);
    let mut q2 = rec("b", "WH-A", "BIN-2", 5, 0);
    q2.quarantined = Some(half);
    f.records = vec![bin1, bin2, q1, q2, rec("b", "WH-B", "BIN-1", 7, 0)];
    let a = ItemRef::of(f.index().stokly_item(&item_id("a")).unwrap());
    let b = ItemRef::of(f.index().stokly_item(&item_id("b")).unwrap());
    let out_of_range = |item: &ItemRef, location: &str, field| {
        Err(InventoryFinding::QuantityOutOfRange {
            item: item.clone(),
            location: location.to_owned(),
            field,
            value: Decimal::MAX,
        })
    };
    assert_eq!(
        f.available("a", 2),
        out_of_range(&a, "WH-B", StockField::OnHand)
    );
    assert_eq!(
        f.available("a", 1),
        out_of_range(&a, "WH-B", StockField::OnHand)
    );
    assert_eq!(
        f.available("b", 1),
        out_of_range(&b, "WH-A", StockField::Quarantined)
    );
    // WH-A does not feed location 2: b's stock there is still computed.
    assert_eq!(f.available("b", 2).unwrap().available, 7);
    // A location total replaces the overflowing bin rows.
    f.records.push(total("a", "WH-B", 4, 0));
    assert_eq!(f.available("a", 2).unwrap().available, 4);
}

#[test]
fn in_flight_demand_that_overflows_a_decimal_is_out_of_range_never_a_panic() {
    let mut f = composites();
    let huge = Decimal::from(100_000_000_000_000_000_000_u128); // 1e20 per kit
    f.composites.push(
        item_id("kit"),
        ComponentLine::new(item_id("c3"), Some(huge)),
    );
    // 1e9 kits x 1e20 = 1e29 units of C3: beyond a decimal.
    f.in_flight = vec![InFlightDemand::new("KIT", Some(sloc(2)), 1_000_000_000)];
    let c3 = ItemRef::of(f.index().stokly_item(&item_id("c3")).unwrap());
    let overflow = Err(InventoryFinding::QuantityOutOfRange {
        item: c3,
        location: sloc(2).to_string(),
        field: StockField::InFlight,
        value: Decimal::MAX,
    });
    assert_eq!(f.available("c3", 2), overflow);
    assert_eq!(f.available("kit", 2), overflow);
    // Demand at location 2 only: location 1 is untouched.
    assert_eq!(f.available("c3", 1).unwrap().available, 5);

    // Added to demand counted everywhere, an in-range share still overflows.
    f.in_flight = vec![
        InFlightDemand::new("KIT", None, 500_000_000),
        InFlightDemand::new("KIT", Some(sloc(1)), 500_000_000),
    ];
    let c3 = ItemRef::of(f.index().stokly_item(&item_id("c3")).unwrap());
    assert_eq!(
        f.available("c3", 1),
        Err(InventoryFinding::QuantityOutOfRange {
            item: c3,
            location: sloc(1).to_string(),
            field: StockField::InFlight,
            value: Decimal::MAX,
        })
    );
    // 5e28 everywhere fits; ceil to i64 saturates and C3 has nothing to sell.
    let c3_at_2 = f.available("c3", 2).unwrap();
    assert_eq!((c3_at_2.in_flight, c3_at_2.available), (i64::MAX, 0));
}

#[test]
fn component_quantities_whose_sum_overflows_are_out_of_range() {
    let mut f = composites();
    for _ in 0..2 {
        f.composites.push(
            item_id("duo"),
            ComponentLine::new(item_id("c3"), Some(Decimal::MAX)),
        );
    }
    let duo = ItemRef::of(f.index().stokly_item(&item_id("duo")).unwrap());
    assert_eq!(
        f.available("duo", 2),
        Err(InventoryFinding::QuantityOutOfRange {
            item: duo,
            location: sloc(2).to_string(),
            field: StockField::PerComposite,
            value: Decimal::MAX,
        })
    );
}

#[test]
fn a_tiny_component_quantity_that_overflows_the_division_is_out_of_range() {
    let mut f = composites();
    f.composites.push(
        item_id("duo"),
        ComponentLine::new(item_id("c3"), Some(Decimal::new(1, 28))),
    );
    // C3 has 5 sellable; 5 / 1e-28 = 5e28 fits; C2 10 / 1 = 10 is scarcer.
    assert_eq!(f.available("duo", 2).unwrap().stock, 10);
    f.records = vec![total("c2", "WH-B", 11, 1), total("c3", "WH-B", 8, 0)];
    // 8 / 1e-28 = 8e28 does not fit a decimal.
    let duo = ItemRef::of(f.index().stokly_item(&item_id("duo")).unwrap());
    assert_eq!(
        f.available("duo", 2),
        Err(InventoryFinding::QuantityOutOfRange {
            item: duo,
            location: sloc(2).to_string(),
            field: StockField::ComputedTotal,
            value: Decimal::MAX,
        })
    );
}

#[test]
fn drift_compares_stock_less_in_flight_without_overflow() {
    assert!(drift::explained_by_in_flight(3, 5, 2));
    assert!(!drift::explained_by_in_flight(5, 5, 0));
    assert!(!drift::explained_by_in_flight(0, -2, i64::MAX));
    assert!(!drift::explained_by_in_flight(i64::MIN, -2, i64::MAX));
    assert!(drift::explained_by_in_flight(-i64::MAX, 0, i64::MAX));
}

#[test]
fn a_level_webhook_with_an_id_outside_shopifys_range_does_not_decode() {
    let body = |item: serde_json::Value, location: serde_json::Value| {
        serde_json::from_value::<InventoryLevelUpdate>(serde_json::json!({
            "inventory_item_id": item, "location_id": location, "available": 1,
            "updated_at": "2026-03-01T10:10:01Z"
        }))
    };
    assert!(body(7.into(), 2.into()).is_ok());
    let zero = body(0.into(), 2.into()).unwrap_err().to_string();
    assert!(zero.contains("0 is not a Shopify ID"), "{zero}");
    let huge = body(7.into(), (u64::MAX).into()).unwrap_err().to_string();
    assert!(huge.contains("is not a Shopify ID"), "{huge}");
    // One past the largest signed 64-bit number: the ID would not parse back.
    assert!(body((i64::MAX as u64 + 1).into(), 2.into()).is_err());
    assert!(body((i64::MAX as u64).into(), 2.into()).is_ok());
}
