//! Applying a fulfilment plan to Shopify (wiremock): every create goes through the
//! exactly-once protocol. A lost answer is settled by re-reading the order's fulfilments and
//! matching on tracking numbers; a rerun finds what exists and sends nothing; Shopify's
//! refusals are reported with its message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code should fail loudly

mod support;

use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use serde_json::{Value, json};
use stokly_shopify::adapters::fulfilment::{FulfilmentPorts, WriteResult, apply_fulfilment_plan};
use stokly_shopify::domain::fulfilment::{Dispatch, FulfilmentConfig, Parcel, plan_fulfilments};
use stokly_shopify::domain::ports::Clock;
use stokly_shopify::domain::posting::InMemoryPostingLedger;
use stokly_shopify::shopify::model::OrderFulfillments;
use stokly_shopify::shopify::{LineItemId, LocationId, OrderId};
use stokly_shopify::stokly::{LocationId as StoklyLocationId, SaleOrderId};
use support::*;
use wiremock::matchers::{body_partial_json, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A clock that jumps to the end of every sleep.
struct SteppingClock(Mutex<DateTime<Utc>>);

#[async_trait]
impl Clock for SteppingClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
    async fn sleep_until(&self, until: DateTime<Utc>) {
        let mut now = self.0.lock().unwrap();
        if until > *now {
            *now = until;
        }
    }
}

fn clock() -> SteppingClock {
    SteppingClock(Mutex::new(
        Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).unwrap(),
    ))
}

fn header(fulfillments: Value) -> Value {
    json!({"data": {"order": {
        "id": "gid://shopify/Order/1001", "name": "#1001", "cancelledAt": null,
        "fulfillments": fulfillments
    }}})
}

fn made() -> Value {
    json!([{
        "id": "gid://shopify/Fulfillment/77", "status": "SUCCESS",
        "location": {"id": "gid://shopify/Location/7"},
        "trackingInfo": [{"company": "UPS", "number": "1Z1", "url": null}],
        "fulfillmentLineItems": {"nodes": [{"lineItem": {"id": "gid://shopify/LineItem/55"}, "quantity": 2}]}
    }])
}

async fn mount_fulfillment_orders(server: &MockServer) {
    Mock::given(method("POST"))
        .and(body_partial_json(json!({"operationName": "OrderFulfillmentOrders"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": {"order": {
            "fulfillmentOrders": {"nodes": [], "pageInfo": {"hasNextPage": false, "endCursor": null}}
        }}})))
        .mount(server)
        .await;
}

fn state() -> OrderFulfillments {
    serde_json::from_value(json!({
        "id": "gid://shopify/Order/1001", "name": "#1001",
        "fulfillmentOrders": {"nodes": [{
            "id": "gid://shopify/FulfillmentOrder/1", "status": "OPEN",
            "assignedLocation": {"location": {"id": "gid://shopify/Location/7"}},
            "supportedActions": [{"action": "CREATE_FULFILLMENT"}],
            "lineItems": {"nodes": [{
                "id": "gid://shopify/FulfillmentOrderLineItem/11",
                "lineItem": {"id": "gid://shopify/LineItem/55"},
                "remainingQuantity": 2, "totalQuantity": 2
            }]}
        }]},
        "fulfillments": []
    }))
    .unwrap()
}

fn plan_one() -> stokly_shopify::domain::fulfilment::FulfilmentPlan {
    let mut locations = BTreeMap::new();
    locations.insert(
        StoklyLocationId::new("wh-1").unwrap(),
        LocationId::from_numeric(7),
    );
    let d = Dispatch::new(
        "D1",
        SaleOrderId::new("so-1").unwrap(),
        OrderId::from_numeric(1001),
        StoklyLocationId::new("wh-1").unwrap(),
        Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap(),
    )
    .carrier("UPS")
    .parcel(Parcel::tracked("1Z1", None))
    .item(LineItemId::from_numeric(55), 2);
    let plan = plan_fulfilments(&[d], &[state()], &FulfilmentConfig::new(locations));
    assert_eq!(plan.creates.len(), 1);
    plan
}

#[tokio::test]
async fn a_lost_answer_is_settled_by_reading_the_orders_fulfilments() {
    let server = MockServer::start().await;
    mount_fulfillment_orders(&server).await;
    // Before the create: no fulfilment. After it: the one the lost answer made.
    Mock::given(method("POST"))
        .and(body_partial_json(
            json!({"operationName": "OrderFulfillments"}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(header(json!([]))))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .named("look-up before the create")
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(body_partial_json(
            json!({"operationName": "OrderFulfillments"}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(header(made())))
        .with_priority(2)
        .expect(1)
        .named("settling look-up")
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(body_partial_json(
            json!({"operationName": "FulfillmentCreate"}),
        ))
        .respond_with(ResponseTemplate::new(502))
        .expect(1)
        .named("create, answer lost")
        .mount(&server)
        .await;
    let shopify = client(&server);
    let ledger = InMemoryPostingLedger::new();
    let clock = clock();
    let report = apply_fulfilment_plan(
        &plan_one(),
        &[state()],
        FulfilmentPorts::new(&shopify, &ledger, &clock, "acme"),
    )
    .await;
    // The create this run sent was found: it is this run's, made once (the create mock
    // expects exactly one call), and not reported as a failure.
    assert_eq!(report.writes.len(), 1);
    assert_eq!(
        report.writes[0].result,
        WriteResult::Done {
            id: "gid://shopify/Fulfillment/77".into()
        }
    );
}

#[tokio::test]
async fn a_rerun_finds_the_fulfilment_and_sends_no_create() {
    let server = MockServer::start().await;
    mount_fulfillment_orders(&server).await;
    Mock::given(method("POST"))
        .and(body_partial_json(
            json!({"operationName": "OrderFulfillments"}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(header(made())))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(body_partial_json(
            json!({"operationName": "FulfillmentCreate"}),
        ))
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    let shopify = client(&server);
    let ledger = InMemoryPostingLedger::new();
    let clock = clock();
    let report = apply_fulfilment_plan(
        &plan_one(),
        &[state()],
        FulfilmentPorts::new(&shopify, &ledger, &clock, "acme"),
    )
    .await;
    assert!(matches!(
        report.writes[0].result,
        WriteResult::AlreadyDone { .. }
    ));
    assert_eq!(report.done(), 0);
}

#[tokio::test]
async fn a_create_and_a_refusal_are_reported() {
    let server = MockServer::start().await;
    mount_fulfillment_orders(&server).await;
    Mock::given(method("POST"))
        .and(body_partial_json(
            json!({"operationName": "OrderFulfillments"}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(header(json!([]))))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(body_partial_json(json!({"operationName": "FulfillmentCreate", "variables": {"fulfillment": {
            "trackingInfo": {"company": "UPS", "numbers": ["1Z1"], "urls": []},
            "notifyCustomer": true,
            "lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": "gid://shopify/FulfillmentOrder/1",
                "fulfillmentOrderLineItems": [{"id": "gid://shopify/FulfillmentOrderLineItem/11", "quantity": 2}]}]
        }}})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": {"fulfillmentCreate": {
            "fulfillment": null,
            "userErrors": [{"field": ["fulfillment"], "message": "Fulfillment order 1 has an unfulfillable status= closed."}]
        }}})))
        .expect(1)
        .mount(&server)
        .await;
    let shopify = client(&server);
    let ledger = InMemoryPostingLedger::new();
    let clock = clock();
    let report = apply_fulfilment_plan(
        &plan_one(),
        &[state()],
        FulfilmentPorts::new(&shopify, &ledger, &clock, "acme"),
    )
    .await;
    assert_eq!(
        report.writes[0].result,
        WriteResult::Refused {
            operation: "fulfillmentCreate".into(),
            message: "Fulfillment order 1 has an unfulfillable status= closed.".into()
        }
    );
}

fn fo(id: u64, location: u64, line: u64, total: i64) -> Value {
    json!({
        "id": format!("gid://shopify/FulfillmentOrder/{id}"), "status": "OPEN",
        "assignedLocation": {"location": {"id": format!("gid://shopify/Location/{location}")}},
        "supportedActions": [{"action": "CREATE_FULFILLMENT"}, {"action": "MOVE"}],
        "lineItems": {"nodes": [{
            "id": format!("gid://shopify/FulfillmentOrderLineItem/{line}"),
            "lineItem": {"id": "gid://shopify/LineItem/55"},
            "remainingQuantity": total, "totalQuantity": total
        }], "pageInfo": {"hasNextPage": false, "endCursor": null}}
    })
}

fn fos(nodes: Value) -> Value {
    json!({"data": {"order": {"fulfillmentOrders": {
        "nodes": nodes, "pageInfo": {"hasNextPage": false, "endCursor": null}
    }}}})
}

#[tokio::test]
async fn a_move_whose_answer_was_lost_is_found_by_reading_the_fulfillment_orders() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(body_partial_json(
            json!({"operationName": "OrderFulfillments"}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(header(json!([]))))
        .mount(&server)
        .await;
    // Before the move: three units at location 7. After it: two there, one at location 8.
    Mock::given(method("POST"))
        .and(body_partial_json(
            json!({"operationName": "OrderFulfillmentOrders"}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(fos(json!([fo(1, 7, 11, 3)]))))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .named("look-up before the move")
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(body_partial_json(
            json!({"operationName": "OrderFulfillmentOrders"}),
        ))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(fos(json!([fo(1, 7, 11, 2), fo(2, 8, 21, 1)]))),
        )
        .with_priority(2)
        .expect(1)
        .named("settling look-up")
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(body_partial_json(json!({
            "operationName": "FulfillmentOrderMove",
            "variables": {
                "id": "gid://shopify/FulfillmentOrder/1",
                "newLocationId": "gid://shopify/Location/8",
                "fulfillmentOrderLineItems": [{"id": "gid://shopify/FulfillmentOrderLineItem/11", "quantity": 1}]
            }
        })))
        .respond_with(ResponseTemplate::new(502))
        .expect(1)
        .named("move, answer lost")
        .mount(&server)
        .await;
    let known: OrderFulfillments = serde_json::from_value(json!({
        "id": "gid://shopify/Order/1001", "name": "#1001",
        "fulfillmentOrders": {"nodes": [fo(1, 7, 11, 3)]},
        "fulfillments": []
    }))
    .unwrap();
    let mut locations = BTreeMap::new();
    locations.insert(
        StoklyLocationId::new("wh-2").unwrap(),
        LocationId::from_numeric(8),
    );
    let config = FulfilmentConfig::new(locations)
        .with_location_mismatch(stokly_shopify::domain::fulfilment::LocationMismatchPolicy::Move);
    let d = Dispatch::new(
        "D2",
        SaleOrderId::new("so-1").unwrap(),
        OrderId::from_numeric(1001),
        StoklyLocationId::new("wh-2").unwrap(),
        Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap(),
    )
    .carrier("UPS")
    .parcel(Parcel::tracked("1Z2", None))
    .item(LineItemId::from_numeric(55), 1);
    let plan = plan_fulfilments(&[d], std::slice::from_ref(&known), &config);
    assert_eq!(plan.moves.len(), 1, "{plan:?}");
    let shopify = client(&server);
    let ledger = InMemoryPostingLedger::new();
    let clock = clock();
    let report = apply_fulfilment_plan(
        &plan,
        &[known],
        FulfilmentPorts::new(&shopify, &ledger, &clock, "acme"),
    )
    .await;
    // Sent once (the mock expects one call), found by the settling read, reported as done.
    assert_eq!(report.writes.len(), 1);
    assert_eq!(
        report.writes[0].result,
        WriteResult::Done {
            id: "gid://shopify/FulfillmentOrder/2".into()
        }
    );
}
