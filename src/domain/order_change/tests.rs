//! Exact-behaviour tests of the order-change decision, on drafts mapped from the Shopify
//! order fixture `vat_included_discounts` (T-shirt 2 x, Mug 1 x, gift wrap removed,
//! Standard shipping; total 46.50 GBP, VAT included).

use chrono::{DateTime, TimeZone, Utc};
use rust_decimal::Decimal;

use super::*;
use crate::domain::catalogue::test_support::simple;
use crate::domain::catalogue::{SkuIndex, StoklyCatalogue};
use crate::domain::exception::{DomainException, Flow, Owner, RecordRef, Severity};
use crate::domain::order::{
    GlAccountCode, OrderGate, OrderMappingConfig, SaleOrderDraft, TaxAccountMap, TaxKey, map_order,
};
use crate::domain::ports::{RecordingSaleOrderChanges, SaleOrderChangeCall, SaleOrderChanges};
use crate::money::{CurrencyCode, Money};
use crate::shopify::model::{FinancialStatus, MoneyBag, Order};
use crate::shopify::{LineItemId, OrderId};
use crate::stokly::model::{Address, FulfilmentType, SaleOrder, SaleOrderLine};
use crate::stokly::{ItemId, SaleOrderId, SaleOrderLineId};

// ----- Shopify side -----

fn fixture() -> Order {
    let text = include_str!("../../../tests/fixtures/shopify/orders/vat_included_discounts.json");
    let value: serde_json::Value = serde_json::from_str(text).unwrap();
    serde_json::from_value(value["data"]["order"].clone()).unwrap()
}

fn index() -> SkuIndex {
    let items = vec![
        simple("i-tshirt", "TSHIRT-RED-M"),
        simple("i-mug", "MUG-BLUE"),
        simple("i-wrap", "GIFT-WRAP"),
        simple("i-socks", "SOCKS-3PK"),
    ];
    SkuIndex::build(StoklyCatalogue::new(&items), &[])
}

fn mapping() -> OrderMappingConfig {
    let vat = TaxKey::new("VAT", Some(Decimal::new(2, 1)), Some("Shopify"), false);
    let accounts = TaxAccountMap::new().with(vat, GlAccountCode::new("2200").unwrap());
    // An edited or refunded order is no longer `PAID`; its re-read must still map.
    let gate = OrderGate::paid_only().with_statuses([
        FinancialStatus::Paid,
        FinancialStatus::PartiallyPaid,
        FinancialStatus::PartiallyRefunded,
    ]);
    OrderMappingConfig::new(
        crate::stokly::ChannelId::new("chan-shopify").unwrap(),
        accounts,
    )
    .with_gate(gate)
}

fn map(order: &Order) -> SaleOrderDraft {
    // The hand edits below change lines and totals; Shopify's tax and outstanding figures
    // follow them.
    let mut order = order.clone();
    crate::domain::order::test_support::settle_figures(&mut order);
    map_order(&order, &index(), &mapping()).unwrap()
}

fn posted() -> SaleOrderDraft {
    map(&fixture())
}

fn gbp(cents: i64) -> Money {
    Money::new(Decimal::new(cents, 2), CurrencyCode::GBP)
}

fn bag(cents: i64) -> MoneyBag {
    MoneyBag {
        shop_money: gbp(cents),
        presentment_money: gbp(cents),
    }
}

/// Sets a line's units and Shopify's amounts for all of them (before removals).
fn set_line(order: &mut Order, index: usize, units: (i64, i64), cents: (i64, i64, i64)) {
    let (quantity, current) = units;
    let (original, discount, tax) = cents;
    let line = &mut order.line_items.nodes[index];
    line.quantity = quantity;
    line.current_quantity = current;
    line.original_total_set = bag(original);
    line.total_discount_set = bag(discount);
    line.tax_lines[0].price_set = bag(tax);
}

fn set_total(order: &mut Order, cents: i64) {
    order.current_total_price_set = bag(cents);
    crate::domain::order::test_support::settle_figures(order);
}

/// T-shirt 2 -> 1: half of 33.00 gross (VAT 2.75 of 5.50, discount 3.50 of 7.00).
fn tshirt_down(order: &mut Order) {
    order.line_items.nodes[0].current_quantity = 1;
    set_total(order, 3000);
}

/// T-shirt 2 -> 3 by an edit: 60.00 less 10.50 discount = 49.50 gross, VAT 8.25.
fn tshirt_up(order: &mut Order) {
    set_line(order, 0, (3, 3), (6000, 1050, 825));
    set_total(order, 6300);
}

/// A new line 14: socks, 1 x 6.00, VAT 1.00.
fn socks_added(order: &mut Order) {
    let mut socks = order.line_items.nodes[1].clone();
    socks.id = LineItemId::from_numeric(14);
    socks.sku = Some("SOCKS-3PK".into());
    socks.name = "Socks - 3 pack".into();
    socks.discount_allocations.clear();
    order.line_items.nodes.push(socks);
    set_line(order, 3, (1, 1), (600, 0, 100));
    let total = order.current_total_price_set.shop_money.amount() + Decimal::new(600, 2);
    order.current_total_price_set = bag((total * Decimal::from(100)).try_into().unwrap());
}

/// The mug is removed by an edit (no current units).
fn mug_removed(order: &mut Order) {
    order.line_items.nodes[1].current_quantity = 0;
    let total = order.current_total_price_set.shop_money.amount() - Decimal::new(1100, 2);
    order.current_total_price_set = bag((total * Decimal::from(100)).try_into().unwrap());
}

fn address_changed(order: &mut Order) {
    let address = order.shipping_address.as_mut().unwrap();
    address.address1 = Some("1 Difference Engine Lane".into());
    address.zip = Some("N1 9GU".into());
}

fn cancelled_at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 12, 0, 0).unwrap()
}

fn cancellation() -> Cancellation {
    Cancellation::CancelledInShopify {
        at: cancelled_at(),
        reason: Some("CUSTOMER".into()),
    }
}

fn cancelled() -> ShopifyOrderState<'static> {
    ShopifyOrderState::Cancelled {
        at: cancelled_at(),
        reason: Some("CUSTOMER".into()),
    }
}

// ----- Stokly side -----

fn line_json(id: &str, item: &str, quantity: i64, status: &str) -> serde_json::Value {
    serde_json::json!({
        "lineId": id, "type": "item", "referenceId": item, "quantity": quantity,
        "status": status, "itemSku": "x"
    })
}

fn stokly_with(stage: &str, lines: Vec<serde_json::Value>) -> (SaleOrder, Vec<SaleOrderLine>) {
    let statuses: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|l| l.get("parentId").is_none())
        .map(|l| &l["status"])
        .collect();
    let order = serde_json::from_value(serde_json::json!({
        "saleOrderId": "so-1", "niceId": 1001, "sourceReferenceId": "5501",
        "stage": stage, "itemStatuses": statuses,
    }))
    .unwrap();
    let lines = serde_json::from_value(serde_json::Value::Array(lines)).unwrap();
    (order, lines)
}

/// The posted order as Stokly holds it: l-1 T-shirt x 2, l-2 Mug x 1.
fn stokly(stage: &str, statuses: [&str; 2]) -> (SaleOrder, Vec<SaleOrderLine>) {
    stokly_with(
        stage,
        vec![
            line_json("l-1", "i-tshirt", 2, statuses[0]),
            line_json("l-2", "i-mug", 1, statuses[1]),
        ],
    )
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum At {
    NotReleased,
    Released,
    Picking,
    Dispatched,
}

const EVERY_STEP: [At; 4] = [At::NotReleased, At::Released, At::Picking, At::Dispatched];
const EVERY_CUT_OFF: [CutOff; 3] = [
    CutOff::BeforeRelease,
    CutOff::BeforePicking,
    CutOff::BeforeDispatch,
];

fn stokly_at(at: At) -> (SaleOrder, Vec<SaleOrderLine>) {
    match at {
        At::NotReleased => stokly("draft", ["unprocessed", "unprocessed"]),
        At::Released => stokly("order", ["unprocessed", "unprocessed"]),
        At::Picking => stokly("order", ["picked", "unprocessed"]),
        At::Dispatched => stokly("order", ["unprocessed", "dispatched"]),
    }
}

fn progress_of(at: At) -> StoklyProgress {
    match at {
        At::NotReleased => StoklyProgress::NotReleased,
        At::Released => StoklyProgress::Released,
        At::Picking => StoklyProgress::Picking,
        At::Dispatched => StoklyProgress::Dispatched,
    }
}

/// Whether `cut_off` lets a change through at `at`: the policy, spelled out.
fn admitted(cut_off: CutOff, at: At) -> bool {
    matches!(
        (cut_off, at),
        (CutOff::BeforeRelease, At::NotReleased)
            | (CutOff::BeforePicking, At::NotReleased | At::Released)
            | (
                CutOff::BeforeDispatch,
                At::NotReleased | At::Released | At::Picking
            )
    )
}

fn decide_live(
    current: &SaleOrderDraft,
    stokly: &(SaleOrder, Vec<SaleOrderLine>),
    cut_off: CutOff,
) -> OrderChangeDecision {
    decide_order_change(
        &posted(),
        &ShopifyOrderState::Live(current),
        &stokly.0,
        &stokly.1,
        &OrderChangeConfig::new(cut_off),
    )
}

fn so() -> SaleOrderId {
    SaleOrderId::new("so-1").unwrap()
}

fn line_id(id: &str) -> SaleOrderLineId {
    SaleOrderLineId::new(id).unwrap()
}

fn amend(decision: OrderChangeDecision) -> (Vec<OrderChange>, Vec<OrderAmendment>) {
    match decision {
        OrderChangeDecision::Amend {
            sale_order,
            changes,
            amendments,
        } => {
            assert_eq!(sale_order, so());
            (changes, amendments)
        }
        other => panic!("expected an amendment, got {other:?}"),
    }
}

fn exception(decision: OrderChangeDecision) -> OrderChangeException {
    match decision {
        OrderChangeDecision::Review { exception } => exception,
        other => panic!("expected a review, got {other:?}"),
    }
}

// ----- progress -----

#[test]
fn progress_is_read_from_the_stage_and_the_most_advanced_line() {
    let of = |stage: &str, statuses: [&str; 2]| {
        let (order, lines) = stokly(stage, statuses);
        StoklyProgress::of(&order, &lines)
    };
    let u = "unprocessed";
    assert_eq!(of("order", [u, u]), StoklyProgress::Released);
    assert_eq!(of("draft", [u, u]), StoklyProgress::NotReleased);
    assert_eq!(of("Quote", [u, u]), StoklyProgress::NotReleased);
    assert_eq!(of("order", ["allocated", u]), StoklyProgress::Picking);
    assert_eq!(of("order", ["PICKING", u]), StoklyProgress::Picking);
    assert_eq!(of("order", ["packed", u]), StoklyProgress::Picking);
    // Part-dispatched: the most advanced line decides.
    assert_eq!(
        of("order", ["picked", "collected"]),
        StoklyProgress::Dispatched
    );
    assert_eq!(of("order", ["shipped", u]), StoklyProgress::Dispatched);
    assert_eq!(of("draft", ["fulfilled", u]), StoklyProgress::Dispatched);
    assert_eq!(of("removed", ["dispatched", u]), StoklyProgress::Removed);
    assert_eq!(
        of("order", ["awaiting_courier", "on_hold"]),
        StoklyProgress::Unrecognised {
            what: vec![
                "status \"awaiting_courier\"".into(),
                "status \"on_hold\"".into()
            ]
        }
    );
    // An unknown status outranks a known one: it may be further along.
    assert!(matches!(
        of("order", ["dispatched", "mystery"]),
        StoklyProgress::Unrecognised { .. }
    ));
    assert_eq!(
        of("archived", [u, u]),
        StoklyProgress::Unrecognised {
            what: vec!["stage \"archived\"".into()]
        }
    );

    // No stage, no statuses, a line without status: nothing to judge by.
    let (mut order, lines) = stokly("order", [u, u]);
    order.stage = None;
    assert_eq!(
        StoklyProgress::of(&order, &lines),
        StoklyProgress::Unrecognised {
            what: vec!["no stage".into()]
        }
    );
    let (order, _) = stokly_with("order", Vec::new());
    assert_eq!(
        StoklyProgress::of(&order, &[]),
        StoklyProgress::Unrecognised {
            what: vec!["no line status".into()]
        }
    );
    let (order, mut lines) = stokly("order", [u, u]);
    lines[1].status = None;
    assert_eq!(
        StoklyProgress::of(&order, &lines),
        StoklyProgress::Unrecognised {
            what: vec!["line l-2: no status".into()]
        }
    );
}

#[test]
fn each_cut_off_admits_exactly_the_steps_before_it() {
    for cut_off in EVERY_CUT_OFF {
        for at in EVERY_STEP {
            assert_eq!(
                cut_off.admits(&progress_of(at)),
                admitted(cut_off, at),
                "{cut_off:?} at {at:?}"
            );
        }
        assert!(!cut_off.admits(&StoklyProgress::Removed));
        assert!(!cut_off.admits(&StoklyProgress::Unrecognised { what: vec![] }));
    }
    assert_eq!(
        OrderChangeConfig::default().cut_off(),
        CutOff::BeforePicking
    );
}

// ----- no change -----

#[test]
fn identical_input_is_no_change_at_every_step_and_even_with_unknown_statuses() {
    let current = posted();
    for cut_off in EVERY_CUT_OFF {
        for at in EVERY_STEP {
            assert_eq!(
                decide_live(&current, &stokly_at(at), cut_off),
                OrderChangeDecision::NoChange
            );
        }
        let unknown = stokly("order", ["mystery", "unprocessed"]);
        assert_eq!(
            decide_live(&current, &unknown, cut_off),
            OrderChangeDecision::NoChange
        );
    }
    // Payments, tags and the customer are not compared.
    let mut order = fixture();
    order.tags.push("vip".into());
    order.email = Some("other@example.com".into());
    assert_eq!(diff_drafts(&posted(), &map(&order)), Vec::new());
}

// ----- each change before the cut-off, with exact amendments -----

#[test]
fn quantity_down_amends_the_line_with_shopifys_new_amounts() {
    let mut order = fixture();
    tshirt_down(&mut order);
    let current = map(&order);
    let (changes, amendments) = amend(decide_live(
        &current,
        &stokly_at(At::Released),
        CutOff::BeforePicking,
    ));
    let [
        OrderChange::QuantityChanged {
            line,
            from,
            to,
            before,
            after,
        },
    ] = changes.as_slice()
    else {
        panic!("one quantity change expected: {changes:?}")
    };
    assert_eq!(line.shopify_line_id, LineItemId::from_numeric(11));
    assert_eq!(line.item_id.as_str(), "i-tshirt");
    assert_eq!((*from, *to), (2, 1));
    assert_eq!(before.line_total, gbp(3300));
    assert_eq!(after.line_price, gbp(1375));
    assert_eq!(after.line_tax, gbp(275));
    assert_eq!(after.line_discount, gbp(350));
    assert_eq!(after.line_total, gbp(1650));
    assert_eq!(after.unit_price, Decimal::new(1375, 2));

    let [
        OrderAmendment::UpdateLine {
            line_id: stokly_line,
            shopify_line_id,
            line,
        },
    ] = amendments.as_slice()
    else {
        panic!("one line update expected: {amendments:?}")
    };
    assert_eq!(stokly_line, &line_id("l-1"));
    assert_eq!(shopify_line_id, &LineItemId::from_numeric(11));
    assert_eq!(line.reference_id.as_str(), "i-tshirt");
    assert_eq!(line.quantity, Decimal::from(1));
    assert_eq!(line.display_price, Some(Decimal::new(1375, 2)));
    assert_eq!(line.display_tax, Some(Decimal::new(275, 2)));
    assert_eq!(line.display_discount, Some(Decimal::new(350, 2)));
    assert_eq!(line.display_line_price, Some(Decimal::new(1375, 2)));
    assert_eq!(line.display_line_tax, Some(Decimal::new(275, 2)));
    assert_eq!(line.display_line_discount, Some(Decimal::new(350, 2)));
    assert_eq!(line.display_line_total, Some(Decimal::new(1650, 2)));
    assert_eq!(line.fulfilment_type, Some(FulfilmentType::Delivery));
}

#[test]
fn quantity_up_amends_the_line_with_shopifys_new_amounts() {
    let mut order = fixture();
    tshirt_up(&mut order);
    let current = map(&order);
    let (changes, amendments) = amend(decide_live(
        &current,
        &stokly_at(At::NotReleased),
        CutOff::BeforeRelease,
    ));
    let [
        OrderChange::QuantityChanged {
            from, to, after, ..
        },
    ] = changes.as_slice()
    else {
        panic!("one quantity change expected: {changes:?}")
    };
    assert_eq!((*from, *to), (2, 3));
    assert_eq!(after.line_total, gbp(4950));
    assert_eq!(after.line_tax, gbp(825));
    assert_eq!(after.line_price, gbp(4125));
    assert_eq!(after.line_discount, gbp(1050));
    let [
        OrderAmendment::UpdateLine {
            line_id: l, line, ..
        },
    ] = amendments.as_slice()
    else {
        panic!("one line update expected: {amendments:?}")
    };
    assert_eq!(l, &line_id("l-1"));
    assert_eq!(line.quantity, Decimal::from(3));
    assert_eq!(line.display_price, Some(Decimal::new(1375, 2)));
    assert_eq!(line.display_line_price, Some(Decimal::new(4125, 2)));
    assert_eq!(line.display_line_tax, Some(Decimal::new(825, 2)));
    assert_eq!(line.display_line_total, Some(Decimal::new(4950, 2)));
}

#[test]
fn an_added_line_is_added_with_its_amounts() {
    let mut order = fixture();
    socks_added(&mut order);
    let current = map(&order);
    let (changes, amendments) = amend(decide_live(
        &current,
        &stokly_at(At::Picking),
        CutOff::BeforeDispatch,
    ));
    let [OrderChange::LineAdded { line: added }] = changes.as_slice() else {
        panic!("one added line expected: {changes:?}")
    };
    assert_eq!(added.shopify_line_id, LineItemId::from_numeric(14));
    assert_eq!(added.item_id.as_str(), "i-socks");
    assert_eq!(added.line_total, gbp(600));
    let [
        OrderAmendment::AddLine {
            shopify_line_id,
            line,
        },
    ] = amendments.as_slice()
    else {
        panic!("one added line expected: {amendments:?}")
    };
    assert_eq!(shopify_line_id, &LineItemId::from_numeric(14));
    assert_eq!(line.reference_id.as_str(), "i-socks");
    assert_eq!(line.quantity, Decimal::from(1));
    assert_eq!(line.display_price, Some(Decimal::new(500, 2)));
    assert_eq!(line.display_tax, Some(Decimal::new(100, 2)));
    assert_eq!(line.display_line_total, Some(Decimal::new(600, 2)));
}

#[test]
fn a_removed_line_is_removed_from_its_stokly_line() {
    let mut order = fixture();
    mug_removed(&mut order);
    let current = map(&order);
    assert_eq!(current.omitted_lines().len(), 2);
    let (changes, amendments) = amend(decide_live(
        &current,
        &stokly_at(At::Released),
        CutOff::BeforePicking,
    ));
    let [OrderChange::LineRemoved { line, quantity }] = changes.as_slice() else {
        panic!("one removed line expected: {changes:?}")
    };
    assert_eq!(line.shopify_line_id, LineItemId::from_numeric(12));
    assert_eq!(*quantity, 1);
    assert_eq!(
        amendments,
        vec![OrderAmendment::RemoveLine {
            line_id: line_id("l-2"),
            shopify_line_id: LineItemId::from_numeric(12),
            item_id: ItemId::new("i-mug").unwrap(),
        }]
    );
}

#[test]
fn an_address_change_replaces_the_shipping() {
    let mut order = fixture();
    address_changed(&mut order);
    let current = map(&order);
    let (changes, amendments) = amend(decide_live(
        &current,
        &stokly_at(At::Released),
        CutOff::BeforeDispatch,
    ));
    let [OrderChange::ShippingChanged { before, after }] = changes.as_slice() else {
        panic!("one shipping change expected: {changes:?}")
    };
    assert_eq!(before.differences(after), vec!["address"]);
    assert_eq!(
        changes[0].to_string(),
        "shipping address changed",
        "the change reads as what changed"
    );
    let [OrderAmendment::UpdateShipping { shipping }] = amendments.as_slice() else {
        panic!("one shipping update expected: {amendments:?}")
    };
    let address: &Address = shipping.address.as_ref().unwrap();
    assert_eq!(address.line1.as_deref(), Some("1 Difference Engine Lane"));
    assert_eq!(address.line2.as_deref(), Some("Flat 3"));
    assert_eq!(address.postcode.as_deref(), Some("N1 9GU"));
    assert_eq!(shipping.option.as_deref(), Some("Standard"));
    assert_eq!(shipping.cost, Some(Decimal::new(208, 2)));
    assert_eq!(shipping.tax, Some(Decimal::new(42, 2)));
}

#[test]
fn a_recipient_or_method_change_is_a_shipping_change_too() {
    let mut order = fixture();
    order.shipping_address.as_mut().unwrap().first_name = Some("Augusta".into());
    order.shipping_lines.nodes[0].title = "Next day".into();
    let changes = diff_drafts(&posted(), &map(&order));
    let [OrderChange::ShippingChanged { before, after }] = changes.as_slice() else {
        panic!("one shipping change expected: {changes:?}")
    };
    assert_eq!(before.differences(after), vec!["recipient", "method"]);
}

#[test]
fn a_price_change_at_the_same_quantity_updates_the_line() {
    let mut order = fixture();
    // An edit adds 1.00 of discount to the mug: 10.00 gross, VAT 1.67.
    set_line(&mut order, 1, (1, 1), (1200, 200, 167));
    set_total(&mut order, 4550);
    let (changes, amendments) = amend(decide_live(
        &map(&order),
        &stokly_at(At::Released),
        CutOff::BeforePicking,
    ));
    let [
        OrderChange::PriceChanged {
            quantity,
            before,
            after,
            ..
        },
    ] = changes.as_slice()
    else {
        panic!("one price change expected: {changes:?}")
    };
    assert_eq!(*quantity, 1);
    assert_eq!(
        (before.line_total, after.line_total),
        (gbp(1100), gbp(1000))
    );
    let [
        OrderAmendment::UpdateLine {
            line_id: l, line, ..
        },
    ] = amendments.as_slice()
    else {
        panic!("one line update expected: {amendments:?}")
    };
    assert_eq!(l, &line_id("l-2"));
    assert_eq!(line.display_line_total, Some(Decimal::new(1000, 2)));
    assert_eq!(line.display_line_tax, Some(Decimal::new(167, 2)));
}

#[test]
fn a_cancellation_cancels_and_no_units_left_cancels_too() {
    let posted = posted();
    let (order, lines) = stokly_at(At::Released);
    let config = OrderChangeConfig::default();
    assert_eq!(
        decide_order_change(&posted, &cancelled(), &order, &lines, &config),
        OrderChangeDecision::Cancel {
            sale_order: so(),
            cancellation: cancellation(),
        }
    );
    assert_eq!(
        decide_order_change(
            &posted,
            &ShopifyOrderState::NoUnitsLeft,
            &order,
            &lines,
            &config
        ),
        OrderChangeDecision::Cancel {
            sale_order: so(),
            cancellation: Cancellation::NoUnitsLeft,
        }
    );
}

#[test]
fn the_shopify_state_comes_from_the_re_read_order_and_its_mapping() {
    let mut order = fixture();
    let mapped = map_order(&order, &index(), &mapping());
    assert!(matches!(
        ShopifyOrderState::from_mapping(&order, &mapped),
        Ok(ShopifyOrderState::Live(_))
    ));
    order.cancelled_at = Some(cancelled_at());
    order.cancel_reason = Some("CUSTOMER".into());
    let mapped = map_order(&order, &index(), &mapping());
    assert_eq!(
        ShopifyOrderState::from_mapping(&order, &mapped),
        Ok(cancelled())
    );
    let mut order = fixture();
    order.line_items.nodes[0].current_quantity = 0;
    order.line_items.nodes[1].current_quantity = 0;
    set_total(&mut order, 250);
    let mapped = map_order(&order, &index(), &mapping());
    assert_eq!(
        ShopifyOrderState::from_mapping(&order, &mapped),
        Ok(ShopifyOrderState::NoUnitsLeft)
    );
    // A rejected re-read cannot be judged: its own exceptions are the ones to queue.
    let mut order = fixture();
    order.line_items.nodes[1].sku = Some("NO-SUCH-SKU".into());
    let mapped = map_order(&order, &index(), &mapping());
    assert!(ShopifyOrderState::from_mapping(&order, &mapped).is_err());
}

// ----- every change kind at every step under every cut-off -----

type Edit = fn(&mut Order);

const EVERY_EDIT: [(&str, Edit); 5] = [
    ("address", address_changed),
    ("quantity down", tshirt_down),
    ("quantity up", tshirt_up),
    ("line added", socks_added),
    ("line removed", mug_removed),
];

#[test]
fn every_change_is_applied_before_the_cut_off_and_reviewed_after_it() {
    let posted = posted();
    for (name, edit) in EVERY_EDIT {
        let mut order = fixture();
        edit(&mut order);
        let current = map(&order);
        let expected_changes = diff_drafts(&posted, &current);
        assert_eq!(expected_changes.len(), 1, "{name}");
        for cut_off in EVERY_CUT_OFF {
            for at in EVERY_STEP {
                let decision = decide_live(&current, &stokly_at(at), cut_off);
                if admitted(cut_off, at) {
                    let (changes, amendments) = amend(decision);
                    assert_eq!(changes, expected_changes, "{name} {cut_off:?} {at:?}");
                    assert_eq!(amendments.len(), 1, "{name} {cut_off:?} {at:?}");
                } else {
                    assert_eq!(
                        exception(decision),
                        OrderChangeException::AfterCutOff {
                            order: crate::domain::order::OrderSubject::new(
                                OrderId::from_numeric(5501),
                                "#1001"
                            ),
                            sale_order: so(),
                            changes: expected_changes.clone(),
                            progress: progress_of(at),
                            cut_off,
                        },
                        "{name} {cut_off:?} {at:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn a_cancellation_is_applied_before_the_cut_off_and_reviewed_after_it() {
    let posted = posted();
    for cut_off in EVERY_CUT_OFF {
        for at in EVERY_STEP {
            let (order, lines) = stokly_at(at);
            let config = OrderChangeConfig::new(cut_off);
            let decision = decide_order_change(&posted, &cancelled(), &order, &lines, &config);
            if admitted(cut_off, at) {
                assert_eq!(
                    decision,
                    OrderChangeDecision::Cancel {
                        sale_order: so(),
                        cancellation: cancellation(),
                    }
                );
            } else {
                let found = exception(decision);
                assert_eq!(found.code(), "cancelled_after_cut_off");
                assert_eq!(
                    found.changes(),
                    [OrderChange::Cancelled {
                        cancellation: cancellation()
                    }]
                );
            }
        }
    }
}

// ----- the exception a person reads -----

#[test]
fn several_changes_after_the_cut_off_are_listed_together_for_operations() {
    let mut order = fixture();
    tshirt_down(&mut order);
    mug_removed(&mut order);
    socks_added(&mut order);
    address_changed(&mut order);
    let current = map(&order);
    let found = exception(decide_live(
        &current,
        &stokly_at(At::Picking),
        CutOff::BeforePicking,
    ));
    let kinds: Vec<&str> = found
        .changes()
        .iter()
        .map(|c| match c {
            OrderChange::QuantityChanged { .. } => "quantity",
            OrderChange::LineRemoved { .. } => "removed",
            OrderChange::LineAdded { .. } => "added",
            OrderChange::ShippingChanged { .. } => "shipping",
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(kinds, ["quantity", "removed", "added", "shipping"]);
    assert_eq!(found.flow(), Flow::OrderChange);
    assert_eq!(found.code(), "changed_after_cut_off");
    assert_eq!(found.owner(), Owner::Operations);
    assert_eq!(found.severity(), Severity::Blocking);
    let item = |id: &str, sku: &str| RecordRef::StoklyItem {
        id: ItemId::new(id).unwrap(),
        sku: Some(sku.into()),
    };
    assert_eq!(
        found.subject(),
        vec![
            RecordRef::ShopifyOrder {
                id: OrderId::from_numeric(5501),
                name: "#1001".into()
            },
            item("i-tshirt", "TSHIRT-RED-M"),
            item("i-mug", "MUG-BLUE"),
            item("i-socks", "SOCKS-3PK"),
        ]
    );
    assert_eq!(
        found.reason(),
        "Order #1001 changed in Shopify after the cut-off (before picking): Stokly sale order \
         so-1 is allocated or being picked. Changes: line 11 \"T-shirt - Red / M\" (SKU \
         \"TSHIRT-RED-M\"): quantity 2 -> 1 (line total now 16.50 GBP); line 12 \"Mug - Blue\" \
         (SKU \"MUG-BLUE\") removed (1 units posted); line 14 \"Socks - 3 pack\" (SKU \
         \"SOCKS-3PK\") added: 1 units, line total 6.00 GBP; shipping address changed."
    );
    assert!(found.fix_hint().contains("by hand"), "{}", found.fix_hint());
    let record = found.to_record();
    assert_eq!(
        record.key(),
        "order_change/changed_after_cut_off/gid://shopify/Order/5501/stokly:item:i-tshirt/\
         stokly:item:i-mug/stokly:item:i-socks"
    );
}

#[test]
fn an_unknown_line_status_sends_any_change_to_review_under_every_cut_off() {
    let mut order = fixture();
    tshirt_down(&mut order);
    let current = map(&order);
    for cut_off in EVERY_CUT_OFF {
        let found = exception(decide_live(
            &current,
            &stokly("order", ["unprocessed", "awaiting_courier"]),
            cut_off,
        ));
        let OrderChangeException::UnrecognisedProgress { what, changes, .. } = &found else {
            panic!("unrecognised progress expected: {found:?}")
        };
        assert_eq!(what, &vec!["status \"awaiting_courier\"".to_owned()]);
        assert_eq!(changes.len(), 1);
        assert_eq!(found.code(), "unrecognised_progress");
        assert_eq!(found.owner(), Owner::Operations);
        assert!(
            found.reason().contains("awaiting_courier"),
            "{}",
            found.reason()
        );
    }
    // A cancellation too.
    let (order, lines) = stokly("order", ["unprocessed", "awaiting_courier"]);
    let found = exception(decide_order_change(
        &posted(),
        &cancelled(),
        &order,
        &lines,
        &OrderChangeConfig::new(CutOff::BeforeDispatch),
    ));
    assert_eq!(found.code(), "unrecognised_progress");
}

// ----- removed in Stokly -----

#[test]
fn removed_in_stokly_is_no_change_when_cancelled_and_a_review_when_live() {
    let posted = posted();
    let removed = stokly("removed", ["unprocessed", "unprocessed"]);
    let config = OrderChangeConfig::default();
    for state in [cancelled(), ShopifyOrderState::NoUnitsLeft] {
        assert_eq!(
            decide_order_change(&posted, &state, &removed.0, &removed.1, &config),
            OrderChangeDecision::NoChange
        );
    }
    // Live in Shopify, unchanged: still wrong in Stokly.
    let found = exception(decide_live(&posted, &removed, CutOff::BeforeDispatch));
    assert_eq!(found.code(), "removed_in_stokly");
    assert_eq!(found.owner(), Owner::Operations);
    assert!(found.changes().is_empty());
    assert!(
        found.reason().contains("nothing changed in Shopify"),
        "{}",
        found.reason()
    );
    // Live and changed: the changes are listed.
    let mut order = fixture();
    address_changed(&mut order);
    let found = exception(decide_live(&map(&order), &removed, CutOff::BeforeDispatch));
    assert_eq!(found.code(), "removed_in_stokly");
    assert_eq!(found.changes().len(), 1);
}

// ----- matching posted lines to Stokly lines -----

#[test]
fn a_posted_line_missing_in_stokly_is_a_review_never_skipped() {
    let mut order = fixture();
    address_changed(&mut order);
    let current = map(&order);
    let only_tshirt = stokly_with(
        "order",
        vec![line_json("l-1", "i-tshirt", 2, "unprocessed")],
    );
    let found = exception(decide_live(&current, &only_tshirt, CutOff::BeforePicking));
    let OrderChangeException::StoklyLinesDiffer { mismatches, .. } = &found else {
        panic!("lines differ expected: {found:?}")
    };
    let [LineMismatch::NotFound { line, quantity }] = mismatches.as_slice() else {
        panic!("one missing line expected: {mismatches:?}")
    };
    assert_eq!(line.item_id.as_str(), "i-mug");
    assert_eq!(*quantity, 1);
    assert_eq!(found.code(), "stokly_lines_differ");
    assert!(
        found.reason().contains("has no Stokly line"),
        "{}",
        found.reason()
    );
    // The same change is applied once the line is there.
    amend(decide_live(
        &current,
        &stokly_at(At::Released),
        CutOff::BeforePicking,
    ));
}

#[test]
fn a_stokly_line_with_another_quantity_is_a_review_and_components_are_not_matched() {
    let mut order = fixture();
    tshirt_down(&mut order);
    let current = map(&order);
    let edited = stokly_with(
        "order",
        vec![
            line_json("l-1", "i-tshirt", 5, "unprocessed"),
            line_json("l-2", "i-mug", 1, "unprocessed"),
        ],
    );
    let found = exception(decide_live(&current, &edited, CutOff::BeforePicking));
    let OrderChangeException::StoklyLinesDiffer { mismatches, .. } = &found else {
        panic!("lines differ expected: {found:?}")
    };
    assert_eq!(
        mismatches.as_slice(),
        [LineMismatch::QuantityDiffers {
            line: LineRef::of(&posted().lines()[0]),
            posted: 2,
            stokly: Decimal::from(5),
        }]
    );
    // A component line of the same item (with a parent) does not stand in for the line.
    let mut component = line_json("l-9", "i-mug", 1, "unprocessed");
    component["parentId"] = "l-1".into();
    let components = stokly_with(
        "order",
        vec![line_json("l-1", "i-tshirt", 2, "unprocessed"), component],
    );
    let found = exception(decide_live(&current, &components, CutOff::BeforePicking));
    assert_eq!(found.code(), "stokly_lines_differ");
}

#[test]
fn two_lines_of_one_item_match_stokly_lines_in_order() {
    // Both Shopify lines sell the T-shirt: line 11 x 2 and line 12 x 1.
    let mut order = fixture();
    order.line_items.nodes[1].sku = Some("TSHIRT-RED-M".into());
    let posted = map(&order);
    // An edit adds 1.00 of discount to line 12.
    set_line(&mut order, 1, (1, 1), (1200, 200, 167));
    set_total(&mut order, 4550);
    let current = map(&order);
    let both = |first: (&str, i64), second: (&str, i64)| {
        stokly_with(
            "order",
            vec![
                line_json(first.0, "i-tshirt", first.1, "unprocessed"),
                line_json(second.0, "i-tshirt", second.1, "unprocessed"),
            ],
        )
    };
    let decide = |stokly: &(SaleOrder, Vec<SaleOrderLine>)| {
        decide_order_change(
            &posted,
            &ShopifyOrderState::Live(&current),
            &stokly.0,
            &stokly.1,
            &OrderChangeConfig::default(),
        )
    };
    let (_, amendments) = amend(decide(&both(("l-a", 2), ("l-b", 1))));
    let [OrderAmendment::UpdateLine { line_id: l, .. }] = amendments.as_slice() else {
        panic!("one update expected: {amendments:?}")
    };
    assert_eq!(l, &line_id("l-b"));
    // Listed the other way round, the quantities disagree: review, not a guess.
    let found = exception(decide(&both(("l-b", 1), ("l-a", 2))));
    assert_eq!(found.code(), "stokly_lines_differ");
}

#[test]
fn states_of_different_orders_are_not_compared() {
    let (mut order, lines) = stokly_at(At::Released);
    order.source_reference_id = Some("9999".into());
    let found = exception(decide_order_change(
        &posted(),
        &ShopifyOrderState::Live(&posted()),
        &order,
        &lines,
        &OrderChangeConfig::default(),
    ));
    assert_eq!(found.code(), "inconsistent_input");
    assert!(found.reason().contains("9999"), "{}", found.reason());

    let mut other = fixture();
    other.id = OrderId::from_numeric(5502);
    let (order, lines) = stokly_at(At::Released);
    let found = exception(decide_order_change(
        &posted(),
        &ShopifyOrderState::Live(&map(&other)),
        &order,
        &lines,
        &OrderChangeConfig::default(),
    ));
    assert_eq!(found.code(), "inconsistent_input");
}

// ----- queues and the port -----

#[test]
fn decisions_and_exceptions_round_trip_through_json() {
    let mut order = fixture();
    tshirt_down(&mut order);
    socks_added(&mut order);
    address_changed(&mut order);
    mug_removed(&mut order);
    let current = map(&order);
    let decisions = vec![
        OrderChangeDecision::NoChange,
        decide_live(&current, &stokly_at(At::Released), CutOff::BeforePicking),
        decide_live(&current, &stokly_at(At::Dispatched), CutOff::BeforeDispatch),
        decide_live(
            &current,
            &stokly("order", ["mystery", "unprocessed"]),
            CutOff::BeforeDispatch,
        ),
        OrderChangeDecision::Cancel {
            sale_order: so(),
            cancellation: cancellation(),
        },
    ];
    assert!(matches!(decisions[1], OrderChangeDecision::Amend { .. }));
    for decision in &decisions {
        let json = serde_json::to_string(decision).unwrap();
        let back: OrderChangeDecision = serde_json::from_str(&json).unwrap();
        assert_eq!(&back, decision, "{json}");
    }
    let json = serde_json::to_value(&decisions[2]).unwrap();
    assert_eq!(json["decision"], "review");
    assert_eq!(json["exception"]["kind"], "after_cut_off");
    assert_eq!(json["exception"]["progress"], "dispatched");
    assert_eq!(json["exception"]["cut_off"], "before_dispatch");
    assert_eq!(
        json["exception"]["changes"][0]["change"],
        "quantity_changed"
    );
    let json = serde_json::to_value(&decisions[1]).unwrap();
    assert_eq!(json["amendments"][0]["amendment"], "update_line");
    assert_eq!(json["amendments"][0]["line"]["referenceId"], "i-tshirt");
    let OrderChangeDecision::Review { exception } = &decisions[2] else {
        panic!()
    };
    let record = exception.to_record();
    let back: crate::domain::exception::ExceptionRecord =
        serde_json::from_str(&serde_json::to_string(&record).unwrap()).unwrap();
    assert_eq!(back, record);
}

#[test]
fn the_port_is_object_safe_and_takes_the_decision() {
    let recorder = std::sync::Arc::new(RecordingSaleOrderChanges::new());
    let port: std::sync::Arc<dyn SaleOrderChanges> = recorder.clone();
    let mut order = fixture();
    mug_removed(&mut order);
    let (_, amendments) = amend(decide_live(
        &map(&order),
        &stokly_at(At::Released),
        CutOff::BeforePicking,
    ));
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(port.amend(&so(), &amendments)).unwrap();
    rt.block_on(port.cancel(&so(), &cancellation())).unwrap();
    assert_eq!(
        recorder.calls(),
        vec![
            SaleOrderChangeCall::Amend {
                sale_order: so(),
                amendments,
            },
            SaleOrderChangeCall::Cancel {
                sale_order: so(),
                cancellation: cancellation(),
            },
        ]
    );
}

// ----- properties -----

fn status_strategy() -> impl proptest::strategy::Strategy<Value = Option<String>> {
    use proptest::prelude::*;
    prop_oneof![
        Just(Some("unprocessed".to_owned())),
        Just(Some("picked".to_owned())),
        Just(Some("dispatched".to_owned())),
        Just(None),
        any::<String>().prop_map(Some),
    ]
}

proptest::proptest! {
    #[test]
    fn the_decision_never_panics_and_amends_only_within_the_cut_off(
        stage in proptest::prop_oneof![
            proptest::strategy::Just("order".to_owned()),
            proptest::strategy::Just("removed".to_owned()),
            proptest::strategy::Just("draft".to_owned()),
            proptest::prelude::any::<String>(),
        ],
        lines in proptest::collection::vec(
            (0usize..4, proptest::option::of(proptest::prelude::any::<i64>()), status_strategy(), proptest::prelude::any::<bool>()),
            0..5,
        ),
        edits in proptest::collection::vec(proptest::prelude::any::<bool>(), 5),
        cancel in proptest::prelude::any::<bool>(),
        cut_off in 0usize..3,
    ) {
        let items = ["i-tshirt", "i-mug", "i-socks", "i-other"];
        let lines: Vec<serde_json::Value> = lines
            .iter()
            .enumerate()
            .map(|(i, (item, quantity, status, child))| {
                let mut line = serde_json::json!({
                    "lineId": format!("l-{i}"), "type": "item", "referenceId": items[*item],
                });
                if let Some(q) = quantity {
                    line["quantity"] = (*q).into();
                }
                if let Some(s) = status {
                    line["status"] = s.clone().into();
                }
                if *child {
                    line["parentId"] = "l-0".into();
                }
                line
            })
            .collect();
        let (mut order, lines): (SaleOrder, Vec<SaleOrderLine>) = (
            serde_json::from_value(serde_json::json!({"saleOrderId": "so-1"})).unwrap(),
            serde_json::from_value(serde_json::Value::Array(lines)).unwrap(),
        );
        order.stage = Some(crate::stokly::model::SaleOrderStage::from(stage.as_str()));
        let mut shopify = fixture();
        for ((_, edit), on) in EVERY_EDIT.iter().zip(&edits) {
            if *on {
                edit(&mut shopify);
            }
        }
        let current = map(&shopify);
        let state = if cancel { cancelled() } else { ShopifyOrderState::Live(&current) };
        let config = OrderChangeConfig::new(EVERY_CUT_OFF[cut_off]);
        let progress = StoklyProgress::of(&order, &lines);
        match decide_order_change(&posted(), &state, &order, &lines, &config) {
            OrderChangeDecision::Amend { changes, amendments, .. } => {
                proptest::prop_assert!(config.cut_off().admits(&progress));
                proptest::prop_assert_eq!(changes.len(), amendments.len());
            }
            OrderChangeDecision::Cancel { .. } => {
                proptest::prop_assert!(cancel && config.cut_off().admits(&progress));
            }
            OrderChangeDecision::Review { exception } => {
                proptest::prop_assert!(!exception.reason().is_empty());
                proptest::prop_assert_eq!(exception.to_record().owner, Owner::Operations);
            }
            OrderChangeDecision::NoChange => {
                proptest::prop_assert!(
                    progress == StoklyProgress::Removed || edits.iter().all(|e| !e) && !cancel
                );
            }
        }
    }
}
