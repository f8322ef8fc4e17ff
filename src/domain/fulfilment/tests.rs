#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;

use chrono::{DateTime, TimeZone, Utc};
use serde_json::{Value, json};

use super::*;
use crate::domain::exception::{DomainException, Owner};
use crate::shopify::model::OrderFulfillments;
use crate::shopify::{LineItemId, LocationId, OrderId};
use crate::stokly::{LocationId as StoklyLocationId, SaleOrderId};

const ORDER: u64 = 1001;
const WAREHOUSE: u64 = 7;
const SHOP: u64 = 8;

fn at(minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 10, minute, 0).unwrap()
}

fn config() -> FulfilmentConfig {
    let mut locations = BTreeMap::new();
    locations.insert(
        StoklyLocationId::new("wh-1").unwrap(),
        LocationId::from_numeric(WAREHOUSE),
    );
    locations.insert(
        StoklyLocationId::new("shop-1").unwrap(),
        LocationId::from_numeric(SHOP),
    );
    FulfilmentConfig::new(locations)
}

fn line(n: u64) -> LineItemId {
    LineItemId::from_numeric(n)
}

fn dispatch(id: &str, minute: u32) -> Dispatch {
    Dispatch::new(
        id,
        SaleOrderId::new("so-1").unwrap(),
        OrderId::from_numeric(ORDER),
        StoklyLocationId::new("wh-1").unwrap(),
        at(minute),
    )
}

/// A fulfillment order: `lines` are (FO line number, order line number, remaining, total).
fn fo(id: u64, location: u64, status: &str, lines: &[(u64, u64, i64, i64)]) -> Value {
    let actions: Vec<Value> = match status {
        "OPEN" | "IN_PROGRESS" => vec![
            json!({"action": "CREATE_FULFILLMENT"}),
            json!({"action": "MOVE"}),
            json!({"action": "HOLD"}),
        ],
        "ON_HOLD" => vec![json!({"action": "RELEASE_HOLD"}), json!({"action": "MOVE"})],
        _ => vec![],
    };
    let holds: Vec<Value> = if status == "ON_HOLD" {
        vec![json!({"id": "gid://shopify/FulfillmentHold/1", "reason": "INCORRECT_ADDRESS"})]
    } else {
        vec![]
    };
    json!({
        "id": format!("gid://shopify/FulfillmentOrder/{id}"),
        "status": status,
        "assignedLocation": {"location": {"id": format!("gid://shopify/Location/{location}")}},
        "fulfillmentHolds": holds,
        "supportedActions": actions,
        "lineItems": {"nodes": lines.iter().map(|(fl, li, rem, total)| json!({
            "id": format!("gid://shopify/FulfillmentOrderLineItem/{fl}"),
            "lineItem": {"id": format!("gid://shopify/LineItem/{li}")},
            "sku": format!("SKU-{li}"),
            "remainingQuantity": rem,
            "totalQuantity": total,
        })).collect::<Vec<_>>(), "pageInfo": {"hasNextPage": false}},
    })
}

/// A fulfilment: `tracking` is (company, number), `lines` (order line number, quantity).
fn fulfilment(id: u64, location: u64, tracking: &[(&str, &str)], lines: &[(u64, i64)]) -> Value {
    json!({
        "id": format!("gid://shopify/Fulfillment/{id}"),
        "status": "SUCCESS",
        "location": {"id": format!("gid://shopify/Location/{location}")},
        "trackingInfo": tracking.iter().map(|(c, n)| json!({"company": c, "number": n, "url": null})).collect::<Vec<_>>(),
        "fulfillmentLineItems": {"nodes": lines.iter().map(|(li, q)| json!({
            "lineItem": {"id": format!("gid://shopify/LineItem/{li}")}, "quantity": q
        })).collect::<Vec<_>>(), "pageInfo": {"hasNextPage": false}},
    })
}

fn order(fos: Vec<Value>, fulfilments: Vec<Value>) -> OrderFulfillments {
    serde_json::from_value(json!({
        "id": format!("gid://shopify/Order/{ORDER}"),
        "name": "#1001",
        "cancelledAt": null,
        "fulfillmentOrders": {"nodes": fos, "pageInfo": {"hasNextPage": false}},
        "fulfillments": fulfilments,
    }))
    .unwrap()
}

fn input(create: &PlannedFulfilment) -> Value {
    serde_json::to_value(&create.input).unwrap()
}

fn codes(plan: &FulfilmentPlan) -> Vec<&'static str> {
    plan.exceptions.iter().map(DomainException::code).collect()
}

/// What Shopify does with the plan: fulfilments made, remaining quantities lowered,
/// tracking replaced.
fn apply(state: &mut OrderFulfillments, plan: &FulfilmentPlan) {
    let mut next = 900;
    for create in &plan.creates {
        let mut lines = Vec::new();
        for group in &create.input.line_items_by_fulfillment_order {
            let fo = state
                .fulfillment_orders
                .nodes
                .iter_mut()
                .find(|f| f.id == group.fulfillment_order_id)
                .unwrap();
            for item in &group.fulfillment_order_line_items {
                let l = fo
                    .line_items
                    .nodes
                    .iter_mut()
                    .find(|l| l.id == item.id)
                    .unwrap();
                assert!(
                    l.remaining_quantity >= item.quantity,
                    "Shopify would refuse"
                );
                l.remaining_quantity -= item.quantity;
                lines.push((l.line_item.id.numeric_id(), item.quantity));
            }
        }
        let t = &create.input.tracking_info;
        let tracking: Vec<(&str, &str)> = t
            .numbers
            .iter()
            .map(|n| (t.company.as_deref().unwrap_or(""), n.as_str()))
            .collect();
        next += 1;
        state.fulfillments.push(
            serde_json::from_value(fulfilment(
                next,
                create.location.numeric_id(),
                &tracking,
                &lines,
            ))
            .unwrap(),
        );
    }
    for update in &plan.tracking_updates {
        let f = state
            .fulfillments
            .iter_mut()
            .find(|f| f.id == update.fulfillment)
            .unwrap();
        let t = &update.tracking;
        f.tracking_info = serde_json::from_value(json!(
            t.numbers
                .iter()
                .map(|n| json!({
                    "company": t.company, "number": n
                }))
                .collect::<Vec<_>>()
        ))
        .unwrap();
    }
}

/// Marks order lines of a fulfillment order as components of a native bundle group:
/// `members` are (order line number, units ordered), `bundles` the bundles bought.
fn in_bundle(mut fo: Value, group: u64, bundles: i64, members: &[(u64, i64)]) -> Value {
    for node in fo["lineItems"]["nodes"].as_array_mut().unwrap() {
        let li = node["lineItem"]["id"].as_str().unwrap().to_owned();
        if let Some((_, quantity)) = members
            .iter()
            .find(|(n, _)| li == format!("gid://shopify/LineItem/{n}"))
        {
            node["lineItem"]["quantity"] = json!(quantity);
            node["lineItem"]["lineItemGroup"] =
                json!({"id": format!("gid://shopify/LineItemGroup/{group}"), "quantity": bundles});
        }
    }
    fo
}

fn sent_lines(plan: &FulfilmentPlan) -> Vec<(u64, i64)> {
    plan.creates
        .iter()
        .flat_map(|c| &c.lines)
        .map(|l| (l.line_item.numeric_id(), l.quantity))
        .collect()
}

#[test]
fn native_bundle_components_are_fulfilled_in_whole_bundles_only() {
    // Two gift sets bought: each one mug (line 1) and two coasters (line 2); line 3 is apart.
    let fo1 = in_bundle(
        fo(
            1,
            WAREHOUSE,
            "OPEN",
            &[(11, 1, 2, 2), (12, 2, 4, 4), (13, 3, 1, 1)],
        ),
        5,
        2,
        &[(1, 2), (2, 4)],
    );
    let mut state = order(vec![fo1], vec![]);
    // Two mugs and three coasters left: one whole set; a mug and a coaster wait.
    let d1 = dispatch("D1", 0)
        .carrier("UPS")
        .parcel(Parcel::tracked("1Z1", None))
        .item(line(1), 2)
        .item(line(2), 3)
        .item(line(3), 1);
    let plan = plan_fulfilments(
        std::slice::from_ref(&d1),
        std::slice::from_ref(&state),
        &config(),
    );
    assert_eq!(sent_lines(&plan), vec![(1, 1), (2, 2), (3, 1)]);
    assert_eq!(codes(&plan), vec!["bundle_group_incomplete"]);
    match &plan.exceptions[0] {
        FulfilmentException::BundleGroupIncomplete {
            group,
            complete_units,
            held_back,
            short,
            dispatches,
            ..
        } => {
            assert_eq!(group, "gid://shopify/LineItemGroup/5");
            assert_eq!(*complete_units, 1);
            assert_eq!(held_back, &vec![(line(1), 1), (line(2), 1)]);
            assert_eq!(short, &vec![line(2)]);
            assert_eq!(dispatches, &vec!["D1".to_owned()]);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(plan.exceptions[0].owner(), Owner::Operations);
    apply(&mut state, &plan);
    // The last coaster leaves with the same carrier: the second set goes whole.
    let d2 = dispatch("D2", 5)
        .carrier("UPS")
        .parcel(Parcel::tracked("1Z2", None))
        .item(line(2), 1);
    let plan = plan_fulfilments(&[d1.clone(), d2.clone()], &[state.clone()], &config());
    assert!(plan.exceptions.is_empty(), "{:?}", plan.exceptions);
    assert_eq!(sent_lines(&plan), vec![(1, 1), (2, 2)]);
    apply(&mut state, &plan);
    let again = plan_fulfilments(&[d1, d2], &[state], &config());
    assert_eq!(again.creates.len(), 0, "{again:?}");
}

#[test]
fn a_bundle_component_that_cannot_go_holds_back_the_others() {
    // The mug's line is on hold; the coasters could go, but not without it.
    let held = in_bundle(
        fo(1, WAREHOUSE, "ON_HOLD", &[(11, 1, 1, 1)]),
        5,
        1,
        &[(1, 1)],
    );
    let open = in_bundle(fo(2, WAREHOUSE, "OPEN", &[(21, 2, 2, 2)]), 5, 1, &[(2, 2)]);
    let state = order(vec![held, open], vec![]);
    let d = dispatch("D1", 0)
        .carrier("UPS")
        .parcel(Parcel::tracked("1Z1", None))
        .item(line(1), 1)
        .item(line(2), 2);
    let plan = plan_fulfilments(&[d], &[state], &config());
    assert!(plan.creates.is_empty(), "{:?}", plan.creates);
    assert_eq!(codes(&plan), vec!["on_hold", "bundle_group_incomplete"]);
}

#[test]
fn bundle_components_split_over_carriers_are_held_back_with_the_reason() {
    let fo1 = in_bundle(
        fo(1, WAREHOUSE, "OPEN", &[(11, 1, 1, 1), (12, 2, 1, 1)]),
        5,
        1,
        &[(1, 1), (2, 1)],
    );
    let state = order(vec![fo1], vec![]);
    let ups = dispatch("D1", 0)
        .carrier("UPS")
        .parcel(Parcel::tracked("1Z1", None))
        .item(line(1), 1);
    let dpd = dispatch("D2", 1)
        .carrier("DPD")
        .parcel(Parcel::tracked("DPD1", None))
        .item(line(2), 1);
    let plan = plan_fulfilments(&[ups, dpd], &[state], &config());
    assert!(plan.creates.is_empty(), "{:?}", plan.creates);
    assert_eq!(
        codes(&plan),
        vec!["bundle_group_incomplete", "bundle_group_incomplete"]
    );
}

#[test]
fn partial_dispatch_fulfils_only_what_left() {
    let state = order(
        vec![fo(1, WAREHOUSE, "OPEN", &[(11, 1, 3, 3), (12, 2, 2, 2)])],
        vec![],
    );
    let d = dispatch("D1", 0)
        .carrier("UPS")
        .parcel(Parcel::tracked("1Z1", None))
        .item(line(1), 2);
    let plan = plan_fulfilments(&[d], &[state], &config());
    assert!(plan.exceptions.is_empty(), "{:?}", plan.exceptions);
    assert_eq!(plan.creates.len(), 1);
    assert_eq!(
        input(&plan.creates[0]),
        json!({
            "trackingInfo": {"company": "UPS", "numbers": ["1Z1"], "urls": []},
            "notifyCustomer": true,
            "lineItemsByFulfillmentOrder": [{
                "fulfillmentOrderId": "gid://shopify/FulfillmentOrder/1",
                "fulfillmentOrderLineItems": [
                    {"id": "gid://shopify/FulfillmentOrderLineItem/11", "quantity": 2}
                ]
            }]
        })
    );
    assert_eq!(plan.creates[0].key, "fulfilment:1001:7:ups:D1:0");
    assert_eq!(plan.mutations(), 1);
}

#[test]
fn several_parcels_of_one_carrier_are_one_fulfilment_and_carriers_are_split() {
    let state = order(
        vec![fo(1, WAREHOUSE, "OPEN", &[(11, 1, 3, 3), (12, 2, 2, 2)])],
        vec![],
    );
    let ups = dispatch("D1", 0)
        .carrier("ups")
        .parcel(Parcel::tracked("1Z1", None))
        .parcel(Parcel::tracked("1Z2", None))
        .item(line(1), 3);
    let mail = dispatch("D2", 1)
        .carrier("royal-mail")
        .parcel(Parcel::tracked("RM1", None))
        .item(line(2), 1);
    let later_ups = dispatch("D3", 2)
        .carrier("UPS ")
        .parcel(Parcel::tracked("1Z3", None))
        .item(line(2), 1);
    let plan = plan_fulfilments(&[mail, later_ups, ups], &[state], &config());
    assert!(plan.exceptions.is_empty(), "{:?}", plan.exceptions);
    assert_eq!(plan.creates.len(), 2);
    // Groups sort by carrier key: "royalmail" < "ups".
    assert_eq!(
        plan.creates[0].input.tracking_info.company.as_deref(),
        Some("Royal Mail")
    );
    assert_eq!(plan.creates[0].dispatches, vec!["D2"]);
    let ups = &plan.creates[1];
    assert_eq!(ups.dispatches, vec!["D1", "D3"]);
    assert_eq!(
        serde_json::to_value(&ups.input.tracking_info).unwrap(),
        json!({"company": "UPS", "numbers": ["1Z1", "1Z2", "1Z3"], "urls": []})
    );
    assert_eq!(
        ups.lines,
        vec![
            PlannedLine {
                line_item: line(1),
                quantity: 3
            },
            PlannedLine {
                line_item: line(2),
                quantity: 1
            },
        ]
    );
}

#[test]
fn unknown_carrier_is_sent_as_named_with_urls_paired_by_position() {
    let state = order(vec![fo(1, WAREHOUSE, "OPEN", &[(11, 1, 3, 3)])], vec![]);
    let with_urls = dispatch("D1", 0)
        .carrier("Speedy Couriers")
        .parcel(Parcel::tracked(
            "S1",
            Some("https://speedy.example/S1".into()),
        ))
        .parcel(Parcel::tracked("S2", None))
        .item(line(1), 1);
    let cfg = config().with_carriers(
        CarrierNames::default()
            .url_template("speedy couriers", "https://speedy.example/t/{number}"),
    );
    let plan = plan_fulfilments(
        std::slice::from_ref(&with_urls),
        std::slice::from_ref(&state),
        &cfg,
    );
    assert!(plan.exceptions.is_empty());
    assert_eq!(
        serde_json::to_value(&plan.creates[0].input.tracking_info).unwrap(),
        json!({"company": "Speedy Couriers", "numbers": ["S1", "S2"],
               "urls": ["https://speedy.example/S1", "https://speedy.example/t/S2"]})
    );
    // Without the template one parcel has no page: no URLs at all (they pair by position),
    // and a warning.
    let plan = plan_fulfilments(&[with_urls], &[state], &config());
    assert_eq!(
        plan.creates[0].input.tracking_info.urls,
        Vec::<String>::new()
    );
    assert_eq!(codes(&plan), vec!["tracking_url_missing"]);
    assert_eq!(plan.exceptions[0].owner(), Owner::Operations);
}

#[test]
fn a_bundle_is_fulfilled_in_whole_units_only() {
    let state = order(vec![fo(1, WAREHOUSE, "OPEN", &[(11, 5, 2, 2)])], vec![]);
    let d = dispatch("D1", 0)
        .carrier("DPD")
        .parcel(Parcel::tracked("P1", None))
        .bundle(
            line(5),
            vec![
                BundleComponent::new("MUG", 1, 2),
                BundleComponent::new("SPOON", 2, 3),
            ],
        );
    let plan = plan_fulfilments(&[d], std::slice::from_ref(&state), &config());
    assert_eq!(
        plan.creates[0].lines,
        vec![PlannedLine {
            line_item: line(5),
            quantity: 1
        }]
    );
    assert_eq!(
        plan.exceptions,
        vec![FulfilmentException::BundleIncomplete {
            order: OrderId::from_numeric(ORDER),
            dispatch: "D1".into(),
            line_item: line(5),
            complete_units: 1,
            short: vec!["SPOON".into()],
        }]
    );
    // One component alone: nothing fulfilled.
    let d = dispatch("D1", 0).carrier("DPD").bundle(
        line(5),
        vec![
            BundleComponent::new("MUG", 1, 2),
            BundleComponent::new("SPOON", 2, 0),
        ],
    );
    let plan = plan_fulfilments(&[d], &[state], &config());
    assert!(plan.creates.is_empty());
    assert_eq!(codes(&plan), vec!["bundle_incomplete"]);
}

#[test]
fn a_held_fulfillment_order_keeps_its_lines_and_the_rest_is_fulfilled() {
    let state = order(
        vec![
            fo(1, WAREHOUSE, "OPEN", &[(11, 1, 1, 1)]),
            fo(2, WAREHOUSE, "ON_HOLD", &[(21, 2, 2, 2)]),
        ],
        vec![],
    );
    let d = dispatch("D1", 0)
        .carrier("UPS")
        .parcel(Parcel::tracked("1Z1", None))
        .item(line(1), 1)
        .item(line(2), 2);
    let plan = plan_fulfilments(&[d], &[state], &config());
    assert_eq!(plan.creates.len(), 1);
    assert_eq!(
        plan.creates[0].lines,
        vec![PlannedLine {
            line_item: line(1),
            quantity: 1
        }]
    );
    assert_eq!(plan.exceptions.len(), 1);
    let FulfilmentException::OnHold {
        fulfillment_order,
        quantity,
        reasons,
        ..
    } = &plan.exceptions[0]
    else {
        panic!("{:?}", plan.exceptions);
    };
    assert_eq!(fulfillment_order.numeric_id(), 2);
    assert_eq!(*quantity, 2);
    assert_eq!(reasons, &vec!["INCORRECT_ADDRESS".to_owned()]);
    assert_eq!(plan.exceptions[0].owner(), Owner::Ecommerce);
}

#[test]
fn closed_and_cancelled_fulfillment_orders_are_not_fulfilled() {
    let state = order(
        vec![
            fo(1, WAREHOUSE, "CLOSED", &[(11, 1, 1, 1)]),
            fo(2, WAREHOUSE, "CANCELLED", &[(21, 2, 2, 2)]),
        ],
        vec![],
    );
    let d = dispatch("D1", 0).item(line(1), 1).item(line(2), 2);
    let plan = plan_fulfilments(&[d], &[state], &config());
    assert!(plan.creates.is_empty());
    assert_eq!(codes(&plan), vec!["not_fulfillable", "not_fulfillable"]);
    let FulfilmentException::NotFulfillable {
        status, quantity, ..
    } = &plan.exceptions[1]
    else {
        panic!();
    };
    assert_eq!((status.as_str(), *quantity), ("CANCELLED", 2));
}

#[test]
fn an_order_cancelled_after_dispatch_goes_to_review() {
    let mut state = order(
        vec![fo(1, WAREHOUSE, "CANCELLED", &[(11, 1, 1, 1)])],
        vec![],
    );
    state.cancelled_at = Some(at(30));
    let d = dispatch("D1", 0).carrier("UPS").item(line(1), 1);
    let plan = plan_fulfilments(&[d], &[state], &config());
    assert_eq!(plan.mutations(), 0);
    assert_eq!(
        plan.exceptions,
        vec![FulfilmentException::CancelledAfterDispatch {
            order: OrderId::from_numeric(ORDER),
            name: "#1001".into(),
            dispatches: vec!["D1".into()],
        }]
    );
}

#[test]
fn more_dispatched_than_ordered_sends_what_is_owed_and_reports_the_rest() {
    let state = order(vec![fo(1, WAREHOUSE, "OPEN", &[(11, 1, 3, 3)])], vec![]);
    let d = dispatch("D1", 0).item(line(1), 5).item(line(99), 1);
    let plan = plan_fulfilments(&[d], &[state], &config());
    assert_eq!(
        plan.creates[0].lines,
        vec![PlannedLine {
            line_item: line(1),
            quantity: 3
        }]
    );
    assert_eq!(
        plan.exceptions,
        vec![
            FulfilmentException::OverDispatch {
                order: OrderId::from_numeric(ORDER),
                name: "#1001".into(),
                line_item: line(1),
                unfulfilled_dispatched: 2,
                fulfillable: 3,
            },
            FulfilmentException::UnknownLine {
                order: OrderId::from_numeric(ORDER),
                name: "#1001".into(),
                line_item: line(99),
                quantity: 1,
            },
        ]
    );
}

#[test]
fn goods_from_another_location_are_reviewed_or_moved() {
    let state = order(vec![fo(1, SHOP, "OPEN", &[(11, 1, 2, 2)])], vec![]);
    let d = dispatch("D1", 0).item(line(1), 2);
    let plan = plan_fulfilments(
        std::slice::from_ref(&d),
        std::slice::from_ref(&state),
        &config(),
    );
    assert!(plan.creates.is_empty() && plan.moves.is_empty());
    assert_eq!(codes(&plan), vec!["location_mismatch"]);
    assert_eq!(
        plan.exceptions[0].severity(),
        crate::domain::exception::Severity::Blocking
    );

    let cfg = config().with_location_mismatch(LocationMismatchPolicy::Move);
    let plan = plan_fulfilments(&[d], &[state], &cfg);
    assert_eq!(plan.moves.len(), 1);
    assert_eq!(
        serde_json::to_value(&plan.moves[0]).unwrap(),
        json!({
            "order": "gid://shopify/Order/1001",
            "fulfillment_order": "gid://shopify/FulfillmentOrder/1",
            "new_location": "gid://shopify/Location/7",
            "line_items": [{"id": "gid://shopify/FulfillmentOrderLineItem/11", "quantity": 2}]
        })
    );
    assert_eq!(
        plan.exceptions[0].severity(),
        crate::domain::exception::Severity::Info
    );
}

#[test]
fn unmapped_location_and_bad_quantities_are_named() {
    let state = order(vec![fo(1, WAREHOUSE, "OPEN", &[(11, 1, 2, 2)])], vec![]);
    let mut lost = dispatch("D1", 0).item(line(1), 1);
    lost.location = StoklyLocationId::new("nowhere").unwrap();
    let bad = dispatch("D2", 1)
        .item(line(1), 0)
        .bundle(line(1), vec![BundleComponent::new("A", 0, 1)]);
    let plan = plan_fulfilments(&[lost, bad], &[state], &config());
    assert!(plan.creates.is_empty());
    assert_eq!(
        codes(&plan),
        vec!["unmapped_location", "invalid_quantity", "invalid_quantity"]
    );
    let FulfilmentException::InvalidQuantity { field, .. } = &plan.exceptions[2] else {
        panic!()
    };
    assert_eq!(field, "components[0].per_unit");
}

#[test]
fn a_tracking_change_sends_the_whole_set() {
    // Shopify shows parcel A; Stokly now has A and B.
    let state = order(
        vec![fo(1, WAREHOUSE, "CLOSED", &[(11, 1, 0, 2)])],
        vec![fulfilment(50, WAREHOUSE, &[("UPS", "1ZA")], &[(1, 2)])],
    );
    let d = dispatch("D1", 0)
        .carrier("UPS")
        .parcel(Parcel::tracked("1ZA", None))
        .parcel(Parcel::tracked("1ZB", None))
        .item(line(1), 2);
    let plan = plan_fulfilments(
        std::slice::from_ref(&d),
        std::slice::from_ref(&state),
        &config(),
    );
    assert!(
        plan.creates.is_empty() && plan.exceptions.is_empty(),
        "{plan:?}"
    );
    assert_eq!(plan.tracking_updates.len(), 1);
    let u = &plan.tracking_updates[0];
    assert_eq!(u.fulfillment.numeric_id(), 50);
    assert_eq!(u.previous, vec!["1ZA"]);
    assert_eq!(u.tracking.numbers, vec!["1ZA", "1ZB"]);
    assert!(!u.notify_customer);

    // A number corrected in Stokly: the fulfilment that holds the dispatch's goods is updated.
    let corrected = dispatch("D1", 0)
        .carrier("UPS")
        .parcel(Parcel::tracked("1ZC", None))
        .item(line(1), 2);
    let plan = plan_fulfilments(&[corrected], &[state], &config());
    assert!(plan.creates.is_empty());
    assert_eq!(plan.tracking_updates[0].tracking.numbers, vec!["1ZC"]);
    assert_eq!(plan.tracking_updates[0].previous, vec!["1ZA"]);
}

#[test]
fn a_rerun_after_applying_sends_nothing() {
    let mut state = order(
        vec![
            fo(1, WAREHOUSE, "OPEN", &[(11, 1, 3, 3), (12, 2, 2, 2)]),
            fo(2, WAREHOUSE, "ON_HOLD", &[(21, 3, 1, 1)]),
        ],
        vec![],
    );
    let dispatches = vec![
        dispatch("D1", 0)
            .carrier("UPS")
            .parcel(Parcel::tracked("1Z1", None))
            .parcel(Parcel::tracked("1Z2", None))
            .item(line(1), 2),
        dispatch("D2", 1)
            .carrier("DHL")
            .parcel(Parcel::tracked("DH1", None))
            .item(line(2), 2)
            .item(line(3), 1),
        dispatch("D3", 2).item(line(1), 1),
    ];
    let first = plan_fulfilments(&dispatches, std::slice::from_ref(&state), &config());
    assert_eq!(first.creates.len(), 3);
    assert_eq!(codes(&first), vec!["on_hold"]);
    apply(&mut state, &first);
    let second = plan_fulfilments(&dispatches, std::slice::from_ref(&state), &config());
    assert_eq!(second.mutations(), 0, "{second:?}");
    assert_eq!(codes(&second), vec!["on_hold"]);

    // The hold is released: only the held line goes, with its dispatch's tracking.
    let fo2 = state
        .fulfillment_orders
        .nodes
        .iter_mut()
        .find(|f| f.id.numeric_id() == 2)
        .unwrap();
    *fo2 = serde_json::from_value(fo(2, WAREHOUSE, "OPEN", &[(21, 3, 1, 1)])).unwrap();
    let third = plan_fulfilments(&dispatches, std::slice::from_ref(&state), &config());
    assert!(third.exceptions.is_empty());
    assert_eq!(third.creates.len(), 1);
    assert_eq!(
        third.creates[0].lines,
        vec![PlannedLine {
            line_item: line(3),
            quantity: 1
        }]
    );
    assert_eq!(third.creates[0].input.tracking_info.numbers, vec!["DH1"]);
    apply(&mut state, &third);
    assert_eq!(
        plan_fulfilments(&dispatches, &[state], &config()).mutations(),
        0
    );
}

#[test]
fn a_large_dispatch_is_split_at_250_lines() {
    let lines: Vec<(u64, u64, i64, i64)> = (1..=300).map(|i| (1000 + i, i, 1, 1)).collect();
    let mut state = order(vec![fo(1, WAREHOUSE, "OPEN", &lines)], vec![]);
    let mut d = dispatch("D1", 0)
        .carrier("UPS")
        .parcel(Parcel::tracked("1Z1", None));
    for i in 1..=300 {
        d = d.item(line(i), 1);
    }
    let plan = plan_fulfilments(
        std::slice::from_ref(&d),
        std::slice::from_ref(&state),
        &config(),
    );
    assert_eq!(plan.creates.len(), 2);
    let sizes: Vec<usize> = plan
        .creates
        .iter()
        .map(|c| {
            c.input.line_items_by_fulfillment_order[0]
                .fulfillment_order_line_items
                .len()
        })
        .collect();
    assert_eq!(sizes, vec![250, 50]);
    assert_eq!(plan.creates[1].key, "fulfilment:1001:7:ups:D1:1");
    assert_eq!(plan.creates[1].input.tracking_info.numbers, vec!["1Z1"]);
    apply(&mut state, &plan);
    assert_eq!(plan_fulfilments(&[d], &[state], &config()).mutations(), 0);
}

#[test]
fn the_plan_is_deterministic_and_serialisable() {
    let state = order(
        vec![fo(1, WAREHOUSE, "OPEN", &[(11, 1, 3, 3), (12, 2, 2, 2)])],
        vec![],
    );
    let a = dispatch("D1", 0)
        .carrier("UPS")
        .parcel(Parcel::tracked("1Z1", None))
        .item(line(1), 1);
    let b = dispatch("D2", 0)
        .carrier("UPS")
        .parcel(Parcel::tracked("1Z2", None))
        .item(line(2), 1);
    let one = plan_fulfilments(
        &[a.clone(), b.clone()],
        std::slice::from_ref(&state),
        &config(),
    );
    let two = plan_fulfilments(&[b, a], &[state], &config());
    assert_eq!(one, two);
    let text = serde_json::to_string(&one).unwrap();
    let back: FulfilmentPlan = serde_json::from_str(&text).unwrap();
    assert_eq!(back, one);
}

#[test]
fn a_missing_or_truncated_order_is_reported() {
    let mut state = order(vec![fo(1, WAREHOUSE, "OPEN", &[(11, 1, 3, 3)])], vec![]);
    state.fulfillment_orders.page_info.has_next_page = true;
    let d = dispatch("D1", 0).item(line(1), 1);
    let plan = plan_fulfilments(std::slice::from_ref(&d), &[state], &config());
    assert_eq!(codes(&plan), vec!["incomplete_order_read"]);
    let plan = plan_fulfilments(&[d], &[], &config());
    assert_eq!(codes(&plan), vec!["order_not_found"]);
}

#[test]
fn carrier_names_match_shopify_ignoring_case_and_punctuation() {
    let names = CarrierNames::default();
    assert_eq!(names.shopify_name("royal mail"), Some("Royal Mail"));
    assert_eq!(names.shopify_name("FEDEX"), Some("FedEx"));
    assert_eq!(names.shopify_name("dhl"), Some("DHL Express"));
    assert_eq!(names.shopify_name("Speedy"), None);
}

mod from_stokly {
    use super::*;
    use crate::stokly::model::inferred::Dispatch as StoklyDispatch;
    use crate::stokly::model::{SaleOrder, SaleOrderLine};

    fn shopify() -> OrderFulfillments {
        let mut fo_ = fo(
            1,
            WAREHOUSE,
            "OPEN",
            &[(11, 1, 2, 2), (12, 2, 1, 1), (13, 3, 1, 1)],
        );
        fo_["lineItems"]["nodes"][0]["sku"] = json!("MUG");
        fo_["lineItems"]["nodes"][1]["sku"] = json!("GIFT-BOX");
        fo_["lineItems"]["nodes"][2]["sku"] = json!("MUG-BLUE");
        order(vec![fo_], vec![])
    }

    fn sale_order(reference: &str) -> SaleOrder {
        serde_json::from_value(json!({"saleOrderId": "so-1", "sourceReferenceId": reference}))
            .unwrap()
    }

    fn lines() -> Vec<SaleOrderLine> {
        serde_json::from_value(json!([
            {"lineId": "l1", "itemSku": "MUG", "quantity": 2},
            {"lineId": "l2", "itemSku": "GIFT-BOX", "quantity": 1},
            {"lineId": "l2a", "itemSku": "CUP", "quantity": 2, "parentId": "l2"},
            {"lineId": "l2b", "itemSku": "TEA", "quantity": 1, "parentId": "l2"},
            {"lineId": "l9", "itemSku": "NOT-ON-SHOPIFY", "quantity": 1}
        ]))
        .unwrap()
    }

    fn stokly_dispatch(items: Value) -> StoklyDispatch {
        serde_json::from_value(json!({
            "dispatchId": "DS1", "locationId": "wh-1", "carrier": "Royal Mail",
            "carrierReference": "RM123", "dispatchedAt": "2026-12-01T10:00:00Z",
            "items": items
        }))
        .unwrap()
    }

    #[test]
    fn lines_map_by_sku_and_composite_components_gather_into_their_bundle() {
        let d = stokly_dispatch(json!([
            {"lineId": "l1", "quantity": 2},
            {"lineId": "l2a", "quantity": 2},
            {"lineId": "l2b", "quantity": 1}
        ]));
        let (dispatches, exceptions) =
            dispatches_from_stokly(&sale_order("1001"), &lines(), &[d], &shopify());
        assert!(exceptions.is_empty(), "{exceptions:?}");
        let expected = dispatch("DS1", 0)
            .carrier("Royal Mail")
            .parcel(Parcel::tracked("RM123", None))
            .item(line(1), 2)
            .bundle(
                line(2),
                vec![
                    BundleComponent::new("CUP", 2, 2),
                    BundleComponent::new("TEA", 1, 1),
                ],
            );
        assert_eq!(dispatches, vec![expected]);
        // And the plan fulfils the line and the whole bundle.
        let plan = plan_fulfilments(&dispatches, &[shopify()], &config());
        assert_eq!(
            plan.creates[0].lines,
            vec![
                PlannedLine {
                    line_item: line(1),
                    quantity: 2
                },
                PlannedLine {
                    line_item: line(2),
                    quantity: 1
                },
            ]
        );
    }

    #[test]
    fn unreadable_dispatches_are_reported_whole() {
        let unknown = stokly_dispatch(
            json!([{"lineId": "l1", "quantity": 1}, {"lineId": "l9", "quantity": 1}]),
        );
        let (dispatches, exceptions) = dispatches_from_stokly(
            &sale_order("1001"),
            &lines(),
            std::slice::from_ref(&unknown),
            &shopify(),
        );
        assert!(dispatches.is_empty());
        assert_eq!(
            exceptions,
            vec![FulfilmentException::DispatchNotMapped {
                order: OrderId::from_numeric(ORDER),
                dispatch: "DS1".into(),
                field: "items[1].lineId".into(),
                problem: "has a SKU on no line of the Shopify order".into(),
            }]
        );
        let (_, exceptions) =
            dispatches_from_stokly(&sale_order("999"), &lines(), &[unknown], &shopify());
        assert_eq!(codes_of(&exceptions), vec!["dispatch_not_mapped"]);
        let half = stokly_dispatch(json!([{"lineId": "l1", "quantity": 1.5}]));
        let (_, exceptions) =
            dispatches_from_stokly(&sale_order("1001"), &lines(), &[half], &shopify());
        let FulfilmentException::DispatchNotMapped { field, .. } = &exceptions[0] else {
            panic!()
        };
        assert_eq!(field, "items[0].quantity");
    }

    #[test]
    fn parcels_carry_their_own_tracking_and_must_share_a_carrier() {
        let mut d = stokly_dispatch(json!([{"lineId": "l1", "quantity": 2}]));
        d.parcels = serde_json::from_value(json!([
            {"trackingNumber": "RM1", "trackingUrl": "https://track.example/RM1"},
            {"carrier": " Royal Mail ", "trackingNumber": 442},
            {"carrier": "Royal Mail"}
        ]))
        .unwrap();
        let (dispatches, exceptions) = dispatches_from_stokly(
            &sale_order("1001"),
            &lines(),
            std::slice::from_ref(&d),
            &shopify(),
        );
        assert!(exceptions.is_empty(), "{exceptions:?}");
        let expected = dispatch("DS1", 0)
            .carrier("Royal Mail")
            .parcel(Parcel::tracked(
                "RM1",
                Some("https://track.example/RM1".into()),
            ))
            .parcel(Parcel::tracked("442", None))
            .item(line(1), 2);
        assert_eq!(dispatches, vec![expected]);
        // One fulfilment with both numbers, paired by position.
        let plan = plan_fulfilments(&dispatches, &[shopify()], &config());
        assert_eq!(plan.creates.len(), 1);
        assert_eq!(plan.creates[0].tracking_numbers(), ["RM1", "442"]);

        d.parcels[1].carrier = Some("DPD".into());
        let (dispatches, exceptions) =
            dispatches_from_stokly(&sale_order("1001"), &lines(), &[d], &shopify());
        assert!(dispatches.is_empty());
        assert_eq!(
            exceptions,
            vec![FulfilmentException::DispatchNotMapped {
                order: OrderId::from_numeric(ORDER),
                dispatch: "DS1".into(),
                field: "parcels[1].carrier".into(),
                problem: "differs from the first parcel's carrier (a dispatch's lines are not split by parcel)".into(),
            }]
        );
    }

    fn codes_of(e: &[FulfilmentException]) -> Vec<&'static str> {
        e.iter().map(DomainException::code).collect()
    }
}
